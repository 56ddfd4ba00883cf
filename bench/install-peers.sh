#!/bin/bash
# install-peers.sh: install, from Debian's archive, the peers the benchmark
# harness (bench/run.sh) measures libvirt-ct against, and what it needs to
# run and report: crun, LXC, systemd-nspawn (systemd-container), podman
# (with conmon), libvirt's own LXC driver, debootstrap and busybox-static
# for the shared root file systems, a C compiler for the bare baseline,
# python3-libvirt for the API client and python3-matplotlib for the charts;
# iproute2 and gnutls-bin (certtool) for the second host of the migrate
# scenario (tests/integration/twohost.sh).
# Idempotent (nothing is asked of apt when all is there); run as root.
# Measures nothing.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

set -u
set -o pipefail

pkgs="crun lxc systemd-container podman conmon libvirt-daemon libvirt-daemon-driver-lxc
  libvirt-clients python3-libvirt python3-matplotlib busybox-static debootstrap gcc libc6-dev
  xfsprogs util-linux procps psmisc iproute2 gnutls-bin"

missing=()
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "install-peers: missing ${missing[*]}; installing needs root" >&2
    exit 1
fi
echo "install-peers: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq || echo "install-peers: apt-get update failed; trying with the lists there are" >&2
# one at a time when the whole set fails, so that one package that cannot
# be had leaves the others installed (the harness records what is missing)
if ! apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=600 "${missing[@]}" >/dev/null; then
    rc=0
    for p in "${missing[@]}"; do
        apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=600 "$p" >/dev/null ||
            { echo "install-peers: cannot install $p" >&2; rc=1; }
    done
    exit "$rc"
fi
