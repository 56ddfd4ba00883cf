/*
 * virt-ct-template: make, list, check and remove container templates,
 * and remove the layers of undefined containers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A template is made in a hidden directory (templates/.creating.NAME.PID)
 * and renamed into place when complete, so it is never seen half made; an
 * interrupted create removes that directory, and what a killed one left
 * is removed by the next run of this tool or of virtctd.
 */

#include <config.h>

#include <elf.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ct_domain_plan.h"
#include "ct_disk.h"
#include "ct_template_tool.h"
#include "vircommand.h"
#include "virerror.h"
#include "virfile.h"
#include "virgettext.h"
#include "virprocess.h"
#include "virstring.h"

#define VIR_FROM_THIS VIR_FROM_NONE

volatile sig_atomic_t interrupted;
static volatile pid_t childPid;
bool quiet;

static void
usage(FILE *fp)
{
    fprintf(
        fp,
        "usage: virt-ct-template [--data-dir DIR] COMMAND [ARGS]\n"
        "\n"
        "  create NAME --busybox                  a tiny template from the host's static busybox\n"
        "  create NAME --debootstrap SUITE [--variant VARIANT] [--include PKG,...]\n"
        "                                         [--mirror URL]   a Debian template\n"
        "  create NAME --tar FILE                 from a root file system tarball\n"
        "  create NAME --dir DIR                  from a copy of a directory\n"
        "  list                                   templates: name, size, created, containers\n"
        "  info NAME                              everything known of a template\n"
        "  verify NAME                            compare a template with its checksum\n"
        "  remove NAME                            remove a template no container uses\n"
        "  layers                                 the containers' writable layers\n"
        "  layer-remove NAME                      remove the layer of an undefined container\n"
        "  create NAME --from-container CT [--snapshot SNAP]\n"
        "                                         a template of what container CT sees\n"
        "  clone CT NEW [--snapshot SNAP]         a new container NEW with a copy of CT's layer\n"
        "  export CT FILE [--snapshot SNAP] [--snapshots] [--with-template]\n"
        "                                         container CT as one archive\n"
        "  import FILE [--name NEW] [--force]     a container from an archive\n"
        "\n"
        "Options: --quiet (no progress), --data-dir DIR (default /var/lib/libvirt/ct),\n"
        "--connect URI (default ct:///system), --help, --version.\n"
        "Exit status: 0 done, 1 failed, 2 usage, 3 refused.\n"
        "See virt-ct-template(1).\n");
}

static void
onSignal(int sig)
{
    interrupted = sig;
    if (childPid > 0)
        kill(childPid, SIGTERM);
}

int
fail(int code)
{
    fprintf(stderr, "virt-ct-template: %s\n", virGetLastErrorMessage());
    return code;
}

int
runCommand(virCommand *cmd)
{
    pid_t pid;
    int status = 0;

    if (virCommandRunAsync(cmd, &pid) < 0)
        return -1;
    childPid = pid;
    if (interrupted)
        kill(pid, SIGTERM);
    if (virCommandWait(cmd, &status) < 0) {
        childPid = 0;
        return -1;
    }
    childPid = 0;
    if (interrupted) {
        virReportError(VIR_ERR_OPERATION_ABORTED, _("interrupted by signal %1$d"), interrupted);
        return -1;
    }
    if (status != 0) {
        g_autofree char *str = virProcessTranslateStatus(status);

        virReportError(VIR_ERR_OPERATION_FAILED, _("'%1$s' failed: %2$s"),
                       virCommandToString(cmd, false), str);
        return -1;
    }
    return 0;
}

void
humanSize(unsigned long long bytes, char *buf, size_t len)
{
    const char *units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
    double v = bytes;
    size_t i = 0;

    while (v >= 1024 && i + 1 < G_N_ELEMENTS(units)) {
        v /= 1024;
        i++;
    }
    if (i == 0)
        g_snprintf(buf, len, "%llu B", bytes);
    else
        g_snprintf(buf, len, "%.1f %s", v, units[i]);
}

void
catchSignals(void)
{
    struct sigaction sa = { .sa_handler = onSignal };

    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    /* a child that ends early is seen by its exit status, not a SIGPIPE */
    signal(SIGPIPE, SIG_IGN);
}

int
checkInterrupted(void)
{
    if (!interrupted)
        return 0;
    virReportError(VIR_ERR_OPERATION_ABORTED, _("interrupted by signal %1$d"), interrupted);
    return -1;
}

static void
showProgress(unsigned long long files, unsigned long long bytes, void *opaque)
{
    char size[32];

    if (quiet || !isatty(STDERR_FILENO))
        return;
    humanSize(bytes, size, sizeof(size));
    fprintf(stderr, "\r%s: %llu files, %s read   ", (const char *)opaque, files, size);
}

void
progressLine(const char *fmt, ...)
{
    va_list ap;

    if (quiet)
        return;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* ---- sources ------------------------------------------------------- */

typedef struct {
    const char *busybox; /* "" for --busybox */
    const char *suite;
    const char *variant;
    const char *include;
    const char *mirror;
    const char *tar;
    const char *dir;
} createSource;

/* Whether the ELF file @path has no program interpreter (is static). */
static bool
isStaticElf(const char *path)
{
    VIR_AUTOCLOSE fd = open(path, O_RDONLY | O_CLOEXEC);
    Elf64_Ehdr eh;
    size_t i;

    if (fd < 0 || pread(fd, &eh, sizeof(eh), 0) != sizeof(eh) ||
        memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64)
        return false;
    for (i = 0; i < eh.e_phnum; i++) {
        Elf64_Phdr ph;

        if (pread(fd, &ph, sizeof(ph), eh.e_phoff + i * eh.e_phentsize) != sizeof(ph))
            return false;
        if (ph.p_type == PT_INTERP)
            return false;
    }
    return true;
}

static int
copyFile(const char *from, const char *to, mode_t mode)
{
    g_autofree char *data = NULL;
    g_autoptr(GError) gerr = NULL;
    gsize len;

    if (!g_file_get_contents(from, &data, &len, &gerr) ||
        !g_file_set_contents(to, data, len, &gerr)) {
        virReportError(VIR_ERR_OPERATION_FAILED, _("cannot copy '%1$s' to '%2$s': %3$s"), from, to,
                       gerr->message);
        return -1;
    }
    if (chmod(to, mode) < 0) {
        virReportSystemError(errno, _("cannot change mode of '%1$s'"), to);
        return -1;
    }
    return 0;
}

static int
writeFile(const char *root, const char *rel, const char *content, mode_t mode)
{
    g_autofree char *path = g_strdup_printf("%s/%s", root, rel);

    return virFileRewriteStr(path, mode, content);
}

static int
makeDirs(const char *root, const char *const *dirs, const mode_t *modes, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        g_autofree char *path = g_strdup_printf("%s/%s", root, dirs[i]);

        if (g_mkdir_with_parents(path, 0755) < 0 || chmod(path, modes[i]) < 0) {
            virReportSystemError(errno, _("cannot create '%1$s'"), path);
            return -1;
        }
    }
    return 0;
}

/* Every applet of busybox as a symlink to /bin/busybox, where busybox
 * itself says it belongs ("--list-full"). */
static int
linkApplets(const char *root)
{
    g_autoptr(virCommand) cmd = virCommandNewArgList("/bin/busybox", "--list-full", NULL);
    g_autofree char *out = NULL;
    g_auto(GStrv) lines = NULL;
    size_t i;

    virCommandSetOutputBuffer(cmd, &out);
    if (virCommandRun(cmd, NULL) < 0)
        return -1;
    lines = g_strsplit(out, "\n", 0);
    for (i = 0; lines[i]; i++) {
        g_autofree char *path = NULL;
        g_autofree char *dir = NULL;

        if (!*lines[i] || strstr(lines[i], "..") || STREQ(lines[i], "bin/busybox"))
            continue;
        path = g_strdup_printf("%s/%s", root, lines[i]);
        dir = g_path_get_dirname(path);
        if (g_mkdir_with_parents(dir, 0755) < 0 ||
            (symlink("/bin/busybox", path) < 0 && errno != EEXIST)) {
            virReportSystemError(errno, _("cannot create '%1$s'"), path);
            return -1;
        }
    }
    return 0;
}

static char *
packageVersion(const char *pkg)
{
    g_autoptr(virCommand) cmd =
        virCommandNewArgList("dpkg-query", "-W", "-f", "${Version}", pkg, NULL);
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    int status;

    virCommandSetOutputBuffer(cmd, &out);
    virCommandSetErrorBuffer(cmd, &err);
    if (virCommandRun(cmd, &status) < 0 || status != 0 || !out || !*out) {
        virResetLastError();
        return g_strdup("unknown version");
    }
    return g_steal_pointer(&out);
}

static int
populateBusybox(const char *root, char **source)
{
    static const char *const dirs[] = { "bin", "sbin", "usr/bin", "usr/sbin", "etc", "proc",
                                        "sys", "dev",  "tmp",     "root",     "run", "var/log" };
    static const mode_t modes[] = { 0755, 0755, 0755,  0755, 0755, 0555,
                                    0555, 0755, 01777, 0700, 0755, 0755 };
    g_autofree char *bin = g_strdup_printf("%s/bin/busybox", root);
    g_autofree char *mtab = g_strdup_printf("%s/etc/mtab", root);
    g_autofree char *version = NULL;

    if (!isStaticElf("/bin/busybox")) {
        virReportError(VIR_ERR_OPERATION_FAILED, "%s",
                       _("/bin/busybox is missing or not static: install busybox-static"));
        return -1;
    }
    if (makeDirs(root, dirs, modes, G_N_ELEMENTS(dirs)) < 0 ||
        copyFile("/bin/busybox", bin, 0755) < 0 || linkApplets(root) < 0)
        return -1;
    /* without an inittab busybox init would start shells on tty2..4 */
    if (writeFile(root, "etc/inittab",
                  "::sysinit:/bin/hostname -F /etc/hostname\n"
                  "::askfirst:-/bin/sh\n"
                  "::shutdown:/bin/sync\n",
                  0644) < 0 ||
        writeFile(root, "etc/passwd", "root:x:0:0:root:/root:/bin/sh\n", 0644) < 0 ||
        writeFile(root, "etc/group", "root:x:0:\n", 0644) < 0 ||
        writeFile(root, "etc/hostname", "localhost\n", 0644) < 0)
        return -1;
    if (symlink("/proc/mounts", mtab) < 0) {
        virReportSystemError(errno, _("cannot create '%1$s'"), mtab);
        return -1;
    }
    version = packageVersion("busybox-static");
    *source = g_strdup_printf("busybox: /bin/busybox of busybox-static %s", version);
    return 0;
}

/* The host's own Debian mirror (deb822 or one-line sources), so that a
 * template is made from the archive the host already reaches. */
static char *
defaultMirror(void)
{
    const char *files[] = { "/etc/apt/sources.list.d/debian.sources", "/etc/apt/sources.list" };
    size_t i;
    size_t j;

    for (i = 0; i < G_N_ELEMENTS(files); i++) {
        g_autofree char *text = NULL;
        g_auto(GStrv) lines = NULL;

        if (virFileReadAllQuiet(files[i], 1024 * 1024, &text) < 0)
            continue;
        lines = g_strsplit(text, "\n", 0);
        for (j = 0; lines[j]; j++) {
            g_auto(GStrv) words = g_strsplit_set(g_strstrip(lines[j]), " \t", 0);
            size_t k = 1;

            if (STREQ(words[0], "URIs:") && words[1])
                return g_strdup(words[1]);
            if (STRNEQ(words[0], "deb"))
                continue;
            while (words[k] && (words[k][0] == '[' || !*words[k]))
                k++;
            while (words[k] && words[k - 1][0] == '[' && !strchr(words[k - 1], ']'))
                k++;
            if (words[k] && STRPREFIX(words[k], "http"))
                return g_strdup(words[k]);
        }
    }
    return g_strdup("http://deb.debian.org/debian");
}

static int
populateDebootstrap(const char *root, const createSource *src, char **source)
{
    g_autoptr(virCommand) cmd = virCommandNew("debootstrap");
    g_autofree char *mirror = src->mirror ? g_strdup(src->mirror) : defaultMirror();
    const char *caches[] = { "var/cache/apt/archives", "var/lib/apt/lists" };
    size_t i;

    if (src->variant)
        virCommandAddArgFormat(cmd, "--variant=%s", src->variant);
    if (src->include)
        virCommandAddArgFormat(cmd, "--include=%s", src->include);
    virCommandAddArgList(cmd, src->suite, root, mirror, NULL);
    if (quiet)
        virCommandSetOutputFD(cmd, &(int){ -1 });
    else
        virCommandSetOutputFD(cmd, &(int){ STDERR_FILENO });
    virCommandSetErrorFD(cmd, &(int){ STDERR_FILENO });
    progressLine("debootstrap %s from %s ...", src->suite, mirror);
    if (runCommand(cmd) < 0)
        return -1;
    /* what apt downloaded is not part of the system */
    for (i = 0; i < G_N_ELEMENTS(caches); i++) {
        g_autofree char *dir = g_strdup_printf("%s/%s", root, caches[i]);
        g_autoptr(virCommand) clean = virCommandNewArgList(
            "find", dir, "-mindepth", "1", "-maxdepth", "1", "-type", "f", "-delete", NULL);

        if (virFileIsDir(dir) && virCommandRun(clean, NULL) < 0)
            return -1;
    }
    *source =
        g_strdup_printf("debootstrap: %s%s%s%s%s from %s", src->suite,
                        src->variant ? ", variant " : "", NULLSTR_EMPTY(src->variant),
                        src->include ? ", include " : "", NULLSTR_EMPTY(src->include), mirror);
    return 0;
}

static int
populateTar(const char *root, const char *tar, char **source)
{
    g_autofree char *abs = g_canonicalize_filename(tar, NULL);
    g_autoptr(virCommand) cmd = NULL;

    if (!virFileExists(abs)) {
        virReportSystemError(ENOENT, _("cannot read tarball '%1$s'"), tar);
        return -1;
    }
    /* GNU tar recognizes the compression itself */
    cmd = virCommandNewArgList("tar", "-x", "-f", abs, "-C", root, "--numeric-owner",
                               "--preserve-permissions", "--xattrs", "--xattrs-include=*", NULL);
    progressLine("extracting %s ...", abs);
    if (runCommand(cmd) < 0)
        return -1;
    *source = g_strdup_printf("tar: %s", abs);
    return 0;
}

static int
populateDir(const char *root, const char *dir, char **source)
{
    g_autofree char *abs = g_canonicalize_filename(dir, NULL);
    g_autofree char *from = g_strdup_printf("%s/.", abs);
    g_autoptr(virCommand) cmd = NULL;

    if (!virFileIsDir(abs)) {
        virReportError(VIR_ERR_INVALID_ARG, _("'%1$s' is not a directory"), dir);
        return -1;
    }
    cmd = virCommandNewArgList("cp", "-a", "--reflink=auto", from, root, NULL);
    progressLine("copying %s ...", abs);
    if (runCommand(cmd) < 0)
        return -1;
    *source = g_strdup_printf("dir: %s", abs);
    return 0;
}

static int
populate(const char *root, const createSource *src, char **source)
{
    if (src->busybox)
        return populateBusybox(root, source);
    if (src->suite)
        return populateDebootstrap(root, src, source);
    if (src->tar)
        return populateTar(root, src->tar, source);
    return populateDir(root, src->dir, source);
}

/* ---- commands ------------------------------------------------------ */

static bool
templateExists(virCTStore *store, const char *name)
{
    g_autofree char *path = virCTTemplatePath(store, name);

    return virFileExists(path);
}

int
commitTemplate(virCTStore *store, const char *tmp, const char *name)
{
    g_autofree char *path = virCTTemplatePath(store, name);
    VIR_AUTOCLOSE lock = virCTStoreLock(store);

    if (lock < 0)
        return EXIT_FAILED;
    if (virFileExists(path)) {
        virReportError(VIR_ERR_OPERATION_INVALID, _("template '%1$s' already exists"), name);
        return EXIT_REFUSED;
    }
    if (rename(tmp, path) < 0) {
        virReportSystemError(errno, _("cannot rename '%1$s' to '%2$s'"), tmp, path);
        return EXIT_FAILED;
    }
    return EXIT_OK;
}

static int
cmdCreate(virCTStore *store, const char *name, const createSource *src)
{
    g_autoptr(virCTTemplate) tmpl = g_new0(virCTTemplate, 1);
    g_autofree char *tmp = NULL;
    g_autofree char *root = NULL;
    int rc = EXIT_FAILED;

    if (virCTTemplateCheckName("template", name) < 0)
        return fail(EXIT_USAGE);
    if (templateExists(store, name)) {
        virReportError(VIR_ERR_OPERATION_INVALID, _("template '%1$s' already exists"), name);
        return fail(EXIT_REFUSED);
    }
    catchSignals();
    tmp = virCTTemplateStagingPath(store, name, false);
    root = g_strdup_printf("%s/root", tmp);
    if (g_mkdir_with_parents(root, 0755) < 0) {
        virReportSystemError(errno, _("cannot create '%1$s'"), root);
        goto cleanup;
    }
    tmpl->name = g_strdup(name);
    tmpl->created = time(NULL);
    if (populate(root, src, &tmpl->source) < 0 ||
        virCTTemplateScan(root, tmpl, showProgress, (void *)"checksum") < 0)
        goto cleanup;
    if (!quiet && isatty(STDERR_FILENO))
        fputc('\n', stderr);
    if (interrupted) {
        virReportError(VIR_ERR_OPERATION_ABORTED, _("interrupted by signal %1$d"), interrupted);
        goto cleanup;
    }
    if (virCTTemplateSave(tmp, tmpl) < 0)
        goto cleanup;
    rc = commitTemplate(store, tmp, name);
    if (rc == EXIT_OK) {
        char size[32];

        humanSize(tmpl->size, size, sizeof(size));
        progressLine("template '%s' created: %s, %llu files, %s", name, size, tmpl->files,
                     tmpl->checksum);
    }

 cleanup:
    if (rc != EXIT_OK) {
        virErrorPtr err;

        virErrorPreserveLast(&err);
        virCTStoreDeleteTree(tmp);
        virErrorRestore(&err);
        return fail(rc);
    }
    return rc;
}

/* The layers that use template @name, as "NAME (owner)" strings. */
static GPtrArray *
templateUsers(virCTStore *store, const char *name)
{
    GPtrArray *users = g_ptr_array_new_with_free_func(g_free);
    virCTLayer **layers = NULL;
    int n = virCTLayerList(store, &layers);
    int i;

    for (i = 0; i < n; i++) {
        if (STREQ(layers[i]->template, name))
            g_ptr_array_add(users, g_strdup_printf("%s (%s)", layers[i]->name,
                                                   virCTLayerOwnerTypeToString(layers[i]->owner)));
    }
    virCTLayerListFree(layers, n);
    if (n < 0) {
        g_ptr_array_free(users, true);
        return NULL;
    }
    return users;
}

static void
formatTime(long long when, char *buf, size_t len)
{
    g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local(when);
    g_autofree char *str = dt ? g_date_time_format(dt, "%Y-%m-%d %H:%M:%S") : NULL;

    g_strlcpy(buf, str ? str : "-", len);
}

static int
cmdList(virCTStore *store)
{
    g_auto(GStrv) names = NULL;
    size_t i;

    if (virCTTemplateList(store, &names) < 0)
        return fail(EXIT_FAILED);
    printf("%-24s %12s  %-19s  %s\n", "NAME", "SIZE", "CREATED", "CONTAINERS");
    for (i = 0; names[i]; i++) {
        g_autoptr(virCTTemplate) tmpl = NULL;
        g_autoptr(GPtrArray) users = NULL;
        char size[32];
        char created[32];

        if (virCTTemplateLoad(store, names[i], &tmpl) < 0 ||
            !(users = templateUsers(store, names[i])))
            return fail(EXIT_FAILED);
        humanSize(tmpl->size, size, sizeof(size));
        formatTime(tmpl->created, created, sizeof(created));
        printf("%-24s %12s  %-19s  %u\n", names[i], size, created, users->len);
    }
    return EXIT_OK;
}

static int
cmdInfo(virCTStore *store, const char *name)
{
    g_autoptr(virCTTemplate) tmpl = NULL;
    g_autoptr(GPtrArray) users = NULL;
    g_autofree char *root = NULL;
    char created[32];
    size_t i;

    if (virCTTemplateLoad(store, name, &tmpl) < 0 || !(users = templateUsers(store, name)))
        return fail(EXIT_FAILED);
    root = virCTTemplateRootPath(store, name);
    formatTime(tmpl->created, created, sizeof(created));
    printf("Name:       %s\n", name);
    printf("Root:       %s\n", root);
    printf("Source:     %s\n", NULLSTR_EMPTY(tmpl->source));
    printf("Created:    %s\n", created);
    printf("Size:       %llu bytes\n", tmpl->size);
    printf("Files:      %llu\n", tmpl->files);
    printf("Checksum:   %s\n", NULLSTR_EMPTY(tmpl->checksum));
    printf("Containers: %u\n", users->len);
    for (i = 0; i < users->len; i++)
        printf("            %s\n", (const char *)g_ptr_array_index(users, i));
    return EXIT_OK;
}

static int
cmdVerify(virCTStore *store, const char *name)
{
    g_autoptr(virCTTemplate) tmpl = NULL;
    g_autoptr(virCTTemplate) now = g_new0(virCTTemplate, 1);
    g_autofree char *root = NULL;

    if (virCTTemplateLoad(store, name, &tmpl) < 0)
        return fail(EXIT_FAILED);
    root = virCTTemplateRootPath(store, name);
    if (virCTTemplateScan(root, now, showProgress, (void *)"verify") < 0)
        return fail(EXIT_FAILED);
    if (!quiet && isatty(STDERR_FILENO))
        fputc('\n', stderr);
    if (STRNEQ_NULLABLE(now->checksum, tmpl->checksum)) {
        fprintf(stderr,
                "virt-ct-template: template '%s' has changed: checksum %s, recorded %s "
                "(%llu files now, %llu recorded)\n",
                name, now->checksum, NULLSTR(tmpl->checksum), now->files, tmpl->files);
        return EXIT_FAILED;
    }
    printf("%s: OK (%s)\n", name, now->checksum);
    return EXIT_OK;
}

static int
cmdRemove(virCTStore *store, const char *name)
{
    g_autoptr(GPtrArray) users = NULL;
    g_autoptr(virCTTemplate) tmpl = NULL;
    g_autofree char *path = NULL;
    g_autofree char *gone = NULL;
    VIR_AUTOCLOSE lock = -1;

    if (virCTTemplateCheckName("template", name) < 0)
        return fail(EXIT_USAGE);
    if ((lock = virCTStoreLock(store)) < 0 || virCTTemplateLoad(store, name, &tmpl) < 0 ||
        !(users = templateUsers(store, name)))
        return fail(EXIT_FAILED);
    if (users->len > 0) {
        g_ptr_array_add(users, NULL);
        g_autofree char *list = g_strjoinv(", ", (char **)users->pdata);

        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("template '%1$s' is used by %2$u container(s): %3$s"), name,
                       users->len - 1, list);
        return fail(EXIT_REFUSED);
    }
    path = virCTTemplatePath(store, name);
    gone = virCTTemplateStagingPath(store, name, true);
    /* gone from the store at once; deleting the files may take a while */
    if (rename(path, gone) < 0) {
        virReportSystemError(errno, _("cannot remove '%1$s'"), path);
        return fail(EXIT_FAILED);
    }
    VIR_FORCE_CLOSE(lock);
    if (virCTStoreDeleteTree(gone) < 0)
        return fail(EXIT_FAILED);
    progressLine("template '%s' removed", name);
    return EXIT_OK;
}

static int
cmdLayers(virCTStore *store)
{
    virCTLayer **layers = NULL;
    int n = virCTLayerList(store, &layers);
    int i;

    if (n < 0)
        return fail(EXIT_FAILED);
    printf("%-24s %-20s %-10s %12s %12s\n", "CONTAINER", "TEMPLATE", "OWNER", "LIMIT", "USED");
    for (i = 0; i < n; i++) {
        g_autoptr(virCTLayerPaths) paths = virCTLayerPathsNew(store, layers[i]->name, NULL, false);
        unsigned long long used;
        unsigned long long files;
        char limit[32] = "-";
        char usedStr[32];

        virCTStoreUsage(paths->dir, &used, &files);
        if (layers[i]->spaceLimit)
            humanSize(layers[i]->spaceLimit, limit, sizeof(limit));
        humanSize(used, usedStr, sizeof(usedStr));
        printf("%-24s %-20s %-10s %12s %12s\n", layers[i]->name, layers[i]->template,
               virCTLayerOwnerTypeToString(layers[i]->owner), limit, usedStr);
    }
    virCTLayerListFree(layers, n);
    return EXIT_OK;
}

static int
cmdLayerRemove(virCTStore *store, virCTDriverConfig *cfg, const char *name)
{
    g_autoptr(virCTLayer) layer = NULL;
    g_autofree char *status = virCTDomainStatePath(cfg, name, ".xml");
    VIR_AUTOCLOSE lock = -1;
    int rc;

    if (virCTTemplateCheckName("container", name) < 0)
        return fail(EXIT_USAGE);
    if ((lock = virCTStoreLock(store)) < 0 || (rc = virCTLayerLoad(store, name, &layer)) < 0)
        return fail(EXIT_FAILED);
    if (rc == 0) {
        virReportError(VIR_ERR_NO_DOMAIN, _("there is no layer of a container named '%1$s'"), name);
        return fail(EXIT_FAILED);
    }
    if (layer->owner != VIR_CT_LAYER_ORPHANED && layer->owner != VIR_CT_LAYER_SAVED) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("the layer of '%1$s' belongs to a %2$s container: undefine it first"),
                       name, virCTLayerOwnerTypeToString(layer->owner));
        return fail(EXIT_REFUSED);
    }
    if (virFileExists(status)) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("container '%1$s' still runs on this layer: stop it first"), name);
        return fail(EXIT_REFUSED);
    }
    if (virCTLayerRemove(store, name) < 0)
        return fail(EXIT_FAILED);
    progressLine("layer of '%s' removed", name);
    return EXIT_OK;
}

/* ---- main ---------------------------------------------------------- */

static int
needArgs(int argc, int optind, int n, const char *cmd)
{
    if (argc - optind != n) {
        fprintf(stderr, "virt-ct-template: '%s' takes %d argument(s)\n", cmd, n - 1);
        usage(stderr);
        return -1;
    }
    return 0;
}

static int
checkCreateSource(const createSource *src, const ctToolOptions *opts)
{
    int n = !!src->busybox + !!src->suite + !!src->tar + !!src->dir + !!opts->container;

    if (n != 1) {
        fprintf(stderr, "virt-ct-template: create needs exactly one of --busybox, "
                        "--debootstrap, --tar, --dir, --from-container\n");
        return -1;
    }
    if (!src->suite && (src->variant || src->include || src->mirror)) {
        fprintf(stderr,
                "virt-ct-template: --variant, --include and --mirror go with --debootstrap\n");
        return -1;
    }
    return 0;
}

/* Whether the options given suit command @cmd: each option goes with the
 * commands that read it. */
static int
checkOptionsFit(const char *cmd, const createSource *src, const ctToolOptions *opts)
{
    bool create = STREQ(cmd, "create");
    bool clone = STREQ(cmd, "clone");
    bool export = STREQ(cmd, "export");
    bool import = STREQ(cmd, "import");
    const char *wrong = NULL;

    if (!create && (src->busybox || src->suite || src->tar || src->dir || src->variant ||
                    src->include || src->mirror || opts->container))
        wrong = "source options go with 'create' only";
    else if (opts->snapshot && !(create || clone || export))
        wrong = "--snapshot goes with create --from-container, clone and export";
    else if (opts->snapshot && create && !opts->container)
        wrong = "--snapshot goes with --from-container";
    else if ((opts->snapshots || opts->withTemplate) && !export)
        wrong = "--snapshots and --with-template go with 'export'";
    else if ((opts->name || opts->force) && !import)
        wrong = "--name and --force go with 'import'";
    else if (opts->uri && !(clone || export || import || opts->container))
        wrong = "--connect goes with clone, export, import and create --from-container";
    if (!wrong)
        return 0;
    fprintf(stderr, "virt-ct-template: %s\n", wrong);
    return -1;
}

/* Reads the options into @src, @opts and *@dataDir.  Returns -1 to go on
 * with the command, or the code to exit with (--help, --version, bad
 * usage). */
static int
parseOptions(int argc, char **argv, createSource *src, ctToolOptions *opts, char **dataDir)
{
    static const struct option longopts[] = {
        { "busybox", no_argument, NULL, 'b' },
        { "debootstrap", required_argument, NULL, 'D' },
        { "variant", required_argument, NULL, 'V' },
        { "include", required_argument, NULL, 'i' },
        { "mirror", required_argument, NULL, 'm' },
        { "tar", required_argument, NULL, 't' },
        { "dir", required_argument, NULL, 'd' },
        { "from-container", required_argument, NULL, 'F' },
        { "snapshot", required_argument, NULL, 's' },
        { "snapshots", no_argument, NULL, 'S' },
        { "with-template", no_argument, NULL, 'T' },
        { "name", required_argument, NULL, 'n' },
        { "force", no_argument, NULL, 'f' },
        { "connect", required_argument, NULL, 'c' },
        { "data-dir", required_argument, NULL, 'R' },
        { "quiet", no_argument, NULL, 'q' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'v' },
        { NULL, 0, NULL, 0 },
    };
    int c;

    while ((c = getopt_long(argc, argv, "c:qhv", longopts, NULL)) != -1) {
        switch (c) {
        case 'b':
            src->busybox = "";
            break;
        case 'D':
            src->suite = optarg;
            break;
        case 'V':
            src->variant = optarg;
            break;
        case 'i':
            src->include = optarg;
            break;
        case 'm':
            src->mirror = optarg;
            break;
        case 't':
            src->tar = optarg;
            break;
        case 'd':
            src->dir = optarg;
            break;
        case 'F':
            opts->container = optarg;
            break;
        case 's':
            opts->snapshot = optarg;
            break;
        case 'S':
            opts->snapshots = true;
            break;
        case 'T':
            opts->withTemplate = true;
            break;
        case 'n':
            opts->name = optarg;
            break;
        case 'f':
            opts->force = true;
            break;
        case 'c':
            opts->uri = optarg;
            break;
        case 'R':
            g_free(*dataDir);
            *dataDir = g_strdup(optarg);
            break;
        case 'q':
            quiet = true;
            break;
        case 'h':
            usage(stdout);
            return EXIT_OK;
        case 'v':
            printf("virt-ct-template %s\n", CT_VERSION);
            return EXIT_OK;
        default:
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return EXIT_USAGE;
    }
    return -1;
}

typedef int (*commandOne)(virCTStore *store, const char *arg);

/* The commands that take one name and no options. */
static const struct {
    const char *name;
    commandOne run;
} commandsOne[] = {
    { "info", cmdInfo },
    { "verify", cmdVerify },
    { "remove", cmdRemove },
};

/* Runs the command argv[optind] on @store; @cfg has the daemon's paths. */
static int
runCommandLine(virCTStore *store, virCTDriverConfig *cfg, int argc, char **argv,
               const createSource *src, const ctToolOptions *opts)
{
    const char *cmd = argv[optind];
    char **args = argv + optind + 1;
    size_t i;

    if (checkOptionsFit(cmd, src, opts) < 0)
        return EXIT_USAGE;
    if (STREQ(cmd, "create")) {
        if (needArgs(argc, optind, 2, cmd) < 0 || checkCreateSource(src, opts) < 0)
            return EXIT_USAGE;
        if (opts->container)
            return cmdCreateFromContainer(store, args[0], opts);
        return cmdCreate(store, args[0], src);
    }
    if (STREQ(cmd, "list") || STREQ(cmd, "layers")) {
        if (needArgs(argc, optind, 1, cmd) < 0)
            return EXIT_USAGE;
        return STREQ(cmd, "list") ? cmdList(store) : cmdLayers(store);
    }
    if (STREQ(cmd, "clone") || STREQ(cmd, "export")) {
        if (needArgs(argc, optind, 3, cmd) < 0)
            return EXIT_USAGE;
        if (STREQ(cmd, "clone"))
            return cmdClone(store, args[0], args[1], opts);
        return cmdExport(store, args[0], args[1], opts);
    }
    if (needArgs(argc, optind, 2, cmd) < 0)
        return EXIT_USAGE;
    for (i = 0; i < G_N_ELEMENTS(commandsOne); i++) {
        if (STREQ(cmd, commandsOne[i].name))
            return commandsOne[i].run(store, args[0]);
    }
    if (STREQ(cmd, "layer-remove"))
        return cmdLayerRemove(store, cfg, args[0]);
    if (STREQ(cmd, "import"))
        return cmdImport(store, args[0], opts);
    fprintf(stderr, "virt-ct-template: unknown command '%s'\n", cmd);
    usage(stderr);
    return EXIT_USAGE;
}

int
main(int argc, char **argv)
{
    createSource src = { 0 };
    ctToolOptions opts = { 0 };
    g_autofree char *dataDir = NULL;
    g_autoptr(virCTDriverConfig) cfg = NULL;
    g_autoptr(virCTStore) store = NULL;
    int rc;

    if (virGettextInitialize() < 0 || virErrorInitialize() < 0)
        return EXIT_FAILED;
    if ((rc = parseOptions(argc, argv, &src, &opts, &dataDir)) >= 0)
        return rc;
    /* the daemon's layout, under CT_ROOT when that is set */
    if (!(cfg = virCTDriverConfigNew(true, NULL)))
        return fail(EXIT_FAILED);
    store = virCTStoreNew(dataDir ? dataDir : cfg->dataDir);
    /* containers/ on the layer pool, as the daemon mounts it: what is
     * written there before the daemon ran would be hidden under it */
    if (!dataDir) {
        g_autofree char *configFile = virCTDriverConfigFilePath(cfg);

        if (virCTDriverConfigLoadFile(cfg, configFile) < 0 ||
            (cfg->layerPool &&
             virCTDiskPoolMount(cfg->layerPool, store->containerDir, cfg->layerPoolSize) < 0))
            return fail(EXIT_FAILED);
    }
    virCTTemplateSweep(store);
    return runCommandLine(store, cfg, argc, argv, &src, &opts);
}
