/*
 * ct_seccomp.c: the container's seccomp filter: a deny list of calls that
 * reach the host kernel whatever namespace the caller is in, and the
 * system calls answered by its supervisor
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ct_cleanup.h"
#include "ct_seccomp.h"

#define N_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__x86_64__)
#define CT_SECCOMP_ARCH AUDIT_ARCH_X86_64
/* i386 processes run under their own numbers: the list below carries
 * them (asm/unistd_32.h); x32 uses the native numbers with this bit set
 * plus a few of its own (512 and up). */
#define CT_SECCOMP_COMPAT_ARCH AUDIT_ARCH_I386
#define CT_SECCOMP_X32_BIT 0x40000000U
#define COMPAT(n) n
#elif defined(__aarch64__)
#define CT_SECCOMP_ARCH AUDIT_ARCH_AARCH64
#define COMPAT(n) -1
#endif

/* Calls denied in every container, with the answer and the reason.  The
 * capability drops (ct_domain_plan.c) do not suffice: a privileged
 * container keeps CAP_SYS_ADMIN, which the kernel still accepts for
 * several of these, and <capabilities> in the XML may hand any back.
 * ENOSYS where programs treat the call as absent and fall back, EPERM
 * where they already expect a refusal.  -1: no such call on the ABI. */
#define ROW(name, i386, error)                  \
    {                                           \
#name, __NR_##name, COMPAT(i386), error \
    }
const virCTSeccompRule virCTSeccompDenyList[] = {
    /* "Shocker": any inode of the file system holding the root, by handle */
    ROW(open_by_handle_at, 342, EPERM),
    /* only useful to build handles for the above; systemd falls back */
    ROW(name_to_handle_at, 341, ENOSYS),
    /* kernel code: loading modules into the host kernel */
    ROW(init_module, 128, EPERM),
    ROW(finit_module, 350, EPERM),
    ROW(delete_module, 129, EPERM),
    /* replaces the host's kernel; CAP_SYS_BOOT stays for reboot(2) */
    ROW(kexec_load, 283, EPERM),
#ifdef __NR_kexec_file_load
    ROW(kexec_file_load, -1, EPERM),
#endif
    /* tracing programs read any process's memory (CAP_SYS_ADMIN allows) */
    ROW(bpf, 357, EPERM),
    /* CPU-wide counters and kprobes observe the host and other containers */
    ROW(perf_event_open, 336, EPERM),
    /* the host's kernel log; CAP_SYS_ADMIN is the kernel's fallback */
    ROW(syslog, 103, EPERM),
    /* keyrings are not namespaced: uid 0's user keyring is host root's */
    ROW(keyctl, 288, ENOSYS),
    ROW(add_key, 286, ENOSYS),
    ROW(request_key, 287, ENOSYS),
    /* process accounting into a host-wide file */
    ROW(acct, 51, EPERM),
    /* swap is host-wide */
    ROW(swapon, 87, EPERM),
    ROW(swapoff, 115, EPERM),
#ifdef __NR_iopl
    /* raw I/O ports: every device of the machine */
    ROW(iopl, 110, EPERM),
    ROW(ioperm, 101, EPERM),
#endif
    /* stalls kernel threads at will: the usual helper of race exploits */
    ROW(userfaultfd, 374, EPERM),
/* resolves kernel cookies to host paths (gone since 6.8, refused on older) */
#ifdef __NR_lookup_dcookie
    ROW(lookup_dcookie, 253, EPERM),
#endif
    /* quotas of the host's file systems (the root is a host directory) */
    ROW(quotactl, 131, EPERM),
    ROW(quotactl_fd, 443, EPERM),
    /* with CAP_SYS_ADMIN, marks a whole host file system and hands out
     * open descriptors of host files outside the root */
    ROW(fanotify_init, 338, EPERM),
    /* its operations are not system calls: they would pass by this filter */
    ROW(io_uring_setup, 425, ENOSYS),
    ROW(io_uring_enter, 426, ENOSYS),
    ROW(io_uring_register, 427, ENOSYS),
#ifdef CT_SECCOMP_X32_BIT
    /* kexec_load of x32 programs (its number 528 is unused natively) */
    { "kexec_load(x32)", 528, -1, EPERM },
#endif
};
const size_t virCTSeccompDenyListLen = N_ELEMENTS(virCTSeccompDenyList);

/* umount2(MNT_FORCE) aborts the pending operations of a file system the
 * host shares (NFS, FUSE): refused as LXC does; a plain or lazy unmount
 * stays. */
#define UMOUNT2_I386 52
#define IOCTL_I386 54


#ifdef CT_SECCOMP_ARCH
typedef struct {
    struct sock_filter *insns;
    size_t len;
    size_t max;
} filterBuf;

static void
emit(filterBuf *buf, struct sock_filter insn)
{
    if (buf->len < buf->max)
        buf->insns[buf->len] = insn;
    buf->len++;
}

static void
emitReturn(filterBuf *buf, uint32_t ret)
{
    emit(buf, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, ret));
}

/* "if nr == @nr return @ret" */
static void
emitNr(filterBuf *buf, int nr, uint32_t ret)
{
    if (nr < 0)
        return;
    emit(buf, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)nr, 0, 1));
    emitReturn(buf, ret);
}

static void
emitLoad(filterBuf *buf, uint32_t offset)
{
    emit(buf, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offset));
}

/* ioctl(TIOCSTI) pushes input into a terminal, TIOCLINUX (selection
 * paste) too: a process of the container holding a terminal of the host
 * (one entered with virt-ct-enter or lxc-enter-namespace) would type
 * commands into the admin's shell.  ioctl's request is 32 bits wide in the
 * kernel, so the low word is all there is to compare. */
static void
emitIoctl(filterBuf *buf, bool compat)
{
    emit(buf, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
                                           compat ? IOCTL_I386 : __NR_ioctl, 0, 5));
    emitLoad(buf, offsetof(struct seccomp_data, args[1]));
    emit(buf, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TIOCSTI, 2, 0));
    emit(buf, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TIOCLINUX, 1, 0));
    emitReturn(buf, SECCOMP_RET_ALLOW);
    emitReturn(buf, SECCOMP_RET_ERRNO | EPERM);
}

/* The number in the accumulator: the deny list, then ioctl and
 * umount2(MNT_FORCE) (both reload the accumulator, so they come last),
 * then allow. */
static void
emitDenyList(filterBuf *buf, bool compat)
{
    size_t i;
    int umount2 = compat ? UMOUNT2_I386 : __NR_umount2;

    for (i = 0; i < virCTSeccompDenyListLen; i++) {
        const virCTSeccompRule *rule = &virCTSeccompDenyList[i];
        emitNr(buf, compat ? rule->compatNr : rule->nr, SECCOMP_RET_ERRNO | rule->error);
    }
    emitIoctl(buf, compat);
#ifndef CT_SECCOMP_COMPAT_ARCH
    if (compat)
        umount2 = -1;
#endif
    if (umount2 >= 0) {
        emit(buf, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, umount2, 0, 3));
        emitLoad(buf, offsetof(struct seccomp_data, args[1]));
        emit(buf, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, MNT_FORCE, 0, 1));
        emitReturn(buf, SECCOMP_RET_ERRNO | EPERM);
    }
    emitReturn(buf, SECCOMP_RET_ALLOW);
}
#endif


int
virCTSeccompBuild(bool listener, struct sock_filter *insns, size_t max)
{
#ifdef CT_SECCOMP_ARCH
    filterBuf buf = { insns, 0, max };
    size_t compatJump;

    emitLoad(&buf, offsetof(struct seccomp_data, arch));
#ifdef CT_SECCOMP_COMPAT_ARCH
    compatJump = buf.len;
    emit(&buf,
         (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, CT_SECCOMP_COMPAT_ARCH, 0, 0));
#else
    compatJump = 0;
#endif
    /* any other ABI could reach the list under numbers we do not know */
    emit(&buf, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, CT_SECCOMP_ARCH, 1, 0));
    emitReturn(&buf, SECCOMP_RET_KILL_PROCESS);
    emitLoad(&buf, offsetof(struct seccomp_data, nr));
#ifdef CT_SECCOMP_X32_BIT
    /* x32: the native list on the number without its bit, no listener
     * (its struct sysinfo is not ours to write) */
    emit(&buf, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, CT_SECCOMP_X32_BIT, 0,
                                            listener ? 2 : 1));
    emit(&buf, (struct sock_filter)BPF_STMT(BPF_ALU | BPF_AND | BPF_K, ~CT_SECCOMP_X32_BIT));
    if (listener)
        emit(&buf, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JA, 2, 0, 0));
#endif
    if (listener)
        emitNr(&buf, __NR_sysinfo, SECCOMP_RET_USER_NOTIF);
    emitDenyList(&buf, false);
#ifdef CT_SECCOMP_COMPAT_ARCH
    if (compatJump < buf.max)
        buf.insns[compatJump].jt = buf.len - compatJump - 1;
    emitLoad(&buf, offsetof(struct seccomp_data, nr));
    emitDenyList(&buf, true);
#endif
    (void)compatJump;
    return buf.len;
#else
    (void)listener;
    (void)insns;
    (void)max;
    errno = ENOTSUP;
    return -1;
#endif
}


int
virCTSeccompBuildListener(struct sock_filter *insns, size_t max)
{
#ifdef CT_SECCOMP_ARCH
    filterBuf buf = { insns, 0, max };

    emitLoad(&buf, offsetof(struct seccomp_data, arch));
    emit(&buf, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, CT_SECCOMP_ARCH, 1, 0));
    emitReturn(&buf, SECCOMP_RET_ALLOW);
    emitLoad(&buf, offsetof(struct seccomp_data, nr));
    emitNr(&buf, __NR_sysinfo, SECCOMP_RET_USER_NOTIF);
    emitReturn(&buf, SECCOMP_RET_ALLOW);
    return buf.len;
#else
    (void)insns;
    (void)max;
    errno = ENOTSUP;
    return -1;
#endif
}


int
virCTSeccompInstallListener(void)
{
    struct sock_filter insns[CT_SECCOMP_MAX_INSNS];
    struct sock_fprog prog = { .filter = insns };
    int len = virCTSeccompBuildListener(insns, CT_SECCOMP_MAX_INSNS);

    if (len < 0)
        return -1;
    prog.len = len;
    return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
}


int
virCTSeccompInstall(bool listener)
{
    struct sock_filter insns[CT_SECCOMP_MAX_INSNS];
    struct sock_fprog prog = { .filter = insns };
    int len = virCTSeccompBuild(listener, insns, CT_SECCOMP_MAX_INSNS);

    if (len < 0)
        return -1;
    if (len > CT_SECCOMP_MAX_INSNS || len > 255) {
        /* jumps are 8 bits: a longer list needs another layout */
        errno = E2BIG;
        return -1;
    }
    prog.len = len;
    return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
                   listener ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0, &prog);
}


int
virCTSeccompReceive(int listener, struct seccomp_notif *req)
{
    /* the kernel refuses a request buffer that is not zeroed */
    memset(req, 0, sizeof(*req));
    while (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, req) < 0) {
        if (errno != EINTR)
            return -1;
        memset(req, 0, sizeof(*req));
    }
    return 0;
}


int
virCTSeccompWriteMemory(int listener, const struct seccomp_notif *req, uint64_t addr,
                        const void *buf, size_t len)
{
    char path[64];
    CT_AUTOCLOSE int fd = -1;

    snprintf(path, sizeof(path), "/proc/%u/mem", req->pid);
    if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
        return -errno;
    /* the file is bound to the process now: if the call is still
     * pending, @path named the right one */
    if (ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &req->id) < 0)
        return -ENOENT;
    if (pwrite(fd, buf, len, (off_t)addr) != (ssize_t)len)
        return -EFAULT;
    return 0;
}


int
virCTSeccompRespond(int listener, const struct seccomp_notif *req, int error)
{
    struct seccomp_notif_resp resp = {
        .id = req->id,
        .error = error ? -error : 0,
        .val = 0,
    };

    while (ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0) {
        if (errno != EINTR)
            return -1;
    }
    return 0;
}
