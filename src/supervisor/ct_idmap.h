/*
 * ct_idmap.h: idmapped mounts of a container's file systems (supervisor)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Only the host's root may shift a file system of the host into a user
 * namespace, and a container's ids may not even look up the host paths
 * of its file systems.  So for a container with a user namespace the
 * supervisor makes detached copies of every one (idmapped where the plan
 * says so), once the id maps are written, and hands them to the child
 * over the start socket, one record each:
 *
 *   "lower" + fd    the template's directory  (plan root-template)
 *   "layer" + fd    the layer's directory     (plan root-template)
 *   "root" + fd     a bound root directory    (plan root)
 *   "mount N" + fd  the source of the bind plan->mounts[N]
 *   "G"             the container may go on
 *
 * Files stay stored with the ids they have inside (unshifted): the same
 * template serves every container, whatever its id range.
 */

#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "ct_plan.h"

#define CT_IDMAP_MAX_MOUNTS 64

/* Sends every mount @plan needs for the child @pid (whose id maps
 * are written) on @sock.  Returns 0, or -1 with the error reported. */
int virCTIdmapSendMounts(const ctPlan *plan, pid_t pid, int sock);

/* The host id that root inside maps to in @maps, or -1 without one. */
unsigned int virCTIdmapHostRoot(const ctPlanIdMap *maps, size_t n);

/* Writes setgroups "deny" and the plan's uid and gid maps for @pid, a
 * process in a new user namespace. */
int virCTIdmapWriteMaps(const ctPlan *plan, pid_t pid);

/* What the child received. */
typedef struct {
    int lower;
    int layer;
    int root;
    int mounts[CT_IDMAP_MAX_MOUNTS];
} virCTIdmapFds;

void virCTIdmapFdsInit(virCTIdmapFds *fds);

/* Closes every descriptor in @fds (and sets them to -1). */
void virCTIdmapFdsClose(virCTIdmapFds *fds);

/* In the child: stores the descriptor of one record; returns 1 when the
 * record was one of ours, 0 when it was not, -1 for a bad one. */
int virCTIdmapFdsTake(virCTIdmapFds *fds, const char *record, int fd);

/* For a restore (ct_restore.h), which has no child in the container's
 * user namespace yet: a user namespace with the plan's maps and nothing
 * in it (its descriptor, or -1 with the error reported), and the same
 * trees as for a boot into @fds, shifted by it. */
int virCTIdmapMakeUserns(const ctPlan *plan);
int virCTIdmapCloneAll(const ctPlan *plan, int userns, virCTIdmapFds *fds);
