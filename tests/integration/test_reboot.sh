#!/bin/bash
# test_reboot.sh: a reboot (virsh reboot, busybox reboot inside, reboot(2)
# inside) starts init again in the root the container already has, also
# when the host directory it was bound from has been unmounted on the
# host meanwhile (Nova mounts an instance's image, starts it and unmounts
# the image on the host): unprivileged on a tmpfs, privileged on a loop-
# mounted ext4 image, a template root, and across a daemon restart.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

. "$(dirname "$0")/lib.sh"
skip_unless_root
if [ ! -x /bin/busybox ] || ! command -v mkfs.ext4 >/dev/null; then
    echo "skipped: needs /bin/busybox (busybox-static) and mkfs.ext4"
    exit 77
fi
store_daemon_start
"$TPL" -q create busybox --busybox || { not_ok "busybox template"; summary; exit 1; }
STATE=$CT_TEST_ROOT/run/ct
LOOP=

cleanup() {
    local d
    for d in "$CT_TEST_ROOT"/img-*; do umount -l "$d" 2>/dev/null; done
    [ -z "$LOOP" ] || losetup -d "$LOOP" 2>/dev/null
    store_teardown
}
trap cleanup EXIT

# ct_xml NAME ROOT-XML [EXTRA]: a container with busybox init
ct_xml() {
    cat <<XML
<domain type='lxc' xmlns:ct='http://libvirt.org/schemas/domain/ct/1.0'>
  <name>$1</name>
  <memory unit='MiB'>64</memory>
  <os><type>exe</type><init>/sbin/init</init></os>
  ${3:-}
  <devices>
    $2
    <console type='pty'/>
  </devices>
</domain>
XML
}

define() {
    ct_xml "$@" >"$CT_TEST_ROOT/$1.xml" && vsh define "$CT_TEST_ROOT/$1.xml" >/dev/null
}

bound_root() {
    echo "<filesystem type='mount'><source dir='$1'/><target dir='/'/></filesystem>"
}

# wait_rebooted NAME OLD-ID: init has a new id and the container runs
wait_rebooted() {
    local i id
    for i in $(seq 300); do
        id=$(vsh domid "$1" 2>/dev/null)
        if [ -n "$id" ] && [ "$id" != - ] && [ "$id" != "$2" ] &&
            [ "$(vsh domstate --reason "$1" 2>/dev/null)" = "running (booted)" ]; then
            return 0
        fi
        sleep 0.05
    done
    echo "# $1: id '$id' (was $2), state $(vsh domstate --reason "$1" 2>&1)"
    tail -n 5 "$CT_TEST_ROOT/virtctd.log" | sed 's/^/# /'
    return 1
}

# same_root NAME: what the host and the container wrote before is there
same_root() {
    [ "$(ct_exec "$1" /bin/cat /host.mark)" = "host $1" ] &&
        [ "$(ct_exec "$1" /bin/cat /root/inside.mark)" = "inside $1" ]
}

kept_root_mounted() {
    grep -q " $STATE/$1.root " /proc/self/mountinfo
}

# reboots NAME SOURCE-DIR: the three reboots with the source unmounted
reboots() {
    local name=$1 dir=$2 id
    echo "host $name" >"$dir/host.mark"
    check "start $name" vsh start "$name"
    check "$name writes into its root" ct_exec "$name" /bin/sh -c "echo 'inside $name' >/root/inside.mark"
    check "$name's root is kept bound in the state directory" kept_root_mounted "$name"
    check "unmount $name's source on the host (umount -l)" umount -l "$dir"
    check "the host directory is empty now" test ! -e "$dir/sbin/init"

    id=$(vsh domid "$name")
    check "virsh reboot $name" vsh reboot "$name"
    check "$name runs again with a new init" wait_rebooted "$name" "$id"
    check "$name has the same root after virsh reboot" same_root "$name"

    id=$(vsh domid "$name")
    # init's shutdown may take the command along before it exits: SIGTERM
    # (143) as every process gets, or SIGKILL (137) with the PID namespace
    check "busybox reboot inside $name" bash -c \
        "ct_exec '$name' /bin/reboot; rc=\$?; [ \$rc = 0 ] || [ \$rc = 137 ] || [ \$rc = 143 ] || { echo rc=\$rc; false; }"
    check "$name runs again after reboot inside" wait_rebooted "$name" "$id"
    check "$name has the same root after reboot inside" same_root "$name"

    id=$(vsh domid "$name")
    # reboot(2) by a process in the container: init is killed by SIGHUP
    ct_exec "$name" /bin/reboot -f >/dev/null 2>&1
    check "$name runs again after reboot(2) inside" wait_rebooted "$name" "$id"
    check "$name has the same root after reboot(2)" same_root "$name"
}

# released NAME: destroyed, the kept bind is gone, and a new start sees
# the (now empty) source
released() {
    local name=$1
    check "destroy $name" vsh destroy "$name"
    check "$name's kept root is unmounted" bash -c "! grep -q ' $STATE/$name.root ' /proc/self/mountinfo"
    check "$name's kept root directory is removed" test ! -e "$STATE/$name.root"
    check_fails "a new start of $name binds its source again: it is empty" \
        "cannot execute '/sbin/init'" vsh start "$name"
    check "the failed start left no kept root" test ! -e "$STATE/$name.root"
}

# --- unprivileged, the source a tmpfs mounted on the host ---------------------
mkdir -p "$CT_TEST_ROOT/img-u"
mount -t tmpfs ctrb-img-u "$CT_TEST_ROOT/img-u"
"$CT_SRC/build-aux/busybox-root.sh" "$CT_TEST_ROOT/img-u" >/dev/null || not_ok "busybox root on tmpfs"
check "define u1 on the tmpfs" define u1 "$(bound_root "$CT_TEST_ROOT/img-u")"
reboots u1 "$CT_TEST_ROOT/img-u"
check "u1 still has a user namespace" bash -c \
    "[ \"\$(readlink /proc/\$(virsh -q -c '$CT_URI' domid u1)/ns/user)\" != \"\$(readlink /proc/self/ns/user)\" ]"
released u1

# --- privileged, the source a loop-mounted ext4 image; daemon restarted -------
truncate -s 64M "$CT_TEST_ROOT/p1.img"
mkfs.ext4 -q "$CT_TEST_ROOT/p1.img"
LOOP=$(losetup -f --show "$CT_TEST_ROOT/p1.img")
mkdir -p "$CT_TEST_ROOT/img-p"
mount "$LOOP" "$CT_TEST_ROOT/img-p"
"$CT_SRC/build-aux/busybox-root.sh" "$CT_TEST_ROOT/img-p" >/dev/null || not_ok "busybox root on ext4"
check "define p1 (privileged) on the image" define p1 "$(bound_root "$CT_TEST_ROOT/img-p")" \
    "<ct:privileged/>"
reboots p1 "$CT_TEST_ROOT/img-p"
id=$(vsh domid p1)
daemon_stop
check "daemon comes back" daemon_start
check "p1's kept root survived the daemon restart" kept_root_mounted p1
check "virsh reboot p1 after the daemon restart" vsh reboot p1
check "p1 runs again" wait_rebooted p1 "$id"
check "p1 has the same root after the daemon restart and a reboot" same_root p1
released p1

# --- a stale kept root of a container that does not run is swept -------------
mkdir -p "$STATE/p1.root"
mount -t tmpfs ctrb-stale "$STATE/p1.root"
daemon_stop
check "daemon comes back" daemon_start
check "the stale kept root is unmounted at daemon start" bash -c \
    "! grep -q ' $STATE/p1.root ' /proc/self/mountinfo && [ ! -e '$STATE/p1.root' ]"

# --- a template root reboots as before, and keeps no bind -------------------
check "define t1 on the template" define t1 \
    "<filesystem type='template'><source name='busybox'/><target dir='/'/></filesystem>"
check "start t1" vsh start t1
check "t1 writes into its layer" ct_exec t1 /bin/sh -c "echo 'inside t1' >/root/inside.mark"
id=$(vsh domid t1)
check "virsh reboot t1" vsh reboot t1
check "t1 runs again" wait_rebooted t1 "$id"
check "t1 keeps its layer" bash -c "[ \"\$(ct_exec t1 /bin/cat /root/inside.mark)\" = 'inside t1' ]"
check "t1 has no kept root" test ! -e "$STATE/t1.root"
check "destroy t1" vsh destroy t1

summary
