/*
 * ct_keeper_client.h: the daemon's side of the keeper's socket
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "ct_conf.h"

/* Has the keeper of the state directory (started if none serves it) run
 * the supervisor of @planPath on @syncFD.  Returns 0 with its pid, or -1
 * with an error. */
int virCTKeeperSpawn(virCTDriver *driver, const char *planPath, int syncFD, pid_t *pid);
