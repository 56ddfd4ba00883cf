#!/bin/bash
# start-libvirtd.sh: serve network:///system, nwfilter:///system,
# storage:///system, nodedev:///system, secret:///system and
# interface:///system with Debian's libvirtd, so that virtctd can forward
# those calls of a ct:///system connection (the libvirt TCK makes network
# calls in every script; virt-manager lists node devices, secrets and host
# interfaces of every connection).  Idempotent; run as root.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# For machines without systemd as PID 1 and without D-Bus: no units, no
# socket activation, no polkit; the daemon is started by hand.

set -euo pipefail

if [ "$(id -u)" != 0 ]; then
    echo "start-libvirtd: must run as root" >&2
    exit 1
fi

# Debian 12 builds only the monolithic libvirtd (its debian/rules leaves the
# modular virtnetworkd, virtnodedevd, ... out); libvirt-daemon has it and
# the network, nwfilter, storage, nodedev, secret and interface drivers, and
# pulls in the qemu driver module (not qemu).  libvirt-daemon-system is
# avoided: its scripts need systemd.  libvirt-clients gives virsh for the checks below.
pkgs="libvirt-daemon libvirt-clients"
missing=()
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "start-libvirtd: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# What libvirt-daemon-system would have created and libvirtd aborts without:
# the user its qemu driver runs guests as, and the directory of its log file.
if ! getent passwd libvirt-qemu >/dev/null; then
    useradd --system --user-group --no-create-home --home-dir /var/lib/libvirt \
        --shell /usr/sbin/nologin libvirt-qemu
fi
mkdir -p /var/log/libvirt /run/libvirt

# True once libvirtd answers on its own socket ("legacy" mode forces that
# socket whatever else exists in /run/libvirt).
answers() {
    virsh -q -c "$1:///system?mode=legacy" "$2" >/dev/null 2>&1
}

if ! answers network net-list; then
    echo "start-libvirtd: starting libvirtd"
    # -d: daemonize; it logs to /var/log/libvirt/libvirtd.log and takes
    # /run/libvirtd.pid, so a second copy cannot start by accident.
    /usr/sbin/libvirtd -d
    for _ in $(seq 50); do
        answers network net-list && break
        sleep 0.2
    done
    answers network net-list || {
        echo "start-libvirtd: libvirtd does not answer; see /var/log/libvirt/libvirtd.log" >&2
        exit 1
    }
fi

# A per-driver daemon such as virtctd opens its secondary drivers in "direct"
# mode only (libvirt's remote_driver.c refuses anything else inside a
# daemon), i.e. it dials /run/libvirt/virtnetworkd-sock and so on, never
# libvirt-sock.  libvirtd accepts every driver's URI on its socket, so point
# the modular socket names at it.
for d in virtnetworkd virtnwfilterd virtstoraged virtnodedevd virtsecretd virtinterfaced; do
    ln -sfn libvirt-sock "/run/libvirt/$d-sock"
    ln -sfn libvirt-sock-ro "/run/libvirt/$d-sock-ro"
done

# Check the way virtctd connects (direct mode, through the links above).
virsh -q -c 'network:///system?mode=direct' net-list --all >/dev/null
virsh -q -c 'nwfilter:///system?mode=direct' nwfilter-list >/dev/null
virsh -q -c 'storage:///system?mode=direct' pool-list --all >/dev/null
virsh -q -c 'nodedev:///system?mode=direct' nodedev-list >/dev/null
virsh -q -c 'secret:///system?mode=direct' secret-list >/dev/null
virsh -q -c 'interface:///system?mode=direct' iface-list --all >/dev/null
echo "start-libvirtd: libvirtd serves network, nwfilter, storage, nodedev, secret and interface (pid $(cat /run/libvirtd.pid))"
