/*
 * ct_flatten.c: a container's view (its template and its layer) as one
 * new directory tree
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "ct_flatten.h"
#include "ct_template.h"
#include "virerror.h"
#include "virfile.h"
#include "virstring.h"

#define VIR_FROM_THIS VIR_FROM_NONE

typedef struct {
    virCTFlattenStats *stats;
    GHashTable *links; /* "dev:ino" of a hard-linked file of the layer -> its copy */
} virCTFlattenJob;

/* The names in @dir but "." and "..". */
static GPtrArray *
virCTFlattenReadDir(const char *dir)
{
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(DIR) dh = NULL;
    struct dirent *ent;
    int rc;

    if (virDirOpen(&dh, dir) < 0)
        return NULL;
    while ((rc = virDirRead(dh, &ent, dir)) > 0)
        g_ptr_array_add(names, g_strdup(ent->d_name));
    if (rc < 0)
        return NULL;
    return g_steal_pointer(&names);
}

/* @dst: a new directory whose entries are hard links to those of @lower
 * (directories made anew, as links to them cannot be). */
static int
virCTFlattenLinkTree(virCTFlattenJob *job, const char *lower, const char *dst)
{
    g_autoptr(GPtrArray) names = NULL;
    struct stat sb;
    size_t i;

    if (lstat(lower, &sb) < 0) {
        virReportSystemError(errno, _("cannot stat '%1$s'"), lower);
        return -1;
    }
    if (mkdir(dst, 0700) < 0) {
        virReportSystemError(errno, _("cannot create '%1$s'"), dst);
        return -1;
    }
    if (!(names = virCTFlattenReadDir(lower)))
        return -1;
    for (i = 0; i < names->len; i++) {
        const char *name = g_ptr_array_index(names, i);
        g_autofree char *from = g_build_filename(lower, name, NULL);
        g_autofree char *to = g_build_filename(dst, name, NULL);
        struct stat csb;

        if (lstat(from, &csb) < 0) {
            virReportSystemError(errno, _("cannot stat '%1$s'"), from);
            return -1;
        }
        if (S_ISDIR(csb.st_mode)) {
            if (virCTFlattenLinkTree(job, from, to) < 0)
                return -1;
            continue;
        }
        /* linkat without AT_SYMLINK_FOLLOW links a symlink itself */
        if (linkat(AT_FDCWD, from, AT_FDCWD, to, 0) < 0) {
            virReportSystemError(errno, _("cannot link '%1$s' to '%2$s'"), to, from);
            return -1;
        }
        job->stats->linked++;
    }
    /* last: making the entries changed the directory's times */
    return virCTCopyMetadata(lower, dst, &sb, true);
}

/* A new @dst like the layer's non-directory @from (lstat @sb). */
static int
virCTFlattenCopyEntry(virCTFlattenJob *job, const char *from, const char *dst,
                      const struct stat *sb)
{
    g_autofree char *key = NULL;
    const char *first;

    if (S_ISREG(sb->st_mode)) {
        if (sb->st_nlink > 1) {
            key = g_strdup_printf("%llu:%llu", (unsigned long long)sb->st_dev,
                                  (unsigned long long)sb->st_ino);
            if ((first = g_hash_table_lookup(job->links, key))) {
                if (link(first, dst) < 0) {
                    virReportSystemError(errno, _("cannot link '%1$s' to '%2$s'"), dst, first);
                    return -1;
                }
                return 0;
            }
        }
        if (virCTCopyFile(from, dst, true, &job->stats->copy) < 0)
            return -1;
        if (key)
            g_hash_table_insert(job->links, g_steal_pointer(&key), g_strdup(dst));
        return 0;
    }
    if (S_ISLNK(sb->st_mode)) {
        g_autofree char *target = g_file_read_link(from, NULL);

        if (!target || symlink(target, dst) < 0) {
            virReportSystemError(errno, _("cannot copy the symlink '%1$s'"), from);
            return -1;
        }
    } else if (mknod(dst, sb->st_mode, sb->st_rdev) < 0) {
        virReportSystemError(errno, _("cannot create '%1$s'"), dst);
        return -1;
    }
    return virCTCopyMetadata(from, dst, sb, true);
}

/* What the driver's overlay never makes: refused rather than misread. */
static int
virCTFlattenCheckSupported(const char *path)
{
    const char *const attrs[] = { "redirect", "metacopy" };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(attrs); i++) {
        g_autofree char *value = virCTCopyGetOverlayXattr(path, attrs[i]);

        if (value) {
            virReportError(
                VIR_ERR_OPERATION_UNSUPPORTED,
                _("'%1$s' carries the overlay attribute '%2$s', which templates made from containers do not support"),
                path, attrs[i]);
            return -1;
        }
    }
    return 0;
}

static int virCTFlattenApply(virCTFlattenJob *job, const char *upper, const char *dst);

/* Lays the layer's entry @from (lstat @sb) over @dst. */
static int
virCTFlattenApplyEntry(virCTFlattenJob *job, const char *from, const char *dst,
                       const struct stat *sb)
{
    struct stat dsb;
    bool exists = lstat(dst, &dsb) == 0;
    g_autofree char *opaque = NULL;

    if (S_ISCHR(sb->st_mode) && sb->st_rdev == makedev(0, 0)) {
        /* a whiteout: the name is deleted */
        job->stats->whiteouts++;
        return exists ? virCTStoreDeleteTree(dst) : 0;
    }
    if (virCTFlattenCheckSupported(from) < 0)
        return -1;
    if (!S_ISDIR(sb->st_mode)) {
        if (exists && virCTStoreDeleteTree(dst) < 0)
            return -1;
        return virCTFlattenCopyEntry(job, from, dst, sb);
    }
    opaque = virCTCopyGetOverlayXattr(from, "opaque");
    if (exists && (!S_ISDIR(dsb.st_mode) || STREQ_NULLABLE(opaque, "y"))) {
        if (S_ISDIR(dsb.st_mode))
            job->stats->opaque++;
        if (virCTStoreDeleteTree(dst) < 0)
            return -1;
        exists = false;
    }
    if (!exists && mkdir(dst, 0700) < 0) {
        virReportSystemError(errno, _("cannot create '%1$s'"), dst);
        return -1;
    }
    if (virCTFlattenApply(job, from, dst) < 0)
        return -1;
    return virCTCopyMetadata(from, dst, sb, true);
}

static int
virCTFlattenApply(virCTFlattenJob *job, const char *upper, const char *dst)
{
    g_autoptr(GPtrArray) names = virCTFlattenReadDir(upper);
    size_t i;

    if (!names)
        return -1;
    for (i = 0; i < names->len; i++) {
        const char *name = g_ptr_array_index(names, i);
        g_autofree char *from = g_build_filename(upper, name, NULL);
        g_autofree char *to = g_build_filename(dst, name, NULL);
        struct stat sb;

        if (lstat(from, &sb) < 0) {
            virReportSystemError(errno, _("cannot stat '%1$s'"), from);
            return -1;
        }
        if (virCTFlattenApplyEntry(job, from, to, &sb) < 0)
            return -1;
    }
    return 0;
}

int
virCTFlatten(const char *lower, const char *upper, const char *dst, virCTFlattenStats *stats)
{
    g_autoptr(GHashTable) links = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    virCTFlattenJob job = { stats, links };
    struct stat sb;

    memset(stats, 0, sizeof(*stats));
    if (virCTFlattenLinkTree(&job, lower, dst) < 0)
        return -1;
    if (!upper)
        return 0;
    if (lstat(upper, &sb) < 0) {
        virReportSystemError(errno, _("cannot stat '%1$s'"), upper);
        return -1;
    }
    /* the overlay shows the upper directory's owner and mode as "/" */
    if (virCTFlattenApply(&job, upper, dst) < 0)
        return -1;
    return virCTCopyMetadata(upper, dst, &sb, true);
}
