/*
 * ctflattentest.c: copies of layers and templates made from containers,
 * without root
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * virCTFlatten on a small template and layer in a temporary directory:
 * added, changed and deleted files, an opaque directory, hard links, the
 * overlay's attributes left behind, renamed directories refused; sparse
 * copies; the portable checksum of a copied tree.  Whiteouts are device
 * nodes, which only root can make: that part runs as root only.
 */

#include <config.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "ct_copy.h"
#include "ct_flatten.h"
#include "ct_template.h"
#include "testutils.h"
#include "virerror.h"
#include "virfile.h"

static char *
at(const char *dir, const char *rel)
{
    return g_strdup_printf("%s/%s", dir, rel);
}

static bool
put(const char *dir, const char *rel, const char *content)
{
    g_autofree char *path = at(dir, rel);
    g_autofree char *parent = g_path_get_dirname(path);

    return g_mkdir_with_parents(parent, 0755) == 0 && ctTestWriteFile(path, content) == 0;
}

static bool
has(const char *dir, const char *rel, const char *content)
{
    g_autofree char *path = at(dir, rel);
    g_autofree char *got = ctTestReadFile(path);

    return got && STREQ(got, content);
}

static ino_t
inode(const char *dir, const char *rel)
{
    g_autofree char *path = at(dir, rel);
    struct stat sb;

    return lstat(path, &sb) == 0 ? sb.st_ino : 0;
}

static bool
makeLower(const char *lower)
{
    g_autofree char *sh = at(lower, "bin/sh");

    return put(lower, "etc/passwd", "root\n") && put(lower, "etc/group", "root\n") &&
           put(lower, "usr/sbin/a", "a\n") && put(lower, "usr/sbin/b", "b\n") &&
           put(lower, "bin/busybox", "busybox\n") && symlink("busybox", sh) == 0 &&
           put(lower, "moved/x", "x\n");
}

static bool
makeUpper(const char *upper, bool whiteouts)
{
    g_autofree char *sbin = at(upper, "usr/sbin");
    g_autofree char *one = at(upper, "hl/one");
    g_autofree char *two = at(upper, "hl/two");
    g_autofree char *group = at(upper, "etc/group");

    if (!put(upper, "data.txt", "hello\n") || !put(upper, "etc/passwd", "root\nweb\n") ||
        !put(upper, "usr/sbin/only", "only\n") || !put(upper, "hl/one", "linked\n") ||
        link(one, two) < 0 || lsetxattr(sbin, "user.overlay.opaque", "y", 1, 0) < 0 ||
        lsetxattr(one, "user.mine", "kept", 4, 0) < 0 ||
        lsetxattr(one, "user.overlay.origin", "x", 1, 0) < 0)
        return false;
    return !whiteouts || mknod(group, S_IFCHR | 0, makedev(0, 0)) == 0;
}

/* Whether @dir holds exactly the one entry @name. */
static bool
listsOnly(const char *dir, const char *name)
{
    g_autoptr(GDir) gdir = g_dir_open(dir, 0, NULL);
    const char *first = gdir ? g_dir_read_name(gdir) : NULL;

    return first && STREQ(first, name) && !g_dir_read_name(gdir);
}

static void
testFlatten(const char *tmp)
{
    g_autofree char *lower = at(tmp, "lower");
    g_autofree char *upper = at(tmp, "upper");
    g_autofree char *dst = at(tmp, "dst");
    g_autofree char *lowerSum = NULL;
    g_autofree char *after = NULL;
    g_autofree char *one = at(dst, "hl/one");
    g_autofree char *sbin = at(dst, "usr/sbin");
    g_autofree char *group = at(dst, "etc/group");
    virCTFlattenStats stats;
    bool root = geteuid() == 0;
    char value[16] = "";

    ctTestReport(makeLower(lower) && makeUpper(upper, root), "template and layer made");
    ctTestReport(virCTTreeChecksum(lower, &lowerSum) == 0, "checksum of the template");
    ctTestReport(virCTFlatten(lower, upper, dst, &stats) == 0, "flattened (%s)", ctTestLastError());
    ctTestReport(has(dst, "data.txt", "hello\n") && has(dst, "etc/passwd", "root\nweb\n"),
                 "added and changed files are the layer's");
    ctTestReport(inode(dst, "bin/busybox") == inode(lower, "bin/busybox") &&
                     inode(dst, "bin/sh") == inode(lower, "bin/sh") &&
                     inode(dst, "etc/passwd") != inode(lower, "etc/passwd"),
                 "unchanged entries are hard links to the template's, changed ones not");
    ctTestReport(listsOnly(sbin, "only"), "the opaque directory holds the layer's entry only");
    ctTestReport(inode(dst, "hl/one") == inode(dst, "hl/two") &&
                     inode(dst, "hl/one") != inode(upper, "hl/one"),
                 "hard links of the layer stay linked, in a copy");
    ctTestReport(lgetxattr(one, "user.mine", value, sizeof(value)) == 4 &&
                     lgetxattr(one, "user.overlay.origin", value, sizeof(value)) < 0 &&
                     lgetxattr(sbin, "user.overlay.opaque", value, sizeof(value)) < 0,
                 "attributes copied, the overlay's left behind");
    if (root)
        ctTestReport(!virFileExists(group) && stats.whiteouts == 1, "a whiteout deletes");
    else
        ctTestReport(has(dst, "etc/group", "root\n"), "# SKIP whiteouts need root (mknod)");
    ctTestReport(stats.opaque == 1 && stats.copy.files == 4 && stats.linked >= 6,
                 "counted: %llu linked, %llu copied, %llu opaque", stats.linked, stats.copy.files,
                 stats.opaque);
    ctTestReport(virCTTreeChecksum(lower, &after) == 0 && STREQ(after, lowerSum),
                 "the template did not change");
}

/* A renamed directory (overlay.redirect) is refused, not misread. */
static void
testRedirect(const char *tmp)
{
    g_autofree char *lower = at(tmp, "lower");
    g_autofree char *upper = at(tmp, "upper2");
    g_autofree char *dst = at(tmp, "dst2");
    g_autofree char *dir = at(upper, "renamed");
    virCTFlattenStats stats;

    ctTestReport(g_mkdir_with_parents(dir, 0755) == 0 &&
                     lsetxattr(dir, "user.overlay.redirect", "/moved", 6, 0) == 0,
                 "a layer with a renamed directory");
    ctTestReport(virCTFlatten(lower, upper, dst, &stats) < 0 &&
                     strstr(ctTestLastError(), "overlay attribute 'redirect'"),
                 "refused: %s", ctTestLastError());
    virResetLastError();
}

static void
testSparseCopy(const char *tmp)
{
    g_autofree char *from = at(tmp, "sparse");
    g_autofree char *to = at(tmp, "sparse.copy");
    g_autofree char *a = NULL;
    g_autofree char *b = NULL;
    virCTCopyStats stats = { 0 };
    VIR_AUTOCLOSE fd = open(from, O_WRONLY | O_CREAT | O_TRUNC, 0640);
    struct stat sb;

    ctTestReport(fd >= 0 && pwrite(fd, "head", 4, 0) == 4 &&
                     pwrite(fd, "tail", 4, 64 * 1024 * 1024) == 4,
                 "a sparse file of 64 MiB");
    VIR_FORCE_CLOSE(fd);
    ctTestReport(virCTCopyFile(from, to, false, &stats) == 0, "copied (%s)", ctTestLastError());
    memset(&sb, 0, sizeof(sb));
    ignore_value(stat(to, &sb));
    ctTestReport(sb.st_size == 64 * 1024 * 1024 + 4 && sb.st_blocks * 512 < 4 * 1024 * 1024 &&
                     (sb.st_mode & 07777) == 0640,
                 "the copy keeps size, mode and holes (%lld bytes allocated)",
                 (long long)sb.st_blocks * 512);
    ctTestReport(stats.copied + stats.reflinked > 0 && stats.copied < 4 * 1024 * 1024,
                 "only the data was copied (%llu bytes, %llu reflinked)", stats.copied,
                 stats.reflinked);
    ctTestReport(virCTCopyFile(from, to, false, NULL) < 0, "an existing target is refused");
    virResetLastError();
    ctTestReport(virFileReadAll(from, 128 * 1024 * 1024, &a) >= 0 &&
                     virFileReadAll(to, 128 * 1024 * 1024, &b) >= 0 &&
                     memcmp(a, b, 64 * 1024 * 1024 + 4) == 0,
                 "same content");
}

/* Copies @dir/@from to @dir/@to writing every byte (no holes). */
static int
writeZeros(const char *dir, const char *from, const char *to)
{
    g_autofree char *src = at(dir, from);
    g_autofree char *dst = at(dir, to);
    g_autofree char *data = NULL;
    int len;

    if ((len = virFileReadAll(src, 128 * 1024 * 1024, &data)) < 0)
        return -1;
    if (!g_file_set_contents(dst, data, len, NULL))
        return -1;
    return chmod(dst, 0640);
}

/* The archive checksum: the same for a copy, wherever it lands, sparse
 * or not. */
static void
testPortableChecksum(const char *tmp)
{
    g_autofree char *lower = at(tmp, "lower");
    g_autofree char *copy = at(tmp, "lower.copy");
    g_autofree char *big = at(tmp, "lower/big");
    g_autofree char *sparse = at(tmp, "sparse");
    g_autofree char *sp1 = at(tmp, "sp1");
    g_autofree char *sp2 = at(tmp, "sp2");
    g_autofree char *sp1file = at(tmp, "sp1/sparse");
    g_autofree char *one = NULL;
    g_autofree char *two = NULL;
    size_t i;

    /* a directory that held many entries is larger than a fresh one */
    for (i = 0; i < 300; i++) {
        g_autofree char *rel = g_strdup_printf("big/entry-with-a-long-name-%zu", i);

        put(lower, rel, "x");
    }
    for (i = 0; i < 300; i++) {
        g_autofree char *path = g_strdup_printf("%s/entry-with-a-long-name-%zu", big, i);

        unlink(path);
    }
    ctTestReport(virCTCopyTree(lower, copy) == 0, "tree copied (%s)", ctTestLastError());
    ctTestReport(virCTTreeChecksum(lower, &one) == 0 && virCTTreeChecksum(copy, &two) == 0 &&
                     STREQ(one, two),
                 "its checksum is the original's");
    g_clear_pointer(&one, g_free);
    g_clear_pointer(&two, g_free);
    /* the same file with its holes written as zeros */
    ctTestReport(g_mkdir_with_parents(sp1, 0755) == 0 && g_mkdir_with_parents(sp2, 0755) == 0 &&
                     virCTCopyFile(sparse, sp1file, false, NULL) == 0 &&
                     writeZeros(tmp, "sparse", "sp2/sparse") == 0,
                 "a sparse file, and a copy of it without holes");
    ctTestReport(virCTTreeChecksum(sp1, &one) == 0 && virCTTreeChecksum(sp2, &two) == 0 &&
                     STREQ(one, two),
                 "both have the same checksum");
}

int
main(void)
{
    g_autofree char *tmp = g_dir_make_tmp("ctflattentest.XXXXXX", NULL);

    if (!tmp || virErrorInitialize() < 0)
        return 1;
    testFlatten(tmp);
    testRedirect(tmp);
    testSparseCopy(tmp);
    testPortableChecksum(tmp);
    ctTestReport(virCTStoreDeleteTree(tmp) == 0, "cleaned up");
    return ctTestSummary();
}
