/*
 * ct_idrange.h: host id ranges of containers with a user namespace
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "ct_conf.h"

/* Gives @def (to be added to the domain list by the caller while it still
 * holds driver->idLock; @live for a transient start) its id range: the one it names (refused if
 * another domain holds it), the one its UUID already has, or a free one from the pool, written into
 * its <ct:idrange>.  Nothing for a privileged container or one with an <idmap>.  Returns 0, or -1
 * with an error. */
int virCTIdRangeAssign(virCTDriver *driver, virDomainDef *def, bool live);

/* At daemon start, before anything else runs: records the ranges of every
 * loaded definition and gives one to definitions from before ranges
 * existed (their config is saved again). */
void virCTIdRangeLoadAll(virCTDriver *driver);

void virCTIdRangeFree(virCTDriver *driver);
