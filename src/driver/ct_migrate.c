/*
 * ct_migrate.c: what both sides of a migration share: the cookie, the
 * template check, tar
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include <fcntl.h>
#include <unistd.h>

#include "ct_layer.h"
#include "ct_migrate_priv.h"
#include "ct_template.h"

#include "virerror.h"
#include "virfile.h"
#include "virlog.h"
#include "virutil.h"
#include "viruuid.h"

#define VIR_FROM_THIS VIR_FROM_NONE

VIR_LOG_INIT("ct.ct_migrate");

#define CT_MIGRATE_COOKIE_GROUP "ct-migration"

void
virCTMigrateCookieClear(virCTMigrateCookie *c)
{
    g_clear_pointer(&c->hostname, g_free);
    g_clear_pointer(&c->hostuuid, g_free);
    g_clear_pointer(&c->tmpl, g_free);
    g_clear_pointer(&c->checksum, g_free);
    memset(c->key, 0, sizeof(c->key));
    c->hasKey = false;
}

int
virCTMigrateCookieSetHost(virCTMigrateCookie *c)
{
    unsigned char uuid[VIR_UUID_BUFLEN];
    char uuidstr[VIR_UUID_STRING_BUFLEN];

    if (!(c->hostname = virGetHostname()))
        return -1;
    if (virGetHostUUID(uuid) < 0) {
        virReportError(VIR_ERR_INTERNAL_ERROR, "%s", _("cannot get this host's UUID"));
        return -1;
    }
    virUUIDFormat(uuid, uuidstr);
    c->hostuuid = g_strdup(uuidstr);
    return 0;
}

int
virCTMigrateCookieFormat(const virCTMigrateCookie *c, char **out, int *len)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    gsize n = 0;

    if (c->hostname)
        g_key_file_set_string(kf, CT_MIGRATE_COOKIE_GROUP, "hostname", c->hostname);
    if (c->hostuuid)
        g_key_file_set_string(kf, CT_MIGRATE_COOKIE_GROUP, "hostuuid", c->hostuuid);
    if (c->tmpl) {
        g_key_file_set_string(kf, CT_MIGRATE_COOKIE_GROUP, "template", c->tmpl);
        g_key_file_set_string(kf, CT_MIGRATE_COOKIE_GROUP, "checksum", c->checksum);
    }
    if (c->hasKey) {
        g_autofree char *hex = g_new0(char, 2 * CT_MIGRATE_KEY_LEN + 1);
        size_t i;

        for (i = 0; i < CT_MIGRATE_KEY_LEN; i++)
            g_snprintf(hex + 2 * i, 3, "%02x", c->key[i]);
        g_key_file_set_string(kf, CT_MIGRATE_COOKIE_GROUP, "key", hex);
    }
    if (c->frozen)
        g_key_file_set_uint64(kf, CT_MIGRATE_COOKIE_GROUP, "frozen", c->frozen);
    if (c->running)
        g_key_file_set_uint64(kf, CT_MIGRATE_COOKIE_GROUP, "running", c->running);
    *out = g_key_file_to_data(kf, &n, NULL);
    *len = n + 1;
    return 0;
}

int
virCTMigrateCookieParse(const char *in, int len, virCTMigrateCookie *c)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autofree char *key = NULL;
    g_autoptr(GError) gerr = NULL;
    size_t i;

    if (!in || len <= 0)
        return 0;
    if (in[len - 1] != '\0' || !g_key_file_load_from_data(kf, in, len - 1, 0, &gerr) ||
        !g_key_file_has_group(kf, CT_MIGRATE_COOKIE_GROUP)) {
        virReportError(
            VIR_ERR_OPERATION_FAILED, "%s",
            _("the migration cookie is not a libvirt-ct one (is the other side a container host?)"));
        return -1;
    }
    c->hostname = g_key_file_get_string(kf, CT_MIGRATE_COOKIE_GROUP, "hostname", NULL);
    c->hostuuid = g_key_file_get_string(kf, CT_MIGRATE_COOKIE_GROUP, "hostuuid", NULL);
    c->tmpl = g_key_file_get_string(kf, CT_MIGRATE_COOKIE_GROUP, "template", NULL);
    c->checksum = g_key_file_get_string(kf, CT_MIGRATE_COOKIE_GROUP, "checksum", NULL);
    c->frozen = g_key_file_get_uint64(kf, CT_MIGRATE_COOKIE_GROUP, "frozen", NULL);
    c->running = g_key_file_get_uint64(kf, CT_MIGRATE_COOKIE_GROUP, "running", NULL);
    if ((key = g_key_file_get_string(kf, CT_MIGRATE_COOKIE_GROUP, "key", NULL))) {
        if (strlen(key) != 2 * CT_MIGRATE_KEY_LEN)
            goto badkey;
        for (i = 0; i < CT_MIGRATE_KEY_LEN; i++) {
            int hi = g_ascii_xdigit_value(key[2 * i]);
            int lo = g_ascii_xdigit_value(key[2 * i + 1]);

            if (hi < 0 || lo < 0)
                goto badkey;
            c->key[i] = hi << 4 | lo;
        }
        c->hasKey = true;
    }
    return 0;

 badkey:
    virReportError(VIR_ERR_OPERATION_FAILED, "%s", _("the migration cookie has a bad key"));
    return -1;
}

int
virCTMigrateTemplateOf(virCTDriver *driver, const virDomainDef *def, char **tmpl, char **checksum)
{
    virDomainFSDef *fs = virCTLayerTemplateRoot(def);
    g_autoptr(virCTTemplate) t = NULL;

    *tmpl = NULL;
    *checksum = NULL;
    if (!fs)
        return 0;
    if (virCTTemplateLoad(driver->store, fs->src->path, &t) < 0)
        return -1;
    *tmpl = g_strdup(t->name);
    *checksum = g_strdup(t->checksum);
    return 0;
}

/* Starts @cmd with its messages going to @log. */
static int
virCTMigrateTarRun(virCommand *cmd, const char *log)
{
    VIR_AUTOCLOSE fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

    if (fd < 0) {
        virReportSystemError(errno, _("cannot open '%1$s'"), log);
        return -1;
    }
    virCommandSetErrorFD(cmd, &fd);
    return virCommandRunAsync(cmd, NULL);
}

virCommand *
virCTMigrateTarCreate(const char *dir, const char *const *members, const char *snar,
                      const char *log, int *outfd)
{
    g_autoptr(virCommand) cmd = virCommandNewArgList(
        "tar", "--create", "--file=-", "--sparse", "--xattrs", "--xattrs-include=*", "--acls",
        "--numeric-owner", "--one-file-system", "--exclude=./.*", NULL);

    if (snar)
        virCommandAddArgFormat(cmd, "--listed-incremental=%s", snar);
    virCommandAddArgList(cmd, "-C", dir, NULL);
    virCommandAddArgSet(cmd, members);
    virCommandSetOutputFD(cmd, outfd);
    if (virCTMigrateTarRun(cmd, log) < 0)
        return NULL;
    return g_steal_pointer(&cmd);
}

virCommand *
virCTMigrateTarExtract(const char *dir, bool incremental, const char *log, int *infd)
{
    g_autoptr(virCommand) cmd = virCommandNewArgList(
        "tar", "--extract", "--file=-", "--xattrs", "--xattrs-include=*", "--acls",
        "--numeric-owner", "--same-owner", "--preserve-permissions", NULL);
    int pipefd[2];

    if (incremental)
        virCommandAddArg(cmd, "--listed-incremental=/dev/null");
    virCommandAddArgList(cmd, "-C", dir, NULL);
    if (virPipe(pipefd) < 0)
        return NULL;
    virCommandSetInputFD(cmd, pipefd[0]);
    virCommandPassFD(cmd, pipefd[0], VIR_COMMAND_PASS_FD_CLOSE_PARENT);
    if (virCTMigrateTarRun(cmd, log) < 0) {
        VIR_FORCE_CLOSE(pipefd[1]);
        return NULL;
    }
    *infd = pipefd[1];
    return g_steal_pointer(&cmd);
}

int
virCTMigrateTarSinkStart(virCTMigrateTarSink *t, const char *dir, bool incremental, const char *log)
{
    if (!(t->cmd = virCTMigrateTarExtract(dir, incremental, log, &t->fd)))
        return -1;
    return 0;
}

int
virCTMigrateTarSinkWrite(virCTMigrateTarSink *t, const char *buf, size_t len)
{
    if (!t->cmd) {
        virReportError(VIR_ERR_OPERATION_FAILED, "%s",
                       _("migration data refused: data out of place"));
        return -1;
    }
    /* a tar that gave up says why at its end (no space left, ...) */
    if (t->fd >= 0 && safewrite(t->fd, buf, len) != (ssize_t)len)
        VIR_FORCE_CLOSE(t->fd);
    return 0;
}

int
virCTMigrateTarSinkEnd(virCTMigrateTarSink *t, const char *what, const char *log)
{
    g_autoptr(virCommand) cmd = g_steal_pointer(&t->cmd);

    if (!cmd) {
        virReportError(VIR_ERR_OPERATION_FAILED, "%s",
                       _("migration data refused: the end of a tar that did not begin"));
        return -1;
    }
    VIR_FORCE_CLOSE(t->fd);
    return virCTMigrateTarWait(cmd, what, log);
}

void
virCTMigrateTarSinkAbort(virCTMigrateTarSink *t)
{
    virErrorPtr orig;

    VIR_FORCE_CLOSE(t->fd);
    if (!t->cmd)
        return;
    virErrorPreserveLast(&orig);
    virCommandAbort(t->cmd);
    g_clear_pointer(&t->cmd, virCommandFree);
    virErrorRestore(&orig);
}

int
virCTMigrateTarWait(virCommand *cmd, const char *what, const char *log)
{
    return virCTMigrateTarWaitFull(cmd, what, log, false);
}

int
virCTMigrateTarWaitFull(virCommand *cmd, const char *what, const char *log, bool changing)
{
    int status = -1;

    if (virCommandWait(cmd, &status) < 0)
        return -1;
    /* 1: files changed or went while tar read them (a second pass, of
     * a frozen container, makes that good) */
    if (changing && status == 1) {
        VIR_DEBUG("tar: files changed while it read them (%s)", log);
        return 0;
    }
    if (status != 0) {
        g_autofree char *text = NULL;
        g_auto(GStrv) lines = NULL;
        const char *last = "";
        size_t n;

        /* its first complaint says why (No space left on device, ...) */
        if (virFileReadAllQuiet(log, 64 * 1024, &text) > 0) {
            lines = g_strsplit(g_strstrip(text), "\n", 0);
            for (n = 0; lines[n]; n++) {
                if (!strstr(lines[n], "Exiting with failure status")) {
                    last = lines[n];
                    break;
                }
            }
        }
        virReportError(VIR_ERR_OPERATION_FAILED,
                       _("cannot %1$s: %2$s (tar exit status %3$d; log: %4$s)"), what, last, status,
                       log);
        return -1;
    }
    return 0;
}
