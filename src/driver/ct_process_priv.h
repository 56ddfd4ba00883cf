/*
 * ct_process_priv.h: what the parts of ct_process.c share: the start and
 * stop (ct_process.c), the container's cgroups (ct_process_cgroup.c),
 * and how a container ends and is found again (ct_process_end.c)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * As in ct_process.h, a domain object passed in is locked, with a job
 * held by the caller.
 */

#pragma once

#include "ct_conf.h"
#include "ct_monitor.h"
#include "ct_plan.h"

/* Files a running container keeps in the state directory: its plan,
 * exit record, monitor socket and status file.  The status file goes
 * last: it is the record of what else there is to clean up. */
#define CT_PROCESS_N_STATE_FILES 4
extern const char *const virCTProcessStateFiles[CT_PROCESS_N_STATE_FILES];

/* The state file of @vm ending in @suffix (caller frees). */
char *virCTProcessStatePath(virCTDriver *driver, virDomainObj *vm, const char *suffix);

/* Whether @pid is a live (not zombie) ct-supervisor of @vm. */
bool virCTProcessIsSupervisor(virCTDriver *driver, virDomainObj *vm, pid_t pid);

/* Counts @vm among the running containers (@active) or not any more: a
 * daemon started with --timeout must not exit while containers run. */
void virCTProcessCountActive(virCTDriver *driver, virDomainObj *vm, bool active);

/* Kills init and waits until nothing of the container runs; with
 * @viaMonitor its supervisor is asked first, so it records the end. */
void virCTProcessKill(virCTDriver *driver, virDomainObj *vm, bool viaMonitor);

/* ---- ct_process_cgroup.c ---- */

/* "ct-<init pid>-<name>", the machine's and the cgroup's name (caller
 * frees). */
char *virCTProcessMachineName(virCTDriver *driver, virDomainObj *vm, pid_t initPid);

/* Records where the cgroup of @vm will be in its status file, before
 * anything is created.  Returns 0 or -1. */
int virCTProcessRecordCgroup(virCTDriver *driver, virDomainObj *vm, pid_t initPid);

/* Creates the container's cgroup with init inside; @changed tells
 * whether the status file must be saved again.  Returns 0 or -1. */
int virCTProcessSetupCgroup(virCTDriver *driver, virDomainObj *vm, const ctPlan *plan,
                            pid_t initPid, bool *changed);

/* Opens the container's cgroup from its recorded path, if not open. */
void virCTProcessOpenCgroup(virDomainObj *vm);

/* SIGKILL to every task in @cgroup until none is left (@vm unlocked
 * while it waits); @initfd: a pidfd of init, or -1. */
void virCTProcessKillCgroup(virDomainObj *vm, virCgroup *cgroup, int initfd);

/* Removes the cgroups of a stopped container: the extra hierarchies',
 * then the machine registration and libvirt's. */
void virCTProcessRemoveExtra(virDomainObj *vm);
void virCTProcessRemoveCgroup(virCTDriver *driver, virDomainObj *vm);

/* ---- ct_process_end.c ---- */

/* The monitor's callback: init of the container (@opaque) ended. */
void virCTProcessExitNotify(virCTMonitor *mon, virCTMonitorExitKind kind, int code, void *opaque);
