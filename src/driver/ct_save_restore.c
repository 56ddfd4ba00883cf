/*
 * ct_save_restore.c: restore of containers checkpointed by ct_save.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * virsh restore, start from a managed save image (and autostart), the
 * definition in an image (dumpxml, define), the managed image's queries.
 * A restore checks and unpacks the image (ct_save_image.h) and starts the
 * container as a boot does, except that its supervisor runs CRIU instead
 * of init (ct_restore.c in the supervisor): same plan, same root and
 * layer, new cgroups and console.
 */

#include <config.h>

#include <fcntl.h>
#include <sys/stat.h>

#include "ct_save.h"
#include "ct_save_priv.h"
#include "ct_save_image.h"
#include "ct_domain.h"
#include "ct_domain_api.h"
#include "ct_domain_input.h"
#include "ct_domain_plan.h"
#include "ct_idrange.h"
#include "ct_layer.h"
#include "ct_plan.h"
#include "ct_process.h"

#include "datatypes.h"
#include "viraccessapicheck.h"
#include "virdomainjob.h"
#include "virerror.h"
#include "virfile.h"
#include "virlog.h"
#include "virstring.h"

#define VIR_FROM_THIS VIR_FROM_NONE

VIR_LOG_INIT("ct.ct_save_restore");

/* ---------------------------------------------------------- the restore */

/* A restore-mount line names one of the container's cgroup mounts
 * ("ct-cg-N", as ct_save.c writes it) and the host's cgroup directory it
 * is: anything else (a migration's data says what it likes) is no line
 * of ours. */
static bool
virCTSaveCheckMount(const char *key, const char *path)
{
    const char *digits;

    if (!g_str_has_prefix(key, "ct-cg-") || !*(digits = key + 6) ||
        strspn(digits, "0123456789") != strlen(digits))
        return false;
    return g_str_has_prefix(path, "/sys/fs/cgroup/") && !strstr(path, "/..") && !strstr(path, "//");
}

/* The meta lines of an image into the restore* fields of @restore. */
static int
virCTSaveParseMeta(const char *path, const char *meta, ctPlan *restore, bool *paused)
{
    g_auto(GStrv) lines = g_strsplit(meta, "\n", 0);
    size_t i;

    for (i = 0; lines[i]; i++) {
        g_auto(GStrv) f = NULL;
        g_autofree char *a = NULL;
        g_autofree char *b = NULL;
        size_t n;

        if (!*lines[i])
            continue;
        f = g_strsplit(lines[i], " ", 0);
        n = g_strv_length(f);
        if (n >= 2 && !(a = ctPlanUnescape(f[1])))
            goto bad;
        if (n >= 3 && !(b = ctPlanUnescape(f[2])))
            goto bad;
        if (STREQ(f[0], "state") && n == 2) {
            *paused = STREQ(a, "paused");
        } else if (STREQ(f[0], "restore-tty") && n == 2) {
            g_free(restore->restoreTty);
            restore->restoreTty = g_steal_pointer(&a);
        } else if (STREQ(f[0], "restore-cgroup") && n == 2) {
            g_free(restore->restoreCgroup);
            restore->restoreCgroup = g_steal_pointer(&a);
        } else if (STREQ(f[0], "restore-mount") && n == 3 && virCTSaveCheckMount(a, b)) {
            restore->restoreMounts =
                g_renew(ctPlanRestoreMount, restore->restoreMounts, restore->nrestoreMounts + 1);
            restore->restoreMounts[restore->nrestoreMounts].key = g_steal_pointer(&a);
            restore->restoreMounts[restore->nrestoreMounts].path = g_steal_pointer(&b);
            restore->nrestoreMounts++;
        } else {
            goto bad;
        }
    }
    return 0;

 bad:
    virReportError(VIR_ERR_OPERATION_FAILED,
                   _("'%1$s' is not a container save image of this version: bad line '%2$s'"), path,
                   lines[i]);
    return -1;
}

int
virCTSaveRestoreFromDir(virCTDriver *driver, virDomainObj *vm, virConnectPtr conn, const char *dir,
                        const char *what, const char *meta, unsigned int flags,
                        virDomainRunningReason reason, virObjectEvent **events)
{
    g_autoptr(ctPlan) restore = g_new0(ctPlan, 1);
    unsigned int startFlags = 0;
    bool migrated = reason == VIR_DOMAIN_RUNNING_MIGRATED;
    bool snapshot = reason == VIR_DOMAIN_RUNNING_FROM_SNAPSHOT;
    bool paused = false;

    if (virCTSaveCheckCriu(driver) < 0)
        return -1;
    if (virCTSaveParseMeta(what, meta, restore, &paused) < 0)
        return -1;
    /* the checkpoint's processes belong to the files of its layer */
    if (virCTLayerCheckSaved(driver, vm->def) < 0)
        return -1;
    if ((flags & VIR_DOMAIN_SAVE_RUNNING))
        paused = false;
    if ((flags & VIR_DOMAIN_SAVE_PAUSED))
        paused = true;
    restore->restoreDir = g_strdup(dir);
    if (paused)
        startFlags |= VIR_CT_PROCESS_START_PAUSED;
    if (virCTProcessStartRestore(driver, vm, conn, startFlags, reason, restore) < 0)
        return -1;
    virCTLayerRestored(driver, vm->def, vm->persistent);
    events[0] =
        virDomainEventLifecycleNewFromObj(vm, VIR_DOMAIN_EVENT_STARTED,
                                          migrated   ? VIR_DOMAIN_EVENT_STARTED_MIGRATED
                                          : snapshot ? VIR_DOMAIN_EVENT_STARTED_FROM_SNAPSHOT
                                                     : VIR_DOMAIN_EVENT_STARTED_RESTORED);
    if (paused)
        events[1] =
            virDomainEventLifecycleNewFromObj(vm, VIR_DOMAIN_EVENT_SUSPENDED,
                                              migrated   ? VIR_DOMAIN_EVENT_SUSPENDED_MIGRATED
                                              : snapshot ? VIR_DOMAIN_EVENT_SUSPENDED_FROM_SNAPSHOT
                                                         : VIR_DOMAIN_EVENT_SUSPENDED_RESTORED);
    return 0;
}

/* The image is checked as its files are extracted, then the container
 * starts as a boot does with CRIU in init's place. */
int
virCTSaveRestoreImage(virCTDriver *driver, virDomainObj *vm, virConnectPtr conn,
                      virCTSaveImage *img, const char *path, const char *meta, unsigned int flags,
                      virDomainRunningReason reason, virObjectEvent **events)
{
    g_autofree char *dir = NULL;
    int ret = -1;
    int rc;

    if (!(dir = virCTSaveRestoreWorkDir(driver, vm->def->name)))
        return -1;
    /* the job keeps the domain ours while the files are copied */
    virObjectUnlock(vm);
    rc = virCTSaveImageExtract(img, dir);
    virObjectLock(vm);
    if (rc < 0)
        goto cleanup;
    ret = virCTSaveRestoreFromDir(driver, vm, conn, dir, path, meta, flags, reason, events);

 cleanup:
    if (virFileDeleteTree(dir) < 0)
        virResetLastError();
    return ret;
}

char *
virCTSaveRestoreWorkDir(virCTDriver *driver, const char *name)
{
    g_autofree char *dir = virCTSaveWorkDir(driver, name, "restore");

    if (virCTSaveCheckCriu(driver) < 0 || virCTSaveMakeWorkDir(driver, dir) < 0)
        return NULL;
    if (chmod(dir, 0755) < 0) {
        virReportSystemError(errno, _("cannot open '%1$s' to CRIU"), dir);
        ignore_value(virFileDeleteTree(dir));
        return NULL;
    }
    return g_steal_pointer(&dir);
}

static virDomainDef *
virCTSaveParseXML(virCTDriver *driver, const char *path, const char *xml)
{
    virDomainDef *def = virCTDomainInputParse(driver, xml, false);

    if (!def)
        virReportError(VIR_ERR_OPERATION_FAILED,
                       _("the definition in save image '%1$s' is not valid: %2$s"), path,
                       virGetLastErrorMessage());
    return def;
}

/* A restore that failed leaves a persistent domain with the definition
 * it had, and no transient one behind. */
static void
virCTSaveRestoreFailed(virCTDriver *driver, virDomainObj *vm)
{
    if (virDomainObjIsActive(vm))
        return;
    if (vm->persistent)
        virDomainObjRemoveTransientDef(vm);
    else
        virCTDriverRemoveDomain(driver, vm);
}

int
ctDomainRestoreFlags(virConnectPtr conn, const char *from, const char *dxml, unsigned int flags)
{
    virCTDriver *driver = conn->privateData;
    g_autofree char *keyDir = virCTSaveDir(driver);
    g_autoptr(virCTSaveImage) img = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *meta = NULL;
    g_autoptr(virDomainDef) def = NULL;
    virObjectEvent *events[2] = { NULL, NULL };
    virDomainObj *vm = NULL;
    int ret = -1;

    virCheckFlags(VIR_DOMAIN_SAVE_BYPASS_CACHE | VIR_DOMAIN_SAVE_RUNNING | VIR_DOMAIN_SAVE_PAUSED,
                  -1);
    VIR_EXCLUSIVE_FLAGS_RET(VIR_DOMAIN_SAVE_RUNNING, VIR_DOMAIN_SAVE_PAUSED, -1);
    if (dxml) {
        virReportError(
            VIR_ERR_ARGUMENT_UNSUPPORTED, "%s",
            _("a different definition for the restored container is not supported; use save-image-define"));
        return -1;
    }
    if (!(img = virCTSaveImageOpen(keyDir, from, &xml, &meta)))
        return -1;
    if (!(def = virCTSaveParseXML(driver, from, xml)))
        return -1;
    if (virDomainRestoreFlagsEnsureACL(conn, def) < 0)
        return -1;
    VIR_WITH_MUTEX_LOCK_GUARD (&driver->idLock) {
        if (virCTIdRangeAssign(driver, def, true) < 0)
            return -1;
        vm = virDomainObjListAdd(driver->domains, &def, driver->xmlopt,
                                 VIR_DOMAIN_OBJ_LIST_ADD_LIVE | VIR_DOMAIN_OBJ_LIST_ADD_CHECK_LIVE,
                                 NULL);
    }
    if (!vm)
        return -1;
    if (virDomainObjBeginJob(vm, VIR_JOB_MODIFY) < 0) {
        virCTSaveRestoreFailed(driver, vm);
        goto cleanup;
    }
    ret = virCTSaveRestoreImage(driver, vm, conn, img, from, meta, flags,
                                VIR_DOMAIN_RUNNING_RESTORED, events);
    virDomainObjEndJob(vm);
    if (ret < 0)
        virCTSaveRestoreFailed(driver, vm);

 cleanup:
    virDomainObjEndAPI(&vm);
    virObjectEventStateQueue(driver->domainEventState, events[0]);
    virObjectEventStateQueue(driver->domainEventState, events[1]);
    return ret;
}

int
ctDomainRestore(virConnectPtr conn, const char *from)
{
    return ctDomainRestoreFlags(conn, from, NULL, 0);
}

static char *
virCTSaveImageXML(virCTDriver *driver, const char *path, unsigned int flags, virDomainDef **out)
{
    g_autofree char *keyDir = virCTSaveDir(driver);
    g_autoptr(virCTSaveImage) img = NULL;
    g_autofree char *xml = NULL;
    g_autoptr(virDomainDef) def = NULL;
    char *ret;

    if (!(img = virCTSaveImageOpen(keyDir, path, &xml, NULL)))
        return NULL;
    if (!(def = virCTSaveParseXML(driver, path, xml)))
        return NULL;
    ret = virDomainDefFormat(
        def, driver->xmlopt,
        (flags & VIR_DOMAIN_SAVE_IMAGE_XML_SECURE) ? VIR_DOMAIN_DEF_FORMAT_SECURE : 0);
    *out = g_steal_pointer(&def);
    return ret;
}

char *
ctDomainSaveImageGetXMLDesc(virConnectPtr conn, const char *path, unsigned int flags)
{
    virCTDriver *driver = conn->privateData;
    g_autoptr(virDomainDef) def = NULL;
    g_autofree char *xml = NULL;

    virCheckFlags(VIR_DOMAIN_SAVE_IMAGE_XML_SECURE, NULL);

    if (!(xml = virCTSaveImageXML(driver, path, flags, &def)))
        return NULL;
    if (virDomainSaveImageGetXMLDescEnsureACL(conn, def) < 0)
        return NULL;
    return g_steal_pointer(&xml);
}

/* The definition in the image @path replaced by @dxml (same container:
 * same name, UUID, devices and ids, which the checkpoint depends on), and
 * its state with @flags; written anew next to it, checked against this
 * host's key as it is copied, and renamed over it.  @check, when given,
 * is the access check on the image's current definition. */
static int
virCTSaveRedefine(virCTDriver *driver, virConnectPtr conn, const char *path, const char *dxml,
                  unsigned int flags)
{
    g_autofree char *keyDir = virCTSaveDir(driver);
    g_autoptr(virCTSaveImage) img = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *meta = NULL;
    g_autofree char *newxml = NULL;
    g_autofree char *tmp = NULL;
    g_autoptr(GString) newmeta = g_string_new(NULL);
    g_autoptr(virDomainDef) old = NULL;
    g_autoptr(virDomainDef) def = NULL;
    g_auto(GStrv) lines = NULL;
    VIR_AUTOCLOSE fd = -1;
    uid_t ou = 0, nu = 0;
    gid_t og = 0, ng = 0;
    bool oroot;
    size_t i;
    int ret = -1;

    if (!(img = virCTSaveImageOpen(keyDir, path, &xml, &meta)))
        return -1;
    if (!(old = virCTSaveParseXML(driver, path, xml)))
        return -1;
    if (conn && virDomainSaveImageDefineXMLEnsureACL(conn, old) < 0)
        return -1;
    if (!(def = virCTDomainInputParse(driver, dxml, false)))
        return -1;
    if (!virDomainDefCheckABIStability(old, def, driver->xmlopt))
        return -1;
    oroot = virCTDomainGetHostRoot(old, &ou, &og);
    if (oroot != virCTDomainGetHostRoot(def, &nu, &ng) || ou != nu || og != ng) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED, "%s",
                       _("the new definition must keep the saved container's user namespace ids"));
        return -1;
    }
    if (!(newxml = virDomainDefFormat(def, driver->xmlopt, VIR_DOMAIN_DEF_FORMAT_SECURE)))
        return -1;
    lines = g_strsplit(meta, "\n", 0);
    for (i = 0; lines[i]; i++) {
        if (!*lines[i])
            continue;
        if (STRPREFIX(lines[i], "state ") && (flags & VIR_DOMAIN_SAVE_RUNNING))
            g_string_append(newmeta, "state running\n");
        else if (STRPREFIX(lines[i], "state ") && (flags & VIR_DOMAIN_SAVE_PAUSED))
            g_string_append(newmeta, "state paused\n");
        else
            g_string_append_printf(newmeta, "%s\n", lines[i]);
    }
    if ((fd = virCTSaveCreateTemp(path, &tmp)) < 0)
        return -1;
    if (virCTSaveImageRewrite(img, fd, tmp, newxml, newmeta->str) < 0)
        goto cleanup;
    if (VIR_CLOSE(fd) < 0 || rename(tmp, path) < 0) {
        virReportSystemError(errno, _("cannot write save image '%1$s'"), path);
        goto cleanup;
    }
    g_clear_pointer(&tmp, g_free);
    ret = 0;

 cleanup:
    if (tmp)
        unlink(tmp);
    return ret;
}

int
ctDomainSaveImageDefineXML(virConnectPtr conn, const char *path, const char *dxml,
                           unsigned int flags)
{
    virCTDriver *driver = conn->privateData;

    virCheckFlags(VIR_DOMAIN_SAVE_RUNNING | VIR_DOMAIN_SAVE_PAUSED, -1);
    VIR_EXCLUSIVE_FLAGS_RET(VIR_DOMAIN_SAVE_RUNNING, VIR_DOMAIN_SAVE_PAUSED, -1);

    return virCTSaveRedefine(driver, conn, path, dxml, flags);
}

int
ctDomainManagedSaveDefineXML(virDomainPtr dom, const char *dxml, unsigned int flags)
{
    virCTDriver *driver = dom->conn->privateData;
    g_autofree char *path = NULL;
    virDomainObj *vm;
    int ret = -1;

    virCheckFlags(VIR_DOMAIN_SAVE_RUNNING | VIR_DOMAIN_SAVE_PAUSED, -1);
    VIR_EXCLUSIVE_FLAGS_RET(VIR_DOMAIN_SAVE_RUNNING, VIR_DOMAIN_SAVE_PAUSED, -1);

    if (!(vm = ctDomObjFromDomain(dom)))
        return -1;
    if (virDomainManagedSaveDefineXMLEnsureACL(dom->conn, vm->def) < 0)
        goto cleanup;
    if (virDomainObjBeginJob(vm, VIR_JOB_MODIFY) < 0)
        goto cleanup;
    path = virCTSaveManagedPath(driver, vm->def->name);
    if (!virFileExists(path)) {
        virReportError(VIR_ERR_OPERATION_INVALID, "%s",
                       _("domain does not have managed save image"));
    } else {
        ret = virCTSaveRedefine(driver, NULL, path, dxml, flags);
    }
    virDomainObjEndJob(vm);

 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}

int
virCTSaveStartManaged(virCTDriver *driver, virDomainObj *vm, virConnectPtr conn, unsigned int flags,
                      bool *restored)
{
    g_autofree char *path = virCTSaveManagedPath(driver, vm->def->name);
    g_autofree char *keyDir = virCTSaveDir(driver);
    g_autoptr(virCTSaveImage) img = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *meta = NULL;
    g_autoptr(virDomainDef) def = NULL;
    virObjectEvent *events[2] = { NULL, NULL };
    unsigned int saveFlags = (flags & VIR_DOMAIN_START_PAUSED) ? VIR_DOMAIN_SAVE_PAUSED : 0;
    int ret = -1;
    int rc;

    *restored = false;
    if (!virFileExists(path)) {
        vm->hasManagedSave = false;
        return 0;
    }
    if ((flags & VIR_DOMAIN_START_FORCE_BOOT)) {
        VIR_INFO("'%s' boots: its managed save image is discarded", vm->def->name);
        if (unlink(path) < 0) {
            virReportSystemError(errno, _("cannot remove managed save image '%1$s'"), path);
            return -1;
        }
        vm->hasManagedSave = false;
        return 0;
    }
    if (!(img = virCTSaveImageOpen(keyDir, path, &xml, &meta)))
        return -1;
    /* the image's definition runs, as qemu's managed save does: the
     * persistent one may have been edited since, for the next boot */
    if (!(def = virCTSaveParseXML(driver, path, xml)))
        return -1;
    if (STRNEQ(def->name, vm->def->name) || memcmp(def->uuid, vm->def->uuid, VIR_UUID_BUFLEN)) {
        virReportError(VIR_ERR_OPERATION_FAILED,
                       _("managed save image '%1$s' is of another domain ('%2$s')"), path,
                       def->name);
        return -1;
    }
    /* idLock before the domain's (ct_idrange.h); the job keeps it ours */
    virObjectUnlock(vm);
    virMutexLock(&driver->idLock);
    rc = virCTIdRangeAssign(driver, def, true);
    virObjectLock(vm);
    if (rc == 0)
        virDomainObjAssignDef(vm, &def, true, NULL);
    virMutexUnlock(&driver->idLock);
    if (rc < 0)
        return -1;
    if (virCTSaveRestoreImage(driver, vm, conn, img, path, meta, saveFlags,
                              VIR_DOMAIN_RUNNING_RESTORED, events) < 0) {
        virCTSaveRestoreFailed(driver, vm);
        goto cleanup;
    }
    *restored = true;
    vm->hasManagedSave = false;
    if (unlink(path) < 0)
        VIR_WARN("cannot remove managed save image '%s': %s", path, g_strerror(errno));
    ret = 0;

 cleanup:
    virObjectEventStateQueue(driver->domainEventState, events[0]);
    virObjectEventStateQueue(driver->domainEventState, events[1]);
    return ret;
}

int
ctDomainHasManagedSaveImage(virDomainPtr dom, unsigned int flags)
{
    virCTDriver *driver = dom->conn->privateData;
    g_autofree char *path = NULL;
    virDomainObj *vm;
    int ret = -1;

    virCheckFlags(0, -1);

    if (!(vm = ctDomObjFromDomain(dom)))
        return -1;
    if (virDomainHasManagedSaveImageEnsureACL(dom->conn, vm->def) == 0) {
        path = virCTSaveManagedPath(driver, vm->def->name);
        vm->hasManagedSave = virFileExists(path);
        ret = vm->hasManagedSave ? 1 : 0;
    }
    virDomainObjEndAPI(&vm);
    return ret;
}

int
ctDomainManagedSaveRemove(virDomainPtr dom, unsigned int flags)
{
    virCTDriver *driver = dom->conn->privateData;
    g_autofree char *path = NULL;
    virDomainObj *vm;
    int ret = -1;

    virCheckFlags(0, -1);

    if (!(vm = ctDomObjFromDomain(dom)))
        return -1;
    if (virDomainManagedSaveRemoveEnsureACL(dom->conn, vm->def) < 0)
        goto cleanup;
    if (virDomainObjBeginJob(vm, VIR_JOB_MODIFY) < 0)
        goto cleanup;
    path = virCTSaveManagedPath(driver, vm->def->name);
    if (unlink(path) < 0 && errno != ENOENT)
        virReportSystemError(errno, _("cannot remove managed save image '%1$s'"), path);
    else
        ret = 0;
    vm->hasManagedSave = virFileExists(path);
    virDomainObjEndJob(vm);

 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}

char *
ctDomainManagedSaveGetXMLDesc(virDomainPtr dom, unsigned int flags)
{
    virCTDriver *driver = dom->conn->privateData;
    g_autoptr(virDomainDef) def = NULL;
    g_autofree char *path = NULL;
    virDomainObj *vm;
    char *ret = NULL;

    virCheckFlags(VIR_DOMAIN_SAVE_IMAGE_XML_SECURE, NULL);

    if (!(vm = ctDomObjFromDomain(dom)))
        return NULL;
    if (virDomainManagedSaveGetXMLDescEnsureACL(dom->conn, vm->def, flags) < 0)
        goto cleanup;
    path = virCTSaveManagedPath(driver, vm->def->name);
    if (!virFileExists(path)) {
        virReportError(VIR_ERR_OPERATION_INVALID, "%s",
                       _("domain does not have managed save image"));
        goto cleanup;
    }
    ret = virCTSaveImageXML(driver, path, flags, &def);

 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}
