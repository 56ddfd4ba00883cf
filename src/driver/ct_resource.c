/*
 * ct_resource.c: a container's resource limits on its cgroup
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Everything goes through libvirt's virCgroup, which writes the v1 or v2
 * files of the host, except the process limit (libvirt 9.0 has no pids
 * controller; see ct_cgroup.h).  A container has no virtual CPUs: its
 * <vcpu> count is a limit of that many whole CPUs, enforced as a CFS
 * quota unless <cputune> gives one itself.
 */

#include <config.h>

#include "ct_resource.h"
#include "ct_cgroup.h"
#include "ct_domain.h"

#include "domain_cgroup.h"
#include "virerror.h"
#include "virlog.h"
#include "virutil.h"

#define VIR_FROM_THIS VIR_FROM_CGROUP

VIR_LOG_INIT("ct.resource");

#define CT_RESOURCE_DEFAULT_PERIOD 100000ULL /* the kernel's CFS period, us */

/* In v1, memory.memsw.limit_in_bytes (memory + swap) may never be below
 * memory.limit_in_bytes: when the memory limit grows, swap goes first. */
int
virCTResourceApplyMemory(virCgroup *cgroup, const virDomainDef *def)
{
    unsigned long long limit = virCTDomainMemoryLimit(def);
    bool swap = virMemoryLimitIsSet(def->mem.swap_hard_limit);
    unsigned long long current = 0;

    if (swap && virCgroupGetMemoryHardLimit(cgroup, &current) < 0)
        return -1;
    if (swap && limit > current &&
        virCgroupSetMemSwapHardLimit(cgroup, def->mem.swap_hard_limit) < 0)
        return -1;
    if (virCgroupSetMemoryHardLimit(cgroup, limit) < 0)
        return -1;
    if (swap && limit <= current &&
        virCgroupSetMemSwapHardLimit(cgroup, def->mem.swap_hard_limit) < 0)
        return -1;
    if (virMemoryLimitIsSet(def->mem.soft_limit) &&
        virCgroupSetMemorySoftLimit(cgroup, def->mem.soft_limit) < 0)
        return -1;
    return 0;
}

long long
virCTResourceCpuQuota(const virDomainDef *def, unsigned long long *period)
{
    *period = def->cputune.period ? def->cputune.period : CT_RESOURCE_DEFAULT_PERIOD;
    if (def->cputune.quota)
        return def->cputune.quota;
    return (long long)virDomainDefGetVcpus(def) * *period;
}

int
virCTResourceApplyCpu(virCgroup *cgroup, const virDomainDef *def)
{
    unsigned long long period;
    long long quota = virCTResourceCpuQuota(def, &period);

    if (def->cputune.sharesSpecified && virCgroupSetCpuShares(cgroup, def->cputune.shares) < 0)
        return -1;
    return virCgroupSetupCpuPeriodQuota(cgroup, period, quota);
}

/* Pinning (<vcpu cpuset>) and memory nodes (<numatune> strict). */
int
virCTResourceApplyCpuset(virCgroup *cgroup, const virDomainDef *def)
{
    virDomainNumatuneMemMode mode;
    g_autofree char *mems = NULL;

    if (def->cpumask && virDomainCgroupSetupCpusetCpus(cgroup, def->cpumask) < 0)
        return -1;
    if (virDomainNumatuneGetMode(def->numa, -1, &mode) < 0 ||
        mode != VIR_DOMAIN_NUMATUNE_MEM_STRICT)
        return 0;
    if (virDomainNumatuneMaybeFormatNodeset(def->numa, NULL, &mems, -1) < 0)
        return -1;
    if (mems && virCgroupSetCpusetMems(cgroup, mems) < 0)
        return -1;
    return 0;
}

char *
virCTResourcePidsDir(virCgroup *cgroup, const char *extraPath)
{
    g_autofree char *unified = NULL;
    char *dir;

    if (!extraPath && virCgroupHasController(cgroup, VIR_CGROUP_CONTROLLER_MEMORY) &&
        virCgroupPathOfController(cgroup, VIR_CGROUP_CONTROLLER_MEMORY, NULL, &unified) < 0)
        return NULL;
    if (!(dir = virCTCgroupPidsDir(extraPath, unified)))
        virReportError(VIR_ERR_OPERATION_UNSUPPORTED, "%s",
                       _("the host has no pids cgroup controller for a process limit"));
    return dir;
}

int
virCTResourceApplyProcesses(virCgroup *cgroup, const char *extraPath, unsigned long long processes)
{
    g_autofree char *dir = virCTResourcePidsDir(cgroup, extraPath);

    if (!dir)
        return -1;
    return virCTCgroupSetPidsMax(dir, processes);
}

static bool
virCTResourceHasBlkio(const virDomainDef *def)
{
    return def->blkio.weight || def->blkio.ndevices;
}

int
virCTResourceApply(virCgroup *cgroup, const char *extraPath, const virDomainDef *def)
{
    const virCTDomainNamespaceDef *ns = virCTDomainGetNamespaceDef(def);

    if (virCTResourceApplyMemory(cgroup, def) < 0 || virCTResourceApplyCpu(cgroup, def) < 0 ||
        virCTResourceApplyCpuset(cgroup, def) < 0)
        return -1;
    if (virCTResourceHasBlkio(def) && virDomainCgroupSetupBlkio(cgroup, def->blkio) < 0)
        return -1;
    if (ns && ns->processes && virCTResourceApplyProcesses(cgroup, extraPath, ns->processes) < 0)
        return -1;
    return 0;
}
