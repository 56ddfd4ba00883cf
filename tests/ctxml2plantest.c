/*
 * ctxml2plantest.c: domain definition -> start plan, against golden files
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * For every tests/data/xml2plan/NAME.xml the plan the driver would hand
 * the supervisor is compared with NAME.plan (regenerate with
 * VIR_TEST_REGENERATE_OUTPUT=1 and review the diff); NAME.err instead of
 * NAME.plan means the start must be refused with that error.
 */

#include <config.h>

#include <dirent.h>

#include "ct_domain.h"
#include "ct_domain_plan.h"
#include "testutils.h"

#include "virerror.h"
#include "virstring.h"

#define VIR_FROM_THIS VIR_FROM_NONE

static virCTDriver driver;

static char *
formatPlan(const ctPlan *plan)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);

    if (!fp)
        return NULL;
    ctPlanFormat(plan, fp);
    fclose(fp);
    return buf;
}

static void
testOne(const char *dir, const char *name, void *opaque G_GNUC_UNUSED)
{
    g_autofree char *in = g_strdup_printf("%s/%s.xml", dir, name);
    g_autofree char *out = g_strdup_printf("%s/%s.plan", dir, name);
    g_autofree char *errpath = g_strdup_printf("%s/%s.err", dir, name);
    g_autofree char *raw = ctTestReadFile(in);
    /* @DATADIR@ stands for this directory, in the XML and in the plan */
    g_autofree char *xml = raw ? virStringReplace(raw, "@DATADIR@", dir) : NULL;
    g_autofree char *expect = NULL;
    g_autofree char *actual = NULL;
    g_autofree char *experr = ctTestReadFile(errpath);
    g_autoptr(virDomainDef) def = NULL;
    g_autoptr(ctPlan) plan = NULL;

    if (!xml || !(def = virDomainDefParseString(xml, driver.xmlopt, NULL, 0))) {
        ctTestReport(false, "xml2plan %s: cannot parse: %s", name, ctTestLastError());
        return;
    }
    /* what the driver would give a new definition: the pool's first range */
    if (virCTDomainUsesIdRange(def) && !virCTDomainGetHostRoot(def, &(uid_t){ 0 }, &(gid_t){ 0 })) {
        virCTDomainNamespaceDef *ns = virCTDomainEnsureNamespaceDef(def);

        ns->idrangeTarget = CT_ID_POOL_START;
        ns->idrangeCount = CT_ID_RANGE_SIZE;
    }
    plan = virCTDomainBuildPlan(driver.config, def);
    if (experr) {
        experr[strcspn(experr, "\n")] = '\0';
        ctTestReport(!plan && strstr(ctTestLastError(), experr), "xml2plan %s: refused (%s)", name,
                     experr);
        return;
    }
    if (!plan) {
        ctTestReport(false, "xml2plan %s: %s", name, ctTestLastError());
        return;
    }
    if ((actual = formatPlan(plan))) {
        char *generic = virStringReplace(actual, dir, "@DATADIR@");

        g_free(actual);
        actual = generic;
    }
    if (getenv("VIR_TEST_REGENERATE_OUTPUT") && actual)
        ctTestWriteFile(out, actual);
    expect = ctTestReadFile(out);
    ctTestReport(actual && expect && STREQ(actual, expect), "xml2plan %s", name);
    if (actual && expect && STRNEQ(actual, expect))
        fprintf(stderr, "--- expected %s\n%s+++ actual\n%s", out, expect, actual);
}

int
main(int argc, char **argv)
{
    g_autofree char *dir = g_strdup_printf("%s/xml2plan", argc > 1 ? argv[1] : "tests/data");
    if (virInitialize() < 0 || virMutexInit(&driver.lock) < 0 ||
        !(driver.config = virCTDriverConfigNew(false, "/ctroot")) ||
        !(driver.caps = virCTDriverCapsInit(driver.config)) ||
        !(driver.xmlopt = virCTDomainXMLConfInit(&driver))) {
        fprintf(stderr, "cannot set up the driver: %s\n", ctTestLastError());
        return 1;
    }
    if (ctTestForEachXML(dir, testOne, NULL) < 0)
        return 1;

    virObjectUnref(driver.xmlopt);
    virObjectUnref(driver.caps);
    virObjectUnref(driver.config);
    virMutexDestroy(&driver.lock);
    return ctTestSummary();
}
