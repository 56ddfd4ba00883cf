/*
 * ctsnapshottest.c: snapshots of shut-off containers through ct:///embed
 * (no root, no daemon): the tree and its filters, revert of the layer's
 * files and of the definition, deletion with reparenting, --metadata and
 * redefine, what a reopened driver finds (also after a "crash" left its
 * markers), and refused input.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "testutils.h"

static virConnectPtr conn;
static char uri[300];
static char root[] = "/tmp/ctsnaptest.XXXXXX";

static const char *domXML =
    "<domain type='lxc'>"
    "  <name>c1</name>"
    "  <uuid>0a5f5e2e-9b0e-4c4e-8d0c-5d1d3c2b1a01</uuid>"
    "  <memory unit='MiB'>64</memory>"
    "  <os><type>exe</type><init>/sbin/init</init></os>"
    "  <devices>"
    "    <filesystem type='template'><source name='busybox'/><target dir='/'/></filesystem>"
    "  </devices>"
    "</domain>";

static int
makeTemplate(void)
{
    char path[600];

    snprintf(path, sizeof(path), "mkdir -p '%s/var/lib/ct/templates/busybox/root'", root);
    if (system(path) != 0)
        return -1;
    snprintf(path, sizeof(path), "%s/var/lib/ct/templates/busybox/template.conf", root);
    return ctTestWriteFile(
        path, "[template]\nsource=test\ncreated=0\nsize=0\nfiles=0\nchecksum=sha256:0\n");
}

static char *
layerPath(const char *rel)
{
    char *path = NULL;

    if (asprintf(&path, "%s/var/lib/ct/containers/c1/%s", root, rel) < 0)
        abort();
    return path;
}

/* What the container "wrote": upper/root/f holds @what. */
static void
writeUpper(const char *what)
{
    char *dir = layerPath("upper/root");
    char *file = layerPath("upper/root/f");
    char cmd[700];

    snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", dir);
    if (system(cmd) != 0 || ctTestWriteFile(file, what) < 0)
        fprintf(stderr, "cannot write %s\n", file);
    free(dir);
    free(file);
}

static bool
upperHas(const char *what)
{
    char *file = layerPath("upper/root/f");
    char *content = ctTestReadFile(file);
    bool ok = content && strcmp(content, what) == 0;

    free(content);
    free(file);
    return ok;
}

static bool
exists(const char *rel)
{
    char *path = layerPath(rel);
    bool ok = access(path, F_OK) == 0;

    free(path);
    return ok;
}

/* @rel exists in the layer of c4 */
static bool
exists4(const char *rel)
{
    char path[700];

    snprintf(path, sizeof(path), "%s/var/lib/ct/containers/c4/%s", root, rel);
    return access(path, F_OK) == 0;
}

static virDomainSnapshotPtr
snap(virDomainPtr dom, const char *name, const char *desc, unsigned int flags)
{
    char xml[400];

    snprintf(xml, sizeof(xml),
             "<domainsnapshot><name>%s</name><description>%s</description></domainsnapshot>", name,
             desc);
    return virDomainSnapshotCreateXML(dom, xml, flags);
}

static char *
parentOf(virDomainPtr dom, const char *name)
{
    virDomainSnapshotPtr s = virDomainSnapshotLookupByName(dom, name, 0);
    virDomainSnapshotPtr p = s ? virDomainSnapshotGetParent(s, 0) : NULL;
    char *ret = p ? strdup(virDomainSnapshotGetName(p)) : NULL;

    if (p)
        virDomainSnapshotFree(p);
    if (s)
        virDomainSnapshotFree(s);
    return ret;
}

static bool
parentIs(virDomainPtr dom, const char *name, const char *parent)
{
    char *p = parentOf(dom, name);
    bool ok = parent ? (p && strcmp(p, parent) == 0) : !p;

    free(p);
    return ok;
}

static bool
currentIs(virDomainPtr dom, const char *name)
{
    virDomainSnapshotPtr cur = virDomainSnapshotCurrent(dom, 0);
    bool ok = name ? (cur && strcmp(virDomainSnapshotGetName(cur), name) == 0) : !cur;

    if (cur)
        virDomainSnapshotFree(cur);
    return ok;
}

/* The sorted names of what @flags lists, joined by ','. */
static char *
listed(virDomainPtr dom, unsigned int flags)
{
    char *names[32];
    char buf[512] = "";
    int n = virDomainSnapshotListNames(dom, names, 32, flags);
    int i, j;

    for (i = 0; i < n; i++)
        for (j = i + 1; j < n; j++)
            if (strcmp(names[i], names[j]) > 0) {
                char *t = names[i];
                names[i] = names[j];
                names[j] = t;
            }
    for (i = 0; i < n; i++) {
        if (i)
            strcat(buf, ",");
        strncat(buf, names[i], sizeof(buf) - strlen(buf) - 2);
        free(names[i]);
    }
    return strdup(n < 0 ? "(error)" : buf);
}

static void
checkListed(virDomainPtr dom, unsigned int flags, const char *expect, const char *what)
{
    char *got = listed(dom, flags);

    ctTestReport(strcmp(got, expect) == 0, "%s: '%s' (expected '%s')", what, got, expect);
    free(got);
}

static void
expectError(bool failed, const char *text, const char *what)
{
    const char *msg = ctTestLastError();

    ctTestReport(failed && strstr(msg, text) != NULL, "%s is refused: %s", what, msg);
}

/* @s with its first @from replaced by @to (caller frees), or NULL. */
static char *
replaced(const char *s, const char *from, const char *to)
{
    const char *pos = s ? strstr(s, from) : NULL;
    char *ret = NULL;

    if (pos && asprintf(&ret, "%.*s%s%s", (int)(pos - s), s, to, pos + strlen(from)) < 0)
        abort();
    return ret;
}

/* Each phase runs in a process of its own: the embedded driver loads
 * the store once per process, as a daemon does at its start. */
static int
runPhase(void (*phase)(void))
{
    int status = 0;
    pid_t pid = fork();

    if (pid == 0) {
        virEventRegisterDefaultImpl();
        if (!(conn = virConnectOpen(uri))) {
            fprintf(stderr, "cannot open %s: %s\n", uri, ctTestLastError());
            _exit(1);
        }
        phase();
        virConnectClose(conn);
        status = ctTestSummary();
        fflush(stdout);
        _exit(status);
    }
    if (pid < 0 || waitpid(pid, &status, 0) < 0)
        return 1;
    return !WIFEXITED(status) || WEXITSTATUS(status) != 0;
}

static virDomainPtr
lookup(void)
{
    virDomainPtr dom = virDomainLookupByName(conn, "c1");

    if (!dom) {
        fprintf(stderr, "c1: %s\n", ctTestLastError());
        _exit(1);
    }
    return dom;
}

static int lifecycleEvents[8][8];

static int
onLifecycle(virConnectPtr c __attribute__((unused)), virDomainPtr d __attribute__((unused)),
            int event, int detail, void *opaque __attribute__((unused)))
{
    if (event >= 0 && event < 8 && detail >= 0 && detail < 8)
        lifecycleEvents[event][detail]++;
    return 0;
}

static void
onGuard(int timer __attribute__((unused)), void *opaque)
{
    *(bool *)opaque = true;
}

/* Lets the queued events reach their callbacks. */
static void
dispatchEvents(void)
{
    bool done = false;
    int timer = virEventAddTimeout(100, onGuard, &done, NULL);

    while (!done && virEventRunDefaultImpl() == 0)
        ;
    virEventRemoveTimeout(timer);
}

/* a -> b -> c, then a revert to b and the branch d */
static void
phaseTree(void)
{
    virDomainPtr dom;
    virDomainSnapshotPtr s;

    if (!(dom = virDomainDefineXML(conn, domXML))) {
        fprintf(stderr, "define: %s\n", ctTestLastError());
        _exit(1);
    }
    writeUpper("1");
    s = snap(dom, "a", "first", 0);
    ctTestReport(s != NULL, "snapshot of a shut-off container (%s)", ctTestLastError());
    if (s) {
        char *sx = virDomainSnapshotGetXMLDesc(s, 0);

        ctTestReport(sx && strstr(sx, "<state>shutoff</state>") && strstr(sx, "<domain"),
                     "its XML: state shutoff, the domain inside");
        free(sx);
        virDomainSnapshotFree(s);
    }
    ctTestReport(exists("snapshots/a/upper/root/f") && exists("snapshots/a/layer.conf"),
                 "its files: the upper directory and the layer record");
    writeUpper("2");
    if ((s = snap(dom, "b", "second", 0)))
        virDomainSnapshotFree(s);
    writeUpper("3");
    if ((s = snap(dom, "c", "third", 0)))
        virDomainSnapshotFree(s);
    ctTestReport(parentIs(dom, "b", "a") && parentIs(dom, "c", "b") && parentIs(dom, "a", NULL),
                 "parents: the current one at creation");
    ctTestReport(currentIs(dom, "c"), "the newest is current");
    writeUpper("4");

    s = virDomainSnapshotLookupByName(dom, "b", 0);
    virConnectDomainEventRegisterAny(conn, dom, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                     VIR_DOMAIN_EVENT_CALLBACK(onLifecycle), NULL, NULL);
    ctTestReport(s && virDomainRevertToSnapshot(s, 0) == 0, "revert to the middle one (%s)",
                 ctTestLastError());
    dispatchEvents();
    ctTestReport(
        lifecycleEvents[VIR_DOMAIN_EVENT_DEFINED][VIR_DOMAIN_EVENT_DEFINED_FROM_SNAPSHOT] == 1,
        "the event: defined from snapshot");
    if (s)
        virDomainSnapshotFree(s);
    ctTestReport(upperHas("2"), "its files are back");
    ctTestReport(currentIs(dom, "b"), "it is current");
    ctTestReport(virDomainIsActive(dom) == 0,
                 "a snapshot of a shut-off container reverts shut off");
    if ((s = snap(dom, "d", "branch", 0)))
        virDomainSnapshotFree(s);
    ctTestReport(parentIs(dom, "d", "b"), "a snapshot after the revert branches off it");

    checkListed(dom, 0, "a,b,c,d", "all");
    checkListed(dom, VIR_DOMAIN_SNAPSHOT_LIST_ROOTS, "a", "roots");
    checkListed(dom, VIR_DOMAIN_SNAPSHOT_LIST_LEAVES, "c,d", "leaves");
    checkListed(dom, VIR_DOMAIN_SNAPSHOT_LIST_NO_LEAVES, "a,b", "not leaves");
    checkListed(dom, VIR_DOMAIN_SNAPSHOT_LIST_INACTIVE, "a,b,c,d", "inactive");
    checkListed(dom, VIR_DOMAIN_SNAPSHOT_LIST_ACTIVE, "", "active");
    s = virDomainSnapshotLookupByName(dom, "b", 0);
    ctTestReport(s && virDomainSnapshotNumChildren(s, 0) == 2 &&
                     virDomainSnapshotNumChildren(s, VIR_DOMAIN_SNAPSHOT_LIST_DESCENDANTS) == 2,
                 "b has two children");
    if (s)
        virDomainSnapshotFree(s);
    virDomainFree(dom);
}

/* after a restart: edit, delete, --metadata, refused input */
static void
phaseChange(void)
{
    virDomainPtr dom = lookup();
    virDomainSnapshotPtr s;
    char *xml = NULL;
    char *bad;

    checkListed(dom, 0, "a,b,c,d", "after a restart: all");
    ctTestReport(currentIs(dom, "d") && parentIs(dom, "d", "b") && parentIs(dom, "c", "b"),
                 "after a restart: the tree and the current one");

    s = virDomainSnapshotLookupByName(dom, "c", 0);
    xml = s ? virDomainSnapshotGetXMLDesc(s, VIR_DOMAIN_SNAPSHOT_XML_SECURE) : NULL;
    if (s)
        virDomainSnapshotFree(s);
    if (xml) {
        char *pos = strstr(xml, "third");
        virDomainSnapshotPtr r;

        if (pos)
            memcpy(pos, "THIRD", 5);
        r = virDomainSnapshotCreateXML(dom, xml, VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE);
        ctTestReport(r != NULL, "redefine with another description (%s)", ctTestLastError());
        if (r) {
            char *rx = virDomainSnapshotGetXMLDesc(r, 0);

            ctTestReport(rx && strstr(rx, "THIRD"), "the description changed");
            free(rx);
            virDomainSnapshotFree(r);
        }
        ctTestReport(currentIs(dom, "d") && parentIs(dom, "c", "b"),
                     "redefine without --current leaves the current one and the parent");
    }

    s = virDomainSnapshotLookupByName(dom, "b", 0);
    ctTestReport(s && virDomainSnapshotDelete(s, 0) == 0, "delete the middle one");
    if (s)
        virDomainSnapshotFree(s);
    ctTestReport(parentIs(dom, "c", "a") && parentIs(dom, "d", "a"),
                 "its children go to its parent");
    ctTestReport(currentIs(dom, "d"), "the current one stays");
    ctTestReport(!exists("snapshots/b") && !exists("snapshots/.deleting.b"), "its files go");

    s = virDomainSnapshotLookupByName(dom, "c", 0);
    free(xml);
    xml = s ? virDomainSnapshotGetXMLDesc(s, VIR_DOMAIN_SNAPSHOT_XML_SECURE) : NULL;
    ctTestReport(s && virDomainSnapshotDelete(s, VIR_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY) == 0,
                 "delete --metadata");
    if (s)
        virDomainSnapshotFree(s);
    ctTestReport(!virDomainSnapshotLookupByName(dom, "c", 0) && exists("snapshots/c/upper/root/f"),
                 "--metadata: gone from the list, its files kept");
    s = snap(dom, "c", "again", 0);
    expectError(s == NULL, "deleted with --metadata", "a new snapshot of that name");
    if (s)
        virDomainSnapshotFree(s);
    /* the <domain> of a redefinition becomes the container's at a revert:
     * checked as a define checks it (these crashed the daemon) */
    bad = replaced(xml, "<target dir='/'/>", "");
    s = bad ? virDomainSnapshotCreateXML(dom, bad, VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE) : NULL;
    expectError(bad && s == NULL, "has no <target dir>", "a redefined <domain> without a root");
    free(bad);
    bad = replaced(xml, "<memory unit", "<vcpu>4000000000</vcpu><memory unit");
    s = bad ? virDomainSnapshotCreateXML(dom, bad, VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE) : NULL;
    expectError(bad && s == NULL, "of <vcpu>", "a redefined <domain> with 4e9 vCPUs");
    free(bad);
    s = xml ? virDomainSnapshotCreateXML(dom, xml, VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE) : NULL;
    ctTestReport(s != NULL, "redefine brings it back (%s)", ctTestLastError());
    ctTestReport(s && virDomainRevertToSnapshot(s, 0) == 0 && upperHas("3"), "and it reverts (%s)",
                 ctTestLastError());
    if (s)
        virDomainSnapshotFree(s);
    free(xml);

    s = snap(dom, "a/b", "", 0);
    expectError(s == NULL, "snapshot name", "a name with '/'");
    s = snap(dom, "current", "", 0);
    expectError(s == NULL, "is reserved", "the name of the file 'current'");
    s = snap(dom, "a", "", 0);
    expectError(s == NULL, "already exists", "a name taken");
    s = virDomainSnapshotCreateXML(dom,
                                   "<domainsnapshot><name>m</name><memory snapshot='external' "
                                   "file='/tmp/x'/></domainsnapshot>",
                                   0);
    expectError(s == NULL, "no memory state", "memory of a shut-off container");
    s = virDomainSnapshotCreateXML(dom,
                                   "<domainsnapshot><name>zz</name><state>shutoff</state>"
                                   "<creationTime>1</creationTime></domainsnapshot>",
                                   VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE);
    expectError(s == NULL, "no files here", "a redefine of a snapshot never taken");
    checkListed(dom, 0, "a,c,d", "nothing changed by refused input");

    if ((s = snap(dom, "e", "child of c", 0)))
        virDomainSnapshotFree(s);
    ctTestReport(parentIs(dom, "e", "c"), "e is a child of c");
    writeUpper("5");
    virDomainFree(dom);
}

/* what a daemon killed in the middle of a deletion, a creation and a
 * revert left */
static void
phaseCrash(void)
{
    virDomainPtr dom = lookup();

    checkListed(dom, 0, "a,d,e", "after the crash: a deletion finished");
    ctTestReport(parentIs(dom, "e", "a"), "its child went to its parent");
    ctTestReport(!exists("snapshots/.deleting.c") && !exists("snapshots/.creating.f") &&
                     !exists("snapshots/.reverting"),
                 "no marker left");
    {
        char mem[400], part[400], other[400];

        snprintf(mem, sizeof(mem), "%s/mem.img", root);
        snprintf(part, sizeof(part), "%s/mem.img.ct-part-Ab12Cd", root);
        snprintf(other, sizeof(other), "%s/mem.img.other", root);
        ctTestReport(access(mem, F_OK) < 0 && access(part, F_OK) < 0 && access(other, F_OK) == 0,
                     "the --memspec file of the unfinished snapshot and its part went, "
                     "nothing else");
    }
    ctTestReport(upperHas("1") && currentIs(dom, "a"), "the revert was finished");

    expectError(virDomainUndefine(dom) < 0, "with 3 snapshots", "undefine with snapshots");
    ctTestReport(virDomainUndefineFlags(dom, VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA) == 0,
                 "undefine --snapshots-metadata");
    ctTestReport(!exists("snapshots"), "their files went with them");
    virDomainFree(dom);
}

/* c2, its layer on a 2 MiB file system: a revert that runs out of space */
static char *
c2Path(const char *rel)
{
    char *path = NULL;

    if (asprintf(&path, "%s/var/lib/ct/containers/c2/%s", root, rel) < 0)
        abort();
    return path;
}

/* c2's upper/root/f: 900 KiB of @c */
static void
c2Write(char c)
{
    char *dir = c2Path("upper/root");
    char *file = c2Path("upper/root/f");
    char *data = malloc(900 * 1024 + 1);
    char cmd[700];

    memset(data, c, 900 * 1024);
    data[900 * 1024] = '\0';
    snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", dir);
    if (system(cmd) != 0 || ctTestWriteFile(file, data) < 0)
        fprintf(stderr, "cannot write %s\n", file);
    free(data);
    free(dir);
    free(file);
}

static bool
c2Has(char c)
{
    char *file = c2Path("upper/root/f");
    char *content = ctTestReadFile(file);
    bool ok =
        content && strlen(content) == 900 * 1024 && content[0] == c && content[900 * 1024 - 1] == c;

    free(content);
    free(file);
    return ok;
}

static void
phaseNoSpace(void)
{
    char *xml = replaced(domXML, "<name>c1</name>", "<name>c2</name>");
    char *xml2 = replaced(xml, "5d1d3c2b1a01", "5d1d3c2b1a02");
    virDomainPtr dom = virDomainDefineXML(conn, xml2);
    virDomainSnapshotPtr s = NULL;
    char *marker = c2Path("snapshots/.reverting");
    char *tmp = c2Path(".revert.upper");

    free(xml);
    free(xml2);
    if (!dom) {
        fprintf(stderr, "define c2: %s\n", ctTestLastError());
        _exit(1);
    }
    c2Write('A');
    if ((s = snap(dom, "s", "", 0)))
        virDomainSnapshotFree(s);
    c2Write('B');
    s = virDomainSnapshotLookupByName(dom, "s", 0);
    expectError(s && virDomainRevertToSnapshot(s, 0) < 0, "No space left",
                "a revert without the space for its copy");
    ctTestReport(c2Has('B') && access(marker, F_OK) < 0 && access(tmp, F_OK) < 0,
                 "it changed nothing and left nothing behind");
    if (s)
        virDomainSnapshotFree(s);
    free(marker);
    free(tmp);
    virDomainFree(dom);
}

/* a restart does not finish a revert that failed (it would replace
 * whatever the container did since) */
static void
phaseNoSpaceRestart(void)
{
    virDomainPtr dom = virDomainLookupByName(conn, "c2");

    ctTestReport(dom && c2Has('B'), "after a restart the layer is still as it was");
    if (dom)
        virDomainFree(dom);
}

/* The <ct:idrange .../> element in @xml (caller frees), or NULL. */
static char *
idrangeOf(const char *xml)
{
    const char *start = xml ? strstr(xml, "<ct:idrange ") : NULL;
    const char *end = start ? strstr(start, "/>") : NULL;

    return end ? strndup(start, end + 2 - start) : NULL;
}

/* A snapshot whose <idmap> now overlaps the range of another container
 * (here redefined so; an old snapshot can be so too) */
static void
phaseIds(void)
{
    char *xml3 = replaced(domXML, "<name>c1</name>", "<name>c3</name>");
    char *xml3u = replaced(xml3, "5d1d3c2b1a01", "5d1d3c2b1a03");
    char *xml4 = replaced(domXML, "<name>c1</name>", "<name>c4</name>");
    char *xml4u = replaced(xml4, "5d1d3c2b1a01", "5d1d3c2b1a04");
    virDomainPtr c3 = virDomainDefineXML(conn, xml3u);
    virDomainPtr c4 = virDomainDefineXML(conn, xml4u);
    char *x4 = c4 ? virDomainGetXMLDesc(c4, 0) : NULL;
    char *range4 = idrangeOf(x4);
    virDomainSnapshotPtr s = c3 ? snap(c3, "s", "", 0) : NULL;
    char *sx = s ? virDomainSnapshotGetXMLDesc(s, VIR_DOMAIN_SNAPSHOT_XML_SECURE) : NULL;
    char *range3 = idrangeOf(sx);
    char *idmap = NULL;
    char *bad = NULL;
    unsigned int target = 0;

    if (range4 && sscanf(range4, "<ct:idrange target='%u'", &target) == 1 &&
        asprintf(&idmap,
                 "<idmap><uid start='0' target='%u' count='65536'/>"
                 "<gid start='0' target='%u' count='65536'/></idmap>",
                 target, target) < 0)
        abort();
    if (range3 && idmap)
        bad = replaced(sx, range3, idmap);
    if (s) {
        ctTestReport(virDomainSnapshotDelete(s, VIR_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY) == 0,
                     "c3's snapshot deleted with --metadata");
        virDomainSnapshotFree(s);
    }
    s = bad ? virDomainSnapshotCreateXML(c3, bad, VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE) : NULL;
    ctTestReport(s != NULL, "redefined with an <idmap> onto c4's range (%s)", ctTestLastError());
    expectError(s && virDomainRevertToSnapshot(s, 0) < 0, "overlap the id range of domain 'c4'",
                "a revert to ids another container holds");
    if (s)
        virDomainSnapshotFree(s);
    free(xml3);
    free(xml3u);
    free(xml4);
    free(xml4u);
    free(x4);
    free(range4);
    free(range3);
    free(sx);
    free(idmap);
    free(bad);
    if (c3)
        virDomainFree(c3);
    if (c4)
        virDomainFree(c4);
}

/* A revert cut short to a snapshot the next daemon cannot find: the
 * marker stays, and a start is refused (its files are half of one) */
static void
phaseRevertGone(void)
{
    virDomainPtr dom = virDomainLookupByName(conn, "c4");

    expectError(dom && virDomainCreate(dom) < 0, "was cut short",
                "a start after a revert cut short to a snapshot that is gone");
    ctTestReport(exists4("snapshots/.reverting"), "the marker stays");
    if (dom)
        virDomainFree(dom);
}

int
main(void)
{
    char cmd[1600];
    int failed = 0;

    if (!mkdtemp(root) || makeTemplate() < 0)
        return 1;
    snprintf(uri, sizeof(uri), "ct:///embed?root=%s", root);
    failed |= runPhase(phaseTree);
    failed |= runPhase(phaseChange);
    snprintf(cmd, sizeof(cmd),
             "cd '%s/var/lib/ct/containers/c1/snapshots' && mv c .deleting.c && "
             "mkdir -p .creating.f/upper && printf a >.reverting && "
             "printf '%s/mem.img' >.creating.f/.external && touch '%s/mem.img' "
             "'%s/mem.img.ct-part-Ab12Cd' '%s/mem.img.other'",
             root, root, root, root, root);
    if (system(cmd) != 0) {
        fprintf(stderr, "cannot make the markers of a crash\n");
        failed = 1;
    }
    failed |= runPhase(phaseCrash);
    failed |= runPhase(phaseIds);
    snprintf(cmd, sizeof(cmd),
             "mkdir -p '%1$s/var/lib/ct/containers/c4/snapshots' && "
             "printf gone >'%1$s/var/lib/ct/containers/c4/snapshots/.reverting'",
             root);
    if (system(cmd) != 0) {
        fprintf(stderr, "cannot make the marker of a revert\n");
        failed = 1;
    }
    failed |= runPhase(phaseRevertGone);
    if (geteuid() == 0) {
        snprintf(cmd, sizeof(cmd),
                 "mkdir -p '%1$s/var/lib/ct/containers/c2' && "
                 "mount -t tmpfs -o size=2M ctsnaptest '%1$s/var/lib/ct/containers/c2'",
                 root);
        if (system(cmd) != 0) {
            fprintf(stderr, "cannot mount a small file system\n");
            failed = 1;
        } else {
            failed |= runPhase(phaseNoSpace);
            failed |= runPhase(phaseNoSpaceRestart);
            snprintf(cmd, sizeof(cmd), "umount '%s/var/lib/ct/containers/c2'", root);
            if (system(cmd) != 0)
                fprintf(stderr, "cannot unmount %s/var/lib/ct/containers/c2\n", root);
        }
    } else {
        printf("skip - a revert out of space needs root (a small tmpfs)\n");
    }
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", root);
    printf("%s\n", failed ? "FAILED" : "all phases passed");
    return failed;
}
