#!/bin/bash
# prepare-libvirt.sh: obtain and configure the source of exactly the installed
# libvirt, so that virtctd and libvirt_driver_ct.so can be built against it.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Usage: prepare-libvirt.sh CACHEDIR PATCHDIR [SRCDIR]
#
# Prints two lines on success:  "srcdir=<dir>" and "builddir=<dir>".
# Everything lands in CACHEDIR and is reused when the version still matches,
# so only the first build pays for apt-get source and meson.
#
# libvirt does not install its private headers nor support out-of-tree
# drivers; like an out-of-tree kernel module, we build against the very
# source tree the installed library came from.  A different version would
# compile but crash at run time (private struct layouts), so any mismatch
# stops the build.

set -euo pipefail

cachedir=$1
patchdir=$2
srcdir_opt=${3:-}

die() {
    echo "prepare-libvirt: error: $*" >&2
    exit 1
}

log() {
    echo "prepare-libvirt: $*" >&2
}

installed_upstream_version() {
    pkg-config --modversion libvirt 2>/dev/null ||
        die "libvirt development files not found; install them: apt-get install libvirt-dev"
}

installed_debian_version() {
    dpkg-query -W -f='${Version}' libvirt0 2>/dev/null ||
        die "the libvirt0 package is not installed; install it: apt-get install libvirt0 libvirt-dev"
}

tree_version() {
    sed -n "s/^ *version: '\([0-9.]*\)'.*/\1/p" "$1/meson.build" | head -n 1
}

has_deb_src() {
    grep -qsE '^\s*deb-src\s' /etc/apt/sources.list /etc/apt/sources.list.d/*.list ||
        grep -qsE '^\s*Types:.*\bdeb-src\b' /etc/apt/sources.list.d/*.sources
}

# A fresh Debian machine has no deb-src entry: add one mirroring the
# binary entries, then refresh the package lists.
ensure_deb_src() {
    has_deb_src && return 0
    [ "$(id -u)" = 0 ] ||
        die "no deb-src entry in /etc/apt; run this build as root once, or add one, or pass -Dlibvirt_srcdir=DIR"
    log "adding a deb-src entry (/etc/apt/sources.list.d/libvirt-ct-src.sources)"
    local src=/etc/apt/sources.list.d/debian.sources
    if [ -f "$src" ]; then
        sed -e 's/^Types:.*/Types: deb-src/' "$src" >/etc/apt/sources.list.d/libvirt-ct-src.sources
    else
        grep -hE '^\s*deb\s' /etc/apt/sources.list |
            sed -e 's/^\s*deb\s/deb-src /' >/etc/apt/sources.list.d/libvirt-ct-src.list
    fi
    apt-get update -qq >&2 || die "apt-get update failed after adding the deb-src entry"
}

fetch_source() {
    local debver=$1 upver=$2 dest=$3
    local tmp
    command -v dpkg-source >/dev/null || die "dpkg-dev is missing; install it: apt-get install dpkg-dev"
    ensure_deb_src
    tmp=$(mktemp -d "$cachedir/fetch.XXXXXX")
    log "fetching libvirt source $debver (apt-get source)"
    if ! (cd "$tmp" && apt-get source -qq --only-source "libvirt=$debver" >&2); then
        rm -rf "$tmp"
        die "apt-get source libvirt=$debver failed; is that version still in the archive? (or pass -Dlibvirt_srcdir=DIR)"
    fi
    rm -rf "$dest"
    mv "$tmp/libvirt-$upver" "$dest"
    rm -rf "$tmp"
}

# Our one edit to libvirt's daemon: a per-driver daemon only accepts the
# hypervisor types it knows; add "CT".  The patch is applied to copies of
# the files it touches (in CACHEDIR/patched, never to the source tree, which
# may be the user's), and patch(1) fails loudly when the context has moved,
# which is what we want on a libvirt upgrade.
apply_patches() {
    local src=$1 out=$cachedir/patched p f
    rm -rf "$out"
    for p in "$patchdir"/*.patch; do
        for f in $(sed -n 's|^+++ b/\([^[:space:]]*\).*|\1|p' "$p"); do
            [ -e "$out/$f" ] && continue
            mkdir -p "$(dirname "$out/$f")"
            cp "$src/$f" "$out/$f"
        done
        patch -d "$out" -p1 --forward --no-backup-if-mismatch -s <"$p" >&2 ||
            die "$(basename "$p") does not apply to libvirt $(tree_version "$src"); the driver needs porting to this libvirt"
    done
}

# The paths are compiled into the daemon (socket and config locations),
# so they must be Debian's.  Everything we do not need is disabled.
configure_tree() {
    local src=$1 build=$2 multiarch
    multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -dumpmachine)
    log "configuring libvirt in $build"
    rm -rf "$build"
    meson setup "$build" "$src" \
        --prefix=/usr --sysconfdir=/etc --localstatedir=/var -Drunstatedir=/run \
        --libdir="lib/$multiarch" --libexecdir=lib/libvirt \
        -Ddocs=disabled -Dtests=disabled -Dnls=disabled \
        -Ddriver_remote=enabled -Ddriver_libvirtd=enabled \
        -Ddriver_qemu=disabled -Ddriver_lxc=disabled -Ddriver_network=disabled \
        -Ddriver_test=disabled -Ddriver_interface=disabled -Ddriver_secrets=disabled \
        -Ddriver_vbox=disabled -Ddriver_esx=disabled -Ddriver_openvz=disabled \
        -Ddriver_vmware=disabled -Ddriver_vz=disabled -Ddriver_libxl=disabled \
        -Ddriver_ch=disabled -Ddriver_hyperv=disabled -Ddriver_bhyve=disabled \
        -Dstorage_dir=disabled -Dstorage_fs=disabled \
        -Dsasl=disabled -Dpolkit=disabled -Dyajl=disabled -Dlibssh=disabled \
        -Dlibssh2=disabled -Dcurl=disabled -Dnss=disabled -Dinit_script=none \
        >"$build.log" 2>&1 || { tail -n 20 "$build.log" >&2; die "meson setup of libvirt failed (log: $build.log)"; }
    log "generating RPC protocol, dispatch and access-check code"
    ninja -C "$build" \
        src/access/viraccessapicheck.h src/access/viraccessapicheckqemu.h \
        src/access/viraccessapichecklxc.h \
        src/remote/remote_protocol.h src/remote/qemu_protocol.h src/remote/lxc_protocol.h \
        src/remote/remote_daemon_dispatch_stubs.h src/remote/qemu_daemon_dispatch_stubs.h \
        src/remote/lxc_daemon_dispatch_stubs.h \
        src/admin/admin_protocol.h src/admin/admin_protocol.c \
        src/admin/admin_server_dispatch_stubs.h \
        src/rpc/virnetprotocol.h src/rpc/virkeepaliveprotocol.h \
        >>"$build.log" 2>&1 || { tail -n 20 "$build.log" >&2; die "code generation failed (log: $build.log)"; }
}

main() {
    local upver debver src build stamp
    mkdir -p "$cachedir"
    cachedir=$(cd "$cachedir" && pwd)
    upver=$(installed_upstream_version)

    if [ -n "$srcdir_opt" ]; then
        src=$(cd "$srcdir_opt" && pwd) || die "libvirt_srcdir '$srcdir_opt' does not exist"
        [ "$(tree_version "$src")" = "$upver" ] ||
            die "libvirt_srcdir '$src' is libvirt $(tree_version "$src") but the installed libvirt is $upver; use the matching source"
        stamp="dir:$src:$upver"
    else
        debver=$(installed_debian_version)
        src=$cachedir/libvirt-src
        stamp="deb:$debver"
        if [ "$(cat "$cachedir/source.stamp" 2>/dev/null)" != "$stamp" ]; then
            rm -f "$cachedir/build.stamp"
            fetch_source "$debver" "$upver" "$src"
            echo "$stamp" >"$cachedir/source.stamp"
        fi
        [ "$(tree_version "$src")" = "$upver" ] ||
            die "fetched libvirt source is $(tree_version "$src") but libvirt $upver is installed"
    fi

    apply_patches "$src"
    build=$cachedir/libvirt-build
    if [ "$(cat "$cachedir/build.stamp" 2>/dev/null)" != "$stamp" ] || [ ! -f "$build/meson-config.h" ]; then
        configure_tree "$src" "$build"
        echo "$stamp" >"$cachedir/build.stamp"
    fi
    echo "srcdir=$src"
    echo "patcheddir=$cachedir/patched"
    echo "builddir=$build"
    echo "version=$upver"
}

main
