/*
 * ct_plan.c: text form of the container start plan
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Plain C on purpose (no glib, no libvirt): the supervisor links this.
 * The parser is table driven: one row per directive says how many fields
 * it takes, whether it may repeat, and which function stores it.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "ct_plan.h"

#define CT_PLAN_MAX_FIELDS 64

typedef struct {
    const char *name;
    unsigned long value;
} ctPlanFlagName;

/* Order matters: the formatter writes names in table order. */
static const ctPlanFlagName nsNames[] = {
    { "mnt", CLONE_NEWNS },    { "pid", CLONE_NEWPID },
    { "uts", CLONE_NEWUTS },   { "ipc", CLONE_NEWIPC },
    { "net", CLONE_NEWNET },   { "cgroup", CLONE_NEWCGROUP },
    { "user", CLONE_NEWUSER }, { NULL, 0 },
};

static const ctPlanFlagName mountFlagNames[] = {
    { "ro", MS_RDONLY },     { "nosuid", MS_NOSUID }, { "nodev", MS_NODEV },
    { "noexec", MS_NOEXEC }, { "rec", MS_REC },       { NULL, 0 },
};

static const char *mountKindNames[CT_PLAN_MOUNT_LAST] = {
    "bind",
    "fs",
};


/* ---------------------------------------------------------------- escaping */

static bool
needsEscape(unsigned char c)
{
    return c == '%' || c == ' ' || c < 0x21 || c == 0x7f;
}


char *
ctPlanEscape(const char *str)
{
    static const char hex[] = "0123456789abcdef";
    size_t len = str ? strlen(str) : 0;
    char *out = malloc(len * 3 + 2);
    char *p = out;
    size_t i;

    if (!out)
        return NULL;
    if (len == 0)
        return strcpy(out, "%");
    for (i = 0; i < len; i++) {
        unsigned char c = str[i];
        if (needsEscape(c)) {
            *p++ = '%';
            *p++ = hex[c >> 4];
            *p++ = hex[c & 0xf];
        } else {
            *p++ = c;
        }
    }
    *p = '\0';
    return out;
}


static int
hexDigit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}


char *
ctPlanUnescape(const char *field)
{
    size_t len = strlen(field);
    char *out;
    char *p;
    size_t i;

    if (strcmp(field, "%") == 0)
        return strdup("");
    if (!(p = out = malloc(len + 1)))
        return NULL;
    for (i = 0; i < len; i++) {
        int hi, lo;
        if (field[i] != '%') {
            *p++ = field[i];
            continue;
        }
        if (i + 2 >= len) {
            free(out);
            errno = EINVAL;
            return NULL;
        }
        hi = hexDigit(field[i + 1]);
        lo = hexDigit(field[i + 2]);
        if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
            free(out);
            errno = EINVAL;
            return NULL;
        }
        *p++ = (char)(hi << 4 | lo);
        i += 2;
    }
    *p = '\0';
    return out;
}


/* -------------------------------------------------------------- formatting */

static void
fmtField(FILE *fp, const char *str)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)str;

    fputc(' ', fp);
    if (!str || !*str) {
        fputc('%', fp);
        return;
    }
    for (; *p; p++) {
        if (needsEscape(*p))
            fprintf(fp, "%%%c%c", hex[*p >> 4], hex[*p & 0xf]);
        else
            fputc(*p, fp);
    }
}


static void
fmtLine(FILE *fp, const char *key, const char *value)
{
    fputs(key, fp);
    fmtField(fp, value);
    fputc('\n', fp);
}


static int
fmtFlags(FILE *fp, const ctPlanFlagName *names, unsigned long flags, const char *sep,
         const char *none)
{
    unsigned long known = 0;
    bool first = true;
    size_t i;

    for (i = 0; names[i].name; i++) {
        known |= names[i].value;
        if (!(flags & names[i].value))
            continue;
        fprintf(fp, "%s%s", first ? "" : sep, names[i].name);
        first = false;
    }
    if (first && none)
        fputs(none, fp);
    if (flags & ~known) {
        errno = EINVAL;
        return -1;
    }
    return 0;
}


static void
fmtIdMaps(FILE *fp, const char *key, const ctPlanIdMap *maps, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        fprintf(fp, "%s %u %u %u\n", key, maps[i].start, maps[i].target, maps[i].count);
}


static int
fmtMounts(FILE *fp, const ctPlan *plan)
{
    size_t i;

    for (i = 0; i < plan->nmounts; i++) {
        const ctPlanMount *mnt = &plan->mounts[i];

        if (mnt->kind >= CT_PLAN_MOUNT_LAST) {
            errno = EINVAL;
            return -1;
        }
        fprintf(fp, "mount %s", mountKindNames[mnt->kind]);
        fmtField(fp, mnt->src);
        fmtField(fp, mnt->dst);
        fmtField(fp, mnt->fstype);
        fmtField(fp, mnt->data);
        fputc(' ', fp);
        if (fmtFlags(fp, mountFlagNames, mnt->flags, ",", mnt->idmap ? NULL : "%") < 0)
            return -1;
        if (mnt->idmap)
            fputs(mnt->flags ? ",idmap" : "idmap", fp);
        fputc('\n', fp);
    }
    return 0;
}


static void
fmtProcess(FILE *fp, const ctPlan *plan)
{
    size_t i;

    for (i = 0; i < plan->nargv; i++)
        fmtLine(fp, "arg", plan->argv[i]);
    for (i = 0; i < plan->nenv; i++)
        fmtLine(fp, "env", plan->env[i]);
    fmtLine(fp, "cwd", plan->cwd ? plan->cwd : "/");
    fprintf(fp, "user %u\n", (unsigned int)plan->uid);
    fprintf(fp, "group %u\n", (unsigned int)plan->gid);
    fprintf(fp, "caps 0x%" PRIx64 "\n", plan->capsKeep);
}


static void
fmtRestore(FILE *fp, const ctPlan *plan)
{
    size_t i;

    if (!plan->restoreDir)
        return;
    fmtLine(fp, "restore", plan->restoreDir);
    if (plan->criuPath)
        fmtLine(fp, "criu", plan->criuPath);
    if (plan->restoreTty)
        fmtLine(fp, "restore-tty", plan->restoreTty);
    if (plan->restoreCgroup)
        fmtLine(fp, "restore-cgroup", plan->restoreCgroup);
    for (i = 0; i < plan->nrestoreExternals; i++)
        fmtLine(fp, "restore-external", plan->restoreExternals[i]);
    for (i = 0; i < plan->nrestoreMounts; i++) {
        fputs("restore-mount", fp);
        fmtField(fp, plan->restoreMounts[i].key);
        fmtField(fp, plan->restoreMounts[i].path);
        fputc('\n', fp);
    }
}


int
ctPlanFormat(const ctPlan *plan, FILE *fp)
{
    fprintf(fp, "version %d\n", CT_PLAN_VERSION);
    fmtLine(fp, "name", plan->name);
    if (plan->uuid)
        fmtLine(fp, "uuid", plan->uuid);
    if (plan->hostname)
        fmtLine(fp, "hostname", plan->hostname);
    if (plan->root)
        fmtLine(fp, "root", plan->root);
    if (plan->rootLower) {
        fputs("root-template", fp);
        fmtField(fp, plan->rootLower);
        fmtField(fp, plan->rootLayer);
        fputc('\n', fp);
    }
    if (plan->rootIdmap)
        fputs("root-idmap\n", fp);
    if (plan->rootReadonly)
        fputs("root-readonly\n", fp);
    fputs("namespaces", fp);
    if (plan->nsFlags)
        fputc(' ', fp);
    if (fmtFlags(fp, nsNames, plan->nsFlags, " ", NULL) < 0)
        return -1;
    fputc('\n', fp);
    fmtIdMaps(fp, "uidmap", plan->uidMap, plan->nuidMap);
    fmtIdMaps(fp, "gidmap", plan->gidMap, plan->ngidMap);
    if (fmtMounts(fp, plan) < 0)
        return -1;
    fmtProcess(fp, plan);
    fmtLine(fp, "monitor", plan->monitorPath);
    fmtLine(fp, "exit-file", plan->exitPath);
    if (plan->logPath)
        fmtLine(fp, "log", plan->logPath);
    if (plan->consoleTty)
        fputs("console-tty\n", fp);
    if (plan->consoleLog) {
        fputs("console-log", fp);
        fmtField(fp, plan->consoleLog);
        fputs(plan->consoleLogAppend ? " append\n" : " truncate\n", fp);
    }
    if (plan->timeline)
        fputs("timeline\n", fp);
    fmtRestore(fp, plan);
    if (fflush(fp) != 0 || ferror(fp))
        return -1;
    return 0;
}


/* ----------------------------------------------------------------- parsing */

typedef struct _ctPlanDirective ctPlanDirective;
typedef int (*ctPlanDirectiveFunc)(ctPlan *plan, const ctPlanDirective *dir, char **fields,
                                   size_t nfields, char *err, size_t errlen);

struct _ctPlanDirective {
    const char *key;
    size_t minFields; /* fields after the key */
    size_t maxFields; /* SIZE_MAX: unbounded */
    bool repeat; /* may occur more than once */
    ctPlanDirectiveFunc func;
    size_t offset; /* of the char * member, for string keys */
};


static int
setErr(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}


static int
parseUInt(const char *str, unsigned int *val)
{
    char *end;
    unsigned long long v;

    if (*str < '0' || *str > '9')
        return -1;
    errno = 0;
    v = strtoull(str, &end, 10);
    if (errno || *end || v > UINT32_MAX - 1)
        return -1;
    *val = v;
    return 0;
}


static void *
growArray(void **array, size_t *count, size_t size)
{
    char *tmp = realloc(*array, (*count + 1) * size);

    if (!tmp)
        return NULL;
    memset(tmp + *count * size, 0, size);
    *array = tmp;
    return tmp + (*count)++ * size;
}


static int
appendString(char ***array, size_t *count, char **str)
{
    char **slot = growArray((void **)array, count, sizeof(char *));

    if (!slot)
        return -1;
    *slot = *str;
    *str = NULL;
    return 0;
}


static int
dirVersion(ctPlan *plan, const ctPlanDirective *dir, char **f, size_t nf, char *err, size_t errlen)
{
    char want[16];

    (void)plan;
    (void)dir;
    (void)nf;
    snprintf(want, sizeof(want), "%d", CT_PLAN_VERSION);
    if (strcmp(f[0], want) != 0)
        return setErr(err, errlen, "unsupported plan version '%s' (expected %d)", f[0],
                      CT_PLAN_VERSION);
    return 0;
}


/* Every path in a plan is absolute: a relative one would depend on the
 * supervisor's working directory. */
static bool
pathKey(const char *key)
{
    return strcmp(key, "name") != 0 && strcmp(key, "uuid") != 0 && strcmp(key, "hostname") != 0 &&
           strcmp(key, "restore-tty") != 0 && strcmp(key, "restore-external") != 0;
}


static int
dirString(ctPlan *plan, const ctPlanDirective *dir, char **f, size_t nf, char *err, size_t errlen)
{
    char **dst = (char **)((char *)plan + dir->offset);

    (void)nf;
    if (pathKey(dir->key) && f[0][0] != '/')
        return setErr(err, errlen, "'%s' needs an absolute path, got '%s'", dir->key, f[0]);
    if (strcmp(dir->key, "name") == 0 && !f[0][0])
        return setErr(err, errlen, "'name' must not be empty");
    *dst = f[0];
    f[0] = NULL;
    return 0;
}


static int
dirRootFlag(ctPlan *plan, const ctPlanDirective *dir, char **f, size_t nf, char *err, size_t errlen)
{
    (void)f;
    (void)nf;
    (void)err;
    (void)errlen;
    if (strcmp(dir->key, "root-idmap") == 0)
        plan->rootIdmap = true;
    else
        plan->rootReadonly = true;
    return 0;
}


static int
dirConsoleTty(ctPlan *plan, const ctPlanDirective *dir, char **f, size_t nf, char *err,
              size_t errlen)
{
    (void)dir;
    (void)f;
    (void)nf;
    (void)err;
    (void)errlen;
    plan->consoleTty = true;
    return 0;
}


static int
dirTimeline(ctPlan *plan, const ctPlanDirective *dir, char **f, size_t nf, char *err, size_t errlen)
{
    (void)dir;
    (void)f;
    (void)nf;
    (void)err;
    (void)errlen;
    plan->timeline = true;
    return 0;
}


static int
dirConsoleLog(ctPlan *plan, const ctPlanDirective *dir, char **f, size_t nf, char *err,
              size_t errlen)
{
    (void)dir;
    (void)nf;
    if (f[0][0] != '/')
        return setErr(err, errlen, "'console-log' needs an absolute path, got '%s'", f[0]);
    if (strcmp(f[1], "append") != 0 && strcmp(f[1], "truncate") != 0)
        return setErr(err, errlen, "'console-log': expected 'append' or 'truncate', got '%s'",
                      f[1]);
    plan->consoleLogAppend = strcmp(f[1], "append") == 0;
    plan->consoleLog = f[0];
    f[0] = NULL;
    return 0;
}


static int
dirRestoreMount(ctPlan *plan, const ctPlanDirective *dir, char **f, size_t nf, char *err,
                size_t errlen)
{
    ctPlanRestoreMount *slot;

    (void)dir;
    (void)nf;
    if (f[1][0] != '/')
        return setErr(err, errlen, "'restore-mount' needs an absolute path, got '%s'", f[1]);
    if (!(slot = growArray((void **)&plan->restoreMounts, &plan->nrestoreMounts, sizeof(*slot))))
        return setErr(err, errlen, "out of memory");
    slot->key = f[0];
    slot->path = f[1];
    f[0] = f[1] = NULL;
    return 0;
}


static int
dirRootTemplate(ctPlan *plan, const ctPlanDirective *dir, char **f, size_t nf, char *err,
                size_t errlen)
{
    (void)dir;
    (void)nf;
    if (f[0][0] != '/' || f[1][0] != '/')
        return setErr(err, errlen, "'root-template' needs absolute paths, got '%s' '%s'", f[0],
                      f[1]);
    plan->rootLower = f[0];
    plan->rootLayer = f[1];
    f[0] = f[1] = NULL;
    return 0;
}


static int
lookupFlag(const ctPlanFlagName *names, const char *name, unsigned long *val)
{
    size_t i;

    for (i = 0; names[i].name; i++) {
        if (strcmp(names[i].name, name) == 0) {
            *val |= names[i].value;
            return 0;
        }
    }
    return -1;
}


static int
dirNamespaces(ctPlan *plan, const ctPlanDirective *dir, char **f, size_t nf, char *err,
              size_t errlen)
{
    size_t i;

    (void)dir;
    for (i = 0; i < nf; i++) {
        if (lookupFlag(nsNames, f[i], &plan->nsFlags) < 0)
            return setErr(err, errlen, "unknown namespace '%s'", f[i]);
    }
    return 0;
}


static int
dirIdMap(ctPlan *plan, const ctPlanDirective *dir, char **f, size_t nf, char *err, size_t errlen)
{
    bool uid = strcmp(dir->key, "uidmap") == 0;
    ctPlanIdMap map;
    ctPlanIdMap *slot;
    size_t i;
    unsigned int *vals[] = { &map.start, &map.target, &map.count };

    for (i = 0; i < nf; i++) {
        if (parseUInt(f[i], vals[i]) < 0)
            return setErr(err, errlen, "'%s': bad number '%s'", dir->key, f[i]);
    }
    if (map.count == 0)
        return setErr(err, errlen, "'%s': count must not be 0", dir->key);
    if (uid)
        slot = growArray((void **)&plan->uidMap, &plan->nuidMap, sizeof(map));
    else
        slot = growArray((void **)&plan->gidMap, &plan->ngidMap, sizeof(map));
    if (!slot)
        return setErr(err, errlen, "out of memory");
    *slot = map;
    return 0;
}


static int
parseMountFlags(const char *str, unsigned long *flags, bool *idmap)
{
    char buf[256];
    char *save = NULL;
    char *tok;

    *flags = 0;
    if (!*str)
        return 0;
    if (strlen(str) >= sizeof(buf))
        return -1;
    strcpy(buf, str);
    for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (strcmp(tok, "idmap") == 0)
            *idmap = true;
        else if (lookupFlag(mountFlagNames, tok, flags) < 0)
            return -1;
    }
    return 0;
}


static char *
stealOptional(char **field)
{
    char *ret = *field;

    *field = NULL;
    if (ret && !*ret) {
        free(ret);
        return NULL;
    }
    return ret;
}


static int
checkMount(const ctPlanMount *mnt, char *err, size_t errlen)
{
    if (!mnt->dst || mnt->dst[0] != '/')
        return setErr(err, errlen, "'mount': target '%s' is not absolute",
                      mnt->dst ? mnt->dst : "");
    if (mnt->kind == CT_PLAN_MOUNT_BIND && (!mnt->src || mnt->src[0] != '/'))
        return setErr(err, errlen, "'mount bind': source '%s' is not absolute",
                      mnt->src ? mnt->src : "");
    if (mnt->kind == CT_PLAN_MOUNT_FS && (!mnt->fstype || !*mnt->fstype))
        return setErr(err, errlen, "'mount fs': missing file system type");
    return 0;
}


static int
dirMount(ctPlan *plan, const ctPlanDirective *dir, char **f, size_t nf, char *err, size_t errlen)
{
    ctPlanMount mnt = { 0 };
    ctPlanMount *slot;
    int kind;

    (void)dir;
    (void)nf;
    for (kind = 0; kind < CT_PLAN_MOUNT_LAST; kind++) {
        if (strcmp(f[0], mountKindNames[kind]) == 0)
            break;
    }
    if (kind == CT_PLAN_MOUNT_LAST)
        return setErr(err, errlen, "unknown mount kind '%s'", f[0]);
    if (parseMountFlags(f[5], &mnt.flags, &mnt.idmap) < 0)
        return setErr(err, errlen, "bad mount flags '%s'", f[5]);
    mnt.kind = kind;
    mnt.dst = f[2];
    mnt.src = f[1];
    mnt.fstype = f[3];
    if (checkMount(&mnt, err, errlen) < 0)
        return -1;
    if (!(slot = growArray((void **)&plan->mounts, &plan->nmounts, sizeof(mnt))))
        return setErr(err, errlen, "out of memory");
    slot->kind = mnt.kind;
    slot->flags = mnt.flags;
    slot->idmap = mnt.idmap;
    slot->src = stealOptional(&f[1]);
    slot->dst = stealOptional(&f[2]);
    slot->fstype = stealOptional(&f[3]);
    slot->data = stealOptional(&f[4]);
    return 0;
}


static int
dirStringList(ctPlan *plan, const ctPlanDirective *dir, char **f, size_t nf, char *err,
              size_t errlen)
{
    (void)nf;
    if (strcmp(dir->key, "restore-external") == 0) {
        if (!strchr(f[0], '[') || f[0][0] == '-')
            return setErr(err, errlen, "'restore-external': bad value '%s'", f[0]);
        if (appendString(&plan->restoreExternals, &plan->nrestoreExternals, &f[0]) < 0)
            return setErr(err, errlen, "out of memory");
    } else if (strcmp(dir->key, "env") == 0) {
        if (!strchr(f[0], '=') || f[0][0] == '=')
            return setErr(err, errlen, "'env': expected KEY=VALUE, got '%s'", f[0]);
        if (appendString(&plan->env, &plan->nenv, &f[0]) < 0)
            return setErr(err, errlen, "out of memory");
    } else {
        if (appendString(&plan->argv, &plan->nargv, &f[0]) < 0)
            return setErr(err, errlen, "out of memory");
    }
    return 0;
}


static int
dirId(ctPlan *plan, const ctPlanDirective *dir, char **f, size_t nf, char *err, size_t errlen)
{
    unsigned int val;

    (void)nf;
    if (parseUInt(f[0], &val) < 0)
        return setErr(err, errlen, "'%s': bad id '%s'", dir->key, f[0]);
    if (strcmp(dir->key, "user") == 0)
        plan->uid = val;
    else
        plan->gid = val;
    return 0;
}


static int
dirCaps(ctPlan *plan, const ctPlanDirective *dir, char **f, size_t nf, char *err, size_t errlen)
{
    const char *p = f[0];
    char *end;

    (void)dir;
    (void)nf;
    if (strncmp(p, "0x", 2) == 0)
        p += 2;
    errno = 0;
    if (!*p || *p == '-' || *p == '+' || *p == ' ')
        return setErr(err, errlen, "'caps': bad hex mask '%s'", f[0]);
    plan->capsKeep = strtoull(p, &end, 16);
    if (errno || *end)
        return setErr(err, errlen, "'caps': bad hex mask '%s'", f[0]);
    return 0;
}


#define STR(key, member)                                      \
    {                                                         \
        key, 1, 1, false, dirString, offsetof(ctPlan, member) \
    }

static const ctPlanDirective directives[] = {
    { "version", 1, 1, false, dirVersion, 0 },
    STR("name", name),
    STR("uuid", uuid),
    STR("hostname", hostname),
    STR("root", root),
    { "root-template", 2, 2, false, dirRootTemplate, 0 },
    { "root-idmap", 0, 0, false, dirRootFlag, 0 },
    { "root-readonly", 0, 0, false, dirRootFlag, 0 },
    { "namespaces", 0, SIZE_MAX, false, dirNamespaces, 0 },
    { "uidmap", 3, 3, true, dirIdMap, 0 },
    { "gidmap", 3, 3, true, dirIdMap, 0 },
    { "mount", 6, 6, true, dirMount, 0 },
    { "arg", 1, 1, true, dirStringList, 0 },
    { "env", 1, 1, true, dirStringList, 0 },
    STR("cwd", cwd),
    { "user", 1, 1, false, dirId, 0 },
    { "group", 1, 1, false, dirId, 0 },
    { "caps", 1, 1, false, dirCaps, 0 },
    STR("monitor", monitorPath),
    STR("exit-file", exitPath),
    STR("log", logPath),
    { "console-tty", 0, 0, false, dirConsoleTty, 0 },
    { "console-log", 2, 2, false, dirConsoleLog, 0 },
    { "timeline", 0, 0, false, dirTimeline, 0 },
    STR("restore", restoreDir),
    STR("criu", criuPath),
    STR("restore-tty", restoreTty),
    STR("restore-cgroup", restoreCgroup),
    { "restore-mount", 2, 2, true, dirRestoreMount, 0 },
    { "restore-external", 1, 1, true, dirStringList, 0 },
};

#define N_DIRECTIVES (sizeof(directives) / sizeof(directives[0]))


/* Splits @line in place at single spaces and unescapes every field into
 * a malloc'd string.  Returns the number of fields, or -1. */
static ssize_t
splitLine(char *line, char **fields, char *err, size_t errlen)
{
    size_t n = 0;
    char *save = line;
    char *tok;

    while ((tok = strsep(&save, " "))) {
        if (!*tok)
            return setErr(err, errlen, "empty field (an empty value is written '%%')");
        if (n == CT_PLAN_MAX_FIELDS)
            return setErr(err, errlen, "more than %d fields", CT_PLAN_MAX_FIELDS);
        if (n == 0) {
            fields[n++] = tok;
            continue;
        }
        if (!(fields[n] = ctPlanUnescape(tok)))
            return setErr(err, errlen, "bad escape in field '%s'", tok);
        n++;
    }
    return n;
}


static const ctPlanDirective *
findDirective(const char *key)
{
    size_t i;

    for (i = 0; i < N_DIRECTIVES; i++) {
        if (strcmp(directives[i].key, key) == 0)
            return &directives[i];
    }
    return NULL;
}


/* Handles one line; @seen has bit i set when directives[i] occurred. */
static int
parseLine(ctPlan *plan, char *line, uint32_t *seen, char *err, size_t errlen)
{
    char *fields[CT_PLAN_MAX_FIELDS] = { NULL };
    const ctPlanDirective *dir;
    ssize_t nf;
    int ret = -1;
    size_t i;

    if ((nf = splitLine(line, fields, err, errlen)) < 0)
        goto cleanup;
    if (!(dir = findDirective(fields[0]))) {
        setErr(err, errlen, "unknown key '%s'", fields[0]);
        goto cleanup;
    }
    if (!(*seen & 1) && dir != &directives[0]) {
        setErr(err, errlen, "expected 'version %d' before '%s'", CT_PLAN_VERSION, dir->key);
        goto cleanup;
    }
    if (!dir->repeat && (*seen & (1u << (dir - directives)))) {
        setErr(err, errlen, "duplicate '%s'", dir->key);
        goto cleanup;
    }
    if ((size_t)nf - 1 < dir->minFields || (size_t)nf - 1 > dir->maxFields) {
        setErr(err, errlen, "'%s' takes %zu field(s), got %zd", dir->key, dir->minFields, nf - 1);
        goto cleanup;
    }
    *seen |= 1u << (dir - directives);
    ret = dir->func(plan, dir, fields + 1, nf - 1, err, errlen);

 cleanup:
    for (i = 1; i < CT_PLAN_MAX_FIELDS; i++)
        free(fields[i]);
    return ret;
}


static int
checkComplete(const ctPlan *plan, uint32_t seen, char *err, size_t errlen)
{
    static const char *required[] = { "version", "name", "monitor", "exit-file" };
    size_t i;

    for (i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
        const ctPlanDirective *dir = findDirective(required[i]);
        if (!(seen & (1u << (dir - directives))))
            return setErr(err, errlen, "end of plan: missing '%s'", required[i]);
    }
    if (plan->nargv == 0)
        return setErr(err, errlen, "end of plan: missing 'arg'");
    /* only a user namespace's mounts can be idmapped */
    if (!(plan->nsFlags & CLONE_NEWUSER) && plan->rootIdmap)
        return setErr(err, errlen, "end of plan: 'root-idmap' without a user namespace");
    for (i = 0; i < plan->nmounts; i++) {
        if (!(plan->nsFlags & CLONE_NEWUSER) && plan->mounts[i].idmap)
            return setErr(err, errlen,
                          "end of plan: idmapped mount of '%s' without a user "
                          "namespace",
                          plan->mounts[i].dst);
    }
    if (plan->rootIdmap && !plan->root)
        return setErr(err, errlen, "end of plan: 'root-idmap' without a 'root'");
    if ((plan->criuPath || plan->restoreTty || plan->restoreCgroup || plan->nrestoreMounts ||
         plan->nrestoreExternals) &&
        !plan->restoreDir)
        return setErr(err, errlen, "end of plan: restore details without 'restore'");
    if (plan->restoreDir && !plan->criuPath)
        return setErr(err, errlen, "end of plan: 'restore' without 'criu'");
    return 0;
}


int
ctPlanParse(FILE *fp, ctPlan **planp, char *errbuf, size_t errbuf_len)
{
    ctPlan *plan = calloc(1, sizeof(*plan));
    char err[512] = "";
    char *line = NULL;
    size_t cap = 0;
    size_t lineno = 0;
    uint32_t seen = 0;
    ssize_t len;

    *planp = NULL;
    if (!plan)
        return setErr(errbuf, errbuf_len, "out of memory");
    while ((len = getline(&line, &cap, fp)) >= 0) {
        lineno++;
        if (len > 0 && line[len - 1] == '\n')
            line[--len] = '\0';
        if (strlen(line) != (size_t)len) {
            setErr(err, sizeof(err), "NUL byte in line");
            goto error;
        }
        if (parseLine(plan, line, &seen, err, sizeof(err)) < 0)
            goto error;
    }
    lineno++;
    if (ferror(fp)) {
        setErr(err, sizeof(err), "read error: %s", strerror(errno));
        goto error;
    }
    if (checkComplete(plan, seen, err, sizeof(err)) < 0)
        goto error;
    free(line);
    *planp = plan;
    return 0;

 error:
    setErr(errbuf, errbuf_len, "line %zu: %s", lineno, err);
    free(line);
    ctPlanFree(plan);
    return -1;
}


static void
freeStrings(char **strs, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        free(strs[i]);
    free(strs);
}


void
ctPlanFree(ctPlan *plan)
{
    size_t i;

    if (!plan)
        return;
    free(plan->name);
    free(plan->uuid);
    free(plan->hostname);
    free(plan->root);
    free(plan->rootLower);
    free(plan->rootLayer);
    free(plan->uidMap);
    free(plan->gidMap);
    for (i = 0; i < plan->nmounts; i++) {
        free(plan->mounts[i].src);
        free(plan->mounts[i].dst);
        free(plan->mounts[i].fstype);
        free(plan->mounts[i].data);
    }
    free(plan->mounts);
    freeStrings(plan->argv, plan->nargv);
    freeStrings(plan->env, plan->nenv);
    free(plan->cwd);
    free(plan->monitorPath);
    free(plan->exitPath);
    free(plan->logPath);
    free(plan->consoleLog);
    free(plan->restoreDir);
    free(plan->criuPath);
    free(plan->restoreTty);
    free(plan->restoreCgroup);
    for (i = 0; i < plan->nrestoreMounts; i++) {
        free(plan->restoreMounts[i].key);
        free(plan->restoreMounts[i].path);
    }
    free(plan->restoreMounts);
    freeStrings(plan->restoreExternals, plan->nrestoreExternals);
    free(plan);
}
