/*
 * ct_cgroup.c: the cgroup hierarchies libvirt leaves alone, and the
 * process limit
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include <dirent.h>
#include <sys/stat.h>

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
            return g_strdup(f[2]);
    }
    return NULL;
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

void
virCTCgroupRemoveExtra(const char *path)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(virCTCgroupExtraHierarchies); i++) {
        g_autofree char *top = virCTCgroupHierarchyDir(virCTCgroupExtraHierarchies[i]);
        g_autofree char *dir = g_strdup_printf("%s%s", top, path);

        virCTCgroupRemoveTree(dir);
    }
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
