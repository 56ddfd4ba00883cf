#!/bin/bash
# setup.sh: on a fresh Debian 12 machine, as root: install the build
# dependencies, build, install, and start virtctd (no systemd needed).
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
echo
echo "virtctd is running; try: virsh -c ct:///system capabilities"
