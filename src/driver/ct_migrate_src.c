/*
 * ct_migrate_src.c: the source side of a migration
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Begin takes the domain's job and says what the destination needs to
 * know (the definition; the template and its checksum in the cookie).
 * Perform sends, in frames under the destination's one-time key: the
 * layer (layer.conf, and the upper directory or the disk image) and, for
 * a running container, a checkpoint CRIU made of it (ct_save.c's dump:
 * the processes stay stopped at CRIU's post-dump point while the layer
 * and the checkpoint go, a disk image's file system frozen meanwhile).
 * Confirm ends it: CRIU keeps them stopped and the container stops here
 * (reason migrated), or, when the destination did not take over, CRIU
 * lets them run on.  With --p2p, Perform does all of it itself, talking
 * to the destination daemon.
 */

#include <config.h>

#include <fcntl.h>
#include <linux/fs.h>
#include <netdb.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ct_domain.h"
#include "ct_domain_api.h"
#include "ct_domain_input.h"
#include "ct_layer.h"
#include "ct_migrate.h"
#include "ct_migrate_priv.h"
#include "ct_process.h"
#include "ct_save_priv.h"
#include "ct_template.h"

#include "datatypes.h"
#include "viraccessapicheck.h"
#include "virdomainjob.h"
#include "virdomainsnapshotobjlist.h"
#include "virerror.h"
#include "virfile.h"
#include "virlog.h"
#include "virclosecallbacks.h"
#include "virtime.h"
#include "virtypedparam.h"
#include "viruri.h"

#define VIR_FROM_THIS VIR_FROM_NONE

VIR_LOG_INIT("ct.ct_migrate_src");

static void virCTMigrateSrcClosed(virDomainObj *vm, virConnectPtr conn);

static void
virCTMigrateOutFree(virCTMigrateOut *out)
{
    if (!out)
        return;
    virCTSaveDumpFree(out->dump);
    g_free(out);
}

/* ------------------------------------------------------------- Begin */

/* A managed offline migration has no step that could copy the layer
 * (the client skips Perform): refused for a layer that holds anything.
 * Returns 0 when there is none to copy, else -1 with an error. */
static int
virCTMigrateSrcHasLayer(virCTDriver *driver, virDomainObj *vm)
{
    virDomainDef *def = vm->newDef ? vm->newDef : vm->def;
    g_autoptr(virCTLayer) layer = NULL;
    int rc;

    if (!virCTLayerTemplateRoot(def))
        return 0;
    if ((rc = virCTLayerLoad(driver->store, def->name, &layer)) <= 0)
        return rc;
    if (!virCTLayerHasData(driver->store, layer))
        return 0;
    virReportError(
        VIR_ERR_ARGUMENT_UNSUPPORTED,
        _("an offline migration of '%1$s' can copy its layer only with --p2p (the client skips the copy step)"),
        def->name);
    return -1;
}

/* The definition the user gives for the destination (virsh migrate
 * --xml): the same container (UUID, name or the new name, root, user
 * namespace: the layer and the checkpoint are the source's), other
 * settings free (limits, interfaces on other bridges...).  Its id range
 * is the running container's. */
static virDomainDef *
virCTMigrateSrcUserDef(virCTDriver *driver, virDomainObj *vm, const virDomainDef *def,
                       virTypedParameterPtr params, int nparams)
{
    g_autoptr(virDomainDef) user = NULL;
    const char *xml = NULL;
    const char *dname = NULL;
    const virDomainFSDef *a;
    const virDomainFSDef *b;
    const virCTDomainNamespaceDef *ns = virCTDomainGetNamespaceDef(def);
    virCTDomainNamespaceDef *uns;

    if (virTypedParamsGetString(params, nparams, VIR_MIGRATE_PARAM_DEST_XML, &xml) <= 0 ||
        virTypedParamsGetString(params, nparams, VIR_MIGRATE_PARAM_DEST_NAME, &dname) < 0)
        return NULL;
    if (!(user = virCTDomainInputParse(driver, xml, false)))
        return NULL;
    a = virCTLayerTemplateRoot(def);
    b = virCTLayerTemplateRoot(user);
    if (memcmp(user->uuid, def->uuid, VIR_UUID_BUFLEN) != 0 ||
        (STRNEQ(user->name, def->name) && STRNEQ_NULLABLE(user->name, dname)) || !a != !b ||
        (a && STRNEQ(a->src->path, b->src->path)) ||
        virCTDomainIsPrivileged(user) != virCTDomainIsPrivileged(def) ||
        user->idmap.nuidmap != def->idmap.nuidmap) {
        virReportError(
            VIR_ERR_CONFIG_UNSUPPORTED,
            _("the definition for the destination must be of '%1$s' (its UUID, its name or --dname, its root, its user namespace)"),
            vm->def->name);
        return NULL;
    }
    if (ns && ns->idrangeCount) {
        uns = virCTDomainEnsureNamespaceDef(user);
        uns->idrangeTarget = ns->idrangeTarget;
        uns->idrangeCount = ns->idrangeCount;
    }
    return g_steal_pointer(&user);
}

/* Takes the job of @vm (locked) for a migration with @flags; returns the
 * definition for the destination, with the cookie in @cookieout. */
static char *
virCTMigrateSrcBegin(virCTDriver *driver, virDomainObj *vm, virTypedParameterPtr params,
                     int nparams, unsigned int flags, char **cookieout, int *cookieoutlen)
{
    virCTDomainObjPrivate *priv = CT_DOMAIN_PRIVATE(vm);
    g_auto(virCTMigrateCookie) cookie = { 0 };
    g_autoptr(virDomainDef) userDef = NULL;
    g_autofree char *xml = NULL;
    virDomainDef *def;
    int nsnapshots;

    if (priv->migrateOut) {
        virReportError(VIR_ERR_OPERATION_INVALID, _("'%1$s' is already being migrated"),
                       vm->def->name);
        return NULL;
    }
    if (virDomainObjBeginJob(vm, VIR_JOB_MODIFY) < 0)
        return NULL;
    /* their files stay with the layer here (as qemu's driver refuses) */
    if ((nsnapshots = virDomainSnapshotObjListNum(vm->snapshots, NULL, 0)) > 0) {
        virReportError(
            VIR_ERR_OPERATION_INVALID,
            _("cannot migrate domain '%1$s' with %2$d snapshots: delete them, or move it with them as a file (virt-ct-template export --snapshots, import)"),
            vm->def->name, nsnapshots);
        goto error;
    }
    if (flags & VIR_MIGRATE_OFFLINE) {
        if (!(flags & VIR_MIGRATE_PERSIST_DEST)) {
            virReportError(VIR_ERR_OPERATION_INVALID, "%s",
                           _("offline migration must be specified with the persistent flag set"));
            goto error;
        }
        if (!vm->persistent) {
            virReportError(VIR_ERR_OPERATION_INVALID, "%s",
                           _("cannot migrate a transient domain offline"));
            goto error;
        }
        if (virDomainObjIsActive(vm)) {
            virReportError(VIR_ERR_OPERATION_INVALID,
                           _("'%1$s' is running: migrate it live, or shut it off first"),
                           vm->def->name);
            goto error;
        }
        if (!(flags & VIR_MIGRATE_PEER2PEER) && virCTMigrateSrcHasLayer(driver, vm) != 0)
            goto error;
    } else {
        if (virDomainObjCheckActive(vm) < 0)
            goto error;
        if (virCTSaveCheckCriu(driver) < 0)
            goto error;
        if (priv->starting) {
            virReportError(VIR_ERR_OPERATION_INVALID, _("'%1$s' is still starting"), vm->def->name);
            goto error;
        }
    }
    def = (flags & VIR_MIGRATE_OFFLINE) && vm->newDef ? vm->newDef : vm->def;
    if (virTypedParamsGetString(params, nparams, VIR_MIGRATE_PARAM_DEST_XML, NULL) > 0) {
        if (!(userDef = virCTMigrateSrcUserDef(driver, vm, def, params, nparams)))
            goto error;
        def = userDef;
    }
    if (virCTMigrateCookieSetHost(&cookie) < 0 ||
        virCTMigrateTemplateOf(driver, def, &cookie.tmpl, &cookie.checksum) < 0 ||
        virCTMigrateCookieFormat(&cookie, cookieout, cookieoutlen) < 0)
        goto error;
    if (!(xml =
              virDomainDefFormat(def, driver->xmlopt,
                                 VIR_DOMAIN_DEF_FORMAT_SECURE | VIR_DOMAIN_DEF_FORMAT_MIGRATABLE)))
        goto error;
    priv->migrateOut = g_new0(virCTMigrateOut, 1);
    priv->migrateOut->flags = flags;
    priv->migrateOut->offline = !!(flags & VIR_MIGRATE_OFFLINE);
    return g_steal_pointer(&xml);

 error:
    g_clear_pointer(cookieout, g_free);
    virDomainObjEndJob(vm);
    return NULL;
}

/* The parameters this driver takes. */
static int virCTMigrateSrcCheckBandwidth(unsigned long long bw);

static int
virCTMigrateSrcCheckParams(virTypedParameterPtr params, int nparams)
{
    unsigned long long bw = 0;

    if (virTypedParamsValidate(params, nparams, CT_MIGRATE_PARAMS) < 0)
        return -1;
    if (virTypedParamsGetULLong(params, nparams, VIR_MIGRATE_PARAM_BANDWIDTH, &bw) == 1)
        return virCTMigrateSrcCheckBandwidth(bw);
    return 0;
}

char *
ctDomainMigrateBegin3Params(virDomainPtr dom, virTypedParameterPtr params, int nparams,
                            char **cookieout, int *cookieoutlen, unsigned int flags)
{
    virCTDriver *driver = dom->conn->privateData;
    virDomainObj *vm;
    char *xml = NULL;

    virCheckFlags(CT_MIGRATE_FLAGS, NULL);
    if (virCTMigrateSrcCheckParams(params, nparams) < 0)
        return NULL;
    if (!(vm = ctDomObjFromDomain(dom)))
        return NULL;
    if (virDomainMigrateBegin3ParamsEnsureACL(dom->conn, vm->def) < 0)
        goto cleanup;
    if ((xml = virCTMigrateSrcBegin(driver, vm, params, nparams, flags, cookieout, cookieoutlen))) {
        /* the client drives it: its going away cancels */
        CT_DOMAIN_PRIVATE(vm)->migrateOut->conn = dom->conn;
        virCloseCallbacksDomainAdd(vm, dom->conn, virCTMigrateSrcClosed);
    }

 cleanup:
    virDomainObjEndAPI(&vm);
    return xml;
}

/* ------------------------------------------------------------ Perform */

/* A TCP connection to the destination's "tcp://HOST:PORT". */
static int
virCTMigrateSrcConnect(const char *uri, unsigned int timeout)
{
    g_autoptr(virURI) u = NULL;
    g_autofree char *port = NULL;
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
    struct addrinfo *res = NULL;
    struct addrinfo *ai;
    int fd = -1;
    int err = 0;
    int rc;

    if (!(u = virURIParse(uri)))
        return -1;
    if (STRNEQ_NULLABLE(u->scheme, "tcp") || !u->server || u->port <= 0) {
        virReportError(VIR_ERR_INVALID_ARG, _("migration URI '%1$s' is not tcp://HOST:PORT"), uri);
        return -1;
    }
    port = g_strdup_printf("%d", u->port);
    if ((rc = getaddrinfo(u->server, port, &hints, &res)) != 0) {
        virReportError(VIR_ERR_OPERATION_FAILED, _("cannot resolve '%1$s': %2$s"), u->server,
                       gai_strerror(rc));
        return -1;
    }
    for (ai = res; ai; ai = ai->ai_next) {
        if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol)) < 0) {
            err = errno;
            continue;
        }
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
            /* a destination that stops reading (a cut network) ends it */
            struct timeval tv = { .tv_sec = timeout };
            int on = 1;

            ignore_value(setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)));
            ignore_value(setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on)));
            break;
        }
        err = errno;
        VIR_FORCE_CLOSE(fd);
    }
    freeaddrinfo(res);
    if (fd < 0)
        virReportSystemError(err, _("cannot connect to the destination at '%1$s'"), uri);
    return fd;
}

/* Sends CRIU's files of the checkpoint and the restore details. */
static int
virCTMigrateSrcSendCheckpoint(virCTDriver *driver, virDomainObj *vm, virCTSaveDump *dump,
                              virCTMigrateStream *s)
{
    g_autofree char *log =
        g_strdup_printf("%s/%s.migrate.log", driver->config->logDir, vm->def->name);
    g_autoptr(virCommand) tar = NULL;
    const char *members[] = { ".", NULL };
    VIR_AUTOCLOSE outFd = -1;

    if (!(tar = virCTMigrateTarCreate(dump->dir, members, NULL, log, &outFd)))
        return -1;
    if (virCTMigrateStreamWriteFrom(s, CT_MIGRATE_FRAME_CHECKPOINT, outFd) < 0) {
        virCommandAbort(tar);
        return -1;
    }
    if (virCTMigrateTarWait(tar, "read the checkpoint", log) < 0 ||
        virCTMigrateStreamWrite(s, CT_MIGRATE_FRAME_CHECKPOINT_END, NULL, 0) < 0)
        return -1;
    return virCTMigrateStreamWrite(s, CT_MIGRATE_FRAME_META, dump->meta->str, dump->meta->len);
}

/* For the next daemon, should this one die before Confirm: all went,
 * the destination may run the container (ct_save.c's recovery). */
static void
virCTMigrateSrcMarkSent(const char *dir)
{
    g_autofree char *path = g_strdup_printf("%s/" CT_SAVE_SENT, dir);
    VIR_AUTOCLOSE fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

    if (fd < 0 || fsync(fd) < 0)
        VIR_WARN("cannot write '%s': %s", path, g_strerror(errno));
}

/* Everything the destination needs, through @s; @vm locked with the
 * job, unlocked while the data goes.  The layer goes while the container
 * runs, then, frozen, what changed in it and the checkpoint. */
static int
virCTMigrateSrcSend(virCTDriver *driver, virDomainObj *vm, virCTMigrateStream *s)
{
    virCTDomainObjPrivate *priv = CT_DOMAIN_PRIVATE(vm);
    virCTMigrateOut *out = priv->migrateOut;
    g_autoptr(virDomainDef) def = NULL;
    g_autoptr(virCTMigrateLayerOut) layer = NULL;
    bool paused;
    int rc;

    if (virCTMigrateStreamWrite(s, CT_MIGRATE_FRAME_HELLO, vm->def->uuid, VIR_UUID_BUFLEN) < 0)
        return -1;
    if (!(def = virDomainDefCopy(out->offline && vm->newDef ? vm->newDef : vm->def, driver->xmlopt,
                                 NULL, false)))
        return -1;
    layer = virCTMigrateLayerOutNew(driver, def);
    out->stream = s;
    virObjectUnlock(vm);
    rc = virCTMigrateLayerSend(layer, s);
    virObjectLock(vm);
    if (rc == 0 && !out->offline) {
        paused = (out->flags & VIR_MIGRATE_PAUSED) ||
                 virDomainObjGetState(vm, NULL) == VIR_DOMAIN_PAUSED;
        if ((rc = virCTSaveDumpStart(driver, vm, paused, CT_SAVE_TARGET_MIGRATION "\n",
                                     &out->dump)) == 0)
            out->frozen = out->dump->start;
    }
    virObjectUnlock(vm);
    if (rc == 0 && out->dump) {
        rc = virCTMigrateLayerSend(layer, s);
        if (rc == 0)
            rc = virCTMigrateSrcSendCheckpoint(driver, vm, out->dump, s);
    }
    if (rc == 0)
        rc = virCTMigrateStreamWrite(s, CT_MIGRATE_FRAME_END, NULL, 0);
    if (rc == 0 && out->dump)
        virCTMigrateSrcMarkSent(out->dump->dir);
    virObjectLock(vm);
    out->stream = NULL;
    if (rc == 0)
        out->sent = true;
    return rc;
}

/* The bandwidth of this migration: the parameter, else the domain's. */
static unsigned long
virCTMigrateSrcBandwidth(virDomainObj *vm, virTypedParameterPtr params, int nparams)
{
    unsigned long long bw = 0;

    if (virTypedParamsGetULLong(params, nparams, VIR_MIGRATE_PARAM_BANDWIDTH, &bw) == 1 && bw)
        return bw;
    return CT_DOMAIN_PRIVATE(vm)->migrateSpeed;
}

/* A bandwidth in MiB/s whose bytes per second fit the counters. */
static int
virCTMigrateSrcCheckBandwidth(unsigned long long bw)
{
    if (bw > ULLONG_MAX / (1024 * 1024) / 1000) {
        virReportError(VIR_ERR_OVERFLOW, _("bandwidth must be less than %1$llu MiB/s"),
                       ULLONG_MAX / (1024 * 1024) / 1000 + 1);
        return -1;
    }
    return 0;
}

/* Perform (managed): the data to the URI the destination gave. */
static int
virCTMigrateSrcPerform(virCTDriver *driver, virDomainObj *vm, virTypedParameterPtr params,
                       int nparams, const char *cookiein, int cookieinlen, virStreamPtr st,
                       char **cookieout, int *cookieoutlen)
{
    virCTDomainObjPrivate *priv = CT_DOMAIN_PRIVATE(vm);
    g_auto(virCTMigrateCookie) cookie = { 0 };
    g_autoptr(virCTMigrateStream) s = NULL;
    virCTMigrateOut *out;
    const char *uri = NULL;
    VIR_AUTOCLOSE fd = -1;
    int ret;

    if (!priv->migrateOut) {
        virReportError(VIR_ERR_OPERATION_INVALID, _("no migration of '%1$s' has begun"),
                       vm->def->name);
        return -1;
    }
    if (priv->migrateOut->performing || priv->migrateOut->sent) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("the migration of '%1$s' is being or has been performed"), vm->def->name);
        return -1;
    }
    if (virCTMigrateCookieParse(cookiein, cookieinlen, &cookie) < 0)
        return -1;
    if (!cookie.hasKey) {
        virReportError(VIR_ERR_OPERATION_FAILED, "%s",
                       _("the destination gave no key for the migration data"));
        return -1;
    }
    if (!st) {
        if (virTypedParamsGetString(params, nparams, VIR_MIGRATE_PARAM_URI, &uri) <= 0) {
            virReportError(VIR_ERR_INVALID_ARG, "%s",
                           _("the destination gave no URI for the migration data"));
            return -1;
        }
        virObjectUnlock(vm);
        fd = virCTMigrateSrcConnect(uri, driver->config->migrationTimeout);
        virObjectLock(vm);
        if (fd < 0)
            return -1;
    }
    s = virCTMigrateStreamNew(fd, cookie.key, virCTMigrateSrcBandwidth(vm, params, nparams),
                              &priv->saveBytes);
    if (st)
        virCTMigrateStreamSetVirStream(s, st);
    virCTMigrateStreamSetCancel(s, -1, &priv->migrateOut->abort, driver->config->migrationTimeout);
    ignore_value(virTimeMillisNow(&priv->saveStarted));
    __atomic_store_n(&priv->saveBytes, 0, __ATOMIC_RELAXED);
    out = priv->migrateOut;
    out->performing = true;
    ret = virCTMigrateSrcSend(driver, vm, s);
    out->performing = false;
    if (ret == 0 && fd >= 0 && shutdown(fd, SHUT_WR) < 0)
        VIR_DEBUG("shutdown of the migration socket: %s", g_strerror(errno));
    if (ret == 0) {
        /* for the destination's figure of the downtime */
        g_auto(virCTMigrateCookie) out = { 0 };

        out.frozen = priv->migrateOut->frozen;
        ret = virCTMigrateCookieFormat(&out, cookieout, cookieoutlen);
    }
    return ret;
}

/* ------------------------------------------------------------ Confirm */

/* Ends the outgoing migration of @vm (locked, with the job): the
 * container stops here when the destination took over, else it runs on
 * (@keepPaused: stays frozen, the outcome being unknown).  Ends the job;
 * @events gets what happened. */
static int
virCTMigrateSrcEnd(virCTDriver *driver, virDomainObj *vm, bool cancelled, bool keepPaused,
                   const char *cookiein, int cookieinlen, virObjectEvent **events)
{
    virCTDomainObjPrivate *priv = CT_DOMAIN_PRIVATE(vm);
    virCTMigrateOut *out = priv->migrateOut;
    g_auto(virCTMigrateCookie) cookie = { 0 };
    unsigned long long now = 0;
    int ret = 0;

    if (virCTMigrateCookieParse(cookiein, cookieinlen, &cookie) < 0)
        virResetLastError(); /* only figures are missing then */

    priv->migrateOut = NULL;
    if (out->conn)
        virCloseCallbacksDomainRemove(vm, out->conn, virCTMigrateSrcClosed);
    if (out->dump) {
        /* the destination runs it: whatever CRIU did, it stops here */
        if (virCTSaveDumpFinishFull(vm, out->dump, !cancelled, cancelled && keepPaused) < 0) {
            VIR_WARN("'%s' runs on the destination; stopping it here: %s", vm->def->name,
                     virGetLastErrorMessage());
            virResetLastError();
        }
        if (cancelled && keepPaused && virDomainObjIsActive(vm))
            virDomainObjSetState(vm, VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_MIGRATION);
    }
    ignore_value(virTimeMillisNow(&now));
    if (!cancelled) {
        priv->completedOperation = VIR_DOMAIN_JOB_OPERATION_MIGRATION_OUT;
        priv->completedElapsed = priv->saveStarted ? now - priv->saveStarted : 0;
        priv->completedBytes = __atomic_load_n(&priv->saveBytes, __ATOMIC_RELAXED);
        priv->completedDowntime =
            out->frozen && cookie.running > out->frozen ? cookie.running - out->frozen : 0;
        if (out->dump) {
            VIR_INFO("'%s' migrated: %llu bytes in %llu ms, downtime %llu ms", vm->def->name,
                     priv->completedBytes, priv->completedElapsed, priv->completedDowntime);
            virCTProcessStop(driver, vm, VIR_DOMAIN_SHUTOFF_MIGRATED);
            events[0] = virDomainEventLifecycleNewFromObj(vm, VIR_DOMAIN_EVENT_STOPPED,
                                                          VIR_DOMAIN_EVENT_STOPPED_MIGRATED);
        }
        if ((out->flags & VIR_MIGRATE_UNDEFINE_SOURCE) && vm->persistent) {
            if (virDomainDeleteConfig(driver->config->configDir, driver->config->autostartDir, vm) <
                0) {
                VIR_WARN("cannot remove the definition of migrated '%s': %s", vm->def->name,
                         virGetLastErrorMessage());
                virResetLastError();
            }
            /* the layer moved with it */
            virCTLayerForget(driver, vm->newDef ? vm->newDef : vm->def);
            vm->persistent = 0;
            vm->autostart = 0;
            events[1] = virDomainEventLifecycleNewFromObj(vm, VIR_DOMAIN_EVENT_UNDEFINED,
                                                          VIR_DOMAIN_EVENT_UNDEFINED_REMOVED);
        }
    }
    priv->saveStarted = 0;
    virCTMigrateOutFree(out);
    virDomainObjEndJob(vm);
    if (!vm->persistent && !virDomainObjIsActive(vm))
        virCTDriverRemoveDomain(driver, vm);
    return ret;
}

/* The client of a managed migration went away before Confirm. */
static void
virCTMigrateSrcClosed(virDomainObj *vm, virConnectPtr conn G_GNUC_UNUSED)
{
    virCTDomainObjPrivate *priv = CT_DOMAIN_PRIVATE(vm);
    virCTDriver *driver = priv->driver;
    virObjectEvent *events[2] = { NULL, NULL };
    bool sent;

    if (!priv->migrateOut)
        return;
    sent = priv->migrateOut->sent;
    priv->migrateOut->conn = NULL;
    if (priv->migrateOut->performing) {
        /* Perform (of another connection) ends it when it returns */
        priv->migrateOut->clientGone = true;
        return;
    }
    if (sent)
        VIR_WARN("the client migrating '%s' went away after the data was sent: it may run on "
                 "the destination, so it stays paused here",
                 vm->def->name);
    else
        VIR_WARN("the client migrating '%s' went away: it runs on here", vm->def->name);
    ignore_value(virCTMigrateSrcEnd(driver, vm, true, sent, NULL, 0, events));
    virObjectEventStateQueue(driver->domainEventState, events[0]);
    virObjectEventStateQueue(driver->domainEventState, events[1]);
}

int
ctDomainMigrateConfirm3Params(virDomainPtr dom, virTypedParameterPtr params, int nparams,
                              const char *cookiein, int cookieinlen, unsigned int flags,
                              int cancelled)
{
    virCTDriver *driver = dom->conn->privateData;
    virObjectEvent *events[2] = { NULL, NULL };
    virDomainObj *vm;
    int ret = -1;

    virCheckFlags(CT_MIGRATE_FLAGS, -1);
    if (virTypedParamsValidate(params, nparams, CT_MIGRATE_PARAMS) < 0)
        return -1;
    if (!(vm = ctDomObjFromDomain(dom)))
        return -1;
    if (virDomainMigrateConfirm3ParamsEnsureACL(dom->conn, vm->def) < 0)
        goto cleanup;
    if (!CT_DOMAIN_PRIVATE(vm)->migrateOut || CT_DOMAIN_PRIVATE(vm)->migrateOut->performing ||
        CT_DOMAIN_PRIVATE(vm)->migrateOut->conn != dom->conn) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("no migration of '%1$s' by this client to confirm"), vm->def->name);
        goto cleanup;
    }
    ret = virCTMigrateSrcEnd(driver, vm, cancelled, false, cookiein, cookieinlen, events);

 cleanup:
    virDomainObjEndAPI(&vm);
    virObjectEventStateQueue(driver->domainEventState, events[0]);
    virObjectEventStateQueue(driver->domainEventState, events[1]);
    return ret;
}

/* --------------------------------------------------------- peer to peer */

/* Without a migration URI the data goes to the host named in the
 * destination's libvirt URI (reachable from here, unlike the name the
 * destination may give itself): "tcp://HOST", the port the
 * destination's choice. */
static int
virCTMigrateSrcDefaultURI(const char *dconnuri, bool tunnelled, virTypedParameterPtr *params,
                          int *nparams)
{
    g_autoptr(virURI) u = NULL;
    g_autofree char *uri = NULL;

    if (tunnelled || virTypedParamsGetString(*params, *nparams, VIR_MIGRATE_PARAM_URI, NULL) > 0)
        return 0;
    if (!(u = virURIParse(dconnuri)) || !u->server || !*u->server) {
        virResetLastError();
        return 0;
    }
    uri = strchr(u->server, ':') ? g_strdup_printf("tcp://[%s]", u->server)
                                 : g_strdup_printf("tcp://%s", u->server);
    return virTypedParamsReplaceString(params, nparams, VIR_MIGRATE_PARAM_URI, uri);
}

/* A cookie passed from one step to the next. */
typedef struct {
    char *data;
    int len;
} virCTMigrateCookieData;

static void
virCTMigrateCookieDataClear(virCTMigrateCookieData *c)
{
    g_clear_pointer(&c->data, g_free);
    c->len = 0;
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(virCTMigrateCookieData, virCTMigrateCookieDataClear);

/* The destination daemon's connection, @vm unlocked meanwhile. */
static virConnectPtr
virCTMigrateSrcOpenDest(virDomainObj *vm, const char *dconnuri)
{
    virConnectPtr dconn;

    virObjectUnlock(vm);
    /* a destination gone silent is noticed in about 30 s */
    if ((dconn = virConnectOpen(dconnuri)) && virConnectSetKeepAlive(dconn, 5, 5) < 0) {
        VIR_DEBUG("no keepalive on '%s': %s", dconnuri, virGetLastErrorMessage());
        virResetLastError();
    }
    virObjectLock(vm);
    if (dconn &&
        VIR_DRV_SUPPORTS_FEATURE(dconn->driver, dconn, VIR_DRV_FEATURE_MIGRATION_PARAMS) <= 0) {
        virReportError(VIR_ERR_OPERATION_FAILED,
                       _("'%1$s' does not take migrations with parameters"), dconnuri);
        g_clear_pointer(&dconn, virObjectUnref);
    }
    return dconn;
}

/* Prepare (or PrepareTunnel, on *@st) on the destination, @vm unlocked
 * meanwhile; the data's URI, when it gives one, goes into @params. */
static int
virCTMigrateSrcPrepareDest(virDomainObj *vm, virConnectPtr dconn, virStreamPtr *st,
                           virTypedParameterPtr *params, int *nparams,
                           const virCTMigrateCookieData *in, virCTMigrateCookieData *out,
                           unsigned int flags)
{
    g_autofree char *uri = NULL;
    int rc = -1;

    virObjectUnlock(vm);
    if (!(flags & VIR_MIGRATE_TUNNELLED)) {
        rc = dconn->driver->domainMigratePrepare3Params(dconn, *params, *nparams, in->data, in->len,
                                                        &out->data, &out->len, &uri, flags);
    } else if ((*st = virStreamNew(dconn, 0))) {
        rc = dconn->driver->domainMigratePrepareTunnel3Params(
            dconn, *st, *params, *nparams, in->data, in->len, &out->data, &out->len, flags);
    }
    virObjectLock(vm);
    if (rc < 0)
        return -1;
    if (uri && virTypedParamsReplaceString(params, nparams, VIR_MIGRATE_PARAM_URI, uri) < 0)
        return -1;
    return 0;
}

/* Finish on the destination: 1 when it took over, 0 when it did not, -1
 * when nobody can tell (the connection broke after all was sent: it is
 * asked for the container by its UUID, if it still answers).  *@err
 * keeps the error to report: ours, unless the destination failed for a
 * reason of its own (one that saw us go away, aborted, says nothing
 * new). */
static int
virCTMigrateSrcFinishDest(virDomainObj *vm, virConnectPtr dconn, virTypedParameterPtr *params,
                          int *nparams, const virCTMigrateCookieData *in,
                          virCTMigrateCookieData *out, unsigned int flags, bool cancelled,
                          virErrorPtr *err)
{
    unsigned char uuid[VIR_UUID_BUFLEN];
    virDomainPtr ddom = NULL;
    int active = -1;

    if (virTypedParamsGetString(*params, *nparams, VIR_MIGRATE_PARAM_DEST_NAME, NULL) <= 0 &&
        virTypedParamsReplaceString(params, nparams, VIR_MIGRATE_PARAM_DEST_NAME, vm->def->name) <
            0)
        cancelled = true; /* Finish must hear of it all the same */
    memcpy(uuid, vm->def->uuid, sizeof(uuid));
    virObjectUnlock(vm);
    ddom = dconn->driver->domainMigrateFinish3Params(dconn, *params, *nparams, in->data, in->len,
                                                     &out->data, &out->len, flags, cancelled);
    if (!ddom && !cancelled) {
        virErrorPtr finishErr = NULL;
        virDomainPtr found = NULL;

        virErrorPreserveLast(&finishErr);
        if ((finishErr && finishErr->code == VIR_ERR_OPERATION_ABORTED) ||
            (virConnectIsAlive(dconn) == 1 && !(found = virDomainLookupByUUID(dconn, uuid))))
            active = 0;
        else if (found)
            active = virDomainIsActive(found);
        virObjectUnref(found);
        virErrorRestore(&finishErr);
    }
    virObjectLock(vm);
    if (ddom) {
        virObjectUnref(ddom);
        return !cancelled;
    }
    if (virGetLastErrorCode() != VIR_ERR_OK && virGetLastErrorCode() != VIR_ERR_OPERATION_ABORTED)
        g_clear_pointer(err, virFreeError);
    if (!*err)
        virErrorPreserveLast(err);
    if (cancelled || active == 0)
        return 0;
    return active == 1 ? 1 : -1;
}

/* The whole migration of @vm (locked), driven from here: Prepare and
 * Finish on the destination daemon at @dconnuri. */
static int
virCTMigrateSrcP2P(virCTDriver *driver, virDomainObj *vm, const char *dconnuri,
                   virTypedParameterPtr origParams, int nparams, unsigned int flags,
                   virObjectEvent **events)
{
    g_autofree char *xml = NULL;
    g_auto(virCTMigrateCookieData) begin = { 0 };
    g_auto(virCTMigrateCookieData) prepare = { 0 };
    g_auto(virCTMigrateCookieData) perform = { 0 };
    g_auto(virCTMigrateCookieData) finish = { 0 };
    virTypedParameterPtr params = NULL;
    virConnectPtr dconn = NULL;
    virStreamPtr st = NULL;
    virErrorPtr err = NULL;
    bool done = false;
    int outcome = 0;

    if (!(xml = virCTMigrateSrcBegin(driver, vm, origParams, nparams, flags, &begin.data,
                                     &begin.len)))
        return -1;
    virTypedParamsCopy(&params, origParams, nparams);
    if (virTypedParamsReplaceString(&params, &nparams, VIR_MIGRATE_PARAM_DEST_XML, xml) < 0 ||
        virCTMigrateSrcDefaultURI(dconnuri, flags & VIR_MIGRATE_TUNNELLED, &params, &nparams) < 0 ||
        !(dconn = virCTMigrateSrcOpenDest(vm, dconnuri)) ||
        virCTMigrateSrcPrepareDest(vm, dconn, &st, &params, &nparams, &begin, &prepare, flags) <
            0) {
        virErrorPreserveLast(&err);
        goto confirm;
    }
    /* prepared: Finish must hear how it went */
    if (virCTMigrateSrcPerform(driver, vm, params, nparams, prepare.data, prepare.len, st,
                               &perform.data, &perform.len) == 0 &&
        (!st || virStreamFinish(st) == 0)) {
        done = true;
    } else {
        virErrorPreserveLast(&err);
        if (st)
            ignore_value(virStreamAbort(st));
    }
    outcome = virCTMigrateSrcFinishDest(vm, dconn, &params, &nparams, &perform, &finish, flags,
                                        !done, &err);
    done = outcome == 1;
    if (outcome < 0)
        VIR_WARN("the destination of '%s' did not say whether it runs it: it stays paused here",
                 vm->def->name);

 confirm:
    if (CT_DOMAIN_PRIVATE(vm)->migrateOut &&
        virCTMigrateSrcEnd(driver, vm, !done, outcome < 0, finish.data, finish.len, events) < 0 &&
        !err)
        virErrorPreserveLast(&err);
    virObjectUnref(st);
    virObjectUnref(dconn);
    virTypedParamsFree(params, nparams);
    virErrorRestore(&err);
    return done ? 0 : -1;
}

int
ctDomainMigratePerform3Params(virDomainPtr dom, const char *dconnuri, virTypedParameterPtr params,
                              int nparams, const char *cookiein, int cookieinlen, char **cookieout,
                              int *cookieoutlen, unsigned int flags)
{
    virCTDriver *driver = dom->conn->privateData;
    virObjectEvent *events[2] = { NULL, NULL };
    virCTMigrateOut *out;
    virDomainObj *vm;
    int ret = -1;

    virCheckFlags(CT_MIGRATE_FLAGS, -1);
    if (virTypedParamsValidate(params, nparams, CT_MIGRATE_PARAMS) < 0)
        return -1;
    if (!(vm = ctDomObjFromDomain(dom)))
        return -1;
    if (virDomainMigratePerform3ParamsEnsureACL(dom->conn, vm->def) < 0)
        goto cleanup;
    if ((flags & VIR_MIGRATE_PEER2PEER) && virCTMigrateSrcCheckParams(params, nparams) == 0) {
        ret = virCTMigrateSrcP2P(driver, vm, dconnuri, params, nparams, flags, events);
    } else if (!(flags & VIR_MIGRATE_PEER2PEER) &&
               virCTMigrateSrcCheckParams(params, nparams) == 0) {
        ret = virCTMigrateSrcPerform(driver, vm, params, nparams, cookiein, cookieinlen, NULL,
                                     cookieout, cookieoutlen);
        /* libvirt's client calls no Confirm after a failed Perform: the
         * container runs on, the job ends here; nor does a client gone
         * meanwhile (it stays paused if all went: it may run there) */
        out = CT_DOMAIN_PRIVATE(vm)->migrateOut;
        if (out && (ret < 0 || out->clientGone)) {
            virErrorPtr err;

            virErrorPreserveLast(&err);
            ignore_value(virCTMigrateSrcEnd(driver, vm, true, ret == 0, NULL, 0, events));
            virErrorRestore(&err);
        }
    }

 cleanup:
    virDomainObjEndAPI(&vm);
    virObjectEventStateQueue(driver->domainEventState, events[0]);
    virObjectEventStateQueue(driver->domainEventState, events[1]);
    return ret;
}

/* ------------------------------------------------ speed and the job */

int
ctDomainMigrateGetMaxSpeed(virDomainPtr dom, unsigned long *bandwidth, unsigned int flags)
{
    virDomainObj *vm;
    int ret = -1;

    virCheckFlags(0, -1);
    if (!(vm = ctDomObjFromDomain(dom)))
        return -1;
    if (virDomainMigrateGetMaxSpeedEnsureACL(dom->conn, vm->def) < 0)
        goto cleanup;
    *bandwidth = CT_DOMAIN_PRIVATE(vm)->migrateSpeed;
    ret = 0;

 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}

int
ctDomainMigrateSetMaxSpeed(virDomainPtr dom, unsigned long bandwidth, unsigned int flags)
{
    virDomainObj *vm;
    virCTDomainObjPrivate *priv;
    int ret = -1;

    virCheckFlags(0, -1);
    if (!(vm = ctDomObjFromDomain(dom)))
        return -1;
    if (virDomainMigrateSetMaxSpeedEnsureACL(dom->conn, vm->def) < 0)
        goto cleanup;
    if (virCTMigrateSrcCheckBandwidth(bandwidth) < 0)
        goto cleanup;
    priv = CT_DOMAIN_PRIVATE(vm);
    priv->migrateSpeed = bandwidth;
    if (priv->migrateOut && priv->migrateOut->stream)
        virCTMigrateStreamSetBandwidth(priv->migrateOut->stream, bandwidth);
    ret = 0;

 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}

int
ctDomainAbortJob(virDomainPtr dom)
{
    virDomainObj *vm;
    virCTMigrateOut *out;
    int ret = -1;

    if (!(vm = ctDomObjFromDomain(dom)))
        return -1;
    if (virDomainAbortJobEnsureACL(dom->conn, vm->def) < 0)
        goto cleanup;
    if (!(out = CT_DOMAIN_PRIVATE(vm)->migrateOut)) {
        virReportError(VIR_ERR_OPERATION_INVALID, "%s", _("no job is active on the domain"));
        goto cleanup;
    }
    if (out->sent) {
        virReportError(VIR_ERR_OPERATION_INVALID, "%s",
                       _("the migration data has been sent: too late to abort"));
        goto cleanup;
    }
    __atomic_store_n(&out->abort, true, __ATOMIC_RELAXED);
    ret = 0;

 cleanup:
    virDomainObjEndAPI(&vm);
    return ret;
}
