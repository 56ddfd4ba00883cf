/*
 * ct_flatten.h: a container's view (its template and its layer) as one
 * new directory tree, for a template made from a container
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The new tree costs no copy of the template: templates are immutable
 * and on one file system, so every file of the old one the layer did not
 * change is a hard link to it.  Only what the layer holds is copied (and
 * shared with it where the file system has reflinks).  The overlay's
 * rules apply as the kernel applies them: a character device 0/0 in the
 * layer deletes the name below it (a whiteout), a directory with the
 * attribute overlay.opaque "y" (user or trusted namespace) hides the
 * whole directory below it.  Renamed directories (overlay.redirect) and
 * metadata-only copies (overlay.metacopy) are refused: the driver mounts
 * without them.
 */

#pragma once

#include "ct_copy.h"

typedef struct _virCTFlattenStats virCTFlattenStats;
struct _virCTFlattenStats {
    unsigned long long linked; /* entries of the template linked */
    unsigned long long whiteouts; /* names the layer deleted */
    unsigned long long opaque; /* directories the layer replaced */
    virCTCopyStats copy; /* files copied from the layer */
};

/* Makes the new directory @dst (which must not exist) hold @lower with
 * @upper laid over it.  Returns 0 or -1 with an error; the caller
 * removes @dst on error. */
int virCTFlatten(const char *lower, const char *upper, const char *dst, virCTFlattenStats *stats);
