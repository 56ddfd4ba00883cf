/*
 * ct_template_tool.h: what the parts of virt-ct-template share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * virt-ct-template.c: main, options, the template commands (create,
 * list, info, verify, remove, layers, layer-remove);
 * ct_template_domain.c: a container as a source (its definition through
 * libvirt, its layer or a snapshot's), a new layer staged and adopted
 * by a define;
 * ct_template_clone.c: clone, create --from-container;
 * ct_template_archive.c: export, import.
 */

#pragma once

#include <signal.h>

#include "ct_config.h"
#include "ct_template.h"
#include "vircommand.h"

#include <libvirt/libvirt.h>

enum {
    EXIT_OK = 0,
    EXIT_FAILED = 1, /* something went wrong, or verify found a change */
    EXIT_USAGE = 2, /* bad command line */
    EXIT_REFUSED = 3, /* refused: exists, in use, or not orphaned */
};

extern volatile sig_atomic_t interrupted;
extern bool quiet;

/* The options of the commands on containers. */
typedef struct {
    const char *uri; /* --connect, default ct:///system */
    const char *snapshot; /* --snapshot */
    const char *name; /* import --name */
    const char *container; /* create --from-container */
    bool snapshots; /* export --snapshots */
    bool withTemplate; /* export --with-template */
    bool force; /* import --force */
} ctToolOptions;

/* Prints the last error as "virt-ct-template: MESSAGE"; returns @code. */
int fail(int code);

/* Runs @cmd, killed (SIGTERM) when we are interrupted. */
int runCommand(virCommand *cmd);

void humanSize(unsigned long long bytes, char *buf, size_t len);
void progressLine(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

/* Renames the template made in @tmp to @name in the store: EXIT_OK,
 * EXIT_REFUSED when it exists (meanwhile), else EXIT_FAILED. */
int commitTemplate(virCTStore *store, const char *tmp, const char *name);

/* SIGINT, SIGTERM and SIGHUP set interrupted (and stop a child). */
void catchSignals(void);

/* -1 with VIR_ERR_OPERATION_ABORTED when a signal came. */
int checkInterrupted(void);

/* ---- ct_template_domain.c ------------------------------------------ */

/* A container, or one of its snapshots, to copy from. */
typedef struct {
    char *name;
    char *snapshot; /* NULL: the container's layer itself */
    char *xml; /* its inactive definition (the snapshot's) */
    char *uuid;
    virCTLayer *layer; /* its layer record (the snapshot's) */
    char *dir; /* containers/NAME or containers/NAME/snapshots/SNAP */
    char *upper; /* its upper directory, if it has one and no image */
    char *image; /* its disk image, if it has one */
    virDomainSnapshotPtr tempSnapshot; /* taken to copy a running container */
} ctToolSource;

void ctToolSourceFree(ctToolSource *src);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ctToolSource, ctToolSourceFree);

/* Opens @uri (NULL: ct:///system) with libvirt's errors routed into ours. */
virConnectPtr ctToolConnect(const char *uri);

/* The container @name, or its snapshot @snapshot, as a new source, or
 * NULL with an error.  A running container without @snapshot is copied
 * from a temporary disk-only snapshot, deleted by ctToolSourceFree(). */
ctToolSource *ctToolSourceOpen(virConnectPtr conn, virCTStore *store, const char *name,
                               const char *snapshot);

/* @xml made the definition of a new domain: name @name, UUID @uuid, no
 * MAC addresses and no host device names for its interfaces (libvirt
 * makes new ones), no <ct:idrange> (the driver gives a free one).  NULL
 * with an error when @xml cannot be read. */
char *ctToolNewDefinition(const char *xml, const char *name, const char *uuid, bool fresh);

/* The name of the template @xml's root is on, or NULL with an error. */
char *ctToolDefinitionTemplate(const char *xml);

/* Frees @dom (may be NULL), keeping the last error. */
void ctToolDomainFree(virDomainPtr dom);

/* Closes @conn (may be NULL), keeping the last error. */
void ctToolDisconnect(virConnectPtr conn);

/* Whether there is a domain @name on @conn: 1, 0, -1 with an error. */
int ctToolDomainExists(virConnectPtr conn, const char *name);

/* This process gets a mount namespace of its own (once): what it mounts
 * there nobody else sees, and goes when it ends, however it ends. */
int ctToolPrivateMounts(void);

/* Runs @fn(@opaque, MOUNTPOINT) with the XFS image @image mounted on a
 * fresh directory in this process' own mount namespace (read-only with
 * @readonly).  Returns what @fn returns, or -1 with an error. */
int ctToolWithImage(const char *image, bool readonly, int (*fn)(void *opaque, const char *mnt),
                    void *opaque);

/* Deletes the layer's /etc/hostname when it is the one the driver wrote
 * for container @name (so the driver writes the new name's at the next
 * start).  @upper is the layer's upper directory. */
void ctToolForgetHostname(const char *upper, const char *name);

/* The same for the layer in directory @dir (containers/NAME or a staged
 * copy): in its upper directory, or in its disk image.  0 or -1. */
int ctToolForgetLayerHostname(const char *dir, const char *name);

/* The staged layer @staging (layer.conf written, data in place) becomes
 * containers/@name, and @xml is defined: the driver adopts the layer
 * (same name and UUID).  On error nothing is left: neither the layer
 * nor the domain.  Returns 0 or -1 with an error. */
int ctToolAdoptLayer(virConnectPtr conn, virCTStore *store, const char *staging, const char *name,
                     const char *uuid, const char *xml);

/* ---- commands ------------------------------------------------------- */

int cmdClone(virCTStore *store, const char *src, const char *dst, const ctToolOptions *opts);
int cmdCreateFromContainer(virCTStore *store, const char *name, const ctToolOptions *opts);
int cmdExport(virCTStore *store, const char *ct, const char *file, const ctToolOptions *opts);
int cmdImport(virCTStore *store, const char *file, const ctToolOptions *opts);
