/*
 * stamp.c: the clock inside a container of the benchmark harness's
 * checkpoint scenario (bench/run.sh compiles it, bench/bench.py runs it)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * stamp [-d] [-m MIB] FILE
 *   Writes the time (CLOCK_REALTIME, nanoseconds, a native-endian 64-bit
 *   integer) to FILE every millisecond, for ever: the largest gap between
 *   two consecutive stamps is the time the container's processes did not
 *   run, as they see it.  CLOCK_REALTIME, not CLOCK_MONOTONIC: the host's
 *   clock on both sides of a checkpoint, whatever CRIU does with a time
 *   namespace.  With -m, it first maps MIB MiB of anonymous memory and
 *   writes every page of it (a pattern that differs from page to page,
 *   not zeros), and holds it.  With -d, the work goes on in a grandchild
 *   in a session of its own, its standard streams on /dev/null, and the
 *   command returns once the first stamp is written, so that a caller
 *   (virt-ct-enter, an init script) knows the memory is touched and the
 *   clock runs.  Static, so that it runs in any root: the harness puts it
 *   in the directory every container has as /sig.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void
die(const char *what)
{
    fprintf(stderr, "stamp: %s: %s\n", what, strerror(errno));
    exit(1);
}

static int64_t
now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void
stamp(int fd)
{
    int64_t t = now_ns();

    if (write(fd, &t, sizeof(t)) != (ssize_t)sizeof(t))
        die("write");
}

int
main(int argc, char **argv)
{
    const struct timespec ms = { 0, 1000000 };
    unsigned long mib = 0;
    int detach = 0;
    int ready[2] = { -1, -1 };
    int fd, opt;
    char c = 0;

    while ((opt = getopt(argc, argv, "dm:")) != -1) {
        switch (opt) {
        case 'd':
            detach = 1;
            break;
        case 'm':
            mib = strtoul(optarg, NULL, 10);
            break;
        default:
            fprintf(stderr, "usage: stamp [-d] [-m MIB] FILE\n");
            return 2;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "usage: stamp [-d] [-m MIB] FILE\n");
        return 2;
    }

    if (detach) {
        pid_t pid;
        int st;

        if (pipe(ready) < 0)
            die("pipe");
        if ((pid = fork()) < 0)
            die("fork");
        if (pid > 0) {
            /* the caller: until the grandchild's first stamp */
            close(ready[1]);
            waitpid(pid, &st, 0);
            if (read(ready[0], &c, 1) != 1) {
                fprintf(stderr, "stamp: the stamping process ended before its first stamp\n");
                return 1;
            }
            return 0;
        }
        close(ready[0]);
        if (setsid() < 0)
            die("setsid");
        if ((pid = fork()) < 0)
            die("fork");
        if (pid > 0)
            _exit(0);
        if ((fd = open("/dev/null", O_RDWR)) >= 0) {
            dup2(fd, 0);
            dup2(fd, 1);
            dup2(fd, 2);
            if (fd > 2)
                close(fd);
        }
    }

    if (mib) {
        size_t len = mib << 20, i;
        long page = sysconf(_SC_PAGESIZE);
        unsigned char *mem =
            mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

        if (mem == MAP_FAILED)
            die("mmap");
        for (i = 0; i < len; i += page)
            memset(mem + i, (int)(1 + (i / page) % 251), page);
    }

    if ((fd = open(argv[optind], O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644)) < 0)
        die(argv[optind]);
    stamp(fd);
    if (ready[1] >= 0) {
        c = 1;
        if (write(ready[1], &c, 1) != 1)
            die("write");
        close(ready[1]);
    }
    for (;;) {
        nanosleep(&ms, NULL);
        stamp(fd);
    }
}
