/*
 * ct_save.c: checkpoint of running containers with CRIU
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * virsh save and managedsave, their job's figures, and what a daemon
 * restart finds of a save it cut short.  A save dumps the container's
 * processes with CRIU into a work directory (they stay frozen, their
 * network locked), writes the image (ct_save_image.h) while CRIU waits in
 * its post-dump action, and tells it to keep them stopped, then stops the
 * container; a dump or write that fails makes CRIU roll back, and the
 * container runs on as it was.  The restore is ct_save_restore.c.
 *
 * What the processes use from the host is marked external at the dump
 * and given again at the restore: the console's tty and /dev/console
 * (the new PTY), the container's cgroup mounts (the new cgroups), the
 * plan's bind mounts ("ct-mount-N"), interfaces (made anew on the host,
 * their container ends moved in), and other host binds (LXCFS, device
 * nodes) at the same host path.
 */

#include <config.h>


#include <fcntl.h>
#include <sys/stat.h>

#include "ct_criu.h"
#include "ct_save.h"
#include "ct_save_priv.h"
#include "ct_save_image.h"
#include "ct_domain.h"
#include "ct_domain_api.h"
#include "ct_domain_plan.h"
#include "ct_layer.h"
#include "ct_template.h"
#include "ct_plan.h"
#include "ct_process.h"

#include "datatypes.h"
#include "viraccessapicheck.h"
#include "vircgroup.h"
#include "vircommand.h"
#include "virdomainjob.h"
#include "virerror.h"
#include "virfile.h"
#include "virlog.h"
#include "virstring.h"
#include "virtime.h"

#define VIR_FROM_THIS VIR_FROM_NONE

VIR_LOG_INIT("ct.ct_save");

/* ------------------------------------------------------------- the dump */

char *
virCTSaveDir(virCTDriver *driver)
{
    return g_strdup_printf("%s/save", driver->config->dataDir);
}

char *
virCTSaveManagedPath(virCTDriver *driver, const char *name)
{
    return g_strdup_printf("%s/save/%s.save", driver->config->dataDir, name);
}

char *
virCTSaveWorkDir(virCTDriver *driver, const char *name, const char *kind)
{
    return g_strdup_printf("%s/save/%s.%s", driver->config->dataDir, name, kind);
}

void
virCTSaveRemoveWork(virCTDriver *driver, const char *name)
{
    g_autofree char *dir = virCTSaveWorkDir(driver, name, "restore");

    if (virFileExists(dir) && virFileDeleteTree(dir) < 0)
        virResetLastError();
}

/* A fresh, empty work directory in the save directory, which is private
 * to root. */
int
virCTSaveMakeWorkDir(virCTDriver *driver, const char *dir)
{
    g_autofree char *parent = virCTSaveDir(driver);

    if (g_mkdir_with_parents(parent, 0700) < 0) {
        virReportSystemError(errno, _("cannot create '%1$s'"), parent);
        return -1;
    }
    if (virFileExists(dir) && virFileDeleteTree(dir) < 0)
        return -1;
    if (mkdir(dir, 0700) < 0) {
        virReportSystemError(errno, _("cannot create '%1$s'"), dir);
        return -1;
    }
    return 0;
}

/* The first error CRIU logged that made it give up, for the user. */
static char *
virCTSaveCriuError(const char *log)
{
    char msg[1024];
    int rc = ctCriuLogError(log, msg, sizeof(msg));

    if (rc < 0)
        return g_strdup(_("CRIU failed without a log"));
    if (rc == 0)
        return g_strdup(_("CRIU failed (see its log)"));
    return g_strdup(msg);
}

typedef struct {
    char *mountpoint;
    char *root;
    char *fstype;
    unsigned int major;
    unsigned int minor;
} virCTSaveMount;

static void
virCTSaveMountFree(void *opaque)
{
    virCTSaveMount *m = opaque;

    g_free(m->mountpoint);
    g_free(m->root);
    g_free(m->fstype);
    g_free(m);
}

/* /proc/PID/mountinfo: mount points and roots are octal-escaped. */
static char *
virCTSaveUnoctal(const char *s)
{
    GString *out = g_string_new(NULL);

    while (*s) {
        if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
            s[3] >= '0' && s[3] <= '7') {
            g_string_append_c(out, (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0')));
            s += 4;
        } else {
            g_string_append_c(out, *s++);
        }
    }
    return g_string_free(out, FALSE);
}

static GPtrArray *
virCTSaveReadMounts(const char *path)
{
    g_autoptr(GPtrArray) mounts = g_ptr_array_new_with_free_func(virCTSaveMountFree);
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    size_t i;

    if (virFileReadAll(path, 4 * 1024 * 1024, &text) < 0)
        return NULL;
    lines = g_strsplit(text, "\n", 0);
    for (i = 0; lines[i]; i++) {
        g_auto(GStrv) f = g_strsplit(lines[i], " ", 0);
        size_t n = g_strv_length(f);
        size_t sep;
        virCTSaveMount *m;

        for (sep = 6; sep < n && STRNEQ(f[sep], "-"); sep++)
            ;
        if (n < 7 || sep + 1 >= n)
            continue;
        m = g_new0(virCTSaveMount, 1);
        if (sscanf(f[2], "%u:%u", &m->major, &m->minor) != 2) {
            virCTSaveMountFree(m);
            continue;
        }
        m->root = virCTSaveUnoctal(f[3]);
        m->mountpoint = virCTSaveUnoctal(f[4]);
        m->fstype = g_strdup(f[sep + 1]);
        g_ptr_array_add(mounts, m);
    }
    return g_steal_pointer(&mounts);
}

/* Where the host has the file system of @m mounted whole (its root). */
static const virCTSaveMount *
virCTSaveHostMount(GPtrArray *host, const virCTSaveMount *m)
{
    size_t i;

    for (i = 0; i < host->len; i++) {
        const virCTSaveMount *h = g_ptr_array_index(host, i);

        if (h->major == m->major && h->minor == m->minor && STREQ(h->root, "/"))
            return h;
    }
    return NULL;
}

typedef struct {
    GPtrArray *args; /* of CRIU's dump */
    GString *meta; /* plan lines for the restore */
} virCTSaveDumpInfo;

static void
virCTSaveMeta(virCTSaveDumpInfo *info, const char *key, const char *a, const char *b)
{
    g_autofree char *ea = ctPlanEscape(a);
    g_autofree char *eb = b ? ctPlanEscape(b) : NULL;

    g_string_append_printf(info->meta, "%s %s%s%s\n", key, ea, b ? " " : "", b ? eb : "");
}

static void
virCTSaveArg(virCTSaveDumpInfo *info, const char *opt, char *val)
{
    g_ptr_array_add(info->args, g_strdup(opt));
    g_ptr_array_add(info->args, val);
}

/* The console: its tty and /dev/console are the supervisor's PTY. */
static int
virCTSaveConsole(virCTSaveDumpInfo *info, GPtrArray *host, const virCTSaveMount *m)
{
    const virCTSaveMount *h = virCTSaveHostMount(host, m);
    g_autofree char *slave = NULL;
    g_autofree char *key = NULL;
    struct stat sb;

    if (!h) {
        virReportError(VIR_ERR_OPERATION_FAILED,
                       _("the console of the container is on no PTY of the host (%1$u:%2$u)"),
                       m->major, m->minor);
        return -1;
    }
    slave = g_strdup_printf("%s%s", h->mountpoint, m->root);
    if (stat(slave, &sb) < 0) {
        virReportSystemError(errno, _("cannot find the console PTY '%1$s'"), slave);
        return -1;
    }
    key = g_strdup_printf("tty[%llx:%llx]", (unsigned long long)sb.st_rdev,
                          (unsigned long long)sb.st_dev);
    virCTSaveArg(info, "--external", g_strdup_printf("mnt[/dev/console]:%s", "ct-console"));
    virCTSaveArg(info, "--external", g_strdup(key));
    virCTSaveMeta(info, "restore-tty", key, NULL);
    return 0;
}

/* The external mounts of init @pid: the console, the cgroup mounts (at
 * the new cgroup's path at the restore), the plan's binds. */
static int
virCTSaveExternals(virCTSaveDumpInfo *info, pid_t pid, const ctPlan *plan)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/mountinfo", pid);
    g_autoptr(GPtrArray) mounts = virCTSaveReadMounts(path);
    g_autoptr(GPtrArray) host = virCTSaveReadMounts("/proc/self/mountinfo");
    size_t i;
    size_t j;
    size_t ncg = 0;

    if (!mounts || !host)
        return -1;
    virCTSaveArg(info, "--external", g_strdup("mnt[]"));
    for (i = 0; i < mounts->len; i++) {
        const virCTSaveMount *m = g_ptr_array_index(mounts, i);

        if (STREQ(m->mountpoint, "/dev/console") && STREQ(m->fstype, "devpts")) {
            if (virCTSaveConsole(info, host, m) < 0)
                return -1;
        } else if (STREQ(m->fstype, "cgroup") || STREQ(m->fstype, "cgroup2")) {
            const virCTSaveMount *h = virCTSaveHostMount(host, m);
            g_autofree char *key = g_strdup_printf("ct-cg-%zu", ncg++);
            g_autofree char *src = NULL;

            if (!h) {
                virReportError(
                    VIR_ERR_OPERATION_FAILED,
                    _("the container's cgroup mount '%1$s' is of no hierarchy of the host"),
                    m->mountpoint);
                return -1;
            }
            src = g_strdup_printf("%s%s", h->mountpoint, STREQ(m->root, "/") ? "" : m->root);
            virCTSaveArg(info, "--external", g_strdup_printf("mnt[%s]:%s", m->mountpoint, key));
            virCTSaveMeta(info, "restore-mount", key, src);
        } else {
            for (j = 0; j < plan->nmounts; j++) {
                if (plan->mounts[j].kind == CT_PLAN_MOUNT_BIND &&
                    STREQ(plan->mounts[j].dst, m->mountpoint)) {
                    virCTSaveArg(info, "--external",
                                 g_strdup_printf("mnt[%s]:ct-mount-%zu", m->mountpoint, j));
                    break;
                }
            }
        }
    }
    return 0;
}

static ctPlan *
virCTSaveLoadPlan(virCTDriver *driver, virDomainObj *vm)
{
    g_autofree char *path = virCTDomainStatePath(driver->config, vm->def->name, ".plan");
    g_autoptr(FILE) fp = fopen(path, "re");
    char err[512];
    ctPlan *plan = NULL;

    if (!fp) {
        virReportSystemError(errno, _("cannot read the plan of '%1$s'"), vm->def->name);
        return NULL;
    }
    if (ctPlanParse(fp, &plan, err, sizeof(err)) < 0) {
        virReportError(VIR_ERR_INTERNAL_ERROR, _("plan of '%1$s': %2$s"), vm->def->name, err);
        return NULL;
    }
    return plan;
}

int
virCTSaveCheckCriu(virCTDriver *driver)
{
    if (access(driver->config->criu, X_OK) < 0) {
        virReportError(
            VIR_ERR_OPERATION_UNSUPPORTED,
            _("checkpoint and restore are not supported: CRIU unavailable ('%1$s': %2$s); build libvirt-ct with -Dcriu=enabled"),
            driver->config->criu, g_strerror(errno));
        return -1;
    }
    return 0;
}

/* The freezer CRIU stops the container with: the one a pause uses
 * (virCTProcessSetFrozen: cgroup v2's cgroup.freeze where the container
 * has one, else v1's freezer), so that a paused container is dumped as
 * it is and nothing runs between freezing and seizing. */
static char *
virCTSaveFreezer(const char *cgroupPath)
{
    const char *const dirs[] = { "/sys/fs/cgroup/unified", "/sys/fs/cgroup" };
    g_autofree char *v1 = g_strdup_printf("/sys/fs/cgroup/freezer%s", cgroupPath);
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(dirs); i++) {
        g_autofree char *dir = g_strdup_printf("%s%s", dirs[i], cgroupPath);
        g_autofree char *file = g_strdup_printf("%s/cgroup.freeze", dir);

        if (virFileExists(file))
            return g_steal_pointer(&dir);
    }
    return virFileIsDir(v1) ? g_steal_pointer(&v1) : NULL;
}

/* Every cgroup the container made, with processes or not (systemd
 * watches the cgroup.events of its empty slices): CRIU collects the
 * empty ones below the root it is given, by default the cgroup of each
 * set of processes.  The root of the container's cgroup namespace,
 * @cgroupPath/init, in each hierarchy where init is below it (not v1
 * blkio, which has no "init"). */
static int
virCTSaveCgroupRoots(virCommand *cmd, pid_t pid, const char *cgroupPath)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/cgroup", pid);
    g_autofree char *root = g_strdup_printf("%s/init", cgroupPath);
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    size_t rlen = strlen(root);
    size_t i;

    if (virFileReadAll(path, 64 * 1024, &text) < 0)
        return -1;
    lines = g_strsplit(text, "\n", 0);
    for (i = 0; lines[i]; i++) {
        g_auto(GStrv) f = g_strsplit(lines[i], ":", 3);

        if (g_strv_length(f) != 3 || !STRPREFIX(f[2], root) ||
            (f[2][rlen] != '\0' && f[2][rlen] != '/'))
            continue;
        virCommandAddArgFormat(cmd, "--cgroup-root=%s:%s", f[1], root);
    }
    return 0;
}

/* (the files of the work directory CRIU's post-dump action and the
 * daemon talk through: ct_save_priv.h) */
#define CT_SAVE_HOOK_WAIT 60000 /* * 10 ms: how long CRIU waits for a verdict */

/* CRIU's post-dump action (a script in the work directory, which CRIU
 * runs at each step): says the checkpoint is complete and waits for the
 * daemon's verdict: 0 once the image is written (CRIU leaves the
 * processes stopped, the daemon stops the container), anything else
 * when it could not be (CRIU rolls back: it unlocks the container's
 * network and lets the processes run on).  Without a verdict in 10
 * minutes (a daemon gone for good) it rolls back too; with @forever (a
 * migration, which may run on the destination by then) it waits for the
 * daemon or its successor to decide. */
static char *
virCTSaveHook(const char *dir, bool forever)
{
    g_autofree char *path = g_strdup_printf("%s/" CT_SAVE_HOOK, dir);
    g_autofree char *text =
        g_strdup_printf("#!/bin/sh\n"
                        "[ \"$CRTOOLS_SCRIPT_ACTION\" = post-dump ] || exit 0\n"
                        ": >'%s/" CT_SAVE_DUMPED "'\n"
                        "i=0\n"
                        "while [ ! -s '%s/" CT_SAVE_VERDICT "' ] && [ $i -lt %d ]; do\n"
                        "    sleep 0.01; i=$((i+%d))\n"
                        "done\n"
                        "[ \"$(cat '%s/" CT_SAVE_VERDICT "' 2>/dev/null)\" = 0 ]\n",
                        dir, dir, CT_SAVE_HOOK_WAIT, forever ? 0 : 1, dir);

    if (strchr(dir, '\'')) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED, _("'%1$s' has a quote in its path"), dir);
        return NULL;
    }
    if (virFileWriteStr(path, text, 0700) < 0) {
        virReportSystemError(errno, _("cannot write '%1$s'"), path);
        return NULL;
    }
    return g_steal_pointer(&path);
}

int
virCTSaveVerdict(const char *dir, bool keep)
{
    g_autofree char *tmp = g_strdup_printf("%s/" CT_SAVE_VERDICT ".tmp", dir);
    g_autofree char *path = g_strdup_printf("%s/" CT_SAVE_VERDICT, dir);

    if (virFileWriteStr(tmp, keep ? "0" : "1", 0600) < 0 || rename(tmp, path) < 0) {
        virReportSystemError(errno, _("cannot answer CRIU in '%1$s'"), dir);
        return -1;
    }
    return 0;
}

/* CRIU's dump of the running @vm into @dir, not started; @meta gets the
 * plan lines of the restore. */
static virCommand *
virCTSaveDumpCommand(virCTDriver *driver, virDomainObj *vm, const char *dir, const char *log,
                     GString *meta, bool forever)
{
    virCTDomainObjPrivate *priv = CT_DOMAIN_PRIVATE(vm);
    g_autoptr(ctPlan) plan = virCTSaveLoadPlan(driver, vm);
    g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func(g_free);
    virCTSaveDumpInfo info = { args, meta };
    g_autoptr(virCommand) cmd = NULL;
    g_autofree char *freezer = NULL;
    g_autofree char *hook = NULL;
    pid_t pid = vm->def->id;
    size_t i;

    if (!plan)
        return NULL;
    if (virCTSaveExternals(&info, pid, plan) < 0)
        return NULL;
    if (priv->cgroupPath) {
        virCTSaveMeta(&info, "restore-cgroup", priv->cgroupPath, NULL);
        freezer = virCTSaveFreezer(priv->cgroupPath);
    }

    cmd = virCommandNewArgList(driver->config->criu, "dump", "--tree", NULL);
    virCommandAddArgFormat(cmd, "%d", pid);
    virCommandAddArgList(cmd, "--images-dir", dir, "--log-file", log, "-v4", "--leave-stopped",
                         "--tcp-established", "--file-locks", NULL);
    if (!(hook = virCTSaveHook(dir, forever)))
        return NULL;
    virCommandAddArgList(cmd, "--action-script", hook, NULL);
    /* frozen together rather than seized one by one: a paused container
     * stays frozen, and nothing forks in between */
    if (freezer)
        virCommandAddArgList(cmd, "--freeze-cgroup", freezer, NULL);
    /* inotify watches are dumped as paths CRIU finds by inode (irmap, on
     * the overlay's xino numbers); CRIU restores a watch on a symlink on
     * its target instead, so systemd's on /etc/localtime is on a zoneinfo
     * file after a restore, which the next dump must find too */
    virCommandAddArgList(cmd, "--irmap-scan-path", "/usr/share/zoneinfo", NULL);
    if (priv->cgroupPath && virCTSaveCgroupRoots(cmd, pid, priv->cgroupPath) < 0)
        return NULL;
    for (i = 0; i < args->len; i++)
        virCommandAddArg(cmd, g_ptr_array_index(args, i));
    return g_steal_pointer(&cmd);
}

/* Whether the process @pid has ended (a zombie counts). */
bool
virCTSaveExited(pid_t pid)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/stat", pid);
    g_autofree char *stat = NULL;
    const char *end;

    if (virFileReadAllQuiet(path, 4096, &stat) < 0 || !(end = strrchr(stat, ')')))
        return true;
    return end[1] == ' ' && end[2] == 'Z';
}

/* The file the image is written to: new, next to @path (a regular file
 * or nothing), renamed onto it once the container is stopped, so that a
 * save that fails leaves whatever was at @path alone. */
int
virCTSaveCreateTemp(const char *path, char **tmp)
{
    struct stat sb;
    int fd;

    if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
        virReportError(VIR_ERR_INVALID_ARG, _("'%1$s' is not a regular file"), path);
        return -1;
    }
    *tmp = g_strdup_printf("%s.ct-part-XXXXXX", path);
    if ((fd = g_mkstemp_full(*tmp, O_WRONLY | O_CLOEXEC, 0600)) < 0) {
        virReportSystemError(errno, _("cannot create save image '%1$s'"), path);
        g_clear_pointer(tmp, g_free);
        return -1;
    }
    return fd;
}

void
virCTSaveDumpFree(virCTSaveDump *dump)
{
    if (!dump)
        return;
    if (dump->dir && virFileDeleteTree(dump->dir) < 0)
        virResetLastError();
    g_free(dump->dir);
    g_free(dump->log);
    g_free(dump->xml);
    if (dump->meta)
        g_string_free(dump->meta, TRUE);
    virCommandFree(dump->cmd);
    g_free(dump);
}

/* Thaws what the dump froze, once it is over and the container runs on. */
static void
virCTSaveDumpThaw(virDomainObj *vm, virCTSaveDump *dump)
{
    virErrorPtr orig;

    if (!dump->frozen || !virDomainObjIsActive(vm))
        return;
    virErrorPreserveLast(&orig);
    if (virCTProcessSetFrozen(vm, false) < 0)
        VIR_WARN("cannot thaw '%s' after a checkpoint that was not used: %s", vm->def->name,
                 virGetLastErrorMessage());
    virErrorRestore(&orig);
    dump->frozen = false;
}

/* A task under @dir (a freezer cgroup, recursively) that waits for a
 * vfork child to exec or exit: CRIU cannot seize it (it gives up after
 * 10 s).  Its ID, or 0. */
static pid_t
virCTSaveFindVfork(const char *dir, unsigned int depth)
{
    g_autofree char *tasksPath = g_build_filename(dir, "tasks", NULL);
    g_autofree char *tasks = NULL;
    g_auto(GStrv) ids = NULL;
    g_autoptr(GDir) gdir = NULL;
    const char *name;
    size_t i;

    if (virFileReadAllQuiet(tasksPath, 1024 * 1024, &tasks) >= 0)
        ids = g_strsplit(tasks, "\n", 0);
    for (i = 0; ids && ids[i]; i++) {
        g_autofree char *statPath = g_strdup_printf("/proc/%s/stat", ids[i]);
        g_autofree char *wchanPath = g_strdup_printf("/proc/%s/wchan", ids[i]);
        g_autofree char *stat = NULL;
        g_autofree char *wchan = NULL;
        const char *end;
        pid_t pid;

        if (!*ids[i] || virStrToLong_i(ids[i], NULL, 10, &pid) < 0 ||
            virFileReadAllQuiet(statPath, 4096, &stat) < 0 || !(end = strrchr(stat, ')')) ||
            end[1] != ' ' || end[2] != 'D' || virFileReadAllQuiet(wchanPath, 256, &wchan) < 0)
            continue;
        if (STREQ(wchan, "kernel_clone") || strstr(wchan, "vfork"))
            return pid;
    }
    if (depth >= 8 || !(gdir = g_dir_open(dir, 0, NULL)))
        return 0;
    while ((name = g_dir_read_name(gdir))) {
        g_autofree char *sub = g_build_filename(dir, name, NULL);
        pid_t pid;

        if (g_file_test(sub, G_FILE_TEST_IS_DIR) && (pid = virCTSaveFindVfork(sub, depth + 1)))
            return pid;
    }
    return 0;
}

/* Freezes @vm for CRIU (it stays frozen when @frozen says it is): a
 * freeze that caught a vfork before the child's exec is let go for a few
 * milliseconds and made again. */
static int
virCTSaveFreeze(virDomainObj *vm, bool *frozen, bool wasPaused)
{
    virCgroup *cgroup = CT_DOMAIN_PRIVATE(vm)->cgroup;
    g_autofree char *dir = NULL;
    pid_t pid = 0;
    size_t i;

    if (!wasPaused) {
        if (virCTProcessSetFrozen(vm, true) < 0)
            return -1;
        *frozen = true;
    }
    if (!cgroup ||
        virCgroupPathOfController(cgroup, VIR_CGROUP_CONTROLLER_FREEZER, NULL, &dir) < 0) {
        virResetLastError();
        return 0;
    }
    for (i = 0; i < 50 && (pid = virCTSaveFindVfork(dir, 0)) > 0; i++) {
        VIR_DEBUG("'%s': process %d is in vfork, thawing for a moment", vm->def->name, pid);
        if (virCTProcessSetFrozen(vm, false) < 0)
            return -1;
        virObjectUnlock(vm);
        g_usleep(2 * 1000);
        virObjectLock(vm);
        if (virCTProcessSetFrozen(vm, true) < 0)
            return -1;
    }
    if (pid > 0) {
        virReportError(
            VIR_ERR_OPERATION_FAILED,
            _("cannot checkpoint container '%1$s': its process %2$d keeps waiting for a vfork child, which CRIU cannot dump"),
            vm->def->name, pid);
        return -1;
    }
    return 0;
}

int
virCTSaveDumpStart(virCTDriver *driver, virDomainObj *vm, bool paused, const char *target,
                   virCTSaveDump **out)
{
    virCTDomainObjPrivate *priv = CT_DOMAIN_PRIVATE(vm);
    g_autoptr(virCTSaveDump) dump = g_new0(virCTSaveDump, 1);
    g_autofree char *dumped = NULL;
    g_autofree char *errbuf = NULL;
    bool wasPaused = virDomainObjGetState(vm, NULL) == VIR_DOMAIN_PAUSED;
    bool complete;

    if (virCTSaveCheckCriu(driver) < 0)
        return -1;
    if (!(dump->xml = virDomainDefFormat(vm->def, driver->xmlopt, VIR_DOMAIN_DEF_FORMAT_SECURE)))
        return -1;
    dump->log = g_strdup_printf("%s/%s.dump.log", driver->config->logDir, vm->def->name);
    dump->meta = g_string_new(NULL);
    g_string_append_printf(dump->meta, "state %s\n", paused ? "paused" : "running");
    dump->dir = virCTSaveWorkDir(driver, vm->def->name, "dump");
    if (virCTSaveMakeWorkDir(driver, dump->dir) < 0) {
        g_clear_pointer(&dump->dir, g_free);
        return -1;
    }
    /* for the next daemon, should this one die before the end */
    if (target) {
        g_autofree char *path = g_strdup_printf("%s/" CT_SAVE_TARGET, dump->dir);

        if (virFileWriteStr(path, target, 0600) < 0) {
            virReportSystemError(errno, _("cannot write '%1$s'"), path);
            return -1;
        }
    }
    if (!(dump->cmd =
              virCTSaveDumpCommand(driver, vm, dump->dir, dump->log, dump->meta,
                                   target && g_str_has_prefix(target, CT_SAVE_TARGET_MIGRATION))))
        return -1;
    virCommandSetErrorBuffer(dump->cmd, &errbuf);

    ignore_value(virTimeMillisNow(&dump->start));
    priv->saveStarted = dump->start;
    __atomic_store_n(&priv->saveBytes, 0, __ATOMIC_RELAXED);
    VIR_DEBUG("checkpointing '%s' (init %d) into '%s'", vm->def->name, vm->def->id, dump->dir);
    /* frozen before CRIU looks, it seizes at once (it would poll the
     * freezer every 100 ms); thawed again unless the checkpoint is used */
    if (virCTSaveFreeze(vm, &dump->frozen, wasPaused) < 0) {
        virCTSaveDumpThaw(vm, dump);
        return -1;
    }
    if (virCommandRunAsync(dump->cmd, &dump->criu) < 0) {
        virCTSaveDumpThaw(vm, dump);
        return -1;
    }

    /* the job keeps the domain ours; domjobinfo may look meanwhile */
    priv->saveDumpDir = g_strdup(dump->dir);
    dumped = g_strdup_printf("%s/" CT_SAVE_DUMPED, dump->dir);
    virObjectUnlock(vm);
    while (!(complete = virFileExists(dumped)) && !virCTSaveExited(dump->criu))
        g_usleep(10 * 1000);
    virObjectLock(vm);
    g_clear_pointer(&priv->saveDumpDir, g_free);
    if (!complete) {
        g_autofree char *why = virCTSaveCriuError(dump->log);

        ignore_value(virCommandWait(dump->cmd, NULL));
        virCTSaveDumpThaw(vm, dump);
        virReportError(
            VIR_ERR_OPERATION_FAILED,
            _("cannot checkpoint container '%1$s': CRIU: %2$s (the container runs on; log: %3$s)"),
            vm->def->name, why, dump->log);
        return -1;
    }
    *out = g_steal_pointer(&dump);
    return 0;
}

int
virCTSaveDumpFinish(virDomainObj *vm, virCTSaveDump *dump, bool keep)
{
    return virCTSaveDumpFinishFull(vm, dump, keep, false);
}

int
virCTSaveDumpFinishFull(virDomainObj *vm, virCTSaveDump *dump, bool keep, bool stayFrozen)
{
    int status = -1;
    int rc;

    rc = virCTSaveVerdict(dump->dir, keep);
    virObjectUnlock(vm);
    if (virCommandWait(dump->cmd, &status) < 0)
        rc = -1;
    virObjectLock(vm);
    /* rolled back, CRIU ends in failure: as asked */
    if (keep && rc == 0 && status != 0) {
        g_autofree char *why = virCTSaveCriuError(dump->log);

        virReportError(
            VIR_ERR_OPERATION_FAILED,
            _("cannot checkpoint container '%1$s': CRIU: %2$s (the container runs on; log: %3$s)"),
            vm->def->name, why, dump->log);
        rc = -1;
    }
    if (stayFrozen) {
        /* CRIU's roll back may have thawed the cgroup */
        if (virDomainObjIsActive(vm) && virCTProcessSetFrozen(vm, true) < 0)
            VIR_WARN("cannot keep '%s' frozen: %s", vm->def->name, virGetLastErrorMessage());
        dump->frozen = false;
    } else if (!keep || rc < 0) {
        virCTSaveDumpThaw(vm, dump);
    }
    return keep ? rc : 0;
}

/* Save of the running @vm to @path; @vm stops with reason "saved". */
static int
virCTSaveDomain(virCTDriver *driver, virDomainObj *vm, const char *path, unsigned int flags,
                virObjectEvent **event)
{
    virCTDomainObjPrivate *priv = CT_DOMAIN_PRIVATE(vm);
    g_autofree char *keyDir = virCTSaveDir(driver);
    g_autofree char *targetText = NULL;
    g_autofree char *tmp = NULL;
    g_autoptr(virCTSaveDump) dump = NULL;
    virErrorPtr writeErr = NULL;
    bool paused = virDomainObjGetState(vm, NULL) == VIR_DOMAIN_PAUSED;
    VIR_AUTOCLOSE fd = -1;
    unsigned long long now;
    int ret = -1;
    int rc;

    if ((flags & VIR_DOMAIN_SAVE_RUNNING))
        paused = false;
    if ((flags & VIR_DOMAIN_SAVE_PAUSED))
        paused = true;
    if (virCTSaveCheckCriu(driver) < 0)
        return -1;
    if ((fd = virCTSaveCreateTemp(path, &tmp)) < 0)
        return -1;
    targetText = g_strdup_printf("%s\n%s\n", tmp, path);
    if (virCTSaveDumpStart(driver, vm, paused, targetText, &dump) < 0)
        goto cleanup;

    virObjectUnlock(vm);
    rc = virCTSaveImageWrite(keyDir, fd, tmp, dump->xml, dump->meta->str, dump->dir,
                             flags & VIR_DOMAIN_SAVE_BYPASS_CACHE, &priv->saveBytes);
    virObjectLock(vm);
    if (rc < 0)
        virErrorPreserveLast(&writeErr);
    if (virCTSaveDumpFinish(vm, dump, rc == 0) < 0 || rc < 0) {
        if (rc < 0)
            virErrorRestore(&writeErr);
        goto cleanup;
    }
    ignore_value(virTimeMillisNow(&now));
    priv->completedOperation = VIR_DOMAIN_JOB_OPERATION_SAVE;
    priv->completedElapsed = now - dump->start;
    priv->completedBytes = __atomic_load_n(&priv->saveBytes, __ATOMIC_RELAXED);
    priv->completedDowntime = 0;
    VIR_INFO("saved '%s' to '%s': %llu bytes in %llu ms", vm->def->name, path, priv->completedBytes,
             priv->completedElapsed);
    /* a transient container's layer outlives it, for the restore */
    virCTLayerKeepSaved(driver, vm->def);
    virCTProcessStop(driver, vm, VIR_DOMAIN_SHUTOFF_SAVED);
    *event = virDomainEventLifecycleNewFromObj(vm, VIR_DOMAIN_EVENT_STOPPED,
                                               VIR_DOMAIN_EVENT_STOPPED_SAVED);
    if (rename(tmp, path) < 0) {
        virReportSystemError(
            errno, _("the container is saved in '%1$s', which cannot be renamed to '%2$s'"), tmp,
            path);
        g_clear_pointer(&tmp, g_free);
        goto cleanup;
    }
    g_clear_pointer(&tmp, g_free);
    ret = 0;

 cleanup:
    if (writeErr)
        virFreeError(writeErr);
    priv->saveStarted = 0;
    if (tmp)
        unlink(tmp);
    return ret;
}

static int
virCTSaveBegin(virDomainPtr dom, virDomainObj *vm)
{
    if (virDomainObjBeginJob(vm, VIR_JOB_MODIFY) < 0)
        return -1;
    if (virDomainObjCheckActive(vm) < 0) {
        virDomainObjEndJob(vm);
        return -1;
    }
    return 0;
}

int
ctDomainSaveFlags(virDomainPtr dom, const char *to, const char *dxml, unsigned int flags)
{
    virCTDriver *driver = dom->conn->privateData;
    virDomainObj *vm;
    virObjectEvent *event = NULL;
    int ret = -1;

    virCheckFlags(VIR_DOMAIN_SAVE_BYPASS_CACHE | VIR_DOMAIN_SAVE_RUNNING | VIR_DOMAIN_SAVE_PAUSED,
                  -1);
    VIR_EXCLUSIVE_FLAGS_RET(VIR_DOMAIN_SAVE_RUNNING, VIR_DOMAIN_SAVE_PAUSED, -1);
    if (dxml) {
        virReportError(VIR_ERR_ARGUMENT_UNSUPPORTED, "%s",
                       _("a different definition for the saved container is not supported"));
        return -1;
    }
    if (!(vm = ctDomObjFromDomain(dom)))
        return -1;
    if (virDomainSaveFlagsEnsureACL(dom->conn, vm->def) < 0)
        goto cleanup;
    if (virCTSaveBegin(dom, vm) < 0)
        goto cleanup;
    ret = virCTSaveDomain(driver, vm, to, flags, &event);
    if (ret == 0)
        dom->id = -1;
    virDomainObjEndJob(vm);
    if (ret == 0 && !vm->persistent)
        virCTDriverRemoveDomain(driver, vm);

 cleanup:
    virDomainObjEndAPI(&vm);
    virObjectEventStateQueue(driver->domainEventState, event);
    return ret;
}

int
ctDomainSave(virDomainPtr dom, const char *to)
{
    return ctDomainSaveFlags(dom, to, NULL, 0);
}

int
ctDomainManagedSave(virDomainPtr dom, unsigned int flags)
{
    virCTDriver *driver = dom->conn->privateData;
    virDomainObj *vm;
    virObjectEvent *event = NULL;
    g_autofree char *path = NULL;
    g_autofree char *dir = virCTSaveDir(driver);
    int ret = -1;

    virCheckFlags(VIR_DOMAIN_SAVE_BYPASS_CACHE | VIR_DOMAIN_SAVE_RUNNING | VIR_DOMAIN_SAVE_PAUSED,
                  -1);
    VIR_EXCLUSIVE_FLAGS_RET(VIR_DOMAIN_SAVE_RUNNING, VIR_DOMAIN_SAVE_PAUSED, -1);
    if (!(vm = ctDomObjFromDomain(dom)))
        return -1;
    if (virDomainManagedSaveEnsureACL(dom->conn, vm->def) < 0)
        goto cleanup;
    if (virCTSaveBegin(dom, vm) < 0)
        goto cleanup;
    if (!vm->persistent) {
        virReportError(VIR_ERR_OPERATION_INVALID, "%s",
                       _("cannot do managed save for transient domain"));
        goto endjob;
    }
    if (g_mkdir_with_parents(dir, 0700) < 0) {
        virReportSystemError(errno, _("cannot create '%1$s'"), dir);
        goto endjob;
    }
    path = virCTSaveManagedPath(driver, vm->def->name);
    ret = virCTSaveDomain(driver, vm, path, flags, &event);
    if (ret == 0) {
        vm->hasManagedSave = true;
        dom->id = -1;
    }

 endjob:
    virDomainObjEndJob(vm);
 cleanup:
    virDomainObjEndAPI(&vm);
    virObjectEventStateQueue(driver->domainEventState, event);
    return ret;
}
