/*
 * ct_criu_image.h: what the daemon changes in CRIU's image files
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "internal.h"

/* In every userns-N.img of the checkpoint in @dir, the extents of the
 * uid and gid maps, which must all lie in the host ids [@from, @from +
 * @count), are moved to start at @to: the container comes back with
 * another id range (its files and processes see the same ids inside).
 * An extent outside the range is refused.  Returns 0 or -1 with an
 * error. */
int virCTCriuShiftUserns(const char *dir, unsigned int from, unsigned int to, unsigned int count);

/* The same on one image's bytes: the rewritten image in *@out (to be
 * freed), its length in *@outlen.  Returns the number of extents moved,
 * or -1 with an error naming @what. */
int virCTCriuShiftUsernsImage(const char *what, const unsigned char *in, size_t len,
                              unsigned int from, unsigned int to, unsigned int count,
                              unsigned char **out, size_t *outlen);
