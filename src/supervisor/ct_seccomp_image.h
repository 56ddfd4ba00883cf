/*
 * ct_seccomp_image.h: our seccomp filters in a checkpoint's seccomp.img,
 * made fit for a restore
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * CRIU brings a checkpointed seccomp filter back without its listener,
 * and a filter returning SECCOMP_RET_USER_NOTIF without one makes the
 * call fail with ENOSYS.  So a restore (ct_restore.c) installs a fresh
 * listener filter (virCTSeccompBuildListener) below everything CRIU
 * restores, and the checkpoint's copies of ours are made harmless first:
 * the container's boot filter (virCTSeccompBuild with a listener) lets
 * sysinfo(2) through to the fresh filter below, and the listener filter
 * of an earlier restore, the oldest of each chain, is cut from it (so a
 * chain does not grow by one filter per restore).  Plain C.
 */

#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Rewrites the image @in (@len bytes) into *@out (allocated, for the
 * caller to free).  Returns the new length, with *@changed the number of
 * filters changed, or -errno (EINVAL: not an image we can parse, or one
 * that would grow past 64 MiB). */
ssize_t virCTSeccompImageRewrite(const uint8_t *in, size_t len, uint8_t **out, size_t *changed);

/* The same on seccomp.img in the directory @images, in place; none is
 * fine.  Returns 0, or -1 with the error reported. */
int virCTSeccompImageFix(int images);
