/*
 * ct_root.c: a bound root that outlives the container's reboots
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A host directory given as the root (<filesystem type='mount'> with
 * target '/') is bound at start onto NAME.root in the state directory,
 * and the container gets that bind.  A client may unmount the source on
 * the host once the container runs (Nova does so for every instance);
 * a reboot, which starts init anew, still finds the root the container
 * had.  Kept over a reboot, released when the container stops.
 */

#include <config.h>

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "ct_root.h"
#include "ct_domain_plan.h"

#include "virerror.h"
#include "virfile.h"
#include "virlog.h"

#define VIR_FROM_THIS VIR_FROM_NONE

VIR_LOG_INIT("ct.ct_root");

static const virDomainFSDef *
virCTRootBound(const virDomainDef *def)
{
    size_t i;

    for (i = 0; i < def->nfss; i++) {
        if (STREQ(def->fss[i]->dst, "/"))
            return def->fss[i]->type == VIR_DOMAIN_FS_TYPE_MOUNT ? def->fss[i] : NULL;
    }
    return NULL;
}

/* Whether @path is the root of a mount (bound onto a directory of the
 * same file system too, which st_dev cannot tell). */
static bool
virCTRootIsMountRoot(const char *path)
{
    struct statx stx;

    if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &stx) < 0)
        return false;
    return (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
           (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

/* Binds @src (never through a symbolic link: a directory on its path may
 * be writable by a container) onto @path, private to it. */
static int
virCTRootBind(const char *src, const char *path)
{
    struct open_how how = {
        .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
        .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
    };
    VIR_AUTOCLOSE srcFd = -1;
    VIR_AUTOCLOSE tree = -1;

    if ((srcFd = syscall(SYS_openat2, AT_FDCWD, src, &how, sizeof(how))) < 0) {
        if (errno == ELOOP)
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("'%1$s' has a symbolic link in its path: give a container's "
                             "directories by their real path"),
                           src);
        else
            virReportSystemError(errno, _("cannot open root '%1$s'"), src);
        return -1;
    }
    if (mkdir(path, 0700) < 0 && errno != EEXIST) {
        virReportSystemError(errno, _("cannot create '%1$s'"), path);
        return -1;
    }
    tree = open_tree(srcFd, "", AT_EMPTY_PATH | AT_RECURSIVE | OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    if (tree < 0) {
        virReportSystemError(errno, _("cannot bind-mount root '%1$s'"), src);
        return -1;
    }
    if (move_mount(tree, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH) < 0) {
        virReportSystemError(errno, _("cannot bind-mount root '%1$s' on '%2$s'"), src, path);
        return -1;
    }
    /* nothing mounted or unmounted below the source reaches it later */
    if (mount(NULL, path, NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
        virReportSystemError(errno, _("cannot make '%1$s' private"), path);
        umount2(path, MNT_DETACH);
        return -1;
    }
    return 0;
}

/* The bind of @vm's root for its plan in @keptRoot (NULL without a bound
 * root): the one kept over a reboot, or a new one of the source. */
int
virCTRootKeep(virCTDriver *driver, virDomainObj *vm, char **keptRoot)
{
    const virDomainFSDef *fs = virCTRootBound(vm->def);
    g_autofree char *path = NULL;

    *keptRoot = NULL;
    if (!fs)
        return 0;
    path = virCTDomainStatePath(driver->config, vm->def->name, VIR_CT_ROOT_SUFFIX);
    if (virCTRootIsMountRoot(path)) {
        VIR_DEBUG("'%s' keeps its root '%s'", vm->def->name, path);
    } else {
        VIR_DEBUG("binding the root '%s' of '%s' on '%s'", fs->src->path, vm->def->name, path);
        if (virCTRootBind(fs->src->path, path) < 0)
            return -1;
    }
    *keptRoot = g_steal_pointer(&path);
    return 0;
}

/* Never removes anything below @path but the empty mount point. */
void
virCTRootReleasePath(const char *path)
{
    if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
        VIR_WARN("cannot unmount '%s': %s", path, g_strerror(errno));
    if (rmdir(path) < 0 && errno != ENOENT)
        VIR_WARN("cannot remove '%s': %s", path, g_strerror(errno));
}

void
virCTRootRelease(virCTDriver *driver, virDomainObj *vm)
{
    g_autofree char *path = virCTDomainStatePath(driver->config, vm->def->name, VIR_CT_ROOT_SUFFIX);

    virCTRootReleasePath(path);
}
