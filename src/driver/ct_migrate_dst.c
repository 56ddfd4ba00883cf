/*
 * ct_migrate_dst.c: the destination side of a migration
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Prepare checks what it can before any data moves (the definition, its
 * name and UUID free here, the same template with the same checksum, the
 * id range), makes a one-time key for the data (in the cookie back),
 * records the container's layer as a transient one (so that a daemon
 * that dies meanwhile removes it at its next start) and starts a
 * receiver thread on a TCP port of its own (or on the tunnel's stream).
 * The receiver checks every frame, unpacks the layer into place and the
 * checkpoint into a restore directory.  Finish waits for it and brings
 * the container up from them (reason migrated) or, offline, defines it;
 * a cancel or any failure removes all of it again.  Until Finish the
 * incoming container is not a domain here.
 */

#include <config.h>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ct_criu_image.h"
#include "ct_domain.h"
#include "ct_domain_input.h"
#include "ct_idrange.h"
#include "ct_layer.h"
#include "ct_migrate.h"
#include "ct_migrate_priv.h"
#include "ct_process.h"
#include "ct_save_priv.h"
#include "ct_template.h"

#include "datatypes.h"
#include "viraccessapicheck.h"
#include "virdomainjob.h"
#include "virerror.h"
#include "virfdstream.h"
#include "virfile.h"
#include "virlog.h"
#include "virthread.h"
#include "virtime.h"
#include "virtypedparam.h"
#include "viruri.h"
#include "virutil.h"
#include "viruuid.h"

#define VIR_FROM_THIS VIR_FROM_NONE

VIR_LOG_INIT("ct.ct_migrate_dst");

/* An incoming migration between Prepare and Finish. */
typedef struct {
    virCTDriver *driver;
    virConnectPtr conn; /* prepared on (not referenced): its close cancels */
    char *name;
    virDomainDef *def; /* until Finish adds the domain */
    unsigned int flags;
    unsigned char key[CT_MIGRATE_KEY_LEN];
    int listenFd; /* TCP, until the source connects */
    int dataFd; /* the data: the source's connection or the tunnel's pipe */
    int cancel[2]; /* written: the receiver stops */
    virThread thread;
    bool threadStarted;
    bool layerRecorded; /* the layer is ours to remove on failure */
    char *restoreDir;
    char *meta;
    char *log;
    int result; /* the receiver's: 0, or -1 with err */
    bool checkpointDone; /* the checkpoint's files are complete */
    bool done; /* the receiver ended (atomic) */
    unsigned long long prepared; /* ms since the epoch */
    bool shift; /* the checkpoint's id maps move from shiftFrom to shiftTo */
    unsigned int shiftFrom;
    unsigned int shiftTo;
    unsigned int shiftCount;
    virErrorPtr err;
    unsigned long long bytes;
} virCTMigrateIn;

/* The incoming migrations by domain name, under migrateInLock. */
static GHashTable *migrateIns;
static virMutex migrateInLock = VIR_MUTEX_INITIALIZER;

static void
virCTMigrateInFree(virCTMigrateIn *in)
{
    if (!in)
        return;
    VIR_FORCE_CLOSE(in->listenFd);
    VIR_FORCE_CLOSE(in->dataFd);
    VIR_FORCE_CLOSE(in->cancel[0]);
    VIR_FORCE_CLOSE(in->cancel[1]);
    virDomainDefFree(in->def);
    g_free(in->name);
    g_free(in->restoreDir);
    g_free(in->meta);
    g_free(in->log);
    virFreeError(in->err);
    memset(in->key, 0, sizeof(in->key));
    g_free(in);
}

/* Undoes what an incoming migration left: restore directory, layer. */
static void
virCTMigrateInDiscard(virCTMigrateIn *in)
{
    if (in->threadStarted) {
        ignore_value(safewrite(in->cancel[1], "x", 1));
        virThreadJoin(&in->thread);
        in->threadStarted = false;
    }
    if (in->restoreDir && virFileDeleteTree(in->restoreDir) < 0)
        virResetLastError();
    if (in->layerRecorded) {
        VIR_AUTOCLOSE lock = virCTStoreLock(in->driver->store);

        if (lock < 0 || virCTLayerRemove(in->driver->store, in->name) < 0) {
            VIR_WARN("cannot remove the layer of '%s': %s", in->name, virGetLastErrorMessage());
            virResetLastError();
        }
    }
    in->layerRecorded = false;
    virCTMigrateInFree(in);
}

/* ---------------------------------------------------------- receiving */

/* Waits for a connection to the port (migration_timeout at most). */
static int
virCTMigrateInAccept(virCTMigrateIn *in)
{
    struct pollfd fds[2] = { { .fd = in->listenFd, .events = POLLIN },
                             { .fd = in->cancel[0], .events = POLLIN } };
    unsigned int timeout = in->driver->config->migrationTimeout;
    int rc;

    while ((rc = poll(fds, 2, timeout * 1000)) < 0 && errno == EINTR)
        ;
    if (rc == 0) {
        virReportError(VIR_ERR_OPERATION_TIMEOUT,
                       _("the source did not connect within %1$u seconds"), timeout);
        return -1;
    }
    if (rc < 0 || fds[1].revents) {
        virReportError(VIR_ERR_OPERATION_FAILED, "%s",
                       rc < 0 ? _("cannot wait for the source's connection")
                              : _("the migration was canceled"));
        return -1;
    }
    if ((in->dataFd = accept4(in->listenFd, NULL, NULL, SOCK_CLOEXEC)) < 0) {
        virReportSystemError(errno, "%s", _("cannot accept the source's connection"));
        return -1;
    }
    return 0;
}

/* The source's connection, told from whoever else reaches the port by a
 * first frame under the key (a few tries, a few seconds each), and its
 * stream.  NULL with an error. */
static virCTMigrateStream *
virCTMigrateInConnect(virCTMigrateIn *in, char *buf)
{
    unsigned int timeout = in->driver->config->migrationTimeout;
    size_t tries;

    for (tries = 0;; tries++) {
        g_autoptr(virCTMigrateStream) s = NULL;
        size_t len = 0;
        char type = 0;

        if (in->listenFd >= 0 && virCTMigrateInAccept(in) < 0)
            return NULL;
        s = virCTMigrateStreamNew(in->dataFd, in->key, 0, &in->bytes);
        /* on a port anyone reaches, a few seconds to show the key */
        virCTMigrateStreamSetCancel(s, in->cancel[0], NULL,
                                    in->listenFd >= 0 ? MIN(timeout, 5) : timeout);
        if (virCTMigrateStreamRead(s, &type, buf, &len) == 0 && type == CT_MIGRATE_FRAME_HELLO &&
            len == VIR_UUID_BUFLEN && memcmp(buf, in->def->uuid, VIR_UUID_BUFLEN) == 0) {
            VIR_FORCE_CLOSE(in->listenFd);
            virCTMigrateStreamSetCancel(s, in->cancel[0], NULL, timeout);
            return g_steal_pointer(&s);
        }
        if (in->listenFd < 0 || tries >= 8) {
            if (virGetLastErrorCode() == VIR_ERR_OK)
                virReportError(VIR_ERR_OPERATION_FAILED, "%s",
                               _("migration data refused: not for this domain"));
            return NULL;
        }
        VIR_WARN("a connection to the migration port of '%s' refused: %s", in->name,
                 virGetLastErrorMessage());
        virResetLastError();
        VIR_FORCE_CLOSE(in->dataFd);
    }
}

/* CRIU reads its files partly from within the container's user
 * namespace: open to all, as a restore from an image makes them. */
static int
virCTMigrateInOpenCheckpoint(const char *dir)
{
    g_autoptr(DIR) dh = NULL;
    struct dirent *ent;
    int rc;

    if (chmod(dir, 0755) < 0) {
        virReportSystemError(errno, _("cannot open '%1$s' to CRIU"), dir);
        return -1;
    }
    if (virDirOpen(&dh, dir) < 0)
        return -1;
    while ((rc = virDirRead(dh, &ent, dir)) > 0) {
        if (fchmodat(dirfd(dh), ent->d_name, 0644, AT_SYMLINK_NOFOLLOW) < 0 &&
            errno != EOPNOTSUPP) {
            virReportSystemError(errno, _("cannot open '%1$s/%2$s' to CRIU"), dir, ent->d_name);
            return -1;
        }
    }
    return rc;
}

/* The checkpoint's files are all here: open to CRIU, the user
 * namespace's maps moved when the container got another id range. */
static int
virCTMigrateInCheckpointDone(virCTMigrateIn *in)
{
    if (virCTMigrateInOpenCheckpoint(in->restoreDir) < 0)
        return -1;
    if (in->shift &&
        virCTCriuShiftUserns(in->restoreDir, in->shiftFrom, in->shiftTo, in->shiftCount) < 0)
        return -1;
    in->checkpointDone = true;
    return 0;
}

/* One frame of the checkpoint (C, c) or its restore details (M). */
static int
virCTMigrateInCheckpointFrame(virCTMigrateIn *in, virCTMigrateTarSink *tar, char type,
                              const char *buf, size_t len)
{
    if (!in->restoreDir || (in->checkpointDone && type != CT_MIGRATE_FRAME_META)) {
        virReportError(VIR_ERR_OPERATION_FAILED,
                       _("migration data refused: frame '%1$c' out of place"), type);
        return -1;
    }
    switch (type) {
    case CT_MIGRATE_FRAME_CHECKPOINT:
        if (!tar->cmd && virCTMigrateTarSinkStart(tar, in->restoreDir, false, in->log) < 0)
            return -1;
        return virCTMigrateTarSinkWrite(tar, buf, len);
    case CT_MIGRATE_FRAME_CHECKPOINT_END:
        if (virCTMigrateTarSinkEnd(tar, "unpack the checkpoint", in->log) < 0)
            return -1;
        return virCTMigrateInCheckpointDone(in);
    default: /* CT_MIGRATE_FRAME_META */
        g_free(in->meta);
        in->meta = g_strndup(buf, len);
        return 0;
    }
}

/* Everything the source sends, checked and unpacked, frame by frame. */
static int
virCTMigrateInReceive(virCTMigrateIn *in)
{
    g_autoptr(virCTMigrateStream) s = NULL;
    g_autoptr(virCTMigrateLayerIn) layer = virCTMigrateLayerInNew(in->driver, in->def, in->log);
    g_autofree char *buf = g_new(char, CT_MIGRATE_FRAME_MAX + 1);
    virCTMigrateTarSink tar = { NULL, -1 };
    size_t len = 0;
    char type = 0;
    int rc = 0;

    if (!(s = virCTMigrateInConnect(in, buf)))
        return -1;
    while (rc == 0 && (rc = virCTMigrateStreamRead(s, &type, buf, &len)) == 0 &&
           type != CT_MIGRATE_FRAME_END) {
        if (type && strchr("KLlSBZ", type))
            rc = virCTMigrateLayerInFrame(layer, type, buf, len);
        else if (type && strchr("CcM", type))
            rc = virCTMigrateInCheckpointFrame(in, &tar, type, buf, len);
        else
            goto unexpected;
    }
    virCTMigrateTarSinkAbort(&tar);
    if (rc < 0 || virCTMigrateLayerInFinish(layer) < 0)
        return -1;
    if (in->restoreDir && (!in->checkpointDone || !in->meta)) {
        virReportError(VIR_ERR_OPERATION_FAILED, "%s",
                       _("migration data refused: it ends without the checkpoint"));
        return -1;
    }
    return 0;

 unexpected:
    virCTMigrateTarSinkAbort(&tar);
    virReportError(VIR_ERR_OPERATION_FAILED, _("migration data refused: unexpected frame '%1$c'"),
                   type);
    return -1;
}

static void
virCTMigrateInThread(void *opaque)
{
    virCTMigrateIn *in = opaque;

    if ((in->result = virCTMigrateInReceive(in)) < 0) {
        in->err = virSaveLastError();
        VIR_WARN("incoming migration of '%s' failed: %s", in->name,
                 in->err ? in->err->message : "?");
    }
    VIR_FORCE_CLOSE(in->dataFd);
    __atomic_store_n(&in->done, true, __ATOMIC_RELEASE);
}

/* ------------------------------------------------------------ Prepare */

/* This host's name, for the source to send the data to: refused when
 * it resolves to a loopback address (the source would reach itself). */
static char *
virCTMigrateInHostName(void)
{
    g_autofree char *host = virGetHostname();
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
    struct addrinfo *res = NULL;
    struct addrinfo *ai;
    bool loopback = true;

    if (!host)
        return NULL;
    if (getaddrinfo(host, NULL, &hints, &res) != 0)
        return g_steal_pointer(&host); /* the source may know it */
    for (ai = res; ai; ai = ai->ai_next) {
        if (ai->ai_family == AF_INET)
            loopback &= (ntohl(((struct sockaddr_in *)ai->ai_addr)->sin_addr.s_addr) >> 24) == 127;
        else if (ai->ai_family == AF_INET6)
            loopback &= IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr);
    }
    freeaddrinfo(res);
    if (loopback) {
        virReportError(
            VIR_ERR_OPERATION_FAILED,
            _("this host's name '%1$s' resolves to a loopback address, which the source cannot send the data to: pass --migrateuri tcp://ADDRESS, or set migration_host in virtctd.conf here"),
            host);
        return NULL;
    }
    return g_steal_pointer(&host);
}

/* Listens on @port, or on the first free port of the range when 0, on
 * @address (all when NULL); sets the URI the source is to connect to,
 * on @host. */
static int
virCTMigrateInListen(virCTMigrateIn *in, const char *address, const char *host, int port,
                     char **uriOut)
{
    struct addrinfo hints = { .ai_family = AF_UNSPEC,
                              .ai_socktype = SOCK_STREAM,
                              .ai_flags = AI_PASSIVE };
    int first = port > 0 ? port : CT_MIGRATE_PORT_MIN;
    int last = port > 0 ? port : CT_MIGRATE_PORT_MIN + CT_MIGRATE_PORT_COUNT - 1;
    int err = EADDRINUSE;

    for (port = first; port <= last; port++) {
        g_autofree char *service = g_strdup_printf("%d", port);
        struct addrinfo *res = NULL;
        struct addrinfo *ai;
        int rc;

        if ((rc = getaddrinfo(address, service, &hints, &res)) != 0) {
            virReportError(VIR_ERR_OPERATION_FAILED, _("cannot resolve '%1$s': %2$s"),
                           NULLSTR(address), gai_strerror(rc));
            return -1;
        }
        for (ai = res; ai && in->listenFd < 0; ai = ai->ai_next) {
            int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
            int on = 1;

            if (fd < 0) {
                err = errno;
                continue;
            }
            ignore_value(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)));
            if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 4) == 0) {
                in->listenFd = fd;
                break;
            }
            err = errno;
            VIR_FORCE_CLOSE(fd);
        }
        freeaddrinfo(res);
        if (in->listenFd >= 0) {
            *uriOut = strchr(host, ':') ? g_strdup_printf("tcp://[%s]:%d", host, port)
                                        : g_strdup_printf("tcp://%s:%d", host, port);
            return 0;
        }
    }
    virReportSystemError(err, _("no free port for the migration data in %1$d-%2$d"), first, last);
    return -1;
}

/* The same template as the source's, or a clear refusal. */
static int
virCTMigrateInCheckTemplate(virCTMigrateIn *in, const virCTMigrateCookie *cookie)
{
    g_autofree char *tmpl = NULL;
    g_autofree char *checksum = NULL;

    if (virCTMigrateTemplateOf(in->driver, in->def, &tmpl, &checksum) < 0)
        return -1;
    if (!tmpl)
        return 0;
    if (!cookie->tmpl || STRNEQ(cookie->tmpl, tmpl) ||
        STRNEQ_NULLABLE(cookie->checksum, checksum)) {
        virReportError(
            VIR_ERR_OPERATION_FAILED,
            _("template '%1$s' here is not the source's (checksum %2$s here, %3$s there): the container would run on a different base"),
            tmpl, checksum, NULLSTR(cookie->checksum));
        return -1;
    }
    return 0;
}

/* Nothing of this name or UUID runs here, and a layer of the name here
 * is free to take (none, or an empty one of this domain). */
static int
virCTMigrateInCheckFree(virCTMigrateIn *in)
{
    virCTDriver *driver = in->driver;
    virDomainObj *vm = virDomainObjListFindByUUID(driver->domains, in->def->uuid);
    g_autoptr(virCTLayer) layer = NULL;
    bool busy = vm && (virDomainObjIsActive(vm) || STRNEQ(vm->def->name, in->def->name));
    size_t i;
    int rc;

    virDomainObjEndAPI(&vm);
    if (!busy && (vm = virDomainObjListFindByName(driver->domains, in->def->name))) {
        busy = memcmp(vm->def->uuid, in->def->uuid, VIR_UUID_BUFLEN) != 0;
        virDomainObjEndAPI(&vm);
    }
    if (busy) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("a domain named '%1$s' or with its UUID is here already"), in->def->name);
        return -1;
    }
    /* a directory of the host it binds is shared storage: there, or no
     * container */
    for (i = 0; i < in->def->nfss; i++) {
        const virDomainFSDef *fs = in->def->fss[i];

        if (fs->type == VIR_DOMAIN_FS_TYPE_MOUNT && fs->src->path && !virFileIsDir(fs->src->path)) {
            virReportError(
                VIR_ERR_OPERATION_INVALID,
                _("'%1$s' of '%2$s' is not on this host: the directories a container binds must be here too (shared storage)"),
                fs->src->path, in->def->name);
            return -1;
        }
    }
    if (!virCTLayerTemplateRoot(in->def))
        return 0;
    if ((rc = virCTLayerLoad(driver->store, in->def->name, &layer)) < 0)
        return -1;
    if (rc > 0) {
        virReportError(
            VIR_ERR_OPERATION_INVALID,
            _("a layer of '%1$s' is here already (from an earlier stay, or another container): remove it with 'virt-ct-template layer-remove %2$s' or undefine the domain here first"),
            in->def->name, in->def->name);
        return -1;
    }
    return 0;
}

/* The container's id range here: the source's, or a free one when
 * another domain here holds it (the layer keeps its files unshifted; a
 * checkpoint's user namespace maps are moved along, see
 * virCTMigrateInShiftUserns). */
static int
virCTMigrateInIdRange(virCTMigrateIn *in)
{
    virCTDriver *driver = in->driver;
    virCTDomainNamespaceDef *ns;
    bool offline = in->flags & VIR_MIGRATE_OFFLINE;
    int rc = -1;

    VIR_WITH_MUTEX_LOCK_GUARD (&driver->idLock) {
        rc = virCTIdRangeAssign(driver, in->def, !offline);
        if (rc < 0 && virCTDomainUsesIdRange(in->def) &&
            (ns = virCTDomainEnsureNamespaceDef(in->def))->idrangeCount) {
            VIR_INFO("the id range of '%s' is taken here: it gets another (%s)", in->name,
                     virGetLastErrorMessage());
            virResetLastError();
            in->shiftFrom = ns->idrangeTarget;
            in->shiftCount = ns->idrangeCount;
            ns->idrangeTarget = ns->idrangeCount = 0;
            if ((rc = virCTIdRangeAssign(driver, in->def, !offline)) == 0) {
                in->shiftTo = ns->idrangeTarget;
                /* the checkpoint's user namespace is mapped there too */
                in->shift = !offline;
                if (in->shift && ns->idrangeCount != in->shiftCount) {
                    virReportError(
                        VIR_ERR_OPERATION_FAILED,
                        _("the id range of '%1$s' is taken here, and ranges here are of %2$u ids, not %3$u: its processes cannot come back on another"),
                        in->name, ns->idrangeCount, in->shiftCount);
                    rc = -1;
                }
            }
        }
    }
    return rc;
}

/* The incoming migration of @name, out of the table; NULL with an error. */
static virCTMigrateIn *
virCTMigrateInTake(const char *name)
{
    virCTMigrateIn *in = NULL;

    VIR_WITH_MUTEX_LOCK_GUARD (&migrateInLock) {
        if (migrateIns && (in = g_hash_table_lookup(migrateIns, name)))
            g_hash_table_remove(migrateIns, name);
    }
    if (!in)
        virReportError(VIR_ERR_NO_DOMAIN, _("no incoming migration of '%1$s'"), name);
    return in;
}

/* The incoming migration of the definition in @params, checked against
 * this host (nothing recorded yet).  NULL with an error. */
static virCTMigrateIn *
virCTMigrateInNew(virConnectPtr dconn, virTypedParameterPtr params, int nparams,
                  const virCTMigrateCookie *cookie, unsigned int flags)
{
    virCTDriver *driver = dconn->privateData;
    g_autofree virCTMigrateIn *in = g_new0(virCTMigrateIn, 1);
    const char *xml = NULL;
    const char *dname = NULL;

    in->driver = driver;
    in->conn = dconn;
    in->flags = flags;
    in->listenFd = in->dataFd = -1;
    in->cancel[0] = in->cancel[1] = -1;
    ignore_value(virTimeMillisNow(&in->prepared));
    if (virTypedParamsGetString(params, nparams, VIR_MIGRATE_PARAM_DEST_XML, &xml) < 0 ||
        virTypedParamsGetString(params, nparams, VIR_MIGRATE_PARAM_DEST_NAME, &dname) < 0)
        return NULL;
    if (!xml) {
        virReportError(VIR_ERR_INVALID_ARG, "%s", _("no domain XML passed"));
        return NULL;
    }
    if (!(in->def = virCTDomainInputParse(driver, xml, false)))
        return NULL;
    if (dname) {
        g_free(in->def->name);
        in->def->name = g_strdup(dname);
    }
    in->name = g_strdup(in->def->name);
    in->log = g_strdup_printf("%s/%s.migrate.log", driver->config->logDir, in->name);
    if (virDomainMigratePrepare3ParamsEnsureACL(dconn, in->def) < 0 ||
        virCTMigrateInCheckTemplate(in, cookie) < 0 || virCTMigrateInCheckFree(in) < 0 ||
        virCTMigrateInIdRange(in) < 0) {
        virCTMigrateInFree(g_steal_pointer(&in));
        return NULL;
    }
    return g_steal_pointer(&in);
}

/* No other incoming migration of @in's name; with @insert, @in is put
 * in the table under its name. */
static int
virCTMigrateInRegister(virCTMigrateIn *in, bool insert)
{
    VIR_LOCK_GUARD lock = virLockGuardLock(&migrateInLock);

    if (!migrateIns)
        migrateIns = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    if (g_hash_table_contains(migrateIns, in->name)) {
        virReportError(VIR_ERR_OPERATION_INVALID, _("'%1$s' is already being migrated here"),
                       in->name);
        return -1;
    }
    if (insert)
        g_hash_table_insert(migrateIns, g_strdup(in->name), in);
    return 0;
}

/* Where the data is to come: the tunnel @st, a port of ours (*@uriOut
 * says where), or, for a managed offline migration, nowhere (the client
 * skips Perform; the source refuses a layer that holds anything; the
 * client wants a URI all the same). */
static int
virCTMigrateInOpenData(virCTMigrateIn *in, virStreamPtr st, virTypedParameterPtr params,
                       int nparams, char **uriOut)
{
    virCTDriverConfig *cfg = in->driver->config;
    g_autoptr(virURI) uri = NULL;
    g_autofree char *host = NULL;
    const char *uriIn = NULL;
    const char *listen = NULL;
    int pipefd[2];

    if ((in->flags & VIR_MIGRATE_OFFLINE) && !(in->flags & VIR_MIGRATE_PEER2PEER)) {
        if (!(host = virGetHostname()))
            return -1;
        *uriOut = g_strdup_printf("tcp://%s", host);
        return 0;
    }
    if (st) {
        if (virPipe(pipefd) < 0)
            return -1;
        in->dataFd = pipefd[0];
        if (virFDStreamOpen(st, pipefd[1]) < 0) {
            VIR_FORCE_CLOSE(pipefd[1]);
            return -1;
        }
        return 0;
    }
    if (virTypedParamsGetString(params, nparams, VIR_MIGRATE_PARAM_URI, &uriIn) < 0 ||
        virTypedParamsGetString(params, nparams, VIR_MIGRATE_PARAM_LISTEN_ADDRESS, &listen) < 0)
        return -1;
    if (uriIn && !(uri = virURIParse(uriIn)))
        return -1;
    if (uri && (STRNEQ_NULLABLE(uri->scheme, "tcp") || !uri->server)) {
        virReportError(VIR_ERR_INVALID_ARG, _("migration URI '%1$s' is not tcp://HOST[:PORT]"),
                       uriIn);
        return -1;
    }
    if (!listen)
        listen = cfg->migrationAddress;
    if (uri)
        host = g_strdup(uri->server);
    else if (cfg->migrationHost)
        host = g_strdup(cfg->migrationHost);
    else if (!(host = virCTMigrateInHostName()))
        return -1;
    return virCTMigrateInListen(in, listen, host, uri ? uri->port : 0, uriOut);
}

static int
virCTMigrateInPrepare(virConnectPtr dconn, virStreamPtr st, virTypedParameterPtr params,
                      int nparams, const char *cookiein, int cookieinlen, char **cookieout,
                      int *cookieoutlen, char **uriOut, unsigned int flags)
{
    virCTDriver *driver = dconn->privateData;
    g_auto(virCTMigrateCookie) cookie = { 0 };
    g_auto(virCTMigrateCookie) reply = { 0 };
    virCTMigrateIn *in = NULL;
    bool created = false;

    virCheckFlags(CT_MIGRATE_FLAGS, -1);
    if (virTypedParamsValidate(params, nparams, CT_MIGRATE_PARAMS) < 0 ||
        virCTMigrateCookieParse(cookiein, cookieinlen, &cookie) < 0 ||
        virCTMigrateCookieSetHost(&reply) < 0)
        return -1;
    if (cookie.hostuuid && STREQ(cookie.hostuuid, reply.hostuuid)) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("attempt to migrate a container to the same host %1$s"), reply.hostuuid);
        return -1;
    }
    if (!(in = virCTMigrateInNew(dconn, params, nparams, &cookie, flags)))
        return -1;
    if (virCTMigrateInRegister(in, false) < 0) {
        virCTMigrateInFree(in);
        return -1;
    }
    if (virCTLayerTemplateRoot(in->def)) {
        if (virCTLayerDefine(driver, in->def, false, &created) < 0)
            goto undo;
        in->layerRecorded = true;
    }
    if (!(flags & VIR_MIGRATE_OFFLINE) &&
        !(in->restoreDir = virCTSaveRestoreWorkDir(driver, in->name)))
        goto undo;
    if (virPipe(in->cancel) < 0 || virCTMigrateKeyNew(in->key) < 0 ||
        virCTMigrateInOpenData(in, st, params, nparams, uriOut) < 0)
        goto undo;
    memcpy(reply.key, in->key, sizeof(in->key));
    reply.hasKey = true;
    if (virCTMigrateCookieFormat(&reply, cookieout, cookieoutlen) < 0)
        goto undo;
    if ((in->dataFd >= 0 || in->listenFd >= 0) &&
        virThreadCreateFull(&in->thread, true, virCTMigrateInThread, "ct-migrate-in", false, in) <
            0) {
        virReportSystemError(errno, "%s", _("cannot start the migration receiver"));
        goto undo;
    }
    in->threadStarted = in->dataFd >= 0 || in->listenFd >= 0;
    /* only now may Finish or a closed connection find it */
    if (virCTMigrateInRegister(in, true) < 0)
        goto undo;
    VIR_INFO("incoming migration of '%s' prepared%s%s", in->name, st ? " (tunnelled)" : " on ",
             st ? "" : NULLSTR(*uriOut));
    return 0;

 undo:
    virCTMigrateInDiscard(in);
    g_clear_pointer(uriOut, g_free);
    g_clear_pointer(cookieout, g_free);
    return -1;
}

int
ctDomainMigratePrepare3Params(virConnectPtr dconn, virTypedParameterPtr params, int nparams,
                              const char *cookiein, int cookieinlen, char **cookieout,
                              int *cookieoutlen, char **uri_out, unsigned int flags)
{
    if (flags & VIR_MIGRATE_TUNNELLED) {
        virReportError(VIR_ERR_ARGUMENT_UNSUPPORTED, "%s",
                       _("a tunnelled migration needs PrepareTunnel"));
        return -1;
    }
    return virCTMigrateInPrepare(dconn, NULL, params, nparams, cookiein, cookieinlen, cookieout,
                                 cookieoutlen, uri_out, flags);
}

int
ctDomainMigratePrepareTunnel3Params(virConnectPtr dconn, virStreamPtr st,
                                    virTypedParameterPtr params, int nparams, const char *cookiein,
                                    int cookieinlen, char **cookieout, int *cookieoutlen,
                                    unsigned int flags)
{
    if (!(flags & VIR_MIGRATE_TUNNELLED)) {
        virReportError(VIR_ERR_ARGUMENT_UNSUPPORTED, "%s",
                       _("PrepareTunnel called for a migration that is not tunnelled"));
        return -1;
    }
    return virCTMigrateInPrepare(dconn, st, params, nparams, cookiein, cookieinlen, cookieout,
                                 cookieoutlen, NULL, flags);
}

/* ------------------------------------------------------------- Finish */

void
virCTMigrateConnClosed(virConnectPtr conn)
{
    g_autoptr(GPtrArray) gone = g_ptr_array_new();
    GHashTableIter iter;
    gpointer value;
    size_t i;

    VIR_WITH_MUTEX_LOCK_GUARD (&migrateInLock) {
        if (!migrateIns)
            return;
        g_hash_table_iter_init(&iter, migrateIns);
        while (g_hash_table_iter_next(&iter, NULL, &value)) {
            virCTMigrateIn *in = value;

            if (in->conn != conn)
                continue;
            g_ptr_array_add(gone, in);
            g_hash_table_iter_remove(&iter);
        }
    }
    for (i = 0; i < gone->len; i++) {
        virCTMigrateIn *in = g_ptr_array_index(gone, i);

        VIR_WARN("the client of the incoming migration of '%s' went away: canceled", in->name);
        virCTMigrateInDiscard(in);
    }
}

/* Defines the container of an offline migration. */
static virDomainObj *
virCTMigrateInDefine(virCTMigrateIn *in, virObjectEvent **events)
{
    virCTDriver *driver = in->driver;
    g_autoptr(virDomainDef) oldDef = NULL;
    virDomainObj *vm = NULL;
    bool created = false;

    VIR_WITH_MUTEX_LOCK_GUARD (&driver->idLock) {
        if (virCTIdRangeAssign(driver, in->def, false) < 0)
            return NULL;
        vm = virDomainObjListAdd(driver->domains, &in->def, driver->xmlopt, 0, &oldDef);
    }
    if (!vm)
        return NULL;
    vm->persistent = 1;
    if (virCTLayerDefine(driver, vm->def, true, &created) < 0 ||
        virDomainDefSave(vm->def, driver->xmlopt, driver->config->configDir) < 0) {
        virCTDriverRemoveDomain(driver, vm);
        virDomainObjEndAPI(&vm);
        return NULL;
    }
    in->layerRecorded = false;
    events[0] = virDomainEventLifecycleNewFromObj(vm, VIR_DOMAIN_EVENT_DEFINED,
                                                  VIR_DOMAIN_EVENT_DEFINED_ADDED);
    return vm;
}

/* Brings the container of a live migration up from the checkpoint. */
static virDomainObj *
virCTMigrateInStart(virCTMigrateIn *in, virConnectPtr dconn, virObjectEvent **events)
{
    virCTDriver *driver = in->driver;
    bool persist = in->flags & VIR_MIGRATE_PERSIST_DEST;
    virDomainObj *vm = virDomainObjListFindByUUID(driver->domains, in->def->uuid);
    bool existed = vm != NULL; /* defined here, inactive (checked in Prepare) */
    bool wasPersistent = vm && vm->persistent;
    bool created = false;
    int rc;

    virDomainObjEndAPI(&vm);
    VIR_WITH_MUTEX_LOCK_GUARD (&driver->idLock) {
        if (virCTIdRangeAssign(driver, in->def, true) < 0)
            return NULL;
        vm = virDomainObjListAdd(driver->domains, &in->def, driver->xmlopt,
                                 VIR_DOMAIN_OBJ_LIST_ADD_LIVE | VIR_DOMAIN_OBJ_LIST_ADD_CHECK_LIVE,
                                 NULL);
    }
    if (!vm)
        return NULL;
    if (virDomainObjBeginJob(vm, VIR_JOB_MODIFY) < 0)
        goto error;
    /* persistent before the start, which keeps the definition apart from
     * the live one; written once it runs */
    if (persist)
        vm->persistent = 1;
    rc = virCTSaveRestoreFromDir(driver, vm, dconn, in->restoreDir, "the migration", in->meta,
                                 (in->flags & VIR_MIGRATE_PAUSED) ? VIR_DOMAIN_SAVE_PAUSED : 0,
                                 VIR_DOMAIN_RUNNING_MIGRATED, events);
    if (rc == 0 && persist &&
        (virCTLayerDefine(driver, vm->newDef ? vm->newDef : vm->def, true, &created) < 0 ||
         virDomainDefSave(vm->newDef ? vm->newDef : vm->def, driver->xmlopt,
                          driver->config->configDir) < 0)) {
        /* it runs, and stays: only its definition did not make it */
        VIR_WARN("'%s' migrated in but its definition could not be kept: %s", in->name,
                 virGetLastErrorMessage());
        virResetLastError();
    }
    virDomainObjEndJob(vm);
    if (rc < 0)
        goto error;
    in->layerRecorded = false;
    return vm;

 error:
    if (!virDomainObjIsActive(vm)) {
        /* a definition that was here stays as it was */
        vm->persistent = wasPersistent;
        if (existed)
            virDomainObjRemoveTransientDef(vm);
        else
            virCTDriverRemoveDomain(driver, vm);
    }
    virDomainObjEndAPI(&vm);
    return NULL;
}

/* The job's figures on the new domain (virsh domjobinfo --completed),
 * the downtime from the source's cookie; ours says when it ran here. */
static void
virCTMigrateInFigures(virCTMigrateIn *in, virDomainObj *vm, const char *cookiein, int cookieinlen,
                      char **cookieout, int *cookieoutlen)
{
    virCTDomainObjPrivate *priv = CT_DOMAIN_PRIVATE(vm);
    g_auto(virCTMigrateCookie) cookie = { 0 };
    g_auto(virCTMigrateCookie) reply = { 0 };
    unsigned long long now = 0;

    ignore_value(virTimeMillisNow(&now));
    if (virCTMigrateCookieParse(cookiein, cookieinlen, &cookie) < 0)
        virResetLastError();
    priv->completedOperation = VIR_DOMAIN_JOB_OPERATION_MIGRATION_IN;
    priv->completedElapsed = now - in->prepared;
    priv->completedBytes = in->bytes;
    priv->completedDowntime = cookie.frozen && now > cookie.frozen ? now - cookie.frozen : 0;
    VIR_INFO("'%s' migrated in: %llu bytes in %llu ms, downtime %llu ms", vm->def->name,
             priv->completedBytes, priv->completedElapsed, priv->completedDowntime);
    reply.running = now;
    if (cookieout && virCTMigrateCookieFormat(&reply, cookieout, cookieoutlen) < 0)
        virResetLastError();
}

/* Whether @dconn may finish the incoming migration of @name (checked
 * before it is taken out of the table: a refused caller leaves it). */
static int
virCTMigrateInCheckFinishACL(virConnectPtr dconn, const char *name)
{
    virCTDriver *driver = dconn->privateData;
    g_autoptr(virDomainDef) def = virDomainDefNew(driver->xmlopt);
    virCTMigrateIn *in;
    bool found = false;

    VIR_WITH_MUTEX_LOCK_GUARD (&migrateInLock) {
        if (migrateIns && (in = g_hash_table_lookup(migrateIns, name))) {
            def->name = g_strdup(in->name);
            memcpy(def->uuid, in->def->uuid, VIR_UUID_BUFLEN);
            found = true;
        }
    }
    if (!found) {
        virReportError(VIR_ERR_NO_DOMAIN, _("no incoming migration of '%1$s'"), name);
        return -1;
    }
    return virDomainMigrateFinish3ParamsEnsureACL(dconn, def);
}

virDomainPtr
ctDomainMigrateFinish3Params(virConnectPtr dconn, virTypedParameterPtr params, int nparams,
                             const char *cookiein, int cookieinlen, char **cookieout,
                             int *cookieoutlen, unsigned int flags, int cancelled)
{
    virCTDriver *driver = dconn->privateData;
    virObjectEvent *events[2] = { NULL, NULL };
    virCTMigrateIn *in = NULL;
    virDomainObj *vm = NULL;
    virDomainPtr dom = NULL;
    const char *name = NULL;

    virCheckFlags(CT_MIGRATE_FLAGS, NULL);
    if (virTypedParamsValidate(params, nparams, CT_MIGRATE_PARAMS) < 0)
        return NULL;
    if (virTypedParamsGetString(params, nparams, VIR_MIGRATE_PARAM_DEST_NAME, &name) <= 0) {
        virReportError(VIR_ERR_INVALID_ARG, "%s", _("no domain name passed"));
        return NULL;
    }
    if (virCTMigrateInCheckFinishACL(dconn, name) < 0 || !(in = virCTMigrateInTake(name)))
        return NULL;
    if (cancelled) {
        /* the source gave up: because of a failure here, which says why */
        if (in->threadStarted && __atomic_load_n(&in->done, __ATOMIC_ACQUIRE) && in->result < 0)
            virSetError(in->err);
        VIR_INFO("incoming migration of '%s' canceled by the source", name);
        goto cleanup;
    }
    if (in->threadStarted)
        virThreadJoin(&in->thread);
    in->threadStarted = false;
    if (in->result < 0) {
        virSetError(in->err);
        goto cleanup;
    }
    VIR_INFO("received '%s': %llu bytes", name, in->bytes);
    if (in->flags & VIR_MIGRATE_OFFLINE)
        vm = virCTMigrateInDefine(in, events);
    else
        vm = virCTMigrateInStart(in, dconn, events);
    if (vm) {
        virCTMigrateInFigures(in, vm, cookiein, cookieinlen, cookieout, cookieoutlen);
        dom = virGetDomain(dconn, vm->def->name, vm->def->uuid, vm->def->id);
    }

 cleanup:
    virDomainObjEndAPI(&vm);
    virCTMigrateInDiscard(in);
    virObjectEventStateQueue(driver->domainEventState, events[0]);
    virObjectEventStateQueue(driver->domainEventState, events[1]);
    return dom;
}
