/*
 * ctsaveimagetest.c: the checkpoint image file (src/driver/ct_save_image.c)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Writes an image of a small directory, reads it back, and checks what
 * must be refused: a changed byte anywhere, an image of another host's
 * key, a truncated file, a foreign file, a file name with a path.  No
 * root, no CRIU.
 */

#include <config.h>

#include <fcntl.h>
#include <sys/stat.h>

#include "ct_save_image.h"

#include "testutils.h"
#include "virerror.h"
#include "virfile.h"

static char *tmp;

static char *
path(const char *name)
{
    return g_strdup_printf("%s/%s", tmp, name);
}

/* A checkpoint directory with two files and a dot file (never packed). */
static void
makeCheckpoint(const char *dir)
{
    g_autofree char *a = g_strdup_printf("%s/pages-1.img", dir);
    g_autofree char *b = g_strdup_printf("%s/inventory.img", dir);
    g_autofree char *dot = g_strdup_printf("%s/.dumped", dir);

    g_mkdir_with_parents(dir, 0700);
    ctTestWriteFile(a, "page contents\n");
    ctTestWriteFile(b, "inventory\n");
    ctTestWriteFile(dot, "");
}

static int
writeImage(const char *keyDir, const char *file, const char *dir)
{
    unsigned long long bytes = 0;
    VIR_AUTOCLOSE fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0600);

    if (fd < 0)
        return -1;
    return virCTSaveImageWrite(keyDir, fd, file, "<domain/>", "state running\n", dir, false,
                               &bytes);
}

/* Opens and extracts @file into a fresh directory; the error text. */
static char *
extract(const char *keyDir, const char *file, char **xml)
{
    g_autofree char *out = path("out");
    g_autofree char *meta = NULL;
    g_autoptr(virCTSaveImage) img = NULL;

    virFileDeleteTree(out);
    g_mkdir_with_parents(out, 0700);
    virResetLastError();
    if (!(img = virCTSaveImageOpen(keyDir, file, xml, &meta)) ||
        virCTSaveImageExtract(img, out) < 0)
        return g_strdup(virGetLastErrorMessage());
    return NULL;
}

static void
flipByte(const char *file, off_t at)
{
    VIR_AUTOCLOSE fd = open(file, O_RDWR);
    char c;

    if (fd < 0 || pread(fd, &c, 1, at) != 1)
        return;
    c ^= 0x20;
    ignore_value(pwrite(fd, &c, 1, at));
}

static bool
contains(const char *err, const char *want)
{
    if (err && strstr(err, want))
        return true;
    fprintf(stderr, "# error '%s', want '%s'\n", NULLSTR(err), want);
    return false;
}

int
main(void)
{
    g_autofree char *keyDir = NULL;
    g_autofree char *other = NULL;
    g_autofree char *dir = NULL;
    g_autofree char *img = NULL;
    g_autofree char *copy = NULL;
    g_autofree char *text = NULL;
    g_autofree char *err = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *page = NULL;
    g_autofree char *pagePath = NULL;
    g_autofree char *dotPath = NULL;
    g_autofree char *keyFile = NULL;
    struct stat sb;
    size_t i;

    tmp = g_strdup("/tmp/ctsaveimagetest.XXXXXX");
    if (!g_mkdtemp(tmp) || virErrorInitialize() < 0)
        return 1;
    keyDir = path("save");
    other = path("other-host");
    dir = path("checkpoint");
    img = path("image");
    copy = path("copy");
    g_mkdir_with_parents(keyDir, 0700);
    g_mkdir_with_parents(other, 0700);
    makeCheckpoint(dir);

    ctTestReport(writeImage(keyDir, img, dir) == 0, "an image is written");
    keyFile = path("save/image-key");
    ctTestReport(stat(keyFile, &sb) == 0 && (sb.st_mode & 0777) == 0600 && sb.st_size == 32,
                 "the host's key is made at the first save, 0600");
    err = extract(keyDir, img, &xml);
    ctTestReport(!err && xml && STREQ(xml, "<domain/>"), "it is read back with its definition");
    pagePath = path("out/pages-1.img");
    dotPath = path("out/.dumped");
    page = ctTestReadFile(pagePath);
    ctTestReport(page && STREQ(page, "page contents\n") && !virFileExists(dotPath),
                 "its files come back, dot files were not packed");
    g_clear_pointer(&err, g_free);
    g_clear_pointer(&xml, g_free);

    /* a changed byte anywhere before the MAC is refused */
    text = ctTestReadFile(img);
    for (i = 0; text && i < 3; i++) {
        off_t at = (off_t[]){ 16, (off_t)(strstr(text, "page contents") - text), 40 }[i];

        ctTestWriteFile(copy, text);
        flipByte(copy, at);
        err = extract(keyDir, copy, &xml);
        ctTestReport(err && (strstr(err, "was changed since") || strstr(err, "not a container")),
                     "a byte changed at %lld is refused", (long long)at);
        g_clear_pointer(&err, g_free);
        g_clear_pointer(&xml, g_free);
    }

    /* another host's image */
    err = extract(other, img, &xml);
    ctTestReport(contains(err, "has saved no container yet"), "a host without a key refuses it");
    g_clear_pointer(&err, g_free);
    g_clear_pointer(&xml, g_free);
    {
        g_autofree char *otherImg = path("other-image");

        writeImage(other, otherImg, dir);
        err = extract(keyDir, otherImg, &xml);
        ctTestReport(contains(err, "was not written by this host"),
                     "an image of another host's key is refused");
        g_clear_pointer(&err, g_free);
        g_clear_pointer(&xml, g_free);
    }

    /* truncated, foreign, a path in a file name */
    if (text) {
        g_autofree char *half = g_strndup(text, strlen(text) - 80);
        g_autofree char *evil = NULL;

        ctTestWriteFile(copy, half);
        err = extract(keyDir, copy, &xml);
        ctTestReport(contains(err, "it ends early"), "a truncated image is refused");
        g_clear_pointer(&err, g_free);
        g_clear_pointer(&xml, g_free);

        ctTestWriteFile(copy, "not an image\n");
        err = extract(keyDir, copy, &xml);
        ctTestReport(contains(err, "no container save header"), "a foreign file is refused");
        g_clear_pointer(&err, g_free);
        g_clear_pointer(&xml, g_free);

        evil = g_strdup_printf("%.*sfile ..%%2fescape 3\nabc", (int)(strstr(text, "file ") - text),
                               text);
        ctTestWriteFile(copy, evil);
        err = extract(keyDir, copy, &xml);
        ctTestReport(contains(err, "bad file name"), "a file name with a path is refused");
        g_clear_pointer(&err, g_free);
        g_clear_pointer(&xml, g_free);
    }

    /* a new definition, same key */
    {
        g_autoptr(virCTSaveImage) in = virCTSaveImageOpen(keyDir, img, &xml, NULL);
        VIR_AUTOCLOSE fd = open(copy, O_WRONLY | O_CREAT | O_TRUNC, 0600);

        g_clear_pointer(&xml, g_free);
        ctTestReport(
            in && fd >= 0 &&
                virCTSaveImageRewrite(in, fd, copy, "<domain>new</domain>", "state paused\n") == 0,
            "an image is written again with a new definition");
        err = extract(keyDir, copy, &xml);
        ctTestReport(!err && xml && STREQ(xml, "<domain>new</domain>"),
                     "the new image checks out with the new definition");
        g_clear_pointer(&err, g_free);
        g_clear_pointer(&xml, g_free);
    }

    virFileDeleteTree(tmp);
    g_free(tmp);
    return ctTestSummary();
}
