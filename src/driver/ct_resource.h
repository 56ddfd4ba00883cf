/*
 * ct_resource.h: a container's resource limits (memory, CPU, block IO,
 * processes) on its cgroup, at start and when changed live
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "domain_conf.h"
#include "vircgroup.h"

/* Applies every limit of @def to the container's @cgroup.  @extraPath is
 * the container's cgroup path in the v1 hierarchies libvirt does not
 * manage (pids), NULL on a cgroup v2 host, where pids.max lives in the
 * container's own directory.  Returns 0, or -1 with an error reported. */
int virCTResourceApply(virCgroup *cgroup, const char *extraPath, const virDomainDef *def);

/* The CFS quota @def asks for, in microseconds per @period: <cputune>'s
 * quota, else as many whole CPUs as the container has vCPUs. */
long long virCTResourceCpuQuota(const virDomainDef *def, unsigned long long *period);

/* The single groups of limits, for live changes. */
int virCTResourceApplyMemory(virCgroup *cgroup, const virDomainDef *def);
int virCTResourceCopyCpuLimit(virCgroup *cgroup, const virDomainDef *def, bool lift);
int virCTResourceApplyCpu(virCgroup *cgroup, const virDomainDef *def);
int virCTResourceApplyCpuset(virCgroup *cgroup, const virDomainDef *def);
int virCTResourceApplyProcesses(virCgroup *cgroup, const char *extraPath,
                                unsigned long long processes);

/* The directory of the container's pids.max; NULL with an error reported
 * when the host has no pids controller. */
char *virCTResourcePidsDir(virCgroup *cgroup, const char *extraPath);
