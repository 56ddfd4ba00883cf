/*
 * ctmigratetest.c: the pieces of a migration that need no second host:
 * the data frames and their MACs (ct_migrate_stream.c), the cookie
 * (ct_migrate.c), and the id maps of a checkpoint's user namespace moved
 * to another range (ct_criu_image.c).  No root, no CRIU.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include <unistd.h>

#include "ct_criu_image.h"
#include "ct_migrate_priv.h"
#include "ct_migrate_stream.h"

#include "testutils.h"
#include "virerror.h"
#include "virfile.h"

/* ------------------------------------------------------------ frames */

static const unsigned char key1[CT_MIGRATE_KEY_LEN] = { 1, 2, 3 };
static const unsigned char key2[CT_MIGRATE_KEY_LEN] = { 1, 2, 4 };

/* Three frames written to a pipe, as bytes. */
static GByteArray *
writeFrames(void)
{
    GByteArray *out = g_byte_array_new();
    g_autoptr(virCTMigrateStream) s = NULL;
    char buf[4096];
    int fds[2];
    ssize_t n;

    if (pipe(fds) < 0)
        return out;
    s = virCTMigrateStreamNew(fds[1], key1, 0, NULL);
    if (virCTMigrateStreamWrite(s, CT_MIGRATE_FRAME_HELLO, "0123456789abcdef", 16) < 0 ||
        virCTMigrateStreamWrite(s, CT_MIGRATE_FRAME_LAYER, "layer bytes", 11) < 0 ||
        virCTMigrateStreamWrite(s, CT_MIGRATE_FRAME_END, NULL, 0) < 0)
        ctTestReport(false, "frames written: %s", ctTestLastError());
    close(fds[1]);
    while ((n = read(fds[0], buf, sizeof(buf))) > 0)
        g_byte_array_append(out, (guint8 *)buf, n);
    close(fds[0]);
    return out;
}

/* Reads @bytes back under @key: how many frames came, and the error of
 * the first refused one (or NULL). */
static int
readFrames(const GByteArray *bytes, const unsigned char *key, char **err)
{
    g_autoptr(virCTMigrateStream) s = NULL;
    g_autofree char *buf = g_new(char, CT_MIGRATE_FRAME_MAX);
    g_autofree char *path = g_strdup("/tmp/ctmigratetest.XXXXXX");
    VIR_AUTOCLOSE fd = g_mkstemp(path);
    size_t len;
    char type;
    int n = 0;

    *err = NULL;
    if (fd < 0 || safewrite(fd, bytes->data, bytes->len) != (ssize_t)bytes->len ||
        lseek(fd, 0, SEEK_SET) < 0)
        return -1;
    unlink(path);
    s = virCTMigrateStreamNew(fd, key, 0, NULL);
    while (virCTMigrateStreamRead(s, &type, buf, &len) == 0) {
        n++;
        if (type == CT_MIGRATE_FRAME_END)
            return n;
    }
    *err = g_strdup(ctTestLastError());
    return n;
}

static void
testFrames(void)
{
    g_autoptr(GByteArray) bytes = writeFrames();
    g_autoptr(GByteArray) changed = NULL;
    g_autoptr(GByteArray) swapped = NULL;
    g_autofree char *err = NULL;
    int n;

    ctTestReport(bytes->len == 3 * (5 + 32) + 16 + 11, "frames: %u bytes", bytes->len);
    n = readFrames(bytes, key1, &err);
    ctTestReport(n == 3 && !err, "frames read back under the key (%d, %s)", n, NULLSTR(err));
    g_free(err);

    n = readFrames(bytes, key2, &err);
    ctTestReport(n == 0 && err && strstr(err, "not sent by the source"),
                 "another key: refused at once (%d, %s)", n, NULLSTR(err));
    g_free(err);

    changed = g_byte_array_new();
    g_byte_array_append(changed, bytes->data, bytes->len);
    changed->data[5 + 16 + 32 + 5 + 3] ^= 1; /* in the layer's data */
    n = readFrames(changed, key1, &err);
    ctTestReport(n == 1 && err && strstr(err, "not sent by the source"),
                 "a changed byte: refused (%d, %s)", n, NULLSTR(err));
    g_free(err);

    /* the second frame replayed in the place of the first */
    swapped = g_byte_array_new();
    g_byte_array_append(swapped, bytes->data + 5 + 16 + 32, 5 + 11 + 32);
    n = readFrames(swapped, key1, &err);
    ctTestReport(n == 0 && err && strstr(err, "not sent by the source"),
                 "a frame out of sequence: refused (%d, %s)", n, NULLSTR(err));
    g_free(err);

    g_byte_array_set_size(changed, 0);
    g_byte_array_append(changed, bytes->data, bytes->len - 10);
    n = readFrames(changed, key1, &err);
    ctTestReport(n == 2 && err && strstr(err, "ended early"), "truncated: refused (%d, %s)", n,
                 NULLSTR(err));
    g_free(err);

    g_byte_array_set_size(changed, 0);
    g_byte_array_append(changed, (const guint8 *)"L\xff\xff\xff\xff", 5);
    n = readFrames(changed, key1, &err);
    ctTestReport(n == 0 && err && strstr(err, "a frame of"), "a huge frame: refused (%d, %s)", n,
                 NULLSTR(err));
    g_free(err);
    err = NULL;
}

/* ------------------------------------------------------------ cookie */

static void
testCookie(void)
{
    virCTMigrateCookie c = { 0 };
    virCTMigrateCookie back = { 0 };
    g_autofree char *text = NULL;
    int len = 0;
    size_t i;
    int rc;

    c.hostname = g_strdup("host-a");
    c.hostuuid = g_strdup("c0ffee00-0000-4000-8000-000000000001");
    c.tmpl = g_strdup("busybox");
    c.checksum = g_strdup("sha256:abcd");
    c.hasKey = true;
    for (i = 0; i < CT_MIGRATE_KEY_LEN; i++)
        c.key[i] = i * 7;
    ctTestReport(virCTMigrateCookieFormat(&c, &text, &len) == 0 && len == strlen(text) + 1,
                 "cookie formatted");
    ctTestReport(virCTMigrateCookieParse(text, len, &back) == 0 && back.hasKey &&
                     memcmp(back.key, c.key, sizeof(c.key)) == 0 &&
                     STREQ_NULLABLE(back.tmpl, "busybox") &&
                     STREQ_NULLABLE(back.checksum, "sha256:abcd") &&
                     STREQ_NULLABLE(back.hostuuid, c.hostuuid),
                 "cookie read back");
    virCTMigrateCookieClear(&back);
    ctTestReport(virCTMigrateCookieParse(NULL, 0, &back) == 0 && !back.hasKey && !back.tmpl,
                 "no cookie: nothing known");
    rc = virCTMigrateCookieParse("<qemu-migration/>", 18, &back);
    ctTestReport(rc < 0 && strstr(ctTestLastError(), "not a libvirt-ct one"),
                 "a cookie of another driver refused: %s", ctTestLastError());
    rc = virCTMigrateCookieParse("[ct-migration]\nkey=12zz\n", 25, &back);
    ctTestReport(rc < 0 && strstr(ctTestLastError(), "bad key"), "a bad key refused: %s",
                 ctTestLastError());
    ctTestReport(virCTMigrateCookieParse(text, len - 1, &back) < 0,
                 "a cookie without its NUL refused");
    virCTMigrateCookieClear(&back);
    virCTMigrateCookieClear(&c);
}

/* ------------------------------------------------------ user namespace */

static void
putVarint(GByteArray *b, guint64 v)
{
    do {
        guint8 c = (v & 0x7f) | (v > 0x7f ? 0x80 : 0);

        g_byte_array_append(b, &c, 1);
        v >>= 7;
    } while (v);
}

static void
putExtent(GByteArray *entry, int field, guint32 first, guint32 lower, guint32 count)
{
    g_autoptr(GByteArray) e = g_byte_array_new();

    putVarint(e, 1 << 3);
    putVarint(e, first);
    putVarint(e, 2 << 3);
    putVarint(e, lower);
    putVarint(e, 3 << 3);
    putVarint(e, count);
    putVarint(entry, (field << 3) | 2);
    putVarint(entry, e->len);
    g_byte_array_append(entry, e->data, e->len);
}

static GByteArray *
usernsImage(guint32 lower, guint32 count, guint32 otherLower)
{
    GByteArray *img = g_byte_array_new();
    g_autoptr(GByteArray) entry = g_byte_array_new();
    guint32 magic[2] = { 0x54564319, 0x55474906 };
    guint32 size;

    putExtent(entry, 1, 0, lower, count);
    putExtent(entry, 2, 0, lower, count - 1);
    putExtent(entry, 2, count - 1, otherLower, 1);
    size = entry->len;
    g_byte_array_append(img, (guint8 *)magic, sizeof(magic));
    g_byte_array_append(img, (guint8 *)&size, sizeof(size));
    g_byte_array_append(img, entry->data, entry->len);
    return img;
}

static void
testUserns(void)
{
    g_autoptr(GByteArray) img = usernsImage(1000000000, 65536, 1000065535);
    g_autoptr(GByteArray) want = usernsImage(1000065536, 65536, 1000131071);
    g_autoptr(GByteArray) small = usernsImage(100, 65536, 65635);
    g_autoptr(GByteArray) straddle = usernsImage(999999000, 65536, 1000065535);
    g_autoptr(GByteArray) outside = usernsImage(1000000000, 65536, 5);
    g_autofree unsigned char *out = NULL;
    size_t len = 0;
    int moved;

    moved = virCTCriuShiftUsernsImage("userns-11.img", img->data, img->len, 1000000000, 1000065536,
                                      65536, &out, &len);
    ctTestReport(moved == 3 && len == want->len && memcmp(out, want->data, len) == 0,
                 "uid and gid maps moved to the new range (%d extents)", moved);
    g_clear_pointer(&out, g_free);

    /* a range whose numbers need fewer bytes: lengths are redone */
    moved = virCTCriuShiftUsernsImage("userns-11.img", img->data, img->len, 1000000000, 100, 65536,
                                      &out, &len);
    ctTestReport(moved == 3 && len == small->len && memcmp(out, small->data, len) == 0,
                 "moved to a shorter number: the image shrinks (%zu -> %zu)", (size_t)img->len,
                 len);
    g_clear_pointer(&out, g_free);

    moved = virCTCriuShiftUsernsImage("userns-11.img", straddle->data, straddle->len, 1000000000,
                                      100, 65536, &out, &len);
    ctTestReport(moved < 0 && strstr(ctTestLastError(), "reaches out of the container's range"),
                 "a map reaching out of the range refused: %s", ctTestLastError());
    g_clear_pointer(&out, g_free);

    moved = virCTCriuShiftUsernsImage("userns-11.img", outside->data, outside->len, 1000000000, 100,
                                      65536, &out, &len);
    ctTestReport(moved < 0 && strstr(ctTestLastError(), "reaches out of the container's range"),
                 "an extent mapping host ids outside the range refused: %s", ctTestLastError());
    g_clear_pointer(&out, g_free);

    img->data[10] ^= 0x55;
    moved = virCTCriuShiftUsernsImage("userns-11.img", img->data, img->len, 1000000000, 100, 65536,
                                      &out, &len);
    ctTestReport(moved < 0, "a damaged image refused");
    moved = virCTCriuShiftUsernsImage("userns-11.img", img->data, 6, 1000000000, 100, 65536, &out,
                                      &len);
    ctTestReport(moved < 0, "a short file refused");
}

int
main(void)
{
    if (virErrorInitialize() < 0)
        return 1;
    testFrames();
    testCookie();
    testUserns();
    return ctTestSummary();
}
