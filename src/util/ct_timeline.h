/*
 * ct_timeline.h: the steps of a start and of a destroy, time-stamped in
 * the daemon's log
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Off unless the log source "ct.ct_timeline" logs at debug level
 * (log_filters="1:ct.ct_timeline" with an output at level 1): then every
 * step of a start is one line "start-timeline NAME USEC STEP", USEC on
 * CLOCK_MONOTONIC, and the plan asks the supervisor to write its own
 * steps, on the same clock, to its log.  The steps of a destroy are
 * named "stop-...".  bench/start-timeline.py turns both into tables;
 * the README's "Benchmarks" explains it.
 */

#pragma once

#include "internal.h"

/* Logs that the start of @name reached @step (a word, no spaces). */
void virCTTimelineStep(const char *name, const char *step);

/* The same for a step reached at @usec (g_get_monotonic_time()), before
 * the name was known. */
void virCTTimelineStepAt(const char *name, gint64 usec, const char *step);

/* Whether the steps are logged, as of the last virCTTimelineStep(). */
bool virCTTimelineEnabled(void);
