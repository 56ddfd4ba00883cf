/*
 * ct_mount.c: mounts inside the container's new mount namespace
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ct_cleanup.h"
#include "ct_error.h"
#include "ct_mount.h"

#define CGROUP_DIR "/sys/fs/cgroup"
#define CT_MOUNT_MAX_CGROUPS 32


static int
openInRoot(const virCTRoot *root, const char *path)
{
    struct open_how how = {
        .flags = O_PATH | O_CLOEXEC,
        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
    };

    return syscall(SYS_openat2, root->fd, path, &how, sizeof(how));
}


/* Creates the last component of @path inside @root (parents first). */
static int
createInRoot(const virCTRoot *root, const char *path, virCTMountCreate create)
{
    char parent[PATH_MAX];
    char *slash;
    CT_AUTOCLOSE int pfd = -1;
    int rc;

    if (snprintf(parent, sizeof(parent), "%s", path) >= (int)sizeof(parent))
        return virCTErrorReport(ENAMETOOLONG, "path '%s' is too long", path);
    while ((slash = strrchr(parent, '/')) && slash[1] == '\0' && slash != parent)
        *slash = '\0';
    if (!slash)
        return virCTErrorReport(EINVAL, "path '%s' is not absolute", path);
    *slash = '\0';
    if ((pfd = virCTMountOpen(root, slash == parent ? "/" : parent, CT_MOUNT_CREATE_DIR)) < 0)
        return -1;
    if (create == CT_MOUNT_CREATE_DIR) {
        rc = mkdirat(pfd, slash + 1, 0755);
    } else {
        rc = openat(pfd, slash + 1, O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (rc >= 0)
            rc = close(rc);
    }
    if (rc < 0 && errno != EEXIST)
        return virCTErrorReport(errno, "cannot create '%s' in '%s'", path, root->path);
    return 0;
}


int
virCTMountOpen(const virCTRoot *root, const char *path, virCTMountCreate create)
{
    int fd = openInRoot(root, path);

    if (fd < 0 && errno == ENOENT && create != CT_MOUNT_CREATE_NONE) {
        if (createInRoot(root, path, create) < 0)
            return -1;
        fd = openInRoot(root, path);
    }
    if (fd < 0) {
        int err = errno;
        virCTErrorReport(err, "cannot open '%s' in '%s'", path, root->path);
        errno = err;
    }
    return fd;
}


static unsigned long long
mountAttrs(unsigned long flags)
{
    return (flags & MS_RDONLY ? MOUNT_ATTR_RDONLY : 0) |
           (flags & MS_NOSUID ? MOUNT_ATTR_NOSUID : 0) | (flags & MS_NODEV ? MOUNT_ATTR_NODEV : 0) |
           (flags & MS_NOEXEC ? MOUNT_ATTR_NOEXEC : 0);
}


/* Sets attributes on the mount whose root is @dst (reopened, since the
 * descriptor used for mounting still points below the new mount). */
static int
setAttrs(const virCTRoot *root, const char *dst, unsigned long long attrs, bool recursive)
{
    struct mount_attr attr = { .attr_set = attrs };
    unsigned int flags = AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0);
    CT_AUTOCLOSE int fd = -1;

    if ((fd = virCTMountOpen(root, dst, CT_MOUNT_CREATE_NONE)) < 0)
        return -1;
    if (mount_setattr(fd, "", flags, &attr, sizeof(attr)) < 0)
        return virCTErrorReport(errno, "cannot change attributes of mount '%s' in '%s'", dst,
                                root->path);
    return 0;
}


int
virCTMountSetReadonly(const virCTRoot *root, const char *dst, bool recursive)
{
    return setAttrs(root, dst, MOUNT_ATTR_RDONLY, recursive);
}


int
virCTMountAt(const virCTRoot *root, const char *src, const char *dst, const char *fstype,
             unsigned long flags, const char *data, virCTMountCreate create)
{
    char fdpath[64];
    CT_AUTOCLOSE int fd = -1;
    int rc;

    if ((fd = virCTMountOpen(root, dst, create)) < 0)
        return -1;
    snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
    if (flags & MS_BIND)
        rc = mount(src ? src : fdpath, fdpath, NULL, flags & (MS_BIND | MS_REC), NULL);
    else
        rc = mount(src, fdpath, fstype, flags, data);
    if (rc < 0) {
        int err = errno;
        virCTErrorReport(err, "cannot mount %s '%s' on '%s' in '%s'",
                         flags & MS_BIND ? "bind of" : fstype, src ? src : dst, dst, root->path);
        errno = err; /* callers tolerate some (applyEntries(), setupSys()) */
        return -1;
    }
    if ((flags & MS_BIND) && mountAttrs(flags))
        return setAttrs(root, dst, mountAttrs(flags), flags & MS_REC);
    return 0;
}


int
virCTMountMoveTo(int treeFd, const char *path)
{
    if (treeFd < 0)
        return virCTErrorReport(EPROTO, "the supervisor sent no idmapped mount for '%s'", path);
    if (move_mount(treeFd, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH) < 0)
        return virCTErrorReport(errno, "cannot attach the idmapped mount of '%s'", path);
    return 0;
}


int
virCTMountMove(const virCTRoot *root, int treeFd, const char *src, const char *dst,
               unsigned long flags)
{
    virCTMountCreate create;
    struct stat sb;
    CT_AUTOCLOSE int fd = -1;

    if (treeFd < 0)
        return virCTErrorReport(EPROTO, "the supervisor sent no idmapped mount for '%s'", src);
    if (fstat(treeFd, &sb) < 0)
        return virCTErrorReport(errno, "cannot stat '%s'", src);
    create = S_ISDIR(sb.st_mode) ? CT_MOUNT_CREATE_DIR : CT_MOUNT_CREATE_FILE;
    if ((fd = virCTMountOpen(root, dst, create)) < 0)
        return -1;
    if (move_mount(treeFd, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        return virCTErrorReport(errno, "cannot mount '%s' on '%s' in '%s'", src, dst, root->path);
    if (mountAttrs(flags))
        return setAttrs(root, dst, mountAttrs(flags), flags & MS_REC);
    return 0;
}


int
virCTMountSymlink(const virCTRoot *root, const char *target, const char *dst)
{
    const char *base = strrchr(dst, '/');
    char parent[PATH_MAX];
    CT_AUTOCLOSE int pfd = -1;

    snprintf(parent, sizeof(parent), "%.*s", (int)(base - dst), dst);
    if ((pfd = virCTMountOpen(root, *parent ? parent : "/", CT_MOUNT_CREATE_DIR)) < 0)
        return -1;
    if (symlinkat(target, pfd, base + 1) < 0 && errno != EEXIST)
        return virCTErrorReport(errno, "cannot create symlink '%s' in '%s'", dst, root->path);
    return 0;
}


int
virCTMountPivot(const virCTRoot *root)
{
    /* pivot_root(".", ".") stacks the old root on top of the new one;
     * detaching "." then drops the old root without needing a directory
     * for it inside the container. */
    if (chdir(root->path) < 0)
        return virCTErrorReport(errno, "cannot chdir to '%s'", root->path);
    if (syscall(SYS_pivot_root, ".", ".") < 0)
        return virCTErrorReport(errno, "cannot pivot_root to '%s'", root->path);
    if (umount2(".", MNT_DETACH) < 0)
        return virCTErrorReport(errno, "cannot detach the old root");
    if (chdir("/") < 0)
        return virCTErrorReport(errno, "cannot chdir to the new '/'");
    return 0;
}


typedef struct {
    char name[64]; /* relative to /sys/fs/cgroup, "" for itself */
    char opts[256]; /* super options to mount with */
    bool v2;
} ctCgroupMount;


/* Keeps the super options that select a v1 hierarchy (controllers,
 * name=, none, xattr); "rw" and release_agent must not be repeated. */
static void
filterCgroupOpts(const char *super, char *out, size_t outlen)
{
    char buf[256];
    char *save = NULL;
    char *tok;

    snprintf(buf, sizeof(buf), "%s", super);
    out[0] = '\0';
    for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (strcmp(tok, "rw") == 0 || strcmp(tok, "ro") == 0 ||
            strncmp(tok, "release_agent=", 14) == 0)
            continue;
        if (strlen(out) + strlen(tok) + 2 > outlen)
            break;
        if (*out)
            strcat(out, ",");
        strcat(out, tok);
    }
}


/* Parses one mountinfo line; returns true for a cgroup mount under
 * /sys/fs/cgroup, filling @mnt. */
static bool
parseCgroupLine(char *line, ctCgroupMount *mnt)
{
    char *sep = strstr(line, " - ");
    char mountpoint[PATH_MAX];
    char fstype[32];
    char source[64];
    char super[256];

    if (!sep || sscanf(line, "%*s %*s %*s %*s %4095s", mountpoint) != 1 ||
        sscanf(sep + 3, "%31s %63s %255s", fstype, source, super) != 3)
        return false;
    if (strcmp(fstype, "cgroup") != 0 && strcmp(fstype, "cgroup2") != 0)
        return false;
    if (strcmp(mountpoint, CGROUP_DIR) == 0) {
        mnt->name[0] = '\0';
    } else if (strncmp(mountpoint, CGROUP_DIR "/", strlen(CGROUP_DIR) + 1) == 0 &&
               !strchr(mountpoint + strlen(CGROUP_DIR) + 1, '/') &&
               strlen(mountpoint + strlen(CGROUP_DIR) + 1) < sizeof(mnt->name)) {
        strcpy(mnt->name, mountpoint + strlen(CGROUP_DIR) + 1);
    } else {
        return false;
    }
    mnt->v2 = strcmp(fstype, "cgroup2") == 0;
    if (mnt->v2)
        mnt->opts[0] = '\0'; /* nsdelegate & co. are init-namespace only */
    else
        filterCgroupOpts(super, mnt->opts, sizeof(mnt->opts));
    return true;
}


static int
readCgroupMounts(ctCgroupMount *mnts, size_t max)
{
    CT_AUTOFCLOSE FILE *fp = fopen("/proc/self/mountinfo", "re");
    CT_AUTOFREE char *line = NULL;
    size_t cap = 0;
    int n = 0;

    if (!fp)
        return virCTErrorReport(errno, "cannot open '/proc/self/mountinfo'");
    while (getline(&line, &cap, fp) > 0 && (size_t)n < max) {
        if (parseCgroupLine(line, &mnts[n]))
            n++;
    }
    return n;
}


/* Whether the comma-separated controller list @want is all in the
 * mount options @opts. */
static bool
hasControllers(const char *opts, const char *want)
{
    char buf[256];
    char *save = NULL;
    char *tok;

    snprintf(buf, sizeof(buf), "%s", want);
    for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        const char *at = strstr(opts, tok);
        size_t len = strlen(tok);

        while (at && !((at == opts || at[-1] == ',') && (at[len] == ',' || at[len] == '\0')))
            at = strstr(at + 1, tok);
        if (!at)
            return false;
    }
    return true;
}


int
virCTMountCgroupHierarchy(const char *ctrls, char *out, size_t len)
{
    static ctCgroupMount mnts[CT_MOUNT_MAX_CGROUPS];
    int n = readCgroupMounts(mnts, CT_MOUNT_MAX_CGROUPS);
    int i;

    for (i = 0; i < n; i++) {
        if (*ctrls ? mnts[i].v2 || !hasControllers(mnts[i].opts, ctrls) : !mnts[i].v2)
            continue;
        snprintf(out, len, "%s%s%s", CGROUP_DIR, mnts[i].name[0] ? "/" : "", mnts[i].name);
        return 0;
    }
    return -1;
}


/* The host may have symlinks such as cpu -> cpu,cpuacct next to its
 * hierarchies; programs expect the same names inside. */
static int
copyCgroupSymlinks(const virCTRoot *root)
{
    DIR *dir = opendir(CGROUP_DIR);
    struct dirent *ent;
    int rc = 0;

    if (!dir)
        return 0;
    while (rc == 0 && (ent = readdir(dir))) {
        char target[256];
        char dst[512];
        ssize_t len;

        if (ent->d_type != DT_LNK)
            continue;
        len = readlinkat(dirfd(dir), ent->d_name, target, sizeof(target) - 1);
        if (len <= 0)
            continue;
        target[len] = '\0';
        snprintf(dst, sizeof(dst), CGROUP_DIR "/%s", ent->d_name);
        rc = virCTMountSymlink(root, target, dst);
    }
    closedir(dir);
    return rc;
}


/* /proc/self/cgroup as it was before the cgroup namespace, or "" */
static char hostCgroups[8192];


int
virCTMountRecordCgroups(void)
{
    CT_AUTOCLOSE int fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
    ssize_t len;

    if (fd < 0 || (len = read(fd, hostCgroups, sizeof(hostCgroups) - 1)) < 0)
        return virCTErrorReport(errno, "cannot read '/proc/self/cgroup'");
    hostCgroups[len] = '\0';
    return 0;
}


/* The host directory of our recorded cgroup in the hierarchy @mnt, into
 * @out; false when it is not known. */
static bool
hostCgroupDir(const ctCgroupMount *mnt, char *out, size_t len)
{
    char buf[sizeof(hostCgroups)];
    char *save = NULL;
    char *line;

    memcpy(buf, hostCgroups, sizeof(buf));
    for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *ctrls = strchr(line, ':');
        char *path = ctrls ? strchr(ctrls + 1, ':') : NULL;

        if (!path || path[1] != '/')
            continue;
        *path++ = '\0';
        ctrls++;
        if (mnt->v2 ? *ctrls != '\0' : *ctrls == '\0' || !hasControllers(mnt->opts, ctrls))
            continue;
        return (size_t)snprintf(out, len, CGROUP_DIR "%s%s%s", *mnt->name ? "/" : "", mnt->name,
                                path) < len;
    }
    return false;
}


static int
mountCgroup(const virCTRoot *root, const ctCgroupMount *mnt)
{
    unsigned long flags = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
    char dst[PATH_MAX];
    char src[PATH_MAX];

    /* the v1 controllers stay read-only (a container must not lift its own
     * limits); systemd inside keeps its tree in name=systemd and, on a
     * hybrid host, in the unified hierarchy: neither has a controller
     * there, and with the cgroup namespace both are the container's own */
    if (strcmp(mnt->name, "systemd") == 0 || (mnt->v2 && *mnt->name))
        flags &= ~MS_RDONLY;
    snprintf(dst, sizeof(dst), CGROUP_DIR "%s%s", *mnt->name ? "/" : "", mnt->name);
    /* the same mount as one made afresh in the cgroup namespace (same
     * super block, root at our cgroup), without what a v1 mount does
     * first: drain the offline cgroups of the whole v2 tree, a walk of
     * every cgroup on the host (~1 ms at 2000 containers, each time) */
    if (hostCgroupDir(mnt, src, sizeof(src)))
        return virCTMountAt(root, src, dst, NULL, MS_BIND | flags, NULL, CT_MOUNT_CREATE_DIR);
    return virCTMountAt(root, mnt->v2 ? "cgroup2" : "cgroup", dst, mnt->v2 ? "cgroup2" : "cgroup",
                        flags, *mnt->opts ? mnt->opts : NULL, CT_MOUNT_CREATE_DIR);
}


int
virCTMountCgroups(const virCTRoot *root)
{
    static ctCgroupMount mnts[CT_MOUNT_MAX_CGROUPS];
    int n = readCgroupMounts(mnts, CT_MOUNT_MAX_CGROUPS);
    int i;

    if (n <= 0)
        return n;
    /* pure v2: the unified hierarchy is /sys/fs/cgroup itself */
    for (i = 0; i < n; i++) {
        if (!*mnts[i].name)
            return mountCgroup(root, &mnts[i]);
    }
    /* v1 or hybrid: a tmpfs holding one directory per hierarchy */
    if (virCTMountAt(root, "tmpfs", CGROUP_DIR, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
                     "mode=755,size=64k", CT_MOUNT_CREATE_DIR) < 0)
        return -1;
    for (i = 0; i < n; i++) {
        if (mountCgroup(root, &mnts[i]) < 0)
            return -1;
    }
    if (copyCgroupSymlinks(root) < 0)
        return -1;
    return virCTMountSetReadonly(root, CGROUP_DIR, false);
}
