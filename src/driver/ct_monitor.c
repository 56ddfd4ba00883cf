/*
 * ct_monitor.c: the daemon's side of a supervisor's monitor socket
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "ct_monitor.h"
#include "ct_plan.h"
#include "ct_sync.h"

#include "virerror.h"
#include "virevent.h"
#include "virfile.h"
#include "virlog.h"
#include "virstring.h"
#include "virthread.h"
#include "virutil.h"

#define VIR_FROM_THIS VIR_FROM_NONE

VIR_LOG_INIT("ct.ct_monitor");

/* A supervisor answers at once; anything slower is a hung supervisor. */
#define CT_MONITOR_TIMEOUT_SEC 5

struct _virCTMonitor {
    virObjectLockable parent;

    int fd;
    bool watched; /* in the watch set (it holds a reference) */
    bool done; /* the callback was run or the monitor closed */
    char buf[128]; /* partial line from the supervisor */
    size_t len;
    virCTMonitorExitCallback cb;
    virObject *opaque;
};

static virClass *virCTMonitorClass;

/* All the watches share one epoll set, which is the only thing the
 * event loop polls for them: with a handle each, every turn of the loop
 * (every RPC call and reply) went over all the running containers'
 * sockets.  The lock covers the set and its references: a monitor the
 * set returns is still in it, so the dispatcher can take a reference
 * before anyone else drops the set's. */
static virMutex virCTMonitorSetLock;
static int virCTMonitorSetFd = -1;

static void
virCTMonitorDispose(void *obj)
{
    virCTMonitor *mon = obj;

    VIR_FORCE_CLOSE(mon->fd);
    virObjectUnref(mon->opaque);
}

static void virCTMonitorDispatch(int watch, int fd, int events, void *opaque);

static int
virCTMonitorOnceInit(void)
{
    if (!VIR_CLASS_NEW(virCTMonitor, virClassForObjectLockable()))
        return -1;
    if (virMutexInit(&virCTMonitorSetLock) < 0) {
        virReportSystemError(errno, "%s", _("cannot initialize a mutex"));
        return -1;
    }
    return 0;
}

VIR_ONCE_GLOBAL_INIT(virCTMonitor);

/* A blocking connection to @path with send and receive timeouts. */
static int
virCTMonitorConnect(const char *path)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    struct timeval tv = { .tv_sec = CT_MONITOR_TIMEOUT_SEC };
    VIR_AUTOCLOSE fd = -1;
    int ret;

    if (virStrcpyStatic(addr.sun_path, path) < 0) {
        virReportError(VIR_ERR_INTERNAL_ERROR, _("monitor path '%1$s' is too long"), path);
        return -1;
    }
    if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
        virReportSystemError(errno, "%s", _("cannot create a socket"));
        return -1;
    }
    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0) {
        virReportSystemError(errno, "%s", _("cannot set a socket timeout"));
        return -1;
    }
    if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
        virReportSystemError(errno, _("cannot connect to the container supervisor at '%1$s'"),
                             path);
        return -1;
    }
    ret = fd;
    fd = -1;
    return ret;
}

/* Parses "exited exit N" / "exited signal N".  Returns 0 or -1. */
static int
virCTMonitorParseExit(const char *line, virCTMonitorExitKind *kind, int *code)
{
    const char *rest;

    if ((rest = STRSKIP(line, "exited exit ")))
        *kind = VIR_CT_MONITOR_EXIT_CODE;
    else if ((rest = STRSKIP(line, "exited signal ")))
        *kind = VIR_CT_MONITOR_EXIT_SIGNAL;
    else
        return -1;
    return virStrToLong_i(rest, NULL, 10, code);
}

/* Reads what the watch has; returns true when the exit is known. */
static bool
virCTMonitorReadWatch(virCTMonitor *mon, virCTMonitorExitKind *kind, int *code)
{
    char *nl;
    ssize_t n;

    n = read(mon->fd, mon->buf + mon->len, sizeof(mon->buf) - 1 - mon->len);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return false;
    if (n <= 0) {
        *kind = VIR_CT_MONITOR_EXIT_LOST;
        *code = 0;
        return true;
    }
    mon->len += n;
    mon->buf[mon->len] = '\0';
    while ((nl = strchr(mon->buf, '\n'))) {
        *nl = '\0';
        if (virCTMonitorParseExit(mon->buf, kind, code) == 0)
            return true;
        VIR_WARN("unexpected line from supervisor: '%s'", mon->buf);
        mon->len -= nl + 1 - mon->buf;
        memmove(mon->buf, nl + 1, mon->len + 1);
    }
    if (mon->len == sizeof(mon->buf) - 1)
        mon->len = 0; /* garbage; keep listening for the real event */
    return false;
}

/* Puts @mon in the watch set, made (and registered with the event
 * loop) at the first watch. */
static int
virCTMonitorWatch(virCTMonitor *mon)
{
    VIR_LOCK_GUARD lock = virLockGuardLock(&virCTMonitorSetLock);
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = mon };

    if (virCTMonitorSetFd < 0) {
        if ((virCTMonitorSetFd = epoll_create1(EPOLL_CLOEXEC)) < 0) {
            virReportSystemError(errno, "%s", _("cannot create the set of container watches"));
            return -1;
        }
        if (virEventAddHandle(virCTMonitorSetFd, VIR_EVENT_HANDLE_READABLE, virCTMonitorDispatch,
                              NULL, NULL) < 0) {
            VIR_FORCE_CLOSE(virCTMonitorSetFd);
            virReportError(VIR_ERR_INTERNAL_ERROR, "%s",
                           _("cannot watch the container supervisor: no event loop"));
            return -1;
        }
    }
    if (epoll_ctl(virCTMonitorSetFd, EPOLL_CTL_ADD, mon->fd, &ev) < 0) {
        virReportSystemError(errno, "%s", _("cannot watch the container supervisor"));
        return -1;
    }
    mon->watched = true;
    virObjectRef(mon);
    return 0;
}

/* Takes @mon out of the watch set; called with @mon locked. */
static void
virCTMonitorUnwatch(virCTMonitor *mon)
{
    VIR_LOCK_GUARD lock = virLockGuardLock(&virCTMonitorSetLock);

    if (!mon->watched)
        return;
    if (epoll_ctl(virCTMonitorSetFd, EPOLL_CTL_DEL, mon->fd, NULL) < 0)
        VIR_WARN("cannot stop watching a container supervisor: %s", g_strerror(errno));
    mon->watched = false;
    /* @mon stays alive: whoever locked it holds a reference */
    virObjectUnref(mon);
}

static void
virCTMonitorIO(virCTMonitor *mon)
{
    virCTMonitorExitKind kind;
    int code;
    bool fire = false;

    virObjectLock(mon);
    if (!mon->done && virCTMonitorReadWatch(mon, &kind, &code)) {
        mon->done = true;
        fire = true;
        virCTMonitorUnwatch(mon);
    }
    virObjectUnlock(mon);

    if (fire)
        mon->cb(mon, kind, code, mon->opaque);
}

/* The event loop's handler of the watch set: the monitors with
 * something to read, each referenced while it is handled. */
static void
virCTMonitorDispatch(int watch G_GNUC_UNUSED, int fd G_GNUC_UNUSED, int events G_GNUC_UNUSED,
                     void *opaque G_GNUC_UNUSED)
{
    struct epoll_event ready[64];
    int n = 0;
    int i;

    VIR_WITH_MUTEX_LOCK_GUARD (&virCTMonitorSetLock) {
        while ((n = epoll_wait(virCTMonitorSetFd, ready, G_N_ELEMENTS(ready), 0)) < 0 &&
               errno == EINTR)
            ;
        for (i = 0; i < n; i++)
            virObjectRef(ready[i].data.ptr);
    }
    for (i = 0; i < n; i++) {
        virCTMonitorIO(ready[i].data.ptr);
        virObjectUnref(ready[i].data.ptr);
    }
}

virCTMonitor *
virCTMonitorOpen(const char *path, virCTMonitorExitCallback cb, virObject *opaque)
{
    g_autoptr(virObject) obj = NULL;
    virCTMonitor *mon;

    if (virCTMonitorInitialize() < 0)
        return NULL;
    if (!(obj = virObjectLockableNew(virCTMonitorClass)))
        return NULL;
    mon = (virCTMonitor *)obj;
    mon->cb = cb;
    mon->opaque = virObjectRef(opaque);
    if ((mon->fd = virCTMonitorConnect(path)) < 0)
        return NULL;
    if (virSetNonBlock(mon->fd) < 0) {
        virReportSystemError(errno, "%s", _("cannot make the monitor socket non-blocking"));
        return NULL;
    }
    if (virCTMonitorWatch(mon) < 0)
        return NULL;
    return (virCTMonitor *)g_steal_pointer(&obj);
}

void
virCTMonitorClose(virCTMonitor *mon)
{
    if (!mon)
        return;
    virObjectLock(mon);
    mon->done = true;
    virCTMonitorUnwatch(mon);
    virObjectUnlock(mon);
    virObjectUnref(mon);
}

/* Checks a reply line; reports "error N message" and "exited ..." */
static int
virCTMonitorCheckReply(const char *request, const char *reply)
{
    const char *rest;
    g_autofree char *msg = NULL;
    int err = 0;
    char *end;

    if (STRPREFIX(reply, "exited ")) {
        virReportError(VIR_ERR_OPERATION_INVALID, "%s", _("the container has just stopped"));
        return -1;
    }
    if (!(rest = STRSKIP(reply, "error ")))
        return 0;
    if (virStrToLong_i(rest, &end, 10, &err) < 0 || *end != ' ')
        end = (char *)rest;
    virReportError(err == EBUSY ? VIR_ERR_OPERATION_FAILED : VIR_ERR_INTERNAL_ERROR,
                   _("container supervisor refused '%1$s': %2$s"), request, end + 1);
    return -1;
}

/* One request on a fresh connection; returns the connected socket with
 * the reply in @reply, or -1. */
static int
virCTMonitorExchange(const char *path, const char *request, char *reply, size_t replylen,
                     int *passedFD)
{
    VIR_AUTOCLOSE fd = -1;
    ssize_t n;

    if ((fd = virCTMonitorConnect(path)) < 0)
        return -1;
    if (virCTSyncWriteLine(fd, "%s\n", request) < 0) {
        virReportSystemError(errno, _("cannot send '%1$s' to the container supervisor"), request);
        return -1;
    }
    if (passedFD)
        n = virCTSyncReadLineFd(fd, reply, replylen, passedFD);
    else
        n = virCTSyncReadLine(fd, reply, replylen);
    if (n <= 0) {
        virReportSystemError(n == 0 ? ECONNRESET : errno,
                             _("no answer from the container supervisor to '%1$s'"), request);
        return -1;
    }
    return virCTMonitorCheckReply(request, reply);
}

char *
virCTMonitorRequest(const char *path, const char *request)
{
    char reply[512];

    if (virCTMonitorExchange(path, request, reply, sizeof(reply), NULL) < 0)
        return NULL;
    return g_strdup(reply);
}

int
virCTMonitorOpenConsole(const char *path, bool force)
{
    const char *request = force ? "console force" : "console";
    char reply[512];
    VIR_AUTOCLOSE fd = -1;
    int ret;

    if (virCTMonitorExchange(path, request, reply, sizeof(reply), &fd) < 0)
        return -1;
    if (fd < 0 || STRNEQ(reply, "ok")) {
        virReportError(VIR_ERR_INTERNAL_ERROR,
                       _("unexpected console answer from the container supervisor: '%1$s'"), reply);
        return -1;
    }
    ret = fd;
    fd = -1;
    return ret;
}

int
virCTMonitorReadExitFile(const char *path, virCTMonitorExitKind *kind, int *code)
{
    g_autofree char *text = NULL;

    if (!virFileExists(path))
        return 0;
    if (virFileReadAll(path, 128, &text) < 0)
        return -1;
    virStringTrimOptionalNewline(text);
    if (virCTMonitorParseExit(text, kind, code) < 0) {
        virReportError(VIR_ERR_INTERNAL_ERROR, _("invalid exit record '%1$s' in '%2$s'"), text,
                       path);
        return -1;
    }
    return 1;
}
