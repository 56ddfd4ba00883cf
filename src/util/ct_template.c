/*
 * ct_template.c: the template store and the containers' layers
 *
 * (the walk that gives a tree's size and checksum: ct_template_tree.c)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "ct_template.h"
#include "ct_template_priv.h"
#include "virenum.h"
#include "virerror.h"
#include "virfile.h"
#include "virlog.h"
#include "virstring.h"

#define VIR_FROM_THIS VIR_FROM_NONE

VIR_LOG_INIT("ct.template");

VIR_ENUM_IMPL(virCTLayerOwner, VIR_CT_LAYER_LAST, "defined", "transient", "orphaned", "saved");

#define CT_TEMPLATE_GROUP "template"
#define CT_LAYER_GROUP "layer"
#define CT_CREATING_PREFIX ".creating."
#define CT_REMOVING_PREFIX ".removing."

virCTStore *
virCTStoreNew(const char *dataDir)
{
    virCTStore *store = g_new0(virCTStore, 1);

    store->dataDir = g_strdup(dataDir);
    store->templateDir = g_strdup_printf("%s/templates", dataDir);
    store->containerDir = g_strdup_printf("%s/containers", dataDir);
    return store;
}

void
virCTStoreFree(virCTStore *store)
{
    if (!store)
        return;
    g_free(store->dataDir);
    g_free(store->templateDir);
    g_free(store->containerDir);
    g_free(store);
}

int
virCTStoreLock(virCTStore *store)
{
    g_autofree char *path = g_strdup_printf("%s/.lock", store->dataDir);
    VIR_AUTOCLOSE fd = -1;
    int ret;

    if (g_mkdir_with_parents(store->templateDir, 0755) < 0 ||
        g_mkdir_with_parents(store->containerDir, 0755) < 0) {
        virReportSystemError(errno, _("cannot create the store under '%1$s'"), store->dataDir);
        return -1;
    }
    if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
        virReportSystemError(errno, _("cannot open '%1$s'"), path);
        return -1;
    }
    while (flock(fd, LOCK_EX) < 0) {
        if (errno != EINTR) {
            virReportSystemError(errno, _("cannot lock '%1$s'"), path);
            return -1;
        }
    }
    ret = fd;
    fd = -1;
    return ret;
}

int
virCTTemplateCheckName(const char *what, const char *name)
{
    size_t len = name ? strlen(name) : 0;
    size_t i;

    if (len == 0 || len > CT_TEMPLATE_NAME_MAX) {
        virReportError(VIR_ERR_INVALID_ARG, _("%1$s name '%2$s' must have 1 to %3$d characters"),
                       what, NULLSTR_EMPTY(name), CT_TEMPLATE_NAME_MAX);
        return -1;
    }
    for (i = 0; i < len; i++) {
        if (!g_ascii_isalnum(name[i]) && !strchr("._-", name[i]))
            break;
    }
    if (i < len || name[0] == '.' || name[0] == '-') {
        virReportError(
            VIR_ERR_INVALID_ARG,
            _("%1$s name '%2$s' is not valid: use letters, digits, '.', '_' and '-', not first '.' or '-'"),
            what, name);
        return -1;
    }
    return 0;
}

void
virCTTemplateFree(virCTTemplate *tmpl)
{
    if (!tmpl)
        return;
    g_free(tmpl->name);
    g_free(tmpl->source);
    g_free(tmpl->checksum);
    g_free(tmpl);
}

char *
virCTTemplatePath(virCTStore *store, const char *name)
{
    return g_strdup_printf("%s/%s", store->templateDir, name);
}

char *
virCTTemplateRootPath(virCTStore *store, const char *name)
{
    return g_strdup_printf("%s/%s/root", store->templateDir, name);
}

static char *
virCTTemplateConfPath(virCTStore *store, const char *name)
{
    return g_strdup_printf("%s/%s/template.conf", store->templateDir, name);
}

char *
virCTTemplateStagingPath(virCTStore *store, const char *name, bool removing)
{
    return g_strdup_printf("%s/%s%s.%d", store->templateDir,
                           removing ? CT_REMOVING_PREFIX : CT_CREATING_PREFIX, name, (int)getpid());
}

/* Writes @kf to @path through a temporary file and rename(), so a reader
 * sees the old or the new file, never half of one.  A file that already
 * says the same is left alone: a container's layer record is saved at
 * every start, and the write and its fsync cost more than the read. */
static int
virCTStoreSaveKeyFile(GKeyFile *kf, const char *path)
{
    g_autofree char *data = g_key_file_to_data(kf, NULL, NULL);
    g_autofree char *tmp = g_strdup_printf("%s.new", path);
    g_autofree char *have = NULL;

    if (virFileReadAllQuiet(path, 64 * 1024, &have) >= 0 && STREQ(have, data))
        return 0;
    if (virFileRewriteStr(tmp, 0644, data) < 0)
        return -1;
    if (rename(tmp, path) < 0) {
        virReportSystemError(errno, _("cannot rename '%1$s' to '%2$s'"), tmp, path);
        unlink(tmp);
        return -1;
    }
    return 0;
}

static GKeyFile *
virCTStoreLoadKeyFile(const char *path)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autoptr(GError) gerr = NULL;

    if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &gerr)) {
        virReportError(VIR_ERR_INTERNAL_ERROR, _("cannot read '%1$s': %2$s"), path, gerr->message);
        return NULL;
    }
    return g_steal_pointer(&kf);
}

char *
virCTLayerStagingPath(virCTStore *store, const char *name, bool removing)
{
    return g_strdup_printf("%s/%s%s.%d", store->containerDir,
                           removing ? CT_REMOVING_PREFIX : CT_CREATING_PREFIX, name, (int)getpid());
}

int
virCTTemplateSave(const char *dir, const virCTTemplate *tmpl)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autofree char *path = g_strdup_printf("%s/template.conf", dir);

    g_key_file_set_string(kf, CT_TEMPLATE_GROUP, "source", NULLSTR_EMPTY(tmpl->source));
    g_key_file_set_int64(kf, CT_TEMPLATE_GROUP, "created", tmpl->created);
    g_key_file_set_uint64(kf, CT_TEMPLATE_GROUP, "size", tmpl->size);
    g_key_file_set_uint64(kf, CT_TEMPLATE_GROUP, "files", tmpl->files);
    g_key_file_set_string(kf, CT_TEMPLATE_GROUP, "checksum", NULLSTR_EMPTY(tmpl->checksum));
    return virCTStoreSaveKeyFile(kf, path);
}

int
virCTTemplateLoad(virCTStore *store, const char *name, virCTTemplate **tmpl)
{
    g_autoptr(virCTTemplate) t = NULL;
    g_autoptr(GKeyFile) kf = NULL;
    g_autofree char *path = NULL;

    if (virCTTemplateCheckName("template", name) < 0)
        return -1;
    path = virCTTemplateConfPath(store, name);
    if (!virFileExists(path)) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("template '%1$s' does not exist (see 'virt-ct-template list')"), name);
        return -1;
    }
    if (!(kf = virCTStoreLoadKeyFile(path)))
        return -1;
    t = g_new0(virCTTemplate, 1);
    t->name = g_strdup(name);
    t->source = g_key_file_get_string(kf, CT_TEMPLATE_GROUP, "source", NULL);
    t->created = g_key_file_get_int64(kf, CT_TEMPLATE_GROUP, "created", NULL);
    t->size = g_key_file_get_uint64(kf, CT_TEMPLATE_GROUP, "size", NULL);
    t->files = g_key_file_get_uint64(kf, CT_TEMPLATE_GROUP, "files", NULL);
    t->checksum = g_key_file_get_string(kf, CT_TEMPLATE_GROUP, "checksum", NULL);
    *tmpl = g_steal_pointer(&t);
    return 0;
}

/* A directory stream on @fd (which stays open for the caller's *at()
 * calls); NULL with an error naming @path, when @path is given. */
DIR *
virCTStoreOpenDirAt(int fd, const char *path)
{
    int dupfd = dup(fd);
    DIR *dh;

    if (dupfd >= 0 && (dh = fdopendir(dupfd)))
        return dh;
    if (path)
        virReportSystemError(errno, _("cannot read directory '%1$s'"), path);
    if (dupfd >= 0)
        close(dupfd);
    return NULL;
}

/* A container chooses how deep its layer goes, and every level of a walk
 * holds a descriptor: walks stop going down at CT_STORE_WALK_DEPTH.  A
 * deletion moves what is deeper up, next to the tree it deletes, and
 * deletes it from there. */
#define CT_STORE_WALK_DEPTH 128

typedef struct {
    int topfd; /* the directory holding the tree being deleted */
    dev_t dev; /* the tree's file system: nothing mounted on it is entered */
    unsigned int nmoved;
    GPtrArray *moved; /* names in topfd still to delete */
} virCTStoreDeletion;

static int virCTStoreDeleteAt(virCTStoreDeletion *del, int parentfd, const char *name,
                              const char *path, unsigned int depth);

static int
virCTStoreDeleteChildren(virCTStoreDeletion *del, int fd, const char *path, unsigned int depth)
{
    g_autoptr(DIR) dh = virCTStoreOpenDirAt(fd, path);
    struct dirent *ent;

    if (!dh)
        return -1;
    while ((errno = 0, ent = readdir(dh))) {
        g_autofree char *child = NULL;

        if (STREQ(ent->d_name, ".") || STREQ(ent->d_name, ".."))
            continue;
        child = g_strdup_printf("%s/%s", path, ent->d_name);
        if (virCTStoreDeleteAt(del, fd, ent->d_name, child, depth + 1) < 0)
            return -1;
    }
    return 0;
}

/* Moves the directory @name of @parentfd up next to the tree, to be
 * deleted from there. */
static int
virCTStoreDeleteLater(virCTStoreDeletion *del, int parentfd, const char *name, const char *path)
{
    g_autofree char *later =
        g_strdup_printf(CT_REMOVING_PREFIX "deep.%d.%u", (int)getpid(), del->nmoved++);

    if (renameat(parentfd, name, del->topfd, later) < 0) {
        virReportSystemError(errno, _("cannot move '%1$s' up to delete it"), path);
        return -1;
    }
    g_ptr_array_add(del->moved, g_steal_pointer(&later));
    return 0;
}

/* Deletes @name in @parentfd and all below it, refusing to descend into
 * another file system (a container's disk still mounted, say). */
static int
virCTStoreDeleteAt(virCTStoreDeletion *del, int parentfd, const char *name, const char *path,
                   unsigned int depth)
{
    VIR_AUTOCLOSE fd = -1;
    struct stat sb;

    if (fstatat(parentfd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0) {
        if (errno == ENOENT)
            return 0;
        virReportSystemError(errno, _("cannot stat '%1$s'"), path);
        return -1;
    }
    if (!S_ISDIR(sb.st_mode)) {
        if (unlinkat(parentfd, name, 0) < 0 && errno != ENOENT) {
            virReportSystemError(errno, _("cannot delete '%1$s'"), path);
            return -1;
        }
        return 0;
    }
    if (sb.st_dev != del->dev) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("cannot delete '%1$s': a file system is mounted there"), path);
        return -1;
    }
    if (depth >= CT_STORE_WALK_DEPTH)
        return virCTStoreDeleteLater(del, parentfd, name, path);
    if ((fd = openat(parentfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
        virReportSystemError(errno, _("cannot open '%1$s'"), path);
        return -1;
    }
    if (virCTStoreDeleteChildren(del, fd, path, depth) < 0)
        return -1;
    if (unlinkat(parentfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT) {
        virReportSystemError(errno, _("cannot delete '%1$s'"), path);
        return -1;
    }
    return 0;
}

static void
virCTStoreUsageAt(int dirfd, dev_t dev, unsigned int depth, unsigned long long *bytes,
                  unsigned long long *files)
{
    g_autoptr(DIR) dh = virCTStoreOpenDirAt(dirfd, NULL);
    struct dirent *ent;

    if (!dh)
        return;
    while ((ent = readdir(dh))) {
        struct stat sb;

        if (STREQ(ent->d_name, ".") || STREQ(ent->d_name, "..") ||
            fstatat(dirfd, ent->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        *bytes += (unsigned long long)sb.st_blocks * 512;
        (*files)++;
        /* a mounted disk is counted by its image file, not walked */
        if (S_ISDIR(sb.st_mode) && sb.st_dev == dev && depth + 1 < CT_STORE_WALK_DEPTH) {
            VIR_AUTOCLOSE sub =
                openat(dirfd, ent->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

            if (sub >= 0)
                virCTStoreUsageAt(sub, dev, depth + 1, bytes, files);
        }
    }
}

void
virCTStoreUsage(const char *path, unsigned long long *bytes, unsigned long long *files)
{
    VIR_AUTOCLOSE fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct stat sb;

    *bytes = 0;
    *files = 0;
    if (fd >= 0 && fstat(fd, &sb) == 0)
        virCTStoreUsageAt(fd, sb.st_dev, 0, bytes, files);
}

int
virCTStoreDeleteTree(const char *path)
{
    g_autoptr(GPtrArray) moved = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *topdir = g_path_get_dirname(path);
    g_autofree char *name = g_path_get_basename(path);
    VIR_AUTOCLOSE topfd = open(topdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    virCTStoreDeletion del = { topfd, 0, 0, moved };
    struct stat sb;

    if (topfd < 0 || fstatat(topfd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0) {
        if (errno == ENOENT)
            return 0;
        virReportSystemError(errno, _("cannot stat '%1$s'"), path);
        return -1;
    }
    del.dev = sb.st_dev;
    if (virCTStoreDeleteAt(&del, topfd, name, path, 0) < 0)
        return -1;
    while (moved->len > 0) {
        g_autofree char *later = g_strdup(g_ptr_array_index(moved, moved->len - 1));
        g_autofree char *laterPath = g_strdup_printf("%s/%s", topdir, later);

        g_ptr_array_remove_index(moved, moved->len - 1);
        if (virCTStoreDeleteAt(&del, topfd, later, laterPath, 0) < 0)
            return -1;
    }
    return 0;
}

int
virCTStoreCompareNames(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The entries of @dir that do not start with '.', sorted; NULL-terminated.
 * A missing directory has none. */
static int
virCTStoreListDir(const char *dir, char ***names)
{
    g_autoptr(DIR) dh = NULL;
    g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func(g_free);
    struct dirent *ent;
    int rc;

    if ((rc = virDirOpenIfExists(&dh, dir)) < 0)
        return -1;
    while (rc > 0 && (rc = virDirRead(dh, &ent, dir)) > 0) {
        if (ent->d_name[0] != '.')
            g_ptr_array_add(list, g_strdup(ent->d_name));
    }
    if (rc < 0)
        return -1;
    g_ptr_array_sort(list, virCTStoreCompareNames);
    rc = list->len;
    g_ptr_array_add(list, NULL);
    *names = (char **)g_ptr_array_free(g_steal_pointer(&list), false);
    return rc;
}

int
virCTTemplateList(virCTStore *store, char ***names)
{
    g_auto(GStrv) all = NULL;
    g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func(g_free);
    int n;
    size_t i;

    if ((n = virCTStoreListDir(store->templateDir, &all)) < 0)
        return -1;
    for (i = 0; all[i]; i++) {
        g_autofree char *conf = virCTTemplateConfPath(store, all[i]);

        if (virFileExists(conf))
            g_ptr_array_add(list, g_strdup(all[i]));
    }
    n = list->len;
    g_ptr_array_add(list, NULL);
    *names = (char **)g_ptr_array_free(g_steal_pointer(&list), false);
    return n;
}

/* Whether the process that made ".creating.NAME.PID" is gone. */
static bool
virCTTemplateCreatorGone(const char *entry)
{
    const char *dot = strrchr(entry, '.');
    int pid;

    if (!dot || virStrToLong_i(dot + 1, NULL, 10, &pid) < 0 || pid <= 0)
        return true;
    return kill(pid, 0) < 0 && errno == ESRCH;
}

/* @anyRemoving: ".removing.*" entries go whoever made them (a template
 * being removed is gone from the store already); else they too are kept
 * while their process lives (an import puts an old layer aside, to put
 * it back when it fails). */
static void
virCTTemplateSweepDir(const char *dir, bool anyRemoving)
{
    g_autoptr(DIR) dh = NULL;
    struct dirent *ent;

    if (virDirOpenQuiet(&dh, dir) < 0)
        return;
    while (virDirRead(dh, &ent, NULL) > 0) {
        g_autofree char *path = NULL;
        bool removing = STRPREFIX(ent->d_name, CT_REMOVING_PREFIX);

        if (!(removing && anyRemoving) &&
            !((removing || STRPREFIX(ent->d_name, CT_CREATING_PREFIX)) &&
              virCTTemplateCreatorGone(ent->d_name)))
            continue;
        path = g_strdup_printf("%s/%s", dir, ent->d_name);
        VIR_INFO("removing '%s' left by an interrupted template tool", path);
        if (virCTStoreDeleteTree(path) < 0)
            virResetLastError();
    }
}

void
virCTTemplateSweep(virCTStore *store)
{
    virCTTemplateSweepDir(store->templateDir, true);
    /* layers being made (clone, import) or put aside (import --force) */
    virCTTemplateSweepDir(store->containerDir, false);
}

void
virCTLayerFree(virCTLayer *layer)
{
    if (!layer)
        return;
    g_free(layer->name);
    g_free(layer->uuid);
    g_free(layer->template);
    g_free(layer);
}

virCTLayerPaths *
virCTLayerPathsNew(virCTStore *store, const char *name, const char *tmpl, bool disk)
{
    virCTLayerPaths *paths = g_new0(virCTLayerPaths, 1);

    paths->dir = g_strdup_printf("%s/%s", store->containerDir, name);
    paths->conf = g_strdup_printf("%s/layer.conf", paths->dir);
    paths->image = g_strdup_printf("%s/disk.img", paths->dir);
    paths->disk = g_strdup_printf("%s/disk", paths->dir);
    paths->overlay = g_strdup(disk ? paths->disk : paths->dir);
    paths->upper = g_strdup_printf("%s/upper", paths->overlay);
    paths->work = g_strdup_printf("%s/work", paths->overlay);
    paths->root = g_strdup_printf("%s/root", paths->dir);
    if (tmpl)
        paths->templateRoot = virCTTemplateRootPath(store, tmpl);
    return paths;
}

void
virCTLayerPathsFree(virCTLayerPaths *paths)
{
    if (!paths)
        return;
    g_free(paths->dir);
    g_free(paths->conf);
    g_free(paths->image);
    g_free(paths->disk);
    g_free(paths->overlay);
    g_free(paths->upper);
    g_free(paths->work);
    g_free(paths->root);
    g_free(paths->templateRoot);
    g_free(paths);
}

int
virCTLayerLoad(virCTStore *store, const char *name, virCTLayer **layer)
{
    g_autoptr(virCTLayerPaths) paths = virCTLayerPathsNew(store, name, NULL, false);

    return virCTLayerLoadFile(paths->conf, name, layer);
}

int
virCTLayerLoadFile(const char *conf, const char *name, virCTLayer **layer)
{
    g_autoptr(GKeyFile) kf = NULL;
    g_autoptr(virCTLayer) l = NULL;
    g_autofree char *owner = NULL;

    if (!virFileExists(conf))
        return 0;
    if (!(kf = virCTStoreLoadKeyFile(conf)))
        return -1;
    l = g_new0(virCTLayer, 1);
    l->name = g_strdup(name);
    l->uuid = g_key_file_get_string(kf, CT_LAYER_GROUP, "uuid", NULL);
    l->template = g_key_file_get_string(kf, CT_LAYER_GROUP, "template", NULL);
    owner = g_key_file_get_string(kf, CT_LAYER_GROUP, "owner", NULL);
    l->created = g_key_file_get_int64(kf, CT_LAYER_GROUP, "created", NULL);
    l->spaceLimit = g_key_file_get_uint64(kf, CT_LAYER_GROUP, "space-limit", NULL);
    l->inodes = g_key_file_get_uint64(kf, CT_LAYER_GROUP, "inodes", NULL);
    l->userXattrs = g_key_file_get_boolean(kf, CT_LAYER_GROUP, "user-xattrs", NULL);
    if (!l->uuid || !l->template || !owner ||
        (int)(l->owner = virCTLayerOwnerTypeFromString(owner)) < 0) {
        virReportError(VIR_ERR_INTERNAL_ERROR, _("'%1$s' is incomplete or damaged"), conf);
        return -1;
    }
    *layer = g_steal_pointer(&l);
    return 1;
}

int
virCTLayerSave(virCTStore *store, const virCTLayer *layer)
{
    g_autoptr(virCTLayerPaths) paths = virCTLayerPathsNew(store, layer->name, NULL, false);

    if (g_mkdir_with_parents(paths->dir, 0700) < 0) {
        virReportSystemError(errno, _("cannot create '%1$s'"), paths->dir);
        return -1;
    }
    return virCTLayerSaveFile(paths->conf, layer);
}

int
virCTLayerSaveFile(const char *conf, const virCTLayer *layer)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();

    g_key_file_set_string(kf, CT_LAYER_GROUP, "uuid", layer->uuid);
    g_key_file_set_string(kf, CT_LAYER_GROUP, "template", layer->template);
    g_key_file_set_string(kf, CT_LAYER_GROUP, "owner", virCTLayerOwnerTypeToString(layer->owner));
    g_key_file_set_int64(kf, CT_LAYER_GROUP, "created", layer->created);
    g_key_file_set_uint64(kf, CT_LAYER_GROUP, "space-limit", layer->spaceLimit);
    g_key_file_set_uint64(kf, CT_LAYER_GROUP, "inodes", layer->inodes);
    g_key_file_set_boolean(kf, CT_LAYER_GROUP, "user-xattrs", layer->userXattrs);
    return virCTStoreSaveKeyFile(kf, conf);
}

void
virCTLayerListFree(virCTLayer **layers, int n)
{
    int i;

    for (i = 0; layers && i < n; i++)
        virCTLayerFree(layers[i]);
    g_free(layers);
}

int
virCTLayerList(virCTStore *store, virCTLayer ***layers)
{
    g_auto(GStrv) names = NULL;
    g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func((GDestroyNotify)virCTLayerFree);
    size_t i;
    int n;

    if (virCTStoreListDir(store->containerDir, &names) < 0)
        return -1;
    for (i = 0; names[i]; i++) {
        virCTLayer *layer = NULL;

        if (virCTLayerLoad(store, names[i], &layer) < 0)
            return -1;
        if (layer)
            g_ptr_array_add(list, layer);
    }
    n = list->len;
    g_ptr_array_set_free_func(list, NULL);
    *layers = (virCTLayer **)g_ptr_array_free(g_steal_pointer(&list), false);
    return n;
}

int
virCTLayerRemove(virCTStore *store, const char *name)
{
    g_autoptr(virCTLayerPaths) paths = NULL;

    if (virCTTemplateCheckName("container", name) < 0)
        return -1;
    paths = virCTLayerPathsNew(store, name, NULL, false);
    return virCTStoreDeleteTree(paths->dir);
}

int
virCTLayerPutAside(virCTStore *store, const char *name, char **aside)
{
    static unsigned int seq;
    g_autoptr(virCTLayerPaths) paths = NULL;
    g_autofree char *path = NULL;

    *aside = NULL;
    if (virCTTemplateCheckName("container", name) < 0)
        return -1;
    paths = virCTLayerPathsNew(store, name, NULL, false);
    /* the PID last, as virCTTemplateCreatorGone() reads it */
    path = g_strdup_printf("%s/" CT_REMOVING_PREFIX "%s.%u.%d", store->containerDir, name,
                           (unsigned int)g_atomic_int_add(&seq, 1), (int)getpid());
    if (rename(paths->dir, path) < 0) {
        if (errno == ENOENT)
            return 0;
        virReportSystemError(errno, _("cannot rename '%1$s' to '%2$s'"), paths->dir, path);
        return -1;
    }
    *aside = g_steal_pointer(&path);
    return 0;
}

/* Whether @upper/etc holds nothing but the hostname file the driver
 * writes, still saying @name. */
static bool
virCTLayerOnlyHostname(const char *upper, const char *name)
{
    g_autofree char *etc = g_build_filename(upper, "etc", NULL);
    g_autofree char *file = g_build_filename(etc, "hostname", NULL);
    g_autofree char *want = g_strdup_printf("%.64s\n", name);
    g_autofree char *content = NULL;
    g_autoptr(DIR) dh = NULL;
    struct dirent *ent;
    struct stat sb;

    if (lstat(file, &sb) < 0 || !S_ISREG(sb.st_mode) || virDirOpenQuiet(&dh, etc) < 0)
        return false;
    if (virDirRead(dh, &ent, NULL) <= 0 || STRNEQ(ent->d_name, "hostname") ||
        virDirRead(dh, &ent, NULL) > 0)
        return false;
    if (virFileReadAllQuiet(file, 256, &content) < 0)
        return false;
    return STREQ(content, want);
}

bool
virCTLayerHasData(virCTStore *store, const virCTLayer *layer)
{
    /* the image, or else an upper directory beside it that is not empty */
    g_autoptr(virCTLayerPaths) paths = virCTLayerPathsNew(store, layer->name, NULL, false);
    g_autoptr(DIR) dh = NULL;
    struct dirent *ent;

    if (virFileExists(paths->image))
        return true;
    if (virDirOpenQuiet(&dh, paths->upper) < 0)
        return false;
    if (virDirRead(dh, &ent, NULL) <= 0)
        return false;
    /* the /etc/hostname the driver gives a layer is no data of the user's */
    if (STRNEQ(ent->d_name, "etc") || virDirRead(dh, &ent, NULL) > 0)
        return true;
    return !virCTLayerOnlyHostname(paths->upper, layer->name);
}


#define CT_LAYER_TRUSTED_PREFIX "trusted.overlay."

/* Copies the trusted.overlay.* attributes of one file (not following a
 * symlink) to user.overlay.*. */
static int
virCTLayerConvertFile(const char *path)
{
    char names[4096];
    ssize_t len = llistxattr(path, names, sizeof(names));
    ssize_t i;

    if (len < 0) {
        if (errno == ENOTSUP || errno == ENODATA)
            return 0;
        virReportSystemError(errno, _("cannot list the attributes of '%1$s'"), path);
        return -1;
    }
    for (i = 0; i < len; i += strlen(names + i) + 1) {
        const char *name = names + i;
        g_autofree char *userName = NULL;
        char value[4096];
        ssize_t vlen;

        if (!STRPREFIX(name, CT_LAYER_TRUSTED_PREFIX))
            continue;
        userName = g_strdup_printf("user.overlay.%s", name + strlen(CT_LAYER_TRUSTED_PREFIX));
        if ((vlen = lgetxattr(path, name, value, sizeof(value))) < 0 ||
            lsetxattr(path, userName, value, vlen, 0) < 0) {
            virReportSystemError(errno, _("cannot convert attribute '%1$s' of '%2$s'"), name, path);
            return -1;
        }
    }
    return 0;
}

static int
virCTLayerConvertDir(const char *dir)
{
    g_autoptr(DIR) dh = NULL;
    struct dirent *ent;
    int rc;

    if (virCTLayerConvertFile(dir) < 0)
        return -1;
    if ((rc = virDirOpenIfExists(&dh, dir)) <= 0)
        return rc;
    while ((rc = virDirRead(dh, &ent, dir)) > 0) {
        g_autofree char *path = g_strdup_printf("%s/%s", dir, ent->d_name);

        if (ent->d_type == DT_DIR) {
            if (virCTLayerConvertDir(path) < 0)
                return -1;
        } else if (ent->d_type != DT_LNK && virCTLayerConvertFile(path) < 0) {
            return -1;
        }
    }
    return rc;
}

int
virCTLayerConvertXattrs(const char *upper)
{
    return virCTLayerConvertDir(upper);
}
