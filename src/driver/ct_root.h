/*
 * ct_root.h: a bound root that outlives the container's reboots
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "ct_conf.h"

/* State-directory suffix of a container's kept root (NAME.root). */
#define VIR_CT_ROOT_SUFFIX ".root"

/* The bind of @vm's root for its plan in @keptRoot (NULL without a root
 * from a host directory): the one kept over a reboot, or a new one of the
 * source.  Returns 0 or -1 with an error. */
int virCTRootKeep(virCTDriver *driver, virDomainObj *vm, char **keptRoot);

/* Unmounts and removes the kept root (never anything below it). */
void virCTRootRelease(virCTDriver *driver, virDomainObj *vm);
void virCTRootReleasePath(const char *path);
