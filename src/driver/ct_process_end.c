/*
 * ct_process_end.c: how a container ends (init's exit, a stop timer,
 * a client gone), and how a daemon that starts finds the containers
 * again and starts the autostart ones
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The monitor reports an exit in the event loop: the work runs on the
 * driver's worker pool (virCTProcessWorker()), under a job.
 */

#include <config.h>

#include <dirent.h>
#include <signal.h>

#include "ct_process.h"
#include "ct_process_priv.h"
#include "ct_domain.h"
#include "ct_monitor.h"
#include "ct_net.h"
#include "ct_root.h"
#include "ct_save.h"

#include "virclosecallbacks.h"
#include "virdomainjob.h"
#include "virerror.h"
#include "virevent.h"
#include "virfile.h"
#include "virlog.h"
#include "virstring.h"
#include "virthread.h"
#include "virthreadpool.h"

#define VIR_FROM_THIS VIR_FROM_NONE

VIR_LOG_INIT("ct.ct_process_end");

typedef enum {
    VIR_CT_PROCESS_END_EXIT, /* init ended: see kind and code */
    VIR_CT_PROCESS_END_TIMER, /* a shutdown request timed out */
} virCTProcessEndCause;

typedef struct {
    virDomainObj *vm;
    virCTMonitor *mon; /* the watch that reported it (EXIT) */
    virCTProcessEndCause cause;
    int timer; /* the timeout that fired (TIMER) */
    virCTMonitorExitKind kind;
    int code;
} virCTProcessEnd;

/* What an exit of init means: the shutoff reason and event detail, or
 * a reboot (returns true). */
static bool
virCTProcessClassifyExit(virDomainObj *vm, virCTMonitorExitKind kind, int code,
                         virDomainShutoffReason *reason, int *detail)
{
    bool reboot = CT_DOMAIN_PRIVATE(vm)->wantReboot;
    bool poweroff = CT_DOMAIN_PRIVATE(vm)->wantPoweroff;

    *reason = VIR_DOMAIN_SHUTOFF_SHUTDOWN;
    *detail = VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN;
    if (kind == VIR_CT_MONITOR_EXIT_LOST) {
        *reason = VIR_DOMAIN_SHUTOFF_CRASHED;
        *detail = VIR_DOMAIN_EVENT_STOPPED_FAILED;
        return false;
    }
    if (kind != VIR_CT_MONITOR_EXIT_SIGNAL)
        return reboot;
    switch (code) {
    case SIGHUP: /* reboot(2) in a PID namespace */
        /* a shutdown requested last wins over a reboot init was already
         * making, as in libvirt's QEMU driver (it clears fakeReboot) */
        return !poweroff && vm->def->onReboot != VIR_DOMAIN_LIFECYCLE_ACTION_DESTROY;
    case SIGINT: /* halt or power off */
    case SIGTERM:
        return reboot;
    case SIGKILL: /* by someone on the host */
        *reason = VIR_DOMAIN_SHUTOFF_DESTROYED;
        *detail = VIR_DOMAIN_EVENT_STOPPED_DESTROYED;
        return reboot;
    default: /* SIGSEGV, SIGABRT, ... */
        *reason = VIR_DOMAIN_SHUTOFF_CRASHED;
        *detail = VIR_DOMAIN_EVENT_STOPPED_CRASHED;
        return false;
    }
}

/* Stops @vm after init ended and starts it again on a reboot. */
static void
virCTProcessHandleExit(virCTDriver *driver, virDomainObj *vm, virCTMonitorExitKind kind, int code)
{
    virObjectEvent *event = NULL;
    virDomainShutoffReason reason;
    int detail;
    bool reboot = virCTProcessClassifyExit(vm, kind, code, &reason, &detail);
    virDomainDef *savedDef = NULL;

    VIR_INFO("container '%s' ended (%d %d)%s", vm->def->name, kind, code,
             reboot ? ", restarting it" : "");
    /* A reboot keeps the running definition, as a guest reboot does:
     * without newDef, the stop leaves vm->def alone. */
    if (reboot)
        savedDef = g_steal_pointer(&vm->newDef);
    /* a transient container keeps its layer over its own reboot */
    CT_DOMAIN_PRIVATE(vm)->restarting = reboot;
    virCTProcessStop(driver, vm, reason);
    CT_DOMAIN_PRIVATE(vm)->restarting = false;
    if (reboot)
        vm->newDef = savedDef;
    if (reboot && virCTProcessStart(driver, vm, NULL, 0, VIR_DOMAIN_RUNNING_BOOTED) == 0) {
        event = virDomainEventRebootNewFromObj(vm);
    } else {
        /* a restart that failed leaves it shut off (failed) */
        event = virDomainEventLifecycleNewFromObj(
            vm, VIR_DOMAIN_EVENT_STOPPED, reboot ? VIR_DOMAIN_EVENT_STOPPED_FAILED : detail);
    }
    virObjectEventStateQueue(driver->domainEventState, event);
}

void
virCTProcessWorker(void *data, void *opaque)
{
    virCTProcessEnd *end = data;
    virDomainObj *vm = end->vm;
    virCTDomainObjPrivate *priv = CT_DOMAIN_PRIVATE(vm);
    virCTDriver *driver = opaque;

    virObjectLock(vm);
    /* a job waiting for init to end (graceful destroy) learns it now */
    if (end->cause == VIR_CT_PROCESS_END_EXIT)
        virDomainObjBroadcast(vm);
    if (virDomainObjBeginJob(vm, VIR_JOB_MODIFY) < 0)
        goto cleanup;
    /* an exit already handled, or a container started anew since */
    if (!virDomainObjIsActive(vm) ||
        (end->cause == VIR_CT_PROCESS_END_EXIT && priv->monitor != end->mon) ||
        (end->cause == VIR_CT_PROCESS_END_TIMER && priv->stopTimer != end->timer))
        goto endjob;

    if (end->cause == VIR_CT_PROCESS_END_TIMER) {
        VIR_INFO("container '%s' did not stop in time, killing it", vm->def->name);
        priv->stopTimer = -1;
        /* the exit this kill causes is handled as usual */
        virCTProcessKill(driver, vm, true);
        end->kind = VIR_CT_MONITOR_EXIT_SIGNAL;
        end->code = SIGINT;
    }
    virCTProcessHandleExit(driver, vm, end->kind, end->code);

 endjob:
    virDomainObjEndJob(vm);
 cleanup:
    if (!vm->persistent && !virDomainObjIsActive(vm))
        virCTDriverRemoveDomain(driver, vm);
    virDomainObjEndAPI(&vm);
    virObjectUnref(end->mon);
    g_free(end);
}

/* Event loop callbacks must not block: the work runs on the driver's
 * worker pool.  Once the daemon shuts down the pool takes no more: the
 * supervisor recorded the exit and the next daemon handles it. */
static void
virCTProcessQueueEnd(virCTProcessEnd *end)
{
    virCTDriver *driver = CT_DOMAIN_PRIVATE(end->vm)->driver;

    if (virThreadPoolSendJob(driver->workerPool, 0, end) < 0) {
        VIR_WARN("not handling the end of container '%s' now: the daemon shuts down",
                 end->vm->def->name);
        virResetLastError();
        virObjectUnref(end->vm);
        virObjectUnref(end->mon);
        g_free(end);
    }
}

void
virCTProcessExitNotify(virCTMonitor *mon, virCTMonitorExitKind kind, int code, void *opaque)
{
    virCTProcessEnd *end = g_new0(virCTProcessEnd, 1);

    end->vm = virObjectRef(opaque);
    end->mon = virObjectRef(mon);
    end->cause = VIR_CT_PROCESS_END_EXIT;
    end->kind = kind;
    end->code = code;
    virCTProcessQueueEnd(end);
}

static void
virCTProcessStopTimerFired(int timer, void *opaque)
{
    virCTProcessEnd *end = g_new0(virCTProcessEnd, 1);

    virEventRemoveTimeout(timer);
    end->vm = virObjectRef(opaque);
    end->cause = VIR_CT_PROCESS_END_TIMER;
    end->timer = timer;
    virCTProcessQueueEnd(end);
}

void
virCTProcessArmStopTimer(virDomainObj *vm, unsigned int seconds)
{
    virCTDomainObjPrivate *priv = CT_DOMAIN_PRIVATE(vm);

    if (priv->stopTimer >= 0)
        virEventRemoveTimeout(priv->stopTimer);
    priv->stopTimer = virEventAddTimeout(seconds * 1000, virCTProcessStopTimerFired,
                                         virObjectRef(vm), virObjectUnref);
    if (priv->stopTimer < 0) {
        virObjectUnref(vm);
        VIR_WARN("cannot arm the stop timer of '%s'", vm->def->name);
    }
}

void
virCTProcessAutoDestroy(virDomainObj *vm, virConnectPtr conn G_GNUC_UNUSED)
{
    virCTDomainObjPrivate *priv = CT_DOMAIN_PRIVATE(vm);
    virCTDriver *driver = priv->driver;
    virObjectEvent *event;

    VIR_DEBUG("client of '%s' went away, destroying it", vm->def->name);
    if (virDomainObjBeginJob(vm, VIR_JOB_DESTROY) < 0)
        return;
    virCTProcessStop(driver, vm, VIR_DOMAIN_SHUTOFF_DESTROYED);
    event = virDomainEventLifecycleNewFromObj(vm, VIR_DOMAIN_EVENT_STOPPED,
                                              VIR_DOMAIN_EVENT_STOPPED_DESTROYED);
    virDomainObjEndJob(vm);
    virObjectEventStateQueue(driver->domainEventState, event);
    if (!vm->persistent)
        virCTDriverRemoveDomain(driver, vm);
}


/* ---- daemon start: reconnect and autostart ------------------------ */

/* The container ended while no daemon watched: clean up and tell. */
static void
virCTProcessEndedMeanwhile(virCTDriver *driver, virDomainObj *vm)
{
    g_autofree char *exitPath = virCTProcessStatePath(driver, vm, ".exit");
    virCTMonitorExitKind kind;
    int code = 0;

    if (virCTMonitorReadExitFile(exitPath, &kind, &code) <= 0)
        kind = VIR_CT_MONITOR_EXIT_LOST;
    virCTProcessHandleExit(driver, vm, kind, code);
}

/* The ID is init's as its supervisor knows it: a daemon killed during a
 * restore recorded the restorer's. */
static void
virCTProcessCheckInit(virCTDriver *driver, virDomainObj *vm)
{
    g_autofree char *reply = virCTProcessMonitorRequest(driver, vm, "status");
    int pid;

    if (!reply || sscanf(reply, "running %d", &pid) != 1 || pid <= 1) {
        virResetLastError();
        return;
    }
    if (pid != vm->def->id) {
        VIR_INFO("init of '%s' is %d, not %d", vm->def->name, pid, vm->def->id);
        vm->def->id = pid;
    }
}

static void
virCTProcessReconnectOne(virDomainObj *vm, virCTDriver *driver)
{
    virCTDomainObjPrivate *priv = CT_DOMAIN_PRIVATE(vm);
    g_autofree char *monitorPath = NULL;
    g_autofree char *machineName = NULL;

    virObjectLock(vm);
    virObjectRef(vm);
    if (!virDomainObjIsActive(vm))
        goto cleanup;
    monitorPath = virCTProcessStatePath(driver, vm, ".monitor");
    VIR_DEBUG("reconnecting to '%s' (supervisor %d, init %d)", vm->def->name, priv->supervisorPid,
              vm->def->id);

    /* the cgroup from its record; a status file of an older daemon has
     * none: then from init, wherever it was placed */
    virCTProcessOpenCgroup(vm);
    if (!priv->cgroup && (!(machineName = virCTProcessMachineName(driver, vm, vm->def->id)) ||
                          virCgroupNewDetectMachine(machineName, "ct", vm->def->id, -1, machineName,
                                                    &priv->cgroup) < 0))
        virResetLastError();
    if (!virCTProcessIsSupervisor(driver, vm, priv->supervisorPid) ||
        !(priv->monitor = virCTMonitorOpen(monitorPath, virCTProcessExitNotify, (virObject *)vm))) {
        virResetLastError();
        virCTProcessEndedMeanwhile(driver, vm);
    } else if (priv->autodestroy) {
        /* the client that asked for it is gone with the old daemon */
        virCTProcessStop(driver, vm, VIR_DOMAIN_SHUTOFF_DESTROYED);
        virObjectEventStateQueue(driver->domainEventState, virDomainEventLifecycleNewFromObj(
                                                               vm, VIR_DOMAIN_EVENT_STOPPED,
                                                               VIR_DOMAIN_EVENT_STOPPED_DESTROYED));
    } else {
        virCTProcessCheckInit(driver, vm);
        virCTProcessCountActive(driver, vm, true);
        virCTNetReconnect(vm);
        if (virCTDriverSaveStatus(driver, vm) < 0)
            VIR_WARN("cannot update the status of '%s'", vm->def->name);
    }

 cleanup:
    if (!vm->persistent && !virDomainObjIsActive(vm))
        virCTDriverRemoveDomain(driver, vm);
    virDomainObjEndAPI(&vm);
}

/* The state file @file when it belongs to no running container: the
 * plan and the rest of a start the daemon was killed in before it
 * wrote the status file (nothing else exists then: the record comes
 * before the cgroups). */
static void
virCTProcessSweepFile(virCTDriver *driver, const char *file)
{
    g_autofree char *path = NULL;
    g_autofree char *name = NULL;
    virDomainObj *vm;
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(virCTProcessStateFiles) && !name; i++) {
        if (STRNEQ(virCTProcessStateFiles[i], ".xml") &&
            g_str_has_suffix(file, virCTProcessStateFiles[i]))
            name = g_strndup(file, strlen(file) - strlen(virCTProcessStateFiles[i]));
    }
    if (!name && g_str_has_suffix(file, VIR_CT_ROOT_SUFFIX))
        name = g_strndup(file, strlen(file) - strlen(VIR_CT_ROOT_SUFFIX));
    if (!name)
        return;
    if ((vm = virDomainObjListFindByName(driver->domains, name))) {
        bool active = virDomainObjIsActive(vm);

        virDomainObjEndAPI(&vm);
        if (active)
            return;
    }
    path = g_build_filename(driver->config->stateDir, file, NULL);
    VIR_INFO("removing '%s' of a container that does not run", path);
    if (g_str_has_suffix(file, VIR_CT_ROOT_SUFFIX))
        virCTRootReleasePath(path);
    else if (unlink(path) < 0 && errno != ENOENT)
        VIR_WARN("cannot remove '%s': %s", path, g_strerror(errno));
}

static void
virCTProcessSweep(virCTDriver *driver)
{
    g_autoptr(DIR) dir = NULL;
    struct dirent *ent;

    if (virDirOpenIfExists(&dir, driver->config->stateDir) <= 0) {
        virResetLastError();
        return;
    }
    while (virDirRead(dir, &ent, driver->config->stateDir) > 0)
        virCTProcessSweepFile(driver, ent->d_name);
    virResetLastError();
}

void
virCTProcessReconnectAll(virCTDriver *driver)
{
    virDomainObj **vms = NULL;
    size_t nvms = 0;
    size_t i;

    virDomainObjListCollectAll(driver->domains, &vms, &nvms);
    for (i = 0; i < nvms; i++)
        virCTProcessReconnectOne(vms[i], driver);
    virObjectListFreeCount(vms, nvms);
    virCTProcessSweep(driver);
}

static int
virCTProcessAutostartOne(virDomainObj *vm, void *opaque)
{
    virCTDriver *driver = opaque;
    virObjectEvent *event = NULL;
    bool restored = false;

    virObjectLock(vm);
    if (vm->autostart && !virDomainObjIsActive(vm) &&
        virDomainObjBeginJob(vm, VIR_JOB_MODIFY) == 0) {
        /* from its managed save image if it has one, as a start does */
        if (virCTSaveStartManaged(driver, vm, NULL, 0, &restored) < 0 ||
            (!restored && virCTProcessStart(driver, vm, NULL, 0, VIR_DOMAIN_RUNNING_BOOTED) < 0))
            VIR_ERROR(_("cannot autostart '%1$s': %2$s"), vm->def->name, virGetLastErrorMessage());
        else if (!restored)
            event = virDomainEventLifecycleNewFromObj(vm, VIR_DOMAIN_EVENT_STARTED,
                                                      VIR_DOMAIN_EVENT_STARTED_BOOTED);
        virDomainObjEndJob(vm);
    }
    virObjectUnlock(vm);
    virObjectEventStateQueue(driver->domainEventState, event);
    return 0;
}

void
virCTProcessAutostartAll(virCTDriver *driver)
{
    virDomainObjListForEach(driver->domains, false, virCTProcessAutostartOne, driver);
}
