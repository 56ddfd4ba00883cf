/*
 * ct_save_image.h: the image file of a checkpoint
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * "LibvirtCTSave 1\n", then sections "<kind> <name> <length>\n" followed
 * by <length> bytes: "xml domain" (the definition), "meta restore" (plan
 * lines: the state, restore-tty, restore-cgroup, restore-mount), one
 * "file NAME" for each file of CRIU's image directory; then "mac
 * hmac-sha256 64\n" and the hex HMAC-SHA256 of every byte before the
 * digits, under a key of this host (0600 in the save directory, made at
 * the first save); then "end % 0\n".
 *
 * CRIU believes what its files say (the user namespace's maps, the
 * capabilities, the seccomp filters, the mounts): an image is used only
 * when this host's key vouches for it, i.e. when this daemon wrote it
 * from a container it ran.  The definition and the restore details are
 * read before (to find the domain, check access and name the work
 * directory) but used only once the whole image checked out.
 */

#pragma once

#include "internal.h"

typedef struct _virCTSaveImage virCTSaveImage;

/* Writes the image: to @fd (a new file, @path for messages), the
 * definition @xml, @meta and every file of @dir but those whose name
 * starts with a dot, MAC'd with the key in @keyDir (made if need be);
 * synced.  *@bytes follows the bytes written (atomically).  With
 * @bypassCache the image is dropped from the page cache once on disk. */
int virCTSaveImageWrite(const char *keyDir, int fd, const char *path, const char *xml,
                        const char *meta, const char *dir, bool bypassCache,
                        unsigned long long *bytes);

/* Opens the image @path and reads its definition and restore details
 * (@meta may be NULL), nothing checked yet.  NULL with an error. */
virCTSaveImage *virCTSaveImageOpen(const char *keyDir, const char *path, char **xml, char **meta);

/* The files of the image after its header into the empty @dir, the
 * whole image checked against this host's key: an image that fails is
 * refused ("not written by this host's libvirt-ct, or changed since")
 * and what was extracted must be discarded by the caller. */
int virCTSaveImageExtract(virCTSaveImage *img, const char *dir);

/* The image again, to @fd (a new file, @path for messages), with the
 * definition @xml and details @meta and the files of @img, whose key is
 * checked as they are copied (an image that fails is not re-signed). */
int virCTSaveImageRewrite(virCTSaveImage *img, int fd, const char *path, const char *xml,
                          const char *meta);

void virCTSaveImageClose(virCTSaveImage *img);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virCTSaveImage, virCTSaveImageClose);
