/*
 * ct_lxcfs.c: LXCFS, the host's cgroup-aware view of /proc for containers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * lxcfs (5.0) never forks into the background, writes its pid to
 * /run/lxcfs.pid itself and holds a lock on it.  A dead lxcfs leaves its
 * mount behind, answering ENOTCONN, and a new lxcfs cannot mount over
 * that; binds of the dead one inside running containers stay broken until
 * those containers restart.
 */

#include <config.h>

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "ct_config.h"
#include "ct_lxcfs.h"
#include "vircommand.h"
#include "virerror.h"
#include "virfile.h"
#include "virlog.h"
#include "virpidfile.h"
#include "virtime.h"

#define VIR_FROM_THIS VIR_FROM_NONE

VIR_LOG_INIT("ct.lxcfs");

/* compiled into lxcfs; Debian's postinst signals this pid to reload */
#define CT_LXCFS_PIDFILE "/run/lxcfs.pid"
#define CT_LXCFS_PROBE CT_LXCFS_DIR "/proc/uptime"
#define CT_LXCFS_LOG CT_LOCALSTATEDIR "/log/libvirt/ct/lxcfs.log"
/* it mounts within some 20 ms; the wait only runs out when it failed */
#define CT_LXCFS_WAIT_MS 3000
/* dead lxcfs mounts can be stacked, one per earlier crash; a few suffice */
#define CT_LXCFS_MAX_STALE 8

/* proc/diskstats is left out: lxcfs 5.0 computes it from the CFQ blkio
 * files, gone since Linux 5.0, and then passes the host's through, so a
 * bind would only add a dependency on lxcfs.  proc/slabinfo (kmem) is
 * not something users ask for. */
const char *const virCTLxcfsFiles[] = {
    "proc/meminfo",
    "proc/cpuinfo",
    "proc/stat",
    "proc/uptime",
    "proc/loadavg",
    "proc/swaps",
    "sys/devices/system/cpu/online",
    NULL,
};

/* Whether a FUSE file system is mounted at CT_LXCFS_DIR, answering or
 * not: a dead lxcfs leaves its mount behind (ENOTCONN), so this alone
 * does not say it serves.  statfs(), not a walk of the mount table, as
 * it is asked at every container start. */
static bool
virCTLxcfsMounted(void)
{
    struct statfs sb;

    if (statfs(CT_LXCFS_DIR, &sb) < 0)
        return errno == ENOTCONN || errno == ECONNABORTED;
    return sb.f_type == FUSE_SUPER_MAGIC;
}

/* Reads from lxcfs: 0 when it answers, else -errno; -ENOTCONN (or
 * -ECONNABORTED) means the lxcfs behind the mount is gone. */
static int
virCTLxcfsProbe(void)
{
    VIR_AUTOCLOSE fd = open(CT_LXCFS_PROBE, O_RDONLY | O_CLOEXEC);
    char buf[64];
    ssize_t n;

    if (fd < 0)
        return -errno;
    if ((n = read(fd, buf, sizeof(buf))) < 0)
        return -errno;
    return n > 0 ? 0 : -EIO;
}

/* Whether lxcfs answers at CT_LXCFS_DIR now. */
static bool
virCTLxcfsServing(void)
{
    return virCTLxcfsProbe() == 0 && virCTLxcfsMounted();
}

/* Lazily unmounts what a dead lxcfs left at CT_LXCFS_DIR: FUSE refuses a
 * mount point that answers ENOTCONN.  Containers holding binds of it keep
 * them, detached, until they stop. */
static int
virCTLxcfsDetachStale(void)
{
    size_t i;

    for (i = 0; i < CT_LXCFS_MAX_STALE && virCTLxcfsMounted(); i++) {
        int rc = virCTLxcfsProbe();

        if (rc == 0)
            return 0;
        if (rc != -ENOTCONN && rc != -ECONNABORTED) {
            virReportSystemError(-rc, _("lxcfs at '%1$s' does not answer"), CT_LXCFS_DIR);
            return -1;
        }
        VIR_INFO("Unmounting the mount a dead lxcfs left at %s", CT_LXCFS_DIR);
        if (umount2(CT_LXCFS_DIR, MNT_DETACH) < 0) {
            virReportSystemError(errno, _("cannot unmount the dead lxcfs at '%1$s'"), CT_LXCFS_DIR);
            return -1;
        }
    }
    return 0;
}

/* Starts lxcfs detached (its own session, reparented to init): every
 * running container's binds depend on it, so it must outlive virtctd. */
static int
virCTLxcfsSpawn(const char *binary)
{
    g_autoptr(virCommand) cmd = NULL;
    VIR_AUTOCLOSE logfd = -1;

    if (g_mkdir_with_parents(CT_LXCFS_DIR, 0755) < 0) {
        virReportSystemError(errno, _("cannot create directory '%1$s'"), CT_LXCFS_DIR);
        return -1;
    }

    /* -l: a per-container /proc/loadavg; --enable-cfs: the CPU count
     * follows the CFS quota, not only the cpuset.  No --enable-pidfd: it
     * holds one fd per container, and lxcfs runs with 1024 at most. */
    cmd = virCommandNewArgList(binary, "--enable-loadavg", "--enable-cfs", CT_LXCFS_DIR, NULL);
    virCommandDaemonize(cmd);

    /* its only word on why it failed is on stderr; without a log, silence */
    logfd = open(CT_LXCFS_LOG, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (logfd >= 0) {
        virCommandSetOutputFD(cmd, &logfd);
        virCommandSetErrorFD(cmd, &logfd);
    } else {
        VIR_DEBUG("No log for lxcfs: cannot open '%s': %s", CT_LXCFS_LOG, g_strerror(errno));
    }

    return virCommandRun(cmd, NULL);
}

static int
virCTLxcfsWait(void)
{
    virTimeBackOffVar timeout;

    if (virTimeBackOffStart(&timeout, 1, CT_LXCFS_WAIT_MS) < 0)
        return -1;
    while (virTimeBackOffWait(&timeout)) {
        if (virCTLxcfsServing())
            return 0;
    }
    virReportError(VIR_ERR_OPERATION_TIMEOUT,
                   _("lxcfs did not mount '%1$s' within %2$d ms, see '%3$s'"), CT_LXCFS_DIR,
                   CT_LXCFS_WAIT_MS, CT_LXCFS_LOG);
    return -1;
}

/* A killed lxcfs breaks /proc/meminfo & co. in every running container
 * until it restarts, so keep the OOM killer off it, as its unit does. */
static void
virCTLxcfsProtect(void)
{
    g_autofree char *path = NULL;
    pid_t pid;
    int rc;

    if ((rc = virPidFileReadPath(CT_LXCFS_PIDFILE, &pid)) < 0) {
        VIR_WARN("Cannot read the pid of lxcfs from '%s': %s", CT_LXCFS_PIDFILE, g_strerror(-rc));
        return;
    }
    path = g_strdup_printf("/proc/%lld/oom_score_adj", (long long)pid);
    if (virFileWriteStr(path, "-1000", 0) < 0)
        VIR_WARN("Cannot write '%s': %s", path, g_strerror(errno));
}

/* Leaves lxcfs serving at CT_LXCFS_DIR: 0, or -1 with an error. */
static int
virCTLxcfsStart(const char *binary)
{
    if (virCTLxcfsDetachStale() < 0)
        return -1;
    /* one may have come up meanwhile; a second lxcfs would fail on the
     * pid file's lock and, exiting, delete the first one's pid file */
    if (virCTLxcfsServing())
        return 0;
    if (virCTLxcfsSpawn(binary) < 0 || virCTLxcfsWait() < 0)
        return -1;
    virCTLxcfsProtect();
    VIR_INFO("Started %s, serving at %s", binary, CT_LXCFS_DIR);
    return 0;
}

int
virCTLxcfsEnsure(void)
{
    g_autofree char *binary = NULL;

    if (virCTLxcfsServing()) {
        VIR_DEBUG("lxcfs already serves at %s", CT_LXCFS_DIR);
        return 1;
    }
    if (!(binary = virFindFileInPath("lxcfs"))) {
        VIR_WARN("lxcfs is not installed: containers will see the host's /proc/meminfo, "
                 "/proc/cpuinfo, /proc/stat, /proc/uptime, /proc/loadavg and /proc/swaps");
        return 0;
    }

    if (virCTLxcfsStart(binary) < 0) {
        VIR_WARN("Cannot start lxcfs: %s; containers will see the host's /proc figures",
                 virGetLastErrorMessage());
        virResetLastError();
        return 0;
    }
    return 1;
}
