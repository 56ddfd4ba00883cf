/*
 * ct_criu.c: what CRIU's logs say, for the daemon and the supervisor
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ct_criu.h"

/* What CRIU logs as errors while it probes the kernel and goes on, and
 * its own summary lines. */
static const char *const noise[] = {
    "RLIMIT_NOFILE",
    "tun: Unable to create tun",
    "cgroupd: recv req error",
    "FAILED",
};


static int
isNoise(const char *msg)
{
    size_t i;

    for (i = 0; i < sizeof(noise) / sizeof(noise[0]); i++) {
        if (strstr(msg, noise[i]))
            return 1;
    }
    return 0;
}


int
ctCriuLogError(const char *path, char *buf, size_t len)
{
    FILE *fp = fopen(path, "re");
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int found = 0;

    if (!fp)
        return -1;
    while (!found && (n = getline(&line, &cap, fp)) > 0) {
        char *at = strstr(line, "Error (");
        char *msg;

        if (!at || !(msg = strstr(at, "): ")) || isNoise(msg))
            continue;
        if (line[n - 1] == '\n')
            line[n - 1] = '\0';
        snprintf(buf, len, "%s", msg + 3);
        found = 1;
    }
    free(line);
    fclose(fp);
    return found;
}
