/*
 * ct_migrate_priv.h: what the two sides of a migration share
 * (ct_migrate.c, ct_migrate_src.c, ct_migrate_dst.c)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "ct_conf.h"
#include "ct_migrate_stream.h"

#include "vircommand.h"

#define CT_MIGRATE_FLAGS                                                                           \
    (VIR_MIGRATE_LIVE | VIR_MIGRATE_PEER2PEER | VIR_MIGRATE_TUNNELLED | VIR_MIGRATE_PERSIST_DEST | \
     VIR_MIGRATE_UNDEFINE_SOURCE | VIR_MIGRATE_PAUSED | VIR_MIGRATE_NON_SHARED_DISK |              \
     VIR_MIGRATE_NON_SHARED_INC | VIR_MIGRATE_CHANGE_PROTECTION | VIR_MIGRATE_OFFLINE |            \
     VIR_MIGRATE_ABORT_ON_ERROR | VIR_MIGRATE_UNSAFE)

#define CT_MIGRATE_PARAMS                                                                      \
    VIR_MIGRATE_PARAM_URI, VIR_TYPED_PARAM_STRING, VIR_MIGRATE_PARAM_DEST_NAME,                \
        VIR_TYPED_PARAM_STRING, VIR_MIGRATE_PARAM_DEST_XML, VIR_TYPED_PARAM_STRING,            \
        VIR_MIGRATE_PARAM_BANDWIDTH, VIR_TYPED_PARAM_ULLONG, VIR_MIGRATE_PARAM_LISTEN_ADDRESS, \
        VIR_TYPED_PARAM_STRING, NULL

/* The first port the destination listens on for the data of a migration
 * that is not tunnelled, and how many it tries (qemu's range). */
#define CT_MIGRATE_PORT_MIN 49152
#define CT_MIGRATE_PORT_COUNT 64

/* What the daemons tell each other through the client (libvirt's
 * migration cookie; a key file's text). */
typedef struct {
    char *hostname;
    char *hostuuid;
    char *tmpl; /* the template of the container's root, if any */
    char *checksum; /* its checksum on the source */
    bool hasKey;
    unsigned char key[CT_MIGRATE_KEY_LEN]; /* from the destination */
    unsigned long long frozen; /* ms since the epoch: the source stopped running */
    unsigned long long running; /* ms since the epoch: runs on the destination */
} virCTMigrateCookie;

void virCTMigrateCookieClear(virCTMigrateCookie *c);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(virCTMigrateCookie, virCTMigrateCookieClear);

/* This host's name and UUID in @c. */
int virCTMigrateCookieSetHost(virCTMigrateCookie *c);

/* @c as a cookie (NUL-terminated, *@len with the NUL). */
int virCTMigrateCookieFormat(const virCTMigrateCookie *c, char **out, int *len);

/* A cookie back into @c; an empty one leaves it empty.  -1 with an error
 * for one that is not ours. */
int virCTMigrateCookieParse(const char *in, int len, virCTMigrateCookie *c);

/* The template @def's root is made from, and its checksum here: 0 with
 * *@tmpl NULL when the root is not a template, -1 with an error. */
int virCTMigrateTemplateOf(virCTDriver *driver, const virDomainDef *def, char **tmpl,
                           char **checksum);

/* tar writing @members of @dir to *@outfd (sparse files stay sparse;
 * owners as numbers, attributes and ACLs kept; an incremental dump on
 * the record @snar when given; its messages in @log, emptied first),
 * started. */
virCommand *virCTMigrateTarCreate(const char *dir, const char *const *members, const char *snar,
                                  const char *log, int *outfd);

/* tar unpacking what is written to *@infd into @dir (@incremental: the
 * dumps of an incremental tar, files a later one no longer lists
 * removed), started. */
virCommand *virCTMigrateTarExtract(const char *dir, bool incremental, const char *log, int *infd);

/* A tar that unpacks the frames written to it. */
typedef struct {
    virCommand *cmd;
    int fd; /* its input, -1 when none runs */
} virCTMigrateTarSink;

int virCTMigrateTarSinkStart(virCTMigrateTarSink *t, const char *dir, bool incremental,
                             const char *log);
int virCTMigrateTarSinkWrite(virCTMigrateTarSink *t, const char *buf, size_t len);
/* Ends its input and waits: -1 with tar's complaint. */
int virCTMigrateTarSinkEnd(virCTMigrateTarSink *t, const char *what, const char *log);
void virCTMigrateTarSinkAbort(virCTMigrateTarSink *t);

/* Waits for a tar started above; -1 with an error naming @what it did. */
int virCTMigrateTarWait(virCommand *cmd, const char *what, const char *log);
/* The same; with @changing, files that changed or went while tar read
 * them (its exit status 1) are no error. */
int virCTMigrateTarWaitFull(virCommand *cmd, const char *what, const char *log, bool changing);

/* The source's layer.conf as it comes: our own record of the layer
 * stays in place (transient) until the migration succeeds. */
#define CT_MIGRATE_LAYER_CONF_INCOMING ".layer.conf.incoming"

/* A layer sent in two passes (ct_migrate_layer.c): all of it, then, once
 * the container is frozen, what changed.  NULL for a root that is not a
 * template (nothing to send). */
typedef struct _virCTMigrateLayerOut virCTMigrateLayerOut;
virCTMigrateLayerOut *virCTMigrateLayerOutNew(virCTDriver *driver, const virDomainDef *def);
int virCTMigrateLayerSend(virCTMigrateLayerOut *l, virCTMigrateStream *s);
void virCTMigrateLayerOutFree(virCTMigrateLayerOut *l);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virCTMigrateLayerOut, virCTMigrateLayerOutFree);

/* The receiving end: the layer's frames into the recorded layer of
 * @def (which must outlive it).  NULL for a root that is not a template:
 * any layer frame is refused then. */
typedef struct _virCTMigrateLayerIn virCTMigrateLayerIn;
virCTMigrateLayerIn *virCTMigrateLayerInNew(virCTDriver *driver, const virDomainDef *def,
                                            const char *log);
int virCTMigrateLayerInFrame(virCTMigrateLayerIn *l, char type, const char *buf, size_t len);
/* After the last frame: -1 with an error when a tar is still open. */
int virCTMigrateLayerInFinish(virCTMigrateLayerIn *l);
void virCTMigrateLayerInFree(virCTMigrateLayerIn *l);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virCTMigrateLayerIn, virCTMigrateLayerInFree);

/* An outgoing migration, in the domain's private data from Begin to
 * Confirm (the domain's job held all along). */
typedef struct _virCTMigrateOut virCTMigrateOut;
struct _virCTMigrateOut {
    unsigned int flags;
    bool offline; /* a container that does not run: definition and layer */
    bool sent; /* Perform is done: the destination has everything */
    bool performing; /* Perform runs (the domain unlocked at times) */
    bool clientGone; /* the client closed while Perform ran */
    bool abort; /* virDomainAbortJob (atomic) */
    struct _virCTSaveDump *dump; /* live: CRIU waits for a verdict */
    virConnectPtr conn; /* managed: the client, whose close cancels */
    virCTMigrateStream *stream; /* while data is sent */
    unsigned long long frozen; /* ms: when the container stopped running */
};
