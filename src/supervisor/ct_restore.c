/*
 * ct_restore.c: a container brought back from a checkpoint (supervisor)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Instead of cloning the container child (ct_container.c), the supervisor
 * forks a restorer: in a mount namespace of its own it builds the
 * container's root as a boot would (the template's overlay, idmapped for
 * a user namespace), attaches the idmapped trees of the bind mounts, says
 * it is ready and waits.  The daemon places it in the container's new
 * cgroups (sync point 3, as it places a child), and on "G" it execs CRIU,
 * which recreates the namespaces and processes of the image in those
 * cgroups, the restored init a child of the supervisor
 * (--restore-sibling), and exits.  The supervisor then watches that init
 * as it watches a booted one.
 *
 * What the image marked external at the dump comes from here: the new
 * console PTY for the old one's tty and /dev/console, the new cgroup
 * directories for the container's cgroup mounts (the machine path in the
 * plan's restore-mount lines replaced by the new one), the plan's bind
 * mounts ("ct-mount-N"), and every other host bind found again at the
 * same host path (CRIU's "mnt[]").  The sysinfo(2) listener is made
 * afresh (sendListener below).
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ct_cleanup.h"
#include "ct_container.h"
#include "ct_criu.h"
#include "ct_error.h"
#include "ct_idmap.h"
#include "ct_restore.h"
#include "ct_seccomp.h"
#include "ct_seccomp_image.h"
#include "ct_sync.h"

#define RESTORE_MAX_ARGS 512
#define CT_RESTORE_ATTACHED (-2)

typedef struct {
    char *argv[RESTORE_MAX_ARGS + 1];
    size_t n;
} ctArgs;


static int __attribute__((format(printf, 2, 3))) argAdd(ctArgs *args, const char *fmt, ...)
{
    va_list ap;
    int rc;

    if (args->n >= RESTORE_MAX_ARGS)
        return virCTErrorReport(E2BIG, "too many arguments for CRIU");
    va_start(ap, fmt);
    rc = vasprintf(&args->argv[args->n], fmt, ap);
    va_end(ap);
    if (rc < 0)
        return virCTErrorReport(ENOMEM, "out of memory");
    args->n++;
    return 0;
}


/* After the daemon placed us: CRIU puts the processes where we are in
 * every hierarchy (--cgroup-root), and the cgroup namespace's root is
 * "init" as at a boot.  @machine gets the container's cgroup (the parent
 * of "init"). */
static int
cgroupRoots(ctArgs *args, char *machine, size_t len)
{
    CT_AUTOFCLOSE FILE *fp = fopen("/proc/self/cgroup", "re");
    CT_AUTOFREE char *line = NULL;
    size_t cap = 0;
    ssize_t n;

    if (!fp)
        return virCTErrorReport(errno, "cannot open /proc/self/cgroup");
    machine[0] = '\0';
    while ((n = getline(&line, &cap, fp)) > 0) {
        char *ctrls;
        char *path;
        size_t plen;

        if (line[n - 1] == '\n')
            line[n - 1] = '\0';
        if (!(ctrls = strchr(line, ':')) || !(path = strchr(ctrls + 1, ':')))
            continue;
        *path++ = '\0';
        ctrls++;
        if (argAdd(args, "--cgroup-root") < 0)
            return -1;
        if (*ctrls ? argAdd(args, "%s:%s", ctrls, path) < 0 : argAdd(args, "%s", path) < 0)
            return -1;
        plen = strlen(path);
        if (!machine[0] && plen > 5 && strcmp(path + plen - 5, "/init") == 0 && plen - 5 < len) {
            memcpy(machine, path, plen - 5);
            machine[plen - 5] = '\0';
        }
    }
    if (!machine[0])
        return virCTErrorReport(ENOENT, "the restore is in no container cgroup (no \"init\" in "
                                        "/proc/self/cgroup)");
    return 0;
}


/* @path with its cgroup at the dump, @old, replaced by @new. */
static int
rewritePath(const char *path, const char *old, const char *new, char *out, size_t len)
{
    const char *at = old && *old ? strstr(path, old) : NULL;
    int n;

    if (!at)
        n = snprintf(out, len, "%s", path);
    else
        n = snprintf(out, len, "%.*s%s%s", (int)(at - path), path, new, at + strlen(old));
    if (n < 0 || (size_t)n >= len)
        return virCTErrorReport(ENAMETOOLONG, "path '%s' is too long", path);
    return 0;
}


static int
externalMounts(ctArgs *args, const ctPlan *plan, const virCTIdmapFds *fds, const char *consolePath,
               const char *machine)
{
    char path[PATH_MAX];
    size_t i;

    if (argAdd(args, "--external") < 0 || argAdd(args, "mnt[]") < 0)
        return -1;
    if (plan->restoreTty && consolePath[0] &&
        (argAdd(args, "--external") < 0 ||
         argAdd(args, "mnt[%s]:%s", CT_RESTORE_KEY_CONSOLE, consolePath) < 0))
        return -1;
    for (i = 0; i < plan->nrestoreExternals; i++) {
        if (argAdd(args, "--external") < 0 || argAdd(args, "%s", plan->restoreExternals[i]) < 0)
            return -1;
    }
    for (i = 0; i < plan->nrestoreMounts; i++) {
        const ctPlanRestoreMount *rm = &plan->restoreMounts[i];

        if (rewritePath(rm->path, plan->restoreCgroup, machine, path, sizeof(path)) < 0)
            return -1;
        if (argAdd(args, "--external") < 0 || argAdd(args, "mnt[%s]:%s", rm->key, path) < 0)
            return -1;
    }
    for (i = 0; i < plan->nmounts; i++) {
        const ctPlanMount *mnt = &plan->mounts[i];

        if (mnt->kind != CT_PLAN_MOUNT_BIND)
            continue;
        if (i < CT_IDMAP_MAX_MOUNTS && fds->mounts[i] != -1)
            snprintf(path, sizeof(path), CT_CONTAINER_STAGING_MOUNT, i);
        else
            snprintf(path, sizeof(path), "%s", mnt->src);
        if (argAdd(args, "--external") < 0 ||
            argAdd(args, "mnt[" CT_RESTORE_KEY_MOUNT "]:%s", i, path) < 0)
            return -1;
    }
    return 0;
}


/* The idmapped trees of the bind mounts, where externalMounts() says. */
static int
attachMounts(const ctPlan *plan, virCTIdmapFds *fds)
{
    char path[64];
    size_t i;

    for (i = 0; i < plan->nmounts && i < CT_IDMAP_MAX_MOUNTS; i++) {
        CT_AUTOCLOSE int fd = fds->mounts[i];
        struct stat sb;

        fds->mounts[i] = -1;
        if (fd < 0)
            continue;
        snprintf(path, sizeof(path), CT_CONTAINER_STAGING_MOUNT, i);
        if (fstat(fd, &sb) < 0)
            return virCTErrorReport(errno, "cannot stat the mount of '%s'", plan->mounts[i].src);
        if (S_ISDIR(sb.st_mode) ? mkdir(path, 0700) < 0
                                : close(open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600)) < 0)
            return virCTErrorReport(errno, "cannot create '%s'", path);
        if (virCTMountMoveTo(fd, path) < 0)
            return -1;
        fds->mounts[i] = CT_RESTORE_ATTACHED; /* externalMounts() names its path */
    }
    return 0;
}


/* CRIU's log: next to the supervisor's ("NAME.log" -> "NAME.restore.log"),
 * where it outlives the image directory, else in that directory. */
static int
restoreLog(const ctPlan *plan, char *out, size_t len)
{
    size_t n = plan->logPath ? strlen(plan->logPath) : 0;
    int rc;

    if (n > 4 && strcmp(plan->logPath + n - 4, ".log") == 0)
        rc = snprintf(out, len, "%.*s.%s", (int)(n - 4), plan->logPath, CT_RESTORE_LOG);
    else
        rc = snprintf(out, len, "%s/%s", plan->restoreDir, CT_RESTORE_LOG);
    if (rc < 0 || (size_t)rc >= len)
        return virCTErrorReport(ENAMETOOLONG, "the restore log's path is too long");
    return 0;
}


/* Host paths CRIU needs, opened before the staging tmpfs over /tmp may
 * hide them (a test's state tree lives in /tmp): it gets them as
 * /proc/self/fd/N. */
typedef struct {
    int criu;
    int images;
    int log;
} ctRestoreFds;


static int
openHostPaths(const ctPlan *plan, ctRestoreFds *fds)
{
    char log[PATH_MAX];

    if ((fds->criu = open(plan->criuPath, O_PATH | O_CLOEXEC)) < 0)
        return virCTErrorReport(errno, "cannot open CRIU '%s'", plan->criuPath);
    if ((fds->images = open(plan->restoreDir, O_RDONLY | O_DIRECTORY)) < 0)
        return virCTErrorReport(errno, "cannot open the checkpoint '%s'", plan->restoreDir);
    if (restoreLog(plan, log, sizeof(log)) < 0)
        return -1;
    if ((fds->log = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0)
        return virCTErrorReport(errno, "cannot create CRIU's log '%s'", log);
    return 0;
}


static int
criuArgs(ctArgs *args, const ctPlan *plan, const virCTIdmapFds *fds, const ctRestoreFds *host,
         const char *rootPath, int ttyFd, const char *consolePath)
{
    char machine[PATH_MAX];

    if (argAdd(args, "%s", plan->criuPath) < 0 || argAdd(args, "restore") < 0 ||
        argAdd(args, "--images-dir") < 0 || argAdd(args, "/proc/self/fd/%d", host->images) < 0 ||
        argAdd(args, "--log-file") < 0 || argAdd(args, "/proc/self/fd/%d", host->log) < 0 ||
        argAdd(args, "-v4") < 0 || argAdd(args, "--root") < 0 || argAdd(args, "%s", rootPath) < 0 ||
        argAdd(args, "--restore-detached") < 0 || argAdd(args, "--restore-sibling") < 0 ||
        argAdd(args, "--pidfile") < 0 ||
        argAdd(args, "/proc/self/fd/%d/" CT_RESTORE_PIDFILE, host->images) < 0 ||
        argAdd(args, "--tcp-established") < 0 || argAdd(args, "--file-locks") < 0)
        return -1;
    if (cgroupRoots(args, machine, sizeof(machine)) < 0)
        return -1;
    if (externalMounts(args, plan, fds, consolePath, machine) < 0)
        return -1;
    if (plan->restoreTty && ttyFd >= 0 &&
        (argAdd(args, "--inherit-fd") < 0 ||
         argAdd(args, "fd[%d]:%s", ttyFd, plan->restoreTty) < 0))
        return -1;
    return 0;
}


/* CRIU puts the processes where --cgroup-root says; it need not be in
 * the container's cgroups itself, and must not be: its own memory and
 * tasks would count against the container's limits, and a container
 * saved close to them could not come back.  Back to the supervisor's. */
static int
leaveCgroups(void)
{
    char path[64];
    CT_AUTOFCLOSE FILE *fp = NULL;
    CT_AUTOFREE char *line = NULL;
    size_t cap = 0;
    ssize_t n;

    snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)getppid());
    if (!(fp = fopen(path, "re")))
        return virCTErrorReport(errno, "cannot open '%s'", path);
    while ((n = getline(&line, &cap, fp)) > 0) {
        char mnt[PATH_MAX];
        char procs[2 * PATH_MAX];
        char *ctrls;
        char *cg;
        CT_AUTOCLOSE int fd = -1;

        if (line[n - 1] == '\n')
            line[n - 1] = '\0';
        if (!(ctrls = strchr(line, ':')) || !(cg = strchr(ctrls + 1, ':')))
            continue;
        *cg++ = '\0';
        ctrls++;
        if (virCTMountCgroupHierarchy(ctrls, mnt, sizeof(mnt)) < 0)
            continue;
        snprintf(procs, sizeof(procs), "%s%s/cgroup.procs", mnt, strcmp(cg, "/") == 0 ? "" : cg);
        if ((fd = open(procs, O_WRONLY | O_CLOEXEC)) < 0 || write(fd, "0", 1) != 1)
            return virCTErrorReport(errno, "cannot move the restore to '%s'", procs);
    }
    return 0;
}


/* sysinfo(2) inside is answered by the supervisor through a seccomp
 * listener (ct_supervisor_sysinfo.c).  CRIU brings the container's filter
 * back without it (ct_seccomp_image.h), so the restorer installs a fresh
 * listener filter on itself before it becomes CRIU: every process CRIU
 * forks inherits it, below the filters the checkpoint brings back.  The
 * supervisor gets the listener in a record ("listener", or "no-listener
 * ERRNO" and the kernel answers, as for processes entered from outside)
 * and answers from before CRIU runs. */
static void
sendListener(int sock)
{
    CT_AUTOCLOSE int fd = virCTSeccompInstallListener();

    if (fd >= 0)
        virCTSyncSendFd(sock, "listener\n", fd);
    else
        virCTSyncWriteLine(sock, "no-listener %d\n", errno);
}


/* The restorer: never returns. */
static void __attribute__((noreturn))
runRestorer(const ctPlan *plan, virCTIdmapFds *fds, int userns, int sock,
            const virCTConsole *console, const sigset_t *mask)
{
    virCTRoot root = { NULL, -1 };
    ctRestoreFds host = { -1, -1, -1 };
    struct stat before;
    struct stat after;
    virCTError ready = { .err = 0, .msg = "ready" };
    ctArgs args = { .n = 0 };
    char go[8];
    int ttyFd = -1;
    ssize_t n;

    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    if (unshare(CLONE_NEWNS) < 0) {
        virCTErrorReport(errno, "cannot create a mount namespace for the restore");
        goto error;
    }
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
        virCTErrorReport(errno, "cannot make '/' private");
        goto error;
    }
    if (openHostPaths(plan, &host) < 0)
        goto error;
    if (virCTSeccompImageFix(host.images) < 0)
        goto error;
    if (stat("/tmp", &before) < 0) {
        virCTErrorReport(errno, "cannot stat /tmp");
        goto error;
    }
    if (virCTContainerPrepareRoot(plan, fds, userns, &root) < 0 || attachMounts(plan, fds) < 0)
        goto error;
    /* CRIU's restored processes, the container's root, make temporary
     * files in /tmp: a staging tmpfs mounted there is ours alone (the
     * host's /tmp is left as it is) */
    if (stat("/tmp", &after) == 0 && after.st_dev != before.st_dev && chmod("/tmp", 01777) < 0) {
        virCTErrorReport(errno, "cannot open /tmp to the restore");
        goto error;
    }
    if (virCTErrorSend(sock, &ready) < 0)
        _exit(1);
    do {
        n = recv(sock, go, sizeof(go), 0);
    } while (n < 0 && errno == EINTR);
    if (n != 1 || go[0] != 'G')
        _exit(1); /* aborted: the supervisor kills us anyway */
    sendListener(sock);
    /* a copy without close-on-exec: CRIU gives it to the processes */
    if (plan->restoreTty && console->slave >= 0 && (ttyFd = dup(console->slave)) < 0) {
        virCTErrorReport(errno, "cannot pass the console to CRIU");
        goto error;
    }
    if (criuArgs(&args, plan, fds, &host, root.path, ttyFd, console->slavePath) < 0)
        goto error;
    if (leaveCgroups() < 0)
        goto error;
    sigprocmask(SIG_SETMASK, mask, NULL);
    execveat(host.criu, "", args.argv, environ, AT_EMPTY_PATH);
    virCTErrorReport(errno, "cannot execute CRIU '%s'", plan->criuPath);

 error:
    virCTErrorSend(sock, virCTErrorLast());
    _exit(1);
}


int
virCTRestoreSpawn(const ctPlan *plan, const virCTConsole *console, const sigset_t *mask, pid_t *pid,
                  int *pidfd, int *sock)
{
    struct clone_args cargs = { .flags = CLONE_PIDFD, .exit_signal = SIGCHLD };
    virCTIdmapFds fds;
    virCTError rec;
    CT_AUTOCLOSE int userns = -1;
    CT_AUTOCLOSE int ourEnd = -1;
    CT_AUTOCLOSE int childEnd = -1;
    int sv[2];
    long child;
    int rc;

    virCTIdmapFdsInit(&fds);
    if ((plan->nsFlags & CLONE_NEWUSER) && (userns = virCTIdmapMakeUserns(plan)) < 0)
        goto error;
    if (virCTIdmapCloneAll(plan, userns, &fds) < 0)
        goto error;
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
        virCTErrorReport(errno, "cannot create the restore socket");
        goto error;
    }
    ourEnd = sv[0];
    childEnd = sv[1];
    cargs.pidfd = (uintptr_t)pidfd;
    child = syscall(SYS_clone3, &cargs, sizeof(cargs));
    if (child == 0) {
        close(ourEnd);
        runRestorer(plan, &fds, userns, childEnd, console, mask);
    }
    if (child < 0) {
        virCTErrorReport(errno, "cannot fork the restorer");
        goto error;
    }
    *pid = child;
    virCTIdmapFdsClose(&fds);
    if ((rc = virCTErrorRecv(ourEnd, &rec)) <= 0) {
        virCTErrorReport(rc < 0 ? errno : EPIPE, "the restorer ended before it was ready");
        return -1;
    }
    if (rec.err != 0) {
        *virCTErrorLast() = rec;
        return -1;
    }
    *sock = ctStealFd(&ourEnd);
    return 0;

 error:
    virCTIdmapFdsClose(&fds);
    return -1;
}


/* The first error CRIU logged that made it give up, for the user. */
static void
criuError(const ctPlan *plan, int status)
{
    char path[PATH_MAX];
    char found[CT_ERROR_MSG_LEN];

    if (restoreLog(plan, path, sizeof(path)) < 0)
        return;
    if (ctCriuLogError(path, found, sizeof(found)) > 0)
        virCTErrorReport(EIO, "CRIU could not restore the container: %s (log: %s)", found, path);
    else
        virCTErrorReport(EIO, "CRIU could not restore the container (%s %d; log: %s)",
                         WIFEXITED(status) ? "exit status" : "signal",
                         WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), path);
}


/* /proc/@pid/@name as the plan's @maps would write it ("START TARGET
 * COUNT" lines, in the kernel's spacing ignored). */
static bool
mapsMatch(pid_t pid, const char *name, const ctPlanIdMap *maps, size_t n)
{
    char path[64];
    CT_AUTOFCLOSE FILE *fp = NULL;
    unsigned int a, b, c;
    size_t i = 0;

    snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
    if (!(fp = fopen(path, "re")))
        return false;
    while (fscanf(fp, "%u %u %u", &a, &b, &c) == 3) {
        if (i >= n || maps[i].start != a || maps[i].target != b || maps[i].count != c)
            return false;
        i++;
    }
    return i == n;
}


/* The restored init is in the user namespace its definition gives (the
 * plan's maps, or the host's for a privileged container), whatever the
 * checkpoint said: else it is killed. */
static int
checkUserns(const ctPlan *plan, pid_t init)
{
    char path[64];
    struct stat ours;
    struct stat its;

    if (plan->nsFlags & CLONE_NEWUSER) {
        if (mapsMatch(init, "uid_map", plan->uidMap, plan->nuidMap) &&
            mapsMatch(init, "gid_map", plan->gidMap, plan->ngidMap))
            return 0;
    } else {
        snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)init);
        if (stat("/proc/self/ns/user", &ours) == 0 && stat(path, &its) == 0 &&
            ours.st_ino == its.st_ino && ours.st_dev == its.st_dev)
            return 0;
    }
    kill(init, SIGKILL);
    return virCTErrorReport(EPERM, "the restored container's user namespace is not the one its "
                                   "definition gives: refused");
}


int
virCTRestoreRelease(int sock, int *listener)
{
    char record[64];
    virCTError rec;
    ssize_t n;
    int rc;

    *listener = -1;
    if (send(sock, "G", 1, MSG_NOSIGNAL) != 1)
        return virCTErrorReport(errno, "cannot release the restorer");
    if ((n = virCTSyncRecvRecord(sock, record, sizeof(record), listener)) < 0)
        return virCTErrorReport(errno, "cannot read the restorer's listener");
    if (n > 0 && *listener >= 0 && strcmp(record, "listener") == 0)
        ; /* sysinfo(2) answered from the container's cgroups */
    else if (n > 0 && *listener < 0 && strncmp(record, "no-listener ", 12) == 0)
        virCTLog("sysinfo(2) is not answered from the container's cgroups: %s",
                 strerror(atoi(record + 12)));
    else if (n > 0)
        return virCTErrorReport(EPROTO, "unexpected record '%s' from the restorer", record);
    /* (n == 0: the restorer died; its status tells) */
    if ((rc = virCTErrorRecv(sock, &rec)) < 0)
        return virCTErrorReport(errno, "cannot read the restorer's status");
    if (rc > 0) {
        *virCTErrorLast() = rec;
        return -1;
    }
    return 0;
}


int
virCTRestoreFinish(const ctPlan *plan, int status, pid_t *init)
{
    char path[PATH_MAX];
    CT_AUTOFCLOSE FILE *fp = NULL;
    int val;

    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        criuError(plan, status);
        return -1;
    }
    snprintf(path, sizeof(path), "%s/%s", plan->restoreDir, CT_RESTORE_PIDFILE);
    if (!(fp = fopen(path, "re")) || fscanf(fp, "%d", &val) != 1 || val <= 1)
        return virCTErrorReport(fp ? EPROTO : errno, "cannot read init's PID from '%s'", path);
    *init = val;
    return checkUserns(plan, val);
}
