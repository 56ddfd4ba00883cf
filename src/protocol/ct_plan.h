/*
 * ct_plan.h: the start plan of a container
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The plan is everything the supervisor and the container child need to
 * know, decided by the daemon from the domain definition before anything
 * touches the host.  It is plain C (no glib, no libvirt) because the
 * supervisor must not link libvirt.so, and it has a line-based text form
 * so that tests compare plans against golden files.  The cgroups are not
 * in it: the daemon creates them and moves init in while the supervisor
 * waits at the "PID" sync point (docs/design.md).
 *
 * Text form: one directive a line, "<key> <field> <field> ...", fields
 * separated by one space, each field escaped with ctPlanEscape() (a
 * percent sign followed by two hex digits for '%', ' ', and any byte
 * below 0x21 or 0x7f; an empty field is written as "%").  Unknown keys
 * are an error, so a daemon and a supervisor of different builds never
 * silently disagree.
 */

#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* 3: "cgroup-procs", "groups" and "mount overlay" are gone (the daemon
 * never wrote them; it places init in its cgroups itself, see
 * docs/design.md) */
#define CT_PLAN_VERSION 3

typedef enum {
    CT_PLAN_MOUNT_BIND = 0, /* bind mount of a host path (src) */
    CT_PLAN_MOUNT_FS, /* a fresh file system: fstype, src is its name */
    CT_PLAN_MOUNT_LAST
} ctPlanMountKind;

/* One mount after the root, in plan order. */
typedef struct _ctPlanMount ctPlanMount;
struct _ctPlanMount {
    ctPlanMountKind kind;
    char *src; /* host path (bind), source name (fs) */
    char *dst; /* path inside the container root, absolute */
    char *fstype; /* for CT_PLAN_MOUNT_FS */
    char *data; /* mount data (e.g. "size=65536k,mode=1777") or NULL */
    unsigned long flags; /* MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REC only */
    bool idmap; /* bind: shifted into the container's user namespace by an
                 * idmapped mount the supervisor makes ("idmap" flag) */
};

typedef struct _ctPlanIdMap ctPlanIdMap;
struct _ctPlanIdMap {
    unsigned int start; /* first id inside */
    unsigned int target; /* first id on the host */
    unsigned int count;
};

/* A mount the checkpoint marked external ("restore-mount KEY PATH"):
 * CRIU binds PATH where the mount was. */
typedef struct _ctPlanRestoreMount ctPlanRestoreMount;
struct _ctPlanRestoreMount {
    char *key;
    char *path;
};

typedef struct _ctPlan ctPlan;
struct _ctPlan {
    char *name; /* domain name */
    char *uuid; /* domain UUID as a string */
    char *hostname; /* UTS name inside */

    /* Root file system.  When root is NULL the container is an
     * application container: the host root, read-only, with private
     * /proc, /sys, /dev, /tmp and /run. */
    char *root; /* host directory that becomes "/" */
    /* A template root: an overlay mounted on root, of the template's
     * directory below and the layer directory's "upper" and "work" above
     * ("root-template LOWER LAYER"). */
    char *rootLower;
    char *rootLayer;
    /* the root (the template and layer, or a bound root directory) is
     * shifted by idmapped mounts into the user namespace ("root-idmap") */
    bool rootIdmap;
    bool rootReadonly;

    unsigned long nsFlags; /* CLONE_NEW* flags: NS, PID, UTS, IPC, NET, CGROUP, USER */
    ctPlanIdMap *uidMap;
    size_t nuidMap;
    ctPlanIdMap *gidMap;
    size_t ngidMap;

    ctPlanMount *mounts; /* extra mounts, in order, after the root */
    size_t nmounts;

    char **argv; /* init and its arguments; argv[0] is the path */
    size_t nargv;
    char **env; /* "KEY=VALUE" */
    size_t nenv;
    char *cwd; /* initdir, default "/" */
    uid_t uid; /* inituser resolved to a number inside */
    gid_t gid; /* supplementary groups: none where setgroups(2) is allowed */

    uint64_t capsKeep; /* bit n set: keep capability n in the bounding set */

    char *monitorPath; /* UNIX socket the supervisor listens on */
    char *exitPath; /* file the supervisor writes the exit record to */
    char *logPath; /* supervisor's own log, or NULL */

    /* The console's copies ("console-tty", "console-log PATH MODE"): a
     * host PTY whose slave carries it (<console type='pty'>) and a file
     * that gets all its output (<log file=...>), appended to or
     * truncated first. */
    bool consoleTty;
    char *consoleLog;
    bool consoleLogAppend;

    /* "timeline": the supervisor and the child log each step of the
     * start with its CLOCK_MONOTONIC time (the daemon logs its own,
     * ct_timeline.h) */
    bool timeline;

    /* A restore instead of a boot ("restore DIR", ct_restore.c): CRIU
     * ("criu PATH") brings back the processes checkpointed into DIR;
     * init and argv are not used then.  The console's tty at the dump
     * ("restore-tty KEY", CRIU's tty[rdev:dev]), the machine cgroup it
     * ran in ("restore-cgroup PATH", replaced by the new one in the
     * cgroup mounts) and the external mounts of the image. */
    char *restoreDir;
    char *criuPath;
    char *restoreTty;
    char *restoreCgroup;
    ctPlanRestoreMount *restoreMounts;
    size_t nrestoreMounts;
    /* what else CRIU finds on the host ("restore-external SPEC", its
     * --external: the host ends of veth pairs, the parents of macvlans) */
    char **restoreExternals;
    size_t nrestoreExternals;
};

/* Both functions report errors as a message in errbuf (errbuf_len bytes),
 * return -1 on error and 0 on success. */
int ctPlanFormat(const ctPlan *plan, FILE *fp);
int ctPlanParse(FILE *fp, ctPlan **plan, char *errbuf, size_t errbuf_len);
void ctPlanFree(ctPlan *plan);

/* Escaping of one field of the text form (also used for the message of
 * the supervisor's "ERR" sync line).  ctPlanEscape() returns a malloc'd
 * string ("%" for NULL or empty); ctPlanUnescape() returns a malloc'd
 * string, or NULL with errno EINVAL for a bad escape (ENOMEM on OOM).
 * The caller frees both results. */
char *ctPlanEscape(const char *str);
char *ctPlanUnescape(const char *field);
