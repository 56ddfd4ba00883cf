/*
 * ct_device.c: entry points on a container's devices (its root's limits)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Devices that change: the root filesystem's disk limit, raised live
 * (the image grows under the running container) and in the definition,
 * lowered only in the definition, for the next start; and network
 * interfaces, plugged and unplugged live and in the definition, their
 * link state switched live.
 */

#include <config.h>

#include "ct_device.h"
#include "ct_domain.h"
#include "ct_domain_input.h"
#include "ct_domain_api.h"
#include "ct_layer.h"
#include "ct_net.h"
#include "datatypes.h"
#include "domain_event.h"
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
            virReportError(
                VIR_ERR_OPERATION_UNSUPPORTED,
                _("only <space_hard_limit> and <space_soft_limit> of filesystem '%1$s' can be updated"),
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
        virReportError(
            VIR_ERR_OPERATION_UNSUPPORTED,
            _("lowering <space_hard_limit> of '%1$s' from %2$llu to %3$llu bytes is not supported while it runs: change it with --config and restart"),
            vm->def->name, cur->space_hard_limit, fs->space_hard_limit);
        return -1;
    }
    if (fs->space_hard_limit > cur->space_hard_limit &&
        virCTLayerGrowLive(driver, vm->def, fs->space_hard_limit) < 0)
        return -1;
    cur->space_hard_limit = fs->space_hard_limit;
    cur->space_soft_limit = fs->space_soft_limit;
    return virCTDriverSaveStatus(driver, vm);
}

/* A change of the persistent definition: @change edits a copy, which is
 * kept only once saved. */
typedef int (*ctDeviceConfigChange)(virCTDriver *driver, virDomainDef *def, void *opaque);

static int
ctDeviceChangeConfig(virCTDriver *driver, virDomainObj *vm, ctDeviceConfigChange change,
                     void *opaque)
{
    virDomainDef **persistent = vm->newDef ? &vm->newDef : &vm->def;
    g_autoptr(virDomainDef) copy = virDomainDefCopy(*persistent, driver->xmlopt, NULL, false);

    if (!copy || change(driver, copy, opaque) < 0 || virCTDomainInputCheckSaved(driver, copy) < 0 ||
        virDomainDefSave(copy, driver->xmlopt, driver->config->configDir) < 0)
        return -1;
    virDomainDefFree(*persistent);
    *persistent = g_steal_pointer(&copy);
    return 0;
}

/* The new limits, checked against the layer. */
static int
ctDeviceSetFSLimits(virCTDriver *driver, virDomainDef *def, void *opaque)
{
    const virDomainFSDef *fs = opaque;
    virDomainFSDef *cur = ctDeviceFindFS(def, fs);

    if (!cur)
        return -1;
    cur->space_hard_limit = fs->space_hard_limit;
    cur->space_soft_limit = fs->space_soft_limit;
    return virCTLayerCheck(driver, def);
}

/* ---- interfaces ---------------------------------------------------- */

static int
ctDeviceCheckNewNet(virDomainDef *def, const virDomainNetDef *net)
{
    char mac[VIR_MAC_STRING_BUFLEN];
    size_t i;

    for (i = 0; i < def->nnets; i++) {
        if (virMacAddrCmp(&def->nets[i]->mac, &net->mac) == 0) {
            virReportError(VIR_ERR_OPERATION_FAILED,
                           _("an interface with MAC address '%1$s' already exists"),
                           virMacAddrFormat(&net->mac, mac));
            return -1;
        }
        if (net->ifname_guest && STREQ_NULLABLE(def->nets[i]->ifname_guest, net->ifname_guest)) {
            virReportError(VIR_ERR_OPERATION_FAILED,
                           _("an interface named '%1$s' inside already exists"), net->ifname_guest);
            return -1;
        }
    }
    return 0;
}

/* Takes @net, also on failure. */
static int
ctDeviceInsertNet(virCTDriver *driver G_GNUC_UNUSED, virDomainDef *def, void *opaque)
{
    virDomainNetDef *net = opaque;

    if (ctDeviceCheckNewNet(def, net) < 0 || virDomainNetInsert(def, net) < 0) {
        virDomainNetDefFree(net);
        return -1;
    }
    return 0;
}

static int
ctDeviceRemoveNet(virCTDriver *driver G_GNUC_UNUSED, virDomainDef *def, void *opaque)
{
    int idx = virDomainNetFindIdx(def, opaque);

    if (idx < 0)
        return -1;
    virDomainNetDefFree(virDomainNetRemove(def, idx));
    return 0;
}

static virDomainNetDef *
ctDeviceParseNet(virCTDriver *driver, virDomainDef *def, const char *xml)
{
    g_autoptr(virDomainDeviceDef) dev = NULL;

    if (!(dev = virCTDomainInputParseDevice(driver, xml, def)))
        return NULL;
    if (dev->type != VIR_DOMAIN_DEVICE_NET) {
        virReportError(VIR_ERR_OPERATION_UNSUPPORTED,
                       _("attaching or detaching a <%1$s> is not supported: only an <interface>"),
                       virDomainDeviceTypeToString(dev->type));
        return NULL;
    }
    return g_steal_pointer(&dev->data.net);
}

/* Takes *@net once it is plugged; clients waiting for the device (Nova)
 * learn it from the device-added event, named by its alias. */
static int
ctDeviceAttachLive(virCTDriver *driver, virDomainObj *vm, virDomainNetDef **net)
{
    virDomainNetDef *added = *net;

    if (ctDeviceCheckNewNet(vm->def, added) < 0)
        return -1;
    virCTDomainAssignNetAlias(vm->def, added);
    if (virCTNetAttach(vm, added) < 0)
        return -1;
    if (virDomainNetInsert(vm->def, added) < 0) {
        ignore_value(virCTNetDetach(vm, added));
        return -1;
    }
    *net = NULL;
    virObjectEventStateQueue(driver->domainEventState,
                             virDomainEventDeviceAddedNewFromObj(vm, added->info.alias));
    return virCTDriverSaveStatus(driver, vm);
}

/* The device-removed event lets a client (Nova's detach_interface) go on
 * at once instead of polling the XML. */
static int
ctDeviceDetachLive(virCTDriver *driver, virDomainObj *vm, virDomainNetDef *net)
{
    int idx = virDomainNetFindIdx(vm->def, net);
    g_autoptr(virDomainNetDef) removed = NULL;

    if (idx < 0 || virCTNetDetach(vm, vm->def->nets[idx]) < 0)
        return -1;
    removed = virDomainNetRemove(vm->def, idx);
    if (removed->info.alias)
        virObjectEventStateQueue(driver->domainEventState,
                                 virDomainEventDeviceRemovedNewFromObj(vm, removed->info.alias));
    return virCTDriverSaveStatus(driver, vm);
}

static int
ctDeviceSetLinkConfig(virCTDriver *driver G_GNUC_UNUSED, virDomainDef *def, void *opaque)
{
    virDomainNetDef *net = opaque;
    int idx = virDomainNetFindIdx(def, net);

    if (idx < 0)
        return -1;
    def->nets[idx]->linkstate = net->linkstate;
    return 0;
}

static int
ctDeviceSetLinkLive(virCTDriver *driver, virDomainObj *vm, virDomainNetDef *net)
{
    int idx = virDomainNetFindIdx(vm->def, net);
    virDomainNetDef *cur;

    if (idx < 0)
        return -1;
    cur = vm->def->nets[idx];
    if (cur->type != net->type) {
        virReportError(VIR_ERR_OPERATION_UNSUPPORTED, "%s",
                       _("only the link state of an interface can be updated"));
        return -1;
    }
    if (cur->linkstate != net->linkstate && virCTNetSetLinkState(vm, cur, net->linkstate) < 0)
        return -1;
    cur->linkstate = net->linkstate;
    return virCTDriverSaveStatus(driver, vm);
}

static int
ctDeviceUpdateNet(virCTDriver *driver, virDomainObj *vm, virDomainNetDef *net, unsigned int flags)
{
    if ((flags & VIR_DOMAIN_AFFECT_LIVE) && ctDeviceSetLinkLive(driver, vm, net) < 0)
        return -1;
    if ((flags & VIR_DOMAIN_AFFECT_CONFIG) &&
        ctDeviceChangeConfig(driver, vm, ctDeviceSetLinkConfig, net) < 0)
        return -1;
    return 0;
}

/* Attach (@attach) or detach an <interface>: the definition's change is
 * made on a copy first, then the live one, then the copy is saved. */
static int
ctDeviceAttachDetach(virDomainPtr dom, const char *xml, unsigned int flags, bool attach)
{
    virCTDriver *driver = dom->conn->privateData;
    g_autoptr(virDomainNetDef) liveNet = NULL;
    g_autoptr(virDomainNetDef) configNet = NULL;
    virDomainObj *vm;
    int ret = -1;

    virCheckFlags(VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG, -1);
    if (!(vm = ctDomObjFromDomain(dom)))
        return -1;
    if ((attach ? virDomainAttachDeviceFlagsEnsureACL(dom->conn, vm->def, flags)
                : virDomainDetachDeviceFlagsEnsureACL(dom->conn, vm->def, flags)) < 0 ||
        virDomainObjBeginJob(vm, VIR_JOB_MODIFY) < 0)
        goto cleanup;
    if (virDomainObjUpdateModificationImpact(vm, &flags) < 0)
        goto endjob;
    if ((flags & VIR_DOMAIN_AFFECT_CONFIG) && !(configNet = ctDeviceParseNet(driver, vm->def, xml)))
        goto endjob;
    if ((flags & VIR_DOMAIN_AFFECT_LIVE) && !(liveNet = ctDeviceParseNet(driver, vm->def, xml)))
        goto endjob;
    /* one MAC for both when the XML left it to the parser */
    if (configNet && liveNet)
        virMacAddrSet(&configNet->mac, &liveNet->mac);

    if (liveNet && (attach ? ctDeviceAttachLive(driver, vm, &liveNet)
                           : ctDeviceDetachLive(driver, vm, liveNet)) < 0)
        goto endjob;
    if (configNet &&
        (attach ? ctDeviceChangeConfig(driver, vm, ctDeviceInsertNet, g_steal_pointer(&configNet))
                : ctDeviceChangeConfig(driver, vm, ctDeviceRemoveNet, configNet)) < 0)
        goto endjob;
    ret = 0;

 endjob:
    virDomainObjEndJob(vm);
 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}

int
ctDomainAttachDeviceFlags(virDomainPtr dom, const char *xml, unsigned int flags)
{
    return ctDeviceAttachDetach(dom, xml, flags, true);
}

int
ctDomainAttachDevice(virDomainPtr dom, const char *xml)
{
    return ctDeviceAttachDetach(dom, xml, VIR_DOMAIN_AFFECT_LIVE, true);
}

int
ctDomainDetachDeviceFlags(virDomainPtr dom, const char *xml, unsigned int flags)
{
    return ctDeviceAttachDetach(dom, xml, flags, false);
}

int
ctDomainDetachDevice(virDomainPtr dom, const char *xml)
{
    return ctDeviceAttachDetach(dom, xml, VIR_DOMAIN_AFFECT_LIVE, false);
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
        !(dev = virCTDomainInputParseDevice(driver, xml, vm->def)))
        goto endjob;
    if (dev->type == VIR_DOMAIN_DEVICE_NET) {
        ret = ctDeviceUpdateNet(driver, vm, dev->data.net, flags);
        goto endjob;
    }
    if (dev->type != VIR_DOMAIN_DEVICE_FS) {
        virReportError(
            VIR_ERR_OPERATION_UNSUPPORTED,
            _("updating a <%1$s> is not supported: only the limits of a <filesystem> and the link state of an <interface>"),
            virDomainDeviceTypeToString(dev->type));
        goto endjob;
    }
    if (virCTDomainValidateSpace(dev->data.fs) < 0)
        goto endjob;
    /* the definition first: a live change that fails leaves both alone */
    if ((flags & VIR_DOMAIN_AFFECT_CONFIG) &&
        ctDeviceChangeConfig(driver, vm, ctDeviceSetFSLimits, dev->data.fs) < 0)
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
    if (virCTLayerGetUsage(driver, vm->def, true, &usage) < 0)
        goto cleanup;
    info->capacity = usage.capacity;
    info->allocation = usage.used;
    info->physical = usage.physical;
    ret = 0;

 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}
