/*
 * ct_process.c: start, stop and reconnection of containers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The daemon never forks a container itself: it writes the start plan,
 * has the keeper (ct_keeper.c, started once through virCommand) run one
 * ct-supervisor per container and drives the start over a sync socket
 * (ct_supervisor.c numbers the sync points; docs/design.md has the
 * picture and what a crash at each step leaves):
 *
 *   D writes NAME.plan; the keeper        S clones init, which waits on
 *   forks S on the sync socket              its socket (points 1, 2)
 *   S -> D "PID <init>"        (3)        D records the cgroup path in the
 *                                           status file, creates the
 *                                           cgroups (limits, devices),
 *                                           moves init into their child
 *                                           "init", plugs the interfaces
 *                                           (ct_net.c), saves the status
 *   D -> S "GO" | "ABORT"      (3)        S releases init: mounts, exec (4)
 *   S -> D "OK <init>" | "ERR <errno> <message>"                   (5)
 *
 * The plan names no cgroup: placing init is the daemon's, at "PID".  The
 * status file is written before the cgroups exist, with their paths, and
 * again before GO when the interfaces (or cgroups placed elsewhere than
 * guessed) add to it: whatever happens to the daemon after "PID", the
 * next one finds the container (or its remains) again.
 */

#include <config.h>

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "ct_process.h"
#include "ct_snapshot.h"
#include "ct_cgroup.h"
#include "ct_domain.h"
#include "ct_domain_plan.h"
#include "ct_keeper_client.h"
#include "ct_layer.h"
#include "ct_lxcfs.h"
#include "ct_monitor.h"
#include "ct_net.h"
#include "ct_save.h"
#include "ct_resource.h"
#include "ct_root.h"
#include "ct_sync.h"
#include "ct_timeline.h"

#include "domain_driver.h"
#include "virclosecallbacks.h"
#include "vircommand.h"
#include "virdomainjob.h"
#include "virerror.h"
#include "virevent.h"
#include "virfile.h"
#include "viralloc.h"
#include "virlog.h"
#include "virprocess.h"
#include "virstring.h"
#include "virthread.h"
#include "virtime.h"

#define VIR_FROM_THIS VIR_FROM_NONE

VIR_LOG_INIT("ct.ct_process");

#define CT_PROCESS_SYNC_TIMEOUT_SEC 30 /* supervisor start-up steps */
#define CT_PROCESS_EXIT_TIMEOUT_MS 10000 /* supervisor gone after a kill */
#define CT_PROCESS_DEFAULT_PARTITION "/machine"

/* Files a running container keeps in the state directory: its plan,
 * exit record, monitor socket and status file.  The status file goes
 * last: it is the record of what else there is to clean up. */
static const char *const virCTProcessStateFiles[] = { ".plan", ".exit", ".monitor", ".xml" };

static char *
virCTProcessStatePath(virCTDriver *driver, virDomainObj *vm, const char *suffix)
{
    return virCTDomainStatePath(driver->config, vm->def->name, suffix);
}

static void
virCTProcessRemoveStateFiles(virCTDriver *driver, virDomainObj *vm)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(virCTProcessStateFiles); i++) {
        g_autofree char *path = virCTProcessStatePath(driver, vm, virCTProcessStateFiles[i]);

        if (unlink(path) < 0 && errno != ENOENT)
            VIR_WARN("cannot remove '%s': %s", path, g_strerror(errno));
    }
}

/* Waits up to @ms on the domain's condition with its lock released:
 * the job keeps the domain ours meanwhile, so `virsh list` and every
 * other reader go on; the exit path (virCTProcessWorker) wakes it. */
void
virCTProcessWaitMs(virDomainObj *vm, unsigned int ms)
{
    unsigned long long now;

    if (virTimeMillisNow(&now) < 0 || virDomainObjWaitUntil(vm, now + ms) < 0)
        virResetLastError();
}

/* The plan in its text form, private to root. */
static int
virCTProcessWritePlan(const ctPlan *plan, const char *path)
{
    g_autofree char *text = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&text, &len);

    if (!fp) {
        virReportSystemError(errno, "%s", _("cannot format the start plan"));
        return -1;
    }
    if (ctPlanFormat(plan, fp) < 0) {
        fclose(fp);
        virReportError(VIR_ERR_INTERNAL_ERROR, "%s", _("cannot format the start plan"));
        return -1;
    }
    fclose(fp);
    return virFileRewriteStr(path, 0600, text);
}

/* Reads one sync line, waiting at most CT_PROCESS_SYNC_TIMEOUT_SEC with
 * the domain unlocked (the caller's job protects it). */
static int
virCTProcessSyncRead(virDomainObj *vm, int fd, char *line, size_t len)
{
    ssize_t n;
    int err;

    virObjectUnlock(vm);
    n = virCTSyncReadLine(fd, line, len);
    err = errno;
    virObjectLock(vm);
    errno = err;

    if (n > 0)
        return 0;
    if (n == 0)
        virReportError(VIR_ERR_OPERATION_FAILED,
                       _("supervisor of '%1$s' exited during start, see its log"), vm->def->name);
    else
        virReportSystemError(errno, _("no answer from the supervisor of '%1$s'"), vm->def->name);
    return -1;
}

/* Turns "ERR <errno> <escaped message>" into a libvirt error. */
static void
virCTProcessReportStartError(virDomainObj *vm, const char *line)
{
    g_autofree char *msg = NULL;
    const char *rest = STRSKIP(line, "ERR ");
    char *end = NULL;
    int err = 0;

    if (rest && virStrToLong_i(rest, &end, 10, &err) == 0 && *end == ' ')
        msg = ctPlanUnescape(end + 1);
    if (!msg) {
        virReportError(VIR_ERR_INTERNAL_ERROR,
                       _("unexpected answer from the supervisor of '%1$s': '%2$s'"), vm->def->name,
                       line);
        return;
    }
    virReportError(VIR_ERR_OPERATION_FAILED, _("cannot start container '%1$s': %2$s"),
                   vm->def->name, msg);
}

/* Reads "<keyword> <pid>[ <word>]", or reports the supervisor's error;
 * the word, if any, is stored in @word (the caller frees it). */
static int
virCTProcessSyncReadPid(virDomainObj *vm, int fd, const char *keyword, pid_t *pid, char **word)
{
    char line[1024];
    const char *rest;
    char *end = NULL;
    int val;

    if (virCTProcessSyncRead(vm, fd, line, sizeof(line)) < 0)
        return -1;
    if (!(rest = STRSKIP(line, keyword)) || *rest != ' ' ||
        virStrToLong_i(rest + 1, &end, 10, &val) < 0 || val <= 0 ||
        (*end && (*end != ' ' || !word || !end[1] || strchr(end + 1, ' ')))) {
        virCTProcessReportStartError(vm, line);
        return -1;
    }
    *pid = val;
    if (word)
        *word = *end ? g_strdup(end + 1) : NULL;
    return 0;
}

/* The host PTY that carries the console, as libvirt-lxc shows it: the
 * source path (and tty attribute) of a <console type='pty'>. */
static void
virCTProcessSetConsolePath(virDomainObj *vm, char *path)
{
    virDomainChrSourceDef *src;

    if (vm->def->nconsoles == 0 || !path)
        return;
    src = vm->def->consoles[0]->source;
    if (src->type != VIR_DOMAIN_CHR_TYPE_PTY)
        return;
    g_free(src->data.file.path);
    src->data.file.path = path;
}

static int
virCTProcessSpawn(virCTDriver *driver, virDomainObj *vm, const char *planPath, int *syncFD)
{
    virCTDomainObjPrivate *priv = CT_DOMAIN_PRIVATE(vm);
    struct timeval tv = { .tv_sec = CT_PROCESS_SYNC_TIMEOUT_SEC };
    VIR_AUTOCLOSE peer = -1;
    int sv[2];
    pid_t pid;

    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
        virReportSystemError(errno, "%s", _("cannot create the supervisor sync socket"));
        return -1;
    }
    *syncFD = sv[0];
    peer = sv[1];
    if (setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
        virReportSystemError(errno, "%s", _("cannot set a socket timeout"));
        return -1;
    }
    /* The keeper, not this daemon, is its parent (ct_keeper.c): it reaps
     * it whenever it ends, also after this daemon is gone.  It answers
     * at once (it forks and replies). */
    VIR_DEBUG("asking the keeper to run the supervisor of '%s'", vm->def->name);
    if (virCTKeeperSpawn(driver, planPath, peer, &pid) < 0)
        return -1;
    virCTTimelineStep(vm->def->name, "spawned");
    priv->supervisorPid = pid;
    priv->starting = true;
    /* Active from now on, as qemu allocates the ID before it waits for
     * its process: the start waits with the domain unlocked, and no
     * define or create may replace the definition of an inactive one
     * meanwhile.  The ID becomes init's once it is known. */
    vm->def->id = pid;
    return 0;
}

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
static char *
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
static void
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
static void
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
static int
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
    return virDomainObjSave(vm, driver->xmlopt, driver->config->stateDir);
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
    return virDomainObjSave(vm, driver->xmlopt, driver->config->stateDir);
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
static int
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

static void virCTProcessExitNotify(virCTMonitor *mon, virCTMonitorExitKind kind, int code,
                                   void *opaque);

/* Sync points 3 and 5 (GO, then OK): init runs; the watch reports when
 * it ends. */
static int
virCTProcessRelease(virCTDriver *driver, virDomainObj *vm, int syncFD)
{
    virCTDomainObjPrivate *priv = CT_DOMAIN_PRIVATE(vm);
    g_autofree char *monitorPath = virCTProcessStatePath(driver, vm, ".monitor");
    pid_t pid;

    VIR_DEBUG("releasing init of '%s' (GO)", vm->def->name);
    if (virCTSyncWriteLine(syncFD, "GO\n") < 0) {
        virReportSystemError(errno, _("cannot release the supervisor of '%1$s'"), vm->def->name);
        return -1;
    }
    virCTTimelineStep(vm->def->name, "go-sent");
    if (virCTProcessSyncReadPid(vm, syncFD, "OK", &pid, NULL) < 0)
        return -1;
    virCTTimelineStep(vm->def->name, "ok-read");
    /* a restore's init is CRIU's, not the restorer that stood in for it */
    if (pid != vm->def->id) {
        VIR_DEBUG("init of '%s' is %d", vm->def->name, pid);
        vm->def->id = pid;
        if (virDomainObjSave(vm, driver->xmlopt, driver->config->stateDir) < 0)
            return -1;
    }
    VIR_DEBUG("init of '%s' runs, watching its supervisor", vm->def->name);
    if (!(priv->monitor = virCTMonitorOpen(monitorPath, virCTProcessExitNotify, (virObject *)vm)))
        return -1;
    virCTTimelineStep(vm->def->name, "monitor");
    return 0;
}

/* A daemon started with --timeout must not exit while containers run:
 * nothing would watch them. */
static void
virCTProcessCountActive(virCTDriver *driver, virDomainObj *vm, bool active)
{
    virCTDomainObjPrivate *priv = CT_DOMAIN_PRIVATE(vm);

    if (priv->counted == active)
        return;
    priv->counted = active;
    if (active) {
        if (g_atomic_int_add(&driver->nactive, 1) == 0 && driver->inhibitCallback)
            driver->inhibitCallback(true, driver->inhibitOpaque);
    } else if (g_atomic_int_dec_and_test(&driver->nactive) && driver->inhibitCallback) {
        driver->inhibitCallback(false, driver->inhibitOpaque);
    }
}

static void
virCTProcessRegisterAutoDestroy(virDomainObj *vm, virConnectPtr conn)
{
    CT_DOMAIN_PRIVATE(vm)->autodestroy = true;
    virCloseCallbacksDomainAdd(vm, conn, virCTProcessAutoDestroy);
}

/* Everything after the plan is written; on failure the caller undoes it. */
static int
virCTProcessLaunch(virCTDriver *driver, virDomainObj *vm, const ctPlan *plan, const char *planPath,
                   virDomainRunningReason reason)
{
    virCTDomainObjPrivate *priv = CT_DOMAIN_PRIVATE(vm);
    VIR_AUTOCLOSE syncFD = -1;
    g_autofree char *ttyPath = NULL;
    bool changed = false;
    pid_t initPid;

    VIR_DEBUG("spawning the supervisor of '%s'", vm->def->name);
    if (virCTProcessSpawn(driver, vm, planPath, &syncFD) < 0)
        return -1;
    VIR_DEBUG("waiting for init of '%s' (PID)", vm->def->name);
    if (virCTProcessSyncReadPid(vm, syncFD, "PID", &initPid, &ttyPath) < 0)
        return -1;
    virCTTimelineStep(vm->def->name, "pid-read");
    virCTProcessSetConsolePath(vm, g_steal_pointer(&ttyPath));
    virDomainObjSetState(vm, VIR_DOMAIN_RUNNING, reason);
    virCTProcessCountActive(driver, vm, true);
    VIR_DEBUG("recording the cgroup of '%s' (init %d)", vm->def->name, initPid);
    if (virCTProcessRecordCgroup(driver, vm, initPid) < 0)
        return -1;
    virCTTimelineStep(vm->def->name, "status-saved");
    if (virCTProcessSetupCgroup(driver, vm, plan, initPid, &changed) < 0)
        return -1;
    /* a restore's container ends are CRIU's to move in */
    VIR_DEBUG("plugging the interfaces of '%s'", vm->def->name);
    if (plan->restoreDir ? virCTNetStartRestore(vm) < 0 : virCTNetStart(vm, initPid) < 0)
        return -1;
    virCTTimelineStep(vm->def->name, "net");
    /* saved again, before init runs, with the host ends' names and what
     * the cgroups brought that the first save did not guess; until then
     * the first save's cgroup path finds the cgroups, as after a crash
     * in the middle of the interfaces */
    if (vm->def->nnets > 0 || changed) {
        VIR_DEBUG("saving the status of '%s'", vm->def->name);
        if (virDomainObjSave(vm, driver->xmlopt, driver->config->stateDir) < 0)
            return -1;
        virCTTimelineStep(vm->def->name, "status-saved-2");
    }
    if (virCTProcessRelease(driver, vm, syncFD) < 0)
        return -1;
    VIR_DEBUG("container '%s' runs: init %d, supervisor %d", vm->def->name, initPid,
              priv->supervisorPid);
    return 0;
}

/* The container's own figures in /proc (its limits, its uptime) when
 * LXCFS serves; started again if it died.  Without it the container
 * starts all the same. */
static void
virCTProcessAddLxcfs(ctPlan *plan, virDomainObj *vm)
{
    if (virCTLxcfsEnsure() <= 0) {
        VIR_WARN("LXCFS does not serve: '%s' sees the host's /proc/meminfo, cpuinfo, uptime",
                 vm->def->name);
        return;
    }
    virCTDomainPlanAddHostView(plan, CT_LXCFS_DIR, virCTLxcfsFiles);
}

/* A restore instead of a boot: the checkpoint's details (ct_save.c)
 * into the plan. */
static int
virCTProcessAddRestore(virCTDriver *driver, virDomainObj *vm, ctPlan *plan, const ctPlan *restore)
{
    g_autoptr(GPtrArray) externals = virCTNetPrepareRestore(vm);
    size_t i;

    if (!externals)
        return -1;
    plan->restoreExternals = g_new0(char *, externals->len + 1);
    for (i = 0; i < externals->len; i++)
        plan->restoreExternals[i] = g_strdup(g_ptr_array_index(externals, i));
    plan->nrestoreExternals = externals->len;

    plan->restoreDir = g_strdup(restore->restoreDir);
    plan->criuPath = g_strdup(driver->config->criu);
    plan->restoreTty = g_strdup(restore->restoreTty);
    plan->restoreCgroup = g_strdup(restore->restoreCgroup);
    plan->restoreMounts = g_new0(ctPlanRestoreMount, restore->nrestoreMounts + 1);
    for (i = 0; i < restore->nrestoreMounts; i++) {
        plan->restoreMounts[i].key = g_strdup(restore->restoreMounts[i].key);
        plan->restoreMounts[i].path = g_strdup(restore->restoreMounts[i].path);
    }
    plan->nrestoreMounts = restore->nrestoreMounts;
    return 0;
}

int
virCTProcessStart(virCTDriver *driver, virDomainObj *vm, virConnectPtr conn, unsigned int flags,
                  virDomainRunningReason reason)
{
    return virCTProcessStartRestore(driver, vm, conn, flags, reason, NULL);
}

int
virCTProcessStartRestore(virCTDriver *driver, virDomainObj *vm, virConnectPtr conn,
                         unsigned int flags, virDomainRunningReason reason, const ctPlan *restore)
{
    g_autoptr(ctPlan) plan = NULL;
    g_autofree char *planPath = virCTProcessStatePath(driver, vm, ".plan");
    g_autofree char *keptRoot = NULL;

    if (virDomainObjIsActive(vm)) {
        virReportError(VIR_ERR_OPERATION_INVALID, "%s", _("domain is already running"));
        return -1;
    }
    /* the layer and the root first: named <inituser>s are looked up there */
    VIR_DEBUG("preparing the layer of '%s'", vm->def->name);
    if (virCTSnapshotCheckStart(driver, vm->def) < 0)
        return -1;
    if (virCTLayerPrepare(driver, vm->def, vm->persistent) < 0 ||
        virCTRootKeep(driver, vm, &keptRoot) < 0)
        goto early_error;
    virCTTimelineStep(vm->def->name, "layer");
    VIR_DEBUG("building the plan of '%s'", vm->def->name);
    if (!(plan = virCTDomainBuildPlanWithRoot(driver->config, vm->def, keptRoot)))
        goto early_error;
    virCTTimelineStep(vm->def->name, "plan-built");
    if (driver->privileged) {
        virCTProcessAddLxcfs(plan, vm);
        virCTTimelineStep(vm->def->name, "lxcfs");
    }
    plan->timeline = virCTTimelineEnabled();
    /* the running definition is a copy: live changes leave the config alone */
    if (virDomainObjSetDefTransient(driver->xmlopt, vm, NULL) < 0)
        goto early_error;
    virCTDomainAssignAliases(vm->def);
    virCTTimelineStep(vm->def->name, "def-copied");

    virCTProcessRemoveStateFiles(driver, vm);
    if (restore && virCTProcessAddRestore(driver, vm, plan, restore) < 0)
        goto error;
    VIR_DEBUG("writing the plan of '%s' to '%s'", vm->def->name, planPath);
    if (virCTProcessWritePlan(plan, planPath) < 0)
        goto error;
    virCTTimelineStep(vm->def->name, "plan-written");
    if (virCTProcessLaunch(driver, vm, plan, planPath, reason) < 0)
        goto error;
    if ((flags & VIR_CT_PROCESS_START_PAUSED)) {
        VIR_DEBUG("freezing '%s' (started paused)", vm->def->name);
        if (virCTProcessSetFrozen(vm, true) < 0)
            goto error;
        virDomainObjSetState(vm, VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_USER);
    }
    CT_DOMAIN_PRIVATE(vm)->starting = false;
    if ((flags & VIR_CT_PROCESS_START_AUTODESTROY))
        virCTProcessRegisterAutoDestroy(vm, conn);
    /* the status written before GO is still right without these flags */
    if (flags && virDomainObjSave(vm, driver->xmlopt, driver->config->stateDir) < 0)
        goto error;
    virCTTimelineStep(vm->def->name, "started");
    return 0;

 error:
    virCTProcessStop(driver, vm, VIR_DOMAIN_SHUTOFF_FAILED);
    return -1;

 early_error:
    virCTRootRelease(driver, vm);
    virCTLayerRelease(driver, vm->def, true);
    return -1;
}

/* Whether @pid is a live (not zombie) ct-supervisor of @vm. */
static bool
virCTProcessIsSupervisor(virCTDriver *driver, virDomainObj *vm, pid_t pid)
{
    g_autofree char *cmdlinePath = g_strdup_printf("/proc/%d/cmdline", pid);
    g_autofree char *planPath = virCTProcessStatePath(driver, vm, ".plan");
    g_autofree char *cmdline = NULL;
    int len;
    char *arg;

    if (pid <= 0 || (len = virFileReadAllQuiet(cmdlinePath, 4096, &cmdline)) <= 0)
        return false;
    /* argv: supervisor --plan PATH ...; a zombie has none */
    for (arg = cmdline; arg < cmdline + len; arg += strlen(arg) + 1) {
        if (STREQ(arg, "--plan"))
            return arg + strlen(arg) + 1 < cmdline + len && STREQ(arg + strlen(arg) + 1, planPath);
    }
    return false;
}

/* Waits, @vm unlocked, until the supervisor @pid (checked to be ours
 * once its pidfd is open, so that a reused PID is not waited for) ends:
 * woken at its exit rather than polling.  Returns whether it ended. */
static bool
virCTProcessWaitSupervisorFd(virCTDriver *driver, virDomainObj *vm, pid_t pid)
{
    VIR_AUTOCLOSE pidfd = syscall(SYS_pidfd_open, pid, 0);
    struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
    int rc;

    if (pidfd < 0 || !virCTProcessIsSupervisor(driver, vm, pid))
        return pidfd < 0 && errno == ESRCH;
    virObjectUnlock(vm);
    while ((rc = poll(&pfd, 1, CT_PROCESS_EXIT_TIMEOUT_MS)) < 0 && errno == EINTR)
        ;
    virObjectLock(vm);
    waitpid(pid, NULL, WNOHANG);
    return rc > 0;
}

/* Reaps the supervisor if it is our child; waits until it is gone,
 * with @vm unlocked between the checks. */
static void
virCTProcessWaitSupervisor(virCTDriver *driver, virDomainObj *vm, pid_t pid)
{
    unsigned long long start;
    unsigned long long now = 0;

    if (pid <= 0 || virTimeMillisNow(&start) < 0)
        return;
    if (virCTProcessWaitSupervisorFd(driver, vm, pid))
        return;
    while (virTimeMillisNow(&now) == 0 && now - start < CT_PROCESS_EXIT_TIMEOUT_MS) {
        pid_t rc = waitpid(pid, NULL, WNOHANG);

        if (rc == pid || (rc < 0 && !virCTProcessIsSupervisor(driver, vm, pid)))
            return;
        virCTProcessWaitMs(vm, 10);
    }
    VIR_WARN("supervisor %d of '%s' did not exit, killing it", pid, vm->def->name);
    if (virCTProcessIsSupervisor(driver, vm, pid))
        kill(pid, SIGKILL);
    waitpid(pid, NULL, WNOHANG);
}

/* SIGKILL to every task of the container, then a check every
 * millisecond until none is left: libvirt's virCgroupKillPainfully()
 * sleeps 200 ms between rounds, most of a destroy.  It stays the last
 * resort for tasks that do not die within a second.  @vm is unlocked
 * while it waits; the caller's job keeps @cgroup. */
static void
virCTProcessKillCgroup(virDomainObj *vm, virCgroup *cgroup)
{
    size_t i;

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

/* Kills init and waits until nothing of the container runs.  With
 * @viaMonitor the supervisor (serving its monitor) is asked first, so it
 * records the end; the cgroup kill catches whatever is left. */
static void
virCTProcessKill(virCTDriver *driver, virDomainObj *vm, bool viaMonitor)
{
    virCTDomainObjPrivate *priv = CT_DOMAIN_PRIVATE(vm);
    g_autofree char *monitorPath = virCTProcessStatePath(driver, vm, ".monitor");
    g_autofree char *reply = NULL;

    /* a frozen task cannot die */
    if (virDomainObjGetState(vm, NULL) == VIR_DOMAIN_PAUSED && virCTProcessSetFrozen(vm, false) < 0)
        virResetLastError();
    if (viaMonitor && virCTProcessIsSupervisor(driver, vm, priv->supervisorPid))
        reply = virCTMonitorRequest(monitorPath, "kill");
    if (priv->cgroup)
        virCTProcessKillCgroup(vm, priv->cgroup);
    virCTProcessWaitSupervisor(driver, vm, priv->supervisorPid);
}

/* The machine registration (systemd-machined, where it runs) and the
 * cgroup, as libvirt's drivers remove them. */
static void
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

/* Undoes everything a start did; @vm becomes inactive with @reason. */
void
virCTProcessStop(virCTDriver *driver, virDomainObj *vm, virDomainShutoffReason reason)
{
    virCTDomainObjPrivate *priv = CT_DOMAIN_PRIVATE(vm);
    virErrorPtr orig;
    bool viaMonitor;

    VIR_DEBUG("stopping '%s' (init %d, reason %s)", vm->def->name, vm->def->id,
              virDomainShutoffReasonTypeToString(reason));
    virErrorPreserveLast(&orig);

    viaMonitor = priv->monitor != NULL;
    g_clear_pointer(&priv->monitor, virCTMonitorClose);
    if (priv->stopTimer >= 0) {
        virEventRemoveTimeout(priv->stopTimer);
        priv->stopTimer = -1;
    }
    /* also when the daemon was killed before it made the cgroup */
    virCTProcessOpenCgroup(vm);
    virCTProcessKill(driver, vm, viaMonitor);
    virCTNetStop(vm);
    virCTProcessRemoveExtra(vm);
    virCTProcessRemoveCgroup(driver, vm);
    g_clear_pointer(&priv->cgroupPath, g_free);
    virCTLayerRelease(driver, vm->def, !priv->restarting);
    if (!priv->restarting)
        virCTRootRelease(driver, vm);

    if (priv->autodestroy)
        virCloseCallbacksDomainRemove(vm, NULL, virCTProcessAutoDestroy);
    virCTProcessRemoveStateFiles(driver, vm);
    virCTSaveRemoveWork(driver, vm->def->name);

    virCTProcessCountActive(driver, vm, false);
    priv->supervisorPid = 0;
    priv->starting = false;
    priv->autodestroy = false;
    priv->wantReboot = false;
    priv->wantPoweroff = false;
    vm->def->id = -1;
    virDomainObjSetState(vm, VIR_DOMAIN_SHUTOFF, reason);
    virDomainObjRemoveTransientDef(vm);

    virErrorRestore(&orig);
}

pid_t
virCTProcessInitPid(virDomainObj *vm)
{
    if (virDomainObjCheckActive(vm) < 0)
        return -1;
    if (CT_DOMAIN_PRIVATE(vm)->starting) {
        virReportError(VIR_ERR_OPERATION_INVALID, _("container '%1$s' is starting"), vm->def->name);
        return -1;
    }
    return vm->def->id;
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

char *
virCTProcessMonitorRequest(virCTDriver *driver, virDomainObj *vm, const char *request)
{
    g_autofree char *monitorPath = virCTProcessStatePath(driver, vm, ".monitor");

    return virCTMonitorRequest(monitorPath, request);
}

int
virCTProcessOpenConsole(virCTDriver *driver, virDomainObj *vm, bool force)
{
    g_autofree char *monitorPath = virCTProcessStatePath(driver, vm, ".monitor");

    return virCTMonitorOpenConsole(monitorPath, force);
}


/* ---- how a container ends ---------------------------------------- */

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

static void
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
        if (virDomainObjSave(vm, driver->xmlopt, driver->config->stateDir) < 0)
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
