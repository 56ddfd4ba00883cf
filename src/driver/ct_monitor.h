/*
 * ct_monitor.h: the daemon's side of a supervisor's monitor socket
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A running container has one watch: a connection that only waits for
 * the supervisor's "exited" line or its end of file, in one epoll set
 * for all containers that the event loop polls as a single descriptor.
 * Requests (signal, kill, console) each use a short connection of their
 * own, so a request never races with the watch for the bytes on one
 * socket.
 */

#pragma once

#include "internal.h"
#include "virobject.h"

typedef struct _virCTMonitor virCTMonitor;

typedef enum {
    VIR_CT_MONITOR_EXIT_CODE, /* init exited with @code */
    VIR_CT_MONITOR_EXIT_SIGNAL, /* init was killed by signal @code */
    VIR_CT_MONITOR_EXIT_LOST, /* the supervisor went away without a record */
} virCTMonitorExitKind;

/* Called once, from the event loop thread, with the domain object
 * unlocked: the callback must take its own locks. */
typedef void (*virCTMonitorExitCallback)(virCTMonitor *mon, virCTMonitorExitKind kind, int code,
                                         void *opaque);

/* Connects the watch to the monitor socket at @path.  @opaque is
 * referenced (it must be a virObject) until the monitor is disposed.
 * Returns the monitor (caller owns the reference), or NULL with an error
 * reported. */
virCTMonitor *virCTMonitorOpen(const char *path, virCTMonitorExitCallback cb, virObject *opaque);

/* Stops watching: no callback runs after this returns, unless one is
 * already running.  Releases the caller's reference. */
void virCTMonitorClose(virCTMonitor *mon);

/* Sends one request line (without '\n') on a short connection to the
 * monitor at @path and returns its reply line (caller frees).  An "error
 * <errno> <message>" reply, an "exited" line or no answer within a few
 * seconds is reported as an error and NULL returned. */
char *virCTMonitorRequest(const char *path, const char *request);

/* Asks the supervisor at @path for the console; returns the relay
 * descriptor (caller closes), or -1 with an error reported
 * (VIR_ERR_OPERATION_FAILED "busy" when another client is attached and
 * @force is false). */
int virCTMonitorOpenConsole(const char *path, bool force);

/* Reads the exit record a supervisor leaves at @path.  Returns 1 with
 * @kind and @code filled, 0 when there is no record, -1 on error. */
int virCTMonitorReadExitFile(const char *path, virCTMonitorExitKind *kind, int *code);
