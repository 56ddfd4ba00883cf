/*
 * ct_seccomp_image.c: our seccomp filters in a checkpoint's seccomp.img,
 * made fit for a restore
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * CRIU's image: two magic numbers, then entries, each a 32-bit length and
 * a protobuf "seccomp_entry" message: repeated (field 1) "seccomp_filter"
 * { bytes filter = 1 (the sock_filter array); uint32 prev = 2; uint32
 * flags = 3 }.  Each thread (or process, for threads sharing one) has a
 * chain of its own in the list: a thread's core image names the chain's
 * OLDEST filter, whose "prev", despite the name, is the index of the next
 * newer one, up to the newest without one; CRIU installs them in that
 * order.  Only the filters that are byte for byte ours are touched; any
 * other field or filter is copied as it is.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ct_cleanup.h"
#include "ct_error.h"
#include "ct_seccomp.h"
#include "ct_seccomp_image.h"

#define CT_SECCOMP_IMAGE_HEAD 8 /* two magic numbers */
#define CT_SECCOMP_IMAGE_MAX (64 * 1024 * 1024)
#define CT_SECCOMP_IMAGE_MAX_FILTERS 4096

typedef struct {
    const uint8_t *at;
    const uint8_t *end;
} pbReader;

/* A buffer that grows, up to CT_SECCOMP_IMAGE_MAX bytes. */
typedef struct {
    uint8_t *buf;
    size_t len;
    size_t cap;
} pbWriter;

/* One seccomp_filter message of an entry. */
typedef struct {
    const uint8_t *msg;
    size_t len;
    const uint8_t *prog;
    size_t progLen;
    int64_t next; /* "prev": the next newer filter's index, or -1 */
    bool ours; /* the listener filter of an earlier restore */
} filterRef;


static bool
readVarint(pbReader *r, uint64_t *val)
{
    unsigned int shift;

    *val = 0;
    for (shift = 0; shift < 64 && r->at < r->end; shift += 7) {
        uint8_t b = *r->at++;

        *val |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return true;
    }
    return false;
}


/* Steps over one field of wire type @wire; its value (varint) or its
 * bytes (length-delimited) are returned where asked. */
static bool
skipField(pbReader *r, unsigned int wire, uint64_t *val, const uint8_t **bytes, size_t *len)
{
    uint64_t v;

    switch (wire) {
    case 0:
        if (!readVarint(r, &v))
            return false;
        if (val)
            *val = v;
        return true;
    case 1:
    case 5: {
        size_t n = wire == 1 ? 8 : 4;

        if ((size_t)(r->end - r->at) < n)
            return false;
        r->at += n;
        return true;
    }
    case 2:
        if (!readVarint(r, &v) || v > (uint64_t)(r->end - r->at))
            return false;
        if (bytes) {
            *bytes = r->at;
            *len = v;
        }
        r->at += v;
        return true;
    default:
        return false;
    }
}


static bool
writeBytes(pbWriter *w, const void *data, size_t len)
{
    if (len > CT_SECCOMP_IMAGE_MAX - w->len)
        return false;
    if (w->len + len > w->cap) {
        size_t cap = w->cap ? w->cap : 4096;
        uint8_t *grown;

        while (cap < w->len + len)
            cap *= 2;
        if (!(grown = realloc(w->buf, cap)))
            return false;
        w->buf = grown;
        w->cap = cap;
    }
    memcpy(w->buf + w->len, data, len);
    w->len += len;
    return true;
}


static bool
writeVarint(pbWriter *w, uint64_t val)
{
    uint8_t buf[10];
    size_t n = 0;

    do {
        buf[n++] = (val & 0x7f) | (val > 0x7f ? 0x80 : 0);
        val >>= 7;
    } while (val);
    return writeBytes(w, buf, n);
}


/* A seccomp_filter message: where its program is, what comes next. */
static bool
parseFilter(const uint8_t *msg, size_t len, filterRef *ref)
{
    pbReader r = { msg, msg + len };
    uint64_t key;
    uint64_t val;

    ref->msg = msg;
    ref->len = len;
    ref->prog = NULL;
    ref->progLen = 0;
    ref->next = -1;
    while (r.at < r.end) {
        if (!readVarint(&r, &key))
            return false;
        if (key == ((1 << 3) | 2)) {
            if (!skipField(&r, 2, NULL, &ref->prog, &ref->progLen))
                return false;
        } else if (key == ((2 << 3) | 0)) {
            if (!skipField(&r, 0, &val, NULL, NULL) || val > INT32_MAX)
                return false;
            ref->next = (int64_t)val;
        } else if (!skipField(&r, key & 7, NULL, NULL, NULL)) {
            return false;
        }
    }
    return ref->prog != NULL;
}


static bool
sameProgram(const filterRef *ref, const struct sock_filter *prog, int n)
{
    return n > 0 && ref->progLen == (size_t)n * sizeof(prog[0]) &&
           memcmp(ref->prog, prog, ref->progLen) == 0;
}


/* Writes @ref's program with its USER_NOTIF returns made ALLOW. */
static bool
writeDisarmed(pbWriter *w, const filterRef *ref)
{
    size_t start = w->len;
    size_t i;

    if (!writeBytes(w, ref->prog, ref->progLen))
        return false;
    for (i = 0; i + sizeof(struct sock_filter) <= ref->progLen; i += sizeof(struct sock_filter)) {
        struct sock_filter insn;

        memcpy(&insn, w->buf + start + i, sizeof(insn));
        if (insn.code == (BPF_RET | BPF_K) && insn.k == SECCOMP_RET_USER_NOTIF) {
            insn.k = SECCOMP_RET_ALLOW;
            memcpy(w->buf + start + i, &insn, sizeof(insn));
        }
    }
    return true;
}


/* One seccomp_filter message, copied with its program disarmed. */
static bool
writeFilter(pbWriter *w, const filterRef *ref, bool disarm)
{
    pbReader r = { ref->msg, ref->msg + ref->len };
    const uint8_t *field;
    uint64_t key;

    while (r.at < r.end) {
        field = r.at;
        if (!readVarint(&r, &key) || !skipField(&r, key & 7, NULL, NULL, NULL))
            return false;
        if (key != ((1 << 3) | 2) || !disarm) {
            if (!writeBytes(w, field, r.at - field))
                return false;
            continue;
        }
        if (!writeVarint(w, key) || !writeVarint(w, ref->progLen) || !writeDisarmed(w, ref))
            return false;
    }
    return true;
}


/* The filter to write at @i: an earlier listener, the oldest of its chain,
 * is replaced by the next newer one (which is then written twice, the
 * second copy no longer reached).  Stops at a cycle. */
static size_t
replacement(const filterRef *refs, size_t n, size_t i)
{
    size_t j = i;
    size_t steps = 0;

    while (refs[j].ours && refs[j].next >= 0 && (size_t)refs[j].next < n && steps++ < n)
        j = refs[j].next;
    return j;
}


/* One seccomp_entry message from @msg to @w. */
static int
rewriteEntry(const uint8_t *msg, size_t len, pbWriter *w, size_t *changed)
{
    struct sock_filter boot[CT_SECCOMP_MAX_INSNS];
    struct sock_filter listener[CT_SECCOMP_MAX_INSNS];
    int nboot = virCTSeccompBuild(true, boot, CT_SECCOMP_MAX_INSNS);
    int nlistener = virCTSeccompBuildListener(listener, CT_SECCOMP_MAX_INSNS);
    CT_AUTOFREE filterRef *refs = NULL;
    pbWriter sub = { NULL, 0, 0 };
    pbReader r = { msg, msg + len };
    size_t nrefs = 0;
    size_t i = 0;
    size_t j;
    uint64_t key;
    int rc = -EINVAL;

    if (!(refs = calloc(CT_SECCOMP_IMAGE_MAX_FILTERS, sizeof(*refs))))
        return -ENOMEM;
    while (r.at < r.end) {
        const uint8_t *bytes = NULL;
        size_t blen = 0;

        if (!readVarint(&r, &key) || !skipField(&r, key & 7, NULL, &bytes, &blen))
            return -EINVAL;
        if (key != ((1 << 3) | 2))
            continue;
        if (nrefs == CT_SECCOMP_IMAGE_MAX_FILTERS)
            return -E2BIG;
        if (!parseFilter(bytes, blen, &refs[nrefs]))
            return -EINVAL;
        refs[nrefs].ours = sameProgram(&refs[nrefs], listener, nlistener);
        nrefs++;
    }

    r.at = msg;
    while (r.at < r.end) {
        const uint8_t *field = r.at;
        bool disarm;

        readVarint(&r, &key);
        skipField(&r, key & 7, NULL, NULL, NULL);
        if (key != ((1 << 3) | 2)) {
            if (!writeBytes(w, field, r.at - field))
                goto cleanup;
            continue;
        }
        j = replacement(refs, nrefs, i);
        disarm = refs[j].ours || sameProgram(&refs[j], boot, nboot);
        sub.len = 0;
        if (!writeFilter(&sub, &refs[j], disarm))
            goto cleanup;
        if (disarm || j != i)
            (*changed)++;
        if (!writeVarint(w, key) || !writeVarint(w, sub.len) || !writeBytes(w, sub.buf, sub.len))
            goto cleanup;
        i++;
    }
    rc = 0;

 cleanup:
    free(sub.buf);
    return rc;
}


ssize_t
virCTSeccompImageRewrite(const uint8_t *in, size_t len, uint8_t **out, size_t *changed)
{
    pbWriter w = { NULL, 0, 0 };
    pbWriter entry = { NULL, 0, 0 };
    const uint8_t *at = in + CT_SECCOMP_IMAGE_HEAD;
    const uint8_t *end = in + len;
    ssize_t rc = -EINVAL;

    *changed = 0;
    *out = NULL;
    if (len < CT_SECCOMP_IMAGE_HEAD || !writeBytes(&w, in, CT_SECCOMP_IMAGE_HEAD))
        goto cleanup;
    while (at < end) {
        uint32_t size;

        if ((size_t)(end - at) < sizeof(size))
            goto cleanup;
        memcpy(&size, at, sizeof(size));
        at += sizeof(size);
        if (size > (size_t)(end - at))
            goto cleanup;
        entry.len = 0;
        if ((rc = rewriteEntry(at, size, &entry, changed)) < 0)
            goto cleanup;
        rc = -EINVAL;
        at += size;
        size = entry.len;
        if (!writeBytes(&w, &size, sizeof(size)) || !writeBytes(&w, entry.buf, entry.len))
            goto cleanup;
    }
    *out = w.buf;
    w.buf = NULL;
    rc = w.len;

 cleanup:
    free(w.buf);
    free(entry.buf);
    return rc;
}


int
virCTSeccompImageFix(int images)
{
    CT_AUTOCLOSE int fd = -1;
    CT_AUTOFREE uint8_t *in = NULL;
    CT_AUTOFREE uint8_t *out = NULL;
    struct stat sb;
    size_t changed;
    ssize_t n;

    if ((fd = openat(images, "seccomp.img", O_RDWR | O_CLOEXEC | O_NOFOLLOW)) < 0)
        return errno == ENOENT
                   ? 0
                   : virCTErrorReport(errno, "cannot open the checkpoint's seccomp.img");
    if (fstat(fd, &sb) < 0)
        return virCTErrorReport(errno, "cannot read the checkpoint's seccomp.img");
    if (sb.st_size > CT_SECCOMP_IMAGE_MAX)
        return virCTErrorReport(EFBIG, "the checkpoint's seccomp.img is too large");
    if (!(in = malloc(sb.st_size + 1)))
        return virCTErrorReport(ENOMEM, "out of memory");
    if (pread(fd, in, sb.st_size, 0) != sb.st_size)
        return virCTErrorReport(errno ? errno : EIO, "cannot read the checkpoint's seccomp.img");
    if ((n = virCTSeccompImageRewrite(in, sb.st_size, &out, &changed)) < 0)
        return virCTErrorReport(-n, "cannot parse the checkpoint's seccomp.img");
    if (!changed)
        return 0;
    if (pwrite(fd, out, n, 0) != n || ftruncate(fd, n) < 0)
        return virCTErrorReport(errno ? errno : EIO, "cannot write the checkpoint's seccomp.img");
    return 0;
}
