/*
 * ct_device.c: entry points on a container's devices (its root's limits)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The one device that can change is the root filesystem's disk limit:
 * raised live (the image grows under the running container) and in the
 * definition; lowered only in the definition, for the next start.
 */

#include <config.h>

#include "ct_device.h"
#include "ct_domain.h"
#include "ct_domain_api.h"
#include "ct_layer.h"
#include "datatypes.h"
#include "viraccessapicheck.h"
#include "virdomainjob.h"
#include "virerror.h"
#include "virlog.h"
#include "virtypedparam.h"

#define VIR_FROM_THIS VIR_FROM_LXC

VIR_LOG_INIT("ct.device");

/* The filesystem of @def that @fs updates: same target, and nothing but
 * its limits changed. */
static virDomainFSDef *
ctDeviceFindFS(virDomainDef *def, const virDomainFSDef *fs)
{
    size_t i;

    for (i = 0; i < def->nfss; i++) {
        virDomainFSDef *cur = def->fss[i];

        if (STRNEQ(cur->dst, fs->dst))
            continue;
        if (cur->type != fs->type || cur->readonly != fs->readonly ||
            STRNEQ_NULLABLE(cur->src->path, fs->src->path) || cur->usage != fs->usage) {
            virReportError(VIR_ERR_OPERATION_UNSUPPORTED,
                           _("only <space_hard_limit> and <space_soft_limit> of filesystem '%1$s' "
                             "can be updated"),
                           fs->dst);
            return NULL;
        }
        return cur;
    }
    virReportError(VIR_ERR_DEVICE_MISSING, _("no filesystem with target '%1$s'"), fs->dst);
    return NULL;
}

static int
ctDeviceUpdateLive(virCTDriver *driver, virDomainObj *vm, const virDomainFSDef *fs)
{
    virDomainFSDef *cur = ctDeviceFindFS(vm->def, fs);

    if (!cur)
        return -1;
    if (fs->space_hard_limit < cur->space_hard_limit) {
        virReportError(VIR_ERR_OPERATION_UNSUPPORTED,
                       _("lowering <space_hard_limit> of '%1$s' from %2$llu to %3$llu bytes is "
                         "not supported while it runs: change it with --config and restart"),
                       vm->def->name, cur->space_hard_limit, fs->space_hard_limit);
        return -1;
    }
    if (fs->space_hard_limit > cur->space_hard_limit &&
        virCTLayerGrowLive(driver, vm->def, fs->space_hard_limit) < 0)
        return -1;
    cur->space_hard_limit = fs->space_hard_limit;
    cur->space_soft_limit = fs->space_soft_limit;
    return virDomainObjSave(vm, driver->xmlopt, driver->config->stateDir);
}

/* The definition changes on a copy, checked against the layer, and is
 * kept only once saved. */
static int
ctDeviceUpdateConfig(virCTDriver *driver, virDomainObj *vm, const virDomainFSDef *fs)
{
    virDomainDef *persistent = vm->newDef ? vm->newDef : vm->def;
    g_autoptr(virDomainDef) copy = virDomainDefCopy(persistent, driver->xmlopt, NULL, false);
    virDomainFSDef *cur;

    if (!copy || !(cur = ctDeviceFindFS(copy, fs)))
        return -1;
    cur->space_hard_limit = fs->space_hard_limit;
    cur->space_soft_limit = fs->space_soft_limit;
    if (virCTLayerCheck(driver, copy) < 0 ||
        virDomainDefSave(copy, driver->xmlopt, driver->config->configDir) < 0)
        return -1;
    if (vm->newDef) {
        virDomainDefFree(vm->newDef);
        vm->newDef = g_steal_pointer(&copy);
    } else {
        virDomainDefFree(vm->def);
        vm->def = g_steal_pointer(&copy);
    }
    return 0;
}

int
ctDomainUpdateDeviceFlags(virDomainPtr dom, const char *xml, unsigned int flags)
{
    virCTDriver *driver = dom->conn->privateData;
    g_autoptr(virDomainDeviceDef) dev = NULL;
    virDomainObj *vm;
    int ret = -1;

    virCheckFlags(VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG, -1);

    if (!(vm = ctDomObjFromDomain(dom)))
        return -1;
    if (virDomainUpdateDeviceFlagsEnsureACL(dom->conn, vm->def, flags) < 0 ||
        virDomainObjBeginJob(vm, VIR_JOB_MODIFY) < 0)
        goto cleanup;
    if (virDomainObjUpdateModificationImpact(vm, &flags) < 0 ||
        !(dev = virDomainDeviceDefParse(xml, vm->def, driver->xmlopt, NULL,
                                        VIR_DOMAIN_DEF_PARSE_INACTIVE)))
        goto endjob;
    if (dev->type != VIR_DOMAIN_DEVICE_FS) {
        virReportError(VIR_ERR_OPERATION_UNSUPPORTED,
                       _("updating a <%1$s> is not supported: only the limits of a <filesystem>"),
                       virDomainDeviceTypeToString(dev->type));
        goto endjob;
    }
    if (virCTDomainValidateSpace(dev->data.fs) < 0)
        goto endjob;
    /* the definition first: a live change that fails leaves both alone */
    if ((flags & VIR_DOMAIN_AFFECT_CONFIG) && ctDeviceUpdateConfig(driver, vm, dev->data.fs) < 0)
        goto endjob;
    if ((flags & VIR_DOMAIN_AFFECT_LIVE) && ctDeviceUpdateLive(driver, vm, dev->data.fs) < 0)
        goto endjob;
    ret = 0;

endjob:
    virDomainObjEndJob(vm);
cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}

/* The root of @def named as "/" (its target) or by its template's name. */
static bool
ctDeviceIsRoot(const virDomainDef *def, const char *path)
{
    virDomainFSDef *fs = virCTLayerTemplateRoot(def);

    return fs && (STREQ(path, "/") || STREQ(path, fs->src->path));
}

int
ctDomainGetBlockInfo(virDomainPtr dom, const char *path, virDomainBlockInfoPtr info,
                     unsigned int flags)
{
    virCTDriver *driver = dom->conn->privateData;
    virCTDiskUsage usage;
    virDomainObj *vm;
    int ret = -1;

    virCheckFlags(0, -1);

    if (!(vm = ctDomObjFromDomain(dom)))
        return -1;
    if (virDomainGetBlockInfoEnsureACL(dom->conn, vm->def) < 0)
        goto cleanup;
    if (!ctDeviceIsRoot(vm->def, path)) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("no disk '%1$s': a container's only disk is its template root '/'"), path);
        goto cleanup;
    }
    if (virCTLayerGetUsage(driver, vm->def, &usage) < 0)
        goto cleanup;
    info->capacity = usage.capacity;
    info->allocation = usage.used;
    info->physical = usage.physical;
    ret = 0;

cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}

static int
ctStatsState(virDomainObj *vm, virTypedParamList *params)
{
    int reason;
    int state = virDomainObjGetState(vm, &reason);

    if (virTypedParamListAddInt(params, state, "state.state") < 0 ||
        virTypedParamListAddInt(params, reason, "state.reason") < 0)
        return -1;
    return 0;
}

/* block.*: the root's layer, as "/"; its inodes beside the bytes. */
static int
ctStatsBlock(virCTDriver *driver, virDomainObj *vm, virTypedParamList *params)
{
    virDomainFSDef *fs = virCTLayerTemplateRoot(vm->def);
    g_autofree char *path = NULL;
    virCTDiskUsage usage;
    int rc;

    if ((rc = virCTLayerGetUsage(driver, vm->def, &usage)) < 0) {
        /* one container's disk must not fail everyone's statistics */
        virResetLastError();
        rc = 0;
    }
    if (virTypedParamListAddUInt(params, rc, "block.count") < 0 || rc == 0)
        return rc < 0 ? -1 : 0;
    path =
        virCTLayerPath(driver->store, vm->def->name, fs->space_hard_limit ? "disk.img" : "upper");
    if (virTypedParamListAddString(params, "/", "block.0.name") < 0 ||
        virTypedParamListAddString(params, path, "block.0.path") < 0 ||
        virTypedParamListAddULLong(params, usage.used, "block.0.allocation") < 0 ||
        virTypedParamListAddULLong(params, usage.capacity, "block.0.capacity") < 0 ||
        virTypedParamListAddULLong(params, usage.physical, "block.0.physical") < 0 ||
        virTypedParamListAddULLong(params, usage.inodesUsed, "block.0.inodes.allocation") < 0 ||
        virTypedParamListAddULLong(params, usage.inodes, "block.0.inodes.capacity") < 0)
        return -1;
    if (fs->space_soft_limit &&
        virTypedParamListAddULLong(params, fs->space_soft_limit, "block.0.soft_limit") < 0)
        return -1;
    return 0;
}

#define CT_STATS_SUPPORTED (VIR_DOMAIN_STATS_STATE | VIR_DOMAIN_STATS_BLOCK)

static virDomainStatsRecordPtr
ctStatsOne(virConnectPtr conn, virCTDriver *driver, virDomainObj *vm, unsigned int stats)
{
    g_autoptr(virTypedParamList) params = g_new0(virTypedParamList, 1);
    virDomainStatsRecordPtr record;

    if ((stats & VIR_DOMAIN_STATS_STATE) && ctStatsState(vm, params) < 0)
        return NULL;
    if ((stats & VIR_DOMAIN_STATS_BLOCK) && ctStatsBlock(driver, vm, params) < 0)
        return NULL;
    record = g_new0(virDomainStatsRecord, 1);
    record->dom = virGetDomain(conn, vm->def->name, vm->def->uuid, vm->def->id);
    record->nparams = virTypedParamListStealParams(params, &record->params);
    return record;
}

int
ctConnectGetAllDomainStats(virConnectPtr conn, virDomainPtr *doms, unsigned int ndoms,
                           unsigned int stats, virDomainStatsRecordPtr **retStats,
                           unsigned int flags)
{
    virCTDriver *driver = conn->privateData;
    virDomainObj **vms = NULL;
    size_t nvms = 0;
    virDomainStatsRecordPtr *records;
    unsigned int lflags = flags & (VIR_CONNECT_LIST_DOMAINS_FILTERS_ACTIVE |
                                   VIR_CONNECT_LIST_DOMAINS_FILTERS_PERSISTENT |
                                   VIR_CONNECT_LIST_DOMAINS_FILTERS_STATE);
    size_t i;
    int n = 0;

    virCheckFlags(VIR_CONNECT_LIST_DOMAINS_FILTERS_ACTIVE |
                      VIR_CONNECT_LIST_DOMAINS_FILTERS_PERSISTENT |
                      VIR_CONNECT_LIST_DOMAINS_FILTERS_STATE |
                      VIR_CONNECT_GET_ALL_DOMAINS_STATS_ENFORCE_STATS,
                  -1);

    if (virConnectGetAllDomainStatsEnsureACL(conn) < 0)
        return -1;
    if (stats == 0) {
        stats = CT_STATS_SUPPORTED;
    } else if ((flags & VIR_CONNECT_GET_ALL_DOMAINS_STATS_ENFORCE_STATS) &&
               (stats & ~CT_STATS_SUPPORTED)) {
        virReportError(VIR_ERR_ARGUMENT_UNSUPPORTED,
                       _("statistics groups 0x%1$x are not supported yet"),
                       stats & ~CT_STATS_SUPPORTED);
        return -1;
    }
    if (ndoms) {
        if (virDomainObjListConvert(driver->domains, conn, doms, ndoms, &vms, &nvms,
                                    virConnectGetAllDomainStatsCheckACL, lflags, true) < 0)
            return -1;
    } else {
        virDomainObjListCollect(driver->domains, conn, &vms, &nvms,
                                virConnectGetAllDomainStatsCheckACL, lflags);
    }

    records = g_new0(virDomainStatsRecordPtr, nvms + 1);
    for (i = 0; i < nvms; i++) {
        virDomainStatsRecordPtr record;

        virObjectLock(vms[i]);
        record = ctStatsOne(conn, driver, vms[i], stats);
        virObjectUnlock(vms[i]);
        if (!record) {
            virDomainStatsRecordListFree(records);
            virObjectListFreeCount(vms, nvms);
            return -1;
        }
        records[n++] = record;
    }
    virObjectListFreeCount(vms, nvms);
    *retStats = records;
    return n;
}
