/*
 * ct_supervisor.h: the per-container supervisor process
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One supervisor per running container: it creates the namespaces,
 * holds the console, serves the monitor socket and records how init
 * ended.  Single-threaded, plain C, no glib and no libvirt.
 */

#pragma once

#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

#include "ct_console.h"
#include "ct_plan.h"

#define CT_SUPERVISOR_MAX_CLIENTS 16

typedef struct _virCTMonitorClient virCTMonitorClient;
struct _virCTMonitorClient {
    int fd; /* -1: free slot */
    char buf[256]; /* partial request line */
    size_t len;
};

typedef struct _virCTSupervisor virCTSupervisor;
struct _virCTSupervisor {
    ctPlan *plan;
    int syncFd; /* to the daemon; -1 once the start is answered */
    int listenFd; /* monitor socket, -1 before it exists */
    int sigFd; /* signalfd for SIGCHLD, SIGTERM, SIGINT */
    pid_t pid; /* host PID of the container's init */
    int pidfd;
    virCTConsole console;
    virCTMonitorClient clients[CT_SUPERVISOR_MAX_CLIENTS];
    int notifyFd; /* seccomp listener for the container's sysinfo(2), or -1 */
    struct timespec started; /* CLOCK_BOOTTIME when init was cloned */
    char *memoryDir; /* the container's memory cgroup, or NULL */
    bool memoryV2; /* memoryDir has cgroup v2 files */
    char *pidsDir; /* the container's cgroup with pids.current, or NULL */
};

/* Serves the monitor and the console until init ends; then writes the
 * exit file, tells the clients and returns the supervisor's exit code. */
int virCTSupervisorLoop(virCTSupervisor *sup);

/* Answers one pending sysinfo(2) of the container from its cgroups:
 * memory limit and use, swap, process count and the container's uptime;
 * the rest (load averages) is the host's. */
void virCTSupervisorSysinfoHandle(virCTSupervisor *sup);

/* Notes the cgroups of sup->pid as the container's (looked up at the
 * first question otherwise): for a restore, while the restorer is in
 * them. */
void virCTSupervisorSysinfoFindCgroups(virCTSupervisor *sup);

/* Records the end of init: exit file (atomically), "exited" event to
 * every monitor client, removal of the monitor socket.  @how is "exit"
 * or "signal".  Returns 0, or -1 when the exit file could not be written. */
int virCTSupervisorFinish(virCTSupervisor *sup, const char *how, int code);
