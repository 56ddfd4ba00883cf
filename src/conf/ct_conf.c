/*
 * ct_conf.c: driver configuration and capabilities
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include <fcntl.h>

#include "ct_config.h"
#include "ct_conf.h"

#include "viralloc.h"
#include "virarch.h"
#include "virconf.h"
#include "virerror.h"
#include "virfile.h"
#include "virlog.h"
#include "virstring.h"
#include "virutil.h"
#include "viruuid.h"
#include "virutil.h"

#define VIR_FROM_THIS VIR_FROM_NONE

VIR_LOG_INIT("ct.ct_conf");

static virClass *virCTDriverConfigClass;

static void
virCTDriverConfigDispose(void *obj)
{
    virCTDriverConfig *cfg = obj;

    g_free(cfg->root);
    g_free(cfg->configDir);
    g_free(cfg->autostartDir);
    g_free(cfg->stateDir);
    g_free(cfg->dataDir);
    g_free(cfg->logDir);
    g_free(cfg->schemaDir);
    g_free(cfg->supervisor);
    g_free(cfg->criu);
    g_free(cfg->migrationHost);
    g_free(cfg->migrationAddress);
    g_free(cfg->layerPool);
    g_free(cfg->emulator);
}

static int
virCTDriverConfigOnceInit(void)
{
    if (!VIR_CLASS_NEW(virCTDriverConfig, virClassForObject()))
        return -1;
    return 0;
}

VIR_ONCE_GLOBAL_INIT(virCTDriverConfig);

#ifndef CT_CRIU_NAME
#define CT_CRIU_NAME "ct-criu"
#endif

/* Tests and a daemon run from the build tree point at the build tree's
 * supervisor and schemas; otherwise the installed ones are used. */
static char *
virCTDriverConfigFindResource(const char *envvar, const char *installed)
{
    const char *env = getenv(envvar);

    if (env && *env)
        return g_strdup(env);
    return g_strdup(installed);
}

/**
 * virCTDriverConfigNew:
 * @privileged: whether the driver runs as root
 * @root: embedded root directory, or NULL
 *
 * Returns a new configuration (caller owns the reference) with the paths
 * of ct:///system, or of ct:///embed?root=@root where, as in libvirt's
 * other embeddable drivers, "/libvirt" is dropped from every path.
 */
virCTDriverConfig *
virCTDriverConfigNew(bool privileged, const char *root)
{
    g_autoptr(virCTDriverConfig) cfg = NULL;

    if (virCTDriverConfigInitialize() < 0)
        return NULL;
    if (!(cfg = virObjectNew(virCTDriverConfigClass)))
        return NULL;

    /* CT_ROOT runs a privileged daemon on a private tree (the
     * integration tests use it); it lays out paths like embedded mode. */
    if (!root && privileged && getenv("CT_ROOT") && *getenv("CT_ROOT"))
        root = getenv("CT_ROOT");

    if (root) {
        cfg->root = g_strdup(root);
        cfg->configDir = g_strdup_printf("%s/etc/ct", root);
        cfg->stateDir = g_strdup_printf("%s/run/ct", root);
        cfg->dataDir = g_strdup_printf("%s/var/lib/ct", root);
        cfg->logDir = g_strdup_printf("%s/log/ct", root);
    } else if (privileged) {
        cfg->configDir = g_strdup(CT_SYSCONFDIR "/libvirt/ct");
        cfg->stateDir = g_strdup(CT_RUNSTATEDIR "/libvirt/ct");
        cfg->dataDir = g_strdup(CT_LOCALSTATEDIR "/lib/libvirt/ct");
        cfg->logDir = g_strdup(CT_LOCALSTATEDIR "/log/libvirt/ct");
    } else {
        virReportError(
            VIR_ERR_OPERATION_UNSUPPORTED, "%s",
            _("the CT driver runs only as root (ct:///system) or embedded (ct:///embed?root=DIR)"));
        return NULL;
    }
    cfg->autostartDir = g_strdup_printf("%s/autostart", cfg->configDir);
    cfg->schemaDir =
        virCTDriverConfigFindResource("CT_SCHEMA_DIR", CT_DATADIR "/libvirt-ct/schemas");
    cfg->emulator = g_strdup(CT_LIBEXECDIR "/" CT_SUPERVISOR_NAME);
    cfg->supervisor = virCTDriverConfigFindResource("CT_SUPERVISOR", cfg->emulator);
    cfg->migrationTimeout = 60;
    cfg->criu = virCTDriverConfigFindResource("CT_CRIU", CT_LIBEXECDIR "/" CT_CRIU_NAME);
    cfg->idPoolStart = CT_ID_POOL_START;
    cfg->idPoolSize = CT_ID_POOL_SIZE;
    cfg->idRangeSize = CT_ID_RANGE_SIZE;

    return g_steal_pointer(&cfg);
}

/**
 * virCTDriverConfigFilePath:
 *
 * Returns the file the driver's settings are read from: the daemon's own
 * virtctd.conf (the daemon ignores keys it does not know), or virtctd.conf
 * at the top of a private tree.
 */
char *
virCTDriverConfigFilePath(virCTDriverConfig *cfg)
{
    if (cfg->root)
        return g_strdup_printf("%s/virtctd.conf", cfg->root);
    return g_strdup(CT_SYSCONFDIR "/libvirt/virtctd.conf");
}

/* The id pool must leave host id 0 alone, hold at least one range and
 * end below the invalid id (uid_t)-1. */
static int
virCTDriverConfigCheckIdPool(virCTDriverConfig *cfg, const char *path)
{
    const char *why = NULL;

    if (cfg->idPoolStart == 0)
        why = _("ct_id_pool_start must not be 0 (host root)");
    else if (cfg->idRangeSize == 0 || cfg->idPoolSize < cfg->idRangeSize)
        why = _("ct_id_pool_size must hold at least one range of ct_id_range_size ids");
    else if (cfg->idPoolSize > UINT_MAX - cfg->idPoolStart)
        why = _("the id pool must end below 4294967295");
    if (!why)
        return 0;
    virReportError(VIR_ERR_CONF_SYNTAX, _("invalid id pool in '%1$s': %2$s"), path, why);
    return -1;
}

/**
 * virCTDriverConfigLoadFile:
 * @path: a configuration file; a missing one leaves the defaults
 *
 * Reads the driver's keys (ct_id_pool_start, ct_id_pool_size,
 * ct_id_range_size, migration_host, migration_address, migration_timeout, layer_pool,
 * layer_pool_size).  Returns 0, or -1 with an error naming the file.
 */
int
virCTDriverConfigLoadFile(virCTDriverConfig *cfg, const char *path)
{
    g_autoptr(virConf) conf = NULL;
    g_autofree char *poolSize = NULL;

    if (!virFileExists(path))
        return 0;
    if (!(conf = virConfReadFile(path, 0)))
        return -1;
    if (virConfGetValueUInt(conf, "ct_id_pool_start", &cfg->idPoolStart) < 0 ||
        virConfGetValueUInt(conf, "ct_id_pool_size", &cfg->idPoolSize) < 0 ||
        virConfGetValueUInt(conf, "ct_id_range_size", &cfg->idRangeSize) < 0 ||
        virConfGetValueString(conf, "migration_host", &cfg->migrationHost) < 0 ||
        virConfGetValueString(conf, "migration_address", &cfg->migrationAddress) < 0 ||
        virConfGetValueUInt(conf, "migration_timeout", &cfg->migrationTimeout) < 0 ||
        virConfGetValueString(conf, "layer_pool", &cfg->layerPool) < 0 ||
        virConfGetValueString(conf, "layer_pool_size", &poolSize) < 0)
        return -1;
    if (cfg->layerPool && !g_path_is_absolute(cfg->layerPool)) {
        virReportError(VIR_ERR_CONF_SYNTAX, _("%1$s: layer_pool must be an absolute file name"),
                       path);
        return -1;
    }
    if (poolSize) {
        char *end = NULL;

        if (virStrToLong_ullp(poolSize, &end, 10, &cfg->layerPoolSize) < 0 ||
            virScaleInteger(&cfg->layerPoolSize, end, 1024ULL * 1024 * 1024, ULLONG_MAX) < 0 ||
            cfg->layerPoolSize < 1024ULL * 1024 * 1024) {
            virReportError(
                VIR_ERR_CONF_SYNTAX,
                _("%1$s: layer_pool_size '%2$s' is not a size of at least 1G (like \"500G\")"),
                path, poolSize);
            return -1;
        }
    }
    if (cfg->migrationTimeout == 0 || cfg->migrationTimeout > 86400) {
        virReportError(VIR_ERR_CONF_SYNTAX, _("%1$s: migration_timeout must be 1 to 86400 seconds"),
                       path);
        return -1;
    }
    return virCTDriverConfigCheckIdPool(cfg, path);
}

/**
 * virCTDriverConfigMakeDirs:
 *
 * Creates the directories the driver writes to.  Returns 0 or -1 with an
 * error naming the directory.
 */
int
virCTDriverConfigMakeDirs(virCTDriverConfig *cfg)
{
    const char *dirs[] = { cfg->configDir, cfg->autostartDir, cfg->stateDir, cfg->dataDir,
                           cfg->logDir };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(dirs); i++) {
        if (g_mkdir_with_parents(dirs[i], 0755) < 0) {
            virReportSystemError(errno, _("cannot create directory '%1$s'"), dirs[i]);
            return -1;
        }
    }
    return 0;
}

/**
 * virCTDriverCapsInit:
 *
 * Returns the host capabilities: the host topology and one guest, an
 * "exe" (container) guest of the host architecture with domain type
 * "lxc", the type every container client (Nova, the TCK) asks for.
 */
virCaps *
virCTDriverCapsInit(virCTDriverConfig *cfg)
{
    g_autoptr(virCaps) caps = NULL;
    virCapsGuest *guest;

    if (!(caps = virCapabilitiesNew(virArchFromHost(), false, false)))
        return NULL;

    if (!(caps->host.numa = virCapabilitiesHostNUMANewHost()))
        return NULL;
    if (virCapabilitiesInitCaches(caps) < 0)
        VIR_WARN("Failed to get host CPU cache info");
    if (virCapabilitiesInitPages(caps) < 0)
        VIR_WARN("Failed to get pages info");

    if (virGetHostUUID(caps->host.host_uuid) < 0) {
        virReportError(VIR_ERR_INTERNAL_ERROR, "%s", _("cannot get the host uuid"));
        return NULL;
    }

    guest = virCapabilitiesAddGuest(caps, VIR_DOMAIN_OSTYPE_EXE, caps->host.arch, cfg->emulator,
                                    NULL, 0, NULL);
    virCapabilitiesAddGuestDomain(guest, VIR_DOMAIN_VIRT_LXC, NULL, NULL, 0, NULL);

    return g_steal_pointer(&caps);
}

/**
 * virCTDriverGetCapabilities:
 * @refresh: probe the host again
 *
 * Returns a new reference to the capabilities (the caller unrefs it).
 */
virCaps *
virCTDriverGetCapabilities(virCTDriver *driver, bool refresh)
{
    virCaps *ret = NULL;

    if (refresh) {
        virCaps *caps = virCTDriverCapsInit(driver->config);

        if (!caps)
            return NULL;
        VIR_WITH_MUTEX_LOCK_GUARD (&driver->lock) {
            virObjectUnref(driver->caps);
            driver->caps = caps;
        }
    }

    VIR_WITH_MUTEX_LOCK_GUARD (&driver->lock) {
        ret = virObjectRef(driver->caps);
    }
    return ret;
}

void
virCTDriverRemoveDomain(virCTDriver *driver, virDomainObj *vm)
{
    virDomainObjListRemove(driver->domains, vm);
    /* after the removal: whoever sees the new count lists without @vm */
    g_atomic_int_inc(&driver->domainsRemoved);
}

int
virCTDriverWriteStateFile(const char *path, const char *content)
{
    g_autofree char *tmp = g_strdup_printf("%s.new", path);
    size_t len = strlen(content);
    VIR_AUTOCLOSE fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

    if (fd < 0) {
        virReportSystemError(errno, _("cannot create '%1$s'"), tmp);
        return -1;
    }
    if (safewrite(fd, content, len) != (ssize_t)len || VIR_CLOSE(fd) < 0) {
        virReportSystemError(errno, _("cannot write '%1$s'"), tmp);
        unlink(tmp);
        return -1;
    }
    if (rename(tmp, path) < 0) {
        virReportSystemError(errno, _("cannot rename '%1$s' to '%2$s'"), tmp, path);
        unlink(tmp);
        return -1;
    }
    return 0;
}

int
virCTDriverSaveStatus(virCTDriver *driver, virDomainObj *vm)
{
    unsigned int flags = VIR_DOMAIN_DEF_FORMAT_SECURE | VIR_DOMAIN_DEF_FORMAT_STATUS |
                         VIR_DOMAIN_DEF_FORMAT_ACTUAL_NET | VIR_DOMAIN_DEF_FORMAT_PCI_ORIG_STATES |
                         VIR_DOMAIN_DEF_FORMAT_CLOCK_ADJUST;
    g_autofree char *xml = virDomainObjFormat(vm, driver->xmlopt, flags);
    g_autofree char *path = NULL;

    if (!xml)
        return -1;
    path = virDomainConfigFile(driver->config->stateDir, vm->def->name);
    return virCTDriverWriteStateFile(path, xml);
}
