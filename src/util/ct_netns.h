/*
 * ct_netns.h: work inside a container's network namespace
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The daemon configures a container's interfaces itself, with libvirt's
 * net device helpers, from a short-lived thread that joined the
 * container's network namespace: a network namespace is per thread, so
 * nothing else of the daemon ever sees it, and no process is forked.
 */

#pragma once

#include <sys/types.h>

typedef int (*virCTNetnsFunc)(void *opaque);

/* Runs @func(@opaque) in a new thread inside the network namespace of
 * process @pid and waits for it.  Returns what @func returned; an error
 * @func reported (in its thread) is the caller's current error then. */
int virCTNetnsRun(pid_t pid, virCTNetnsFunc func, void *opaque);
