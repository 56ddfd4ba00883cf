/*
 * ct_restore.h: a container brought back from a checkpoint (supervisor)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <signal.h>
#include <sys/types.h>

#include "ct_console.h"
#include "ct_plan.h"

/* The keys the dump (the daemon's ct_save.c) gives the external mounts
 * of a container: its /dev/console, and plan->mounts[N]. */
#define CT_RESTORE_KEY_CONSOLE "ct-console"
#define CT_RESTORE_KEY_MOUNT "ct-mount-%zu"

/* Files CRIU writes into the image directory at a restore. */
#define CT_RESTORE_LOG "restore.log"
#define CT_RESTORE_PIDFILE "restore.pid"

/* Step 2 of a restore: forks the restorer (see ct_restore.c), which
 * prepares the root and waits; @pid, @pidfd and @sock (the restorer's
 * record socket) are set when it is ready.  @mask is the signal mask
 * CRIU runs with.  Returns 0, or -1 with the error reported (the
 * restorer is gone then, or @pid is set and the caller kills it). */
int virCTRestoreSpawn(const ctPlan *plan, const virCTConsole *console, const sigset_t *mask,
                      pid_t *pid, int *pidfd, int *sock);

/* Step 4 of a restore, once the daemon placed the restorer in the
 * container's cgroups: lets it become CRIU.  @listener gets the seccomp
 * listener of the restored processes' sysinfo(2) (ct_restore.c), or -1;
 * CRIU may ask it before it is done, so the caller answers it while it
 * waits for the restorer.  Returns 0 once CRIU runs, or -1 with the
 * error reported (and *@listener closed by the caller). */
int virCTRestoreRelease(int sock, int *listener);

/* Step 4, end: @status is the restorer's wait status.  @init gets the
 * host PID of the restored init, a child of the caller.  Returns 0, or
 * -1 with the error reported (CRIU's own, from its log; a restored init
 * in the wrong user namespace is killed). */
int virCTRestoreFinish(const ctPlan *plan, int status, pid_t *init);
