/*
 * ct_supervisor.c: start of a container by its supervisor
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Usage: ct-supervisor --plan FILE [--sync-fd N] [--foreground]
 *        ct-supervisor --keeper SOCKET (see ct_keeper.c)
 *
 * The keeper runs this for the daemon (ct_keeper.c), so it is not the
 * daemon's child; we clone the container child only, and never depend
 * on the daemon after the start, so a container outlives a restart or a
 * kill -9 of the daemon.  --foreground is accepted and ignored (we
 * never detach ourselves).
 *
 * Start-up sync points (S: supervisor, C: container child, D: daemon on
 * the sync socket, one text line per message; docs/design.md has the
 * picture and what a crash at each one leaves):
 *
 *  1. S parses the plan, creates the monitor socket (mode 0600) and opens
 *     the console PTY from the host's /dev/ptmx.
 *  2. S clone()s C into new mnt/pid/uts/ipc/net[/user] namespaces (not
 *     cgroup yet).  C installs the seccomp filter (deny list and
 *     sysinfo(2)) and sends its listener (or why there is none) to S,
 *     then blocks reading its sync socket.  With a user namespace S
 *     writes setgroups "deny", uid_map and gid_map, then hands C the
 *     idmapped mounts of its file systems (ct_idmap.h).
 *  3. S -> D "PID <hostpid>[ <host PTY of the console>]".  D, not S,
 *     places C: it creates the container's cgroups (limits, device
 *     policy), moves C into their child "init", writes the status file,
 *     moves network devices into the netns, and answers "GO" or "ABORT" (end of file counts as
 *     ABORT: S kills C and exits 1 without a reply).
 *  4. S releases C with one record.  C unshares the cgroup namespace
 *     (rooted at "init"), sets up its root, pivots, drops capabilities
 *     and execs init; a failure comes back as {errno, message}, a
 *     successful exec as end of file.
 *  5. S -> D "OK <hostpid>" or "ERR <errno> <escaped message>", and closes
 *     the sync socket.  After an ERR nothing is left behind: C is reaped
 *     and the monitor socket removed, S exits 1.
 *
 * A failure before step 3 is also answered "ERR ..." instead of "PID".
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/sched.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ct_cleanup.h"
#include "ct_container.h"
#include "ct_error.h"
#include "ct_idmap.h"
#include "ct_keeper.h"
#include "ct_restore.h"
#include "ct_supervisor.h"
#include "ct_sync.h"

static sigset_t origMask;


static ctPlan *
loadPlan(const char *path)
{
    char err[512];
    ctPlan *plan = NULL;
    CT_AUTOFCLOSE FILE *fp = fopen(path, "re");

    if (!fp) {
        virCTErrorReport(errno, "cannot open plan '%s'", path);
        return NULL;
    }
    if (ctPlanParse(fp, &plan, err, sizeof(err)) < 0) {
        virCTErrorReport(0, "invalid plan '%s': %s", path, err);
        return NULL;
    }
    if (!(plan->nsFlags & CLONE_NEWNS)) {
        virCTErrorReport(0, "plan '%s' has no mount namespace", path);
        ctPlanFree(plan);
        return NULL;
    }
    return plan;
}


/* Step 1: the monitor socket, private to root (umask at bind time). */
static int
createMonitor(virCTSupervisor *sup)
{
    const char *path = sup->plan->monitorPath;
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    CT_AUTOCLOSE int fd = -1;
    mode_t old;
    int rc;

    if (strlen(path) >= sizeof(addr.sun_path))
        return virCTErrorReport(ENAMETOOLONG, "monitor path '%s' is too long", path);
    strcpy(addr.sun_path, path);
    if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0)
        return virCTErrorReport(errno, "cannot create monitor socket");
    if (unlink(path) < 0 && errno != ENOENT)
        return virCTErrorReport(errno, "cannot remove stale monitor '%s'", path);
    old = umask(0077);
    rc = bind(fd, (struct sockaddr *)&addr, sizeof(addr));
    umask(old);
    if (rc < 0)
        return virCTErrorReport(errno, "cannot bind monitor socket '%s'", path);
    if (listen(fd, 8) < 0) {
        virCTErrorReport(errno, "cannot listen on '%s'", path);
        unlink(path);
        return -1;
    }
    sup->listenFd = ctStealFd(&fd);
    return 0;
}


/* Step 2: clone3() behaves like fork() with a NULL stack; the pidfd lets
 * us signal init without racing against PID reuse. */
static int
cloneChild(virCTSupervisor *sup, int *childSock)
{
    struct clone_args args = { 0 };
    virCTContainerArgs cargs = { .consolePath = sup->console.slavePath };
    CT_AUTOCLOSE int ourEnd = -1;
    CT_AUTOCLOSE int childEnd = -1;
    int sv[2];
    long pid;

    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        return virCTErrorReport(errno, "cannot create the container sync socket");
    ourEnd = sv[0];
    childEnd = sv[1];
    args.flags = (sup->plan->nsFlags & ~(unsigned long)CLONE_NEWCGROUP) | CLONE_PIDFD;
    args.pidfd = (uintptr_t)&sup->pidfd;
    args.exit_signal = SIGCHLD;
    pid = syscall(SYS_clone3, &args, sizeof(args));
    if (pid == 0) {
        close(ourEnd);
        cargs.syncSock = childEnd;
        cargs.sigmask = origMask;
        umask(022);
        virCTContainerRun(sup->plan, &cargs); /* never returns */
    }
    if (pid < 0)
        return virCTErrorReport(errno, "cannot clone the container");
    sup->pid = pid;
    clock_gettime(CLOCK_BOOTTIME, &sup->started);
    *childSock = ctStealFd(&ourEnd);
    return 0;
}


/* Step 2, end: the child's seccomp listener.  A container without one
 * still starts; its sysinfo(2) then tells the host's figures. */
static int
receiveListener(virCTSupervisor *sup, int childSock)
{
    char record[64];
    ssize_t n = virCTSyncRecvRecord(childSock, record, sizeof(record), &sup->notifyFd);

    if (n <= 0)
        return virCTErrorReport(n < 0 ? errno : EPIPE, "cannot read the container's first record");
    if (sup->notifyFd >= 0 && strcmp(record, "listener") == 0)
        return 0;
    if (sup->notifyFd >= 0) {
        close(sup->notifyFd);
        sup->notifyFd = -1;
    }
    if (strncmp(record, "no-listener ", 12) != 0)
        return virCTErrorReport(EPROTO, "unexpected record '%s' from the container", record);
    virCTLog("sysinfo(2) is not answered from the container's cgroups: %s",
             strerror(atoi(record + 12)));
    return 0;
}


/* Step 3: returns 1 on GO, 0 on ABORT or end of file, -1 on error.
 * Without a sync socket (a test running the supervisor by hand) there
 * is nobody to place init in its cgroups: it goes on at once. */
static int
waitForGo(virCTSupervisor *sup)
{
    char line[64];
    ssize_t n;

    if (sup->syncFd < 0)
        return 1;
    if (virCTSyncWriteLine(sup->syncFd, "PID %d%s%s\n", (int)sup->pid,
                           sup->console.hostPath[0] ? " " : "", sup->console.hostPath) < 0)
        return virCTErrorReport(errno, "cannot write to the sync socket");
    virCTTimelineMark("pid-sent");
    if ((n = virCTSyncReadLine(sup->syncFd, line, sizeof(line))) < 0)
        return virCTErrorReport(errno, "cannot read from the sync socket");
    virCTTimelineMark("go-read");
    if (n > 0 && strcmp(line, "GO") == 0)
        return 1;
    if (n > 0 && strcmp(line, "ABORT") != 0)
        return virCTErrorReport(EPROTO, "unexpected sync message '%s'", line);
    virCTLog("start of '%s' aborted by the daemon", sup->plan->name);
    return 0;
}


/* Step 4: returns 0 when init was executed, -1 with the child's error. */
static int
releaseChild(int childSock)
{
    virCTError childErr;
    int rc;

    if (write(childSock, "G\n", 2) != 2)
        return virCTErrorReport(errno, "cannot release the container");
    virCTTimelineMark("released");
    if ((rc = virCTErrorRecv(childSock, &childErr)) < 0)
        return virCTErrorReport(errno, "cannot read the container's status");
    virCTTimelineMark("exec-seen");
    if (rc == 0)
        return 0;
    *virCTErrorLast() = childErr;
    return -1;
}


static void
killChild(virCTSupervisor *sup)
{
    if (sup->pid <= 0)
        return;
    syscall(SYS_pidfd_send_signal, sup->pidfd, SIGKILL, NULL, 0);
    while (waitpid(sup->pid, NULL, 0) < 0 && errno == EINTR)
        ;
    sup->pid = 0;
}


/* Step 5, or the answer to any earlier failure. */
static void
answerDaemon(virCTSupervisor *sup, bool ok)
{
    const virCTError *err = virCTErrorLast();
    CT_AUTOFREE char *msg = NULL;

    if (ok)
        virCTLog("container '%s' started, init is pid %d", sup->plan->name, (int)sup->pid);
    else
        virCTLog("start failed: %s", err->msg);
    if (sup->syncFd < 0)
        return;
    if (ok) {
        virCTSyncWriteLine(sup->syncFd, "OK %d\n", (int)sup->pid);
        virCTTimelineMark("ok-sent");
    } else if ((msg = ctPlanEscape(err->msg))) {
        virCTSyncWriteLine(sup->syncFd, "ERR %d %s\n", err->err, msg);
    }
    close(sup->syncFd);
    sup->syncFd = -1;
}


/* Step 1: the console, with the copies the plan asks for. */
static int
openConsole(virCTSupervisor *sup)
{
    const ctPlan *plan = sup->plan;

    if (virCTConsoleOpen(&sup->console, virCTIdmapHostRoot(plan->uidMap, plan->nuidMap),
                         virCTIdmapHostRoot(plan->gidMap, plan->ngidMap)) < 0)
        return -1;
    if (plan->consoleTty && virCTConsoleOpenHost(&sup->console) < 0)
        return -1;
    if (plan->consoleLog &&
        virCTConsoleOpenLog(&sup->console, plan->consoleLog, plan->consoleLogAppend) < 0)
        return -1;
    return 0;
}


/* Waits for the restorer (CRIU) to end, answering the sysinfo(2) of the
 * processes it brings back, and its own, meanwhile. */
static int
waitRestorer(virCTSupervisor *sup, pid_t restorer, int *status)
{
    int notifyFd = sup->notifyFd;

    for (;;) {
        struct pollfd fds[2] = { { .fd = sup->pidfd, .events = POLLIN },
                                 { .fd = notifyFd, .events = POLLIN } };
        pid_t got = waitpid(restorer, status, WNOHANG);

        if (got == restorer)
            return 0;
        if (got < 0 && errno != EINTR)
            return virCTErrorReport(errno, "cannot wait for CRIU");
        if (poll(fds, notifyFd >= 0 ? 2 : 1, -1) < 0 && errno != EINTR)
            return virCTErrorReport(errno, "cannot wait for CRIU");
        if (fds[1].revents & POLLIN)
            virCTSupervisorSysinfoHandle(sup);
        else if (fds[1].revents)
            notifyFd = -1; /* nothing under the filter any more */
    }
}


/* Steps 2 to 4 of a restore (ct_restore.h): the restorer stands in for
 * the child until CRIU has brought init back. */
static int
restoreContainer(virCTSupervisor *sup)
{
    CT_AUTOCLOSE int sock = -1;
    pid_t restorer = 0;
    pid_t init = 0;
    int status;
    int go;

    if (virCTRestoreSpawn(sup->plan, &sup->console, &origMask, &restorer, &sup->pidfd, &sock) < 0)
        goto error;
    sup->pid = restorer;
    if ((go = waitForGo(sup)) < 0)
        goto error;
    if (go == 0) {
        killChild(sup);
        return 1;
    }
    /* the daemon placed the restorer in the container's cgroups */
    virCTSupervisorSysinfoFindCgroups(sup);
    clock_gettime(CLOCK_BOOTTIME, &sup->started);
    if (virCTRestoreRelease(sock, &sup->notifyFd) < 0 || waitRestorer(sup, restorer, &status) < 0)
        goto error;
    sup->pid = 0; /* reaped */
    if (virCTRestoreFinish(sup->plan, status, &init) < 0) {
        if (init > 0) /* killed: in the wrong user namespace */
            while (waitpid(init, NULL, 0) < 0 && errno == EINTR)
                ;
        goto error;
    }
    close(sup->pidfd);
    sup->pid = init;
    if ((sup->pidfd = syscall(SYS_pidfd_open, init, 0)) < 0) {
        virCTErrorReport(errno, "cannot watch the restored init %d", (int)init);
        kill(init, SIGKILL);
        goto error;
    }
    clock_gettime(CLOCK_BOOTTIME, &sup->started);
    virCTLog("container '%s' restored from '%s'", sup->plan->name, sup->plan->restoreDir);
    return 0;

 error:
    if (restorer > 0 && sup->pid == restorer)
        killChild(sup);
    if (sup->notifyFd >= 0) {
        close(sup->notifyFd);
        sup->notifyFd = -1;
    }
    return -1;
}


/* Steps 1 to 4.  Returns 0 when init runs, 1 when the daemon aborted
 * the start, -1 with the error reported; C is gone unless 0. */
static int
startContainer(virCTSupervisor *sup)
{
    const ctPlan *plan = sup->plan;
    CT_AUTOCLOSE int childSock = -1;
    int go;

    if (createMonitor(sup) < 0)
        goto error;
    virCTTimelineMark("monitor-socket");
    if (openConsole(sup) < 0)
        goto error;
    virCTTimelineMark("console");
    if (plan->restoreDir)
        return restoreContainer(sup);
    if (cloneChild(sup, &childSock) < 0)
        goto error;
    virCTTimelineMark("cloned");
    if (receiveListener(sup, childSock) < 0)
        goto error;
    virCTTimelineMark("listener");
    if (virCTIdmapWriteMaps(plan, sup->pid) < 0)
        goto error;
    if (virCTIdmapSendMounts(plan, sup->pid, childSock) < 0)
        goto error;
    if (plan->nsFlags & CLONE_NEWUSER)
        virCTTimelineMark("idmapped");
    if ((go = waitForGo(sup)) < 0)
        goto error;
    if (go == 0) {
        killChild(sup);
        return 1;
    }
    if (releaseChild(childSock) < 0)
        goto error;
    return 0;

 error:
    killChild(sup);
    return -1;
}


static int
parseArgs(int argc, char **argv, const char **planPath, int *syncFd)
{
    static const struct option opts[] = {
        { "plan", required_argument, NULL, 'p' },
        { "sync-fd", required_argument, NULL, 's' },
        { "foreground", no_argument, NULL, 'f' },
        { NULL, 0, NULL, 0 },
    };
    char *end;
    int c;

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'p') {
            *planPath = optarg;
        } else if (c == 's') {
            *syncFd = strtol(optarg, &end, 10);
            if (*end || *syncFd < 0)
                return -1;
        } else if (c != 'f') {
            return -1;
        }
    }
    return *planPath && optind == argc ? 0 : -1;
}


/* stdin from /dev/null; stdout and stderr to the plan's log if any. */
static void
setupStdio(const ctPlan *plan)
{
    CT_AUTOCLOSE int null = open("/dev/null", O_RDONLY);
    CT_AUTOCLOSE int log = -1;

    if (null >= 0 && null != STDIN_FILENO)
        dup2(null, STDIN_FILENO);
    else if (null == STDIN_FILENO)
        ctStealFd(&null); /* stdin was closed: it is stdin now */
    if (!plan->logPath)
        return;
    log = open(plan->logPath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (log < 0) {
        virCTLog("cannot open log '%s': %s", plan->logPath, strerror(errno));
        return;
    }
    dup2(log, STDOUT_FILENO);
    dup2(log, STDERR_FILENO);
}


/* SIGCHLD, SIGTERM and SIGINT arrive through a signalfd; they are blocked
 * before clone() so an early death of init is never missed. */
static int
setupSignals(virCTSupervisor *sup)
{
    sigset_t set;

    signal(SIGPIPE, SIG_IGN);
    signal(SIGHUP, SIG_IGN); /* the daemon's session going away */
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    if (sigprocmask(SIG_BLOCK, &set, &origMask) < 0)
        return virCTErrorReport(errno, "cannot block signals");
    if ((sup->sigFd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) < 0)
        return virCTErrorReport(errno, "cannot create a signalfd");
    return 0;
}


static void
initSupervisor(virCTSupervisor *sup, int syncFd)
{
    size_t i;

    memset(sup, 0, sizeof(*sup));
    sup->syncFd = syncFd;
    sup->listenFd = sup->sigFd = sup->pidfd = sup->notifyFd = -1;
    sup->console.master = sup->console.slave = sup->console.peer = -1;
    sup->console.hostMaster = sup->console.hostSlave = sup->console.logFd = -1;
    for (i = 0; i < CT_SUPERVISOR_MAX_CLIENTS; i++)
        sup->clients[i].fd = -1;
    /* the daemon's end may lack close-on-exec; init must not inherit it */
    if (syncFd >= 0 && fcntl(syncFd, F_SETFD, FD_CLOEXEC) < 0)
        sup->syncFd = -1;
}


/* The supervisor's life after its arguments; returns its exit code. */
static int
runSupervisor(virCTSupervisor *sup, const char *planPath, const struct timespec *began)
{
    int rc;

    if (!(sup->plan = loadPlan(planPath))) {
        answerDaemon(sup, false);
        return 1;
    }
    if (setupSignals(sup) < 0) {
        answerDaemon(sup, false);
        return 1;
    }
    setupStdio(sup->plan);
    if (sup->plan->timeline) {
        virCTTimelineOpen(sup->plan->name);
        virCTTimelineAt(began, "supervisor-main");
        virCTTimelineMark("plan-read");
    }
    if ((rc = startContainer(sup)) < 0)
        answerDaemon(sup, false);
    if (rc != 0) {
        if (sup->listenFd >= 0)
            unlink(sup->plan->monitorPath);
        return 1;
    }
    answerDaemon(sup, true);
    return virCTSupervisorLoop(sup);
}


int
main(int argc, char **argv)
{
    static virCTSupervisor sup;
    const char *planPath = NULL;
    struct timespec began;
    int syncFd = -1;
    int rc;

    clock_gettime(CLOCK_MONOTONIC, &began);

    if (argc == 3 && strcmp(argv[1], "--keeper") == 0)
        return virCTKeeperMain(argv[0], argv[2]);
    if (parseArgs(argc, argv, &planPath, &syncFd) < 0) {
        fprintf(stderr, "usage: %s --plan FILE [--sync-fd N] [--foreground]\n", argv[0]);
        return 2;
    }
    initSupervisor(&sup, syncFd);
    if (getsid(0) != getpid())
        setsid();
    rc = runSupervisor(&sup, planPath, &began);
    ctPlanFree(sup.plan);
    free(sup.memoryDir);
    free(sup.pidsDir);
    return rc;
}
