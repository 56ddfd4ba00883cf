/*
 * ct_domain.h: domain private data and the ct: XML namespace
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "ct_conf.h"
#include "vircgroup.h"

#define CT_NAMESPACE_PREFIX "ct"
#define CT_NAMESPACE_HREF "http://libvirt.org/schemas/domain/ct/1.0"

/* What the ct: namespace adds to a domain definition.  A value of 0 means
 * "not set"; every field here is enforced when the container starts, or
 * the start is refused. */
typedef struct _virCTDomainNamespaceDef virCTDomainNamespaceDef;
struct _virCTDomainNamespaceDef {
    unsigned long long processes; /* <ct:processes>: maximum tasks */
    unsigned long long inodes; /* <ct:inodes>: root fs inode limit */
    bool privileged; /* <ct:privileged/>: no user namespace of its own */
    /* <ct:idrange target='T' count='C'/>: ids 0..C-1 inside are host ids
     * T..T+C-1; allocated by the driver from its pool when not given
     * (count 0: none yet) */
    unsigned int idrangeTarget;
    unsigned int idrangeCount;
};

typedef struct _virCTMonitor virCTMonitor;

typedef struct _virCTDomainObjPrivate virCTDomainObjPrivate;
struct _virCTDomainObjPrivate {
    virCTDriver *driver;
    pid_t supervisorPid; /* 0 when inactive */
    virCTMonitor *monitor; /* connection to the supervisor */
    virCgroup *cgroup;
    bool autodestroy; /* stop when the creating client goes away */
    bool counted; /* included in driver->nactive */
    bool wantReboot; /* start again when init ends (reboot requested) */
    bool wantPoweroff; /* stay off when init ends, even by reboot(2) (shutdown requested) */
    bool restarting; /* stopped to be started again at once */
    bool starting; /* started, init not running yet: the ID is not init's */
    char *extraCgroupPath; /* its cgroup in hierarchies libvirt leaves alone */
    char *cgroupPath; /* its cgroup, in every hierarchy: recorded before it is made */
    int stopTimer; /* event timeout that kills after a shutdown request, or -1 */
    /* a save in progress (ct_save.c), for virDomainGetJobStats: when it
     * began (ms), its work directory while CRIU dumps, the bytes of the
     * image written since (atomic: written with the domain unlocked) */
    unsigned long long saveStarted;
    char *saveDumpDir;
    unsigned long long saveBytes;
    /* an outgoing migration (ct_migrate_src.c) from Begin to Confirm,
     * and the bandwidth limit of the next ones (MiB/s, 0: none) */
    struct _virCTMigrateOut *migrateOut;
    unsigned long migrateSpeed;
    /* the figures of the last save or migration that completed, for
     * virsh domjobinfo --completed (valid when completedOperation) */
    int completedOperation; /* virDomainJobOperation */
    unsigned long long completedElapsed; /* ms */
    unsigned long long completedDowntime; /* ms, 0: not known */
    unsigned long long completedBytes;
};

#define CT_DOMAIN_PRIVATE(vm) ((virCTDomainObjPrivate *)(vm)->privateData)

extern virXMLNamespace virCTDriverDomainXMLNamespace;

virDomainXMLOption *virCTDomainXMLConfInit(virCTDriver *driver);

const virCTDomainNamespaceDef *virCTDomainGetNamespaceDef(const virDomainDef *def);
virCTDomainNamespaceDef *virCTDomainEnsureNamespaceDef(virDomainDef *def);

/* A container runs in a user namespace of its own unless it asks for
 * <ct:privileged/>: with the ids of its <idmap> (a root already owned by
 * the mapped ids, as libvirt-lxc means it), or else with the id range the
 * driver allocated for it (its file systems then shifted by idmapped
 * mounts). */
bool virCTDomainIsPrivileged(const virDomainDef *def);
bool virCTDomainUsesIdRange(const virDomainDef *def);

/* The host ids of root inside a container with a user namespace; false
 * (and nothing set) for a privileged one or one without a range yet. */
bool virCTDomainGetHostRoot(const virDomainDef *def, uid_t *uid, gid_t *gid);

/* The memory limit in KiB a container runs under: its memory size (the
 * current balloon), or <memtune><hard_limit> when lower. */
unsigned long long virCTDomainMemoryLimit(const virDomainDef *def);

/* Checks the disk limits of @fs (also when they are changed live). */
int virCTDomainValidateSpace(const virDomainFSDef *fs);

int virCTDomainDefValidate(const virDomainDef *def);

/* Device aliases of a running definition, libvirt's convention: "net0",
 * "fs0", "console0", ...; aliases already set (ua-* from the user, or
 * from a status file) are kept.  They appear in the live XML and name
 * devices in device events. */
void virCTDomainAssignAliases(virDomainDef *def);

/* The alias of @net, about to be attached to the running @def. */
void virCTDomainAssignNetAlias(const virDomainDef *def, virDomainNetDef *net);
