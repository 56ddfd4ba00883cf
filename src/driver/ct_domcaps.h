/*
 * ct_domcaps.h: what a container can be, as virConnectGetDomainCapabilities
 * reports it
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "internal.h"
#include "virarch.h"

/* The <domainCapabilities> document of a container of @arch run by
 * @emulator, echoing @machine (may be NULL).  Returns a string the caller
 * frees, or NULL with an error reported. */
char *virCTDomainCapsFormat(const char *emulator, const char *machine, virArch arch);
