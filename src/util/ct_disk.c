/*
 * ct_disk.c: a container's disk: an XFS image on a loop device
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include <sys/statvfs.h>

#include <fcntl.h>
#include <linux/fs.h>
#include <linux/loop.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>

#include "ct_disk.h"
#include "vircommand.h"
#include "virerror.h"
#include "virfile.h"
#include "virlog.h"
#include "virstring.h"

#define VIR_FROM_THIS VIR_FROM_NONE

VIR_LOG_INIT("ct.disk");

/* XFS's growfs ioctl (xfs/xfs_fs.h, not installed by default) */
struct virCTDiskXfsGrowData {
    uint64_t newblocks; /* new data subvolume size, in blocks */
    uint32_t imaxpct; /* new inode space percentage limit */
};
#define CT_XFS_IOC_FSGROWFSDATA _IOW('X', 110, struct virCTDiskXfsGrowData)

#define CT_DISK_BLOCK 4096ULL
#define CT_DISK_INODE_SIZE 512ULL
#define CT_DISK_MIB (1024ULL * 1024ULL)
/* mkfs.xfs's own default share of space for inodes below 1 TiB */
#define CT_DISK_DEFAULT_IMAXPCT 25
/* mkfs.xfs refuses smaller file systems as a support policy ... */
#define CT_DISK_XFS_POLICY_MIN (300ULL * CT_DISK_MIB)

/* What XFS keeps for itself (its log, allocation group headers), so the
 * image can be made that much larger than the limit.  A low estimate:
 * virCTDiskGrow() adds what is missing from what the mounted file system
 * reports. */
static unsigned long long
virCTDiskOverhead(unsigned long long limit)
{
    return 4 * CT_DISK_MIB + limit / 64;
}

static unsigned long long
virCTDiskRoundUp(unsigned long long bytes)
{
    return VIR_ROUND_UP(bytes, CT_DISK_MIB);
}

/* XFS caps inodes as a share of the space (imaxpct), not as a count: the
 * least whole percent of @size that holds @inodes. */
static unsigned int
virCTDiskInodePercent(unsigned long long size, unsigned long long inodes)
{
    unsigned long long pct;

    if (!inodes)
        return CT_DISK_DEFAULT_IMAXPCT;
    pct = (inodes * CT_DISK_INODE_SIZE * 100 + size - 1) / size;
    return MAX(1, MIN(pct, 100));
}

int
virCTDiskCreate(const char *path, unsigned long long limit, unsigned long long inodes)
{
    unsigned long long size = virCTDiskRoundUp(limit + virCTDiskOverhead(limit));
    g_autoptr(virCommand) cmd = NULL;
    VIR_AUTOCLOSE fd = -1;

    if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0) {
        virReportSystemError(errno, _("cannot create disk image '%1$s'"), path);
        return -1;
    }
    if (ftruncate(fd, size) < 0) {
        virReportSystemError(errno, _("cannot size disk image '%1$s' to %2$llu bytes"), path, size);
        goto error;
    }
    VIR_FORCE_CLOSE(fd);

    /* -K: a sparse image has nothing to discard */
    cmd = virCommandNewArgList("mkfs.xfs", "-q", "-f", "-K", "-b", "size=4096", "-i", NULL);
    virCommandAddArgFormat(cmd, "size=%llu,maxpct=%u", CT_DISK_INODE_SIZE,
                           virCTDiskInodePercent(size, inodes));
    virCommandAddArg(cmd, path);
    /* ... that its own test suite lifts with these variables: the kernel
     * handles small XFS file systems well, and a container's disk is
     * often smaller than 300 MiB */
    if (size < CT_DISK_XFS_POLICY_MIN) {
        virCommandAddEnvPair(cmd, "TEST_DIR", "/nonexistent");
        virCommandAddEnvPair(cmd, "TEST_DEV", "/nonexistent");
        virCommandAddEnvPair(cmd, "QA_CHECK_FS", "1");
    }
    if (virCommandRun(cmd, NULL) < 0)
        goto error;
    return 0;

 error:
    unlink(path);
    return -1;
}

int
virCTDiskIsMounted(const char *mountpoint)
{
    struct stat sb;
    struct stat parent;
    g_autofree char *up = g_strdup_printf("%s/..", mountpoint);

    if (stat(mountpoint, &sb) < 0)
        return errno == ENOENT ? 0 : -1;
    if (stat(up, &parent) < 0)
        return -1;
    return sb.st_dev != parent.st_dev;
}

/* LOOP_CONFIGURE on a free loop device: 0 (its descriptor in @lofd,
 * name in @dev), 1 when the kernel lacks the ioctl, 2 when another
 * process took the device first, or -1 with an error. */
static int
virCTDiskLoopConfigure(int ctlfd, int imgfd, const char *path, int *lofd, char **dev)
{
    struct loop_config cfg = { .fd = imgfd };
    g_autofree char *name = NULL;
    int num;

    cfg.info.lo_flags = LO_FLAGS_AUTOCLEAR;
    /* informative only: cut to the 64 bytes the kernel keeps */
    g_strlcpy((char *)cfg.info.lo_file_name, path, sizeof(cfg.info.lo_file_name));
    if ((num = ioctl(ctlfd, LOOP_CTL_GET_FREE)) < 0) {
        virReportSystemError(errno, "%s", _("cannot find a free loop device"));
        return -1;
    }
    name = g_strdup_printf("/dev/loop%d", num);
    if ((*lofd = open(name, O_RDWR | O_CLOEXEC)) < 0) {
        virReportSystemError(errno, _("cannot open '%1$s'"), name);
        return -1;
    }
    if (ioctl(*lofd, LOOP_CONFIGURE, &cfg) == 0) {
        *dev = g_steal_pointer(&name);
        return 0;
    }
    VIR_FORCE_CLOSE(*lofd);
    if (errno == EINVAL || errno == ENOTTY)
        return 1;
    if (errno == EBUSY)
        return 2;
    virReportSystemError(errno, _("cannot attach '%1$s' to '%2$s'"), path, name);
    return -1;
}

/* Attaches the open image @imgfd (@path) to a loop device that detaches
 * itself when its last user goes (autoclear).  LOOP_CONFIGURE sets the
 * backing file and autoclear in one step, so a daemon killed at any
 * moment leaves no loop device behind; libvirt's two steps only serve
 * kernels without it (EINVAL, ENOTTY).  Returns the loop device's
 * descriptor, its name in @dev, or -1. */
static int
virCTDiskLoopAttach(int imgfd, const char *path, char **dev)
{
    g_autofree char *alias = NULL;
    VIR_AUTOCLOSE ctlfd = -1;
    int lofd = -1;
    size_t tries = 0;
    int rc;

    if ((ctlfd = open("/dev/loop-control", O_RDWR | O_CLOEXEC)) < 0) {
        virReportSystemError(errno, "%s", _("cannot open '/dev/loop-control'"));
        return -1;
    }
    while ((rc = virCTDiskLoopConfigure(ctlfd, imgfd, path, &lofd, dev)) == 2 && ++tries < 100)
        ;
    if (rc == 0)
        return lofd;
    if (rc == 2)
        virReportSystemError(EBUSY, _("no free loop device for '%1$s'"), path);
    if (rc != 1)
        return -1;
    /* libvirt copies the image's name into the 64 bytes of lo_file_name
     * and refuses a longer path: the loop device gets a short alias of
     * an open descriptor of the image */
    alias = g_strdup_printf("/proc/self/fd/%d", imgfd);
    return virFileLoopDeviceAssociate(alias, dev);
}

/* Loop-mounts the image @path on @mountpoint with the XFS options @opts. */
static int
virCTDiskMountOpts(const char *path, const char *mountpoint, const char *opts)
{
    g_autofree char *dev = NULL;
    g_autofree char *alias = NULL;
    VIR_AUTOCLOSE lofd = -1;
    VIR_AUTOCLOSE imgfd = -1;

    if (g_mkdir_with_parents(mountpoint, 0700) < 0) {
        virReportSystemError(errno, _("cannot create '%1$s'"), mountpoint);
        return -1;
    }
    if (virCTDiskIsMounted(mountpoint) > 0)
        return 0;
    if ((imgfd = open(path, O_RDWR | O_CLOEXEC)) < 0) {
        virReportSystemError(errno, _("cannot open disk image '%1$s'"), path);
        return -1;
    }
    if ((lofd = virCTDiskLoopAttach(imgfd, path, &dev)) < 0)
        return -1;
    if (mount(dev, mountpoint, "xfs", MS_NOSUID | MS_NODEV | MS_NOATIME, opts) < 0) {
        virReportSystemError(errno, _("cannot mount disk image '%1$s' on '%2$s'"), path,
                             mountpoint);
        return -1;
    }
    /* the loop device is released (autoclear) when the mount goes */
    return 0;
}

int
virCTDiskMount(const char *path, const char *mountpoint)
{
    /* nouuid: a copied image must not keep its copy from mounting */
    return virCTDiskMountOpts(path, mountpoint, "nouuid");
}

int
virCTDiskPoolMount(const char *path, const char *mountpoint, unsigned long long size)
{
    int rc;

    if ((rc = virCTDiskIsMounted(mountpoint)) != 0)
        return rc < 0 ? -1 : 0;
    if (!virFileExists(path)) {
        g_autoptr(DIR) dh = NULL;
        struct dirent *ent;

        /* what is there would be hidden under the pool */
        if (virDirOpenIfExists(&dh, mountpoint) < 0)
            return -1;
        if (dh && virDirRead(dh, &ent, mountpoint) > 0) {
            virReportError(
                VIR_ERR_OPERATION_INVALID,
                _("'%1$s' is not empty: the layer pool '%2$s' can only be made for an empty one (move its layers away and back after)"),
                mountpoint, path);
            return -1;
        }
        if (size == 0) {
            g_autofree char *dir = g_path_get_dirname(path);
            struct statvfs sb;

            if (statvfs(dir, &sb) < 0) {
                virReportSystemError(errno, _("cannot stat '%1$s'"), dir);
                return -1;
            }
            /* sparse, it takes what is written; sized within what is
             * free, so that the host's file system does not fill under
             * it (XFS inside would stop) before df inside says full */
            size = (unsigned long long)sb.f_bavail * sb.f_frsize / 10 * 9;
        }
        VIR_INFO("making the layer pool '%s' of %llu bytes for '%s'", path, size, mountpoint);
        if (virCTDiskCreate(path, size, 0) < 0)
            return -1;
    }
    /* discard: what is removed inside is given back to the host */
    return virCTDiskMountOpts(path, mountpoint, "nouuid,discard");
}

int
virCTDiskUnmount(const char *mountpoint)
{
    int rc = virCTDiskIsMounted(mountpoint);

    if (rc <= 0)
        return rc;
    if (umount2(mountpoint, MNT_DETACH) < 0) {
        virReportSystemError(errno, _("cannot unmount '%1$s'"), mountpoint);
        return -1;
    }
    return 0;
}

/* The loop device under @mountpoint, opened for its ioctls. */
static int
virCTDiskOpenLoop(const char *mountpoint)
{
    g_autofree char *sysfs = NULL;
    g_autofree char *target = NULL;
    g_autofree char *dev = NULL;
    struct stat sb;
    int fd;

    if (stat(mountpoint, &sb) < 0) {
        virReportSystemError(errno, _("cannot stat '%1$s'"), mountpoint);
        return -1;
    }
    sysfs = g_strdup_printf("/sys/dev/block/%u:%u", major(sb.st_dev), minor(sb.st_dev));
    if (!(target = g_file_read_link(sysfs, NULL))) {
        virReportSystemError(errno, _("no block device under '%1$s'"), mountpoint);
        return -1;
    }
    dev = g_strdup_printf("/dev/%s", strrchr(target, '/') + 1);
    if (!STRPREFIX(dev, "/dev/loop")) {
        virReportError(VIR_ERR_OPERATION_INVALID, _("'%1$s' is not on a loop device but '%2$s'"),
                       mountpoint, dev);
        return -1;
    }
    if ((fd = open(dev, O_RDONLY | O_CLOEXEC)) < 0)
        virReportSystemError(errno, _("cannot open '%1$s'"), dev);
    return fd;
}

/* One step of a grow: the image to @size bytes, the loop device told,
 * the file system grown online (XFS needs only CAP_SYS_ADMIN for that,
 * where ext4 would need CAP_SYS_RESOURCE, which hosts may withhold). */
static int
virCTDiskGrowTo(const char *path, const char *mountpoint, unsigned long long size,
                unsigned long long inodes)
{
    struct virCTDiskXfsGrowData grow = { size / CT_DISK_BLOCK,
                                         virCTDiskInodePercent(size, inodes) };
    VIR_AUTOCLOSE lofd = -1;
    VIR_AUTOCLOSE dirfd = -1;

    if (truncate(path, size) < 0) {
        virReportSystemError(errno, _("cannot grow disk image '%1$s' to %2$llu bytes"), path, size);
        return -1;
    }
    if ((lofd = virCTDiskOpenLoop(mountpoint)) < 0)
        return -1;
    if (ioctl(lofd, LOOP_SET_CAPACITY, 0) < 0) {
        virReportSystemError(errno, _("cannot resize the loop device of '%1$s'"), path);
        return -1;
    }
    if ((dirfd = open(mountpoint, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
        virReportSystemError(errno, _("cannot open '%1$s'"), mountpoint);
        return -1;
    }
    if (ioctl(dirfd, CT_XFS_IOC_FSGROWFSDATA, &grow) < 0) {
        virReportSystemError(errno, _("cannot grow the file system of '%1$s' to %2$llu bytes"),
                             path, size);
        return -1;
    }
    return 0;
}

int
virCTDiskGrow(const char *path, const char *mountpoint, unsigned long long limit,
              unsigned long long inodes)
{
    size_t attempt;

    /* the overhead of new block groups is only known once they exist */
    for (attempt = 0; attempt < 4; attempt++) {
        struct statfs sf;
        struct stat sb;
        unsigned long long usable;

        if (statfs(mountpoint, &sf) < 0 || stat(path, &sb) < 0) {
            virReportSystemError(errno, _("cannot query disk image '%1$s'"), path);
            return -1;
        }
        usable = (unsigned long long)sf.f_blocks * sf.f_bsize;
        /* within 1 MiB: good enough, and a grow is by whole blocks */
        if (usable + CT_DISK_MIB >= limit)
            return 0;
        if (virCTDiskGrowTo(path, mountpoint, virCTDiskRoundUp(sb.st_size + (limit - usable)),
                            inodes) < 0)
            return -1;
    }
    VIR_WARN("disk image '%s' still short of %llu bytes after growing", path, limit);
    return 0;
}

int
virCTDiskGetUsage(const char *path, const char *mountpoint, virCTDiskUsage *usage)
{
    struct statfs sf;
    struct stat sb;

    if (statfs(mountpoint, &sf) < 0) {
        virReportSystemError(errno, _("cannot query the file system on '%1$s'"), mountpoint);
        return -1;
    }
    if (stat(path, &sb) < 0) {
        virReportSystemError(errno, _("cannot stat '%1$s'"), path);
        return -1;
    }
    usage->capacity = (unsigned long long)sf.f_blocks * sf.f_bsize;
    usage->used = (unsigned long long)(sf.f_blocks - sf.f_bfree) * sf.f_bsize;
    usage->inodes = sf.f_files;
    usage->inodesUsed = sf.f_files - sf.f_ffree;
    usage->physical = (unsigned long long)sb.st_blocks * 512;
    return 0;
}

int
virCTDiskSetFrozen(const char *mountpoint, bool frozen)
{
    VIR_AUTOCLOSE fd = open(mountpoint, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (fd < 0)
        return -1;
    return ioctl(fd, frozen ? FIFREEZE : FITHAW, 0);
}
