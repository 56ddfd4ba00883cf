/*
 * ct_domain.c: domain private data, parser hooks and the ct: XML namespace
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "ct_domain.h"
#include "ct_template.h"
#include "virclosecallbacks.h"

#include "configmake.h"

#include <libxml/xpathInternals.h>

#include "viralloc.h"
#include "virerror.h"
#include "virlog.h"
#include "virstring.h"
#include "virutil.h"
#include "virxml.h"

#define VIR_FROM_THIS VIR_FROM_NONE

VIR_LOG_INIT("ct.ct_domain");

/* The elements of the ct: namespace, all direct children of <domain>.
 * One table drives parsing, formatting and the unknown-element check. */
typedef struct {
    const char *name;
    size_t offset; /* of the unsigned long long in the def */
} virCTNamespaceElement;

static const virCTNamespaceElement virCTNamespaceElements[] = {
    { "processes", offsetof(virCTDomainNamespaceDef, processes) },
    { "inodes", offsetof(virCTDomainNamespaceDef, inodes) },
};

static unsigned long long *
virCTNamespaceField(virCTDomainNamespaceDef *def, const virCTNamespaceElement *el)
{
    return (unsigned long long *)((char *)def + el->offset);
}

static const virCTNamespaceElement *
virCTNamespaceElementFind(const char *name)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(virCTNamespaceElements); i++) {
        if (STREQ(virCTNamespaceElements[i].name, name))
            return &virCTNamespaceElements[i];
    }
    return NULL;
}

static void
virCTDomainDefNamespaceFree(void *nsdata)
{
    g_free(nsdata);
}

static int
virCTDomainDefNamespaceParseIdRange(xmlNodePtr node, virCTDomainNamespaceDef *def)
{
    g_autofree char *target = virXMLPropString(node, "target");
    g_autofree char *count = virXMLPropString(node, "count");

    if (def->idrangeCount) {
        virReportError(VIR_ERR_XML_ERROR, _("element <%1$s:idrange> may appear only once"),
                       CT_NAMESPACE_PREFIX);
        return -1;
    }
    if (!target || !count || virStrToLong_uip(target, NULL, 10, &def->idrangeTarget) < 0 ||
        virStrToLong_uip(count, NULL, 10, &def->idrangeCount) < 0 || def->idrangeCount == 0 ||
        def->idrangeTarget == 0 || def->idrangeCount > UINT_MAX - def->idrangeTarget) {
        virReportError(
            VIR_ERR_XML_ERROR,
            _("invalid <%1$s:idrange target='%2$s' count='%3$s'>: expected positive integers, the range ending below 4294967295"),
            CT_NAMESPACE_PREFIX, NULLSTR(target), NULLSTR(count));
        return -1;
    }
    return 0;
}

static int
virCTDomainDefNamespaceParseOne(xmlNodePtr node, virCTDomainNamespaceDef *def)
{
    const virCTNamespaceElement *el = virCTNamespaceElementFind((const char *)node->name);
    g_autofree char *text = NULL;
    unsigned long long *field;

    if (STREQ((const char *)node->name, "privileged")) {
        def->privileged = true;
        return 0;
    }
    if (STREQ((const char *)node->name, "idrange"))
        return virCTDomainDefNamespaceParseIdRange(node, def);
    if (!el) {
        virReportError(VIR_ERR_XML_ERROR,
                       _("unknown element <%1$s:%2$s> in the CT namespace '%3$s'"),
                       CT_NAMESPACE_PREFIX, node->name, CT_NAMESPACE_HREF);
        return -1;
    }
    field = virCTNamespaceField(def, el);
    if (*field) {
        virReportError(VIR_ERR_XML_ERROR, _("element <%1$s:%2$s> may appear only once"),
                       CT_NAMESPACE_PREFIX, el->name);
        return -1;
    }
    text = virXMLNodeContentString(node);
    if (!text || virStrToLong_ullp(text, NULL, 10, field) < 0 || *field == 0) {
        virReportError(VIR_ERR_XML_ERROR,
                       _("invalid value '%1$s' of <%2$s:%3$s>: expected a positive integer"),
                       NULLSTR(text), CT_NAMESPACE_PREFIX, el->name);
        return -1;
    }
    return 0;
}

/* libvirt parses one XML namespace per driver.  libvirt-lxc's
 * <lxc:namespace> (sharing another container's namespaces) would be
 * dropped without a word, so it is refused instead. */
static int
virCTDomainRejectLXCNamespace(xmlXPathContextPtr ctxt)
{
    if (xmlXPathRegisterNs(ctxt, BAD_CAST "lxc",
                           BAD_CAST "http://libvirt.org/schemas/domain/lxc/1.0") < 0) {
        virReportError(VIR_ERR_INTERNAL_ERROR, "%s", _("failed to register the lxc XML namespace"));
        return -1;
    }
    if (virXPathBoolean("boolean(./lxc:namespace)", ctxt) == 1) {
        virReportError(
            VIR_ERR_CONFIG_UNSUPPORTED, "%s",
            _("<lxc:namespace> (sharing namespaces with another container or process) is not supported by the CT driver"));
        return -1;
    }
    return 0;
}

static int
virCTDomainDefNamespaceParse(xmlXPathContextPtr ctxt, void **data)
{
    g_autofree virCTDomainNamespaceDef *def = g_new0(virCTDomainNamespaceDef, 1);
    g_autofree xmlNodePtr *nodes = NULL;
    int n;
    size_t i;

    if ((n = virXPathNodeSet("./" CT_NAMESPACE_PREFIX ":*", ctxt, &nodes)) < 0)
        return -1;
    if (virCTDomainRejectLXCNamespace(ctxt) < 0)
        return -1;

    for (i = 0; i < n; i++) {
        if (virCTDomainDefNamespaceParseOne(nodes[i], def) < 0)
            return -1;
    }

    if (n > 0)
        *data = g_steal_pointer(&def);
    return 0;
}

static int
virCTDomainDefNamespaceFormatXML(virBuffer *buf, void *nsdata)
{
    virCTDomainNamespaceDef *def = nsdata;
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(virCTNamespaceElements); i++) {
        const virCTNamespaceElement *el = &virCTNamespaceElements[i];
        unsigned long long value = *virCTNamespaceField(def, el);

        if (value)
            virBufferAsprintf(buf, "<%s:%s>%llu</%s:%s>\n", CT_NAMESPACE_PREFIX, el->name, value,
                              CT_NAMESPACE_PREFIX, el->name);
    }
    if (def->privileged)
        virBufferAsprintf(buf, "<%s:privileged/>\n", CT_NAMESPACE_PREFIX);
    if (def->idrangeCount)
        virBufferAsprintf(buf, "<%s:idrange target='%u' count='%u'/>\n", CT_NAMESPACE_PREFIX,
                          def->idrangeTarget, def->idrangeCount);
    return 0;
}

virXMLNamespace virCTDriverDomainXMLNamespace = {
    .parse = virCTDomainDefNamespaceParse,
    .free = virCTDomainDefNamespaceFree,
    .format = virCTDomainDefNamespaceFormatXML,
    .prefix = CT_NAMESPACE_PREFIX,
    .uri = CT_NAMESPACE_HREF,
};

/**
 * virCTDomainGetNamespaceDef:
 *
 * Returns the ct: namespace data of @def, or NULL when it has none.
 */
const virCTDomainNamespaceDef *
virCTDomainGetNamespaceDef(const virDomainDef *def)
{
    if (def->ns.uri && STREQ(def->ns.uri, CT_NAMESPACE_HREF))
        return def->namespaceData;
    return NULL;
}

/**
 * virCTDomainEnsureNamespaceDef:
 *
 * Returns the ct: namespace data of @def, added empty when it has none
 * (a live change of a value the XML did not set).
 */
virCTDomainNamespaceDef *
virCTDomainEnsureNamespaceDef(virDomainDef *def)
{
    if (!def->namespaceData) {
        def->namespaceData = g_new0(virCTDomainNamespaceDef, 1);
        def->ns = virCTDriverDomainXMLNamespace;
    }
    return def->namespaceData;
}

bool
virCTDomainIsPrivileged(const virDomainDef *def)
{
    const virCTDomainNamespaceDef *ns = virCTDomainGetNamespaceDef(def);

    return ns && ns->privileged;
}

bool
virCTDomainUsesIdRange(const virDomainDef *def)
{
    return !virCTDomainIsPrivileged(def) && def->idmap.nuidmap == 0;
}

static bool
virCTDomainIdMapRoot(const virDomainIdMapEntry *map, size_t n, unsigned int *id)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (map[i].start == 0) {
            *id = map[i].target;
            return true;
        }
    }
    return false;
}

bool
virCTDomainGetHostRoot(const virDomainDef *def, uid_t *uid, gid_t *gid)
{
    const virCTDomainNamespaceDef *ns = virCTDomainGetNamespaceDef(def);
    unsigned int u;
    unsigned int g;

    if (virCTDomainIsPrivileged(def))
        return false;
    if (def->idmap.nuidmap > 0) {
        if (!virCTDomainIdMapRoot(def->idmap.uidmap, def->idmap.nuidmap, &u) ||
            !virCTDomainIdMapRoot(def->idmap.gidmap, def->idmap.ngidmap, &g))
            return false;
    } else if (ns && ns->idrangeCount) {
        u = g = ns->idrangeTarget;
    } else {
        return false;
    }
    *uid = u;
    *gid = g;
    return true;
}

static void *
virCTDomainObjPrivateAlloc(void *opaque)
{
    virCTDomainObjPrivate *priv = g_new0(virCTDomainObjPrivate, 1);

    priv->driver = opaque;
    priv->stopTimer = -1;
    return priv;
}

static void
virCTDomainObjPrivateFree(void *data)
{
    virCTDomainObjPrivate *priv = data;

    virCgroupFree(priv->cgroup);
    g_free(priv->extraCgroupPath);
    g_free(priv->cgroupPath);
    g_free(priv);
}

static int
virCTDomainObjPrivateXMLFormat(virBuffer *buf, virDomainObj *vm)
{
    virCTDomainObjPrivate *priv = vm->privateData;

    virBufferAsprintf(buf, "<supervisor pid='%lld'/>\n", (long long)priv->supervisorPid);
    if (priv->autodestroy)
        virBufferAddLit(buf, "<autodestroy/>\n");
    if (priv->cgroupPath || priv->extraCgroupPath) {
        virBufferAddLit(buf, "<cgroup");
        virBufferEscapeString(buf, " limits='%s'", priv->cgroupPath);
        virBufferEscapeString(buf, " path='%s'", priv->extraCgroupPath);
        virBufferAddLit(buf, "/>\n");
    }
    return 0;
}

static int
virCTDomainObjPrivateXMLParse(xmlXPathContextPtr ctxt, virDomainObj *vm,
                              virDomainDefParserConfig *config G_GNUC_UNUSED)
{
    virCTDomainObjPrivate *priv = vm->privateData;
    long long pid = 0;

    if (virXPathLongLong("string(./supervisor[1]/@pid)", ctxt, &pid) < 0 || pid <= 0) {
        virReportError(VIR_ERR_INTERNAL_ERROR, "%s", _("status file has no valid supervisor pid"));
        return -1;
    }
    priv->supervisorPid = pid;
    priv->autodestroy = virXPathBoolean("boolean(./autodestroy)", ctxt) == 1;
    priv->extraCgroupPath = virXPathString("string(./cgroup[1]/@path)", ctxt);
    priv->cgroupPath = virXPathString("string(./cgroup[1]/@limits)", ctxt);
    return 0;
}

static virDomainXMLPrivateDataCallbacks virCTDriverPrivateDataCallbacks = {
    .alloc = virCTDomainObjPrivateAlloc,
    .free = virCTDomainObjPrivateFree,
    .format = virCTDomainObjPrivateXMLFormat,
    .parse = virCTDomainObjPrivateXMLParse,
};

static int
virCTDomainDefPostParse(virDomainDef *def, unsigned int parseFlags G_GNUC_UNUSED, void *opaque,
                        void *parseOpaque G_GNUC_UNUSED)
{
    virCTDriver *driver = opaque;
    g_autoptr(virCaps) caps = NULL;

    /* Say plainly what a container definition needs, before libvirt's
     * generic "could not find capabilities" message. */
    if (def->virtType != VIR_DOMAIN_VIRT_LXC) {
        virReportError(
            VIR_ERR_CONFIG_UNSUPPORTED,
            _("domain type '%1$s' is not supported by the CT driver: use <domain type='lxc'>"),
            virDomainVirtTypeToString(def->virtType));
        return -1;
    }
    if (def->os.type != VIR_DOMAIN_OSTYPE_EXE) {
        virReportError(
            VIR_ERR_CONFIG_UNSUPPORTED,
            _("os type '%1$s' is not supported by the CT driver: containers use <os><type>exe</type>"),
            virDomainOSTypeToString(def->os.type));
        return -1;
    }
    if (!(caps = virCTDriverGetCapabilities(driver, false)))
        return -1;
    if (!virCapabilitiesDomainSupported(caps, def->os.type, def->os.arch, def->virtType))
        return -1;
    if (!def->emulator && !(def->emulator = virDomainDefGetDefaultEmulator(def, caps)))
        return -1;
    return 0;
}

/* Containers have a console on a PTY the supervisor holds; libvirt-lxc
 * accepts <console> with no type, and so do we. */
static int
virCTDomainDeviceDefPostParse(virDomainDeviceDef *dev, const virDomainDef *def G_GNUC_UNUSED,
                              unsigned int parseFlags G_GNUC_UNUSED, void *opaque G_GNUC_UNUSED,
                              void *parseOpaque G_GNUC_UNUSED)
{
    if (dev->type == VIR_DOMAIN_DEVICE_CHR &&
        dev->data.chr->deviceType == VIR_DOMAIN_CHR_DEVICE_TYPE_CONSOLE &&
        dev->data.chr->targetType == VIR_DOMAIN_CHR_CONSOLE_TARGET_TYPE_NONE)
        dev->data.chr->targetType = VIR_DOMAIN_CHR_CONSOLE_TARGET_TYPE_LXC;
    return 0;
}

#define CT_DOMAIN_MIN_SPACE (16ULL * 1024 * 1024)

/* Disk limits exist only where the container's layer is a file system of
 * its own: on a template root.  OpenVZ's rules: no soft limit without a
 * hard one, and never above it. */
int
virCTDomainValidateSpace(const virDomainFSDef *fs)
{
    bool templateRoot = fs->type == VIR_DOMAIN_FS_TYPE_TEMPLATE && STREQ(fs->dst, "/");

    if (fs->type == VIR_DOMAIN_FS_TYPE_TEMPLATE && !templateRoot) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("<filesystem type='template'> must have <target dir='/'/>, not '%1$s'"),
                       fs->dst);
        return -1;
    }
    if ((fs->space_hard_limit || fs->space_soft_limit) && !templateRoot) {
        virReportError(
            VIR_ERR_CONFIG_UNSUPPORTED,
            _("<space_hard_limit>/<space_soft_limit> on filesystem '%1$s' cannot be enforced: only a template root (type='template', target '/') has disk limits"),
            fs->dst);
        return -1;
    }
    if (fs->space_soft_limit && !fs->space_hard_limit) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED, "%s",
                       _("<space_soft_limit> needs a <space_hard_limit>"));
        return -1;
    }
    if (fs->space_soft_limit > fs->space_hard_limit) {
        virReportError(
            VIR_ERR_CONFIG_UNSUPPORTED,
            _("<space_soft_limit> (%1$llu bytes) is above <space_hard_limit> (%2$llu bytes)"),
            fs->space_soft_limit, fs->space_hard_limit);
        return -1;
    }
    if (fs->space_hard_limit && fs->space_hard_limit < CT_DOMAIN_MIN_SPACE) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("<space_hard_limit> of %1$llu bytes is too small: the least is 16 MiB"),
                       fs->space_hard_limit);
        return -1;
    }
    return 0;
}

/* What a definition must satisfy whoever gives it; checks that depend on
 * the host (does the template exist?) are made when it is defined. */
unsigned long long
virCTDomainMemoryLimit(const virDomainDef *def)
{
    unsigned long long limit = def->mem.cur_balloon;

    if (!limit)
        limit = virDomainDefGetMemoryTotal(def);
    if (virMemoryLimitIsSet(def->mem.hard_limit) && def->mem.hard_limit < limit)
        limit = def->mem.hard_limit;
    return limit;
}

/* Only what a cgroup enforces: memory nodes through cpuset.mems (strict),
 * CPUs named in the XML (no automatic placement: no numad here). */
static int
virCTDomainValidateResources(const virDomainDef *def)
{
    virDomainNumatuneMemMode mode;

    if (virDomainNumatuneGetMode(def->numa, -1, &mode) == 0 &&
        mode != VIR_DOMAIN_NUMATUNE_MEM_STRICT) {
        virReportError(
            VIR_ERR_CONFIG_UNSUPPORTED,
            _("numatune mode '%1$s' is not supported for containers: only 'strict' (cpuset.mems) can be enforced"),
            virDomainNumatuneMemModeTypeToString(mode));
        return -1;
    }
    if (virMemoryLimitIsSet(def->mem.swap_hard_limit) &&
        def->mem.swap_hard_limit < virCTDomainMemoryLimit(def)) {
        virReportError(
            VIR_ERR_CONFIG_UNSUPPORTED,
            _("swap_hard_limit (%1$llu KiB) must not be below the memory limit (%2$llu KiB): it bounds memory and swap together"),
            def->mem.swap_hard_limit, virCTDomainMemoryLimit(def));
        return -1;
    }
    if (virDomainNumatuneHasPlacementAuto(def->numa) ||
        def->placement_mode == VIR_DOMAIN_CPU_PLACEMENT_MODE_AUTO) {
        virReportError(
            VIR_ERR_CONFIG_UNSUPPORTED, "%s",
            _("placement='auto' is not supported for containers: name the CPUs (<vcpu cpuset>) and memory nodes (<numatune>)"));
        return -1;
    }
    return 0;
}

/* One way to choose the ids of a container: privileged (none of its own),
 * an <idmap> of the user's, or a range of the driver's. */
static int
virCTDomainValidateUserns(const virDomainDef *def, const virCTDomainNamespaceDef *ns)
{
    const char *other = NULL;

    if (!ns)
        return 0;
    if (ns->privileged && def->idmap.nuidmap > 0)
        other = "<idmap>";
    else if (ns->privileged && ns->idrangeCount)
        other = "<" CT_NAMESPACE_PREFIX ":idrange>";
    if (other) {
        virReportError(
            VIR_ERR_CONFIG_UNSUPPORTED,
            _("<%1$s:privileged/> runs a container without a user namespace: it cannot have %2$s too"),
            CT_NAMESPACE_PREFIX, other);
        return -1;
    }
    if (ns->idrangeCount && def->idmap.nuidmap > 0) {
        virReportError(
            VIR_ERR_CONFIG_UNSUPPORTED,
            _("<%1$s:idrange> and <idmap> both choose the container's ids: give one of them"),
            CT_NAMESPACE_PREFIX);
        return -1;
    }
    return 0;
}

/**
 * virCTDomainDefValidate:
 *
 * The checks on a whole definition, made once libvirt has parsed and
 * validated it all (libvirt runs a domain validation callback before its
 * own checks of the devices, so this is not one).  Returns 0 or -1 with
 * an error.
 */
int
virCTDomainDefValidate(const virDomainDef *def)
{
    const virCTDomainNamespaceDef *ns = virCTDomainGetNamespaceDef(def);
    const virDomainFSDef *root = NULL;
    size_t i;

    if (virCTDomainValidateResources(def) < 0)
        return -1;
    for (i = 0; i < def->nfss; i++) {
        if (STREQ(def->fss[i]->dst, "/"))
            root = def->fss[i];
    }
    if (ns && ns->inodes && !(root && root->space_hard_limit)) {
        virReportError(
            VIR_ERR_CONFIG_UNSUPPORTED, "%s",
            _("<ct:inodes> needs a template root with a <space_hard_limit>: the limit is the inode count of the container's disk image"));
        return -1;
    }
    if (virCTDomainValidateUserns(def, ns) < 0)
        return -1;
    if (root && root->type == VIR_DOMAIN_FS_TYPE_TEMPLATE) {
        if (virCTTemplateCheckName("container", def->name) < 0 ||
            virCTTemplateCheckName("template", root->src->path) < 0)
            return -1;
    }
    return 0;
}

/* What a container's interface can be: a veth pair or a macvlan device,
 * with what the kernel gives those (no nwfilter, no port profiles, no
 * VLAN tags on our side of the bridge). */
static int
virCTDomainValidateNet(const virDomainNetDef *net)
{
    const char *what = NULL;

    switch (net->type) {
    case VIR_DOMAIN_NET_TYPE_BRIDGE:
    case VIR_DOMAIN_NET_TYPE_NETWORK:
    case VIR_DOMAIN_NET_TYPE_ETHERNET:
    case VIR_DOMAIN_NET_TYPE_DIRECT:
        break;
    default:
        virReportError(
            VIR_ERR_CONFIG_UNSUPPORTED,
            _("interface type '%1$s' is not supported by containers: use 'bridge', 'network', 'ethernet' or 'direct'"),
            virDomainNetTypeToString(net->type));
        return -1;
    }
    if (net->filter)
        what = "<filterref>";
    else if (net->virtPortProfile)
        what = "<virtualport>";
    else if (net->vlan.nTags > 0)
        what = "<vlan>";
    else if (net->type == VIR_DOMAIN_NET_TYPE_DIRECT && net->bandwidth)
        what = "<bandwidth> on a 'direct' interface (a macvlan has no host end to shape)";
    if (what) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("%1$s is not supported on a container's interface"), what);
        return -1;
    }
    return 0;
}

/* A mount point inside the container: absolute, and no ".." that could
 * lead the mount out of the container's root. */
static int
virCTDomainValidateFSTarget(const virDomainFSDef *fs)
{
    g_auto(GStrv) parts = NULL;
    size_t i;

    if (fs->dst[0] != '/') {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("filesystem <target dir='%1$s'> must be an absolute path"), fs->dst);
        return -1;
    }
    parts = g_strsplit(fs->dst, "/", -1);
    for (i = 0; parts[i]; i++) {
        if (STREQ(parts[i], "..")) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("filesystem <target dir='%1$s'> must not contain '..'"), fs->dst);
            return -1;
        }
    }
    return 0;
}

/* libvirt calls this after its own checks of the device (so a filesystem
 * has its target here). */
static int
virCTDomainDeviceDefValidate(const virDomainDeviceDef *dev, const virDomainDef *def G_GNUC_UNUSED,
                             void *opaque G_GNUC_UNUSED, void *parseOpaque G_GNUC_UNUSED)
{
    if (dev->type == VIR_DOMAIN_DEVICE_NET)
        return virCTDomainValidateNet(dev->data.net);
    if (dev->type == VIR_DOMAIN_DEVICE_FS) {
        if (virCTDomainValidateFSTarget(dev->data.fs) < 0)
            return -1;
        return virCTDomainValidateSpace(dev->data.fs);
    }
    return 0;
}

static virDomainDefParserConfig virCTDriverDomainDefParserConfig = {
    .deviceValidateCallback = virCTDomainDeviceDefValidate,
    .domainPostParseCallback = virCTDomainDefPostParse,
    .devicesPostParseCallback = virCTDomainDeviceDefPostParse,
};

/**
 * virCTDomainXMLConfInit:
 *
 * Returns the XML options of the driver (caller owns the reference).
 */
virDomainXMLOption *
virCTDomainXMLConfInit(virCTDriver *driver)
{
    virDomainXMLOption *xmlopt;

    virCTDriverDomainDefParserConfig.priv = driver;
    xmlopt =
        virDomainXMLOptionNew(&virCTDriverDomainDefParserConfig, &virCTDriverPrivateDataCallbacks,
                              &virCTDriverDomainXMLNamespace, NULL, NULL, NULL);
    if (xmlopt)
        virDomainXMLOptionSetCloseCallbackAlloc(xmlopt, virCloseCallbacksDomainAlloc);
    return xmlopt;
}

/* One more than the highest index of the @prefix aliases in @infos. */
static size_t
virCTDomainNextAliasIndex(virDomainDeviceInfo **infos, size_t n, const char *prefix)
{
    size_t next = 0;
    size_t i;

    for (i = 0; i < n; i++) {
        const char *rest = infos[i]->alias ? STRSKIP(infos[i]->alias, prefix) : NULL;
        unsigned int idx;

        if (rest && virStrToLong_ui(rest, NULL, 10, &idx) == 0 && idx >= next)
            next = idx + 1;
    }
    return next;
}

/* Names the devices without an alias: @prefix followed by an index no
 * other device of the kind has. */
static void
virCTDomainAssignKindAliases(virDomainDeviceInfo **infos, size_t n, const char *prefix)
{
    size_t next = virCTDomainNextAliasIndex(infos, n, prefix);
    size_t i;

    for (i = 0; i < n; i++) {
        if (!infos[i]->alias)
            infos[i]->alias = g_strdup_printf("%s%zu", prefix, next++);
    }
}

void
virCTDomainAssignAliases(virDomainDef *def)
{
    g_autofree virDomainDeviceInfo **infos = NULL;
    size_t i;

    infos = g_new0(virDomainDeviceInfo *, MAX(def->nnets, MAX(def->nfss, def->nconsoles)) + 1);
    for (i = 0; i < def->nnets; i++)
        infos[i] = &def->nets[i]->info;
    virCTDomainAssignKindAliases(infos, def->nnets, "net");
    for (i = 0; i < def->nfss; i++)
        infos[i] = &def->fss[i]->info;
    virCTDomainAssignKindAliases(infos, def->nfss, "fs");
    for (i = 0; i < def->nconsoles; i++)
        infos[i] = &def->consoles[i]->info;
    virCTDomainAssignKindAliases(infos, def->nconsoles, "console");
}

void
virCTDomainAssignNetAlias(const virDomainDef *def, virDomainNetDef *net)
{
    g_autofree virDomainDeviceInfo **infos = g_new0(virDomainDeviceInfo *, def->nnets + 1);
    size_t i;

    if (net->info.alias)
        return;
    for (i = 0; i < def->nnets; i++)
        infos[i] = &def->nets[i]->info;
    net->info.alias =
        g_strdup_printf("net%zu", virCTDomainNextAliasIndex(infos, def->nnets, "net"));
}
