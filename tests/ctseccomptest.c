/*
 * ctseccomptest.c: the container's seccomp program, run on a small
 * classic-BPF interpreter for every call of the deny list on every ABI
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>

#include "ct_seccomp.h"

static int failures;

int ctTestI386Number(const char *name);

/* The instructions virCTSeccompBuild uses; anything else fails the test. */
static uint32_t
run(const struct sock_filter *prog, int len, const struct seccomp_data *data)
{
    uint32_t acc = 0;
    int pc = 0;

    while (pc < len) {
        const struct sock_filter *in = &prog[pc++];

        switch (in->code) {
        case BPF_LD | BPF_W | BPF_ABS:
            memcpy(&acc, (const char *)data + in->k, sizeof(acc));
            break;
        case BPF_ALU | BPF_AND | BPF_K:
            acc &= in->k;
            break;
        case BPF_JMP | BPF_JA:
            pc += in->k;
            break;
        case BPF_JMP | BPF_JEQ | BPF_K:
            pc += acc == in->k ? in->jt : in->jf;
            break;
        case BPF_JMP | BPF_JSET | BPF_K:
            pc += (acc & in->k) ? in->jt : in->jf;
            break;
        case BPF_RET | BPF_K:
            return in->k;
        default:
            fprintf(stderr, "unexpected instruction %#x at %d\n", in->code, pc - 1);
            return 0xdead;
        }
    }
    fprintf(stderr, "program runs off its end\n");
    return 0xdead;
}

static void
expect(const struct sock_filter *prog, int len, uint32_t arch, int nr, uint64_t arg1, uint32_t want,
       const char *what)
{
    struct seccomp_data data = { .nr = nr, .arch = arch, .args = { 0, arg1 } };
    uint32_t got = run(prog, len, &data);

    if (got != want) {
        fprintf(stderr, "FAIL %s: got %#x, wanted %#x\n", what, got, want);
        failures++;
    }
}

static void
checkProgram(bool listener)
{
    struct sock_filter prog[CT_SECCOMP_MAX_INSNS];
    int len = virCTSeccompBuild(listener, prog, CT_SECCOMP_MAX_INSNS);
    size_t i;
    char what[96];

    if (len <= 0 || len > CT_SECCOMP_MAX_INSNS) {
        fprintf(stderr, "FAIL program length %d\n", len);
        failures++;
        return;
    }
    for (i = 0; i < virCTSeccompDenyListLen; i++) {
        const virCTSeccompRule *r = &virCTSeccompDenyList[i];
        uint32_t want = SECCOMP_RET_ERRNO | r->error;

        snprintf(what, sizeof(what), "%s native", r->name);
        expect(prog, len, AUDIT_ARCH_X86_64, r->nr, 0, want, what);
        snprintf(what, sizeof(what), "%s x32", r->name);
        expect(prog, len, AUDIT_ARCH_X86_64, r->nr | 0x40000000, 0, want, what);
        if (r->compatNr != ctTestI386Number(r->name) && !strchr(r->name, '(')) {
            fprintf(stderr, "FAIL %s: i386 number %d, asm/unistd_32.h says %d\n", r->name,
                    r->compatNr, ctTestI386Number(r->name));
            failures++;
        }
        if (r->compatNr >= 0) {
            snprintf(what, sizeof(what), "%s i386", r->name);
            expect(prog, len, AUDIT_ARCH_I386, r->compatNr, 0, want, what);
        }
    }
    expect(prog, len, AUDIT_ARCH_X86_64, __NR_read, 0, SECCOMP_RET_ALLOW, "read");
    expect(prog, len, AUDIT_ARCH_X86_64, __NR_mount, 0, SECCOMP_RET_ALLOW, "mount");
    expect(prog, len, AUDIT_ARCH_I386, 3 /* read */, 0, SECCOMP_RET_ALLOW, "i386 read");
    expect(prog, len, AUDIT_ARCH_X86_64, __NR_umount2, MNT_DETACH, SECCOMP_RET_ALLOW,
           "umount2 lazy");
    expect(prog, len, AUDIT_ARCH_X86_64, __NR_umount2, MNT_FORCE, SECCOMP_RET_ERRNO | EPERM,
           "umount2 force");
    expect(prog, len, AUDIT_ARCH_I386, ctTestI386Number("umount2"), MNT_FORCE,
           SECCOMP_RET_ERRNO | EPERM, "i386 umount2 force");
    expect(prog, len, AUDIT_ARCH_X86_64, __NR_ioctl, TIOCSTI, SECCOMP_RET_ERRNO | EPERM,
           "ioctl TIOCSTI");
    expect(prog, len, AUDIT_ARCH_X86_64, __NR_ioctl, TIOCLINUX, SECCOMP_RET_ERRNO | EPERM,
           "ioctl TIOCLINUX");
    expect(prog, len, AUDIT_ARCH_X86_64, __NR_ioctl, 0xffffffff00000000ULL | TIOCSTI,
           SECCOMP_RET_ERRNO | EPERM, "ioctl TIOCSTI with high bits (the kernel drops them)");
    expect(prog, len, AUDIT_ARCH_X86_64, __NR_ioctl, TIOCGWINSZ, SECCOMP_RET_ALLOW,
           "ioctl TIOCGWINSZ");
    expect(prog, len, AUDIT_ARCH_X86_64, __NR_ioctl | 0x40000000, TIOCSTI,
           SECCOMP_RET_ERRNO | EPERM, "x32 ioctl TIOCSTI");
    expect(prog, len, AUDIT_ARCH_I386, ctTestI386Number("ioctl"), TIOCSTI,
           SECCOMP_RET_ERRNO | EPERM, "i386 ioctl TIOCSTI");
    expect(prog, len, AUDIT_ARCH_I386, ctTestI386Number("ioctl"), TIOCGWINSZ, SECCOMP_RET_ALLOW,
           "i386 ioctl TIOCGWINSZ");
    expect(prog, len, AUDIT_ARCH_X86_64, __NR_umount2, MNT_FORCE | ((uint64_t)1 << 40),
           SECCOMP_RET_ERRNO | EPERM, "umount2 force (high bits)");
    expect(prog, len, AUDIT_ARCH_X86_64, __NR_sysinfo, 0,
           listener ? SECCOMP_RET_USER_NOTIF : SECCOMP_RET_ALLOW, "sysinfo");
    expect(prog, len, AUDIT_ARCH_X86_64, __NR_sysinfo | 0x40000000, 0, SECCOMP_RET_ALLOW,
           "x32 sysinfo (not ours to answer)");
    expect(prog, len, AUDIT_ARCH_I386, ctTestI386Number("sysinfo"), 0, SECCOMP_RET_ALLOW,
           "i386 sysinfo");
    expect(prog, len, AUDIT_ARCH_AARCH64, __NR_read, 0, SECCOMP_RET_KILL_PROCESS, "foreign ABI");
}

/* The filter a restore installs under the checkpointed ones. */
static void
checkListenerProgram(void)
{
    struct sock_filter prog[CT_SECCOMP_MAX_INSNS];
    int len = virCTSeccompBuildListener(prog, CT_SECCOMP_MAX_INSNS);

    if (len <= 0 || len > CT_SECCOMP_MAX_INSNS) {
        fprintf(stderr, "FAIL listener program length %d\n", len);
        failures++;
        return;
    }
    expect(prog, len, AUDIT_ARCH_X86_64, __NR_sysinfo, 0, SECCOMP_RET_USER_NOTIF,
           "listener: sysinfo");
    expect(prog, len, AUDIT_ARCH_X86_64, __NR_read, 0, SECCOMP_RET_ALLOW, "listener: read");
    expect(prog, len, AUDIT_ARCH_X86_64, __NR_kexec_load, 0, SECCOMP_RET_ALLOW,
           "listener: no deny list of its own");
    expect(prog, len, AUDIT_ARCH_X86_64, __NR_sysinfo | 0x40000000, 0, SECCOMP_RET_ALLOW,
           "listener: x32 sysinfo");
    expect(prog, len, AUDIT_ARCH_I386, ctTestI386Number("sysinfo"), 0, SECCOMP_RET_ALLOW,
           "listener: i386 sysinfo");
    expect(prog, len, AUDIT_ARCH_AARCH64, __NR_sysinfo, 0, SECCOMP_RET_ALLOW,
           "listener: foreign ABI (the checkpointed deny list kills it)");
}

int
main(void)
{
#if defined(__x86_64__)
    checkProgram(true);
    checkProgram(false);
    checkListenerProgram();
    printf("%zu denied calls checked on 3 ABIs, %d failures\n", virCTSeccompDenyListLen, failures);
    return failures ? 1 : 0;
#else
    printf("skipped: the test's numbers are x86_64's\n");
    return 77;
#endif
}
