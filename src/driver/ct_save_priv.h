/*
 * ct_save_priv.h: what the save and the restore side share (ct_save.c,
 * ct_save_restore.c)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "ct_conf.h"
#include "ct_save_image.h"

#include "vircommand.h"

/* The save directory, dataDir/save, root's alone (caller frees). */
char *virCTSaveDir(virCTDriver *driver);

/* The work directory of a save ("dump") or restore ("restore") of @name
 * there (caller frees). */
char *virCTSaveWorkDir(virCTDriver *driver, const char *name, const char *kind);

/* @dir made afresh and empty, mode 0700.  Returns 0 or -1. */
int virCTSaveMakeWorkDir(virCTDriver *driver, const char *dir);

/* -1 with "not supported: CRIU unavailable" when CRIU is missing. */
int virCTSaveCheckCriu(virCTDriver *driver);

/* A new file next to @path (a regular file or nothing), *@tmp its name,
 * to be renamed onto @path; its descriptor, or -1 with an error. */
int virCTSaveCreateTemp(const char *path, char **tmp);

/* A checkpoint CRIU has made and waits to be told what to do with
 * (ct_save.c's hook: the processes stay stopped meanwhile). */
typedef struct _virCTSaveDump virCTSaveDump;
struct _virCTSaveDump {
    char *dir; /* the work directory with CRIU's files */
    char *log;
    char *xml; /* the live definition when it was made */
    GString *meta; /* the plan lines of the restore */
    virCommand *cmd; /* CRIU, waiting */
    pid_t criu;
    bool frozen; /* frozen by us: thawed unless the checkpoint is used */
    unsigned long long start; /* ms */
};

/* Files CRIU's post-dump action and the daemon talk through, in the
 * work directory (never packed: their names start with a dot). */
#define CT_SAVE_DUMPED ".dumped" /* the checkpoint is complete */
#define CT_SAVE_VERDICT ".verdict" /* "0": keep them stopped; else roll back */
#define CT_SAVE_TARGET ".target" /* the image being written, then its name */
#define CT_SAVE_HOOK ".hook" /* CRIU's action script */

/* The .target of a migration's checkpoint (there is no image file). */
#define CT_SAVE_TARGET_MIGRATION "migration"

/* The .target of a snapshot's checkpoint (ct_snapshot.c): its image is
 * written after CRIU let the processes run on, so a daemon that died
 * meanwhile only has to let them run. */
#define CT_SAVE_TARGET_SNAPSHOT "snapshot"

/* In a migration's work directory once all its data went: a daemon that
 * restarts then keeps the container paused (it may run on the
 * destination) rather than letting it run on. */
#define CT_SAVE_SENT ".sent"

/* Checkpoints the running @vm (locked, with a job; unlocked while CRIU
 * works), the restore to be @paused or not; @target is written to the
 * work directory's .target for the crash recovery (NULL: none).  Returns
 * 0 with *@dump once CRIU's files are complete, or -1 with an error (the
 * container runs on as before). */
int virCTSaveDumpStart(virCTDriver *driver, virDomainObj *vm, bool paused, const char *target,
                       virCTSaveDump **dump);

/* Tells CRIU to keep the processes stopped (@keep: the caller stops the
 * container then) or to let them run on, and waits for it.  Returns 0,
 * or -1 with an error when @keep could not be done (they run on then). */
int virCTSaveDumpFinish(virDomainObj *vm, virCTSaveDump *dump, bool keep);

/* The same; with @stayFrozen the container stays frozen after a roll
 * back (a migration whose outcome is unknown). */
int virCTSaveDumpFinishFull(virDomainObj *vm, virCTSaveDump *dump, bool keep, bool stayFrozen);

/* Removes the work directory. */
void virCTSaveDumpFree(virCTSaveDump *dump);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virCTSaveDump, virCTSaveDumpFree);

/* The work directory of a restore of @name, made afresh, open to CRIU
 * (caller frees, and removes it when done).  NULL with an error. */
char *virCTSaveRestoreWorkDir(virCTDriver *driver, const char *name);

/* Starts @vm (locked, with a job, not running) from the CRIU files in
 * @dir, with the restore details @meta (@what names their source in
 * messages); @flags VIR_DOMAIN_SAVE_RUNNING or _PAUSED override the
 * state saved; @reason is RESTORED or MIGRATED (and so are the events
 * put in @events[0..1]).  Returns 0 or -1 with an error. */
int virCTSaveRestoreFromDir(virCTDriver *driver, virDomainObj *vm, virConnectPtr conn,
                            const char *dir, const char *what, const char *meta, unsigned int flags,
                            virDomainRunningReason reason, virObjectEvent **events);

/* Starts @vm (locked, with a job, not running, its definition the
 * image's) from the save image @img at @path whose header (@meta) has
 * been read; @reason RESTORED or FROM_SNAPSHOT, the events in @events.
 * The image is left alone.  Returns 0 or -1 with an error. */
int virCTSaveRestoreImage(virCTDriver *driver, virDomainObj *vm, virConnectPtr conn,
                          virCTSaveImage *img, const char *path, const char *meta,
                          unsigned int flags, virDomainRunningReason reason,
                          virObjectEvent **events);

/* Gives CRIU, waiting at post-dump in @dir, its verdict: @keep the
 * processes stopped, or roll back.  Returns 0 or -1 with an error. */
int virCTSaveVerdict(const char *dir, bool keep);

/* Whether the process @pid has ended (a zombie counts). */
bool virCTSaveExited(pid_t pid);
