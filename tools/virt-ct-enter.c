/*
 * virt-ct-enter: run a command in a running container as its root
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The command gets no more than the container's own init has: it joins
 * every cgroup of init (so the pids limit counts it and a suspended
 * container freezes it) before any namespace, then init's namespaces
 * (the user namespace too when the container has one), becomes uid and
 * gid 0 there, and execs with init's capability bounding set,
 * no_new_privs and the containers' seccomp deny list (not the sysinfo
 * listener, which is init's supervisor's).  This process itself only waits on the host, outside the
 * container's cgroups.  Plain C and libvirt's public API: libvirt only
 * tells which process is the container's init.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "ct_seccomp.h"

#include "ct_config.h"

/* Exit codes of our own, as env(1), chroot(1) and nsenter(1) have them;
 * anything else is the command's status (128+N when signal N killed it). */
enum {
    EXIT_ENTER_FAILED = 125,
    EXIT_CANNOT_INVOKE = 126,
    EXIT_NOT_FOUND = 127,
};

#define CT_ENTER_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* What the command inherits from init, read before anything changes. */
typedef struct {
    pid_t pid;
    int pidfd;
    uint64_t capbnd;
    bool noNewPrivs;
    bool ownUserns; /* the container has a user namespace of its own */
    bool ownTimens; /* ... and a time namespace (after a restore) */
    int lastCap;
    char *cgroups; /* /proc/PID/cgroup */
} ctEnterInit;

static void __attribute__((format(printf, 1, 2))) ctEnterError(const char *fmt, ...)
{
    va_list ap;

    fputs("virt-ct-enter: error: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static void
ctEnterUsage(FILE *out)
{
    fprintf(out, "usage: virt-ct-enter [-c URI] NAME [--] [COMMAND [ARG...]]\n"
                 "\n"
                 "Runs COMMAND (default /bin/sh) in the running container NAME as its\n"
                 "root, with no more than the container's init may do.\n"
                 "\n"
                 "  -c, --connect URI   libvirt URI (default ct:///system)\n"
                 "  -h, --help          this text\n"
                 "  -V, --version       version\n"
                 "\n"
                 "Exit status: the command's; 125 when virt-ct-enter failed, 126 when\n"
                 "the command cannot run, 127 when it is not found.\n");
}

/* Returns the host pid of NAME's init, or -1 with the error printed. */
static pid_t
ctEnterLookup(virConnectPtr conn, const char *name)
{
    virDomainPtr dom = virDomainLookupByName(conn, name);
    int state = VIR_DOMAIN_NOSTATE;
    int reason;
    pid_t pid = -1;

    if (!dom) {
        ctEnterError("%s", virGetLastErrorMessage());
        return -1;
    }
    if (virDomainGetState(dom, &state, &reason, 0) < 0)
        ctEnterError("%s", virGetLastErrorMessage());
    else if (state == VIR_DOMAIN_PAUSED)
        ctEnterError("container '%s' is paused (resume it first)", name);
    else if (virDomainIsActive(dom) != 1)
        ctEnterError("container '%s' is not running", name);
    else if ((pid = virDomainGetID(dom)) == (pid_t)-1 || pid <= 1)
        ctEnterError("cannot get the init pid of container '%s': %s", name,
                     virGetLastErrorMessage());
    virDomainFree(dom);
    return pid > 1 ? pid : -1;
}

/* Opens a pidfd of NAME's init; asks libvirt again afterwards so that the
 * pidfd cannot be of another process that took a recycled pid. */
static int
ctEnterOpenInit(const char *uri, const char *name, ctEnterInit *init)
{
    virConnectPtr conn = virConnectOpen(uri);
    int ret = -1;

    if (!conn) {
        ctEnterError("cannot connect to '%s': %s", uri, virGetLastErrorMessage());
        return -1;
    }
    if ((init->pid = ctEnterLookup(conn, name)) < 0)
        goto cleanup;
    if ((init->pidfd = syscall(SYS_pidfd_open, init->pid, 0)) < 0) {
        ctEnterError("cannot open process %d (init of '%s'): %s", init->pid, name, strerror(errno));
        goto cleanup;
    }
    if (ctEnterLookup(conn, name) != init->pid) {
        ctEnterError("container '%s' was restarted meanwhile", name);
        goto cleanup;
    }
    ret = 0;

 cleanup:
    virConnectClose(conn);
    return ret;
}

/* Reads a whole small file (procfs) into a new string; NULL on error. */
static char *
ctEnterReadFile(const char *path)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *mem = open_memstream(&buf, &size);
    FILE *f = fopen(path, "re");
    char chunk[4096];
    size_t n;
    int err = 0;

    if (!mem || !f) {
        err = errno;
    } else {
        while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
            fwrite(chunk, 1, n, mem);
        if (ferror(f))
            err = errno ? errno : EIO;
    }
    if (f)
        fclose(f);
    if (mem)
        fclose(mem);
    if (err) {
        ctEnterError("cannot read '%s': %s", path, strerror(err));
        free(buf);
        return NULL;
    }
    return buf;
}

/* Reads init's bounding set, no_new_privs and user namespace. */
static int
ctEnterReadStatus(ctEnterInit *init)
{
    char path[64];
    char *status;
    char *capbnd;
    char *nnp;
    char *last;
    struct stat mine, its;

    snprintf(path, sizeof(path), "/proc/%d/status", init->pid);
    if (!(status = ctEnterReadFile(path)))
        return -1;
    capbnd = strstr(status, "\nCapBnd:");
    nnp = strstr(status, "\nNoNewPrivs:");
    if (!capbnd || !nnp) {
        ctEnterError("'%s' has no CapBnd or NoNewPrivs line", path);
        free(status);
        return -1;
    }
    init->capbnd = strtoull(capbnd + strlen("\nCapBnd:"), NULL, 16);
    init->noNewPrivs = strtol(nnp + strlen("\nNoNewPrivs:"), NULL, 10) != 0;
    free(status);

    if (!(last = ctEnterReadFile("/proc/sys/kernel/cap_last_cap")))
        return -1;
    init->lastCap = atoi(last);
    free(last);

    snprintf(path, sizeof(path), "/proc/%d/ns/user", init->pid);
    if (stat(path, &its) < 0 || stat("/proc/self/ns/user", &mine) < 0) {
        ctEnterError("cannot stat '%s': %s", path, strerror(errno));
        return -1;
    }
    init->ownUserns = its.st_ino != mine.st_ino || its.st_dev != mine.st_dev;

    /* a container CRIU restored runs in a time namespace of its own */
    snprintf(path, sizeof(path), "/proc/%d/ns/time", init->pid);
    init->ownTimens = stat(path, &its) == 0 && stat("/proc/self/ns/time", &mine) == 0 &&
                      (its.st_ino != mine.st_ino || its.st_dev != mine.st_dev);
    return 0;
}

static int
ctEnterReadInit(ctEnterInit *init)
{
    char path[64];

    snprintf(path, sizeof(path), "/proc/%d/cgroup", init->pid);
    if (!(init->cgroups = ctEnterReadFile(path)) || ctEnterReadStatus(init) < 0)
        return -1;
    /* what was read is init's only if init still lives */
    if (syscall(SYS_pidfd_send_signal, init->pidfd, 0, NULL, 0) < 0) {
        ctEnterError("the container's init (pid %d) ended: %s", init->pid, strerror(errno));
        return -1;
    }
    return 0;
}

/* Whether the comma-separated list HAVE contains every item of WANT. */
static bool
ctEnterHasAll(const char *have, const char *want)
{
    const char *item = want;

    while (*item) {
        size_t len = strcspn(item, ",");
        const char *p = have;
        bool found = false;

        while (*p && !found) {
            size_t hlen = strcspn(p, ",");
            found = hlen == len && strncmp(p, item, len) == 0;
            p += hlen + (p[hlen] == ',');
        }
        if (!found)
            return false;
        item += len + (item[len] == ',');
    }
    return true;
}

/* Finds where the hierarchy with CONTROLLERS ("" for cgroup2) is mounted
 * at its root in our mount namespace; writes it to DIR. */
static int
ctEnterFindMount(const char *controllers, char *dir, size_t dirlen)
{
    FILE *f = fopen("/proc/self/mountinfo", "re");
    char line[4096];
    bool v2 = *controllers == '\0';
    bool found = false;

    if (!f) {
        ctEnterError("cannot read '/proc/self/mountinfo': %s", strerror(errno));
        return -1;
    }
    while (!found && fgets(line, sizeof(line), f)) {
        char root[1024], mnt[1024], type[64], opts[1024];
        char *sep = strstr(line, " - ");

        if (!sep || sscanf(line, "%*s %*s %*s %1023s %1023s", root, mnt) != 2 ||
            sscanf(sep, " - %63s %*s %1023s", type, opts) != 2 || strcmp(root, "/") != 0)
            continue;
        if (v2)
            found = strcmp(type, "cgroup2") == 0;
        else
            found = strcmp(type, "cgroup") == 0 && ctEnterHasAll(opts, controllers);
        if (found)
            snprintf(dir, dirlen, "%s", mnt);
    }
    fclose(f);
    if (!found)
        ctEnterError("no cgroup hierarchy '%s' is mounted on the host",
                     v2 ? "unified" : controllers);
    return found ? 0 : -1;
}

/* Moves the calling process into one cgroup of init: LINE is a line of
 * /proc/PID/cgroup, "ID:CONTROLLERS:PATH". */
static int
ctEnterJoinCgroup(char *line)
{
    char *controllers = strchr(line, ':');
    char *path = controllers ? strchr(controllers + 1, ':') : NULL;
    char dir[1024];
    char procs[4096];
    int fd;

    if (!path) {
        ctEnterError("cannot parse the cgroup line '%s'", line);
        return -1;
    }
    *path++ = '\0';
    controllers++;
    if (ctEnterFindMount(controllers, dir, sizeof(dir)) < 0)
        return -1;
    snprintf(procs, sizeof(procs), "%s%s/cgroup.procs", dir, path);
    /* "0" is the writer itself, in v1 and v2 alike */
    if ((fd = open(procs, O_WRONLY | O_CLOEXEC)) < 0 || write(fd, "0", 1) != 1) {
        ctEnterError("cannot join the cgroup '%s': %s", procs, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

/* Every hierarchy of init: the v1 ones (pids, cpuacct and name=systemd,
 * which libvirt's client side leaves out, included) and the unified one. */
static int
ctEnterJoinCgroups(char *cgroups)
{
    char *save = NULL;
    char *line;

    for (line = strtok_r(cgroups, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (ctEnterJoinCgroup(line) < 0)
            return -1;
    }
    return 0;
}

/* Caps outside init's bounding set go, and nothing is inherited across
 * the exec but what the bounding set allows a root process to have. */
static int
ctEnterLimitCaps(const ctEnterInit *init)
{
    int cap;

    for (cap = 0; cap <= init->lastCap && cap < 64; cap++) {
        if (init->capbnd & (1ULL << cap))
            continue;
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
            ctEnterError("cannot drop capability %d from the bounding set: %s", cap,
                         strerror(errno));
            return -1;
        }
    }
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0) {
        ctEnterError("cannot clear the ambient capabilities: %s", strerror(errno));
        return -1;
    }
    if (init->noNewPrivs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
        ctEnterError("cannot set no_new_privs: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* Joins init's namespaces but the PID one (the parent did that) and
 * becomes the container's root. */
static int
ctEnterNamespaces(const ctEnterInit *init)
{
    int flags = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWCGROUP;

    /* joining one's own user namespace is EINVAL */
    if (init->ownUserns)
        flags |= CLONE_NEWUSER;
    /* else the command's processes would be in another time namespace
     * than the container's, which a checkpoint cannot restore */
    if (init->ownTimens)
        flags |= CLONE_NEWTIME;
    /* one call: the kernel joins the user namespace first */
    if (setns(init->pidfd, flags) < 0) {
        ctEnterError("cannot join the namespaces of process %d: %s", init->pid, strerror(errno));
        return -1;
    }
    if (chdir("/") < 0) {
        ctEnterError("cannot change to the container's '/': %s", strerror(errno));
        return -1;
    }
    if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) {
        ctEnterError("cannot become uid/gid 0 in the container (is 0 mapped?): %s",
                     strerror(errno));
        return -1;
    }
    return 0;
}

static char *ctEnterEnv[5];

static void
ctEnterSetEnv(void)
{
    static char term[256];
    const char *t = getenv("TERM");
    size_t n = 0;

    ctEnterEnv[n++] = (char *)"PATH=" CT_ENTER_PATH;
    ctEnterEnv[n++] = (char *)"HOME=/root";
    ctEnterEnv[n++] = (char *)"container=libvirt-ct";
    if (t && strlen(t) < sizeof(term) - 5) {
        snprintf(term, sizeof(term), "TERM=%s", t);
        ctEnterEnv[n++] = term;
    }
    ctEnterEnv[n] = NULL;
    environ = ctEnterEnv;
}

/* The command never holds the admin's terminal: a process of the
 * container could push input into it (TIOCSTI) for the admin's shell to
 * run once we are done.  With a terminal on stdin, the command gets a
 * terminal of its own that we relay (as lxc-attach does); without one, it
 * inherits the pipes or files.  Either way it runs in a session of its
 * own, so the admin's terminal is never its controlling terminal. */
typedef struct {
    int master; /* -1: no terminal of our own */
    int slave;
    bool raw; /* the admin's terminal is in raw mode, to be restored */
    struct termios saved;
} ctEnterTty;

static int
ctEnterTtyOpen(ctEnterTty *tty)
{
    char name[64];
    struct winsize ws;

    tty->master = tty->slave = -1;
    tty->raw = false;
    if (!isatty(STDIN_FILENO))
        return 0;
    if ((tty->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0 ||
        grantpt(tty->master) < 0 || unlockpt(tty->master) < 0 ||
        ptsname_r(tty->master, name, sizeof(name)) != 0 ||
        (tty->slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0) {
        ctEnterError("cannot make a terminal for the command: %s", strerror(errno));
        return -1;
    }
    if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
        ioctl(tty->master, TIOCSWINSZ, &ws);
    return 0;
}

/* In the child, last before exec. */
static int
ctEnterTtyAttach(const ctEnterTty *tty)
{
    if (setsid() < 0) {
        ctEnterError("cannot start a session: %s", strerror(errno));
        return -1;
    }
    if (tty->slave < 0)
        return 0;
    if (ioctl(tty->slave, TIOCSCTTY, 0) < 0 || dup2(tty->slave, STDIN_FILENO) < 0 ||
        dup2(tty->slave, STDOUT_FILENO) < 0 || dup2(tty->slave, STDERR_FILENO) < 0) {
        ctEnterError("cannot attach the command's terminal: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* Copies what is readable on @from to @to; false at end of file. */
static bool
ctEnterTtyCopy(int from, int to)
{
    char buf[4096];
    ssize_t n = read(from, buf, sizeof(buf));
    ssize_t off = 0;

    if (n <= 0)
        return n < 0 && (errno == EINTR || errno == EAGAIN);
    while (off < n) {
        ssize_t w = write(to, buf + off, n - off);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        off += w;
    }
    return true;
}

static volatile sig_atomic_t ctEnterResized;

static void
ctEnterOnResize(int sig)
{
    (void)sig;
    ctEnterResized = 1;
}

/* Relays the admin's terminal and the command's until the command ends
 * (@pidfd readable) or its terminal closes. */
static void
ctEnterTtyRelay(ctEnterTty *tty, int pidfd)
{
    struct sigaction resize = { .sa_handler = ctEnterOnResize };
    struct termios raw;
    bool input = true;

    if (tcgetattr(STDIN_FILENO, &tty->saved) == 0) {
        raw = tty->saved;
        cfmakeraw(&raw);
        tty->raw = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
    }
    sigaction(SIGWINCH, &resize, NULL);
    for (;;) {
        struct pollfd fds[3] = {
            { .fd = tty->master, .events = POLLIN },
            { .fd = pidfd, .events = POLLIN },
            { .fd = input ? STDIN_FILENO : -1, .events = POLLIN },
        };
        struct winsize ws;

        if (ctEnterResized && ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
            ioctl(tty->master, TIOCSWINSZ, &ws);
        ctEnterResized = 0;
        if (poll(fds, 3, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if ((fds[0].revents & (POLLIN | POLLHUP)) && !ctEnterTtyCopy(tty->master, STDOUT_FILENO))
            break;
        if ((fds[2].revents & (POLLIN | POLLHUP)) && !ctEnterTtyCopy(STDIN_FILENO, tty->master))
            input = false;
        if (fds[1].revents & POLLIN) {
            /* what the command wrote last */
            fcntl(tty->master, F_SETFL, O_NONBLOCK);
            for (;;) {
                errno = 0;
                if (!ctEnterTtyCopy(tty->master, STDOUT_FILENO) || errno == EAGAIN)
                    break;
            }
            break;
        }
    }
    if (tty->raw)
        tcsetattr(STDIN_FILENO, TCSANOW, &tty->saved);
}

/* The child: cgroups first (paths resolve in the host's mount and cgroup
 * namespaces), then the namespaces, the root ids, the limits, the exec. */
static void __attribute__((noreturn))
ctEnterChild(ctEnterInit *init, const ctEnterTty *tty, char **argv)
{
    /* host groups must not travel into the container; setgroups may be
     * denied inside a user namespace, never to host root here */
    if (setgroups(0, NULL) < 0) {
        ctEnterError("cannot clear the supplementary groups: %s", strerror(errno));
        _exit(EXIT_ENTER_FAILED);
    }
    if (ctEnterJoinCgroups(init->cgroups) < 0 || ctEnterNamespaces(init) < 0 ||
        ctEnterLimitCaps(init) < 0)
        _exit(EXIT_ENTER_FAILED);
    /* what root inside may not call, the command may not either, or root
     * inside could make it call it (ptrace of its own ids) */
    if (virCTSeccompInstall(false) < 0) {
        ctEnterError("cannot install the seccomp deny list: %s", strerror(errno));
        _exit(EXIT_ENTER_FAILED);
    }
    close(init->pidfd);
    signal(SIGINT, SIG_DFL);
    signal(SIGQUIT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    if (ctEnterTtyAttach(tty) < 0)
        _exit(EXIT_ENTER_FAILED);
    syscall(SYS_close_range, 3, ~0U, 0);
    ctEnterSetEnv();
    execvp(argv[0], argv);
    ctEnterError("cannot run '%s' in the container: %s", argv[0], strerror(errno));
    _exit(errno == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_INVOKE);
}

static volatile pid_t ctEnterChildPid;

static void
ctEnterForward(int sig)
{
    if (ctEnterChildPid > 0)
        kill(ctEnterChildPid, sig);
}

/* Waits for the command; returns its exit status as a shell shows it. */
static int
ctEnterWait(pid_t child)
{
    struct sigaction fwd = { .sa_handler = ctEnterForward };
    int status;

    ctEnterChildPid = child;
    sigaction(SIGTERM, &fwd, NULL);
    sigaction(SIGHUP, &fwd, NULL);
    while (waitpid(child, &status, 0) < 0) {
        if (errno != EINTR) {
            ctEnterError("cannot wait for the command: %s", strerror(errno));
            return EXIT_ENTER_FAILED;
        }
    }
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}

static int
ctEnterRun(ctEnterInit *init, char **argv)
{
    ctEnterTty tty;
    pid_t child;
    int childfd;

    /* nothing in the container may ptrace us while we hold more than its
     * root; the exec ends this */
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
        ctEnterError("cannot make the process undumpable: %s", strerror(errno));
        return EXIT_ENTER_FAILED;
    }
    /* The PID namespace applies to children only: joined here, so that
     * this process stays on the host, outside the container's cgroups,
     * and only the command counts against its process limit. */
    if (setns(init->pidfd, CLONE_NEWPID) < 0) {
        ctEnterError("cannot join the PID namespace of process %d: %s", init->pid, strerror(errno));
        return EXIT_ENTER_FAILED;
    }
    /* a terminal's ^C and ^\ are the command's */
    signal(SIGINT, SIG_IGN);
    signal(SIGQUIT, SIG_IGN);
    if (ctEnterTtyOpen(&tty) < 0)
        return EXIT_ENTER_FAILED;
    if ((child = fork()) < 0) {
        ctEnterError("cannot fork: %s", strerror(errno));
        return EXIT_ENTER_FAILED;
    }
    if (child == 0)
        ctEnterChild(init, &tty, argv);
    close(init->pidfd);
    if (tty.master >= 0) {
        close(tty.slave);
        /* without a pidfd the relay ends when the terminal closes */
        childfd = syscall(SYS_pidfd_open, child, 0);
        ctEnterTtyRelay(&tty, childfd);
        if (childfd >= 0)
            close(childfd);
    }
    return ctEnterWait(child);
}

/* libvirt would print every error itself; ours name what failed */
static void
ctEnterQuiet(void *opaque, virErrorPtr err)
{
    (void)opaque;
    (void)err;
}

int
main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "connect", required_argument, NULL, 'c' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    static char *defaultCmd[] = { (char *)"/bin/sh", NULL };
    const char *uri = "ct:///system";
    ctEnterInit init = { .pidfd = -1 };
    int c;

    /* "+": options end at NAME, the command's own options are its own */
    while ((c = getopt_long(argc, argv, "+c:hV", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            uri = optarg;
            break;
        case 'h':
            ctEnterUsage(stdout);
            return 0;
        case 'V':
            printf("virt-ct-enter %s\n", CT_VERSION);
            return 0;
        default:
            ctEnterUsage(stderr);
            return EXIT_ENTER_FAILED;
        }
    }
    if (optind >= argc) {
        ctEnterUsage(stderr);
        return EXIT_ENTER_FAILED;
    }
    if (geteuid() != 0) {
        ctEnterError("must be run as root (it joins the container's cgroups)");
        return EXIT_ENTER_FAILED;
    }
    virSetErrorFunc(NULL, ctEnterQuiet);
    if (ctEnterOpenInit(uri, argv[optind], &init) < 0 || ctEnterReadInit(&init) < 0)
        return EXIT_ENTER_FAILED;
    optind++;
    if (optind < argc && strcmp(argv[optind], "--") == 0)
        optind++;
    return ctEnterRun(&init, optind < argc ? argv + optind : defaultCmd);
}
