/*
 * ct_lxcfs.h: LXCFS, the host's cgroup-aware view of /proc for containers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * LXCFS is a FUSE file system whose /proc/meminfo, /proc/cpuinfo, ...
 * answer with the figures of the cgroups of the reader's PID namespace
 * init.  Bind-mounted over the container's own files, they make free, top,
 * uptime and nproc inside the container show the container's limits.
 * One lxcfs serves the whole host; it is optional: without it containers
 * start all the same and see the host's figures.
 */

#pragma once

#include "internal.h"

#define CT_LXCFS_DIR "/var/lib/lxcfs"

/* Makes sure lxcfs serves at CT_LXCFS_DIR, starting it detached from the
 * daemon (so it outlives virtctd) when it is installed and not running;
 * when it serves, a statfs() and a read: cheap enough for every start.
 * Returns 1 when it serves, 0 with a warning logged when it cannot (not
 * installed, or failed to start); never -1. */
int virCTLxcfsEnsure(void);

/* The files to bind from CT_LXCFS_DIR over the container's own, as paths
 * relative both to CT_LXCFS_DIR and to the container's root; NULL-ended. */
extern const char *const virCTLxcfsFiles[];
