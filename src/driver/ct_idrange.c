/*
 * ct_idrange.c: host id ranges of containers with a user namespace
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every unprivileged container gets ids of its own on the host, from the
 * pool of virtctd.conf.  The range is part of the definition
 * (<ct:idrange>), so it survives restarts of the container and of the
 * daemon, and travels with the XML.  Files are stored unshifted (the
 * container's roots are idmapped mounts), so a container can change its
 * range at any time without touching a file.
 *
 * The driver keeps which UUID holds which range in driver->idRanges,
 * under driver->idLock.  The lock is never taken while a domain object is
 * locked; entries of UUIDs that left the domain list are dropped lazily,
 * when a range is looked for.
 */

#include <config.h>

#include "ct_idrange.h"
#include "ct_domain.h"

#include "virerror.h"
#include "virlog.h"
#include "viruuid.h"

#define VIR_FROM_THIS VIR_FROM_NONE

VIR_LOG_INIT("ct.ct_idrange");

typedef struct {
    unsigned int target;
    unsigned int count;
} virCTIdRange;

static GHashTable *
virCTIdRangeTable(virCTDriver *driver)
{
    if (!driver->idRanges)
        driver->idRanges = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    return driver->idRanges;
}

static void
virCTIdRangeSet(virCTDriver *driver, const unsigned char *uuid, unsigned int target,
                unsigned int count)
{
    char uuidstr[VIR_UUID_STRING_BUFLEN];
    virCTIdRange *range = g_new0(virCTIdRange, 1);

    virUUIDFormat(uuid, uuidstr);
    range->target = target;
    range->count = count;
    g_hash_table_replace(virCTIdRangeTable(driver), g_strdup(uuidstr), range);
}

static int
virCTIdRangeCollectUUID(virDomainObj *vm, void *opaque)
{
    char uuidstr[VIR_UUID_STRING_BUFLEN];

    /* a domain's UUID never changes: no need to lock it */
    virUUIDFormat(vm->def->uuid, uuidstr);
    g_hash_table_add(opaque, g_strdup(uuidstr));
    return 0;
}

static gboolean
virCTIdRangeIsStale(gpointer key, gpointer value G_GNUC_UNUSED, gpointer listed)
{
    return !g_hash_table_contains(listed, key);
}

/* Drops the ranges of domains that are no longer listed. */
static void
virCTIdRangePrune(virCTDriver *driver)
{
    g_autoptr(GHashTable) listed = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

    virDomainObjListForEach(driver->domains, false, virCTIdRangeCollectUUID, listed);
    g_hash_table_foreach_remove(virCTIdRangeTable(driver), virCTIdRangeIsStale, listed);
}

/* The UUID (as a string) of another domain whose range meets
 * [target, target + count), or NULL. */
static const char *
virCTIdRangeFindClash(virCTDriver *driver, const char *uuidstr, unsigned long long target,
                      unsigned long long count)
{
    GHashTableIter iter;
    gpointer key;
    gpointer value;

    g_hash_table_iter_init(&iter, virCTIdRangeTable(driver));
    while (g_hash_table_iter_next(&iter, &key, &value)) {
        virCTIdRange *range = value;

        if (STREQ(key, uuidstr))
            continue;
        if (target < (unsigned long long)range->target + range->count &&
            range->target < target + count)
            return key;
    }
    return NULL;
}

/* The lowest free range of the pool. */
static int
virCTIdRangeFindFree(virCTDriver *driver, const char *uuidstr, unsigned int *target)
{
    virCTDriverConfig *cfg = driver->config;
    unsigned long long size = cfg->idRangeSize;
    unsigned long long end = (unsigned long long)cfg->idPoolStart + cfg->idPoolSize;
    unsigned long long t;

    for (t = cfg->idPoolStart; t + size <= end; t += size) {
        if (!virCTIdRangeFindClash(driver, uuidstr, t, size)) {
            *target = t;
            return 0;
        }
    }
    virReportError(VIR_ERR_OPERATION_FAILED,
                   _("no free id range left: all %1$llu ranges of %2$llu ids from %3$u are in "
                     "use (ct_id_pool_size in virtctd.conf)"),
                   cfg->idPoolSize / size, size, cfg->idPoolStart);
    return -1;
}

int
virCTIdRangeAssign(virCTDriver *driver, virDomainDef *def)
{
    char uuidstr[VIR_UUID_STRING_BUFLEN];
    virCTDomainNamespaceDef *ns;
    virCTIdRange *held;
    const char *clash;

    if (!virCTDomainUsesIdRange(def))
        return 0;
    virUUIDFormat(def->uuid, uuidstr);
    ns = virCTDomainEnsureNamespaceDef(def);
    virCTIdRangePrune(driver);
    if (ns->idrangeCount) {
        if ((clash = virCTIdRangeFindClash(driver, uuidstr, ns->idrangeTarget, ns->idrangeCount))) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("<ct:idrange target='%1$u' count='%2$u'> overlaps the ids of domain "
                             "%3$s: leave <ct:idrange> out to get a free range"),
                           ns->idrangeTarget, ns->idrangeCount, clash);
            return -1;
        }
    } else if ((held = g_hash_table_lookup(virCTIdRangeTable(driver), uuidstr))) {
        ns->idrangeTarget = held->target;
        ns->idrangeCount = held->count;
    } else {
        if (virCTIdRangeFindFree(driver, uuidstr, &ns->idrangeTarget) < 0)
            return -1;
        ns->idrangeCount = driver->config->idRangeSize;
    }
    virCTIdRangeSet(driver, def->uuid, ns->idrangeTarget, ns->idrangeCount);
    return 0;
}

/* Records the range of @def, or, for a definition from before ranges
 * existed or one whose range another holds, gives it a new one. */
static bool
virCTIdRangeLoadDef(virCTDriver *driver, virDomainDef *def)
{
    const virCTDomainNamespaceDef *ns = virCTDomainGetNamespaceDef(def);
    char uuidstr[VIR_UUID_STRING_BUFLEN];

    if (!virCTDomainUsesIdRange(def))
        return false;
    virUUIDFormat(def->uuid, uuidstr);
    if (ns && ns->idrangeCount &&
        !virCTIdRangeFindClash(driver, uuidstr, ns->idrangeTarget, ns->idrangeCount)) {
        virCTIdRangeSet(driver, def->uuid, ns->idrangeTarget, ns->idrangeCount);
        return false;
    }
    if (ns && ns->idrangeCount) {
        VIR_WARN("id range of '%s' is held by another domain: giving it a new one", def->name);
        virCTDomainEnsureNamespaceDef(def)->idrangeCount = 0;
    }
    if (virCTIdRangeAssign(driver, def) < 0) {
        VIR_WARN("'%s' has no id range: %s", def->name, virGetLastErrorMessage());
        virResetLastError();
        return false;
    }
    return true;
}

static int
virCTIdRangeLoadDomain(virDomainObj *vm, void *opaque)
{
    virCTDriver *driver = opaque;
    virDomainDef *persistent = vm->newDef ? vm->newDef : vm->def;

    virObjectLock(vm);
    /* a running container keeps the ids it runs with; one started by a
     * version without id ranges runs without a user namespace, and its
     * live definition now says so */
    if (virDomainObjIsActive(vm) && virCTDomainUsesIdRange(vm->def) &&
        !virCTDomainGetHostRoot(vm->def, &(uid_t){ 0 }, &(gid_t){ 0 })) {
        virCTDomainEnsureNamespaceDef(vm->def)->privileged = true;
        if (virDomainObjSave(vm, driver->xmlopt, driver->config->stateDir) < 0) {
            VIR_WARN("cannot save the status of '%s': %s", vm->def->name, virGetLastErrorMessage());
            virResetLastError();
        }
    } else if (virDomainObjIsActive(vm)) {
        virCTIdRangeLoadDef(driver, vm->def);
    }
    if (vm->persistent && virCTIdRangeLoadDef(driver, persistent) &&
        virDomainDefSave(persistent, driver->xmlopt, driver->config->configDir) < 0) {
        VIR_WARN("cannot save the id range of '%s': %s", vm->def->name, virGetLastErrorMessage());
        virResetLastError();
    }
    virObjectUnlock(vm);
    return 0;
}

void
virCTIdRangeLoadAll(virCTDriver *driver)
{
    VIR_LOCK_GUARD lock = virLockGuardLock(&driver->idLock);

    virDomainObjListForEach(driver->domains, false, virCTIdRangeLoadDomain, driver);
}

void
virCTIdRangeFree(virCTDriver *driver)
{
    g_clear_pointer(&driver->idRanges, g_hash_table_unref);
}
