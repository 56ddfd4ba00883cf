/*
 * ct_layer.h: a container's writable layer over its template
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A domain whose root is <filesystem type='template'> has a layer under
 * containers/NAME/ (see ct_template.h).  The layer is recorded when the
 * domain is defined (or created transient), filled when it first starts,
 * kept over stops, and on undefine removed when it holds nothing, or
 * else kept as "orphaned" for the user to remove with virt-ct-template.
 */

#pragma once

#include "ct_conf.h"
#include "ct_disk.h"

/* The root filesystem of @def when it is a template, else NULL. */
virDomainFSDef *virCTLayerTemplateRoot(const virDomainDef *def);

/* The paths of the layer of @def (see virCTLayerPathsNew); its template
 * root is NULL when @def's root is not a template. */
virCTLayerPaths *virCTLayerPathsOf(virCTDriver *driver, const virDomainDef *def);

/* Checks what defining (or creating) @def needs from the host: the
 * template exists and the existing layer of that name, if any, belongs
 * to this domain and fits the definition.  Changes nothing. */
int virCTLayerCheck(virCTDriver *driver, const virDomainDef *def);

/* Records the layer of @def (nothing for other roots); @persistent says
 * whether it outlives the container's run.  Sets *created when this made
 * a new layer, so the caller can undo it with virCTLayerForget(). */
int virCTLayerDefine(virCTDriver *driver, const virDomainDef *def, bool persistent, bool *created);
void virCTLayerForget(virCTDriver *driver, const virDomainDef *def);

/* After an incoming migration unpacked the source's layer of @def, with
 * the source's record as @incoming: what the record says of the layer's
 * files (disk image size and inodes, the overlay's attributes) is taken
 * into ours, which stays transient until the migration ends (so that a
 * daemon that dies meanwhile removes the layer); @incoming is removed.
 * -1 with an error when it is not @def's. */
int virCTLayerAdoptMigrated(virCTDriver *driver, const virDomainDef *def, const char *incoming);

/* A transient container saved to an image (ct_save.c): its layer stays
 * ("saved") until a restore takes it back or the user removes it. */
void virCTLayerKeepSaved(virCTDriver *driver, const virDomainDef *def);

/* Before a restore: the layer the image was saved with is still there
 * (a fresh one would not match the processes' files).  -1 with an
 * error otherwise. */
int virCTLayerCheckSaved(virCTDriver *driver, const virDomainDef *def);

/* After a restore succeeded: a saved transient container's layer is
 * transient again (a failed restore leaves it saved, for a retry). */
void virCTLayerRestored(virCTDriver *driver, const virDomainDef *def, bool persistent);

/* The domain @def was undefined (@active: it still runs): the layer goes
 * when it holds nothing, else it stays, orphaned. */
void virCTLayerUndefine(virCTDriver *driver, const virDomainDef *def, bool active);

/* Before a start (@persistent: of a defined container): the layer's
 * directories, its disk image made, mounted
 * and sized to the limit.  Undoes its own steps on error. */
int virCTLayerPrepare(virCTDriver *driver, const virDomainDef *def, bool persistent);

/* After a stop: the disk unmounted; with @final (not a restart) the
 * layer of a transient container removed: put aside at once (its name
 * is free for the next container), its files deleted by the remover
 * thread. */
void virCTLayerRelease(virCTDriver *driver, const virDomainDef *def, bool final);

/* Starts the remover thread of @driver.  Returns 0 or -1. */
int virCTLayerRemoverStart(virCTDriver *driver);

/* Has the remover thread delete what is queued, then end; waits for it. */
void virCTLayerRemoverStop(virCTDriver *driver);

/* At daemon start: disks of containers that no longer run unmounted,
 * transient layers of containers that are gone removed. */
void virCTLayerCleanupStale(virCTDriver *driver);

/* Raises the space limit of the running @def to @limit bytes. */
int virCTLayerGrowLive(virCTDriver *driver, const virDomainDef *def, unsigned long long limit);

/* Capacity and use of the root of the running @def.  Without @fresh,
 * the use of a layer directory may be that of a walk some seconds ago
 * (ct_layer.c).  Returns 1 with @usage filled, 0 when @def has no layer,
 * -1 on error. */
int virCTLayerGetUsage(virCTDriver *driver, const virDomainDef *def, bool fresh,
                       virCTDiskUsage *usage);
