/*
 * cttemplatetest.c: the template store, without root
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Names, template metadata and checksums, layer records, and the sweep of
 * what interrupted creates leave, on a store in a temporary directory.
 */

#include <config.h>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ct_template.h"
#include "testutils.h"
#include "virerror.h"
#include "virfile.h"

static void
testNames(void)
{
    const char *good[] = {
        "busybox", "debian-12",
        "a",       "bookworm_minbase",
        "v1.2",    "0123456789012345678901234567890123456789012345678901234567890123"
    };
    const char *bad[] = {
        "",    "../x",
        "a:b", "a,b",
        "a/b", ".hidden",
        "-x",  "a b",
        "a=b", "a\\b",
        "ä",   "..",
        ".",   "01234567890123456789012345678901234567890123456789012345678901234"
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(good); i++)
        ctTestReport(virCTTemplateCheckName("template", good[i]) == 0, "name '%s' accepted",
                     good[i]);
    for (i = 0; i < G_N_ELEMENTS(bad); i++) {
        bool refused = virCTTemplateCheckName("template", bad[i]) < 0;

        ctTestReport(refused && strstr(virGetLastErrorMessage(), "template name"),
                     "name '%s' refused (%s)", bad[i], virGetLastErrorMessage());
        virResetLastError();
    }
}

static int
writeTree(const char *root)
{
    g_autofree char *dir = g_strdup_printf("%s/etc", root);
    g_autofree char *file = g_strdup_printf("%s/etc/hostname", root);
    g_autofree char *link = g_strdup_printf("%s/init", root);

    if (g_mkdir_with_parents(dir, 0755) < 0 || virFileWriteStr(file, "ct\n", 0644) < 0 ||
        symlink("/bin/busybox", link) < 0)
        return -1;
    return 0;
}

static void
testMetadataAndChecksum(virCTStore *store)
{
    g_autofree char *dir = virCTTemplatePath(store, "t1");
    g_autofree char *root = virCTTemplateRootPath(store, "t1");
    g_autofree char *file = g_strdup_printf("%s/etc/hostname", root);
    g_autoptr(virCTTemplate) tmpl = g_new0(virCTTemplate, 1);
    g_autoptr(virCTTemplate) loaded = NULL;
    g_autoptr(virCTTemplate) again = g_new0(virCTTemplate, 1);
    g_autoptr(virCTTemplate) changed = g_new0(virCTTemplate, 1);
    g_autoptr(virCTTemplate) chmodded = g_new0(virCTTemplate, 1);
    g_auto(GStrv) names = NULL;
    int rc;

    if (writeTree(root) < 0) {
        ctTestReport(false, "template tree written");
        return;
    }
    tmpl->source = g_strdup("dir: /nowhere, with spaces = and ;");
    tmpl->created = 1700000000;
    rc = virCTTemplateScan(root, tmpl, NULL, NULL);
    ctTestReport(rc == 0 && tmpl->files == 3 && g_str_has_prefix(tmpl->checksum, "sha256:") &&
                     tmpl->size > 0,
                 "scan: %llu files, %llu bytes, %s", tmpl->files, tmpl->size,
                 NULLSTR(tmpl->checksum));
    ctTestReport(virCTTemplateSave(dir, tmpl) == 0 &&
                     virCTTemplateLoad(store, "t1", &loaded) == 0 &&
                     STREQ(loaded->source, tmpl->source) && loaded->created == tmpl->created &&
                     loaded->files == tmpl->files && loaded->size == tmpl->size &&
                     STREQ(loaded->checksum, tmpl->checksum),
                 "metadata survives save and load");
    ctTestReport(virCTTemplateScan(root, again, NULL, NULL) == 0 &&
                     STREQ(again->checksum, tmpl->checksum),
                 "checksum is stable");
    ignore_value(virFileWriteStr(file, "cu\n", 0644));
    ctTestReport(virCTTemplateScan(root, changed, NULL, NULL) == 0 &&
                     STRNEQ(changed->checksum, tmpl->checksum),
                 "checksum sees a changed byte");
    ignore_value(virFileWriteStr(file, "ct\n", 0644));
    ignore_value(chmod(file, 0600));
    ctTestReport(virCTTemplateScan(root, chmodded, NULL, NULL) == 0 &&
                     STRNEQ(chmodded->checksum, tmpl->checksum),
                 "checksum sees a changed mode");
    ctTestReport(virCTTemplateList(store, &names) == 1 && STREQ(names[0], "t1"),
                 "list shows the template");
    ctTestReport(virCTTemplateLoad(store, "nosuch", &loaded) < 0 &&
                     strstr(virGetLastErrorMessage(), "template 'nosuch' does not exist"),
                 "an unknown template is a clear error");
    virResetLastError();
}

static void
testSweep(virCTStore *store)
{
    g_autofree char *dead = g_strdup_printf("%s/.creating.x.999999999", store->templateDir);
    g_autofree char *live = virCTTemplateStagingPath(store, "y", false);
    g_autofree char *deadRoot = g_strdup_printf("%s/root/etc", dead);
    g_auto(GStrv) names = NULL;

    ignore_value(g_mkdir_with_parents(deadRoot, 0755));
    ignore_value(g_mkdir_with_parents(live, 0755));
    virCTTemplateSweep(store);
    ctTestReport(!virFileExists(dead) && virFileExists(live),
                 "sweep removes what a dead create left, not a running one's");
    ctTestReport(virCTTemplateList(store, &names) == 1, "templates being made are invisible");
    rmdir(live);
}

static bool
pathIs(const char *got, const char *base, const char *rest)
{
    g_autofree char *want = g_strdup_printf("%s/%s", base, rest);

    if (got && STREQ(got, want))
        return true;
    fprintf(stderr, "got '%s', want '%s'\n", NULLSTR(got), want);
    return false;
}

/* The one place that spells a layer's paths: without and with a disk. */
static void
testLayerPaths(virCTStore *store)
{
    g_autoptr(virCTLayerPaths) dir = virCTLayerPathsNew(store, "c1", "t1", false);
    g_autoptr(virCTLayerPaths) disk = virCTLayerPathsNew(store, "c1", "t1", true);
    g_autoptr(virCTLayerPaths) bare = virCTLayerPathsNew(store, "c2", NULL, false);
    g_autofree char *tmplRoot = virCTTemplateRootPath(store, "t1");
    const char *d = store->dataDir;

    ctTestReport(pathIs(dir->dir, d, "containers/c1") &&
                     pathIs(dir->conf, d, "containers/c1/layer.conf") &&
                     pathIs(dir->image, d, "containers/c1/disk.img") &&
                     pathIs(dir->disk, d, "containers/c1/disk") &&
                     pathIs(dir->overlay, d, "containers/c1") &&
                     pathIs(dir->upper, d, "containers/c1/upper") &&
                     pathIs(dir->work, d, "containers/c1/work") &&
                     pathIs(dir->root, d, "containers/c1/root") &&
                     pathIs(dir->templateRoot, d, "templates/t1/root"),
                 "paths of a layer without a disk");
    ctTestReport(pathIs(disk->dir, d, "containers/c1") &&
                     pathIs(disk->image, d, "containers/c1/disk.img") &&
                     pathIs(disk->disk, d, "containers/c1/disk") &&
                     pathIs(disk->overlay, d, "containers/c1/disk") &&
                     pathIs(disk->upper, d, "containers/c1/disk/upper") &&
                     pathIs(disk->work, d, "containers/c1/disk/work") &&
                     pathIs(disk->root, d, "containers/c1/root") &&
                     pathIs(disk->templateRoot, d, "templates/t1/root"),
                 "paths of a layer on a disk image: upper and work on its mount");
    ctTestReport(pathIs(bare->dir, d, "containers/c2") && !bare->templateRoot,
                 "no template root without a template name");
    ctTestReport(dir->templateRoot && STREQ(dir->templateRoot, tmplRoot),
                 "the template root is the template's own");
}

static void
testLayers(virCTStore *store)
{
    virCTLayer layer = { (char *)"c1", (char *)"c7a5fdbd-edaf-9455-926a-d65c16db1815",
                         (char *)"t1", VIR_CT_LAYER_DEFINED,
                         1700000000,   64 << 20,
                         1000 };
    g_autoptr(virCTLayer) loaded = NULL;
    g_autoptr(virCTLayer) none = NULL;
    virCTLayer **all = NULL;
    g_autoptr(virCTLayerPaths) paths = virCTLayerPathsNew(store, "c1", NULL, false);
    g_autofree char *data = g_strdup_printf("%s/file", paths->upper);
    int n;

    ctTestReport(virCTLayerSave(store, &layer) == 0 && virCTLayerLoad(store, "c1", &loaded) == 1 &&
                     STREQ(loaded->uuid, layer.uuid) && STREQ(loaded->template, "t1") &&
                     loaded->owner == VIR_CT_LAYER_DEFINED && loaded->spaceLimit == 64 << 20 &&
                     loaded->inodes == 1000,
                 "layer record survives save and load");
    ctTestReport(virCTLayerLoad(store, "c2", &none) == 0 && !none, "no layer is not an error");
    ctTestReport(!virCTLayerHasData(store, &layer), "a new layer holds nothing");
    ignore_value(g_mkdir_with_parents(paths->upper, 0755));
    ignore_value(virFileWriteStr(data, "x", 0644));
    ctTestReport(virCTLayerHasData(store, &layer), "a written layer holds data");
    n = virCTLayerList(store, &all);
    ctTestReport(n == 1 && STREQ(all[0]->name, "c1"), "layers are listed");
    virCTLayerListFree(all, n);
    ctTestReport(virCTLayerRemove(store, "c1") == 0 && virCTLayerLoad(store, "c1", &none) == 0,
                 "a layer is removed with its files");
    ctTestReport(virCTLayerRemove(store, "../etc") < 0, "a layer name cannot leave the store");
    virResetLastError();
}

static int
countOpenFds(void)
{
    g_autoptr(DIR) dh = opendir("/proc/self/fd");
    int n = 0;

    while (dh && readdir(dh))
        n++;
    return n;
}

static bool
hasStray(const char *dir)
{
    g_autoptr(DIR) dh = opendir(dir);
    struct dirent *ent;

    while (dh && (ent = readdir(dh))) {
        if (g_str_has_prefix(ent->d_name, ".removing."))
            return true;
    }
    return false;
}

/* A layer as deep as its container likes: walks hold a descriptor per
 * level, so they stop going down at a depth; deleting it still deletes
 * everything. */
static void
testDeepTree(virCTStore *store)
{
    g_autofree char *top = g_strdup_printf("%s/deep", store->containerDir);
    VIR_AUTOCLOSE fd = -1;
    unsigned long long bytes = 0;
    unsigned long long files = 0;
    int fdsBefore;
    size_t i;

    if (g_mkdir_with_parents(top, 0755) < 0 || (fd = open(top, O_RDONLY | O_DIRECTORY)) < 0) {
        ctTestReport(false, "deep tree made");
        return;
    }
    for (i = 0; i < 3000; i++) {
        int next;

        if (mkdirat(fd, "d", 0755) < 0 || (next = openat(fd, "d", O_RDONLY | O_DIRECTORY)) < 0)
            break;
        VIR_FORCE_CLOSE(fd);
        fd = next;
    }
    ctTestReport(i == 3000, "a tree 3000 directories deep made");
    fdsBefore = countOpenFds();
    virCTStoreUsage(top, &bytes, &files);
    ctTestReport(files > 0 && files < 3000 && countOpenFds() == fdsBefore,
                 "its usage walk stops going down (%llu directories counted), nothing left open",
                 files);
    ctTestReport(virCTStoreDeleteTree(top) == 0 && !virFileExists(top) &&
                     countOpenFds() == fdsBefore,
                 "it is deleted whole");
    ctTestReport(!hasStray(store->containerDir), "nothing moved up is left beside it");
}

int
main(void)
{
    g_autofree char *tmp = g_dir_make_tmp("cttemplatetest.XXXXXX", NULL);
    g_autoptr(virCTStore) store = NULL;
    int lock;

    if (!tmp || virErrorInitialize() < 0)
        return 1;
    store = virCTStoreNew(tmp);
    lock = virCTStoreLock(store);
    ctTestReport(lock >= 0, "store lock taken");
    VIR_FORCE_CLOSE(lock);

    testNames();
    testMetadataAndChecksum(store);
    testSweep(store);
    testLayerPaths(store);
    testLayers(store);
    testDeepTree(store);

    ctTestReport(virCTStoreDeleteTree(tmp) == 0 && !virFileExists(tmp), "store deleted");
    return ctTestSummary();
}
