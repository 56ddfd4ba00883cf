/*
 * ct_copy.h: copying files and trees of the store without copying data
 * where the file system can share it
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Layers and disk images are copied by clones, templates made from
 * containers and imports.  On a file system with reflinks (XFS, btrfs) a
 * copy shares the extents of its original (FICLONE) and costs neither
 * time nor space; elsewhere (ext4) only the data of a sparse file is
 * copied, in the kernel (copy_file_range), its holes stay holes.
 */

#pragma once

#include <sys/stat.h>

#include "internal.h"

typedef struct _virCTCopyStats virCTCopyStats;
struct _virCTCopyStats {
    unsigned long long files; /* regular files copied */
    unsigned long long reflinked; /* bytes shared with their original */
    unsigned long long copied; /* bytes of data written */
};

/* Whether a file in @fromDir can be reflinked into @toDir (both exist):
 * tries it on a scratch file.  true or false, never an error. */
bool virCTCopyCanReflink(const char *fromDir, const char *toDir);

/* Copies the regular file @from to the new file @to (which must not
 * exist) with its metadata (virCTCopyMetadata), sharing its extents when
 * the file system can, else copying its data and keeping its holes.
 * Adds to @stats (may be NULL).  Returns 0 or -1 with an error (and no
 * @to left). */
int virCTCopyFile(const char *from, const char *to, bool stripOverlay, virCTCopyStats *stats);

/* Gives @to the owner, mode, extended attributes and times of @from
 * (whose lstat is @sb), without following symlinks.  With @stripOverlay
 * the overlay's own attributes (user.overlay.*, trusted.overlay.*) stay
 * behind.  Returns 0 or -1 with an error. */
int virCTCopyMetadata(const char *from, const char *to, const struct stat *sb, bool stripOverlay);

/* The overlay's attribute @attr ("opaque", "redirect", ...) of @path in
 * either namespace (user.overlay.* or trusted.overlay.*), as a new
 * string, or NULL when it has none. */
char *virCTCopyGetOverlayXattr(const char *path, const char *attr);

/* Copies the directory tree @from as the new directory @to (cp -a:
 * owners, modes, attributes, times, hard links, device nodes), sharing
 * extents where the file system can and keeping holes.  Returns 0 or -1
 * with an error (and no @to left). */
int virCTCopyTree(const char *from, const char *to);
