#!/bin/bash
# mkrootfs.sh CACHE [systemd]: make, once, the two root file systems every
# system of the benchmark (bench/run.sh) runs on, in CACHE (default
# /var/tmp/bench-cache):
#
#   CACHE/busybox  Debian's static busybox with its applet links
#                  (build-aux/busybox-root.sh), for speed;
#   CACHE/debian   a Debian bookworm minbase, for realism: a copy of
#                  /var/tmp/debstore/templates/bookworm/root when that
#                  exists (the integration tests' cache), else debootstrap
#                  (network, about a minute);
#
# and, with "systemd", a third for the checkpoint scenario:
#
#   CACHE/debian-systemd  a Debian bookworm minbase with systemd-sysv and
#                  procps (as tests/integration/test_debootstrap.sh makes
#                  its template), whose /sbin/init is systemd: debootstrap
#                  (network, about a minute), the downloaded packages and
#                  lists removed.
#
# Both get what all the peers want to find in a root: /sig (where the
# harness binds its signal directory), /etc/os-release (systemd-nspawn),
# /etc/hostname, /etc/hosts, /etc/resolv.conf (podman binds over them).
# A root is made in a temporary directory and renamed when complete, so an
# interrupted run leaves nothing half made.  Measures nothing.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

set -u
set -o pipefail

cache=${1:-/var/tmp/bench-cache}
systemd=${2:-}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
debstore=/var/tmp/debstore/templates/bookworm/root

finish() {
    local dir=$1
    mkdir -p "$dir/sig" "$dir/etc" "$dir/proc" "$dir/sys" "$dir/dev" "$dir/tmp" "$dir/run"
    [ -e "$dir/etc/os-release" ] || [ -L "$dir/etc/os-release" ] ||
        printf 'ID=busybox\nNAME=busybox\nPRETTY_NAME="busybox (bench)"\n' >"$dir/etc/os-release"
    [ -e "$dir/etc/hostname" ] || echo bench >"$dir/etc/hostname"
    [ -e "$dir/etc/hosts" ] || echo "127.0.0.1 localhost" >"$dir/etc/hosts"
    [ -e "$dir/etc/resolv.conf" ] || [ -L "$dir/etc/resolv.conf" ] || : >"$dir/etc/resolv.conf"
}

mkdir -p "$cache"
if [ ! -d "$cache/busybox" ]; then
    rm -rf "$cache/busybox.tmp"
    "$here/../build-aux/busybox-root.sh" "$cache/busybox.tmp" || exit 1
    finish "$cache/busybox.tmp"
    mv "$cache/busybox.tmp" "$cache/busybox"
    echo "mkrootfs: made $cache/busybox"
fi
if [ ! -d "$cache/debian" ]; then
    rm -rf "$cache/debian.tmp"
    if [ -x "$debstore/bin/sleep" ]; then
        cp -a "$debstore" "$cache/debian.tmp" || exit 1
    else
        debootstrap --variant=minbase bookworm "$cache/debian.tmp" http://deb.debian.org/debian \
            >"$cache/debootstrap.log" 2>&1 || {
            echo "mkrootfs: debootstrap failed, see $cache/debootstrap.log" >&2
            rm -rf "$cache/debian.tmp"
            exit 1
        }
    fi
    finish "$cache/debian.tmp"
    mv "$cache/debian.tmp" "$cache/debian"
    echo "mkrootfs: made $cache/debian"
fi
if [ "$systemd" = systemd ] && [ ! -d "$cache/debian-systemd" ]; then
    rm -rf "$cache/debian-systemd.tmp"
    debootstrap --variant=minbase --include=systemd-sysv,procps bookworm \
        "$cache/debian-systemd.tmp" http://deb.debian.org/debian \
        >"$cache/debootstrap-systemd.log" 2>&1 || {
        echo "mkrootfs: debootstrap failed, see $cache/debootstrap-systemd.log" >&2
        rm -rf "$cache/debian-systemd.tmp"
        exit 1
    }
    find "$cache/debian-systemd.tmp/var/cache/apt/archives" \
        "$cache/debian-systemd.tmp/var/lib/apt/lists" -maxdepth 1 -type f -delete
    finish "$cache/debian-systemd.tmp"
    mv "$cache/debian-systemd.tmp" "$cache/debian-systemd"
    echo "mkrootfs: made $cache/debian-systemd"
fi
exit 0
