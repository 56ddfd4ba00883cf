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
 * range without touching a file, while it is shut off.
 *
 * The driver keeps which UUID holds which ids in driver->idRanges, under
 * driver->idLock: the pool's ranges, which nothing else may meet, and the
 * targets of <idmap>s, which the pool skips (two <idmap>s may share ids:
 * Nova gives every container the same map).  The lock is taken before a
 * domain object's (as virDomainObjListAdd() takes that one), never the
 * other way; entries of UUIDs that left the domain list are dropped
 * lazily, when a range is looked for.
 */

#include <config.h>

#include "ct_idrange.h"
#include "ct_domain.h"

#include "virerror.h"
#include "virlog.h"
#include "viruuid.h"

#define VIR_FROM_THIS VIR_FROM_NONE

VIR_LOG_INIT("ct.ct_idrange");

/* Host ids a domain holds: its <ct:idrange> ("pool": no other domain may
 * meet it), or the targets of its <idmap> entries. */
typedef struct {
    unsigned int target;
    unsigned int count;
    bool pool;
} virCTIdRange;

/* The table: UUID string -> GArray of virCTIdRange.  A domain's entry
 * only grows while it is listed (a redefinition, a transient start or a
 * failed define adds what it asked for), so nothing a definition or a
 * running container uses ever looks free; it is rebuilt from the
 * definitions at daemon start and dropped when the domain leaves the
 * list. */
static GHashTable *
virCTIdRangeTable(virCTDriver *driver)
{
    if (!driver->idRanges)
        driver->idRanges =
            g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_array_unref);
    return driver->idRanges;
}

static void
virCTIdRangeAdd(GArray *ranges, unsigned int target, unsigned int count, bool pool)
{
    virCTIdRange range = { target, count, pool };
    size_t i;

    for (i = 0; i < ranges->len; i++) {
        virCTIdRange *have = &g_array_index(ranges, virCTIdRange, i);

        if (have->target == target && have->count == count && have->pool == pool)
            return;
    }
    g_array_append_val(ranges, range);
}

/* Adds what @def holds (nothing for a privileged container or one without
 * a range yet) to @ranges. */
static void
virCTIdRangeAddDef(GArray *ranges, const virDomainDef *def)
{
    const virCTDomainNamespaceDef *ns = virCTDomainGetNamespaceDef(def);
    size_t i;

    if (virCTDomainIsPrivileged(def))
        return;
    for (i = 0; i < def->idmap.nuidmap; i++)
        virCTIdRangeAdd(ranges, def->idmap.uidmap[i].target, def->idmap.uidmap[i].count, false);
    for (i = 0; i < def->idmap.ngidmap; i++)
        virCTIdRangeAdd(ranges, def->idmap.gidmap[i].target, def->idmap.gidmap[i].count, false);
    if (def->idmap.nuidmap == 0 && ns && ns->idrangeCount)
        virCTIdRangeAdd(ranges, ns->idrangeTarget, ns->idrangeCount, true);
}

static void
virCTIdRangeRecord(virCTDriver *driver, const virDomainDef *def)
{
    char uuidstr[VIR_UUID_STRING_BUFLEN];
    GHashTable *table = virCTIdRangeTable(driver);
    GArray *ranges;

    virUUIDFormat(def->uuid, uuidstr);
    if (!(ranges = g_hash_table_lookup(table, uuidstr))) {
        ranges = g_array_new(FALSE, FALSE, sizeof(virCTIdRange));
        g_hash_table_insert(table, g_strdup(uuidstr), ranges);
    }
    virCTIdRangeAddDef(ranges, def);
}

static int
virCTIdRangeCollectUUID(virDomainObj *vm, void *opaque)
{
    /* a domain's UUID never changes: no need to lock it */
    g_array_append_vals(opaque, vm->def->uuid, 1);
    return 0;
}

static gint
virCTIdRangeCompareUUID(gconstpointer a, gconstpointer b)
{
    return memcmp(a, b, VIR_UUID_BUFLEN);
}

static gboolean
virCTIdRangeIsStale(gpointer key, gpointer value G_GNUC_UNUSED, gpointer listed)
{
    GArray *uuids = listed;
    unsigned char uuid[VIR_UUID_BUFLEN];

    return virUUIDParse(key, uuid) < 0 || uuids->len == 0 ||
           !bsearch(uuid, uuids->data, uuids->len, VIR_UUID_BUFLEN, virCTIdRangeCompareUUID);
}

/* Drops the ranges of domains that are no longer listed (the listed
 * UUIDs as bytes, sorted, rather than formatted into a set of strings).
 * Returns whether it dropped any. */
static bool
virCTIdRangePrune(virCTDriver *driver)
{
    g_autoptr(GArray) listed = g_array_new(FALSE, FALSE, VIR_UUID_BUFLEN);
    guint removed;

    /* read before listing: a removal counted later is listed later */
    driver->idRangesRemovedSeen = g_atomic_int_get(&driver->domainsRemoved);
    virDomainObjListForEach(driver->domains, false, virCTIdRangeCollectUUID, listed);
    g_array_sort(listed, virCTIdRangeCompareUUID);
    removed = g_hash_table_foreach_remove(virCTIdRangeTable(driver), virCTIdRangeIsStale, listed);
    driver->idRangesPruned = g_hash_table_size(virCTIdRangeTable(driver));
    return removed > 0;
}

/* A prune walks every domain: a start does not pay for it unless a
 * domain was taken off the list since the last one.  Ranges recorded for
 * a domain that never got on it (a define that failed later) stay until
 * the table has grown by CT_IDRANGE_PRUNE_SLACK; meanwhile they only keep
 * their slots from being chosen, and a clash or a full pool prunes before
 * it is reported (virCTIdRangeAssign). */
#define CT_IDRANGE_PRUNE_SLACK 256

static void
virCTIdRangeMaybePrune(virCTDriver *driver)
{
    if (g_atomic_int_get(&driver->domainsRemoved) != driver->idRangesRemovedSeen ||
        g_hash_table_size(virCTIdRangeTable(driver)) >
            driver->idRangesPruned + CT_IDRANGE_PRUNE_SLACK)
        ignore_value(virCTIdRangePrune(driver));
}

/* The UUID (as a string) of another domain whose ids meet [target,
 * target + count) where that matters: a range of the pool meets nothing
 * else; two <idmap>s may share ids (Nova gives every container the same
 * map: the admin's choice, not a range of ours). */
static const char *
virCTIdRangeFindClash(virCTDriver *driver, const char *uuidstr, bool pool,
                      unsigned long long target, unsigned long long count)
{
    GHashTableIter iter;
    gpointer key;
    gpointer value;
    size_t i;

    g_hash_table_iter_init(&iter, virCTIdRangeTable(driver));
    while (g_hash_table_iter_next(&iter, &key, &value)) {
        GArray *ranges = value;

        if (STREQ(key, uuidstr))
            continue;
        for (i = 0; i < ranges->len; i++) {
            virCTIdRange *range = &g_array_index(ranges, virCTIdRange, i);

            if ((pool || range->pool) &&
                target < (unsigned long long)range->target + range->count &&
                range->target < target + count)
                return key;
        }
    }
    return NULL;
}

static gint
virCTIdRangeCompare(gconstpointer a, gconstpointer b)
{
    const virCTIdRange *x = a;
    const virCTIdRange *y = b;

    return x->target < y->target ? -1 : x->target > y->target;
}

/* The lowest free range of the pool: a slot of the pool's grid that no
 * range of another domain meets (every kind of range counts for a range
 * of the pool).  The ranges are sorted once, then the slots and the
 * ranges are walked together: O(N log N), not a scan of all N ranges
 * for each of the N slots in use. */
static int
virCTIdRangeFindFree(virCTDriver *driver, const char *uuidstr, unsigned int *target)
{
    virCTDriverConfig *cfg = driver->config;
    unsigned long long size = cfg->idRangeSize;
    unsigned long long end = (unsigned long long)cfg->idPoolStart + cfg->idPoolSize;
    unsigned long long t = cfg->idPoolStart;
    g_autoptr(GArray) taken = g_array_new(FALSE, FALSE, sizeof(virCTIdRange));
    GHashTableIter iter;
    gpointer key;
    gpointer value;
    size_t i;

    g_hash_table_iter_init(&iter, virCTIdRangeTable(driver));
    while (g_hash_table_iter_next(&iter, &key, &value)) {
        if (STRNEQ(key, uuidstr))
            g_array_append_vals(taken, ((GArray *)value)->data, ((GArray *)value)->len);
    }
    g_array_sort(taken, virCTIdRangeCompare);
    for (i = 0; i < taken->len && t + size <= end; i++) {
        virCTIdRange *range = &g_array_index(taken, virCTIdRange, i);
        unsigned long long rangeEnd = (unsigned long long)range->target + range->count;

        if (range->target >= t + size)
            break; /* this one and all after it start above the slot */
        if (rangeEnd > t) /* meets the slot: the next slot after it */
            t = cfg->idPoolStart + (rangeEnd - cfg->idPoolStart + size - 1) / size * size;
    }
    if (t + size <= end) {
        *target = t;
        return 0;
    }
    virReportError(
        VIR_ERR_OPERATION_FAILED,
        _("no free id range left: all %1$llu ranges of %2$llu ids from %3$u are in use (ct_id_pool_size in virtctd.conf)"),
        cfg->idPoolSize / size, size, cfg->idPoolStart);
    return -1;
}

/* The definition a new one of @uuid replaces or runs beside, if any:
 * the running one (its ids stay until it stops), else the persistent
 * one.  Returns a locked object (virDomainObjEndAPI()) or NULL. */
static virDomainObj *
virCTIdRangeExisting(virCTDriver *driver, const unsigned char *uuid)
{
    return virDomainObjListFindByUUID(driver->domains, uuid);
}

/* A running container keeps the ids it runs with until it stops; a
 * defined one started with a transient definition (@live: create) runs
 * with the ids of its definition. */
static int
virCTIdRangeCheckExisting(virDomainObj *vm, const virDomainDef *def, bool live)
{
    const virDomainDef *current;
    uid_t oldUid = 0;
    uid_t newUid = 0;
    gid_t gid;

    if (!vm || (!virDomainObjIsActive(vm) && !(live && vm->persistent)))
        return 0;
    current = virDomainObjIsActive(vm) ? vm->def : (vm->newDef ? vm->newDef : vm->def);
    if (virCTDomainGetHostRoot(current, &oldUid, &gid) ==
            virCTDomainGetHostRoot(def, &newUid, &gid) &&
        oldUid == newUid)
        return 0;
    if (virDomainObjIsActive(vm))
        virReportError(
            VIR_ERR_OPERATION_INVALID,
            _("'%1$s' runs with other ids: its ids (<ct:idrange>, <idmap>, <ct:privileged/>) can change only while it is shut off"),
            def->name);
    else
        virReportError(
            VIR_ERR_OPERATION_INVALID,
            _("'%1$s' is defined with other ids: start it with the ids of its definition, or define it again"),
            def->name);
    return -1;
}

/* An explicit range must come from the pool: the pool is what keeps the
 * ranges off the host's own ids. */
static int
virCTIdRangeCheckInPool(virCTDriver *driver, const virCTDomainNamespaceDef *ns)
{
    virCTDriverConfig *cfg = driver->config;
    unsigned long long end = (unsigned long long)cfg->idPoolStart + cfg->idPoolSize;

    if (ns->idrangeTarget >= cfg->idPoolStart &&
        (unsigned long long)ns->idrangeTarget + ns->idrangeCount <= end)
        return 0;
    virReportError(
        VIR_ERR_CONFIG_UNSUPPORTED,
        _("<ct:idrange target='%1$u' count='%2$u'> is outside the id pool [%3$u, %4$llu) of virtctd.conf: leave it out to get a free range"),
        ns->idrangeTarget, ns->idrangeCount, cfg->idPoolStart, end);
    return -1;
}

/* The name of the domain of @uuidstr, for messages (the UUID itself
 * when it is gone). */
static char *
virCTIdRangeDomainName(virCTDriver *driver, const char *uuidstr)
{
    unsigned char uuid[VIR_UUID_BUFLEN];
    virDomainObj *vm = NULL;
    char *name;

    if (virUUIDParse(uuidstr, uuid) < 0 ||
        !(vm = virDomainObjListFindByUUID(driver->domains, uuid)))
        return g_strdup(uuidstr);
    name = g_strdup(vm->def->name);
    virDomainObjEndAPI(&vm);
    return name;
}

/* Whether the ids of @def meet those of another domain where they must
 * not. */
static int
virCTIdRangeCheckClash(virCTDriver *driver, const virDomainDef *def)
{
    g_autoptr(GArray) ranges = g_array_new(FALSE, FALSE, sizeof(virCTIdRange));
    char uuidstr[VIR_UUID_STRING_BUFLEN];
    g_autofree char *other = NULL;
    const char *clash = NULL;
    bool pool = false;
    size_t i;

    virUUIDFormat(def->uuid, uuidstr);
    virCTIdRangeAddDef(ranges, def);
    for (i = 0; i < ranges->len && !clash; i++) {
        virCTIdRange *range = &g_array_index(ranges, virCTIdRange, i);

        clash = virCTIdRangeFindClash(driver, uuidstr, range->pool, range->target, range->count);
        pool = range->pool;
    }
    if (!clash)
        return 0;
    other = virCTIdRangeDomainName(driver, clash);
    /* what virt-clone defines: another domain's definition, range and all */
    if (pool) {
        virReportError(
            VIR_ERR_CONFIG_UNSUPPORTED,
            _("the ids of '%1$s' (<ct:idrange>) overlap the id range of domain '%2$s': leave <ct:idrange> out to get a free range (to clone a container with its files: virt-ct-template clone %3$s %4$s)"),
            def->name, other, other, def->name);
        return -1;
    }
    virReportError(
        VIR_ERR_CONFIG_UNSUPPORTED,
        _("the ids of '%1$s' (<ct:idrange> or <idmap>) overlap the id range of domain '%2$s': leave <ct:idrange> out to get a free range, or map other ids"),
        def->name, other);
    return -1;
}

/* A new definition without a range: the one its domain already has (the
 * running definition's, else the persistent one's), or a free one. */
static int
virCTIdRangeChoose(virCTDriver *driver, virDomainObj *vm, virCTDomainNamespaceDef *ns,
                   const char *uuidstr)
{
    const virCTDomainNamespaceDef *have = NULL;

    if (vm)
        have = virCTDomainGetNamespaceDef(virDomainObjIsActive(vm) || !vm->newDef ? vm->def
                                                                                  : vm->newDef);
    if (vm && have && have->idrangeCount && virCTDomainUsesIdRange(vm->def)) {
        ns->idrangeTarget = have->idrangeTarget;
        ns->idrangeCount = have->idrangeCount;
        return 0;
    }
    if (virCTIdRangeFindFree(driver, uuidstr, &ns->idrangeTarget) < 0)
        return -1;
    ns->idrangeCount = driver->config->idRangeSize;
    return 0;
}

static int
virCTIdRangeAssignOnce(virCTDriver *driver, virDomainDef *def, bool live)
{
    char uuidstr[VIR_UUID_STRING_BUFLEN];
    virDomainObj *vm = NULL;
    virCTDomainNamespaceDef *ns;
    int ret = -1;

    virUUIDFormat(def->uuid, uuidstr);
    vm = virCTIdRangeExisting(driver, def->uuid);
    if (virCTDomainUsesIdRange(def)) {
        ns = virCTDomainEnsureNamespaceDef(def);
        if (ns->idrangeCount && virCTIdRangeCheckInPool(driver, ns) < 0)
            goto cleanup;
        if (!ns->idrangeCount && virCTIdRangeChoose(driver, vm, ns, uuidstr) < 0)
            goto cleanup;
    }
    if (virCTIdRangeCheckClash(driver, def) < 0 || virCTIdRangeCheckExisting(vm, def, live) < 0)
        goto cleanup;
    virCTIdRangeRecord(driver, def);
    ret = 0;

 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}

int
virCTIdRangeAssign(virCTDriver *driver, virDomainDef *def, bool live)
{
    const virCTDomainNamespaceDef *ns = virCTDomainGetNamespaceDef(def);
    unsigned int target = ns ? ns->idrangeTarget : 0;
    unsigned int count = ns ? ns->idrangeCount : 0;

    virCTIdRangeMaybePrune(driver);
    if (virCTIdRangeAssignOnce(driver, def, live) == 0)
        return 0;
    /* a full pool, or a clash: maybe with a domain that is gone (the
     * domain's object released first: a prune walks the list) */
    if (!virCTIdRangePrune(driver))
        return -1;
    if (virCTDomainGetNamespaceDef(def)) {
        virCTDomainNamespaceDef *changed = virCTDomainEnsureNamespaceDef(def);

        changed->idrangeTarget = target;
        changed->idrangeCount = count;
    }
    virResetLastError();
    return virCTIdRangeAssignOnce(driver, def, live);
}

/* Records the range of @def, or, for a definition from before ranges
 * existed or one whose range another holds, gives it a new one.  Returns
 * whether it changed @def. */
static bool
virCTIdRangeLoadDef(virCTDriver *driver, virDomainDef *def)
{
    const virCTDomainNamespaceDef *ns = virCTDomainGetNamespaceDef(def);
    char uuidstr[VIR_UUID_STRING_BUFLEN];

    virUUIDFormat(def->uuid, uuidstr);
    if (!virCTDomainUsesIdRange(def) ||
        (ns && ns->idrangeCount &&
         !virCTIdRangeFindClash(driver, uuidstr, true, ns->idrangeTarget, ns->idrangeCount))) {
        virCTIdRangeRecord(driver, def);
        return false;
    }
    if (ns && ns->idrangeCount)
        VIR_WARN("id range of '%s' is held by another domain: giving it a new one", def->name);
    if (virCTIdRangeFindFree(driver, uuidstr, &virCTDomainEnsureNamespaceDef(def)->idrangeTarget) <
        0) {
        VIR_WARN("'%s' has no id range: %s", def->name, virGetLastErrorMessage());
        virCTDomainEnsureNamespaceDef(def)->idrangeCount = 0;
        virResetLastError();
        return false;
    }
    virCTDomainEnsureNamespaceDef(def)->idrangeCount = driver->config->idRangeSize;
    virCTIdRangeRecord(driver, def);
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
        if (virCTDriverSaveStatus(driver, vm) < 0) {
            VIR_WARN("cannot save the status of '%s': %s", vm->def->name, virGetLastErrorMessage());
            virResetLastError();
        }
    }
    /* what the running definition holds first: a persistent one of an
     * earlier version then gets a range of its own */
    if (virDomainObjIsActive(vm))
        virCTIdRangeRecord(driver, vm->def);
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
