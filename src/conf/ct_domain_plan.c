/*
 * ct_domain_plan.c: turn a domain definition into a start plan
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Everything that can be decided from the XML is decided here, before
 * anything touches the host.  What the plan cannot express is refused
 * with an error naming the element, so a container never starts with a
 * setting silently ignored.
 */

#include <config.h>

#include <fcntl.h>
#include <linux/capability.h>
#include <linux/openat2.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/syscall.h>

#include "ct_domain_plan.h"
#include "ct_domain.h"
#include "ct_template.h"

#include "viralloc.h"
#include "virerror.h"
#include "virfile.h"
#include "virlog.h"
#include "virstring.h"
#include "viruuid.h"

#define VIR_FROM_THIS VIR_FROM_NONE

VIR_LOG_INIT("ct.ct_domain_plan");

/* libvirt's capability names are ordered alphabetically; the kernel's
 * numbers are not. */
static const int virCTCapsNumber[VIR_DOMAIN_PROCES_CAPS_FEATURE_LAST] = {
    [VIR_DOMAIN_PROCES_CAPS_FEATURE_AUDIT_CONTROL] = CAP_AUDIT_CONTROL,
    [VIR_DOMAIN_PROCES_CAPS_FEATURE_AUDIT_WRITE] = CAP_AUDIT_WRITE,
    [VIR_DOMAIN_PROCES_CAPS_FEATURE_BLOCK_SUSPEND] = CAP_BLOCK_SUSPEND,
    [VIR_DOMAIN_PROCES_CAPS_FEATURE_CHOWN] = CAP_CHOWN,
    [VIR_DOMAIN_PROCES_CAPS_FEATURE_DAC_OVERRIDE] = CAP_DAC_OVERRIDE,
    [VIR_DOMAIN_PROCES_CAPS_FEATURE_DAC_READ_SEARCH] = CAP_DAC_READ_SEARCH,
    [VIR_DOMAIN_PROCES_CAPS_FEATURE_FOWNER] = CAP_FOWNER,
    [VIR_DOMAIN_PROCES_CAPS_FEATURE_FSETID] = CAP_FSETID,
    [VIR_DOMAIN_PROCES_CAPS_FEATURE_IPC_LOCK] = CAP_IPC_LOCK,
    [VIR_DOMAIN_PROCES_CAPS_FEATURE_IPC_OWNER] = CAP_IPC_OWNER,
    [VIR_DOMAIN_PROCES_CAPS_FEATURE_KILL] = CAP_KILL,
    [VIR_DOMAIN_PROCES_CAPS_FEATURE_LEASE] = CAP_LEASE,
    [VIR_DOMAIN_PROCES_CAPS_FEATURE_LINUX_IMMUTABLE] = CAP_LINUX_IMMUTABLE,
    [VIR_DOMAIN_PROCES_CAPS_FEATURE_MAC_ADMIN] = CAP_MAC_ADMIN,
    [VIR_DOMAIN_PROCES_CAPS_FEATURE_MAC_OVERRIDE] = CAP_MAC_OVERRIDE,
    [VIR_DOMAIN_PROCES_CAPS_FEATURE_MKNOD] = CAP_MKNOD,
    [VIR_DOMAIN_PROCES_CAPS_FEATURE_NET_ADMIN] = CAP_NET_ADMIN,
    [VIR_DOMAIN_PROCES_CAPS_FEATURE_NET_BIND_SERVICE] = CAP_NET_BIND_SERVICE,
    [VIR_DOMAIN_PROCES_CAPS_FEATURE_NET_BROADCAST] = CAP_NET_BROADCAST,
    [VIR_DOMAIN_PROCES_CAPS_FEATURE_NET_RAW] = CAP_NET_RAW,
    [VIR_DOMAIN_PROCES_CAPS_FEATURE_SETGID] = CAP_SETGID,
    [VIR_DOMAIN_PROCES_CAPS_FEATURE_SETFCAP] = CAP_SETFCAP,
    [VIR_DOMAIN_PROCES_CAPS_FEATURE_SETPCAP] = CAP_SETPCAP,
    [VIR_DOMAIN_PROCES_CAPS_FEATURE_SETUID] = CAP_SETUID,
    [VIR_DOMAIN_PROCES_CAPS_FEATURE_SYS_ADMIN] = CAP_SYS_ADMIN,
    [VIR_DOMAIN_PROCES_CAPS_FEATURE_SYS_BOOT] = CAP_SYS_BOOT,
    [VIR_DOMAIN_PROCES_CAPS_FEATURE_SYS_CHROOT] = CAP_SYS_CHROOT,
    [VIR_DOMAIN_PROCES_CAPS_FEATURE_SYS_MODULE] = CAP_SYS_MODULE,
    [VIR_DOMAIN_PROCES_CAPS_FEATURE_SYS_NICE] = CAP_SYS_NICE,
    [VIR_DOMAIN_PROCES_CAPS_FEATURE_SYS_PACCT] = CAP_SYS_PACCT,
    [VIR_DOMAIN_PROCES_CAPS_FEATURE_SYS_PTRACE] = CAP_SYS_PTRACE,
    [VIR_DOMAIN_PROCES_CAPS_FEATURE_SYS_RAWIO] = CAP_SYS_RAWIO,
    [VIR_DOMAIN_PROCES_CAPS_FEATURE_SYS_RESOURCE] = CAP_SYS_RESOURCE,
    [VIR_DOMAIN_PROCES_CAPS_FEATURE_SYS_TIME] = CAP_SYS_TIME,
    [VIR_DOMAIN_PROCES_CAPS_FEATURE_SYS_TTY_CONFIG] = CAP_SYS_TTY_CONFIG,
    [VIR_DOMAIN_PROCES_CAPS_FEATURE_SYSLOG] = CAP_SYSLOG,
    [VIR_DOMAIN_PROCES_CAPS_FEATURE_WAKE_ALARM] = CAP_WAKE_ALARM,
};

/* Dropped by default: they reach the host kernel, clock, raw devices,
 * logs or the LSMs, or let root inside take over processes that hold
 * more (a process entered from the host), and neither systemd nor
 * busybox needs them in a container.  CAP_SYS_BOOT stays: in a PID
 * namespace reboot(2) only ends the container's init (kexec is refused
 * by the seccomp deny list).  CAP_SYS_ADMIN stays: systemd mounts its
 * API file systems and sandboxes services with it; what it still allows
 * is listed in the README ("Isolation").  The same drops apply in a user
 * namespace, where the capabilities are the namespace's: they cost the
 * container nothing and still narrow what reaches the kernel (ptrace of
 * a process entered into the namespace with host descriptors). */
static const int virCTCapsDefaultDrop[] = {
    CAP_SYS_MODULE, /* kernel modules */
    CAP_SYS_TIME, /* the host's clock */
    CAP_SYS_RAWIO, /* I/O ports, /dev/mem, raw block commands */
    CAP_MAC_ADMIN, /* LSM policy */
    CAP_MAC_OVERRIDE, /* LSM policy */
    CAP_AUDIT_CONTROL, /* host audit rules */
    CAP_AUDIT_READ, /* host audit log (multicast netlink) */
    CAP_SYS_PACCT, /* host-wide process accounting */
    CAP_WAKE_ALARM, /* wakes the host from suspend */
    CAP_BLOCK_SUSPEND, /* keeps the host from suspending */
    CAP_DAC_READ_SEARCH, /* open_by_handle_at: files outside the root */
    CAP_SYSLOG, /* host kernel log and addresses in /proc */
    CAP_SYS_PTRACE, /* processes holding more capabilities */
    CAP_SYS_TTY_CONFIG, /* host virtual consoles */
    CAP_BPF, /* BPF programs and maps */
    CAP_PERFMON, /* CPU-wide performance counters, kprobes */
    CAP_CHECKPOINT_RESTORE, /* chosen PIDs, other processes' map_files */
};

static uint64_t
virCTDomainPlanCaps(const virDomainDef *def)
{
    int policy = def->features[VIR_DOMAIN_FEATURE_CAPABILITIES];
    uint64_t keep = 0;
    size_t i;

    if (policy != VIR_DOMAIN_CAPABILITIES_POLICY_DENY) {
        for (i = 0; i <= CAP_LAST_CAP && i < 64; i++)
            keep |= 1ULL << i;
    }
    if (policy == VIR_DOMAIN_CAPABILITIES_POLICY_DEFAULT) {
        for (i = 0; i < G_N_ELEMENTS(virCTCapsDefaultDrop); i++)
            keep &= ~(1ULL << virCTCapsDefaultDrop[i]);
    }
    for (i = 0; i < VIR_DOMAIN_PROCES_CAPS_FEATURE_LAST; i++) {
        if (def->caps_features[i] == VIR_TRISTATE_SWITCH_ON)
            keep |= 1ULL << virCTCapsNumber[i];
        else if (def->caps_features[i] == VIR_TRISTATE_SWITCH_OFF)
            keep &= ~(1ULL << virCTCapsNumber[i]);
    }
    return keep;
}

static void
virCTDomainPlanAddMount(ctPlan *plan, ctPlanMountKind kind, const char *src, const char *dst,
                        const char *fstype, const char *data, unsigned long flags)
{
    ctPlanMount *mnt;

    VIR_REALLOC_N(plan->mounts, plan->nmounts + 1);
    mnt = &plan->mounts[plan->nmounts++];
    mnt->kind = kind;
    mnt->src = g_strdup(src);
    mnt->dst = g_strdup(dst);
    mnt->fstype = g_strdup(fstype);
    mnt->data = g_strdup(data);
    mnt->flags = flags;
    mnt->idmap = false;
}

void
virCTDomainPlanAddHostView(ctPlan *plan, const char *dir, const char *const *files)
{
    size_t i;

    for (i = 0; files[i]; i++) {
        g_autofree char *src = g_strdup_printf("%s/%s", dir, files[i]);
        g_autofree char *dst = g_strdup_printf("/%s", files[i]);

        virCTDomainPlanAddMount(plan, CT_PLAN_MOUNT_BIND, src, dst, NULL, NULL,
                                MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
    }
}

static int
virCTDomainPlanUnsupportedFS(const virDomainFSDef *fs, const char *why)
{
    virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                   _("<filesystem type='%1$s'> with target '%2$s' is not supported: %3$s"),
                   virDomainFSTypeToString(fs->type), fs->dst, why);
    return -1;
}

/* The paths of the layer of @def, whose root @fs is a template. */
static virCTLayerPaths *
virCTDomainPlanLayerPaths(virCTDriverConfig *cfg, const virDomainDef *def, const virDomainFSDef *fs)
{
    g_autoptr(virCTStore) store = virCTStoreNew(cfg->dataDir);

    return virCTLayerPathsNew(store, def->name, fs->src->path, fs->space_hard_limit != 0);
}

/* A template root: the template read-only below, the container's own
 * layer (a directory, or its disk image when it has a space limit) above. */
static int
virCTDomainPlanTemplateRoot(ctPlan *plan, virCTDriverConfig *cfg, const virDomainDef *def,
                            const virDomainFSDef *fs)
{
    g_autoptr(virCTLayerPaths) paths = NULL;

    if (virCTTemplateCheckName("template", fs->src->path) < 0 ||
        virCTTemplateCheckName("container", def->name) < 0)
        return -1;
    paths = virCTDomainPlanLayerPaths(cfg, def, fs);
    plan->rootLower = g_strdup(paths->templateRoot);
    plan->rootLayer = g_strdup(paths->overlay);
    plan->root = g_strdup(paths->root);
    plan->rootReadonly = fs->readonly;
    /* the template belongs to the host's ids: any user namespace sees it
     * through an idmapped mount, whatever its map */
    plan->rootIdmap = plan->nsFlags & CLONE_NEWUSER;
    return 0;
}

static int
virCTDomainPlanRoot(ctPlan *plan, virCTDriverConfig *cfg, const virDomainDef *def,
                    const virDomainFSDef *fs)
{
    switch (fs->type) {
    case VIR_DOMAIN_FS_TYPE_TEMPLATE:
        return virCTDomainPlanTemplateRoot(plan, cfg, def, fs);
    case VIR_DOMAIN_FS_TYPE_MOUNT:
        plan->root = g_strdup(fs->src->path);
        plan->rootReadonly = fs->readonly;
        /* with an <idmap> the directory is already owned by the mapped ids */
        plan->rootIdmap = virCTDomainUsesIdRange(def);
        return 0;
    default:
        return virCTDomainPlanUnsupportedFS(
            fs,
            _("the root must be a template (type='template') or a host directory (type='mount')"));
    }
}

static int
virCTDomainPlanFilesystem(ctPlan *plan, virCTDriverConfig *cfg, const virDomainDef *def,
                          const virDomainFSDef *fs)
{
    unsigned long ro = fs->readonly ? MS_RDONLY : 0;
    g_autofree char *data = NULL;

    if (STREQ(fs->dst, "/"))
        return virCTDomainPlanRoot(plan, cfg, def, fs);

    switch (fs->type) {
    case VIR_DOMAIN_FS_TYPE_MOUNT:
    case VIR_DOMAIN_FS_TYPE_BIND:
        virCTDomainPlanAddMount(plan, CT_PLAN_MOUNT_BIND, fs->src->path, fs->dst, NULL, NULL,
                                MS_REC | ro);
        plan->mounts[plan->nmounts - 1].idmap = virCTDomainUsesIdRange(def);
        return 0;
    case VIR_DOMAIN_FS_TYPE_RAM:
        data = g_strdup_printf("size=%lluk,mode=0755", fs->usage / 1024);
        virCTDomainPlanAddMount(plan, CT_PLAN_MOUNT_FS, "tmpfs", fs->dst, "tmpfs", data,
                                MS_NOSUID | MS_NODEV | ro);
        return 0;
    default:
        return virCTDomainPlanUnsupportedFS(
            fs, _("only mount, bind and ram filesystems can be mounted"));
    }
}

/* Without openat2() (old kernels, valgrind): walk @path component by
 * component from @dirfd and refuse every symlink. */
static int
virCTDomainPlanOpenNoSymlinks(int dirfd, const char *path)
{
    g_auto(GStrv) parts = g_strsplit(path, "/", 0);
    int fd = dup(dirfd);
    size_t i;

    for (i = 0; fd >= 0 && parts[i]; i++) {
        int next;

        if (!*parts[i])
            continue;
        next = openat(fd, parts[i],
                      (parts[i + 1] ? O_PATH | O_DIRECTORY : O_RDONLY) | O_NOFOLLOW | O_CLOEXEC);
        VIR_FORCE_CLOSE(fd);
        fd = next;
    }
    return fd;
}

/* Opens @path of the container's root @root (the host's root when NULL)
 * for reading; symlinks resolve inside that root, never to the host. */
static int
virCTDomainPlanOpenInOneRoot(const char *root, const char *path)
{
    struct open_how how = { .flags = O_RDONLY | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT };
    VIR_AUTOCLOSE dirfd = -1;
    int fd;

    if (!root)
        return open(path, O_RDONLY | O_CLOEXEC);
    if ((dirfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
        return -1;
    if ((fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how))) < 0 && errno == ENOSYS)
        fd = virCTDomainPlanOpenNoSymlinks(dirfd, path);
    return fd;
}

/* The id of @name in the container's @db ("/etc/passwd" or "/etc/group":
 * "name:password:id:..." lines).  @what names the element in errors. */
/* The same in the root the container will see: its own @upper layer
 * first when it has one, then @lower (the template, or the root
 * directory; the host's root when NULL). */
static int
virCTDomainPlanOpenInRoot(const char *upper, const char *lower, const char *path)
{
    int fd;

    if (upper && (fd = virCTDomainPlanOpenInOneRoot(upper, path)) >= 0)
        return fd;
    return virCTDomainPlanOpenInOneRoot(lower, path);
}

static int
virCTDomainPlanLookupId(const char *upper, const char *lower, const char *db, const char *what,
                        const char *name, unsigned int *id)
{
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    VIR_AUTOCLOSE fd = -1;
    size_t i;

    if (virStrToLong_ui(name, NULL, 10, id) == 0)
        return 0;
    if ((fd = virCTDomainPlanOpenInRoot(upper, lower, db)) < 0 ||
        virFileReadLimFD(fd, 4 * 1024 * 1024, &text) < 0) {
        virReportSystemError(errno, _("cannot resolve <%1$s> '%2$s': cannot read %3$s of '%4$s'"),
                             what, name, db, NULLSTR_EMPTY(lower));
        return -1;
    }
    lines = g_strsplit(text, "\n", 0);
    for (i = 0; lines[i]; i++) {
        g_auto(GStrv) fields = g_strsplit(lines[i], ":", 4);

        if (g_strv_length(fields) >= 3 && STREQ(fields[0], name) &&
            virStrToLong_ui(fields[2], NULL, 10, id) == 0)
            return 0;
    }
    virReportError(VIR_ERR_CONFIG_UNSUPPORTED, _("<%1$s> '%2$s' is not in %3$s of the container"),
                   what, name, db);
    return -1;
}

/* <inituser> and <initgroup>: numbers, or names from the container's own
 * /etc/passwd and /etc/group (as libvirt-lxc resolves them inside). */
static int
virCTDomainPlanIds(ctPlan *plan, virCTDriverConfig *cfg, const virDomainDef *def)
{
    g_autoptr(virCTLayerPaths) paths = NULL;
    const char *upper = NULL;
    const char *lower = plan->root;
    unsigned int id;
    size_t i;

    for (i = 0; i < def->nfss && !paths; i++) {
        if (def->fss[i]->type == VIR_DOMAIN_FS_TYPE_TEMPLATE && STREQ(def->fss[i]->dst, "/"))
            paths = virCTDomainPlanLayerPaths(cfg, def, def->fss[i]);
    }
    if (paths) {
        upper = paths->upper;
        lower = paths->templateRoot;
    }
    if (def->os.inituser) {
        if (virCTDomainPlanLookupId(upper, lower, "/etc/passwd", "inituser", def->os.inituser,
                                    &id) < 0)
            return -1;
        plan->uid = id;
    }
    if (def->os.initgroup) {
        if (virCTDomainPlanLookupId(upper, lower, "/etc/group", "initgroup", def->os.initgroup,
                                    &id) < 0)
            return -1;
        plan->gid = id;
    }
    return 0;
}

static ctPlanIdMap *
virCTDomainPlanCopyIdMap(const virDomainIdMapEntry *map, size_t n)
{
    ctPlanIdMap *copy = g_new0(ctPlanIdMap, n);
    size_t i;

    for (i = 0; i < n; i++) {
        copy[i].start = map[i].start;
        copy[i].target = map[i].target;
        copy[i].count = map[i].count;
    }
    return copy;
}

/* A privileged container shares the host's ids; any other has a user
 * namespace, with its <idmap> or else its <ct:idrange>. */
static int
virCTDomainPlanIdMaps(ctPlan *plan, const virDomainDef *def)
{
    const virCTDomainNamespaceDef *ns = virCTDomainGetNamespaceDef(def);

    if (virCTDomainIsPrivileged(def))
        return 0;
    plan->nsFlags |= CLONE_NEWUSER;
    if (def->idmap.nuidmap > 0) {
        plan->uidMap = virCTDomainPlanCopyIdMap(def->idmap.uidmap, def->idmap.nuidmap);
        plan->nuidMap = def->idmap.nuidmap;
        plan->gidMap = virCTDomainPlanCopyIdMap(def->idmap.gidmap, def->idmap.ngidmap);
        plan->ngidMap = def->idmap.ngidmap;
        return 0;
    }
    if (!ns || !ns->idrangeCount) {
        virReportError(
            VIR_ERR_INTERNAL_ERROR,
            _("container '%1$s' has no id range: define it again, or give it <ct:privileged/>"),
            def->name);
        return -1;
    }
    plan->uidMap = g_new0(ctPlanIdMap, 1);
    plan->uidMap->target = ns->idrangeTarget;
    plan->uidMap->count = ns->idrangeCount;
    plan->nuidMap = 1;
    plan->gidMap = g_new0(ctPlanIdMap, 1);
    *plan->gidMap = *plan->uidMap;
    plan->ngidMap = 1;
    return 0;
}

static void
virCTDomainPlanAddEnv(ctPlan *plan, const char *name, const char *value)
{
    VIR_REALLOC_N(plan->env, plan->nenv + 1);
    plan->env[plan->nenv++] = g_strdup_printf("%s=%s", name, value);
}

/* The environment init starts with: what libvirt-lxc gives, under our
 * name; "container" is what systemd looks for to know it is in one. */
static void
virCTDomainPlanEnv(ctPlan *plan, const virDomainDef *def)
{
    char uuidstr[VIR_UUID_STRING_BUFLEN];
    size_t i;

    virUUIDFormat(def->uuid, uuidstr);
    virCTDomainPlanAddEnv(plan, "PATH",
                          "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    virCTDomainPlanAddEnv(plan, "container", "libvirt-ct");
    virCTDomainPlanAddEnv(plan, "container_uuid", uuidstr);
    virCTDomainPlanAddEnv(plan, "LIBVIRT_CT_NAME", def->name);
    for (i = 0; def->os.initenv && def->os.initenv[i]; i++)
        virCTDomainPlanAddEnv(plan, def->os.initenv[i]->name, def->os.initenv[i]->value);
}

static void
virCTDomainPlanArgv(ctPlan *plan, const virDomainDef *def)
{
    size_t n = g_strv_length(def->os.initargv);
    size_t i;

    plan->argv = g_new0(char *, n + 2);
    plan->argv[plan->nargv++] = g_strdup(def->os.init);
    for (i = 0; i < n; i++)
        plan->argv[plan->nargv++] = g_strdup(def->os.initargv[i]);
}

/* The console's copies: a host PTY for <console type='pty'> (its path
 * comes back at start) and the <log> file. */
static int
virCTDomainPlanConsole(ctPlan *plan, const virDomainDef *def)
{
    const virDomainChrSourceDef *src;

    if (def->nconsoles == 0)
        return 0;
    src = def->consoles[0]->source;
    plan->consoleTty = src->type == VIR_DOMAIN_CHR_TYPE_PTY;
    if (!src->logfile)
        return 0;
    if (!g_path_is_absolute(src->logfile)) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("console <log file='%1$s'> must be an absolute path"), src->logfile);
        return -1;
    }
    plan->consoleLog = g_strdup(src->logfile);
    plan->consoleLogAppend = src->logappend == VIR_TRISTATE_SWITCH_ON;
    return 0;
}

ctPlan *
virCTDomainBuildPlan(virCTDriverConfig *cfg, const virDomainDef *def)
{
    return virCTDomainBuildPlanWithRoot(cfg, def, NULL);
}

/**
 * virCTDomainBuildPlanWithRoot:
 * @cfg: driver configuration (paths of the monitor, exit and log files)
 * @def: the definition to start
 * @rootDir: when not NULL, the host directory that stands for the source
 *     of a type='mount' root (the driver's kept bind of it)
 *
 * Returns a new plan (free with ctPlanFree()), or NULL with an error naming
 * the element that cannot be honoured.  The caller adds the cgroup files.
 */
ctPlan *
virCTDomainBuildPlanWithRoot(virCTDriverConfig *cfg, const virDomainDef *def, const char *rootDir)
{
    g_autoptr(ctPlan) plan = g_new0(ctPlan, 1);
    char uuidstr[VIR_UUID_STRING_BUFLEN];
    size_t i;

    if (!def->os.init) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED, "%s",
                       _("a container needs <os><init>: the program to run as its PID 1"));
        return NULL;
    }

    virUUIDFormat(def->uuid, uuidstr);
    plan->name = g_strdup(def->name);
    plan->uuid = g_strdup(uuidstr);
    plan->hostname = g_strndup(def->name, 64);
    plan->nsFlags =
        CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWCGROUP;
    if (virCTDomainPlanIdMaps(plan, def) < 0)
        return NULL;

    for (i = 0; i < def->nfss; i++) {
        if (virCTDomainPlanFilesystem(plan, cfg, def, def->fss[i]) < 0)
            return NULL;
    }
    /* named ids are looked up in the root init will really get */
    if (rootDir && plan->root && !plan->rootLower) {
        g_free(plan->root);
        plan->root = g_strdup(rootDir);
    }
    if (virCTDomainPlanIds(plan, cfg, def) < 0)
        return NULL;

    if (virCTDomainPlanConsole(plan, def) < 0)
        return NULL;
    virCTDomainPlanArgv(plan, def);
    virCTDomainPlanEnv(plan, def);
    plan->cwd = g_strdup(def->os.initdir ? def->os.initdir : "/");
    plan->capsKeep = virCTDomainPlanCaps(def);
    plan->monitorPath = virCTDomainStatePath(cfg, def->name, ".monitor");
    plan->exitPath = virCTDomainStatePath(cfg, def->name, ".exit");
    plan->logPath = g_strdup_printf("%s/%s.log", cfg->logDir, def->name);
    return g_steal_pointer(&plan);
}

char *
virCTDomainStatePath(virCTDriverConfig *cfg, const char *name, const char *suffix)
{
    return g_strdup_printf("%s/%s%s", cfg->stateDir, name, suffix);
}
