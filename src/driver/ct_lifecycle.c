/*
 * ct_lifecycle.c: entry points that start, stop and control containers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each entry point looks the domain up, checks the ACL, begins a job,
 * makes one call into ct_process.c and queues the event.
 */

#include <config.h>

#include <fcntl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "ct_lifecycle.h"
#include "ct_idrange.h"
#include "ct_domain.h"
#include "ct_domain_api.h"
#include "ct_domain_input.h"
#include "ct_domain_plan.h"
#include "ct_process.h"
#include "ct_save.h"
#include "ct_timeline.h"

#include "datatypes.h"
#include "viraccessapicheck.h"
#include "viraccessapichecklxc.h"
#include "virdomainjob.h"
#include "virerror.h"
#include "virfdstream.h"
#include "virfile.h"
#include "virinitctl.h"
#include "virlog.h"
#include "virprocess.h"
#include "virstring.h"
#include "virthread.h"
#include "virtime.h"

#define VIR_FROM_THIS VIR_FROM_NONE

VIR_LOG_INIT("ct.ct_lifecycle");

/* How long init has to end after a shutdown or reboot request before it
 * is killed. */
#define CT_SHUTDOWN_TIMEOUT_SEC 30
/* how long a stop request waits for init to catch its signal */
#define CT_INIT_HANDLER_WAIT_MS 1000
/* How long virDomainDestroyFlags(GRACEFUL) waits for init to end. */
#define CT_GRACEFUL_TIMEOUT_MS 10000

static int
ctDomainStart(virCTDriver *driver, virDomainObj *vm, virConnectPtr conn, unsigned int flags)
{
    unsigned int startFlags = 0;
    virObjectEvent *event;

    if (flags & VIR_DOMAIN_START_PAUSED)
        startFlags |= VIR_CT_PROCESS_START_PAUSED;
    if (flags & VIR_DOMAIN_START_AUTODESTROY)
        startFlags |= VIR_CT_PROCESS_START_AUTODESTROY;
    if (virCTProcessStart(driver, vm, conn, startFlags, VIR_DOMAIN_RUNNING_BOOTED) < 0)
        return -1;
    event = virDomainEventLifecycleNewFromObj(vm, VIR_DOMAIN_EVENT_STARTED,
                                              VIR_DOMAIN_EVENT_STARTED_BOOTED);
    virObjectEventStateQueue(driver->domainEventState, event);
    if (flags & VIR_DOMAIN_START_PAUSED) {
        event = virDomainEventLifecycleNewFromObj(vm, VIR_DOMAIN_EVENT_SUSPENDED,
                                                  VIR_DOMAIN_EVENT_SUSPENDED_PAUSED);
        virObjectEventStateQueue(driver->domainEventState, event);
    }
    return 0;
}

int
ctDomainCreateWithFlags(virDomainPtr dom, unsigned int flags)
{
    virCTDriver *driver = dom->conn->privateData;
    virDomainObj *vm;
    bool restored = false;
    gint64 t0 = g_get_monotonic_time();
    int ret = -1;

    /* BYPASS_CACHE: for a start from a managed save image, which is read
     * once anyway */
    virCheckFlags(VIR_DOMAIN_START_PAUSED | VIR_DOMAIN_START_AUTODESTROY |
                      VIR_DOMAIN_START_FORCE_BOOT | VIR_DOMAIN_START_BYPASS_CACHE,
                  -1);

    if (!(vm = ctDomObjFromDomain(dom)))
        return -1;
    virCTTimelineStepAt(vm->def->name, t0, "api");
    if (virDomainCreateWithFlagsEnsureACL(dom->conn, vm->def) < 0)
        goto cleanup;
    if (virDomainObjBeginJob(vm, VIR_JOB_MODIFY) < 0)
        goto cleanup;
    virCTTimelineStep(vm->def->name, "job");
    if (virDomainObjIsActive(vm)) {
        virReportError(VIR_ERR_OPERATION_INVALID, "%s", _("domain is already running"));
    } else if (virCTSaveStartManaged(driver, vm, dom->conn, flags, &restored) < 0) {
        /* the image stays for another try (or --force-boot) */
    } else if (restored || ctDomainStart(driver, vm, dom->conn, flags) == 0) {
        dom->id = vm->def->id;
        ret = 0;
    }
    virDomainObjEndJob(vm);
    virCTTimelineStep(vm->def->name, "end");

 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}

int
ctDomainCreate(virDomainPtr dom)
{
    return ctDomainCreateWithFlags(dom, 0);
}

virDomainPtr
ctDomainCreateXML(virConnectPtr conn, const char *xml, unsigned int flags)
{
    virCTDriver *driver = conn->privateData;
    g_autoptr(virDomainDef) def = NULL;
    virDomainObj *vm = NULL;
    virDomainPtr dom = NULL;
    gint64 t0 = g_get_monotonic_time();

    virCheckFlags(
        VIR_DOMAIN_START_PAUSED | VIR_DOMAIN_START_AUTODESTROY | VIR_DOMAIN_START_VALIDATE, NULL);

    if (!(def = virCTDomainInputParse(driver, xml, flags & VIR_DOMAIN_START_VALIDATE)))
        return NULL;
    virCTTimelineStepAt(def->name, t0, "api");
    virCTTimelineStep(def->name, "parsed");
    if (virDomainCreateXMLEnsureACL(conn, def) < 0)
        return NULL;
    VIR_WITH_MUTEX_LOCK_GUARD (&driver->idLock) {
        if (virCTIdRangeAssign(driver, def, true) < 0)
            return NULL;
        virCTTimelineStep(def->name, "ids");
        vm = virDomainObjListAdd(driver->domains, &def, driver->xmlopt,
                                 VIR_DOMAIN_OBJ_LIST_ADD_LIVE | VIR_DOMAIN_OBJ_LIST_ADD_CHECK_LIVE,
                                 NULL);
    }
    if (!vm)
        return NULL;
    virCTTimelineStep(vm->def->name, "listed");

    if (virDomainObjBeginJob(vm, VIR_JOB_MODIFY) < 0) {
        if (!vm->persistent)
            virCTDriverRemoveDomain(driver, vm);
        goto cleanup;
    }
    virCTTimelineStep(vm->def->name, "job");
    if (ctDomainStart(driver, vm, conn, flags & ~VIR_DOMAIN_START_VALIDATE) == 0)
        dom = virGetDomain(conn, vm->def->name, vm->def->uuid, vm->def->id);
    virDomainObjEndJob(vm);
    virCTTimelineStep(vm->def->name, "end");
    if (!dom && !vm->persistent)
        virCTDriverRemoveDomain(driver, vm);

 cleanup:
    virDomainObjEndAPI(&vm);
    return dom;
}

/* Waits, on the domain's condition with @vm unlocked (the job keeps it
 * ours), until the supervisor has recorded the end of init.  The exit
 * path (virCTProcessWorker) wakes it; the exit record is checked every
 * 100 ms too, for an exit the worker does not handle (daemon shutting
 * down).  Returns true when init ended. */
static bool
ctDomainWaitInitEnd(virCTDriver *driver, virDomainObj *vm, unsigned long long timeoutMs)
{
    g_autofree char *exitPath = virCTDomainStatePath(driver->config, vm->def->name, ".exit");
    unsigned long long deadline;
    unsigned long long now = 0;

    if (virTimeMillisNow(&now) < 0)
        return false;
    deadline = now + timeoutMs;
    while (!virFileExists(exitPath) && now < deadline) {
        if (virDomainObjWaitUntil(vm, MIN(deadline, now + 100)) < 0 || virTimeMillisNow(&now) < 0)
            return false;
    }
    return virFileExists(exitPath);
}

/* GRACEFUL: SIGTERM to init only; fail when it does not end. */
static int
ctDomainDestroyGraceful(virCTDriver *driver, virDomainObj *vm)
{
    g_autofree char *reply = NULL;

    VIR_DEBUG("sending SIGTERM to init of '%s'", vm->def->name);
    if (!(reply = virCTProcessMonitorRequest(driver, vm, "signal 15")))
        return -1;
    VIR_DEBUG("waiting for init of '%s' to end", vm->def->name);
    if (!ctDomainWaitInitEnd(driver, vm, CT_GRACEFUL_TIMEOUT_MS)) {
        virReportError(
            VIR_ERR_OPERATION_FAILED,
            _("container '%1$s' did not stop on SIGTERM; destroy it without the graceful flag to kill it"),
            vm->def->name);
        return -1;
    }
    return 0;
}

int
ctDomainDestroyFlags(virDomainPtr dom, unsigned int flags)
{
    virCTDriver *driver = dom->conn->privateData;
    virDomainObj *vm;
    virObjectEvent *event = NULL;
    int ret = -1;

    virCheckFlags(VIR_DOMAIN_DESTROY_GRACEFUL, -1);

    if (!(vm = ctDomObjFromDomain(dom)))
        return -1;
    virCTTimelineStep(vm->def->name, "stop-api");
    if (virDomainDestroyFlagsEnsureACL(dom->conn, vm->def) < 0)
        goto cleanup;
    if (virDomainObjBeginJob(vm, VIR_JOB_DESTROY) < 0)
        goto cleanup;
    virCTTimelineStep(vm->def->name, "stop-job");
    if (virDomainObjCheckActive(vm) < 0)
        goto endjob;
    if (flags & VIR_DOMAIN_DESTROY_GRACEFUL) {
        if (ctDomainDestroyGraceful(driver, vm) < 0)
            goto endjob;
        virCTTimelineStep(vm->def->name, "stop-graceful-wait");
    }

    virCTProcessStop(driver, vm, VIR_DOMAIN_SHUTOFF_DESTROYED);
    ret = 0;
    event = virDomainEventLifecycleNewFromObj(vm, VIR_DOMAIN_EVENT_STOPPED,
                                              VIR_DOMAIN_EVENT_STOPPED_DESTROYED);
    dom->id = -1;

 endjob:
    virDomainObjEndJob(vm);
    if (!vm->persistent && !virDomainObjIsActive(vm))
        virCTDriverRemoveDomain(driver, vm);
    virCTTimelineStep(dom->name, "stop-job-ended");
 cleanup:
    virDomainObjEndAPI(&vm);
    virObjectEventStateQueue(driver->domainEventState, event);
    virCTTimelineStep(dom->name, "stop-end");
    return ret;
}

int
ctDomainDestroy(virDomainPtr dom)
{
    return ctDomainDestroyFlags(dom, 0);
}

/* The signals an init understands as "power off" and "reboot". */
typedef struct {
    const char *exe; /* basename of the program init runs */
    bool realtime; /* the numbers are offsets from SIGRTMIN */
    int poweroff;
    int reboot;
} ctDomainInitSignals;

static const ctDomainInitSignals ctDomainKnownInits[] = {
    { "systemd", true, 4, 5 },
    { "busybox", false, SIGUSR2, SIGTERM },
};

/* Any other init: what libvirt-lxc sends. */
static const ctDomainInitSignals ctDomainOtherInit = { NULL, false, SIGTERM, SIGHUP };

/* The entry of ctDomainKnownInits for the program init runs, or NULL. */
static const ctDomainInitSignals *
ctDomainFindInit(virDomainObj *vm)
{
    g_autofree char *exeLink = g_strdup_printf("/proc/%d/exe", vm->def->id);
    g_autofree char *exe = NULL;
    g_autofree char *base = NULL;
    size_t i;

    if (virFileResolveLink(exeLink, &exe) < 0)
        return NULL;
    base = g_path_get_basename(exe);
    for (i = 0; i < G_N_ELEMENTS(ctDomainKnownInits); i++) {
        if (STREQ(base, ctDomainKnownInits[i].exe))
            return &ctDomainKnownInits[i];
    }
    return NULL;
}

/* Writes the runlevel to the container's initctl FIFO, resolved inside
 * its root so a symlink there cannot lead to the host's.  Returns 1 when
 * sent, 0 when the container has no initctl, -1 on error. */
static int
ctDomainInitctl(virDomainObj *vm, virInitctlRunLevel level)
{
    g_autofree char *rootPath = g_strdup_printf("/proc/%d/root", vm->def->id);
    VIR_AUTOCLOSE root = open(rootPath, O_PATH | O_DIRECTORY | O_CLOEXEC);
    size_t i;

    if (root < 0) {
        virReportSystemError(errno, _("cannot open '%1$s'"), rootPath);
        return -1;
    }
    for (i = 0; virInitctlFifos[i]; i++) {
        struct open_how how = {
            .flags = O_PATH | O_CLOEXEC,
            .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        VIR_AUTOCLOSE fifo = syscall(SYS_openat2, root, virInitctlFifos[i], &how, sizeof(how));
        g_autofree char *path = NULL;
        int rc;

        if (fifo < 0)
            continue;
        path = g_strdup_printf("/proc/self/fd/%d", fifo);
        if ((rc = virInitctlSetRunLevel(path, level)) != 0)
            return rc;
    }
    return 0;
}

/* Whether init @pid has a handler for @signum (SigCgt). */
static bool
ctDomainInitCatches(pid_t pid, int signum)
{
    g_autofree char *statusPath = g_strdup_printf("/proc/%d/status", pid);
    g_autofree char *status = NULL;
    const char *line;
    unsigned long long caught;

    if (virFileReadAllQuiet(statusPath, 4096, &status) < 0 ||
        !(line = strstr(status, "\nSigCgt:")) || sscanf(line, "\nSigCgt: %llx", &caught) != 1)
        return true;
    return caught & (1ULL << (signum - 1));
}

/* The kernel drops a signal to a PID namespace's init that has no
 * handler for it: a shutdown right after a start (or a reboot) would be
 * lost while init is still setting up.  So wait, @vm unlocked, until
 * init catches @signum, for at most CT_INIT_HANDLER_WAIT_MS; an init
 * that never does gets it anyway (and the stop timer's kill). */
static void
ctDomainWaitInitHandler(virDomainObj *vm, int signum)
{
    size_t i;

    for (i = 0; i < CT_INIT_HANDLER_WAIT_MS && virDomainObjIsActive(vm) &&
                !ctDomainInitCatches(vm->def->id, signum);
         i++)
        virCTProcessWaitMs(vm, 1);
}

static int
ctDomainSignalInit(virCTDriver *driver, virDomainObj *vm, int signum)
{
    g_autofree char *request = g_strdup_printf("signal %d", signum);
    g_autofree char *reply = virCTProcessMonitorRequest(driver, vm, request);

    return reply ? 0 : -1;
}

/* Asks init to power off or reboot, by initctl or by signal as @flags
 * say (both allowed when 0), then arms the kill deadline. */
static int
ctDomainRequestStop(virCTDriver *driver, virDomainObj *vm, unsigned int flags, bool reboot)
{
    bool initctl = flags == 0 || (flags & VIR_DOMAIN_SHUTDOWN_INITCTL);
    bool signal = flags == 0 || (flags & VIR_DOMAIN_SHUTDOWN_SIGNAL);
    const ctDomainInitSignals *known = ctDomainFindInit(vm);
    const ctDomainInitSignals *init = known ? known : &ctDomainOtherInit;
    int signum = reboot ? init->reboot : init->poweroff;
    int rc = 0;

    if (init->realtime)
        signum += SIGRTMIN;
    /* an init we know takes a signal; others may speak initctl */
    if (initctl && !(signal && known) &&
        (rc = ctDomainInitctl(vm, reboot ? VIR_INITCTL_RUNLEVEL_REBOOT
                                         : VIR_INITCTL_RUNLEVEL_POWEROFF)) < 0)
        return -1;
    if (rc == 0 && !signal) {
        virReportError(VIR_ERR_OPERATION_UNSUPPORTED, "%s",
                       _("the container has no initctl FIFO; use the signal mode"));
        return -1;
    }
    if (rc == 0)
        ctDomainWaitInitHandler(vm, signum);
    if (rc == 0 && (virDomainObjCheckActive(vm) < 0 || ctDomainSignalInit(driver, vm, signum) < 0))
        return -1;
    CT_DOMAIN_PRIVATE(vm)->wantReboot = reboot;
    CT_DOMAIN_PRIVATE(vm)->wantPoweroff = !reboot;
    virCTProcessArmStopTimer(vm, CT_SHUTDOWN_TIMEOUT_SEC);
    return 0;
}

static int
ctDomainShutdownOrReboot(virDomainPtr dom, unsigned int flags, bool reboot)
{
    virCTDriver *driver = dom->conn->privateData;
    virDomainObj *vm;
    int ret = -1;
    int acl;

    if (!(vm = ctDomObjFromDomain(dom)))
        return -1;
    acl = reboot ? virDomainRebootEnsureACL(dom->conn, vm->def, flags)
                 : virDomainShutdownFlagsEnsureACL(dom->conn, vm->def, flags);
    if (acl < 0)
        goto cleanup;
    if (virDomainObjBeginJob(vm, VIR_JOB_MODIFY) < 0)
        goto cleanup;
    if (virDomainObjCheckActive(vm) == 0)
        ret = ctDomainRequestStop(driver, vm, flags, reboot);
    virDomainObjEndJob(vm);

 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}

int
ctDomainShutdownFlags(virDomainPtr dom, unsigned int flags)
{
    virCheckFlags(VIR_DOMAIN_SHUTDOWN_INITCTL | VIR_DOMAIN_SHUTDOWN_SIGNAL, -1);
    return ctDomainShutdownOrReboot(dom, flags, false);
}

int
ctDomainShutdown(virDomainPtr dom)
{
    return ctDomainShutdownFlags(dom, 0);
}

int
ctDomainReboot(virDomainPtr dom, unsigned int flags)
{
    /* the REBOOT_* and SHUTDOWN_* mode flags have the same values */
    virCheckFlags(VIR_DOMAIN_REBOOT_INITCTL | VIR_DOMAIN_REBOOT_SIGNAL, -1);
    return ctDomainShutdownOrReboot(dom, flags, true);
}

static int
ctDomainSetPaused(virDomainPtr dom, bool pause)
{
    virCTDriver *driver = dom->conn->privateData;
    virDomainObj *vm;
    virObjectEvent *event = NULL;
    int ret = -1;
    int acl;

    if (!(vm = ctDomObjFromDomain(dom)))
        return -1;
    acl = pause ? virDomainSuspendEnsureACL(dom->conn, vm->def)
                : virDomainResumeEnsureACL(dom->conn, vm->def);
    if (acl < 0)
        goto cleanup;
    if (virDomainObjBeginJob(vm, VIR_JOB_SUSPEND) < 0)
        goto cleanup;
    if (virDomainObjCheckActive(vm) < 0)
        goto endjob;

    if (pause && virDomainObjGetState(vm, NULL) != VIR_DOMAIN_PAUSED) {
        if (virCTProcessSetFrozen(vm, true) < 0)
            goto endjob;
        virDomainObjSetState(vm, VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_USER);
        event = virDomainEventLifecycleNewFromObj(vm, VIR_DOMAIN_EVENT_SUSPENDED,
                                                  VIR_DOMAIN_EVENT_SUSPENDED_PAUSED);
    } else if (!pause && virDomainObjGetState(vm, NULL) == VIR_DOMAIN_PAUSED) {
        if (virCTProcessSetFrozen(vm, false) < 0)
            goto endjob;
        virDomainObjSetState(vm, VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_UNPAUSED);
        event = virDomainEventLifecycleNewFromObj(vm, VIR_DOMAIN_EVENT_RESUMED,
                                                  VIR_DOMAIN_EVENT_RESUMED_UNPAUSED);
    } else if (!pause) {
        virReportError(VIR_ERR_OPERATION_INVALID, "%s", _("domain is not paused"));
        goto endjob;
    }
    if (virCTDriverSaveStatus(driver, vm) < 0)
        goto endjob;
    ret = 0;

 endjob:
    virDomainObjEndJob(vm);
 cleanup:
    virDomainObjEndAPI(&vm);
    virObjectEventStateQueue(driver->domainEventState, event);
    return ret;
}

int
ctDomainSuspend(virDomainPtr dom)
{
    return ctDomainSetPaused(dom, true);
}

int
ctDomainResume(virDomainPtr dom)
{
    return ctDomainSetPaused(dom, false);
}

/* The container has one console: NULL, its alias or "console0". */
static int
ctDomainCheckConsoleName(virDomainObj *vm, const char *devname)
{
    virDomainChrDef *chr = vm->def->nconsoles ? vm->def->consoles[0] : NULL;

    if (!devname || STREQ(devname, "console0") ||
        (chr && chr->info.alias && STREQ(devname, chr->info.alias)))
        return 0;
    virReportError(VIR_ERR_INVALID_ARG, _("cannot find console device '%1$s'"), devname);
    return -1;
}

int
ctDomainOpenConsole(virDomainPtr dom, const char *devname, virStreamPtr st, unsigned int flags)
{
    virCTDriver *driver = dom->conn->privateData;
    virDomainObj *vm;
    int fd = -1;
    int ret = -1;

    /* SAFE: the supervisor never lets two clients share the console */
    virCheckFlags(VIR_DOMAIN_CONSOLE_FORCE | VIR_DOMAIN_CONSOLE_SAFE, -1);

    if (!(vm = ctDomObjFromDomain(dom)))
        return -1;
    if (virDomainOpenConsoleEnsureACL(dom->conn, vm->def) < 0)
        goto cleanup;
    if (virDomainObjCheckActive(vm) < 0 || ctDomainCheckConsoleName(vm, devname) < 0)
        goto cleanup;
    if ((fd = virCTProcessOpenConsole(driver, vm, flags & VIR_DOMAIN_CONSOLE_FORCE)) < 0)
        goto cleanup;
    if (virFDStreamOpen(st, fd) < 0) {
        VIR_FORCE_CLOSE(fd);
        goto cleanup;
    }
    ret = 0;

 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}

/* Whether process PID has a user namespace other than the daemon's. */
static int
ctDomainHasOwnUserns(pid_t pid, bool *own)
{
    g_autofree char *path = g_strdup_printf("/proc/%lld/ns/user", (long long)pid);
    struct stat its;
    struct stat mine;

    if (stat(path, &its) < 0 || stat("/proc/self/ns/user", &mine) < 0) {
        virReportSystemError(errno, _("cannot stat '%1$s'"), path);
        return -1;
    }
    *own = its.st_ino != mine.st_ino || its.st_dev != mine.st_dev;
    return 0;
}

/* The order in which the client's setns() calls are made.  The user
 * namespace is never handed out (see ctDomainLxcOpenNamespace), so host
 * root joins each of these with its own capabilities; cgroup is included
 * so the entered process sees the container's cgroup tree, as init does. */
static const char *const ctEnterNamespaces[] = { "mnt", "pid", "uts", "ipc", "net", "cgroup" };

static int
ctDomainOpenNamespaceFds(pid_t pid, int **fdlist)
{
    g_autofree int *fds = g_new0(int, G_N_ELEMENTS(ctEnterNamespaces));
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(ctEnterNamespaces); i++) {
        g_autofree char *path =
            g_strdup_printf("/proc/%lld/ns/%s", (long long)pid, ctEnterNamespaces[i]);

        if ((fds[i] = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
            virReportSystemError(errno, _("cannot open '%1$s'"), path);
            while (i-- > 0)
                VIR_FORCE_CLOSE(fds[i]);
            return -1;
        }
    }
    *fdlist = g_steal_pointer(&fds);
    return G_N_ELEMENTS(ctEnterNamespaces);
}

/* Returns the number of namespace descriptors put in *fdlist (owned by the
 * caller), or -1.  libvirt's client (virsh lxc-enter-namespace) joins them
 * as host root and cannot change its uid: in a container with a user
 * namespace of its own the command would run as host uid 0, unmapped
 * there, which the container's root could ptrace and use as the owner of
 * host files; that is refused, and virt-ct-enter is the way in. */
int
ctDomainLxcOpenNamespace(virDomainPtr dom, int **fdlist, unsigned int flags)
{
    pid_t initPid;
    virDomainObj *vm;
    bool ownUserns = false;
    int ret = -1;

    virCheckFlags(0, -1);

    if (!(vm = ctDomObjFromDomain(dom)))
        return -1;
    if (virDomainLxcOpenNamespaceEnsureACL(dom->conn, vm->def) < 0)
        goto cleanup;
    if ((initPid = virCTProcessInitPid(vm)) < 0)
        goto cleanup;
    if (ctDomainHasOwnUserns(initPid, &ownUserns) < 0)
        goto cleanup;
    if (ownUserns) {
        virReportError(
            VIR_ERR_OPERATION_UNSUPPORTED,
            _("container '%1$s' has its own user namespace: a process entered with lxc-enter-namespace would run as an unmapped user; run 'virt-ct-enter %2$s COMMAND' on the host to run a command as the container's root"),
            vm->def->name, vm->def->name);
        goto cleanup;
    }
    ret = ctDomainOpenNamespaceFds(initPid, fdlist);

 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}

int
ctDomainSendProcessSignal(virDomainPtr dom, long long pid, unsigned int signum, unsigned int flags)
{
    virCTDriver *driver = dom->conn->privateData;
    virDomainObj *vm;
    int ret = -1;

    virCheckFlags(0, -1);

    /* libvirt's signal numbers are Linux's */
    if (signum >= VIR_DOMAIN_PROCESS_SIGNAL_LAST) {
        virReportError(VIR_ERR_INVALID_ARG, _("signal number %1$u is out of range"), signum);
        return -1;
    }
    if (!(vm = ctDomObjFromDomain(dom)))
        return -1;
    if (virDomainSendProcessSignalEnsureACL(dom->conn, vm->def) < 0)
        goto cleanup;
    if (virDomainObjCheckActive(vm) < 0)
        goto cleanup;
    if (pid != 1) {
        virReportError(VIR_ERR_ARGUMENT_UNSUPPORTED, "%s",
                       _("only the container's init (pid 1) can be signalled"));
        goto cleanup;
    }
    ret = ctDomainSignalInit(driver, vm, signum);

 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}

typedef struct {
    int nsfd;
    char name[256];
    int err;
} ctHostnameQuery;

/* Runs in a thread of its own: joining a UTS namespace changes only the
 * calling thread, which ends right after. */
static void
ctHostnameThread(void *opaque)
{
    ctHostnameQuery *query = opaque;

    if (setns(query->nsfd, CLONE_NEWUTS) < 0 ||
        gethostname(query->name, sizeof(query->name) - 1) < 0)
        query->err = errno;
}

static char *
ctDomainReadHostname(virDomainObj *vm)
{
    g_autofree char *nsPath = NULL;
    ctHostnameQuery query = { .nsfd = -1 };
    virThread thread;
    pid_t initPid;

    if ((initPid = virCTProcessInitPid(vm)) < 0)
        return NULL;
    nsPath = g_strdup_printf("/proc/%d/ns/uts", initPid);
    if ((query.nsfd = open(nsPath, O_RDONLY | O_CLOEXEC)) < 0) {
        virReportSystemError(errno, _("cannot open '%1$s'"), nsPath);
        return NULL;
    }
    if (virThreadCreateFull(&thread, true, ctHostnameThread, "ct-hostname", false, &query) < 0) {
        virReportSystemError(errno, "%s", _("cannot create a thread"));
        VIR_FORCE_CLOSE(query.nsfd);
        return NULL;
    }
    virThreadJoin(&thread);
    VIR_FORCE_CLOSE(query.nsfd);
    if (query.err) {
        virReportSystemError(query.err, _("cannot read the hostname of '%1$s'"), vm->def->name);
        return NULL;
    }
    return g_strdup(query.name);
}

char *
ctDomainGetHostname(virDomainPtr dom, unsigned int flags)
{
    virDomainObj *vm;
    char *ret = NULL;

    virCheckFlags(0, NULL);

    if (!(vm = ctDomObjFromDomain(dom)))
        return NULL;
    if (virDomainGetHostnameEnsureACL(dom->conn, vm->def) < 0)
        goto cleanup;
    if (virDomainObjCheckActive(vm) == 0)
        ret = ctDomainReadHostname(vm);

 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}

/* No security driver confines containers yet (the node model is "none"),
 * which is what virsh lxc-enter-namespace needs to know. */
int
ctDomainGetSecurityLabel(virDomainPtr dom, virSecurityLabelPtr seclabel)
{
    virDomainObj *vm;
    int ret = -1;

    if (!(vm = ctDomObjFromDomain(dom)))
        return -1;
    if (virDomainGetSecurityLabelEnsureACL(dom->conn, vm->def) == 0) {
        memset(seclabel, 0, sizeof(*seclabel));
        ret = 0;
    }
    virDomainObjEndAPI(&vm);
    return ret;
}
