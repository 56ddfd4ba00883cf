/*
 * ct_cgroup.h: the cgroup hierarchies libvirt leaves alone, and the
 * process limit
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * libvirt 9.0 places a container in the v1 hierarchies it knows (cpu,
 * cpuset, memory, blkio, freezer, devices) or in its cgroup v2 directory.
 * It knows no pids controller and leaves cpuacct (when not co-mounted
 * with cpu) and name=systemd to others: on a v1 or hybrid host the
 * container gets a cgroup of the same path there too, so that its cgroup
 * namespace is its own everywhere (systemd inside needs name=systemd)
 * and the process limit has a home.
 */

#pragma once

#include "internal.h"

/* The cgroup path of @pid in the v1 memory hierarchy (where libvirt placed
 * it), or NULL on a host without one (cgroup v2).  Caller frees. */
char *virCTCgroupPathOf(pid_t pid);

/* Creates @path in each extra hierarchy present and moves @pid there. */
int virCTCgroupPlaceExtra(const char *path, pid_t pid);

/* Removes @path and the cgroups below it from the extra hierarchies,
 * once nothing runs there; failures are only logged. */
void virCTCgroupRemoveExtra(const char *path);

/* The directory of cgroup @extraPath in the extra hierarchy @hierarchy
 * ("pids", "cpuacct"), or NULL when the host does not mount it. */
char *virCTCgroupExtraDir(const char *hierarchy, const char *extraPath);

/* The directory holding the container's pids.max: the v1 pids
 * hierarchy's @extraPath, or with @extraPath NULL (cgroup v2) @unifiedDir,
 * the container's own directory.  NULL if there is none. */
char *virCTCgroupPidsDir(const char *extraPath, const char *unifiedDir);

/* Sets pids.max in @dir (@max 0: no limit).  On cgroup v2 the pids
 * controller is enabled for @dir first, from the hierarchy's top down. */
int virCTCgroupSetPidsMax(const char *dir, unsigned long long max);

/* Reads pids.current and pids.max (0: no limit) of @dir. */
int virCTCgroupGetPids(const char *dir, unsigned long long *current, unsigned long long *max);
