/*
 * ct_cleanup.h: descriptors and memory released when they go out of scope
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The supervisor's counterpart of glib's g_autofree and libvirt's
 * VIR_AUTOCLOSE (it links neither): a local declared with one of these
 * is freed or closed on every return, so error paths need no close
 * chains; a descriptor leaves its scope with ctStealFd().  Cleanups keep
 * errno, so "return virCTErrorReport(errno, ...)" and callers that look
 * at errno after -1 still see the failing call's.
 */

#pragma once

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void
ctCleanupClose(int *fd)
{
    int saved = errno;

    if (*fd >= 0)
        close(*fd);
    errno = saved;
}

static inline void
ctCleanupFree(void *ptr)
{
    int saved = errno;

    free(*(void **)ptr);
    errno = saved;
}

static inline void
ctCleanupFclose(FILE **fp)
{
    int saved = errno;

    if (*fp)
        fclose(*fp);
    errno = saved;
}

/* CT_AUTOCLOSE int fd = open(...); */
#define CT_AUTOCLOSE __attribute__((cleanup(ctCleanupClose)))
/* CT_AUTOFREE char *str = NULL; (anything malloc'd) */
#define CT_AUTOFREE __attribute__((cleanup(ctCleanupFree)))
/* CT_AUTOFCLOSE FILE *fp = fopen(...); */
#define CT_AUTOFCLOSE __attribute__((cleanup(ctCleanupFclose)))

/* Returns @*fd and leaves -1 behind: the descriptor is the caller's now. */
static inline int
ctStealFd(int *fd)
{
    int ret = *fd;

    *fd = -1;
    return ret;
}
