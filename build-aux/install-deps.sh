#!/bin/bash
# install-deps.sh: install, from Debian's archive, what building, running
# and testing libvirt-ct needs.  Idempotent; run as root.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

set -euo pipefail

# build: libvirt's headers, its configure-time tools (meson, rpcgen,
# xsltproc, xmllint) and the libraries its daemon code includes
build_pkgs="libvirt0 libvirt-dev meson ninja-build pkg-config gcc patch dpkg-dev
  libglib2.0-dev libxml2-dev libxml2-utils xsltproc rpcsvc-proto libtirpc-dev
  libgnutls28-dev libnl-3-dev libnl-route-3-dev libselinux1-dev libcap-ng-dev
  python3-docutils perl"
# build: CRIU 4.1.1, which build-aux/prepare-criu.sh builds from source
# because Debian 12's criu 3.17 fails on current kernels (-Dcriu)
build_pkgs="$build_pkgs make libprotobuf-c-dev protobuf-c-compiler protobuf-compiler
  libprotobuf-dev libnl-3-dev libnet1-dev libnftables-dev libcap-dev libbsd-dev
  libgnutls28-dev uuid-dev pkgconf python3-protobuf"
# run and test: the stock clients, a static busybox for container roots,
# what templates and disk images are made with, the checkers of the
# quality bar, and for networks (test_network.sh): libvirtd's network
# driver (libvirt-daemon), its DHCP server (dnsmasq-base) and firewall
# tool (iptables), ip and tc (iproute2); for remote access (test_remote.sh,
# and the two hosts of test_twohost.sh): certtool (gnutls-bin), sshd
# (openssh-server: the tests run their own) and nc for ssh's netcat proxy
# (netcat-openbsd)
run_pkgs="libvirt-clients python3-libvirt busybox-static iproute2 procps bsdutils
  xfsprogs lxcfs debootstrap tar gzip xz-utils util-linux valgrind clang-format
  libvirt-daemon dnsmasq-base iptables gnutls-bin openssh-server netcat-openbsd"

missing=()
for p in $build_pkgs $run_pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "install-deps: these packages are missing and installing needs root: ${missing[*]}" >&2
    exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
