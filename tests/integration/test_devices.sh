#!/bin/bash
# test_devices.sh: device aliases in the live XML (net0, fs0, console0,
# libvirt's convention) and the device-added / device-removed events
# python3-libvirt sees when an interface is attached to and detached
# from a running container, as Nova's attach_interface and
# detach_interface do (detach must not wait out Nova's timeout).  The
# test makes a bridge of its own, with no uplink.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

. "$(dirname "$0")/lib.sh"
skip_unless_root
if [ ! -x /bin/busybox ] || ! command -v ip >/dev/null; then
    echo "skipped: needs /bin/busybox (busybox-static) and ip (iproute2)"
    exit 77
fi
daemon_setup
BR=ctdev$(($$ % 100000))
trap 'ip link del "$BR" 2>/dev/null; daemon_teardown' EXIT
daemon_start || { not_ok "virtctd starts"; summary; exit 1; }

ROOT=$CT_TEST_ROOT/rootfs
"$CT_SRC/build-aux/busybox-root.sh" "$ROOT" || { not_ok "busybox root"; summary; exit 1; }
check "bridge $BR created" bash -c "ip link add $BR type bridge && ip link set $BR up"

cat >"$CT_TEST_ROOT/dev1.xml" <<XML
<domain type='lxc'>
  <name>ctdev1</name>
  <memory unit='MiB'>64</memory>
  <os><type>exe</type><init>/sbin/init</init></os>
  <devices>
    <filesystem type='mount'><source dir='$ROOT'/><target dir='/'/><readonly/></filesystem>
    <filesystem type='ram'><source usage='16' units='MiB'/><target dir='/tmp'/></filesystem>
    <interface type='bridge'><mac address='52:54:00:de:0e:01'/><source bridge='$BR'/></interface>
    <console type='pty'/>
  </devices>
</domain>
XML
check "define" vsh define "$CT_TEST_ROOT/dev1.xml"
check "the inactive XML has no aliases" bash -c "! vsh dumpxml ctdev1 | grep -q '<alias'"
check "start" vsh start ctdev1

check "live XML: aliases fs0, fs1, net0, console0 in that order" bash -c \
    "[ \"\$(vsh dumpxml ctdev1 | sed -n \"s/.*<alias name='\\([^']*\\)'.*/\\1/p\" | tr '\n' ' ')\" = 'fs0 fs1 net0 console0 ' ]"
check "the console is found by its alias" bash -c \
    "(sleep 1; printf '\035') | script -qc \"virsh -c '$CT_URI' console ctdev1 console0\" /dev/null | grep -q 'Connected to domain'"
check "the config XML still has no aliases" bash -c "! vsh dumpxml --inactive ctdev1 | grep -q '<alias'"

out=$CT_TEST_ROOT/devevents.out
check "python3-libvirt: device-added and device-removed (within 2 s) with the alias" \
    /usr/bin/python3 "$(dirname "$0")/devevents.py" "$CT_URI" ctdev1 "$BR" 52:54:00:de:0e:02
/usr/bin/python3 "$(dirname "$0")/devevents.py" "$CT_URI" ctdev1 "$BR" 52:54:00:de:0e:03 >"$out" 2>&1
check "the hotplugged interface is named net1 (after net0)" grep -q "alias net1" "$out"
sed 's/^/# /' "$out"

# a restarted daemon reads them back from the status file
tty=$(virsh -q -c "$CT_URI" ttyconsole ctdev1 2>&1)
before=$(vsh dumpxml ctdev1 | grep -E "<alias|tty=")
daemon_stop
daemon_start || { not_ok "virtctd starts again"; summary; exit 1; }
check "after a daemon restart: the same aliases and console PTY" bash -c \
    "[ \"\$(vsh dumpxml ctdev1 | grep -E '<alias|tty=')\" = \"$before\" ] && [ -c '$tty' ] &&
     [ \"\$(vsh ttyconsole ctdev1)\" = '$tty' ]"
check "after a daemon restart: the PTY still carries the console" bash -c \
    "ct_exec ctdev1 /bin/sh -c 'echo restart-marker >/dev/console' &&
     timeout 1 cat '$tty' | grep -q restart-marker"
check "after a daemon restart: device-added and device-removed still come" \
    /usr/bin/python3 "$(dirname "$0")/devevents.py" "$CT_URI" ctdev1 "$BR" 52:54:00:de:0e:04

check "destroy" vsh destroy ctdev1
check "undefine" vsh undefine ctdev1
summary
