/*
 * ctplantest.c: the text form of the start plan
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every tests/data/plan/\*.plan file must survive parse -> format
 * byte for byte; every negative case must fail with exactly its message.
 * The data directory is argv[1], else $CT_TEST_DATADIR, else found next
 * to this source file.
 */

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "ct_plan.h"

static int passed;
static int failed;

static void
report(bool ok, const char *name, const char *detail)
{
    printf("%s - %s%s%s\n", ok ? "ok" : "not ok", name, detail ? ": " : "", detail ? detail : "");
    if (ok)
        passed++;
    else
        failed++;
}


static char *
readFile(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "r");
    char *buf = NULL;
    size_t cap = 0;
    FILE *mem;
    int c;

    if (!fp)
        return NULL;
    mem = open_memstream(&buf, &cap);
    while ((c = fgetc(fp)) != EOF)
        fputc(c, mem);
    fclose(fp);
    fclose(mem);
    *len = cap;
    return buf;
}


static void
testRoundTrip(const char *dir, const char *file)
{
    char path[4096 + 512];
    char err[512] = "";
    char *want;
    char *got = NULL;
    size_t wantLen;
    size_t gotLen = 0;
    ctPlan *plan = NULL;
    FILE *in;
    FILE *out;

    snprintf(path, sizeof(path), "%s/%s", dir, file);
    if (!(want = readFile(path, &wantLen))) {
        report(false, file, strerror(errno));
        return;
    }
    in = fmemopen(want, wantLen, "r");
    if (ctPlanParse(in, &plan, err, sizeof(err)) < 0) {
        report(false, file, err);
    } else {
        out = open_memstream(&got, &gotLen);
        ctPlanFormat(plan, out);
        fclose(out);
        report(gotLen == wantLen && memcmp(got, want, wantLen) == 0, file,
               gotLen == wantLen && memcmp(got, want, wantLen) == 0 ? NULL : got);
    }
    fclose(in);
    ctPlanFree(plan);
    free(got);
    free(want);
}


static int
planFilter(const struct dirent *ent)
{
    size_t len = strlen(ent->d_name);

    return len > 5 && strcmp(ent->d_name + len - 5, ".plan") == 0;
}


static void
testDataFiles(const char *dir)
{
    struct dirent **ents;
    int n;
    int i;

    if ((n = scandir(dir, &ents, planFilter, alphasort)) <= 0) {
        report(false, "plan data files", n < 0 ? strerror(errno) : "none found");
        if (n == 0)
            free(ents);
        return;
    }
    for (i = 0; i < n; i++) {
        testRoundTrip(dir, ents[i]->d_name);
        free(ents[i]);
    }
    free(ents);
}


#define HEAD "version 3\nname c\n"
#define TAIL "arg /sbin/init\nmonitor /m\nexit-file /e\n"

static const struct {
    const char *name;
    const char *text;
    const char *error;
} negatives[] = {
    { "empty plan", "", "line 1: end of plan: missing 'version'" },
    { "wrong version", "version 1\n", "line 1: unsupported plan version '1' (expected 3)" },
    { "version 2 refused", "version 2\nname c\n" TAIL,
      "line 1: unsupported plan version '2' (expected 3)" },
    { "version not first", "name c\nversion 3\n", "line 1: expected 'version 3' before 'name'" },
    { "unknown key", HEAD "frobnicate yes\n" TAIL, "line 3: unknown key 'frobnicate'" },
    { "missing name", "version 3\n" TAIL, "line 5: end of plan: missing 'name'" },
    { "missing arg", HEAD "monitor /m\nexit-file /e\n", "line 5: end of plan: missing 'arg'" },
    { "missing monitor", HEAD "arg /sbin/init\nexit-file /e\n",
      "line 5: end of plan: missing 'monitor'" },
    { "missing exit-file", HEAD "arg /sbin/init\nmonitor /m\n",
      "line 5: end of plan: missing 'exit-file'" },
    { "duplicate name", HEAD "name d\n" TAIL, "line 3: duplicate 'name'" },
    { "idmap without userns", HEAD "root /r\nroot-idmap\n" TAIL,
      "line 8: end of plan: 'root-idmap' without a user namespace" },
    { "idmapped mount without userns", HEAD "mount bind /s /d % % rec,idmap\n" TAIL,
      "line 7: end of plan: idmapped mount of '/d' without a user namespace" },
    { "relative template layer", HEAD "root-template /t layer\n" TAIL,
      "line 3: 'root-template' needs absolute paths, got '/t' 'layer'" },
    { "bad escape", HEAD "arg /a%zz\n", "line 3: bad escape in field '/a%zz'" },
    { "truncated escape", HEAD "arg /a%2\n", "line 3: bad escape in field '/a%2'" },
    { "NUL escape", HEAD "arg /a%00\n", "line 3: bad escape in field '/a%00'" },
    { "empty field", HEAD "arg  /sbin/init\n",
      "line 3: empty field (an empty value is written '%')" },
    { "trailing space", HEAD "cwd / \n", "line 3: empty field (an empty value is written '%')" },
    { "field count", HEAD "uidmap 0 1000\n", "line 3: 'uidmap' takes 3 field(s), got 2" },
    { "unknown namespace", HEAD "namespaces mnt time\n", "line 3: unknown namespace 'time'" },
    { "mount kind", HEAD "mount loop /a /b % % %\n", "line 3: unknown mount kind 'loop'" },
    { "mount flags", HEAD "mount bind /a /b % % ro,sync\n", "line 3: bad mount flags 'ro,sync'" },
    { "mount relative target", HEAD "mount fs tmpfs tmp tmpfs % %\n",
      "line 3: 'mount': target 'tmp' is not absolute" },
    { "bind without source", HEAD "mount bind % /b % % %\n",
      "line 3: 'mount bind': source '' is not absolute" },
    { "fs without type", HEAD "mount fs tmpfs /tmp % % %\n",
      "line 3: 'mount fs': missing file system type" },
    { "relative root", HEAD "root var/ct\n",
      "line 3: 'root' needs an absolute path, got 'var/ct'" },
    { "restore without criu", HEAD "restore /img\n" TAIL,
      "line 7: end of plan: 'restore' without 'criu'" },
    { "restore details without restore", HEAD "restore-tty tty[8800:1a]\n" TAIL,
      "line 7: end of plan: restore details without 'restore'" },
    { "restore-mount relative", HEAD "restore-mount cg-0 sys/fs\n",
      "line 3: 'restore-mount' needs an absolute path, got 'sys/fs'" },
    { "negative uid", HEAD "user -1\n", "line 3: 'user': bad id '-1'" },
    { "bad group", HEAD "group x\n", "line 3: 'group': bad id 'x'" },
    { "no supplementary groups", HEAD "groups 5\n" TAIL, "line 3: unknown key 'groups'" },
    { "idmap zero count", HEAD "gidmap 0 100000 0\n", "line 3: 'gidmap': count must not be 0" },
    { "env without =", HEAD "env PATH\n", "line 3: 'env': expected KEY=VALUE, got 'PATH'" },
    { "bad caps", HEAD "caps 0xfoo\n", "line 3: 'caps': bad hex mask '0xfoo'" },
    /* the daemon places init in its cgroups itself */
    { "no cgroup files", HEAD "cgroup-procs /sys/fs/cgroup/pids/c/cgroup.procs\n" TAIL,
      "line 3: unknown key 'cgroup-procs'" },
    { "no overlay mounts", HEAD "mount overlay overlay /o % lowerdir=/a %\n" TAIL,
      "line 3: unknown mount kind 'overlay'" },
    { "root-readonly with value", HEAD "root-readonly yes\n",
      "line 3: 'root-readonly' takes 0 field(s), got 1" },
    { "relative console log", HEAD "console-log log append\n",
      "line 3: 'console-log' needs an absolute path, got 'log'" },
    { "console log mode", HEAD "console-log /l keep\n",
      "line 3: 'console-log': expected 'append' or 'truncate', got 'keep'" },
};


static void
testNegatives(void)
{
    size_t i;

    for (i = 0; i < sizeof(negatives) / sizeof(negatives[0]); i++) {
        const char *text = negatives[i].text;
        char err[512] = "";
        char detail[1100];
        ctPlan *plan = NULL;
        FILE *in;
        int rc;

        /* a zero-sized fmemopen() buffer is not portable */
        if (*text)
            in = fmemopen((void *)text, strlen(text), "r");
        else
            in = fopen("/dev/null", "r");
        rc = ctPlanParse(in, &plan, err, sizeof(err));
        fclose(in);
        snprintf(detail, sizeof(detail), "got '%s', want '%s'", rc < 0 ? err : "success",
                 negatives[i].error);
        report(rc < 0 && !plan && strcmp(err, negatives[i].error) == 0, negatives[i].name,
               rc < 0 && strcmp(err, negatives[i].error) == 0 ? NULL : detail);
        ctPlanFree(plan);
    }
}


/* Every byte but NUL survives escape -> unescape, and the escaped form
 * never contains a separator. */
static void
testEscapeAllBytes(void)
{
    char raw[256];
    char *esc;
    char *back;
    int i;

    for (i = 1; i < 256; i++)
        raw[i - 1] = (char)i;
    raw[255] = '\0';
    esc = ctPlanEscape(raw);
    back = ctPlanUnescape(esc);
    report(back && strcmp(back, raw) == 0 && !strpbrk(esc, " \t\n"),
           "escape round trip of every byte", NULL);
    free(esc);
    free(back);
    esc = ctPlanEscape(NULL);
    back = ctPlanUnescape(esc);
    report(strcmp(esc, "%") == 0 && back && !*back, "NULL escapes to %", NULL);
    free(esc);
    free(back);
}


/* A plan built in memory: NULL optional strings are written as "%". */
static void
testFormatStruct(void)
{
    static const char want[] = "version 3\nname c\nnamespaces\n"
                               "mount fs tmpfs /tmp tmpfs % %\n"
                               "arg /init\ncwd /\nuser 0\ngroup 0\ncaps 0x3\n"
                               "monitor /m\nexit-file /e\n";
    ctPlanMount mnt = {
        CT_PLAN_MOUNT_FS, (char *)"tmpfs", (char *)"/tmp", (char *)"tmpfs", NULL, 0
    };
    char *argv[] = { (char *)"/init" };
    ctPlan plan = { 0 };
    char *got = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&got, &len);

    plan.name = (char *)"c";
    plan.mounts = &mnt;
    plan.nmounts = 1;
    plan.argv = argv;
    plan.nargv = 1;
    plan.capsKeep = 3;
    plan.monitorPath = (char *)"/m";
    plan.exitPath = (char *)"/e";
    ctPlanFormat(&plan, out);
    fclose(out);
    report(strcmp(got, want) == 0, "format of an in-memory plan",
           strcmp(got, want) == 0 ? NULL : got);
    free(got);
}


int
main(int argc, char **argv)
{
    char self[] = __FILE__;
    char dir[4096];

    if (argc > 1)
        snprintf(dir, sizeof(dir), "%s", argv[1]);
    else if (getenv("CT_TEST_DATADIR"))
        snprintf(dir, sizeof(dir), "%s", getenv("CT_TEST_DATADIR"));
    else
        snprintf(dir, sizeof(dir), "%s/data/plan", dirname(self));

    testDataFiles(dir);
    testNegatives();
    testEscapeAllBytes();
    testFormatStruct();
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
