/*
 * ct_mount.h: mounts inside the container's new mount namespace
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every target is a path inside the container root resolved with
 * openat2(RESOLVE_IN_ROOT), so a symlink in a container's file system can
 * never redirect a mount onto the host.  Sources of bind mounts are host
 * paths.  Runs in the child before pivot_root, while the host's /proc is
 * still reachable (mounts go through /proc/self/fd/N).
 */

#pragma once

#include <stdbool.h>

typedef enum {
    CT_MOUNT_CREATE_NONE = 0,
    CT_MOUNT_CREATE_DIR, /* mkdir missing components and the target */
    CT_MOUNT_CREATE_FILE, /* ... and create the target as an empty file */
} virCTMountCreate;

typedef struct _virCTRoot virCTRoot;
struct _virCTRoot {
    const char *path; /* host path of the new root (for messages, pivot) */
    int fd; /* O_PATH descriptor of it */
};

/* Opens @path inside @root as an O_PATH descriptor, creating what is
 * missing as @create says.  Returns the descriptor, or -1 with the error
 * reported (errno kept, so callers may tolerate ENOENT). */
int virCTMountOpen(const virCTRoot *root, const char *path, virCTMountCreate create);

/* mount(2) onto @dst inside @root.  With MS_BIND, @src is a host path
 * (NULL: @dst itself) and MS_RDONLY/NOSUID/NODEV/NOEXEC are applied to
 * the new bind afterwards, recursively with MS_REC.  Returns 0 or -1. */
int virCTMountAt(const virCTRoot *root, const char *src, const char *dst, const char *fstype,
                 unsigned long flags, const char *data, virCTMountCreate create);

/* Attaches the detached tree @treeFd (an idmapped mount from the
 * supervisor) over the host path @path in our mount namespace. */
int virCTMountMoveTo(int treeFd, const char *path);

/* Attaches the detached tree @treeFd, a copy of the host's @src, onto
 * @dst inside @root (created as a directory or a file like the tree's
 * root), then applies @flags as virCTMountAt() does for a bind. */
int virCTMountMove(const virCTRoot *root, int treeFd, const char *src, const char *dst,
                   unsigned long flags);

/* Makes the mount whose root is @dst inside @root read-only. */
int virCTMountSetReadonly(const virCTRoot *root, const char *dst, bool recursive);

/* Creates the symlink @dst inside @root pointing to @target. */
int virCTMountSymlink(const virCTRoot *root, const char *target, const char *dst);

/* Records this process's cgroups as the host sees them
 * (/proc/self/cgroup), for virCTMountCgroups(): to be called before the
 * process enters its cgroup namespace, which hides them.  Returns 0 or
 * -1. */
int virCTMountRecordCgroups(void);

/* Gives the root a read-only /sys/fs/cgroup that mirrors the host's
 * cgroup v1, v2 or hybrid layout (from the host's mountinfo), seen
 * through the container's cgroup namespace: each hierarchy is a bind of
 * the host directory of the process's cgroup recorded by
 * virCTMountRecordCgroups() (the root of its cgroup namespace), else a
 * mount of the hierarchy afresh.  Returns 0 or -1. */
int virCTMountCgroups(const virCTRoot *root);

/* Where the host mounts the hierarchy of the controllers @ctrls (as in
 * /proc/PID/cgroup; "" for cgroup v2), under /sys/fs/cgroup.  Returns 0,
 * or -1 when it does not. */
int virCTMountCgroupHierarchy(const char *ctrls, char *out, size_t len);

/* Makes @root the root of the mount namespace and detaches the old one. */
int virCTMountPivot(const virCTRoot *root);
