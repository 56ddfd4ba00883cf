/*
 * ct_sync.h: line protocol and descriptor passing on UNIX sockets
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Used for the daemon <-> supervisor sync socket, the monitor socket and
 * the supervisor <-> child error channel.  Plain C, no glib.
 */

#pragma once

#include <stddef.h>
#include <sys/types.h>

#include "ct_error.h"

/* Writes the formatted line in full (retrying on EINTR and short writes).
 * Returns 0, or -1 with errno set. */
int virCTSyncWriteLine(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Reads one line up to and excluding '\n' into @buf (NUL-terminated),
 * a byte at a time so nothing after the line is consumed.  Returns the
 * length, 0 on end of file before any byte, -1 with errno set on error
 * (ENAMETOOLONG when the line does not fit). */
ssize_t virCTSyncReadLine(int fd, char *buf, size_t buflen);

/* Sends @line with @fd attached as SCM_RIGHTS.  Returns 0 or -1. */
int virCTSyncSendFd(int sock, const char *line, int fd);

/* Reads one line like virCTSyncReadLine(); a descriptor that came with
 * its first byte is stored in @fd (close-on-exec), else @fd is -1. */
ssize_t virCTSyncReadLineFd(int sock, char *buf, size_t buflen, int *fd);

/* Receives one whole record of a SOCK_SEQPACKET socket into @buf
 * (NUL-terminated, a trailing newline removed), with a descriptor that
 * came with it in @fd (close-on-exec) or -1.  Returns the length, 0 at
 * end of file, -1 with errno (EMSGSIZE for a record longer than @buf). */
ssize_t virCTSyncRecvRecord(int sock, char *buf, size_t buflen, int *fd);

/* Child -> supervisor error channel on a SOCK_SEQPACKET pair: the child
 * sends the current error record; the supervisor gets 1 and the record,
 * or 0 when the channel closed without one (the exec succeeded). */
int virCTSyncSendError(int sock, const virCTError *error);
int virCTSyncRecvError(int sock, virCTError *error);
