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
#include "vircgroup.h"

/* Container init runs in this child of the cgroup that carries the
 * limits, in every hierarchy: its cgroup namespace root is the child,
 * so a root inside that mounts a hierarchy afresh only reaches files
 * without limits. */
#define CT_CGROUP_INIT "init"

/* Who owns the delegated part of a container's cgroups. */
typedef struct {
    uid_t uid;
    gid_t gid;
} virCTCgroupOwner;

/* The cgroup path of @pid in the v1 memory hierarchy (where libvirt placed
 * it; the parent of a CT_CGROUP_INIT there), or NULL on a host without one (cgroup v2).  Caller
 * frees. */
char *virCTCgroupPathOf(pid_t pid);

/* Whether the host mounts a v1 memory hierarchy, where
 * virCTCgroupPathOf() finds a path once libvirt placed a process. */
bool virCTCgroupHasV1Memory(void);

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

/* The cgroup path libvirt gives the machine @machineName in @partition
 * without systemd ("/machine/NAME.libvirt-ct"); computed before anything
 * is created, so it can be recorded first.  Caller frees. */
char *virCTCgroupMachinePath(const char *partition, const char *machineName);

/* Makes the v1 cpuset parent of the machine cgroup @path (the
 * partition) give its new children its CPUs and memory nodes
 * (cgroup.clone_children), if it exists: libvirt then copies values the
 * child has already, which the kernel takes without checking every
 * sibling and rebuilding the scheduling domains over all cpusets.  Best
 * effort: nothing changes but the speed when it cannot. */
void virCTCgroupPrepareCpusetParent(const char *path);

/* Creates CT_CGROUP_INIT below the container's cgroup @path in every
 * hierarchy where @pid is at @path, but v1 blkio (its throttling is not
 * hierarchical: a limit holds only for the cgroup's own tasks) and moves @pid there (copying a v1
 * cpuset's CPUs and nodes first).  @owner is given for a container with
 * a user namespace: the new cgroup and its
 * task and subtree files (never a limit) in the name=systemd and cgroup2
 * hierarchies are chowned to it, so a systemd in a user namespace can
 * build its tree, and @pid stays in @path in the v1 memory hierarchy
 * (its root cannot write the limits there). */
int virCTCgroupMakeInit(const char *path, pid_t pid, const virCTCgroupOwner *owner);

/* The cgroup carrying the limits for a task at @initPath: its parent
 * when @initPath ends in CT_CGROUP_INIT.  Caller frees. */
char *virCTCgroupLimitsPath(const char *initPath);

/* Sets the cpuset.mems of @cgroup, and of its CT_CGROUP_INIT child in
 * an order a v1 cpuset accepts. */
int virCTCgroupSetCpusetMems(virCgroup *cgroup, const char *mems);
/* The same for cpuset.cpus. */
int virCTCgroupSetCpusetCpus(virCgroup *cgroup, const char *cpus);
