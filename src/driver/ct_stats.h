/*
 * ct_stats.h: a container's statistics, from its cgroup and its layer
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "ct_conf.h"

/* The CPU time (ns) and the memory in use (KiB) of the running @vm, from
 * its cgroup.  Returns 0, or -1 with an error reported. */
int virCTStatsGetUsage(virDomainObj *vm, unsigned long long *cpuTime, unsigned long *memory);

int ctDomainMemoryStats(virDomainPtr dom, virDomainMemoryStatPtr stats, unsigned int nr_stats,
                        unsigned int flags);
int ctDomainGetCPUStats(virDomainPtr dom, virTypedParameterPtr params, unsigned int nparams,
                        int start_cpu, unsigned int ncpus, unsigned int flags);
int ctDomainBlockStats(virDomainPtr dom, const char *path, virDomainBlockStatsPtr stats);
int ctDomainBlockStatsFlags(virDomainPtr dom, const char *path, virTypedParameterPtr params,
                            int *nparams, unsigned int flags);
int ctDomainGetVcpus(virDomainPtr dom, virVcpuInfoPtr info, int maxinfo, unsigned char *cpumaps,
                     int maplen);
int ctConnectGetAllDomainStats(virConnectPtr conn, virDomainPtr *doms, unsigned int ndoms,
                               unsigned int stats, virDomainStatsRecordPtr **retStats,
                               unsigned int flags);
int ctDomainInterfaceStats(virDomainPtr dom, const char *device, virDomainInterfaceStatsPtr stats);
int ctDomainInterfaceAddresses(virDomainPtr dom, virDomainInterfacePtr **ifaces,
                               unsigned int source, unsigned int flags);
