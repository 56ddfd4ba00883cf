/*
 * ct_conf.h: driver configuration and shared driver state
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "internal.h"
#include "capabilities.h"
#include "domain_conf.h"
#include "domain_event.h"
#include "driver.h"
#include "virdomainobjlist.h"
#include "virthread.h"
#include "virthreadpool.h"

#include "ct_template.h"

#define CT_DRIVER_NAME "CT"
#define CT_URI_SCHEME "ct"
#define CT_SUPERVISOR_NAME "ct-supervisor"

typedef struct _virCTDriverConfig virCTDriverConfig;
struct _virCTDriverConfig {
    virObject parent;

    char *root; /* embedded root, or NULL */
    char *configDir; /* persistent definitions */
    char *autostartDir; /* links to autostarted definitions */
    char *stateDir; /* status files, monitor sockets (runtime) */
    char *dataDir; /* templates and container layers */
    char *logDir; /* supervisor logs */
    char *schemaDir; /* our RelaxNG schemas */
    char *supervisor; /* ct-supervisor binary that is run */
    char *criu; /* CRIU for checkpoint and restore (ct_save.c), maybe absent */
    char *emulator; /* what <emulator> shows: the installed path */

    /* Host ids for containers with a user namespace of their own: each
     * gets idRangeSize ids from [idPoolStart, idPoolStart + idPoolSize) */
    unsigned int idPoolStart;
    unsigned int idPoolSize;
    unsigned int idRangeSize;

    /* Incoming migrations: the name or address sources send the data to
     * (default: this host's name), and the address the port is bound on
     * (default: every address) */
    char *migrationHost;
    char *migrationAddress;
    /* seconds a migration waits for the other side's data (a cut
     * network, a stalled peer) before it gives up */
    unsigned int migrationTimeout;

    /* An XFS image mounted on the store's containers/ (ct_disk.h), so
     * that snapshots and clones share blocks with their layers; its size
     * when it is made (0: 90 % of the space free there) */
    char *layerPool;
    unsigned long long layerPoolSize;
};

G_DEFINE_AUTOPTR_CLEANUP_FUNC(virCTDriverConfig, virObjectUnref);

typedef struct _virCTDriver virCTDriver;
struct _virCTDriver {
    virMutex lock; /* protects caps */
    virMutex idLock; /* held from choosing a new id range until its domain is listed */
    GHashTable *idRanges; /* require idLock: UUID string -> its id range (ct_idrange.c) */
    unsigned int idRangesPruned; /* require idLock: entries after the last prune */
    int idRangesRemovedSeen; /* require idLock: domainsRemoved at the last prune */

    /* Immutable after initialization */
    bool privileged;
    char *embeddedRoot;
    virDomainXMLOption *xmlopt;
    virCTDriverConfig *config;
    virCTStore *store; /* templates and layers under config->dataDir */
    int lockFD; /* pid file lock of the state directory */
    virStateInhibitCallback inhibitCallback; /* keeps a --timeout daemon up */
    void *inhibitOpaque;

    /* Atomic: running containers (the daemon must not time out then) */
    int nactive;
    /* Atomic: domains taken off the list so far (virCTDriverRemoveDomain) */
    int domainsRemoved;

    /* Self-locking objects */
    virDomainObjList *domains;
    /* container exits and stop timers (virCTProcessWorker), never the
     * event loop's work: drained at daemon shutdown */
    virThreadPool *workerPool;
    /* paths of transient containers' layers put aside at their stop, for
     * the remover thread to delete (ct_layer.c); it finishes them before
     * the driver is freed.  NULL while the thread does not run. */
    GAsyncQueue *removals;
    virThread remover;
    virObjectEventState *domainEventState;

    /* Require lock; use virCTDriverGetCapabilities() */
    virCaps *caps;
};

#define CT_ID_POOL_START 1000000000U
#define CT_ID_POOL_SIZE 1000000000U
#define CT_ID_RANGE_SIZE 65536U

virCTDriverConfig *virCTDriverConfigNew(bool privileged, const char *root);
int virCTDriverConfigLoadFile(virCTDriverConfig *cfg, const char *path);
char *virCTDriverConfigFilePath(virCTDriverConfig *cfg);
int virCTDriverConfigMakeDirs(virCTDriverConfig *cfg);

virCaps *virCTDriverCapsInit(virCTDriverConfig *cfg);
virCaps *virCTDriverGetCapabilities(virCTDriver *driver, bool refresh);

/* virDomainObjListRemove() of the locked @vm, counted, so that the id
 * ranges know that one may be gone (ct_idrange.c). */
void virCTDriverRemoveDomain(virCTDriver *driver, virDomainObj *vm);

/* Writes @content to the state file @path (the state directory's: a
 * plan, a status file), aside as "@path.new" then renamed over @path, so
 * that whenever the daemon is killed the file is the old one or the new
 * one whole (a dead write's ".new" is removed at the next start).  No
 * fsync: the state directory describes processes, which a crash of the
 * host does not leave running; it must outlive the daemon, which the
 * page cache does, not the host (libvirt's other drivers keep it on a
 * tmpfs, /run, where an fsync costs nothing either).  0 or -1. */
int virCTDriverWriteStateFile(const char *path, const char *content);

/* The status file of the running @vm, as virDomainObjSave() writes it,
 * through virCTDriverWriteStateFile(). */
int virCTDriverSaveStatus(virCTDriver *driver, virDomainObj *vm);
