/*
 * ct_console.h: the container console PTY and its relay to one client
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The supervisor owns the master of a PTY from the host's /dev/ptmx; the
 * child bind-mounts the slave at /dev/console.  The master is always
 * drained, so a container writing to its console never blocks even when
 * nobody is attached.  What the container writes goes to the attached
 * client, to the console log file if any, and to the master of a second,
 * raw host PTY if any (libvirt's <console type='pty' tty=...>): its
 * slave is the path a client reads the output from and writes input to,
 * as with libvirt-lxc.  We hold that slave open too, so the kernel keeps
 * the latest output nobody has read yet (CT_CONSOLE_HOST_KEEP bytes) and
 * reading the master never ends in EIO.
 */

#pragma once

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define CT_CONSOLE_POLLFDS 3

/* Output the host PTY keeps for a reader that comes later: under the
 * 4 KiB of a tty's read buffer, so the kernel buffers no more. */
#define CT_CONSOLE_HOST_KEEP 4000

typedef struct _virCTConsole virCTConsole;
struct _virCTConsole {
    int master; /* non-blocking PTY master */
    int slave; /* held open so reading the master never gets EIO */
    char slavePath[64]; /* host path of the slave, /dev/pts/N */
    int peer; /* our end of the attached client's socketpair */
    int hostMaster; /* non-blocking master of the host PTY, or -1 */
    int hostSlave; /* its slave, held open */
    char hostPath[64]; /* the host PTY's slave, /dev/pts/N, published */
    int logFd; /* console log file, or -1 */
    char pending[4096]; /* input not yet accepted by the master */
    size_t npending;
};

/* Opens a PTY pair; the slave is owned by @owner:@group unless they are
 * -1.  Returns 0, or -1 with the error reported. */
int virCTConsoleOpen(virCTConsole *con, uid_t owner, gid_t group);

/* Opens the host PTY of an opened console (raw mode).  Returns 0, or -1
 * with the error reported; virCTConsoleClose() closes what was opened. */
int virCTConsoleOpenHost(virCTConsole *con);

/* Opens @path for the console's output: appended to when @append, else
 * truncated first.  Returns 0, or -1 with the error reported. */
int virCTConsoleOpenLog(virCTConsole *con, const char *path, bool append);

/* Starts relaying to a new socketpair and stores the client's end in
 * @clientEnd (the caller passes it on and closes it).  Returns 0, or -1
 * with errno EBUSY when a client is already attached and @force is
 * false; with @force the attached client is disconnected first. */
int virCTConsoleAttach(virCTConsole *con, bool force, int *clientEnd);

/* Fills @fds (CT_CONSOLE_POLLFDS entries) for poll(). */
void virCTConsolePollFds(virCTConsole *con, struct pollfd *fds);

/* Moves bytes according to the poll() results in @fds. */
void virCTConsoleHandle(virCTConsole *con, const struct pollfd *fds);

void virCTConsoleClose(virCTConsole *con);
