/*
 * ct_domain_api.h: domain definition and query entry points
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "ct_conf.h"

virDomainObj *ctDomObjFromDomain(virDomainPtr domain);

virDomainPtr ctDomainLookupByID(virConnectPtr conn, int id);
virDomainPtr ctDomainLookupByName(virConnectPtr conn, const char *name);
virDomainPtr ctDomainLookupByUUID(virConnectPtr conn, const unsigned char *uuid);
virDomainPtr ctDomainDefineXMLFlags(virConnectPtr conn, const char *xml, unsigned int flags);
virDomainPtr ctDomainDefineXML(virConnectPtr conn, const char *xml);
int ctDomainUndefineFlags(virDomainPtr dom, unsigned int flags);
int ctDomainUndefine(virDomainPtr dom);
char *ctDomainGetXMLDesc(virDomainPtr dom, unsigned int flags);
int ctDomainGetInfo(virDomainPtr dom, virDomainInfoPtr info);
int ctDomainGetState(virDomainPtr dom, int *state, int *reason, unsigned int flags);
char *ctDomainGetOSType(virDomainPtr dom);
unsigned long long ctDomainGetMaxMemory(virDomainPtr dom);
int ctDomainIsActive(virDomainPtr dom);
int ctDomainIsPersistent(virDomainPtr dom);
int ctDomainIsUpdated(virDomainPtr dom);
int ctDomainGetAutostart(virDomainPtr dom, int *autostart);
int ctDomainSetAutostart(virDomainPtr dom, int autostart);
int ctDomainSetMetadata(virDomainPtr dom, int type, const char *metadata, const char *key,
                        const char *uri, unsigned int flags);
char *ctDomainGetMetadata(virDomainPtr dom, int type, const char *uri, unsigned int flags);
int ctDomainGetVcpusFlags(virDomainPtr dom, unsigned int flags);
int ctDomainGetMaxVcpus(virDomainPtr dom);
int ctConnectListAllDomains(virConnectPtr conn, virDomainPtr **domains, unsigned int flags);
int ctConnectNumOfDomains(virConnectPtr conn);
int ctConnectListDomains(virConnectPtr conn, int *ids, int nids);
int ctConnectNumOfDefinedDomains(virConnectPtr conn);
int ctConnectListDefinedDomains(virConnectPtr conn, char **const names, int nnames);
int ctDomainGetMessages(virDomainPtr dom, char ***msgs, unsigned int flags);
