/*
 * ct_snapshot_data.c: the files of snapshots: a layer copied in, and put
 * back on a revert
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include <fcntl.h>
#include <stdio.h>

#include "ct_layer.h"
#include "ct_snapshot_priv.h"
#include "ct_template.h"

#include "vircommand.h"
#include "virerror.h"
#include "virfile.h"
#include "virlog.h"
#include "viruuid.h"

#define VIR_FROM_THIS VIR_FROM_NONE

VIR_LOG_INIT("ct.ct_snapshot_data");

char *
virCTSnapshotDir(virCTDriver *driver, const char *domain)
{
    return g_strdup_printf("%s/%s/snapshots", driver->store->containerDir, domain);
}

char *
virCTSnapshotPath(virCTDriver *driver, const char *domain, const char *prefix, const char *snap)
{
    return g_strdup_printf("%s/%s/snapshots/%s%s", driver->store->containerDir, domain, prefix,
                           snap);
}

/* A copy of the file or tree @src as @dst (which does not exist):
 * owners, modes, extended attributes (the overlay's among them), device
 * nodes (its whiteouts) and hard links kept; reflinked where the file
 * system can, holes kept. */
static int
virCTSnapshotCopyTree(const char *src, const char *dst)
{
    g_autoptr(virCommand) cmd =
        virCommandNewArgList("cp", "-a", "--reflink=auto", "--sparse=always", "--", src, dst, NULL);
    g_autofree char *errbuf = NULL;

    virCommandSetErrorBuffer(cmd, &errbuf);
    if (virCommandRun(cmd, NULL) < 0) {
        virReportError(VIR_ERR_OPERATION_FAILED, _("cannot copy '%1$s' to '%2$s': %3$s"), src, dst,
                       errbuf && *errbuf ? g_strstrip(errbuf) : virGetLastErrorMessage());
        return -1;
    }
    return 0;
}

bool
virCTSnapshotLayerHasImage(virCTDriver *driver, const virDomainDef *def)
{
    g_autoptr(virCTLayerPaths) paths = virCTLayerPathsOf(driver, def);

    return virFileExists(paths->image);
}

/* The record of the layer of @def, which must be @def's own. */
static int
virCTSnapshotLoadLayer(virCTDriver *driver, const virDomainDef *def, virCTLayer **layer)
{
    char uuidstr[VIR_UUID_STRING_BUFLEN];
    int rc;

    if ((rc = virCTLayerLoad(driver->store, def->name, layer)) < 0)
        return -1;
    virUUIDFormat(def->uuid, uuidstr);
    if (rc == 0 || STRNEQ((*layer)->uuid, uuidstr)) {
        virReportError(VIR_ERR_OPERATION_INVALID, _("container '%1$s' has no layer of its own"),
                       def->name);
        g_clear_pointer(layer, virCTLayerFree);
        return -1;
    }
    return 0;
}

int
virCTSnapshotCopyLayer(virCTDriver *driver, const virDomainDef *def, const char *dest)
{
    g_autoptr(virCTLayerPaths) paths = virCTLayerPathsOf(driver, def);
    g_autoptr(virCTLayer) layer = NULL;
    g_autofree char *conf = g_strdup_printf("%s/" CT_SNAPSHOT_LAYER, dest);
    VIR_AUTOCLOSE lock = -1;

    if ((lock = virCTStoreLock(driver->store)) < 0 ||
        virCTSnapshotLoadLayer(driver, def, &layer) < 0)
        return -1;
    if (virCTSnapshotCopyTree(paths->conf, conf) < 0)
        return -1;
    /* every container's start and stop takes the store lock: it is not
     * held over a copy that can take minutes; the domain's job keeps this
     * layer as it is (virt-ct-template removes only orphaned ones) */
    VIR_FORCE_CLOSE(lock);
    if (virFileExists(paths->image)) {
        g_autofree char *image = g_strdup_printf("%s/" CT_SNAPSHOT_IMAGE, dest);

        return virCTSnapshotCopyTree(paths->image, image);
    }
    if (virFileExists(paths->upper)) {
        g_autofree char *upper = g_strdup_printf("%s/" CT_SNAPSHOT_UPPER, dest);

        return virCTSnapshotCopyTree(paths->upper, upper);
    }
    return 0;
}

/* A copy of @src, when it exists, as @tmp (an old @tmp removed first). */
static int
virCTSnapshotStage(const char *src, const char *tmp)
{
    if (virCTStoreDeleteTree(tmp) < 0)
        return -1;
    if (!virFileExists(src))
        return 0;
    return virCTSnapshotCopyTree(src, tmp);
}

/* @path replaced by @tmp (missing: @path removed) by a rename: a crash
 * leaves the old or the new one and maybe @tmp, never half of either. */
static int
virCTSnapshotCommit(const char *tmp, const char *path)
{
    if (!virFileExists(tmp))
        return virCTStoreDeleteTree(path);
    if (virFileIsDir(path)) {
        /* a directory cannot be renamed over a full one: exchanged */
        if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_EXCHANGE) < 0) {
            virReportSystemError(errno, _("cannot exchange '%1$s' and '%2$s'"), tmp, path);
            return -1;
        }
        return virCTStoreDeleteTree(tmp);
    }
    if (rename(tmp, path) < 0) {
        virReportSystemError(errno, _("cannot rename '%1$s' to '%2$s'"), tmp, path);
        return -1;
    }
    return 0;
}

int
virCTSnapshotPutLayer(virCTDriver *driver, const virDomainDef *def, const char *src, bool *changed)
{
    g_autoptr(virCTLayerPaths) paths = virCTLayerPathsOf(driver, def);
    g_autoptr(virCTLayer) layer = NULL;
    g_autoptr(virCTLayer) then = NULL;
    g_autofree char *conf = g_strdup_printf("%s/" CT_SNAPSHOT_LAYER, src);
    g_autofree char *image = g_strdup_printf("%s/" CT_SNAPSHOT_IMAGE, src);
    g_autofree char *upper = g_strdup_printf("%s/" CT_SNAPSHOT_UPPER, src);
    g_autofree char *tmpImage = g_strdup_printf("%s/.revert.image", paths->dir);
    g_autofree char *tmpUpper = g_strdup_printf("%s/.revert.upper", paths->dir);
    g_autofree char *dirUpper = g_strdup_printf("%s/upper", paths->dir);
    g_autofree char *dirWork = g_strdup_printf("%s/work", paths->dir);
    VIR_AUTOCLOSE lock = -1;
    int mounted;

    *changed = false;
    if ((lock = virCTStoreLock(driver->store)) < 0 ||
        virCTSnapshotLoadLayer(driver, def, &layer) < 0 ||
        virCTLayerLoadFile(conf, def->name, &then) < 0)
        return -1;
    if ((mounted = virCTDiskIsMounted(paths->disk)) != 0) {
        if (mounted > 0)
            virReportError(VIR_ERR_OPERATION_INVALID,
                           _("the disk of '%1$s' is mounted: it must be stopped"), def->name);
        else
            virReportSystemError(errno, _("cannot stat '%1$s'"), paths->disk);
        return -1;
    }
    /* the copies (what can fail for want of space) before anything of
     * the layer changes: a failed revert leaves it as it was.  The store
     * lock is not held over them (see virCTSnapshotCopyLayer) */
    VIR_FORCE_CLOSE(lock);
    if (virCTSnapshotStage(image, tmpImage) < 0 || virCTSnapshotStage(upper, tmpUpper) < 0) {
        ignore_value(virCTStoreDeleteTree(tmpImage));
        ignore_value(virCTStoreDeleteTree(tmpUpper));
        return -1;
    }
    if ((lock = virCTStoreLock(driver->store)) < 0) {
        ignore_value(virCTStoreDeleteTree(tmpImage));
        ignore_value(virCTStoreDeleteTree(tmpUpper));
        return -1;
    }
    /* the snapshot's kind of layer wins: the other one goes */
    *changed = true;
    if (virCTSnapshotCommit(tmpImage, paths->image) < 0 ||
        virCTSnapshotCommit(tmpUpper, dirUpper) < 0 || virCTStoreDeleteTree(dirWork) < 0)
        return -1;
    g_free(layer->template);
    layer->template = g_steal_pointer(&then->template);
    layer->spaceLimit = then->spaceLimit;
    layer->inodes = then->inodes;
    layer->userXattrs = then->userXattrs;
    return virCTLayerSave(driver->store, layer);
}
