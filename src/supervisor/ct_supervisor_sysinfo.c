/*
 * ct_supervisor_sysinfo.c: the container's own answer to sysinfo(2)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The figures are the ones LXCFS puts into /proc/meminfo and
 * /proc/uptime, so free(1) gives the same totals whether it reads the
 * file (procps) or asks the kernel (busybox): memory total = the cgroup's
 * limit when it is below the host's RAM, free = limit - usage, swap from
 * the memory+swap limit, processes from pids.current, uptime since the
 * container's init was started.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "ct_cleanup.h"
#include "ct_error.h"
#include "ct_seccomp.h"
#include "ct_supervisor.h"

typedef struct {
    uint64_t total;
    uint64_t free;
} ctSysinfoPair;


static bool
hasFile(const char *dir, const char *name)
{
    char path[4096];

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    return access(path, F_OK) == 0;
}


/* @root + @path when it holds @file, else NULL.  Init runs in a child
 * "init" of the cgroup that carries the limits (ct_cgroup.h): the
 * limits are its parent's. */
static char *
cgroupDir(const char *root, const char *path, const char *file)
{
    size_t len = strlen(path);
    char *dir;

    if (len > 5 && strcmp(path + len - 5, "/init") == 0)
        len -= 5;
    if (asprintf(&dir, "%s%.*s", root, (int)len, path) < 0)
        return NULL;
    if (hasFile(dir, file))
        return dir;
    free(dir);
    return NULL;
}


/* The daemon, not the plan, places init into its cgroups (at the "PID"
 * sync point), so they are looked up in /proc/PID/cgroup at the first
 * question, at the usual mount points of a v1, hybrid or v2 host. */
static void
findCgroups(virCTSupervisor *sup)
{
    char path[64];
    CT_AUTOFREE char *line = NULL;
    size_t len = 0;
    CT_AUTOFCLOSE FILE *fp = NULL;

    snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)sup->pid);
    if (!(fp = fopen(path, "re")))
        return;
    while (getline(&line, &len, fp) > 0) {
        char *ctrl = strchr(line, ':');
        char *cgpath = ctrl ? strchr(ctrl + 1, ':') : NULL;

        if (!cgpath)
            continue;
        *cgpath++ = '\0';
        cgpath[strcspn(cgpath, "\n")] = '\0';
        ctrl++;
        if (strcmp(ctrl, "memory") == 0 && !sup->memoryDir) {
            sup->memoryDir = cgroupDir("/sys/fs/cgroup/memory", cgpath, "memory.limit_in_bytes");
        } else if (strcmp(ctrl, "pids") == 0 && !sup->pidsDir) {
            sup->pidsDir = cgroupDir("/sys/fs/cgroup/pids", cgpath, "pids.current");
        } else if (*ctrl == '\0') {
            if (!sup->memoryDir &&
                (sup->memoryDir = cgroupDir("/sys/fs/cgroup", cgpath, "memory.max")))
                sup->memoryV2 = true;
            if (!sup->pidsDir)
                sup->pidsDir = cgroupDir("/sys/fs/cgroup", cgpath, "pids.current");
        }
    }
}


void
virCTSupervisorSysinfoFindCgroups(virCTSupervisor *sup)
{
    findCgroups(sup);
}


/* A number from a cgroup file; "max" (v2, no limit) is UINT64_MAX.
 * Returns false when the file cannot be read or parsed. */
static bool
readValue(const char *dir, const char *name, uint64_t *value)
{
    char path[4096];
    char buf[64];
    ssize_t n;
    char *end;
    CT_AUTOCLOSE int fd = -1;

    if (!dir)
        return false;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
        return false;
    if ((n = read(fd, buf, sizeof(buf) - 1)) <= 0)
        return false;
    buf[n] = '\0';
    if (strncmp(buf, "max", 3) == 0) {
        *value = UINT64_MAX;
        return true;
    }
    errno = 0;
    *value = strtoull(buf, &end, 10);
    return errno == 0 && end != buf;
}


/* Memory and swap of the cgroup, in bytes; false without a limit below
 * @hostRam (the host's figures stay then). */
static bool
cgroupMemory(virCTSupervisor *sup, uint64_t hostRam, uint64_t hostSwap, ctSysinfoPair *ram,
             ctSysinfoPair *swap)
{
    const char *dir = sup->memoryDir;
    bool v2 = sup->memoryV2;
    uint64_t limit, usage, swLimit, swUsage;

    if (!readValue(dir, v2 ? "memory.max" : "memory.limit_in_bytes", &limit) || limit >= hostRam ||
        !readValue(dir, v2 ? "memory.current" : "memory.usage_in_bytes", &usage))
        return false;
    ram->total = limit;
    ram->free = limit > usage ? limit - usage : 0;

    /* v1 counts memory+swap together, v2 swap alone */
    swap->total = swap->free = 0;
    if (v2 && readValue(dir, "memory.swap.max", &swLimit) &&
        readValue(dir, "memory.swap.current", &swUsage)) {
        swap->total = swLimit < hostSwap ? swLimit : hostSwap;
    } else if (!v2 && readValue(dir, "memory.memsw.limit_in_bytes", &swLimit) &&
               readValue(dir, "memory.memsw.usage_in_bytes", &swUsage)) {
        swLimit = swLimit > limit ? swLimit - limit : 0;
        swUsage = swUsage > usage ? swUsage - usage : 0;
        swap->total = swLimit < hostSwap ? swLimit : hostSwap;
    } else {
        return true;
    }
    swap->free = swap->total > swUsage ? swap->total - swUsage : 0;
    return true;
}


static void
containerSysinfo(virCTSupervisor *sup, struct sysinfo *info)
{
    uint64_t unit, procs;
    ctSysinfoPair ram, swap;
    struct timespec now;

    sysinfo(info);
    if (!sup->memoryDir)
        findCgroups(sup);
    unit = info->mem_unit ? info->mem_unit : 1;
    if (cgroupMemory(sup, info->totalram * unit, info->totalswap * unit, &ram, &swap)) {
        /* bytes fit an unsigned long on the 64-bit ABIs we filter */
        info->mem_unit = 1;
        info->totalram = ram.total;
        info->freeram = ram.free;
        info->sharedram = 0;
        info->bufferram = 0;
        info->totalswap = swap.total;
        info->freeswap = swap.free;
        info->totalhigh = info->freehigh = 0;
    }
    if (readValue(sup->pidsDir, "pids.current", &procs))
        info->procs = procs > 0xffff ? 0xffff : procs;
    clock_gettime(CLOCK_BOOTTIME, &now);
    info->uptime = now.tv_sec - sup->started.tv_sec;
}


void
virCTSupervisorSysinfoHandle(virCTSupervisor *sup)
{
    struct seccomp_notif req;
    struct sysinfo info;
    int err = 0;

    if (virCTSeccompReceive(sup->notifyFd, &req) < 0) {
        if (errno != ENOENT)
            virCTLog("cannot receive a seccomp notification: %s", strerror(errno));
        return;
    }
    if (req.data.nr != __NR_sysinfo) {
        err = ENOSYS; /* the filter sends nothing else */
    } else {
        containerSysinfo(sup, &info);
        err = -virCTSeccompWriteMemory(sup->notifyFd, &req, req.data.args[0], &info, sizeof(info));
    }
    if (virCTSeccompRespond(sup->notifyFd, &req, err) < 0 && errno != ENOENT)
        virCTLog("cannot answer a seccomp notification: %s", strerror(errno));
}
