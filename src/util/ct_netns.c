/*
 * ct_netns.c: work inside a container's network namespace
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include <fcntl.h>
#include <sched.h>

#include "ct_netns.h"

#include "virerror.h"
#include "virfile.h"
#include "virthread.h"

#define VIR_FROM_THIS VIR_FROM_NONE

typedef struct {
    int nsFD;
    virCTNetnsFunc func;
    void *opaque;
    int rc;
    virErrorPtr error; /* reported in the thread, handed to the caller */
} virCTNetnsJob;

static void
virCTNetnsThread(void *opaque)
{
    virCTNetnsJob *job = opaque;

    if (setns(job->nsFD, CLONE_NEWNET) < 0) {
        virReportSystemError(errno, "%s", _("cannot join the container's network namespace"));
        job->rc = -1;
    } else {
        job->rc = job->func(job->opaque);
    }
    if (job->rc < 0)
        job->error = virSaveLastError();
}

int
virCTNetnsRun(pid_t pid, virCTNetnsFunc func, void *opaque)
{
    g_autofree char *path = g_strdup_printf("/proc/%lld/ns/net", (long long)pid);
    virCTNetnsJob job = { .nsFD = -1, .func = func, .opaque = opaque, .rc = -1 };
    virThread thread;

    if ((job.nsFD = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
        virReportSystemError(errno, _("cannot open '%1$s'"), path);
        return -1;
    }
    if (virThreadCreateFull(&thread, true, virCTNetnsThread, "ct-netns", false, &job) < 0) {
        virReportSystemError(errno, "%s", _("cannot create a thread for the network namespace"));
        VIR_FORCE_CLOSE(job.nsFD);
        return -1;
    }
    virThreadJoin(&thread);
    VIR_FORCE_CLOSE(job.nsFD);
    if (job.error) {
        virSetError(job.error);
        virFreeError(job.error);
    }
    return job.rc;
}
