/*
 * ct_domain_input.h: domain and device XML from clients, checked before use
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "ct_conf.h"

/* The most vCPUs (and I/O threads) a definition may declare: the most CPUs
 * a Linux kernel can be built for.  libvirt allocates one structure per
 * declared vCPU, so the count is refused before libvirt parses it. */
#define CT_DOMAIN_MAX_VCPUS 8192

virDomainDef *virCTDomainInputParse(virCTDriver *driver, const char *xml, bool validate);

virDomainDeviceDef *virCTDomainInputParseDevice(virCTDriver *driver, const char *xml,
                                                const virDomainDef *def);

int virCTDomainInputCheckSnapshot(virCTDriver *driver, const char *xml);

int virCTDomainInputCheckSaved(virCTDriver *driver, const virDomainDef *def);

int virCTDomainInputValidateSchema(virCTDriverConfig *cfg, xmlDocPtr doc, bool domainSchema);
