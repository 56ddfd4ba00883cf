/*
 * ct_save_job.c: the figures of a save or migration, running or completed
 * (virsh domjobinfo)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>


#include "ct_save.h"
#include "ct_save_priv.h"
#include "ct_domain.h"
#include "ct_domain_api.h"

#include "datatypes.h"
#include "viraccessapicheck.h"
#include "virerror.h"
#include "virfile.h"
#include "virlog.h"
#include "virstring.h"
#include "virtime.h"
#include "virtypedparam.h"

#define VIR_FROM_THIS VIR_FROM_NONE

VIR_LOG_INIT("ct.ct_save_job");

/* What CRIU has written into @dir so far. */
static unsigned long long
virCTSaveDirBytes(const char *dir)
{
    g_autoptr(GDir) gdir = g_dir_open(dir, 0, NULL);
    unsigned long long sum = 0;
    const char *name;

    while (gdir && (name = g_dir_read_name(gdir))) {
        g_autofree char *path = g_strdup_printf("%s/%s", dir, name);
        struct stat sb;

        if (stat(path, &sb) == 0)
            sum += sb.st_size;
    }
    return sum;
}

/* A save in progress: elapsed time and bytes (those of the checkpoint
 * while CRIU dumps, then those of the image file).  False without one. */
static bool
virCTSaveProgress(virDomainObj *vm, unsigned long long *elapsed, unsigned long long *bytes)
{
    virCTDomainObjPrivate *priv = CT_DOMAIN_PRIVATE(vm);
    unsigned long long now;

    if (!priv->saveStarted || virTimeMillisNow(&now) < 0)
        return false;
    *elapsed = now - priv->saveStarted;
    if (priv->saveDumpDir)
        *bytes = virCTSaveDirBytes(priv->saveDumpDir);
    else
        *bytes = __atomic_load_n(&priv->saveBytes, __ATOMIC_RELAXED);
    return true;
}

int
ctDomainGetJobInfo(virDomainPtr dom, virDomainJobInfoPtr info)
{
    virDomainObj *vm;
    unsigned long long elapsed;
    unsigned long long bytes;
    int ret = -1;

    if (!(vm = ctDomObjFromDomain(dom)))
        return -1;
    if (virDomainGetJobInfoEnsureACL(dom->conn, vm->def) < 0)
        goto cleanup;
    memset(info, 0, sizeof(*info));
    info->type = VIR_DOMAIN_JOB_NONE;
    if (virCTSaveProgress(vm, &elapsed, &bytes)) {
        info->type = VIR_DOMAIN_JOB_UNBOUNDED;
        info->timeElapsed = elapsed;
        info->dataProcessed = bytes;
    }
    ret = 0;

 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}

/* The figures of the last completed job, forgotten unless @keep. */
static int
virCTSaveCompletedStats(virDomainObj *vm, int *type, virTypedParameterPtr *params, int *nparams,
                        bool keep)
{
    virCTDomainObjPrivate *priv = CT_DOMAIN_PRIVATE(vm);
    int maxpar = 0;

    if (!priv->completedOperation)
        return 0;
    if (virTypedParamsAddInt(params, nparams, &maxpar, VIR_DOMAIN_JOB_OPERATION,
                             priv->completedOperation) < 0 ||
        virTypedParamsAddULLong(params, nparams, &maxpar, VIR_DOMAIN_JOB_TIME_ELAPSED,
                                priv->completedElapsed) < 0 ||
        virTypedParamsAddULLong(params, nparams, &maxpar, VIR_DOMAIN_JOB_DATA_PROCESSED,
                                priv->completedBytes) < 0 ||
        virTypedParamsAddULLong(params, nparams, &maxpar, VIR_DOMAIN_JOB_DATA_TOTAL,
                                priv->completedBytes) < 0 ||
        (priv->completedDowntime &&
         virTypedParamsAddULLong(params, nparams, &maxpar, VIR_DOMAIN_JOB_DOWNTIME,
                                 priv->completedDowntime) < 0)) {
        virTypedParamsFree(*params, *nparams);
        *params = NULL;
        *nparams = 0;
        return -1;
    }
    *type = VIR_DOMAIN_JOB_COMPLETED;
    if (!keep)
        priv->completedOperation = 0;
    return 0;
}

int
ctDomainGetJobStats(virDomainPtr dom, int *type, virTypedParameterPtr *params, int *nparams,
                    unsigned int flags)
{
    virDomainObj *vm;
    unsigned long long elapsed;
    unsigned long long bytes;
    int maxpar = 0;
    int ret = -1;

    virCheckFlags(VIR_DOMAIN_JOB_STATS_COMPLETED | VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED, -1);

    if (!(vm = ctDomObjFromDomain(dom)))
        return -1;
    if (virDomainGetJobStatsEnsureACL(dom->conn, vm->def) < 0)
        goto cleanup;
    *type = VIR_DOMAIN_JOB_NONE;
    *params = NULL;
    *nparams = 0;
    if (flags & VIR_DOMAIN_JOB_STATS_COMPLETED) {
        ret = virCTSaveCompletedStats(vm, type, params, nparams,
                                      flags & VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED);
        goto cleanup;
    }
    if (virCTSaveProgress(vm, &elapsed, &bytes)) {
        if (virTypedParamsAddInt(params, nparams, &maxpar, VIR_DOMAIN_JOB_OPERATION,
                                 CT_DOMAIN_PRIVATE(vm)->migrateOut
                                     ? VIR_DOMAIN_JOB_OPERATION_MIGRATION_OUT
                                     : VIR_DOMAIN_JOB_OPERATION_SAVE) < 0 ||
            virTypedParamsAddULLong(params, nparams, &maxpar, VIR_DOMAIN_JOB_TIME_ELAPSED,
                                    elapsed) < 0 ||
            virTypedParamsAddULLong(params, nparams, &maxpar, VIR_DOMAIN_JOB_DATA_PROCESSED,
                                    bytes) < 0) {
            virTypedParamsFree(*params, *nparams);
            *params = NULL;
            *nparams = 0;
            goto cleanup;
        }
        *type = VIR_DOMAIN_JOB_UNBOUNDED;
    }
    ret = 0;

 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}
