/*
 * ct_stats.c: a container's statistics, from its cgroup and its layer
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A container is the whole domain: its CPU time, memory and block I/O are
 * those of its cgroup, its disk is its layer.  libvirt's virCgroup reads
 * most of it; what libvirt 9.0 has no getter for (the events and the
 * hierarchical totals of memory.stat, per-CPU time on a hybrid host, the
 * process count) is read here from the cgroup's files.  None of it needs
 * a job: everything is read under the domain's lock, which a stop needs
 * to drop the cgroup.
 */

#include <config.h>

#include "ct_stats.h"
#include "ct_cgroup.h"
#include "ct_domain.h"
#include "ct_domain_api.h"
#include "ct_layer.h"
#include "ct_net.h"
#include "ct_process.h"
#include "ct_resource.h"

#include "datatypes.h"
#include "viraccessapicheck.h"
#include "vircgroup.h"
#include "virerror.h"
#include "virfile.h"
#include "virhostcpu.h"
#include "virlog.h"
#include "virstring.h"
#include "virtypedparam.h"
#include "virutil.h"

#define VIR_FROM_THIS VIR_FROM_LXC

VIR_LOG_INIT("ct.stats");

#define CT_STATS_FILE_MAX (1024 * 1024)

int
virCTStatsGetUsage(virDomainObj *vm, unsigned long long *cpuTime, unsigned long *memory)
{
    virCgroup *cgroup = virCTProcessGetCgroup(vm);

    if (!cgroup || virCgroupGetCpuacctUsage(cgroup, cpuTime) < 0 ||
        virCgroupGetMemoryUsage(cgroup, memory) < 0)
        return -1;
    return 0;
}

/* ---- memory ---------------------------------------------------------------- */

typedef enum {
    CT_STATS_BYTES,
    CT_STATS_PAGES,
    CT_STATS_EVENTS,
} ctStatsUnit;

/* Counters of memory.stat: the v1 name, then the v2 one.  The v1 total_
 * counters include the cgroups below, which systemd inside a container
 * creates; libvirt's virCgroupGetMemoryStat reads the plain ones, which
 * do not.  v2 counters are hierarchical already; v1 counts no swap-ins
 * or swap-outs. */
static const struct {
    const char *v1;
    const char *v2;
    int tag;
    ctStatsUnit unit;
} ctStatsMemoryCounters[] = {
    { "total_rss", "anon", VIR_DOMAIN_MEMORY_STAT_RSS, CT_STATS_BYTES },
    { "total_cache", "file", VIR_DOMAIN_MEMORY_STAT_DISK_CACHES, CT_STATS_BYTES },
    { NULL, "pswpin", VIR_DOMAIN_MEMORY_STAT_SWAP_IN, CT_STATS_PAGES },
    { NULL, "pswpout", VIR_DOMAIN_MEMORY_STAT_SWAP_OUT, CT_STATS_PAGES },
    { "total_pgmajfault", "pgmajfault", VIR_DOMAIN_MEMORY_STAT_MAJOR_FAULT, CT_STATS_EVENTS },
    { "total_pgfault", "pgfault", VIR_DOMAIN_MEMORY_STAT_MINOR_FAULT, CT_STATS_EVENTS },
};

/* The value of the line "@name VALUE" of @lines, if there is one. */
static bool
ctStatsFindCounter(char **lines, const char *name, unsigned long long *value)
{
    size_t len;
    size_t i;

    if (!name)
        return false;
    len = strlen(name);
    for (i = 0; lines[i]; i++) {
        if (STRPREFIX(lines[i], name) && lines[i][len] == ' ')
            return virStrToLong_ull(lines[i] + len + 1, NULL, 10, value) == 0;
    }
    return false;
}

static unsigned long long
ctStatsToKiB(unsigned long long value, ctStatsUnit unit)
{
    switch (unit) {
    case CT_STATS_BYTES:
        return value >> 10;
    case CT_STATS_PAGES:
        return value * virGetSystemPageSizeKB();
    case CT_STATS_EVENTS:
        break;
    }
    return value;
}

/* Fills @stats with the counters of ctStatsMemoryCounters that the
 * memory.stat of @cgroup has.  Returns how many, or -1 with an error. */
static int
ctStatsReadMemoryCounters(virCgroup *cgroup, virDomainMemoryStatStruct *stats)
{
    g_autofree char *path = NULL;
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    unsigned long long value;
    size_t i;
    int n = 0;

    if (virCgroupPathOfController(cgroup, VIR_CGROUP_CONTROLLER_MEMORY, "memory.stat", &path) < 0 ||
        virFileReadAll(path, CT_STATS_FILE_MAX, &text) < 0)
        return -1;
    lines = g_strsplit(text, "\n", 0);
    for (i = 0; i < G_N_ELEMENTS(ctStatsMemoryCounters); i++) {
        if (!ctStatsFindCounter(lines, ctStatsMemoryCounters[i].v1, &value) &&
            !ctStatsFindCounter(lines, ctStatsMemoryCounters[i].v2, &value))
            continue;
        stats[n].tag = ctStatsMemoryCounters[i].tag;
        stats[n++].val = ctStatsToKiB(value, ctStatsMemoryCounters[i].unit);
    }
    return n;
}

static void
ctStatsPut(virDomainMemoryStatStruct *stats, int *n, int tag, unsigned long long val)
{
    stats[*n].tag = tag;
    stats[(*n)++].val = val;
}

/* Fills @stats (VIR_DOMAIN_MEMORY_STAT_NR long) for the running @vm.  The
 * container's memory limit stands for the balloon: it is what the
 * container may use and what it sees as its memory.  Returns how many,
 * or -1 with an error reported. */
static int
ctStatsMemoryCollect(virDomainObj *vm, virCgroup *cgroup, virDomainMemoryStatStruct *stats)
{
    virDomainMemoryStatStruct counters[G_N_ELEMENTS(ctStatsMemoryCounters)];
    unsigned long long limit = virCTDomainMemoryLimit(vm->def);
    unsigned long long cache = 0;
    unsigned long long unused;
    unsigned long usage;
    int ncounters;
    int n = 0;
    int i;

    if (virCgroupGetMemoryUsage(cgroup, &usage) < 0 ||
        (ncounters = ctStatsReadMemoryCounters(cgroup, counters)) < 0)
        return -1;
    for (i = 0; i < ncounters; i++) {
        if (counters[i].tag == VIR_DOMAIN_MEMORY_STAT_DISK_CACHES)
            cache = counters[i].val;
    }
    /* the usage includes the page cache, which the kernel gives back
     * before the container would have to swap */
    unused = limit > usage ? limit - usage : 0;
    ctStatsPut(stats, &n, VIR_DOMAIN_MEMORY_STAT_ACTUAL_BALLOON, limit);
    ctStatsPut(stats, &n, VIR_DOMAIN_MEMORY_STAT_AVAILABLE, limit);
    ctStatsPut(stats, &n, VIR_DOMAIN_MEMORY_STAT_UNUSED, unused);
    ctStatsPut(stats, &n, VIR_DOMAIN_MEMORY_STAT_USABLE, MIN(limit, unused + cache));
    memcpy(stats + n, counters, ncounters * sizeof(*counters));
    n += ncounters;
    ctStatsPut(stats, &n, VIR_DOMAIN_MEMORY_STAT_LAST_UPDATE, time(NULL));
    return n;
}

static int
ctStatsMemory(virDomainObj *vm, virDomainMemoryStatPtr stats, unsigned int nr)
{
    virDomainMemoryStatStruct all[VIR_DOMAIN_MEMORY_STAT_NR];
    virCgroup *cgroup = virCTProcessGetCgroup(vm);
    int n;

    if (!cgroup || (n = ctStatsMemoryCollect(vm, cgroup, all)) < 0)
        return -1;
    if ((unsigned int)n > nr)
        n = nr;
    memcpy(stats, all, n * sizeof(*all));
    return n;
}

int
ctDomainMemoryStats(virDomainPtr dom, virDomainMemoryStatPtr stats, unsigned int nr_stats,
                    unsigned int flags)
{
    virDomainObj *vm;
    int ret = -1;

    virCheckFlags(0, -1);

    if (!(vm = ctDomObjFromDomain(dom)))
        return -1;
    if (virDomainMemoryStatsEnsureACL(dom->conn, vm->def) == 0)
        ret = ctStatsMemory(vm, stats, nr_stats);
    virDomainObjEndAPI(&vm);
    return ret;
}

/* ---- CPU ------------------------------------------------------------------- */

/* The per-CPU time (ns) of the running @vm, one value for each possible
 * CPU of the host, into *@times.  libvirt reads it only from a cpuacct
 * controller of its own, and on a hybrid host its cgroup v2 back end
 * claims cpuacct (cpu.stat has no per-CPU time): the container's cgroup
 * in the separate v1 cpuacct hierarchy has it.  A cgroup v2 host has it
 * nowhere.  Returns the count, or -1 with an error reported. */
static int
ctStatsReadPercpu(virDomainObj *vm, unsigned long long **times)
{
    const char *extra = CT_DOMAIN_PRIVATE(vm)->extraCgroupPath;
    g_autofree char *dir = extra ? virCTCgroupExtraDir("cpuacct", extra) : NULL;
    g_autofree char *path = NULL;
    g_autofree char *text = NULL;
    g_auto(GStrv) fields = NULL;
    g_autofree unsigned long long *values = NULL;
    size_t n;
    size_t i;

    if (dir)
        path = g_strdup_printf("%s/cpuacct.usage_percpu", dir);
    if (!path || !virFileExists(path)) {
        virReportError(
            VIR_ERR_OPERATION_UNSUPPORTED, "%s",
            _("per-CPU statistics need the cgroup v1 cpuacct controller, which this host does not have: only the total is known"));
        return -1;
    }
    if (virFileReadAll(path, CT_STATS_FILE_MAX, &text) < 0)
        return -1;
    fields = g_strsplit(g_strstrip(text), " ", 0);
    n = g_strv_length(fields);
    values = g_new0(unsigned long long, n);
    for (i = 0; i < n; i++) {
        if (virStrToLong_ull(fields[i], NULL, 10, &values[i]) < 0) {
            virReportError(VIR_ERR_INTERNAL_ERROR, _("unexpected value '%1$s' in '%2$s'"),
                           fields[i], path);
            return -1;
        }
    }
    *times = g_steal_pointer(&values);
    return n;
}

/* virDomainGetCPUStats of host CPUs @start .. @start + @ncpus - 1: the
 * container's time on each, the only per-CPU statistic. */
static int
ctStatsPercpu(virDomainObj *vm, virTypedParameterPtr params, unsigned int nparams, int start,
              unsigned int ncpus)
{
    g_autofree unsigned long long *times = NULL;
    int total;
    int i;

    if (nparams == 0 && ncpus != 0)
        return 1;
    if ((total = ctStatsReadPercpu(vm, &times)) < 0)
        return -1;
    if (ncpus == 0)
        return total;
    if (start >= total) {
        virReportError(VIR_ERR_INVALID_ARG, _("start_cpu %1$d is beyond the host's last CPU %2$d"),
                       start, total - 1);
        return -1;
    }
    for (i = start; i < total && (unsigned int)(i - start) < ncpus; i++) {
        if (virTypedParameterAssign(&params[(i - start) * nparams], VIR_DOMAIN_CPU_STATS_CPUTIME,
                                    VIR_TYPED_PARAM_ULLONG, times[i]) < 0)
            return -1;
    }
    return 1;
}

int
ctDomainGetCPUStats(virDomainPtr dom, virTypedParameterPtr params, unsigned int nparams,
                    int start_cpu, unsigned int ncpus, unsigned int flags)
{
    virCgroup *cgroup;
    virDomainObj *vm;
    int ret = -1;

    /* strings allowed or not: none is returned */
    virCheckFlags(VIR_TYPED_PARAM_STRING_OKAY, -1);

    if (!(vm = ctDomObjFromDomain(dom)))
        return -1;
    if (virDomainGetCPUStatsEnsureACL(dom->conn, vm->def) < 0 ||
        !(cgroup = virCTProcessGetCgroup(vm)))
        goto cleanup;
    if (start_cpu == -1)
        ret = virCgroupGetDomainTotalCpuStats(cgroup, params, nparams);
    else
        ret = ctStatsPercpu(vm, params, nparams, start_cpu, ncpus);

 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}

/* ---- block I/O ------------------------------------------------------------- */

typedef struct _ctStatsBlockIO ctStatsBlockIO;
struct _ctStatsBlockIO {
    long long rdBytes;
    long long rdReqs;
    long long wrBytes;
    long long wrReqs;
};

/* The root and every mount of a container share its one blkio cgroup:
 * block statistics are of the whole container, asked for as "" or "/". */
static int
ctStatsCheckBlockPath(const char *path)
{
    if (path && *path && STRNEQ(path, "/")) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("no disk '%1$s': block statistics are of the whole container, as '/'"),
                       path);
        return -1;
    }
    return 0;
}

static int
ctStatsReadBlockIO(virCgroup *cgroup, ctStatsBlockIO *io)
{
    return virCgroupGetBlkioIoServiced(cgroup, &io->rdBytes, &io->wrBytes, &io->rdReqs,
                                       &io->wrReqs);
}

static int
ctStatsBlock(virDomainObj *vm, const char *path, virDomainBlockStatsPtr stats)
{
    virCgroup *cgroup;
    ctStatsBlockIO io;

    if (ctStatsCheckBlockPath(path) < 0 || !(cgroup = virCTProcessGetCgroup(vm)) ||
        ctStatsReadBlockIO(cgroup, &io) < 0)
        return -1;
    stats->rd_req = io.rdReqs;
    stats->rd_bytes = io.rdBytes;
    stats->wr_req = io.wrReqs;
    stats->wr_bytes = io.wrBytes;
    stats->errs = -1; /* not counted by the cgroup */
    return 0;
}

int
ctDomainBlockStats(virDomainPtr dom, const char *path, virDomainBlockStatsPtr stats)
{
    virDomainObj *vm;
    int ret = -1;

    if (!(vm = ctDomObjFromDomain(dom)))
        return -1;
    if (virDomainBlockStatsEnsureACL(dom->conn, vm->def) == 0)
        ret = ctStatsBlock(vm, path, stats);
    virDomainObjEndAPI(&vm);
    return ret;
}

/* The fields of virDomainBlockStatsFlags, in the order of ctStatsBlockIO */
static const char *const ctStatsBlockFields[] = {
    VIR_DOMAIN_BLOCK_STATS_READ_BYTES,
    VIR_DOMAIN_BLOCK_STATS_READ_REQ,
    VIR_DOMAIN_BLOCK_STATS_WRITE_BYTES,
    VIR_DOMAIN_BLOCK_STATS_WRITE_REQ,
};

/* virDomainBlockStatsFlags: with *@nparams 0, how many there are. */
static int
ctStatsBlockParams(virDomainObj *vm, const char *path, virTypedParameterPtr params, int *nparams)
{
    ctStatsBlockIO io;
    long long *values[] = { &io.rdBytes, &io.rdReqs, &io.wrBytes, &io.wrReqs };
    virCgroup *cgroup;
    int i;

    G_STATIC_ASSERT(G_N_ELEMENTS(values) == G_N_ELEMENTS(ctStatsBlockFields));

    if (ctStatsCheckBlockPath(path) < 0)
        return -1;
    if (*nparams == 0) {
        *nparams = G_N_ELEMENTS(ctStatsBlockFields);
        return 0;
    }
    if (!(cgroup = virCTProcessGetCgroup(vm)) || ctStatsReadBlockIO(cgroup, &io) < 0)
        return -1;
    if (*nparams > (int)G_N_ELEMENTS(ctStatsBlockFields))
        *nparams = G_N_ELEMENTS(ctStatsBlockFields);
    for (i = 0; i < *nparams; i++) {
        if (virTypedParameterAssign(&params[i], ctStatsBlockFields[i], VIR_TYPED_PARAM_LLONG,
                                    *values[i]) < 0)
            return -1;
    }
    return 0;
}

int
ctDomainBlockStatsFlags(virDomainPtr dom, const char *path, virTypedParameterPtr params,
                        int *nparams, unsigned int flags)
{
    virDomainObj *vm;
    int ret = -1;

    /* strings allowed or not: none is returned */
    virCheckFlags(VIR_TYPED_PARAM_STRING_OKAY, -1);

    if (!(vm = ctDomObjFromDomain(dom)))
        return -1;
    if (virDomainBlockStatsFlagsEnsureACL(dom->conn, vm->def) == 0)
        ret = ctStatsBlockParams(vm, path, params, nparams);
    virDomainObjEndAPI(&vm);
    return ret;
}

/* ---- vCPUs ----------------------------------------------------------------- */

/* A container has no virtual CPUs: <vcpu> is a limit of that many whole
 * CPUs.  So that tools adding up the time of each vCPU see the
 * container's CPU time, @total is split evenly among the @n vCPUs, the
 * first ones taking the remainder: the times always add up to it. */
static unsigned long long
ctStatsVcpuTime(unsigned long long total, unsigned int n, unsigned int i)
{
    return total / n + (i < total % n ? 1 : 0);
}

/* The host CPUs the container may run on: its cpuset, else all. */
static virBitmap *
ctStatsAllowedCpus(virDomainObj *vm)
{
    virCgroup *cgroup = CT_DOMAIN_PRIVATE(vm)->cgroup;
    g_autofree char *cpus = NULL;
    virBitmap *map = NULL;

    if (cgroup && virCgroupHasController(cgroup, VIR_CGROUP_CONTROLLER_CPUSET) &&
        virCgroupGetCpusetCpus(cgroup, &cpus) == 0 && virBitmapParse(cpus, &map, 0) == 0)
        return map;
    virResetLastError();
    return virHostCPUGetOnlineBitmap();
}

/* vcpuinfo: each vCPU with its share of the CPU time (ctStatsVcpuTime),
 * allowed on every CPU the container may run on. */
static int
ctStatsFillVcpus(virDomainObj *vm, virVcpuInfoPtr info, int maxinfo, unsigned char *cpumaps,
                 int maplen)
{
    unsigned int n = virDomainDefGetVcpus(vm->def);
    g_autoptr(virBitmap) allowed = ctStatsAllowedCpus(vm);
    unsigned long long total = 0;
    virCgroup *cgroup;
    size_t i;
    ssize_t cpu;

    if (!(cgroup = virCTProcessGetCgroup(vm)) || virCgroupGetCpuacctUsage(cgroup, &total) < 0 ||
        !allowed)
        return -1;
    n = MIN(n, maxinfo);
    for (i = 0; i < n; i++) {
        info[i].number = i;
        info[i].state = VIR_VCPU_RUNNING;
        info[i].cpuTime = ctStatsVcpuTime(total, n, i);
        info[i].cpu = -1;
        for (cpu = -1; cpumaps && (cpu = virBitmapNextSetBit(allowed, cpu)) >= 0;) {
            if (cpu / 8 < maplen)
                VIR_USE_CPU(VIR_GET_CPUMAP(cpumaps, maplen, i), cpu);
        }
    }
    return n;
}

int
ctDomainGetVcpus(virDomainPtr dom, virVcpuInfoPtr info, int maxinfo, unsigned char *cpumaps,
                 int maplen)
{
    virDomainObj *vm;
    int ret = -1;

    if (!(vm = ctDomObjFromDomain(dom)))
        return -1;
    if (virDomainGetVcpusEnsureACL(dom->conn, vm->def) < 0)
        goto cleanup;
    if (!virDomainObjIsActive(vm)) {
        virReportError(VIR_ERR_OPERATION_INVALID, "%s",
                       _("cannot list CPUs of an inactive container"));
        goto cleanup;
    }
    if (cpumaps)
        memset(cpumaps, 0, (size_t)maxinfo * maplen);
    ret = ctStatsFillVcpus(vm, info, maxinfo, cpumaps, maplen);

 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}

/* ---- virConnectGetAllDomainStats ------------------------------------------- */

/* What one record is made of: the domain, its cgroup (NULL when it does
 * not run) and the use of its layer, read once for "block" and "ct.disk". */
typedef struct _ctStatsRecordData ctStatsRecordData;
struct _ctStatsRecordData {
    virCTDriver *driver;
    virDomainObj *vm;
    virCgroup *cgroup;
    int diskRc; /* of virCTLayerGetUsage: 1 with @disk filled, else 0 */
    virCTDiskUsage disk;
    int cpuTimeRc; /* of ctStatsCpuTime: 0 unread, 1 read, -1 unreadable */
    unsigned long long cpuTime;
};

/* One container's unreadable statistic must not fail everyone's: it is
 * logged and left out.  Returns 0. */
static int
ctStatsSkip(virDomainObj *vm, const char *what)
{
    VIR_WARN("cannot read the %s of '%s', left out of its statistics: %s", what, vm->def->name,
             virGetLastErrorMessage());
    virResetLastError();
    return 0;
}

/* The container's CPU time, read once for "cpu" and "vcpu" (and logged
 * once when it cannot be).  Returns 0 or -1. */
static int
ctStatsCpuTime(ctStatsRecordData *data, unsigned long long *total)
{
    if (data->cpuTimeRc == 0) {
        data->cpuTimeRc = virCgroupGetCpuacctUsage(data->cgroup, &data->cpuTime) < 0 ? -1 : 1;
        if (data->cpuTimeRc < 0)
            ctStatsSkip(data->vm, "CPU time");
    }
    *total = data->cpuTime;
    return data->cpuTimeRc > 0 ? 0 : -1;
}

static int
ctStatsRecordState(ctStatsRecordData *data, virTypedParamList *params)
{
    int reason;
    int state = virDomainObjGetState(data->vm, &reason);

    if (virTypedParamListAddInt(params, state, "state.state") < 0 ||
        virTypedParamListAddInt(params, reason, "state.reason") < 0)
        return -1;
    return 0;
}

static int
ctStatsRecordProcesses(ctStatsRecordData *data, virTypedParamList *params)
{
    g_autofree char *dir =
        virCTResourcePidsDir(data->cgroup, CT_DOMAIN_PRIVATE(data->vm)->extraCgroupPath);
    unsigned long long current;
    unsigned long long max;

    if (!dir || virCTCgroupGetPids(dir, &current, &max) < 0)
        return ctStatsSkip(data->vm, "process count");
    if (virTypedParamListAddULLong(params, current, "ct.processes.current") < 0 ||
        virTypedParamListAddULLong(params, max, "ct.processes.max") < 0)
        return -1;
    return 0;
}

/* ct.*: what a container has and a VM has not.  libvirt's groups are a
 * fixed public set with no bit for a driver's own fields, so these come
 * with "state", the group every default query (and plain virsh domstats)
 * asks for; clients skip fields they do not know. */
static int
ctStatsRecordCustom(ctStatsRecordData *data, virTypedParamList *params)
{
    if (data->cgroup && ctStatsRecordProcesses(data, params) < 0)
        return -1;
    if (data->diskRc <= 0)
        return 0;
    if (virTypedParamListAddULLong(params, data->disk.used, "ct.disk.used") < 0 ||
        virTypedParamListAddULLong(params, data->disk.capacity, "ct.disk.capacity") < 0)
        return -1;
    /* the image of a stopped container tells its size, not its inodes */
    if (data->disk.inodes &&
        (virTypedParamListAddULLong(params, data->disk.inodesUsed, "ct.disk.inodes.used") < 0 ||
         virTypedParamListAddULLong(params, data->disk.inodes, "ct.disk.inodes.capacity") < 0))
        return -1;
    return 0;
}

static int
ctStatsRecordCpuTotal(ctStatsRecordData *data, virTypedParamList *params)
{
    unsigned long long total;
    unsigned long long user;
    unsigned long long sys;

    if (ctStatsCpuTime(data, &total) < 0)
        return 0;
    if (virCgroupGetCpuacctStat(data->cgroup, &user, &sys) < 0)
        return ctStatsSkip(data->vm, "CPU time");
    if (virTypedParamListAddULLong(params, total, "cpu.time") < 0 ||
        virTypedParamListAddULLong(params, user, "cpu.user") < 0 ||
        virTypedParamListAddULLong(params, sys, "cpu.system") < 0)
        return -1;
    return 0;
}

/* The balloon.* field of each virDomainMemoryStatTags, as QEMU names them */
static const char *const ctStatsBalloonFields[VIR_DOMAIN_MEMORY_STAT_NR] = {
    [VIR_DOMAIN_MEMORY_STAT_SWAP_IN] = "swap_in",
    [VIR_DOMAIN_MEMORY_STAT_SWAP_OUT] = "swap_out",
    [VIR_DOMAIN_MEMORY_STAT_MAJOR_FAULT] = "major_fault",
    [VIR_DOMAIN_MEMORY_STAT_MINOR_FAULT] = "minor_fault",
    [VIR_DOMAIN_MEMORY_STAT_UNUSED] = "unused",
    [VIR_DOMAIN_MEMORY_STAT_AVAILABLE] = "available",
    [VIR_DOMAIN_MEMORY_STAT_ACTUAL_BALLOON] = "current",
    [VIR_DOMAIN_MEMORY_STAT_RSS] = "rss",
    [VIR_DOMAIN_MEMORY_STAT_USABLE] = "usable",
    [VIR_DOMAIN_MEMORY_STAT_LAST_UPDATE] = "last-update",
    [VIR_DOMAIN_MEMORY_STAT_DISK_CACHES] = "disk_caches",
};

static int
ctStatsRecordBalloon(ctStatsRecordData *data, virTypedParamList *params)
{
    virDomainMemoryStatStruct stats[VIR_DOMAIN_MEMORY_STAT_NR];
    int n;
    int i;

    if ((n = ctStatsMemoryCollect(data->vm, data->cgroup, stats)) < 0)
        n = ctStatsSkip(data->vm, "memory statistics");
    for (i = 0; i < n; i++) {
        const char *field = ctStatsBalloonFields[stats[i].tag];

        if (field && virTypedParamListAddULLong(params, stats[i].val, "balloon.%s", field) < 0)
            return -1;
    }
    return virTypedParamListAddULLong(params, virDomainDefGetMemoryTotal(data->vm->def),
                                      "balloon.maximum");
}

static int
ctStatsRecordVcpu(ctStatsRecordData *data, virTypedParamList *params)
{
    unsigned int n = virDomainDefGetVcpus(data->vm->def);
    unsigned long long total = 0;
    bool haveTime = ctStatsCpuTime(data, &total) == 0;
    unsigned int i;

    if (virTypedParamListAddUInt(params, n, "vcpu.current") < 0 ||
        virTypedParamListAddUInt(params, virDomainDefGetVcpusMax(data->vm->def), "vcpu.maximum") <
            0)
        return -1;
    for (i = 0; i < n; i++) {
        if (virTypedParamListAddInt(params, VIR_VCPU_RUNNING, "vcpu.%u.state", i) < 0)
            return -1;
        if (haveTime &&
            virTypedParamListAddULLong(params, ctStatsVcpuTime(total, n, i), "vcpu.%u.time", i) < 0)
            return -1;
    }
    return 0;
}

/* net.N.*: each interface's counters as the container sees them. */
static int
ctStatsRecordInterface(ctStatsRecordData *data, virTypedParamList *params)
{
    virDomainDef *def = data->vm->def;
    size_t i;

    if (virTypedParamListAddUInt(params, def->nnets, "net.count") < 0)
        return -1;
    for (i = 0; i < def->nnets; i++) {
        virDomainNetDef *net = def->nets[i];
        virDomainInterfaceStatsStruct st = { 0 };
        const char *name = net->ifname ? net->ifname : net->ifname_guest;

        if (virTypedParamListAddString(params, name, "net.%zu.name", i) < 0)
            return -1;
        if (virCTNetGetStats(data->vm, net, &st) < 0) {
            ctStatsSkip(data->vm, "interface counters");
            continue;
        }
        if (virTypedParamListAddULLong(params, st.rx_bytes, "net.%zu.rx.bytes", i) < 0 ||
            virTypedParamListAddULLong(params, st.rx_packets, "net.%zu.rx.pkts", i) < 0 ||
            virTypedParamListAddULLong(params, st.rx_errs, "net.%zu.rx.errs", i) < 0 ||
            virTypedParamListAddULLong(params, st.rx_drop, "net.%zu.rx.drop", i) < 0 ||
            virTypedParamListAddULLong(params, st.tx_bytes, "net.%zu.tx.bytes", i) < 0 ||
            virTypedParamListAddULLong(params, st.tx_packets, "net.%zu.tx.pkts", i) < 0 ||
            virTypedParamListAddULLong(params, st.tx_errs, "net.%zu.tx.errs", i) < 0 ||
            virTypedParamListAddULLong(params, st.tx_drop, "net.%zu.tx.drop", i) < 0)
            return -1;
    }
    return 0;
}

/* block.0.{rd,wr}.*: the I/O of the whole container (see
 * ctStatsCheckBlockPath), counted with its root. */
static int
ctStatsRecordBlockIO(ctStatsRecordData *data, virTypedParamList *params)
{
    ctStatsBlockIO io;

    if (ctStatsReadBlockIO(data->cgroup, &io) < 0)
        return ctStatsSkip(data->vm, "block I/O");
    if (virTypedParamListAddULLong(params, io.rdReqs, "block.0.rd.reqs") < 0 ||
        virTypedParamListAddULLong(params, io.rdBytes, "block.0.rd.bytes") < 0 ||
        virTypedParamListAddULLong(params, io.wrReqs, "block.0.wr.reqs") < 0 ||
        virTypedParamListAddULLong(params, io.wrBytes, "block.0.wr.bytes") < 0)
        return -1;
    return 0;
}

/* block.*: the root's layer, as "/"; its inodes beside the bytes. */
static int
ctStatsRecordBlock(ctStatsRecordData *data, virTypedParamList *params)
{
    virDomainFSDef *fs = virCTLayerTemplateRoot(data->vm->def);
    g_autoptr(virCTLayerPaths) paths = NULL;

    if (virTypedParamListAddUInt(params, data->diskRc, "block.count") < 0)
        return -1;
    if (data->diskRc <= 0)
        return 0;
    paths = virCTLayerPathsOf(data->driver, data->vm->def);
    if (virTypedParamListAddString(params, "/", "block.0.name") < 0 ||
        virTypedParamListAddString(params, fs->space_hard_limit ? paths->image : paths->upper,
                                   "block.0.path") < 0 ||
        virTypedParamListAddULLong(params, data->disk.used, "block.0.allocation") < 0 ||
        virTypedParamListAddULLong(params, data->disk.capacity, "block.0.capacity") < 0 ||
        virTypedParamListAddULLong(params, data->disk.physical, "block.0.physical") < 0 ||
        virTypedParamListAddULLong(params, data->disk.inodesUsed, "block.0.inodes.allocation") <
            0 ||
        virTypedParamListAddULLong(params, data->disk.inodes, "block.0.inodes.capacity") < 0)
        return -1;
    if (fs->space_soft_limit &&
        virTypedParamListAddULLong(params, fs->space_soft_limit, "block.0.soft_limit") < 0)
        return -1;
    if (data->cgroup && ctStatsRecordBlockIO(data, params) < 0)
        return -1;
    return 0;
}

typedef int (*ctStatsGroupFunc)(ctStatsRecordData *data, virTypedParamList *params);

/* The groups, in the order reported; @live: only while the container runs */
static const struct {
    unsigned int group;
    ctStatsGroupFunc collect;
    bool live;
} ctStatsGroups[] = {
    { VIR_DOMAIN_STATS_STATE, ctStatsRecordState, false },
    { VIR_DOMAIN_STATS_STATE, ctStatsRecordCustom, false },
    { VIR_DOMAIN_STATS_CPU_TOTAL, ctStatsRecordCpuTotal, true },
    { VIR_DOMAIN_STATS_BALLOON, ctStatsRecordBalloon, true },
    { VIR_DOMAIN_STATS_VCPU, ctStatsRecordVcpu, true },
    { VIR_DOMAIN_STATS_INTERFACE, ctStatsRecordInterface, true },
    { VIR_DOMAIN_STATS_BLOCK, ctStatsRecordBlock, false },
};

#define CT_STATS_SUPPORTED                                                            \
    (VIR_DOMAIN_STATS_STATE | VIR_DOMAIN_STATS_CPU_TOTAL | VIR_DOMAIN_STATS_BALLOON | \
     VIR_DOMAIN_STATS_VCPU | VIR_DOMAIN_STATS_INTERFACE | VIR_DOMAIN_STATS_BLOCK)

static virDomainStatsRecordPtr
ctStatsRecord(virConnectPtr conn, virCTDriver *driver, virDomainObj *vm, unsigned int stats)
{
    g_autoptr(virTypedParamList) params = g_new0(virTypedParamList, 1);
    ctStatsRecordData data = { .driver = driver, .vm = vm };
    virDomainStatsRecordPtr record;
    size_t i;

    if (virDomainObjIsActive(vm))
        data.cgroup = CT_DOMAIN_PRIVATE(vm)->cgroup;
    if ((stats & (VIR_DOMAIN_STATS_STATE | VIR_DOMAIN_STATS_BLOCK)) &&
        (data.diskRc = virCTLayerGetUsage(driver, vm->def, false, &data.disk)) < 0)
        data.diskRc = ctStatsSkip(vm, "disk usage");
    for (i = 0; i < G_N_ELEMENTS(ctStatsGroups); i++) {
        if (!(stats & ctStatsGroups[i].group) || (ctStatsGroups[i].live && !data.cgroup))
            continue;
        if (ctStatsGroups[i].collect(&data, params) < 0)
            return NULL;
    }
    record = g_new0(virDomainStatsRecord, 1);
    record->dom = virGetDomain(conn, vm->def->name, vm->def->uuid, vm->def->id);
    record->nparams = virTypedParamListStealParams(params, &record->params);
    return record;
}

/* The groups to report: all known ones for 0; unknown ones are refused
 * only when the caller enforces them, else silently left out. */
static int
ctStatsCheckGroups(unsigned int *stats, unsigned int flags)
{
    if (*stats == 0) {
        *stats = CT_STATS_SUPPORTED;
    } else if ((flags & VIR_CONNECT_GET_ALL_DOMAINS_STATS_ENFORCE_STATS) &&
               (*stats & ~CT_STATS_SUPPORTED)) {
        virReportError(VIR_ERR_ARGUMENT_UNSUPPORTED,
                       _("statistics groups 0x%1$x are not supported yet"),
                       *stats & ~CT_STATS_SUPPORTED);
        return -1;
    }
    return 0;
}

/* One thread's share of ctStatsRecords(): every @step-th domain from
 * @first. */
typedef struct {
    virConnectPtr conn;
    virCTDriver *driver;
    virDomainObj **vms;
    size_t nvms;
    unsigned int stats;
    virDomainStatsRecordPtr *records;
    size_t first;
    size_t step;
    bool failed; /* a record could not be built */
    virErrorPtr error; /* why */
} ctStatsShare;

static void
ctStatsShareRun(void *opaque)
{
    ctStatsShare *share = opaque;
    size_t i;

    for (i = share->first; i < share->nvms; i += share->step) {
        virObjectLock(share->vms[i]);
        share->records[i] = ctStatsRecord(share->conn, share->driver, share->vms[i], share->stats);
        virObjectUnlock(share->vms[i]);
        if (!share->records[i]) {
            share->failed = true;
            virErrorPreserveLast(&share->error);
            return;
        }
    }
}

/* Reading a container's statistics is a dozen small reads of cgroup
 * files, about 0.1 ms: with many containers, the CPUs of the host share
 * them (one thread per CT_STATS_SHARE_MIN domains, at most
 * CT_STATS_SHARE_MAX threads). */
#define CT_STATS_SHARE_MIN 64
#define CT_STATS_SHARE_MAX 8

/* The records of @vms (each released), in their order; NULL only when a
 * record cannot be built at all. */
static virDomainStatsRecordPtr *
ctStatsRecords(virConnectPtr conn, virCTDriver *driver, virDomainObj **vms, size_t nvms,
               unsigned int stats)
{
    virDomainStatsRecordPtr *records = g_new0(virDomainStatsRecordPtr, nvms + 1);
    size_t nshares =
        MIN(MIN((size_t)g_get_num_processors(), CT_STATS_SHARE_MAX), nvms / CT_STATS_SHARE_MIN);
    g_autofree ctStatsShare *shares = NULL;
    g_autofree virThread *threads = NULL;
    g_autofree bool *started = NULL;
    virErrorPtr error = NULL;
    bool failed = false;
    size_t i;
    size_t n;

    nshares = MAX(nshares, 1);
    shares = g_new0(ctStatsShare, nshares);
    threads = g_new0(virThread, nshares);
    started = g_new0(bool, nshares);
    for (i = 0; i < nshares; i++) {
        shares[i] =
            (ctStatsShare){ conn, driver, vms, nvms, stats, records, i, nshares, false, NULL };
        /* share 0 is this thread's; a thread that cannot be made: here too */
        started[i] = i > 0 && virThreadCreateFull(&threads[i], true, ctStatsShareRun, "ct-stats",
                                                  false, &shares[i]) == 0;
    }
    for (i = 0; i < nshares; i++) {
        if (!started[i])
            ctStatsShareRun(&shares[i]);
    }
    for (i = 0; i < nshares; i++) {
        if (started[i])
            virThreadJoin(&threads[i]);
        failed |= shares[i].failed;
        if (shares[i].error && !error)
            error = g_steal_pointer(&shares[i].error);
        virFreeError(shares[i].error);
    }
    virObjectListFreeCount(vms, nvms);
    if (!failed)
        return records;
    /* the records built, first, so that the list ends at its first NULL */
    for (i = 0, n = 0; i < nvms; i++) {
        if (records[i])
            records[n++] = records[i];
    }
    records[n] = NULL;
    virDomainStatsRecordListFree(records);
    if (error)
        virErrorRestore(&error);
    else
        virReportError(VIR_ERR_INTERNAL_ERROR, "%s", _("cannot build the statistics records"));
    return NULL;
}

int
ctConnectGetAllDomainStats(virConnectPtr conn, virDomainPtr *doms, unsigned int ndoms,
                           unsigned int stats, virDomainStatsRecordPtr **retStats,
                           unsigned int flags)
{
    virCTDriver *driver = conn->privateData;
    virDomainObj **vms = NULL;
    size_t nvms = 0;
    unsigned int lflags = flags & (VIR_CONNECT_LIST_DOMAINS_FILTERS_ACTIVE |
                                   VIR_CONNECT_LIST_DOMAINS_FILTERS_PERSISTENT |
                                   VIR_CONNECT_LIST_DOMAINS_FILTERS_STATE);

    virCheckFlags(VIR_CONNECT_LIST_DOMAINS_FILTERS_ACTIVE |
                      VIR_CONNECT_LIST_DOMAINS_FILTERS_PERSISTENT |
                      VIR_CONNECT_LIST_DOMAINS_FILTERS_STATE |
                      VIR_CONNECT_GET_ALL_DOMAINS_STATS_ENFORCE_STATS,
                  -1);

    if (virConnectGetAllDomainStatsEnsureACL(conn) < 0 || ctStatsCheckGroups(&stats, flags) < 0)
        return -1;
    if (ndoms) {
        if (virDomainObjListConvert(driver->domains, conn, doms, ndoms, &vms, &nvms,
                                    virConnectGetAllDomainStatsCheckACL, lflags, true) < 0)
            return -1;
    } else {
        virDomainObjListCollect(driver->domains, conn, &vms, &nvms,
                                virConnectGetAllDomainStatsCheckACL, lflags);
    }
    if (!(*retStats = ctStatsRecords(conn, driver, vms, nvms, stats)))
        return -1;
    return nvms;
}


int
ctDomainInterfaceStats(virDomainPtr dom, const char *device, virDomainInterfaceStatsPtr stats)
{
    virDomainObj *vm;
    virDomainNetDef *net;
    int ret = -1;

    if (!(vm = ctDomObjFromDomain(dom)))
        return -1;
    if (virDomainInterfaceStatsEnsureACL(dom->conn, vm->def) < 0 || virDomainObjCheckActive(vm) < 0)
        goto cleanup;
    if (!(net = virDomainNetFind(vm->def, device)))
        goto cleanup;
    ret = virCTNetGetStats(vm, net, stats);

 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}

int
ctDomainInterfaceAddresses(virDomainPtr dom, virDomainInterfacePtr **ifaces, unsigned int source,
                           unsigned int flags)
{
    virDomainObj *vm;
    int ret = -1;

    virCheckFlags(0, -1);
    if (!(vm = ctDomObjFromDomain(dom)))
        return -1;
    if (virDomainInterfaceAddressesEnsureACL(dom->conn, vm->def, source) < 0 ||
        virDomainObjCheckActive(vm) < 0)
        goto cleanup;
    if (source >= VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LAST) {
        virReportError(VIR_ERR_ARGUMENT_UNSUPPORTED, _("unknown address source %1$u"), source);
        goto cleanup;
    }
    ret = virCTNetGetAddresses(vm, source, ifaces);

 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}
