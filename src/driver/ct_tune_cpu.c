/*
 * ct_tune_cpu.c: where a container runs: its memory nodes (numatune),
 * its CPU count (setvcpus) and its CPUs (vcpupin, emulatorpin)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A container has no virtual CPUs: its vCPU count is a limit of that many
 * whole CPUs (see ct_resource.c); the definition holds one value, and the
 * maximum reported is what setvcpus accepts, the host's CPU count.  The
 * setters have the shape ct_tune.c describes (virCTTuneRun()).
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

VIR_LOG_INIT("ct.tune_cpu");

/* ---- memory nodes: numatune ---- */

typedef struct {
    int mode; /* -1: unchanged */
    virBitmap *nodeset; /* NULL: unchanged */
} ctTuneNuma;

static int
ctTuneNumaCheck(const virDomainDef *def, const void *opaque)
{
    const ctTuneNuma *n = opaque;
    virDomainNumatuneMemMode mode;
    bool strict = virDomainNumatuneGetMode(def->numa, -1, &mode) < 0 ||
                  mode == VIR_DOMAIN_NUMATUNE_MEM_STRICT;

    if (n->mode >= 0 && n->mode != VIR_DOMAIN_NUMATUNE_MEM_STRICT) {
        virReportError(
            VIR_ERR_CONFIG_UNSUPPORTED,
            _("numatune mode '%1$s' is not supported for containers: only 'strict' (cpuset.mems) can be enforced"),
            virDomainNumatuneMemModeTypeToString(n->mode));
        return -1;
    }
    if (n->nodeset && !strict) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED, "%s",
                       _("a numatune nodeset needs mode 'strict'"));
        return -1;
    }
    if (n->nodeset && !virNumaNodesetIsAvailable(n->nodeset))
        return -1;
    return 0;
}

static int
ctTuneNumaApply(virDomainObj *vm, virDomainDef *def, const void *opaque)
{
    const ctTuneNuma *n = opaque;
    bool placementStatic = def->placement_mode == VIR_DOMAIN_CPU_PLACEMENT_MODE_STATIC;
    virCgroup *cgroup;
    g_autofree char *mems = NULL;

    if (vm && n->nodeset) {
        if (!(cgroup = virCTProcessGetCgroup(vm)) || !(mems = virBitmapFormat(n->nodeset)) ||
            virCTCgroupSetCpusetMems(cgroup, mems) < 0)
            return -1;
    }
    return virDomainNumatuneSet(def->numa, placementStatic, -1, n->mode, n->nodeset);
}

static const virCTTuneOps ctTuneNumaOps = { ctTuneNumaCheck, ctTuneNumaApply };

int
ctDomainSetNumaParameters(virDomainPtr dom, virTypedParameterPtr params, int nparams,
                          unsigned int flags)
{
    g_autoptr(virBitmap) nodeset = NULL;
    ctTuneNuma n = { -1, NULL };
    const char *str = NULL;

    virCheckFlags(VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG, -1);
    if (virTypedParamsValidate(params, nparams, VIR_DOMAIN_NUMA_MODE, VIR_TYPED_PARAM_INT,
                               VIR_DOMAIN_NUMA_NODESET, VIR_TYPED_PARAM_STRING, NULL) < 0)
        return -1;
    if (virTypedParamsGetInt(params, nparams, VIR_DOMAIN_NUMA_MODE, &n.mode) == 1 &&
        (n.mode < 0 || n.mode >= VIR_DOMAIN_NUMATUNE_MEM_LAST)) {
        virReportError(VIR_ERR_INVALID_ARG, _("unknown numa_mode %1$d"), n.mode);
        return -1;
    }
    if (virTypedParamsGetString(params, nparams, VIR_DOMAIN_NUMA_NODESET, &str) == 1) {
        if (virBitmapParse(str, &nodeset, VIR_DOMAIN_CPUMASK_LEN) < 0)
            return -1;
        n.nodeset = nodeset;
    }
    return virCTTuneRun(dom, flags, virDomainSetNumaParametersEnsureACL, &ctTuneNumaOps, &n);
}

int
ctDomainGetNumaParameters(virDomainPtr dom, virTypedParameterPtr params, int *nparams,
                          unsigned int flags)
{
    g_autoptr(virTypedParamList) list = g_new0(virTypedParamList, 1);
    bool strings = flags & VIR_TYPED_PARAM_STRING_OKAY;
    virDomainNumatuneMemMode mode = VIR_DOMAIN_NUMATUNE_MEM_STRICT;
    g_autofree char *nodeset = NULL;
    virDomainDef *def;
    virDomainObj *vm;
    int ret = -1;

    virCheckFlags(VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG | VIR_TYPED_PARAM_STRING_OKAY,
                  -1);
    flags &= ~VIR_TYPED_PARAM_STRING_OKAY;
    if (!(vm = virCTTuneGetBegin(dom, flags, virDomainGetNumaParametersEnsureACL, &def)))
        return -1;
    ignore_value(virDomainNumatuneGetMode(def->numa, -1, &mode));
    if (virDomainNumatuneMaybeFormatNodeset(def->numa, NULL, &nodeset, -1) < 0 ||
        virTypedParamListAddInt(list, mode, VIR_DOMAIN_NUMA_MODE) < 0 ||
        (strings &&
         virTypedParamListAddString(list, NULLSTR_EMPTY(nodeset), VIR_DOMAIN_NUMA_NODESET) < 0))
        goto cleanup;
    ret = virCTTuneCopyOut(list, params, nparams);

 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}

/* ---- CPU count: setvcpus, vcpuinfo ---- */

typedef struct {
    virDomainXMLOption *xmlopt;
    unsigned int nvcpus;
} ctTuneVcpus;

static int
ctTuneVcpusCheck(const virDomainDef *def G_GNUC_UNUSED, const void *opaque)
{
    const ctTuneVcpus *v = opaque;
    int host = virHostCPUGetCount();

    if (host < 0)
        return -1;
    if (v->nvcpus == 0 || v->nvcpus > host) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("%1$u CPUs asked: a container can have 1 to %2$d, the host's CPUs"),
                       v->nvcpus, host);
        return -1;
    }
    return 0;
}

static int
ctTuneVcpusApply(virDomainObj *vm, virDomainDef *def, const void *opaque)
{
    const ctTuneVcpus *v = opaque;
    virCgroup *cgroup = NULL;

    if (vm && !(cgroup = virCTProcessGetCgroup(vm)))
        return -1;
    if (virCTTuneVcpusSet(def, v->nvcpus, v->xmlopt) < 0)
        return -1;
    return cgroup ? virCTResourceApplyCpu(cgroup, def) : 0;
}

static const virCTTuneOps ctTuneVcpusOps = { ctTuneVcpusCheck, ctTuneVcpusApply };

/* VIR_DOMAIN_VCPU_MAXIMUM is accepted: current and maximum are one. */
int
ctDomainSetVcpusFlags(virDomainPtr dom, unsigned int nvcpus, unsigned int flags)
{
    virCTDriver *driver = dom->conn->privateData;
    ctTuneVcpus v = { driver->xmlopt, nvcpus };

    virCheckFlags(VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG | VIR_DOMAIN_VCPU_MAXIMUM, -1);
    return virCTTuneRun(dom, flags & ~VIR_DOMAIN_VCPU_MAXIMUM, virDomainSetVcpusFlagsEnsureACL,
                        &ctTuneVcpusOps, &v);
}

int
ctDomainSetVcpus(virDomainPtr dom, unsigned int nvcpus)
{
    return ctDomainSetVcpusFlags(dom, nvcpus, VIR_DOMAIN_AFFECT_LIVE);
}

/* A container may have as many CPUs as the host: what setvcpus accepts
 * (or more, for a definition written for a bigger host). */
int
virCTTuneVcpusMax(const virDomainDef *def)
{
    int host = virHostCPUGetCount();

    if (host < 0)
        return -1;
    return MAX(host, (int)virDomainDefGetVcpusMax(def));
}

/* ---- Pinning: vcpupin, emulatorpin ----
 *
 * A container is one cpuset (<vcpu cpuset>): its processes are not vCPUs
 * and no emulator thread runs for it.  So pinning any vCPU, or the
 * emulator, pins the whole container, and each of them reports the
 * container's cpuset (all host CPUs when it has none). */

typedef struct {
    int vcpu; /* -1 for the emulator */
    virBitmap *cpus;
} ctTunePin;

static int
ctTunePinCheck(const virDomainDef *def, const void *opaque)
{
    const ctTunePin *p = opaque;
    int max = virCTTuneVcpusMax(def);
    int host = virHostCPUGetCount();
    ssize_t last = virBitmapLastSetBit(p->cpus);

    if (max < 0 || host < 0)
        return -1;
    if (p->vcpu >= max) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("vcpu %1$d is out of range: a container has at most %2$d"), p->vcpu, max);
        return -1;
    }
    if (last < 0 || last >= host) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("cpu list must name at least one of the host's CPUs 0 to %1$d"), host - 1);
        return -1;
    }
    return 0;
}

static int
ctTunePinApply(virDomainObj *vm, virDomainDef *def, const void *opaque)
{
    const ctTunePin *p = opaque;
    g_autofree char *list = NULL;
    virCgroup *cgroup;

    if (vm && (!(cgroup = virCTProcessGetCgroup(vm)) || !(list = virBitmapFormat(p->cpus)) ||
               virCTCgroupSetCpusetCpus(cgroup, list) < 0))
        return -1;
    virBitmapFree(def->cpumask);
    def->cpumask = virBitmapNewCopy(p->cpus);
    return 0;
}

static const virCTTuneOps ctTunePinOps = { ctTunePinCheck, ctTunePinApply };

static int
ctTunePinRun(virDomainPtr dom, int vcpu, unsigned char *cpumap, int maplen, unsigned int flags,
             virCTTuneACL acl)
{
    g_autoptr(virBitmap) cpus = virBitmapNewData(cpumap, maplen);
    ctTunePin p = { vcpu, cpus };

    if (!cpus)
        return -1;
    return virCTTuneRun(dom, flags, acl, &ctTunePinOps, &p);
}

int
ctDomainPinVcpuFlags(virDomainPtr dom, unsigned int vcpu, unsigned char *cpumap, int maplen,
                     unsigned int flags)
{
    virCheckFlags(VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG, -1);
    if (vcpu > INT_MAX) {
        virReportError(VIR_ERR_INVALID_ARG, _("vcpu %1$u is out of range"), vcpu);
        return -1;
    }
    return ctTunePinRun(dom, vcpu, cpumap, maplen, flags, virDomainPinVcpuFlagsEnsureACL);
}

int
ctDomainPinVcpu(virDomainPtr dom, unsigned int vcpu, unsigned char *cpumap, int maplen)
{
    return ctDomainPinVcpuFlags(dom, vcpu, cpumap, maplen, VIR_DOMAIN_AFFECT_LIVE);
}

int
ctDomainPinEmulator(virDomainPtr dom, unsigned char *cpumap, int maplen, unsigned int flags)
{
    virCheckFlags(VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG, -1);
    return ctTunePinRun(dom, -1, cpumap, maplen, flags, virDomainPinEmulatorEnsureACL);
}

/* The container's cpuset into @cpumaps, @n maps of @maplen bytes. */
static int
ctTunePinFill(const virDomainDef *def, unsigned char *cpumaps, int n, int maplen)
{
    g_autoptr(virBitmap) all = NULL;
    virBitmap *cpus = def->cpumask;
    int host = virHostCPUGetCount();
    int i;

    if (host < 0)
        return -1;
    if (!cpus) {
        all = virBitmapNew(host);
        virBitmapSetAll(all);
        cpus = all;
    }
    for (i = 0; i < n; i++)
        virBitmapToDataBuf(cpus, VIR_GET_CPUMAP(cpumaps, maplen, i), maplen);
    return n;
}

int
ctDomainGetVcpuPinInfo(virDomainPtr dom, int ncpumaps, unsigned char *cpumaps, int maplen,
                       unsigned int flags)
{
    virDomainDef *def;
    virDomainObj *vm;
    int max;
    int ret = -1;

    virCheckFlags(VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG, -1);
    if (!(vm = virCTTuneGetBegin(dom, flags, virDomainGetVcpuPinInfoEnsureACL, &def)))
        return -1;
    if ((max = virCTTuneVcpusMax(def)) >= 0)
        ret = ctTunePinFill(def, cpumaps, MIN(ncpumaps, max), maplen);
    virDomainObjEndAPI(&vm);
    return ret;
}

int
ctDomainGetEmulatorPinInfo(virDomainPtr dom, unsigned char *cpumap, int maplen, unsigned int flags)
{
    virDomainDef *def;
    virDomainObj *vm;
    int ret;

    virCheckFlags(VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG, -1);
    if (!(vm = virCTTuneGetBegin(dom, flags, virDomainGetEmulatorPinInfoEnsureACL, &def)))
        return -1;
    ret = ctTunePinFill(def, cpumap, 1, maplen) < 0 ? -1 : 1;
    virDomainObjEndAPI(&vm);
    return ret;
}
