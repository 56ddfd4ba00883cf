/*
 * ct_save_image.c: the image file of a checkpoint
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include <fcntl.h>
#include <gnutls/crypto.h>
#include <sys/stat.h>

#include "ct_plan.h"
#include "ct_save_image.h"

#include "virerror.h"
#include "virfile.h"
#include "virlog.h"
#include "virrandom.h"
#include "virstring.h"

#define VIR_FROM_THIS VIR_FROM_NONE

VIR_LOG_INIT("ct.ct_save_image");

#define CT_SAVE_MAGIC "LibvirtCTSave"
#define CT_SAVE_VERSION 1
#define CT_SAVE_MAX_XML (16 * 1024 * 1024)
#define CT_SAVE_MAX_META (1024 * 1024)
#define CT_SAVE_MAX_FILE (1ULL << 40)
#define CT_SAVE_MAX_FILES 100000
#define CT_SAVE_BUF (1024 * 1024)
#define CT_SAVE_KEY "image-key"
#define CT_SAVE_KEY_LEN 32
#define CT_SAVE_MAC_LEN 32 /* SHA-256 */

/* ----------------------------------------------------------------- the key */

/* This host's key, made at the first save when @create. */
static int
virCTSaveImageKey(const char *keyDir, bool create, unsigned char *key)
{
    g_autofree char *path = g_strdup_printf("%s/%s", keyDir, CT_SAVE_KEY);
    VIR_AUTOCLOSE fd = -1;

    if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0 && errno == ENOENT && create) {
        g_autofree char *tmp = g_strdup_printf("%s.XXXXXX", path);
        VIR_AUTOCLOSE tfd = -1;

        if (virRandomBytes(key, CT_SAVE_KEY_LEN) < 0)
            return -1;
        if ((tfd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, 0600)) < 0) {
            virReportSystemError(errno, _("cannot create '%1$s'"), tmp);
            return -1;
        }
        if (safewrite(tfd, key, CT_SAVE_KEY_LEN) != CT_SAVE_KEY_LEN || fsync(tfd) < 0 ||
            VIR_CLOSE(tfd) < 0) {
            virReportSystemError(errno, _("cannot write '%1$s'"), tmp);
            unlink(tmp);
            return -1;
        }
        /* a save that made one meanwhile wins: both read the same */
        if (link(tmp, path) < 0 && errno != EEXIST) {
            virReportSystemError(errno, _("cannot create '%1$s'"), path);
            unlink(tmp);
            return -1;
        }
        unlink(tmp);
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    }
    if (fd < 0) {
        if (errno == ENOENT)
            return 0;
        virReportSystemError(errno, _("cannot read '%1$s'"), path);
        return -1;
    }
    if (saferead(fd, key, CT_SAVE_KEY_LEN) != CT_SAVE_KEY_LEN) {
        virReportError(VIR_ERR_INTERNAL_ERROR, _("'%1$s' is not a key"), path);
        return -1;
    }
    return 1;
}

static int
virCTSaveImageMacInit(const char *keyDir, bool create, gnutls_hmac_hd_t *mac)
{
    unsigned char key[CT_SAVE_KEY_LEN];
    int rc;

    *mac = NULL;
    if ((rc = virCTSaveImageKey(keyDir, create, key)) <= 0)
        return rc;
    rc = gnutls_hmac_init(mac, GNUTLS_MAC_SHA256, key, sizeof(key));
    memset(key, 0, sizeof(key));
    if (rc < 0) {
        virReportError(VIR_ERR_INTERNAL_ERROR, _("cannot compute an HMAC: %1$s"),
                       gnutls_strerror(rc));
        return -1;
    }
    return 1;
}

static void
virCTSaveImageMacHex(gnutls_hmac_hd_t mac, char *hex)
{
    unsigned char digest[CT_SAVE_MAC_LEN];
    size_t i;

    gnutls_hmac_output(mac, digest);
    for (i = 0; i < sizeof(digest); i++)
        g_snprintf(hex + 2 * i, 3, "%02x", digest[i]);
}

/* --------------------------------------------------------------- writing */

typedef struct {
    int fd;
    const char *path;
    gnutls_hmac_hd_t mac;
    unsigned long long bytes; /* written so far */
    unsigned long long *progress; /* a job's figure, or NULL */
} virCTSaveWriter;

static int
virCTSaveWrite(virCTSaveWriter *w, const void *buf, size_t len)
{
    if (safewrite(w->fd, buf, len) != (ssize_t)len) {
        virReportSystemError(errno, _("cannot write save image '%1$s'"), w->path);
        return -1;
    }
    if (w->mac)
        gnutls_hmac(w->mac, buf, len);
    w->bytes += len;
    if (w->progress)
        __atomic_store_n(w->progress, w->bytes, __ATOMIC_RELAXED);
    return 0;
}

static int
virCTSaveWriteSection(virCTSaveWriter *w, const char *kind, const char *name, const char *data,
                      size_t len)
{
    g_autofree char *escaped = ctPlanEscape(name);
    g_autofree char *head = g_strdup_printf("%s %s %zu\n", kind, escaped, len);

    if (virCTSaveWrite(w, head, strlen(head)) < 0)
        return -1;
    return virCTSaveWrite(w, data, len);
}

static int
virCTSaveWriteHead(virCTSaveWriter *w, const char *xml, const char *meta)
{
    g_autofree char *head = g_strdup_printf("%s %d\n", CT_SAVE_MAGIC, CT_SAVE_VERSION);

    if (virCTSaveWrite(w, head, strlen(head)) < 0 ||
        virCTSaveWriteSection(w, "xml", "domain", xml, strlen(xml)) < 0 ||
        virCTSaveWriteSection(w, "meta", "restore", meta, strlen(meta)) < 0)
        return -1;
    return 0;
}

/* One file of CRIU's directory, copied in. */
static int
virCTSaveWriteFile(virCTSaveWriter *w, const char *dir, const char *name, char *buf)
{
    g_autofree char *path = g_strdup_printf("%s/%s", dir, name);
    g_autofree char *escaped = ctPlanEscape(name);
    g_autofree char *head = NULL;
    VIR_AUTOCLOSE fd = -1;
    struct stat sb;
    off_t left;

    if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0 || fstat(fd, &sb) < 0) {
        virReportSystemError(errno, _("cannot read checkpoint file '%1$s'"), path);
        return -1;
    }
    head = g_strdup_printf("file %s %lld\n", escaped, (long long)sb.st_size);
    if (virCTSaveWrite(w, head, strlen(head)) < 0)
        return -1;
    for (left = sb.st_size; left > 0;) {
        ssize_t n = saferead(fd, buf, MIN(left, CT_SAVE_BUF));

        if (n <= 0) {
            virReportSystemError(n < 0 ? errno : EIO, _("cannot read checkpoint file '%1$s'"),
                                 path);
            return -1;
        }
        if (virCTSaveWrite(w, buf, n) < 0)
            return -1;
        left -= n;
    }
    return 0;
}

/* The MAC section (its header line is covered, its digits are not) and
 * the end, then synced. */
static int
virCTSaveWriteEnd(virCTSaveWriter *w, bool bypassCache)
{
    char hex[2 * CT_SAVE_MAC_LEN + 1];
    g_autofree char *head = g_strdup_printf("mac hmac-sha256 %d\n", 2 * CT_SAVE_MAC_LEN);
    gnutls_hmac_hd_t mac = w->mac;
    int rc;

    if (virCTSaveWrite(w, head, strlen(head)) < 0)
        return -1;
    virCTSaveImageMacHex(mac, hex);
    w->mac = NULL;
    rc = virCTSaveWrite(w, hex, strlen(hex));
    if (rc == 0)
        rc = virCTSaveWrite(w, "end % 0\n", 8);
    w->mac = mac;
    if (rc < 0)
        return -1;
    if (fsync(w->fd) < 0) {
        virReportSystemError(errno, _("cannot write save image '%1$s'"), w->path);
        return -1;
    }
    if (bypassCache)
        posix_fadvise(w->fd, 0, 0, POSIX_FADV_DONTNEED);
    return 0;
}

int
virCTSaveImageWrite(const char *keyDir, int fd, const char *path, const char *xml, const char *meta,
                    const char *dir, bool bypassCache, unsigned long long *bytes)
{
    virCTSaveWriter w = { .fd = fd, .path = path, .progress = bytes };
    g_autofree char *buf = g_new0(char, CT_SAVE_BUF);
    g_autoptr(GDir) gdir = NULL;
    g_autoptr(GError) gerr = NULL;
    const char *name;
    int ret = -1;

    if (virCTSaveImageMacInit(keyDir, true, &w.mac) <= 0)
        goto cleanup;
    if (!(gdir = g_dir_open(dir, 0, &gerr))) {
        virReportError(VIR_ERR_INTERNAL_ERROR, _("cannot list '%1$s': %2$s"), dir, gerr->message);
        goto cleanup;
    }
    if (virCTSaveWriteHead(&w, xml, meta) < 0)
        goto cleanup;
    while ((name = g_dir_read_name(gdir))) {
        if (name[0] == '.')
            continue;
        if (virCTSaveWriteFile(&w, dir, name, buf) < 0)
            goto cleanup;
    }
    ret = virCTSaveWriteEnd(&w, bypassCache);

 cleanup:
    if (w.mac)
        gnutls_hmac_deinit(w.mac, NULL);
    return ret;
}

/* --------------------------------------------------------------- reading */

struct _virCTSaveImage {
    int fd;
    char *path;
    char *keyDir;
    gnutls_hmac_hd_t mac; /* NULL: this host has no key (never saved) */
};

void
virCTSaveImageClose(virCTSaveImage *img)
{
    if (!img)
        return;
    VIR_FORCE_CLOSE(img->fd);
    if (img->mac)
        gnutls_hmac_deinit(img->mac, NULL);
    g_free(img->path);
    g_free(img->keyDir);
    g_free(img);
}

static int
virCTSaveBadImage(const virCTSaveImage *img, const char *what)
{
    virReportError(VIR_ERR_OPERATION_FAILED,
                   _("'%1$s' is not a container save image of this version: %2$s"), img->path,
                   what);
    return -1;
}

/* @len bytes, into the MAC when @hash. */
static ssize_t
virCTSaveRead(virCTSaveImage *img, void *buf, size_t len, bool hash)
{
    ssize_t n = saferead(img->fd, buf, len);

    if (n < 0)
        virReportSystemError(errno, _("cannot read save image '%1$s'"), img->path);
    else if (n > 0 && hash && img->mac)
        gnutls_hmac(img->mac, buf, n);
    return n;
}

/* One header line (at most @len - 1 bytes), without its newline. */
static int
virCTSaveReadLine(virCTSaveImage *img, char *line, size_t len, bool hash)
{
    size_t i;

    for (i = 0; i + 1 < len; i++) {
        ssize_t n = virCTSaveRead(img, line + i, 1, hash);

        if (n < 0)
            return -1;
        if (n == 0)
            return virCTSaveBadImage(img, _("it ends early"));
        if (line[i] == '\n') {
            line[i] = '\0';
            return 0;
        }
    }
    return virCTSaveBadImage(img, _("a header line is too long"));
}

/* The next section's header: its kind (one of @kinds, NULL-terminated),
 * name and length. */
static int
virCTSaveNextSection(virCTSaveImage *img, const char *const *kinds, bool hash, char **kind,
                     char **name, unsigned long long *len, unsigned long long max)
{
    char line[1024];
    g_auto(GStrv) fields = NULL;

    if (virCTSaveReadLine(img, line, sizeof(line), hash) < 0)
        return -1;
    fields = g_strsplit(line, " ", 0);
    if (g_strv_length(fields) != 3 || virStrToLong_ullp(fields[2], NULL, 10, len) < 0)
        return virCTSaveBadImage(img, _("bad section header"));
    if (!g_strv_contains(kinds, fields[0]))
        return virCTSaveBadImage(img, _("sections out of order"));
    if (*len > max)
        return virCTSaveBadImage(img, _("a section is too large"));
    if (!(*name = ctPlanUnescape(fields[1])))
        return virCTSaveBadImage(img, _("bad section name"));
    *kind = g_strdup(fields[0]);
    return 0;
}

static int
virCTSaveReadText(virCTSaveImage *img, const char *want, unsigned long long max, char **text)
{
    const char *kinds[] = { want, NULL };
    g_autofree char *kind = NULL;
    g_autofree char *name = NULL;
    g_autofree char *buf = NULL;
    unsigned long long len;

    if (virCTSaveNextSection(img, kinds, true, &kind, &name, &len, max) < 0)
        return -1;
    buf = g_new0(char, len + 1);
    if (virCTSaveRead(img, buf, len, true) != (ssize_t)len)
        return virCTSaveBadImage(img, _("it ends early"));
    if (strlen(buf) != len)
        return virCTSaveBadImage(img, _("a text section has a NUL byte"));
    *text = g_steal_pointer(&buf);
    return 0;
}

virCTSaveImage *
virCTSaveImageOpen(const char *keyDir, const char *path, char **xml, char **meta)
{
    g_autoptr(virCTSaveImage) img = g_new0(virCTSaveImage, 1);
    g_autofree char *want = g_strdup_printf("%s %d", CT_SAVE_MAGIC, CT_SAVE_VERSION);
    g_autofree char *text = NULL;
    char line[64];

    img->path = g_strdup(path);
    img->keyDir = g_strdup(keyDir);
    if ((img->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
        virReportSystemError(errno, _("cannot open save image '%1$s'"), path);
        return NULL;
    }
    if (virCTSaveImageMacInit(keyDir, false, &img->mac) < 0)
        return NULL;
    if (virCTSaveReadLine(img, line, sizeof(line), true) < 0)
        return NULL;
    if (STRNEQ(line, want)) {
        virCTSaveBadImage(img, _("no container save header"));
        return NULL;
    }
    if (virCTSaveReadText(img, "xml", CT_SAVE_MAX_XML, xml) < 0)
        return NULL;
    if (virCTSaveReadText(img, "meta", CT_SAVE_MAX_META, &text) < 0)
        return NULL;
    if (meta)
        *meta = g_steal_pointer(&text);
    return g_steal_pointer(&img);
}

/* After the last file: the MAC of everything read so far against the
 * one the image carries, then its end. */
static int
virCTSaveCheckMac(virCTSaveImage *img, unsigned long long len)
{
    char want[2 * CT_SAVE_MAC_LEN + 1];
    char got[2 * CT_SAVE_MAC_LEN + 1] = "";
    char line[64];
    gnutls_hmac_hd_t mac = img->mac;

    img->mac = NULL;
    if (len != 2 * CT_SAVE_MAC_LEN || virCTSaveRead(img, got, len, false) != (ssize_t)len) {
        img->mac = mac;
        return virCTSaveBadImage(img, _("bad MAC"));
    }
    img->mac = mac;
    if (virCTSaveReadLine(img, line, sizeof(line), false) < 0)
        return -1;
    if (STRNEQ(line, "end % 0"))
        return virCTSaveBadImage(img, _("no end after the MAC"));
    if (!mac) {
        virReportError(
            VIR_ERR_OPERATION_FAILED,
            _("save image '%1$s' was not written on this host: this host has saved no container yet, so it has no key to check it with"),
            img->path);
        return -1;
    }
    virCTSaveImageMacHex(mac, want);
    if (memcmp(want, got, sizeof(want) - 1) != 0) {
        virReportError(
            VIR_ERR_OPERATION_FAILED,
            _("save image '%1$s' was not written by this host's libvirt-ct, or was changed since: refusing it"),
            img->path);
        return -1;
    }
    return 0;
}

/* A file name CRIU writes: no path, nothing hidden. */
static bool
virCTSaveNameOK(const char *name)
{
    size_t i;

    if (!*name || name[0] == '.' || strlen(name) > 200)
        return false;
    for (i = 0; name[i]; i++) {
        if (!g_ascii_isalnum(name[i]) && !strchr("._-", name[i]))
            return false;
    }
    return true;
}

/* The files after the header: to files in @dir, or (@dir NULL) through
 * the writer @w; then the MAC checked. */
static int
virCTSaveImageFiles(virCTSaveImage *img, const char *dir, virCTSaveWriter *w)
{
    const char *kinds[] = { "file", "mac", NULL };
    g_autofree char *buf = g_new0(char, CT_SAVE_BUF);
    size_t count = 0;

    for (;;) {
        g_autofree char *kind = NULL;
        g_autofree char *name = NULL;
        g_autofree char *path = NULL;
        g_autofree char *head = NULL;
        unsigned long long len;
        VIR_AUTOCLOSE fd = -1;

        if (virCTSaveNextSection(img, kinds, true, &kind, &name, &len, CT_SAVE_MAX_FILE) < 0)
            return -1;
        if (STREQ(kind, "mac")) {
            if (STRNEQ(name, "hmac-sha256"))
                return virCTSaveBadImage(img, _("unknown MAC"));
            return virCTSaveCheckMac(img, len);
        }
        if (!virCTSaveNameOK(name) || ++count > CT_SAVE_MAX_FILES)
            return virCTSaveBadImage(img, _("bad file name"));
        if (dir) {
            path = g_strdup_printf("%s/%s", dir, name);
            if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644)) < 0 ||
                fchmod(fd, 0644) < 0) {
                virReportSystemError(errno, _("cannot create '%1$s'"), path);
                return -1;
            }
        } else {
            g_autofree char *escaped = ctPlanEscape(name);

            head = g_strdup_printf("file %s %llu\n", escaped, len);
            if (virCTSaveWrite(w, head, strlen(head)) < 0)
                return -1;
        }
        while (len > 0) {
            ssize_t n = virCTSaveRead(img, buf, MIN(len, CT_SAVE_BUF), true);

            if (n < 0)
                return -1;
            if (n == 0)
                return virCTSaveBadImage(img, _("it ends early"));
            if (dir && safewrite(fd, buf, n) != n) {
                virReportSystemError(errno, _("cannot write '%1$s'"), path);
                return -1;
            }
            if (!dir && virCTSaveWrite(w, buf, n) < 0)
                return -1;
            len -= n;
        }
    }
}

int
virCTSaveImageExtract(virCTSaveImage *img, const char *dir)
{
    return virCTSaveImageFiles(img, dir, NULL);
}

int
virCTSaveImageRewrite(virCTSaveImage *img, int fd, const char *path, const char *xml,
                      const char *meta)
{
    virCTSaveWriter w = { .fd = fd, .path = path };
    int ret = -1;

    if (!img->mac) {
        virReportError(
            VIR_ERR_OPERATION_FAILED,
            _("save image '%1$s' was not written on this host: this host has saved no container yet, so it has no key to check it with"),
            img->path);
        return -1;
    }
    if (virCTSaveImageMacInit(img->keyDir, false, &w.mac) <= 0)
        return -1;
    if (virCTSaveWriteHead(&w, xml, meta) < 0 || virCTSaveImageFiles(img, NULL, &w) < 0)
        goto cleanup;
    ret = virCTSaveWriteEnd(&w, false);

 cleanup:
    if (w.mac)
        gnutls_hmac_deinit(w.mac, NULL);
    return ret;
}
