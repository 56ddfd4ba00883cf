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
    bool restarting; /* stopped to be started again at once */
    char *extraCgroupPath; /* its cgroup in hierarchies libvirt leaves alone */
    char *cgroupPath; /* its cgroup, in every hierarchy: recorded before it is made */
    int stopTimer; /* event timeout that kills after a shutdown request, or -1 */
};

#define CT_DOMAIN_PRIVATE(vm) ((virCTDomainObjPrivate *)(vm)->privateData)

extern virXMLNamespace virCTDriverDomainXMLNamespace;

virDomainXMLOption *virCTDomainXMLConfInit(virCTDriver *driver);

const virCTDomainNamespaceDef *virCTDomainGetNamespaceDef(const virDomainDef *def);
virCTDomainNamespaceDef *virCTDomainEnsureNamespaceDef(virDomainDef *def);

/* The memory limit in KiB a container runs under: its memory size (the
 * current balloon), or <memtune><hard_limit> when lower. */
unsigned long long virCTDomainMemoryLimit(const virDomainDef *def);

/* Checks the disk limits of @fs (also when they are changed live). */
int virCTDomainValidateSpace(const virDomainFSDef *fs);

int virCTDomainValidateSchema(virCTDriverConfig *cfg, const char *xml);

/* The host uid and gid that root inside the container of @def is: true
 * when it has a user namespace mapping root (the <idmap> entries that
 * start at 0), false when root inside is the host's root. */
bool virCTDomainGetHostRoot(const virDomainDef *def, uid_t *uid, gid_t *gid);
