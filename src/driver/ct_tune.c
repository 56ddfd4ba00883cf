/*
 * ct_tune.c: entry points that change a container's resource limits,
 * live and in its definition
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every setter has the same shape: the typed parameters become one
 * change, checked against each definition it affects (live, persistent)
 * before anything is touched, then made on the running container's
 * cgroup and live definition (put back if the cgroup refuses: see
 * ctTuneUndo) and on the persistent definition, each saved at once.
 *
 * Here: memory, CPU time and processes, block IO; where a container
 * runs (memory nodes, CPU count, pinning) is ct_tune_cpu.c's.
 */

#include <config.h>

#include "ct_tune.h"
#include "ct_tune_priv.h"
#include "ct_cgroup.h"
#include "ct_domain.h"
#include "ct_domain_api.h"
#include "ct_process.h"
#include "ct_resource.h"

#include "datatypes.h"
#include "domain_cgroup.h"
#include "domain_driver.h"
#include "viraccessapicheck.h"
#include "virdomainjob.h"
#include "virerror.h"
#include "virhostcpu.h"
#include "virlog.h"
#include "virnuma.h"
#include "virtypedparam.h"
#include "virutil.h"

#define VIR_FROM_THIS VIR_FROM_LXC

VIR_LOG_INIT("ct.tune");

#define CT_TUNE_PROCESSES "processes" /* schedinfo field: <ct:processes> */
#define CT_TUNE_PERIOD_MIN 1000ULL /* the kernel's CFS bounds, us */
#define CT_TUNE_PERIOD_MAX 1000000ULL
#define CT_TUNE_QUOTA_MIN 1000LL
#define CT_TUNE_SHARES_MIN 2ULL /* cgroup v1 cpu.shares bounds */
#define CT_TUNE_SHARES_MAX 262144ULL

/* What a live change may have touched when the cgroup refuses it: the
 * memory, CPU and process limits (blkiotune and numatune are written
 * by libvirt's helpers, or to the cgroup first). */
typedef struct {
    virDomainMemtune mem;
    unsigned long long total;
    virDomainCputune cputune;
    unsigned int vcpus;
    unsigned long long processes;
} ctTuneSaved;

int
virCTTuneVcpusSet(virDomainDef *def, unsigned int nvcpus, virDomainXMLOption *xmlopt)
{
    if (virDomainDefSetVcpusMax(def, nvcpus, xmlopt) < 0 || virDomainDefSetVcpus(def, nvcpus) < 0)
        return -1;
    return 0;
}

static void
ctTuneSave(const virDomainDef *def, ctTuneSaved *saved)
{
    const virCTDomainNamespaceDef *ns = virCTDomainGetNamespaceDef(def);

    saved->mem = def->mem;
    saved->total = virDomainDefGetMemoryTotal(def);
    saved->cputune = def->cputune;
    saved->vcpus = virDomainDefGetVcpus(def);
    saved->processes = ns ? ns->processes : 0;
}

/* Puts the live definition and the container's limits back as saved,
 * keeping the error that made the change fail. */
static void
ctTuneUndo(virCTDriver *driver, virDomainObj *vm, const ctTuneSaved *saved)
{
    virCTDomainObjPrivate *priv = CT_DOMAIN_PRIVATE(vm);
    const virCTDomainNamespaceDef *ns = virCTDomainGetNamespaceDef(vm->def);
    bool processes = (ns ? ns->processes : 0) != saved->processes;
    virErrorPtr err;

    virErrorPreserveLast(&err);
    vm->def->mem = saved->mem;
    virDomainDefSetMemoryTotal(vm->def, saved->total);
    vm->def->cputune = saved->cputune;
    ignore_value(virCTTuneVcpusSet(vm->def, saved->vcpus, driver->xmlopt));
    if (processes)
        virCTDomainEnsureNamespaceDef(vm->def)->processes = saved->processes;
    if (priv->cgroup) {
        ignore_value(virCTResourceApplyMemory(priv->cgroup, vm->def));
        ignore_value(virCTResourceApplyCpu(priv->cgroup, vm->def));
        if (processes)
            ignore_value(
                virCTResourceApplyProcesses(priv->cgroup, priv->extraCgroupPath, saved->processes));
    }
    virErrorRestore(&err);
}

/* Called with a modify job on @vm. */
static int
ctTuneModify(virCTDriver *driver, virDomainObj *vm, unsigned int flags, const virCTTuneOps *ops,
             const void *change)
{
    virDomainDef *live;
    virDomainDef *persistent;

    if (virDomainObjGetDefs(vm, flags, &live, &persistent) < 0)
        return -1;
    if ((live && ops->check(live, change) < 0) ||
        (persistent && ops->check(persistent, change) < 0))
        return -1;
    if (live) {
        ctTuneSaved saved;

        ctTuneSave(live, &saved);
        if (ops->apply(vm, live, change) < 0) {
            ctTuneUndo(driver, vm, &saved);
            return -1;
        }
        if (virCTDriverSaveStatus(driver, vm) < 0)
            return -1;
    }
    if (persistent && (ops->apply(NULL, persistent, change) < 0 ||
                       virDomainDefSave(persistent, driver->xmlopt, driver->config->configDir) < 0))
        return -1;
    return 0;
}

int
virCTTuneRun(virDomainPtr dom, unsigned int flags, virCTTuneACL acl, const virCTTuneOps *ops,
             const void *change)
{
    virDomainObj *vm;
    int ret = -1;

    if (!(vm = ctDomObjFromDomain(dom)))
        return -1;
    if (acl(dom->conn, vm->def, flags) < 0 || virDomainObjBeginJob(vm, VIR_JOB_MODIFY) < 0)
        goto cleanup;
    ret = ctTuneModify(dom->conn->privateData, vm, flags, ops, change);
    virDomainObjEndJob(vm);

 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}

/* The definition a getter reads: live or persistent per @flags. */
virDomainObj *
virCTTuneGetBegin(virDomainPtr dom, unsigned int flags, int (*acl)(virConnectPtr, virDomainDef *),
                  virDomainDef **def)
{
    virDomainObj *vm;

    if (!(vm = ctDomObjFromDomain(dom)))
        return NULL;
    if (acl(dom->conn, vm->def) < 0 || !(*def = virDomainObjGetOneDef(vm, flags))) {
        virDomainObjEndAPI(&vm);
        return NULL;
    }
    return vm;
}

/* Hands the parameters of @list to a getter's caller the libvirt way:
 * with *@nparams 0 only their number, else at most *@nparams of them. */
int
virCTTuneCopyOut(virTypedParamList *list, virTypedParameterPtr params, int *nparams)
{
    virTypedParameterPtr all = NULL;
    size_t n = virTypedParamListStealParams(list, &all);
    size_t ncopy = 0;

    if (*nparams == 0) {
        *nparams = n;
    } else {
        ncopy = MIN(n, (size_t)*nparams);
        memcpy(params, all, ncopy * sizeof(*all));
        *nparams = ncopy;
    }
    if (n > ncopy)
        virTypedParamsClear(all + ncopy, n - ncopy);
    g_free(all);
    return 0;
}

/* ---- memory: memtune, setmem, setmaxmem ---- */

typedef struct {
    unsigned long long hard, soft, swap; /* KiB */
    bool hasHard, hasSoft, hasSwap;
    unsigned long long balloon, total; /* KiB; 0: unchanged */
} ctTuneMemory;

/* libvirt's "unlimited" comes as any value above the largest limit */
static unsigned long long
ctTuneMemoryValue(unsigned long long kib)
{
    return MIN(kib, VIR_DOMAIN_MEMORY_PARAM_UNLIMITED);
}

/* The memory limit the change would give (see virCTDomainMemoryLimit) */
static unsigned long long
ctTuneMemoryNewLimit(const virDomainDef *def, const ctTuneMemory *m, unsigned long long hard)
{
    unsigned long long limit = m->balloon ? m->balloon : def->mem.cur_balloon;

    if (m->total)
        limit = MIN(limit, m->total);
    if (virMemoryLimitIsSet(hard))
        limit = MIN(limit, hard);
    return limit;
}

static int
ctTuneMemoryCheck(const virDomainDef *def, const void *opaque)
{
    const ctTuneMemory *m = opaque;
    unsigned long long hard = m->hasHard ? m->hard : def->mem.hard_limit;
    unsigned long long swap = m->hasSwap ? m->swap : def->mem.swap_hard_limit;
    unsigned long long total = m->total ? m->total : virDomainDefGetMemoryTotal(def);

    if (virMemoryLimitIsSet(hard) && virMemoryLimitIsSet(swap) && hard > swap) {
        virReportError(
            VIR_ERR_INVALID_ARG,
            _("memory hard_limit (%1$llu KiB) must not be above swap_hard_limit (%2$llu KiB)"),
            hard, swap);
        return -1;
    }
    if (virMemoryLimitIsSet(swap) && ctTuneMemoryNewLimit(def, m, hard) > swap) {
        virReportError(
            VIR_ERR_INVALID_ARG,
            _("swap_hard_limit (%1$llu KiB) must not be below the memory limit (%2$llu KiB): it bounds memory and swap together"),
            swap, ctTuneMemoryNewLimit(def, m, hard));
        return -1;
    }
    if (m->balloon > total) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("memory %1$llu KiB is above the maximum memory %2$llu KiB of '%3$s'"),
                       m->balloon, total, def->name);
        return -1;
    }
    return 0;
}

static void
ctTuneMemorySet(virDomainDef *def, const ctTuneMemory *m)
{
    if (m->hasHard)
        def->mem.hard_limit = m->hard;
    if (m->hasSoft)
        def->mem.soft_limit = m->soft;
    if (m->hasSwap)
        def->mem.swap_hard_limit = m->swap;
    if (m->total) {
        virDomainDefSetMemoryTotal(def, m->total);
        def->mem.cur_balloon = MIN(def->mem.cur_balloon, m->total);
    }
    if (m->balloon)
        def->mem.cur_balloon = m->balloon;
}

/* A limit set back to "unlimited" is written as such: the start-up
 * path only writes limits that are set. */
static int
ctTuneMemoryApplyLive(virCgroup *cgroup, const virDomainDef *def, const ctTuneMemory *m)
{
    if (m->hasSwap && !virMemoryLimitIsSet(m->swap) &&
        virCgroupSetMemSwapHardLimit(cgroup, VIR_DOMAIN_MEMORY_PARAM_UNLIMITED) < 0)
        return -1;
    if (m->hasSoft && !virMemoryLimitIsSet(m->soft) &&
        virCgroupSetMemorySoftLimit(cgroup, VIR_DOMAIN_MEMORY_PARAM_UNLIMITED) < 0)
        return -1;
    return virCTResourceApplyMemory(cgroup, def);
}

static int
ctTuneMemoryApply(virDomainObj *vm, virDomainDef *def, const void *opaque)
{
    virCgroup *cgroup = NULL;

    if (vm && !(cgroup = virCTProcessGetCgroup(vm)))
        return -1;
    ctTuneMemorySet(def, opaque);
    return cgroup ? ctTuneMemoryApplyLive(cgroup, def, opaque) : 0;
}

static const virCTTuneOps ctTuneMemoryOps = { ctTuneMemoryCheck, ctTuneMemoryApply };

int
ctDomainSetMemoryParameters(virDomainPtr dom, virTypedParameterPtr params, int nparams,
                            unsigned int flags)
{
    ctTuneMemory m = { 0 };

    virCheckFlags(VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG, -1);
    if (virTypedParamsValidate(params, nparams, VIR_DOMAIN_MEMORY_HARD_LIMIT,
                               VIR_TYPED_PARAM_ULLONG, VIR_DOMAIN_MEMORY_SOFT_LIMIT,
                               VIR_TYPED_PARAM_ULLONG, VIR_DOMAIN_MEMORY_SWAP_HARD_LIMIT,
                               VIR_TYPED_PARAM_ULLONG, NULL) < 0)
        return -1;
    if ((m.hasHard =
             virTypedParamsGetULLong(params, nparams, VIR_DOMAIN_MEMORY_HARD_LIMIT, &m.hard) == 1))
        m.hard = ctTuneMemoryValue(m.hard);
    if ((m.hasSoft =
             virTypedParamsGetULLong(params, nparams, VIR_DOMAIN_MEMORY_SOFT_LIMIT, &m.soft) == 1))
        m.soft = ctTuneMemoryValue(m.soft);
    if ((m.hasSwap = virTypedParamsGetULLong(params, nparams, VIR_DOMAIN_MEMORY_SWAP_HARD_LIMIT,
                                             &m.swap) == 1))
        m.swap = ctTuneMemoryValue(m.swap);
    return virCTTuneRun(dom, flags, virDomainSetMemoryParametersEnsureACL, &ctTuneMemoryOps, &m);
}

/* An unset limit reads as "unlimited", as everywhere in libvirt. */
static unsigned long long
ctTuneMemoryShown(unsigned long long kib)
{
    return virMemoryLimitIsSet(kib) ? kib : VIR_DOMAIN_MEMORY_PARAM_UNLIMITED;
}

int
ctDomainGetMemoryParameters(virDomainPtr dom, virTypedParameterPtr params, int *nparams,
                            unsigned int flags)
{
    g_autoptr(virTypedParamList) list = g_new0(virTypedParamList, 1);
    virDomainDef *def;
    virDomainObj *vm;
    int ret = -1;

    virCheckFlags(VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG | VIR_TYPED_PARAM_STRING_OKAY,
                  -1);
    flags &= ~VIR_TYPED_PARAM_STRING_OKAY;
    if (!(vm = virCTTuneGetBegin(dom, flags, virDomainGetMemoryParametersEnsureACL, &def)))
        return -1;
    if (virTypedParamListAddULLong(list, ctTuneMemoryShown(def->mem.hard_limit),
                                   VIR_DOMAIN_MEMORY_HARD_LIMIT) < 0 ||
        virTypedParamListAddULLong(list, ctTuneMemoryShown(def->mem.soft_limit),
                                   VIR_DOMAIN_MEMORY_SOFT_LIMIT) < 0 ||
        virTypedParamListAddULLong(list, ctTuneMemoryShown(def->mem.swap_hard_limit),
                                   VIR_DOMAIN_MEMORY_SWAP_HARD_LIMIT) < 0)
        goto cleanup;
    ret = virCTTuneCopyOut(list, params, nparams);

 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}

int
ctDomainSetMemoryFlags(virDomainPtr dom, unsigned long newmem, unsigned int flags)
{
    ctTuneMemory m = { 0 };

    virCheckFlags(VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG | VIR_DOMAIN_MEM_MAXIMUM, -1);
    if (newmem == 0) {
        virReportError(VIR_ERR_INVALID_ARG, "%s", _("memory size must be above 0"));
        return -1;
    }
    /* a container's memory is not reserved: its maximum changes live too */
    if (flags & VIR_DOMAIN_MEM_MAXIMUM)
        m.total = newmem;
    else
        m.balloon = newmem;
    return virCTTuneRun(dom, flags & ~VIR_DOMAIN_MEM_MAXIMUM, virDomainSetMemoryFlagsEnsureACL,
                        &ctTuneMemoryOps, &m);
}

int
ctDomainSetMemory(virDomainPtr dom, unsigned long newmem)
{
    return ctDomainSetMemoryFlags(dom, newmem, VIR_DOMAIN_AFFECT_LIVE);
}

int
ctDomainSetMaxMemory(virDomainPtr dom, unsigned long newmax)
{
    return ctDomainSetMemoryFlags(dom, newmax, VIR_DOMAIN_AFFECT_CURRENT | VIR_DOMAIN_MEM_MAXIMUM);
}

/* ---- CPU and processes: schedinfo ---- */

typedef struct {
    unsigned long long shares, period, processes;
    long long quota;
    bool hasShares, hasPeriod, hasQuota, hasProcesses;
} ctTuneSched;

static int
ctTuneSchedCheck(const virDomainDef *def G_GNUC_UNUSED, const void *opaque)
{
    const ctTuneSched *c = opaque;

    if (c->hasShares && (c->shares < CT_TUNE_SHARES_MIN || c->shares > CT_TUNE_SHARES_MAX)) {
        virReportError(VIR_ERR_INVALID_ARG, _("cpu_shares %1$llu is out of range [%2$llu, %3$llu]"),
                       c->shares, CT_TUNE_SHARES_MIN, CT_TUNE_SHARES_MAX);
        return -1;
    }
    if (c->hasPeriod && (c->period < CT_TUNE_PERIOD_MIN || c->period > CT_TUNE_PERIOD_MAX)) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("vcpu_period %1$llu is out of range [%2$llu, %3$llu]"), c->period,
                       CT_TUNE_PERIOD_MIN, CT_TUNE_PERIOD_MAX);
        return -1;
    }
    if (c->hasQuota && c->quota >= 0 && c->quota < CT_TUNE_QUOTA_MIN) {
        virReportError(
            VIR_ERR_INVALID_ARG,
            _("vcpu_quota %1$lld is out of range: at least %2$lld, or negative for no limit"),
            c->quota, CT_TUNE_QUOTA_MIN);
        return -1;
    }
    return 0;
}

static void
ctTuneSchedSet(virDomainDef *def, const ctTuneSched *c)
{
    if (c->hasShares) {
        def->cputune.shares = c->shares;
        def->cputune.sharesSpecified = true;
    }
    if (c->hasPeriod)
        def->cputune.period = c->period;
    /* any negative quota means "no limit", kept as libvirt's -1 */
    if (c->hasQuota)
        def->cputune.quota = c->quota < 0 ? -1 : c->quota;
    if (c->hasProcesses)
        virCTDomainEnsureNamespaceDef(def)->processes = c->processes;
}

static int
ctTuneSchedApplyLive(virDomainObj *vm, virCgroup *cgroup, const virDomainDef *def,
                     const ctTuneSched *c)
{
    if (virCTResourceApplyCpu(cgroup, def) < 0)
        return -1;
    if (c->hasProcesses && virCTResourceApplyProcesses(
                               cgroup, CT_DOMAIN_PRIVATE(vm)->extraCgroupPath, c->processes) < 0)
        return -1;
    return 0;
}

static int
ctTuneSchedApply(virDomainObj *vm, virDomainDef *def, const void *opaque)
{
    virCgroup *cgroup = NULL;

    if (vm && !(cgroup = virCTProcessGetCgroup(vm)))
        return -1;
    ctTuneSchedSet(def, opaque);
    return cgroup ? ctTuneSchedApplyLive(vm, cgroup, def, opaque) : 0;
}

static const virCTTuneOps ctTuneSchedOps = { ctTuneSchedCheck, ctTuneSchedApply };

int
ctDomainSetSchedulerParametersFlags(virDomainPtr dom, virTypedParameterPtr params, int nparams,
                                    unsigned int flags)
{
    ctTuneSched c = { 0 };
    int rc;

    virCheckFlags(VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG, -1);
    if (virTypedParamsValidate(params, nparams, VIR_DOMAIN_SCHEDULER_CPU_SHARES,
                               VIR_TYPED_PARAM_ULLONG, VIR_DOMAIN_SCHEDULER_VCPU_PERIOD,
                               VIR_TYPED_PARAM_ULLONG, VIR_DOMAIN_SCHEDULER_VCPU_QUOTA,
                               VIR_TYPED_PARAM_LLONG, CT_TUNE_PROCESSES, VIR_TYPED_PARAM_ULLONG,
                               NULL) < 0)
        return -1;
    c.hasShares =
        virTypedParamsGetULLong(params, nparams, VIR_DOMAIN_SCHEDULER_CPU_SHARES, &c.shares) == 1;
    c.hasPeriod =
        virTypedParamsGetULLong(params, nparams, VIR_DOMAIN_SCHEDULER_VCPU_PERIOD, &c.period) == 1;
    c.hasQuota =
        virTypedParamsGetLLong(params, nparams, VIR_DOMAIN_SCHEDULER_VCPU_QUOTA, &c.quota) == 1;
    rc = virTypedParamsGetULLong(params, nparams, CT_TUNE_PROCESSES, &c.processes);
    c.hasProcesses = rc == 1;
    return virCTTuneRun(dom, flags, virDomainSetSchedulerParametersFlagsEnsureACL, &ctTuneSchedOps,
                        &c);
}

int
ctDomainSetSchedulerParameters(virDomainPtr dom, virTypedParameterPtr params, int nparams)
{
    return ctDomainSetSchedulerParametersFlags(dom, params, nparams, VIR_DOMAIN_AFFECT_CURRENT);
}

#define CT_TUNE_NSCHED 4

char *
ctDomainGetSchedulerType(virDomainPtr dom, int *nparams)
{
    virDomainObj *vm;
    char *ret = NULL;

    if (!(vm = ctDomObjFromDomain(dom)))
        return NULL;
    if (virDomainGetSchedulerTypeEnsureACL(dom->conn, vm->def) == 0) {
        if (nparams)
            *nparams = CT_TUNE_NSCHED;
        ret = g_strdup("posix");
    }
    virDomainObjEndAPI(&vm);
    return ret;
}

/* The values in force: the cgroup's for a running container (the
 * kernel's defaults where the XML sets none), else the definition's. */
static int
ctTuneSchedValues(virDomainObj *vm, const virDomainDef *def, bool live, ctTuneSched *c)
{
    const virCTDomainNamespaceDef *ns = virCTDomainGetNamespaceDef(def);
    virCgroup *cgroup = NULL;

    c->shares = def->cputune.shares;
    c->quota = virCTResourceCpuQuota(def, &c->period);
    c->processes = ns ? ns->processes : 0;
    if (live && !(cgroup = virCTProcessGetCgroup(vm)))
        return -1;
    if (cgroup && virCgroupGetCpuShares(cgroup, &c->shares) < 0)
        return -1;
    return 0;
}

int
ctDomainGetSchedulerParametersFlags(virDomainPtr dom, virTypedParameterPtr params, int *nparams,
                                    unsigned int flags)
{
    g_autoptr(virTypedParamList) list = g_new0(virTypedParamList, 1);
    ctTuneSched c = { 0 };
    virDomainDef *def;
    virDomainObj *vm;
    int ret = -1;

    virCheckFlags(VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG | VIR_TYPED_PARAM_STRING_OKAY,
                  -1);
    flags &= ~VIR_TYPED_PARAM_STRING_OKAY;
    if (!(vm = virCTTuneGetBegin(dom, flags, virDomainGetSchedulerParametersFlagsEnsureACL, &def)))
        return -1;
    if (ctTuneSchedValues(vm, def, def == vm->def && virDomainObjIsActive(vm), &c) < 0 ||
        virTypedParamListAddULLong(list, c.shares, VIR_DOMAIN_SCHEDULER_CPU_SHARES) < 0 ||
        virTypedParamListAddULLong(list, c.period, VIR_DOMAIN_SCHEDULER_VCPU_PERIOD) < 0 ||
        virTypedParamListAddLLong(list, c.quota, VIR_DOMAIN_SCHEDULER_VCPU_QUOTA) < 0 ||
        virTypedParamListAddULLong(list, c.processes, CT_TUNE_PROCESSES) < 0)
        goto cleanup;
    ret = virCTTuneCopyOut(list, params, nparams);

 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}

int
ctDomainGetSchedulerParameters(virDomainPtr dom, virTypedParameterPtr params, int *nparams)
{
    return ctDomainGetSchedulerParametersFlags(dom, params, nparams, VIR_DOMAIN_AFFECT_CURRENT);
}

/* ---- block IO: blkiotune ---- */

static const char *const ctTuneBlkioDeviceFields[] = {
    VIR_DOMAIN_BLKIO_DEVICE_WEIGHT,     VIR_DOMAIN_BLKIO_DEVICE_READ_IOPS,
    VIR_DOMAIN_BLKIO_DEVICE_WRITE_IOPS, VIR_DOMAIN_BLKIO_DEVICE_READ_BPS,
    VIR_DOMAIN_BLKIO_DEVICE_WRITE_BPS,
};

typedef struct {
    virTypedParameterPtr params;
    int nparams;
} ctTuneBlkio;

/* Parses every device list, so that a bad one changes nothing. */
static int
ctTuneBlkioCheck(const virDomainDef *def G_GNUC_UNUSED, const void *opaque)
{
    const ctTuneBlkio *b = opaque;
    size_t i;

    for (i = 0; i < b->nparams; i++) {
        virTypedParameterPtr p = &b->params[i];
        virBlkioDevice *devices = NULL;
        size_t ndevices = 0;
        int rc;

        if (STREQ(p->field, VIR_DOMAIN_BLKIO_WEIGHT)) {
            if (p->value.ui < 100 || p->value.ui > 1000) {
                virReportError(VIR_ERR_INVALID_ARG,
                               _("blkio weight %1$u is out of range [100, 1000]"), p->value.ui);
                return -1;
            }
            continue;
        }
        rc = virDomainDriverParseBlkioDeviceStr(p->value.s, p->field, &devices, &ndevices);
        virBlkioDeviceArrayClear(devices, ndevices);
        g_free(devices);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static int
ctTuneBlkioApply(virDomainObj *vm, virDomainDef *def, const void *opaque)
{
    const ctTuneBlkio *b = opaque;
    virCgroup *cgroup;

    if (!vm)
        return virDomainDriverSetupPersistentDefBlkioParams(def, b->params, b->nparams);
    if (!(cgroup = virCTProcessGetCgroup(vm)))
        return -1;
    return virDomainCgroupSetupDomainBlkioParameters(cgroup, def, b->params, b->nparams);
}

static const virCTTuneOps ctTuneBlkioOps = { ctTuneBlkioCheck, ctTuneBlkioApply };

int
ctDomainSetBlkioParameters(virDomainPtr dom, virTypedParameterPtr params, int nparams,
                           unsigned int flags)
{
    ctTuneBlkio b = { params, nparams };

    virCheckFlags(VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG, -1);
    if (virTypedParamsValidate(params, nparams, VIR_DOMAIN_BLKIO_WEIGHT, VIR_TYPED_PARAM_UINT,
                               VIR_DOMAIN_BLKIO_DEVICE_WEIGHT, VIR_TYPED_PARAM_STRING,
                               VIR_DOMAIN_BLKIO_DEVICE_READ_IOPS, VIR_TYPED_PARAM_STRING,
                               VIR_DOMAIN_BLKIO_DEVICE_WRITE_IOPS, VIR_TYPED_PARAM_STRING,
                               VIR_DOMAIN_BLKIO_DEVICE_READ_BPS, VIR_TYPED_PARAM_STRING,
                               VIR_DOMAIN_BLKIO_DEVICE_WRITE_BPS, VIR_TYPED_PARAM_STRING, NULL) < 0)
        return -1;
    return virCTTuneRun(dom, flags, virDomainSetBlkioParametersEnsureACL, &ctTuneBlkioOps, &b);
}

/* "path,value,path,value" of the devices with a value for field @i */
static char *
ctTuneBlkioDeviceString(const virDomainBlkiotune *blkio, size_t field)
{
    g_auto(virBuffer) buf = VIR_BUFFER_INITIALIZER;
    size_t i;

    for (i = 0; i < blkio->ndevices; i++) {
        const virBlkioDevice *dev = &blkio->devices[i];
        unsigned long long values[] = { dev->weight, dev->riops, dev->wiops, dev->rbps, dev->wbps };

        if (values[field])
            virBufferAsprintf(&buf, "%s,%llu,", dev->path, values[field]);
    }
    virBufferTrim(&buf, ",");
    return virBufferContentAndReset(&buf);
}

int
ctDomainGetBlkioParameters(virDomainPtr dom, virTypedParameterPtr params, int *nparams,
                           unsigned int flags)
{
    g_autoptr(virTypedParamList) list = g_new0(virTypedParamList, 1);
    bool strings = flags & VIR_TYPED_PARAM_STRING_OKAY;
    virDomainDef *def;
    virDomainObj *vm;
    size_t i;
    int ret = -1;

    virCheckFlags(VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG | VIR_TYPED_PARAM_STRING_OKAY,
                  -1);
    flags &= ~VIR_TYPED_PARAM_STRING_OKAY;
    if (!(vm = virCTTuneGetBegin(dom, flags, virDomainGetBlkioParametersEnsureACL, &def)))
        return -1;
    if (virTypedParamListAddUInt(list, def->blkio.weight, VIR_DOMAIN_BLKIO_WEIGHT) < 0)
        goto cleanup;
    for (i = 0; strings && i < G_N_ELEMENTS(ctTuneBlkioDeviceFields); i++) {
        g_autofree char *value = ctTuneBlkioDeviceString(&def->blkio, i);

        if (virTypedParamListAddString(list, NULLSTR_EMPTY(value), "%s",
                                       ctTuneBlkioDeviceFields[i]) < 0)
            goto cleanup;
    }
    ret = virCTTuneCopyOut(list, params, nparams);

 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}
