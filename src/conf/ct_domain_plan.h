/*
 * ct_domain_plan.h: turn a domain definition into a start plan
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "ct_conf.h"
#include "ct_plan.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(ctPlan, ctPlanFree);

ctPlan *virCTDomainBuildPlan(virCTDriverConfig *cfg, const virDomainDef *def);
/* The same, with @rootDir standing for the source of a type='mount' root. */
ctPlan *virCTDomainBuildPlanWithRoot(virCTDriverConfig *cfg, const virDomainDef *def,
                                     const char *rootDir);

/* Adds read-only binds of @dir/F over /F inside, for each of the
 * NULL-ended relative paths @files, after /proc and /sys are mounted:
 * a host service's view of them (LXCFS). */
void virCTDomainPlanAddHostView(ctPlan *plan, const char *dir, const char *const *files);

/* Path of a per-container file in the state directory: NAME@suffix
 * (".xml" status, ".plan", ".monitor", ".exit").  Caller frees. */
char *virCTDomainStatePath(virCTDriverConfig *cfg, const char *name, const char *suffix);
