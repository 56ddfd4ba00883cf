/*
 * ct_snapshot_priv.h: what the parts of the snapshot code share: the
 * files of snapshots (ct_snapshot_data.c), the metadata (ct_snapshot.c),
 * the revert (ct_snapshot_revert.c) and the queries (ct_snapshot_query.c)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "ct_conf.h"
#include "snapshot_conf.h"
#include "virdomainmomentobjlist.h"

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

/* ---- ct_snapshot.c: the metadata ---- */

/* The snapshot @name of @vm, or NULL with libvirt's error. */
virDomainMomentObj *virCTSnapshotObjFromName(virDomainObj *vm, const char *name);

/* Whether @def holds the processes (a memory image). */
bool virCTSnapshotHasMemory(const virDomainSnapshotDef *def);

/* Where the processes of @def are: its own memory.img, or the file
 * --memspec named (caller frees). */
char *virCTSnapshotMemoryPath(virCTDriver *driver, virDomainObj *vm,
                              const virDomainSnapshotDef *def);

/* Writes the file "current" as vm->snapshots says.  Returns 0 or -1. */
int virCTSnapshotWriteCurrent(virCTDriver *driver, virDomainObj *vm);

/* ---- ct_snapshot_revert.c ---- */

/* The files and the persistent definition of @vm (stopped) made those of
 * @snap, which becomes the current snapshot; @assignIds: check and
 * record the definition's ids as a define does.  @changed: whether
 * anything of the layer changed (on error: a revert to finish, not to
 * forget).  Returns 0 or -1. */
int virCTSnapshotRevertFiles(virCTDriver *driver, virDomainObj *vm, virDomainMomentObj *snap,
                             bool assignIds, bool *changed);
