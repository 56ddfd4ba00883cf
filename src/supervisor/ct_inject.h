/*
 * ct_inject.h: sysinfo(2) listeners for a restored container (supervisor)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <stddef.h>
#include <sys/types.h>

/* Gives each process in the PID namespace of @init a seccomp filter that
 * sends sysinfo(2) to a listener, as far as it may take one (see
 * ct_inject.c); up to @max listeners into @fds.  Returns how many. */
int virCTInjectSysinfo(pid_t init, int *fds, size_t max);
