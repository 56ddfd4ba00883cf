/*
 * ct_seccomp.h: system calls of a container answered by its supervisor
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Some numbers a container asks the kernel for are global and cannot be
 * faked through a file: sysinfo(2) (busybox free and uptime, Go and Java
 * runtimes sizing their heaps) reports the host's memory and uptime.  The
 * container child installs a seccomp filter that hands exactly those
 * calls, of native-architecture processes, to a listener descriptor; the
 * supervisor answers them from the container's cgroups.  Plain C.
 */

#pragma once

#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>

/* Installs the filter on the calling thread (inherited by everything it
 * forks and execs).  Needs CAP_SYS_ADMIN in the caller's user namespace.
 * Returns the listener descriptor (close-on-exec), or -1 with errno:
 * ENOTSUP on an architecture we have no filter for, EBUSY when a filter
 * above us already has a listener (we run nested in such a container). */
int virCTSeccompInstall(void);

/* Receives one notification into @req.  Returns 0, or -1 with errno
 * (ENOENT: the caller died before we read it). */
int virCTSeccompReceive(int listener, struct seccomp_notif *req);

/* Writes @len bytes at @addr of the calling process of @req, after
 * checking that the call is still pending (so its PID was not reused).
 * Returns 0 or -errno (EFAULT for a bad address). */
int virCTSeccompWriteMemory(int listener, const struct seccomp_notif *req, uint64_t addr,
                            const void *buf, size_t len);

/* Completes the call of @req: with return value 0 when @error is 0, else
 * failing with -@error.  Returns 0 or -1 with errno. */
int virCTSeccompRespond(int listener, const struct seccomp_notif *req, int error);
