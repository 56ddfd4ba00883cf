/*
 * ct_console.c: the container console PTY and its relay to one client
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "ct_cleanup.h"
#include "ct_console.h"
#include "ct_error.h"


/* A PTY pair from the host's /dev/ptmx: the master non-blocking, the
 * slave opened (so reading the master never gets EIO) and its path. */
static int
openPty(int *master, int *slave, char *path, size_t pathlen)
{
    int unlock = 0;
    int ptyno;

    *master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
    if (*master < 0)
        return virCTErrorReport(errno, "cannot open '/dev/ptmx'");
    if (ioctl(*master, TIOCSPTLCK, &unlock) < 0 || ioctl(*master, TIOCGPTN, &ptyno) < 0)
        return virCTErrorReport(errno, "cannot unlock the PTY from '/dev/ptmx'");
    snprintf(path, pathlen, "/dev/pts/%d", ptyno);
    *slave = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (*slave < 0)
        return virCTErrorReport(errno, "cannot open '%s'", path);
    return 0;
}


int
virCTConsoleOpen(virCTConsole *con, uid_t owner, gid_t group)
{
    struct winsize ws = { .ws_row = 24, .ws_col = 80 };

    memset(con, 0, sizeof(*con));
    con->slave = con->peer = con->hostMaster = con->hostSlave = con->logFd = -1;
    if (openPty(&con->master, &con->slave, con->slavePath, sizeof(con->slavePath)) < 0)
        goto error;
    if ((owner != (uid_t)-1 || group != (gid_t)-1) && fchown(con->slave, owner, group) < 0) {
        virCTErrorReport(errno, "cannot change owner of '%s'", con->slavePath);
        goto error;
    }
    ioctl(con->master, TIOCSWINSZ, &ws);
    return 0;

 error:
    virCTConsoleClose(con);
    return -1;
}


int
virCTConsoleOpenHost(virCTConsole *con)
{
    struct termios tio;

    if (openPty(&con->hostMaster, &con->hostSlave, con->hostPath, sizeof(con->hostPath)) < 0)
        return -1;
    /* the container's console input: root's alone, not group tty's */
    if (fchmod(con->hostSlave, 0600) < 0)
        return virCTErrorReport(errno, "cannot change the mode of '%s'", con->hostPath);
    /* raw: what we write to the master must not be echoed back to us as
     * input for the container, nor its line ends rewritten */
    if (tcgetattr(con->hostSlave, &tio) < 0)
        return virCTErrorReport(errno, "cannot get the modes of '%s'", con->hostPath);
    cfmakeraw(&tio);
    if (tcsetattr(con->hostSlave, TCSANOW, &tio) < 0)
        return virCTErrorReport(errno, "cannot set '%s' to raw mode", con->hostPath);
    /* we read it only to discard old output, never waiting */
    if (fcntl(con->hostSlave, F_SETFL, O_NONBLOCK) < 0)
        return virCTErrorReport(errno, "cannot make '%s' non-blocking", con->hostPath);
    return 0;
}


int
virCTConsoleOpenLog(virCTConsole *con, const char *path, bool append)
{
    int flags = O_WRONLY | O_CREAT | O_APPEND | O_NOCTTY | O_CLOEXEC | (append ? 0 : O_TRUNC);

    if ((con->logFd = open(path, flags, 0600)) < 0)
        return virCTErrorReport(errno, "cannot open console log '%s'", path);
    return 0;
}


static void
detach(virCTConsole *con)
{
    if (con->peer >= 0)
        close(con->peer);
    con->peer = -1;
    con->npending = 0;
}


int
virCTConsoleAttach(virCTConsole *con, bool force, int *clientEnd)
{
    CT_AUTOCLOSE int ourEnd = -1;
    CT_AUTOCLOSE int theirEnd = -1;
    int sv[2];

    if (con->peer >= 0 && force)
        detach(con);
    if (con->peer >= 0) {
        errno = EBUSY;
        return -1;
    }
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return -1;
    ourEnd = sv[0];
    theirEnd = sv[1];
    if (fcntl(ourEnd, F_SETFL, O_NONBLOCK) < 0)
        return -1;
    con->peer = ctStealFd(&ourEnd);
    con->npending = 0;
    *clientEnd = ctStealFd(&theirEnd);
    return 0;
}


void
virCTConsolePollFds(virCTConsole *con, struct pollfd *fds)
{
    fds[0].fd = con->master;
    fds[0].events = POLLIN | (con->npending ? POLLOUT : 0);
    fds[0].revents = 0;
    /* stop reading input while the master still refuses earlier input */
    fds[1].fd = con->npending ? -1 : con->peer;
    fds[1].events = POLLIN;
    fds[1].revents = 0;
    fds[2].fd = con->npending ? -1 : con->hostMaster;
    fds[2].events = POLLIN;
    fds[2].revents = 0;
}


/* The log gets everything; a log that fails is given up, with one line
 * in the supervisor's log, rather than stopping the console. */
static void
writeLog(virCTConsole *con, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(con->logFd, buf, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            virCTLog("cannot write the console log, no longer logging: %s",
                     strerror(n < 0 ? errno : EIO));
            close(con->logFd);
            con->logFd = -1;
            return;
        }
        buf += n;
        len -= n;
    }
}


/* Takes away all the host PTY holds, also what the kernel has not moved
 * to the tty's read buffer yet (a read finding that buffer empty waits
 * for it), and returns the newest @keep bytes of it in @old. */
static size_t
takeHostBacklog(virCTConsole *con, char *old, size_t oldlen, size_t keep)
{
    size_t nold = 0;
    ssize_t n;

    while ((n = read(con->hostSlave, old + nold, oldlen - nold)) > 0) {
        nold += n;
        if (nold > keep) {
            memmove(old, old + nold - keep, keep);
            nold = keep;
        }
    }
    return nold;
}


/* The host PTY keeps the latest output for whoever opens its slave later
 * (Nova reads what is there), at most CT_CONSOLE_HOST_KEEP bytes: when
 * it is full we take its backlog away through our own slave and put back
 * the newest part, so the kernel never holds up to its tty buffer limit
 * (640 KiB, twice that in memory) for a container nobody reads. */
static void
copyToHost(virCTConsole *con, const char *buf, size_t len)
{
    char old[2 * CT_CONSOLE_HOST_KEEP];
    size_t nold;
    int inq = 0;

    if (len > CT_CONSOLE_HOST_KEEP) {
        buf += len - CT_CONSOLE_HOST_KEEP;
        len = CT_CONSOLE_HOST_KEEP;
    }
    if (ioctl(con->hostSlave, TIOCINQ, &inq) < 0 || inq + len > CT_CONSOLE_HOST_KEEP) {
        nold = takeHostBacklog(con, old, sizeof(old), CT_CONSOLE_HOST_KEEP - len);
        if (nold > 0 && write(con->hostMaster, old, nold) < 0 && errno != EAGAIN)
            virCTLog("cannot copy the console to '%s': %s", con->hostPath, strerror(errno));
    }
    if (write(con->hostMaster, buf, len) < 0 && errno != EAGAIN)
        virCTLog("cannot copy the console to '%s': %s", con->hostPath, strerror(errno));
}


/* Output of the container: always read; copied to the log, to the host
 * PTY (whose slave keeps the latest of it) and to the attached client.  The PTY and the client lose
 * what they cannot take at once: a console must not block init. */
static void
drainMaster(virCTConsole *con)
{
    char buf[4096];
    ssize_t n;

    while ((n = read(con->master, buf, sizeof(buf))) > 0) {
        if (con->logFd >= 0)
            writeLog(con, buf, n);
        if (con->hostMaster >= 0)
            copyToHost(con, buf, n);
        if (con->peer < 0)
            continue;
        if (send(con->peer, buf, n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 && errno != EAGAIN &&
            errno != EWOULDBLOCK)
            detach(con);
    }
}


static void
flushPending(virCTConsole *con)
{
    ssize_t n = write(con->master, con->pending, con->npending);

    if (n <= 0)
        return;
    memmove(con->pending, con->pending + n, con->npending - n);
    con->npending -= n;
}


/* Input for the container from the client or from the host PTY. */
static void
readInput(virCTConsole *con, int fd)
{
    ssize_t n = read(fd, con->pending, sizeof(con->pending));

    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0) {
        /* the host PTY's slave is ours too: only a client goes away */
        if (fd == con->peer)
            detach(con);
        return;
    }
    con->npending = n;
    flushPending(con);
}


void
virCTConsoleHandle(virCTConsole *con, const struct pollfd *fds)
{
    if (fds[0].revents & POLLIN)
        drainMaster(con);
    if (fds[0].revents & POLLOUT)
        flushPending(con);
    if (fds[1].fd >= 0 && fds[1].fd == con->peer && (fds[1].revents & (POLLIN | POLLHUP | POLLERR)))
        readInput(con, con->peer);
    if (con->npending == 0 && fds[2].fd >= 0 && fds[2].fd == con->hostMaster &&
        (fds[2].revents & POLLIN))
        readInput(con, con->hostMaster);
}


static void
closeFd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}


void
virCTConsoleClose(virCTConsole *con)
{
    detach(con);
    closeFd(&con->master);
    closeFd(&con->slave);
    closeFd(&con->hostMaster);
    closeFd(&con->hostSlave);
    closeFd(&con->logFd);
}
