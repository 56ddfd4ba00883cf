/*
 * ct_error.h: errors of the supervisor and the container child
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Plain C, no glib: an error is recorded once, where the syscall failed,
 * as {errno, message naming the path}; the child sends exactly that
 * record to the supervisor, which forwards it to the daemon.
 */

#pragma once

#include <time.h>

#define CT_ERROR_MSG_LEN 512

typedef struct _virCTError virCTError;
struct _virCTError {
    int err; /* errno value, never 0 once set */
    char msg[CT_ERROR_MSG_LEN]; /* "cannot mount proc on '/x/proc': ..." */
};

/* Records @err and the formatted message followed by ": strerror(err)"
 * (when @err is not 0) as the current error.  Always returns -1 so a
 * caller can write "return virCTErrorReport(errno, ...)". */
int virCTErrorReport(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The current error (err == 0 when none was reported). */
virCTError *virCTErrorLast(void);

/* Appends one time-stamped line to stderr (the supervisor's log). */
void virCTLog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The steps of a start (the plan's "timeline"): after
 * virCTTimelineOpen(), each mark appends "start-timeline NAME USEC STEP"
 * to the log that is stderr now, USEC on CLOCK_MONOTONIC as the daemon's
 * (ct_timeline.h), also from the container child until its exec; @name
 * must outlive the marks.  Without it the marks do nothing. */
void virCTTimelineOpen(const char *name);
void virCTTimelineMark(const char *step);
void virCTTimelineAt(const struct timespec *ts, const char *step);

/* Child -> supervisor error channel on a SOCK_SEQPACKET pair: the child
 * sends the current error record; the supervisor gets 1 and the record,
 * or 0 when the channel closed without one (the exec succeeded). */
int virCTErrorSend(int sock, const virCTError *error);
int virCTErrorRecv(int sock, virCTError *error);
