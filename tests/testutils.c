/*
 * testutils.c: helpers shared by the unit tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/virterror.h>

#include "testutils.h"

static int passed;
static int failed;
static char root[] = "/tmp/cttest.XXXXXX";

void
ctTestReport(bool ok, const char *fmt, ...)
{
    va_list ap;

    printf("%s - ", ok ? "ok" : "not ok");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    if (ok)
        passed++;
    else
        failed++;
}

int
ctTestSummary(void)
{
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}

char *
ctTestReadFile(const char *path)
{
    FILE *fp = fopen(path, "r");
    char *buf = NULL;
    size_t len = 0;

    if (!fp)
        return NULL;
    if (getdelim(&buf, &len, '\0', fp) < 0) {
        free(buf);
        buf = NULL;
    }
    fclose(fp);
    return buf;
}

int
ctTestWriteFile(const char *path, const char *content)
{
    FILE *fp = fopen(path, "w");

    if (!fp)
        return -1;
    fputs(content, fp);
    return fclose(fp);
}

const char *
ctTestLastError(void)
{
    virErrorPtr err = virGetLastError();

    return err && err->message ? err->message : "(no error)";
}

const char *
ctTestRoot(void)
{
    return root;
}

virConnectPtr
ctTestOpenEmbedded(void)
{
    char uri[256];
    virConnectPtr conn;

    if (!mkdtemp(root)) {
        perror("mkdtemp");
        return NULL;
    }
    snprintf(uri, sizeof(uri), "ct:///embed?root=%s", root);
    virEventRegisterDefaultImpl();
    if (!(conn = virConnectOpen(uri)))
        fprintf(stderr, "cannot open %s: %s\n", uri, ctTestLastError());
    return conn;
}

void
ctTestCloseEmbedded(virConnectPtr conn)
{
    char cmd[300];

    if (conn)
        virConnectClose(conn);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", root);
}

int
ctTestCountDomains(virConnectPtr conn, unsigned int flags)
{
    virDomainPtr *doms = NULL;
    int n = virConnectListAllDomains(conn, &doms, flags);
    int i;

    for (i = 0; i < n; i++)
        virDomainFree(doms[i]);
    free(doms);
    return n;
}

int
ctTestForEachXML(const char *dir, void (*fn)(const char *dir, const char *name, void *opaque),
                 void *opaque)
{
    struct dirent **ents = NULL;
    int n, i;

    if ((n = scandir(dir, &ents, NULL, alphasort)) < 0) {
        fprintf(stderr, "cannot read %s\n", dir);
        return -1;
    }
    for (i = 0; i < n; i++) {
        size_t len = strlen(ents[i]->d_name);

        if (len > 4 && strcmp(ents[i]->d_name + len - 4, ".xml") == 0) {
            ents[i]->d_name[len - 4] = '\0';
            fn(dir, ents[i]->d_name, opaque);
        }
        free(ents[i]);
    }
    free(ents);
    return 0;
}
