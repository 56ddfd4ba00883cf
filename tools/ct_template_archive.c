/*
 * ct_template_archive.c: a container as one file: export, import
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The archive is a POSIX tar (GNU tar, sparse-aware, with extended
 * attributes and numeric owners) holding, in this order:
 *
 *   manifest        key file: format, version, the container's name and
 *                   UUID, its template's name and checksum, what the
 *                   layer is (upper directory or disk image) and its
 *                   checksum, whether snapshots and the template came
 *   domain.xml      the inactive definition
 *   layer.conf      the layer's record
 *   layer/upper/... or layer/disk.img: the layer
 *   snapshots/...   the container's snapshots (export --snapshots)
 *   template/...    its template, root/ and template.conf (--with-template)
 *
 * Export assembles that tree from bind mounts in a mount namespace of
 * its own, so nothing is copied before tar reads it.  Import unpacks it
 * in a hidden directory of the store, checks it (format, template, the
 * layer's checksum), and only then moves the layer into place and
 * defines the domain: a failure leaves nothing behind.
 */

#include <config.h>

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ct_copy.h"
#include "ct_template_tool.h"
#include "virerror.h"
#include "virfile.h"
#include "virprocess.h"
#include "virstring.h"
#include "virutil.h"
#include "viruuid.h"

#define VIR_FROM_THIS VIR_FROM_NONE

#define ARCHIVE_GROUP "archive"
#define ARCHIVE_FORMAT "libvirt-ct-container"
#define ARCHIVE_VERSION 1

/* ---- streaming with progress ---------------------------------------- */

typedef struct {
    const char *what; /* "export", "import" */
    unsigned long long total; /* expected bytes, 0: unknown */
    unsigned long long done;
    gint64 start;
    gint64 last;
} pumpState;

static void
pumpProgress(pumpState *st, bool final)
{
    gint64 now = g_get_monotonic_time();
    double secs = (now - st->start) / (double)G_USEC_PER_SEC;
    char done[32];
    char total[32];

    if (!final && now - st->last < G_USEC_PER_SEC)
        return;
    st->last = now;
    if (final || st->done < 64ULL * 1024 * 1024)
        return;
    humanSize(st->done, done, sizeof(done));
    humanSize(st->total, total, sizeof(total));
    if (st->total)
        progressLine("%s: %s of about %s, %.0f MB/s", st->what, done, total,
                     secs > 0 ? st->done / secs / 1e6 : 0);
    else
        progressLine("%s: %s, %.0f MB/s", st->what, done, secs > 0 ? st->done / secs / 1e6 : 0);
}

/* Copies @in to @out until the end of @in. */
static int
pump(int in, int out, const char *inName, const char *outName, pumpState *st)
{
    g_autofree char *buf = g_new(char, 1024 * 1024);
    ssize_t n;

    while ((n = read(in, buf, 1024 * 1024)) != 0) {
        if (n < 0) {
            if (errno != EINTR) {
                virReportSystemError(errno, _("cannot read '%1$s'"), inName);
                return -1;
            }
            if (checkInterrupted() < 0)
                return -1;
            continue;
        }
        if (checkInterrupted() < 0)
            return -1;
        if (safewrite(out, buf, n) != n) {
            virReportSystemError(errno, _("cannot write '%1$s'"), outName);
            return -1;
        }
        st->done += n;
        pumpProgress(st, false);
    }
    return 0;
}

/* Waits for tar @cmd; its complaints, kept in @errFile, make the error
 * about @archive (@writing it, or reading it). */
static int
tarWait(virCommand *cmd, const char *errFile, const char *archive, bool writing)
{
    g_autofree char *err = NULL;
    int status = 0;

    if (virCommandWait(cmd, &status) < 0)
        return -1;
    if (status == 0)
        return 0;
    if (virFileReadAllQuiet(errFile, 4096, &err) < 0 || !*err)
        err = virProcessTranslateStatus(status);
    if (writing)
        virReportError(VIR_ERR_OPERATION_FAILED, _("cannot write archive '%1$s': %2$s"), archive,
                       g_strstrip(err));
    else
        virReportError(VIR_ERR_OPERATION_FAILED, _("archive '%1$s' is damaged or unreadable: %2$s"),
                       archive, g_strstrip(err));
    return -1;
}

/* tar @cmd with its errors into a new temporary file, whose name is
 * returned in @errFile and descriptor in @fd (to close once it runs). */
static int
tarErrors(virCommand *cmd, char **errFile, int *fd)
{
    g_autoptr(GError) gerr = NULL;

    if ((*fd = g_file_open_tmp("ct-tar-XXXXXX", errFile, &gerr)) < 0) {
        virReportError(VIR_ERR_OPERATION_FAILED, _("cannot make a temporary file: %1$s"),
                       gerr->message);
        return -1;
    }
    virCommandSetErrorFD(cmd, fd);
    return 0;
}

static void
tarCommonArgs(virCommand *cmd)
{
    virCommandAddArgList(cmd, "--format=posix", "--numeric-owner", "--xattrs", "--xattrs-include=*",
                         "--acls", NULL);
}

/* ---- export --------------------------------------------------------- */

typedef struct {
    char *stage; /* the tree tar reads */
    GPtrArray *mounts; /* bind mounts in it, undone last first */
    const char *skipSnapshot; /* the temporary snapshot of a running container */
} exportStage;

static void
exportStageClear(exportStage *st)
{
    virErrorPtr err;

    virErrorPreserveLast(&err);
    while (st->mounts && st->mounts->len > 0) {
        const char *mnt = g_ptr_array_index(st->mounts, st->mounts->len - 1);

        ignore_value(umount2(mnt, MNT_DETACH));
        g_ptr_array_remove_index(st->mounts, st->mounts->len - 1);
    }
    if (st->stage)
        ignore_value(virCTStoreDeleteTree(st->stage));
    g_clear_pointer(&st->stage, g_free);
    g_clear_pointer(&st->mounts, g_ptr_array_unref);
    virErrorRestore(&err);
}

/* Shows @from at @rel in the stage (a directory or a file). */
static int
exportBind(exportStage *st, const char *from, const char *rel, bool dir)
{
    g_autofree char *to = g_strdup_printf("%s/%s", st->stage, rel);
    g_autofree char *parent = g_path_get_dirname(to);

    if (g_mkdir_with_parents(parent, 0700) < 0 ||
        (dir ? mkdir(to, 0700) : virFileTouch(to, 0600)) < 0) {
        virReportSystemError(errno, _("cannot create '%1$s'"), to);
        return -1;
    }
    if (mount(from, to, "none", MS_BIND, NULL) < 0) {
        virReportSystemError(errno, _("cannot bind '%1$s' on '%2$s'"), from, to);
        return -1;
    }
    g_ptr_array_add(st->mounts, g_steal_pointer(&to));
    return 0;
}

static int
exportWriteFile(const char *stage, const char *name, const char *content)
{
    g_autofree char *path = g_strdup_printf("%s/%s", stage, name);

    return virFileRewriteStr(path, 0600, content);
}

/* The manifest of @src on template @tmpl.  The checksums of the layer
 * (the stage's layer/ directory) and of the template's root (@tmplSum,
 * with --with-template) are virCTTreeChecksum()'s: the same wherever the
 * archive is unpacked. */
static char *
exportManifest(const ctToolSource *src, const virCTTemplate *tmpl, const char *layerSum,
               const char *tmplSum, const ctToolOptions *opts)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();

    g_key_file_set_string(kf, ARCHIVE_GROUP, "format", ARCHIVE_FORMAT);
    g_key_file_set_integer(kf, ARCHIVE_GROUP, "version", ARCHIVE_VERSION);
    g_key_file_set_int64(kf, ARCHIVE_GROUP, "created", time(NULL));
    g_key_file_set_string(kf, ARCHIVE_GROUP, "name", src->name);
    g_key_file_set_string(kf, ARCHIVE_GROUP, "uuid", src->uuid);
    if (src->snapshot)
        g_key_file_set_string(kf, ARCHIVE_GROUP, "from-snapshot", src->snapshot);
    g_key_file_set_string(kf, ARCHIVE_GROUP, "template", tmpl->name);
    g_key_file_set_string(kf, ARCHIVE_GROUP, "template-checksum", tmpl->checksum);
    g_key_file_set_boolean(kf, ARCHIVE_GROUP, "with-template", opts->withTemplate);
    if (tmplSum)
        g_key_file_set_string(kf, ARCHIVE_GROUP, "template-content", tmplSum);
    g_key_file_set_string(kf, ARCHIVE_GROUP, "layer",
                          src->image   ? "image"
                          : src->upper ? "upper"
                                       : "empty");
    g_key_file_set_string(kf, ARCHIVE_GROUP, "layer-checksum", layerSum);
    g_key_file_set_boolean(kf, ARCHIVE_GROUP, "snapshots", opts->snapshots);
    return g_key_file_to_data(kf, NULL, NULL);
}

/* Fills the stage: manifest, definition, record, and binds of the layer,
 * the snapshots and the template.  *total: bytes to expect. */
static int
exportFill(virCTStore *store, const ctToolSource *src, const virCTTemplate *tmpl,
           const ctToolOptions *opts, exportStage *st, unsigned long long *total)
{
    g_autofree char *conf = g_strdup_printf("%s/layer.conf", src->dir);
    g_autofree char *confText = NULL;
    g_autofree char *layerDir = g_strdup_printf("%s/layer", st->stage);
    g_autofree char *snaps = g_strdup_printf("%s/%s/snapshots", store->containerDir, src->name);
    g_autofree char *tmplDir = virCTTemplatePath(store, tmpl->name);
    g_autofree char *manifest = NULL;
    g_autofree char *layerSum = NULL;
    g_autofree char *tmplSum = NULL;
    g_autofree char *tmplRoot = g_strdup_printf("%s/template/root", st->stage);
    unsigned long long bytes;
    unsigned long long files;

    if (ctToolPrivateMounts() < 0 || g_mkdir_with_parents(layerDir, 0700) < 0 ||
        virFileReadAll(conf, 64 * 1024, &confText) < 0)
        return -1;
    if ((src->image && exportBind(st, src->image, "layer/disk.img", false) < 0) ||
        (src->upper && exportBind(st, src->upper, "layer/upper", true) < 0) ||
        (opts->snapshots && virFileIsDir(snaps) && exportBind(st, snaps, "snapshots", true) < 0) ||
        (opts->withTemplate && exportBind(st, tmplDir, "template", true) < 0))
        return -1;
    progressLine("export: checksums ...");
    if (virCTTreeChecksum(layerDir, &layerSum) < 0 ||
        (opts->withTemplate && virCTTreeChecksum(tmplRoot, &tmplSum) < 0))
        return -1;
    manifest = exportManifest(src, tmpl, layerSum, tmplSum, opts);
    if (exportWriteFile(st->stage, "manifest", manifest) < 0 ||
        exportWriteFile(st->stage, "domain.xml", src->xml) < 0 ||
        exportWriteFile(st->stage, "layer.conf", confText) < 0)
        return -1;
    virCTStoreUsage(st->stage, &bytes, &files);
    *total = bytes;
    return 0;
}

/* The temporary snapshot of a running container stays out of the
 * archive, and so does "current" when it names it. */
static void
exportSkipSnapshot(virCommand *cmd, exportStage *st)
{
    g_autofree char *current = g_strdup_printf("%s/snapshots/current", st->stage);
    g_autofree char *name = NULL;

    if (!st->skipSnapshot)
        return;
    virCommandAddArgFormat(cmd, "--exclude=snapshots/%s", st->skipSnapshot);
    if (virFileReadAllQuiet(current, 1024, &name) >= 0 && STREQ(g_strstrip(name), st->skipSnapshot))
        virCommandAddArg(cmd, "--exclude=snapshots/current");
}

/* tar of the stage into @fd. */
static int
exportTar(exportStage *st, const ctToolOptions *opts, int fd, const char *tmp, const char *file,
          unsigned long long total, unsigned long long *bytes)
{
    g_autoptr(virCommand) cmd =
        virCommandNewArgList("tar", "-c", "-f", "-", "-C", st->stage, "--sparse", NULL);
    g_autofree char *errFile = NULL;
    g_autofree char *snaps = g_strdup_printf("%s/snapshots", st->stage);
    pumpState ps = { "export", total, 0, g_get_monotonic_time(), 0 };
    VIR_AUTOCLOSE errFd = -1;
    int out = -1;
    int rc;

    tarCommonArgs(cmd);
    virCommandAddArgList(cmd, "--exclude=snapshots/.*", "manifest", "domain.xml", "layer.conf",
                         "layer", NULL);
    if (opts->snapshots && virFileIsDir(snaps)) {
        exportSkipSnapshot(cmd, st);
        virCommandAddArg(cmd, "snapshots");
    }
    if (opts->withTemplate)
        virCommandAddArg(cmd, "template");
    virCommandSetOutputFD(cmd, &out);
    if (tarErrors(cmd, &errFile, &errFd) < 0 || virCommandRunAsync(cmd, NULL) < 0) {
        if (errFile)
            unlink(errFile);
        return -1;
    }
    VIR_FORCE_CLOSE(errFd);
    rc = pump(out, fd, "tar", tmp, &ps);
    *bytes = ps.done;
    /* a tar still writing sees its reader gone */
    VIR_FORCE_CLOSE(out);
    if (rc < 0) {
        virErrorPtr err;

        virErrorPreserveLast(&err);
        ignore_value(tarWait(cmd, errFile, file, true));
        virErrorRestore(&err);
    } else if (tarWait(cmd, errFile, file, true) < 0) {
        rc = -1;
    }
    unlink(errFile);
    return rc;
}

/* The archive of the stage into @file ("-": standard output), made as
 * FILE.partial.PID and renamed when complete. */
static int
exportWrite(exportStage *st, const ctToolOptions *opts, const char *file, unsigned long long total,
            unsigned long long *bytes)
{
    g_autofree char *tmp = NULL;
    VIR_AUTOCLOSE fd = -1;

    if (STREQ(file, "-")) {
        if ((fd = dup(STDOUT_FILENO)) < 0) {
            virReportSystemError(errno, "%s", _("cannot write to standard output"));
            return -1;
        }
        return exportTar(st, opts, fd, "standard output", file, total, bytes);
    }
    tmp = g_strdup_printf("%s.partial.%d", file, (int)getpid());
    if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0) {
        virReportSystemError(errno, _("cannot create '%1$s'"), tmp);
        return -1;
    }
    if (exportTar(st, opts, fd, tmp, file, total, bytes) < 0 || fsync(fd) < 0 ||
        rename(tmp, file) < 0) {
        if (!virGetLastError())
            virReportSystemError(errno, _("cannot write '%1$s'"), file);
        unlink(tmp);
        return -1;
    }
    return 0;
}

static int
exportRun(virCTStore *store, const ctToolSource *src, const char *file, const ctToolOptions *opts,
          exportStage *st)
{
    g_autoptr(virCTTemplate) tmpl = NULL;
    g_autofree char *stageName = g_strdup_printf("export-%s", src->name);
    gint64 start = g_get_monotonic_time();
    unsigned long long total = 0;
    unsigned long long bytes = 0;
    double secs;
    char size[32];

    if (virCTTemplateLoad(store, src->layer->template, &tmpl) < 0)
        return -1;
    st->stage = virCTLayerStagingPath(store, stageName, false);
    st->skipSnapshot = src->tempSnapshot ? src->snapshot : NULL;
    st->mounts = g_ptr_array_new_with_free_func(g_free);
    if (g_mkdir_with_parents(st->stage, 0700) < 0) {
        virReportSystemError(errno, _("cannot create '%1$s'"), st->stage);
        return -1;
    }
    if (exportFill(store, src, tmpl, opts, st, &total) < 0 ||
        exportWrite(st, opts, file, total, &bytes) < 0)
        return -1;
    secs = (g_get_monotonic_time() - start) / (double)G_USEC_PER_SEC;
    humanSize(bytes, size, sizeof(size));
    progressLine("container '%s'%s%s exported to '%s': %s in %.2f s (%.0f MB/s)", src->name,
                 src->snapshot ? " at snapshot " : "", NULLSTR_EMPTY(src->snapshot), file, size,
                 secs, secs > 0 ? bytes / secs / 1e6 : 0);
    return 0;
}

int
cmdExport(virCTStore *store, const char *ct, const char *file, const ctToolOptions *opts)
{
    g_autoptr(ctToolSource) src = NULL;
    exportStage st = { NULL, NULL };
    virConnectPtr conn = NULL;
    int rc;

    if (STREQ(file, "-") && isatty(STDOUT_FILENO)) {
        virReportError(VIR_ERR_INVALID_ARG, "%s",
                       _("the archive is to go to standard output, which is a terminal"));
        return fail(EXIT_USAGE);
    }
    if (STRNEQ(file, "-") && virFileExists(file)) {
        virReportError(VIR_ERR_OPERATION_INVALID, _("'%1$s' exists already"), file);
        return fail(EXIT_REFUSED);
    }
    catchSignals();
    if (!(conn = ctToolConnect(opts->uri)))
        return fail(EXIT_FAILED);
    if (!(src = ctToolSourceOpen(conn, store, ct, opts->snapshot))) {
        ctToolDisconnect(conn);
        return fail(EXIT_FAILED);
    }
    rc = exportRun(store, src, file, opts, &st);
    exportStageClear(&st);
    ctToolDisconnect(conn);
    return rc < 0 ? fail(EXIT_FAILED) : EXIT_OK;
}

/* ---- import --------------------------------------------------------- */

typedef struct {
    virConnectPtr conn;
    virCTStore *store;
    const char *file;
    const ctToolOptions *opts;
    GKeyFile *manifest;
    char *origName; /* the exported container's */
    char *name; /* the new container's */
    char *uuid; /* ... and its UUID */
    bool renamed; /* imported under another name than it had */
    char *tmplName;
    char *tmplSum;
    bool needTemplate; /* the archive's template is to be installed */
    char *unpack; /* where the archive is unpacked */
    char *staging; /* where the new layer is made */
    char *aside; /* the replaced container's layer (--force) */
    char *oldXml; /* the replaced container's definition (--force) */
    bool tmplInstalled;
    bool stream; /* the archive comes on standard input ("-") */
    unsigned long long bytes; /* its size */
} importJob;

static void
importJobClear(importJob *job)
{
    if (job->manifest)
        g_key_file_free(job->manifest);
    g_free(job->origName);
    g_free(job->name);
    g_free(job->uuid);
    g_free(job->tmplName);
    g_free(job->tmplSum);
    g_free(job->unpack);
    g_free(job->staging);
    g_free(job->aside);
    g_free(job->oldXml);
}

static char *
manifestString(importJob *job, const char *key)
{
    char *value = g_key_file_get_string(job->manifest, ARCHIVE_GROUP, key, NULL);

    if (!value || !*value) {
        g_free(value);
        virReportError(VIR_ERR_OPERATION_FAILED, _("the manifest of '%1$s' has no '%2$s'"),
                       job->file, key);
        return NULL;
    }
    return value;
}

/* The manifest @text (NULL: there was none, tar said @err) checked. */
static int
importParseManifest(importJob *job, const char *text, char *err)
{
    g_autofree char *format = NULL;
    int version;

    job->manifest = g_key_file_new();
    if (!text ||
        !g_key_file_load_from_data(job->manifest, text, strlen(text), G_KEY_FILE_NONE, NULL) ||
        !(format = g_key_file_get_string(job->manifest, ARCHIVE_GROUP, "format", NULL)) ||
        STRNEQ(format, ARCHIVE_FORMAT)) {
        virReportError(VIR_ERR_OPERATION_FAILED,
                       _("'%1$s' is not a libvirt-ct container archive%2$s%3$s"), job->file,
                       err && *err ? ": " : "", err ? g_strstrip(err) : "");
        return -1;
    }
    version = g_key_file_get_integer(job->manifest, ARCHIVE_GROUP, "version", NULL);
    if (version != ARCHIVE_VERSION) {
        virReportError(
            VIR_ERR_OPERATION_UNSUPPORTED,
            _("'%1$s' is a container archive of version %2$d; this tool reads version %3$d"),
            job->file, version, ARCHIVE_VERSION);
        return -1;
    }
    return 0;
}

/* The manifest, the archive's first member, read without unpacking the
 * rest: a wrong file is refused at once. */
static int
importReadManifest(importJob *job)
{
    g_autoptr(virCommand) cmd = virCommandNewArgList("tar", "-x", "-O", "-f", job->file,
                                                     "--occurrence=1", "manifest", NULL);
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    int status = 0;

    virCommandSetOutputBuffer(cmd, &out);
    virCommandSetErrorBuffer(cmd, &err);
    if (virCommandRun(cmd, &status) < 0)
        return -1;
    return importParseManifest(job, status == 0 ? out : NULL, err);
}

/* The manifest of an archive read from a pipe, unpacked already. */
static int
importReadUnpackedManifest(importJob *job)
{
    g_autofree char *path = g_strdup_printf("%s/manifest", job->unpack);
    g_autofree char *text = NULL;

    if (virFileReadAllQuiet(path, 64 * 1024, &text) < 0)
        g_clear_pointer(&text, g_free);
    return importParseManifest(job, text, NULL);
}

/* The new container's name is free, or --force may take it. */
static int
importCheckName(importJob *job, bool *exists)
{
    g_autoptr(virCTLayerPaths) paths = NULL;
    virDomainPtr dom;
    int active;
    int rc;

    if (virCTTemplateCheckName("container", job->name) < 0)
        return EXIT_USAGE;
    paths = virCTLayerPathsNew(job->store, job->name, NULL, false);
    if ((rc = ctToolDomainExists(job->conn, job->name)) < 0)
        return EXIT_FAILED;
    *exists = rc > 0;
    if ((*exists || virFileExists(paths->dir)) && !job->opts->force) {
        virReportError(
            VIR_ERR_OPERATION_INVALID,
            *exists
                ? _("domain '%1$s' already exists: --force replaces it, --name imports under another name")
                : _("there is a layer of a container named '%1$s' already: --force replaces it, --name imports under another name"),
            job->name);
        return EXIT_REFUSED;
    }
    if (!*exists)
        return EXIT_OK;
    if (!(dom = virDomainLookupByName(job->conn, job->name)))
        return EXIT_FAILED;
    active = virDomainIsActive(dom);
    ctToolDomainFree(dom);
    if (active != 0) {
        if (active > 0)
            virReportError(VIR_ERR_OPERATION_INVALID,
                           _("domain '%1$s' is running: shut it down before replacing it"),
                           job->name);
        return active > 0 ? EXIT_REFUSED : EXIT_FAILED;
    }
    return EXIT_OK;
}

/* The template must be here with the same checksum, or come with the
 * archive. */
static int
importCheckTemplate(importJob *job)
{
    g_autoptr(virCTTemplate) here = NULL;
    g_autofree char *path = NULL;
    bool with = g_key_file_get_boolean(job->manifest, ARCHIVE_GROUP, "with-template", NULL);

    if (!(job->tmplName = manifestString(job, "template")) ||
        !(job->tmplSum = manifestString(job, "template-checksum")))
        return -1;
    path = virCTTemplatePath(job->store, job->tmplName);
    if (!virFileExists(path)) {
        if (!with) {
            virReportError(
                VIR_ERR_CONFIG_UNSUPPORTED,
                _("template '%1$s' (%2$s) is not on this host: export the container with --with-template, or make the template here"),
                job->tmplName, job->tmplSum);
            return -1;
        }
        job->needTemplate = true;
        return 0;
    }
    if (virCTTemplateLoad(job->store, job->tmplName, &here) < 0)
        return -1;
    if (STRNEQ_NULLABLE(here->checksum, job->tmplSum)) {
        virReportError(
            VIR_ERR_CONFIG_UNSUPPORTED,
            _("template '%1$s' of this host (%2$s) is not the one the container was made on (%3$s)"),
            job->tmplName, NULLSTR(here->checksum), job->tmplSum);
        return -1;
    }
    return 0;
}

/* Unpacks the whole archive into job->unpack. */
static int
importUnpack(importJob *job)
{
    g_autoptr(virCommand) cmd = NULL;
    g_autofree char *errFile = NULL;
    VIR_AUTOCLOSE in = -1;
    VIR_AUTOCLOSE errFd = -1;
    virErrorPtr err = NULL;
    int fds[2] = { -1, -1 };
    struct stat sb;
    pumpState ps = { "import", 0, 0, g_get_monotonic_time(), 0 };
    int rc;

    in = job->stream ? dup(STDIN_FILENO) : open(job->file, O_RDONLY | O_CLOEXEC);
    if (in < 0 || fstat(in, &sb) < 0) {
        virReportSystemError(errno, _("cannot open '%1$s'"), job->file);
        return -1;
    }
    ps.total = S_ISREG(sb.st_mode) ? sb.st_size : 0;
    if (g_mkdir_with_parents(job->unpack, 0700) < 0) {
        virReportSystemError(errno, _("cannot create '%1$s'"), job->unpack);
        return -1;
    }
    cmd = virCommandNewArgList("tar", "-x", "-f", "-", "-C", job->unpack, "--same-owner",
                               "--same-permissions", NULL);
    tarCommonArgs(cmd);
    if (virPipe(fds) < 0)
        return -1;
    virCommandSetInputFD(cmd, fds[0]);
    if (tarErrors(cmd, &errFile, &errFd) < 0 || virCommandRunAsync(cmd, NULL) < 0) {
        VIR_FORCE_CLOSE(fds[0]);
        VIR_FORCE_CLOSE(fds[1]);
        if (errFile)
            unlink(errFile);
        return -1;
    }
    VIR_FORCE_CLOSE(errFd);
    VIR_FORCE_CLOSE(fds[0]);
    rc = pump(in, fds[1], job->file, "tar", &ps);
    job->bytes = ps.done;
    /* a tar still reading sees the end of its input */
    VIR_FORCE_CLOSE(fds[1]);
    /* tar's complaint (a truncated archive, say) is the better message,
     * but for an interruption */
    virErrorPreserveLast(&err);
    if (tarWait(cmd, errFile, job->file, false) < 0) {
        if (interrupted)
            virErrorRestore(&err);
        rc = -1;
    } else {
        virErrorRestore(&err);
    }
    virFreeError(err);
    unlink(errFile);
    return rc;
}

/* Scans @dir and compares its checksum with @want. */
static int
importVerifyTree(importJob *job, const char *dir, const char *want, const char *what)
{
    g_autofree char *sum = NULL;

    if (!virFileIsDir(dir)) {
        virReportError(VIR_ERR_OPERATION_FAILED, _("archive '%1$s' is incomplete: it lacks %2$s"),
                       job->file, what);
        return -1;
    }
    if (virCTTreeChecksum(dir, &sum) < 0)
        return -1;
    if (STRNEQ(sum, want)) {
        virReportError(
            VIR_ERR_OPERATION_FAILED,
            _("archive '%1$s' is damaged: %2$s has checksum %3$s, the manifest says %4$s"),
            job->file, what, sum, want);
        return -1;
    }
    return 0;
}

static int
importVerify(importJob *job)
{
    g_autofree char *layer = g_strdup_printf("%s/layer", job->unpack);
    g_autofree char *root = g_strdup_printf("%s/template/root", job->unpack);
    g_autofree char *want = NULL;
    g_autofree char *content = NULL;

    if (!(want = manifestString(job, "layer-checksum")) ||
        importVerifyTree(job, layer, want, "the layer") < 0)
        return -1;
    if (job->needTemplate && (!(content = manifestString(job, "template-content")) ||
                              importVerifyTree(job, root, content, "the template") < 0))
        return -1;
    return 0;
}

/* The new layer in job->staging: the data, the snapshots (under the same
 * name only: theirs is the old domain), the record for the new owner. */
static int
importStageLayer(importJob *job)
{
    const char *const parts[] = { "layer/upper", "layer/disk.img", "snapshots" };
    const char *const dests[] = { "upper", "disk.img", "snapshots" };
    g_autofree char *conf = g_strdup_printf("%s/layer.conf", job->unpack);
    g_autofree char *newConf = g_strdup_printf("%s/layer.conf", job->staging);
    g_autoptr(virCTLayer) layer = NULL;
    size_t i;
    int rc;

    if ((rc = virCTLayerLoadFile(conf, job->origName, &layer)) <= 0) {
        if (rc == 0)
            virReportError(VIR_ERR_OPERATION_FAILED,
                           _("archive '%1$s' is incomplete: it lacks the layer record"), job->file);
        return -1;
    }
    if (g_mkdir_with_parents(job->staging, 0700) < 0) {
        virReportSystemError(errno, _("cannot create '%1$s'"), job->staging);
        return -1;
    }
    for (i = 0; i < G_N_ELEMENTS(parts); i++) {
        g_autofree char *from = g_strdup_printf("%s/%s", job->unpack, parts[i]);
        g_autofree char *to = g_strdup_printf("%s/%s", job->staging, dests[i]);

        if (!virFileExists(from))
            continue;
        if (STREQ(dests[i], "snapshots") && job->renamed) {
            progressLine("import: the archive's snapshots stay behind: they belong to '%s'",
                         layer->name);
            continue;
        }
        if (rename(from, to) < 0) {
            virReportSystemError(errno, _("cannot rename '%1$s' to '%2$s'"), from, to);
            return -1;
        }
    }
    if (job->renamed && ctToolForgetLayerHostname(job->staging, layer->name) < 0)
        return -1;
    g_free(layer->name);
    layer->name = g_strdup(job->name);
    g_free(layer->uuid);
    layer->uuid = g_strdup(job->uuid);
    layer->owner = VIR_CT_LAYER_ORPHANED;
    return virCTLayerSaveFile(newConf, layer);
}

/* containers/ on a file system of its own (the layer pool): the
 * template is copied over to templates/ (the store's lock held). */
static int
importCopyTemplate(importJob *job, const char *from, const char *to)
{
    g_autofree char *tmp = virCTTemplateStagingPath(job->store, job->tmplName, false);

    if (virCTCopyTree(from, tmp) < 0)
        return -1;
    if (rename(tmp, to) < 0) {
        virReportSystemError(errno, _("cannot rename '%1$s' to '%2$s'"), tmp, to);
        ignore_value(virCTStoreDeleteTree(tmp));
        return -1;
    }
    return 0;
}

/* The archive's template into the store, unless it came meanwhile. */
static int
importInstallTemplate(importJob *job)
{
    g_autofree char *from = g_strdup_printf("%s/template", job->unpack);
    g_autofree char *to = virCTTemplatePath(job->store, job->tmplName);
    VIR_AUTOCLOSE lock = -1;

    if (!job->needTemplate)
        return 0;
    if ((lock = virCTStoreLock(job->store)) < 0)
        return -1;
    if (virFileExists(to)) {
        VIR_FORCE_CLOSE(lock);
        job->needTemplate = false;
        return importCheckTemplate(job);
    }
    if (rename(from, to) < 0 && (errno != EXDEV || importCopyTemplate(job, from, to) < 0)) {
        if (!virGetLastError())
            virReportSystemError(errno, _("cannot rename '%1$s' to '%2$s'"), from, to);
        return -1;
    }
    job->tmplInstalled = true;
    return 0;
}

/* --force: the container of that name goes, its layer kept aside until
 * the new one is defined (its snapshots go with its definition: undefine
 * removes their files). */
static int
importPutAside(importJob *job, bool exists)
{
    g_autoptr(virCTLayerPaths) paths = virCTLayerPathsNew(job->store, job->name, NULL, false);
    virDomainPtr dom = NULL;
    VIR_AUTOCLOSE lock = -1;
    int rc = -1;

    if (exists) {
        if (!(dom = virDomainLookupByName(job->conn, job->name)) ||
            !(job->oldXml =
                  virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE)) ||
            virDomainUndefineFlags(dom, VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA) < 0)
            goto cleanup;
    }
    if ((lock = virCTStoreLock(job->store)) < 0)
        goto cleanup;
    if (virFileExists(paths->dir)) {
        job->aside = virCTLayerStagingPath(job->store, job->name, true);
        if (rename(paths->dir, job->aside) < 0) {
            virReportSystemError(errno, _("cannot rename '%1$s' to '%2$s'"), paths->dir,
                                 job->aside);
            g_clear_pointer(&job->aside, g_free);
            goto cleanup;
        }
    }
    rc = 0;
 cleanup:
    ctToolDomainFree(dom);
    return rc;
}

/* After a failure: what --force put aside comes back, the template this
 * import brought goes. */
static void
importUndo(importJob *job)
{
    g_autoptr(virCTLayerPaths) paths = virCTLayerPathsNew(job->store, job->name, NULL, false);
    virErrorPtr err;
    virDomainPtr dom;

    virErrorPreserveLast(&err);
    if (job->aside && rename(job->aside, paths->dir) == 0)
        g_clear_pointer(&job->aside, g_free);
    if (job->oldXml && (dom = virDomainDefineXML(job->conn, job->oldXml)))
        ctToolDomainFree(dom);
    if (job->tmplInstalled) {
        g_autofree char *path = virCTTemplatePath(job->store, job->tmplName);
        g_autofree char *gone = virCTTemplateStagingPath(job->store, job->tmplName, true);

        if (rename(path, gone) == 0)
            ignore_value(virCTStoreDeleteTree(gone));
    }
    virErrorRestore(&err);
}

static char *
importDefinition(importJob *job)
{
    g_autofree char *path = g_strdup_printf("%s/domain.xml", job->unpack);
    g_autofree char *xml = NULL;

    if (virFileReadAll(path, 16 * 1024 * 1024, &xml) < 0)
        return NULL;
    return ctToolNewDefinition(xml, job->renamed ? job->name : NULL, job->uuid, job->renamed);
}

/* Everything after the checks: unpack, verify, stage, replace, define. */
static int
importInstall(importJob *job, bool exists)
{
    g_autofree char *xml = NULL;

    if (!job->stream && (importUnpack(job) < 0 || checkInterrupted() < 0))
        return -1;
    progressLine("import: checking the layer ...");
    if (importVerify(job) < 0 || importStageLayer(job) < 0 || !(xml = importDefinition(job)) ||
        checkInterrupted() < 0)
        return -1;
    if (importInstallTemplate(job) < 0)
        return -1;
    if (job->opts->force && importPutAside(job, exists) < 0) {
        importUndo(job);
        return -1;
    }
    if (ctToolAdoptLayer(job->conn, job->store, job->staging, job->name, job->uuid, xml) < 0) {
        importUndo(job);
        return -1;
    }
    if (job->aside)
        ignore_value(virCTStoreDeleteTree(job->aside));
    return 0;
}

/* The name and UUID of the new container. */
static int
importChooseIdentity(importJob *job)
{
    unsigned char raw[VIR_UUID_BUFLEN];
    char uuid[VIR_UUID_STRING_BUFLEN];

    if (!(job->origName = manifestString(job, "name")))
        return -1;
    job->name = g_strdup(job->opts->name ? job->opts->name : job->origName);
    job->renamed = STRNEQ(job->name, job->origName);
    if (!job->renamed)
        return (job->uuid = manifestString(job, "uuid")) ? 0 : -1;
    if (virUUIDGenerate(raw) < 0)
        return -1;
    virUUIDFormat(raw, uuid);
    job->uuid = g_strdup(uuid);
    return 0;
}

static int
importRun(importJob *job)
{
    gint64 start = g_get_monotonic_time();
    bool exists = false;
    double secs;
    int rc;

    job->unpack = virCTLayerStagingPath(job->store, "import", false);
    /* a pipe is read once: unpacked first, checked after */
    if (job->stream ? importUnpack(job) < 0 || importReadUnpackedManifest(job) < 0
                    : importReadManifest(job) < 0)
        return EXIT_FAILED;
    if (importChooseIdentity(job) < 0)
        return EXIT_FAILED;
    if ((rc = importCheckName(job, &exists)) != EXIT_OK)
        return rc;
    if (importCheckTemplate(job) < 0)
        return EXIT_FAILED;
    job->staging = virCTLayerStagingPath(job->store, job->name, false);
    if (importInstall(job, exists) < 0)
        return EXIT_FAILED;
    secs = (g_get_monotonic_time() - start) / (double)G_USEC_PER_SEC;
    progressLine("container '%s' imported from '%s' in %.2f s (%.0f MB/s)%s", job->name, job->file,
                 secs, secs > 0 ? job->bytes / secs / 1e6 : 0,
                 job->tmplInstalled ? ", with its template" : "");
    return EXIT_OK;
}

int
cmdImport(virCTStore *store, const char *file, const ctToolOptions *opts)
{
    importJob job = { 0 };
    virErrorPtr err;
    int rc;

    catchSignals();
    if (!(job.conn = ctToolConnect(opts->uri)))
        return fail(EXIT_FAILED);
    job.store = store;
    job.file = file;
    job.opts = opts;
    job.stream = STREQ(file, "-");
    if (job.stream && isatty(STDIN_FILENO)) {
        virReportError(VIR_ERR_INVALID_ARG, "%s",
                       _("the archive is to come on standard input, which is a terminal"));
        rc = EXIT_USAGE;
    } else if (!job.stream && !virFileExists(file)) {
        virReportSystemError(ENOENT, _("cannot open '%1$s'"), file);
        rc = EXIT_FAILED;
    } else {
        rc = importRun(&job);
    }
    virErrorPreserveLast(&err);
    if (job.unpack)
        ignore_value(virCTStoreDeleteTree(job.unpack));
    if (job.staging)
        ignore_value(virCTStoreDeleteTree(job.staging));
    ctToolDisconnect(job.conn);
    importJobClear(&job);
    virErrorRestore(&err);
    return rc != EXIT_OK ? fail(rc) : EXIT_OK;
}
