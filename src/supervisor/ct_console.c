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
#include <unistd.h>

#include "ct_cleanup.h"
#include "ct_console.h"
#include "ct_error.h"


int
virCTConsoleOpen(virCTConsole *con, uid_t owner, gid_t group)
{
    struct winsize ws = { .ws_row = 24, .ws_col = 80 };
    int unlock = 0;
    int ptyno;

    memset(con, 0, sizeof(*con));
    con->slave = con->peer = -1;
    con->master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
    if (con->master < 0)
        return virCTErrorReport(errno, "cannot open '/dev/ptmx'");
    if (ioctl(con->master, TIOCSPTLCK, &unlock) < 0 || ioctl(con->master, TIOCGPTN, &ptyno) < 0) {
        virCTErrorReport(errno, "cannot unlock the PTY from '/dev/ptmx'");
        goto error;
    }
    snprintf(con->slavePath, sizeof(con->slavePath), "/dev/pts/%d", ptyno);
    con->slave = open(con->slavePath, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (con->slave < 0) {
        virCTErrorReport(errno, "cannot open '%s'", con->slavePath);
        goto error;
    }
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
    /* stop reading the client while the master still refuses input */
    fds[1].fd = con->npending ? -1 : con->peer;
    fds[1].events = POLLIN;
    fds[1].revents = 0;
}


/* Output of the container: always read, forwarded when a client is there,
 * dropped when the client is too slow (a console must not block init). */
static void
drainMaster(virCTConsole *con)
{
    char buf[4096];
    ssize_t n;

    while ((n = read(con->master, buf, sizeof(buf))) > 0) {
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


void
virCTConsoleHandle(virCTConsole *con, const struct pollfd *fds)
{
    if (fds[0].revents & POLLIN)
        drainMaster(con);
    if (fds[0].revents & POLLOUT)
        flushPending(con);
    if (fds[1].fd >= 0 && fds[1].fd == con->peer &&
        (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
        ssize_t n = read(con->peer, con->pending, sizeof(con->pending));

        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
            detach(con);
            return;
        }
        if (n > 0) {
            con->npending = n;
            flushPending(con);
        }
    }
}


void
virCTConsoleClose(virCTConsole *con)
{
    detach(con);
    if (con->master >= 0)
        close(con->master);
    if (con->slave >= 0)
        close(con->slave);
    con->master = con->slave = -1;
}
