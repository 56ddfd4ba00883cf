/*
 * ct_domain_api.c: domain definition and query entry points
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every entry point has the same shape: look the domain up, check the
 * ACL, begin a job when it changes the domain, make one call, end.
 */

#include <config.h>

#include <unistd.h>

#include "ct_domain_api.h"
#include "ct_save.h"
#include "ct_snapshot.h"
#include "ct_idrange.h"
#include "ct_layer.h"
#include "ct_domain.h"
#include "ct_domain_input.h"
#include "ct_stats.h"
#include "ct_tune.h"

#include "datatypes.h"
#include "viraccessapicheck.h"
#include "virdomainjob.h"
#include "virdomainsnapshotobjlist.h"
#include "virerror.h"
#include "virfile.h"
#include "virlog.h"
#include "viruuid.h"
#include "virxml.h"

#define VIR_FROM_THIS VIR_FROM_NONE

VIR_LOG_INIT("ct.ct_domain_api");

/**
 * ctDomObjFromDomain:
 *
 * Returns the locked, referenced domain object of @domain (release it with
 * virDomainObjEndAPI()), or NULL with VIR_ERR_NO_DOMAIN.
 */
virDomainObj *
ctDomObjFromDomain(virDomainPtr domain)
{
    virCTDriver *driver = domain->conn->privateData;
    virDomainObj *vm;
    char uuidstr[VIR_UUID_STRING_BUFLEN];

    if (!(vm = virDomainObjListFindByUUID(driver->domains, domain->uuid))) {
        virUUIDFormat(domain->uuid, uuidstr);
        virReportError(VIR_ERR_NO_DOMAIN, _("no domain with matching uuid '%1$s' (%2$s)"), uuidstr,
                       domain->name);
        return NULL;
    }
    return vm;
}

/* The three lookups differ only in how they find the object and in the
 * ACL check; this finishes each once it has found it (or not). */
static virDomainPtr
ctDomainLookupFinish(virConnectPtr conn, virDomainObj *vm,
                     int (*acl)(virConnectPtr, virDomainDef *))
{
    virDomainPtr dom = NULL;

    if (!vm)
        return NULL;
    if (acl(conn, vm->def) == 0)
        dom = virGetDomain(conn, vm->def->name, vm->def->uuid, vm->def->id);
    virDomainObjEndAPI(&vm);
    return dom;
}

virDomainPtr
ctDomainLookupByID(virConnectPtr conn, int id)
{
    virCTDriver *driver = conn->privateData;
    virDomainObj *vm = virDomainObjListFindByID(driver->domains, id);

    if (!vm)
        virReportError(VIR_ERR_NO_DOMAIN, _("no domain with matching id %1$d"), id);
    return ctDomainLookupFinish(conn, vm, virDomainLookupByIDEnsureACL);
}

virDomainPtr
ctDomainLookupByName(virConnectPtr conn, const char *name)
{
    virCTDriver *driver = conn->privateData;
    virDomainObj *vm = virDomainObjListFindByName(driver->domains, name);

    if (!vm)
        virReportError(VIR_ERR_NO_DOMAIN, _("no domain with matching name '%1$s'"), name);
    return ctDomainLookupFinish(conn, vm, virDomainLookupByNameEnsureACL);
}

virDomainPtr
ctDomainLookupByUUID(virConnectPtr conn, const unsigned char *uuid)
{
    virCTDriver *driver = conn->privateData;
    virDomainObj *vm = virDomainObjListFindByUUID(driver->domains, uuid);
    char uuidstr[VIR_UUID_STRING_BUFLEN];

    if (!vm) {
        virUUIDFormat(uuid, uuidstr);
        virReportError(VIR_ERR_NO_DOMAIN, _("no domain with matching uuid '%1$s'"), uuidstr);
    }
    return ctDomainLookupFinish(conn, vm, virDomainLookupByUUIDEnsureACL);
}

virDomainPtr
ctDomainDefineXMLFlags(virConnectPtr conn, const char *xml, unsigned int flags)
{
    virCTDriver *driver = conn->privateData;
    g_autoptr(virDomainDef) def = NULL;
    g_autoptr(virDomainDef) oldDef = NULL;
    virDomainObj *vm = NULL;
    virObjectEvent *event = NULL;
    virDomainPtr dom = NULL;
    bool layerCreated = false;

    virCheckFlags(VIR_DOMAIN_DEFINE_VALIDATE, NULL);

    if (!(def = virCTDomainInputParse(driver, xml, flags & VIR_DOMAIN_DEFINE_VALIDATE)))
        return NULL;
    if (virDomainDefineXMLFlagsEnsureACL(conn, def) < 0)
        return NULL;
    if (virCTLayerCheck(driver, def) < 0)
        return NULL;

    /* virDomainObjListAdd refuses a name clash with another UUID and a
     * UUID clash with another name, before anything is written. */
    VIR_WITH_MUTEX_LOCK_GUARD (&driver->idLock) {
        if (virCTIdRangeAssign(driver, def, false) < 0)
            return NULL;
        vm = virDomainObjListAdd(driver->domains, &def, driver->xmlopt, 0, &oldDef);
    }
    if (!vm)
        return NULL;
    vm->persistent = 1;

    if (virCTLayerDefine(driver, vm->newDef ? vm->newDef : vm->def, true, &layerCreated) < 0 ||
        virDomainDefSave(vm->newDef ? vm->newDef : vm->def, driver->xmlopt,
                         driver->config->configDir) < 0) {
        if (layerCreated)
            virCTLayerForget(driver, vm->newDef ? vm->newDef : vm->def);
        if (oldDef) {
            /* put the previous definition back: nothing changes on error */
            if (vm->newDef) {
                virDomainDefFree(vm->newDef);
                vm->newDef = g_steal_pointer(&oldDef);
            } else {
                virDomainDefFree(vm->def);
                vm->def = g_steal_pointer(&oldDef);
            }
        } else {
            virCTDriverRemoveDomain(driver, vm);
        }
        goto cleanup;
    }

    /* a layer kept with its snapshots (undefined while it ran) */
    if (!oldDef)
        ignore_value(virCTSnapshotLoad(driver, vm));
    event = virDomainEventLifecycleNewFromObj(vm, VIR_DOMAIN_EVENT_DEFINED,
                                              !oldDef ? VIR_DOMAIN_EVENT_DEFINED_ADDED
                                                      : VIR_DOMAIN_EVENT_DEFINED_UPDATED);
    dom = virGetDomain(conn, vm->def->name, vm->def->uuid, vm->def->id);

 cleanup:
    virDomainObjEndAPI(&vm);
    virObjectEventStateQueue(driver->domainEventState, event);
    return dom;
}

virDomainPtr
ctDomainDefineXML(virConnectPtr conn, const char *xml)
{
    return ctDomainDefineXMLFlags(conn, xml, 0);
}

int
ctDomainUndefineFlags(virDomainPtr dom, unsigned int flags)
{
    virCTDriver *driver = dom->conn->privateData;
    g_autofree char *managedSave = NULL;
    virDomainObj *vm;
    virObjectEvent *event = NULL;
    int nsnapshots;
    int ret = -1;

    /* Nothing to remove for the others: containers have no checkpoints
     * or NVRAM. */
    virCheckFlags(VIR_DOMAIN_UNDEFINE_MANAGED_SAVE | VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA |
                      VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA | VIR_DOMAIN_UNDEFINE_NVRAM |
                      VIR_DOMAIN_UNDEFINE_KEEP_NVRAM | VIR_DOMAIN_UNDEFINE_TPM |
                      VIR_DOMAIN_UNDEFINE_KEEP_TPM,
                  -1);

    if (!(vm = ctDomObjFromDomain(dom)))
        return -1;
    if (virDomainUndefineFlagsEnsureACL(dom->conn, vm->def) < 0)
        goto cleanup;
    if (virDomainObjBeginJob(vm, VIR_JOB_MODIFY) < 0)
        goto cleanup;

    if (!vm->persistent) {
        virReportError(VIR_ERR_OPERATION_INVALID, "%s", _("cannot undefine transient domain"));
        goto endjob;
    }
    managedSave = virCTSaveManagedPath(driver, vm->def->name);
    if (virFileExists(managedSave)) {
        if (!(flags & VIR_DOMAIN_UNDEFINE_MANAGED_SAVE)) {
            virReportError(VIR_ERR_OPERATION_INVALID, "%s",
                           _("Refusing to undefine while domain managed save image exists"));
            goto endjob;
        }
        if (unlink(managedSave) < 0) {
            virReportSystemError(errno, _("Failed to remove domain managed save image '%1$s'"),
                                 managedSave);
            goto endjob;
        }
        vm->hasManagedSave = false;
    }
    /* as in qemu's driver, only a shut-off domain's snapshots stop an
     * undefine (virsh never passes --snapshots-metadata for a running
     * one): a running container keeps them as a transient domain, and
     * they stay with its layer, orphaned, after it stops */
    if (!virDomainObjIsActive(vm)) {
        nsnapshots = virDomainSnapshotObjListNum(vm->snapshots, NULL, 0);
        if (nsnapshots > 0 && !(flags & VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA)) {
            virReportError(
                VIR_ERR_OPERATION_INVALID,
                _("cannot undefine domain '%1$s' with %2$d snapshots: remove them, or undefine with --snapshots-metadata"),
                vm->def->name, nsnapshots);
            goto endjob;
        }
        /* their files go with their metadata: nothing is left of them */
        if (virCTSnapshotDiscardAll(driver, vm) < 0)
            goto endjob;
    }
    if (virDomainDeleteConfig(driver->config->configDir, driver->config->autostartDir, vm) < 0)
        goto endjob;
    virCTLayerUndefine(driver, vm->newDef ? vm->newDef : vm->def, virDomainObjIsActive(vm));

    event = virDomainEventLifecycleNewFromObj(vm, VIR_DOMAIN_EVENT_UNDEFINED,
                                              VIR_DOMAIN_EVENT_UNDEFINED_REMOVED);
    /* a running container goes on as a transient domain until it stops */
    vm->autostart = 0;
    vm->persistent = 0;
    g_clear_pointer(&vm->newDef, virDomainDefFree);
    ret = 0;

 endjob:
    virDomainObjEndJob(vm);
    if (ret == 0 && !virDomainObjIsActive(vm))
        virCTDriverRemoveDomain(driver, vm);
 cleanup:
    virDomainObjEndAPI(&vm);
    virObjectEventStateQueue(driver->domainEventState, event);
    return ret;
}

int
ctDomainUndefine(virDomainPtr dom)
{
    return ctDomainUndefineFlags(dom, 0);
}

char *
ctDomainGetXMLDesc(virDomainPtr dom, unsigned int flags)
{
    virCTDriver *driver = dom->conn->privateData;
    virDomainObj *vm;
    char *ret = NULL;

    virCheckFlags(VIR_DOMAIN_XML_COMMON_FLAGS, NULL);

    if (!(vm = ctDomObjFromDomain(dom)))
        return NULL;
    if (virDomainGetXMLDescEnsureACL(dom->conn, vm->def, flags) == 0)
        ret = virDomainDefFormat((flags & VIR_DOMAIN_XML_INACTIVE) && vm->newDef ? vm->newDef
                                                                                 : vm->def,
                                 driver->xmlopt, virDomainDefFormatConvertXMLFlags(flags));
    virDomainObjEndAPI(&vm);
    return ret;
}

int
ctDomainGetInfo(virDomainPtr dom, virDomainInfoPtr info)
{
    virDomainObj *vm;
    int ret = -1;

    if (!(vm = ctDomObjFromDomain(dom)))
        return -1;
    if (virDomainGetInfoEnsureACL(dom->conn, vm->def) < 0)
        goto cleanup;

    memset(info, 0, sizeof(*info));
    info->state = virDomainObjGetState(vm, NULL);
    info->maxMem = virDomainDefGetMemoryTotal(vm->def);
    info->nrVirtCpu = virDomainDefGetVcpus(vm->def);
    /* stopped: as libvirt reports it, the memory it would start with */
    info->memory = vm->def->mem.cur_balloon;
    if (virDomainObjIsActive(vm) && virCTStatsGetUsage(vm, &info->cpuTime, &info->memory) < 0)
        goto cleanup;
    ret = 0;

 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}

int
ctDomainGetState(virDomainPtr dom, int *state, int *reason, unsigned int flags)
{
    virDomainObj *vm;
    int ret = -1;

    virCheckFlags(0, -1);

    if (!(vm = ctDomObjFromDomain(dom)))
        return -1;
    if (virDomainGetStateEnsureACL(dom->conn, vm->def) == 0) {
        *state = virDomainObjGetState(vm, reason);
        ret = 0;
    }
    virDomainObjEndAPI(&vm);
    return ret;
}

char *
ctDomainGetOSType(virDomainPtr dom)
{
    virDomainObj *vm;
    char *ret = NULL;

    if (!(vm = ctDomObjFromDomain(dom)))
        return NULL;
    if (virDomainGetOSTypeEnsureACL(dom->conn, vm->def) == 0)
        ret = g_strdup(virDomainOSTypeToString(vm->def->os.type));
    virDomainObjEndAPI(&vm);
    return ret;
}

unsigned long long
ctDomainGetMaxMemory(virDomainPtr dom)
{
    virDomainObj *vm;
    unsigned long long ret = 0;

    if (!(vm = ctDomObjFromDomain(dom)))
        return 0;
    if (virDomainGetMaxMemoryEnsureACL(dom->conn, vm->def) == 0)
        ret = virDomainDefGetMemoryTotal(vm->def);
    virDomainObjEndAPI(&vm);
    return ret;
}

/* The three boolean queries differ only in the field they read. */
typedef int (*ctDomainBoolGetter)(virDomainObj *vm);
typedef int (*ctDomainBoolACL)(virConnectPtr conn, virDomainDef *def);

static int
ctDomainQueryBool(virDomainPtr dom, ctDomainBoolACL acl, ctDomainBoolGetter get)
{
    virDomainObj *vm;
    int ret = -1;

    if (!(vm = ctDomObjFromDomain(dom)))
        return -1;
    if (acl(dom->conn, vm->def) == 0)
        ret = get(vm);
    virDomainObjEndAPI(&vm);
    return ret;
}

static int
ctGetActive(virDomainObj *vm)
{
    return virDomainObjIsActive(vm) ? 1 : 0;
}
static int
ctGetPersistent(virDomainObj *vm)
{
    return vm->persistent ? 1 : 0;
}
static int
ctGetUpdated(virDomainObj *vm)
{
    return vm->updated ? 1 : 0;
}
static int
ctGetAutostart(virDomainObj *vm)
{
    return vm->autostart ? 1 : 0;
}

int
ctDomainIsActive(virDomainPtr dom)
{
    return ctDomainQueryBool(dom, virDomainIsActiveEnsureACL, ctGetActive);
}

int
ctDomainIsPersistent(virDomainPtr dom)
{
    return ctDomainQueryBool(dom, virDomainIsPersistentEnsureACL, ctGetPersistent);
}

int
ctDomainIsUpdated(virDomainPtr dom)
{
    return ctDomainQueryBool(dom, virDomainIsUpdatedEnsureACL, ctGetUpdated);
}

int
ctDomainGetAutostart(virDomainPtr dom, int *autostart)
{
    int ret = ctDomainQueryBool(dom, virDomainGetAutostartEnsureACL, ctGetAutostart);

    if (ret < 0)
        return -1;
    *autostart = ret;
    return 0;
}

static int
ctDomainWriteAutostartLink(virCTDriverConfig *cfg, const char *name, bool autostart)
{
    g_autofree char *configFile = virDomainConfigFile(cfg->configDir, name);
    g_autofree char *link = virDomainConfigFile(cfg->autostartDir, name);

    if (autostart) {
        if (g_mkdir_with_parents(cfg->autostartDir, 0755) < 0) {
            virReportSystemError(errno, _("cannot create autostart directory '%1$s'"),
                                 cfg->autostartDir);
            return -1;
        }
        if (symlink(configFile, link) < 0 && errno != EEXIST) {
            virReportSystemError(errno, _("failed to create symlink '%1$s' to '%2$s'"), link,
                                 configFile);
            return -1;
        }
    } else if (unlink(link) < 0 && errno != ENOENT && errno != ENOTDIR) {
        virReportSystemError(errno, _("failed to delete symlink '%1$s'"), link);
        return -1;
    }
    return 0;
}

int
ctDomainSetAutostart(virDomainPtr dom, int autostart)
{
    virCTDriver *driver = dom->conn->privateData;
    virDomainObj *vm;
    int ret = -1;

    if (!(vm = ctDomObjFromDomain(dom)))
        return -1;
    if (virDomainSetAutostartEnsureACL(dom->conn, vm->def) < 0)
        goto cleanup;
    if (virDomainObjBeginJob(vm, VIR_JOB_MODIFY) < 0)
        goto cleanup;

    if (!vm->persistent) {
        virReportError(VIR_ERR_OPERATION_INVALID, "%s",
                       _("cannot set autostart for transient domain"));
    } else if (ctDomainWriteAutostartLink(driver->config, vm->def->name, autostart != 0) == 0) {
        vm->autostart = autostart != 0;
        ret = 0;
    }

    virDomainObjEndJob(vm);
 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}

int
ctDomainSetMetadata(virDomainPtr dom, int type, const char *metadata, const char *key,
                    const char *uri, unsigned int flags)
{
    virCTDriver *driver = dom->conn->privateData;
    virDomainObj *vm;
    virObjectEvent *event = NULL;
    int ret = -1;

    virCheckFlags(VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG, -1);

    if (!(vm = ctDomObjFromDomain(dom)))
        return -1;
    if (virDomainSetMetadataEnsureACL(dom->conn, vm->def, flags) < 0)
        goto cleanup;
    if (virDomainObjBeginJob(vm, VIR_JOB_MODIFY) < 0)
        goto cleanup;

    ret = virDomainObjSetMetadata(vm, type, metadata, key, uri, driver->xmlopt,
                                  driver->config->stateDir, driver->config->configDir, flags);
    if (ret == 0)
        event = virDomainEventMetadataChangeNewFromObj(vm, type, uri);

    virDomainObjEndJob(vm);
 cleanup:
    virDomainObjEndAPI(&vm);
    virObjectEventStateQueue(driver->domainEventState, event);
    return ret;
}

char *
ctDomainGetMetadata(virDomainPtr dom, int type, const char *uri, unsigned int flags)
{
    virDomainObj *vm;
    char *ret = NULL;

    virCheckFlags(VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG, NULL);

    if (!(vm = ctDomObjFromDomain(dom)))
        return NULL;
    if (virDomainGetMetadataEnsureACL(dom->conn, vm->def) == 0)
        ret = virDomainObjGetMetadata(vm, type, uri, flags);
    virDomainObjEndAPI(&vm);
    return ret;
}

/* Containers have no managed save image and no snapshots; virsh asks
 * before undefine, and "none" is the true answer. */
int
ctDomainGetVcpusFlags(virDomainPtr dom, unsigned int flags)
{
    virDomainObj *vm;
    virDomainDef *def;
    int ret = -1;

    virCheckFlags(VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG | VIR_DOMAIN_VCPU_MAXIMUM, -1);

    if (!(vm = ctDomObjFromDomain(dom)))
        return -1;
    if (virDomainGetVcpusFlagsEnsureACL(dom->conn, vm->def, flags) < 0)
        goto cleanup;
    if (!(def = virDomainObjGetOneDef(vm, flags)))
        goto cleanup;

    /* the maximum is what setvcpus accepts */
    ret = (flags & VIR_DOMAIN_VCPU_MAXIMUM) ? virCTTuneVcpusMax(def) : virDomainDefGetVcpus(def);
 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}

int
ctDomainGetMaxVcpus(virDomainPtr dom)
{
    return ctDomainGetVcpusFlags(dom, VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_VCPU_MAXIMUM);
}

int
ctConnectListAllDomains(virConnectPtr conn, virDomainPtr **domains, unsigned int flags)
{
    virCTDriver *driver = conn->privateData;

    virCheckFlags(VIR_CONNECT_LIST_DOMAINS_FILTERS_ALL, -1);

    if (virConnectListAllDomainsEnsureACL(conn) < 0)
        return -1;
    return virDomainObjListExport(driver->domains, conn, domains, virConnectListAllDomainsCheckACL,
                                  flags);
}

int
ctConnectNumOfDomains(virConnectPtr conn)
{
    virCTDriver *driver = conn->privateData;

    if (virConnectNumOfDomainsEnsureACL(conn) < 0)
        return -1;
    return virDomainObjListNumOfDomains(driver->domains, true, virConnectNumOfDomainsCheckACL,
                                        conn);
}

int
ctConnectListDomains(virConnectPtr conn, int *ids, int nids)
{
    virCTDriver *driver = conn->privateData;

    if (virConnectListDomainsEnsureACL(conn) < 0)
        return -1;
    return virDomainObjListGetActiveIDs(driver->domains, ids, nids, virConnectListDomainsCheckACL,
                                        conn);
}

int
ctConnectNumOfDefinedDomains(virConnectPtr conn)
{
    virCTDriver *driver = conn->privateData;

    if (virConnectNumOfDefinedDomainsEnsureACL(conn) < 0)
        return -1;
    return virDomainObjListNumOfDomains(driver->domains, false,
                                        virConnectNumOfDefinedDomainsCheckACL, conn);
}

int
ctConnectListDefinedDomains(virConnectPtr conn, char **const names, int nnames)
{
    virCTDriver *driver = conn->privateData;

    if (virConnectListDefinedDomainsEnsureACL(conn) < 0)
        return -1;
    return virDomainObjListGetInactiveNames(driver->domains, names, nnames,
                                            virConnectListDefinedDomainsCheckACL, conn);
}

/* virsh dominfo asks; a container has neither deprecated features nor
 * taints to report. */
int
ctDomainGetMessages(virDomainPtr dom, char ***msgs, unsigned int flags)
{
    virDomainObj *vm;
    int ret = -1;

    virCheckFlags(VIR_DOMAIN_MESSAGE_DEPRECATION | VIR_DOMAIN_MESSAGE_TAINTING, -1);

    if (!(vm = ctDomObjFromDomain(dom)))
        return -1;
    if (virDomainGetMessagesEnsureACL(dom->conn, vm->def) == 0) {
        *msgs = NULL;
        ret = 0;
    }
    virDomainObjEndAPI(&vm);
    return ret;
}
