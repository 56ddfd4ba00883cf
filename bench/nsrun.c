/*
 * nsrun.c: the small helpers of the benchmark harness (bench/run.sh)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * nsrun bare [-d] ROOT SIGDIR PROG [ARG...]
 *   The physical bound of the benchmark: the least a container start can
 *   be.  clone() into new mount, PID, UTS, IPC, network and cgroup
 *   namespaces; in the child, bind ROOT read-only on itself, SIGDIR on
 *   ROOT/sig, proc on ROOT/proc, a tmpfs /dev with the host's /dev/null,
 *   pivot_root() into ROOT and exec PROG.  No cgroup, no supervisor, no
 *   state: nothing a runtime adds.  With -d the parent prints the child's
 *   PID and exits (the child goes to the nearest subreaper, the harness);
 *   without, it waits for the child and exits with its status.
 *
 * nsrun mkns FILE [-v1] [-b SRC:DST]...
 *   Makes a mount namespace and binds it on FILE, for "nsrun enter".  In
 *   it, with -v1, /sys/fs/cgroup holds the v1 hierarchies only and the
 *   cgroup2 mount of a hybrid host (/sys/fs/cgroup/unified) is gone, so
 *   that what runs there sees a pure cgroup v1 host: crun 1.8 refuses hybrid hosts whose cgroup2
 *   holds a controller ("cgroups in hybrid mode not supported"), and so
 *   do podman (through crun) and libvirt's LXC driver.  -b binds SRC on
 *   DST there (a private /run/libvirt/lxc for a private libvirtd).
 *   Mounts of the host that nothing run there has any business with
 *   (loop devices, FUSE, overlays, anything under /tmp,
 *   /var/lib/libvirt, /run/libvirt) are detached in it, so that a
 *   long-lived process there (conmon, libvirtd) does not keep another
 *   user's disk images mounted.  Later mounts of the host do not reach
 *   it (private propagation).
 *
 * nsrun enter FILE PROG [ARG...]
 *   setns() into that mount namespace and exec PROG: one exec of this
 *   small program more than running PROG directly, measured by the
 *   harness as its overhead.
 */

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define STACK_SIZE (256 * 1024)
#define MAX_MOUNTS 4096

struct bare {
    const char *root;
    const char *sigdir;
    char **argv;
};

static int
fail(const char *what, const char *path)
{
    fprintf(stderr, "nsrun: %s '%s': %s\n", what, path, strerror(errno));
    return -1;
}

/* mount(2) with an error naming the target */
static int
do_mount(const char *src, const char *dst, const char *type, unsigned long flags, const char *data)
{
    if (mount(src, dst, type, flags, data) < 0)
        return fail("cannot mount on", dst);
    return 0;
}

/* the root read-only on itself, the signal directory, proc, a /dev */
static int
bare_mounts(const struct bare *b)
{
    char path[4096];

    if (do_mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
        do_mount(b->root, b->root, NULL, MS_BIND | MS_REC, NULL) < 0 ||
        do_mount(NULL, b->root, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0)
        return -1;
    snprintf(path, sizeof(path), "%s/sig", b->root);
    if (do_mount(b->sigdir, path, NULL, MS_BIND, NULL) < 0)
        return -1;
    snprintf(path, sizeof(path), "%s/proc", b->root);
    if (do_mount("proc", path, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
        return -1;
    snprintf(path, sizeof(path), "%s/dev", b->root);
    if (do_mount("dev", path, "tmpfs", MS_NOSUID, "mode=755,size=64k") < 0)
        return -1;
    snprintf(path, sizeof(path), "%s/dev/null", b->root);
    if (close(open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0666)) < 0)
        return fail("cannot create", path);
    return do_mount("/dev/null", path, NULL, MS_BIND, NULL);
}

static int
bare_child(void *opaque)
{
    const struct bare *b = opaque;

    if (bare_mounts(b) < 0)
        _exit(126);
    /* pivot_root(".", ".") stacks the old root under the new one, where
     * a lazy unmount removes it: no directory for it is needed */
    if (chdir(b->root) < 0 || syscall(SYS_pivot_root, ".", ".") < 0 ||
        umount2(".", MNT_DETACH) < 0 || chdir("/") < 0) {
        fail("cannot pivot_root into", b->root);
        _exit(126);
    }
    if (sethostname("bare", 4) < 0)
        _exit(126);
    execv(b->argv[0], b->argv);
    fail("cannot execute", b->argv[0]);
    _exit(127);
}

static int
cmd_bare(int argc, char **argv)
{
    int flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET |
                CLONE_NEWCGROUP | SIGCHLD;
    struct bare b;
    bool detach = false;
    char *stack;
    pid_t pid;
    int status;

    if (argc > 0 && strcmp(argv[0], "-d") == 0) {
        detach = true;
        argc--;
        argv++;
    }
    if (argc < 3) {
        fprintf(stderr, "usage: nsrun bare [-d] ROOT SIGDIR PROG [ARG...]\n");
        return 2;
    }
    b.root = argv[0];
    b.sigdir = argv[1];
    b.argv = argv + 2;
    if (!(stack = malloc(STACK_SIZE)))
        return 1;
    if ((pid = clone(bare_child, stack + STACK_SIZE, flags, &b)) < 0) {
        perror("nsrun: clone");
        return 1;
    }
    if (detach) {
        printf("%d\n", (int)pid);
        return 0;
    }
    if (waitpid(pid, &status, 0) < 0)
        return 1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* whether the mount at MNT (of type TYPE from SRC) is of no use to the
 * runtimes and is detached in their namespace; the cgroup2 mount too with
 * V1 */
static bool
ns_unwanted(bool v1, const char *mnt, const char *type, const char *src)
{
    static const char *const prefixes[] = { "/tmp/",          "/var/lib/libvirt/", "/run/libvirt/",
                                            "/var/lib/lxcfs", "/run/netns/",       NULL };
    size_t i;

    if ((v1 && strcmp(mnt, "/sys/fs/cgroup/unified") == 0) || strncmp(src, "/dev/loop", 9) == 0 ||
        strcmp(type, "overlay") == 0 || strncmp(type, "fuse", 4) == 0 || strcmp(type, "nsfs") == 0)
        return true;
    for (i = 0; prefixes[i]; i++) {
        if (strncmp(mnt, prefixes[i], strlen(prefixes[i])) == 0)
            return true;
    }
    return false;
}

/* detaches the unwanted mounts, the last mounted (deepest) first */
static int
ns_detach(bool v1)
{
    static char *unwanted[MAX_MOUNTS];
    FILE *f = fopen("/proc/self/mountinfo", "re");
    char line[8192];
    int n = 0;

    if (!f)
        return fail("cannot open", "/proc/self/mountinfo");
    while (n < MAX_MOUNTS && fgets(line, sizeof(line), f)) {
        char mnt[4096], type[256], src[4096];
        char *sep = strstr(line, " - ");

        /* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [FIELDS] - TYPE SRC OPTS" */
        if (!sep || sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1 ||
            sscanf(sep + 3, "%255s %4095s", type, src) != 2)
            continue;
        if (ns_unwanted(v1, mnt, type, src))
            unwanted[n++] = strdup(mnt);
    }
    fclose(f);
    while (n-- > 0) {
        /* octal escapes (\040) only in names no one here mounts */
        if (unwanted[n] && umount2(unwanted[n], MNT_DETACH) < 0 && errno != EINVAL &&
            errno != ENOENT)
            fail("cannot detach", unwanted[n]);
        free(unwanted[n]);
    }
    return 0;
}

/* Replaces /sys/fs/cgroup by a read-only tmpfs holding binds of the v1
 * hierarchies only.  With the cgroup2 mount merely detached, crun still
 * follows the "0::" line of /proc/self/cgroup into the plain directory
 * left at /sys/fs/cgroup/unified and writes cgroup.procs files there;
 * its "crun delete" later kills the stale PIDs it finds in them, which
 * by then belong to other processes.  Here that directory cannot be
 * made.  The new tmpfs is put together on the emptied unified directory
 * and moved over /sys/fs/cgroup. */
static int
v1_cgroup_view(void)
{
    const char *base = "/sys/fs/cgroup", *stage = "/sys/fs/cgroup/unified";
    char src[4096], dst[4096];
    struct dirent *de;
    DIR *dir;

    if (do_mount("cgroup-v1", stage, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755") < 0)
        return -1;
    if (!(dir = opendir(base)))
        return fail("cannot open", base);
    while ((de = readdir(dir))) {
        struct stat sb;

        if (de->d_name[0] == '.' || strcmp(de->d_name, "unified") == 0)
            continue;
        snprintf(src, sizeof(src), "%s/%s", base, de->d_name);
        snprintf(dst, sizeof(dst), "%s/%s", stage, de->d_name);
        if (lstat(src, &sb) < 0)
            continue;
        if (S_ISLNK(sb.st_mode)) {
            char target[4096];
            ssize_t n = readlink(src, target, sizeof(target) - 1);

            if (n > 0) {
                target[n] = '\0';
                if (symlink(target, dst) < 0)
                    fail("cannot link", dst);
            }
            continue;
        }
        if (!S_ISDIR(sb.st_mode) || mkdir(dst, 0755) < 0 ||
            do_mount(src, dst, NULL, MS_BIND | MS_REC, NULL) < 0) {
            closedir(dir);
            return -1;
        }
    }
    closedir(dir);
    if (do_mount(stage, base, NULL, MS_MOVE, NULL) < 0)
        return -1;
    return do_mount(NULL, base, NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                    NULL);
}

/* the child of mkns: a new mount namespace, set up, held until the
 * parent has bound it */
static int
mkns_child(bool v1, char **binds, int nbinds, int ready, int done)
{
    char c = 0;
    int i;

    if (unshare(CLONE_NEWNS) < 0) {
        perror("nsrun: unshare");
        return 1;
    }
    if (do_mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 || ns_detach(v1) < 0 ||
        (v1 && v1_cgroup_view() < 0))
        return 1;
    for (i = 0; i < nbinds; i++) {
        char *dst = strchr(binds[i], ':');

        if (!dst)
            return 1;
        *dst++ = '\0';
        if (do_mount(binds[i], dst, NULL, MS_BIND, NULL) < 0)
            return 1;
    }
    if (write(ready, &c, 1) != 1 || read(done, &c, 1) < 0)
        return 1;
    return 0;
}

static int
cmd_mkns(int argc, char **argv)
{
    char *binds[16];
    int nbinds = 0, ready[2], done[2], status;
    const char *file;
    char path[64], c;
    bool v1 = false;
    pid_t pid;

    if (argc < 1) {
        fprintf(stderr, "usage: nsrun mkns FILE [-v1] [-b SRC:DST]...\n");
        return 2;
    }
    file = argv[0];
    for (argc--, argv++; argc > 0; argc--, argv++) {
        if (strcmp(argv[0], "-v1") == 0) {
            v1 = true;
        } else if (strcmp(argv[0], "-b") == 0 && argc > 1 && nbinds < 16) {
            binds[nbinds++] = argv[1];
            argc--;
            argv++;
        } else {
            fprintf(stderr, "nsrun mkns: bad argument '%s'\n", argv[0]);
            return 2;
        }
    }
    if (pipe(ready) < 0 || pipe(done) < 0)
        return 1;
    if ((pid = fork()) < 0)
        return 1;
    if (pid == 0) {
        close(ready[0]);
        close(done[1]);
        _exit(mkns_child(v1, binds, nbinds, ready[1], done[0]));
    }
    close(ready[1]);
    close(done[0]);
    status = 1;
    if (read(ready[0], &c, 1) == 1) {
        snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid);
        if (close(open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0600)) < 0)
            fail("cannot create", file);
        else if (mount(path, file, NULL, MS_BIND, NULL) < 0)
            fail("cannot bind the mount namespace on", file);
        else
            status = 0;
    }
    close(done[1]);
    waitpid(pid, NULL, 0);
    return status;
}

static int
cmd_enter(int argc, char **argv)
{
    int fd;

    if (argc < 2) {
        fprintf(stderr, "usage: nsrun enter FILE PROG [ARG...]\n");
        return 2;
    }
    if ((fd = open(argv[0], O_RDONLY | O_CLOEXEC)) < 0 || setns(fd, CLONE_NEWNS) < 0) {
        fail("cannot enter the mount namespace of", argv[0]);
        return 1;
    }
    execvp(argv[1], argv + 1);
    fail("cannot execute", argv[1]);
    return 127;
}

int
main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "bare") == 0)
        return cmd_bare(argc - 2, argv + 2);
    if (argc >= 2 && strcmp(argv[1], "mkns") == 0)
        return cmd_mkns(argc - 2, argv + 2);
    if (argc >= 2 && strcmp(argv[1], "enter") == 0)
        return cmd_enter(argc - 2, argv + 2);
    fprintf(stderr, "usage: nsrun bare [-d] ROOT SIGDIR PROG [ARG...]\n"
                    "       nsrun mkns FILE [-v1] [-b SRC:DST]...\n"
                    "       nsrun enter FILE PROG [ARG...]\n");
    return 2;
}
