/*
 * ct_tune.h: entry points that change a container's resource limits,
 * live and in its definition
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "ct_conf.h"

int ctDomainSetMemoryParameters(virDomainPtr dom, virTypedParameterPtr params, int nparams,
                                unsigned int flags);
int ctDomainGetMemoryParameters(virDomainPtr dom, virTypedParameterPtr params, int *nparams,
                                unsigned int flags);
int ctDomainSetMemoryFlags(virDomainPtr dom, unsigned long newmem, unsigned int flags);
int ctDomainSetMemory(virDomainPtr dom, unsigned long newmem);
int ctDomainSetMaxMemory(virDomainPtr dom, unsigned long newmax);
char *ctDomainGetSchedulerType(virDomainPtr dom, int *nparams);
int ctDomainGetSchedulerParametersFlags(virDomainPtr dom, virTypedParameterPtr params, int *nparams,
                                        unsigned int flags);
int ctDomainGetSchedulerParameters(virDomainPtr dom, virTypedParameterPtr params, int *nparams);
int ctDomainSetSchedulerParametersFlags(virDomainPtr dom, virTypedParameterPtr params, int nparams,
                                        unsigned int flags);
int ctDomainSetSchedulerParameters(virDomainPtr dom, virTypedParameterPtr params, int nparams);
int ctDomainSetBlkioParameters(virDomainPtr dom, virTypedParameterPtr params, int nparams,
                               unsigned int flags);
int ctDomainGetBlkioParameters(virDomainPtr dom, virTypedParameterPtr params, int *nparams,
                               unsigned int flags);
int ctDomainSetNumaParameters(virDomainPtr dom, virTypedParameterPtr params, int nparams,
                              unsigned int flags);
int ctDomainGetNumaParameters(virDomainPtr dom, virTypedParameterPtr params, int *nparams,
                              unsigned int flags);
int ctDomainSetVcpusFlags(virDomainPtr dom, unsigned int nvcpus, unsigned int flags);
int ctDomainSetVcpus(virDomainPtr dom, unsigned int nvcpus);

/* The most CPUs @def may be given (setvcpus' upper bound), or -1 with an
 * error reported. */
int virCTTuneVcpusMax(const virDomainDef *def);
int ctDomainPinVcpuFlags(virDomainPtr dom, unsigned int vcpu, unsigned char *cpumap, int maplen,
                         unsigned int flags);
int ctDomainPinVcpu(virDomainPtr dom, unsigned int vcpu, unsigned char *cpumap, int maplen);
int ctDomainPinEmulator(virDomainPtr dom, unsigned char *cpumap, int maplen, unsigned int flags);
int ctDomainGetVcpuPinInfo(virDomainPtr dom, int ncpumaps, unsigned char *cpumaps, int maplen,
                           unsigned int flags);
int ctDomainGetEmulatorPinInfo(virDomainPtr dom, unsigned char *cpumap, int maplen,
                               unsigned int flags);
