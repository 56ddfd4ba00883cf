/*
 * ct_process.h: start, stop and reconnection of containers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * All functions taking a domain object expect it locked, with a job
 * (virDomainObjBeginJob) held by the caller.
 */

#pragma once

#include "ct_conf.h"
#include "ct_plan.h"
#include "vircgroup.h"

typedef enum {
    VIR_CT_PROCESS_START_PAUSED = 1 << 0, /* freeze it once init runs */
    VIR_CT_PROCESS_START_AUTODESTROY = 1 << 1, /* stop it when @conn closes */
} virCTProcessStartFlags;

/* Starts the container of @vm: plan, supervisor, cgroup, init.  On
 * failure everything done so far is undone and the first error is
 * reported.  Returns 0 or -1. */
int virCTProcessStart(virCTDriver *driver, virDomainObj *vm, virConnectPtr conn, unsigned int flags,
                      virDomainRunningReason reason);

/* As virCTProcessStart(), but CRIU brings the processes of the
 * checkpoint @restore describes back (its restore* fields; ct_save.c)
 * instead of a boot of init. */
int virCTProcessStartRestore(virCTDriver *driver, virDomainObj *vm, virConnectPtr conn,
                             unsigned int flags, virDomainRunningReason reason,
                             const ctPlan *restore);

/* Kills the container and cleans up after it (cgroup, state files);
 * @vm becomes inactive with @reason.  What cannot be removed is logged:
 * the domain is inactive all the same. */
void virCTProcessStop(virCTDriver *driver, virDomainObj *vm, virDomainShutoffReason reason);

/* The host PID of init of the running @vm; -1 with an error when it
 * does not run or is starting (the ID is the supervisor's or a restore's
 * then, in the host's namespaces). */
pid_t virCTProcessInitPid(virDomainObj *vm);

/* The cgroup of the running @vm; NULL with an error when it does not run
 * or its cgroup was not found again after a daemon restart. */
virCgroup *virCTProcessGetCgroup(virDomainObj *vm);

/* Freezes (@frozen true) or thaws every task of the container. */
int virCTProcessSetFrozen(virDomainObj *vm, bool frozen);

/* Sends @request to the supervisor of the running @vm (see
 * ct_monitor.h); returns the reply (caller frees) or NULL. */
char *virCTProcessMonitorRequest(virCTDriver *driver, virDomainObj *vm, const char *request);

/* Console relay descriptor of the running @vm, or -1. */
int virCTProcessOpenConsole(virCTDriver *driver, virDomainObj *vm, bool force);

/* Waits up to @ms with @vm unlocked (the caller holds a job); woken
 * early when init ends. */
void virCTProcessWaitMs(virDomainObj *vm, unsigned int ms);

/* After a shutdown or reboot request: kill the container if it is still
 * running after @seconds.  Replaces an earlier deadline. */
void virCTProcessArmStopTimer(virDomainObj *vm, unsigned int seconds);

/* At daemon start: find every container from its status file and
 * supervisor again, or clean up after the ones that ended meanwhile
 * (their cgroups from the path recorded before they were made); then
 * remove the state files of containers that do not run. */
void virCTProcessReconnectAll(virCTDriver *driver);

/* At daemon start: start the domains marked autostart. */
void virCTProcessAutostartAll(virCTDriver *driver);

/* The job function of the driver's worker pool (driver->workerPool,
 * @opaque the driver): handles an exit of init or a stop timer that
 * fired; @data is freed here. */
void virCTProcessWorker(void *data, void *opaque);

/* The close callback for autodestroy containers. */
void virCTProcessAutoDestroy(virDomainObj *vm, virConnectPtr conn);
