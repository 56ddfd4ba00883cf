/*
 * ct_save.h: checkpoint and restore of running containers with CRIU
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "ct_conf.h"
#include "domain_conf.h"
#include "internal.h"

int ctDomainSave(virDomainPtr dom, const char *to);
int ctDomainSaveFlags(virDomainPtr dom, const char *to, const char *dxml, unsigned int flags);
int ctDomainRestore(virConnectPtr conn, const char *from);
int ctDomainRestoreFlags(virConnectPtr conn, const char *from, const char *dxml,
                         unsigned int flags);
char *ctDomainSaveImageGetXMLDesc(virConnectPtr conn, const char *path, unsigned int flags);
int ctDomainManagedSave(virDomainPtr dom, unsigned int flags);
int ctDomainHasManagedSaveImage(virDomainPtr dom, unsigned int flags);
int ctDomainManagedSaveRemove(virDomainPtr dom, unsigned int flags);
char *ctDomainManagedSaveGetXMLDesc(virDomainPtr dom, unsigned int flags);
int ctDomainSaveImageDefineXML(virConnectPtr conn, const char *path, const char *dxml,
                               unsigned int flags);
int ctDomainManagedSaveDefineXML(virDomainPtr dom, const char *dxml, unsigned int flags);
int ctDomainGetJobInfo(virDomainPtr dom, virDomainJobInfoPtr info);
int ctDomainGetJobStats(virDomainPtr dom, int *type, virTypedParameterPtr *params, int *nparams,
                        unsigned int flags);

/* For a start (ct_lifecycle.c), with @vm locked and a job: when @vm has a
 * managed save image, brings the container back from it and removes it;
 * *restored tells whether it did.  Returns 0, or -1 with the error
 * reported (the image stays then). */
int virCTSaveStartManaged(virCTDriver *driver, virDomainObj *vm, virConnectPtr conn,
                          unsigned int flags, bool *restored);

/* At a stop: the work directory of a restore of @name, if one is left
 * (a daemon restarted while the supervisor restored it). */
void virCTSaveRemoveWork(virCTDriver *driver, const char *name);

/* The managed save image of @name (caller frees). */
char *virCTSaveManagedPath(virCTDriver *driver, const char *name);

/* At daemon start: vm->hasManagedSave of every domain from its image,
 * and the work directories of saves and restores a crash interrupted
 * removed. */
void virCTSaveInit(virCTDriver *driver);
