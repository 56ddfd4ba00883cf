#!/bin/bash
# test_userns.sh: unprivileged containers by default: an id range per
# container from the pool of virtctd.conf, kept in the definition and
# across daemon restarts, distinct, refused when taken or exhausted;
# template, bound and extra roots shifted by idmapped mounts with files
# stored unshifted; <idmap> and <ct:privileged/>; definitions and running
# containers of an earlier version.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

. "$(dirname "$0")/lib.sh"
skip_unless_root
if [ ! -x /bin/busybox ]; then
    echo "skipped: needs /bin/busybox (busybox-static)"
    exit 77
fi
POOL=3000000000
CT_EXTRA_CONF="ct_id_pool_start = $POOL
ct_id_pool_size = 196608
ct_id_range_size = 65536"
store_daemon_start
"$TPL" -q create busybox --busybox || { not_ok "busybox template"; summary; exit 1; }
OUT=$CT_TEST_ROOT/out
mkdir -p "$OUT"

# init: report who it is and what it sees into /out/NAME.*, then wait
INIT_SCRIPT='n=$(hostname); id -u >/out/$n.uid; stat -c %u:%g / >/out/$n.root;
echo x >/out/$n.file; echo y >/etc/$n.mark; exec sleep 100000'

# ct_xml NAME ROOT-XML [EXTRA]: a container whose init reports
ct_xml() {
    cat <<XML
<domain type='lxc' xmlns:ct='http://libvirt.org/schemas/domain/ct/1.0'>
  <name>$1</name>
  <memory unit='MiB'>64</memory>
  <os><type>exe</type><init>/bin/sh</init><initarg>-c</initarg>
    <initarg>$(xml_escape "$INIT_SCRIPT")</initarg></os>
  ${3:-}
  <devices>
    $2
    <filesystem type='mount'><source dir='$OUT'/><target dir='/out'/></filesystem>
    <console type='pty'/>
  </devices>
</domain>
XML
}

xml_escape() {
    local s=$1
    s=${s//&/\&amp;}
    s=${s//</\&lt;}
    s=${s//>/\&gt;}
    printf '%s' "$s"
}

TEMPLATE_ROOT="<filesystem type='template'><source name='busybox'/><target dir='/'/></filesystem>"

define() {
    ct_xml "$@" >"$CT_TEST_ROOT/$1.xml" && vsh define "$CT_TEST_ROOT/$1.xml" >/dev/null
}

range_of() {
    vsh dumpxml "$1" | sed -n "s/.*<ct:idrange target='\([0-9]*\)' count='\([0-9]*\)'.*/\1 \2/p"
}

init_pid() {
    vsh domid "$1"
}

host_uid() {
    awk '/^Uid:/ { print $2 }' "/proc/$(init_pid "$1")/status"
}

reported() {
    local i
    for i in $(seq 100); do
        [ -s "$OUT/$1.file" ] && return 0
        sleep 0.1
    done
    return 1
}

# --- ranges ------------------------------------------------------------------
check "define u1 (template root, no <idmap>)" define u1 "$TEMPLATE_ROOT"
check "define u2" define u2 "$TEMPLATE_ROOT"
r1=$(range_of u1)
r2=$(range_of u2)
check "u1 has the pool's first range ($r1)" test "$r1" = "$POOL 65536"
check "u2 has the next one ($r2)" test "$r2" = "$((POOL + 65536)) 65536"
check "the range is in the saved definition" \
    grep -q "<ct:idrange target='$POOL' count='65536'/>" "$CT_TEST_ROOT/etc/ct/u1.xml"

check "start u1" vsh start u1
check "start u2" vsh start u2
check "u1 reported" reported u1
check "u2 reported" reported u2
check "u1: init runs as host uid $POOL" test "$(host_uid u1)" = "$POOL"
check "u2: init runs as host uid $((POOL + 65536))" test "$(host_uid u2)" = "$((POOL + 65536))"
check "u1: uid_map is its range" \
    grep -Eq "^ +0 +$POOL +65536$" "/proc/$(init_pid u1)/uid_map"
check "u1: init is root inside" test "$(cat "$OUT/u1.uid")" = 0
check "u1: its root belongs to root inside" test "$(cat "$OUT/u1.root")" = 0:0
check "u1: a file written to a bound directory is stored as 0:0" \
    test "$(stat -c %u:%g "$OUT/u1.file")" = 0:0
check "u1: a file written to its root is stored as 0:0 in its layer" \
    test "$(stat -c %u:%g "$STORE/containers/u1/upper/etc/u1.mark")" = 0:0
check "u1: the overlay keeps its metadata in user.* attributes" bash -c \
    "! getfattr -d -m 'trusted.overlay' -R '$STORE/containers/u1/upper' 2>/dev/null | grep -q trusted"
check "the template is untouched" test ! -e "$STORE/templates/busybox/root/etc/u1.mark"

daemon_stop
check "daemon restarts" daemon_start
check "u1 keeps its range over a daemon restart" test "$(range_of u1)" = "$r1"
check "u1 still runs with it" test "$(host_uid u1)" = "$POOL"

vsh dumpxml --inactive u1 >"$CT_TEST_ROOT/u1-again.xml"
check "redefining u1 with its range keeps it" vsh define "$CT_TEST_ROOT/u1-again.xml"
grep -v '<ct:idrange' "$CT_TEST_ROOT/u1-again.xml" >"$CT_TEST_ROOT/u1-norange.xml"
check "redefining u1 without <ct:idrange> keeps its range" vsh define "$CT_TEST_ROOT/u1-norange.xml"
check "u1's range unchanged" test "$(range_of u1)" = "$r1"

ct_xml u4 "$TEMPLATE_ROOT" "<ct:idrange target='$((POOL + 100))' count='10'/>" >"$CT_TEST_ROOT/u4.xml"
check_fails "a range that meets u1's is refused" "overlap the id range of domain 'u1'" \
    vsh define "$CT_TEST_ROOT/u4.xml"
check "nothing of u4 was defined" bash -c "! virsh -q -c '$CT_URI' dominfo u4"

ct_xml u1 "$TEMPLATE_ROOT" "<ct:idrange target='$((POOL + 131072))' count='65536'/>" \
    | sed "s|<name>u1</name>|&<uuid>$(vsh domuuid u1)</uuid>|" >"$CT_TEST_ROOT/u1-move.xml"
check_fails "a running container's range cannot change" "can change only while it is shut off" \
    vsh define "$CT_TEST_ROOT/u1-move.xml"
check "u1 keeps its range" test "$(range_of u1)" = "$r1"
ct_xml u6 "$TEMPLATE_ROOT" "<ct:idrange target='100000' count='65536'/>" >"$CT_TEST_ROOT/u6.xml"
check_fails "a range outside the pool is refused" "outside the id pool" vsh define "$CT_TEST_ROOT/u6.xml"
MAP="<idmap><uid start='0' target='%d' count='65536'/><gid start='0' target='%d' count='65536'/></idmap>"
# shellcheck disable=SC2059
ct_xml m0 "$TEMPLATE_ROOT" "$(printf "$MAP" $((POOL + 10)) $((POOL + 10)))" >"$CT_TEST_ROOT/m0.xml"
check_fails "an <idmap> on u1's range is refused" "overlap the id range of domain" \
    vsh define "$CT_TEST_ROOT/m0.xml"
# shellcheck disable=SC2059
check "two <idmap>s may share ids (Nova maps every container alike): m1" \
    define m1 "$TEMPLATE_ROOT" "$(printf "$MAP" $((POOL + 131072)) $((POOL + 131072)))"
# shellcheck disable=SC2059
check "two <idmap>s may share ids: m2" \
    define m2 "$TEMPLATE_ROOT" "$(printf "$MAP" $((POOL + 131072)) $((POOL + 131072)))"
check_fails "the pool skips the ids of an <idmap>" "no free id range left" define u3 "$TEMPLATE_ROOT"
check "undefine m1" vsh undefine m1
check "undefine m2" vsh undefine m2
check "define u3 (the pool's last range)" define u3 "$TEMPLATE_ROOT"
ct_xml u5 "$TEMPLATE_ROOT" >"$CT_TEST_ROOT/u5.xml"
check_fails "with the pool used up, define is refused" "no free id range left" \
    vsh define "$CT_TEST_ROOT/u5.xml"
check "undefine u3" vsh undefine u3
check "u5 gets u3's range" vsh define "$CT_TEST_ROOT/u5.xml"
check "u5's range is the third" test "$(range_of u5)" = "$((POOL + 131072)) 65536"

# --- other roots --------------------------------------------------------------
mkdir -p "$CT_TEST_ROOT/bindroot"
cp -a "$STORE/templates/busybox/root/." "$CT_TEST_ROOT/bindroot/"
chmod 700 "$CT_TEST_ROOT/bindroot"
# a device node the devices cgroup would allow (null), as an image may hold
mknod "$CT_TEST_ROOT/bindroot/nullnode" c 1 3
check "undefine u5" vsh undefine u5
check "define b1 on a bound root directory private to the host's root" define b1 \
    "<filesystem type='mount'><source dir='$CT_TEST_ROOT/bindroot'/><target dir='/'/></filesystem>"
check "start b1" vsh start b1
check "b1 reported" reported b1
check "b1: root inside" test "$(cat "$OUT/b1.uid")" = 0
check "b1: its root belongs to root inside" test "$(cat "$OUT/b1.root")" = 0:0
check "b1: a file it writes to its root is stored as 0:0" \
    test "$(stat -c %u:%g "$CT_TEST_ROOT/bindroot/etc/b1.mark")" = 0:0
check_fails "b1: a device node in its root cannot be opened (nodev)" "Permission denied" \
    ct_exec b1 /bin/sh -c 'echo x >/nullnode'
check "b1: its own /dev/null works" ct_exec b1 /bin/sh -c 'echo x >/dev/null'
check "destroy b1" vsh destroy b1
check "undefine b1: its range is free again" vsh undefine b1

check "define i1: template root with an <idmap>" define i1 "$TEMPLATE_ROOT" \
    "<idmap><uid start='0' target='2000000' count='65536'/><gid start='0' target='2000000' count='65536'/></idmap>"
check "i1 has no <ct:idrange>" test -z "$(range_of i1)"
# with an <idmap>, bound directories must belong to the mapped ids already
chown 2000000:2000000 "$OUT"
check "start i1" vsh start i1
check "i1 reported" reported i1
chown 0:0 "$OUT"
check "i1: init runs as host uid 2000000" test "$(host_uid i1)" = 2000000
check "i1: the template belongs to root inside" test "$(cat "$OUT/i1.root")" = 0:0
check "destroy i1" vsh destroy i1

check "define p1 <ct:privileged/>" define p1 "$TEMPLATE_ROOT" "<ct:privileged/>"
check "p1 has no <ct:idrange>" test -z "$(range_of p1)"
check "start p1" vsh start p1
check "p1 reported" reported p1
check "p1: init runs as host root" test "$(host_uid p1)" = 0
check "p1: no user namespace of its own" \
    test "$(readlink "/proc/$(init_pid p1)/ns/user")" = "$(readlink /proc/self/ns/user)"
check "p1 and u1 share one layer format: p1's file is stored as 0:0" \
    test "$(stat -c %u:%g "$STORE/containers/p1/upper/etc/p1.mark")" = 0:0

check "define x1 with a bind of a file system that cannot be idmapped" define x1 \
    "$TEMPLATE_ROOT<filesystem type='mount'><source dir='/proc/sys'/><target dir='/mnt'/></filesystem>"
check_fails "x1 does not start, and says why" "does not support idmapped mounts" vsh start x1
check "x1 left no process" bash -c "! virsh -q -c '$CT_URI' domid x1 | grep -q '[0-9]'"
check "undefine x1" vsh undefine x1

# --- a bind source is never followed through a link the container planted ----
mkdir -p "$CT_TEST_ROOT/srv/a/logs" "$CT_TEST_ROOT/hostsecret"
echo host-only >"$CT_TEST_ROOT/hostsecret/key"
chmod 700 "$CT_TEST_ROOT/hostsecret"
check "define n1 with a bind inside another bind" define n1 "$TEMPLATE_ROOT
    <filesystem type='mount'><source dir='$CT_TEST_ROOT/srv/a'/><target dir='/data'/></filesystem>
    <filesystem type='mount'><source dir='$CT_TEST_ROOT/srv/a/logs'/><target dir='/logs'/></filesystem>"
check "start n1" vsh start n1
check "n1 replaces the inner source with a link to a host directory" \
    ct_exec n1 /bin/sh -c "rmdir /data/logs && ln -s '$CT_TEST_ROOT/hostsecret' /data/logs"
check "destroy n1" vsh destroy n1
check_fails "n1 does not start again through the link" "has a symbolic link in its path" \
    vsh start n1
check "the host directory was not handed to it" test ! -e "$CT_TEST_ROOT/hostsecret/planted"
check "undefine n1" vsh undefine n1

# --- a defined container started from a transient definition ------------------
check "define d1" define d1 "$TEMPLATE_ROOT"
rd=$(range_of d1)
vsh dumpxml --inactive d1 | sed -e "/<ct:idrange/d" \
    -e "s|</domain>|<ct:privileged/></domain>|" >"$CT_TEST_ROOT/d1-other.xml"
check_fails "create with other ids than its definition's is refused" \
    "is defined with other ids" vsh create "$CT_TEST_ROOT/d1-other.xml"
vsh dumpxml --inactive d1 | sed -e "/<ct:idrange/d" >"$CT_TEST_ROOT/d1-none.xml"
check "create without a range runs with its definition's" vsh create "$CT_TEST_ROOT/d1-none.xml"
check "  which is $rd" test "$(range_of d1)" = "$rd"
check "destroy d1" vsh destroy d1
check "its range stays its definition's" test "$(range_of d1)" = "$rd"
check "undefine d1" vsh undefine d1

# --- an earlier version's definitions and running containers -----------------
check "stop u2" vsh destroy u2
daemon_stop
sed -i -e '/<ct:idrange/d' "$CT_TEST_ROOT/etc/ct/u2.xml"
sed -i -e '/<ct:privileged/d' "$CT_TEST_ROOT/run/ct/p1.xml"
check "daemon restarts" daemon_start
check "a definition without a range gets a free one" test -n "$(range_of u2)"
check "and keeps it on disk" grep -q "<ct:idrange" "$CT_TEST_ROOT/etc/ct/u2.xml"
check "a running container started without a range is shown privileged" bash -c \
    "virsh -q -c '$CT_URI' dumpxml p1 | grep -q '<ct:privileged/>'"
check "and is still running" test "$(host_uid p1)" = 0

# --- the memory limit, in the cgroup init runs in ------------------------------
# with a user namespace init stays in the v1 memory cgroup that carries the
# limit (no "init" child there: ~64 KiB of kernel memory less a container);
# its root can raise it neither through /sys/fs/cgroup nor through the
# hierarchy mounted afresh
if [ -d /sys/fs/cgroup/memory ]; then
    INIT_SCRIPT='n=$(hostname); mkdir -p /tmp/m; mount -t cgroup -o memory none /tmp/m;
echo 1073741824 >/tmp/m/memory.limit_in_bytes; echo $? >/out/$n.raised1;
echo 1073741824 >/sys/fs/cgroup/memory/memory.limit_in_bytes; echo $? >/out/$n.raised2;
echo x >/out/$n.file; exec sleep 100000'
    define um "$TEMPLATE_ROOT"
    vsh start um >/dev/null
    reported um
    mpath=$(awk -F: '$2 == "memory" { print $3 }' "/proc/$(init_pid um)/cgroup")
    check "um: init is in the memory cgroup with the limit ($mpath)" \
        bash -c "[ -n '$mpath' ] && [[ '$mpath' != */init ]]"
    check "um: raising it through a fresh mount is refused" test "$(cat "$OUT/um.raised1")" != 0
    check "um: raising it through /sys/fs/cgroup is refused" test "$(cat "$OUT/um.raised2")" != 0
    check "um: the limit is still 64 MiB" \
        grep -qx 67108864 "/sys/fs/cgroup/memory$mpath/memory.limit_in_bytes"
    vsh destroy um >/dev/null
    vsh undefine um >/dev/null
fi

for d in u1 p1; do vsh destroy "$d" >/dev/null 2>&1; done
summary
