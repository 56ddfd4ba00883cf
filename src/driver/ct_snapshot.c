/*
 * ct_snapshot.c: snapshots of containers: the metadata, what a daemon
 * that died left, and the API that takes and deletes them
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include <fcntl.h>

#include "ct_disk.h"
#include "ct_domain.h"
#include "ct_domain_api.h"
#include "ct_domain_input.h"
#include "ct_idrange.h"
#include "ct_layer.h"
#include "ct_process.h"
#include "ct_save.h"
#include "ct_save_image.h"
#include "ct_save_priv.h"
#include "ct_snapshot.h"
#include "ct_snapshot_priv.h"
#include "ct_template.h"

#include "datatypes.h"
#include "snapshot_conf.h"
#include "viraccessapicheck.h"
#include "virdomainsnapshotobjlist.h"
#include "virerror.h"
#include "virfile.h"
#include "virlog.h"
#include "virtime.h"
#include "viruuid.h"

#define VIR_FROM_THIS VIR_FROM_DOMAIN_SNAPSHOT

VIR_LOG_INIT("ct.ct_snapshot");

/* The snapshot XML as it is kept on disk and read back at start. */
#define CT_SNAPSHOT_PARSE_FLAGS \
    (VIR_DOMAIN_SNAPSHOT_PARSE_REDEFINE | VIR_DOMAIN_SNAPSHOT_PARSE_INTERNAL)
#define CT_SNAPSHOT_FORMAT_FLAGS \
    (VIR_DOMAIN_SNAPSHOT_FORMAT_SECURE | VIR_DOMAIN_SNAPSHOT_FORMAT_INTERNAL)

virDomainMomentObj *
virCTSnapshotObjFromName(virDomainObj *vm, const char *name)
{
    virDomainMomentObj *snap = virDomainSnapshotFindByName(vm->snapshots, name);

    if (!snap)
        virReportError(VIR_ERR_NO_DOMAIN_SNAPSHOT,
                       _("no domain snapshot with matching name '%1$s'"), name);
    return snap;
}

bool
virCTSnapshotHasMemory(const virDomainSnapshotDef *def)
{
    return def->memory == VIR_DOMAIN_SNAPSHOT_LOCATION_INTERNAL ||
           def->memory == VIR_DOMAIN_SNAPSHOT_LOCATION_EXTERNAL;
}

/* Where the processes of @def are: its own memory.img, or the file
 * --memspec named. */
char *
virCTSnapshotMemoryPath(virCTDriver *driver, virDomainObj *vm, const virDomainSnapshotDef *def)
{
    g_autofree char *dir = NULL;

    if (def->memory == VIR_DOMAIN_SNAPSHOT_LOCATION_EXTERNAL)
        return g_strdup(def->memorysnapshotfile);
    dir = virCTSnapshotPath(driver, vm->def->name, "", def->parent.name);
    return g_strdup_printf("%s/" CT_SNAPSHOT_MEMORY, dir);
}

static int
ctSnapWriteXML(virCTDriver *driver, virDomainObj *vm, virDomainSnapshotDef *def, const char *dir)
{
    char uuidstr[VIR_UUID_STRING_BUFLEN];
    g_autofree char *path = g_strdup_printf("%s/" CT_SNAPSHOT_XML, dir);
    g_autofree char *xml = NULL;

    virUUIDFormat(vm->def->uuid, uuidstr);
    if (!(xml = virDomainSnapshotDefFormat(uuidstr, def, driver->xmlopt, CT_SNAPSHOT_FORMAT_FLAGS)))
        return -1;
    return virFileRewriteStr(path, 0600, xml);
}

/* The file "current" says what vm->snapshots says. */
int
virCTSnapshotWriteCurrent(virCTDriver *driver, virDomainObj *vm)
{
    g_autofree char *dir = virCTSnapshotDir(driver, vm->def->name);
    g_autofree char *path = g_strdup_printf("%s/" CT_SNAPSHOT_CURRENT, dir);
    const char *name = virDomainSnapshotGetCurrentName(vm->snapshots);

    if (!name) {
        if (unlink(path) < 0 && errno != ENOENT) {
            virReportSystemError(errno, _("cannot remove '%1$s'"), path);
            return -1;
        }
        return 0;
    }
    return virFileRewriteStr(path, 0600, name);
}

/* A rename into a directory made durable. */
static void
ctSnapSyncDir(const char *dir)
{
    VIR_AUTOCLOSE fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (fd >= 0 && fsync(fd) < 0)
        VIR_WARN("cannot sync '%s': %s", dir, g_strerror(errno));
}

static virDomainSnapshotDef *
ctSnapReadDef(virCTDriver *driver, const char *path)
{
    g_autofree char *xml = NULL;
    bool current = false; /* "current" is a file of its own here */

    if (virFileReadAll(path, 16 * 1024 * 1024, &xml) < 0)
        return NULL;
    return virDomainSnapshotDefParseString(xml, driver->xmlopt, NULL, &current,
                                           CT_SNAPSHOT_PARSE_FLAGS);
}

/* Children of the deleted @name point at its parent @parent instead,
 * in memory and on disk. */
static void
ctSnapReparent(virCTDriver *driver, virDomainObj *vm, const char *name, const char *parent)
{
    g_autofree virDomainMomentObj **all = NULL;
    g_autofree char *dir = virCTSnapshotDir(driver, vm->def->name);
    int n = virDomainSnapshotObjListNum(vm->snapshots, NULL, 0);
    g_autofree char **names = g_new0(char *, n + 1);
    int i;

    n = virDomainSnapshotObjListGetNames(vm->snapshots, NULL, names, n, 0);
    for (i = 0; i < n; i++) {
        virDomainMomentObj *snap = virDomainSnapshotFindByName(vm->snapshots, names[i]);
        g_autofree char *snapDir = NULL;

        if (snap && STREQ_NULLABLE(snap->def->parent_name, name)) {
            g_free(snap->def->parent_name);
            snap->def->parent_name = g_strdup(parent);
            /* in the tree too: after a crash it hangs at the root */
            virDomainMomentDropParent(snap);
            virDomainSnapshotLinkParent(vm->snapshots, snap);
            snapDir = g_strdup_printf("%s/%s", dir, names[i]);
            if (ctSnapWriteXML(driver, vm, virDomainSnapshotObjGetDef(snap), snapDir) < 0) {
                VIR_WARN("cannot record the new parent of snapshot '%s': %s", names[i],
                         virGetLastErrorMessage());
                virResetLastError();
            }
        }
        g_free(names[i]);
    }
}

/* Finishes the deletion of the snapshot @name in @path (a ".deleting."
 * one): its children go to its parent, "current" too if it was the
 * deleted one (@wasCurrent), then its files go. */
static void
ctSnapFinishDelete(virCTDriver *driver, virDomainObj *vm, const char *name, const char *path,
                   bool wasCurrent)
{
    g_autofree char *xml = g_strdup_printf("%s/" CT_SNAPSHOT_XML, path);
    g_autoptr(virDomainSnapshotDef) def = NULL;
    const char *parent = NULL;

    if (virFileExists(xml) && (def = ctSnapReadDef(driver, xml)))
        parent = def->parent.parent_name;
    virResetLastError();
    ctSnapReparent(driver, vm, name, parent);
    if (wasCurrent)
        virDomainSnapshotSetCurrent(
            vm->snapshots, parent ? virDomainSnapshotFindByName(vm->snapshots, parent) : NULL);
    if (virCTSnapshotWriteCurrent(driver, vm) < 0 || virCTStoreDeleteTree(path) < 0) {
        VIR_WARN("cannot finish deleting snapshot '%s' of '%s': %s", name, vm->def->name,
                 virGetLastErrorMessage());
        virResetLastError();
    }
}

int
virCTSnapshotLoad(virCTDriver *driver, virDomainObj *vm)
{
    g_autofree char *dir = virCTSnapshotDir(driver, vm->def->name);
    g_autofree char *currentPath = g_strdup_printf("%s/" CT_SNAPSHOT_CURRENT, dir);
    g_autofree char *current = NULL;
    g_autoptr(GDir) gdir = NULL;
    const char *name;

    if (!virCTLayerTemplateRoot(vm->def) || !(gdir = g_dir_open(dir, 0, NULL)))
        return 0;
    while ((name = g_dir_read_name(gdir))) {
        g_autofree char *path = g_strdup_printf("%s/%s/" CT_SNAPSHOT_XML, dir, name);
        g_autoptr(virDomainSnapshotDef) def = NULL;

        if (name[0] == '.' || !virFileExists(path) ||
            virDomainSnapshotFindByName(vm->snapshots, name))
            continue;
        if (!(def = ctSnapReadDef(driver, path)) || STRNEQ(def->parent.name, name)) {
            VIR_WARN("snapshot '%s' of '%s' skipped: %s", name, vm->def->name,
                     def ? "its XML names another" : virGetLastErrorMessage());
            virResetLastError();
            continue;
        }
        if (!virDomainSnapshotAssignDef(vm->snapshots, &def)) {
            VIR_WARN("snapshot '%s' of '%s' skipped: %s", name, vm->def->name,
                     virGetLastErrorMessage());
            virResetLastError();
        }
    }
    if (virDomainSnapshotUpdateRelations(vm->snapshots) < 0) {
        VIR_WARN("the snapshots of '%s' have inconsistent parents", vm->def->name);
        virResetLastError();
    }
    if (virFileReadAllQuiet(currentPath, 1024, &current) > 0)
        virDomainSnapshotSetCurrent(vm->snapshots,
                                    virDomainSnapshotFindByName(vm->snapshots, current));
    return 0;
}

/* The memory file (--memspec file=) of the unfinished snapshot in
 * @creating, and the parts of it, are the snapshot's: they go with it. */
static void
ctSnapRemoveExternal(const char *creating)
{
    g_autofree char *marker = g_strdup_printf("%s/" CT_SNAPSHOT_EXTERNAL, creating);
    g_autofree char *file = NULL;
    g_autofree char *dir = NULL;
    g_autofree char *prefix = NULL;
    g_autoptr(GDir) gdir = NULL;
    const char *name;

    if (virFileReadAllQuiet(marker, PATH_MAX, &file) <= 0 || !g_path_is_absolute(file))
        return;
    dir = g_path_get_dirname(file);
    prefix = g_strdup_printf("%s.ct-part-", file + strlen(dir) + (STREQ(dir, "/") ? 0 : 1));
    if (unlink(file) == 0)
        VIR_WARN("removed '%s', the memory of an unfinished snapshot", file);
    if (!(gdir = g_dir_open(dir, 0, NULL)))
        return;
    while ((name = g_dir_read_name(gdir))) {
        g_autofree char *part = NULL;

        if (!g_str_has_prefix(name, prefix) || strlen(name) != strlen(prefix) + 6)
            continue;
        part = g_strdup_printf("%s/%s", dir, name);
        if (unlink(part) == 0)
            VIR_WARN("removed '%s', the memory of an unfinished snapshot", part);
    }
}

/* What a daemon that died left of the snapshots of @vm, before and after
 * they are loaded. */
static int
ctSnapRecoverOne(virDomainObj *vm, void *opaque)
{
    virCTDriver *driver = opaque;
    g_autofree char *dir = NULL;
    g_autofree char *reverting = NULL;
    g_autofree char *revertName = NULL;
    g_autofree char *currentPath = NULL;
    g_autofree char *current = NULL;
    g_autoptr(GPtrArray) deleting = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GDir) gdir = NULL;
    const char *name;
    size_t i;

    virObjectLock(vm);
    if (!virCTLayerTemplateRoot(vm->def))
        goto cleanup;
    dir = virCTSnapshotDir(driver, vm->def->name);
    if ((gdir = g_dir_open(dir, 0, NULL))) {
        while ((name = g_dir_read_name(gdir))) {
            g_autofree char *path = g_strdup_printf("%s/%s", dir, name);

            if (g_str_has_prefix(name, CT_SNAPSHOT_CREATING)) {
                g_autoptr(virCTLayerPaths) paths = virCTLayerPathsOf(driver, vm->def);

                VIR_WARN("removing the snapshot of '%s' a daemon that died was making: %s",
                         vm->def->name, path);
                ctSnapRemoveExternal(path);
                if (virCTStoreDeleteTree(path) < 0)
                    virResetLastError();
                /* it may have died with the container and its disk frozen */
                if (virDomainObjIsActive(vm)) {
                    if (virCTDiskSetFrozen(paths->disk, false) < 0 && errno != EINVAL)
                        VIR_WARN("cannot thaw the disk of '%s': %s", vm->def->name,
                                 g_strerror(errno));
                    if (virDomainObjGetState(vm, NULL) != VIR_DOMAIN_PAUSED &&
                        virCTProcessSetFrozen(vm, false) < 0)
                        virResetLastError();
                }
            } else if (g_str_has_prefix(name, CT_SNAPSHOT_DELETING)) {
                g_ptr_array_add(deleting, g_strdup(name));
            }
        }
    }
    currentPath = g_strdup_printf("%s/" CT_SNAPSHOT_CURRENT, dir);
    ignore_value(virFileReadAllQuiet(currentPath, 1024, &current));
    virCTSnapshotLoad(driver, vm);
    for (i = 0; i < deleting->len; i++) {
        const char *del = g_ptr_array_index(deleting, i);
        g_autofree char *path = g_strdup_printf("%s/%s", dir, del);

        VIR_WARN("finishing the deletion of snapshot '%s' of '%s'",
                 del + strlen(CT_SNAPSHOT_DELETING), vm->def->name);
        ctSnapFinishDelete(driver, vm, del + strlen(CT_SNAPSHOT_DELETING), path,
                           STREQ_NULLABLE(current, del + strlen(CT_SNAPSHOT_DELETING)));
    }
    reverting = g_strdup_printf("%s/" CT_SNAPSHOT_REVERTING, dir);
    if (virFileReadAllQuiet(reverting, 1024, &revertName) > 0) {
        virDomainMomentObj *snap = virDomainSnapshotFindByName(vm->snapshots, revertName);

        bool changed;

        if (virDomainObjIsActive(vm)) {
            /* not possible: a revert stops it first, starts it after */
            unlink(reverting);
        } else if (!snap) {
            /* kept: a start is refused on files half the snapshot's */
            VIR_WARN("the revert of '%s' to snapshot '%s' was cut short and that snapshot is "
                     "gone: '%s' keeps it from starting",
                     vm->def->name, revertName, reverting);
        } else {
            VIR_WARN("finishing the revert of '%s' to snapshot '%s' a daemon restart cut short "
                     "(it stays shut off)",
                     vm->def->name, revertName);
            if (virCTSnapshotRevertFiles(driver, vm, snap, false, &changed) < 0) {
                VIR_WARN("cannot revert '%s' to '%s': %s", vm->def->name, revertName,
                         virGetLastErrorMessage());
                virResetLastError();
                goto cleanup;
            }
            unlink(reverting);
        }
    }

 cleanup:
    virObjectUnlock(vm);
    return 0;
}

int
virCTSnapshotCheckStart(virCTDriver *driver, const virDomainDef *def)
{
    g_autofree char *reverting = NULL;
    g_autofree char *name = NULL;

    if (!virCTLayerTemplateRoot(def))
        return 0;
    reverting = virCTSnapshotPath(driver, def->name, CT_SNAPSHOT_REVERTING, "");
    if (virFileReadAllQuiet(reverting, 1024, &name) < 0)
        return 0;
    virReportError(
        VIR_ERR_OPERATION_INVALID,
        _("a revert of '%1$s' to snapshot '%2$s' was cut short and could not be finished: its files are partly the snapshot's; revert again (to any snapshot), or remove '%3$s' to start it as it is"),
        def->name, name, reverting);
    return -1;
}

void
virCTSnapshotLoadAll(virCTDriver *driver)
{
    g_autoptr(GDir) gdir = g_dir_open(driver->store->containerDir, 0, NULL);
    const char *name;

    /* the snapshots of undefined containers a daemon was removing */
    while (gdir && (name = g_dir_read_name(gdir))) {
        g_autofree char *gone =
            g_strdup_printf("%s/%s/" CT_SNAPSHOT_REMOVED, driver->store->containerDir, name);

        if (virFileExists(gone) && virCTStoreDeleteTree(gone) < 0)
            virResetLastError();
    }
    virDomainObjListForEach(driver->domains, false, ctSnapRecoverOne, driver);
}

int
virCTSnapshotDiscardAll(virCTDriver *driver, virDomainObj *vm)
{
    g_autofree char *dir = virCTSnapshotDir(driver, vm->def->name);
    g_autofree char *layerDir = g_path_get_dirname(dir);
    g_autofree char *gone = g_strdup_printf("%s/" CT_SNAPSHOT_REMOVED, layerDir);

    if (!virFileExists(dir)) {
        virDomainSnapshotObjListRemoveAll(vm->snapshots);
        return 0;
    }
    /* out of sight at once; a crash before it is all gone leaves a
     * hidden directory the next daemon removes */
    if (virCTStoreDeleteTree(gone) < 0)
        return -1;
    if (rename(dir, gone) < 0) {
        virReportSystemError(errno, _("cannot remove the snapshots of '%1$s' in '%2$s'"),
                             vm->def->name, dir);
        return -1;
    }
    virDomainSnapshotObjListRemoveAll(vm->snapshots);
    return virCTStoreDeleteTree(gone);
}

/* ---- taking one ---- */

/* The writable layer of @vm copied into @dir.  A running container is
 * frozen meanwhile, and its disk too (crash-consistent); with @withMemory
 * CRIU checkpoints its processes first (they run on afterwards) into the
 * signed image @memory.  @freezeMs and @bytes: what it cost. */
static int
ctSnapCapture(virCTDriver *driver, virDomainObj *vm, const char *dir, bool withMemory,
              const char *memory, unsigned long long *freezeMs, unsigned long long *bytes)
{
    virCTDomainObjPrivate *priv = CT_DOMAIN_PRIVATE(vm);
    g_autoptr(virCTLayerPaths) paths = virCTLayerPathsOf(driver, vm->def);
    g_autoptr(virDomainDef) def = NULL;
    g_autoptr(virCTSaveDump) dump = NULL;
    g_autofree char *keyDir = virCTSaveDir(driver);
    g_autofree char *tmp = NULL;
    bool paused = virDomainObjGetState(vm, NULL) == VIR_DOMAIN_PAUSED;
    bool image = virCTSnapshotLayerHasImage(driver, vm->def);
    bool frozenHere = false;
    unsigned long long start = 0;
    unsigned long long end = 0;
    VIR_AUTOCLOSE fd = -1;
    int rc;

    if (!(def = virDomainDefCopy(vm->def, driver->xmlopt, NULL, false)))
        return -1;
    if (!virDomainObjIsActive(vm)) {
        /* the job keeps the domain ours; the copy can take minutes, and
         * listing domains locks each one */
        virObjectUnlock(vm);
        rc = virCTSnapshotCopyLayer(driver, def, dir);
        virObjectLock(vm);
        return rc;
    }

    ignore_value(virTimeMillisNow(&start));
    if (withMemory) {
        if ((fd = virCTSaveCreateTemp(memory, &tmp)) < 0)
            return -1;
        if (virCTSaveDumpStart(driver, vm, paused, CT_SAVE_TARGET_SNAPSHOT, &dump) < 0)
            goto error;
        start = dump->start;
    } else if (!paused) {
        if (virCTProcessSetFrozen(vm, true) < 0)
            return -1;
        frozenHere = true;
    }
    if (image && virCTDiskSetFrozen(paths->disk, true) < 0) {
        virReportSystemError(errno, _("cannot freeze the disk of '%1$s'"), vm->def->name);
        rc = -1;
    } else {
        /* the job keeps the domain ours meanwhile */
        virObjectUnlock(vm);
        rc = virCTSnapshotCopyLayer(driver, def, dir);
        virObjectLock(vm);
        if (image && virCTDiskSetFrozen(paths->disk, false) < 0)
            VIR_WARN("cannot thaw the disk of '%s': %s", vm->def->name, g_strerror(errno));
    }
    if (dump) {
        /* the processes run on whatever happened */
        ignore_value(virCTSaveDumpFinish(vm, dump, false));
    } else if (frozenHere && virCTProcessSetFrozen(vm, false) < 0) {
        VIR_WARN("cannot thaw '%s': %s", vm->def->name, virGetLastErrorMessage());
        virResetLastError();
    }
    frozenHere = false;
    ignore_value(virTimeMillisNow(&end));
    *freezeMs = end - start;
    if (rc < 0)
        goto error;
    if (dump) {
        virObjectUnlock(vm);
        rc = virCTSaveImageWrite(keyDir, fd, tmp, dump->xml, dump->meta->str, dump->dir, false,
                                 &priv->saveBytes);
        virObjectLock(vm);
        *bytes = __atomic_load_n(&priv->saveBytes, __ATOMIC_RELAXED);
        if (rc < 0)
            goto error;
        if (rename(tmp, memory) < 0) {
            virReportSystemError(errno, _("cannot rename '%1$s' to '%2$s'"), tmp, memory);
            goto error;
        }
    }
    return 0;

 error:
    if (frozenHere && virCTProcessSetFrozen(vm, false) < 0)
        virResetLastError();
    if (tmp)
        unlink(tmp);
    return -1;
}

/* How the snapshot @def of @vm is taken (state, memory), from the flags
 * and the XML.  -1 with an error when it cannot be. */
static int
ctSnapDecide(virCTDriver *driver, virDomainObj *vm, virDomainSnapshotDef *def, unsigned int flags)
{
    bool active = virDomainObjIsActive(vm);
    bool diskOnly = (flags & VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY) != 0;

    if (def->memory == VIR_DOMAIN_SNAPSHOT_LOCATION_MANUAL) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED, "%s",
                       _("'manual' memory snapshots are not supported"));
        return -1;
    }
    if (diskOnly || !active) {
        if (virCTSnapshotHasMemory(def)) {
            virReportError(
                VIR_ERR_CONFIG_UNSUPPORTED, "%s",
                active ? _("a disk-only snapshot cannot have memory state")
                       : _("a snapshot of a container that is shut off has no memory state"));
            return -1;
        }
        def->memory = VIR_DOMAIN_SNAPSHOT_LOCATION_NO;
        def->state = active ? VIR_DOMAIN_SNAPSHOT_DISK_SNAPSHOT : VIR_DOMAIN_SNAPSHOT_SHUTOFF;
        return 0;
    }
    if (def->memory == VIR_DOMAIN_SNAPSHOT_LOCATION_NO) {
        def->state = VIR_DOMAIN_SNAPSHOT_DISK_SNAPSHOT;
        return 0;
    }
    if (def->memory == VIR_DOMAIN_SNAPSHOT_LOCATION_DEFAULT)
        def->memory = VIR_DOMAIN_SNAPSHOT_LOCATION_INTERNAL;
    if (def->memory == VIR_DOMAIN_SNAPSHOT_LOCATION_EXTERNAL &&
        (!def->memorysnapshotfile || !g_path_is_absolute(def->memorysnapshotfile))) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED, "%s",
                       _("an external memory snapshot needs an absolute file name"));
        return -1;
    }
    if (def->memory == VIR_DOMAIN_SNAPSHOT_LOCATION_EXTERNAL &&
        virFileExists(def->memorysnapshotfile)) {
        virReportError(VIR_ERR_OPERATION_INVALID, _("memory snapshot file '%1$s' already exists"),
                       def->memorysnapshotfile);
        return -1;
    }
    if (!driver->config->criu || !virFileIsExecutable(driver->config->criu)) {
        virReportError(
            VIR_ERR_OPERATION_UNSUPPORTED,
            _("a snapshot of the running '%1$s' with its processes needs CRIU, which is unavailable: take one of its files alone with --disk-only"),
            vm->def->name);
        return -1;
    }
    def->state = virDomainObjGetState(vm, NULL);
    return 0;
}

/* Redefinition (snapshot-edit, or metadata brought back after a delete
 * with --metadata): only of a snapshot whose files are here. */
static virDomainMomentObj *
ctSnapRedefine(virCTDriver *driver, virDomainObj *vm, virDomainSnapshotDef **defptr,
               unsigned int flags)
{
    virDomainSnapshotDef *def = *defptr;
    g_autofree char *dir = virCTSnapshotPath(driver, vm->def->name, "", def->parent.name);
    g_autofree char *conf = g_strdup_printf("%s/" CT_SNAPSHOT_LAYER, dir);
    virDomainMomentObj *snap = NULL;
    virDomainSnapshotDef *old;

    if (!virFileExists(conf)) {
        virReportError(
            VIR_ERR_OPERATION_INVALID,
            _("snapshot '%1$s' of '%2$s' has no files here: only a snapshot taken here can be redefined"),
            def->parent.name, vm->def->name);
        return NULL;
    }
    if (virDomainSnapshotRedefinePrep(vm, def, &snap, driver->xmlopt, flags) < 0)
        return NULL;
    old = snap ? virDomainSnapshotObjGetDef(snap) : NULL;
    if (old && (old->memory != def->memory ||
                STRNEQ_NULLABLE(old->memorysnapshotfile, def->memorysnapshotfile))) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("the memory state of snapshot '%1$s' cannot change"), def->parent.name);
        return NULL;
    }
    if (!old && virCTSnapshotHasMemory(def)) {
        g_autofree char *memory = virCTSnapshotMemoryPath(driver, vm, def);

        if (!virFileExists(memory)) {
            virReportError(VIR_ERR_OPERATION_INVALID,
                           _("the memory state of snapshot '%1$s' is not in '%2$s'"),
                           def->parent.name, memory);
            return NULL;
        }
    }
    if (!def->parent.dom && old && old->parent.dom &&
        !(def->parent.dom = virDomainDefCopy(old->parent.dom, driver->xmlopt, NULL, false)))
        return NULL;
    if (!def->parent.dom) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("snapshot '%1$s' needs the <domain> it was taken of"), def->parent.name);
        return NULL;
    }
    if (ctSnapWriteXML(driver, vm, def, dir) < 0)
        return NULL;
    if (snap) {
        virDomainSnapshotReplaceDef(snap, defptr);
    } else if (!(snap = virDomainSnapshotAssignDef(vm->snapshots, defptr))) {
        return NULL;
    }
    /* the parent may have changed: each snapshot is whole, so it can */
    virDomainSnapshotLinkParent(vm->snapshots, snap);
    if ((flags & VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT)) {
        virDomainSnapshotSetCurrent(vm->snapshots, snap);
        if (virCTSnapshotWriteCurrent(driver, vm) < 0)
            return NULL;
    }
    return snap;
}

/* Takes the new snapshot @def of @vm (locked, with a job). */
static virDomainMomentObj *
ctSnapCreate(virCTDriver *driver, virDomainObj *vm, virDomainSnapshotDef **defptr,
             unsigned int flags)
{
    virCTDomainObjPrivate *priv = CT_DOMAIN_PRIVATE(vm);
    virDomainSnapshotDef *def = *defptr;
    g_autofree char *top = virCTSnapshotDir(driver, vm->def->name);
    g_autofree char *creating = NULL;
    g_autofree char *final = NULL;
    g_autofree char *memory = NULL;
    unsigned long long freezeMs = 0;
    unsigned long long bytes = 0;
    unsigned long long start = 0;
    unsigned long long now = 0;
    virDomainMomentObj *snap;

    if (virDomainSnapshotFindByName(vm->snapshots, def->parent.name)) {
        virReportError(VIR_ERR_OPERATION_INVALID, _("domain snapshot '%1$s' already exists"),
                       def->parent.name);
        return NULL;
    }
    if (ctSnapDecide(driver, vm, def, flags) < 0)
        return NULL;
    if (!(def->parent.dom = virDomainDefCopy(vm->def, driver->xmlopt, NULL, true)))
        return NULL;
    if (virDomainObjIsActive(vm) && vm->newDef &&
        !(def->parent.inactiveDom = virDomainDefCopy(vm->newDef, driver->xmlopt, NULL, true)))
        return NULL;
    def->parent.parent_name = g_strdup(virDomainSnapshotGetCurrentName(vm->snapshots));

    creating = virCTSnapshotPath(driver, vm->def->name, CT_SNAPSHOT_CREATING, def->parent.name);
    final = virCTSnapshotPath(driver, vm->def->name, "", def->parent.name);
    if (virFileExists(final)) {
        /* files without metadata: deleted with --metadata */
        virReportError(
            VIR_ERR_OPERATION_INVALID,
            _("snapshot '%1$s' of '%2$s' was deleted with --metadata, its files are kept: redefine it, or use another name"),
            def->parent.name, vm->def->name);
        return NULL;
    }
    if (g_mkdir_with_parents(top, 0700) < 0) {
        virReportSystemError(errno, _("cannot create '%1$s'"), top);
        return NULL;
    }
    if (virCTStoreDeleteTree(creating) < 0)
        return NULL;
    if (g_mkdir(creating, 0700) < 0) {
        virReportSystemError(errno, _("cannot create '%1$s'"), creating);
        return NULL;
    }
    if (virCTSnapshotHasMemory(def)) {
        if (def->memory == VIR_DOMAIN_SNAPSHOT_LOCATION_EXTERNAL) {
            g_autofree char *marker = g_strdup_printf("%s/" CT_SNAPSHOT_EXTERNAL, creating);

            memory = g_strdup(def->memorysnapshotfile);
            /* for the next daemon, should this one die before the end */
            if (virFileRewriteStr(marker, 0600, memory) < 0)
                goto error;
        } else {
            memory = g_strdup_printf("%s/" CT_SNAPSHOT_MEMORY, creating);
        }
    }

    ignore_value(virTimeMillisNow(&start));
    priv->saveStarted = start;
    __atomic_store_n(&priv->saveBytes, 0, __ATOMIC_RELAXED);
    if (ctSnapCapture(driver, vm, creating, memory != NULL, memory, &freezeMs, &bytes) < 0 ||
        ctSnapWriteXML(driver, vm, def, creating) < 0)
        goto error;
    if (rename(creating, final) < 0) {
        virReportSystemError(errno, _("cannot rename '%1$s' to '%2$s'"), creating, final);
        goto error;
    }
    ctSnapSyncDir(top);
    priv->saveStarted = 0;

    if (!(snap = virDomainSnapshotAssignDef(vm->snapshots, defptr))) {
        ignore_value(virCTStoreDeleteTree(final));
        return NULL;
    }
    virDomainSnapshotLinkParent(vm->snapshots, snap);
    virDomainSnapshotSetCurrent(vm->snapshots, snap);
    if (virCTSnapshotWriteCurrent(driver, vm) < 0) {
        VIR_WARN("cannot record '%s' as the current snapshot: %s", snap->def->name,
                 virGetLastErrorMessage());
        virResetLastError();
    }
    ignore_value(virTimeMillisNow(&now));
    priv->completedOperation = VIR_DOMAIN_JOB_OPERATION_SNAPSHOT;
    priv->completedElapsed = now - start;
    priv->completedDowntime = freezeMs;
    priv->completedBytes = bytes;
    VIR_INFO("snapshot '%s' of '%s' taken in %llu ms, the container frozen %llu ms",
             snap->def->name, vm->def->name, now - start, freezeMs);
    return snap;

 error:
    priv->saveStarted = 0;
    if (memory && def->memory == VIR_DOMAIN_SNAPSHOT_LOCATION_EXTERNAL)
        unlink(memory);
    if (virCTStoreDeleteTree(creating) < 0)
        virResetLastError();
    return NULL;
}

virDomainSnapshotPtr
ctDomainSnapshotCreateXML(virDomainPtr dom, const char *xmlDesc, unsigned int flags)
{
    virCTDriver *driver = dom->conn->privateData;
    bool redefine = (flags & VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE) != 0;
    unsigned int parseFlags = 0;
    g_autoptr(virDomainSnapshotDef) def = NULL;
    virDomainMomentObj *snap = NULL;
    virDomainSnapshotPtr ret = NULL;
    virObjectEvent *event = NULL;
    virDomainObj *vm;

    /* QUIESCE: the container and its disk are always frozen for the
     * copy; ATOMIC: a snapshot appears whole or not at all; LIVE: it
     * runs on afterwards */
    virCheckFlags(VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE | VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT |
                      VIR_DOMAIN_SNAPSHOT_CREATE_HALT | VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY |
                      VIR_DOMAIN_SNAPSHOT_CREATE_QUIESCE | VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC |
                      VIR_DOMAIN_SNAPSHOT_CREATE_LIVE | VIR_DOMAIN_SNAPSHOT_CREATE_VALIDATE,
                  NULL);
    VIR_REQUIRE_FLAG_RET(VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT, VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE,
                         NULL);
    if (redefine)
        parseFlags |= VIR_DOMAIN_SNAPSHOT_PARSE_REDEFINE;
    if ((flags & VIR_DOMAIN_SNAPSHOT_CREATE_VALIDATE))
        parseFlags |= VIR_DOMAIN_SNAPSHOT_PARSE_VALIDATE;

    if (!(vm = ctDomObjFromDomain(dom)))
        return NULL;
    if (virDomainSnapshotCreateXMLEnsureACL(dom->conn, vm->def, flags) < 0)
        goto cleanup;
    if (!virCTLayerTemplateRoot(vm->def)) {
        virReportError(VIR_ERR_OPERATION_UNSUPPORTED,
                       _("snapshots need a root file system on a template: '%1$s' has none"),
                       vm->def->name);
        goto cleanup;
    }
    if (!vm->persistent) {
        virReportError(
            VIR_ERR_OPERATION_INVALID,
            _("'%1$s' is transient: its layer and snapshots would go when it stops; define it first"),
            vm->def->name);
        goto cleanup;
    }
    /* a revert makes the <domain> of a redefinition the container's */
    if (redefine && virCTDomainInputCheckSnapshot(driver, xmlDesc) < 0)
        goto cleanup;
    if (!(def = virDomainSnapshotDefParseString(xmlDesc, driver->xmlopt, NULL, NULL, parseFlags)))
        goto cleanup;
    if (virCTTemplateCheckName("snapshot", def->parent.name) < 0)
        goto cleanup;
    /* the snapshots' directory holds the file "current" beside them */
    if (STREQ(def->parent.name, CT_SNAPSHOT_CURRENT) ||
        STREQ(def->parent.name, CT_SNAPSHOT_CURRENT ".new")) {
        virReportError(VIR_ERR_INVALID_ARG, _("snapshot name '%1$s' is reserved"),
                       def->parent.name);
        goto cleanup;
    }
    if (def->ndisks > 0) {
        virReportError(
            VIR_ERR_CONFIG_UNSUPPORTED, "%s",
            _("a container's snapshot takes its root file system as a whole: <disks> are not supported"));
        goto cleanup;
    }
    if (virDomainObjBeginJob(vm, VIR_JOB_MODIFY) < 0)
        goto cleanup;
    if (redefine)
        snap = ctSnapRedefine(driver, vm, &def, flags);
    else
        snap = ctSnapCreate(driver, vm, &def, flags);
    if (snap && !redefine && (flags & VIR_DOMAIN_SNAPSHOT_CREATE_HALT) &&
        virDomainObjIsActive(vm)) {
        virCTProcessStop(driver, vm, VIR_DOMAIN_SHUTOFF_FROM_SNAPSHOT);
        event = virDomainEventLifecycleNewFromObj(vm, VIR_DOMAIN_EVENT_STOPPED,
                                                  VIR_DOMAIN_EVENT_STOPPED_FROM_SNAPSHOT);
    }
    if (snap)
        ret = virGetDomainSnapshot(dom, snap->def->name);
    virDomainObjEndJob(vm);

 cleanup:
    virDomainObjEndAPI(&vm);
    virObjectEventStateQueue(driver->domainEventState, event);
    return ret;
}

/* ---- deleting ---- */

/* Removes the snapshot @snap of @vm: hidden at once by a rename, then
 * its children reparented, the current one moved to its parent, its
 * files removed (what ctSnapFinishDelete also does after a crash).
 * With @metadataOnly its files stay for a later redefine. */
static int
ctSnapDiscard(virCTDriver *driver, virDomainObj *vm, virDomainMomentObj *snap, bool metadataOnly)
{
    g_autofree char *name = g_strdup(snap->def->name);
    g_autofree char *parent = g_strdup(snap->def->parent_name);
    g_autofree char *top = virCTSnapshotDir(driver, vm->def->name);
    g_autofree char *path = virCTSnapshotPath(driver, vm->def->name, "", name);
    g_autofree char *gone = virCTSnapshotPath(driver, vm->def->name, CT_SNAPSHOT_DELETING, name);
    bool wasCurrent = snap == virDomainSnapshotGetCurrent(vm->snapshots);

    if (metadataOnly) {
        g_autofree char *xml = g_strdup_printf("%s/" CT_SNAPSHOT_XML, path);

        if (unlink(xml) < 0 && errno != ENOENT) {
            virReportSystemError(errno, _("cannot remove '%1$s'"), xml);
            return -1;
        }
    } else if (rename(path, gone) < 0) {
        virReportSystemError(errno, _("cannot remove snapshot '%1$s' in '%2$s'"), name, path);
        return -1;
    }
    ctSnapSyncDir(top);
    if (wasCurrent)
        virDomainSnapshotSetCurrent(vm->snapshots, NULL);
    virDomainMomentMoveChildren(snap, snap->parent);
    virDomainMomentDropParent(snap);
    virDomainSnapshotObjListRemove(vm->snapshots, snap);
    if (metadataOnly) {
        ctSnapReparent(driver, vm, name, parent);
        if (wasCurrent)
            virDomainSnapshotSetCurrent(
                vm->snapshots, parent ? virDomainSnapshotFindByName(vm->snapshots, parent) : NULL);
        return virCTSnapshotWriteCurrent(driver, vm);
    }
    ctSnapFinishDelete(driver, vm, name, gone, wasCurrent);
    return 0;
}

typedef struct {
    GPtrArray *names;
} ctSnapCollect;

static int
ctSnapCollectOne(void *payload, const char *name G_GNUC_UNUSED, void *opaque)
{
    virDomainMomentObj *snap = payload;
    ctSnapCollect *c = opaque;

    g_ptr_array_add(c->names, g_strdup(snap->def->name));
    return 0;
}

int
ctDomainSnapshotDelete(virDomainSnapshotPtr snapshot, unsigned int flags)
{
    virCTDriver *driver = snapshot->domain->conn->privateData;
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    bool metadataOnly = (flags & VIR_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY) != 0;
    virDomainMomentObj *snap;
    virDomainObj *vm;
    int ret = -1;
    guint i;

    virCheckFlags(VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN | VIR_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY |
                      VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY,
                  -1);
    VIR_EXCLUSIVE_FLAGS_RET(VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN,
                            VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY, -1);

    if (!(vm = ctDomObjFromDomain(snapshot->domain)))
        return -1;
    if (virDomainSnapshotDeleteEnsureACL(snapshot->domain->conn, vm->def) < 0)
        goto cleanup;
    if (virDomainObjBeginJob(vm, VIR_JOB_MODIFY) < 0)
        goto cleanup;
    if (!(snap = virCTSnapshotObjFromName(vm, snapshot->name)))
        goto endjob;

    /* descendants first, leaves before their parents */
    if ((flags &
         (VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN | VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY))) {
        ctSnapCollect c = { names };

        virDomainMomentForEachDescendant(snap, ctSnapCollectOne, &c);
    }
    for (i = names->len; i > 0; i--) {
        const char *name = g_ptr_array_index(names, i - 1);
        virDomainMomentObj *child = virDomainSnapshotFindByName(vm->snapshots, name);

        if (child && ctSnapDiscard(driver, vm, child, metadataOnly) < 0)
            goto endjob;
    }
    if (!(flags & VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY)) {
        if (!(snap = virCTSnapshotObjFromName(vm, snapshot->name)) ||
            ctSnapDiscard(driver, vm, snap, metadataOnly) < 0)
            goto endjob;
    } else if (!virDomainSnapshotGetCurrent(vm->snapshots)) {
        /* the current one was among the children */
        virDomainSnapshotSetCurrent(vm->snapshots, snap);
        if (virCTSnapshotWriteCurrent(driver, vm) < 0)
            goto endjob;
    }
    ret = 0;

 endjob:
    virDomainObjEndJob(vm);
 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}
