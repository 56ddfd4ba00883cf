/*
 * ct_snapshot.h: snapshots of containers (virsh snapshot-*)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A snapshot is the container's writable layer as it was at one moment
 * (a copy, reflinked where the file system can), its definition, and for
 * a running container by default its processes (a CRIU checkpoint in a
 * signed save image).  They live with the layer:
 *
 *   containers/NAME/snapshots/SNAP/snapshot.xml  libvirt's snapshot XML
 *   containers/NAME/snapshots/SNAP/layer.conf    the layer's record then
 *   containers/NAME/snapshots/SNAP/upper/        the upper directory, or
 *   containers/NAME/snapshots/SNAP/disk.img      the disk image
 *   containers/NAME/snapshots/SNAP/memory.img    the processes, if any
 *   containers/NAME/snapshots/current            the current one's name
 *   containers/NAME/snapshots/.creating.SNAP/    one being made
 *   containers/NAME/snapshots/.deleting.SNAP/    one being deleted
 *   containers/NAME/snapshots/.reverting         a revert under way
 *
 * A snapshot appears by a rename once complete; a daemon that dies
 * meanwhile leaves a ".creating" directory, removed at its next start
 * (the container thawed).  Deletion and revert are finished by the next
 * daemon from their markers.  See docs/design.md, "Snapshots".
 */

#pragma once

#include "ct_conf.h"
#include "internal.h"

virDomainSnapshotPtr ctDomainSnapshotCreateXML(virDomainPtr dom, const char *xml,
                                               unsigned int flags);
char *ctDomainSnapshotGetXMLDesc(virDomainSnapshotPtr snapshot, unsigned int flags);
int ctDomainSnapshotNum(virDomainPtr dom, unsigned int flags);
int ctDomainSnapshotListNames(virDomainPtr dom, char **names, int nameslen, unsigned int flags);
int ctDomainListAllSnapshots(virDomainPtr dom, virDomainSnapshotPtr **snaps, unsigned int flags);
int ctDomainSnapshotNumChildren(virDomainSnapshotPtr snapshot, unsigned int flags);
int ctDomainSnapshotListChildrenNames(virDomainSnapshotPtr snapshot, char **names, int nameslen,
                                      unsigned int flags);
int ctDomainSnapshotListAllChildren(virDomainSnapshotPtr snapshot, virDomainSnapshotPtr **snaps,
                                    unsigned int flags);
virDomainSnapshotPtr ctDomainSnapshotLookupByName(virDomainPtr dom, const char *name,
                                                  unsigned int flags);
int ctDomainHasCurrentSnapshot(virDomainPtr dom, unsigned int flags);
virDomainSnapshotPtr ctDomainSnapshotGetParent(virDomainSnapshotPtr snapshot, unsigned int flags);
virDomainSnapshotPtr ctDomainSnapshotCurrent(virDomainPtr dom, unsigned int flags);
int ctDomainSnapshotIsCurrent(virDomainSnapshotPtr snapshot, unsigned int flags);
int ctDomainSnapshotHasMetadata(virDomainSnapshotPtr snapshot, unsigned int flags);
int ctDomainRevertToSnapshot(virDomainSnapshotPtr snapshot, unsigned int flags);
int ctDomainSnapshotDelete(virDomainSnapshotPtr snapshot, unsigned int flags);

/* At daemon start: finishes or undoes what a daemon that died left of
 * snapshots (creations, deletions, reverts) and loads every domain's
 * snapshots. */
void virCTSnapshotLoadAll(virCTDriver *driver);

/* Loads the snapshots of @vm (locked) from its layer, e.g. after a
 * define found a layer with snapshots (an import).  Returns 0 or -1. */
int virCTSnapshotLoad(virCTDriver *driver, virDomainObj *vm);

/* Before a start of @def: -1 with an error when a revert was cut short
 * and not finished (its files would be half a snapshot's). */
int virCTSnapshotCheckStart(virCTDriver *driver, const virDomainDef *def);

/* Removes every snapshot of @vm (locked, with a job), data and
 * metadata: an undefine with --snapshots-metadata.  Returns 0 or -1. */
int virCTSnapshotDiscardAll(virCTDriver *driver, virDomainObj *vm);
