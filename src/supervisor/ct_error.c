/*
 * ct_error.c: errors of the supervisor and the container child
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ct_error.h"

static virCTError lastError;
/* the log's descriptor for the steps of a start, or -1: not stderr,
 * which the child makes its console before its last steps */
static int timelineFd = -1;
static const char *timelineName;


int
virCTErrorReport(int err, const char *fmt, ...)
{
    size_t len;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(lastError.msg, sizeof(lastError.msg), fmt, ap);
    va_end(ap);
    len = strlen(lastError.msg);
    if (err != 0 && len < sizeof(lastError.msg))
        snprintf(lastError.msg + len, sizeof(lastError.msg) - len, ": %s", strerror(err));
    lastError.err = err ? err : EINVAL;
    return -1;
}


virCTError *
virCTErrorLast(void)
{
    return &lastError;
}


static void
logTo(int fd, const char *fmt, va_list ap)
{
    char line[1024];
    struct timespec ts;
    struct tm tm;
    size_t len;

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    len = strftime(line, sizeof(line), "%Y-%m-%d %H:%M:%S", &tm);
    len += snprintf(line + len, sizeof(line) - len, ".%03ld+0000: %d: ", ts.tv_nsec / 1000000,
                    (int)getpid());
    if (len < sizeof(line))
        vsnprintf(line + len, sizeof(line) - len, fmt, ap);
    len = strlen(line);
    if (len >= sizeof(line) - 1)
        len = sizeof(line) - 2;
    line[len++] = '\n';
    if (write(fd, line, len) < 0)
        return; /* nowhere left to complain */
}


void
virCTLog(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    logTo(STDERR_FILENO, fmt, ap);
    va_end(ap);
}


static void
timelineLog(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    logTo(timelineFd, fmt, ap);
    va_end(ap);
}


void
virCTTimelineOpen(const char *name)
{
    if (timelineFd >= 0)
        return;
    timelineFd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
    timelineName = name;
}


void
virCTTimelineAt(const struct timespec *ts, const char *step)
{
    if (timelineFd < 0)
        return;
    timelineLog("start-timeline %s %lld %s", timelineName,
                (long long)ts->tv_sec * 1000000 + ts->tv_nsec / 1000, step);
}


void
virCTTimelineMark(const char *step)
{
    struct timespec ts;

    if (timelineFd < 0)
        return;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    virCTTimelineAt(&ts, step);
}


int
virCTErrorSend(int sock, const virCTError *error)
{
    ssize_t n;

    do {
        n = send(sock, error, sizeof(*error), MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    return n == (ssize_t)sizeof(*error) ? 0 : -1;
}


int
virCTErrorRecv(int sock, virCTError *error)
{
    ssize_t n;

    memset(error, 0, sizeof(*error));
    do {
        n = recv(sock, error, sizeof(*error), 0);
    } while (n < 0 && errno == EINTR);
    if (n == 0)
        return 0;
    if (n != (ssize_t)sizeof(*error)) {
        if (n >= 0)
            errno = EPROTO;
        return -1;
    }
    error->msg[sizeof(error->msg) - 1] = '\0';
    return 1;
}
