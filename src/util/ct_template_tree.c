/*
 * ct_template_tree.c: the size, file count and checksum of a root tree
 * (a template's, a layer's), for virt-ct-template and the daemon
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "ct_template.h"
#include "ct_template_priv.h"
#include "virerror.h"
#include "virfile.h"
#include "virstring.h"

#define VIR_FROM_THIS VIR_FROM_NONE

/* The tree walk behind the checksum: entries in byte order of their
 * names, each hashed as one line of type, path, mode, owner, extended
 * attributes and content (regular files), target (symlinks) or device
 * number, so two trees match only when everything a container sees does. */
typedef struct {
    GChecksum *sum;
    GHashTable *seen; /* "dev:ino" of hard-linked files counted once */
    unsigned long long files;
    unsigned long long size; /* bytes allocated */
    unsigned long long bytes; /* bytes read */
    virCTTreeProgress progress;
    void *opaque;
    gint64 lastProgress;
    bool portable; /* no sizes of directories (they depend on the file system) */
} virCTTreeWalk;

static int
virCTTreeHashXattrs(virCTTreeWalk *walk, const char *path)
{
    g_autofree char *names = NULL;
    g_auto(GStrv) sorted = NULL;
    ssize_t len = llistxattr(path, NULL, 0);
    g_autoptr(GPtrArray) list = g_ptr_array_new();
    ssize_t off;
    size_t i;

    if (len <= 0)
        return 0;
    names = g_new0(char, len + 1);
    if ((len = llistxattr(path, names, len)) < 0) {
        virReportSystemError(errno, _("cannot list extended attributes of '%1$s'"), path);
        return -1;
    }
    for (off = 0; off < len; off += strlen(names + off) + 1)
        g_ptr_array_add(list, names + off);
    g_ptr_array_sort(list, virCTStoreCompareNames);
    for (i = 0; i < list->len; i++) {
        const char *name = g_ptr_array_index(list, i);
        char value[4096];
        ssize_t vlen = lgetxattr(path, name, value, sizeof(value));

        if (vlen < 0)
            vlen = 0;
        g_checksum_update(walk->sum, (const guchar *)name, strlen(name) + 1);
        g_checksum_update(walk->sum, (const guchar *)value, vlen);
    }
    return 0;
}

#define CT_TREE_BLOCK (64 * 1024)

static bool
virCTTreeIsZero(const guchar *buf, size_t len)
{
    return len == 0 || (buf[0] == 0 && memcmp(buf, buf + 1, len - 1) == 0);
}

/* The portable content hash of a file: its blocks of CT_TREE_BLOCK bytes
 * that are not all zeros, with their offsets, so that where the file
 * system keeps holes (a sparse disk image of GiBs) does not matter, and
 * holes are not read. */
static int
virCTTreeHashSparse(virCTTreeWalk *walk, int fd, gnutls_hash_hd_t content, const char *path)
{
    g_autofree guchar *buf = g_new(guchar, CT_TREE_BLOCK);
    off_t next = 0; /* blocks below are done */
    off_t data = 0;
    off_t hole;
    ssize_t n;

    while ((data = lseek(fd, MAX(data, next), SEEK_DATA)) >= 0) {
        if ((hole = lseek(fd, data, SEEK_HOLE)) < 0)
            break;
        n = 1;
        for (data = MAX(data - data % CT_TREE_BLOCK, next); data < hole; data += n) {
            g_autofree char *where = NULL;

            if ((n = pread(fd, buf, CT_TREE_BLOCK, data)) <= 0)
                break;
            walk->bytes += n;
            if (virCTTreeIsZero(buf, n))
                continue;
            where = g_strdup_printf("%lld:%zd:", (long long)data, n);
            gnutls_hash(content, where, strlen(where));
            gnutls_hash(content, buf, n);
        }
        if (n < 0)
            break;
        next = data;
        if (n == 0)
            return 0;
    }
    if (errno == ENXIO)
        return 0;
    virReportSystemError(errno, _("cannot read '%1$s'"), path);
    return -1;
}

static int
virCTTreeHashContent(virCTTreeWalk *walk, int dirfd, const char *name, const char *path)
{
    VIR_AUTOCLOSE fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
    g_autofree guchar *buf = g_new(guchar, 256 * 1024);
    gnutls_hash_hd_t content = NULL;
    unsigned char digest[32];
    char hex[sizeof(digest) * 2 + 1];
    ssize_t n = 0;
    size_t i;
    int rc;

    if (fd < 0) {
        virReportSystemError(errno, _("cannot open '%1$s'"), path);
        return -1;
    }
    /* gnutls' SHA-256 uses the CPU's instructions for it: a few times
     * faster than GChecksum's (the same sums) */
    if ((rc = gnutls_hash_init(&content, GNUTLS_DIG_SHA256)) < 0) {
        virReportError(VIR_ERR_INTERNAL_ERROR, _("cannot hash: %1$s"), gnutls_strerror(rc));
        return -1;
    }
    if (walk->portable) {
        rc = virCTTreeHashSparse(walk, fd, content, path);
    } else {
        while ((n = read(fd, buf, 256 * 1024)) > 0) {
            gnutls_hash(content, buf, n);
            walk->bytes += n;
        }
        if ((rc = n < 0 ? -1 : 0) < 0)
            virReportSystemError(errno, _("cannot read '%1$s'"), path);
    }
    gnutls_hash_deinit(content, digest);
    if (rc < 0)
        return -1;
    for (i = 0; i < sizeof(digest); i++)
        g_snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    g_checksum_update(walk->sum, (const guchar *)hex, 64);
    return 0;
}

static void
virCTTreeProgressMaybe(virCTTreeWalk *walk)
{
    gint64 now;

    if (!walk->progress)
        return;
    now = g_get_monotonic_time();
    if (now - walk->lastProgress < G_USEC_PER_SEC / 5)
        return;
    walk->lastProgress = now;
    walk->progress(walk->files, walk->bytes, walk->opaque);
}

static int virCTTreeWalkDir(virCTTreeWalk *walk, int dirfd, const char *path, const char *rel);

static int
virCTTreeWalkEntry(virCTTreeWalk *walk, int dirfd, const char *name, const char *dirpath,
                   const char *dirrel)
{
    g_autofree char *path = g_strdup_printf("%s/%s", dirpath, name);
    g_autofree char *rel = g_strdup_printf("%s/%s", dirrel, name);
    g_autofree char *line = NULL;
    g_autofree char *key = NULL;
    struct stat sb;

    if (fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0) {
        virReportSystemError(errno, _("cannot stat '%1$s'"), path);
        return -1;
    }
    walk->files++;
    key =
        g_strdup_printf("%llu:%llu", (unsigned long long)sb.st_dev, (unsigned long long)sb.st_ino);
    if (S_ISDIR(sb.st_mode) || g_hash_table_add(walk->seen, g_steal_pointer(&key)))
        walk->size += (unsigned long long)sb.st_blocks * 512;
    line =
        g_strdup_printf("%o %s %o %u %u %llu", (unsigned)(sb.st_mode & S_IFMT), rel,
                        (unsigned)(sb.st_mode & 07777), (unsigned)sb.st_uid, (unsigned)sb.st_gid,
                        S_ISCHR(sb.st_mode) || S_ISBLK(sb.st_mode) ? (unsigned long long)sb.st_rdev
                        : S_ISDIR(sb.st_mode) && walk->portable    ? 0ULL
                                                                : (unsigned long long)sb.st_size);
    g_checksum_update(walk->sum, (const guchar *)line, strlen(line) + 1);
    if (virCTTreeHashXattrs(walk, path) < 0)
        return -1;
    virCTTreeProgressMaybe(walk);

    if (S_ISREG(sb.st_mode))
        return virCTTreeHashContent(walk, dirfd, name, path);
    if (S_ISLNK(sb.st_mode)) {
        g_autofree char *target = NULL;

        if (!(target = g_file_read_link(path, NULL))) {
            virReportSystemError(errno, _("cannot read link '%1$s'"), path);
            return -1;
        }
        g_checksum_update(walk->sum, (const guchar *)target, strlen(target) + 1);
        return 0;
    }
    if (S_ISDIR(sb.st_mode)) {
        VIR_AUTOCLOSE fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

        if (fd < 0) {
            virReportSystemError(errno, _("cannot open '%1$s'"), path);
            return -1;
        }
        return virCTTreeWalkDir(walk, fd, path, rel);
    }
    return 0;
}

static int
virCTTreeWalkDir(virCTTreeWalk *walk, int dirfd, const char *path, const char *rel)
{
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    struct dirent *ent;
    DIR *dh = virCTStoreOpenDirAt(dirfd, path);
    size_t i;

    if (!dh)
        return -1;
    while ((errno = 0, ent = readdir(dh))) {
        if (STRNEQ(ent->d_name, ".") && STRNEQ(ent->d_name, ".."))
            g_ptr_array_add(names, g_strdup(ent->d_name));
    }
    closedir(dh);
    g_ptr_array_sort(names, virCTStoreCompareNames);
    for (i = 0; i < names->len; i++) {
        if (virCTTreeWalkEntry(walk, dirfd, g_ptr_array_index(names, i), path, rel) < 0)
            return -1;
    }
    return 0;
}

static int
virCTTreeScan(const char *root, virCTTemplate *tmpl, virCTTreeProgress progress, void *opaque,
              bool portable)
{
    g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
    g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    virCTTreeWalk walk = { sum, seen, 0, 0, 0, progress, opaque, 0, portable };
    VIR_AUTOCLOSE fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    g_autofree char *line = NULL;
    struct stat sb;

    if (fd < 0 || fstat(fd, &sb) < 0) {
        virReportSystemError(errno, _("cannot open '%1$s'"), root);
        return -1;
    }
    /* the root itself: its mode and owner are what "/" gets */
    walk.size = (unsigned long long)sb.st_blocks * 512;
    line = g_strdup_printf("/ %o %u %u", (unsigned)(sb.st_mode & 07777), (unsigned)sb.st_uid,
                           (unsigned)sb.st_gid);
    g_checksum_update(sum, (const guchar *)line, strlen(line) + 1);
    if (virCTTreeWalkDir(&walk, fd, root, "") < 0)
        return -1;
    if (progress)
        progress(walk.files, walk.bytes, opaque);
    tmpl->size = walk.size;
    tmpl->files = walk.files;
    g_free(tmpl->checksum);
    tmpl->checksum = g_strdup_printf("sha256:%s", g_checksum_get_string(sum));
    return 0;
}

int
virCTTemplateScan(const char *root, virCTTemplate *tmpl, virCTTreeProgress progress, void *opaque)
{
    /* the sizes of directories stay in: every recorded checksum has them */
    return virCTTreeScan(root, tmpl, progress, opaque, false);
}

int
virCTTreeChecksum(const char *root, char **checksum)
{
    g_autoptr(virCTTemplate) tmpl = g_new0(virCTTemplate, 1);

    if (virCTTreeScan(root, tmpl, NULL, NULL, true) < 0)
        return -1;
    *checksum = g_steal_pointer(&tmpl->checksum);
    return 0;
}
