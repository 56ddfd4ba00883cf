/*
 * ctxml2xmltest.c: domain definitions through the real driver, in-process
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Opens ct:///embed?root=<tmpdir> (no root, no daemon), defines every
 * tests/data/xml2xml/NAME.xml, and compares the driver's XML with
 * NAME.out.xml (regenerate with VIR_TEST_REGENERATE_OUTPUT=1 and review the
 * diff).  Every tests/data/xml-invalid/NAME.xml must be refused with an
 * error containing the text of NAME.err, leaving nothing behind.
 */

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "testutils.h"

static virConnectPtr conn;

static int
countConfigFiles(void)
{
    char path[512];
    DIR *dir;
    struct dirent *ent;
    int n = 0;

    snprintf(path, sizeof(path), "%s/etc/ct", ctTestRoot());
    if (!(dir = opendir(path)))
        return -1;
    while ((ent = readdir(dir))) {
        size_t len = strlen(ent->d_name);

        if (len > 4 && strcmp(ent->d_name + len - 4, ".xml") == 0)
            n++;
    }
    closedir(dir);
    return n;
}

/* Defines @name.xml, compares the XML with @name.out.xml, undefines. */
static void
testXML2XML(const char *datadir, const char *name)
{
    char in[512], out[512];
    char *xml = NULL, *expect = NULL, *actual = NULL;
    virDomainPtr dom = NULL;

    snprintf(in, sizeof(in), "%s/xml2xml/%s.xml", datadir, name);
    snprintf(out, sizeof(out), "%s/xml2xml/%s.out.xml", datadir, name);

    if (!(xml = ctTestReadFile(in))) {
        ctTestReport(false, "xml2xml %s: cannot read %s", name, in);
        return;
    }
    /* what a client sends is schema-valid, but for Nova (nova-*), whose
     * exe guests have a <cmdline> and which does not ask for validation */
    if (!(dom = virDomainDefineXMLFlags(
              conn, xml, strncmp(name, "nova-", 5) == 0 ? 0 : VIR_DOMAIN_DEFINE_VALIDATE))) {
        ctTestReport(false, "xml2xml %s: define failed: %s", name, ctTestLastError());
        goto cleanup;
    }
    actual = virDomainGetXMLDesc(dom, 0);
    if (getenv("VIR_TEST_REGENERATE_OUTPUT") && actual)
        ctTestWriteFile(out, actual);
    expect = ctTestReadFile(out);
    ctTestReport(actual && expect && strcmp(actual, expect) == 0, "xml2xml %s%s", name,
                 expect ? "" : " (no golden file)");
    if (actual && expect && strcmp(actual, expect) != 0)
        fprintf(stderr, "--- expected %s\n%s+++ actual\n%s", out, expect, actual);

    if (virDomainUndefine(dom) < 0)
        ctTestReport(false, "xml2xml %s: undefine failed: %s", name, ctTestLastError());

 cleanup:
    if (dom)
        virDomainFree(dom);
    free(xml);
    free(expect);
    free(actual);
}

/* @name.xml must be refused with an error containing @name.err. */
static void
testInvalid(const char *datadir, const char *name)
{
    char in[512], errpath[512];
    char *xml = NULL, *expect = NULL;
    virDomainPtr dom;
    bool schema;
    int before = ctTestCountDomains(conn, 0);
    int filesBefore = countConfigFiles();

    snprintf(in, sizeof(in), "%s/xml-invalid/%s.xml", datadir, name);
    snprintf(errpath, sizeof(errpath), "%s/xml-invalid/%s.err", datadir, name);
    xml = ctTestReadFile(in);
    expect = ctTestReadFile(errpath);
    if (!xml || !expect) {
        ctTestReport(false, "invalid %s: cannot read test data", name);
        goto cleanup;
    }
    expect[strcspn(expect, "\n")] = '\0';

    /* libvirt's schema only when asked for (as libvirt's drivers do):
     * the cases named schema-* need it, no other may */
    schema = strncmp(name, "schema-", 7) == 0;
    if ((dom = virDomainDefineXMLFlags(conn, xml, schema ? VIR_DOMAIN_DEFINE_VALIDATE : 0))) {
        ctTestReport(false, "invalid %s: was accepted", name);
        virDomainUndefine(dom);
        virDomainFree(dom);
        goto cleanup;
    }
    if (!strstr(ctTestLastError(), expect)) {
        ctTestReport(false, "invalid %s: error '%s' does not contain '%s'", name, ctTestLastError(),
                     expect);
        goto cleanup;
    }
    /* a transient container takes the same path to its definition */
    if ((dom = virDomainCreateXML(conn, xml, schema ? VIR_DOMAIN_START_VALIDATE : 0))) {
        ctTestReport(false, "invalid %s: create was accepted", name);
        virDomainDestroy(dom);
        virDomainFree(dom);
        goto cleanup;
    }
    if (!strstr(ctTestLastError(), expect)) {
        ctTestReport(false, "invalid %s: create error '%s' does not contain '%s'", name,
                     ctTestLastError(), expect);
        goto cleanup;
    }
    ctTestReport(ctTestCountDomains(conn, 0) == before && countConfigFiles() == filesBefore,
                 "invalid %s: refused (%s), nothing changed", name, expect);

 cleanup:
    free(xml);
    free(expect);
}

static void
runDataDir(const char *datadir, const char *sub, void (*fn)(const char *, const char *))
{
    char path[512];
    struct dirent **ents = NULL;
    int n, i;

    snprintf(path, sizeof(path), "%s/%s", datadir, sub);
    if ((n = scandir(path, &ents, NULL, alphasort)) < 0) {
        ctTestReport(false, "cannot read %s: %s", path, strerror(errno));
        return;
    }
    for (i = 0; i < n; i++) {
        char *name = ents[i]->d_name;
        size_t len = strlen(name);

        if (len > 4 && strcmp(name + len - 4, ".xml") == 0 &&
            !(len > 8 && strcmp(name + len - 8, ".out.xml") == 0)) {
            name[len - 4] = '\0';
            fn(datadir, name);
        }
        free(ents[i]);
    }
    free(ents);
}

/* A template "busybox" in the embedded root's store (an empty root is
 * enough: defining checks only that the template exists). */
static int
makeTemplate(void)
{
    char path[512];
    FILE *fp;

    snprintf(path, sizeof(path), "mkdir -p '%s/var/lib/ct/templates/busybox/root'", ctTestRoot());
    if (system(path) != 0)
        return -1;
    snprintf(path, sizeof(path), "%s/var/lib/ct/templates/busybox/template.conf", ctTestRoot());
    if (!(fp = fopen(path, "w")))
        return -1;
    fputs("[template]\nsource=test\ncreated=0\nsize=0\nfiles=0\nchecksum=sha256:0\n", fp);
    return fclose(fp);
}

/* A container's layer is recorded at define time and removed at
 * undefine when it holds nothing: none may be left. */
static void
checkNoLayers(void)
{
    char path[512];
    DIR *dir;
    struct dirent *ent;
    int n = 0;

    snprintf(path, sizeof(path), "%s/var/lib/ct/containers", ctTestRoot());
    if ((dir = opendir(path))) {
        while ((ent = readdir(dir)))
            n += ent->d_name[0] != '.';
        closedir(dir);
    }
    ctTestReport(n == 0, "no layer left after undefine (%d)", n);
}

int
main(int argc, char **argv)
{
    const char *datadir = argc > 1 ? argv[1] : "tests/data";

    if (!(conn = ctTestOpenEmbedded()) || makeTemplate() < 0)
        return 1;

    runDataDir(datadir, "xml2xml", testXML2XML);
    runDataDir(datadir, "xml-invalid", testInvalid);
    checkNoLayers();

    ctTestCloseEmbedded(conn);
    return ctTestSummary();
}
