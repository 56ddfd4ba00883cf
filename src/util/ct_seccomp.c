/*
 * ct_seccomp.c: system calls of a container answered by its supervisor
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
#include <sys/syscall.h>
#include <unistd.h>

#include "ct_seccomp.h"

#if defined(__x86_64__)
#define CT_SECCOMP_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define CT_SECCOMP_ARCH AUDIT_ARCH_AARCH64
#endif


int
virCTSeccompInstall(void)
{
#ifdef CT_SECCOMP_ARCH
    /* Other ABIs (i386, x32) have their own numbers and struct layouts:
     * they keep the kernel's answer. */
    struct sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, CT_SECCOMP_ARCH, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_sysinfo, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {
        .len = sizeof(filter) / sizeof(filter[0]),
        .filter = filter,
    };

    return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
#else
    errno = ENOTSUP;
    return -1;
#endif
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
    ssize_t n;
    int fd;
    int rc = 0;

    snprintf(path, sizeof(path), "/proc/%u/mem", req->pid);
    if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
        return -errno;
    /* the file is bound to the process now: if the call is still
     * pending, @path named the right one */
    if (ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &req->id) < 0) {
        rc = -ENOENT;
    } else if ((n = pwrite(fd, buf, len, (off_t)addr)) != (ssize_t)len) {
        rc = -EFAULT;
    }
    close(fd);
    return rc;
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
