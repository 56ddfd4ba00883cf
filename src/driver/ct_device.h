/*
 * ct_device.h: entry points on a container's devices (its root's limits)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "ct_conf.h"

int ctDomainUpdateDeviceFlags(virDomainPtr dom, const char *xml, unsigned int flags);
int ctDomainGetBlockInfo(virDomainPtr dom, const char *path, virDomainBlockInfoPtr info,
                         unsigned int flags);
int ctDomainAttachDevice(virDomainPtr dom, const char *xml);
int ctDomainAttachDeviceFlags(virDomainPtr dom, const char *xml, unsigned int flags);
int ctDomainDetachDevice(virDomainPtr dom, const char *xml);
int ctDomainDetachDeviceFlags(virDomainPtr dom, const char *xml, unsigned int flags);
