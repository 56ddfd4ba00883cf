#!/bin/bash
# test_nova.sh: OpenStack Nova's real libvirt compute driver (Debian's
# python3-nova) with [libvirt] virt_type=lxc against virtctd from the build
# tree: init_host, inventory, spawn from a raw ext4 image (Nova mounts it
# on a loop device), console output, reboots, power off/on, pause, an
# interface attached and detached, destroy (nova_driver.py), once without
# and once with [libvirt] uid_maps/gid_maps.  Installs python3-nova and
# qemu-utils (nova-compute's image tool) from Debian's archive when missing.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

. "$(dirname "$0")/lib.sh"
skip_unless_root
for p in busybox-static e2fsprogs iproute2; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        { echo "skipped: needs $p"; exit 77; }
done
missing=()
for p in python3-nova qemu-utils; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "# installing ${missing[*]} from Debian's archive"
    export DEBIAN_FRONTEND=noninteractive
    if ! timeout 300 apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/ct-nova-apt.$$ 2>&1; then
        echo "skipped: cannot install ${missing[*]} (archive unreachable?):"
        tail -n 3 /tmp/ct-nova-apt.$$
        rm -f /tmp/ct-nova-apt.$$
        exit 77
    fi
    rm -f /tmp/ct-nova-apt.$$
fi

# an id pool that leaves room for the maps given to Nova
POOL=3100000000
MAPS="0:$((POOL + 262144)):65536"
# shellcheck disable=SC2034 # read by daemon_start
CT_EXTRA_CONF="ct_id_pool_start = $POOL
ct_id_pool_size = 131072"
daemon_setup
BR=ctnv$$
BR=${BR:0:15}
teardown() {
    ip link del "$BR" 2>/dev/null
    for d in "$CT_TEST_ROOT"/nova*/instances/*/rootfs; do umount -l "$d" 2>/dev/null; done
    daemon_teardown
}
trap teardown EXIT
daemon_start || { not_ok "virtctd starts"; summary; exit 1; }

# --- a raw ext4 image of a busybox root whose init prints a marker ------------
MARKER="ctnova-marker-$$"
ROOT=$CT_TEST_ROOT/rootfs
"$CT_SRC/build-aux/busybox-root.sh" "$ROOT" || { not_ok "busybox root"; summary; exit 1; }
printf '::sysinit:/bin/echo %s\n::askfirst:-/bin/sh\n' "$MARKER" >"$ROOT/etc/inittab"
IMAGE=$CT_TEST_ROOT/busybox.raw
check "a raw ext4 image of the busybox root" \
    mkfs.ext4 -q -F -d "$ROOT" -L ctnova "$IMAGE" 32M
if ! ip link add "$BR" type bridge || ! ip link set "$BR" up; then
    not_ok "bridge $BR"
    summary
    exit 1
fi

# run_nova NAME [UIDMAPS]: one instance's life through nova_driver.py;
# its lines are this test's lines
run_nova() {
    local dir=$CT_TEST_ROOT/$1 line finished=
    mkdir -p "$dir"
    shift
    if [ -n "${1:-}" ]; then
        echo "# Nova with uid_maps/gid_maps = $1"
    else
        echo "# Nova without id maps"
    fi
    while IFS= read -r line; do
        case $line in
        "ok - "*) ok "${line#ok - }" ;;
        "not ok - "*) not_ok "${line#not ok - }" ;;
        "# finished") finished=1 ;;
        *) echo "#   $line" ;;
        esac
    done < <(timeout 240 /usr/bin/python3 "$CT_SRC/tests/integration/nova_driver.py" \
        "$CT_URI" "$dir" "$IMAGE" "$MARKER" "$BR" "$@" 2>&1)
    [ -n "$finished" ] || not_ok "nova_driver.py ${1:+(id maps) }ran to its end"
}

run_nova nova-plain
run_nova nova-idmap "$MAPS"

# --- nothing of either instance left on the host ------------------------------
check "no cgroup left" bash -c "! ls -d /sys/fs/cgroup/*/machine/ct-*-instance-* 2>/dev/null | grep ."
check "no container left in the daemon" bash -c "[ -z \"\$(vsh list --all --name)\" ]"
summary
