/*
 * ct_domain_input.c: domain and device XML from clients, checked before use
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every definition a client gives goes through here, in this order:
 * well-formed XML; counts that make libvirt's parser allocate without
 * bound, and values libvirt 9.0 writes back unescaped (both on the raw
 * XML, before libvirt sees it); the schemas (libvirt's domain.rng and our
 * ct.rng, compiled once); libvirt's parser and validation; the driver's
 * own checks (which so only see what libvirt has validated); and last a
 * format/parse/format round trip, so that what the client is told is
 * saved is what the daemon reads back at its next start.
 */

#include <config.h>

#include "ct_domain_input.h"
#include "ct_domain.h"

#include "configmake.h"

#include <libxml/xpathInternals.h>

#include "virerror.h"
#include "virlog.h"
#include "virstring.h"
#include "virxml.h"

#define VIR_FROM_THIS VIR_FROM_NONE

VIR_LOG_INIT("ct.ct_domain_input");

/* Counts for which libvirt 9.0 allocates one structure per unit. */
typedef struct {
    const char *what; /* as the error names it */
    const char *xpath; /* relative to <domain> */
} virCTInputCount;

static const virCTInputCount virCTInputCounts[] = {
    { "<vcpu>", "./vcpu" },
    { "<vcpu current>", "./vcpu/@current" },
    { "<iothreads>", "./iothreads" },
};

/* Values libvirt 9.0's domain formatter writes with virBufferAsprintf, not
 * virBufferEscapeString: markup in them ends in a file that does not parse
 * or carries extra elements.  (The other values it writes that way are
 * enums, numbers, or restricted by the schema.)  An element's text must
 * not hold '<', '&' or "]]>"; an attribute is written in single quotes. */
#define CT_INPUT_BAD_TEXT "<&>"
#define CT_INPUT_BAD_ATTR "<&'"

typedef struct {
    const char *what; /* as the error names it */
    const char *xpath; /* relative to <domain> */
    const char *bad; /* characters refused */
} virCTInputValue;

static const virCTInputValue virCTInputUnescaped[] = {
    { "<inituser>", "./os/inituser", CT_INPUT_BAD_TEXT },
    { "<initgroup>", "./os/initgroup", CT_INPUT_BAD_TEXT },
    { "<initenv>", "./os/initenv", CT_INPUT_BAD_TEXT },
    { "<initenv name>", "./os/initenv/@name", CT_INPUT_BAD_ATTR },
    { "<graphics listen>", "./devices/graphics/@listen", CT_INPUT_BAD_ATTR },
    { "<graphics><listen address>", "./devices/graphics/listen/@address", CT_INPUT_BAD_ATTR },
    { "<graphics address>", "./devices/graphics/@address", CT_INPUT_BAD_ATTR },
};

static int
virCTInputCheckCounts(xmlXPathContextPtr ctxt)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(virCTInputCounts); i++) {
        const virCTInputCount *c = &virCTInputCounts[i];
        g_autofree char *xpath = g_strdup_printf("string(%s)", c->xpath);
        g_autofree char *text = virXPathString(xpath, ctxt);
        unsigned long long value;

        if (!text)
            continue;
        if (virStrToLong_ullp(text, NULL, 10, &value) < 0 || value > CT_DOMAIN_MAX_VCPUS) {
            virReportError(VIR_ERR_XML_DETAIL,
                           _("invalid value '%1$s' of %2$s: expected a count from 0 to %3$d"), text,
                           c->what, CT_DOMAIN_MAX_VCPUS);
            return -1;
        }
    }
    return 0;
}

static int
virCTInputCheckValue(const virCTInputValue *v, const char *text)
{
    const char *bad = strpbrk(text, v->bad);

    if (bad) {
        virReportError(
            VIR_ERR_XML_DETAIL,
            _("invalid character '%1$c' in %2$s '%3$s': libvirt would save it unescaped"), *bad,
            v->what, text);
        return -1;
    }
    return 0;
}

static int
virCTInputCheckUnescaped(xmlXPathContextPtr ctxt)
{
    size_t i;
    int n, j;

    for (i = 0; i < G_N_ELEMENTS(virCTInputUnescaped); i++) {
        g_autofree xmlNodePtr *nodes = NULL;

        if ((n = virXPathNodeSet(virCTInputUnescaped[i].xpath, ctxt, &nodes)) < 0)
            return -1;
        for (j = 0; j < n; j++) {
            g_autofree char *text = (char *)xmlNodeGetContent(nodes[j]);

            if (text && virCTInputCheckValue(&virCTInputUnescaped[i], text) < 0)
                return -1;
        }
    }
    return 0;
}

/* The schema would refuse a filesystem without a mount point too, but
 * with a message that does not say which element is wrong. */
static int
virCTInputCheckFSTargets(xmlXPathContextPtr ctxt)
{
    g_autofree char *source = NULL;

    if (virXPathBoolean("boolean(./devices/filesystem[not(target/@dir) or target/@dir=''])",
                        ctxt) != 1)
        return 0;
    source = virXPathString("string(./devices/filesystem[not(target/@dir) or "
                            "target/@dir=''][1]/source/@*[1])",
                            ctxt);
    virReportError(
        VIR_ERR_XML_DETAIL,
        _("<filesystem> with source '%1$s' has no <target dir>: say where it is mounted in the container"),
        NULLSTR_EMPTY(source));
    return -1;
}

/* The raw checks, on the <domain> that @ctxt is at. */
static int
virCTInputCheckRaw(xmlXPathContextPtr ctxt)
{
    if (virCTInputCheckCounts(ctxt) < 0 || virCTInputCheckUnescaped(ctxt) < 0 ||
        virCTInputCheckFSTargets(ctxt) < 0)
        return -1;
    return 0;
}

/* A compiled schema, kept for the life of the process: compiling
 * domain.rng costs far more than validating a definition against it.
 * libxml2's validation context is not reentrant, hence the lock. */
typedef struct {
    virXMLValidator *validator;
} virCTInputSchema;

static virCTInputSchema virCTInputDomainSchema;
static virCTInputSchema virCTInputCTSchema;
G_LOCK_DEFINE_STATIC(virCTInputSchemaLock);

static int
virCTInputValidate(virCTInputSchema *schema, const char *path, xmlDocPtr doc)
{
    int ret = -1;

    G_LOCK(virCTInputSchemaLock);
    if (schema->validator && STRNEQ(schema->validator->schemafile, path))
        g_clear_pointer(&schema->validator, virXMLValidatorFree);
    if (!schema->validator)
        schema->validator = virXMLValidatorInit(path);
    if (schema->validator) {
        /* the validator collects messages in one buffer: start afresh */
        virBufferFreeAndReset(&schema->validator->buf);
        ret = virXMLValidatorValidate(schema->validator, doc);
    }
    G_UNLOCK(virCTInputSchemaLock);
    return ret;
}

/* Moves every element of the ct: namespace out of @root into a new
 * document under a <ct:elements> wrapper, which is what xml/ct.rng
 * describes.  libvirt's own domain.rng knows nothing of our namespace, so
 * each part is validated against its own schema. */
static xmlDocPtr
virCTInputSplitNamespace(xmlNodePtr root)
{
    g_autoptr(xmlDoc) ctdoc = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr wrapper = xmlNewDocNode(ctdoc, NULL, BAD_CAST "elements", NULL);
    xmlNsPtr ns = xmlNewNs(wrapper, BAD_CAST CT_NAMESPACE_HREF, BAD_CAST CT_NAMESPACE_PREFIX);
    xmlNodePtr cur = root->children;

    xmlSetNs(wrapper, ns);
    xmlDocSetRootElement(ctdoc, wrapper);
    while (cur) {
        xmlNodePtr next = cur->next;

        if (cur->type == XML_ELEMENT_NODE && cur->ns && cur->ns->href &&
            STREQ((const char *)cur->ns->href, CT_NAMESPACE_HREF)) {
            xmlNodePtr copy = xmlDocCopyNode(cur, ctdoc, 1);

            xmlAddChild(wrapper, copy);
            xmlUnlinkNode(cur);
            xmlFreeNode(cur);
        }
        cur = next;
    }
    return g_steal_pointer(&ctdoc);
}

/**
 * virCTDomainInputValidateSchema:
 * @doc: a domain definition (its ct: elements are moved out of it)
 * @domainSchema: also validate the rest against libvirt's domain.rng
 *
 * Validates the ct: elements of @doc against our ct.rng, and with
 * @domainSchema the rest against libvirt's domain.rng.  Returns 0 if they
 * accept it, -1 with an error otherwise.
 */
int
virCTDomainInputValidateSchema(virCTDriverConfig *cfg, xmlDocPtr doc, bool domainSchema)
{
    g_autoptr(xmlDoc) ctdoc = NULL;
    g_autofree char *ctSchema = g_strdup_printf("%s/ct.rng", cfg->schemaDir);

    if (!(ctdoc = virCTInputSplitNamespace(xmlDocGetRootElement(doc))))
        return -1;
    if (domainSchema &&
        virCTInputValidate(&virCTInputDomainSchema, PKGDATADIR "/schemas/domain.rng", doc) < 0)
        return -1;
    return virCTInputValidate(&virCTInputCTSchema, ctSchema, ctdoc);
}

/**
 * virCTDomainInputCheckSaved:
 *
 * Formats @def as its config file would be written, parses that as the
 * daemon does at its next start, and formats it again.  Returns 0 when
 * both texts are equal, -1 with an error when the definition would not
 * survive a restart unchanged.
 */
int
virCTDomainInputCheckSaved(virCTDriver *driver, const virDomainDef *def)
{
    unsigned int parseFlags = VIR_DOMAIN_DEF_PARSE_INACTIVE | VIR_DOMAIN_DEF_PARSE_SKIP_VALIDATE |
                              VIR_DOMAIN_DEF_PARSE_ALLOW_POST_PARSE_FAIL;
    g_autofree char *saved = NULL;
    g_autofree char *reread = NULL;
    g_autoptr(virDomainDef) again = NULL;

    if (!(saved = virDomainDefFormat((virDomainDef *)def, driver->xmlopt,
                                     VIR_DOMAIN_DEF_FORMAT_SECURE)))
        return -1;
    if ((again = virDomainDefParseString(saved, driver->xmlopt, NULL, parseFlags)))
        reread = virDomainDefFormat(again, driver->xmlopt, VIR_DOMAIN_DEF_FORMAT_SECURE);
    if (!reread || STRNEQ(saved, reread)) {
        VIR_WARN("definition of '%s' does not survive a save: %s", def->name, saved);
        virReportError(
            VIR_ERR_XML_DETAIL,
            _("the definition of '%1$s' cannot be saved faithfully: libvirt writes one of its values back unescaped or changed"),
            def->name);
        return -1;
    }
    return 0;
}

/**
 * virCTDomainInputParse:
 * @xml: a domain definition from a client (define or create)
 * @validate: the client asked for validation against libvirt's domain.rng
 *
 * libvirt's drivers validate against domain.rng only when asked, and
 * clients rely on it: Nova gives exe guests a <cmdline> that the schema
 * does not allow and libvirt ignores.  What can hurt the daemon (counts
 * it allocates for, values it writes back unescaped, missing targets) is
 * checked on the raw XML every time, our ct: elements against ct.rng, and
 * the result must survive a save and a reload unchanged.
 *
 * Returns the parsed and fully checked definition (the caller owns it), or
 * NULL with an error naming what is wrong.
 */
virDomainDef *
virCTDomainInputParse(virCTDriver *driver, const char *xml, bool validate)
{
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(xmlXPathContext) ctxt = NULL;
    g_autoptr(virDomainDef) def = NULL;

    if (!(doc = virXMLParseStringCtxt(xml, _("(domain_definition)"), &ctxt)) ||
        virCTInputCheckRaw(ctxt) < 0 ||
        virCTDomainInputValidateSchema(driver->config, doc, validate) < 0)
        return NULL;
    if (!(def = virDomainDefParseString(xml, driver->xmlopt, NULL, VIR_DOMAIN_DEF_PARSE_INACTIVE)))
        return NULL;
    if (virXMLCheckIllegalChars("name", def->name, "\n/") < 0 || virCTDomainDefValidate(def) < 0 ||
        virCTDomainInputCheckSaved(driver, def) < 0)
        return NULL;
    return g_steal_pointer(&def);
}

/**
 * virCTDomainInputCheckSnapshot:
 * @xml: a snapshot's XML from a client (a redefine)
 *
 * The <domain> and <inactiveDomain> of a redefined snapshot become the
 * container's definition at a revert, and libvirt parses them without
 * validation: each is checked here as a define checks a domain, on the
 * raw XML before libvirt parses the snapshot.  Returns 0, or -1 with an
 * error.
 */
int
virCTDomainInputCheckSnapshot(virCTDriver *driver, const char *xml)
{
    /* a <domain> without a type is ignored by libvirt (older snapshots) */
    static const char *const parts[] = { "./domain[@type]", "./inactiveDomain" };
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(xmlXPathContext) ctxt = NULL;
    size_t i;

    if (!(doc = virXMLParseStringCtxt(xml, _("(domain_snapshot)"), &ctxt)))
        return -1;
    for (i = 0; i < G_N_ELEMENTS(parts); i++) {
        xmlNodePtr node = virXPathNode(parts[i], ctxt);
        g_autoptr(xmlDoc) domdoc = NULL;
        g_autoptr(virDomainDef) def = NULL;
        g_autofree char *domxml = NULL;
        xmlNodePtr copy;
        xmlChar *buf = NULL;
        int len = 0;

        if (!node)
            continue;
        /* the copy declares the namespaces it uses, wherever they were */
        domdoc = xmlNewDoc(BAD_CAST "1.0");
        if (!(copy = xmlDocCopyNode(node, domdoc, 1)))
            abort(); /* libxml2 fails only without memory, as g_malloc aborts */
        xmlNodeSetName(copy, BAD_CAST "domain");
        xmlDocSetRootElement(domdoc, copy);
        xmlDocDumpMemory(domdoc, &buf, &len);
        if (!buf)
            abort();
        domxml = g_strndup((const char *)buf, len);
        xmlFree(buf);
        if (!(def = virCTDomainInputParse(driver, domxml, false)))
            return -1;
    }
    return 0;
}

/* The smallest definition, to check a lone device in (the checks work
 * on a whole domain). */
static const char virCTInputDeviceHolder[] =
    "<domain type='lxc'><name>device</name><memory>65536</memory>"
    "<os><type>exe</type></os><devices/></domain>";

static int
virCTInputCheckDevice(virCTDriver *driver, const char *xml)
{
    g_autoptr(xmlDoc) devdoc = NULL;
    g_autoptr(xmlDoc) holder = NULL;
    g_autoptr(xmlXPathContext) ctxt = NULL;
    xmlNodePtr devices;

    if (!(devdoc = virXMLParseStringCtxt(xml, _("(device_definition)"), NULL)) ||
        !(holder = virXMLParseStringCtxt(virCTInputDeviceHolder, "(holder)", &ctxt)))
        return -1;
    if (!(devices = virXPathNode("./devices", ctxt))) {
        virReportError(VIR_ERR_INTERNAL_ERROR, "%s", _("no <devices> in the device holder"));
        return -1;
    }
    xmlAddChild(devices, xmlDocCopyNode(xmlDocGetRootElement(devdoc), holder, 1));
    return virCTInputCheckRaw(ctxt);
}

/**
 * virCTDomainInputParseDevice:
 * @xml: a device from a client (attach, detach, update)
 * @def: the definition it is for
 *
 * Returns the parsed device (the caller owns it), or NULL with an error.
 */
virDomainDeviceDef *
virCTDomainInputParseDevice(virCTDriver *driver, const char *xml, const virDomainDef *def)
{
    if (virCTInputCheckDevice(driver, xml) < 0)
        return NULL;
    return virDomainDeviceDefParse(xml, def, driver->xmlopt, NULL, VIR_DOMAIN_DEF_PARSE_INACTIVE);
}
