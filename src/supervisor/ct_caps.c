/*
 * ct_caps.c: capability sets of the container init
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Raw syscalls rather than libcap: the supervisor stays dependency-free.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ct_caps.h"
#include "ct_error.h"

/* The highest capability the running kernel knows, found by probing the
 * bounding set: /proc may not be mounted where this runs. */
static int
lastCap(void)
{
    int cap = 0;

    while (cap < 63 && prctl(PR_CAPBSET_READ, cap + 1, 0, 0, 0) >= 0)
        cap++;
    return cap;
}


int
virCTCapsDropBounding(uint64_t keep)
{
    int last = lastCap();
    int cap;

    for (cap = 0; cap <= last; cap++) {
        if (keep & (1ULL << cap))
            continue;
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
            return virCTErrorReport(errno, "cannot drop capability %d from the bounding set", cap);
    }
    return 0;
}


int
virCTCapsSet(uint64_t keep, int ambient)
{
    struct __user_cap_header_struct hdr = {
        .version = _LINUX_CAPABILITY_VERSION_3,
        .pid = 0,
    };
    struct __user_cap_data_struct data[2] = { { 0 } };
    int last = lastCap();
    int cap;

    /* one cannot keep what one does not have (a host may withhold some) */
    if (syscall(SYS_capget, &hdr, data) < 0)
        return virCTErrorReport(errno, "cannot read capabilities");
    keep &= data[0].permitted | (uint64_t)data[1].permitted << 32;
    keep &= last >= 63 ? ~0ULL : (1ULL << (last + 1)) - 1;
    data[0].effective = data[0].permitted = data[0].inheritable = (uint32_t)keep;
    data[1].effective = data[1].permitted = data[1].inheritable = keep >> 32;
    if (syscall(SYS_capset, &hdr, data) < 0)
        return virCTErrorReport(errno, "cannot set capabilities to %#llx",
                                (unsigned long long)keep);
    if (!ambient)
        return 0;
    for (cap = 0; cap <= last; cap++) {
        if (!(keep & (1ULL << cap)))
            continue;
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
            return virCTErrorReport(errno, "cannot raise ambient capability %d", cap);
    }
    return 0;
}
