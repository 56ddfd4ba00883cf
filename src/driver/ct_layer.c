/*
 * ct_layer.c: a container's writable layer over its template
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include <sys/stat.h>
#include <sys/statfs.h>

#include "ct_domain.h"
#include "ct_layer.h"
#include "virerror.h"
#include "virfile.h"
#include "virlog.h"
#include "virstring.h"
#include "viruuid.h"

#define VIR_FROM_THIS VIR_FROM_NONE

VIR_LOG_INIT("ct.layer");

/* disks grow by whole blocks, so "the same limit" is within a MiB */
#define CT_LAYER_SLACK (1024ULL * 1024ULL)

virDomainFSDef *
virCTLayerTemplateRoot(const virDomainDef *def)
{
    size_t i;

    for (i = 0; i < def->nfss; i++) {
        if (def->fss[i]->type == VIR_DOMAIN_FS_TYPE_TEMPLATE && STREQ(def->fss[i]->dst, "/"))
            return def->fss[i];
    }
    return NULL;
}

virCTLayerPaths *
virCTLayerPathsOf(virCTDriver *driver, const virDomainDef *def)
{
    virDomainFSDef *fs = virCTLayerTemplateRoot(def);

    return virCTLayerPathsNew(driver->store, def->name, fs ? fs->src->path : NULL,
                              fs && fs->space_hard_limit);
}

static unsigned long long
virCTLayerInodes(const virDomainDef *def)
{
    const virCTDomainNamespaceDef *ns = virCTDomainGetNamespaceDef(def);

    return ns ? ns->inodes : 0;
}

/* Whether the existing @layer can serve @def without losing anything. */
static int
virCTLayerCheckFits(virCTDriver *driver, const virCTLayer *layer, const virDomainDef *def,
                    const virDomainFSDef *fs)
{
    g_autoptr(virCTLayerPaths) paths = virCTLayerPathsOf(driver, def);
    bool hasImage = virFileExists(paths->image);
    bool hasData = virCTLayerHasData(driver->store, layer);

    if (STRNEQ(layer->template, fs->src->path) && hasData) {
        virReportError(
            VIR_ERR_OPERATION_INVALID,
            _("the layer of '%1$s' holds changes to template '%2$s': it cannot be put on template '%3$s'"),
            def->name, layer->template, fs->src->path);
        return -1;
    }
    if (hasImage && !fs->space_hard_limit) {
        virReportError(
            VIR_ERR_OPERATION_INVALID,
            _("the layer of '%1$s' is a disk image with a space limit: removing <space_hard_limit> is not supported"),
            def->name);
        return -1;
    }
    if (!hasImage && fs->space_hard_limit && hasData) {
        virReportError(
            VIR_ERR_OPERATION_INVALID,
            _("the layer of '%1$s' holds data without a disk image: adding <space_hard_limit> to it is not supported"),
            def->name);
        return -1;
    }
    if (hasImage && fs->space_hard_limit + CT_LAYER_SLACK < layer->spaceLimit) {
        virReportError(
            VIR_ERR_OPERATION_UNSUPPORTED,
            _("<space_hard_limit> of '%1$s' cannot go below the %2$llu bytes its disk was grown to: its file system (XFS) cannot shrink"),
            def->name, layer->spaceLimit);
        return -1;
    }
    if (hasImage && virCTLayerInodes(def) != layer->inodes) {
        virReportError(
            VIR_ERR_OPERATION_INVALID,
            _("the inode count of the disk of '%1$s' was fixed when it was made (<ct:inodes> %2$llu): it cannot change to %3$llu"),
            def->name, layer->inodes, virCTLayerInodes(def));
        return -1;
    }
    return 0;
}

/* The layer of @def's name, if any, which must be @def's own. */
static int
virCTLayerLoadOwn(virCTDriver *driver, const virDomainDef *def, virCTLayer **layer)
{
    char uuidstr[VIR_UUID_STRING_BUFLEN];
    g_autoptr(virCTLayerPaths) paths = NULL;
    int rc;

    if ((rc = virCTLayerLoad(driver->store, def->name, layer)) <= 0)
        return rc;
    virUUIDFormat(def->uuid, uuidstr);
    if (STRNEQ((*layer)->uuid, uuidstr)) {
        paths = virCTLayerPathsOf(driver, def);
        virReportError(
            VIR_ERR_OPERATION_INVALID,
            _("'%1$s' holds the %2$s layer of another container named '%3$s' (UUID %4$s): remove it with 'virt-ct-template layer-remove %5$s' first"),
            paths->dir, virCTLayerOwnerTypeToString((*layer)->owner), def->name, (*layer)->uuid,
            def->name);
        g_clear_pointer(layer, virCTLayerFree);
        return -1;
    }
    return 1;
}

int
virCTLayerCheck(virCTDriver *driver, const virDomainDef *def)
{
    virDomainFSDef *fs = virCTLayerTemplateRoot(def);
    g_autoptr(virCTTemplate) tmpl = NULL;
    g_autoptr(virCTLayer) layer = NULL;
    int rc;

    if (!fs)
        return 0;
    if (virCTTemplateLoad(driver->store, fs->src->path, &tmpl) < 0)
        return -1;
    if ((rc = virCTLayerLoadOwn(driver, def, &layer)) <= 0)
        return rc;
    return virCTLayerCheckFits(driver, layer, def, fs);
}

/* The layer record @def needs, with the store locked: its own existing
 * one (checked to fit @def) or a new one (*created), not saved yet. */
static int
virCTLayerRecord(virCTDriver *driver, const virDomainDef *def, const virDomainFSDef *fs,
                 bool persistent, virCTLayer **layer, bool *created)
{
    g_autoptr(virCTLayerPaths) paths = virCTLayerPathsOf(driver, def);
    char uuidstr[VIR_UUID_STRING_BUFLEN];
    int rc;

    if ((rc = virCTLayerLoadOwn(driver, def, layer)) < 0)
        return -1;
    *created = rc == 0;
    if (rc == 0) {
        virUUIDFormat(def->uuid, uuidstr);
        *layer = g_new0(virCTLayer, 1);
        (*layer)->name = g_strdup(def->name);
        (*layer)->uuid = g_strdup(uuidstr);
        (*layer)->owner = persistent ? VIR_CT_LAYER_DEFINED : VIR_CT_LAYER_TRANSIENT;
        (*layer)->created = time(NULL);
    } else if (virCTLayerCheckFits(driver, *layer, def, fs) < 0) {
        g_clear_pointer(layer, virCTLayerFree);
        return -1;
    } else if (persistent) {
        /* a defined container adopts its own orphaned or transient layer */
        (*layer)->owner = VIR_CT_LAYER_DEFINED;
    }
    g_free((*layer)->template);
    (*layer)->template = g_strdup(fs->src->path);
    if (!virFileExists(paths->image))
        (*layer)->inodes = virCTLayerInodes(def);
    return 0;
}

int
virCTLayerDefine(virCTDriver *driver, const virDomainDef *def, bool persistent, bool *created)
{
    virDomainFSDef *fs = virCTLayerTemplateRoot(def);
    g_autoptr(virCTLayer) layer = NULL;
    VIR_AUTOCLOSE lock = -1;

    *created = false;
    if (!fs)
        return 0;
    if ((lock = virCTStoreLock(driver->store)) < 0 ||
        virCTLayerRecord(driver, def, fs, persistent, &layer, created) < 0)
        return -1;
    if (virCTLayerSave(driver->store, layer) < 0) {
        if (*created)
            virCTLayerRemove(driver->store, def->name);
        *created = false;
        return -1;
    }
    return 0;
}

int
virCTLayerAdoptMigrated(virCTDriver *driver, const virDomainDef *def, const char *incoming)
{
    virDomainFSDef *fs = virCTLayerTemplateRoot(def);
    g_autoptr(virCTLayer) layer = NULL;
    g_autoptr(virCTLayer) sent = NULL;
    char uuidstr[VIR_UUID_STRING_BUFLEN];
    VIR_AUTOCLOSE lock = -1;
    int rc;

    if (!fs)
        return 0;
    virUUIDFormat(def->uuid, uuidstr);
    if ((rc = virCTLayerLoadFile(incoming, def->name, &sent)) < 0)
        return -1;
    if (rc == 0 || STRNEQ(sent->uuid, uuidstr) || STRNEQ(sent->template, fs->src->path)) {
        virReportError(VIR_ERR_OPERATION_FAILED,
                       _("the layer of '%1$s' sent by the source is not this container's"),
                       def->name);
        return -1;
    }
    if ((lock = virCTStoreLock(driver->store)) < 0 ||
        (rc = virCTLayerLoadOwn(driver, def, &layer)) < 0)
        return -1;
    if (rc == 0) {
        virReportError(VIR_ERR_OPERATION_FAILED, _("the layer record of '%1$s' is gone"),
                       def->name);
        return -1;
    }
    layer->created = sent->created;
    layer->spaceLimit = sent->spaceLimit;
    layer->inodes = sent->inodes;
    layer->userXattrs = sent->userXattrs;
    if (virCTLayerSave(driver->store, layer) < 0)
        return -1;
    ignore_value(unlink(incoming));
    return 0;
}

void
virCTLayerForget(virCTDriver *driver, const virDomainDef *def)
{
    VIR_AUTOCLOSE lock = virCTStoreLock(driver->store);

    if (lock < 0 || virCTLayerRemove(driver->store, def->name) < 0)
        VIR_WARN("cannot remove the layer of '%s': %s", def->name, virGetLastErrorMessage());
}

void
virCTLayerKeepSaved(virCTDriver *driver, const virDomainDef *def)
{
    g_autoptr(virCTLayer) layer = NULL;
    VIR_AUTOCLOSE lock = -1;

    if (!virCTLayerTemplateRoot(def))
        return;
    if ((lock = virCTStoreLock(driver->store)) < 0 || virCTLayerLoadOwn(driver, def, &layer) < 0) {
        VIR_WARN("cannot keep the layer of saved '%s': %s", def->name, virGetLastErrorMessage());
        virResetLastError();
        return;
    }
    if (!layer || layer->owner != VIR_CT_LAYER_TRANSIENT)
        return;
    layer->owner = VIR_CT_LAYER_SAVED;
    if (virCTLayerSave(driver->store, layer) < 0) {
        VIR_WARN("cannot keep the layer of saved '%s': %s", def->name, virGetLastErrorMessage());
        virResetLastError();
    }
}

int
virCTLayerCheckSaved(virCTDriver *driver, const virDomainDef *def)
{
    g_autoptr(virCTLayer) layer = NULL;
    VIR_AUTOCLOSE lock = -1;
    int rc;

    if (!virCTLayerTemplateRoot(def))
        return 0;
    if ((lock = virCTStoreLock(driver->store)) < 0 ||
        (rc = virCTLayerLoadOwn(driver, def, &layer)) < 0)
        return -1;
    if (rc == 0) {
        virReportError(
            VIR_ERR_OPERATION_INVALID,
            _("the layer of '%1$s' that the image was saved with is gone: its processes cannot come back on another"),
            def->name);
        return -1;
    }
    return 0;
}

void
virCTLayerRestored(virCTDriver *driver, const virDomainDef *def, bool persistent)
{
    g_autoptr(virCTLayer) layer = NULL;
    VIR_AUTOCLOSE lock = -1;

    if (persistent || !virCTLayerTemplateRoot(def))
        return;
    if ((lock = virCTStoreLock(driver->store)) < 0 || virCTLayerLoadOwn(driver, def, &layer) <= 0 ||
        layer->owner != VIR_CT_LAYER_SAVED) {
        virResetLastError();
        return;
    }
    layer->owner = VIR_CT_LAYER_TRANSIENT;
    if (virCTLayerSave(driver->store, layer) < 0) {
        VIR_WARN("cannot update the layer of restored '%s': %s", def->name,
                 virGetLastErrorMessage());
        virResetLastError();
    }
}

void
virCTLayerUndefine(virCTDriver *driver, const virDomainDef *def, bool active)
{
    g_autoptr(virCTLayer) layer = NULL;
    g_autoptr(virCTLayerPaths) paths = virCTLayerPathsOf(driver, def);
    VIR_AUTOCLOSE lock = -1;

    if ((lock = virCTStoreLock(driver->store)) < 0 || virCTLayerLoadOwn(driver, def, &layer) <= 0) {
        virResetLastError();
        return;
    }
    if (!active && !virCTLayerHasData(driver->store, layer)) {
        if (virCTLayerRemove(driver->store, def->name) < 0)
            VIR_WARN("cannot remove the empty layer of '%s': %s", def->name,
                     virGetLastErrorMessage());
        return;
    }
    /* undefine never deletes a container's data, as it never deletes a
     * VM's disks: the layer stays until the user removes it */
    layer->owner = VIR_CT_LAYER_ORPHANED;
    if (virCTLayerSave(driver->store, layer) < 0)
        VIR_WARN("cannot mark the layer of '%s' orphaned: %s", def->name, virGetLastErrorMessage());
    VIR_WARN("the layer of undefined container '%s' is kept in '%s'; "
             "'virt-ct-template layer-remove %s' removes it",
             def->name, paths->dir, def->name);
}

/* The new upper directory gets the template root's mode, which is what
 * "/" shows inside. */
static int
virCTLayerMakeUpper(const virCTLayerPaths *paths)
{
    struct stat sb;

    if (stat(paths->templateRoot, &sb) < 0) {
        virReportSystemError(errno, _("cannot stat template root '%1$s'"), paths->templateRoot);
        return -1;
    }
    if ((mkdir(paths->upper, sb.st_mode & 07777) < 0 && errno != EEXIST) ||
        (mkdir(paths->work, 0700) < 0 && errno != EEXIST)) {
        virReportSystemError(errno, _("cannot create the layer in '%1$s'"), paths->upper);
        return -1;
    }
    return 0;
}

/* A container's hostname is its name, but busybox's and Debian's init set
 * the UTS name from /etc/hostname, where the template's file would win.
 * So the layer gets its own file at a start where it has none (neither a
 * file nor a whiteout), owned as the template's: one the user writes or
 * deletes inside is kept. */
static int
virCTLayerSetHostname(const virCTLayerPaths *paths, const char *name)
{
    g_autofree char *lowerEtc = g_build_filename(paths->templateRoot, "etc", NULL);
    g_autofree char *lowerFile = g_build_filename(lowerEtc, "hostname", NULL);
    g_autofree char *upperEtc = g_build_filename(paths->upper, "etc", NULL);
    g_autofree char *upperFile = g_build_filename(upperEtc, "hostname", NULL);
    g_autofree char *content = g_strdup_printf("%.64s\n", name);
    struct stat etc;
    struct stat file;

    /* also when /etc itself was deleted inside (a whiteout) */
    if (lstat(upperFile, &file) == 0 || (lstat(upperEtc, &etc) == 0 && !S_ISDIR(etc.st_mode)) ||
        stat(lowerFile, &file) < 0 || stat(lowerEtc, &etc) < 0)
        return 0;
    if (mkdir(upperEtc, etc.st_mode & 07777) == 0 && chown(upperEtc, etc.st_uid, etc.st_gid) < 0) {
        virReportSystemError(errno, _("cannot change the owner of '%1$s'"), upperEtc);
        return -1;
    }
    if (virFileWriteStr(upperFile, content, file.st_mode & 0777) < 0) {
        virReportSystemError(errno, _("cannot write '%1$s'"), upperFile);
        return -1;
    }
    if (chown(upperFile, file.st_uid, file.st_gid) < 0) {
        virReportSystemError(errno, _("cannot change the owner of '%1$s'"), upperFile);
        return -1;
    }
    return 0;
}

/* The disk image of @def: made on first start, shrunk (stopped) or
 * grown (mounted) to the limit, mounted on containers/NAME/disk. */
static int
virCTLayerPrepareDisk(virCTLayer *layer, const virCTLayerPaths *paths, unsigned long long limit)
{
    bool made = false;

    if (!virFileExists(paths->image)) {
        if (virCTDiskCreate(paths->image, limit, layer->inodes) < 0)
            return -1;
        made = true;
    }
    if (virCTDiskMount(paths->image, paths->disk) < 0)
        goto error;
    if (virCTDiskGrow(paths->image, paths->disk, limit, layer->inodes) < 0)
        goto error;
    layer->spaceLimit = limit;
    return 0;

 error:
    virCTDiskUnmount(paths->disk);
    if (made)
        unlink(paths->image);
    return -1;
}

/* The layer of @def on disk: "root" to mount on, the upper and work
 * directories (on its disk when it has a limit), the record saved. */
static int
virCTLayerFill(virCTDriver *driver, virCTLayer *layer, const virDomainDef *def,
               const virDomainFSDef *fs)
{
    g_autoptr(virCTLayerPaths) paths = virCTLayerPathsOf(driver, def);

    if (g_mkdir_with_parents(paths->root, 0755) < 0) {
        virReportSystemError(errno, _("cannot create '%1$s'"), paths->root);
        return -1;
    }
    if (fs->space_hard_limit && virCTLayerPrepareDisk(layer, paths, fs->space_hard_limit) < 0)
        return -1;
    if (virCTLayerMakeUpper(paths) < 0 || virCTLayerSetHostname(paths, def->name) < 0)
        return -1;
    /* once, for a layer of an earlier version */
    if (!layer->userXattrs) {
        if (virCTLayerConvertXattrs(paths->upper) < 0)
            return -1;
        layer->userXattrs = true;
    }
    return virCTLayerSave(driver->store, layer);
}

int
virCTLayerPrepare(virCTDriver *driver, const virDomainDef *def, bool persistent)
{
    virDomainFSDef *fs = virCTLayerTemplateRoot(def);
    g_autoptr(virCTTemplate) tmpl = NULL;
    g_autoptr(virCTLayer) layer = NULL;
    VIR_AUTOCLOSE lock = -1;
    bool created;

    if (!fs)
        return 0;
    /* also records the layer of a container defined before it had one */
    if (virCTTemplateLoad(driver->store, fs->src->path, &tmpl) < 0 ||
        (lock = virCTStoreLock(driver->store)) < 0 ||
        virCTLayerRecord(driver, def, fs, persistent, &layer, &created) < 0)
        return -1;
    if (virCTLayerFill(driver, layer, def, fs) < 0) {
        g_autoptr(virCTLayerPaths) paths = virCTLayerPathsOf(driver, def);
        virErrorPtr orig;

        /* undo what this start made; the first error is the one to see */
        virErrorPreserveLast(&orig);
        virCTDiskUnmount(paths->disk);
        if (created)
            virCTLayerRemove(driver->store, def->name);
        virErrorRestore(&orig);
        return -1;
    }
    return 0;
}

/* The end of the remover's queue (virCTLayerRemoverStop()). */
static char virCTLayerRemoverEnd[] = "";

static void
virCTLayerRemoverMain(void *opaque)
{
    virCTDriver *driver = opaque;
    char *path;

    while ((path = g_async_queue_pop(driver->removals)) != virCTLayerRemoverEnd) {
        VIR_DEBUG("deleting '%s'", path);
        if (virCTStoreDeleteTree(path) < 0) {
            /* what is left goes at the next daemon's start */
            VIR_WARN("%s", virGetLastErrorMessage());
            virResetLastError();
        }
        g_free(path);
    }
}

int
virCTLayerRemoverStart(virCTDriver *driver)
{
    driver->removals = g_async_queue_new();
    if (virThreadCreateFull(&driver->remover, true, virCTLayerRemoverMain, "ct-remover", false,
                            driver) < 0) {
        virReportSystemError(errno, "%s", _("cannot start the layer remover thread"));
        g_clear_pointer(&driver->removals, g_async_queue_unref);
        return -1;
    }
    return 0;
}

void
virCTLayerRemoverStop(virCTDriver *driver)
{
    if (!driver->removals)
        return;
    g_async_queue_push(driver->removals, virCTLayerRemoverEnd);
    virThreadJoin(&driver->remover);
    g_clear_pointer(&driver->removals, g_async_queue_unref);
}

/* The layer of transient @name, stopped for good: renamed aside (the
 * next daemon's start deletes it should this one die first), deleted
 * by the remover thread, so that a destroy does not wait for it. */
static void
virCTLayerRemoveTransient(virCTDriver *driver, const char *name)
{
    g_autofree char *aside = NULL;

    if (driver->removals && virCTLayerPutAside(driver->store, name, &aside) == 0) {
        if (aside)
            g_async_queue_push(driver->removals, g_steal_pointer(&aside));
        return;
    }
    virResetLastError();
    if (virCTLayerRemove(driver->store, name) < 0) {
        VIR_WARN("cannot remove the layer of transient '%s': %s", name, virGetLastErrorMessage());
        virResetLastError();
    }
}

void
virCTLayerRelease(virCTDriver *driver, const virDomainDef *def, bool final)
{
    g_autoptr(virCTLayer) layer = NULL;
    g_autoptr(virCTLayerPaths) paths = NULL;
    VIR_AUTOCLOSE lock = -1;

    if (!virCTLayerTemplateRoot(def))
        return;
    paths = virCTLayerPathsOf(driver, def);
    if ((lock = virCTStoreLock(driver->store)) < 0 || virCTDiskUnmount(paths->disk) < 0 ||
        virCTLayerLoadOwn(driver, def, &layer) < 0) {
        VIR_WARN("cannot release the layer of '%s': %s", def->name, virGetLastErrorMessage());
        virResetLastError();
        return;
    }
    if (final && layer && layer->owner == VIR_CT_LAYER_TRANSIENT)
        virCTLayerRemoveTransient(driver, def->name);
}

static void
virCTLayerCleanupOne(virCTDriver *driver, virCTLayer *layer)
{
    g_autoptr(virCTLayerPaths) paths = virCTLayerPathsNew(driver->store, layer->name, NULL, false);
    virDomainObj *vm = virDomainObjListFindByName(driver->domains, layer->name);
    bool active = vm && virDomainObjIsActive(vm);
    bool persistent = vm && vm->persistent;

    virDomainObjEndAPI(&vm);
    if (active)
        return;
    if (virCTDiskUnmount(paths->disk) < 0) {
        VIR_WARN("%s", virGetLastErrorMessage());
        virResetLastError();
        return;
    }
    if (layer->owner == VIR_CT_LAYER_TRANSIENT) {
        VIR_INFO("removing the layer of transient container '%s', which is gone", layer->name);
        if (virCTLayerRemove(driver->store, layer->name) < 0)
            virResetLastError();
    } else if (layer->owner == VIR_CT_LAYER_DEFINED && !persistent) {
        layer->owner = VIR_CT_LAYER_ORPHANED;
        if (virCTLayerSave(driver->store, layer) < 0)
            virResetLastError();
    }
}

void
virCTLayerCleanupStale(virCTDriver *driver)
{
    virCTLayer **layers = NULL;
    VIR_AUTOCLOSE lock = -1;
    int n;
    int i;

    virCTTemplateSweep(driver->store);
    if ((lock = virCTStoreLock(driver->store)) < 0 ||
        (n = virCTLayerList(driver->store, &layers)) < 0) {
        VIR_WARN("cannot look for stale layers: %s", virGetLastErrorMessage());
        virResetLastError();
        return;
    }
    for (i = 0; i < n; i++)
        virCTLayerCleanupOne(driver, layers[i]);
    virCTLayerListFree(layers, n);
}

int
virCTLayerGrowLive(virCTDriver *driver, const virDomainDef *def, unsigned long long limit)
{
    g_autoptr(virCTLayerPaths) paths = virCTLayerPathsOf(driver, def);
    g_autoptr(virCTLayer) layer = NULL;
    VIR_AUTOCLOSE lock = -1;

    if (virCTDiskIsMounted(paths->disk) <= 0) {
        virReportError(
            VIR_ERR_OPERATION_INVALID,
            _("'%1$s' runs without a disk image: a space limit can only be added while it is stopped"),
            def->name);
        return -1;
    }
    if ((lock = virCTStoreLock(driver->store)) < 0 || virCTLayerLoadOwn(driver, def, &layer) <= 0 ||
        virCTDiskGrow(paths->image, paths->disk, limit, layer->inodes) < 0)
        return -1;
    layer->spaceLimit = limit;
    return virCTLayerSave(driver->store, layer);
}

/* What an upper directory holds is found by walking it, a cost that
 * grows with its files; getAllDomainStats asks for every container, and
 * monitoring asks again every few seconds.  A walk's result is reused
 * for CT_LAYER_USAGE_REUSE times what the walk took (at least
 * CT_LAYER_USAGE_MIN_US, at most CT_LAYER_USAGE_MAX_US): the figures
 * lag by that much, and no more than 1 % of the time goes to walking. */
#define CT_LAYER_USAGE_REUSE 100
#define CT_LAYER_USAGE_MIN_US (1000LL * 1000LL)
#define CT_LAYER_USAGE_MAX_US (60LL * 1000LL * 1000LL)

typedef struct {
    unsigned long long bytes;
    unsigned long long files;
    gint64 until; /* g_get_monotonic_time() */
    dev_t dev; /* the directory walked: another one at the same path */
    ino_t ino; /* (a new layer, a reverted one) is walked afresh */
} virCTLayerUsageEntry;

static GMutex virCTLayerUsageLock;
static GHashTable *virCTLayerUsageCache; /* upper path -> virCTLayerUsageEntry */

static gboolean
virCTLayerUsageExpired(gpointer key G_GNUC_UNUSED, gpointer value, gpointer now)
{
    return ((virCTLayerUsageEntry *)value)->until <= *(gint64 *)now;
}

static void
virCTLayerDirUsage(const char *upper, bool fresh, unsigned long long *bytes,
                   unsigned long long *files)
{
    virCTLayerUsageEntry *entry;
    gint64 now = g_get_monotonic_time();
    gint64 took;
    struct stat sb = { 0 };

    if (stat(upper, &sb) < 0) {
        *bytes = *files = 0;
        return;
    }
    g_mutex_lock(&virCTLayerUsageLock);
    if (!virCTLayerUsageCache)
        virCTLayerUsageCache = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    entry = g_hash_table_lookup(virCTLayerUsageCache, upper);
    if (!fresh && entry && entry->until > now && entry->dev == sb.st_dev &&
        entry->ino == sb.st_ino) {
        *bytes = entry->bytes;
        *files = entry->files;
        g_mutex_unlock(&virCTLayerUsageLock);
        return;
    }
    g_mutex_unlock(&virCTLayerUsageLock);

    virCTStoreUsage(upper, bytes, files);
    took = g_get_monotonic_time() - now;

    g_mutex_lock(&virCTLayerUsageLock);
    /* the layers of containers that are gone go with the others */
    g_hash_table_foreach_remove(virCTLayerUsageCache, virCTLayerUsageExpired, &now);
    entry = g_new0(virCTLayerUsageEntry, 1);
    entry->bytes = *bytes;
    entry->files = *files;
    entry->dev = sb.st_dev;
    entry->ino = sb.st_ino;
    entry->until =
        now + CLAMP(took * CT_LAYER_USAGE_REUSE, CT_LAYER_USAGE_MIN_US, CT_LAYER_USAGE_MAX_US);
    g_hash_table_replace(virCTLayerUsageCache, g_strdup(upper), entry);
    g_mutex_unlock(&virCTLayerUsageLock);
}

/* A layer without a disk: the host file system's size, what the upper
 * directory holds. */
static int
virCTLayerGetDirUsage(const virCTLayerPaths *paths, bool fresh, virCTDiskUsage *usage)
{
    struct statfs sf;

    if (statfs(paths->dir, &sf) < 0) {
        virReportSystemError(errno, _("cannot query the file system of '%1$s'"), paths->dir);
        return -1;
    }
    virCTLayerDirUsage(paths->upper, fresh, &usage->used, &usage->inodesUsed);
    usage->capacity = (unsigned long long)sf.f_blocks * sf.f_bsize;
    usage->inodes = sf.f_files;
    usage->physical = usage->used;
    return 1;
}

int
virCTLayerGetUsage(virCTDriver *driver, const virDomainDef *def, bool fresh, virCTDiskUsage *usage)
{
    virDomainFSDef *fs = virCTLayerTemplateRoot(def);
    g_autoptr(virCTLayerPaths) paths = NULL;
    struct stat sb;

    memset(usage, 0, sizeof(*usage));
    if (!fs)
        return 0;
    paths = virCTLayerPathsOf(driver, def);
    if (!fs->space_hard_limit)
        return virCTLayerGetDirUsage(paths, fresh, usage);
    if (virCTDiskIsMounted(paths->disk) > 0)
        return virCTDiskGetUsage(paths->image, paths->disk, usage) < 0 ? -1 : 1;
    /* stopped: what the image takes is all that is known without it */
    usage->capacity = fs->space_hard_limit;
    if (stat(paths->image, &sb) == 0)
        usage->physical = usage->used = (unsigned long long)sb.st_blocks * 512;
    return 1;
}
