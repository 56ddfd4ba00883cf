#!/bin/bash
# setup.sh: on a fresh Debian 12 machine, as root: install the build
# dependencies, build, install, start virtctd (no systemd needed) next to
# Debian's libvirtd (networks, storage), and start a demo container.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

set -euo pipefail
cd "$(dirname "$0")"

[ "$(id -u)" = 0 ] || { echo "setup.sh: run as root" >&2; exit 1; }

build-aux/install-deps.sh
[ -f build/build.ninja ] || meson setup build
ninja -C build
meson install -C build --quiet
mkdir -p /var/log/libvirt

# The layer pool (layer_pool in virtctd.conf): the store's containers/ on
# an XFS image, so that snapshots, clones and reverts share blocks with
# the layers they copy.  Made for a fresh store only: layers already on
# the host's file system stay as they are (and are copied then).
CT_DATA=/var/lib/libvirt/ct
if mountpoint -q "$CT_DATA/containers" || [ -z "$(ls -A "$CT_DATA/containers" 2>/dev/null)" ]; then
    grep -q '^layer_pool' /etc/libvirt/virtctd.conf ||
        echo "layer_pool = \"$CT_DATA/containers.xfs\"" >>/etc/libvirt/virtctd.conf
fi

# Restart virtctd on the freshly installed module.  Running containers
# are not affected: they live under their own supervisors.
if [ -f /run/virtctd.pid ] && kill -0 "$(cat /run/virtctd.pid)" 2>/dev/null; then
    kill "$(cat /run/virtctd.pid)"
    for _ in $(seq 50); do
        kill -0 "$(cat /run/virtctd.pid 2>/dev/null)" 2>/dev/null || break
        sleep 0.1
    done
fi
/usr/sbin/virtctd -d
for _ in $(seq 50); do
    virsh -c ct:///system version >/dev/null 2>&1 && break
    sleep 0.1
done
virsh -c ct:///system version

# network:///system and friends, which ct:///system forwards to
build-aux/start-libvirtd.sh

# The default template, and the demo container on it: its own writable
# layer over the template, a 256 MiB disk, a tmpfs /tmp.
virt-ct-template list | grep -q '^busybox ' || virt-ct-template create busybox --busybox
if virsh -q -c ct:///system dumpxml demo 2>/dev/null | grep -q "<filesystem type='mount'"; then
    # the demo of an earlier version, on a plain directory
    virsh -q -c ct:///system destroy demo >/dev/null 2>&1 || true
    virsh -q -c ct:///system undefine demo >/dev/null
fi
if ! virsh -q -c ct:///system dominfo demo >/dev/null 2>&1; then
    cat >/run/libvirt-ct-demo.xml <<XML
<domain type='lxc'>
  <name>demo</name>
  <memory unit='MiB'>128</memory>
  <os><type>exe</type><init>/sbin/init</init></os>
  <devices>
    <filesystem type='template'>
      <source name='busybox'/>
      <target dir='/'/>
      <space_hard_limit unit='MiB'>256</space_hard_limit>
    </filesystem>
    <filesystem type='ram'><source usage='64' units='MiB'/><target dir='/tmp'/></filesystem>
    <console type='pty'/>
  </devices>
</domain>
XML
    virsh -c ct:///system define /run/libvirt-ct-demo.xml
    rm -f /run/libvirt-ct-demo.xml
fi
[ "$(virsh -q -c ct:///system domstate demo)" = running ] || virsh -c ct:///system start demo
virsh -c ct:///system list
virt-ct-template list
echo "The demo container runs; try:"
echo "  virsh -c ct:///system console demo                      (Ctrl-] leaves)"
echo "  virt-ct-enter demo /bin/df -h /                         (a command as the container's root)"
