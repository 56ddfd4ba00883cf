#!/bin/bash
# prepare-criu.sh: obtain, verify and build the pinned CRIU that libvirt-ct
# ships as its checkpoint/restore helper (ct-criu).
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Usage: prepare-criu.sh CACHEDIR
#
# Prints two lines on success:  "criu=<binary>" and "version=<version>".
# Everything lands in CACHEDIR and is reused while the stamp still names
# the pinned tarball, so only the first build pays for the download and
# the ~20 s compile; later runs need no network.
#
# Debian 12's criu (3.17) fails on current kernels and bookworm has no 4.x,
# so we build the upstream tarball of Debian testing's (4.2.1; trixie's
# 4.1.1 cannot dump a TCP socket on kernels from 6.16 on, which refuse
# SO_PASSCRED on it).  Only the tarball is fetched: apt
# checks it against the signed Sources index, and we check it against the
# sha256 pinned below as well, so what we build changes only with a commit
# to this file, never with the archive.

set -euo pipefail

criu_version=4.2.1
# Every Debian revision of 4.2.1 shares this orig tarball: whichever the
# suites carry (4.2.1-1 today) is fetched, and the hash still pins it.
criu_debian_version=
criu_suite="forky sid"
criu_tarball=criu_${criu_version}.orig.tar.xz
criu_sha256=29ec0ee09e296479fe7048c80980e8ef1d0684d0b0204c2b101dfea19f6725b9
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

# What "make criu" needs; python3-protobuf is for crit, criu's image tool.
build_pkgs="make gcc xz-utils pkgconf libprotobuf-c-dev protobuf-c-compiler
  protobuf-compiler libprotobuf-dev libnl-3-dev libnet1-dev libnftables-dev
  libcap-dev libbsd-dev libgnutls28-dev uuid-dev python3-protobuf"

[ $# -eq 1 ] || { echo "usage: prepare-criu.sh CACHEDIR" >&2; exit 2; }
cachedir=$1

die() {
    echo "prepare-criu: error: $*" >&2
    exit 1
}

log() {
    echo "prepare-criu: $*" >&2
}

tmpdir=
trap '[ -z "$tmpdir" ] || rm -rf "$tmpdir"' EXIT

sha256_of() {
    sha256sum "$1" | cut -d' ' -f1
}

ensure_build_deps() {
    local p missing=()
    for p in $build_pkgs; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    [ "$(id -u)" = 0 ] ||
        die "building CRIU needs these packages: ${missing[*]}; install them as root (build-aux/install-deps.sh), or configure with -Dcriu=disabled"
    log "installing CRIU's build dependencies: ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 ||
        die "apt-get install ${missing[*]} failed; run build-aux/install-deps.sh, or configure with -Dcriu=disabled"
}

# The mirror the system already uses (the first non-security entry).
debian_uri() {
    local uri=
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
        uri=$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\).*/\1/p' /etc/apt/sources.list.d/debian.sources |
            grep -v -- '-security' | head -n 1) || true
    elif [ -f /etc/apt/sources.list ]; then
        uri=$(sed -nE 's/^[[:space:]]*deb[[:space:]]+(\[[^]]*\][[:space:]]+)?([^[:space:]]+).*/\2/p' /etc/apt/sources.list |
            grep -v -- '-security' | head -n 1) || true
    fi
    echo "${uri:-http://deb.debian.org/debian}"
}

# apt runs on a private state in CACHEDIR holding one deb-src entry for
# trixie, so the system's sources, lists and caches stay untouched (a
# bookworm machine must not start seeing trixie).  Works without root.
fetch_tarball() {
    local aptdir=$cachedir/criu-apt uri entry
    local -a apt_opts
    [ -r "$keyring" ] ||
        die "$keyring is missing; install debian-archive-keyring (it must know $criu_suite's key)"
    uri=$(debian_uri)
    entry="deb-src $uri $criu_suite main"
    mkdir -p "$aptdir/sources.list.d" "$aptdir/lists/partial" "$aptdir/cache/archives/partial"
    cat >"$aptdir/sources.list.d/criu.sources" <<EOF
Types: deb-src
URIs: $uri
Suites: $criu_suite
Components: main
Signed-By: $keyring
EOF
    apt_opts=(
        -o Dir::Etc::SourceList=/dev/null
        -o "Dir::Etc::SourceParts=$aptdir/sources.list.d"
        -o "Dir::State::Lists=$aptdir/lists"
        -o "Dir::Cache=$aptdir/cache"
    )
    # As root apt downloads as _apt, which cannot enter a cache in /root
    # and falls back to root with a warning; say so up front instead.
    # Signatures and hashes are checked either way.
    [ "$(id -u)" = 0 ] && apt_opts+=(-o APT::Sandbox::User=root)

    apt-get "${apt_opts[@]}" -qq update >&2 ||
        die "apt-get update of '$entry' failed (private apt state in $aptdir)"
    criu_debian_version=$(apt-cache "${apt_opts[@]}" showsrc criu 2>/dev/null |
        sed -n "s/^Version: \(${criu_version//./\\.}-[^ ]*\)$/\1/p" | head -n 1)
    [ -n "$criu_debian_version" ] ||
        die "no criu $criu_version in '$entry'; if the suites moved on, pin the new version and its sha256 in $0"
    log "fetching criu $criu_debian_version's $criu_tarball from '$entry'"
    tmpdir=$(mktemp -d "$cachedir/criu-fetch.XXXXXX")
    (cd "$tmpdir" && apt-get "${apt_opts[@]}" -qq source --download-only --tar-only --only-source \
        "criu=$criu_debian_version" >&2) ||
        die "apt-get source criu=$criu_debian_version failed; is that version still in '$entry'? If $criu_suite moved on, pin the new version and its sha256 in $0"
    [ -f "$tmpdir/$criu_tarball" ] ||
        die "apt-get source criu=$criu_debian_version did not produce $criu_tarball"
    verify_tarball "$tmpdir/$criu_tarball"
    mv "$tmpdir/$criu_tarball" "$cachedir/$criu_tarball"
    rm -rf "$tmpdir"
    tmpdir=
}

# apt has already checked the archive's own hash; this pins the content.
verify_tarball() {
    local got
    got=$(sha256_of "$1")
    [ "$got" = "$criu_sha256" ] ||
        die "$(basename "$1") from '$criu_suite' has sha256 $got, not the pinned $criu_sha256; refusing to build it (if the archive really changed, check why before updating the pin in $0)"
}

# Always from a fresh extraction of the verified tarball, so the stamp
# vouches for every file of the tree.
build_tree() {
    local tree=$1 buildlog=$cachedir/criu-build.log
    rm -rf "$tree"
    tmpdir=$(mktemp -d "$cachedir/criu-extract.XXXXXX")
    tar -xJf "$cachedir/$criu_tarball" -C "$tmpdir" ||
        die "cannot extract $cachedir/$criu_tarball"
    [ -d "$tmpdir/criu-$criu_version" ] ||
        die "$criu_tarball has no criu-$criu_version directory"
    mv "$tmpdir/criu-$criu_version" "$tree"
    rm -rf "$tmpdir"
    tmpdir=

    log "building criu $criu_version in $tree (log: $buildlog)"
    # The caller's make and compiler flags (meson's or a user's CFLAGS)
    # are meant for libvirt-ct, not for CRIU's own Makefiles.
    (cd "$tree" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u CFLAGS -u CPPFLAGS -u LDFLAGS \
        make -j"$(nproc)" criu) >"$buildlog" 2>&1 ||
        { tail -n 20 "$buildlog" >&2; die "building criu $criu_version failed (log: $buildlog)"; }
    "$tree/criu/criu" --version 2>/dev/null | grep -qx "Version: $criu_version" ||
        die "$tree/criu/criu does not report version $criu_version (log: $buildlog)"
}

main() {
    local tree stamp want
    mkdir -p "$cachedir"
    cachedir=$(cd "$cachedir" && pwd)
    tree=$cachedir/criu-$criu_version
    stamp=$cachedir/criu.stamp
    want="criu $criu_version sha256:$criu_sha256"

    # Two build directories configured at once share this cache.
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ] || [ ! -x "$tree/criu/criu" ]; then
        exec 9>"$cachedir/criu.lock"
        flock 9
    fi
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ] || [ ! -x "$tree/criu/criu" ]; then
        rm -f "$stamp"
        ensure_build_deps
        if [ -f "$cachedir/$criu_tarball" ] && [ "$(sha256_of "$cachedir/$criu_tarball")" != "$criu_sha256" ]; then
            log "cached $cachedir/$criu_tarball does not match the pinned sha256; discarding it"
            rm -f "$cachedir/$criu_tarball"
        fi
        [ -f "$cachedir/$criu_tarball" ] || fetch_tarball
        build_tree "$tree"
        echo "$want" >"$stamp"
    fi
    echo "criu=$tree/criu/criu"
    echo "version=$criu_version"
}

main
