#!/bin/bash
# test_enter.sh: entering a container gives no more than its own root.
# virt-ct-enter in a privileged container and in one with <idmap>: root
# inside, in every cgroup of init (its process limit counts the command),
# init's bounding set and no_new_privs, the container's / and /proc, a clean
# environment, the command's exit status; virsh lxc-enter-namespace joins
# the cgroup namespace and is refused where the container has a user
# namespace of its own.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

. "$(dirname "$0")/lib.sh"
skip_unless_root
if [ ! -x /bin/busybox ]; then
    echo "skipped: needs /bin/busybox (busybox-static)"
    exit 77
fi
daemon_setup
daemon_start || { not_ok "virtctd starts"; summary; exit 1; }
ENTER=$CT_BUILD/tools/virt-ct-enter

# the idmapped container's root (uid 100000 outside) must reach its root
chmod 755 "$CT_TEST_ROOT"
ROOT=$CT_TEST_ROOT/rootfs
UROOT=$CT_TEST_ROOT/urootfs
for r in "$ROOT" "$UROOT"; do
    "$CT_SRC/build-aux/busybox-root.sh" "$r" >/dev/null || { not_ok "busybox root"; summary; exit 1; }
    touch "$r/ct-enter-mark"
done
chown -R 100000:100000 "$UROOT"

# ct_xml NAME ROOT [EXTRA]: a container on ROOT with 64 processes at most
ct_xml() {
    cat <<XML
<domain type='lxc' xmlns:ct='http://libvirt.org/schemas/domain/ct/1.0'>
  <name>$1</name>
  <memory unit='MiB'>64</memory>
  <os><type>exe</type><init>/sbin/init</init></os>
  $3
  <devices>
    <filesystem type='mount'><source dir='$2'/><target dir='/'/></filesystem>
    <console type='pty'/>
  </devices>
  <ct:processes>64</ct:processes>
</domain>
XML
}

IDMAP="<idmap><uid start='0' target='100000' count='65536'/><gid start='0' target='100000' count='65536'/></idmap>"
ct_xml enp "$ROOT" "<ct:privileged/>" >"$CT_TEST_ROOT/enp.xml"
ct_xml enu "$UROOT" "$IDMAP" >"$CT_TEST_ROOT/enu.xml"
ct_xml end "$ROOT" >"$CT_TEST_ROOT/end.xml"
check "start a privileged container" vsh create "$CT_TEST_ROOT/enp.xml"
check "start a container with <idmap>" vsh create "$CT_TEST_ROOT/enu.xml"
check "start a default container (its own id range)" vsh create "$CT_TEST_ROOT/end.xml"
check "end: virt-ct-enter runs as root inside" bash -c "[ \"\$(ct_exec end /bin/id -u)\" = 0 ]"
check "end: which is the container's host root id outside" bash -c \
    "target=\$(vsh dumpxml end | sed -n \"s/.*<ct:idrange target='\\([0-9]*\\)'.*/\\1/p\") &&
     ct_exec end /bin/sh -c 'cat /proc/self/uid_map' | grep -Eq \"^ +0 +\$target +65536\\\$\""
check "end: it sees the container's root" ct_exec end /bin/test -e /ct-enter-mark
# a command entered from an admin's terminal cannot type into it (TIOCSTI):
# the command has a terminal of its own, and the deny list refuses the call
cp "$CT_BUILD/tests/ctescapeprobe" "$ROOT/probe"
MARK=$CT_TEST_ROOT/typed-by-the-container
(echo "'$ENTER' -c '$CT_URI' end /probe tiocsti 'touch $MARK
'"; sleep 3; echo exit) | script -qc "bash --norc --noprofile -i" /dev/null >"$CT_TEST_ROOT/tty.out" 2>&1
check "end: TIOCSTI on its terminal is refused (EPERM)" \
    grep -q "PROBE tiocsti blocked errno=EPERM step=ioctl" "$CT_TEST_ROOT/tty.out"
check "end: nothing it pushed ran in the admin's shell" test ! -e "$MARK"
out=$(script -qc "'$ENTER' -c '$CT_URI' end /bin/sh -c '[ -t 0 ] && echo tty=yes; echo sid=\$(cut -d\" \" -f6 /proc/self/stat) pid=\$\$'" /dev/null)
check "end: the command has a terminal of its own, in a session of its own ($(echo $out | tr -d '\r'))" \
    bash -c "[[ '$out' == *tty=yes* ]] && sid=\$(echo '$out' | sed -n 's/.*sid=\([0-9]*\).*/\1/p') &&
             pid=\$(echo '$out' | sed -n 's/.*pid=\([0-9]*\).*/\1/p') && [ \"\$sid\" = \"\$pid\" ]"
check "destroy end" vsh destroy end
check "enu has a user namespace of its own" bash -c \
    "[ \"\$(readlink /proc/$(vsh domid enu)/ns/user)\" != \"\$(readlink /proc/self/ns/user)\" ]"

# cgroup_of PID CONTROLLER: PID's path in a v1 hierarchy ("" for unified)
cgroup_of() {
    awk -F: -v c="$2" '$2 == c { print $3 }' "/proc/$1/cgroup"
}

# pids_dir NAME: the host directory of init's pids cgroup
pids_dir() {
    echo "/sys/fs/cgroup/pids$(cgroup_of "$(vsh domid "$1")" pids)"
}

# in_init_cgroups NAME: a command entered is in every cgroup of init
in_init_cgroups() {
    local id pid i
    id=$(vsh domid "$1")
    "$ENTER" -c "$CT_URI" "$1" /bin/sleep 5 &
    for i in $(seq 50); do
        pid=$(pgrep -P $! sleep) && break
        sleep 0.1
    done
    [ -n "$pid" ] || { echo "no sleep under virt-ct-enter $!"; return 1; }
    diff "/proc/$id/cgroup" "/proc/$pid/cgroup" || return 1
    grep -qx "$pid" "$(pids_dir "$1")/cgroup.procs" || { echo "$pid not in pids cgroup"; return 1; }
    # virt-ct-enter itself waits on the host, in none of them
    ! grep -qx "$!" "$(pids_dir "$1")/cgroup.procs" || { echo "virt-ct-enter in pids cgroup"; return 1; }
    kill "$pid"
    wait
}

# fork_refused NAME: with the process limit reached, the command runs but
# cannot fork
fork_refused() {
    local dir=$(pids_dir "$1") cur out rc=0
    cur=$(cat "$dir/pids.current")
    vsh schedinfo "$1" --set processes=$((cur + 1)) --live >/dev/null || return 1
    ct_exec "$1" /bin/true || { echo "the command itself did not run"; rc=1; }
    out=$(ct_exec "$1" /bin/sh -c '/bin/true; echo forked' 2>&1)
    case $out in
    *forked*) echo "forked past the limit: $out"; rc=1 ;;
    *"can't fork"*) ;;
    *) echo "unexpected: $out"; rc=1 ;;
    esac
    vsh schedinfo "$1" --set processes=64 --live >/dev/null || return 1
    return $rc
}

# same_inside NAME FILE-PATTERN: a line of /proc/self/status of the command
# equals init's
same_as_init() {
    local out
    out=$(ct_exec "$1" /bin/sh -c "grep '^$2:' /proc/self/status; grep '^$2:' /proc/1/status") || return 1
    [ "$(echo "$out" | sed -n 1p)" = "$(echo "$out" | sed -n 2p)" ] || { echo "$out"; return 1; }
}

for c in enp enu; do
    check "$c: virt-ct-enter runs as uid 0 inside" bash -c "[ \"\$(ct_exec $c /bin/id -u)\" = 0 ]"
    check "$c: and gid 0, no supplementary groups" bash -c "[ \"\$(ct_exec $c /bin/id -G)\" = 0 ]"
    check "$c: sees the container's root" ct_exec $c /bin/test -e /ct-enter-mark
    check "$c: sees the container's /proc (init is pid 1)" bash -c \
        "[ \"\$(ct_exec $c /bin/cat /proc/1/comm)\" = init ] && [ \$(ct_exec $c /bin/ps -o pid | wc -l) -lt 8 ]"
    check "$c: hostname is the container's" bash -c "[ \"\$(ct_exec $c /bin/hostname)\" = $c ]"
    check "$c: in every cgroup of init, virt-ct-enter itself in none" in_init_cgroups $c
    check "$c: counts against <ct:processes> (a fork fails at the limit)" fork_refused $c
    check "$c: bounding set is init's" same_as_init $c CapBnd
    check "$c: no_new_privs is init's" same_as_init $c NoNewPrivs
    check "$c: effective capabilities within init's bounding set" bash -c \
        "out=\$(ct_exec $c /bin/sh -c 'grep ^CapEff: /proc/self/status; grep ^CapBnd: /proc/1/status' | awk '{ print \$2 }');
         eff=0x\$(echo \"\$out\" | sed -n 1p); bnd=0x\$(echo \"\$out\" | sed -n 2p);
         [ \$(( eff & ~bnd )) = 0 ]"
    check "$c: in init's namespaces (user, mnt, pid, uts, ipc, net, cgroup)" bash -c \
        "for ns in user mnt pid uts ipc net cgroup; do
             in=\$(ct_exec $c /bin/readlink /proc/self/ns/\$ns) &&
             [ -n \"\$in\" ] && [ \"\$in\" = \"\$(readlink /proc/\$(vsh domid $c)/ns/\$ns)\" ] || exit 1
         done"
    check "$c: a clean environment" bash -c \
        "[ \"\$(CT_SECRET=x ct_exec $c /bin/env | sort | grep -v ^TERM= | tr '\n' ' ')\" = 'HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin container=libvirt-ct ' ]"
    check "$c: the working directory is /" bash -c "[ \"\$(ct_exec $c /bin/pwd)\" = / ]"
    check "$c: exit status is the command's" bash -c "ct_exec $c /bin/sh -c 'exit 7'; [ \$? = 7 ]"
    check "$c: stdin reaches the command" bash -c "[ \"\$(echo hi | ct_exec $c /bin/cat)\" = hi ]"
    check "$c: default command is /bin/sh" bash -c "[ \"\$(echo 'echo in-\$0' | $ENTER -c '$CT_URI' $c)\" = in-/bin/sh ]"
done

# processes of a container with its own user namespace are its root's
# outside (uid 100000), never host root
check "enu: the command is uid 100000 on the host" bash -c \
    "'$ENTER' -c '$CT_URI' enu /bin/sleep 5 & sleep 0.5; pid=\$(pgrep -P \$! sleep); grep -Eq '^Uid:\s+100000\s' /proc/\$pid/status; rc=\$?; kill \$pid; exit \$rc"
check "enp: host capabilities beyond init's are gone (no sys_module)" bash -c \
    "eff=0x\$(ct_exec enp /bin/sh -c 'grep ^CapEff: /proc/self/status' | awk '{ print \$2 }'); [ \$(( eff & (1 << 16) )) = 0 ]"

# --- errors ------------------------------------------------------------------------
expect_rc() {
    local want=$1 text=$2 out rc
    shift 2
    out=$("$@" 2>&1)
    rc=$?
    [ "$rc" = "$want" ] || { echo "exit $rc, wanted $want: $out"; return 1; }
    [[ "$out" == *"$text"* ]] || { echo "no '$text' in: $out"; return 1; }
}
check "a command not found: 127 with the name" expect_rc 127 "cannot run '/no/such'" ct_exec enp /no/such
check "an unknown container: 125" expect_rc 125 "ctnone" ct_exec ctnone /bin/true
check "a usage error: 125" expect_rc 125 "usage:" "$ENTER" -c "$CT_URI"
check "not root: 125" expect_rc 125 "must be run as root" setpriv --reuid=65534 --regid=65534 --clear-groups "$ENTER" -c "$CT_URI" enp /bin/true
check "suspend enp" vsh suspend enp
check "a paused container: 125, nothing run" expect_rc 125 "is paused" timeout 5 "$ENTER" -c "$CT_URI" enp /bin/true
check "resume enp" vsh resume enp

# --- virsh lxc-enter-namespace -----------------------------------------------------
check "lxc-enter-namespace in a privileged container: host root" bash -c \
    "[ \"\$(vsh lxc-enter-namespace enp /bin/id -u)\" = 0 ]"
check "lxc-enter-namespace joins mnt, pid, uts, ipc, net and cgroup" bash -c \
    "for ns in mnt pid uts ipc net cgroup; do
         in=\$(vsh lxc-enter-namespace enp /bin/readlink /proc/self/ns/\$ns) &&
         [ -n \"\$in\" ] && [ \"\$in\" = \"\$(readlink /proc/\$(vsh domid enp)/ns/\$ns)\" ] || exit 1
     done"
# libvirt 9.0's client joins only the controllers it knows: not pids
check "lxc-enter-namespace leaves the pids cgroup (libvirt 9.0's client)" bash -c \
    "out=\$(vsh lxc-enter-namespace enp /bin/cat /proc/self/cgroup) && echo \"\$out\" | grep -Eq '^[0-9]+:memory:/\$' &&
     ! echo \"\$out\" | grep -Eq '^[0-9]+:pids:/\$'"
check_fails "lxc-enter-namespace in a container with a user namespace is refused" \
    "has its own user namespace" vsh lxc-enter-namespace enu /bin/id -u
check_fails "and the error names virt-ct-enter" "virt-ct-enter enu" vsh lxc-enter-namespace enu /bin/id -u

vsh destroy enp >/dev/null
vsh destroy enu >/dev/null
summary
