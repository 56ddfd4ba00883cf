/*
 * ct_template_domain.c: a container as the source of a copy, and a new
 * layer handed to a new domain
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A copy never shows a started container a half-made layer: the new
 * layer is made in a hidden directory, renamed to containers/NEW with
 * the new domain's UUID and the owner "orphaned", and only then is the
 * domain defined; the driver takes a layer of the same name and UUID as
 * the domain's own (as after an undefine and a define).
 */

#include <config.h>

#include <fcntl.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ct_template_tool.h"
#include "virerror.h"
#include "virfile.h"
#include "virstring.h"

#define VIR_FROM_THIS VIR_FROM_NONE

#define CT_TOOL_NS_HREF "http://libvirt.org/schemas/domain/ct/1.0"

void
ctToolSourceFree(ctToolSource *src)
{
    virErrorPtr err;

    if (!src)
        return;
    if (src->tempSnapshot) {
        /* it holds its domain, which holds the connection */
        virErrorPreserveLast(&err);
        if (virDomainSnapshotDelete(src->tempSnapshot, 0) < 0)
            fprintf(stderr, "virt-ct-template: cannot delete the temporary snapshot '%s': %s\n",
                    src->snapshot, virGetLastErrorMessage());
        virDomainSnapshotFree(src->tempSnapshot);
        virErrorRestore(&err);
    }
    g_free(src->name);
    g_free(src->snapshot);
    g_free(src->xml);
    g_free(src->uuid);
    virCTLayerFree(src->layer);
    g_free(src->dir);
    g_free(src->upper);
    g_free(src->image);
    g_free(src);
}

static void
ctToolIgnoreError(void *opaque G_GNUC_UNUSED, virErrorPtr err G_GNUC_UNUSED)
{
    /* reported once, by fail() */
}

virConnectPtr
ctToolConnect(const char *uri)
{
    virSetErrorFunc(NULL, ctToolIgnoreError);
    return virConnectOpen(uri ? uri : "ct:///system");
}

void
ctToolDomainFree(virDomainPtr dom)
{
    virErrorPtr err;

    if (!dom)
        return;
    virErrorPreserveLast(&err);
    virDomainFree(dom);
    virErrorRestore(&err);
}

void
ctToolDisconnect(virConnectPtr conn)
{
    virErrorPtr err;

    if (!conn)
        return;
    /* libvirt's calls reset the last error: it is kept for fail() */
    virErrorPreserveLast(&err);
    virConnectClose(conn);
    virErrorRestore(&err);
}

int
ctToolDomainExists(virConnectPtr conn, const char *name)
{
    virDomainPtr dom = virDomainLookupByName(conn, name);
    virErrorPtr err;

    if (dom) {
        ctToolDomainFree(dom);
        return 1;
    }
    err = virGetLastError();
    if (err && err->code == VIR_ERR_NO_DOMAIN) {
        virResetLastError();
        return 0;
    }
    return -1;
}

/* ---- definitions --------------------------------------------------- */

/* @xml parsed; a <domainsnapshot> gives the <domain> inside it. */
static xmlDocPtr
ctToolParseDomain(const char *xml)
{
    xmlDocPtr doc = xmlReadMemory(xml, strlen(xml), "domain.xml", NULL, XML_PARSE_NONET);
    xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
    xmlNodePtr cur;

    if (root && xmlStrEqual(root->name, BAD_CAST "domainsnapshot")) {
        for (cur = root->children; cur; cur = cur->next) {
            if (cur->type == XML_ELEMENT_NODE && xmlStrEqual(cur->name, BAD_CAST "domain"))
                break;
        }
        if (cur) {
            xmlUnlinkNode(cur);
            xmlDocSetRootElement(doc, cur);
            xmlFreeNode(root);
            root = cur;
        }
    }
    if (!root || !xmlStrEqual(root->name, BAD_CAST "domain")) {
        virReportError(VIR_ERR_XML_ERROR, "%s", _("not a domain definition"));
        if (doc)
            xmlFreeDoc(doc);
        return NULL;
    }
    return doc;
}

static xmlNodePtr
ctToolChild(xmlNodePtr node, const char *name)
{
    xmlNodePtr cur;

    for (cur = node->children; cur; cur = cur->next) {
        if (cur->type == XML_ELEMENT_NODE && xmlStrEqual(cur->name, BAD_CAST name) &&
            (!cur->ns || !xmlStrEqual(cur->ns->href, BAD_CAST CT_TOOL_NS_HREF)))
            return cur;
    }
    return NULL;
}

static void
ctToolRemoveChild(xmlNodePtr node, const char *name)
{
    xmlNodePtr child;

    while ((child = ctToolChild(node, name))) {
        xmlUnlinkNode(child);
        xmlFreeNode(child);
    }
}

/* Sets the text of @root's child @name (made when missing). */
static void
ctToolSetChild(xmlNodePtr root, const char *name, const char *value)
{
    xmlNodePtr node = ctToolChild(root, name);

    if (!node)
        node = xmlNewChild(root, NULL, BAD_CAST name, NULL);
    xmlNodeSetContent(node, BAD_CAST value);
}

/* The <ct:idrange> of @root, chosen by the driver for the old domain. */
static void
ctToolRemoveIdRange(xmlNodePtr root)
{
    xmlNodePtr cur = root->children;

    while (cur) {
        xmlNodePtr next = cur->next;

        if (cur->type == XML_ELEMENT_NODE && cur->ns &&
            xmlStrEqual(cur->ns->href, BAD_CAST CT_TOOL_NS_HREF) &&
            xmlStrEqual(cur->name, BAD_CAST "idrange")) {
            xmlUnlinkNode(cur);
            xmlFreeNode(cur);
        }
        cur = next;
    }
}

char *
ctToolNewDefinition(const char *xml, const char *name, const char *uuid, bool fresh)
{
    xmlDocPtr doc = ctToolParseDomain(xml);
    xmlNodePtr root;
    xmlNodePtr devices;
    xmlNodePtr cur;
    xmlChar *out = NULL;
    int len = 0;
    char *ret;

    if (!doc)
        return NULL;
    root = xmlDocGetRootElement(doc);
    xmlUnsetProp(root, BAD_CAST "id");
    if (name)
        ctToolSetChild(root, "name", name);
    if (uuid)
        ctToolSetChild(root, "uuid", uuid);
    ctToolRemoveIdRange(root);
    if (fresh && (devices = ctToolChild(root, "devices"))) {
        for (cur = devices->children; cur; cur = cur->next) {
            if (cur->type != XML_ELEMENT_NODE || !xmlStrEqual(cur->name, BAD_CAST "interface"))
                continue;
            ctToolRemoveChild(cur, "mac");
            ctToolRemoveChild(cur, "target");
        }
    }
    xmlDocDumpFormatMemory(doc, &out, &len, 1);
    xmlFreeDoc(doc);
    ret = g_strndup((const char *)out, len);
    xmlFree(out);
    return ret;
}

char *
ctToolDefinitionTemplate(const char *xml)
{
    const char *expr =
        "string(/domain/devices/filesystem[@type='template'][target/@dir='/']/source/@name)";
    xmlDocPtr doc = ctToolParseDomain(xml);
    xmlXPathContextPtr ctxt = NULL;
    xmlXPathObjectPtr obj = NULL;
    char *ret = NULL;

    if (!doc)
        return NULL;
    if ((ctxt = xmlXPathNewContext(doc)) && (obj = xmlXPathEvalExpression(BAD_CAST expr, ctxt)) &&
        obj->type == XPATH_STRING && obj->stringval && *obj->stringval)
        ret = g_strdup((const char *)obj->stringval);
    xmlXPathFreeObject(obj);
    xmlXPathFreeContext(ctxt);
    xmlFreeDoc(doc);
    return ret;
}

/* ---- sources ------------------------------------------------------- */

/* A running container is copied from a disk-only snapshot, taken for
 * this copy (the container frozen for the instant of it: crash-consistent)
 * and deleted after it. */
static int
ctToolSourceTempSnapshot(virDomainPtr dom, ctToolSource *src)
{
    g_autofree char *name = g_strdup_printf("virt-ct-template.%d", (int)getpid());
    g_autofree char *xml = g_strdup_printf(
        "<domainsnapshot><name>%s</name><description>taken by virt-ct-template to copy the "
        "running container; deleted when the copy is made</description></domainsnapshot>",
        name);

    src->tempSnapshot = virDomainSnapshotCreateXML(
        dom, xml, VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY | VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC);
    if (!src->tempSnapshot)
        return -1;
    src->snapshot = g_steal_pointer(&name);
    progressLine("'%s' runs: copied from the temporary disk-only snapshot '%s'", src->name,
                 src->snapshot);
    return 0;
}

/* The definition, UUID and state of @name, through libvirt. */
static int
ctToolSourceDomain(virConnectPtr conn, ctToolSource *src)
{
    virDomainPtr dom = virDomainLookupByName(conn, src->name);
    char uuid[VIR_UUID_STRING_BUFLEN];
    int active;
    int ret = -1;

    if (!dom)
        return -1;
    if ((active = virDomainIsActive(dom)) < 0 || virDomainGetUUIDString(dom, uuid) < 0)
        goto cleanup;
    if (active && !src->snapshot && ctToolSourceTempSnapshot(dom, src) < 0)
        goto cleanup;
    src->uuid = g_strdup(uuid);
    if (!src->snapshot &&
        !(src->xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE)))
        goto cleanup;
    ret = 0;
 cleanup:
    ctToolDomainFree(dom);
    return ret;
}

/* The directory, definition and layer record of snapshot @src->snapshot. */
static int
ctToolSourceSnapshot(virCTStore *store, ctToolSource *src)
{
    g_autofree char *xmlPath = NULL;
    g_autofree char *xml = NULL;

    if (virCTTemplateCheckName("snapshot", src->snapshot) < 0)
        return -1;
    src->dir = g_strdup_printf("%s/%s/snapshots/%s", store->containerDir, src->name, src->snapshot);
    xmlPath = g_strdup_printf("%s/snapshot.xml", src->dir);
    if (!virFileExists(xmlPath)) {
        virReportError(VIR_ERR_NO_DOMAIN_SNAPSHOT,
                       _("container '%1$s' has no snapshot named '%2$s'"), src->name,
                       src->snapshot);
        return -1;
    }
    if (virFileReadAll(xmlPath, 16 * 1024 * 1024, &xml) < 0)
        return -1;
    /* the definition it holds, as it was */
    return (src->xml = ctToolNewDefinition(xml, NULL, NULL, false)) ? 0 : -1;
}

ctToolSource *
ctToolSourceOpen(virConnectPtr conn, virCTStore *store, const char *name, const char *snapshot)
{
    g_autoptr(ctToolSource) src = g_new0(ctToolSource, 1);
    g_autofree char *conf = NULL;
    g_autofree char *path = NULL;
    int rc;

    src->name = g_strdup(name);
    src->snapshot = g_strdup(snapshot);
    if (ctToolSourceDomain(conn, src) < 0)
        return NULL;
    /* a running container has a temporary snapshot now */
    if (src->snapshot && ctToolSourceSnapshot(store, src) < 0)
        return NULL;
    if (!src->snapshot)
        src->dir = g_strdup_printf("%s/%s", store->containerDir, name);
    if (!(path = ctToolDefinitionTemplate(src->xml))) {
        virReportError(
            VIR_ERR_OPERATION_UNSUPPORTED,
            _("the root of container '%1$s' is not on a template: there is no layer to copy"),
            name);
        return NULL;
    }
    conf = g_strdup_printf("%s/layer.conf", src->dir);
    if ((rc = virCTLayerLoadFile(conf, name, &src->layer)) <= 0) {
        if (rc == 0)
            virReportError(VIR_ERR_OPERATION_FAILED,
                           _("container '%1$s' has no layer record '%2$s'"), name, conf);
        return NULL;
    }
    g_free(path);
    path = g_strdup_printf("%s/disk.img", src->dir);
    if (virFileExists(path))
        src->image = g_steal_pointer(&path);
    g_free(path);
    path = g_strdup_printf("%s/upper", src->dir);
    if (!src->image && virFileIsDir(path))
        src->upper = g_steal_pointer(&path);
    return g_steal_pointer(&src);
}

/* ---- disk images ---------------------------------------------------- */

/* mount's loop devices clear themselves when their mount goes */
int
ctToolPrivateMounts(void)
{
    static bool done;

    if (done)
        return 0;
    if (unshare(CLONE_NEWNS) < 0 || mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0) {
        virReportSystemError(errno, "%s", _("cannot make a mount namespace of its own"));
        return -1;
    }
    done = true;
    return 0;
}

int
ctToolWithImage(const char *image, bool readonly, int (*fn)(void *opaque, const char *mnt),
                void *opaque)
{
    g_autofree char *mnt = NULL;
    g_autoptr(virCommand) cmd = NULL;
    g_autoptr(GError) gerr = NULL;
    int ret;

    if (ctToolPrivateMounts() < 0)
        return -1;
    if (!(mnt = g_dir_make_tmp("ct-image-XXXXXX", &gerr))) {
        virReportError(VIR_ERR_OPERATION_FAILED, _("cannot make a mount point: %1$s"),
                       gerr->message);
        return -1;
    }
    /* nouuid: a copy of an image has its original's UUID */
    cmd = virCommandNewArgList("mount", "-t", "xfs", "-o",
                               readonly ? "loop,ro,nouuid" : "loop,nouuid", image, mnt, NULL);
    if (runCommand(cmd) < 0) {
        rmdir(mnt);
        return -1;
    }
    ret = fn(opaque, mnt);
    if (umount2(mnt, 0) < 0 && ret == 0) {
        virReportSystemError(errno, _("cannot unmount '%1$s'"), mnt);
        ret = -1;
    }
    rmdir(mnt);
    return ret;
}

void
ctToolForgetHostname(const char *upper, const char *name)
{
    g_autofree char *file = g_strdup_printf("%s/etc/hostname", upper);
    g_autofree char *want = g_strdup_printf("%.64s\n", name);
    g_autofree char *content = NULL;

    if (virFileReadAllQuiet(file, 256, &content) >= 0 && STREQ(content, want))
        ignore_value(unlink(file));
}

static int
ctToolForgetImageHostname(void *opaque, const char *mnt)
{
    g_autofree char *upper = g_strdup_printf("%s/upper", mnt);

    ctToolForgetHostname(upper, opaque);
    return 0;
}

int
ctToolForgetLayerHostname(const char *dir, const char *name)
{
    g_autofree char *image = g_strdup_printf("%s/disk.img", dir);
    g_autofree char *upper = g_strdup_printf("%s/upper", dir);

    if (virFileExists(image))
        return ctToolWithImage(image, false, ctToolForgetImageHostname, (void *)name);
    ctToolForgetHostname(upper, name);
    return 0;
}

/* ---- the new layer -------------------------------------------------- */

/* Removes the layer containers/@name if it is still the one with @uuid
 * that this tool put there. */
static void
ctToolDropLayer(virCTStore *store, const char *name, const char *uuid)
{
    g_autoptr(virCTLayer) layer = NULL;
    VIR_AUTOCLOSE lock = virCTStoreLock(store);

    if (lock >= 0 && virCTLayerLoad(store, name, &layer) > 0 && STREQ(layer->uuid, uuid))
        ignore_value(virCTLayerRemove(store, name));
}

int
ctToolAdoptLayer(virConnectPtr conn, virCTStore *store, const char *staging, const char *name,
                 const char *uuid, const char *xml)
{
    g_autoptr(virCTLayerPaths) paths = virCTLayerPathsNew(store, name, NULL, false);
    virDomainPtr dom = NULL;
    virErrorPtr err;
    VIR_AUTOCLOSE lock = -1;

    if ((lock = virCTStoreLock(store)) < 0)
        return -1;
    if (virFileExists(paths->dir)) {
        virReportError(
            VIR_ERR_OPERATION_INVALID,
            _("there is a layer of a container named '%1$s' already (see 'virt-ct-template layers')"),
            name);
        return -1;
    }
    if (rename(staging, paths->dir) < 0) {
        virReportSystemError(errno, _("cannot rename '%1$s' to '%2$s'"), staging, paths->dir);
        return -1;
    }
    VIR_FORCE_CLOSE(lock);
    if (!(dom = virDomainDefineXML(conn, xml))) {
        virErrorPreserveLast(&err);
        ctToolDropLayer(store, name, uuid);
        virErrorRestore(&err);
        return -1;
    }
    ctToolDomainFree(dom);
    return 0;
}
