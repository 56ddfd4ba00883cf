/*
 * ct_sync.c: line protocol and descriptor passing on UNIX sockets
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ct_sync.h"


static int
writeAll(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

        if (n < 0 && errno == ENOTSOCK)
            n = write(fd, buf, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        buf += n;
        len -= n;
    }
    return 0;
}


int
virCTSyncWriteLine(int fd, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    int len;

    va_start(ap, fmt);
    len = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (len < 0 || (size_t)len >= sizeof(line)) {
        errno = EMSGSIZE;
        return -1;
    }
    return writeAll(fd, line, len);
}


ssize_t
virCTSyncReadLine(int fd, char *buf, size_t buflen)
{
    size_t len = 0;

    for (;;) {
        char c;
        ssize_t n = read(fd, &c, 1);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0) {
            if (len == 0)
                return 0;
            errno = EPROTO; /* a partial line then end of file */
            return -1;
        }
        if (c == '\n')
            break;
        if (len + 1 >= buflen) {
            errno = ENAMETOOLONG;
            return -1;
        }
        buf[len++] = c;
    }
    buf[len] = '\0';
    return len;
}


int
virCTSyncSendFd(int sock, const char *line, int fd)
{
    char control[CMSG_SPACE(sizeof(int))] = { 0 };
    struct iovec iov = { .iov_base = (void *)line, .iov_len = strlen(line) };
    struct msghdr msg = {
        .msg_iov = &iov,
        .msg_iovlen = 1,
        .msg_control = control,
        .msg_controllen = sizeof(control),
    };
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
    ssize_t n;

    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
    do {
        n = sendmsg(sock, &msg, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return -1;
    if ((size_t)n != iov.iov_len)
        return writeAll(sock, line + n, iov.iov_len - n);
    return 0;
}


/* One recvmsg() of up to @len bytes, a descriptor that came with them in
 * @fd (close-on-exec) or -1; @truncated tells whether a datagram or
 * record was longer than @len.  Returns what recvmsg() returned. */
static ssize_t
recvWithFd(int sock, void *buf, size_t len, int *fd, bool *truncated)
{
    char control[CMSG_SPACE(sizeof(int))] = { 0 };
    struct iovec iov = { .iov_base = buf, .iov_len = len };
    struct msghdr msg = {
        .msg_iov = &iov,
        .msg_iovlen = 1,
        .msg_control = control,
        .msg_controllen = sizeof(control),
    };
    struct cmsghdr *cmsg;
    ssize_t n;

    *fd = -1;
    do {
        n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return n;
    for (cmsg = CMSG_FIRSTHDR(&msg); cmsg; cmsg = CMSG_NXTHDR(&msg, cmsg)) {
        if (cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS &&
            cmsg->cmsg_len == CMSG_LEN(sizeof(int)))
            memcpy(fd, CMSG_DATA(cmsg), sizeof(int));
    }
    *truncated = msg.msg_flags & MSG_TRUNC;
    return n;
}


ssize_t
virCTSyncReadLineFd(int sock, char *buf, size_t buflen, int *fd)
{
    bool truncated;
    char c;
    ssize_t n;

    if ((n = recvWithFd(sock, &c, 1, fd, &truncated)) <= 0)
        return n;
    if (buflen < 2) {
        errno = ENAMETOOLONG;
        return -1;
    }
    if (c == '\n') {
        buf[0] = '\0';
        return 0;
    }
    buf[0] = c;
    if ((n = virCTSyncReadLine(sock, buf + 1, buflen - 1)) < 0)
        return -1;
    return n + 1;
}


ssize_t
virCTSyncRecvRecord(int sock, char *buf, size_t buflen, int *fd)
{
    bool truncated = false;
    ssize_t n = recvWithFd(sock, buf, buflen - 1, fd, &truncated);

    if (n < 0)
        return -1;
    if (truncated) {
        if (*fd >= 0)
            close(*fd);
        *fd = -1;
        errno = EMSGSIZE;
        return -1;
    }
    if (n > 0 && buf[n - 1] == '\n')
        n--;
    buf[n] = '\0';
    return n;
}
