/*
 * ct_process.c: start and stop of containers
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
 *
 * The cgroups are ct_process_cgroup.c's; what happens when init ends,
 * and how the next daemon finds the containers again, ct_process_end.c's.
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
#include "ct_process_priv.h"
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

const char *const virCTProcessStateFiles[CT_PROCESS_N_STATE_FILES] = { ".plan", ".exit", ".monitor",
                                                                       ".xml" };

char *
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
    return virCTDriverWriteStateFile(path, text);
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
        if (virCTDriverSaveStatus(driver, vm) < 0)
            return -1;
    }
    VIR_DEBUG("init of '%s' runs, watching its supervisor", vm->def->name);
    if (!(priv->monitor = virCTMonitorOpen(monitorPath, virCTProcessExitNotify, (virObject *)vm)))
        return -1;
    virCTTimelineStep(vm->def->name, "monitor");
    return 0;
}

void
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
        if (virCTDriverSaveStatus(driver, vm) < 0)
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
    if (flags && virCTDriverSaveStatus(driver, vm) < 0)
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

bool
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

/* A pidfd of the running init, for its kill and the wait for its end;
 * -1 when init does not run in the container's cgroup.  Once its
 * supervisor has reaped it, its PID may be another process's: so the
 * pidfd is opened first, then /proc says where that PID runs, then the
 * pidfd says that its process still lives (its PID was not reused
 * meanwhile, and /proc spoke of it). */
static int
virCTProcessOpenInit(virDomainObj *vm)
{
    virCTDomainObjPrivate *priv = CT_DOMAIN_PRIVATE(vm);
    g_autofree char *procPath = NULL;
    g_autofree char *text = NULL;
    struct pollfd pfd = { .fd = -1, .events = POLLIN };

    if (priv->starting || vm->def->id <= 0 || !priv->cgroupPath)
        return -1;
    if ((pfd.fd = syscall(SYS_pidfd_open, vm->def->id, 0)) < 0)
        return -1;
    procPath = g_strdup_printf("/proc/%d/cgroup", vm->def->id);
    if (virFileReadAllQuiet(procPath, 64 * 1024, &text) < 0 || !strstr(text, priv->cgroupPath) ||
        poll(&pfd, 1, 0) != 0) {
        VIR_FORCE_CLOSE(pfd.fd);
        return -1;
    }
    return pfd.fd;
}

/* Kills init and waits until nothing of the container runs.  With
 * @viaMonitor the supervisor (serving its monitor) is asked first, so it
 * records the end; the cgroup kill catches whatever is left. */
void
virCTProcessKill(virCTDriver *driver, virDomainObj *vm, bool viaMonitor)
{
    virCTDomainObjPrivate *priv = CT_DOMAIN_PRIVATE(vm);
    g_autofree char *monitorPath = virCTProcessStatePath(driver, vm, ".monitor");
    g_autofree char *reply = NULL;
    VIR_AUTOCLOSE initfd = virCTProcessOpenInit(vm);

    /* a frozen task cannot die */
    if (virDomainObjGetState(vm, NULL) == VIR_DOMAIN_PAUSED && virCTProcessSetFrozen(vm, false) < 0)
        virResetLastError();
    if (viaMonitor && virCTProcessIsSupervisor(driver, vm, priv->supervisorPid))
        reply = virCTMonitorRequest(monitorPath, "kill");
    virCTTimelineStep(vm->def->name, "stop-monitor-kill");
    if (priv->cgroup)
        virCTProcessKillCgroup(vm, priv->cgroup, initfd);
    virCTTimelineStep(vm->def->name, "stop-tasks-gone");
    virCTProcessWaitSupervisor(driver, vm, priv->supervisorPid);
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
    virCTTimelineStep(vm->def->name, "stop-begin");
    virCTProcessKill(driver, vm, viaMonitor);
    virCTTimelineStep(vm->def->name, "stop-supervisor-gone");
    virCTNetStop(vm);
    virCTProcessRemoveExtra(vm);
    virCTTimelineStep(vm->def->name, "stop-cgroups-extra");
    virCTProcessRemoveCgroup(driver, vm);
    virCTTimelineStep(vm->def->name, "stop-cgroups");
    g_clear_pointer(&priv->cgroupPath, g_free);
    virCTLayerRelease(driver, vm->def, !priv->restarting);
    virCTTimelineStep(vm->def->name, "stop-layer");
    if (!priv->restarting)
        virCTRootRelease(driver, vm);
    virCTTimelineStep(vm->def->name, "stop-root");

    if (priv->autodestroy)
        virCloseCallbacksDomainRemove(vm, NULL, virCTProcessAutoDestroy);
    virCTProcessRemoveStateFiles(driver, vm);
    virCTSaveRemoveWork(driver, vm->def->name);
    virCTTimelineStep(vm->def->name, "stop-files");

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
