/*
 * ct_caps.h: capability sets of the container init
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <stdint.h>
#include <sys/types.h>

/* Drops every capability whose bit is clear in @keep from the bounding
 * set.  Needs CAP_SETPCAP, so call it before changing ids.  Returns 0 or
 * -1 with the error reported. */
int virCTCapsDropBounding(uint64_t keep);

/* Sets effective, permitted and inheritable to @keep (raw capset, version
 * 3) and, when @ambient, raises the kept capabilities in the ambient set
 * so a non-root init keeps them across execve.  Returns 0 or -1. */
int virCTCapsSet(uint64_t keep, int ambient);
