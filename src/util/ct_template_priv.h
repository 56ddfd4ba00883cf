/*
 * ct_template_priv.h: what ct_template.c shares with the tree walk of
 * ct_template_tree.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <dirent.h>

/* qsort()'s comparison of two names (char *), in byte order. */
int virCTStoreCompareNames(const void *a, const void *b);

/* A directory stream on @fd (which stays open for the caller's *at()
 * calls); NULL with an error naming @path, when @path is given. */
DIR *virCTStoreOpenDirAt(int fd, const char *path);
