/*
 * ct_criu_image.c: what the daemon changes in CRIU's image files
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A userns-N.img: two magic numbers, then one entry, a 32-bit length and
 * a protobuf "userns_entry" { repeated uid_gid_extent uid_map = 1;
 * repeated uid_gid_extent gid_map = 2 }, each extent { uint32 first = 1;
 * uint32 lower_first = 2; uint32 count = 3 }.
 */

#include <config.h>

#include <sys/stat.h>

#include "ct_criu_image.h"

#include "virerror.h"
#include "virfile.h"
#include "virlog.h"

#define VIR_FROM_THIS VIR_FROM_NONE

VIR_LOG_INIT("ct.ct_criu_image");

#define CT_CRIU_IMAGE_HEAD 8

static bool
readVarint(const unsigned char **at, const unsigned char *end, guint64 *val)
{
    unsigned int shift;

    *val = 0;
    for (shift = 0; shift < 64 && *at < end; shift += 7) {
        unsigned char b = *(*at)++;

        *val |= (guint64)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return true;
    }
    return false;
}

static void
putVarint(GByteArray *out, guint64 val)
{
    do {
        guint8 b = (val & 0x7f) | (val > 0x7f ? 0x80 : 0);

        g_byte_array_append(out, &b, 1);
        val >>= 7;
    } while (val);
}

/* One extent, moved.  Returns 1, or -1 when it cannot be parsed or is
 * not within the range. */
static int
shiftExtent(const unsigned char *msg, size_t len, unsigned int from, unsigned int to,
            unsigned int count, GByteArray *out)
{
    const unsigned char *at = msg;
    const unsigned char *end = msg + len;
    guint64 vals[4] = { 0, 0, 0, 0 };
    bool have[4] = { false, false, false, false };
    guint64 key;
    guint64 lower;
    int i;

    while (at < end) {
        if (!readVarint(&at, end, &key) || (key & 7) != 0 || (key >> 3) < 1 || (key >> 3) > 3 ||
            !readVarint(&at, end, &vals[key >> 3]))
            return -1;
        have[key >> 3] = true;
    }
    if (!have[1] || !have[2] || !have[3] || vals[2] > G_MAXUINT32 || vals[3] > G_MAXUINT32)
        return -1;
    lower = vals[2];
    /* every extent is the container's range: one outside it would map
     * ids the container was never given */
    if (lower < from || lower + vals[3] > (guint64)from + count)
        return -1;
    vals[2] = lower - from + to;
    for (i = 1; i <= 3; i++) {
        putVarint(out, (guint64)(i << 3));
        putVarint(out, vals[i]);
    }
    return 1;
}

int
virCTCriuShiftUsernsImage(const char *what, const unsigned char *in, size_t len, unsigned int from,
                          unsigned int to, unsigned int count, unsigned char **out, size_t *outlen)
{
    g_autoptr(GByteArray) img = g_byte_array_new();
    g_autoptr(GByteArray) entry = g_byte_array_new();
    g_autoptr(GByteArray) ext = g_byte_array_new();
    const unsigned char *at = in + CT_CRIU_IMAGE_HEAD;
    const unsigned char *end = in + len;
    int moved = 0;

    if (len < CT_CRIU_IMAGE_HEAD)
        goto bad;
    g_byte_array_append(img, in, CT_CRIU_IMAGE_HEAD);
    while (at < end) {
        const unsigned char *eend;
        guint32 size;

        if ((size_t)(end - at) < sizeof(size))
            goto bad;
        memcpy(&size, at, sizeof(size));
        at += sizeof(size);
        if (size > (size_t)(end - at))
            goto bad;
        eend = at + size;
        g_byte_array_set_size(entry, 0);
        while (at < eend) {
            guint64 key;
            guint64 n;
            int rc;

            if (!readVarint(&at, eend, &key) || ((key >> 3) != 1 && (key >> 3) != 2) ||
                (key & 7) != 2 || !readVarint(&at, eend, &n) || n > (guint64)(eend - at))
                goto bad;
            g_byte_array_set_size(ext, 0);
            if ((rc = shiftExtent(at, n, from, to, count, ext)) < 0)
                goto bad;
            moved += rc;
            at += n;
            putVarint(entry, key);
            putVarint(entry, ext->len);
            g_byte_array_append(entry, ext->data, ext->len);
        }
        size = entry->len;
        g_byte_array_append(img, (const guint8 *)&size, sizeof(size));
        g_byte_array_append(img, entry->data, entry->len);
    }
    *outlen = img->len;
    *out = g_new(unsigned char, img->len);
    memcpy(*out, img->data, img->len);
    return moved;

 bad:
    virReportError(
        VIR_ERR_OPERATION_FAILED,
        _("cannot move the id maps of '%1$s': not a user namespace image of CRIU, or a map that reaches out of the container's range"),
        what);
    return -1;
}

int
virCTCriuShiftUserns(const char *dir, unsigned int from, unsigned int to, unsigned int count)
{
    g_autoptr(GDir) gdir = NULL;
    g_autoptr(GError) gerr = NULL;
    const char *name;

    if (!(gdir = g_dir_open(dir, 0, &gerr))) {
        virReportError(VIR_ERR_OPERATION_FAILED, _("cannot read '%1$s': %2$s"), dir, gerr->message);
        return -1;
    }
    while ((name = g_dir_read_name(gdir))) {
        g_autofree char *path = NULL;
        g_autofree char *data = NULL;
        g_autofree unsigned char *out = NULL;
        size_t outlen = 0;
        int len;
        int moved;

        if (!g_str_has_prefix(name, "userns-") || !g_str_has_suffix(name, ".img"))
            continue;
        path = g_build_filename(dir, name, NULL);
        if ((len = virFileReadAll(path, 16 * 1024 * 1024, &data)) < 0)
            return -1;
        if ((moved = virCTCriuShiftUsernsImage(path, (unsigned char *)data, len, from, to, count,
                                               &out, &outlen)) < 0)
            return -1;
        VIR_DEBUG("%s: %d extents moved from %u to %u", path, moved, from, to);
        if (g_file_set_contents(path, (const char *)out, outlen, &gerr) == FALSE) {
            virReportError(VIR_ERR_OPERATION_FAILED, _("cannot write '%1$s': %2$s"), path,
                           gerr->message);
            return -1;
        }
        if (chmod(path, 0644) < 0) {
            virReportSystemError(errno, _("cannot open '%1$s' to CRIU"), path);
            return -1;
        }
    }
    return 0;
}
