/*
 * ct_keeper.c: the parent of every supervisor, which outlives daemons
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Usage: ct-supervisor --keeper SOCKET
 *
 * Why: a supervisor outlives the daemon that spawned it, and an orphan
 * is adopted by PID 1, which on some hosts (a container's init, a
 * minimal init) never reaps: every supervisor that ends after a daemon
 * restart would stay a zombie.  A daemon cannot adopt processes of an
 * earlier one, so supervisors are not the daemon's children but the
 * keeper's: one small process per state directory, started by the first
 * daemon that needs it and found again by the next ones on SOCKET.  It
 * is a child subreaper, so the container inits of a killed supervisor
 * end up here too, and it reaps whatever ends.  It leaves when its
 * socket is gone (the state directory was removed) and it has no child.
 *
 * Protocol (SOCK_SEQPACKET): the daemon sends the plan path with the
 * supervisor's sync socket attached (SCM_RIGHTS); the keeper answers
 * "PID <pid>" or "ERR <errno>".
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ct_cleanup.h"
#include "ct_keeper.h"
#include "ct_sync.h"

#define CT_KEEPER_SYNC_FD 3

static int nchildren;


/* Child: the supervisor, its sync socket on descriptor 3. */
static void
execSupervisor(const char *self, const char *plan, int syncFd, const sigset_t *mask)
{
    char fdArg[16];

    sigprocmask(SIG_SETMASK, mask, NULL);
    if (syncFd != CT_KEEPER_SYNC_FD) {
        if (dup2(syncFd, CT_KEEPER_SYNC_FD) < 0)
            _exit(127);
        close(syncFd);
    } else {
        fcntl(syncFd, F_SETFD, 0);
    }
    snprintf(fdArg, sizeof(fdArg), "%d", CT_KEEPER_SYNC_FD);
    execl(self, self, "--plan", plan, "--sync-fd", fdArg, (char *)NULL);
    _exit(127);
}


/* One request: plan path and sync socket in, pid or errno out. */
static void
serveRequest(int conn, const char *self, const sigset_t *mask)
{
    char plan[4096];
    char reply[64];
    CT_AUTOCLOSE int syncFd = -1;
    pid_t pid;

    if (virCTSyncRecvRecord(conn, plan, sizeof(plan), &syncFd) <= 0) {
        snprintf(reply, sizeof(reply), "ERR %d", errno ? errno : EPROTO);
    } else if (syncFd < 0) {
        snprintf(reply, sizeof(reply), "ERR %d", EBADF);
    } else if ((pid = fork()) == 0) {
        execSupervisor(self, plan, syncFd, mask);
    } else if (pid < 0) {
        snprintf(reply, sizeof(reply), "ERR %d", errno);
    } else {
        nchildren++;
        snprintf(reply, sizeof(reply), "PID %d", (int)pid);
    }
    if (send(conn, reply, strlen(reply), MSG_NOSIGNAL) < 0)
        fprintf(stderr, "ct-keeper: cannot answer: %s\n", strerror(errno));
}


static void
reapChildren(void)
{
    while (waitpid(-1, NULL, WNOHANG) > 0)
        nchildren--;
}


/* SOCKET, listening; -1 when another keeper holds its lock. */
static int
listenOn(const char *path)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    char lockPath[sizeof(addr.sun_path) + 8];
    CT_AUTOCLOSE int lock = -1;
    CT_AUTOCLOSE int fd = -1;

    if (strlen(path) >= sizeof(addr.sun_path))
        return -1;
    snprintf(lockPath, sizeof(lockPath), "%s.lock", path);
    if ((lock = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
        return -1;
    if (flock(lock, LOCK_EX | LOCK_NB) < 0)
        return -1;
    strcpy(addr.sun_path, path);
    unlink(path);
    if ((fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)) < 0)
        return -1;
    if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
        return -1;
    if (chmod(path, 0600) < 0)
        return -1;
    if (listen(fd, 16) < 0)
        return -1;
    ctStealFd(&lock); /* the lock stays held as long as we live */
    return ctStealFd(&fd);
}


int
virCTKeeperMain(const char *self, const char *path)
{
    struct pollfd fds[2];
    sigset_t set, orig;
    int devnull;

    if ((fds[0].fd = listenOn(path)) < 0)
        return 1;
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    if ((devnull = open("/dev/null", O_RDWR)) >= 0) {
        dup2(devnull, STDIN_FILENO);
        dup2(devnull, STDOUT_FILENO);
        dup2(devnull, STDERR_FILENO);
        if (devnull > STDERR_FILENO)
            close(devnull);
    }
    if (chdir("/") < 0)
        return 1;
    signal(SIGPIPE, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigprocmask(SIG_BLOCK, &set, &orig);
    if ((fds[1].fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) < 0)
        return 1;
    fds[0].events = fds[1].events = POLLIN;

    for (;;) {
        struct signalfd_siginfo si;
        struct stat sb;
        int n = poll(fds, 2, 10000);

        if (n < 0 && errno != EINTR)
            return 1;
        if (n < 0)
            continue;
        /* waitpid() walks all our children (every supervisor, and the
         * inits of killed ones): only when one ended, not at each
         * request; SIGCHLD stays pending until the signalfd is read, and
         * the timeout catches up whatever else */
        if (n == 0 || (fds[1].revents & POLLIN)) {
            while (read(fds[1].fd, &si, sizeof(si)) == sizeof(si))
                ;
            reapChildren();
        }
        if (fds[0].revents & POLLIN) {
            CT_AUTOCLOSE int conn = accept4(fds[0].fd, NULL, NULL, SOCK_CLOEXEC);

            if (conn >= 0)
                serveRequest(conn, self, &orig);
        }
        if (nchildren <= 0 && stat(path, &sb) < 0 && errno == ENOENT)
            return 0;
    }
}
