/*
 * ctcgroupmock.c: a fake cgroup file system for unit tests (LD_PRELOAD)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * With CT_CGROUP_MOCK_ROOT=ROOT in the environment, the files libvirt's
 * cgroup code and ours look at are served from ROOT: /sys/fs/cgroup/...
 * from ROOT/sys/fs/cgroup/..., /proc/mounts and the process's own
 * cgroup, mounts and mountinfo from ROOT/proc/self/, and /proc/cgroups
 * from ROOT/proc/cgroups.  Without it every call goes straight to libc.
 *
 * The interposed calls are the ones libvirt 9.0 (vircgroup*.c, virfile.c)
 * and GLib make on those paths: fopen64 (/proc/mounts, /proc/self/cgroup,
 * /proc/cgroups), setmntent (glibc opens the file without going through
 * the PLT), open64 and __open64_2 (virFileReadAll, virFileWriteStr, the
 * BPF probe of the v2 mount point), access (virFileExists), stat64 and
 * lstat64 (virFileIsDir, g_mkdir_with_parents, block device numbers),
 * mkdir, rmdir, opendir; write and close complete open: a cgroup file
 * system is no plain one, so what the kernel does by itself is done here:
 *  - mkdir of a cgroup fills it with its hierarchy's files, copied from
 *    ROOT/templates/MOUNTPOINT/ (cgroup v2: the core files there, plus
 *    those of ROOT/templates/MOUNTPOINT/CONTROLLER/ for every controller
 *    the parent lists in cgroup.subtree_control);
 *  - a write replaces a file's content, except where the kernel merges
 *    or normalises (see mockWriteRules);
 *  - writing our pid to a cgroup.procs (v1: tasks) moves us in
 *    /proc/self/cgroup.
 * The 32-bit-offset twins (open, fopen, stat...) are covered too, for
 * callers built without _FILE_OFFSET_BITS=64.  Nothing here is
 * thread-safe: the tests are single-threaded.
 *
 * stat() of /dev/ct-mock-disk reports a block device 8:16.
 */

#define _GNU_SOURCE
#undef _FILE_OFFSET_BITS
#undef _FORTIFY_SOURCE

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mntent.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define CGROUP_TOP "/sys/fs/cgroup"
#define MOCK_DISK "/dev/ct-mock-disk"
#define MOCK_MAX_FD 1024
#define MOCK_MAX_VALUE 65536

int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);

#define REAL(name) static __typeof__(name) *real_##name
#define LOAD(name)                                 \
    do {                                           \
        if (!real_##name)                          \
            real_##name = dlsym(RTLD_NEXT, #name); \
    } while (0)

REAL(open);
REAL(open64);
REAL(openat);
REAL(openat64);
REAL(fopen);
REAL(fopen64);
REAL(setmntent);
REAL(access);
REAL(stat);
REAL(stat64);
REAL(lstat);
REAL(lstat64);
REAL(mkdir);
REAL(rmdir);
REAL(opendir);
REAL(write);
REAL(close);

/* cgroup files open for writing: fd -> the path the caller gave */
static char *mockTracked[MOCK_MAX_FD];

typedef enum {
    MOCK_REAL, /* not ours */
    MOCK_CGROUP, /* below /sys/fs/cgroup */
    MOCK_PROC, /* a /proc file */
} mockKind;

/* snprintf() that says whether all of it fit */
static bool __attribute__((format(printf, 3, 4)))
mockFormat(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n >= 0 && (size_t)n < size;
}

static const char *
mockRoot(void)
{
    const char *root = getenv("CT_CGROUP_MOCK_ROOT");

    return root && *root ? root : NULL;
}

static bool
mockIsUnder(const char *path, const char *top)
{
    size_t len = strlen(top);

    return strncmp(path, top, len) == 0 && (path[len] == '\0' || path[len] == '/');
}

/* @path without repeated or trailing slashes, in @buf (PATH_MAX bytes) */
static char *
mockNormalize(const char *path, char *buf)
{
    size_t len = 0;

    for (; *path && len < PATH_MAX - 1; path++) {
        if (*path != '/' || !len || buf[len - 1] != '/')
            buf[len++] = *path;
    }
    while (len > 1 && buf[len - 1] == '/')
        len--;
    buf[len] = '\0';
    return buf;
}

/* The file below /proc/self/ that @path names, if it is one we fake. */
static const char *
mockProcSelfFile(const char *path)
{
    static const char *const files[] = { "cgroup", "mounts", "mountinfo" };
    char pidDir[32];
    const char *rest = NULL;
    size_t i;

    mockFormat(pidDir, sizeof(pidDir), "/proc/%d/", (int)getpid());
    if (strcmp(path, "/proc/mounts") == 0)
        return "mounts";
    if (strncmp(path, "/proc/self/", strlen("/proc/self/")) == 0)
        rest = path + strlen("/proc/self/");
    else if (strncmp(path, pidDir, strlen(pidDir)) == 0)
        rest = path + strlen(pidDir);
    for (i = 0; rest && i < sizeof(files) / sizeof(files[0]); i++) {
        if (strcmp(rest, files[i]) == 0)
            return files[i];
    }
    return NULL;
}

/* Where @path really is: @buf (PATH_MAX bytes) for a faked one.  A fake
 * path too long for @buf is cut, but still lies below the mock root. */
static mockKind
mockPath(const char *path, char *buf, const char **out)
{
    const char *root = mockRoot();
    const char *self;

    *out = path;
    if (!root || !path)
        return MOCK_REAL;
    *out = buf;
    if (mockIsUnder(path, CGROUP_TOP)) {
        mockFormat(buf, PATH_MAX, "%s%s", root, path);
        return MOCK_CGROUP;
    }
    if (strcmp(path, "/proc/cgroups") == 0) {
        mockFormat(buf, PATH_MAX, "%s/proc/cgroups", root);
        return MOCK_PROC;
    }
    if ((self = mockProcSelfFile(path))) {
        mockFormat(buf, PATH_MAX, "%s/proc/self/%s", root, self);
        return MOCK_PROC;
    }
    *out = path;
    return MOCK_REAL;
}

static bool
mockIsDisk(const char *path)
{
    return mockRoot() && path && strcmp(path, MOCK_DISK) == 0;
}

static void
mockFakeDisk(struct stat64 *sb)
{
    memset(sb, 0, sizeof(*sb));
    sb->st_mode = S_IFBLK | 0660;
    sb->st_rdev = makedev(8, 16);
}


/* ---- small file helpers, on real paths, through the real calls ---- */

/* The content of @path without its trailing newline, or NULL. */
static char *
mockReadFile(const char *path)
{
    char *buf;
    ssize_t n;
    int fd;

    LOAD(open);
    LOAD(close);
    if ((fd = real_open(path, O_RDONLY)) < 0)
        return NULL;
    buf = calloc(1, MOCK_MAX_VALUE);
    n = buf ? read(fd, buf, MOCK_MAX_VALUE - 1) : -1;
    real_close(fd);
    if (n < 0) {
        free(buf);
        return NULL;
    }
    while (n > 0 && buf[n - 1] == '\n')
        buf[--n] = '\0';
    return buf;
}

/* Replaces the content of @path by @value and a newline, as the kernel
 * shows it; an empty value leaves the file empty. */
static int
mockWriteFile(const char *path, const char *value, int flags)
{
    size_t len = strlen(value);
    int fd, ret = 0;

    LOAD(open);
    LOAD(write);
    LOAD(close);
    if ((fd = real_open(path, O_WRONLY | O_CREAT | O_TRUNC | flags, 0644)) < 0)
        return -1;
    if ((len && real_write(fd, value, len) != (ssize_t)len) ||
        (len && real_write(fd, "\n", 1) != 1))
        ret = -1;
    real_close(fd);
    return ret;
}

/* Copies the regular files of @src into @dst, keeping existing ones. */
static void
mockCopyFiles(const char *src, const char *dst)
{
    char from[PATH_MAX], to[PATH_MAX];
    struct dirent *ent;
    DIR *dh;

    LOAD(opendir);
    if (!(dh = real_opendir(src)))
        return;
    while ((ent = readdir(dh))) {
        char *value;

        if (ent->d_type != DT_REG)
            continue;
        mockFormat(from, sizeof(from), "%s/%s", src, ent->d_name);
        mockFormat(to, sizeof(to), "%s/%s", dst, ent->d_name);
        if ((value = mockReadFile(from))) {
            mockWriteFile(to, value, O_EXCL);
            free(value);
        }
    }
    closedir(dh);
}

/* Removes from @dst the files @src has. */
static void
mockRemoveFiles(const char *src, const char *dst)
{
    char to[PATH_MAX];
    struct dirent *ent;
    DIR *dh;

    LOAD(opendir);
    if (!(dh = real_opendir(src)))
        return;
    while ((ent = readdir(dh))) {
        if (ent->d_type != DT_REG)
            continue;
        mockFormat(to, sizeof(to), "%s/%s", dst, ent->d_name);
        unlink(to);
    }
    closedir(dh);
}


/* ---- the hierarchies, from the fake /proc/self/mounts ---- */

typedef struct {
    char dir[PATH_MAX]; /* the mount point, as the process sees it */
    char type[32];
    char opts[256];
} mockMount;

/* The cgroup hierarchy @path (as the process sees it) lies in. */
static int
mockFindMount(const char *path, mockMount *mnt)
{
    char file[PATH_MAX], buf[4096];
    struct mntent ent;
    size_t best = 0;
    FILE *fp;

    LOAD(fopen);
    mockFormat(file, sizeof(file), "%s/proc/self/mounts", mockRoot());
    if (!(fp = real_fopen(file, "r")))
        return -1;
    while (getmntent_r(fp, &ent, buf, sizeof(buf))) {
        size_t len = strlen(ent.mnt_dir);

        if (strcmp(ent.mnt_type, "cgroup") && strcmp(ent.mnt_type, "cgroup2"))
            continue;
        if (!mockIsUnder(path, ent.mnt_dir) || len <= best)
            continue;
        best = len;
        mockFormat(mnt->dir, sizeof(mnt->dir), "%s", ent.mnt_dir);
        mockFormat(mnt->type, sizeof(mnt->type), "%s", ent.mnt_type);
        mockFormat(mnt->opts, sizeof(mnt->opts), "%s", ent.mnt_opts);
    }
    fclose(fp);
    return best ? 0 : -1;
}

static bool
mockIsCgroup2(const mockMount *mnt)
{
    return strcmp(mnt->type, "cgroup2") == 0;
}

/* ROOT/templates/MOUNTPOINT[/CONTROLLER] */
static void
mockTemplateDir(const mockMount *mnt, const char *controller, char *buf)
{
    mockFormat(buf, PATH_MAX, "%s/templates%s%s%s", mockRoot(), mnt->dir, controller ? "/" : "",
               controller ? controller : "");
}

/* Is @word one of the words of @list, separated by any of @seps? */
static bool
mockHasWord(const char *list, const char *word, const char *seps)
{
    size_t len = strlen(word);
    const char *p = list;

    while (*p) {
        size_t n = strcspn(p, seps);

        if (n == len && strncmp(p, word, len) == 0)
            return true;
        p += n;
        p += strspn(p, seps);
    }
    return false;
}

/* A new cgroup @path (as the process sees it), at @fake: the files the
 * kernel gives it. */
static void
mockPopulateCgroup(const char *dir, const char *fakeDir)
{
    char tmpl[PATH_MAX], parent[PATH_MAX], file[PATH_MAX], path[PATH_MAX], fake[PATH_MAX];
    char *subtree, *tok, *save = NULL;
    mockMount mnt;

    mockNormalize(dir, path);
    mockNormalize(fakeDir, fake);
    if (mockFindMount(path, &mnt) < 0 || strcmp(path, mnt.dir) == 0)
        return;
    mockTemplateDir(&mnt, NULL, tmpl);
    mockCopyFiles(tmpl, fake);
    if (!mockIsCgroup2(&mnt))
        return;
    mockFormat(parent, sizeof(parent), "%s", fake);
    *strrchr(parent, '/') = '\0';
    mockFormat(file, sizeof(file), "%s/cgroup.subtree_control", parent);
    if (!(subtree = mockReadFile(file)))
        return;
    mockFormat(file, sizeof(file), "%s/cgroup.controllers", fake);
    mockWriteFile(file, subtree, 0);
    for (tok = strtok_r(subtree, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        mockTemplateDir(&mnt, tok, tmpl);
        mockCopyFiles(tmpl, fake);
    }
    free(subtree);
}


/* ---- what the kernel does with a write ---- */

typedef struct {
    const char *path; /* as the process sees it */
    const char *fake; /* where it is */
    const char *old; /* the current content */
    const char *data; /* what is written, without a trailing newline */
    char *out; /* the new content, MOCK_MAX_VALUE bytes */
} mockWrite;

/* The line of @text whose first word is @key, or NULL. */
static const char *
mockFindLine(const char *text, const char *key)
{
    size_t len = strlen(key);
    const char *p = text;

    while (p && *p) {
        if (strncmp(p, key, len) == 0 && (p[len] == ' ' || p[len] == '\n' || !p[len]))
            return p;
        if ((p = strchr(p, '\n')))
            p++;
    }
    return NULL;
}

/* @w->old with the line keyed like @line replaced by it (@line NULL:
 * removed), or @line appended. */
static void
mockReplaceLine(mockWrite *w, const char *key, const char *line)
{
    const char *at = mockFindLine(w->old, key);
    const char *end = at ? at + strcspn(at, "\n") : NULL;

    if (!at) {
        mockFormat(w->out, MOCK_MAX_VALUE, "%s%s%s", w->old, *w->old && line ? "\n" : "",
                   line ? line : "");
        return;
    }
    if (!line && *end == '\n')
        end++;
    else if (!line && at > w->old)
        at--; /* the last line goes with the newline before it */
    mockFormat(w->out, MOCK_MAX_VALUE, "%.*s%s%s", (int)(at - w->old), w->old, line ? line : "",
               end);
}

/* "MAJ:MIN VALUE" files (v1 blkio.weight_device and throttles, v2
 * io.weight with its "default VALUE" line): one line per key; in v1 a
 * value of 0 removes the rule. */
static int
mockRuleKeyed(mockWrite *w)
{
    char key[64];
    const char *value = w->data + strcspn(w->data, " ");

    if (!*value || value - w->data >= (int)sizeof(key))
        return EINVAL;
    mockFormat(key, sizeof(key), "%.*s", (int)(value - w->data), w->data);
    value += strspn(value, " ");
    mockReplaceLine(w, key, strcmp(value, "0") == 0 ? NULL : w->data);
    return 0;
}

/* v2 io.max: "MAJ:MIN rbps=.. wbps=.. riops=.. wiops=..", the keys not
 * written keep their value; a device without limits has no line. */
static int
mockRuleIoMax(mockWrite *w)
{
    static const char *const keys[] = { "rbps", "wbps", "riops", "wiops" };
    char values[4][32] = { "max", "max", "max", "max" };
    char key[64], line[256], *dup, *tok, *save = NULL;
    const char *old;
    size_t i, len = strcspn(w->data, " ");
    bool limited = false;
    int pass, ret = 0;

    if (!w->data[len] || len >= sizeof(key))
        return EINVAL;
    mockFormat(key, sizeof(key), "%.*s", (int)len, w->data);
    old = mockFindLine(w->old, key);
    for (pass = 0; pass < 2 && !ret; pass++) {
        const char *src = pass ? w->data : old;

        if (!src)
            continue;
        dup = strndup(src, strcspn(src, "\n"));
        strtok_r(dup, " ", &save);
        while (!ret && (tok = strtok_r(NULL, " ", &save))) {
            char *eq = strchr(tok, '=');

            for (i = 0; eq && i < 4; i++) {
                if (strncmp(tok, keys[i], eq - tok) == 0 && strlen(keys[i]) == (size_t)(eq - tok))
                    break;
            }
            if (!eq || i == 4)
                ret = EINVAL;
            else
                mockFormat(values[i], sizeof(values[i]), "%s", eq + 1);
        }
        free(dup);
    }
    if (ret)
        return ret;
    for (i = 0; i < 4; i++)
        limited |= strcmp(values[i], "max") != 0;
    mockFormat(line, sizeof(line), "%s rbps=%s wbps=%s riops=%s wiops=%s", key, values[0],
               values[1], values[2], values[3]);
    mockReplaceLine(w, key, limited ? line : NULL);
    return 0;
}

/* v2 cpu.max: "QUOTA [PERIOD]", the period kept when not given. */
static int
mockRuleCpuMax(mockWrite *w)
{
    const char *period = strchr(w->data, ' ');
    const char *oldPeriod = strchr(w->old, ' ');

    if (period)
        mockFormat(w->out, MOCK_MAX_VALUE, "%s", w->data);
    else
        mockFormat(w->out, MOCK_MAX_VALUE, "%s%s", w->data, oldPeriod ? oldPeriod : " 100000");
    return 0;
}

/* v1 memory limits: bytes rounded down to pages, -1 the largest; the
 * memory limit may never exceed memory+swap. */
static int
mockRuleMemory(mockWrite *w)
{
    static const unsigned long long unlimited = 9223372036854771712ULL;
    bool memsw = strstr(w->path, "/memory.memsw.") != NULL;
    bool limit = memsw || strstr(w->path, "/memory.limit_in_bytes");
    char other[PATH_MAX], *text, *end;
    unsigned long long value, bound;

    if (strcmp(w->data, "-1") == 0) {
        value = unlimited;
    } else {
        errno = 0;
        value = strtoull(w->data, &end, 10);
        if (errno || *end || end == w->data)
            return EINVAL;
        value = value > unlimited ? unlimited : value & ~4095ULL;
    }
    mockFormat(other, sizeof(other), "%s", w->fake);
    *strrchr(other, '/') = '\0';
    strncat(other, memsw ? "/memory.limit_in_bytes" : "/memory.memsw.limit_in_bytes",
            sizeof(other) - strlen(other) - 1);
    if (limit && (text = mockReadFile(other))) {
        bound = strtoull(text, NULL, 10);
        free(text);
        if (memsw ? value < bound : value > bound)
            return EINVAL;
    }
    mockFormat(w->out, MOCK_MAX_VALUE, "%llu", value);
    return 0;
}

/* Adds or removes @controller's files in the children of the cgroup @fake. */
static void
mockUpdateChildren(const mockMount *mnt, const char *fake, const char *controller, bool add,
                   const char *controllers)
{
    char tmpl[PATH_MAX], child[PATH_MAX], file[PATH_MAX];
    struct dirent *ent;
    DIR *dh;

    LOAD(opendir);
    mockTemplateDir(mnt, controller, tmpl);
    if (!(dh = real_opendir(fake)))
        return;
    while ((ent = readdir(dh))) {
        if (ent->d_type != DT_DIR || ent->d_name[0] == '.')
            continue;
        mockFormat(child, sizeof(child), "%s/%s", fake, ent->d_name);
        mockFormat(file, sizeof(file), "%s/cgroup.controllers", child);
        mockWriteFile(file, controllers, 0);
        if (add)
            mockCopyFiles(tmpl, child);
        else
            mockRemoveFiles(tmpl, child);
    }
    closedir(dh);
}

/* v2 cgroup.subtree_control: "+CTRL -CTRL..." for controllers the cgroup
 * has, listed in the order of the top's cgroup.controllers; the children
 * get or lose the controllers' files. */
static int
mockRuleSubtree(mockWrite *w)
{
    char dir[PATH_MAX], file[PATH_MAX], top[PATH_MAX];
    char *have, *all, *dup, *tok, *save = NULL;
    mockMount mnt;
    int ret = 0;

    if (mockFindMount(w->path, &mnt) < 0 || !mockIsCgroup2(&mnt))
        return ENOENT;
    mockNormalize(w->fake, dir);
    *strrchr(dir, '/') = '\0';
    mockFormat(file, sizeof(file), "%s/cgroup.controllers", dir);
    mockFormat(top, sizeof(top), "%s%s/cgroup.controllers", mockRoot(), mnt.dir);
    have = mockReadFile(file);
    all = mockReadFile(top);
    dup = strdup(w->data);
    for (tok = strtok_r(dup, " ", &save); have && all && dup && tok && !ret;
         tok = strtok_r(NULL, " ", &save)) {
        if ((*tok != '+' && *tok != '-') || !mockHasWord(have, tok + 1, " "))
            ret = *tok == '+' || *tok == '-' ? ENOENT : EINVAL;
    }
    if (!have || !all || !dup)
        ret = ENOENT;
    if (!ret) {
        char *word, *save2 = NULL;
        size_t len = 0;

        w->out[0] = '\0';
        for (word = strtok_r(all, " ", &save2); word; word = strtok_r(NULL, " ", &save2)) {
            char plus[64], minus[64];
            bool on;

            mockFormat(plus, sizeof(plus), "+%s", word);
            mockFormat(minus, sizeof(minus), "-%s", word);
            on = mockHasWord(w->data, plus, " ") ||
                 (mockHasWord(w->old, word, " ") && !mockHasWord(w->data, minus, " "));
            if (on)
                len += snprintf(w->out + len, MOCK_MAX_VALUE - len, "%s%s", len ? " " : "", word);
        }
        free(dup);
        dup = strdup(w->data);
        for (tok = strtok_r(dup, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
            mockUpdateChildren(&mnt, dir, tok + 1, *tok == '+', w->out);
    }
    free(have);
    free(all);
    free(dup);
    return ret;
}

/* Is the /proc/self/cgroup line with @controllers ("cpu", "name=systemd",
 * "" for cgroup v2) the one of hierarchy @mnt? */
static bool
mockIsHierarchyLine(const mockMount *mnt, const char *controllers)
{
    char *dup, *c, *save = NULL;
    bool ours;

    if (mockIsCgroup2(mnt) || !*controllers)
        return mockIsCgroup2(mnt) && !*controllers;
    if (!(dup = strdup(controllers)))
        return false;
    ours = true;
    for (c = strtok_r(dup, ",", &save); c; c = strtok_r(NULL, ",", &save))
        ours &= mockHasWord(mnt->opts, c, ",");
    free(dup);
    return ours;
}

/* Our pid into a cgroup.procs: we are in that cgroup now, in the line of
 * /proc/self/cgroup for its hierarchy ("ID:CONTROLLERS:PATH"). */
static int
mockRuleProcs(mockWrite *w)
{
    char file[PATH_MAX], dir[PATH_MAX], pid[32];
    char *text, *result, *line, *save = NULL;
    size_t len = 0;
    mockMount mnt;

    mockFormat(pid, sizeof(pid), "%d", (int)getpid());
    if (strcmp(w->data, pid) != 0 || mockFindMount(w->path, &mnt) < 0)
        return 0;
    mockNormalize(w->path + strlen(mnt.dir), dir);
    *strrchr(dir, '/') = '\0';
    mockFormat(file, sizeof(file), "%s/proc/self/cgroup", mockRoot());
    text = mockReadFile(file);
    result = calloc(1, MOCK_MAX_VALUE);
    for (line = text ? strtok_r(text, "\n", &save) : NULL; result && line;
         line = strtok_r(NULL, "\n", &save)) {
        char *ctrls = strchr(line, ':');
        char *where = ctrls ? strchr(ctrls + 1, ':') : NULL;

        if (where) {
            *where++ = '\0';
            if (mockIsHierarchyLine(&mnt, ctrls + 1))
                where = *dir ? dir : "/";
            len += snprintf(result + len, MOCK_MAX_VALUE - len, "%s:%s\n", line, where);
        }
    }
    if (result && len) {
        result[len - 1] = '\0';
        mockWriteFile(file, result, 0);
    }
    free(result);
    free(text);
    return 0;
}

typedef int (*mockWriteRule)(mockWrite *w);

static const struct {
    const char *file;
    mockWriteRule rule;
} mockWriteRules[] = {
    { "cgroup.procs", mockRuleProcs },
    { "tasks", mockRuleProcs }, /* v1: libvirt moves a process by its main thread */
    { "cgroup.subtree_control", mockRuleSubtree },
    { "cpu.max", mockRuleCpuMax },
    { "io.max", mockRuleIoMax },
    { "io.weight", mockRuleKeyed },
    { "io.bfq.weight", mockRuleKeyed },
    { "blkio.weight_device", mockRuleKeyed },
    { "blkio.bfq.weight_device", mockRuleKeyed },
    { "blkio.throttle.read_bps_device", mockRuleKeyed },
    { "blkio.throttle.write_bps_device", mockRuleKeyed },
    { "blkio.throttle.read_iops_device", mockRuleKeyed },
    { "blkio.throttle.write_iops_device", mockRuleKeyed },
    { "memory.limit_in_bytes", mockRuleMemory },
    { "memory.memsw.limit_in_bytes", mockRuleMemory },
    { "memory.soft_limit_in_bytes", mockRuleMemory },
};

/* A write of @count bytes to the cgroup file @path open on @fd. */
static ssize_t
mockCgroupWrite(int fd, const char *path, const void *buf, size_t count)
{
    char fake[PATH_MAX];
    const char *where;
    const char *name = strrchr(path, '/') + 1;
    mockWrite w = { .path = path };
    char *old = NULL, *data = strndup(buf, count), *out = calloc(1, MOCK_MAX_VALUE);
    size_t i, len;
    int err = ENOMEM;

    mockPath(path, fake, &where);
    w.fake = where;
    if (data && out && (old = mockReadFile(where))) {
        len = strlen(data);
        while (len && data[len - 1] == '\n')
            data[--len] = '\0';
        w.old = old;
        w.data = data;
        w.out = out;
        mockFormat(out, MOCK_MAX_VALUE, "%s", data);
        err = 0;
        for (i = 0; i < sizeof(mockWriteRules) / sizeof(mockWriteRules[0]); i++) {
            if (strcmp(name, mockWriteRules[i].file) == 0)
                err = mockWriteRules[i].rule(&w);
        }
    }
    if (!err) {
        len = strlen(out);
        if (len)
            out[len++] = '\n';
        if (ftruncate(fd, 0) < 0 || pwrite(fd, out, len, 0) != (ssize_t)len)
            err = errno;
    }
    free(data);
    free(old);
    free(out);
    if (err) {
        errno = err;
        return -1;
    }
    return count;
}


/* ---- the interposed calls ---- */

/* After a real open of @path at @fake: cgroup files open for writing are
 * written through mockCgroupWrite. */
static int
mockOpened(int fd, mockKind kind, const char *path)
{
    if (fd < 0 || fd >= MOCK_MAX_FD)
        return fd;
    free(mockTracked[fd]);
    mockTracked[fd] = kind == MOCK_CGROUP ? strdup(path) : NULL;
    return fd;
}

/* A cgroup file open for writing is not truncated by the open: the
 * write decides what the file holds afterwards. */
static int
mockOpenFlags(mockKind kind, int flags)
{
    if (kind == MOCK_CGROUP && (flags & O_ACCMODE) != O_RDONLY)
        flags &= ~(O_TRUNC | O_APPEND);
    return flags;
}

#define MOCK_OPEN_MODE(flags, mode)              \
    do {                                         \
        if ((flags) & (O_CREAT | __O_TMPFILE)) { \
            va_list ap;                          \
            va_start(ap, flags);                 \
            mode = va_arg(ap, int);              \
            va_end(ap);                          \
        }                                        \
    } while (0)

static int
mockOpen(int (*fn)(const char *, int, ...), const char *path, int flags, mode_t mode)
{
    char buf[PATH_MAX];
    const char *where;
    mockKind kind = mockPath(path, buf, &where);
    bool writing = (flags & O_ACCMODE) != O_RDONLY;

    return mockOpened(fn(where, mockOpenFlags(kind, flags), mode), writing ? kind : MOCK_REAL,
                      path);
}

int
open(const char *path, int flags, ...)
{
    mode_t mode = 0;

    MOCK_OPEN_MODE(flags, mode);
    LOAD(open);
    return mockOpen(real_open, path, flags, mode);
}

int
open64(const char *path, int flags, ...)
{
    mode_t mode = 0;

    MOCK_OPEN_MODE(flags, mode);
    LOAD(open64);
    return mockOpen(real_open64, path, flags, mode);
}

int
__open_2(const char *path, int flags)
{
    LOAD(open);
    return mockOpen(real_open, path, flags, 0);
}

int
__open64_2(const char *path, int flags)
{
    LOAD(open64);
    return mockOpen(real_open64, path, flags, 0);
}

int
openat(int dirfd, const char *path, int flags, ...)
{
    char buf[PATH_MAX];
    const char *where = path;
    mockKind kind = MOCK_REAL;
    mode_t mode = 0;

    MOCK_OPEN_MODE(flags, mode);
    LOAD(openat);
    if (path[0] == '/')
        kind = mockPath(path, buf, &where);
    return mockOpened(real_openat(dirfd, where, mockOpenFlags(kind, flags), mode),
                      (flags & O_ACCMODE) != O_RDONLY ? kind : MOCK_REAL, path);
}

int
openat64(int dirfd, const char *path, int flags, ...)
{
    char buf[PATH_MAX];
    const char *where = path;
    mockKind kind = MOCK_REAL;
    mode_t mode = 0;

    MOCK_OPEN_MODE(flags, mode);
    LOAD(openat64);
    if (path[0] == '/')
        kind = mockPath(path, buf, &where);
    return mockOpened(real_openat64(dirfd, where, mockOpenFlags(kind, flags), mode),
                      (flags & O_ACCMODE) != O_RDONLY ? kind : MOCK_REAL, path);
}

ssize_t
write(int fd, const void *buf, size_t count)
{
    LOAD(write);
    if (fd >= 0 && fd < MOCK_MAX_FD && mockTracked[fd])
        return mockCgroupWrite(fd, mockTracked[fd], buf, count);
    return real_write(fd, buf, count);
}

int
close(int fd)
{
    LOAD(close);
    if (fd >= 0 && fd < MOCK_MAX_FD && mockTracked[fd]) {
        free(mockTracked[fd]);
        mockTracked[fd] = NULL;
    }
    return real_close(fd);
}

FILE *
fopen(const char *path, const char *mode)
{
    char buf[PATH_MAX];
    const char *where;

    LOAD(fopen);
    mockPath(path, buf, &where);
    return real_fopen(where, mode);
}

FILE *
fopen64(const char *path, const char *mode)
{
    char buf[PATH_MAX];
    const char *where;

    LOAD(fopen64);
    mockPath(path, buf, &where);
    return real_fopen64(where, mode);
}

FILE *
setmntent(const char *path, const char *mode)
{
    char buf[PATH_MAX];
    const char *where;

    LOAD(setmntent);
    mockPath(path, buf, &where);
    return real_setmntent(where, mode);
}

int
access(const char *path, int mode)
{
    char buf[PATH_MAX];
    const char *where;

    LOAD(access);
    if (mockIsDisk(path))
        return 0;
    mockPath(path, buf, &where);
    return real_access(where, mode);
}

int
stat(const char *path, struct stat *sb)
{
    char buf[PATH_MAX];
    const char *where;

    LOAD(stat);
    if (mockIsDisk(path)) {
        mockFakeDisk((struct stat64 *)sb);
        return 0;
    }
    mockPath(path, buf, &where);
    return real_stat(where, sb);
}

int
stat64(const char *path, struct stat64 *sb)
{
    char buf[PATH_MAX];
    const char *where;

    LOAD(stat64);
    if (mockIsDisk(path)) {
        mockFakeDisk(sb);
        return 0;
    }
    mockPath(path, buf, &where);
    return real_stat64(where, sb);
}

int
lstat(const char *path, struct stat *sb)
{
    char buf[PATH_MAX];
    const char *where;

    LOAD(lstat);
    if (mockIsDisk(path)) {
        mockFakeDisk((struct stat64 *)sb);
        return 0;
    }
    mockPath(path, buf, &where);
    return real_lstat(where, sb);
}

int
lstat64(const char *path, struct stat64 *sb)
{
    char buf[PATH_MAX];
    const char *where;

    LOAD(lstat64);
    if (mockIsDisk(path)) {
        mockFakeDisk(sb);
        return 0;
    }
    mockPath(path, buf, &where);
    return real_lstat64(where, sb);
}

int
mkdir(const char *path, mode_t mode)
{
    char buf[PATH_MAX];
    const char *where;
    mockKind kind;
    int ret;

    LOAD(mkdir);
    kind = mockPath(path, buf, &where);
    if ((ret = real_mkdir(where, mode)) == 0 && kind == MOCK_CGROUP)
        mockPopulateCgroup(path, where);
    return ret;
}

/* A cgroup goes with its files, but not with child cgroups. */
int
rmdir(const char *path)
{
    char buf[PATH_MAX], file[PATH_MAX];
    const char *where;
    struct dirent *ent;
    DIR *dh;

    LOAD(rmdir);
    LOAD(opendir);
    if (mockPath(path, buf, &where) == MOCK_CGROUP && (dh = real_opendir(where))) {
        while ((ent = readdir(dh))) {
            if (ent->d_type == DT_DIR && ent->d_name[0] != '.') {
                closedir(dh);
                errno = EBUSY;
                return -1;
            }
        }
        rewinddir(dh);
        while ((ent = readdir(dh))) {
            mockFormat(file, sizeof(file), "%s/%s", where, ent->d_name);
            if (ent->d_type == DT_REG)
                unlink(file);
        }
        closedir(dh);
    }
    return real_rmdir(where);
}

DIR *
opendir(const char *path)
{
    char buf[PATH_MAX];
    const char *where;

    LOAD(opendir);
    mockPath(path, buf, &where);
    return real_opendir(where);
}
