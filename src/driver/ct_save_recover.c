/*
 * ct_save_recover.c: what a daemon finds of saves and migrations at its
 * start: managed images, and checkpoints a daemon that died left waiting
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>


#include "ct_save.h"
#include "ct_save_priv.h"
#include "ct_domain.h"
#include "ct_domain_api.h"
#include "ct_disk.h"
#include "ct_layer.h"
#include "ct_process.h"
#include "ct_template.h"

#include "datatypes.h"
#include "viraccessapicheck.h"
#include "virerror.h"
#include "virfile.h"
#include "virlog.h"
#include "virstring.h"
#include "virtime.h"
#include "virtypedparam.h"

#define VIR_FROM_THIS VIR_FROM_NONE

VIR_LOG_INIT("ct.ct_save_recover");

static int
virCTSaveInitOne(virDomainObj *vm, void *opaque)
{
    virCTDriver *driver = opaque;
    g_autofree char *path = virCTSaveManagedPath(driver, vm->def->name);

    virObjectLock(vm);
    vm->hasManagedSave = virFileExists(path);
    virObjectUnlock(vm);
    return 0;
}

/* Whether a CRIU still dumps into @dir (a daemon killed during a save
 * started it). */
static bool
virCTSaveDumping(const char *dir)
{
    g_autoptr(GDir) proc = g_dir_open("/proc", 0, NULL);
    const char *name;

    while (proc && (name = g_dir_read_name(proc))) {
        g_autofree char *path = g_strdup_printf("/proc/%s/cmdline", name);
        g_autofree char *cmdline = NULL;
        int len;
        int i;
        pid_t pid;

        if (virStrToLong_i(name, NULL, 10, &pid) < 0 ||
            (len = virFileReadAllQuiet(path, 64 * 1024, &cmdline)) <= 0)
            continue;
        for (i = 0; i < len - 1; i++) {
            if (!cmdline[i])
                cmdline[i] = ' ';
        }
        if (strstr(cmdline, " dump ") && strstr(cmdline, dir) && !virCTSaveExited(pid))
            return true;
    }
    return false;
}

/* A migration freezes the file system of the container's disk image
 * while it reads the image (ct_migrate_src.c): a daemon that died then
 * left it frozen. */
static void
virCTSaveThawDisk(virCTDriver *driver, const char *name)
{
    g_autoptr(virCTLayerPaths) paths = virCTLayerPathsNew(driver->store, name, NULL, true);

    if (virCTDiskIsMounted(paths->disk) > 0 && virCTDiskSetFrozen(paths->disk, false) == 0)
        VIR_WARN("thawed the file system of '%s', frozen by a daemon that died", paths->image);
}

/* A save a daemon did not finish.  Without its verdict CRIU is told to
 * roll back (the container runs on, its network unlocked), and its
 * unfinished image goes.  With "0" the image was complete: the save is
 * finished, the container stopped and the image put in its place. */
static void
virCTSaveRecover(virCTDriver *driver, const char *name, const char *dir)
{
    g_autofree char *verdictPath = g_strdup_printf("%s/" CT_SAVE_VERDICT, dir);
    g_autofree char *targetPath = g_strdup_printf("%s/" CT_SAVE_TARGET, dir);
    g_autofree char *sentPath = g_strdup_printf("%s/" CT_SAVE_SENT, dir);
    g_autofree char *managed = virCTSaveManagedPath(driver, name);
    g_autofree char *verdict = NULL;
    g_autofree char *target = NULL;
    g_auto(GStrv) paths = NULL;
    virDomainObj *vm = NULL;
    bool migration;
    bool snapshot;
    bool keep;
    size_t i;

    if (virFileReadAllQuiet(verdictPath, 16, &verdict) < 0 && virCTSaveVerdict(dir, false) < 0)
        virResetLastError();
    keep = verdict && STREQ(verdict, "0");
    for (i = 0; i < 3000 && virCTSaveDumping(dir); i++)
        g_usleep(10 * 1000);
    VIR_DEBUG("waited %zu0 ms for CRIU dumping into '%s'", i, dir);
    if (virFileReadAllQuiet(targetPath, 2 * PATH_MAX, &target) > 0)
        paths = g_strsplit(target, "\n", 3);
    if (!paths || !paths[0])
        return;
    migration = STREQ(paths[0], CT_SAVE_TARGET_MIGRATION);
    snapshot = STREQ(paths[0], CT_SAVE_TARGET_SNAPSHOT);
    if (!migration && !snapshot && g_strv_length(paths) < 2)
        return;

    if (migration || snapshot)
        virCTSaveThawDisk(driver, name);
    /* a snapshot's processes always run on (ct_snapshot.c) */
    if (snapshot)
        keep = false;
    if (!keep && migration && virFileExists(sentPath)) {
        /* all was sent: the destination may run it by now */
        VIR_WARN("the migration of '%s' was cut short by a daemon restart after its data "
                 "was sent: it may run on the destination, so it stays paused here",
                 name);
        if ((vm = virDomainObjListFindByName(driver->domains, name)) && virDomainObjIsActive(vm) &&
            virCTProcessSetFrozen(vm, true) == 0)
            virDomainObjSetState(vm, VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_MIGRATION);
        virResetLastError();
        virDomainObjEndAPI(&vm);
        return;
    }
    if (!keep) {
        VIR_WARN("the %s of '%s' was cut short by a daemon restart: it runs on",
                 migration  ? "migration"
                 : snapshot ? "snapshot"
                            : "save",
                 name);
        if (!migration && !snapshot)
            unlink(paths[0]);
        /* CRIU left it frozen as the save had made it, unless paused */
        if ((vm = virDomainObjListFindByName(driver->domains, name)) && virDomainObjIsActive(vm) &&
            virDomainObjGetState(vm, NULL) != VIR_DOMAIN_PAUSED &&
            virCTProcessSetFrozen(vm, false) < 0)
            virResetLastError();
        virDomainObjEndAPI(&vm);
        return;
    }
    if (migration) {
        /* the destination took over before the daemon could stop it */
        if ((vm = virDomainObjListFindByName(driver->domains, name)) && virDomainObjIsActive(vm)) {
            VIR_WARN("'%s' migrated before a daemon restart: stopping it here", name);
            virCTProcessStop(driver, vm, VIR_DOMAIN_SHUTOFF_MIGRATED);
            virObjectEventStateQueue(
                driver->domainEventState,
                virDomainEventLifecycleNewFromObj(vm, VIR_DOMAIN_EVENT_STOPPED,
                                                  VIR_DOMAIN_EVENT_STOPPED_MIGRATED));
            if (!vm->persistent)
                virCTDriverRemoveDomain(driver, vm);
        }
        virDomainObjEndAPI(&vm);
        return;
    }
    if ((vm = virDomainObjListFindByName(driver->domains, name)) && virDomainObjIsActive(vm)) {
        VIR_WARN("finishing the save of '%s' that a daemon restart cut short", name);
        virCTLayerKeepSaved(driver, vm->def);
        virCTProcessStop(driver, vm, VIR_DOMAIN_SHUTOFF_SAVED);
        virObjectEventStateQueue(driver->domainEventState,
                                 virDomainEventLifecycleNewFromObj(vm, VIR_DOMAIN_EVENT_STOPPED,
                                                                   VIR_DOMAIN_EVENT_STOPPED_SAVED));
        if (!vm->persistent)
            virCTDriverRemoveDomain(driver, vm);
    }
    if (rename(paths[0], paths[1]) < 0)
        VIR_WARN("cannot rename '%s' to '%s': %s", paths[0], paths[1], g_strerror(errno));
    else if (vm && STREQ(paths[1], managed))
        vm->hasManagedSave = true;
    virDomainObjEndAPI(&vm);
}

void
virCTSaveInit(virCTDriver *driver)
{
    g_autofree char *dir = virCTSaveDir(driver);
    g_autoptr(GDir) gdir = NULL;
    const char *name;

    virDomainObjListForEach(driver->domains, false, virCTSaveInitOne, driver);
    if (!(gdir = g_dir_open(dir, 0, NULL)))
        return;
    while ((name = g_dir_read_name(gdir))) {
        g_autofree char *path = NULL;
        g_autofree char *domain = NULL;

        if (!g_str_has_suffix(name, ".dump") && !g_str_has_suffix(name, ".restore"))
            continue;
        path = g_strdup_printf("%s/%s", dir, name);
        if (g_str_has_suffix(name, ".dump")) {
            domain = g_strndup(name, strlen(name) - 5);
            virCTSaveRecover(driver, domain, path);
        } else {
            /* a restore a supervisor still runs: its stop removes it */
            g_autofree char *restoring = g_strndup(name, strlen(name) - 8);
            virDomainObj *vm = virDomainObjListFindByName(driver->domains, restoring);
            bool active = vm && virDomainObjIsActive(vm);

            virDomainObjEndAPI(&vm);
            if (active)
                continue;
        }
        VIR_INFO("removing '%s', left by an interrupted save or restore", path);
        if (virFileDeleteTree(path) < 0)
            virResetLastError();
    }
}
