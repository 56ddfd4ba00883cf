/*
 * ct_keeper.h: the parent of every supervisor (see ct_keeper.c)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

/* Serves spawn requests on the socket @path, running @self (the
 * supervisor binary) for each, and reaps them; returns the exit code. */
int virCTKeeperMain(const char *self, const char *path);
