/*
 * ct_cgroup.c: the cgroup hierarchies libvirt leaves alone, and the
 * process limit
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include <dirent.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "ct_cgroup.h"
#include "virerror.h"
#include "virfile.h"
#include "virlog.h"
#include "virstring.h"

#define VIR_FROM_THIS VIR_FROM_CGROUP

VIR_LOG_INIT("ct.cgroup");

#define CT_CGROUP_TOP "/sys/fs/cgroup"

static const char *const virCTCgroupExtraHierarchies[] = { "pids", "cpuacct", "name=systemd" };

/* The directory of hierarchy @controllers ("pids", "name=systemd") */
static char *
virCTCgroupHierarchyDir(const char *controllers)
{
    if (STRPREFIX(controllers, "name="))
        controllers += strlen("name=");
    return g_strdup_printf(CT_CGROUP_TOP "/%s", controllers);
}

char *
virCTCgroupPathOf(pid_t pid)
{
    g_autofree char *procPath = g_strdup_printf("/proc/%d/cgroup", pid);
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    size_t i;

    if (virFileReadAllQuiet(procPath, 64 * 1024, &text) < 0)
        return NULL;
    lines = g_strsplit(text, "\n", 0);
    for (i = 0; lines[i]; i++) {
        g_auto(GStrv) f = g_strsplit(lines[i], ":", 3);

        if (g_strv_length(f) == 3 && STREQ(f[1], "memory") && STRNEQ(f[2], "/"))
            return virCTCgroupLimitsPath(f[2]);
    }
    return NULL;
}

bool
virCTCgroupHasV1Memory(void)
{
    struct statfs sb;

    return statfs(CT_CGROUP_TOP "/memory", &sb) == 0 && sb.f_type == CGROUP_SUPER_MAGIC;
}

int
virCTCgroupPlaceExtra(const char *path, pid_t pid)
{
    g_autofree char *pidstr = g_strdup_printf("%d", pid);
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(virCTCgroupExtraHierarchies); i++) {
        g_autofree char *top = virCTCgroupHierarchyDir(virCTCgroupExtraHierarchies[i]);
        g_autofree char *dir = g_strdup_printf("%s%s", top, path);
        g_autofree char *procs = g_strdup_printf("%s/cgroup.procs", dir);

        if (!virFileIsDir(top))
            continue;
        if (g_mkdir_with_parents(dir, 0755) < 0 || virFileWriteStr(procs, pidstr, 0) < 0) {
            virReportSystemError(errno, _("cannot place process %1$d in cgroup '%2$s'"), pid, dir);
            return -1;
        }
    }
    return 0;
}

/* Removes the cgroup @dir and the ones below it (systemd inside makes a
 * tree of them); cgroups are removed with rmdir, their files go along. */
static void
virCTCgroupRemoveTree(const char *dir)
{
    g_autoptr(DIR) dh = NULL;
    struct dirent *ent;

    if (virDirOpenQuiet(&dh, dir) < 0)
        return;
    while (virDirRead(dh, &ent, NULL) > 0) {
        g_autofree char *child = NULL;

        if (ent->d_type != DT_DIR)
            continue;
        child = g_strdup_printf("%s/%s", dir, ent->d_name);
        virCTCgroupRemoveTree(child);
    }
    if (rmdir(dir) < 0 && errno != ENOENT)
        VIR_WARN("cannot remove cgroup '%s': %s", dir, g_strerror(errno));
}

/* @path in every hierarchy mounted below CT_CGROUP_TOP (and in
 * CT_CGROUP_TOP itself, a cgroup v2 host's). */
static void
virCTCgroupRemoveEverywhere(const char *path)
{
    g_autoptr(DIR) dh = NULL;
    struct dirent *ent;
    g_autofree char *inTop = g_strdup_printf(CT_CGROUP_TOP "%s", path);

    virCTCgroupRemoveTree(inTop);
    if (virDirOpenQuiet(&dh, CT_CGROUP_TOP) < 0)
        return;
    while (virDirRead(dh, &ent, NULL) > 0) {
        g_autofree char *dir = NULL;

        /* "cpu" and "cpuacct" are links to "cpu,cpuacct" */
        if (ent->d_type != DT_DIR)
            continue;
        dir = g_strdup_printf(CT_CGROUP_TOP "/%s%s", ent->d_name, path);
        virCTCgroupRemoveTree(dir);
    }
}

void
virCTCgroupRemoveExtra(const char *path)
{
    g_autofree char *base = g_path_get_basename(path);
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(virCTCgroupExtraHierarchies); i++) {
        g_autofree char *top = virCTCgroupHierarchyDir(virCTCgroupExtraHierarchies[i]);
        g_autofree char *dir = g_strdup_printf("%s%s", top, path);

        virCTCgroupRemoveTree(dir);
    }
    /* a machine's cgroup of libvirt's own naming (never a hierarchy's
     * root, nor another's cgroup): in the hierarchies libvirt manages
     * too, whatever is left of it, e.g. by a daemon killed while it
     * removed them, which libvirt no longer opens as the container's */
    if (path[0] == '/' && strchr(path + 1, '/') && g_str_has_suffix(base, ".libvirt-ct"))
        virCTCgroupRemoveEverywhere(path);
}

char *
virCTCgroupExtraDir(const char *hierarchy, const char *extraPath)
{
    g_autofree char *top = virCTCgroupHierarchyDir(hierarchy);

    if (!virFileIsDir(top))
        return NULL;
    return g_strdup_printf("%s%s", top, extraPath);
}

char *
virCTCgroupPidsDir(const char *extraPath, const char *unifiedDir)
{
    if (extraPath)
        return virCTCgroupExtraDir("pids", extraPath);
    if (!unifiedDir)
        return NULL;
    /* virCgroupPathOfController() ends a directory with "/" */
    return g_strndup(unifiedDir, strlen(unifiedDir) - (g_str_has_suffix(unifiedDir, "/") ? 1 : 0));
}

/* cgroup v2: a controller is usable in @dir once every ancestor lists it
 * in cgroup.subtree_control; enabled from the top down. */
static int
virCTCgroupEnablePids(const char *dir)
{
    g_autofree char *parent = g_path_get_dirname(dir);
    g_autofree char *control = g_strdup_printf("%s/cgroup.subtree_control", parent);
    g_autofree char *current = NULL;

    if (!virFileExists(control))
        return 0; /* above the hierarchy's top */
    if (virFileReadAll(control, 4096, &current) < 0)
        return -1;
    if (strstr(current, "pids"))
        return 0;
    if (virCTCgroupEnablePids(parent) < 0)
        return -1;
    if (virFileWriteStr(control, "+pids", 0) < 0) {
        virReportSystemError(errno, _("cannot enable the pids controller in '%1$s'"), parent);
        return -1;
    }
    return 0;
}

int
virCTCgroupSetPidsMax(const char *dir, unsigned long long max)
{
    g_autofree char *path = g_strdup_printf("%s/pids.max", dir);
    g_autofree char *value = max ? g_strdup_printf("%llu", max) : g_strdup("max");

    if (!virFileExists(path) && virCTCgroupEnablePids(dir) < 0)
        return -1;
    if (virFileWriteStr(path, value, 0) < 0) {
        virReportSystemError(errno, _("cannot set the process limit in '%1$s'"), path);
        return -1;
    }
    return 0;
}

static int
virCTCgroupReadValue(const char *dir, const char *file, unsigned long long *value)
{
    g_autofree char *path = g_strdup_printf("%s/%s", dir, file);
    g_autofree char *text = NULL;

    if (virFileReadAll(path, 64, &text) < 0)
        return -1;
    g_strstrip(text);
    if (STREQ(text, "max")) {
        *value = 0;
        return 0;
    }
    if (virStrToLong_ullp(text, NULL, 10, value) < 0) {
        virReportError(VIR_ERR_INTERNAL_ERROR, _("unexpected value '%1$s' in '%2$s'"), text, path);
        return -1;
    }
    return 0;
}

int
virCTCgroupGetPids(const char *dir, unsigned long long *current, unsigned long long *max)
{
    if (virCTCgroupReadValue(dir, "pids.current", current) < 0 ||
        virCTCgroupReadValue(dir, "pids.max", max) < 0)
        return -1;
    return 0;
}

char *
virCTCgroupMachinePath(const char *partition, const char *machineName)
{
    g_auto(GStrv) parts = g_strsplit(partition, "/", 0);
    g_autoptr(GString) path = g_string_new(NULL);
    size_t i;

    /* libvirt's naming without systemd: each partition component gets a
     * ".partition" suffix unless it has a dot or is a top-level
     * machine, system or user; the domain is "<machine>.libvirt-ct" */
    for (i = 0; parts[i]; i++) {
        if (!*parts[i])
            continue;
        g_string_append_printf(path, "/%s", parts[i]);
        if (!strchr(parts[i], '.') &&
            !(i == 1 &&
              (STREQ(parts[i], "machine") || STREQ(parts[i], "system") || STREQ(parts[i], "user"))))
            g_string_append(path, ".partition");
    }
    g_string_append_printf(path, "/%s.libvirt-ct", machineName);
    return g_string_free(g_steal_pointer(&path), FALSE);
}

/* The mount point of the hierarchy named @ctrls in /proc/PID/cgroup
 * ("memory", "cpu,cpuacct", "name=systemd", "" for cgroup2). */
static char *
virCTCgroupMountDir(const char *ctrls)
{
    g_autofree char *dir = NULL;
    g_auto(GStrv) names = NULL;

    if (!*ctrls) {
        dir = g_strdup(CT_CGROUP_TOP "/unified");
        return virFileIsDir(dir) ? g_steal_pointer(&dir) : g_strdup(CT_CGROUP_TOP);
    }
    dir = virCTCgroupHierarchyDir(ctrls);
    if (virFileIsDir(dir))
        return g_steal_pointer(&dir);
    names = g_strsplit(ctrls, ",", 2);
    g_free(dir);
    dir = virCTCgroupHierarchyDir(names[0]);
    return virFileIsDir(dir) ? g_steal_pointer(&dir) : NULL;
}

static int
virCTCgroupCopyFile(const char *from, const char *to, const char *file)
{
    g_autofree char *src = g_strdup_printf("%s/%s", from, file);
    g_autofree char *dst = g_strdup_printf("%s/%s", to, file);
    g_autofree char *value = NULL;

    if (virFileReadAll(src, 64 * 1024, &value) < 0)
        return -1;
    if (virFileWriteStr(dst, value, 0) < 0) {
        virReportSystemError(errno, _("cannot write '%1$s'"), dst);
        return -1;
    }
    return 0;
}

/* Files of a cgroup that let its owner create and fill cgroups below;
 * none of them carries a limit. */
static const char *const virCTCgroupDelegateFiles[] = {
    "cgroup.procs",           "tasks",
    "cgroup.subtree_control", "cgroup.threads",
    "cgroup.clone_children",  "notify_on_release",
};

static int
virCTCgroupDelegate(const char *dir, uid_t uid, gid_t gid)
{
    size_t i;

    if (chown(dir, uid, gid) < 0) {
        virReportSystemError(errno, _("cannot delegate cgroup '%1$s'"), dir);
        return -1;
    }
    for (i = 0; i < G_N_ELEMENTS(virCTCgroupDelegateFiles); i++) {
        g_autofree char *file = g_strdup_printf("%s/%s", dir, virCTCgroupDelegateFiles[i]);

        if (chown(file, uid, gid) < 0 && errno != ENOENT) {
            virReportSystemError(errno, _("cannot delegate '%1$s'"), file);
            return -1;
        }
    }
    return 0;
}

/* Sets cgroup.clone_children of @dir (a v1 cpuset) to @value ("0" or
 * "1") unless it says so already. */
static void
virCTCgroupCloneCpuset(const char *dir, const char *value)
{
    g_autofree char *clone = g_strdup_printf("%s/cgroup.clone_children", dir);
    g_autofree char *have = NULL;

    if (virFileReadAllQuiet(clone, 16, &have) < 0 || STREQ(g_strchomp(have), value))
        return;
    if (virFileWriteStr(clone, value, 0) < 0)
        VIR_WARN("cannot set '%s' to %s: %s", clone, value, g_strerror(errno));
}

void
virCTCgroupPrepareCpusetParent(const char *path)
{
    g_autofree char *parent = g_path_get_dirname(path);
    g_autofree char *dir = g_strdup_printf(CT_CGROUP_TOP "/cpuset%s", parent);

    if (STRNEQ(parent, "/") && virFileIsDir(dir))
        virCTCgroupCloneCpuset(dir, "1");
}

/* One hierarchy of virCTCgroupMakeInit(): @top/@path/init with @pid in. */
static int
virCTCgroupMakeInitOne(const char *top, const char *path, bool delegable, pid_t pid,
                       const virCTCgroupOwner *owner)
{
    g_autofree char *dir = g_strdup_printf("%s%s", top, path);
    g_autofree char *init = g_strdup_printf("%s/" CT_CGROUP_INIT, dir);
    g_autofree char *procs = g_strdup_printf("%s/cgroup.procs", init);
    g_autofree char *pidstr = g_strdup_printf("%d", pid);
    g_autofree char *cpus = g_strdup_printf("%s/cpuset.cpus", dir);
    bool cpuset = virFileExists(cpus);

    /* a v1 cpuset takes no task before it has CPUs and memory nodes.
     * While a v1 cpuset with CPUs balances load (the default), making
     * and removing it rebuilds the scheduling domains over every cpuset
     * of the host, a cost that grows with the number of containers: init
     * does not balance load (the container's cgroup above it, with the
     * same CPUs, does), switched off while it has no CPUs yet, which
     * rebuilds nothing.  So init must not get its CPUs as it is made:
     * the container's cgroup inherited clone_children from the
     * partition (virCTCgroupPrepareCpusetParent). */
    if (cpuset)
        virCTCgroupCloneCpuset(dir, "0");
    if (mkdir(init, 0755) < 0 && errno != EEXIST) {
        virReportSystemError(errno, _("cannot create cgroup '%1$s'"), init);
        return -1;
    }
    if (cpuset) {
        g_autofree char *balance = g_strdup_printf("%s/cpuset.sched_load_balance", init);

        if (virFileExists(balance) && virFileWriteStr(balance, "0", 0) < 0)
            VIR_WARN("cannot write '%s': %s", balance, g_strerror(errno));
        if (virCTCgroupCopyFile(dir, init, "cpuset.cpus") < 0 ||
            virCTCgroupCopyFile(dir, init, "cpuset.mems") < 0)
            return -1;
    }
    if (delegable && owner && virCTCgroupDelegate(init, owner->uid, owner->gid) < 0)
        return -1;
    if (virFileWriteStr(procs, pidstr, 0) < 0) {
        virReportSystemError(errno, _("cannot place process %1$d in cgroup '%2$s'"), pid, init);
        return -1;
    }
    return 0;
}

int
virCTCgroupMakeInit(const char *path, pid_t pid, const virCTCgroupOwner *owner)
{
    g_autofree char *procPath = g_strdup_printf("/proc/%d/cgroup", pid);
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    size_t i;

    if (virFileReadAll(procPath, 64 * 1024, &text) < 0)
        return -1;
    lines = g_strsplit(text, "\n", 0);
    for (i = 0; lines[i]; i++) {
        g_auto(GStrv) f = g_strsplit(lines[i], ":", 3);
        g_autofree char *top = NULL;

        /* only where the container's cgroup is (not devices:/ here);
         * v1 blkio throttles flat, only the tasks of the cgroup with
         * the limit: init stays there */
        if (g_strv_length(f) != 3 || STRNEQ(f[2], path) || STREQ(f[1], "blkio"))
            continue;
        /* a v1 memory cgroup costs the kernel ~64 KiB: in a user
         * namespace init stays in the one with the limits, whose files
         * its root cannot write (owned by the host's root), mount the
         * hierarchy afresh as it may */
        if (owner && STREQ(f[1], "memory"))
            continue;
        if (!(top = virCTCgroupMountDir(f[1]))) {
            virReportError(VIR_ERR_INTERNAL_ERROR, _("cannot find the mount of cgroup '%1$s'"),
                           f[1]);
            return -1;
        }
        if (virCTCgroupMakeInitOne(top, path, !*f[1] || STREQ(f[1], "name=systemd"), pid, owner) <
            0)
            return -1;
    }
    return 0;
}

char *
virCTCgroupLimitsPath(const char *initPath)
{
    if (g_str_has_suffix(initPath, "/" CT_CGROUP_INIT))
        return g_strndup(initPath, strlen(initPath) - strlen("/" CT_CGROUP_INIT));
    return g_strdup(initPath);
}

/* Sets cpuset.@what (mems or cpus) of @cgroup and of its init child. */
static int
virCTCgroupSetCpusetList(virCgroup *cgroup, const char *what, const char *value,
                         int (*plain)(virCgroup *cgroup, const char *value))
{
    g_autofree char *name = g_strdup_printf("cpuset.%s", what);
    g_autofree char *childName = g_strdup_printf("%s/%s", CT_CGROUP_INIT, name);
    g_autofree char *file = NULL;
    g_autofree char *child = NULL;
    g_autofree char *above = NULL;
    g_autofree char *wide = NULL;

    if (virCgroupPathOfController(cgroup, VIR_CGROUP_CONTROLLER_CPUSET, name, &file) < 0 ||
        virCgroupPathOfController(cgroup, VIR_CGROUP_CONTROLLER_CPUSET, childName, &child) < 0 ||
        !virFileExists(child))
        return plain(cgroup, value);

    /* v1: a cpuset holds its children's CPUs and nodes.  Narrowing: the
     * child first; widening: the parent first; otherwise through the
     * list of the cgroup above. */
    ignore_value(virFileWriteStr(child, value, 0));
    if (virFileWriteStr(file, value, 0) < 0) {
        above = g_strdup_printf("%s/../../%s", child, name);
        if (virFileReadAll(above, 4096, &wide) < 0)
            return -1;
        if (virFileWriteStr(file, wide, 0) < 0 || virFileWriteStr(child, value, 0) < 0 ||
            virFileWriteStr(file, value, 0) < 0) {
            virReportSystemError(errno, _("cannot set '%1$s' to '%2$s'"), file, value);
            return -1;
        }
    }
    if (virFileWriteStr(child, value, 0) < 0) {
        virReportSystemError(errno, _("cannot set '%1$s' to '%2$s'"), child, value);
        return -1;
    }
    return 0;
}

int
virCTCgroupSetCpusetMems(virCgroup *cgroup, const char *mems)
{
    return virCTCgroupSetCpusetList(cgroup, "mems", mems, virCgroupSetCpusetMems);
}

int
virCTCgroupSetCpusetCpus(virCgroup *cgroup, const char *cpus)
{
    return virCTCgroupSetCpusetList(cgroup, "cpus", cpus, virCgroupSetCpusetCpus);
}
