/*
 * ct_criu.h: what CRIU's logs say, for the daemon and the supervisor
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <stddef.h>

/* The first error in CRIU's log @path that made it give up (errors it
 * logs while it probes the kernel and goes on are skipped) into @buf.
 * Returns 1 when there is one, 0 when there is none, -1 (errno set) when
 * the log cannot be read. */
int ctCriuLogError(const char *path, char *buf, size_t len);
