/*
 * ct_copy.c: copying files and trees of the store without copying data
 * where the file system can share it
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "ct_copy.h"
#include "ct_template.h"
#include "vircommand.h"
#include "virerror.h"
#include "virfile.h"
#include "virstring.h"

#define VIR_FROM_THIS VIR_FROM_NONE

static const char *const overlayPrefixes[] = { "user.overlay.", "trusted.overlay." };

static bool
virCTCopyIsOverlayXattr(const char *name)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(overlayPrefixes); i++) {
        if (STRPREFIX(name, overlayPrefixes[i]))
            return true;
    }
    return false;
}

bool
virCTCopyCanReflink(const char *fromDir, const char *toDir)
{
    g_autofree char *from = g_strdup_printf("%s/.reflink-probe.%d", fromDir, (int)getpid());
    g_autofree char *to = g_strdup_printf("%s/.reflink-probe.%d", toDir, (int)getpid());
    VIR_AUTOCLOSE ifd = open(from, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    VIR_AUTOCLOSE ofd = -1;
    char block[4096] = { 1 };
    bool ok = false;

    if (ifd < 0)
        return false;
    if (write(ifd, block, sizeof(block)) == sizeof(block) && fsync(ifd) == 0 &&
        (ofd = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) >= 0)
        ok = ioctl(ofd, FICLONE, ifd) == 0;
    unlink(from);
    if (ofd >= 0)
        unlink(to);
    return ok;
}

/* Copies [@off, @end) of @ifd to the same place in @ofd: in the kernel
 * where it can (copy_file_range), else through a buffer (between file
 * systems of different types, say).  Returns the bytes copied or -1. */
static ssize_t
virCTCopyRange(int ifd, int ofd, off_t off, off_t end, bool *inKernel)
{
    char buf[64 * 1024];
    off_t in = off;
    off_t out = off;
    ssize_t done;
    ssize_t w = 0;
    ssize_t n;

    if (*inKernel) {
        if ((n = copy_file_range(ifd, &in, ofd, &out, end - off, 0)) >= 0)
            return n;
        if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
            return -1;
        *inKernel = false;
    }
    if ((n = pread(ifd, buf, MIN((off_t)sizeof(buf), end - off), off)) <= 0)
        return n;
    for (done = 0; done < n; done += w) {
        if ((w = pwrite(ofd, buf + done, n - done, off + done)) < 0)
            return -1;
    }
    return n;
}

/* Copies the data of @ifd (@size bytes) into the empty @ofd extent by
 * extent: holes are skipped. */
static int
virCTCopySparse(int ifd, int ofd, off_t size, const char *from, virCTCopyStats *stats)
{
    bool inKernel = true;
    off_t data = 0;
    off_t hole;

    while (data < size) {
        if ((data = lseek(ifd, data, SEEK_DATA)) < 0) {
            if (errno == ENXIO)
                break; /* only a hole remains */
            virReportSystemError(errno, _("cannot read '%1$s'"), from);
            return -1;
        }
        if ((hole = lseek(ifd, data, SEEK_HOLE)) < 0) {
            virReportSystemError(errno, _("cannot read '%1$s'"), from);
            return -1;
        }
        while (data < hole) {
            ssize_t n = virCTCopyRange(ifd, ofd, data, hole, &inKernel);

            if (n <= 0) {
                virReportSystemError(n < 0 ? errno : EIO, _("cannot copy '%1$s'"), from);
                return -1;
            }
            data += n;
            if (stats)
                stats->copied += n;
        }
    }
    if (ftruncate(ofd, size) < 0) {
        virReportSystemError(errno, _("cannot copy '%1$s'"), from);
        return -1;
    }
    return 0;
}

int
virCTCopyFile(const char *from, const char *to, bool stripOverlay, virCTCopyStats *stats)
{
    VIR_AUTOCLOSE ifd = open(from, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
    VIR_AUTOCLOSE ofd = -1;
    struct stat sb;

    if (ifd < 0 || fstat(ifd, &sb) < 0) {
        virReportSystemError(errno, _("cannot open '%1$s'"), from);
        return -1;
    }
    if ((ofd = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0) {
        virReportSystemError(errno, _("cannot create '%1$s'"), to);
        return -1;
    }
    if (sb.st_size > 0 && ioctl(ofd, FICLONE, ifd) == 0) {
        if (stats)
            stats->reflinked += sb.st_size;
    } else if (virCTCopySparse(ifd, ofd, sb.st_size, from, stats) < 0) {
        unlink(to);
        return -1;
    }
    if (stats)
        stats->files++;
    if (virCTCopyMetadata(from, to, &sb, stripOverlay) < 0) {
        unlink(to);
        return -1;
    }
    return 0;
}

static int
virCTCopyXattrs(const char *from, const char *to, bool stripOverlay)
{
    g_autofree char *names = NULL;
    ssize_t len = llistxattr(from, NULL, 0);
    ssize_t off;

    if (len <= 0)
        return 0;
    names = g_new0(char, len + 1);
    if ((len = llistxattr(from, names, len)) < 0) {
        virReportSystemError(errno, _("cannot list extended attributes of '%1$s'"), from);
        return -1;
    }
    for (off = 0; off < len; off += strlen(names + off) + 1) {
        const char *name = names + off;
        g_autofree char *value = NULL;
        ssize_t vlen;

        if (stripOverlay && virCTCopyIsOverlayXattr(name))
            continue;
        if ((vlen = lgetxattr(from, name, NULL, 0)) < 0)
            continue; /* gone meanwhile */
        value = g_new0(char, vlen + 1);
        if ((vlen = lgetxattr(from, name, value, vlen)) < 0 ||
            lsetxattr(to, name, value, vlen, 0) < 0) {
            virReportSystemError(errno, _("cannot copy attribute '%1$s' of '%2$s'"), name, from);
            return -1;
        }
    }
    return 0;
}

int
virCTCopyMetadata(const char *from, const char *to, const struct stat *sb, bool stripOverlay)
{
    struct timespec times[2] = { sb->st_atim, sb->st_mtim };

    /* owner first: chown drops set-id bits and file capabilities */
    if (lchown(to, sb->st_uid, sb->st_gid) < 0) {
        virReportSystemError(errno, _("cannot change the owner of '%1$s'"), to);
        return -1;
    }
    if (!S_ISLNK(sb->st_mode) && chmod(to, sb->st_mode & 07777) < 0) {
        virReportSystemError(errno, _("cannot change the mode of '%1$s'"), to);
        return -1;
    }
    if (virCTCopyXattrs(from, to, stripOverlay) < 0)
        return -1;
    if (utimensat(AT_FDCWD, to, times, AT_SYMLINK_NOFOLLOW) < 0) {
        virReportSystemError(errno, _("cannot set the times of '%1$s'"), to);
        return -1;
    }
    return 0;
}

char *
virCTCopyGetOverlayXattr(const char *path, const char *attr)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(overlayPrefixes); i++) {
        g_autofree char *name = g_strdup_printf("%s%s", overlayPrefixes[i], attr);
        char value[4096];
        ssize_t len = lgetxattr(path, name, value, sizeof(value) - 1);

        if (len >= 0) {
            value[len] = '\0';
            return g_strdup(value);
        }
    }
    return NULL;
}

int
virCTCopyTree(const char *from, const char *to)
{
    g_autofree char *src = g_strdup_printf("%s/.", from);
    g_autoptr(virCommand) cmd = NULL;
    g_autofree char *err = NULL;
    int status = 0;

    if (g_mkdir_with_parents(to, 0700) < 0) {
        virReportSystemError(errno, _("cannot create '%1$s'"), to);
        return -1;
    }
    /* cp -a keeps what a layer holds (whiteouts are device nodes, opaque
     * directories attributes of the trusted or user namespace) */
    cmd = virCommandNewArgList("cp", "-a", "--reflink=auto", "--sparse=always", src, to, NULL);
    virCommandSetErrorBuffer(cmd, &err);
    if (virCommandRun(cmd, &status) < 0 || status != 0) {
        if (status != 0)
            virReportError(VIR_ERR_OPERATION_FAILED, _("cannot copy '%1$s' to '%2$s': %3$s"), from,
                           to, g_strstrip(NULLSTR_EMPTY(err)));
        virErrorPtr saved;

        virErrorPreserveLast(&saved);
        ignore_value(virCTStoreDeleteTree(to));
        virErrorRestore(&saved);
        return -1;
    }
    return 0;
}
