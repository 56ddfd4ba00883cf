/*
 * ctseccomp32.c: i386 system call numbers from the kernel's header, to
 * check the deny list's hand-written ones (the native header defines
 * the same macros, so they live in a file of their own)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <asm/unistd_32.h>
#include <stddef.h>
#include <string.h>

#define N(name)            \
    {                      \
#name, __NR_##name \
    }

static const struct {
    const char *name;
    int nr;
} i386Numbers[] = {
    N(open_by_handle_at),
    N(name_to_handle_at),
    N(init_module),
    N(finit_module),
    N(delete_module),
    N(kexec_load),
    N(bpf),
    N(perf_event_open),
    N(syslog),
    N(keyctl),
    N(add_key),
    N(request_key),
    N(acct),
    N(swapon),
    N(swapoff),
    N(iopl),
    N(ioperm),
    N(userfaultfd),
    N(lookup_dcookie),
    N(quotactl),
    N(quotactl_fd),
    N(fanotify_init),
    N(io_uring_setup),
    N(io_uring_enter),
    N(io_uring_register),
    N(umount2),
    N(ioctl),
    N(sysinfo),
};

/* The i386 number of @name, or -1 when the header has none. */
int
ctTestI386Number(const char *name)
{
    size_t i;

    for (i = 0; i < sizeof(i386Numbers) / sizeof(i386Numbers[0]); i++) {
        if (strcmp(i386Numbers[i].name, name) == 0)
            return i386Numbers[i].nr;
    }
    return -1;
}
