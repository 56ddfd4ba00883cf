/*
 * ct_process_cgroup.c: the cgroups of a container: made and recorded at
 * its start, frozen and thawed, killed and removed at its stop
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * libvirt's virCgroup makes the machine's cgroup in the hierarchies it
 * knows; ct_cgroup.c the rest (the extra hierarchies, init's child).  The
 * path is recorded in the status file before anything exists
 * (virCTProcessRecordCgroup()), so that a daemon killed at any point
 * leaves the next one what to remove.
 */

#include <config.h>

#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>

#include "ct_process.h"
#include "ct_process_priv.h"
#include "ct_cgroup.h"
#include "ct_domain.h"
#include "ct_resource.h"
#include "ct_timeline.h"

#include "domain_driver.h"
#include "virerror.h"
#include "virfile.h"
#include "virlog.h"
#include "virstring.h"

#define VIR_FROM_THIS VIR_FROM_NONE

VIR_LOG_INIT("ct.ct_process_cgroup");

#define CT_PROCESS_DEFAULT_PARTITION "/machine"

/* Devices a container may use; everything else is denied. */
static const struct {
    char type;
    int major;
    int minor; /* -1: any */
} virCTProcessDevices[] = {
    { 'c', 1, 3 }, /* null */
    { 'c', 1, 5 }, /* zero */
    { 'c', 1, 7 }, /* full */
    { 'c', 1, 8 }, /* random */
    { 'c', 1, 9 }, /* urandom */
    { 'c', 5, 0 }, /* tty */
    { 'c', 5, 1 }, /* console */
    { 'c', 5, 2 }, /* ptmx */
    { 'c', 136, -1 }, /* pts (our console is one of the host's) */
};

static int
virCTProcessSetupDevices(virCgroup *cgroup)
{
    size_t i;

    if (!virCgroupHasController(cgroup, VIR_CGROUP_CONTROLLER_DEVICES))
        return 0;
    if (virCgroupDenyAllDevices(cgroup) < 0)
        return -1;
    for (i = 0; i < G_N_ELEMENTS(virCTProcessDevices); i++) {
        if (virCgroupAllowDevice(cgroup, virCTProcessDevices[i].type, virCTProcessDevices[i].major,
                                 virCTProcessDevices[i].minor, VIR_CGROUP_DEVICE_RWM) < 0)
            return -1;
    }
    return 0;
}

/* "ct-<init pid>-<name>", as libvirt names machines (qemu-1-name):
 * with systemd it is the machine's name, else the cgroup's. */
char *
virCTProcessMachineName(virCTDriver *driver, virDomainObj *vm, pid_t initPid)
{
    return virDomainDriverGenerateMachineName("ct", driver->embeddedRoot, initPid, vm->def->name,
                                              true);
}

/* The hierarchies libvirt leaves alone (see ct_cgroup.h), on a v1 or
 * hybrid host: the container's path there is the one libvirt chose.
 * Returns 1 when that is not the path the status file has, 0 when it
 * is, -1 on error. */
static int
virCTProcessPlaceExtra(virDomainObj *vm, pid_t initPid)
{
    virCTDomainObjPrivate *priv = CT_DOMAIN_PRIVATE(vm);
    g_autofree char *path = virCTCgroupPathOf(initPid);
    bool changed = STRNEQ_NULLABLE(path, priv->extraCgroupPath);

    if (path && virCTCgroupPlaceExtra(path, initPid) < 0)
        return -1;
    /* no v1 memory hierarchy: a v2 host, nothing to add */
    g_free(priv->extraCgroupPath);
    priv->extraCgroupPath = g_steal_pointer(&path);
    return changed ? 1 : 0;
}

/* After everything in it is gone: the cgroups virCTProcessPlaceExtra()
 * made, also when the daemon was killed before it recorded them (they
 * are at the recorded path of the container's cgroup). */
void
virCTProcessRemoveExtra(virDomainObj *vm)
{
    virCTDomainObjPrivate *priv = CT_DOMAIN_PRIVATE(vm);

    if (priv->extraCgroupPath)
        virCTCgroupRemoveExtra(priv->extraCgroupPath);
    if (priv->cgroupPath && STRNEQ_NULLABLE(priv->cgroupPath, priv->extraCgroupPath))
        virCTCgroupRemoveExtra(priv->cgroupPath);
    g_clear_pointer(&priv->extraCgroupPath, g_free);
}

/* The container's own cgroup, opened from its recorded path (after a
 * daemon restart init may be gone: its /proc tells nothing then). */
void
virCTProcessOpenCgroup(virDomainObj *vm)
{
    virCTDomainObjPrivate *priv = CT_DOMAIN_PRIVATE(vm);

    if (priv->cgroup || !priv->cgroupPath)
        return;
    if (virCgroupNew(priv->cgroupPath, -1, &priv->cgroup) < 0) {
        VIR_WARN("cannot open the cgroup '%s' of '%s': %s", priv->cgroupPath, vm->def->name,
                 virGetLastErrorMessage());
        virResetLastError();
    }
}

/* Where the cgroup of @vm will be, recorded in its status file before
 * anything is created: whenever the daemon is killed from now on, the
 * next one finds the container's remains from it. */
int
virCTProcessRecordCgroup(virCTDriver *driver, virDomainObj *vm, pid_t initPid)
{
    virCTDomainObjPrivate *priv = CT_DOMAIN_PRIVATE(vm);
    g_autofree char *machineName = virCTProcessMachineName(driver, vm, initPid);
    const char *partition = CT_PROCESS_DEFAULT_PARTITION;

    if (!machineName)
        return -1;
    if (vm->def->resource && vm->def->resource->partition)
        partition = vm->def->resource->partition;
    g_free(priv->cgroupPath);
    priv->cgroupPath = virCTCgroupMachinePath(partition, machineName);
    if (!vm->def->resource) {
        vm->def->resource = g_new0(virDomainResourceDef, 1);
        vm->def->resource->partition = g_strdup(partition);
    }
    /* where virCTProcessPlaceExtra() will find init on a v1 or hybrid
     * host without machined: recorded now, the status needs no second
     * save before GO (a wrong guess costs that save, nothing else) */
    g_free(priv->extraCgroupPath);
    priv->extraCgroupPath = virCTCgroupHasV1Memory() ? g_strdup(priv->cgroupPath) : NULL;
    vm->def->id = initPid;
    return virCTDriverSaveStatus(driver, vm);
}

/* libvirt placed init elsewhere than recorded (systemd's machined
 * chooses its own paths): record where. */
static int
virCTProcessCheckCgroupPath(virCTDriver *driver, virDomainObj *vm)
{
    virCTDomainObjPrivate *priv = CT_DOMAIN_PRIVATE(vm);

    if (!priv->extraCgroupPath || STREQ_NULLABLE(priv->extraCgroupPath, priv->cgroupPath))
        return 0;
    VIR_WARN("cgroup of '%s' is '%s', not '%s'", vm->def->name, priv->extraCgroupPath,
             NULLSTR(priv->cgroupPath));
    g_free(priv->cgroupPath);
    priv->cgroupPath = g_strdup(priv->extraCgroupPath);
    return virCTDriverSaveStatus(driver, vm);
}

/* Init runs in a child of the cgroup with the limits (ct_cgroup.h),
 * which a container with a user namespace may fill itself. */
static int
virCTProcessMakeInitCgroup(virDomainObj *vm, pid_t initPid)
{
    virCTDomainObjPrivate *priv = CT_DOMAIN_PRIVATE(vm);
    virCTCgroupOwner owner;

    if (!priv->cgroupPath)
        return 0;
    if (virCTCgroupMakeInit(priv->cgroupPath, initPid,
                            virCTDomainGetHostRoot(vm->def, &owner.uid, &owner.gid) ? &owner
                                                                                    : NULL) < 0)
        return -1;
    return virCTResourceCopyCpuLimit(priv->cgroup, vm->def, false);
}

/* Creates the container's cgroup with init inside; @changed tells
 * whether the status file must be saved again. */
int
virCTProcessSetupCgroup(virCTDriver *driver, virDomainObj *vm, const ctPlan *plan, pid_t initPid,
                        bool *changed)
{
    virCTDomainObjPrivate *priv = CT_DOMAIN_PRIVATE(vm);
    const char *partition = CT_PROCESS_DEFAULT_PARTITION;
    g_autofree char *machineName = virCTProcessMachineName(driver, vm, initPid);
    int rc;

    if (vm->def->resource && vm->def->resource->partition)
        partition = vm->def->resource->partition;
    if (!machineName)
        return -1;
    VIR_DEBUG("creating machine '%s' in '%s' for init %d", machineName, partition, initPid);
    if (priv->cgroupPath)
        virCTCgroupPrepareCpusetParent(priv->cgroupPath);
    if (virCgroupNewMachine(machineName, "ct", vm->def->uuid, plan->root ? plan->root : "/",
                            initPid, true, 0, NULL, partition, -1, 0, &priv->cgroup) < 0)
        return -1;
    virCTTimelineStep(vm->def->name, "cgroup-machine");
    VIR_DEBUG("placing init %d of '%s' in the other hierarchies", initPid, vm->def->name);
    if ((rc = virCTProcessPlaceExtra(vm, initPid)) < 0)
        return -1;
    *changed = rc > 0;
    if (virCTProcessCheckCgroupPath(driver, vm) < 0)
        return -1;
    virCTTimelineStep(vm->def->name, "cgroup-extra");
    VIR_DEBUG("setting the device policy of '%s'", vm->def->name);
    if (virCTProcessSetupDevices(priv->cgroup) < 0)
        return -1;
    virCTTimelineStep(vm->def->name, "cgroup-devices");
    VIR_DEBUG("applying the limits of '%s'", vm->def->name);
    if (virCTResourceApply(priv->cgroup, priv->extraCgroupPath, vm->def) < 0)
        return -1;
    virCTTimelineStep(vm->def->name, "cgroup-limits");
    VIR_DEBUG("moving init %d of '%s' into its child cgroup", initPid, vm->def->name);
    if (virCTProcessMakeInitCgroup(vm, initPid) < 0)
        return -1;
    virCTTimelineStep(vm->def->name, "cgroup-init");
    return 0;
}

/* SIGKILL to every task of the container, then a check every
 * millisecond until none is left: libvirt's virCgroupKillPainfully()
 * sleeps 200 ms between rounds, most of a destroy.  It stays the last
 * resort for tasks that do not die within a second.  With @initfd (a
 * pidfd of init, opened before the kill) init is killed first and its
 * end waited for: the kernel ends the other tasks of its PID namespace
 * before init, so then the cgroup is empty unless someone placed a task
 * from outside there.  @vm is unlocked while it waits; the caller's job
 * keeps @cgroup. */
void
virCTProcessKillCgroup(virDomainObj *vm, virCgroup *cgroup, int initfd)
{
    size_t i;

    if (initfd >= 0 && syscall(SYS_pidfd_send_signal, initfd, SIGKILL, NULL, 0) == 0) {
        struct pollfd pfd = { .fd = initfd, .events = POLLIN };

        virObjectUnlock(vm);
        while (poll(&pfd, 1, 1000) < 0 && errno == EINTR)
            ;
        virObjectLock(vm);
    }
    for (i = 0; i < 1000; i++) {
        int rc = virCgroupKillRecursive(cgroup, i == 0 ? SIGKILL : 0);

        if (rc <= 0) {
            virResetLastError();
            return;
        }
        virCTProcessWaitMs(vm, 1);
    }
    VIR_WARN("tasks of '%s' still run a second after SIGKILL", vm->def->name);
    virObjectUnlock(vm);
    virCgroupKillPainfully(cgroup);
    virObjectLock(vm);
}


/* The machine registration (systemd-machined, where it runs) and the
 * cgroup, as libvirt's drivers remove them. */
void
virCTProcessRemoveCgroup(virCTDriver *driver, virDomainObj *vm)
{
    virCTDomainObjPrivate *priv = CT_DOMAIN_PRIVATE(vm);
    g_autofree char *machineName = NULL;

    if (!priv->cgroup)
        return;
    /* the machine's name is the one it was registered with, at PID time
     * (a restore's init got its PID later): it ends the recorded path */
    if (priv->cgroupPath) {
        machineName = g_path_get_basename(priv->cgroupPath);
        if (g_str_has_suffix(machineName, ".libvirt-ct"))
            machineName[strlen(machineName) - strlen(".libvirt-ct")] = '\0';
    } else if (vm->def->id > 0) {
        machineName = virCTProcessMachineName(driver, vm, vm->def->id);
    }
    /* -2: no systemd, no machine to terminate */
    if (machineName && virCgroupTerminateMachine(machineName) == -1) {
        VIR_WARN("cannot terminate machine '%s': %s", machineName, virGetLastErrorMessage());
        virResetLastError();
    }
    if (virCgroupRemove(priv->cgroup) < 0) {
        VIR_WARN("cannot remove the cgroup of '%s': %s", vm->def->name, virGetLastErrorMessage());
        virResetLastError();
    }
    g_clear_pointer(&priv->cgroup, virCgroupFree);
}


virCgroup *
virCTProcessGetCgroup(virDomainObj *vm)
{
    virCgroup *cgroup;

    if (virDomainObjCheckActive(vm) < 0)
        return NULL;
    if (!(cgroup = CT_DOMAIN_PRIVATE(vm)->cgroup))
        virReportError(VIR_ERR_OPERATION_FAILED, _("the cgroup of '%1$s' is not known"),
                       vm->def->name);
    return cgroup;
}

/* The container's cgroup v2 directory, found through whichever
 * controller libvirt placed on the unified hierarchy (the one with a
 * cgroup.freeze file); NULL when there is none. */
static char *
virCTProcessUnifiedDir(virCgroup *cgroup)
{
    size_t i;

    for (i = 0; i < VIR_CGROUP_CONTROLLER_LAST; i++) {
        g_autofree char *path = NULL;

        if (!virCgroupHasController(cgroup, i))
            continue;
        if (virCgroupPathOfController(cgroup, i, "cgroup.freeze", &path) < 0) {
            virResetLastError();
            continue;
        }
        if (virFileExists(path))
            return g_path_get_dirname(path);
    }
    return NULL;
}

/* Polls until the freezer reached the wanted state: cgroup.events at
 * @eventsPath (v2) or the v1 freezer.state; @vm is unlocked between the
 * checks. */
static int
virCTProcessWaitFrozen(virDomainObj *vm, virCgroup *cgroup, const char *eventsPath, bool frozen)
{
    const char *want = frozen ? "FROZEN" : "THAWED";
    size_t i;

    /* FREEZING becomes FROZEN once every task has stopped */
    for (i = 0; i < 1000; i++) {
        g_autofree char *state = NULL;

        if (eventsPath) {
            if (virFileReadAll(eventsPath, 1024, &state) < 0)
                return -1;
            if (strstr(state, frozen ? "frozen 1" : "frozen 0"))
                return 0;
        } else {
            if (virCgroupGetFreezerState(cgroup, &state) < 0)
                return -1;
            if (STREQ(state, want))
                return 0;
        }
        virCTProcessWaitMs(vm, 1);
    }
    virReportError(VIR_ERR_OPERATION_TIMEOUT, _("the container did not become %1$s"), want);
    return -1;
}

/* cgroup v2 freezes with cgroup.freeze (libvirt 9.0 has no v2 freezer);
 * v1 with the freezer controller. */
int
virCTProcessSetFrozen(virDomainObj *vm, bool frozen)
{
    virCgroup *cgroup = CT_DOMAIN_PRIVATE(vm)->cgroup;
    g_autofree char *dir = cgroup ? virCTProcessUnifiedDir(cgroup) : NULL;
    int rc;

    if (dir) {
        g_autofree char *freezePath = g_build_filename(dir, "cgroup.freeze", NULL);
        g_autofree char *eventsPath = g_build_filename(dir, "cgroup.events", NULL);

        if (virFileWriteStr(freezePath, frozen ? "1" : "0", 0) < 0) {
            virReportSystemError(errno, _("cannot write '%1$s'"), freezePath);
            return -1;
        }
        rc = virCTProcessWaitFrozen(vm, cgroup, eventsPath, frozen);
    } else if (cgroup && virCgroupHasController(cgroup, VIR_CGROUP_CONTROLLER_FREEZER)) {
        if (virCgroupSetFreezerState(cgroup, frozen ? "FROZEN" : "THAWED") < 0)
            return -1;
        rc = virCTProcessWaitFrozen(vm, cgroup, NULL, frozen);
    } else {
        virReportError(VIR_ERR_OPERATION_UNSUPPORTED, "%s",
                       _("the host has neither cgroup.freeze nor a freezer controller"));
        return -1;
    }
    if (rc < 0 && frozen)
        virCTProcessSetFrozen(vm, false);
    return rc;
}
