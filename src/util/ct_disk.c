/*
 * ct_disk.c: a container's disk: an ext4 image on a loop device
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include <fcntl.h>
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

/* not in the uapi headers of this distribution */
#ifndef EXT4_IOC_RESIZE_FS
#define EXT4_IOC_RESIZE_FS _IOW('f', 16, __u64)
#endif

#define CT_DISK_BLOCK 4096ULL
#define CT_DISK_INODE_SIZE 256ULL
#define CT_DISK_BYTES_PER_INODE 16384ULL
#define CT_DISK_MIB (1024ULL * 1024ULL)

/* The journal: 1/64 of the disk, between 4 and 128 MiB. */
static unsigned long long
virCTDiskJournalBytes(unsigned long long limit)
{
    return MIN(MAX(limit / 64, 4 * CT_DISK_MIB), 128 * CT_DISK_MIB);
}

/* What ext4 keeps for itself (journal, inode tables, bitmaps and group
 * descriptors with room to grow), so that the image can be made that
 * much larger than the limit.  A low estimate: virCTDiskGrow() adds what
 * is missing from what the mounted file system reports. */
static unsigned long long
virCTDiskOverhead(unsigned long long limit, unsigned long long inodes)
{
    if (!inodes)
        inodes = limit / CT_DISK_BYTES_PER_INODE;
    return virCTDiskJournalBytes(limit) + inodes * CT_DISK_INODE_SIZE + limit / 256;
}

static unsigned long long
virCTDiskRoundUp(unsigned long long bytes)
{
    return VIR_ROUND_UP(bytes, CT_DISK_MIB);
}

int
virCTDiskCreate(const char *path, unsigned long long limit, unsigned long long inodes)
{
    unsigned long long size = virCTDiskRoundUp(limit + virCTDiskOverhead(limit, inodes));
    g_autoptr(virCommand) cmd = NULL;
    g_autofree char *journal = NULL;
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

    journal = g_strdup_printf("size=%llu", virCTDiskJournalBytes(limit) / CT_DISK_MIB);
    cmd = virCommandNewArgList("mkfs.ext4", "-q", "-F", "-b", "4096", "-I", "256", "-m", "0", "-J",
                               journal, "-E", "nodiscard,lazy_itable_init=1,lazy_journal_init=1",
                               NULL);
    if (inodes)
        virCommandAddArgFormat(cmd, "-N%llu", inodes);
    else
        virCommandAddArgFormat(cmd, "-i%llu", CT_DISK_BYTES_PER_INODE);
    virCommandAddArg(cmd, path);
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

static int
virCTDiskMakeDirs(const char *mountpoint)
{
    const char *dirs[] = { "upper", "work" };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(dirs); i++) {
        g_autofree char *dir = g_strdup_printf("%s/%s", mountpoint, dirs[i]);

        if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
            virReportSystemError(errno, _("cannot create '%1$s'"), dir);
            return -1;
        }
    }
    return 0;
}

int
virCTDiskMount(const char *path, const char *mountpoint)
{
    g_autofree char *dev = NULL;
    VIR_AUTOCLOSE lofd = -1;

    if (g_mkdir_with_parents(mountpoint, 0700) < 0) {
        virReportSystemError(errno, _("cannot create '%1$s'"), mountpoint);
        return -1;
    }
    if (virCTDiskIsMounted(mountpoint) > 0)
        return virCTDiskMakeDirs(mountpoint);
    if ((lofd = virFileLoopDeviceAssociate(path, &dev)) < 0)
        return -1;
    if (mount(dev, mountpoint, "ext4", MS_NOSUID | MS_NODEV | MS_NOATIME, NULL) < 0) {
        virReportSystemError(errno, _("cannot mount disk image '%1$s' on '%2$s'"), path,
                             mountpoint);
        return -1;
    }
    /* the loop device is released (autoclear) when the mount goes */
    return virCTDiskMakeDirs(mountpoint);
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
 * the file system resized online. */
static int
virCTDiskGrowTo(const char *path, const char *mountpoint, unsigned long long size)
{
    __u64 blocks = size / CT_DISK_BLOCK;
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
    if (ioctl(dirfd, EXT4_IOC_RESIZE_FS, &blocks) < 0) {
        virReportSystemError(errno, _("cannot grow the file system of '%1$s' to %2$llu bytes"),
                             path, size);
        return -1;
    }
    return 0;
}

int
virCTDiskGrow(const char *path, const char *mountpoint, unsigned long long limit)
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
        /* within 1 MiB: ext4 grows by whole blocks */
        if (usable + CT_DISK_MIB >= limit)
            return 0;
        if (virCTDiskGrowTo(path, mountpoint, virCTDiskRoundUp(sb.st_size + (limit - usable))) < 0)
            return -1;
    }
    VIR_WARN("disk image '%s' still short of %llu bytes after growing", path, limit);
    return 0;
}

int
virCTDiskShrink(const char *path, unsigned long long limit)
{
    g_autoptr(virCommand) fsck = virCommandNewArgList("e2fsck", "-f", "-p", path, NULL);
    g_autoptr(virCommand) resize = NULL;
    g_autofree char *output = NULL;
    unsigned long long size;
    unsigned long long blocks;
    struct stat sb;
    int status;

    if (stat(path, &sb) < 0) {
        virReportSystemError(errno, _("cannot stat '%1$s'"), path);
        return -1;
    }
    /* at least this much; virCTDiskGrow() adds what is missing once mounted */
    size = virCTDiskRoundUp(limit + virCTDiskJournalBytes(limit));
    if (size >= (unsigned long long)sb.st_size)
        return 0;
    blocks = size / CT_DISK_BLOCK;
    /* e2fsck exits 1 when it fixed something: still fine to resize */
    if (virCommandRun(fsck, &status) < 0)
        return -1;
    if (status > 1) {
        virReportError(VIR_ERR_OPERATION_FAILED,
                       _("file system check of '%1$s' failed (e2fsck exit %2$d)"), path, status);
        return -1;
    }
    resize = virCommandNewArgList("resize2fs", path, NULL);
    virCommandAddArgFormat(resize, "%llu", blocks);
    virCommandSetErrorBuffer(resize, &output);
    if (virCommandRun(resize, &status) < 0)
        return -1;
    if (status != 0) {
        virReportError(VIR_ERR_OPERATION_FAILED,
                       _("cannot shrink disk image '%1$s' to %2$llu bytes: %3$s"), path, size,
                       NULLSTR_EMPTY(output));
        return -1;
    }
    if (truncate(path, size) < 0) {
        virReportSystemError(errno, _("cannot truncate '%1$s'"), path);
        return -1;
    }
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
