/*
 * ct_tune_priv.h: what the setters of ct_tune.c and ct_tune_cpu.c share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "ct_conf.h"
#include "virtypedparam.h"

/* One kind of change to a container's limits (memtune, schedinfo, ...). */
typedef struct {
    /* checks the change against @def, the live or the persistent one */
    int (*check)(const virDomainDef *def, const void *change);
    /* makes it in @def; with @vm (running, @def its live definition) on
     * the container too */
    int (*apply)(virDomainObj *vm, virDomainDef *def, const void *change);
} virCTTuneOps;

typedef int (*virCTTuneACL)(virConnectPtr conn, virDomainDef *def, unsigned int flags);

/* The setter's frame: looks @dom up, checks @acl, takes a modify job,
 * checks @change against the live and the persistent definition (per
 * @flags), then makes it on each (the running container's cgroup too),
 * each saved at once; a live change the cgroup refuses is put back.
 * Returns 0 or -1. */
int virCTTuneRun(virDomainPtr dom, unsigned int flags, virCTTuneACL acl, const virCTTuneOps *ops,
                 const void *change);

/* The domain (locked; the caller ends the API call) and the definition a
 * getter reads, live or persistent per @flags; NULL with an error. */
virDomainObj *virCTTuneGetBegin(virDomainPtr dom, unsigned int flags,
                                int (*acl)(virConnectPtr, virDomainDef *), virDomainDef **def);

/* Hands the parameters of @list to a getter's caller the libvirt way:
 * with *@nparams 0 only their number, else at most *@nparams of them. */
int virCTTuneCopyOut(virTypedParamList *list, virTypedParameterPtr params, int *nparams);

/* Sets the vCPU count (and its maximum) of @def to @nvcpus. */
int virCTTuneVcpusSet(virDomainDef *def, unsigned int nvcpus, virDomainXMLOption *xmlopt);
