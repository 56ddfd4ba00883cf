/*
 * ct_supervisor_monitor.c: the supervisor's poll loop and monitor protocol
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Monitor protocol: text lines, one request -> one reply, any client:
 *   status          -> running <hostpid>
 *   signal <signo>  -> ok | error <errno> <message>
 *   kill            -> ok                    (SIGKILL to init)
 *   console         -> ok + SCM_RIGHTS fd of a relay socket
 *                      | error 16 console busy
 *   console force   -> the same, disconnecting an attached client first
 * and, unasked, to every client when init ends:
 *   exited exit <status> | exited signal <signo>
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ct_cleanup.h"
#include "ct_error.h"
#include "ct_supervisor.h"
#include "ct_sync.h"

/* poll() slots: fixed ones first, then one per client slot */
enum {
    SLOT_SIGNAL,
    SLOT_LISTEN,
    SLOT_NOTIFY,
    SLOT_CONSOLE,
    SLOT_CLIENTS = SLOT_CONSOLE + CT_CONSOLE_POLLFDS,
    SLOT_LAST = SLOT_CLIENTS + CT_SUPERVISOR_MAX_CLIENTS,
};


static void
dropClient(virCTMonitorClient *client)
{
    if (client->fd >= 0)
        close(client->fd);
    client->fd = -1;
    client->len = 0;
}


/* Replies never block the loop: a client that does not read is dropped. */
static void reply(virCTMonitorClient *client, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
reply(virCTMonitorClient *client, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    int len;

    va_start(ap, fmt);
    len = vsnprintf(line, sizeof(line) - 1, fmt, ap);
    va_end(ap);
    if (len < 0 || len >= (int)sizeof(line) - 1)
        len = sizeof(line) - 2;
    line[len++] = '\n';
    if (send(client->fd, line, len, MSG_NOSIGNAL | MSG_DONTWAIT) != len)
        dropClient(client);
}


static int
sendSignal(virCTSupervisor *sup, int signo)
{
    return syscall(SYS_pidfd_send_signal, sup->pidfd, signo, NULL, 0);
}


static void
cmdSignal(virCTSupervisor *sup, virCTMonitorClient *client, const char *arg)
{
    char *end;
    long signo = strtol(arg, &end, 10);

    if (!*arg || *end || signo < 0 || signo > SIGRTMAX) {
        reply(client, "error %d invalid signal '%s'", EINVAL, arg);
        return;
    }
    if (sendSignal(sup, signo) < 0)
        reply(client, "error %d %s", errno, strerror(errno));
    else
        reply(client, "ok");
}


static void
cmdConsole(virCTSupervisor *sup, virCTMonitorClient *client, bool force)
{
    CT_AUTOCLOSE int clientEnd = -1;

    if (virCTConsoleAttach(&sup->console, force, &clientEnd) < 0) {
        if (errno == EBUSY)
            reply(client, "error %d console busy", EBUSY);
        else
            reply(client, "error %d %s", errno, strerror(errno));
        return;
    }
    if (virCTSyncSendFd(client->fd, "ok\n", clientEnd) < 0)
        dropClient(client);
}


static void
handleRequest(virCTSupervisor *sup, virCTMonitorClient *client, char *line)
{
    if (strcmp(line, "status") == 0) {
        reply(client, "running %d", (int)sup->pid);
    } else if (strncmp(line, "signal ", 7) == 0) {
        cmdSignal(sup, client, line + 7);
    } else if (strcmp(line, "kill") == 0) {
        if (sendSignal(sup, SIGKILL) < 0)
            reply(client, "error %d %s", errno, strerror(errno));
        else
            reply(client, "ok");
    } else if (strcmp(line, "console") == 0) {
        cmdConsole(sup, client, false);
    } else if (strcmp(line, "console force") == 0) {
        cmdConsole(sup, client, true);
    } else {
        reply(client, "error %d unknown request '%.64s'", EINVAL, line);
    }
}


static void
readClient(virCTSupervisor *sup, virCTMonitorClient *client)
{
    char *nl;
    ssize_t n;

    n = read(client->fd, client->buf + client->len, sizeof(client->buf) - 1 - client->len);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0) {
        dropClient(client);
        return;
    }
    client->len += n;
    client->buf[client->len] = '\0';
    while (client->fd >= 0 && (nl = strchr(client->buf, '\n'))) {
        *nl = '\0';
        if (nl > client->buf && nl[-1] == '\r')
            nl[-1] = '\0';
        handleRequest(sup, client, client->buf);
        client->len -= nl + 1 - client->buf;
        memmove(client->buf, nl + 1, client->len + 1);
    }
    if (client->len == sizeof(client->buf) - 1)
        dropClient(client); /* a request longer than any valid one */
}


static void
acceptClients(virCTSupervisor *sup)
{
    int fd;

    while ((fd = accept4(sup->listenFd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
        size_t i;

        for (i = 0; i < CT_SUPERVISOR_MAX_CLIENTS; i++) {
            if (sup->clients[i].fd < 0)
                break;
        }
        if (i == CT_SUPERVISOR_MAX_CLIENTS) {
            virCTLog("too many monitor clients, refusing one");
            close(fd);
            continue;
        }
        sup->clients[i].fd = fd;
        sup->clients[i].len = 0;
    }
}


static int
writeExitFile(const char *path, const char *how, int code)
{
    char tmp[4096 + 8];
    char line[64];
    int len = snprintf(line, sizeof(line), "exited %s %d\n", how, code);
    int fd;

    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
        virCTLog("cannot create '%s': %s", tmp, strerror(errno));
        return -1;
    }
    /* close() is a step here: its error means the record may be lost.
     * No fsync: the record is for the next daemon, should this one be
     * gone, not for after a crash of the host (which leaves nothing
     * running to report on); the page cache keeps it for that. */
    if (write(fd, line, len) != len) {
        virCTLog("cannot write exit file '%s': %s", tmp, strerror(errno));
        close(fd);
        unlink(tmp);
        return -1;
    }
    if (close(fd) < 0 || rename(tmp, path) < 0) {
        virCTLog("cannot write exit file '%s': %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}


int
virCTSupervisorFinish(virCTSupervisor *sup, const char *how, int code)
{
    int rc = writeExitFile(sup->plan->exitPath, how, code);
    size_t i;

    virCTLog("container '%s' exited: %s %d", sup->plan->name, how, code);
    for (i = 0; i < CT_SUPERVISOR_MAX_CLIENTS; i++) {
        if (sup->clients[i].fd < 0)
            continue;
        reply(&sup->clients[i], "exited %s %d", how, code);
        dropClient(&sup->clients[i]);
    }
    unlink(sup->plan->monitorPath);
    close(sup->listenFd);
    sup->listenFd = -1;
    virCTConsoleClose(&sup->console);
    return rc;
}


/* Returns 1 when init has been reaped (and recorded), 0 otherwise. */
static int
reapInit(virCTSupervisor *sup, int options)
{
    siginfo_t si = { 0 };

    if (waitid(P_PIDFD, sup->pidfd, &si, WEXITED | options) < 0 || si.si_pid == 0)
        return 0;
    if (si.si_code == CLD_EXITED)
        virCTSupervisorFinish(sup, "exit", si.si_status);
    else
        virCTSupervisorFinish(sup, "signal", si.si_status);
    return 1;
}


/* Returns 1 when the supervisor is done. */
static int
handleSignals(virCTSupervisor *sup)
{
    struct signalfd_siginfo ssi;
    int done = 0;

    while (read(sup->sigFd, &ssi, sizeof(ssi)) == sizeof(ssi)) {
        if (ssi.ssi_signo == SIGCHLD) {
            done |= reapInit(sup, WNOHANG);
        } else if (!done) {
            /* SIGTERM/SIGINT: the container does not outlive us */
            virCTLog("got signal %u, killing the container", ssi.ssi_signo);
            sendSignal(sup, SIGKILL);
            waitid(P_PIDFD, sup->pidfd, NULL, WEXITED);
            virCTSupervisorFinish(sup, "signal", SIGKILL);
            done = 1;
        }
    }
    return done;
}


static void
fillPollFds(virCTSupervisor *sup, struct pollfd *fds)
{
    size_t i;

    fds[SLOT_SIGNAL] = (struct pollfd){ .fd = sup->sigFd, .events = POLLIN };
    fds[SLOT_LISTEN] = (struct pollfd){ .fd = sup->listenFd, .events = POLLIN };
    fds[SLOT_NOTIFY] = (struct pollfd){ .fd = sup->notifyFd, .events = POLLIN };
    virCTConsolePollFds(&sup->console, fds + SLOT_CONSOLE);
    for (i = 0; i < CT_SUPERVISOR_MAX_CLIENTS; i++) {
        fds[SLOT_CLIENTS + i].fd = sup->clients[i].fd;
        fds[SLOT_CLIENTS + i].events = POLLIN;
        fds[SLOT_CLIENTS + i].revents = 0;
    }
}


int
virCTSupervisorLoop(virCTSupervisor *sup)
{
    struct pollfd fds[SLOT_LAST];
    size_t i;

    for (;;) {
        fillPollFds(sup, fds);
        if (poll(fds, SLOT_LAST, -1) < 0) {
            if (errno == EINTR)
                continue;
            virCTLog("poll failed: %s", strerror(errno));
            return 1;
        }
        if ((fds[SLOT_SIGNAL].revents & POLLIN) && handleSignals(sup))
            return 0;
        if (fds[SLOT_LISTEN].revents & POLLIN)
            acceptClients(sup);
        if (fds[SLOT_NOTIFY].revents & POLLIN) {
            virCTSupervisorSysinfoHandle(sup);
        } else if (fds[SLOT_NOTIFY].revents) {
            /* every process under the filter is gone */
            close(sup->notifyFd);
            sup->notifyFd = -1;
        }
        virCTConsoleHandle(&sup->console, fds + SLOT_CONSOLE);
        for (i = 0; i < CT_SUPERVISOR_MAX_CLIENTS; i++) {
            if (fds[SLOT_CLIENTS + i].revents && sup->clients[i].fd >= 0 &&
                sup->clients[i].fd == fds[SLOT_CLIENTS + i].fd)
                readClient(sup, &sup->clients[i]);
        }
    }
}
