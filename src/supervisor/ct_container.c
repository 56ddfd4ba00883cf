/*
 * ct_container.c: the container child, from clone() to execve() of init
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The order of the steps matters:
 * - the cgroup namespace is unshared only after the release: by then the
 *   daemon has moved us into the container's "init" cgroups (at the "PID"
 *   sync point, see ct_supervisor.c), so they become its root;
 * - everything is mounted before pivot_root, while host paths (the PTY
 *   slave, /dev/null, bind sources) and the host /proc are reachable;
 * - the bounding set is dropped while we still have CAP_SETPCAP, ids are
 *   changed after that, and the remaining capabilities are set last.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ct_caps.h"
#include "ct_cleanup.h"
#include "ct_container.h"
#include "ct_error.h"
#include "ct_idmap.h"
#include "ct_mount.h"
#include "ct_seccomp.h"
#include "ct_sync.h"

#define APP_ROOT_STAGING "/tmp"
#define APP_ROOT APP_ROOT_STAGING "/root"
#define STAGING "/tmp"
#define STAGING_LOWER STAGING "/lower"
#define STAGING_LAYER STAGING "/layer"
#define STAGING_ROOT STAGING "/root"

typedef enum {
    ENTRY_MOUNT, /* mount(2); with MS_BIND, src is a host path or NULL */
    ENTRY_SYMLINK, /* src is the link target */
} ctEntryKind;

typedef struct {
    ctEntryKind kind;
    const char *src;
    const char *dst;
    const char *fstype;
    unsigned long flags;
    const char *data;
    virCTMountCreate create;
    bool optional; /* skip when the target does not exist */
} ctMountEntry;

#define NOSUID_NODEV_NOEXEC (MS_NOSUID | MS_NODEV | MS_NOEXEC)
#define RO_BIND (MS_BIND | MS_REC | MS_RDONLY | NOSUID_NODEV_NOEXEC)
#define MASK_FILE(path)                                              \
    {                                                                \
        ENTRY_MOUNT, "/dev/null", path, NULL, MS_BIND, NULL, 0, true \
    }
#define MASK_DIR(path)                                                                            \
    {                                                                                             \
        ENTRY_MOUNT, "tmpfs", path, "tmpfs", MS_RDONLY | NOSUID_NODEV_NOEXEC, "mode=555", 0, true \
    }
#define RO_SELF(path)                                         \
    {                                                         \
        ENTRY_MOUNT, NULL, path, NULL, RO_BIND, NULL, 0, true \
    }

/* A private /proc with the host-wide knobs read-only or hidden. */
static const ctMountEntry procEntries[] = {
    { ENTRY_MOUNT, "proc", "/proc", "proc", NOSUID_NODEV_NOEXEC, NULL, CT_MOUNT_CREATE_DIR, false },
    RO_SELF("/proc/sys"),
    RO_SELF("/proc/sysrq-trigger"),
    RO_SELF("/proc/irq"),
    RO_SELF("/proc/bus"),
    RO_SELF("/proc/fs"),
    MASK_FILE("/proc/kcore"),
    MASK_FILE("/proc/keys"),
    MASK_FILE("/proc/timer_list"),
    MASK_FILE("/proc/sched_debug"),
    MASK_FILE("/proc/latency_stats"),
    MASK_FILE("/proc/timer_stats"),
    MASK_DIR("/proc/acpi"),
    MASK_DIR("/proc/scsi"),
};

#define DEV_NODE(name)                                                                            \
    {                                                                                             \
        ENTRY_MOUNT, "/dev/" name, "/dev/" name, NULL, MS_BIND, NULL, CT_MOUNT_CREATE_FILE, false \
    }
#define DEV_LINK(target, name)                                       \
    {                                                                \
        ENTRY_SYMLINK, target, "/dev/" name, NULL, 0, NULL, 0, false \
    }

/* /dev: host nodes are bound in because mknod is refused in a user
 * namespace; devpts and the console are handled in setupDev(). */
static const ctMountEntry devEntries[] = {
    { ENTRY_MOUNT, "tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=1024k",
      CT_MOUNT_CREATE_DIR, false },
    DEV_NODE("null"),
    DEV_NODE("zero"),
    DEV_NODE("full"),
    DEV_NODE("random"),
    DEV_NODE("urandom"),
    DEV_NODE("tty"),
    DEV_LINK("pts/ptmx", "ptmx"),
    DEV_LINK("/proc/self/fd", "fd"),
    DEV_LINK("/proc/self/fd/0", "stdin"),
    DEV_LINK("/proc/self/fd/1", "stdout"),
    DEV_LINK("/proc/self/fd/2", "stderr"),
    { ENTRY_MOUNT, "shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777",
      CT_MOUNT_CREATE_DIR, false },
    { ENTRY_MOUNT, "mqueue", "/dev/mqueue", "mqueue", NOSUID_NODEV_NOEXEC, NULL,
      CT_MOUNT_CREATE_DIR, false },
};

/* An application container also gets a private /tmp and /run. */
static const ctMountEntry appEntries[] = {
    { ENTRY_MOUNT, "tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777", CT_MOUNT_CREATE_DIR,
      false },
    { ENTRY_MOUNT, "tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=755", CT_MOUNT_CREATE_DIR,
      false },
};

#define N_ENTRIES(table) (sizeof(table) / sizeof(table[0]))


static int
applyEntries(const virCTRoot *root, const ctMountEntry *entries, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        const ctMountEntry *ent = &entries[i];
        int rc;

        if (ent->kind == ENTRY_SYMLINK)
            rc = virCTMountSymlink(root, ent->src, ent->dst);
        else
            rc = virCTMountAt(root, ent->src, ent->dst, ent->fstype, ent->flags, ent->data,
                              ent->create);
        if (rc < 0 && !(ent->optional && errno == ENOENT))
            return -1;
    }
    return 0;
}


/* sysfs can only be mounted by the owner of the network namespace; with
 * a user namespace but no network namespace, bind the host's read-only. */
static int
setupSys(const virCTRoot *root)
{
    if (virCTMountAt(root, "sysfs", "/sys", "sysfs", MS_RDONLY | NOSUID_NODEV_NOEXEC, NULL,
                     CT_MOUNT_CREATE_DIR) < 0) {
        if (errno != EPERM)
            return -1;
        if (virCTMountAt(root, "/sys", "/sys", NULL, RO_BIND, NULL, CT_MOUNT_CREATE_DIR) < 0)
            return -1;
    }
    return virCTMountCgroups(root);
}


static int
setupDev(const virCTRoot *root, const char *consolePath)
{
    unsigned long ptsFlags = MS_NOSUID | MS_NOEXEC;

    if (applyEntries(root, devEntries, N_ENTRIES(devEntries)) < 0)
        return -1;
    /* gid 5 (tty) may not be mapped in a user namespace: then without it */
    if (virCTMountAt(root, "devpts", "/dev/pts", "devpts", ptsFlags,
                     "newinstance,ptmxmode=0666,mode=0620,gid=5", CT_MOUNT_CREATE_DIR) < 0) {
        if (virCTMountAt(root, "devpts", "/dev/pts", "devpts", ptsFlags,
                         "newinstance,ptmxmode=0666,mode=0620", CT_MOUNT_CREATE_DIR) < 0)
            return -1;
    }
    return virCTMountAt(root, consolePath, "/dev/console", NULL, MS_BIND, NULL,
                        CT_MOUNT_CREATE_FILE);
}


/* Bind sources are opened before anything is mounted: the staging tmpfs
 * of an application container hides the host's /tmp, and a descriptor
 * cannot be swapped under us by a rename on the host. */
static int
openBindSources(const ctPlan *plan, int *fds)
{
    size_t i;

    for (i = 0; i < plan->nmounts; i++) {
        fds[i] = -1;
        if (plan->mounts[i].kind != CT_PLAN_MOUNT_BIND || (plan->nsFlags & CLONE_NEWUSER))
            continue;
        fds[i] = open(plan->mounts[i].src, O_PATH | O_CLOEXEC);
        if (fds[i] < 0)
            return virCTErrorReport(errno, "cannot bind-mount '%s'", plan->mounts[i].src);
    }
    return 0;
}


static int
bindMount(const virCTRoot *root, const ctPlanMount *mnt, int srcFd)
{
    char fdpath[64];
    struct stat sb;

    if (fstat(srcFd, &sb) < 0)
        return virCTErrorReport(errno, "cannot stat '%s'", mnt->src);
    snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", srcFd);
    return virCTMountAt(root, fdpath, mnt->dst, NULL, mnt->flags | MS_BIND, NULL,
                        S_ISDIR(sb.st_mode) ? CT_MOUNT_CREATE_DIR : CT_MOUNT_CREATE_FILE);
}


static int
extraMount(const virCTRoot *root, const ctPlanMount *mnt, int srcFd, int treeFd)
{
    switch (mnt->kind) {
    case CT_PLAN_MOUNT_BIND:
        if (treeFd >= 0)
            return virCTMountMove(root, treeFd, mnt->src, mnt->dst, mnt->flags);
        return bindMount(root, mnt, srcFd);
    case CT_PLAN_MOUNT_FS:
        return virCTMountAt(root, mnt->src ? mnt->src : mnt->fstype, mnt->dst, mnt->fstype,
                            mnt->flags & ~MS_REC, mnt->data, CT_MOUNT_CREATE_DIR);
    case CT_PLAN_MOUNT_LAST:
        break;
    }
    return virCTErrorReport(EINVAL, "unknown mount kind %d for '%s'", mnt->kind, mnt->dst);
}


static int
openRoot(virCTRoot *root, const char *path)
{
    root->path = path;
    root->fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root->fd < 0)
        return virCTErrorReport(errno, "cannot open root '%s'", path);
    return 0;
}


/* A container with a user namespace may not even look up the host's
 * paths of its file systems (the state tree may be private to the host's
 * root): its idmapped trees are attached in a tmpfs of its own instead,
 * over the host's /tmp in this mount namespace only. */
static int
makeStaging(void)
{
    static const char *const dirs[] = { STAGING_LOWER, STAGING_LAYER, STAGING_ROOT };
    size_t i;

    if (mount("tmpfs", STAGING, "tmpfs", MS_NOSUID | MS_NODEV, "mode=700,size=16k") < 0)
        return virCTErrorReport(errno, "cannot mount tmpfs on '%s'", STAGING);
    for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        if (mkdir(dirs[i], 0755) < 0)
            return virCTErrorReport(errno, "cannot create '%s'", dirs[i]);
    }
    return 0;
}


static int
overlayConfig(int fsfd, const char *key, const char *value)
{
    if (fsconfig(fsfd, value ? FSCONFIG_SET_STRING : FSCONFIG_SET_FLAG, key, value, 0) < 0)
        return virCTErrorReport(errno, "cannot set the overlay's %s%s%s", key, value ? "=" : "",
                                value ? value : "");
    return 0;
}


/* In a child: the overlay made by a task in the user namespace @userns
 * (and a mount namespace of its own, which it owns), as the container's
 * root makes it at a boot, so that its superblock and the credentials it
 * works in the layer with are the container's, not the host's root's.
 * Sends the detached mount on @sock. */
static void __attribute__((noreturn))
overlayChild(int userns, int sock, const char *lower, const char *layer)
{
    char upper[PATH_MAX];
    char work[PATH_MAX];
    int fsfd;
    int mfd;

    snprintf(upper, sizeof(upper), "%s/upper", layer);
    snprintf(work, sizeof(work), "%s/work", layer);
    /* its root, whose ids are mapped, as the container child becomes */
    if (setns(userns, CLONE_NEWUSER) < 0 || setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0 ||
        unshare(CLONE_NEWNS) < 0) {
        virCTErrorReport(errno, "cannot enter the container's user namespace");
        goto error;
    }
    if ((fsfd = fsopen("overlay", FSOPEN_CLOEXEC)) < 0) {
        virCTErrorReport(errno, "cannot open an overlay");
        goto error;
    }
    if (overlayConfig(fsfd, "lowerdir", lower) < 0 || overlayConfig(fsfd, "upperdir", upper) < 0 ||
        overlayConfig(fsfd, "workdir", work) < 0 || overlayConfig(fsfd, "userxattr", NULL) < 0 ||
        overlayConfig(fsfd, "xino", "on") < 0)
        goto error;
    if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
        virCTErrorReport(errno, "cannot mount the overlay root of '%s'", layer);
        goto error;
    }
    if ((mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, 0)) < 0) {
        virCTErrorReport(errno, "cannot mount the overlay root of '%s'", layer);
        goto error;
    }
    if (virCTSyncSendFd(sock, "overlay\n", mfd) < 0)
        _exit(1);
    _exit(0);

 error:
    virCTErrorSend(sock, virCTErrorLast());
    _exit(1);
}


static int
mountOverlayAs(int userns, const char *lower, const char *layer, const char *target)
{
    char record[sizeof(virCTError)];
    CT_AUTOCLOSE int mfd = -1;
    int sv[2];
    ssize_t n;
    pid_t pid;

    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        return virCTErrorReport(errno, "cannot create a socket");
    if ((pid = fork()) < 0) {
        close(sv[0]);
        close(sv[1]);
        return virCTErrorReport(errno, "cannot fork");
    }
    if (pid == 0) {
        close(sv[0]);
        overlayChild(userns, sv[1], lower, layer);
    }
    close(sv[1]);
    n = virCTSyncRecvRecord(sv[0], record, sizeof(record), &mfd);
    close(sv[0]);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
    if (mfd < 0 && n == (ssize_t)sizeof(virCTError)) {
        memcpy(virCTErrorLast(), record, sizeof(virCTError));
        virCTErrorLast()->msg[CT_ERROR_MSG_LEN - 1] = '\0';
        return -1;
    }
    if (mfd < 0)
        return virCTErrorReport(EPROTO, "the overlay of '%s' was not made", layer);
    return virCTMountMoveTo(mfd, target);
}


/* A template's root: the overlay of its layer on the template.  The
 * overlay keeps its own metadata in "user." extended attributes in
 * every mode, so one layer serves a container with a user namespace and
 * without.  xino=on: every file has the overlay's st_dev and an st_ino
 * from its inode's number, the pair an inotify watch names, so that CRIU
 * finds a watched file's path (irmap) at a checkpoint.  With @mounter (a
 * restore, which is not in the container's user namespace), made by a
 * task in that user namespace. */
static int
mountTemplateRoot(const ctPlan *plan, const virCTIdmapFds *fds, int mounter, virCTRoot *root)
{
    const char *lower = plan->rootLower;
    const char *layer = plan->rootLayer;
    const char *target = plan->root;
    char opts[3 * PATH_MAX];

    if (fds->lower >= 0) {
        if (makeStaging() < 0)
            return -1;
        /* the mounter must find the trees: the container's root owns them */
        if (mounter >= 0 && chown(STAGING, virCTIdmapHostRoot(plan->uidMap, plan->nuidMap),
                                  virCTIdmapHostRoot(plan->gidMap, plan->ngidMap)) < 0)
            return virCTErrorReport(errno, "cannot give '%s' to the container's root", STAGING);
        if (virCTMountMoveTo(fds->lower, STAGING_LOWER) < 0)
            return -1;
        if (virCTMountMoveTo(fds->layer, STAGING_LAYER) < 0)
            return -1;
        lower = STAGING_LOWER;
        layer = STAGING_LAYER;
        target = STAGING_ROOT;
    }
    if (mounter >= 0) {
        if (mountOverlayAs(mounter, lower, layer, target) < 0)
            return -1;
        return openRoot(root, target);
    }
    if (snprintf(opts, sizeof(opts),
                 "lowerdir=%s,upperdir=%s/upper,workdir=%s/work,userxattr,xino=on", lower, layer,
                 layer) >= (int)sizeof(opts))
        return virCTErrorReport(ENAMETOOLONG, "overlay options of '%s' are too long", plan->root);
    if (mount("overlay", target, "overlay", 0, opts) < 0)
        return virCTErrorReport(errno, "cannot mount the overlay root of '%s' on '%s' (%s)",
                                plan->rootLayer, target, opts);
    return openRoot(root, target);
}


/* The new root: a template's overlay mounted on the plan's directory, the
 * plan's directory bound onto itself (pivot_root needs a mount point) or
 * its idmapped copy, or for an application container the host's "/" bound
 * read-only under a private tmpfs staging directory. */
static int
prepareRoot(const ctPlan *plan, const virCTIdmapFds *fds, int mounter, virCTRoot *root)
{
    if (plan->root && plan->rootLower)
        return mountTemplateRoot(plan, fds, mounter, root);
    if (plan->root && fds->root >= 0) {
        if (makeStaging() < 0)
            return -1;
        if (virCTMountMoveTo(fds->root, STAGING_ROOT) < 0)
            return -1;
        return openRoot(root, STAGING_ROOT);
    }
    if (plan->root) {
        if (mount(plan->root, plan->root, NULL, MS_BIND | MS_REC, NULL) < 0)
            return virCTErrorReport(errno, "cannot bind-mount root '%s'", plan->root);
        return openRoot(root, plan->root);
    }
    if (mount("tmpfs", APP_ROOT_STAGING, "tmpfs", 0, "mode=700,size=16k") < 0)
        return virCTErrorReport(errno, "cannot mount tmpfs on '%s'", APP_ROOT_STAGING);
    if (mkdir(APP_ROOT, 0755) < 0)
        return virCTErrorReport(errno, "cannot create '%s'", APP_ROOT);
    if (mount("/", APP_ROOT, NULL, MS_BIND | MS_REC, NULL) < 0)
        return virCTErrorReport(errno, "cannot bind-mount '/' on '%s'", APP_ROOT);
    if (openRoot(root, APP_ROOT) < 0)
        return -1;
    return virCTMountSetReadonly(root, "/", true);
}


int
virCTContainerPrepareRoot(const ctPlan *plan, const virCTIdmapFds *fds, int mounter,
                          virCTRoot *root)
{
    return prepareRoot(plan, fds, mounter, root);
}


/* The plan's own mounts, in order, over what the root brought. */
static int
extraMounts(const ctPlan *plan, const virCTIdmapFds *fds, const int *srcFds, const virCTRoot *root)
{
    size_t i;

    for (i = 0; i < plan->nmounts; i++) {
        int treeFd = i < CT_IDMAP_MAX_MOUNTS ? fds->mounts[i] : -1;

        if (extraMount(root, &plan->mounts[i], srcFds[i], treeFd) < 0)
            return -1;
    }
    return 0;
}


static int
setupFilesystems(const ctPlan *plan, const virCTIdmapFds *fds, const char *consolePath,
                 virCTRoot *root)
{
    /* the descriptors are close-on-exec: init never sees them */
    CT_AUTOFREE int *srcFds = calloc(plan->nmounts + 1, sizeof(int));

    if (!srcFds)
        return virCTErrorReport(ENOMEM, "cannot allocate mount table");
    /* nothing we mount may propagate back to the host */
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        return virCTErrorReport(errno, "cannot make '/' private");
    if (openBindSources(plan, srcFds) < 0)
        return -1;
    if (prepareRoot(plan, fds, -1, root) < 0)
        return -1;
    virCTTimelineMark("child-root");
    if (applyEntries(root, procEntries, N_ENTRIES(procEntries)) < 0)
        return -1;
    virCTTimelineMark("child-proc");
    if (setupSys(root) < 0)
        return -1;
    virCTTimelineMark("child-sys");
    if (setupDev(root, consolePath) < 0)
        return -1;
    virCTTimelineMark("child-dev");
    if (!plan->root && applyEntries(root, appEntries, N_ENTRIES(appEntries)) < 0)
        return -1;
    if (extraMounts(plan, fds, srcFds, root) < 0)
        return -1;
    if (plan->root && plan->rootReadonly && virCTMountSetReadonly(root, "/", false) < 0)
        return -1;
    virCTTimelineMark("child-mounts");
    if (virCTMountPivot(root) < 0)
        return -1;
    virCTTimelineMark("child-pivot");
    return 0;
}


static int
setupConsole(void)
{
    CT_AUTOCLOSE int fd = -1;
    int stdfd;

    if (setsid() < 0)
        return virCTErrorReport(errno, "cannot start a new session");
    if ((fd = open("/dev/console", O_RDWR)) < 0)
        return virCTErrorReport(errno, "cannot open '/dev/console'");
    if (ioctl(fd, TIOCSCTTY, 0) < 0)
        return virCTErrorReport(errno, "cannot make '/dev/console' the controlling terminal");
    for (stdfd = STDIN_FILENO; stdfd <= STDERR_FILENO; stdfd++) {
        if (dup2(fd, stdfd) < 0)
            return virCTErrorReport(errno, "cannot redirect stdio to '/dev/console'");
    }
    if (fd <= STDERR_FILENO)
        ctStealFd(&fd); /* it is one of the three now */
    return 0;
}


/* Init has no supplementary groups: they are cleared, but in a user
 * namespace, where the supervisor denied setgroups(2) before writing the
 * gid map (an unprivileged map requires it). */
static int
switchIds(const ctPlan *plan)
{
    bool userns = plan->nsFlags & CLONE_NEWUSER;

    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
        return virCTErrorReport(errno, "cannot set keep-capabilities");
    if (!userns && setgroups(0, NULL) < 0)
        return virCTErrorReport(errno, "cannot clear supplementary groups");
    if (setresgid(plan->gid, plan->gid, plan->gid) < 0)
        return virCTErrorReport(errno, "cannot set group id %u", (unsigned int)plan->gid);
    if (setresuid(plan->uid, plan->uid, plan->uid) < 0)
        return virCTErrorReport(errno, "cannot set user id %u", (unsigned int)plan->uid);
    if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
        return virCTErrorReport(errno, "cannot clear keep-capabilities");
    return 0;
}


static int
setupProcess(const ctPlan *plan, const virCTContainerArgs *args)
{
    const char *cwd = plan->cwd ? plan->cwd : "/";

    if (setupConsole() < 0)
        return -1;
    virCTTimelineMark("child-console");
    if (virCTCapsDropBounding(plan->capsKeep) < 0)
        return -1;
    if (switchIds(plan) < 0)
        return -1;
    if (virCTCapsSet(plan->capsKeep, plan->uid != 0) < 0)
        return -1;
    if (chdir(cwd) < 0)
        return virCTErrorReport(errno, "cannot change directory to '%s'", cwd);
    signal(SIGPIPE, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    if (sigprocmask(SIG_SETMASK, &args->sigmask, NULL) < 0)
        return virCTErrorReport(errno, "cannot restore the signal mask");
    /* nothing the supervisor inherited may leak into the container */
    close_range(STDERR_FILENO + 1, ~0U, CLOSE_RANGE_CLOEXEC);
    return 0;
}


static void
execInit(const ctPlan *plan)
{
    CT_AUTOFREE char **argv = calloc(plan->nargv + 1, sizeof(char *));
    CT_AUTOFREE char **envp = calloc(plan->nenv + 1, sizeof(char *));

    if (!argv || !envp) {
        virCTErrorReport(ENOMEM, "cannot allocate the init's arguments");
        return;
    }
    memcpy(argv, plan->argv, plan->nargv * sizeof(char *));
    memcpy(envp, plan->env, plan->nenv * sizeof(char *));
    prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
    virCTTimelineMark("child-exec");
    execve(argv[0], argv, envp);
    virCTErrorReport(errno, "cannot execute '%s'", argv[0]);
}


/* Before anything else, while we have every capability of our user
 * namespace: the filter covers init and all it starts.  The listener goes
 * to the supervisor in one record; without one the record says why, and
 * the container still starts, with the kernel's sysinfo(2) but never
 * without the deny list: when that cannot be installed either, returns
 * -1 with the error reported, to be sent once the supervisor listens. */
static int
sendListener(int sock)
{
    CT_AUTOCLOSE int fd = virCTSeccompInstall(true);
    int err = errno;

    if (fd >= 0) {
        virCTSyncSendFd(sock, "listener\n", fd);
        return 0;
    }
    virCTSyncWriteLine(sock, "no-listener %d\n", err);
    if (virCTSeccompInstall(false) < 0)
        return virCTErrorReport(errno, "cannot install the seccomp deny list");
    return 0;
}


/* A new network namespace starts with loopback down. */
static int
setupLoopback(void)
{
    struct ifreq ifr = { .ifr_name = "lo" };
    CT_AUTOCLOSE int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

    if (fd < 0)
        return virCTErrorReport(errno, "cannot open a socket for loopback");
    if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
        return virCTErrorReport(errno, "cannot bring loopback up");
    ifr.ifr_flags |= IFF_UP;
    if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
        return virCTErrorReport(errno, "cannot bring loopback up");
    return 0;
}


/* The idmapped mounts of our file systems (ct_idmap.h), then "G". */
static int
waitRelease(int sock, virCTIdmapFds *fds)
{
    char record[64];
    ssize_t n;

    for (;;) {
        CT_AUTOCLOSE int fd = -1;
        int taken;

        if ((n = virCTSyncRecvRecord(sock, record, sizeof(record), &fd)) <= 0)
            return virCTErrorReport(n < 0 ? errno : EPIPE,
                                    "supervisor went away before releasing the container");
        if (strcmp(record, "G") == 0 && fd < 0)
            return 0;
        if ((taken = virCTIdmapFdsTake(fds, record, fd)) < 0)
            return -1;
        if (taken == 0)
            return virCTErrorReport(EPROTO, "unexpected record '%s' from the supervisor", record);
        ctStealFd(&fd); /* @fds holds it now */
    }
}


/* Once released: what the namespaces clone() made still need. */
static int
setupNamespaces(const ctPlan *plan)
{
    /* our host ids are unmapped in a new user namespace: become its root,
     * or files we create (mount points, /dev nodes) cannot be owned */
    if ((plan->nsFlags & CLONE_NEWUSER) && setresgid(0, 0, 0) < 0)
        return virCTErrorReport(errno, "cannot become root in the user namespace");
    if ((plan->nsFlags & CLONE_NEWUSER) && setresuid(0, 0, 0) < 0)
        return virCTErrorReport(errno, "cannot become root in the user namespace");
    /* the daemon moved us into the "init" cgroups before the release:
     * they become the root of the container's cgroup namespace (and what
     * its /sys/fs/cgroup binds: recorded while we still see their paths) */
    if ((plan->nsFlags & CLONE_NEWCGROUP) && virCTMountRecordCgroups() < 0)
        return -1;
    if ((plan->nsFlags & CLONE_NEWCGROUP) && unshare(CLONE_NEWCGROUP) < 0)
        return virCTErrorReport(errno, "cannot create a cgroup namespace");
    if (plan->hostname && (plan->nsFlags & CLONE_NEWUTS) &&
        sethostname(plan->hostname, strlen(plan->hostname)) < 0)
        return virCTErrorReport(errno, "cannot set host name '%s'", plan->hostname);
    if ((plan->nsFlags & CLONE_NEWNET) && setupLoopback() < 0)
        return -1;
    return 0;
}


void
virCTContainerRun(const ctPlan *plan, const virCTContainerArgs *args)
{
    virCTRoot root = { NULL, -1 };
    virCTIdmapFds idmapped;
    int filterRc;

    /* until exec, die with the supervisor rather than linger half set up */
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    virCTTimelineMark("child-cloned");
    virCTIdmapFdsInit(&idmapped);
    filterRc = sendListener(args->syncSock);
    virCTTimelineMark("child-seccomp");
    if (waitRelease(args->syncSock, &idmapped) < 0)
        goto error;
    virCTTimelineMark("child-released");
    /* a filter that failed is told only now: the supervisor listens */
    if (filterRc < 0)
        goto error;
    if (setupNamespaces(plan) < 0)
        goto error;
    virCTTimelineMark("child-ns");
    if (setupFilesystems(plan, &idmapped, args->consolePath, &root) < 0)
        goto error;
    if (setupProcess(plan, args) < 0)
        goto error;
    execInit(plan);

 error:
    virCTErrorSend(args->syncSock, virCTErrorLast());
    _exit(1);
}
