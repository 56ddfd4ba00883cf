/*
 * ct_inject.c: sysinfo(2) listeners for a restored container (supervisor)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The supervisor answers sysinfo(2) inside through the listener of the
 * container's seccomp filter.  CRIU restores the filter without its
 * listener (ct_restore.c turns its USER_NOTIF into ALLOW, so the kernel
 * answers).  To answer from the container's cgroups again, each restored
 * process gets a small filter of its own, sysinfo(2) to USER_NOTIF, with
 * a listener: it runs seccomp(2) itself, made to by ptrace, the way CRIU's
 * compel runs code in a process (seize, interrupt, registers saved, one
 * system call at a syscall instruction of its vDSO, registers put back,
 * detach; an interrupted system call restarts as it would have).  The
 * listener is taken out with pidfd_getfd(2) and closed in the process.
 * Its children inherit the filter, so one listener serves each process's
 * descendants.
 *
 * seccomp(2) wants CAP_SYS_ADMIN in the process's user namespace or
 * no_new_privs: other processes (an unprivileged user's, without
 * no_new_privs) keep the kernel's answers, as do 32-bit processes,
 * stopped ones and those beyond CT_SUPERVISOR_MAX_NOTIFY.  x86_64 only;
 * elsewhere nothing is done.
 */

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ct_cleanup.h"
#include "ct_error.h"
#include "ct_inject.h"
#include "ct_seccomp.h"

#if defined(__x86_64__)
#include <sys/ptrace.h>
#include <sys/user.h>

#ifndef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1UL << 4)
#endif
#ifndef PTRACE_EVENT_STOP
#define PTRACE_EVENT_STOP 128
#endif

/* Where the process's vDSO has a syscall instruction (0f 05): every
 * x86_64 vDSO has them, for the fallbacks of its time functions. */
static unsigned long
vdsoSyscall(pid_t pid, int mem)
{
    char path[64];
    CT_AUTOFCLOSE FILE *fp = NULL;
    CT_AUTOFREE char *line = NULL;
    size_t cap = 0;

    snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
    if (!(fp = fopen(path, "re")))
        return 0;
    while (getline(&line, &cap, fp) > 0) {
        unsigned long start;
        unsigned long end;
        unsigned char buf[16384];
        unsigned char *at;
        ssize_t n;

        if (!strstr(line, "[vdso]") || sscanf(line, "%lx-%lx", &start, &end) != 2)
            continue;
        n = pread(mem, buf, end - start < sizeof(buf) ? end - start : sizeof(buf), start);
        if (n <= 1)
            return 0;
        if ((at = memmem(buf, n, "\x0f\x05", 2)))
            return start + (at - buf);
        return 0;
    }
    return 0;
}


/* One system call in the stopped @pid (registers @saved), at @insn;
 * its result, or -errno, in *@ret.  Returns -1 when ptrace failed (the
 * process's registers may not be as they were: the caller puts them
 * back). */
static int
remoteSyscall(pid_t pid, const struct user_regs_struct *saved, unsigned long insn, long nr,
              unsigned long a1, unsigned long a2, unsigned long a3, long *ret)
{
    struct user_regs_struct regs = *saved;
    int status;

    regs.rax = nr;
    regs.orig_rax = -1; /* no system call to restart on the way */
    regs.rdi = a1;
    regs.rsi = a2;
    regs.rdx = a3;
    regs.rip = insn;
    if (ptrace(PTRACE_SETREGS, pid, NULL, &regs) < 0 ||
        ptrace(PTRACE_SINGLESTEP, pid, NULL, NULL) < 0)
        return -1;
    while (waitpid(pid, &status, __WALL) < 0) {
        if (errno != EINTR)
            return -1;
    }
    if (!WIFSTOPPED(status) || WSTOPSIG(status) != SIGTRAP ||
        ptrace(PTRACE_GETREGS, pid, NULL, &regs) < 0)
        return -1;
    *ret = (long)regs.rax;
    return 0;
}


/* In the stopped @pid: a filter sending sysinfo(2) to a new listener,
 * which it hands over (closed in the process).  Returns the listener, or
 * -1 (errno) when the process may not (EACCES) or cannot take one. */
static int
installFilter(pid_t pid, int pidfd, const struct user_regs_struct *saved, int threads)
{
    struct sock_filter prog[8];
    struct {
        unsigned short len;
        unsigned short pad[3];
        unsigned long filter;
    } fprog;
    unsigned char backup[sizeof(prog) + sizeof(fprog) + 16];
    char path[64];
    CT_AUTOCLOSE int mem = -1;
    unsigned long insn;
    unsigned long area;
    unsigned long flags = SECCOMP_FILTER_FLAG_NEW_LISTENER;
    long ret = -ENOSYS;
    long closed;
    int n;
    int listener = -1;
    int err;

    if ((n = virCTSeccompBuildSysinfo(prog, sizeof(prog) / sizeof(prog[0]))) <= 0)
        return -1;
    snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
    if ((mem = open(path, O_RDWR | O_CLOEXEC)) < 0 || !(insn = vdsoSyscall(pid, mem))) {
        errno = ENOEXEC;
        return -1;
    }
    /* below the red zone of the interrupted code; put back afterwards */
    area = ((saved->rsp - 256 - sizeof(backup)) & ~15UL);
    fprog.len = n;
    memset(fprog.pad, 0, sizeof(fprog.pad));
    fprog.filter = area + 16 + sizeof(fprog);
    if (pread(mem, backup, sizeof(backup), area) != sizeof(backup) ||
        pwrite(mem, &fprog, sizeof(fprog), area + 16) != sizeof(fprog) ||
        pwrite(mem, prog, n * sizeof(prog[0]), fprog.filter) != (ssize_t)(n * sizeof(prog[0]))) {
        errno = EFAULT;
        return -1;
    }
    if (threads > 1)
        flags |= SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
    if (remoteSyscall(pid, saved, insn, __NR_seccomp, SECCOMP_SET_MODE_FILTER, flags, area + 16,
                      &ret) < 0) {
        err = errno;
        (void)!pwrite(mem, backup, sizeof(backup), area);
        errno = err;
        return -1;
    }
    if (ret >= 0) {
        listener = syscall(SYS_pidfd_getfd, pidfd, (int)ret, 0);
        err = errno;
        if (remoteSyscall(pid, saved, insn, __NR_close, ret, 0, 0, &closed) < 0)
            virCTLog("cannot close the listener %ld in %d", ret, (int)pid);
        errno = err;
    } else {
        errno = -ret;
    }
    (void)!pwrite(mem, backup, sizeof(backup), area);
    return listener;
}


/* 'R'unning, 'S'leeping...: a stopped process (T, t) is left alone, so is
 * a zombie; and the number of its threads. */
static char
procState(pid_t pid, int *threads)
{
    char path[64];
    CT_AUTOFCLOSE FILE *fp = NULL;
    CT_AUTOFREE char *line = NULL;
    size_t cap = 0;
    char state = 0;

    *threads = 0;
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    if (!(fp = fopen(path, "re")))
        return 0;
    while (getline(&line, &cap, fp) > 0) {
        if (strncmp(line, "State:", 6) == 0)
            sscanf(line + 6, " %c", &state);
        else if (strncmp(line, "Threads:", 8) == 0)
            *threads = atoi(line + 8);
    }
    return state;
}


static int
injectOne(pid_t pid)
{
    struct user_regs_struct saved;
    CT_AUTOCLOSE int pidfd = -1;
    int threads;
    int status;
    int listener = -1;
    int err = 0;
    char state = procState(pid, &threads);

    if (!state || state == 'T' || state == 't' || state == 'Z' || state == 'X')
        return -1;
    if ((pidfd = syscall(SYS_pidfd_open, pid, 0)) < 0)
        return -1;
    if (ptrace(PTRACE_SEIZE, pid, NULL, NULL) < 0)
        return -1;
    if (ptrace(PTRACE_INTERRUPT, pid, NULL, NULL) < 0)
        goto detach;
    while (waitpid(pid, &status, __WALL) < 0) {
        if (errno != EINTR)
            goto detach;
    }
    if (!WIFSTOPPED(status) || (status >> 16) != PTRACE_EVENT_STOP ||
        ptrace(PTRACE_GETREGS, pid, NULL, &saved) < 0)
        goto detach;
    /* a 32-bit process: its sysinfo is another call, left to the kernel */
    if (saved.cs != 0x33)
        goto detach;
    listener = installFilter(pid, pidfd, &saved, threads);
    err = errno;
    if (ptrace(PTRACE_SETREGS, pid, NULL, &saved) < 0)
        virCTLog("cannot put back the registers of %d: %s", (int)pid, strerror(errno));

 detach:
    ptrace(PTRACE_DETACH, pid, NULL, NULL);
    if (listener < 0 && err && err != EACCES)
        virCTLog("process %d keeps the kernel's sysinfo(2): %s", (int)pid, strerror(err));
    return listener;
}


int
virCTInjectSysinfo(pid_t init, int *fds, size_t max)
{
    char path[64];
    struct stat initNs;
    DIR *proc = NULL;
    struct dirent *ent;
    size_t n = 0;

    snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)init);
    if (stat(path, &initNs) < 0 || !(proc = opendir("/proc")))
        return 0;
    while (n < max && (ent = readdir(proc))) {
        struct stat ns;
        char *end;
        long pid = strtol(ent->d_name, &end, 10);
        int fd;

        if (*end || pid <= 0)
            continue;
        snprintf(path, sizeof(path), "/proc/%ld/ns/pid", pid);
        if (stat(path, &ns) < 0 || ns.st_ino != initNs.st_ino || ns.st_dev != initNs.st_dev)
            continue;
        if ((fd = injectOne(pid)) >= 0)
            fds[n++] = fd;
    }
    closedir(proc);
    return n;
}

#else /* !__x86_64__ */

int
virCTInjectSysinfo(pid_t init, int *fds, size_t max)
{
    (void)init;
    (void)fds;
    (void)max;
    return 0;
}

#endif
