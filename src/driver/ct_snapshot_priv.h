/*
 * ct_snapshot_priv.h: the files of snapshots (ct_snapshot_data.c), for
 * the API (ct_snapshot.c)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "ct_conf.h"

#define CT_SNAPSHOT_XML "snapshot.xml"
#define CT_SNAPSHOT_LAYER "layer.conf"
#define CT_SNAPSHOT_UPPER "upper"
#define CT_SNAPSHOT_IMAGE "disk.img"
#define CT_SNAPSHOT_MEMORY "memory.img"
#define CT_SNAPSHOT_CURRENT "current"
#define CT_SNAPSHOT_CREATING ".creating."
#define CT_SNAPSHOT_DELETING ".deleting."
#define CT_SNAPSHOT_REVERTING ".reverting"
/* in a .creating directory: the --memspec file being written */
#define CT_SNAPSHOT_EXTERNAL ".external"
/* containers/NAME/.snapshots.removed: every snapshot, on their way out */
#define CT_SNAPSHOT_REMOVED ".snapshots.removed"

/* containers/@domain/snapshots (caller frees). */
char *virCTSnapshotDir(virCTDriver *driver, const char *domain);

/* containers/@domain/snapshots/@prefix@snap (caller frees). */
char *virCTSnapshotPath(virCTDriver *driver, const char *domain, const char *prefix,
                        const char *snap);

/* Copies the writable layer of @def into the new directory @dest: its
 * record, and its upper directory or its disk image (reflinked where the
 * file system can, else a sparse copy); nothing of either when the
 * layer was never filled.  The container is stopped, or frozen with its
 * disk by the caller.  Returns 0 or -1 with an error (@dest may be half
 * filled: the caller removes it). */
int virCTSnapshotCopyLayer(virCTDriver *driver, const virDomainDef *def, const char *dest);

/* Makes the layer of @def (stopped, its disk not mounted) what the
 * snapshot in @src holds: upper directory or disk image, and the
 * record's sizes.  Everything is copied before the first file of the
 * layer is replaced (by a rename); @changed says whether that point was
 * reached.  Safe to repeat after a crash.  Returns 0 or -1 with an
 * error. */
int virCTSnapshotPutLayer(virCTDriver *driver, const virDomainDef *def, const char *src,
                          bool *changed);

/* Whether the layer of @def holds a disk image (a space limit). */
bool virCTSnapshotLayerHasImage(virCTDriver *driver, const virDomainDef *def);
