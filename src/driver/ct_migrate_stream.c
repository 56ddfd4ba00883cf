/*
 * ct_migrate_stream.c: the data of a migration, in frames a one-time key
 * vouches for
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include <gnutls/crypto.h>
#include <poll.h>
#include <unistd.h>

#include "ct_migrate_stream.h"

#include "datatypes.h"
#include "virerror.h"
#include "virfile.h"
#include "virlog.h"
#include "virrandom.h"
#include "virtime.h"

#define VIR_FROM_THIS VIR_FROM_NONE

VIR_LOG_INIT("ct.ct_migrate_stream");

#define CT_MIGRATE_HEAD_LEN 5
#define CT_MIGRATE_MAC_LEN 32

struct _virCTMigrateStream {
    int fd;
    virStreamPtr st; /* written through instead of fd when set */
    int cancelFd; /* readable: reading stops; -1: none */
    unsigned int timeout; /* seconds without data before reading stops */
    const bool *abort; /* set: writing stops */
    unsigned char key[CT_MIGRATE_KEY_LEN];
    unsigned long long seq;
    unsigned long bandwidth; /* MiB/s, 0: no limit */
    unsigned long long *bytes;
    unsigned long long written; /* since the limit's clock started */
    unsigned long long clockStart; /* ms */
};

virCTMigrateStream *
virCTMigrateStreamNew(int fd, const unsigned char *key, unsigned long bandwidth,
                      unsigned long long *bytes)
{
    virCTMigrateStream *s = g_new0(virCTMigrateStream, 1);

    s->fd = fd;
    s->cancelFd = -1;
    s->timeout = 60;
    memcpy(s->key, key, CT_MIGRATE_KEY_LEN);
    s->bytes = bytes;
    virCTMigrateStreamSetBandwidth(s, bandwidth);
    return s;
}

void
virCTMigrateStreamSetVirStream(virCTMigrateStream *s, virStreamPtr st)
{
    s->st = st;
}

void
virCTMigrateStreamSetCancel(virCTMigrateStream *s, int cancelFd, const bool *abort,
                            unsigned int timeout)
{
    s->cancelFd = cancelFd;
    s->abort = abort;
    s->timeout = timeout;
}

void
virCTMigrateStreamFree(virCTMigrateStream *s)
{
    if (!s)
        return;
    memset(s->key, 0, sizeof(s->key));
    g_free(s);
}

void
virCTMigrateStreamSetBandwidth(virCTMigrateStream *s, unsigned long bandwidth)
{
    __atomic_store_n(&s->bandwidth, bandwidth, __ATOMIC_RELAXED);
    s->written = 0;
    ignore_value(virTimeMillisNow(&s->clockStart));
}

int
virCTMigrateKeyNew(unsigned char *key)
{
    return virRandomBytes(key, CT_MIGRATE_KEY_LEN);
}

/* The MAC of frame @seq: sequence number, then head and data. */
static int
virCTMigrateStreamMac(virCTMigrateStream *s, unsigned long long seq, const unsigned char *head,
                      const void *data, size_t len, unsigned char *mac)
{
    gnutls_hmac_hd_t h;
    unsigned char seqbuf[8];
    size_t i;
    int rc;

    for (i = 0; i < 8; i++)
        seqbuf[i] = (seq >> (56 - 8 * i)) & 0xff;
    if ((rc = gnutls_hmac_init(&h, GNUTLS_MAC_SHA256, s->key, sizeof(s->key))) < 0) {
        virReportError(VIR_ERR_INTERNAL_ERROR, _("cannot compute a MAC: %1$s"),
                       gnutls_strerror(rc));
        return -1;
    }
    gnutls_hmac(h, seqbuf, sizeof(seqbuf));
    gnutls_hmac(h, head, CT_MIGRATE_HEAD_LEN);
    if (len)
        gnutls_hmac(h, data, len);
    gnutls_hmac_deinit(h, mac);
    return 0;
}

/* Waits as long as the bandwidth limit asks before @len more bytes. */
static void
virCTMigrateStreamThrottle(virCTMigrateStream *s, size_t len)
{
    unsigned long bw = __atomic_load_n(&s->bandwidth, __ATOMIC_RELAXED);
    unsigned long long now;
    unsigned long long due;

    if (!bw)
        return;
    s->written += len;
    /* bw is checked (ct_migrate_src.c) to keep this from overflowing */
    due = s->written / (bw * 1024ULL * 1024ULL / 1000 + 1);
    if (virTimeMillisNow(&now) < 0 || now - s->clockStart >= due)
        return;
    g_usleep((due - (now - s->clockStart)) * 1000);
}

static int
virCTMigrateStreamSend(virCTMigrateStream *s, const void *data, size_t len)
{
    const char *at = data;

    if (!s->st) {
        if (len && safewrite(s->fd, data, len) != (ssize_t)len) {
            virReportSystemError(errno, "%s", _("cannot send the migration data"));
            return -1;
        }
        return 0;
    }
    while (len > 0) {
        int n = virStreamSend(s->st, at, len);

        if (n < 0)
            return -1;
        at += n;
        len -= n;
    }
    return 0;
}

/* Reads @len bytes, unless the cancel descriptor becomes readable or
 * nothing comes for the stream's timeout. */
static int
virCTMigrateStreamRecv(virCTMigrateStream *s, void *data, size_t len)
{
    char *at = data;

    while (len > 0) {
        struct pollfd fds[2] = { { .fd = s->fd, .events = POLLIN },
                                 { .fd = s->cancelFd, .events = POLLIN } };
        int rc = poll(fds, s->cancelFd >= 0 ? 2 : 1, s->timeout * 1000);
        ssize_t n;

        if (rc < 0 && errno == EINTR)
            continue;
        if (rc < 0) {
            virReportSystemError(errno, "%s", _("cannot wait for the migration data"));
            return -1;
        }
        if (rc == 0) {
            virReportError(VIR_ERR_OPERATION_TIMEOUT,
                           _("no migration data from the source for %1$u seconds"), s->timeout);
            return -1;
        }
        if (s->cancelFd >= 0 && fds[1].revents) {
            virReportError(VIR_ERR_OPERATION_ABORTED, "%s", _("the migration was canceled"));
            return -1;
        }
        if ((n = read(s->fd, at, len)) < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n < 0) {
            virReportSystemError(errno, "%s", _("cannot read the migration data"));
            return -1;
        }
        if (n == 0) {
            virReportError(VIR_ERR_OPERATION_ABORTED, "%s",
                           _("the migration data ended early (the source went away)"));
            return -1;
        }
        at += n;
        len -= n;
    }
    return 0;
}

int
virCTMigrateStreamWrite(virCTMigrateStream *s, char type, const void *data, size_t len)
{
    unsigned char head[CT_MIGRATE_HEAD_LEN];
    unsigned char mac[CT_MIGRATE_MAC_LEN];

    if (len > CT_MIGRATE_FRAME_MAX) {
        virReportError(VIR_ERR_INTERNAL_ERROR, _("migration frame of %1$zu bytes"), len);
        return -1;
    }
    head[0] = type;
    head[1] = (len >> 24) & 0xff;
    head[2] = (len >> 16) & 0xff;
    head[3] = (len >> 8) & 0xff;
    head[4] = len & 0xff;
    if (virCTMigrateStreamMac(s, s->seq, head, data, len, mac) < 0)
        return -1;
    if (s->abort && __atomic_load_n(s->abort, __ATOMIC_RELAXED)) {
        virReportError(VIR_ERR_OPERATION_ABORTED, "%s", _("migration job: canceled by client"));
        return -1;
    }
    virCTMigrateStreamThrottle(s, len);
    if (virCTMigrateStreamSend(s, head, sizeof(head)) < 0 ||
        virCTMigrateStreamSend(s, data, len) < 0 || virCTMigrateStreamSend(s, mac, sizeof(mac)) < 0)
        return -1;
    s->seq++;
    if (s->bytes)
        __atomic_add_fetch(s->bytes, len + sizeof(head) + sizeof(mac), __ATOMIC_RELAXED);
    return 0;
}

int
virCTMigrateStreamWriteFrom(virCTMigrateStream *s, char type, int fd)
{
    g_autofree char *buf = g_new(char, CT_MIGRATE_FRAME_MAX);
    size_t have = 0;
    ssize_t n;

    for (;;) {
        n = read(fd, buf + have, CT_MIGRATE_FRAME_MAX - have);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            virReportSystemError(errno, "%s", _("cannot read the migration data"));
            return -1;
        }
        have += n;
        if ((n == 0 || have == CT_MIGRATE_FRAME_MAX) && have > 0) {
            if (virCTMigrateStreamWrite(s, type, buf, have) < 0)
                return -1;
            have = 0;
        }
        if (n == 0)
            return 0;
    }
}

int
virCTMigrateStreamRead(virCTMigrateStream *s, char *type, char *buf, size_t *len)
{
    unsigned char head[CT_MIGRATE_HEAD_LEN];
    unsigned char mac[CT_MIGRATE_MAC_LEN];
    unsigned char want[CT_MIGRATE_MAC_LEN];
    size_t n;

    if (virCTMigrateStreamRecv(s, head, sizeof(head)) < 0)
        return -1;
    n = ((size_t)head[1] << 24) | ((size_t)head[2] << 16) | ((size_t)head[3] << 8) | head[4];
    if (n > CT_MIGRATE_FRAME_MAX) {
        virReportError(VIR_ERR_OPERATION_FAILED,
                       _("migration data refused: a frame of %1$zu bytes"), n);
        return -1;
    }
    if (virCTMigrateStreamRecv(s, buf, n) < 0 || virCTMigrateStreamRecv(s, mac, sizeof(mac)) < 0)
        return -1;
    if (virCTMigrateStreamMac(s, s->seq, head, buf, n, want) < 0)
        return -1;
    if (gnutls_memcmp(mac, want, sizeof(mac)) != 0) {
        virReportError(VIR_ERR_OPERATION_FAILED, "%s",
                       _("migration data refused: not sent by the source of this migration"));
        return -1;
    }
    s->seq++;
    if (s->bytes)
        __atomic_add_fetch(s->bytes, n + sizeof(head) + sizeof(mac), __ATOMIC_RELAXED);
    *type = head[0];
    *len = n;
    return 0;
}
