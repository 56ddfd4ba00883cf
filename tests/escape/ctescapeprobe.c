/*
 * ctescapeprobe.c: escape attempts run inside a container by
 * tests/integration/test_escape.sh (linked statically: it runs in a
 * busybox root)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each probe prints one line "PROBE <name> blocked errno=<E> step=<S>" or
 * "PROBE <name> open <what it reached>".  Harmless by construction: what
 * is written is the value already there, mount games happen in a private
 * mount namespace of a child, descriptors of kernel objects are closed
 * unused, a traced process is released at once.  The one exception is
 * cgroup-memory, which raises the caller's own memory limit: the test
 * checks from the host that the real limit did not move.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/keyctl.h>
#include <linux/perf_event.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/klog.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define CORE_PATTERN "kernel/core_pattern"
#define SYS_KNOB "kernel/mm/transparent_hugepage/enabled"

static const char *
errName(int err)
{
    static char buf[16];

    switch (err) {
    case EPERM:
        return "EPERM";
    case EACCES:
        return "EACCES";
    case ENOSYS:
        return "ENOSYS";
    case EINVAL:
        return "EINVAL";
    case EROFS:
        return "EROFS";
    case ENOENT:
        return "ENOENT";
    case EBADF:
        return "EBADF";
    case ESTALE:
        return "ESTALE";
    case ENOEXEC:
        return "ENOEXEC";
    case EOPNOTSUPP:
        return "EOPNOTSUPP";
    case ESRCH:
        return "ESRCH";
    case EBUSY:
        return "EBUSY";
    case ENODEV:
        return "ENODEV";
    }
    snprintf(buf, sizeof(buf), "%d", err);
    return buf;
}

static int
blocked(const char *name, const char *step, int err)
{
    printf("PROBE %s blocked errno=%s step=%s\n", name, errName(err), step);
    return 0;
}

static int
opened(const char *name, const char *what)
{
    printf("PROBE %s open %s\n", name, what);
    return 0;
}

/* Opens DIR/FILE for writing and writes back what it holds (sysctl). */
static int
writeBack(const char *name, const char *dir, const char *file, bool rewrite)
{
    char path[256], value[512] = "";
    ssize_t n = 0;
    int fd;

    snprintf(path, sizeof(path), "%s/%s", dir, file);
    if ((fd = open(path, O_RDONLY)) >= 0) {
        n = read(fd, value, sizeof(value) - 1);
        close(fd);
    }
    if ((fd = open(path, O_WRONLY)) < 0)
        return blocked(name, "open-write", errno);
    if (rewrite && n > 0 && write(fd, value, n) != n) {
        int err = errno;
        close(fd);
        return blocked(name, "write", err);
    }
    close(fd);
    snprintf(value, sizeof(value), "opened %s for writing%s", path,
             rewrite ? " and wrote its value back" : "");
    return opened(name, value);
}

/* Runs @fn in a child with a private mount namespace: mount games stay
 * there. */
static int
inPrivateMountNs(const char *name, int (*fn)(const char *name))
{
    pid_t pid;
    int status;

    fflush(stdout);
    if ((pid = fork()) < 0)
        return blocked(name, "fork", errno);
    if (pid == 0) {
        if (unshare(CLONE_NEWNS) < 0)
            _exit(blocked(name, "unshare", errno));
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
            _exit(blocked(name, "make-private", errno));
        fn(name);
        fflush(stdout);
        _exit(0);
    }
    waitpid(pid, &status, 0);
    return 0;
}

static int
procsysRemount(const char *name)
{
    if (mount(NULL, "/proc/sys", NULL, MS_REMOUNT | MS_BIND, NULL) < 0)
        return blocked(name, "remount", errno);
    return writeBack(name, "/proc/sys", CORE_PATTERN, true);
}

static int
procsysUmount(const char *name)
{
    if (umount2("/proc/sys", MNT_DETACH) < 0)
        return blocked(name, "umount", errno);
    return writeBack(name, "/proc/sys", CORE_PATTERN, true);
}

static int
procFresh(const char *name)
{
    if (mount("proc", "/tmp", "proc", 0, NULL) < 0)
        return blocked(name, "mount", errno);
    return writeBack(name, "/tmp/sys", CORE_PATTERN, true);
}

/* A container's sysfs belongs to its network namespace and was mounted
 * read-only: both the mount and its super block are made writable. */
static int
sysfsRemount(const char *name)
{
    if (mount(NULL, "/sys", NULL, MS_REMOUNT | MS_BIND, NULL) < 0)
        return blocked(name, "remount", errno);
    if (mount(NULL, "/sys", NULL, MS_REMOUNT, NULL) < 0)
        return blocked(name, "remount-sb", errno);
    return writeBack(name, "/sys", SYS_KNOB, false);
}

static int
sysfsFresh(const char *name)
{
    if (mount("sysfs", "/tmp", "sysfs", 0, NULL) < 0)
        return blocked(name, "mount", errno);
    if (mount(NULL, "/tmp", NULL, MS_REMOUNT, NULL) < 0)
        return blocked(name, "remount-sb", errno);
    return writeBack(name, "/tmp", SYS_KNOB, false);
}

static int
umountForce(const char *name)
{
    if (mount("tmpfs", "/tmp", "tmpfs", 0, "size=4k") < 0)
        return blocked(name, "mount", errno);
    if (umount2("/tmp", MNT_FORCE) < 0)
        return blocked(name, "umount2", errno);
    return opened(name, "umount2(MNT_FORCE) succeeded");
}

/* Mounts the memory hierarchy afresh and doubles the limit at its root. */
static int
cgroupMemory(const char *name)
{
    char value[64] = "", msg[160];
    unsigned long long limit;
    ssize_t n;
    int fd;

    if (mount("cgroup", "/tmp", "cgroup", 0, "memory") < 0)
        return blocked(name, "mount", errno);
    if ((fd = open("/tmp/memory.limit_in_bytes", O_RDWR)) < 0)
        return blocked(name, "open", errno);
    if ((n = read(fd, value, sizeof(value) - 1)) <= 0) {
        close(fd);
        return blocked(name, "read", n < 0 ? errno : EINVAL);
    }
    limit = strtoull(value, NULL, 10);
    snprintf(value, sizeof(value), "%llu", limit * 2);
    if (pwrite(fd, value, strlen(value), 0) < 0) {
        int err = errno;
        close(fd);
        return blocked(name, "write", err);
    }
    close(fd);
    snprintf(msg, sizeof(msg), "raised the memory limit at its cgroup root from %llu to %s", limit,
             value);
    return opened(name, msg);
}

/* open_by_handle_at towards a file given by its handle (TYPE HEX), as
 * the host's "handle" probe printed it. */
static int
handleOpen(const char *name, const char *type, const char *hex)
{
    size_t len = strlen(hex) / 2, i;
    struct file_handle *fh = calloc(1, sizeof(*fh) + len);
    char buf[128] = "", msg[200];
    int mfd, fd;
    ssize_t n;

    fh->handle_bytes = len;
    fh->handle_type = atoi(type);
    for (i = 0; i < len; i++)
        sscanf(hex + 2 * i, "%2hhx", &fh->f_handle[i]);
    if ((mfd = open("/", O_RDONLY | O_DIRECTORY)) < 0)
        return blocked(name, "open-root", errno);
    if ((fd = syscall(SYS_open_by_handle_at, mfd, fh, O_RDONLY)) < 0)
        return blocked(name, "open_by_handle_at", errno);
    n = read(fd, buf, sizeof(buf) - 1);
    buf[n > 0 ? n : 0] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    snprintf(msg, sizeof(msg), "read '%s'", buf);
    return opened(name, msg);
}

/* Host side: prints the handle of PATH for handleOpen. */
static int
handlePrint(const char *path)
{
    struct file_handle *fh = calloc(1, sizeof(*fh) + MAX_HANDLE_SZ);
    int mnt;
    unsigned i;

    fh->handle_bytes = MAX_HANDLE_SZ;
    if (syscall(SYS_name_to_handle_at, AT_FDCWD, path, fh, &mnt, 0) < 0) {
        perror(path);
        return 1;
    }
    printf("%d ", fh->handle_type);
    for (i = 0; i < fh->handle_bytes; i++)
        printf("%02x", fh->f_handle[i]);
    printf("\n");
    return 0;
}

static int
nameToHandle(const char *name)
{
    struct file_handle *fh = calloc(1, sizeof(*fh) + MAX_HANDLE_SZ);
    int mnt;

    fh->handle_bytes = MAX_HANDLE_SZ;
    if (syscall(SYS_name_to_handle_at, AT_FDCWD, "/", fh, &mnt, 0) < 0)
        return blocked(name, "name_to_handle_at", errno);
    return opened(name, "got a handle of /");
}

static int
syslogRead(const char *name)
{
    char buf[256];

    if (klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, sizeof(buf)) < 0)
        return blocked(name, "syslog", errno);
    return opened(name, "read the kernel log");
}

/* Opening is enough: a read would take messages from the host's reader. */
static int
kmsgOpen(const char *name)
{
    int fd = open("/proc/kmsg", O_RDONLY | O_NONBLOCK);

    if (fd < 0)
        return blocked(name, "open", errno);
    close(fd);
    return opened(name, "opened /proc/kmsg");
}

static int
bpfLoad(const char *name)
{
    struct bpf_insn prog[] = {
        { .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
        { .code = BPF_JMP | BPF_EXIT },
    };
    union bpf_attr attr;
    int fd;

    memset(&attr, 0, sizeof(attr));
    attr.prog_type = BPF_PROG_TYPE_TRACEPOINT;
    attr.insns = (uintptr_t)prog;
    attr.insn_cnt = 2;
    attr.license = (uintptr_t) "GPL";
    if ((fd = syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr))) < 0)
        return blocked(name, "bpf", errno);
    close(fd);
    return opened(name, "loaded a tracepoint program");
}

static int
perfCpu(const char *name)
{
    struct perf_event_attr attr;
    int fd;

    memset(&attr, 0, sizeof(attr));
    attr.size = sizeof(attr);
    attr.type = PERF_TYPE_SOFTWARE;
    attr.config = PERF_COUNT_SW_CPU_CLOCK;
    attr.disabled = 1;
    if ((fd = syscall(SYS_perf_event_open, &attr, -1, 0, -1, 0)) < 0)
        return blocked(name, "perf_event_open", errno);
    close(fd);
    return opened(name, "opened a counter of CPU 0");
}

static int
keyctlUser(const char *name)
{
    long id = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_USER_KEYRING, 0);
    char msg[64];

    if (id < 0)
        return blocked(name, "keyctl", errno);
    snprintf(msg, sizeof(msg), "user keyring %ld", id);
    return opened(name, msg);
}

/* EPERM is a refusal; ENOEXEC/EBADF would mean the kernel tried. */
static int
moduleLoad(const char *name)
{
    int fd = open("/dev/null", O_RDONLY);

    if (syscall(SYS_finit_module, fd, "", 0) < 0)
        return blocked(name, "finit_module", errno);
    return opened(name, "finit_module succeeded");
}

/* Without the unload flag and with no kernel descriptor a permitted
 * call fails with EBADF / EINVAL before it changes anything. */
static int
kexecLoad(const char *name)
{
    if (syscall(SYS_kexec_file_load, -1, -1, 0UL, "", 0UL) < 0 && errno != EBADF)
        return blocked(name, "kexec_file_load", errno);
    if (syscall(SYS_kexec_load, 0UL, 1000UL, NULL, 0UL) < 0 && errno != EINVAL)
        return blocked(name, "kexec_load", errno);
    return opened(name, "kexec calls reached their argument checks");
}

static int
fanotifyInit(const char *name)
{
    int fd = fanotify_init(FAN_CLASS_NOTIF, O_RDONLY);

    if (fd < 0)
        return blocked(name, "fanotify_init", errno);
    close(fd);
    return opened(name, "fanotify group created");
}

static int
ptraceAttach(const char *name, const char *pidText)
{
    pid_t pid = atoi(pidText);

    if (ptrace(PTRACE_SEIZE, pid, NULL, NULL) < 0)
        return blocked(name, "ptrace", errno);
    ptrace(PTRACE_DETACH, pid, NULL, NULL);
    return opened(name, "seized the entered process");
}

#if defined(__x86_64__)
/* The i386 ABI from a 64-bit program: int $0x80 takes i386 numbers. */
static long
syscall386(long nr, long a, long b, long c)
{
    long ret;

    __asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
    return ret;
}

static int
i386Calls(const char *name)
{
    int fd = open("/dev/null", O_RDONLY);
    long ret = syscall386(350 /* finit_module */, fd, (long)"", 0);
    char msg[80];

    if (ret < 0 && ret != -ENOSYS)
        return blocked(name, "finit_module", -ret);
    ret = syscall386(288 /* keyctl */, KEYCTL_GET_KEYRING_ID, KEY_SPEC_USER_KEYRING, 0);
    if (ret < 0)
        return blocked(name, "keyctl", -ret);
    snprintf(msg, sizeof(msg), "i386 keyctl answered keyring %ld", ret);
    return opened(name, msg);
}

/* x32 numbers: native ones with bit 30, reached even when the kernel
 * runs no x32 programs (the filter sees the number first). */
static int
x32Calls(const char *name)
{
    int fd = open("/dev/null", O_RDONLY);

    if (syscall(0x40000000 | SYS_finit_module, fd, "", 0) < 0 && errno != ENOSYS)
        return blocked(name, "finit_module", errno);
    if (syscall(0x40000000 | 528 /* kexec_load */, 0UL, 1000UL, NULL, 0UL) < 0 && errno != ENOSYS)
        return blocked(name, "kexec_load", errno);
    return opened(name, "x32 calls reached the kernel's table");
}
#endif

typedef struct {
    const char *name;
    int (*fn)(const char *name);
    bool privateNs;
} probe;

static const probe probes[] = {
    { "procsys-remount", procsysRemount, true },
    { "procsys-umount", procsysUmount, true },
    { "proc-fresh", procFresh, true },
    { "sysfs-remount", sysfsRemount, true },
    { "sysfs-fresh", sysfsFresh, true },
    { "umount-force", umountForce, true },
    { "name-to-handle", nameToHandle, false },
    { "syslog", syslogRead, false },
    { "kmsg", kmsgOpen, false },
    { "bpf", bpfLoad, false },
    { "perf-cpu", perfCpu, false },
    { "keyctl", keyctlUser, false },
    { "module", moduleLoad, false },
    { "kexec", kexecLoad, false },
    { "fanotify", fanotifyInit, false },
#if defined(__x86_64__)
    { "abi-i386", i386Calls, false },
    { "abi-x32", x32Calls, false },
#endif
};

/* Pushes @text into the terminal on stdin, as if typed (TIOCSTI): on a
 * terminal of the admin's, the admin's shell would run it. */
static int
tiocsti(const char *text)
{
    const char *p;

    for (p = text; *p; p++) {
        if (ioctl(STDIN_FILENO, TIOCSTI, p) < 0)
            return blocked("tiocsti", "ioctl", errno);
    }
    return opened("tiocsti", "pushed the text into the terminal on stdin");
}

/* Usage:
 *   ctescapeprobe handle PATH             (host) print PATH's handle
 *   ctescapeprobe open-handle NAME TYPE HEX
 *   ctescapeprobe ptrace PID
 *   ctescapeprobe cgroup-memory
 *   ctescapeprobe tiocsti TEXT            push TEXT into the stdin terminal
 *   ctescapeprobe all                     every probe above */
int
main(int argc, char **argv)
{
    size_t i;

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 3 && strcmp(argv[1], "handle") == 0)
        return handlePrint(argv[2]);
    if (argc == 5 && strcmp(argv[1], "open-handle") == 0)
        return handleOpen(argv[2], argv[3], argv[4]);
    if (argc == 3 && strcmp(argv[1], "ptrace") == 0)
        return ptraceAttach("ptrace-entered", argv[2]);
    if (argc == 3 && strcmp(argv[1], "tiocsti") == 0)
        return tiocsti(argv[2]);
    if (argc == 2 && strcmp(argv[1], "cgroup-memory") == 0)
        return inPrivateMountNs("cgroup-memory", cgroupMemory);
    if (argc == 2 && strcmp(argv[1], "all") == 0) {
        for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
            if (probes[i].privateNs)
                inPrivateMountNs(probes[i].name, probes[i].fn);
            else
                probes[i].fn(probes[i].name);
        }
        return 0;
    }
    fprintf(stderr,
            "usage: %s all | handle PATH | open-handle NAME TYPE HEX | ptrace PID | "
            "cgroup-memory\n",
            argv[0]);
    return 2;
}
