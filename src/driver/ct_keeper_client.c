/*
 * ct_keeper_client.c: the daemon's side of the keeper's socket
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Supervisors are the keeper's children, not the daemon's
 * (src/supervisor/ct_keeper.c has why and the protocol).
 */

#include <config.h>

#include <sys/socket.h>
#include <sys/un.h>

#include "ct_keeper_client.h"
#include "ct_sync.h"

#include "vircommand.h"
#include "virerror.h"
#include "virfile.h"
#include "virstring.h"

#define VIR_FROM_THIS VIR_FROM_NONE

/* Connects to the keeper of the state directory (ct_keeper.c). */
static int
virCTKeeperConnect(const char *path)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int fd;

    if (virStrcpyStatic(addr.sun_path, path) < 0) {
        errno = ENAMETOOLONG;
        return -1;
    }
    if ((fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)) < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
        VIR_FORCE_CLOSE(fd);
        return -1;
    }
    return fd;
}

/* The keeper's socket, starting the keeper if none serves it: it is
 * not our child (daemonized), so it outlives us. */
static int
virCTKeeperReach(virCTDriver *driver)
{
    g_autofree char *path = g_build_filename(driver->config->stateDir, "keeper.sock", NULL);
    g_autoptr(virCommand) cmd = NULL;
    size_t i;
    int fd;

    if ((fd = virCTKeeperConnect(path)) >= 0)
        return fd;
    cmd = virCommandNewArgList(driver->config->supervisor, "--keeper", path, NULL);
    virCommandDaemonize(cmd);
    if (virCommandRun(cmd, NULL) < 0)
        return -1;
    for (i = 0; i < 200; i++) {
        if ((fd = virCTKeeperConnect(path)) >= 0)
            return fd;
        g_usleep(10 * 1000);
    }
    virReportSystemError(errno, _("cannot reach the supervisor keeper on '%1$s'"), path);
    return -1;
}

/* Asks the keeper to run the supervisor of @planPath on @syncFD. */
int
virCTKeeperSpawn(virCTDriver *driver, const char *planPath, int syncFD, pid_t *pid)
{
    VIR_AUTOCLOSE fd = virCTKeeperReach(driver);
    char reply[64] = "";
    int val = 0;
    ssize_t n;

    if (fd < 0)
        return -1;
    if (virCTSyncSendFd(fd, planPath, syncFD) < 0 ||
        (n = recv(fd, reply, sizeof(reply) - 1, 0)) <= 0) {
        virReportSystemError(errno ? errno : EPIPE, "%s",
                             _("cannot run the supervisor through its keeper"));
        return -1;
    }
    reply[n] = '\0';
    if (STRPREFIX(reply, "PID ") && virStrToLong_i(reply + 4, NULL, 10, &val) == 0 && val > 0) {
        *pid = val;
        return 0;
    }
    if (STRPREFIX(reply, "ERR ") && virStrToLong_i(reply + 4, NULL, 10, &val) == 0)
        virReportSystemError(val, "%s", _("the supervisor keeper cannot run the supervisor"));
    else
        virReportError(VIR_ERR_INTERNAL_ERROR, _("unexpected answer '%1$s' from the keeper"),
                       reply);
    return -1;
}
