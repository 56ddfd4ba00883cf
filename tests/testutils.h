/*
 * testutils.h: helpers shared by the unit tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <stdbool.h>

#include <libvirt/libvirt.h>

/* Prints "ok - ..." or "not ok - ..." and counts the result. */
void ctTestReport(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints "N passed, N failed" and returns the exit code. */
int ctTestSummary(void);

/* Whole file as a string (free it), or NULL. */
char *ctTestReadFile(const char *path);

/* Calls @fn(@dir, NAME, @opaque) for each NAME.xml in @dir, in name
 * order; -1 (with a message) when @dir cannot be read. */
int ctTestForEachXML(const char *dir, void (*fn)(const char *dir, const char *name, void *opaque),
                     void *opaque);
int ctTestWriteFile(const char *path, const char *content);

const char *ctTestLastError(void);

/* Opens ct:///embed on a new temporary root; ctTestRoot() is its path. */
virConnectPtr ctTestOpenEmbedded(void);
const char *ctTestRoot(void);
void ctTestCloseEmbedded(virConnectPtr conn);

int ctTestCountDomains(virConnectPtr conn, unsigned int flags);
