/*
 * ct_snapshot_revert.c: going back to a snapshot (virsh snapshot-revert)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The container stops, its layer and persistent definition become the
 * snapshot's (ct_snapshot_data.c puts the layer back), and with a memory
 * image CRIU brings its processes back.  A marker file (.reverting) lets
 * the next daemon finish a revert this one died in (ct_snapshot.c).
 */

#include <config.h>

#include "ct_domain.h"
#include "ct_domain_api.h"
#include "ct_idrange.h"
#include "ct_layer.h"
#include "ct_process.h"
#include "ct_save.h"
#include "ct_save_image.h"
#include "ct_save_priv.h"
#include "ct_snapshot.h"
#include "ct_snapshot_priv.h"
#include "ct_template.h"

#include "datatypes.h"
#include "snapshot_conf.h"
#include "viraccessapicheck.h"
#include "virdomainsnapshotobjlist.h"
#include "virerror.h"
#include "virfile.h"
#include "virlog.h"
#include "virtime.h"

#define VIR_FROM_THIS VIR_FROM_DOMAIN_SNAPSHOT

VIR_LOG_INIT("ct.ct_snapshot_revert");

/* The persistent definition @snap recorded, as @vm's own: name, UUID and
 * the id range it has now. */
static virDomainDef *
ctSnapDefOf(virCTDriver *driver, virDomainObj *vm, virDomainDef *from)
{
    virDomainDef *cur = vm->newDef ? vm->newDef : vm->def;
    virDomainDef *def = virDomainDefCopy(from, driver->xmlopt, NULL, false);
    virCTDomainNamespaceDef *ns;
    const virCTDomainNamespaceDef *curNs = virCTDomainGetNamespaceDef(cur);

    if (!def)
        return NULL;
    g_free(def->name);
    def->name = g_strdup(vm->def->name);
    memcpy(def->uuid, vm->def->uuid, VIR_UUID_BUFLEN);
    if ((ns = (virCTDomainNamespaceDef *)virCTDomainGetNamespaceDef(def)) && curNs) {
        ns->idrangeTarget = curNs->idrangeTarget;
        ns->idrangeCount = curNs->idrangeCount;
    }
    return def;
}

/* The files and the persistent definition of @vm (stopped) made those of
 * @snap, which becomes the current snapshot.  With @assignIds the
 * definition's ids are checked and recorded as a define does (the
 * snapshot's <idmap> may overlap another's range by now); at daemon
 * start virCTIdRangeLoadAll does it after.  @changed: whether anything of
 * the layer changed (on error: a revert to finish, not to forget). */
int
virCTSnapshotRevertFiles(virCTDriver *driver, virDomainObj *vm, virDomainMomentObj *snap,
                         bool assignIds, bool *changed)
{
    virDomainSnapshotDef *snapdef = virDomainSnapshotObjGetDef(snap);
    g_autofree char *dir = virCTSnapshotPath(driver, vm->def->name, "", snap->def->name);
    g_autoptr(virDomainDef) def = NULL;
    int rc;

    if (!(def = ctSnapDefOf(driver, vm,
                            snapdef->parent.inactiveDom ? snapdef->parent.inactiveDom
                                                        : snapdef->parent.dom)))
        return -1;
    if (assignIds) {
        /* idLock before the domain's (ct_idrange.h); the job keeps it ours */
        virObjectUnlock(vm);
        virMutexLock(&driver->idLock);
        rc = virCTIdRangeAssign(driver, def, false);
        virObjectLock(vm);
        virMutexUnlock(&driver->idLock);
        if (rc < 0)
            return -1;
    }
    /* the job keeps the domain ours meanwhile (as during a snapshot) */
    virObjectUnlock(vm);
    rc = virCTSnapshotPutLayer(driver, def, dir, changed);
    virObjectLock(vm);
    if (rc < 0)
        return -1;
    if (vm->persistent && virDomainDefSave(def, driver->xmlopt, driver->config->configDir) < 0)
        return -1;
    virDomainObjAssignDef(vm, &def, false, NULL);
    virDomainSnapshotSetCurrent(vm->snapshots, snap);
    return virCTSnapshotWriteCurrent(driver, vm);
}

/* The template the definition of @snapdef runs on is still there. */
static int
ctSnapCheckTemplate(virCTDriver *driver, virDomainSnapshotDef *snapdef)
{
    virDomainDef *def =
        snapdef->parent.inactiveDom ? snapdef->parent.inactiveDom : snapdef->parent.dom;
    virDomainFSDef *fs = virCTLayerTemplateRoot(def);
    g_autoptr(virCTTemplate) tmpl = NULL;

    if (!fs) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("snapshot '%1$s' has no root on a template to go back to"),
                       snapdef->parent.name);
        return -1;
    }
    return virCTTemplateLoad(driver->store, fs->src->path, &tmpl);
}

/* Starts the reverted @vm from the processes of @snap, the files of its
 * memory image (@path) extracted into @dir. */
static int
ctSnapRestore(virCTDriver *driver, virDomainObj *vm, virConnectPtr conn, virDomainMomentObj *snap,
              const char *dir, const char *path, const char *meta, unsigned int saveFlags,
              virObjectEvent **events)
{
    virDomainSnapshotDef *snapdef = virDomainSnapshotObjGetDef(snap);
    g_autoptr(virDomainDef) live = ctSnapDefOf(driver, vm, snapdef->parent.dom);
    int rc;

    if (!live)
        return -1;
    /* idLock before the domain's (ct_idrange.h); the job keeps it ours */
    virObjectUnlock(vm);
    virMutexLock(&driver->idLock);
    rc = virCTIdRangeAssign(driver, live, true);
    virObjectLock(vm);
    if (rc == 0)
        virDomainObjAssignDef(vm, &live, true, NULL);
    virMutexUnlock(&driver->idLock);
    if (rc < 0)
        return -1;
    if (virCTSaveRestoreFromDir(driver, vm, conn, dir, path, meta, saveFlags,
                                VIR_DOMAIN_RUNNING_FROM_SNAPSHOT, events) < 0) {
        if (!virDomainObjIsActive(vm))
            virDomainObjRemoveTransientDef(vm);
        return -1;
    }
    return 0;
}

int
ctDomainRevertToSnapshot(virDomainSnapshotPtr snapshot, unsigned int flags)
{
    virCTDriver *driver = snapshot->domain->conn->privateData;
    virConnectPtr conn = snapshot->domain->conn;
    virObjectEvent *stopped = NULL;
    virObjectEvent *defined = NULL;
    virObjectEvent *events[2] = { NULL, NULL };
    g_autofree char *keyDir = NULL;
    g_autofree char *memory = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *meta = NULL;
    g_autofree char *reverting = NULL;
    g_autoptr(virCTSaveImage) img = NULL;
    g_autofree char *restoreDir = NULL;
    virDomainSnapshotDef *snapdef;
    virDomainMomentObj *snap;
    virDomainObj *vm;
    unsigned long long start = 0;
    unsigned long long now = 0;
    bool run;
    bool paused;
    bool changed = false;
    int ret = -1;

    /* FORCE: nothing is risky here, the container stops and starts anew */
    virCheckFlags(VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING | VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED |
                      VIR_DOMAIN_SNAPSHOT_REVERT_FORCE,
                  -1);
    VIR_EXCLUSIVE_FLAGS_RET(VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING, VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED,
                            -1);

    if (!(vm = ctDomObjFromDomain(snapshot->domain)))
        return -1;
    if (virDomainRevertToSnapshotEnsureACL(conn, vm->def) < 0)
        goto cleanup;
    if (virDomainObjBeginJob(vm, VIR_JOB_MODIFY) < 0)
        goto cleanup;
    if (!(snap = virCTSnapshotObjFromName(vm, snapshot->name)))
        goto endjob;
    snapdef = virDomainSnapshotObjGetDef(snap);
    if (!snapdef->parent.dom) {
        virReportError(VIR_ERR_SNAPSHOT_REVERT_RISKY,
                       _("snapshot '%1$s' lacks domain '%2$s' rollback info"), snap->def->name,
                       vm->def->name);
        goto endjob;
    }
    if (!vm->persistent) {
        virReportError(
            VIR_ERR_OPERATION_INVALID,
            _("'%1$s' is transient: it cannot be stopped for a revert without losing its layer"),
            vm->def->name);
        goto endjob;
    }
    ignore_value(virTimeMillisNow(&start));
    run = virCTSnapshotHasMemory(snapdef) ||
          (flags & (VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING | VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED));
    paused = (flags & VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED) ||
             (!(flags & VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING) &&
              snapdef->state == VIR_DOMAIN_SNAPSHOT_PAUSED);
    /* what the snapshot needs is checked before anything changes: its
     * template, and its memory image whole */
    if (ctSnapCheckTemplate(driver, snapdef) < 0)
        goto endjob;
    /* (its MAC is checked as its files are extracted: so they are, first,
     * aside: the stop removes NAME.restore; no domain has an '@' in its
     * name, so the next daemon removes what a crash leaves) */
    if (virCTSnapshotHasMemory(snapdef)) {
        g_autofree char *aside = g_strdup_printf("%s@snapshot", vm->def->name);
        int rc;

        keyDir = virCTSaveDir(driver);
        memory = virCTSnapshotMemoryPath(driver, vm, snapdef);
        if (!(img = virCTSaveImageOpen(keyDir, memory, &xml, &meta)) ||
            !(restoreDir = virCTSaveRestoreWorkDir(driver, aside)))
            goto endjob;
        /* the job keeps the domain ours meanwhile */
        virObjectUnlock(vm);
        rc = virCTSaveImageExtract(img, restoreDir);
        virObjectLock(vm);
        if (rc < 0)
            goto endjob;
    }

    if (virDomainObjIsActive(vm)) {
        virCTProcessStop(driver, vm, VIR_DOMAIN_SHUTOFF_FROM_SNAPSHOT);
        stopped = virDomainEventLifecycleNewFromObj(vm, VIR_DOMAIN_EVENT_STOPPED,
                                                    VIR_DOMAIN_EVENT_STOPPED_FROM_SNAPSHOT);
        snapshot->domain->id = -1;
    }
    /* a managed save image holds processes of the files replaced now */
    if (vm->hasManagedSave) {
        g_autofree char *managed = virCTSaveManagedPath(driver, vm->def->name);

        VIR_INFO("the managed save image of '%s' goes with the revert", vm->def->name);
        if (unlink(managed) < 0 && errno != ENOENT) {
            virReportSystemError(errno, _("cannot remove managed save image '%1$s'"), managed);
            goto endjob;
        }
        vm->hasManagedSave = false;
    }
    /* the next daemon finishes it should this one die before the end */
    reverting = g_strdup_printf("%s/%s/snapshots/" CT_SNAPSHOT_REVERTING,
                                driver->store->containerDir, vm->def->name);
    if (virFileRewriteStr(reverting, 0600, snap->def->name) < 0)
        goto endjob;
    if (virCTSnapshotRevertFiles(driver, vm, snap, true, &changed) < 0) {
        /* a revert that changed nothing is not one the next daemon
         * should finish, over what the container does meanwhile */
        if (!changed)
            unlink(reverting);
        goto endjob;
    }
    unlink(reverting);
    /* its definition is the snapshot's now (as qemu's driver says) */
    defined = virDomainEventLifecycleNewFromObj(vm, VIR_DOMAIN_EVENT_DEFINED,
                                                VIR_DOMAIN_EVENT_DEFINED_FROM_SNAPSHOT);

    if (restoreDir) {
        unsigned int saveFlags = paused ? VIR_DOMAIN_SAVE_PAUSED : VIR_DOMAIN_SAVE_RUNNING;
        g_autofree char *workDir = virCTSaveWorkDir(driver, vm->def->name, "restore");

        /* where a restore's files are while it runs (ct_save_recover.c) */
        if (virFileExists(workDir) && virFileDeleteTree(workDir) < 0)
            goto endjob;
        if (rename(restoreDir, workDir) < 0) {
            virReportSystemError(errno, _("cannot rename '%1$s' to '%2$s'"), restoreDir, workDir);
            goto endjob;
        }
        g_free(restoreDir);
        restoreDir = g_steal_pointer(&workDir);
        if (ctSnapRestore(driver, vm, conn, snap, restoreDir, memory, meta, saveFlags, events) < 0)
            goto endjob;
    } else if (run) {
        if (virCTProcessStart(driver, vm, conn, paused ? VIR_CT_PROCESS_START_PAUSED : 0,
                              VIR_DOMAIN_RUNNING_FROM_SNAPSHOT) < 0)
            goto endjob;
        events[0] = virDomainEventLifecycleNewFromObj(vm, VIR_DOMAIN_EVENT_STARTED,
                                                      VIR_DOMAIN_EVENT_STARTED_FROM_SNAPSHOT);
        if (paused)
            events[1] = virDomainEventLifecycleNewFromObj(vm, VIR_DOMAIN_EVENT_SUSPENDED,
                                                          VIR_DOMAIN_EVENT_SUSPENDED_FROM_SNAPSHOT);
    }
    /* started or restored paused: the reason is the revert, as its event */
    if (virDomainObjGetState(vm, NULL) == VIR_DOMAIN_PAUSED) {
        virDomainObjSetState(vm, VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_FROM_SNAPSHOT);
        if (virCTDriverSaveStatus(driver, vm) < 0) {
            VIR_WARN("cannot record the state of '%s': %s", vm->def->name,
                     virGetLastErrorMessage());
            virResetLastError();
        }
    }
    if (virDomainObjIsActive(vm))
        snapshot->domain->id = vm->def->id;
    ignore_value(virTimeMillisNow(&now));
    VIR_INFO("'%s' reverted to snapshot '%s' in %llu ms", vm->def->name, snap->def->name,
             now - start);
    ret = 0;

 endjob:
    if (restoreDir && virFileDeleteTree(restoreDir) < 0)
        virResetLastError();
    virDomainObjEndJob(vm);
 cleanup:
    virDomainObjEndAPI(&vm);
    virObjectEventStateQueue(driver->domainEventState, stopped);
    virObjectEventStateQueue(driver->domainEventState, defined);
    virObjectEventStateQueue(driver->domainEventState, events[0]);
    virObjectEventStateQueue(driver->domainEventState, events[1]);
    return ret;
}
