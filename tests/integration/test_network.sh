#!/bin/bash
# test_network.sh: container networking as root, on busybox containers of a
# private virtctd: veth pairs on host bridges (two isolated bridges, static
# IPv4/IPv6 addresses, routes, MAC, MTU, guest and host names), a libvirt
# network with DHCP (libvirtd's network driver and dnsmasq), bandwidth
# limits timed, interface statistics and addresses, live hotplug and
# unplug, 'direct' (macvlan) and 'ethernet' interfaces, refusals, and no
# host interface left behind after destroy, a killed supervisor or a
# restarted (or killed) daemon.  Nothing leaves the machine: the bridges
# have no uplink, the libvirt network has no forward mode.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

. "$(dirname "$0")/lib.sh"
skip_unless_root
if [ ! -x /bin/busybox ]; then
    echo "skipped: needs /bin/busybox (busybox-static)"
    exit 77
fi
if ! command -v ip >/dev/null || ! command -v tc >/dev/null; then
    not_ok "ip and tc (iproute2) are needed"
    summary
    exit 1
fi

# Host names are global: short (at most 15 characters) and unique per run.
S=$(($$ % 100000))
BRA=ctbrA$S  # bridge A: a1, a2, w1, g1 eth0
BRB=ctbrB$S  # bridge B: b1, g1 lan0, hotplugged interfaces of a1
DUM=ctdum$S  # under the 'direct' interface: a dummy (or veth) device
TGT=cttgt$S  # <target dev> of a1's host end
HOT=cthot$S  # --target of an interface hotplugged into a1
ETH=cteth$S  # <target dev> of the 'ethernet' interface
NOBR=ctnob$S # a bridge that does not exist
NETBR=ctnet$S
NET=ct-test-$$
NETURI=network:///system

# what the teardown undoes
HOST_DEVS=()
NET_STARTED=
LVD_PID=
LVD_DIR=
LINKS_MADE=()
FW_TIDY=

net_teardown() {
    local n i
    # containers first, through the daemon (they outlive it otherwise)
    if [ -n "$CT_URI" ]; then
        virsh -c "$CT_URI" version >/dev/null 2>&1 || daemon_start >/dev/null 2>&1
        for n in $(virsh -q -c "$CT_URI" list --name 2>/dev/null); do
            virsh -q -c "$CT_URI" destroy "$n" >/dev/null 2>&1
        done
        # supervisors of this test's tree the daemon could not reach
        for i in $(pgrep -f -- "--plan $CT_TEST_ROOT/run/ct/"); do
            kill -9 "$i" 2>/dev/null
        done
    fi
    # host ends a faulty driver left on the test's bridges, then the
    # test's own devices and the named host ends
    for n in "${HOST_DEVS[@]}"; do
        for i in $(ip -o link show master "$n" 2>/dev/null | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }'); do
            ip link del "$i" 2>/dev/null
        done
    done
    for n in "${HOST_DEVS[@]}" "$TGT" "$HOT" "$ETH"; do
        ip link del "$n" 2>/dev/null
    done
    if [ -n "$NET_STARTED" ]; then
        virsh -q -c "$NETURI" net-destroy "$NET" >/dev/null 2>&1
        virsh -q -c "$NETURI" net-undefine "$NET" >/dev/null 2>&1
        # the network's dnsmasq, if its libvirtd could not stop it
        i=$(cat "/run/libvirt/network/$NET.pid" 2>/dev/null)
        if [ -n "$i" ] && tr '\0' ' ' 2>/dev/null <"/proc/$i/cmdline" | grep -q "/$NET.conf"; then
            kill "$i"
        fi
        rm -f "/run/libvirt/network/$NET.pid"
        # libvirtd keeps an empty directory of the network's ports
        rmdir "/run/libvirt/network/$NET/ports" "/run/libvirt/network/$NET" 2>/dev/null
        ip link del "$NETBR" 2>/dev/null
    fi
    if [ -n "$LVD_PID" ]; then
        kill "$LVD_PID" 2>/dev/null
        for _ in $(seq 50); do
            kill -0 "$LVD_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$LVD_PID" 2>/dev/null
    fi
    for n in "${LINKS_MADE[@]}"; do
        rm -f "$n"
    done
    [ -z "$FW_TIDY" ] || fw_tidy
    store_teardown
}

# fw_tidy: remove the LIBVIRT_* chains (and the jumps to them) that the
# libvirtd this test started left behind: only called when none existed
# before, and only for tables where they are all empty again
fw_tidy() {
    local cmd t c chain target
    for cmd in iptables ip6tables; do
        command -v "$cmd" >/dev/null || continue
        for t in filter nat mangle; do
            "$cmd" -t "$t" -S 2>/dev/null | grep -q '^-A LIBVIRT_' && continue
            "$cmd" -t "$t" -S 2>/dev/null |
                awk '$1 == "-A" && $3 == "-j" && $4 ~ /^LIBVIRT_/ && NF == 4 { print $2, $4 }' |
                while read -r chain target; do
                    "$cmd" -t "$t" -D "$chain" -j "$target"
                done
            for c in $("$cmd" -t "$t" -S 2>/dev/null | awk '$1 == "-N" && $2 ~ /^LIBVIRT_/ { print $2 }'); do
                "$cmd" -t "$t" -X "$c"
            done
        done
    done
}

store_daemon_start
trap net_teardown EXIT
"$TPL" -q create busybox --busybox || { not_ok "busybox template"; summary; exit 1; }

# --- helpers --------------------------------------------------------------------

# ct_xml NAME DEVICES-XML [EXTRA-XML]: a busybox container on the template
ct_xml() {
    cat <<XML
<domain type='lxc'>
  <name>$1</name>
  <memory unit='MiB'>256</memory>
  $3
  <os><type>exe</type><init>/sbin/init</init></os>
  <devices>
    <filesystem type='template'><source name='busybox'/><target dir='/'/></filesystem>
    $2
    <console type='pty'/>
  </devices>
</domain>
XML
}

define_ct() {
    ct_xml "$@" >"$CT_TEST_ROOT/$1.xml" && vsh define "$CT_TEST_ROOT/$1.xml" >/dev/null
}

start_ct() {
    define_ct "$@" && vsh start "$1" >/dev/null
}

# br_if BRIDGE [ADDRESS/PREFIX] [MORE-XML]: a bridge interface
br_if() {
    local ip=""
    [ -z "$2" ] || ip="<ip address='${2%/*}' prefix='${2#*/}'/>"
    echo "<interface type='bridge'><source bridge='$1'/>$ip$3</interface>"
}

# commands inside run as the container's root (lib.sh)
enter() {
    ct_exec "$@"
}

# out_lacks PATTERN COMMAND...: the command succeeds, no line matches
out_lacks() {
    local pat=$1 out
    shift
    out=$("$@" 2>&1) || { echo "$out"; return 1; }
    grep -Eq -- "$pat" <<<"$out" || return 0
    echo "$out"
    echo "(matches: $pat)"
    return 1
}

# ping_ok NAME ADDRESS [PING-ARGS...]: a ping from inside answers (three
# tries: ARP, IPv6 duplicate address detection)
ping_ok() {
    local name=$1 addr=$2 i
    shift 2
    for i in 1 2 3; do
        enter "$name" /bin/busybox ping "$@" -c1 -W2 "$addr" && return 0
        sleep 0.5
    done
    return 1
}

ping6_ok() {
    local i
    for i in 1 2 3 4; do
        enter "$1" /bin/busybox ping6 -c1 -W2 "$2" && return 0
        sleep 1
    done
    return 1
}

# fails_inside NAME COMMAND...: the command runs inside and fails as a
# command does (exit 1-125, or 143 when busybox timeout ended it), not
# as a missing (127) or crashed (128+N) one
fails_inside() {
    local name=$1 out rc
    shift
    # shellcheck disable=SC2016 # expanded inside
    out=$(enter "$name" /bin/sh -c '"$@"; echo "rc=$?"' sh "$@" 2>&1)
    rc=$(sed -n 's/^rc=//p' <<<"$out" | tail -n 1)
    case $rc in
        [1-9] | [1-9][0-9] | 1[01][0-9] | 12[0-5] | 143) return 0 ;;
    esac
    echo "$out"
    return 1
}

# no_ping NAME ADDRESS: the address does not answer
no_ping() {
    fails_inside "$1" /bin/busybox ping -c1 -W2 "$2"
}

# wget_ok NAME URL: the page, fetched from inside (httpd may still be starting)
wget_ok() {
    local i
    for i in 1 2 3 4 5; do
        enter "$1" /bin/busybox timeout 5 /bin/busybox wget -q -O - "$2" && return 0
        sleep 0.3
    done
    return 1
}

# if_of NAME MAC: the name, inside the container, of the interface with MAC
if_of() {
    local out
    out=$(enter "$1" /bin/busybox ip -o link 2>&1) || { echo "# cannot enter $1: $out" >&2; return 1; }
    awk -v m="$2" 'index(tolower($0), m) {
        n = $2; sub(/:$/, "", n); sub(/@.*/, "", n); print n; exit }' <<<"$out"
}

# has_if NAME MAC / no_if NAME MAC: an interface with MAC is (not) inside
has_if() {
    local n
    n=$(if_of "$1" "$2") || return 1
    [ -n "$n" ] || { echo "no interface with $2 in $1"; return 1; }
}

no_if() {
    local n
    n=$(if_of "$1" "$2") || return 1
    [ -z "$n" ] || { echo "$n (with $2) is still in $1"; return 1; }
}

# host_if NAME MAC: the host-side name of the interface with MAC (domiflist)
host_if() {
    vsh domiflist "$1" | awk -v m="$2" 'tolower($5) == m { print $1 }'
}

# port_of DEV BRIDGE: DEV is a port of BRIDGE and up
port_of() {
    ip -o link show master "$2" | grep -E ": $1[@:]" | grep -Eq '[<,]UP[,>]' || {
        ip -o link show dev "$1"
        return 1
    }
}

host_up() {
    ip -o link show dev "$1" | grep -Eq '[<,]UP[,>]' || { ip -o link show dev "$1"; return 1; }
}

# host_ifs: the host's veth and macvlan interfaces, by name
host_ifs() {
    # (twohost.sh's ct2hN links belong to other tests running meanwhile)
    { ip -o link show type veth; ip -o link show type macvlan; } 2>/dev/null |
        awk -F': ' '{ n = $2; sub(/@.*/, "", n); if (n !~ /^ct2h[0-9]+$/) print n }' | sort
}

# no_new_ifs BEFORE: the veth and macvlan interfaces are again those of
# BEFORE (a host_ifs list), within 5 seconds (a dead network namespace
# is taken down asynchronously)
no_new_ifs() {
    local new i
    for i in $(seq 50); do
        new=$(comm -13 <(echo "$1") <(host_ifs))
        [ -z "$new" ] && return 0
        sleep 0.1
    done
    echo "left on the host: $(echo "$new" | tr '\n' ' ')"
    ip -o link show | grep -F "$(echo "$new" | head -n 1)"
    return 1
}

count_ifs() {
    host_ifs | grep -c .
}

# gone DEV...: no such host interface, within 5 seconds
gone() {
    local d i
    for d in "$@"; do
        [ -n "$d" ] || { echo "no interface name to look for"; return 1; }
        for i in $(seq 50); do
            ip link show dev "$d" >/dev/null 2>&1 || continue 2
            sleep 0.1
        done
        echo "$d is still there:"
        ip -o link show dev "$d"
        tc qdisc show dev "$d"
        return 1
    done
}

# wait_off NAME [SECONDS]: the container is shut off
wait_off() {
    local i
    for i in $(seq $((${2:-5} * 10))); do
        [ "$(vsh domstate "$1" 2>/dev/null)" = "shut off" ] && return 0
        sleep 0.1
    done
    echo "state of $1: $(vsh domstate --reason "$1" 2>&1)"
    return 1
}

supervisor_of() {
    pgrep -f -- "--plan $CT_TEST_ROOT/run/ct/$1.plan"
}

# same WANTED GOT
same() {
    [ "$1" = "$2" ] || { echo "got '$2', wanted '$1'"; return 1; }
}

# links NAME: the interfaces inside, but lo and the fallback tunnels the
# kernel puts in every network namespace (tunl0, sit0, ... when loaded)
links() {
    local out
    out=$(enter "$1" /bin/busybox ip -o link 2>&1) || { echo "cannot enter $1: $out"; return 1; }
    awk -F': ' '{ n = $2; sub(/@.*/, "", n); print n }' <<<"$out" |
        grep -Ev '^(lo|tunl0|sit0|ip6tnl0|gre0|gretap0|erspan0|ip_vti0|ip6_vti0|ip6gre0)$' | tr '\n' ' '
}

# only_links NAME "IF1 IF2 ": the interfaces inside are those
only_links() {
    local got
    got=$(links "$1") || { echo "$got"; return 1; }
    same "$2" "$got"
}

# serve_www NAME: busybox httpd (it daemonizes itself) serving /www with
# index.html ("hello-from-NAME") and a 6 MiB file "big"
serve_www() {
    # shellcheck disable=SC2016 # expanded inside
    enter "$1" /bin/sh -c 'mkdir -p /www && echo "hello-from-$0" >/www/index.html &&
        dd if=/dev/zero of=/www/big bs=1M count=6 2>/dev/null' "$1" &&
        enter "$1" /bin/busybox httpd -p 80 -h /www
}

# no_wget NAME URL: the URL does not answer (busybox 1.35's wget -T
# crashes: busybox timeout instead)
no_wget() {
    fails_inside "$1" /bin/busybox timeout 5 /bin/busybox wget -q -O - "$2"
}

restart_daemon() {
    daemon_stop && daemon_start
}

# ms COMMAND...: runs the command, prints the milliseconds it took (and
# fails with it)
ms() {
    local s0 s1 rc=0
    s0=$(date +%s%N)
    "$@" >/dev/null 2>&1 || rc=$?
    s1=$(date +%s%N)
    echo $(((s1 - s0) / 1000000))
    return $rc
}

# in_window RC MS LOW HIGH: a timed command succeeded within LOW..HIGH ms
in_window() {
    [ "$1" = 0 ] || { echo "the transfer failed (exit $1)"; return 1; }
    [ "$2" -ge "$3" ] && [ "$2" -le "$4" ]
}

# --- 1. bridges -----------------------------------------------------------------
BASE_IFS=$(host_ifs)
for br in "$BRA" "$BRB"; do
    HOST_DEVS+=("$br")
    check "bridge $br created" bash -c \
        "ip link add $br type bridge stp_state 0 forward_delay 0 && ip link set $br up"
done

# --- 2. two bridges, one subnet: a1 and a2 together, b1 apart -------------------
MAC_A1=52:54:00:21:30:11
a1_if="<interface type='bridge'>
      <source bridge='$BRA'/>
      <mac address='$MAC_A1'/>
      <target dev='$TGT'/>
      <mtu size='1400'/>
      <ip address='10.213.1.11' prefix='24'/>
      <ip family='ipv6' address='fd00:213::11' prefix='64'/>
      <route address='10.213.50.0' prefix='24' gateway='10.213.1.1'/>
    </interface>"
check "start a1 on $BRA (10.213.1.11/24)" start_ct a1 "$a1_if"
check "start a2 on $BRA (10.213.1.12/24)" start_ct a2 \
    "$(br_if "$BRA" 10.213.1.12/24 "<ip family='ipv6' address='fd00:213::12' prefix='64'/><mac address='52:54:00:21:30:12'/>")"
check "start b1 on $BRB (10.213.1.13/24)" start_ct b1 \
    "$(br_if "$BRB" 10.213.1.13/24 "<mac address='52:54:00:21:30:13'/>")"
check "a1 pings a2 (same bridge)" ping_ok a1 10.213.1.12
check "a1 cannot reach b1 (other bridge)" no_ping a1 10.213.1.13
check "b1 cannot reach a2" no_ping b1 10.213.1.12
check "a1 pings a2 over IPv6 (fd00:213::12)" ping6_ok a1 fd00:213::12
check "a2 serves /www with busybox httpd" serve_www a2
check "a1 fetches a2's page with wget" out_has '^hello-from-a2$' wget_ok a1 http://10.213.1.12/
check "b1 cannot fetch it" no_wget b1 http://10.213.1.12/

# --- 3. a1 from inside, and its host end ----------------------------------------
check "a1: eth0 has 10.213.1.11/24" out_has 'eth0 +inet 10\.213\.1\.11/24 ' enter a1 /bin/busybox ip -o addr
check "a1: eth0 has fd00:213::11/64" out_has 'eth0 +inet6 fd00:213::11/64 ' enter a1 /bin/busybox ip -o addr
check "a1: eth0 is up" out_has '[<,]UP[,>]' enter a1 /bin/busybox ip -o link show eth0
check "a1: lo is up" out_has '^1: lo: <[^>]*UP' enter a1 /bin/busybox ip -o link show lo
check "a1: lo has 127.0.0.1/8" out_has 'lo +inet 127\.0\.0\.1/8 ' enter a1 /bin/busybox ip -o addr
check "a1: route to 10.213.50.0/24 via 10.213.1.1" \
    out_has '^10\.213\.50\.0/24 via 10\.213\.1\.1 dev eth0' enter a1 /bin/busybox ip route
check "a1: eth0 has MAC $MAC_A1" out_has "link/ether $MAC_A1 " enter a1 /bin/busybox ip -o link show eth0
check "a1: eth0 has mtu 1400" out_has ' mtu 1400 ' enter a1 /bin/busybox ip -o link show eth0
check "a1: eth0 is the only interface besides lo" only_links a1 "eth0 "
check "host end of a1 is <target dev='$TGT'/>, a port of $BRA, up" port_of "$TGT" "$BRA"
a2host=$(host_if a2 52:54:00:21:30:12)
check "host end of a2 has a default name vnetN ($a2host)" out_has '^vnet[0-9]+$' echo "$a2host"
check "host end of a2 is a port of $BRA, up" port_of "$a2host" "$BRA"
check "host end of b1 is a port of $BRB, up" port_of "$(host_if b1 52:54:00:21:30:13)" "$BRB"

# --- 4. no <interface>: loopback only -------------------------------------------
check "start lo1 without <interface>" start_ct lo1 ""
check "lo1: only lo (and the kernel's fallback tunnels)" only_links lo1 ""
check "lo1: lo is up" out_has '^1: lo: <[^>]*UP' enter lo1 /bin/busybox ip -o link show lo
check "lo1: domiflist is empty" out_lacks . vsh domiflist lo1
vsh destroy lo1 >/dev/null 2>&1

# --- 5. statistics and addresses ------------------------------------------------
check "domiflist a1: $TGT, bridge $BRA, $MAC_A1" \
    out_has "^ *$TGT +bridge +$BRA +.*$MAC_A1" vsh domiflist a1
enter a1 /bin/busybox ping -c2 -W2 10.213.1.12 >/dev/null 2>&1
ifstat() {
    local out
    out=$(vsh domifstat "$1" "$2") || { echo "$out"; return 1; }
    echo "$out"
    echo "$out" | awk '$2 == "rx_bytes" && $3 > 0 { r = 1 } $2 == "tx_bytes" && $3 > 0 { t = 1 }
        $2 == "rx_packets" && $3 > 0 { rp = 1 } $2 == "tx_packets" && $3 > 0 { tp = 1 }
        END { exit !(r && t && rp && tp) }'
}
check "domifstat a1 $TGT: rx and tx counted after a ping" ifstat a1 "$TGT"
check_fails "domifstat of an interface a1 does not have" "$NOBR" vsh domifstat a1 "$NOBR"
check "domifaddr a1 shows 10.213.1.11/24" out_has '10\.213\.1\.11/24' vsh domifaddr a1
check "domifaddr a1 shows fd00:213::11/64" out_has 'fd00:213::11/64' vsh domifaddr a1
check "domifaddr a1 --source agent: 10.213.1.11/24 seen inside" \
    out_has 'eth0 +.*10\.213\.1\.11/24' vsh domifaddr a1 --source agent
check "domifaddr a1 --source agent: fd00:213::11/64" \
    out_has 'fd00:213::11/64' vsh domifaddr a1 --source agent
check "domstats --interface: net.count=1" out_has 'net\.count=1$' vsh domstats a1 --interface
check "domstats --interface: net.0.name=$TGT" out_has "net\.0\.name=$TGT\$" vsh domstats a1 --interface

# --- 6. a libvirt network with DHCP ---------------------------------------------
# lv_answers MODE: libvirtd serves network:///system (legacy: on its own
# socket /run/libvirt/libvirt-sock; direct: the way virtctd dials it,
# /run/libvirt/virtnetworkd-sock, a link to it as build-aux/start-libvirtd.sh
# makes)
lv_answers() {
    virsh -q -c "network:///system?mode=$1" net-list --all >/dev/null 2>&1
}

# libvirt_up: libvirtd serves networks, started here if it was not running:
# with the network driver alone (LIBVIRT_DRIVER_DIR), which needs no qemu
# user and does not compete with another libvirtd for the lxc or qemu
# drivers' locks; stopped again at exit. Sets WHY on failure.
libvirt_up() {
    local mod i d
    if ! lv_answers legacy; then
        command -v libvirtd >/dev/null || { WHY="libvirtd is not installed (libvirt-daemon)"; return 1; }
        command -v dnsmasq >/dev/null || { WHY="dnsmasq is not installed (dnsmasq-base)"; return 1; }
        mod=$(printf '%s\n' /usr/lib/*/libvirt/connection-driver/libvirt_driver_network.so | head -n 1)
        [ -f "$mod" ] || { WHY="libvirt's network driver module is not installed (libvirt-daemon)"; return 1; }
        LVD_DIR=$CT_TEST_ROOT/libvirtd
        mkdir -p "$LVD_DIR/drivers" /run/libvirt
        ln -s "$mod" "$LVD_DIR/drivers/"
        echo "log_outputs = \"3:file:$LVD_DIR/libvirtd.log\"" >"$LVD_DIR/libvirtd.conf"
        if command -v iptables >/dev/null && ! iptables -S LIBVIRT_INP >/dev/null 2>&1; then
            FW_TIDY=1
        fi
        LIBVIRT_DRIVER_DIR=$LVD_DIR/drivers "$(command -v libvirtd)" -d \
            -f "$LVD_DIR/libvirtd.conf" -p "$LVD_DIR/libvirtd.pid"
        for i in $(seq 50); do
            lv_answers legacy && break
            sleep 0.1
        done
        LVD_PID=$(cat "$LVD_DIR/libvirtd.pid" 2>/dev/null)
        if ! lv_answers legacy; then
            WHY="libvirtd did not come up: $(grep -h error "$LVD_DIR/libvirtd.log" 2>/dev/null | tail -n 2 | tr '\n' ' ')"
            return 1
        fi
    fi
    if ! lv_answers direct; then
        for d in virtnetworkd-sock virtnetworkd-sock-ro; do
            if [ ! -e "/run/libvirt/$d" ] && [ ! -L "/run/libvirt/$d" ]; then
                ln -s "libvirt-${d#virtnetworkd-}" "/run/libvirt/$d" && LINKS_MADE+=("/run/libvirt/$d")
            fi
        done
    fi
    lv_answers direct || { WHY="network:///system?mode=direct does not answer (/run/libvirt/virtnetworkd-sock)"; return 1; }
}

net_xml() {
    cat <<XML
<network>
  <name>$NET</name>
  <bridge name='$NETBR' stp='off' delay='0'/>
  <dns enable='no'/>
  <ip address='10.213.9.1' prefix='24'>
    <dhcp><range start='10.213.9.100' end='10.213.9.199'/></dhcp>
  </ip>
</network>
XML
}

# a DHCP client script for busybox udhcpc (the template has no default.script)
# shellcheck disable=SC2016 # a script for inside
DHCP_SCRIPT='#!/bin/sh
case "$1" in
deconfig) /bin/busybox ip link set "$interface" up ;;
bound | renew) /bin/busybox ip addr add "$ip/$mask" dev "$interface" ;;
esac
exit 0'

in_range() {
    local a=$1
    [[ "$a" =~ ^10\.213\.9\.([0-9]+)$ ]] && [ "${BASH_REMATCH[1]}" -ge 100 ] && [ "${BASH_REMATCH[1]}" -le 199 ]
}

# poll_has SECONDS PATTERN COMMAND...: out_has, retried for SECONDS
poll_has() {
    local t=$1 i
    shift
    for i in $(seq $((t * 5))); do
        out_has "$@" >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    out_has "$@"
}

WHY=
MAC_D1=52:54:00:21:39:01
if ! libvirt_up; then
    not_ok "libvirt network: $WHY"
elif ! net_xml >"$CT_TEST_ROOT/net.xml" || ! out=$(virsh -q -c "$NETURI" net-create "$CT_TEST_ROOT/net.xml" 2>&1); then
    not_ok "libvirt network $NET cannot be started: $out"
else
    NET_STARTED=1
    ok "libvirt network $NET (bridge $NETBR, 10.213.9.1/24, DHCP .100-.199) started"
    check "ct:///system sees it (forwarded to libvirtd)" out_has "^ *$NET +active" vsh net-list --all
    check "start d1 on <interface type='network'>" start_ct d1 \
        "<interface type='network'><source network='$NET'/><mac address='$MAC_D1'/></interface>"
    d1host=$(host_if d1 $MAC_D1)
    check "d1's host end ($d1host) is a port of the network's bridge $NETBR" port_of "$d1host" "$NETBR"
    check "domiflist d1: type network, source $NET" out_has "^ *$d1host +network +$NET " vsh domiflist d1
    # shellcheck disable=SC2016 # $0 is the script, expanded inside
    check "write a udhcpc script into d1" enter d1 /bin/sh -c \
        'echo "$0" >/dhcp.sh && chmod 755 /dhcp.sh' "$DHCP_SCRIPT"
    check "udhcpc in d1 gets a lease" enter d1 /bin/busybox udhcpc -f -q -n -t 5 -T 1 -i eth0 -s /dhcp.sh
    lease=$(enter d1 /bin/busybox ip -o -4 addr show dev eth0 | awk '{ sub(/\/.*/, "", $4); print $4; exit }')
    lease=${lease:-none}
    check "d1's eth0 has an address from the range ($lease)" in_range "$lease"
    check "d1 pings the network's host address 10.213.9.1" ping_ok d1 10.213.9.1
    check "domifaddr d1 shows the DHCP lease $lease" poll_has 5 "${lease//./\\.}/24" vsh domifaddr d1
    check "domifaddr d1 --source agent shows $lease" out_has "${lease//./\\.}/24" vsh domifaddr d1 --source agent
    check "domifaddr d1 --source arp shows $lease (host ARP table)" \
        poll_has 3 "${lease//./\\.}" vsh domifaddr d1 --source arp
    check "destroy d1" vsh destroy d1
    check "d1: host end gone" gone "$d1host"
    before=$(host_ifs)
    check "no port of $NET left" out_lacks . virsh -q -c "$NETURI" net-port-list "$NET"
    check "start d1 again" vsh start d1
    sup=$(supervisor_of d1)
    [ -n "$sup" ] && kill -9 "$sup"
    check "d1: kill -9 of its supervisor shuts it off" wait_off d1 5
    check "d1: no host interface left after the supervisor's death" no_new_ifs "$before"
    check "no port of $NET left after the supervisor's death" out_lacks . virsh -q -c "$NETURI" net-port-list "$NET"
    check "net-destroy $NET" virsh -q -c "$NETURI" net-destroy "$NET"
    check "the network's bridge is gone" gone "$NETBR"
fi

# --- 7. bandwidth ---------------------------------------------------------------
# inbound (into the container) 1024 KB/s with a small burst: 6 MiB take
# about 6 s (libvirt's units: kilobytes of 1024 bytes per second)
MAC_W1=52:54:00:21:37:01
check "start w1 on $BRA with <bandwidth><inbound average='1024'/>" start_ct w1 \
    "$(br_if "$BRA" 10.213.1.14/24 "<mac address='$MAC_W1'/>
        <bandwidth><inbound average='1024' burst='64'/></bandwidth>")"
w1host=$(host_if w1 $MAC_W1)
check "tc shapes w1's host end ($w1host)" out_has 'htb|tbf|hfsc' tc qdisc show dev "$w1host"
t=$(ms enter w1 /bin/busybox timeout 20 /bin/busybox wget -q -O /dev/null http://10.213.1.12/big)
rc=$?
check "6 MiB into w1 at 1024 KB/s: 4.8-7.2 s ($t ms)" in_window $rc "$t" 4800 7200
t=$(ms enter a1 /bin/busybox timeout 20 /bin/busybox wget -q -O /dev/null http://10.213.1.12/big)
rc=$?
check "a1 (no <bandwidth>) gets the same 6 MiB in < 2 s ($t ms)" in_window $rc "$t" 0 2000
vsh destroy w1 >/dev/null 2>&1
check "w1 destroyed: its host end and qdiscs are gone" gone "$w1host"

# outbound (out of the container) 1024 KB/s: the host end's ingress is
# redirected to an ifb device and shaped there (no police action needed)
MAC_W2=52:54:00:21:37:02
check "start w2 on $BRA with <bandwidth><outbound average='1024'/>" start_ct w2 \
    "$(br_if "$BRA" 10.213.1.16/24 "<mac address='$MAC_W2'/>
        <bandwidth><outbound average='1024' burst='64'/></bandwidth>")"
w2host=$(host_if w2 $MAC_W2)
check "w2's host end ($w2host) redirects its ingress" out_has 'ingress' tc qdisc show dev "$w2host"
check "to ifb$w2host, shaped with htb" out_has 'htb' tc qdisc show dev "ifb$w2host"
check "w2 serves a 6 MiB file" serve_www w2
t=$(ms enter a2 /bin/busybox timeout 20 /bin/busybox wget -q -O /dev/null http://10.213.1.16/big)
rc=$?
check "6 MiB out of w2 at 1024 KB/s: 4.8-7.2 s ($t ms)" in_window $rc "$t" 4800 7200
vsh destroy w2 >/dev/null 2>&1
check "w2 destroyed: its host end is gone" gone "$w2host"
check "and its ifb device" gone "ifb$w2host"

# --- 8. hotplug -----------------------------------------------------------------
MAC_H1=52:54:00:21:38:01
MAC_H2=52:54:00:21:38:02
MAC_H3=52:54:00:21:38:03
MAC_H4=52:54:00:21:38:04
base=$(host_ifs)
check "attach-interface a1 bridge $BRB --mac --target $HOT --live" \
    vsh attach-interface a1 bridge "$BRB" --mac $MAC_H1 --target "$HOT" --live
check "a1: the new interface is eth1" same eth1 "$(if_of a1 $MAC_H1)"
check "its host end $HOT is a port of $BRB" port_of "$HOT" "$BRB"
check "domiflist a1 lists it" out_has "^ *$HOT +bridge +$BRB +.*$MAC_H1" vsh domiflist a1
# a1's eth0 is on the same subnet: a host route sends b1's traffic through eth1
eth1_to_b1() {
    enter a1 /bin/sh -c 'ip() { /bin/busybox ip "$@"; }
        ip link set eth1 up && ip addr add 10.213.1.20/32 dev eth1 &&
        ip route add 10.213.1.13/32 dev eth1 src 10.213.1.20' && ping_ok a1 10.213.1.13
}
live_only() {
    out_has "$2" vsh dumpxml "$1" && out_lacks "$2" vsh dumpxml --inactive "$1"
}
check "a1 reaches b1 through it once it has an address" eth1_to_b1
check "the live definition has it, the persistent one not" live_only a1 $MAC_H1
check "detach-interface a1 bridge --mac --live" vsh detach-interface a1 bridge --mac $MAC_H1 --live
check "a1: the interface is gone inside" no_if a1 $MAC_H1
check "its host end $HOT is gone" gone "$HOT"
check "a1 cannot reach b1 any more" no_ping a1 10.213.1.13
check "a1 still reaches a2" ping_ok a1 10.213.1.12

cat >"$CT_TEST_ROOT/h2.xml" <<XML
<interface type='bridge'>
  <source bridge='$BRB'/>
  <mac address='$MAC_H2'/>
  <ip address='10.213.1.21' prefix='24'/>
</interface>
XML
check "attach-device a1 (<interface> with <ip>) --live" vsh attach-device a1 "$CT_TEST_ROOT/h2.xml" --live
h2=$(if_of a1 $MAC_H2)
check "a1: the new interface ($h2) has 10.213.1.21/24 unasked" \
    out_has "inet 10\.213\.1\.21/24 " enter a1 /bin/busybox ip -o addr show dev "${h2:-none}"
check "a1: and it is up" out_has '[<,]UP[,>]' enter a1 /bin/busybox ip -o link show dev "${h2:-none}"
h2_to_b1() {
    enter a1 /bin/busybox ip route add 10.213.1.13/32 dev "${h2:-none}" src 10.213.1.21 && ping_ok a1 10.213.1.13
}
check "a1 reaches b1 through it" h2_to_b1
h2host=$(host_if a1 $MAC_H2)
check "detach-device a1 --live" vsh detach-device a1 "$CT_TEST_ROOT/h2.xml" --live
check "a1: gone inside" no_if a1 $MAC_H2
check "its host end ($h2host) is gone" gone "${h2host:-none}"
check "domiflist a1 has only $TGT again" same "$TGT " "$(vsh domiflist a1 | awk '{ print $1 }' | tr '\n' ' ')"

check "attach-interface a1 bridge $BRB --live --config" \
    vsh attach-interface a1 bridge "$BRB" --mac $MAC_H3 --live --config
check "a1: it is there inside" has_if a1 $MAC_H3
check "and in dumpxml --inactive" out_has "$MAC_H3" vsh dumpxml --inactive a1
check "detach-interface a1 bridge --mac --live --config" \
    vsh detach-interface a1 bridge --mac $MAC_H3 --live --config
check "a1: gone inside" no_if a1 $MAC_H3
check "and from dumpxml --inactive" out_lacks "$MAC_H3" vsh dumpxml --inactive a1
cat >"$CT_TEST_ROOT/h4.xml" <<XML
<interface type='bridge'><source bridge='$BRB'/><mac address='$MAC_H4'/></interface>
XML
check "attach-device a1 --config" vsh attach-device a1 "$CT_TEST_ROOT/h4.xml" --config
check "persisted in dumpxml --inactive" out_has "$MAC_H4" vsh dumpxml --inactive a1
check "not in the running container" no_if a1 $MAC_H4
check "not in the live definition" out_lacks "$MAC_H4" vsh dumpxml a1
check "detach-device a1 --config" vsh detach-device a1 "$CT_TEST_ROOT/h4.xml" --config
check "gone from dumpxml --inactive" out_lacks "$MAC_H4" vsh dumpxml --inactive a1
check "hotplug left no host interface behind" no_new_ifs "$base"

# --- 9. cleanup: destroy, killed supervisor, restarted or killed daemon ---------
# g1: two interfaces, the second named inside with <guest dev='lan0'/>
g1_ifs="$(br_if "$BRA" 10.213.1.15/24 "<mac address='52:54:00:21:3b:01'/>")
    $(br_if "$BRB" "" "<mac address='52:54:00:21:3b:02'/><guest dev='lan0'/>")"
base=$(host_ifs)
n0=$(count_ifs)
check "start g1 with two interfaces" start_ct g1 "$g1_ifs"
check "g1: the first interface is eth0" same eth0 "$(if_of g1 52:54:00:21:3b:01)"
check "g1: the second is <guest dev='lan0'/>" same lan0 "$(if_of g1 52:54:00:21:3b:02)"
check "g1: eth0 is up" out_has '[<,]UP[,>]' enter g1 /bin/busybox ip -o link show eth0
check "g1: lan0 is up" out_has '[<,]UP[,>]' enter g1 /bin/busybox ip -o link show lan0
check "g1: lan0's host end is a port of $BRB" port_of "$(host_if g1 52:54:00:21:3b:02)" "$BRB"
check "two more host interfaces ($n0 -> $(count_ifs))" test "$(count_ifs)" = $((n0 + 2))
check "g1 pings a2" ping_ok g1 10.213.1.12
check "destroy g1" vsh destroy g1
check "after destroy: veth/macvlan back to $n0, none new" no_new_ifs "$base"

vsh start g1 >/dev/null 2>&1
sup=$(supervisor_of g1)
check "g1 started again, supervisor found" test -n "$sup"
[ -n "$sup" ] && kill -9 "$sup"
check "kill -9 of g1's supervisor: shut off within 5 s" wait_off g1 5
check "after the supervisor's death: no host interface left" no_new_ifs "$base"

check "start g1 again" vsh start g1
g1host=$(host_if g1 52:54:00:21:3b:01)
check "restart virtctd (daemon_stop, daemon_start)" restart_daemon
check "g1 still running after the restart" test "$(vsh domstate g1)" = running
check "domiflist g1 still names its host end $g1host" out_has "^ *$g1host +bridge +$BRA " vsh domiflist g1
check "g1 still pings a2" ping_ok g1 10.213.1.12
check "domifstat g1 after the restart" vsh domifstat g1 "$g1host"
check "destroy g1 after the restart" vsh destroy g1
check "no host interface left" no_new_ifs "$base"

check "start g1 again" vsh start g1
daemon_kill9
sup=$(supervisor_of g1)
[ -n "$sup" ] && kill -9 "$sup"
check "with virtctd killed (-9), g1's supervisor killed too (${sup:-none found})" test -n "$sup"
check "virtctd starts again" daemon_start
check "g1 found shut off" wait_off g1 10
check "no host interface of g1 left" no_new_ifs "$base"

# --- 10. 'direct': a macvlan on a dummy device ----------------------------------
# a dummy device; where the kernel has none, one end of a veth pair
HOST_DEVS+=("$DUM")
if ip link add "$DUM" type dummy 2>/dev/null; then
    lower=dummy
else
    lower="veth: this kernel has no dummy devices"
    ip link add "$DUM" type veth peer name "ctdup$S" && ip link set "ctdup$S" up
fi
check "host device $DUM ($lower) up" ip link set "$DUM" up
base=$(host_ifs)
MAC_M1=52:54:00:21:3a:01
check "start m1 with <interface type='direct'> on $DUM" start_ct m1 \
    "<interface type='direct'><source dev='$DUM' mode='bridge'/><mac address='$MAC_M1'/>
       <ip address='10.213.3.2' prefix='24'/></interface>"
check "m1: eth0 with $MAC_M1" out_has "link/ether $MAC_M1 " enter m1 /bin/busybox ip -o link show eth0
check "m1: eth0 has 10.213.3.2/24" out_has 'eth0 +inet 10\.213\.3\.2/24 ' enter m1 /bin/busybox ip -o addr
check "domiflist m1: direct on $DUM" out_has " direct +$DUM " vsh domiflist m1
check "destroy m1" vsh destroy m1
check "no macvlan left" no_new_ifs "$base"
check "$DUM itself stays on the host" ip link show dev "$DUM"
ip link del "$DUM" 2>/dev/null

# --- 11. 'ethernet': an unbridged veth ------------------------------------------
check "start e1 with <interface type='ethernet'><target dev='$ETH'/>" start_ct e1 \
    "<interface type='ethernet'><target dev='$ETH'/><mac address='52:54:00:21:3d:01'/>
       <ip address='10.213.4.2' prefix='24'/></interface>"
check "host end $ETH exists and is up" host_up "$ETH"
check "$ETH is in no bridge" out_lacks ' master ' ip -o link show dev "$ETH"
check "e1: eth0 has 10.213.4.2/24" out_has 'eth0 +inet 10\.213\.4\.2/24 ' enter e1 /bin/busybox ip -o addr
check "destroy e1" vsh destroy e1
check "$ETH is gone" gone "$ETH"

# --- 12. refusals ---------------------------------------------------------------
define_and_start() {
    define_ct "$@" && vsh start "$1"
}
check_fails "<interface type='user'> refused at define or start" "user" \
    define_and_start u1 "<interface type='user'><mac address='52:54:00:21:3e:01'/></interface>"
check "u1 is not running" bash -c "[ \"\$(virsh -q -c '$CT_URI' domstate u1 2>/dev/null)\" != running ]"
vsh undefine u1 >/dev/null 2>&1
check_fails "<interface type='vhostuser'> refused at define or start" "vhostuser" \
    define_and_start u2 "<interface type='vhostuser'><mac address='52:54:00:21:3e:02'/>
       <source type='unix' path='$CT_TEST_ROOT/vhu.sock' mode='server'/><model type='virtio'/></interface>"
check "u2 is not running" bash -c "[ \"\$(virsh -q -c '$CT_URI' domstate u2 2>/dev/null)\" != running ]"
vsh undefine u2 >/dev/null 2>&1
base=$(host_ifs)
check_fails "start on a bridge that does not exist: error names it" "$NOBR" \
    start_ct x1 "$(br_if "$NOBR" 10.213.1.30/24)"
check "x1 is not running" bash -c "[ \"\$(virsh -q -c '$CT_URI' domstate x1 2>/dev/null)\" != running ]"
check "the failed start left no host interface" no_new_ifs "$base"
vsh undefine x1 >/dev/null 2>&1
a2links=$(links a2)
check_fails "attach-interface a2 to a bridge that does not exist: error names it" "$NOBR" \
    vsh attach-interface a2 bridge "$NOBR" --live
check "a2 still running" test "$(vsh domstate a2)" = running
check "no new host interface" no_new_ifs "$base"
check "no new interface inside a2" same "$a2links" "$(links a2)"
check "domiflist a2 unchanged" same 1 "$(vsh domiflist a2 | grep -c .)"

# --- the end: everything down, nothing left -------------------------------------
for n in a1 a2 b1; do
    vsh destroy "$n" >/dev/null 2>&1
done
check "all destroyed: veth/macvlan back to the start ($(echo "$BASE_IFS" | grep -c .))" no_new_ifs "$BASE_IFS"
check "$TGT is gone" gone "$TGT"
check "no port left on $BRA or $BRB" bash -c "[ -z \"\$(ip -o link show master $BRA; ip -o link show master $BRB)\" ]"

summary
