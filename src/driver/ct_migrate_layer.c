/*
 * ct_migrate_layer.c: a container's layer sent to another host, twice
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A live migration sends the layer first while the container runs, then,
 * once it is frozen, only what changed: so the downtime does not grow
 * with the layer.  The upper directory goes as GNU tar's incremental
 * dumps (the second holds the files changed since the first began, and
 * every directory's listing, so that what was deleted goes on the
 * destination too); a disk image goes as its data in chunks, the second
 * time only the chunks whose SHA-256 changed (and holes punched where
 * data went), read with the image's file system frozen (FIFREEZE).
 *
 * Frames (ct_migrate_stream.h): K the layer record (layer.conf); L tar
 * data, l the end of one tar; S the image's size; B offset and data; Z
 * offset and length of a hole.
 */

#include <config.h>

#include <fcntl.h>
#include <gnutls/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ct_disk.h"
#include "ct_layer.h"
#include "ct_migrate_priv.h"
#include "ct_template.h"

#include "virerror.h"
#include "virfile.h"
#include "virlog.h"

#define VIR_FROM_THIS VIR_FROM_NONE

VIR_LOG_INIT("ct.ct_migrate_layer");

/* Bytes of the image per chunk: one frame with its offset. */
#define CT_MIGRATE_CHUNK (512 * 1024)
#define CT_MIGRATE_HASH_LEN 32

struct _virCTMigrateLayerOut {
    virCTLayerPaths *paths;
    char *log;
    char *snar; /* tar's record of the first pass */
    bool disk; /* a disk image rather than an upper directory */
    bool sent; /* the first pass is done */
    size_t nchunks;
    unsigned char *hashes; /* nchunks * CT_MIGRATE_HASH_LEN, of what was sent */
    bool *had; /* a chunk was sent as data */
};

struct _virCTMigrateLayerIn {
    virCTLayerPaths *paths;
    const virDomainDef *def;
    virCTDriver *driver;
    char *log;
    virCTMigrateTarSink tar;
    int imageFd;
    unsigned long long imageSize;
};

static void
putU64(unsigned char *p, unsigned long long v)
{
    size_t i;

    for (i = 0; i < 8; i++)
        p[i] = (v >> (56 - 8 * i)) & 0xff;
}

static unsigned long long
getU64(const unsigned char *p)
{
    unsigned long long v = 0;
    size_t i;

    for (i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

/* ---------------------------------------------------------------- out */

virCTMigrateLayerOut *
virCTMigrateLayerOutNew(virCTDriver *driver, const virDomainDef *def)
{
    virCTMigrateLayerOut *l;

    if (!virCTLayerTemplateRoot(def))
        return NULL;
    l = g_new0(virCTMigrateLayerOut, 1);
    l->paths = virCTLayerPathsOf(driver, def);
    l->log = g_strdup_printf("%s/%s.migrate.log", driver->config->logDir, def->name);
    l->snar = g_strdup_printf("%s/%s.migrate.new", driver->config->stateDir, def->name);
    l->disk = virFileExists(l->paths->image);
    unlink(l->snar);
    return l;
}

void
virCTMigrateLayerOutFree(virCTMigrateLayerOut *l)
{
    if (!l)
        return;
    unlink(l->snar);
    virCTLayerPathsFree(l->paths);
    g_free(l->log);
    g_free(l->snar);
    g_free(l->hashes);
    g_free(l->had);
    g_free(l);
}

/* The upper directory, all of it or what changed since the first pass. */
static int
virCTMigrateLayerSendUpper(virCTMigrateLayerOut *l, virCTMigrateStream *s)
{
    const char *members[] = { "upper", NULL };
    g_autoptr(virCommand) tar = NULL;
    VIR_AUTOCLOSE outFd = -1;

    if (!(tar = virCTMigrateTarCreate(l->paths->dir, members, l->snar, l->log, &outFd)))
        return -1;
    if (virCTMigrateStreamWriteFrom(s, CT_MIGRATE_FRAME_LAYER, outFd) < 0) {
        virCommandAbort(tar);
        return -1;
    }
    /* the first pass reads a container that runs: files may go under it */
    if (virCTMigrateTarWaitFull(tar, "read the layer", l->log, !l->sent) < 0)
        return -1;
    return virCTMigrateStreamWrite(s, CT_MIGRATE_FRAME_LAYER_END, NULL, 0);
}

/* One chunk of the image at @off, when it has data: sent unless the
 * destination has it already. */
static int
virCTMigrateLayerSendChunk(virCTMigrateLayerOut *l, virCTMigrateStream *s, int fd, size_t i,
                           unsigned long long off, size_t len, unsigned char *frame)
{
    unsigned char hash[CT_MIGRATE_HASH_LEN];
    off_t data = lseek(fd, off, SEEK_DATA);

    if (data < 0 || (unsigned long long)data >= off + len) {
        if (!l->had[i])
            return 0;
        /* data that became a hole */
        putU64(frame, off);
        putU64(frame + 8, len);
        l->had[i] = false;
        return virCTMigrateStreamWrite(s, CT_MIGRATE_FRAME_HOLE, frame, 16);
    }
    if (pread(fd, frame + 8, len, off) != (ssize_t)len) {
        virReportSystemError(errno ? errno : EIO, _("cannot read '%1$s'"), l->paths->image);
        return -1;
    }
    if (gnutls_hash_fast(GNUTLS_DIG_SHA256, frame + 8, len, hash) < 0) {
        virReportError(VIR_ERR_INTERNAL_ERROR, "%s", _("cannot hash the disk image"));
        return -1;
    }
    if (l->had[i] && memcmp(hash, l->hashes + i * CT_MIGRATE_HASH_LEN, sizeof(hash)) == 0)
        return 0;
    memcpy(l->hashes + i * CT_MIGRATE_HASH_LEN, hash, sizeof(hash));
    l->had[i] = true;
    putU64(frame, off);
    return virCTMigrateStreamWrite(s, CT_MIGRATE_FRAME_BLOCK, frame, 8 + len);
}

/* The disk image: its data, or the chunks that changed since. */
static int
virCTMigrateLayerSendImage(virCTMigrateLayerOut *l, virCTMigrateStream *s)
{
    g_autofree unsigned char *frame = g_new(unsigned char, 8 + CT_MIGRATE_CHUNK);
    VIR_AUTOCLOSE fd = open(l->paths->image, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    size_t n;
    size_t i;

    if (fd < 0 || fstat(fd, &sb) < 0) {
        virReportSystemError(errno, _("cannot read '%1$s'"), l->paths->image);
        return -1;
    }
    n = (sb.st_size + CT_MIGRATE_CHUNK - 1) / CT_MIGRATE_CHUNK;
    if (n != l->nchunks) {
        /* first pass, or grown since (virsh update-device --live) */
        l->hashes = g_renew(unsigned char, l->hashes, n *CT_MIGRATE_HASH_LEN);
        l->had = g_renew(bool, l->had, n);
        for (i = l->nchunks; i < n; i++)
            l->had[i] = false;
        l->nchunks = n;
        putU64(frame, sb.st_size);
        if (virCTMigrateStreamWrite(s, CT_MIGRATE_FRAME_SIZE, frame, 8) < 0)
            return -1;
    }
    for (i = 0; i < n; i++) {
        unsigned long long off = (unsigned long long)i * CT_MIGRATE_CHUNK;
        size_t len = MIN((unsigned long long)CT_MIGRATE_CHUNK, sb.st_size - off);

        if (virCTMigrateLayerSendChunk(l, s, fd, i, off, len, frame) < 0)
            return -1;
    }
    return 0;
}

/* The first pass also sends the layer's record. */
static int
virCTMigrateLayerSendRecord(virCTMigrateLayerOut *l, virCTMigrateStream *s)
{
    g_autofree char *conf = NULL;
    int len;

    if ((len = virFileReadAll(l->paths->conf, 64 * 1024, &conf)) < 0)
        return -1;
    return virCTMigrateStreamWrite(s, CT_MIGRATE_FRAME_RECORD, conf, len);
}

int
virCTMigrateLayerSend(virCTMigrateLayerOut *l, virCTMigrateStream *s)
{
    bool frozen = false;
    int ret = -1;

    if (!l)
        return 0;
    VIR_DEBUG("sending %s of the layer '%s'", l->sent ? "what changed" : "all", l->paths->dir);
    if (!l->sent && virCTMigrateLayerSendRecord(l, s) < 0)
        return -1;
    /* a second pass reads what the container left, its file system
     * quiet; a first pass while it runs is made good by the second */
    if (l->disk && l->sent && virCTDiskIsMounted(l->paths->disk) > 0) {
        if (virCTDiskSetFrozen(l->paths->disk, true) < 0) {
            virReportSystemError(errno, _("cannot freeze the file system of '%1$s'"),
                                 l->paths->image);
            return -1;
        }
        frozen = true;
    }
    ret = l->disk ? virCTMigrateLayerSendImage(l, s) : virCTMigrateLayerSendUpper(l, s);
    if (frozen && virCTDiskSetFrozen(l->paths->disk, false) < 0)
        VIR_WARN("cannot thaw the file system of '%s': %s", l->paths->image, g_strerror(errno));
    l->sent = true;
    return ret;
}

/* ----------------------------------------------------------------- in */

virCTMigrateLayerIn *
virCTMigrateLayerInNew(virCTDriver *driver, const virDomainDef *def, const char *log)
{
    virCTMigrateLayerIn *l;

    if (!virCTLayerTemplateRoot(def))
        return NULL;
    l = g_new0(virCTMigrateLayerIn, 1);
    l->driver = driver;
    l->def = def;
    l->paths = virCTLayerPathsOf(driver, def);
    l->log = g_strdup(log);
    l->tar.fd = -1;
    l->imageFd = -1;
    return l;
}

void
virCTMigrateLayerInFree(virCTMigrateLayerIn *l)
{
    if (!l)
        return;
    virCTMigrateTarSinkAbort(&l->tar);
    VIR_FORCE_CLOSE(l->imageFd);
    virCTLayerPathsFree(l->paths);
    g_free(l->log);
    g_free(l);
}

/* The source's record beside ours, merged into ours (ct_layer.c). */
static int
virCTMigrateLayerInRecord(virCTMigrateLayerIn *l, const char *buf, size_t len)
{
    g_autofree char *incoming =
        g_build_filename(l->paths->dir, CT_MIGRATE_LAYER_CONF_INCOMING, NULL);

    g_autoptr(GError) gerr = NULL;

    if (!g_file_set_contents(incoming, buf, len, &gerr)) {
        virReportError(VIR_ERR_OPERATION_FAILED, _("cannot write '%1$s': %2$s"), incoming,
                       gerr->message);
        return -1;
    }
    return virCTLayerAdoptMigrated(l->driver, l->def, incoming);
}

static int
virCTMigrateLayerInImage(virCTMigrateLayerIn *l, char type, const unsigned char *buf, size_t len)
{
    unsigned long long off;
    unsigned long long n;

    if (type == CT_MIGRATE_FRAME_SIZE && len == 8) {
        if (l->imageFd < 0 &&
            (l->imageFd = open(l->paths->image, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) <
                0) {
            virReportSystemError(errno, _("cannot create '%1$s'"), l->paths->image);
            return -1;
        }
        l->imageSize = getU64(buf);
        if (ftruncate(l->imageFd, l->imageSize) < 0) {
            virReportSystemError(errno, _("cannot size '%1$s'"), l->paths->image);
            return -1;
        }
        return 0;
    }
    if (l->imageFd < 0 || len < 8 || (type == CT_MIGRATE_FRAME_HOLE && len != 16)) {
        virReportError(VIR_ERR_OPERATION_FAILED,
                       _("migration data refused: frame '%1$c' out of place"), type);
        return -1;
    }
    off = getU64(buf);
    n = type == CT_MIGRATE_FRAME_HOLE ? getU64(buf + 8) : len - 8;
    if (off > l->imageSize || n > l->imageSize - off) {
        virReportError(VIR_ERR_OPERATION_FAILED, "%s",
                       _("migration data refused: a chunk out of the disk image"));
        return -1;
    }
    if (type == CT_MIGRATE_FRAME_HOLE &&
        fallocate(l->imageFd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off, n) < 0) {
        virReportSystemError(errno, _("cannot punch a hole in '%1$s'"), l->paths->image);
        return -1;
    }
    while (type == CT_MIGRATE_FRAME_BLOCK && n > 0) {
        ssize_t done = pwrite(l->imageFd, buf + (len - n), n, off);

        if (done < 0 && errno == EINTR)
            continue;
        if (done <= 0) {
            virReportSystemError(done < 0 ? errno : ENOSPC, _("cannot write '%1$s'"),
                                 l->paths->image);
            return -1;
        }
        n -= done;
        off += done;
    }
    /* written back now rather than all at once when the loop device is
     * attached to the image (in the downtime) */
    if (type == CT_MIGRATE_FRAME_BLOCK)
        ignore_value(sync_file_range(l->imageFd, getU64(buf), len - 8, SYNC_FILE_RANGE_WRITE));
    return 0;
}

int
virCTMigrateLayerInFrame(virCTMigrateLayerIn *l, char type, const char *buf, size_t len)
{
    if (!l) {
        virReportError(VIR_ERR_OPERATION_FAILED,
                       _("migration data refused: frame '%1$c' for a container without a layer"),
                       type);
        return -1;
    }
    switch (type) {
    case CT_MIGRATE_FRAME_RECORD:
        return virCTMigrateLayerInRecord(l, buf, len);
    case CT_MIGRATE_FRAME_LAYER:
        if (!l->tar.cmd && virCTMigrateTarSinkStart(&l->tar, l->paths->dir, true, l->log) < 0)
            return -1;
        return virCTMigrateTarSinkWrite(&l->tar, buf, len);
    case CT_MIGRATE_FRAME_LAYER_END:
        return virCTMigrateTarSinkEnd(&l->tar, "unpack the layer", l->log);
    default:
        return virCTMigrateLayerInImage(l, type, (const unsigned char *)buf, len);
    }
}

int
virCTMigrateLayerInFinish(virCTMigrateLayerIn *l)
{
    if (!l)
        return 0;
    if (l->tar.cmd) {
        virReportError(VIR_ERR_OPERATION_FAILED, "%s",
                       _("migration data refused: the layer ends in the middle"));
        return -1;
    }
    if (l->imageFd >= 0 && (fsync(l->imageFd) < 0 || VIR_CLOSE(l->imageFd) < 0)) {
        virReportSystemError(errno, _("cannot write '%1$s'"), l->paths->image);
        return -1;
    }
    return 0;
}
