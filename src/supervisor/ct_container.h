/*
 * ct_container.h: the container child, from clone() to execve() of init
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <signal.h>

#include "ct_idmap.h"
#include "ct_mount.h"
#include "ct_plan.h"

typedef struct _virCTContainerArgs virCTContainerArgs;
struct _virCTContainerArgs {
    int syncSock; /* child end of the SOCK_SEQPACKET start socket */
    const char *consolePath; /* host path of the PTY slave */
    sigset_t sigmask; /* signal mask to restore before exec */
};

/* Runs in the freshly cloned child: installs the seccomp filter and
 * sends its listener on @args->syncSock, takes the idmapped trees and
 * waits for the supervisor's release ("G") there, builds the container's
 * file system, drops privileges and execs init.  Never returns: on any
 * failure it sends the error record on the socket and exits with status
 * 1; a successful exec closes the socket (it is close-on-exec). */
void virCTContainerRun(const ctPlan *plan, const virCTContainerArgs *args)
    __attribute__((noreturn));

/* For a restore (ct_restore.c), in a mount namespace of its own: the
 * container's root as a boot would make it (a template's overlay, a bound
 * or idmapped root, the host's for an application container), on a
 * staging tmpfs over /tmp where needed; @root gets its path.  @mounter,
 * a user namespace with the container's maps or -1, makes the overlay
 * (as the container's root does at a boot).  Returns 0, or -1 with the
 * error reported. */
int virCTContainerPrepareRoot(const ctPlan *plan, const virCTIdmapFds *fds, int mounter,
                              virCTRoot *root);

/* The staging directory where a restore attaches the idmapped tree of
 * plan->mounts[i]: "/tmp/mnt-<i>". */
#define CT_CONTAINER_STAGING_MOUNT "/tmp/mnt-%zu"
