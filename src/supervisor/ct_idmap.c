/*
 * ct_idmap.c: idmapped mounts of a container's file systems (supervisor)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ct_cleanup.h"
#include "ct_error.h"
#include "ct_idmap.h"
#include "ct_sync.h"


/* The directory a container's file system comes from.  A path from the
 * definition (@userPath: a bound root or directory) is never followed
 * through a symbolic link: a directory on it may be writable by a
 * container (a bind inside another one's, a directory two share), and a
 * link planted there would hand it, shifted to its own ids, whatever the
 * host has elsewhere (/etc).  The store's own paths (template, layer)
 * belong to the host's root all the way. */
static int
openSource(const char *path, bool userPath)
{
    struct open_how how = {
        .flags = O_PATH | O_CLOEXEC,
        .resolve = userPath ? RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS : 0,
    };
    int fd = syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));

    if (fd >= 0)
        return fd;
    if (errno == ELOOP)
        return virCTErrorReport(errno,
                                "'%s' has a symbolic link in its path: give a container's "
                                "directories by their real path",
                                path);
    return virCTErrorReport(errno, "cannot open '%s' for the container", path);
}


/* A detached copy of the tree at @path, its ids shifted into the user
 * namespace @userns when @idmap.  No device node in it can be opened: the
 * ones a container may use are bound into its /dev separately, and a
 * node in a root the host's root made (a customer's image unpacked) must
 * not give the container a disk. */
static int
cloneTree(const char *path, bool userPath, int userns, bool idmap, bool recursive)
{
    struct mount_attr attr = { .attr_set = MOUNT_ATTR_NODEV, .userns_fd = userns };
    unsigned int rec = recursive ? AT_RECURSIVE : 0;
    CT_AUTOCLOSE int src = openSource(path, userPath);
    CT_AUTOCLOSE int fd = -1;
    int err;

    if (src < 0)
        return -1;
    fd = open_tree(src, "", AT_EMPTY_PATH | OPEN_TREE_CLOEXEC | OPEN_TREE_CLONE | rec);
    if (fd < 0)
        return virCTErrorReport(errno, "cannot open '%s' for the container", path);
    if (idmap)
        attr.attr_set |= MOUNT_ATTR_IDMAP;
    if (mount_setattr(fd, "", AT_EMPTY_PATH | rec, &attr, sizeof(attr)) == 0)
        return ctStealFd(&fd);
    err = errno;
    if (idmap && (err == EINVAL || err == EPERM || err == ENOTSUP))
        return virCTErrorReport(err,
                                "cannot shift '%s' into the container's user namespace: its file "
                                "system (or one mounted below it) does not support idmapped "
                                "mounts; use a directory on ext4, xfs, btrfs or tmpfs, give the "
                                "container an <idmap> and a root its ids own, or make it "
                                "<ct:privileged/>",
                                path);
    return virCTErrorReport(err, "cannot set the attributes of the container's mount of '%s'",
                            path);
}


/* What becomes of each tree: sent to the container child, or kept. */
typedef int (*ctIdmapTakeFunc)(void *opaque, const char *record, int fd);


static int
takeTree(ctIdmapTakeFunc take, void *opaque, const char *record, const char *path, bool userPath,
         int userns, bool idmap, bool recursive)
{
    int fd = cloneTree(path, userPath, userns, idmap, recursive);

    if (fd < 0)
        return -1;
    return take(opaque, record, fd); /* @take owns @fd from here */
}


/* Every host path the container's file systems come from, since its
 * ids may not even look them up; shifted where the plan says so. */
static int
eachTree(const ctPlan *plan, int userns, ctIdmapTakeFunc take, void *opaque)
{
    char record[32];
    size_t i;

    if (plan->rootLower) {
        if (takeTree(take, opaque, "lower", plan->rootLower, false, userns, plan->rootIdmap,
                     false) < 0)
            return -1;
        if (takeTree(take, opaque, "layer", plan->rootLayer, false, userns, plan->rootIdmap,
                     false) < 0)
            return -1;
    } else if (plan->root) {
        if (takeTree(take, opaque, "root", plan->root, true, userns, plan->rootIdmap, true) < 0)
            return -1;
    }
    for (i = 0; i < plan->nmounts; i++) {
        const ctPlanMount *mnt = &plan->mounts[i];

        if (mnt->kind != CT_PLAN_MOUNT_BIND)
            continue;
        if (i >= CT_IDMAP_MAX_MOUNTS)
            return virCTErrorReport(E2BIG, "more than %d bind mounts", CT_IDMAP_MAX_MOUNTS);
        snprintf(record, sizeof(record), "mount %zu", i);
        if (takeTree(take, opaque, record, mnt->src, true, userns, mnt->idmap,
                     mnt->flags & MS_REC) < 0)
            return -1;
    }
    return 0;
}


static int
sendTree(void *opaque, const char *record, int fd)
{
    int sock = *(int *)opaque;
    CT_AUTOCLOSE int owned = fd;
    char line[40];

    snprintf(line, sizeof(line), "%s\n", record);
    if (virCTSyncSendFd(sock, line, owned) < 0)
        return virCTErrorReport(errno, "cannot pass a mount (%s) to the container", record);
    return 0;
}


static int
keepTree(void *opaque, const char *record, int fd)
{
    CT_AUTOCLOSE int owned = fd;

    if (virCTIdmapFdsTake(opaque, record, owned) < 0)
        return -1;
    ctStealFd(&owned);
    return 0;
}


int
virCTIdmapSendMounts(const ctPlan *plan, pid_t pid, int sock)
{
    char path[64];
    CT_AUTOCLOSE int userns = -1;

    if (!(plan->nsFlags & CLONE_NEWUSER))
        return 0;
    snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
    if ((userns = open(path, O_RDONLY | O_CLOEXEC)) < 0)
        return virCTErrorReport(errno, "cannot open '%s'", path);
    return eachTree(plan, userns, sendTree, &sock);
}


static int
writeProcFile(pid_t pid, const char *name, const char *text)
{
    char path[64];
    CT_AUTOCLOSE int fd = -1;
    ssize_t n;

    snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
    if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
        return virCTErrorReport(errno, "cannot open '%s'", path);
    n = write(fd, text, strlen(text));
    if (n != (ssize_t)strlen(text))
        return virCTErrorReport(n < 0 ? errno : EIO, "cannot write '%s'", path);
    return 0;
}


static int
writeIdMap(pid_t pid, const char *name, const ctPlanIdMap *maps, size_t n)
{
    char text[1024] = "";
    size_t len = 0;
    size_t i;

    if (n == 0)
        return virCTErrorReport(EINVAL, "user namespace without a %s", name);
    for (i = 0; i < n && len < sizeof(text); i++)
        len += snprintf(text + len, sizeof(text) - len, "%u %u %u\n", maps[i].start, maps[i].target,
                        maps[i].count);
    if (len >= sizeof(text))
        return virCTErrorReport(E2BIG, "%s has too many entries", name);
    return writeProcFile(pid, name, text);
}


unsigned int
virCTIdmapHostRoot(const ctPlanIdMap *maps, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (maps[i].start == 0)
            return maps[i].target;
    }
    return (unsigned int)-1;
}


int
virCTIdmapWriteMaps(const ctPlan *plan, pid_t pid)
{
    if (!(plan->nsFlags & CLONE_NEWUSER))
        return 0;
    if (writeProcFile(pid, "setgroups", "deny") < 0)
        return -1;
    if (writeIdMap(pid, "uid_map", plan->uidMap, plan->nuidMap) < 0)
        return -1;
    return writeIdMap(pid, "gid_map", plan->gidMap, plan->ngidMap);
}


int
virCTIdmapMakeUserns(const ctPlan *plan)
{
    CT_AUTOCLOSE int userns = -1;
    char path[64];
    int ready[2];
    int hold[2];
    char c;
    pid_t pid;

    if (pipe2(ready, O_CLOEXEC) < 0 || pipe2(hold, O_CLOEXEC) < 0)
        return virCTErrorReport(errno, "cannot create a pipe");
    if ((pid = fork()) < 0) {
        virCTErrorReport(errno, "cannot fork");
        goto cleanup;
    }
    if (pid == 0) {
        close(ready[0]);
        close(hold[1]);
        c = unshare(CLONE_NEWUSER) < 0 ? 'E' : 'U';
        if (write(ready[1], &c, 1) != 1 || c != 'U')
            _exit(1);
        (void)!read(hold[0], &c, 1); /* until the parent closes its end */
        _exit(0);
    }
    close(ready[1]);
    ready[1] = -1;
    if (read(ready[0], &c, 1) != 1 || c != 'U') {
        virCTErrorReport(EPERM, "cannot create a user namespace for the container's mounts");
        goto reap;
    }
    snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
    if (virCTIdmapWriteMaps(plan, pid) < 0)
        goto reap;
    if ((userns = open(path, O_RDONLY | O_CLOEXEC)) < 0)
        virCTErrorReport(errno, "cannot open '%s'", path);

 reap:
    close(hold[1]);
    hold[1] = -1;
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
 cleanup:
    close(ready[0]);
    if (ready[1] >= 0)
        close(ready[1]);
    close(hold[0]);
    if (hold[1] >= 0)
        close(hold[1]);
    return ctStealFd(&userns);
}


int
virCTIdmapCloneAll(const ctPlan *plan, int userns, virCTIdmapFds *fds)
{
    if (!(plan->nsFlags & CLONE_NEWUSER))
        return 0;
    return eachTree(plan, userns, keepTree, fds);
}


void
virCTIdmapFdsInit(virCTIdmapFds *fds)
{
    size_t i;

    fds->lower = fds->layer = fds->root = -1;
    for (i = 0; i < CT_IDMAP_MAX_MOUNTS; i++)
        fds->mounts[i] = -1;
}


void
virCTIdmapFdsClose(virCTIdmapFds *fds)
{
    size_t i;

    ctCleanupClose(&fds->lower);
    ctCleanupClose(&fds->layer);
    ctCleanupClose(&fds->root);
    for (i = 0; i < CT_IDMAP_MAX_MOUNTS; i++)
        ctCleanupClose(&fds->mounts[i]);
    virCTIdmapFdsInit(fds);
}


static int
storeFd(int *slot, int fd, const char *record)
{
    if (*slot >= 0 || fd < 0)
        return virCTErrorReport(EPROTO, "bad record '%s' from the supervisor", record);
    *slot = fd;
    return 1;
}


int
virCTIdmapFdsTake(virCTIdmapFds *fds, const char *record, int fd)
{
    char *end;
    unsigned long idx;

    if (strcmp(record, "lower") == 0)
        return storeFd(&fds->lower, fd, record);
    if (strcmp(record, "layer") == 0)
        return storeFd(&fds->layer, fd, record);
    if (strcmp(record, "root") == 0)
        return storeFd(&fds->root, fd, record);
    if (strncmp(record, "mount ", 6) != 0)
        return 0;
    idx = strtoul(record + 6, &end, 10);
    if (*end || idx >= CT_IDMAP_MAX_MOUNTS)
        return virCTErrorReport(EPROTO, "bad record '%s' from the supervisor", record);
    return storeFd(&fds->mounts[idx], fd, record);
}
