/*
 * ct_save_priv.h: what the save and the restore side share (ct_save.c,
 * ct_save_restore.c)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "ct_conf.h"

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
