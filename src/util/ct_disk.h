/*
 * ct_disk.h: a container's disk: an XFS image on a loop device
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * This kernel has no project quotas, so a container's space and inode
 * limits are the size and the inode count of a file system of its own: a
 * sparse file, formatted XFS, loop-mounted while the container runs.
 * The image is made a little larger than the limit so that the space a
 * container can use (what "df" shows as its size) is the limit itself.
 * XFS because it grows online with CAP_SYS_ADMIN alone; it caps inodes as
 * a share of the space, so an inode limit is rounded up to a whole percent
 * of it, and it cannot shrink.
 */

#pragma once

#include "internal.h"

typedef struct _virCTDiskUsage virCTDiskUsage;
struct _virCTDiskUsage {
    unsigned long long capacity; /* bytes the container can use in all */
    unsigned long long used; /* bytes in use */
    unsigned long long inodes; /* inodes in all */
    unsigned long long inodesUsed;
    unsigned long long physical; /* bytes the image takes on the host */
};

/* Makes the sparse image @path for @limit usable bytes and at least
 * @inodes inodes (0: XFS's default, a quarter of the space).  Returns 0 or
 * -1 (no file left). */
int virCTDiskCreate(const char *path, unsigned long long limit, unsigned long long inodes);

/* Loop-mounts the image @path on @mountpoint (the loop device goes away
 * with the mount); nothing when it is mounted already.  What goes on it
 * is the layer's business (virCTLayerPaths). */
int virCTDiskMount(const char *path, const char *mountpoint);

/* The layer pool: the XFS image @path, made sparse for @size bytes (0:
 * 90 % of the space free on the file system holding it) when it does not
 * exist yet,
 * loop-mounted on @mountpoint (which must be empty then) with online
 * discard.  Nothing when something is mounted there already.  On XFS,
 * copies of layers and disk images (snapshots, clones) share their
 * blocks (reflinks) instead of copying them.  Returns 0 or -1. */
int virCTDiskPoolMount(const char *path, const char *mountpoint, unsigned long long size);

/* Unmounts @mountpoint if something is mounted there. */
int virCTDiskUnmount(const char *mountpoint);

/* Whether a file system is mounted on @mountpoint: 1, 0, or -1. */
int virCTDiskIsMounted(const char *mountpoint);

/* Freezes (FIFREEZE: written out, quiet until thawed) or thaws the file
 * system mounted on @mountpoint.  Returns 0, or -1 with errno (EINVAL
 * for a thaw of one that is not frozen); reports nothing. */
int virCTDiskSetFrozen(const char *mountpoint, bool frozen);

/* Grows the mounted image @path on @mountpoint until the container can
 * use @limit bytes, keeping room for @inodes inodes.  Returns 0 or -1;
 * never shrinks. */
int virCTDiskGrow(const char *path, const char *mountpoint, unsigned long long limit,
                  unsigned long long inodes);

/* What the mounted disk on @mountpoint holds; @path is its image. */
int virCTDiskGetUsage(const char *path, const char *mountpoint, virCTDiskUsage *usage);
