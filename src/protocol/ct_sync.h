/*
 * ct_sync.h: line protocol and descriptor passing on UNIX sockets
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The words the daemon and the supervisor exchange: the sync socket
 * (ct_supervisor.c has its numbered steps), the monitor socket
 * (ct_supervisor_monitor.c), the keeper's socket (ct_keeper.c), and the
 * records between the supervisor and the container child.  Plain C, no
 * glib: built once, linked into both programs.
 */

#pragma once

#include <stddef.h>
#include <sys/types.h>


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
