/*
 * ct_driver.c: the CT driver table, its state and the connection and
 * host entry points
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include <fcntl.h>
#include <unistd.h>

#include "ct_config.h"
#include "ct_driver.h"
#include "ct_idrange.h"
#include "ct_device.h"
#include "ct_domain.h"
#include "ct_domain_api.h"
#include "ct_domcaps.h"
#include "ct_layer.h"
#include "ct_lifecycle.h"
#include "ct_disk.h"
#include "ct_save.h"
#include "ct_snapshot.h"
#include "ct_lxcfs.h"
#include "ct_migrate.h"
#include "ct_process.h"
#include "ct_stats.h"
#include "ct_tune.h"

#include "datatypes.h"
#include "domain_capabilities.h"
#include "driver.h"
#include "viraccessapicheck.h"
#include "virerror.h"
#include "virfile.h"
#include "virhostcpu.h"
#include "virhostmem.h"
#include "virclosecallbacks.h"
#include "virlog.h"
#include "virpidfile.h"
#include "virstring.h"
#include "virsysinfo.h"
#include "virutil.h"

#define VIR_FROM_THIS VIR_FROM_NONE

VIR_LOG_INIT("ct.ct_driver");

static virCTDriver *ct_driver;

static int ctStateCleanup(void);

/* A daemon killed inside virFileRewrite leaves its "NAME.new" beside the
 * intact original; only this daemon (it holds the state lock) writes
 * here, so every such file is a dead write. */
static void
ctStateRemoveDeadWrites(const char *dir)
{
    g_autoptr(DIR) dh = NULL;
    struct dirent *ent;

    if (virDirOpenIfExists(&dh, dir) <= 0)
        return;
    while (virDirRead(dh, &ent, dir) > 0) {
        g_autofree char *path = NULL;

        if (!g_str_has_suffix(ent->d_name, ".new"))
            continue;
        path = g_build_filename(dir, ent->d_name, NULL);
        VIR_WARN("removing %s, written by a daemon that died", path);
        if (unlink(path) < 0 && errno != ENOENT)
            VIR_WARN("cannot remove %s: %s", path, g_strerror(errno));
    }
}

static int
ctStateLoadDomains(virCTDriver *driver)
{
    virCTDriverConfig *cfg = driver->config;

    ctStateRemoveDeadWrites(cfg->stateDir);
    ctStateRemoveDeadWrites(cfg->configDir);
    /* Running containers first, from their status files, so that the
     * persistent definitions loaded next attach to them as newDef. */
    if (virDomainObjListLoadAllConfigs(driver->domains, cfg->stateDir, NULL, true, driver->xmlopt,
                                       NULL, NULL) < 0)
        return -1;

    /* An unreadable or invalid definition is logged and skipped. */
    return virDomainObjListLoadAllConfigs(driver->domains, cfg->configDir, cfg->autostartDir, false,
                                          driver->xmlopt, NULL, NULL);
}

/* The driver with its configuration, locks and state directory taken;
 * NULL on error (everything undone). */
static virCTDriver *
ctStateNewDriver(bool privileged, const char *root)
{
    g_autofree char *configFile = NULL;

    ct_driver = g_new0(virCTDriver, 1);
    ct_driver->lockFD = -1;
    if (virMutexInit(&ct_driver->lock) < 0) {
        g_clear_pointer(&ct_driver, g_free);
        return NULL;
    }
    if (virMutexInit(&ct_driver->idLock) < 0) {
        virMutexDestroy(&ct_driver->lock);
        g_clear_pointer(&ct_driver, g_free);
        return NULL;
    }
    ct_driver->privileged = privileged;
    ct_driver->embeddedRoot = g_strdup(root);
    if (!(ct_driver->config = virCTDriverConfigNew(privileged, root)) ||
        virCTDriverConfigMakeDirs(ct_driver->config) < 0)
        goto error;
    configFile = virCTDriverConfigFilePath(ct_driver->config);
    if (virCTDriverConfigLoadFile(ct_driver->config, configFile) < 0)
        goto error;
    ct_driver->store = virCTStoreNew(ct_driver->config->dataDir);
    if (ct_driver->config->layerPool &&
        virCTDiskPoolMount(ct_driver->config->layerPool, ct_driver->store->containerDir,
                           ct_driver->config->layerPoolSize) < 0)
        goto error;
    /* One daemon (or embedding process) per state directory. */
    if ((ct_driver->lockFD =
             virPidFileAcquire(ct_driver->config->stateDir, "driver", false, getpid())) < 0)
        goto error;
    return ct_driver;

 error:
    ctStateCleanup();
    return NULL;
}

static virDrvStateInitResult
ctStateInitialize(bool privileged, const char *root, bool monolithic G_GNUC_UNUSED,
                  virStateInhibitCallback callback, void *opaque)
{
    if (!privileged && !root) {
        VIR_INFO("Not running privileged, disabling the CT driver");
        return VIR_DRV_STATE_INIT_SKIPPED;
    }
    if (!ctStateNewDriver(privileged, root))
        return VIR_DRV_STATE_INIT_ERROR;
    ct_driver->inhibitCallback = callback;
    ct_driver->inhibitOpaque = opaque;

    if (!(ct_driver->caps = virCTDriverCapsInit(ct_driver->config)) ||
        !(ct_driver->xmlopt = virCTDomainXMLConfInit(ct_driver)) ||
        !(ct_driver->domains = virDomainObjListNew()) ||
        !(ct_driver->domainEventState = virObjectEventStateNew()))
        goto error;
    /* before reconnecting: a container found again may end at once */
    if (!(ct_driver->workerPool =
              virThreadPoolNewFull(0, 4, 0, virCTProcessWorker, "ct-worker", NULL, ct_driver)))
        goto error;
    if (virCTLayerRemoverStart(ct_driver) < 0)
        goto error;

    if (ctStateLoadDomains(ct_driver) < 0)
        goto error;
    virCTProcessReconnectAll(ct_driver);
    virCTSaveInit(ct_driver);
    virCTSnapshotLoadAll(ct_driver);
    virCTIdRangeLoadAll(ct_driver);
    virCTLayerCleanupStale(ct_driver);
    /* before autostart: containers bind /proc files from it */
    if (privileged)
        ignore_value(virCTLxcfsEnsure());
    virCTProcessAutostartAll(ct_driver);

    return VIR_DRV_STATE_INIT_COMPLETE;

 error:
    ctStateCleanup();
    return VIR_DRV_STATE_INIT_ERROR;
}

static int
ctStateReload(void)
{
    if (!ct_driver)
        return 0;
    return virDomainObjListLoadAllConfigs(ct_driver->domains, ct_driver->config->configDir,
                                          ct_driver->config->autostartDir, false, ct_driver->xmlopt,
                                          NULL, NULL);
}

/* No new exit or timer work from here on: what comes later is found
 * again by the next daemon (the supervisor records every exit). */
static int
ctStateShutdownPrepare(void)
{
    if (ct_driver && ct_driver->workerPool)
        virThreadPoolStop(ct_driver->workerPool);
    return 0;
}

/* The work in progress ends before the driver is freed. */
static int
ctStateShutdownWait(void)
{
    if (ct_driver && ct_driver->workerPool)
        virThreadPoolDrain(ct_driver->workerPool);
    return 0;
}

static int
ctStateCleanup(void)
{
    if (!ct_driver)
        return -1;

    /* also drains it where no shutdown was prepared (embedded driver) */
    g_clear_pointer(&ct_driver->workerPool, virThreadPoolFree);
    /* after the exits: a transient container's may have queued its layer */
    virCTLayerRemoverStop(ct_driver);
    virObjectUnref(ct_driver->domainEventState);
    virObjectUnref(ct_driver->domains);
    virObjectUnref(ct_driver->xmlopt);
    virObjectUnref(ct_driver->caps);
    if (ct_driver->lockFD != -1)
        virPidFileRelease(ct_driver->config->stateDir, "driver", ct_driver->lockFD);
    virObjectUnref(ct_driver->config);
    virCTStoreFree(ct_driver->store);
    g_free(ct_driver->embeddedRoot);
    virCTIdRangeFree(ct_driver);
    virMutexDestroy(&ct_driver->idLock);
    virMutexDestroy(&ct_driver->lock);
    g_clear_pointer(&ct_driver, g_free);
    return 0;
}

static int
ctConnectCheckURI(virConnectPtr conn)
{
    const char *root;

    if (!ct_driver->embeddedRoot)
        return virConnectValidateURIPath(conn->uri->path, CT_URI_SCHEME, ct_driver->privileged)
                   ? 0
                   : -1;

    if (STRNEQ(conn->uri->path, "/embed")) {
        virReportError(VIR_ERR_INTERNAL_ERROR, _("URI must be ct:///embed, not '%1$s'"),
                       conn->uri->path);
        return -1;
    }
    if (!(root = virURIGetParam(conn->uri, "root")))
        return -1;
    if (STRNEQ(root, ct_driver->embeddedRoot)) {
        virReportError(
            VIR_ERR_INTERNAL_ERROR,
            _("cannot open embedded driver at path '%1$s', already open with path '%2$s'"), root,
            ct_driver->embeddedRoot);
        return -1;
    }
    return 0;
}

static virDrvOpenStatus
ctConnectOpen(virConnectPtr conn, virConnectAuthPtr auth G_GNUC_UNUSED, virConf *conf G_GNUC_UNUSED,
              unsigned int flags)
{
    virCheckFlags(VIR_CONNECT_RO, VIR_DRV_OPEN_ERROR);

    if (!ct_driver) {
        virReportError(
            VIR_ERR_OPERATION_UNSUPPORTED, "%s",
            _("the CT driver is not active: it runs as root (ct:///system) or embedded (ct:///embed?root=DIR)"));
        return VIR_DRV_OPEN_ERROR;
    }
    if (ctConnectCheckURI(conn) < 0)
        return VIR_DRV_OPEN_ERROR;
    if (virConnectOpenEnsureACL(conn) < 0)
        return VIR_DRV_OPEN_ERROR;

    conn->privateData = ct_driver;
    return VIR_DRV_OPEN_SUCCESS;
}

static int
ctConnectClose(virConnectPtr conn)
{
    virCTDriver *driver = conn->privateData;

    virCloseCallbacksDomainRunForConn(driver->domains, conn);
    virCTMigrateConnClosed(conn);
    conn->privateData = NULL;
    return 0;
}

static const char *
ctConnectGetType(virConnectPtr conn)
{
    if (virConnectGetTypeEnsureACL(conn) < 0)
        return NULL;
    return CT_DRIVER_NAME;
}

static int
ctConnectGetVersion(virConnectPtr conn, unsigned long *version)
{
    if (virConnectGetVersionEnsureACL(conn) < 0)
        return -1;
    *version = CT_VERSION_NUMBER;
    return 0;
}

static int
ctConnectGetLibVersion(virConnectPtr conn, unsigned long *libVer)
{
    if (virConnectGetLibVersionEnsureACL(conn) < 0)
        return -1;
    *libVer = LIBVIR_VERSION_NUMBER;
    return 0;
}

static char *
ctConnectGetHostname(virConnectPtr conn)
{
    if (virConnectGetHostnameEnsureACL(conn) < 0)
        return NULL;
    return virGetHostname();
}

static char *
ctConnectGetSysinfo(virConnectPtr conn, unsigned int flags)
{
    g_auto(virBuffer) buf = VIR_BUFFER_INITIALIZER;
    g_autoptr(virSysinfoDef) sysinfo = NULL;

    virCheckFlags(0, NULL);

    if (virConnectGetSysinfoEnsureACL(conn) < 0)
        return NULL;
    if (!(sysinfo = virSysinfoRead()))
        return NULL;
    if (virSysinfoFormat(&buf, sysinfo) < 0)
        return NULL;
    return virBufferContentAndReset(&buf);
}

static int
ctConnectIsAlive(virConnectPtr conn G_GNUC_UNUSED)
{
    return 1;
}

/* The driver runs in-process or behind a local UNIX socket. */
static int
ctConnectIsSecure(virConnectPtr conn G_GNUC_UNUSED)
{
    return 1;
}

static int
ctConnectIsEncrypted(virConnectPtr conn G_GNUC_UNUSED)
{
    return 0;
}

static int
ctConnectSupportsFeature(virConnectPtr conn, int feature)
{
    int supported;

    if (virConnectSupportsFeatureEnsureACL(conn) < 0)
        return -1;
    if (virDriverFeatureIsGlobal(feature, &supported))
        return supported;

    switch ((virDrvFeature)feature) {
    case VIR_DRV_FEATURE_TYPED_PARAM_STRING:
    case VIR_DRV_FEATURE_MIGRATION_V3:
    case VIR_DRV_FEATURE_MIGRATION_P2P:
    case VIR_DRV_FEATURE_MIGRATION_PARAMS:
    case VIR_DRV_FEATURE_MIGRATION_OFFLINE:
    case VIR_DRV_FEATURE_XML_MIGRATABLE:
    case VIR_DRV_FEATURE_MIGRATE_CHANGE_PROTECTION:
        return 1;
    case VIR_DRV_FEATURE_REMOTE:
    case VIR_DRV_FEATURE_PROGRAM_KEEPALIVE:
    case VIR_DRV_FEATURE_REMOTE_CLOSE_CALLBACK:
    case VIR_DRV_FEATURE_REMOTE_EVENT_CALLBACK:
    case VIR_DRV_FEATURE_NETWORK_UPDATE_HAS_CORRECT_ORDER:
    case VIR_DRV_FEATURE_FD_PASSING:
    case VIR_DRV_FEATURE_MIGRATION_V2:
    case VIR_DRV_FEATURE_MIGRATION_DIRECT:
    case VIR_DRV_FEATURE_MIGRATION_V1:
    default:
        return 0;
    }
}

static char *
ctConnectGetCapabilities(virConnectPtr conn)
{
    virCTDriver *driver = conn->privateData;
    g_autoptr(virCaps) caps = NULL;

    if (virConnectGetCapabilitiesEnsureACL(conn) < 0)
        return NULL;
    if (!(caps = virCTDriverGetCapabilities(driver, true)))
        return NULL;
    return virCapabilitiesFormatXML(caps);
}

/* Checks the optional arguments of virConnectGetDomainCapabilities against
 * what a container can be: an exe guest of the host arch, type lxc. */
static int
ctDomainCapsCheckArgs(virCTDriver *driver, const char *emulatorbin, const char *archStr,
                      const char *virttypeStr, virArch *arch)
{
    *arch = virArchFromHost();
    if (archStr && (*arch = virArchFromString(archStr)) != virArchFromHost()) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("architecture '%1$s' is not supported: containers run the host's '%2$s'"),
                       archStr, virArchToString(virArchFromHost()));
        return -1;
    }
    if (virttypeStr && STRNEQ(virttypeStr, "lxc")) {
        virReportError(VIR_ERR_INVALID_ARG, _("virttype '%1$s' is not supported: use 'lxc'"),
                       virttypeStr);
        return -1;
    }
    if (emulatorbin && STRNEQ(emulatorbin, driver->config->emulator)) {
        virReportError(VIR_ERR_INVALID_ARG, _("emulator '%1$s' is not supported: use '%2$s'"),
                       emulatorbin, driver->config->emulator);
        return -1;
    }
    return 0;
}

static char *
ctConnectGetDomainCapabilities(virConnectPtr conn, const char *emulatorbin, const char *archStr,
                               const char *machine, const char *virttypeStr, unsigned int flags)
{
    virCTDriver *driver = conn->privateData;
    virArch arch;

    virCheckFlags(0, NULL);

    if (virConnectGetDomainCapabilitiesEnsureACL(conn) < 0)
        return NULL;
    if (ctDomainCapsCheckArgs(driver, emulatorbin, archStr, virttypeStr, &arch) < 0)
        return NULL;
    return virCTDomainCapsFormat(driver->config->emulator, machine, arch);
}

static int
ctNodeGetInfo(virConnectPtr conn, virNodeInfoPtr nodeinfo)
{
    if (virNodeGetInfoEnsureACL(conn) < 0)
        return -1;
    return virCapabilitiesGetNodeInfo(nodeinfo);
}

static int
ctNodeGetCPUMap(virConnectPtr conn, unsigned char **cpumap, unsigned int *online,
                unsigned int flags)
{
    if (virNodeGetCPUMapEnsureACL(conn) < 0)
        return -1;
    return virHostCPUGetMap(cpumap, online, flags);
}

static int
ctNodeGetCPUStats(virConnectPtr conn, int cpuNum, virNodeCPUStatsPtr params, int *nparams,
                  unsigned int flags)
{
    if (virNodeGetCPUStatsEnsureACL(conn) < 0)
        return -1;
    return virHostCPUGetStats(cpuNum, params, nparams, flags);
}

static int
ctNodeGetMemoryStats(virConnectPtr conn, int cellNum, virNodeMemoryStatsPtr params, int *nparams,
                     unsigned int flags)
{
    if (virNodeGetMemoryStatsEnsureACL(conn) < 0)
        return -1;
    return virHostMemGetStats(cellNum, params, nparams, flags);
}

static int
ctNodeGetCellsFreeMemory(virConnectPtr conn, unsigned long long *freeMems, int startCell,
                         int maxCells)
{
    if (virNodeGetCellsFreeMemoryEnsureACL(conn) < 0)
        return -1;
    return virHostMemGetCellsFree(freeMems, startCell, maxCells);
}

static unsigned long long
ctNodeGetFreeMemory(virConnectPtr conn)
{
    unsigned long long freeMem;

    if (virNodeGetFreeMemoryEnsureACL(conn) < 0)
        return 0;
    if (virHostMemGetInfo(NULL, &freeMem) < 0)
        return 0;
    return freeMem;
}

/* No security driver (SELinux, AppArmor) confines containers yet: the
 * model is "none", as libvirt-lxc reports without one, which is what
 * virsh lxc-enter-namespace knows how to enter. */
static int
ctNodeGetSecurityModel(virConnectPtr conn, virSecurityModelPtr secmodel)
{
    if (virNodeGetSecurityModelEnsureACL(conn) < 0)
        return -1;
    memset(secmodel, 0, sizeof(*secmodel));
    if (virStrcpyStatic(secmodel->model, "none") < 0 || virStrcpyStatic(secmodel->doi, "0") < 0)
        return -1;
    return 0;
}

static int
ctConnectDomainEventRegisterAny(virConnectPtr conn, virDomainPtr dom, int eventID,
                                virConnectDomainEventGenericCallback callback, void *opaque,
                                virFreeCallback freecb)
{
    virCTDriver *driver = conn->privateData;
    int ret = -1;

    if (virConnectDomainEventRegisterAnyEnsureACL(conn) < 0)
        return -1;
    if (virDomainEventStateRegisterID(conn, driver->domainEventState, dom, eventID, callback,
                                      opaque, freecb, &ret) < 0)
        return -1;
    return ret;
}

static int
ctConnectDomainEventDeregisterAny(virConnectPtr conn, int callbackID)
{
    virCTDriver *driver = conn->privateData;

    if (virConnectDomainEventDeregisterAnyEnsureACL(conn) < 0)
        return -1;
    return virObjectEventStateDeregisterID(conn, driver->domainEventState, callbackID, true);
}

static int
ctConnectDomainEventRegister(virConnectPtr conn, virConnectDomainEventCallback callback,
                             void *opaque, virFreeCallback freecb)
{
    virCTDriver *driver = conn->privateData;

    if (virConnectDomainEventRegisterEnsureACL(conn) < 0)
        return -1;
    return virDomainEventStateRegister(conn, driver->domainEventState, callback, opaque, freecb);
}

static int
ctConnectDomainEventDeregister(virConnectPtr conn, virConnectDomainEventCallback callback)
{
    virCTDriver *driver = conn->privateData;

    if (virConnectDomainEventDeregisterEnsureACL(conn) < 0)
        return -1;
    return virDomainEventStateDeregister(conn, driver->domainEventState, callback);
}

static virHypervisorDriver ctHypervisorDriver = {
    .name = CT_DRIVER_NAME,
    .connectOpen = ctConnectOpen,
    .connectClose = ctConnectClose,
    .connectGetType = ctConnectGetType,
    .connectGetVersion = ctConnectGetVersion,
    .connectGetLibVersion = ctConnectGetLibVersion,
    .connectGetHostname = ctConnectGetHostname,
    .connectGetSysinfo = ctConnectGetSysinfo,
    .connectIsAlive = ctConnectIsAlive,
    .connectIsSecure = ctConnectIsSecure,
    .connectIsEncrypted = ctConnectIsEncrypted,
    .connectSupportsFeature = ctConnectSupportsFeature,
    .connectGetCapabilities = ctConnectGetCapabilities,
    .connectGetDomainCapabilities = ctConnectGetDomainCapabilities,
    .connectListAllDomains = ctConnectListAllDomains,
    .connectNumOfDomains = ctConnectNumOfDomains,
    .connectListDomains = ctConnectListDomains,
    .connectNumOfDefinedDomains = ctConnectNumOfDefinedDomains,
    .connectListDefinedDomains = ctConnectListDefinedDomains,
    .connectDomainEventRegister = ctConnectDomainEventRegister,
    .connectDomainEventDeregister = ctConnectDomainEventDeregister,
    .connectDomainEventRegisterAny = ctConnectDomainEventRegisterAny,
    .connectDomainEventDeregisterAny = ctConnectDomainEventDeregisterAny,
    .nodeGetInfo = ctNodeGetInfo,
    .nodeGetCPUMap = ctNodeGetCPUMap,
    .nodeGetCPUStats = ctNodeGetCPUStats,
    .nodeGetMemoryStats = ctNodeGetMemoryStats,
    .nodeGetCellsFreeMemory = ctNodeGetCellsFreeMemory,
    .nodeGetFreeMemory = ctNodeGetFreeMemory,
    .nodeGetSecurityModel = ctNodeGetSecurityModel,
    .domainLookupByID = ctDomainLookupByID,
    .domainLookupByName = ctDomainLookupByName,
    .domainLookupByUUID = ctDomainLookupByUUID,
    .domainDefineXML = ctDomainDefineXML,
    .domainDefineXMLFlags = ctDomainDefineXMLFlags,
    .domainUndefine = ctDomainUndefine,
    .domainUndefineFlags = ctDomainUndefineFlags,
    .domainGetXMLDesc = ctDomainGetXMLDesc,
    .domainGetInfo = ctDomainGetInfo,
    .domainGetState = ctDomainGetState,
    .domainGetOSType = ctDomainGetOSType,
    .domainGetMaxMemory = ctDomainGetMaxMemory,
    .domainIsActive = ctDomainIsActive,
    .domainIsPersistent = ctDomainIsPersistent,
    .domainIsUpdated = ctDomainIsUpdated,
    .domainGetAutostart = ctDomainGetAutostart,
    .domainSetAutostart = ctDomainSetAutostart,
    .domainSetMetadata = ctDomainSetMetadata,
    .domainGetMetadata = ctDomainGetMetadata,
    .domainHasManagedSaveImage = ctDomainHasManagedSaveImage,
    .domainSave = ctDomainSave,
    .domainSaveFlags = ctDomainSaveFlags,
    .domainRestore = ctDomainRestore,
    .domainRestoreFlags = ctDomainRestoreFlags,
    .domainSaveImageGetXMLDesc = ctDomainSaveImageGetXMLDesc,
    .domainManagedSave = ctDomainManagedSave,
    .domainManagedSaveRemove = ctDomainManagedSaveRemove,
    .domainManagedSaveGetXMLDesc = ctDomainManagedSaveGetXMLDesc,
    .domainSaveImageDefineXML = ctDomainSaveImageDefineXML,
    .domainManagedSaveDefineXML = ctDomainManagedSaveDefineXML,
    .domainGetJobInfo = ctDomainGetJobInfo,
    .domainAbortJob = ctDomainAbortJob,
    .domainMigrateBegin3Params = ctDomainMigrateBegin3Params,
    .domainMigratePrepare3Params = ctDomainMigratePrepare3Params,
    .domainMigratePrepareTunnel3Params = ctDomainMigratePrepareTunnel3Params,
    .domainMigratePerform3Params = ctDomainMigratePerform3Params,
    .domainMigrateFinish3Params = ctDomainMigrateFinish3Params,
    .domainMigrateConfirm3Params = ctDomainMigrateConfirm3Params,
    .domainMigrateGetMaxSpeed = ctDomainMigrateGetMaxSpeed,
    .domainMigrateSetMaxSpeed = ctDomainMigrateSetMaxSpeed,
    .domainGetJobStats = ctDomainGetJobStats,
    /* snapshots (ct_snapshot.c) */
    .domainSnapshotCreateXML = ctDomainSnapshotCreateXML,
    .domainSnapshotGetXMLDesc = ctDomainSnapshotGetXMLDesc,
    .domainSnapshotNum = ctDomainSnapshotNum,
    .domainSnapshotListNames = ctDomainSnapshotListNames,
    .domainListAllSnapshots = ctDomainListAllSnapshots,
    .domainSnapshotNumChildren = ctDomainSnapshotNumChildren,
    .domainSnapshotListChildrenNames = ctDomainSnapshotListChildrenNames,
    .domainSnapshotListAllChildren = ctDomainSnapshotListAllChildren,
    .domainSnapshotLookupByName = ctDomainSnapshotLookupByName,
    .domainHasCurrentSnapshot = ctDomainHasCurrentSnapshot,
    .domainSnapshotGetParent = ctDomainSnapshotGetParent,
    .domainSnapshotCurrent = ctDomainSnapshotCurrent,
    .domainSnapshotIsCurrent = ctDomainSnapshotIsCurrent,
    .domainSnapshotHasMetadata = ctDomainSnapshotHasMetadata,
    .domainRevertToSnapshot = ctDomainRevertToSnapshot,
    .domainSnapshotDelete = ctDomainSnapshotDelete,
    .domainGetVcpusFlags = ctDomainGetVcpusFlags,
    .domainGetMaxVcpus = ctDomainGetMaxVcpus,
    .domainCreate = ctDomainCreate,
    .domainCreateWithFlags = ctDomainCreateWithFlags,
    .domainCreateXML = ctDomainCreateXML,
    .domainDestroy = ctDomainDestroy,
    .domainDestroyFlags = ctDomainDestroyFlags,
    .domainShutdown = ctDomainShutdown,
    .domainShutdownFlags = ctDomainShutdownFlags,
    .domainReboot = ctDomainReboot,
    .domainSuspend = ctDomainSuspend,
    .domainResume = ctDomainResume,
    .domainOpenConsole = ctDomainOpenConsole,
    .domainLxcOpenNamespace = ctDomainLxcOpenNamespace,
    .domainSendProcessSignal = ctDomainSendProcessSignal,
    .domainGetHostname = ctDomainGetHostname,
    .domainGetSecurityLabel = ctDomainGetSecurityLabel,
    .domainUpdateDeviceFlags = ctDomainUpdateDeviceFlags,
    .domainGetBlockInfo = ctDomainGetBlockInfo,
    .connectGetAllDomainStats = ctConnectGetAllDomainStats,
    .domainSetMemoryParameters = ctDomainSetMemoryParameters,
    .domainGetMemoryParameters = ctDomainGetMemoryParameters,
    .domainSetMemoryFlags = ctDomainSetMemoryFlags,
    .domainSetMemory = ctDomainSetMemory,
    .domainSetMaxMemory = ctDomainSetMaxMemory,
    .domainGetSchedulerType = ctDomainGetSchedulerType,
    .domainGetSchedulerParameters = ctDomainGetSchedulerParameters,
    .domainGetSchedulerParametersFlags = ctDomainGetSchedulerParametersFlags,
    .domainSetSchedulerParameters = ctDomainSetSchedulerParameters,
    .domainSetSchedulerParametersFlags = ctDomainSetSchedulerParametersFlags,
    .domainSetBlkioParameters = ctDomainSetBlkioParameters,
    .domainGetBlkioParameters = ctDomainGetBlkioParameters,
    .domainSetNumaParameters = ctDomainSetNumaParameters,
    .domainGetNumaParameters = ctDomainGetNumaParameters,
    .domainSetVcpus = ctDomainSetVcpus,
    .domainSetVcpusFlags = ctDomainSetVcpusFlags,
    .domainGetVcpus = ctDomainGetVcpus,
    .domainPinVcpu = ctDomainPinVcpu,
    .domainPinVcpuFlags = ctDomainPinVcpuFlags,
    .domainGetVcpuPinInfo = ctDomainGetVcpuPinInfo,
    .domainPinEmulator = ctDomainPinEmulator,
    .domainGetEmulatorPinInfo = ctDomainGetEmulatorPinInfo,
    .domainGetMessages = ctDomainGetMessages,
    /* statistics (ct_stats.c) */
    .domainMemoryStats = ctDomainMemoryStats,
    .domainGetCPUStats = ctDomainGetCPUStats,
    .domainBlockStats = ctDomainBlockStats,
    .domainInterfaceStats = ctDomainInterfaceStats,
    .domainInterfaceAddresses = ctDomainInterfaceAddresses,
    .domainAttachDevice = ctDomainAttachDevice,
    .domainAttachDeviceFlags = ctDomainAttachDeviceFlags,
    .domainDetachDevice = ctDomainDetachDevice,
    .domainDetachDeviceFlags = ctDomainDetachDeviceFlags,
    .domainBlockStatsFlags = ctDomainBlockStatsFlags,
};

static virConnectDriver ctConnectDriver = {
    .localOnly = true,
    .embeddable = true,
    .uriSchemes = (const char *[]){ CT_URI_SCHEME, NULL },
    .hypervisorDriver = &ctHypervisorDriver,
};

static virStateDriver ctStateDriver = {
    .name = CT_DRIVER_NAME,
    .stateInitialize = ctStateInitialize,
    .stateCleanup = ctStateCleanup,
    .stateReload = ctStateReload,
    .stateShutdownPrepare = ctStateShutdownPrepare,
    .stateShutdownWait = ctStateShutdownWait,
};

int
ctRegister(void)
{
    if (virRegisterConnectDriver(&ctConnectDriver, true) < 0)
        return -1;
    if (virRegisterStateDriver(&ctStateDriver) < 0)
        return -1;
    return 0;
}
