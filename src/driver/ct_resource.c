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
#include "virfile.h"
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

/* Writes @value to @dir/@file unless it holds that already: every write
 * of a CFS period or quota makes the kernel check the bandwidth of every
 * CPU cgroup of the host (tg_set_cfs_bandwidth walks the whole tree), a
 * cost that grows with the number of containers. */
static int
virCTResourceWriteInit(const char *dir, const char *file, const char *value)
{
    g_autofree char *path = g_strdup_printf("%s/%s", dir, file);
    g_autofree char *have = NULL;

    if (virFileReadAllQuiet(path, 128, &have) >= 0 && STREQ(g_strchomp(have), value))
        return 0;
    if (virFileWriteStr(path, value, 0) < 0) {
        virReportSystemError(errno, _("cannot write '%1$s' to '%2$s'"), value, path);
        return -1;
    }
    return 0;
}

/**
 * virCTResourceCopyCpuLimit:
 * @lift: only lift the copy (before the limit itself changes)
 *
 * LXCFS shows a container (in /proc/cpuinfo, cpu/online) the CPU limit
 * of init's own cgroup, the CT_CGROUP_INIT child of the one that carries
 * the limit: the child gets a copy.  v1 refuses a child's quota above its
 * parent's, so a change lifts the copy first and copies it again after.
 * Nothing to do before init's cgroup exists.  Returns 0 or -1.
 */
int
virCTResourceCopyCpuLimit(virCgroup *cgroup, const virDomainDef *def, bool lift)
{
    g_autofree char *dir = NULL;
    g_autofree char *v1Quota = NULL;
    g_autofree char *v2Max = NULL;
    g_autofree char *periodStr = NULL;
    g_autofree char *quotaStr = NULL;
    unsigned long long period;
    long long quota = virCTResourceCpuQuota(def, &period);

    if (!virCgroupHasController(cgroup, VIR_CGROUP_CONTROLLER_CPU) ||
        virCgroupPathOfController(cgroup, VIR_CGROUP_CONTROLLER_CPU, CT_CGROUP_INIT, &dir) < 0)
        return 0;
    v1Quota = g_strdup_printf("%s/cpu.cfs_quota_us", dir);
    v2Max = g_strdup_printf("%s/cpu.max", dir);
    periodStr = g_strdup_printf("%llu", period);
    if (virFileExists(v1Quota)) {
        if (lift || quota < 0)
            return virCTResourceWriteInit(dir, "cpu.cfs_quota_us", "-1");
        quotaStr = g_strdup_printf("%lld", quota);
        if (virCTResourceWriteInit(dir, "cpu.cfs_period_us", periodStr) < 0)
            return -1;
        return virCTResourceWriteInit(dir, "cpu.cfs_quota_us", quotaStr);
    }
    if (!virFileExists(v2Max))
        return 0;
    if (lift || quota < 0)
        quotaStr = g_strdup_printf("max %s", periodStr);
    else
        quotaStr = g_strdup_printf("%lld %s", quota, periodStr);
    return virCTResourceWriteInit(dir, "cpu.max", quotaStr);
}

int
virCTResourceApplyCpu(virCgroup *cgroup, const virDomainDef *def)
{
    unsigned long long period;
    long long quota = virCTResourceCpuQuota(def, &period);
    unsigned long long havePeriod = 0;
    long long haveQuota = 0;

    if (def->cputune.sharesSpecified && virCgroupSetCpuShares(cgroup, def->cputune.shares) < 0)
        return -1;
    /* what is already right is not written again (see
     * virCTResourceWriteInit); the copy is then only made sure of */
    if (virCgroupGetCpuCfsPeriod(cgroup, &havePeriod) < 0 ||
        virCgroupGetCpuCfsQuota(cgroup, &haveQuota) < 0)
        virResetLastError(); /* the writes below tell what is wrong */
    if (havePeriod == period && haveQuota == quota)
        return virCTResourceCopyCpuLimit(cgroup, def, false);
    if (havePeriod == period)
        period = 0;
    if (virCTResourceCopyCpuLimit(cgroup, def, true) < 0 ||
        virCgroupSetupCpuPeriodQuota(cgroup, period, quota) < 0)
        return -1;
    return virCTResourceCopyCpuLimit(cgroup, def, false);
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
