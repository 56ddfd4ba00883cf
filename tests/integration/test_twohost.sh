#!/bin/bash
# test_twohost.sh: the two hosts of twohost.sh (the ground of the
# migration tests): host2 reached from host1 over ct+tls:// and ct+ssh://
# and back, a host UUID of its own, namespaces and libvirt directories of
# its own, the same template on both, a container started on host2 that
# host1 knows nothing of, and nothing left after the teardown.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/twohost.sh"
skip_unless_root
if [ ! -x /bin/busybox ]; then
    echo "skipped: needs /bin/busybox (busybox-static)"
    exit 77
fi

# host_uuid [h2] URI: the host UUID in the capabilities at URI (asked
# from host2 with h2)
host_uuid() {
    local in=()
    [ "$1" != h2 ] || { in=(h2); shift; }
    "${in[@]}" virsh -q -c "$1" capabilities | sed -n 's,^ *<uuid>\(.*\)</uuid>$,\1,p' | head -n 1
}

# uuid_is WANT [h2] URI
uuid_is() {
    local want=$1 got
    shift
    got=$(host_uuid "$@")
    [ "$got" = "$want" ] || { echo "host UUID '$got', wanted '$want'"; return 1; }
}

twohost_start
ok "two hosts: host1 on $H1_ADDR, host2 on $H2_ADDR (namespaces, veth, daemons, sshds)"
echo "# host2 came up in $H2_UP_SECONDS s (namespaces, veth, file system, virtctd, sshd);" \
    "both hosts with their CA and keys in $TWOHOST_UP_SECONDS s"

# --- reaching each host ----------------------------------------------------------
# is_ct [h2] URI: virtctd answers at URI (asked from host2 with h2)
is_ct() {
    local in=()
    [ "$1" != h2 ] || { in=(h2); shift; }
    out_has "Running hypervisor: CT" "${in[@]}" virsh -c "$1" version
}
check "host1: virsh on its UNIX socket" is_ct "$H1_URI"
check "host2 from host1: ct+tls://$H2_ADDR" is_ct "$H2_TLS_URI"
check "host2 from host1: ct+ssh://root@$H2_ADDR" is_ct "$H2_SSH_URI"
check "host2 inside: ct:///system is host2's daemon" is_ct h2 "$H2_URI"
check "host1 from host2: ct+tls://$H1_ADDR" is_ct h2 "$H1_TLS_URI"
check "host1 from host2: ct+ssh://root@$H1_ADDR" is_ct h2 "$H1_SSH_URI"

# --- host UUIDs (libvirt refuses a migration to a host of the same UUID) --------
check "the hosts' UUIDs differ" test "$H1_UUID" != "$H2_UUID"
check "host1's capabilities: its host_uuid" uuid_is "$H1_UUID" "$H1_URI"
check "host2's capabilities over TLS: its own host_uuid" uuid_is "$H2_UUID" "$H2_TLS_URI"
check "host2's capabilities over ssh: the same" uuid_is "$H2_UUID" "$H2_SSH_URI"
check "from host2, host1's over TLS: host1's" uuid_is "$H1_UUID" h2 "$H1_TLS_URI"
check "from host2, host1's over ssh: host1's" uuid_is "$H1_UUID" h2 "$H1_SSH_URI"

# --- host2's namespaces ------------------------------------------------------------
links_are() {
    local got
    got=$(h2 ip -br link | awk '{sub(/@.*/, "", $1); print $1}' | sort | xargs)
    [ "$got" = "eth0 lo" ] || { echo "links: $got"; return 1; }
}
check "host2's network namespace has only lo and eth0" links_are
check_fails "host2 has no route beyond host1" "Network is unreachable" \
    h2 bash -c 'exec 3<>/dev/tcp/198.51.100.1/9'
check "host2's /sys is its network namespace's" \
    h2 test -e /sys/class/net/eth0 -a ! -e "/sys/class/net/$H1_IF"
own_dirs() {
    local d got want
    for d in run etc lib log; do
        case $d in
            run | etc) got=$(h2 stat -c %d:%i "/$d/libvirt") ;;
            *) got=$(h2 stat -c %d:%i "/var/$d/libvirt") ;;
        esac
        want=$(stat -c %d:%i "$H2_ROOT/host/$d-libvirt")
        [ "$got" = "$want" ] || { echo "host2's $d directory is not $H2_ROOT/host/$d-libvirt"; return 1; }
    done
}
check "host2's /run/libvirt, /etc/libvirt, /var/lib/libvirt, /var/log/libvirt are its own" own_dirs
check "host2's daemon has its sockets in its /run/libvirt" \
    test -S "$H2_ROOT/host/run-libvirt/virtctd-sock"
check "host2's daemon logs to its /var/log/libvirt" test -f "$H2_LOG"
check "host2's mounts are not in the root mount namespace" \
    bash -c "! grep -q ' $H2_ROOT/host' /proc/self/mountinfo"

# --- one template, a container on host2 --------------------------------------------
check "the busybox template on both hosts, with the same checksum" twohost_template busybox
ct_xml() {
    cat <<XML
<domain type='lxc'>
  <name>$1</name>
  <memory unit='MiB'>64</memory>
  <os><type>exe</type><init>/sbin/init</init></os>
  <devices>
    <filesystem type='template'><source name='busybox'/><target dir='/'/></filesystem>
    <console type='pty'/>
  </devices>
</domain>
XML
}
ct_xml c1 >"$CT_TEST_ROOT/c1.xml"
ct_xml h1only >"$CT_TEST_ROOT/h1only.xml"
tvsh2() {
    virsh -q -c "$H2_TLS_URI" "$@"
}
check "host2 over TLS: define c1" tvsh2 define "$CT_TEST_ROOT/c1.xml"
check "host2 over TLS: start c1" tvsh2 start c1
check "host2 over ssh: c1 is running" out_has "^running" virsh -q -c "$H2_SSH_URI" domstate c1
# runs_on_host2 NAME: its supervisor is in host2's namespaces
runs_on_host2() {
    local pid
    pid=$(sed -n "s/.*<supervisor pid='\([0-9]*\)'.*/\1/p" "$H2_ROOT/run/ct/$1.xml") || return 1
    if [ -z "$pid" ] || [ "$(readlink "/proc/$pid/ns/net")" != "$H2_NETNS" ] ||
        [ "$(readlink "/proc/$pid/ns/mnt")" != "$H2_MNTNS" ]; then
        echo "supervisor '$pid' is not in host2's namespaces"
        return 1
    fi
    test ! -e "$CT_TEST_ROOT/run/ct/$1.xml" || { echo "host1 has a status file of $1"; return 1; }
}
check "c1's supervisor runs in host2's namespaces (and host1 has no state of it)" runs_on_host2 c1
check "a command runs inside c1 on host2" out_has "^inside$" ct_exec2 c1 /bin/sh -c 'echo inside'
check "host1 lists nothing" out_has "^$" vsh list --all --name
check_fails "host1 does not know c1" "failed to get domain 'c1'" vsh dominfo c1
check "host1: define h1only" vsh define "$CT_TEST_ROOT/h1only.xml"
check_fails "host2 does not see host1's definitions" "failed to get domain 'h1only'" \
    tvsh2 dominfo h1only
check "host2's list is c1 alone" out_has "^c1$" vsh2 list --all --name
check "host2 over ssh: destroy c1" virsh -q -c "$H2_SSH_URI" destroy c1
check "host2 over ssh: undefine c1" virsh -q -c "$H2_SSH_URI" undefine c1
check "c1 is gone on host2" out_has "^$" vsh2 list --all --name

# --- nothing left ------------------------------------------------------------------
root=$CT_TEST_ROOT
if_name=$H1_IF
mntns=$H2_MNTNS
netns=$H2_NETNS
sshd_mntns=$H1_SSHD_MNTNS
pids="$H2_NS_PID $H2_PID $H1_SSHD_PID $H2_SSHD_PID $(daemon_pid)"
twohost_teardown
all_gone() {
    local p alive=
    for p in "$@"; do
        ! twohost_alive "$p" || alive="$alive $(ps -o pid=,args= -p "$p")"
    done
    [ -z "$alive" ] || { echo "alive:$alive"; return 1; }
}
# shellcheck disable=SC2086 # a list of PIDs
check "teardown: the daemons, sshds and host2's holder are gone" all_gone $pids
none_in() {
    local pids
    pids=$(twohost_ns_pids "$@")
    [ -z "$pids" ] || { ps -o pid,stat,args -p "${pids//$'\n'/,}"; return 1; }
}
check "teardown: no process is left in host2's namespaces or host1's sshd's" \
    none_in "$mntns" "$netns" "$sshd_mntns"
check "teardown: no process names the tree" test -z "$(pgrep -f "$root/")"
check_fails "teardown: the veth pair is gone" "does not exist" ip link show "$if_name"
check "teardown: no mount under the tree" bash -c "! grep -q ' $root/' /proc/self/mountinfo"
check "teardown: the tree is removed" test ! -e "$root"

summary
