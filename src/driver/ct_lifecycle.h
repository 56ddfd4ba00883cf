/*
 * ct_lifecycle.h: entry points that start, stop and control containers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "ct_conf.h"

int ctDomainCreateWithFlags(virDomainPtr dom, unsigned int flags);
int ctDomainCreate(virDomainPtr dom);
virDomainPtr ctDomainCreateXML(virConnectPtr conn, const char *xml, unsigned int flags);
int ctDomainDestroyFlags(virDomainPtr dom, unsigned int flags);
int ctDomainDestroy(virDomainPtr dom);
int ctDomainShutdownFlags(virDomainPtr dom, unsigned int flags);
int ctDomainShutdown(virDomainPtr dom);
int ctDomainReboot(virDomainPtr dom, unsigned int flags);
int ctDomainSuspend(virDomainPtr dom);
int ctDomainResume(virDomainPtr dom);
int ctDomainOpenConsole(virDomainPtr dom, const char *devname, virStreamPtr st, unsigned int flags);
int ctDomainLxcOpenNamespace(virDomainPtr dom, int **fdlist, unsigned int flags);
int ctDomainSendProcessSignal(virDomainPtr dom, long long pid, unsigned int signum,
                              unsigned int flags);
char *ctDomainGetHostname(virDomainPtr dom, unsigned int flags);
int ctDomainGetSecurityLabel(virDomainPtr dom, virSecurityLabelPtr seclabel);
