/*
 * ctcgrouptest.c: domain definition -> cgroup settings, against golden
 * files, on a fake cgroup v1 (hybrid) and a fake cgroup v2 host
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * For every tests/data/cgroup/NAME.xml and each layout (v1, v2), a fresh
 * fake host is built in a temporary directory, served in place of
 * /sys/fs/cgroup and the /proc files by ctcgroupmock.so (LD_PRELOAD;
 * see there).  The container's cgroup is made by libvirt as the driver
 * makes it, virCTResourceApply() sets the limits, and every file of the
 * container's cgroups that no longer holds what the kernel put there
 * is listed, one "PATH = VALUE" line per line of the value, PATH below
 * /sys/fs/cgroup, and compared with NAME.LAYOUT.txt (regenerate with
 * VIR_TEST_REGENERATE_OUTPUT=1 and review the diff).  NAME.LAYOUT.err
 * instead means virCTResourceApply() must fail with that error.  Which
 * processes are in a cgroup (cgroup.procs, tasks) is left out.
 *
 * The fake host has 2 CPUs (0-1) and 2 memory nodes (0-1), so that a
 * cpuset narrower than the host shows in the v1 files too.
 */

#include <config.h>

#include <dirent.h>
#include <ftw.h>

#include "ct_cgroup.h"
#include "ct_domain.h"
#include "ct_resource.h"
#include "testutils.h"

#include "domain_driver.h"
#include "virbuffer.h"
#include "virerror.h"
#include "virfile.h"
#include "virstring.h"

#define VIR_FROM_THIS VIR_FROM_NONE

#define CT_TEST_CGROUP_TOP "/sys/fs/cgroup"
#define CT_TEST_MOCK_MARK CT_TEST_CGROUP_TOP "/.ct-cgroup-mock"

/* One hierarchy: where it is mounted, and the files of a new cgroup in
 * it ("NAME=VALUE"); @top changes them for the hierarchy's top cgroup
 * ("-NAME": the top has no such file). */
typedef struct {
    const char *dir; /* below /sys/fs/cgroup, "" for /sys/fs/cgroup itself */
    const char *type;
    const char *controllers; /* v1: the mount options naming them */
    const char *const *files;
    const char *const *top;
} ctTestHierarchy;

/* cgroup v2: the files a controller adds to a cgroup whose parent
 * enables it in cgroup.subtree_control. */
typedef struct {
    const char *name;
    const char *const *files;
} ctTestController;

typedef struct {
    const char *name;
    const ctTestHierarchy *hierarchies;
    const ctTestController *controllers; /* NULL-terminated by name */
} ctTestLayout;

#define CT_TEST_V1_COMMON \
    "cgroup.clone_children=0", "cgroup.procs=", "notify_on_release=0", "tasks="

static const char *const v1Cpu[] = { CT_TEST_V1_COMMON,          "cpu.shares=1024",
                                     "cpu.cfs_period_us=100000", "cpu.cfs_quota_us=-1",
                                     "cpu.rt_runtime_us=0",      NULL };
static const char *const v1Cpuacct[] = { CT_TEST_V1_COMMON, "cpuacct.usage=0", NULL };
static const char *const v1Cpuset[] = {
    CT_TEST_V1_COMMON,         "cpuset.cpus=",           "cpuset.mems=",
    "cpuset.memory_migrate=0", "cpuset.cpu_exclusive=0", "cpuset.mem_exclusive=0",
    "cpuset.effective_cpus=",  "cpuset.effective_mems=", NULL
};
static const char *const v1CpusetTop[] = { "cpuset.cpus=0-1", "cpuset.mems=0-1",
                                           "cpuset.effective_cpus=0-1", "cpuset.effective_mems=0-1",
                                           NULL };
static const char *const v1Memory[] = { CT_TEST_V1_COMMON,
                                        "memory.limit_in_bytes=9223372036854771712",
                                        "memory.memsw.limit_in_bytes=9223372036854771712",
                                        "memory.soft_limit_in_bytes=9223372036854771712",
                                        "memory.use_hierarchy=1",
                                        "memory.usage_in_bytes=0",
                                        "memory.memsw.usage_in_bytes=0",
                                        "memory.swappiness=60",
                                        NULL };
static const char *const v1Devices[] = { CT_TEST_V1_COMMON, "devices.allow=", "devices.deny=",
                                         "devices.list=a *:* rwm", NULL };
static const char *const v1Freezer[] = { CT_TEST_V1_COMMON, "freezer.state=THAWED", NULL };
static const char *const v1FreezerTop[] = { "-freezer.state", NULL };
static const char *const v1Blkio[] = { CT_TEST_V1_COMMON,
                                       "blkio.weight=500",
                                       "blkio.weight_device=",
                                       "blkio.throttle.read_bps_device=",
                                       "blkio.throttle.write_bps_device=",
                                       "blkio.throttle.read_iops_device=",
                                       "blkio.throttle.write_iops_device=",
                                       NULL };
static const char *const v1Pids[] = { CT_TEST_V1_COMMON, "pids.max=max", "pids.current=0", NULL };
static const char *const v1PidsTop[] = { "-pids.max", "-pids.current", NULL };
static const char *const v1Common[] = { CT_TEST_V1_COMMON, NULL };

#define CT_TEST_V2_CORE                                                                   \
    "cgroup.controllers=", "cgroup.subtree_control=", "cgroup.procs=", "cgroup.threads=", \
        "cgroup.type=domain", "cgroup.events=populated 0\nfrozen 0", "cgroup.freeze=0",   \
        "cgroup.max.depth=max", "cgroup.max.descendants=max"

static const char *const v2Core[] = { CT_TEST_V2_CORE, NULL };
/* The hybrid host's cgroup2: systemd's, without controllers. */
static const char *const v2HybridTop[] = { "-cgroup.type", "-cgroup.events", "-cgroup.freeze",
                                           NULL };
/* The v2 host's top, as systemd leaves it */
static const char *const v2Top[] = { "cgroup.controllers=cpuset cpu io memory pids",
                                     "cgroup.subtree_control=cpuset cpu io memory pids",
                                     "cpuset.cpus.effective=0-1",
                                     "cpuset.mems.effective=0-1",
                                     "-cgroup.type",
                                     "-cgroup.events",
                                     "-cgroup.freeze",
                                     NULL };

static const char *const v2Cpuset[] = { "cpuset.cpus=",
                                        "cpuset.mems=",
                                        "cpuset.cpus.effective=0-1",
                                        "cpuset.mems.effective=0-1",
                                        "cpuset.cpus.partition=member",
                                        NULL };
static const char *const v2Cpu[] = { "cpu.max=max 100000", "cpu.weight=100", "cpu.weight.nice=0",
                                     "cpu.max.burst=0", NULL };
static const char *const v2Io[] = { "io.max=", "io.weight=default 100", "io.stat=", NULL };
static const char *const v2Memory[] = { "memory.max=max",        "memory.high=max",
                                        "memory.low=0",          "memory.min=0",
                                        "memory.swap.max=max",   "memory.current=0",
                                        "memory.swap.current=0", NULL };
static const char *const v2Pids[] = { "pids.max=max", "pids.current=0", NULL };

/* This host: separate v1 hierarchies, systemd's cgroup2 beside them. */
static const ctTestHierarchy layoutV1[] = {
    { "cpu", "cgroup", "cpu", v1Cpu, NULL },
    { "cpuacct", "cgroup", "cpuacct", v1Cpuacct, NULL },
    { "cpuset", "cgroup", "cpuset", v1Cpuset, v1CpusetTop },
    { "memory", "cgroup", "memory", v1Memory, NULL },
    { "devices", "cgroup", "devices", v1Devices, NULL },
    { "freezer", "cgroup", "freezer", v1Freezer, v1FreezerTop },
    { "blkio", "cgroup", "blkio", v1Blkio, NULL },
    { "pids", "cgroup", "pids", v1Pids, v1PidsTop },
    { "systemd", "cgroup", "name=systemd", v1Common, NULL },
    { "unified", "cgroup2", "", v2Core, v2HybridTop },
    { NULL },
};

static const ctTestHierarchy layoutV2[] = {
    { "", "cgroup2", "", v2Core, v2Top },
    { NULL },
};

static const ctTestController controllersV2[] = {
    { "cpuset", v2Cpuset }, { "cpu", v2Cpu },   { "io", v2Io },
    { "memory", v2Memory }, { "pids", v2Pids }, { NULL },
};

static const ctTestLayout layouts[] = {
    { "v1", layoutV1, NULL },
    { "v2", layoutV2, controllersV2 },
};

/* What /proc/cgroups lists, in the kernel's order. */
static const char *const subsystems[] = { "cpuset",     "cpu",      "cpuacct", "blkio",
                                          "memory",     "devices",  "freezer", "net_cls",
                                          "perf_event", "net_prio", "hugetlb", "pids" };

static virCTDriver driver;


/* ---- the fake host ---- */

static char *
mountPoint(const ctTestHierarchy *h)
{
    return *h->dir ? g_strdup_printf(CT_TEST_CGROUP_TOP "/%s", h->dir)
                   : g_strdup(CT_TEST_CGROUP_TOP);
}

/* Writes the "NAME=VALUE" @files into @dir, as the kernel shows them. */
static int
writeFiles(const char *dir, const char *const *files)
{
    size_t i;

    if (g_mkdir_with_parents(dir, 0755) < 0)
        return -1;
    for (i = 0; files && files[i]; i++) {
        g_autofree char *name = g_strndup(files[i], strcspn(files[i], "="));
        g_autofree char *path = NULL;
        g_autofree char *content = NULL;
        const char *value = files[i] + strlen(name);

        if (*name == '-') {
            path = g_strdup_printf("%s/%s", dir, name + 1);
            unlink(path);
            continue;
        }
        value += *value == '=';
        path = g_strdup_printf("%s/%s", dir, name);
        content = *value ? g_strdup_printf("%s\n", value) : g_strdup("");
        if (ctTestWriteFile(path, content) < 0)
            return -1;
    }
    return 0;
}

static int
writeHierarchy(const char *root, const ctTestHierarchy *h, const ctTestController *controllers)
{
    g_autofree char *mnt = mountPoint(h);
    g_autofree char *dir = g_strdup_printf("%s%s", root, mnt);
    g_autofree char *tmpl = g_strdup_printf("%s/templates%s", root, mnt);
    size_t i;

    if (writeFiles(tmpl, h->files) < 0 || writeFiles(dir, h->files) < 0 ||
        writeFiles(dir, h->top) < 0)
        return -1;
    for (i = 0; STREQ(h->type, "cgroup2") && controllers && controllers[i].name; i++) {
        g_autofree char *ctl = g_strdup_printf("%s/%s", tmpl, controllers[i].name);

        if (writeFiles(ctl, controllers[i].files) < 0)
            return -1;
    }
    return 0;
}

static int
writeProcFile(const char *root, const char *name, virBuffer *buf)
{
    g_autofree char *path = g_strdup_printf("%s/proc/%s", root, name);
    g_autofree char *dir = g_path_get_dirname(path);

    if (g_mkdir_with_parents(dir, 0755) < 0)
        return -1;
    return ctTestWriteFile(path, virBufferCurrentContent(buf));
}

/* /proc/self/mounts, mountinfo and cgroup, and /proc/cgroups */
static int
writeProc(const char *root, const ctTestLayout *layout)
{
    g_auto(virBuffer) mounts = VIR_BUFFER_INITIALIZER;
    g_auto(virBuffer) info = VIR_BUFFER_INITIALIZER;
    g_auto(virBuffer) self = VIR_BUFFER_INITIALIZER;
    g_auto(virBuffer) cgroups = VIR_BUFFER_INITIALIZER;
    size_t n, i, j;

    if (*layout->hierarchies[0].dir) {
        virBufferAddLit(&mounts, "tmpfs " CT_TEST_CGROUP_TOP " tmpfs rw,relatime,mode=755 0 0\n");
        virBufferAddLit(&info, "30 1 0:30 / " CT_TEST_CGROUP_TOP " rw - tmpfs tmpfs rw,mode=755\n");
    }
    for (n = 0; layout->hierarchies[n].dir; n++) {
        const ctTestHierarchy *h = &layout->hierarchies[n];
        g_autofree char *mnt = mountPoint(h);
        g_autofree char *opts =
            g_strdup_printf("rw,relatime%s%s", *h->controllers ? "," : "", h->controllers);

        virBufferAsprintf(&mounts, "%s %s %s %s 0 0\n", h->type, mnt, h->type, opts);
        virBufferAsprintf(&info, "%zu 30 0:%zu / %s rw,relatime - %s %s %s\n", 31 + n, 31 + n, mnt,
                          h->type, h->type, opts);
    }
    /* the newest hierarchy first, as the kernel lists them; all at the top */
    for (i = n; i-- > 0;) {
        const ctTestHierarchy *h = &layout->hierarchies[i];

        if (STREQ(h->type, "cgroup2"))
            virBufferAddLit(&self, "0::/\n");
        else
            virBufferAsprintf(&self, "%zu:%s:/\n", i + 1, h->controllers);
    }
    virBufferAddLit(&cgroups, "#subsys_name\thierarchy\tnum_cgroups\tenabled\n");
    for (i = 0; i < G_N_ELEMENTS(subsystems); i++) {
        size_t id = 0;

        for (j = 0; j < n; j++) {
            if (STREQ(layout->hierarchies[j].controllers, subsystems[i]))
                id = j + 1;
        }
        virBufferAsprintf(&cgroups, "%s\t%zu\t1\t1\n", subsystems[i], id);
    }
    if (writeProcFile(root, "self/mounts", &mounts) < 0 ||
        writeProcFile(root, "self/mountinfo", &info) < 0 ||
        writeProcFile(root, "self/cgroup", &self) < 0 ||
        writeProcFile(root, "cgroups", &cgroups) < 0)
        return -1;
    return 0;
}

static int
removeEntry(const char *path, const struct stat *sb G_GNUC_UNUSED, int flag G_GNUC_UNUSED,
            struct FTW *ftw G_GNUC_UNUSED)
{
    return remove(path);
}

static void
removeHost(char *root)
{
    if (nftw(root, removeEntry, 16, FTW_DEPTH | FTW_PHYS) < 0)
        fprintf(stderr, "cannot remove %s\n", root);
    g_free(root);
}

/* the directory of a fake host, removed with what is in it */
typedef char ctTestHost;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ctTestHost, removeHost);

/* A new fake host of @layout; its directory, or NULL. */
static char *
buildHost(const ctTestLayout *layout)
{
    g_autofree char *root = g_strdup("/tmp/ctcgrouptest.XXXXXX");
    g_autofree char *mark = NULL;
    size_t i;

    if (!g_mkdtemp(root))
        return NULL;
    mark = g_strdup_printf("%s" CT_TEST_MOCK_MARK, root);
    for (i = 0; layout->hierarchies[i].dir; i++) {
        if (writeHierarchy(root, &layout->hierarchies[i], layout->controllers) < 0)
            goto error;
    }
    if (writeProc(root, layout) < 0 || ctTestWriteFile(mark, "") < 0)
        goto error;
    return g_steal_pointer(&root);

 error:
    removeHost(g_steal_pointer(&root));
    return NULL;
}


/* ---- what changed ---- */

/* Files that say which processes are in a cgroup, not how it is limited */
static const char *const membershipFiles[] = { "cgroup.procs", "cgroup.threads", "tasks" };

/* What the kernel put in @name when it made the cgroup: the hierarchy's
 * template, or on cgroup v2 a controller's. */
static char *
templateOf(const char *tmpl, const char *name)
{
    g_autofree char *path = g_strdup_printf("%s/%s", tmpl, name);
    g_autoptr(DIR) dh = NULL;
    struct dirent *ent;
    char *content;

    if ((content = ctTestReadFile(path)) || virDirOpenQuiet(&dh, tmpl) < 0)
        return content;
    while (virDirRead(dh, &ent, NULL) > 0) {
        g_autofree char *sub = g_strdup_printf("%s/%s/%s", tmpl, ent->d_name, name);

        if (ent->d_type == DT_DIR && (content = ctTestReadFile(sub)))
            return content;
    }
    return NULL;
}

/* Adds "PATH = LINE" for the files below @dir that changed; @top is
 * the fake /sys/fs/cgroup, @tmpl the hierarchy's templates. */
static int
listChanges(const char *top, const char *dir, const char *tmpl, GPtrArray *lines)
{
    g_autoptr(DIR) dh = NULL;
    struct dirent *ent;
    int rc;

    if (virDirOpenQuiet(&dh, dir) < 0)
        return -1;
    while ((rc = virDirRead(dh, &ent, NULL)) > 0) {
        g_autofree char *path = g_strdup_printf("%s/%s", dir, ent->d_name);
        g_autofree char *now = NULL;
        g_autofree char *then = NULL;
        g_auto(GStrv) values = NULL;
        size_t i;

        if (ent->d_type == DT_DIR) {
            if (listChanges(top, path, tmpl, lines) < 0)
                return -1;
            continue;
        }
        if (g_strv_contains((const char *const *)membershipFiles, ent->d_name) ||
            !(now = ctTestReadFile(path)))
            continue;
        then = templateOf(tmpl, ent->d_name);
        g_strchomp(now);
        if (then && STREQ(now, g_strchomp(then)))
            continue;
        values = g_strsplit(now, "\n", 0);
        for (i = 0; values[i]; i++)
            g_ptr_array_add(lines, g_strdup_printf("%s = %s", path + strlen(top) + 1, values[i]));
    }
    return rc;
}

static gint
compareLines(gconstpointer a, gconstpointer b)
{
    const char *x = *(const char *const *)a;
    const char *y = *(const char *const *)b;
    size_t lx = strstr(x, " = ") - x;
    size_t ly = strstr(y, " = ") - y;
    int rc = strncmp(x, y, MIN(lx, ly));

    /* by file only: the lines of one file stay in their order */
    return rc ? rc : (int)lx - (int)ly;
}

/* The changed files of the container's cgroup @path (in every hierarchy),
 * sorted, or NULL. */
static char *
formatChanges(const char *root, const ctTestLayout *layout, const char *path)
{
    g_autofree char *top = g_strdup_printf("%s" CT_TEST_CGROUP_TOP, root);
    g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
    g_auto(virBuffer) buf = VIR_BUFFER_INITIALIZER;
    size_t i;

    for (i = 0; layout->hierarchies[i].dir; i++) {
        g_autofree char *mnt = mountPoint(&layout->hierarchies[i]);
        g_autofree char *dir = g_strdup_printf("%s%s%s", root, mnt, path);
        g_autofree char *tmpl = g_strdup_printf("%s/templates%s", root, mnt);

        if (virFileIsDir(dir) && listChanges(top, dir, tmpl, lines) < 0)
            return NULL;
    }
    g_ptr_array_sort(lines, compareLines);
    for (i = 0; i < lines->len; i++)
        virBufferAsprintf(&buf, "%s\n", (const char *)g_ptr_array_index(lines, i));
    return virBufferContentAndReset(&buf) ?: g_strdup("");
}


/* ---- one container ---- */

/* The container's cgroup path, as libvirt made it (memory controller) */
static char *
containerPath(virCgroup *cgroup)
{
    g_autofree char *full = NULL;
    const char *rest;
    char *path;
    size_t len;

    if (virCgroupPathOfController(cgroup, VIR_CGROUP_CONTROLLER_MEMORY, NULL, &full) < 0)
        return NULL;
    rest = STRSKIP(full, CT_TEST_CGROUP_TOP);
    if (rest && STRPREFIX(rest, "/memory/"))
        rest += strlen("/memory");
    path = g_strdup(rest ? rest : full);
    len = strlen(path);
    if (len > 1 && path[len - 1] == '/')
        path[len - 1] = '\0';
    return path;
}

/* What the driver does at start: the machine's cgroup, the extra v1
 * hierarchies, the limits.  Returns the output, or NULL with
 * *@applied false when the limits were refused. */
static char *
applyLimits(const char *root, const ctTestLayout *layout, const virDomainDef *def, bool *applied)
{
    g_autoptr(virCgroup) cgroup = NULL;
    g_autofree char *name = virDomainDriverGenerateMachineName("ct", NULL, 1, def->name, true);
    g_autofree char *extraPath = NULL;
    g_autofree char *path = NULL;

    *applied = false;
    if (virCgroupNewMachine(name, "ct", def->uuid, "/", getpid(), true, 0, NULL, "/machine", -1, 0,
                            &cgroup) < 0 ||
        !cgroup || !(path = containerPath(cgroup)))
        return NULL;
    /* as the driver finds it: where init (here: we) went in "memory" */
    extraPath = virCTCgroupPathOf(getpid());
    if (extraPath && virCTCgroupPlaceExtra(extraPath, getpid()) < 0)
        return NULL;
    if (virCTResourceApply(cgroup, extraPath, def) < 0)
        return NULL;
    *applied = true;
    return formatChanges(root, layout, path);
}

static void
testOne(const char *dir, const char *name, const ctTestLayout *layout)
{
    g_autofree char *in = g_strdup_printf("%s/%s.xml", dir, name);
    g_autofree char *out = g_strdup_printf("%s/%s.%s.txt", dir, name, layout->name);
    g_autofree char *errpath = g_strdup_printf("%s/%s.%s.err", dir, name, layout->name);
    g_autofree char *xml = ctTestReadFile(in);
    g_autofree char *experr = ctTestReadFile(errpath);
    g_autofree char *expect = NULL;
    g_autofree char *actual = NULL;
    g_autoptr(virDomainDef) def = NULL;
    g_autoptr(ctTestHost) root = NULL;
    bool applied = false;

    if (!xml || !(def = virDomainDefParseString(xml, driver.xmlopt, NULL, 0))) {
        ctTestReport(false, "cgroup %s %s: cannot parse: %s", layout->name, name,
                     ctTestLastError());
        return;
    }
    if (!(root = buildHost(layout))) {
        ctTestReport(false, "cgroup %s %s: cannot build the fake host", layout->name, name);
        return;
    }
    g_setenv("CT_CGROUP_MOCK_ROOT", root, TRUE);
    virResetLastError();
    actual = applyLimits(root, layout, def, &applied);
    g_unsetenv("CT_CGROUP_MOCK_ROOT");
    if (experr) {
        experr[strcspn(experr, "\n")] = '\0';
        ctTestReport(!applied && strstr(ctTestLastError(), experr), "cgroup %s %s: refused (%s)",
                     layout->name, name, experr);
        return;
    }
    if (!actual) {
        ctTestReport(false, "cgroup %s %s: %s", layout->name, name, ctTestLastError());
        return;
    }
    if (getenv("VIR_TEST_REGENERATE_OUTPUT"))
        ctTestWriteFile(out, actual);
    expect = ctTestReadFile(out);
    ctTestReport(expect && STREQ(actual, expect), "cgroup %s %s", layout->name, name);
    if (expect && STRNEQ(actual, expect))
        fprintf(stderr, "--- expected %s\n%s+++ actual\n%s", out, expect, actual);
}

/* What a daemon killed while it removed a container's cgroups leaves
 * (some hierarchies done, others not) goes with the next removal, in
 * every hierarchy; another container's cgroup beside it stays. */
static void
testRemoveLeftovers(const ctTestLayout *layout)
{
    const char *path = "/machine/ct-7-left.libvirt-ct";
    g_autoptr(ctTestHost) root = buildHost(layout);
    bool made = true;
    bool gone = true;
    bool kept = true;
    size_t i;

    if (!root) {
        ctTestReport(false, "cgroup %s leftovers: cannot build the fake host", layout->name);
        return;
    }
    g_setenv("CT_CGROUP_MOCK_ROOT", root, TRUE);
    for (i = 0; layout->hierarchies[i].dir; i++) {
        g_autofree char *top =
            g_strdup_printf(CT_TEST_CGROUP_TOP "%s%s", *layout->hierarchies[i].dir ? "/" : "",
                            layout->hierarchies[i].dir);
        g_autofree char *machine = g_strdup_printf("%s/machine", top);
        g_autofree char *mine = g_strdup_printf("%s%s", top, path);
        g_autofree char *init = g_strdup_printf("%s%s/init", top, path);
        g_autofree char *other = g_strdup_printf("%s/machine/ct-8-other.libvirt-ct", top);

        /* left in every other hierarchy, with init below it */
        ignore_value(mkdir(machine, 0755));
        if (mkdir(other, 0755) < 0 ||
            (i % 2 == 0 && (mkdir(mine, 0755) < 0 || mkdir(init, 0755) < 0)))
            made = false;
    }
    virCTCgroupRemoveExtra(path);
    for (i = 0; layout->hierarchies[i].dir; i++) {
        g_autofree char *top =
            g_strdup_printf(CT_TEST_CGROUP_TOP "%s%s", *layout->hierarchies[i].dir ? "/" : "",
                            layout->hierarchies[i].dir);
        g_autofree char *mine = g_strdup_printf("%s%s", top, path);
        g_autofree char *other = g_strdup_printf("%s/machine/ct-8-other.libvirt-ct", top);

        gone &= !virFileExists(mine);
        kept &= virFileIsDir(other);
    }
    g_unsetenv("CT_CGROUP_MOCK_ROOT");
    ctTestReport(made && gone && kept,
                 "cgroup %s leftovers of a removal removed (made %d, gone %d, other kept %d)",
                 layout->name, made, gone, kept);
}

/* Is ctcgroupmock.so preloaded?  Without it the test would work on the
 * host's real cgroups. */
static bool
mockActive(void)
{
    g_autoptr(ctTestHost) root = buildHost(&layouts[0]);
    bool active;

    if (!root)
        return false;
    g_setenv("CT_CGROUP_MOCK_ROOT", root, TRUE);
    active = access(CT_TEST_MOCK_MARK, F_OK) == 0;
    g_unsetenv("CT_CGROUP_MOCK_ROOT");
    return active;
}

static void
testLayouts(const char *dir, const char *name, void *opaque G_GNUC_UNUSED)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(layouts); i++)
        testOne(dir, name, &layouts[i]);
}

int
main(int argc, char **argv)
{
    g_autofree char *dir = g_strdup_printf("%s/cgroup", argc > 1 ? argv[1] : "tests/data");
    if (!mockActive()) {
        fprintf(stderr, "skipped: ctcgroupmock.so is not preloaded (LD_PRELOAD)\n");
        return 77;
    }
    /* no systemd-machined: libvirt makes the cgroups itself */
    g_setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/ctcgrouptest-bus", TRUE);
    if (virInitialize() < 0 || virMutexInit(&driver.lock) < 0 ||
        !(driver.config = virCTDriverConfigNew(false, "/ctroot")) ||
        !(driver.caps = virCTDriverCapsInit(driver.config)) ||
        !(driver.xmlopt = virCTDomainXMLConfInit(&driver))) {
        fprintf(stderr, "cannot set up the driver: %s\n", ctTestLastError());
        return 1;
    }
    if (ctTestForEachXML(dir, testLayouts, NULL) < 0)
        return 1;
    for (size_t i = 0; i < G_N_ELEMENTS(layouts); i++)
        testRemoveLeftovers(&layouts[i]);

    virObjectUnref(driver.xmlopt);
    virObjectUnref(driver.caps);
    virObjectUnref(driver.config);
    virMutexDestroy(&driver.lock);
    return ctTestSummary();
}
