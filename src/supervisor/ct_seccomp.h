/*
 * ct_seccomp.h: the container's seccomp filter: a deny list, and system
 * calls answered by its supervisor
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Calls that reach the host kernel whatever namespace the caller is in
 * (open_by_handle_at, module and kexec loading, bpf, perf, syslog,
 * keyrings, ...) are refused by one deny list, for the native ABI and
 * the compatibility ones (i386, x32); a process of any other ABI is
 * killed.  The table with a reason per call is in ct_seccomp.c.
 *
 * Some numbers a container asks the kernel for are global and cannot be
 * faked through a file: sysinfo(2) (busybox free and uptime, Go and Java
 * runtimes sizing their heaps) reports the host's memory and uptime.  The
 * container child installs a seccomp filter that hands exactly those
 * calls, of native-architecture processes, to a listener descriptor; the
 * supervisor answers them from the container's cgroups.  Plain C.
 */

#pragma once

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One denied call: its number on the native ABI and on the compatibility
 * ABI (i386 on x86_64; -1 when it has none), and the errno answered. */
typedef struct {
    const char *name;
    int nr;
    int compatNr;
    int error;
} virCTSeccompRule;

extern const virCTSeccompRule virCTSeccompDenyList[];
extern const size_t virCTSeccompDenyListLen;

#define CT_SECCOMP_MAX_INSNS 255

/* Writes the filter program into @insns (at most @max instructions):
 * the deny list, and with @listener sysinfo(2) of native processes
 * handed to the listener.  Returns the program's length (which may
 * exceed @max: nothing past @max is written), or -1 with errno ENOTSUP
 * on an architecture we have no filter for. */
int virCTSeccompBuild(bool listener, struct sock_filter *insns, size_t max);

/* Installs the filter on the calling thread (inherited by everything it
 * forks and execs).  Needs CAP_SYS_ADMIN in the caller's user namespace.
 * Returns the listener descriptor (close-on-exec) with @listener, else 0;
 * or -1 with errno: ENOTSUP on an architecture we have no filter for,
 * EBUSY when a filter above us already has a listener (we run nested in
 * such a container). */
int virCTSeccompInstall(bool listener);

/* The filter a restore puts under a checkpointed container
 * (ct_restore.c): sysinfo(2) of native processes handed to the listener,
 * everything else allowed (the checkpoint brings its own deny list back
 * above it).  Same contract as virCTSeccompBuild. */
int virCTSeccompBuildListener(struct sock_filter *insns, size_t max);

/* Installs that filter on the calling thread; returns its listener
 * (close-on-exec) or -1 with errno. */
int virCTSeccompInstallListener(void);

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
