/*
 * ctseccompimagetest.c: CRIU's seccomp.img rewritten for a restore
 * (ct_seccomp_image.c): images made here in CRIU's layout, read back
 * with a decoder of our own
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ct_seccomp.h"
#include "ct_seccomp_image.h"

static int failures;

#define CHECK(cond, ...)                           \
    do {                                           \
        if (!(cond)) {                             \
            fprintf(stderr, "FAIL: " __VA_ARGS__); \
            fputc('\n', stderr);                   \
            failures++;                            \
        }                                          \
    } while (0)

typedef struct {
    uint8_t data[65536];
    size_t len;
} buffer;

/* One filter of a decoded image. */
typedef struct {
    struct sock_filter prog[CT_SECCOMP_MAX_INSNS];
    int len;
    int prev; /* -1: none */
    int flags; /* -1: none */
} filter;

static void
put(buffer *b, const void *p, size_t n)
{
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

static void
putVarint(buffer *b, uint64_t v)
{
    do {
        uint8_t c = (v & 0x7f) | (v > 0x7f ? 0x80 : 0);

        put(b, &c, 1);
        v >>= 7;
    } while (v);
}

/* A seccomp_filter message: program, prev (-1: none), flags (-1: none). */
static void
putFilter(buffer *entry, const struct sock_filter *prog, int n, int prev, int flags)
{
    buffer f = { .len = 0 };

    putVarint(&f, (1 << 3) | 2);
    putVarint(&f, n * sizeof(prog[0]));
    put(&f, prog, n * sizeof(prog[0]));
    if (prev >= 0) {
        putVarint(&f, 2 << 3);
        putVarint(&f, prev);
    }
    if (flags >= 0) {
        putVarint(&f, 3 << 3);
        putVarint(&f, flags);
    }
    putVarint(entry, (1 << 3) | 2);
    putVarint(entry, f.len);
    put(entry, f.data, f.len);
}

static void
putImage(buffer *img, const buffer *entry)
{
    uint32_t magic[2] = { 0x54564319, 0x64413049 };
    uint32_t size = entry->len;

    img->len = 0;
    put(img, magic, sizeof(magic));
    put(img, &size, sizeof(size));
    put(img, entry->data, entry->len);
}

static bool
getVarint(const uint8_t **at, const uint8_t *end, uint64_t *v)
{
    int shift;

    *v = 0;
    for (shift = 0; shift < 64 && *at < end; shift += 7) {
        uint8_t c = *(*at)++;

        *v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80))
            return true;
    }
    return false;
}

/* Decodes an image of one entry made only of filters; returns how many. */
static int
decode(const uint8_t *img, size_t len, filter *out, int max)
{
    const uint8_t *at = img + 8;
    const uint8_t *end;
    uint32_t size;
    int n = 0;
    uint64_t key, v;

    memcpy(&size, at, 4);
    at += 4;
    end = at + size;
    if (end != img + len)
        return -1;
    while (at < end && n < max) {
        const uint8_t *fend;

        if (!getVarint(&at, end, &key) || key != ((1 << 3) | 2) || !getVarint(&at, end, &v))
            return -1;
        fend = at + v;
        out[n] = (filter){ .len = 0, .prev = -1, .flags = -1 };
        while (at < fend) {
            if (!getVarint(&at, fend, &key))
                return -1;
            if (key == ((1 << 3) | 2)) {
                if (!getVarint(&at, fend, &v) || v > sizeof(out[n].prog))
                    return -1;
                memcpy(out[n].prog, at, v);
                out[n].len = v / sizeof(struct sock_filter);
                at += v;
            } else if (key == (2 << 3) && getVarint(&at, fend, &v)) {
                out[n].prev = v;
            } else if (key == (3 << 3) && getVarint(&at, fend, &v)) {
                out[n].flags = v;
            } else {
                return -1;
            }
        }
        n++;
    }
    return n;
}

static int
countNotif(const filter *f)
{
    int i, n = 0;

    for (i = 0; i < f->len; i++)
        n += f->prog[i].code == (BPF_RET | BPF_K) && f->prog[i].k == SECCOMP_RET_USER_NOTIF;
    return n;
}

static bool
sameAs(const filter *f, const struct sock_filter *prog, int n)
{
    return f->len == n && memcmp(f->prog, prog, n * sizeof(prog[0])) == 0;
}

/* Rewrites @entry's image and decodes the result into @got. */
static int
rewrite(const buffer *entry, size_t *changed, filter *got, int max, ssize_t *len)
{
    static buffer img;
    uint8_t *out = NULL;
    int nf = -1;

    putImage(&img, entry);
    *len = virCTSeccompImageRewrite(img.data, img.len, &out, changed);
    if (*len > 0)
        nf = decode(out, *len, got, max);
    free(out);
    return nf;
}

static void
refused(const uint8_t *img, size_t len, const char *what)
{
    uint8_t *out = NULL;
    size_t changed;
    ssize_t n = virCTSeccompImageRewrite(img, len, &out, &changed);

    CHECK(n == -EINVAL && !out, "%s refused with EINVAL (%zd)", what, n);
    free(out);
}

int
main(void)
{
    struct sock_filter boot[CT_SECCOMP_MAX_INSNS];
    struct sock_filter listener[CT_SECCOMP_MAX_INSNS];
    struct sock_filter disarmed[CT_SECCOMP_MAX_INSNS];
    struct sock_filter other[3] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    int nboot = virCTSeccompBuild(true, boot, CT_SECCOMP_MAX_INSNS);
    int nlistener = virCTSeccompBuildListener(listener, CT_SECCOMP_MAX_INSNS);
    static buffer entry, img;
    filter got[8];
    size_t changed;
    ssize_t n;
    int nf, i;

    if (nboot <= 0 || nlistener <= 0) {
        printf("skipped: no filter on this architecture\n");
        return 77;
    }
    memcpy(disarmed, boot, sizeof(boot));
    for (i = 0; i < nboot; i++)
        if (disarmed[i].code == (BPF_RET | BPF_K) && disarmed[i].k == SECCOMP_RET_USER_NOTIF)
            disarmed[i].k = SECCOMP_RET_ALLOW;

    /* CRIU writes a chain newest first; each older filter's "prev" is
     * the newer one's index; the thread names the oldest.  A first
     * restore: the boot filter, one of the container's own on it. */
    entry.len = 0;
    putFilter(&entry, other, 3, -1, -1);
    putFilter(&entry, boot, nboot, 0, 1);
    nf = rewrite(&entry, &changed, got, 8, &n);
    CHECK(changed == 1, "first restore: one filter changed (%zu)", changed);
    CHECK(nf == 2, "first restore: two filters (%d)", nf);
    if (nf == 2) {
        CHECK(sameAs(&got[0], other, 3) && got[0].prev == -1, "the container's own untouched");
        CHECK(sameAs(&got[1], disarmed, nboot) && got[1].prev == 0 && got[1].flags == 1,
              "the boot filter disarmed, its links and flags kept");
    }

    /* a second restore: the first restore's listener is the oldest of
     * the chain (oldest to newest: listener, boot, own); a second chain
     * of a listener alone */
    entry.len = 0;
    putFilter(&entry, other, 3, -1, -1);
    putFilter(&entry, disarmed, nboot, 0, 4);
    putFilter(&entry, listener, nlistener, 1, 4);
    putFilter(&entry, listener, nlistener, -1, -1);
    nf = rewrite(&entry, &changed, got, 8, &n);
    CHECK(changed == 2, "second restore: two filters changed (%zu)", changed);
    CHECK(nf == 4, "second restore: four filters (%d)", nf);
    if (nf == 4) {
        CHECK(sameAs(&got[0], other, 3) && got[0].prev == -1, "own filter kept");
        CHECK(sameAs(&got[1], disarmed, nboot) && got[1].prev == 0 && got[1].flags == 4,
              "boot filter kept");
        CHECK(sameAs(&got[2], disarmed, nboot) && got[2].prev == 0 && got[2].flags == 4,
              "the old listener replaced by the next newer (the chain starts at the boot "
              "filter)");
        CHECK(got[3].len == nlistener && countNotif(&got[3]) == 0 && got[3].prev == -1,
              "a listener alone is disarmed");
    }

    /* two old listeners in a row, and a cycle of them */
    entry.len = 0;
    putFilter(&entry, disarmed, nboot, -1, -1);
    putFilter(&entry, listener, nlistener, 0, -1);
    putFilter(&entry, listener, nlistener, 1, -1);
    putFilter(&entry, listener, nlistener, 4, -1);
    putFilter(&entry, listener, nlistener, 3, -1);
    nf = rewrite(&entry, &changed, got, 8, &n);
    CHECK(nf == 5, "listeners in a row: five filters (%d)", nf);
    if (nf == 5) {
        CHECK(sameAs(&got[1], disarmed, nboot) && sameAs(&got[2], disarmed, nboot) &&
                  got[1].prev == -1 && got[2].prev == -1,
              "both replaced by the boot filter");
        CHECK(countNotif(&got[3]) == 0 && countNotif(&got[4]) == 0,
              "a cycle ends, its filters disarmed");
    }

    /* what is not an image */
    entry.len = 0;
    putFilter(&entry, other, 3, -1, -1);
    putImage(&img, &entry);
    memset(img.data + 12, 0xff, 8);
    refused(img.data, img.len, "garbage");
    refused(img.data, 4, "a short file");
    putImage(&img, &entry);
    ((uint32_t *)img.data)[2] = 1000000;
    refused(img.data, img.len, "an entry longer than the file");

    printf("%d failures\n", failures);
    return failures ? 1 : 0;
}
