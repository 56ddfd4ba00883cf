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
