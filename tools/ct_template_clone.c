/*
 * ct_template_clone.c: new containers and templates from a container:
 * clone, create --from-container
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include <sys/stat.h>
#include <unistd.h>

#include "ct_copy.h"
#include "ct_flatten.h"
#include "ct_template_tool.h"
#include "virerror.h"
#include "virfile.h"
#include "viruuid.h"

#define VIR_FROM_THIS VIR_FROM_NONE

static double
secondsSince(gint64 start)
{
    return (g_get_monotonic_time() - start) / (double)G_USEC_PER_SEC;
}

static const char *
sourceLabel(const ctToolSource *src, char *buf, size_t len)
{
    if (src->snapshot)
        g_snprintf(buf, len, "%s@%s", src->name, src->snapshot);
    else
        g_strlcpy(buf, src->name, len);
    return buf;
}

/* The new container @name must not exist, nor its layer. */
static int
checkNewContainer(virConnectPtr conn, virCTStore *store, const char *name)
{
    g_autoptr(virCTLayerPaths) paths = virCTLayerPathsNew(store, name, NULL, false);
    int rc;

    if ((rc = ctToolDomainExists(conn, name)) < 0)
        return EXIT_FAILED;
    if (rc > 0) {
        virReportError(VIR_ERR_OPERATION_INVALID, _("domain '%1$s' already exists"), name);
        return EXIT_REFUSED;
    }
    if (virFileExists(paths->dir)) {
        virReportError(
            VIR_ERR_OPERATION_INVALID,
            _("there is a layer of a container named '%1$s' already (see 'virt-ct-template layers')"),
            name);
        return EXIT_REFUSED;
    }
    return EXIT_OK;
}

/* Copies the layer of @src into @staging; says in *@how how. */
static int
cloneLayerData(virCTStore *store, const ctToolSource *src, const char *staging, const char **how)
{
    g_autofree char *to = NULL;
    virCTCopyStats stats = { 0 };

    *how = virCTCopyCanReflink(src->dir, store->containerDir)
               ? "reflinked: it shares its blocks with the source's"
               : "copied: this file system has no reflinks";
    if (src->image) {
        to = g_strdup_printf("%s/disk.img", staging);
        if (virCTCopyFile(src->image, to, false, &stats) < 0)
            return -1;
    } else if (src->upper) {
        to = g_strdup_printf("%s/upper", staging);
        if (virCTCopyTree(src->upper, to) < 0)
            return -1;
    } else {
        *how = "empty: the source has written nothing yet";
    }
    if (checkInterrupted() < 0 || ctToolForgetLayerHostname(staging, src->name) < 0)
        return -1;
    return 0;
}

/* The layer record of the copy: the source's, for @name and @uuid,
 * orphaned until the define takes it. */
static int
cloneLayerRecord(const ctToolSource *src, const char *staging, const char *name, const char *uuid)
{
    g_autofree char *conf = g_strdup_printf("%s/layer.conf", staging);
    virCTLayer layer = *src->layer;

    layer.name = (char *)name;
    layer.uuid = (char *)uuid;
    layer.owner = VIR_CT_LAYER_ORPHANED;
    layer.created = time(NULL);
    return virCTLayerSaveFile(conf, &layer);
}

/* A started source would have changed under the copy. */
static int
checkStillStopped(virConnectPtr conn, const ctToolSource *src)
{
    virDomainPtr dom;
    int active;

    if (src->snapshot)
        return 0;
    if (!(dom = virDomainLookupByName(conn, src->name)))
        return -1;
    active = virDomainIsActive(dom);
    ctToolDomainFree(dom);
    if (active < 0)
        return -1;
    if (active) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("container '%1$s' was started while it was being copied"), src->name);
        return -1;
    }
    return 0;
}

static int
cloneRun(virConnectPtr conn, virCTStore *store, const ctToolSource *src, const char *dst,
         const char *staging)
{
    unsigned char raw[VIR_UUID_BUFLEN];
    char uuid[VIR_UUID_STRING_BUFLEN];
    g_autofree char *xml = NULL;
    const char *how = NULL;
    unsigned long long bytes;
    unsigned long long files;
    gint64 start = g_get_monotonic_time();
    char size[32];
    char label[160];

    if (virUUIDGenerate(raw) < 0)
        return -1;
    virUUIDFormat(raw, uuid);
    if (!(xml = ctToolNewDefinition(src->xml, dst, uuid, true)))
        return -1;
    if (g_mkdir_with_parents(staging, 0700) < 0) {
        virReportSystemError(errno, _("cannot create '%1$s'"), staging);
        return -1;
    }
    if (cloneLayerData(store, src, staging, &how) < 0 ||
        cloneLayerRecord(src, staging, dst, uuid) < 0 || checkStillStopped(conn, src) < 0)
        return -1;
    virCTStoreUsage(staging, &bytes, &files);
    if (ctToolAdoptLayer(conn, store, staging, dst, uuid, xml) < 0)
        return -1;
    humanSize(bytes, size, sizeof(size));
    progressLine("container '%s' cloned from '%s' in %.3f s: layer of %s %s", dst,
                 sourceLabel(src, label, sizeof(label)), secondsSince(start), size, how);
    return 0;
}

int
cmdClone(virCTStore *store, const char *srcName, const char *dst, const ctToolOptions *opts)
{
    g_autoptr(ctToolSource) src = NULL;
    g_autofree char *staging = NULL;
    virConnectPtr conn = NULL;
    virErrorPtr err;
    int rc;

    if (virCTTemplateCheckName("container", dst) < 0)
        return fail(EXIT_USAGE);
    catchSignals();
    if (!(conn = ctToolConnect(opts->uri)))
        return fail(EXIT_FAILED);
    if ((rc = checkNewContainer(conn, store, dst)) != EXIT_OK ||
        !(src = ctToolSourceOpen(conn, store, srcName, opts->snapshot))) {
        ctToolDisconnect(conn);
        return fail(rc != EXIT_OK ? rc : EXIT_FAILED);
    }
    staging = virCTLayerStagingPath(store, dst, false);
    rc = cloneRun(conn, store, src, dst, staging);
    virErrorPreserveLast(&err);
    ignore_value(virCTStoreDeleteTree(staging));
    ctToolDisconnect(conn);
    virErrorRestore(&err);
    return rc < 0 ? fail(EXIT_FAILED) : EXIT_OK;
}

/* ---- create --from-container ---------------------------------------- */

typedef struct {
    const char *lower;
    const char *root;
    virCTFlattenStats stats;
} flattenData;

static int
flattenImage(void *opaque, const char *mnt)
{
    flattenData *data = opaque;
    g_autofree char *upper = g_strdup_printf("%s/upper", mnt);

    return virCTFlatten(data->lower, virFileIsDir(upper) ? upper : NULL, data->root, &data->stats);
}

/* The driver's /etc/hostname of container @name is no part of a
 * template: the template's own comes back. */
static int
flattenRestoreHostname(const char *lower, const char *root, const char *name)
{
    g_autofree char *file = g_strdup_printf("%s/etc/hostname", root);
    g_autofree char *orig = g_strdup_printf("%s/etc/hostname", lower);

    ctToolForgetHostname(root, name);
    if (virFileExists(file) || !virFileExists(orig))
        return 0;
    if (link(orig, file) < 0) {
        virReportSystemError(errno, _("cannot link '%1$s' to '%2$s'"), file, orig);
        return -1;
    }
    return 0;
}

static int
flattenRun(virCTStore *store, const ctToolSource *src, const char *name, const char *tmp)
{
    g_autoptr(virCTTemplate) parent = NULL;
    g_autoptr(virCTTemplate) tmpl = g_new0(virCTTemplate, 1);
    g_autofree char *lower = NULL;
    g_autofree char *root = g_strdup_printf("%s/root", tmp);
    flattenData data = { NULL, root, { 0 } };
    gint64 start = g_get_monotonic_time();
    char copied[32];
    char label[160];
    int rc;

    if (virCTTemplateLoad(store, src->layer->template, &parent) < 0)
        return EXIT_FAILED;
    lower = virCTTemplateRootPath(store, parent->name);
    data.lower = lower;
    if (g_mkdir_with_parents(tmp, 0755) < 0) {
        virReportSystemError(errno, _("cannot create '%1$s'"), tmp);
        return EXIT_FAILED;
    }
    if (src->image)
        rc = ctToolWithImage(src->image, true, flattenImage, &data);
    else
        rc = virCTFlatten(lower, src->upper, root, &data.stats);
    if (rc < 0 || flattenRestoreHostname(lower, root, src->name) < 0 || checkInterrupted() < 0)
        return EXIT_FAILED;
    tmpl->name = g_strdup(name);
    tmpl->created = time(NULL);
    tmpl->source = g_strdup_printf("container %s (on template %s)",
                                   sourceLabel(src, label, sizeof(label)), parent->name);
    if (virCTTemplateScan(root, tmpl, NULL, NULL) < 0 || virCTTemplateSave(tmp, tmpl) < 0)
        return EXIT_FAILED;
    if ((rc = commitTemplate(store, tmp, name)) != EXIT_OK)
        return rc;
    humanSize(data.stats.copy.copied + data.stats.copy.reflinked, copied, sizeof(copied));
    progressLine("template '%s' created from '%s' in %.3f s: %llu entries linked from '%s', "
                 "%llu files (%s) copied from the layer%s, %llu deleted, %llu directories "
                 "replaced; %s",
                 name, label, secondsSince(start), data.stats.linked, parent->name,
                 data.stats.copy.files, copied, data.stats.copy.reflinked ? " (reflinked)" : "",
                 data.stats.whiteouts, data.stats.opaque, tmpl->checksum);
    return EXIT_OK;
}

int
cmdCreateFromContainer(virCTStore *store, const char *name, const ctToolOptions *opts)
{
    g_autoptr(ctToolSource) src = NULL;
    g_autofree char *tmp = NULL;
    g_autofree char *path = NULL;
    virConnectPtr conn = NULL;
    virErrorPtr err;
    int rc;

    if (virCTTemplateCheckName("template", name) < 0)
        return fail(EXIT_USAGE);
    path = virCTTemplatePath(store, name);
    if (virFileExists(path)) {
        virReportError(VIR_ERR_OPERATION_INVALID, _("template '%1$s' already exists"), name);
        return fail(EXIT_REFUSED);
    }
    catchSignals();
    if (!(conn = ctToolConnect(opts->uri)))
        return fail(EXIT_FAILED);
    if (!(src = ctToolSourceOpen(conn, store, opts->container, opts->snapshot))) {
        ctToolDisconnect(conn);
        return fail(EXIT_FAILED);
    }
    tmp = virCTTemplateStagingPath(store, name, false);
    rc = flattenRun(store, src, name, tmp);
    virErrorPreserveLast(&err);
    if (rc != EXIT_OK)
        ignore_value(virCTStoreDeleteTree(tmp));
    ctToolDisconnect(conn);
    virErrorRestore(&err);
    return rc != EXIT_OK ? fail(rc) : EXIT_OK;
}
