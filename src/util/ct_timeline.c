/*
 * ct_timeline.c: the steps of a start, time-stamped in the daemon's log
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "ct_timeline.h"

#include "virlog.h"

#define VIR_FROM_THIS VIR_FROM_NONE

VIR_LOG_INIT("ct.ct_timeline");

void
virCTTimelineStepAt(const char *name, gint64 usec, const char *step)
{
    /* off, this costs a comparison in virLogMessage(), which also
     * follows a change of the filters (virt-admin) */
    VIR_DEBUG("start-timeline %s %lld %s", name, (long long)usec, step);
}

void
virCTTimelineStep(const char *name, const char *step)
{
    virCTTimelineStepAt(name, g_get_monotonic_time(), step);
}

bool
virCTTimelineEnabled(void)
{
    /* virLogMessage() brought the source's level up to date with the
     * filters at the last step */
    return virLogSelf.serial != 0 && virLogSelf.priority <= VIR_LOG_DEBUG;
}
