/*
 * ct_template.h: the template store and the containers' layers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Under the data directory (/var/lib/libvirt/ct):
 *
 *   templates/NAME/root/           the immutable root file system
 *   templates/NAME/template.conf   its metadata
 *   templates/.creating.NAME.PID/  a template being made (invisible)
 *   containers/.creating.NAME.PID/ a layer being made by a clone or an
 *                                  import (invisible)
 *   containers/NAME/layer.conf     which template, owner UUID, quota
 *   containers/NAME/upper, work    the writable layer without a quota
 *   containers/NAME/disk.img       ... or an XFS image holding them,
 *   containers/NAME/disk/          ... mounted here while it runs
 *   containers/NAME/root/          where the overlay is mounted (inside
 *                                  the container's mount namespace only)
 *   .lock                          serializes changes between virtctd and
 *                                  virt-ct-template
 *
 * A template is used by every layer that names it; a layer belongs to a
 * defined container, to a transient one (removed when it stops), or to
 * none ("orphaned": its container was undefined but it held data).
 */

#pragma once

#include "internal.h"
#include "virenum.h"

#define CT_TEMPLATE_NAME_MAX 64

typedef struct _virCTStore virCTStore;
struct _virCTStore {
    char *dataDir;
    char *templateDir;
    char *containerDir;
};

virCTStore *virCTStoreNew(const char *dataDir);
void virCTStoreFree(virCTStore *store);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virCTStore, virCTStoreFree);

/* Takes the store's lock (waits for it); returns the descriptor that
 * holds it, to be closed to release it, or -1 with an error. */
int virCTStoreLock(virCTStore *store);

/* Deletes @path and everything below it, but never what is on another
 * file system mounted below it (that is an error).  A missing @path is
 * not an error. */
int virCTStoreDeleteTree(const char *path);

/* Bytes allocated and entries below @path (0 when it cannot be read). */
void virCTStoreUsage(const char *path, unsigned long long *bytes, unsigned long long *files);

/* Whether @name can name a template (or a layer): 1 to 64 of [A-Za-z0-9._-],
 * not starting with '.' or '-'.  Reports VIR_ERR_INVALID_ARG naming @what
 * and returns -1 when it cannot. */
int virCTTemplateCheckName(const char *what, const char *name);

typedef struct _virCTTemplate virCTTemplate;
struct _virCTTemplate {
    char *name;
    char *source; /* where it came from, for people */
    long long created; /* seconds since the epoch */
    unsigned long long size; /* bytes on disk */
    unsigned long long files; /* entries of every type */
    char *checksum; /* "sha256:HEX" over names, metadata and contents */
};

void virCTTemplateFree(virCTTemplate *tmpl);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virCTTemplate, virCTTemplateFree);

char *virCTTemplatePath(virCTStore *store, const char *name);
char *virCTTemplateRootPath(virCTStore *store, const char *name);

/* Where this process makes template @name before it is renamed into the
 * store (@removing false), or moves it to while deleting it (@removing
 * true): hidden names that virCTTemplateSweep() recognises. */
char *virCTTemplateStagingPath(virCTStore *store, const char *name, bool removing);

/* Loads the metadata of template @name into a new *tmpl; reports
 * VIR_ERR_CONFIG_UNSUPPORTED "template 'x' does not exist" when it is not
 * in the store.  Returns 0 or -1. */
int virCTTemplateLoad(virCTStore *store, const char *name, virCTTemplate **tmpl);

/* Writes @tmpl as DIR/template.conf (atomically). */
int virCTTemplateSave(const char *dir, const virCTTemplate *tmpl);

/* The names of the complete templates, sorted; returns their number. */
int virCTTemplateList(virCTStore *store, char ***names);

typedef void (*virCTTreeProgress)(unsigned long long files, unsigned long long bytes, void *opaque);

/* Walks the tree under @root without following symlinks and fills
 * size, files and checksum of @tmpl; @progress (may be NULL) is called
 * now and then. */
int virCTTemplateScan(const char *root, virCTTemplate *tmpl, virCTTreeProgress progress,
                      void *opaque);

/* The checksum of the tree under @root as virCTTemplateScan() makes it,
 * but without the sizes of directories, which differ between file
 * systems (and with a directory's history), and with the contents of
 * files hashed as their blocks that are not zeros (holes are not read):
 * the same for a copy of the tree anywhere, sparse or not.  Sets
 * *@checksum ("sha256:HEX"); 0 or -1. */
int virCTTreeChecksum(const char *root, char **checksum);

/* Removes what interrupted creates left (".creating.*" of dead
 * processes, in templates/ and containers/) and half-removed templates
 * and layers. */
void virCTTemplateSweep(virCTStore *store);

typedef enum {
    VIR_CT_LAYER_DEFINED = 0, /* its container is defined */
    VIR_CT_LAYER_TRANSIENT, /* removed when its container stops */
    VIR_CT_LAYER_ORPHANED, /* its container was undefined */
    VIR_CT_LAYER_SAVED, /* its transient container was saved (ct_save.c) */
    VIR_CT_LAYER_LAST
} virCTLayerOwner;

VIR_ENUM_DECL(virCTLayerOwner);

typedef struct _virCTLayer virCTLayer;
struct _virCTLayer {
    char *name; /* the container's name */
    char *uuid; /* the container's UUID */
    char *template;
    virCTLayerOwner owner;
    long long created;
    unsigned long long spaceLimit; /* limit its disk image is sized for, 0: none */
    unsigned long long inodes; /* inodes asked for at mkfs, 0: default */
    /* the overlay keeps its metadata in user.overlay.* attributes (as a
     * user namespace needs), not in the trusted.overlay.* of layers made
     * by earlier versions */
    bool userXattrs;
};

void virCTLayerFree(virCTLayer *layer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virCTLayer, virCTLayerFree);

/* Every path of the layer of container @name, the one place that spells
 * them (see the layout at the top of this file). */
typedef struct _virCTLayerPaths virCTLayerPaths;
struct _virCTLayerPaths {
    char *dir; /* containers/NAME: the layer, removed with it */
    char *conf; /* containers/NAME/layer.conf: its record */
    char *image; /* containers/NAME/disk.img: its disk image, if any */
    char *disk; /* containers/NAME/disk: where the image is mounted */
    char *overlay; /* the directory of upper and work: dir, or disk with a limit */
    char *upper; /* overlay/upper: what the container wrote */
    char *work; /* overlay/work: the overlay's scratch directory */
    char *root; /* containers/NAME/root: where the overlay is mounted */
    char *templateRoot; /* templates/TEMPLATE/root, NULL without a template */
};

/* Fills a new virCTLayerPaths for the layer of container @name on
 * template @tmpl (NULL when it does not matter), whose upper and work
 * are on its disk image when @disk (the domain has a space limit).
 * @disk says nothing about whether the image exists: image and disk are
 * always filled.  The caller frees it with virCTLayerPathsFree. */
virCTLayerPaths *virCTLayerPathsNew(virCTStore *store, const char *name, const char *tmpl,
                                    bool disk);
void virCTLayerPathsFree(virCTLayerPaths *paths);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virCTLayerPaths, virCTLayerPathsFree);

/* Gives every file under @upper that has trusted.overlay.* attributes the
 * same user.overlay.* ones.  Returns 0 or -1 with an error. */
int virCTLayerConvertXattrs(const char *upper);

/* Loads containers/@name/layer.conf: returns 1 with *layer, 0 when there
 * is no layer, -1 on error. */
int virCTLayerLoad(virCTStore *store, const char *name, virCTLayer **layer);
int virCTLayerSave(virCTStore *store, const virCTLayer *layer);

/* Writes @layer as the record file @conf (atomically). */
int virCTLayerSaveFile(const char *conf, const virCTLayer *layer);

/* The same from the record file @conf, for the layer called @name. */
int virCTLayerLoadFile(const char *conf, const char *name, virCTLayer **layer);

/* Every layer in the store, sorted by name; returns their number. */
int virCTLayerList(virCTStore *store, virCTLayer ***layers);
void virCTLayerListFree(virCTLayer **layers, int n);

/* Where this process makes the layer of @name before it is renamed into
 * the store (@removing false: a clone, an import), or puts an existing
 * one aside (@removing true): hidden names that virCTTemplateSweep()
 * removes once this process is gone. */
char *virCTLayerStagingPath(virCTStore *store, const char *name, bool removing);

/* Removes containers/@name with everything in it (the caller made sure
 * its disk is not mounted). */
int virCTLayerRemove(virCTStore *store, const char *name);

/* Puts containers/@name aside under a hidden name of its own (see
 * virCTLayerStagingPath(), unique in this process), for the caller to
 * delete (virCTStoreDeleteTree()) when it suits it: @name is free at
 * once.  *@aside: the new path, NULL when there was no such layer.
 * Returns 0 or -1. */
int virCTLayerPutAside(virCTStore *store, const char *name, char **aside);

/* Whether the layer of @name holds anything written by its container. */
bool virCTLayerHasData(virCTStore *store, const virCTLayer *layer);
