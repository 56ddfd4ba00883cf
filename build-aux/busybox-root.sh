#!/bin/bash
# busybox-root.sh DIR: a minimal container root file system in DIR made of
# Debian's static busybox (busybox-static): /sbin/init is busybox init with
# a shell on the console.  Used by setup.sh for the demo container and by
# the integration tests.  Until templates exist this is how a root is made.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

set -euo pipefail

dir=${1:?usage: busybox-root.sh DIR}
busybox=$(readlink -f /bin/busybox)
# a dynamic busybox would need the host's libraries inside
! ldd "$busybox" >/dev/null 2>&1 || {
    echo "busybox-root.sh: $busybox is not static; install busybox-static" >&2
    exit 1
}
mkdir -p "$dir"/{bin,sbin,etc,proc,sys,dev,tmp,root,run}
# --install -s links to the binary's own path (/usr/bin/busybox on a
# merged-/usr host): the copy goes there
mkdir -p "$dir$(dirname "$busybox")"
cp "$busybox" "$dir$busybox"
/bin/busybox --install -s "$dir/bin"
ln -sfn "$busybox" "$dir/sbin/init"
# without an inittab busybox init also starts shells on tty2..tty4
printf '::askfirst:-/bin/sh\n' >"$dir/etc/inittab"
echo "root:x:0:0:root:/root:/bin/sh" >"$dir/etc/passwd"
echo "root:x:0:" >"$dir/etc/group"
