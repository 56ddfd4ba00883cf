#!/bin/bash
# test_snapshot.sh: the libvirt snapshot API on containers (virsh
# snapshot-*): snapshots of a container shut off, running with its
# processes (CRIU) or its disk only, at --memspec, with --halt; revert
# brings back the files (and the processes: a counter in memory goes on
# from the snapshot's value); the tree (parents, current, list filters),
# redefine (snapshot-edit), delete with --children, --children-only,
# --metadata; undefine and migrate refused while snapshots exist; a
# daemon restart keeps them; a daemon killed while a snapshot is taken or
# reverted leaves no half of either; on both kinds of layer (an upper
# directory, and a disk image with a space limit).
#
# SPDX-License-Identifier: LGPL-2.1-or-later

. "$(dirname "$0")/lib.sh"
skip_unless_root
if [ ! -x /bin/busybox ]; then
    echo "skipped: needs /bin/busybox (busybox-static)"
    exit 77
fi
if [ ! -x "$CT_BUILD/ct-criu" ]; then
    echo "skipped: this build has no CRIU ($CT_BUILD/ct-criu; meson -Dcriu=auto could not build it)"
    exit 77
fi
store_setup
# CT_SNAPSHOT_POOL=1 (test_snapshot_pool.sh): containers/ on the layer
# pool, an XFS image, where the copies are reflinks
if [ -n "${CT_SNAPSHOT_POOL:-}" ]; then
    export CT_EXTRA_CONF="layer_pool = \"$CT_TEST_ROOT/pool.img\""
fi
daemon_start || { not_ok "virtctd starts"; summary; exit 1; }
if [ -n "${CT_SNAPSHOT_POOL:-}" ]; then
    check "containers/ is the layer pool (XFS)" \
        bash -c "[ \"\$(findmnt -n -o FSTYPE $STORE/containers)\" = xfs ]"
fi
"$TPL" -q create busybox --busybox || { not_ok "busybox template"; summary; exit 1; }
STATE=$CT_TEST_ROOT/run/ct
CONTAINERS=$STORE/containers

cleanup() {
    local d
    for d in $(vsh list --name 2>/dev/null); do vsh destroy "$d" >/dev/null 2>&1; done
    [ -n "${evpid:-}" ] && kill "$evpid" 2>/dev/null
    store_teardown
}
trap cleanup EXIT

# ct_xml NAME [SPACE-LIMIT-MiB]: busybox init on the template (its layer
# an upper directory, or with a limit a disk image), a 16 MiB tmpfs /tmp
ct_xml() {
    local limit=
    [ -n "${2:-}" ] && limit="<space_hard_limit unit='MiB'>$2</space_hard_limit>"
    cat <<XML
<domain type='lxc'>
  <name>$1</name>
  <memory unit='MiB'>64</memory>
  <os><type>exe</type><init>/sbin/init</init></os>
  <devices>
    <filesystem type='template'><source name='busybox'/><target dir='/'/>$limit</filesystem>
    <filesystem type='ram'><source usage='16' units='MiB'/><target dir='/tmp'/></filesystem>
    <console type='pty'/>
  </devices>
</domain>
XML
}

define() {
    ct_xml "$@" >"$CT_TEST_ROOT/$1.xml" && vsh define "$CT_TEST_ROOT/$1.xml" >/dev/null
}

state() {
    vsh domstate --reason "$1" 2>&1
}

# A counter that lives in a shell's memory only (written to the tmpfs,
# never read back): what only a checkpoint brings back.
start_workload() {
    ct_exec "$1" setsid /bin/sh -c '
        exec </dev/null >/dev/null 2>&1
        (i=0; while true; do i=$((i+1)); echo $i >/tmp/count; sleep 0.1; done) </dev/null >/dev/null 2>&1 &' \
        >/dev/null 2>&1
    sleep 0.5
}

# read through init's root from the host: also while it is frozen (read
# again when caught between the shell's truncation and its write)
count() {
    local pid n i
    pid=$(vsh domid "$1") || return 1
    for i in 1 2 3 4 5; do
        n=$(cat "/proc/$pid/root/tmp/count" 2>/dev/null)
        [ -n "$n" ] && break
        sleep 0.03
    done
    echo "$n"
}

# the file in the container's root, "-" when there is none
rfile() {
    ct_exec "$1" /bin/sh -c "cat $2 2>/dev/null || echo -"
}

snapstate() {
    vsh snapshot-info "$1" "$2" | awk '/^State:/ { print $2 }'
}

current() {
    vsh snapshot-current "$1" --name 2>&1
}

# the freezer of the container's cgroup and of init's
thawed() {
    local cg
    cg=$(sed -n "s|.*<cgroup limits='\\([^']*\\)'.*|\\1|p" "$STATE/$1.xml")
    [ -n "$cg" ] && [ "$(cat "/sys/fs/cgroup/freezer$cg/freezer.state")" = THAWED ] &&
        [ "$(cat "/sys/fs/cgroup/freezer$cg/init/freezer.state")" = THAWED ]
}

now_ms() {
    echo $(($(date +%s%N) / 1000000))
}

# jobinfo NAME FIELD: a figure of domjobinfo --completed
jobinfo() {
    vsh domjobinfo "$1" --completed --keep-completed | sed -n "s/^$2: *\\([^ ]*\\).*/\\1/p"
}

# the leftovers of work a daemon did not finish
leftovers() {
    compgen -G "$CONTAINERS/$1/snapshots/.*" || compgen -G "$CONTAINERS/$1/.revert.*"
}

export -f state count rfile snapstate current thawed leftovers
export STATE CONTAINERS

# ---- refusals -----------------------------------------------------------
define sn-up
check_fails "a name with a slash is refused" "snapshot name" vsh snapshot-create-as sn-up 'a/b'
check_fails "a name of 65 characters is refused" "snapshot name" \
    vsh snapshot-create-as sn-up "$(printf 'x%.0s' $(seq 65))"
check_fails "the name 'current' is refused (the file naming the current one)" "is reserved" \
    vsh snapshot-create-as sn-up current
check "a name of 64 characters of [A-Za-z0-9._-] is taken" \
    vsh snapshot-create-as sn-up "A.b_c-9$(printf 'x%.0s' $(seq 57))"
check "...and deleted" vsh snapshot-delete sn-up "A.b_c-9$(printf 'x%.0s' $(seq 57))"
ct_xml sn-trans >"$CT_TEST_ROOT/sn-trans.xml"
vsh create "$CT_TEST_ROOT/sn-trans.xml" >/dev/null
check_fails "a transient container is refused" "is transient" vsh snapshot-create-as sn-trans x
vsh destroy sn-trans >/dev/null
mkdir -p "$CT_TEST_ROOT/rootdir"
cat >"$CT_TEST_ROOT/sn-dir.xml" <<XML
<domain type='lxc'>
  <name>sn-dir</name>
  <memory unit='MiB'>64</memory>
  <os><type>exe</type><init>/sbin/init</init></os>
  <devices>
    <filesystem type='mount'><source dir='$CT_TEST_ROOT/rootdir'/><target dir='/'/></filesystem>
  </devices>
</domain>
XML
vsh define "$CT_TEST_ROOT/sn-dir.xml" >/dev/null
check_fails "a container without a template root is refused" "root file system on a template" \
    vsh snapshot-create-as sn-dir x
vsh undefine sn-dir >/dev/null

# ---- both kinds of layer: shut off, with memory, disk only, revert ------
evpid=
for kind in up img; do
    c=sn-$kind
    if [ $kind = img ]; then
        define $c 1024
    fi
    check "$kind: snapshot of the container shut off, with a description" \
        vsh snapshot-create-as $c off --description "taken shut off"
    check "$kind: its state is shutoff, its description kept" \
        bash -c "[ \"\$(snapstate $c off)\" = shutoff ] && vsh snapshot-dumpxml $c off | grep -q '<description>taken shut off</description>'"
    vsh start $c >/dev/null
    start_workload $c
    ct_exec $c /bin/sh -c 'echo one >/root/marker'
    # read before: the processes run on while the image is written
    at=$(count $c)
    check "$kind: snapshot of the running container (with its memory)" vsh snapshot-create-as $c mem
    check "$kind: its state is running, it runs on" \
        bash -c "[ \"\$(snapstate $c mem)\" = running ] && [ \"\$(vsh domstate $c)\" = running ] && sleep 0.3 && [ \"\$(count $c)\" -gt '$at' ]"
    echo "# $kind: snapshot with memory: $(jobinfo $c 'Time elapsed') ms, the container held $(jobinfo $c 'Total downtime') ms"
    check "$kind: the container is thawed after it" thawed $c
    ct_exec $c /bin/sh -c 'echo two >/root/marker; echo extra >/root/extra'
    check "$kind: --disk-only snapshot of the running container" \
        vsh snapshot-create-as $c disk --disk-only --description "disk only"
    check "$kind: its state is disk-snapshot" bash -c "[ \"\$(snapstate $c disk)\" = disk-snapshot ]"
    check "$kind: domjobinfo --completed: Operation Snapshot, the freeze as Total downtime" \
        bash -c "vsh domjobinfo $c --completed --keep-completed | grep -q '^Operation: *Snapshot' && vsh domjobinfo $c --completed --keep-completed | grep -q '^Total downtime: *[0-9]'"
    echo "# $kind: disk-only snapshot: $(jobinfo $c 'Time elapsed') ms, frozen $(jobinfo $c 'Total downtime') ms"
    check "$kind: the container is thawed after it, and counts" \
        bash -c "thawed $c && a=\$(count $c) && sleep 0.3 && [ \"\$(count $c)\" -gt \"\$a\" ]"
    ct_exec $c /bin/sh -c 'echo three >/root/marker; rm /root/extra; echo new >/root/new'
    check "$kind: the current snapshot is the last taken, its parent the one before" \
        bash -c "[ \"\$(current $c)\" = disk ] && [ \"\$(vsh snapshot-parent $c disk)\" = mem ] && [ \"\$(vsh snapshot-parent $c mem)\" = off ]"

    if [ $kind = up ]; then
        virsh -q -c "$CT_URI" event --domain $c --event lifecycle --loop >"$CT_TEST_ROOT/events" 2>&1 &
        evpid=$!
        sleep 0.3
    fi
    sleep 2
    before=$(count $c)
    t0=$(now_ms)
    check "$kind: revert to the snapshot with memory" vsh snapshot-revert $c mem
    echo "# $kind: revert with memory: $(($(now_ms) - t0)) ms"
    check "$kind: running (from snapshot)" bash -c "s=\$(state $c); echo \"state: \$s\"; [ \"\$s\" = 'running (from snapshot)' ]"
    sleep 0.3
    after=$(count $c)
    if [ -n "$after" ] && [ -n "$at" ] && [ "$after" -ge "$at" ] && [ "$after" -lt "$before" ]; then
        ok "$kind: the counter in memory goes on from the snapshot's value (snapshot $at, before the revert $before, now $after)"
    else
        not_ok "$kind: the counter in memory goes on from the snapshot's value (snapshot '$at', before the revert '$before', now '$after')"
    fi
    check "$kind: the files are the snapshot's" \
        bash -c "[ \"\$(rfile $c /root/marker)\" = one ] && [ \"\$(rfile $c /root/extra)\" = - ] && [ \"\$(rfile $c /root/new)\" = - ]"
    check "$kind: the container is thawed, the root writable" \
        bash -c "thawed $c && ct_exec $c /bin/sh -c 'echo w >/root/w && rm /root/w'"
    check "$kind: the current snapshot is the reverted one" bash -c "[ \"\$(current $c)\" = mem ]"
    if [ $kind = up ]; then
        sleep 0.3
        kill $evpid 2>/dev/null
        wait $evpid 2>/dev/null
        evpid=
        check "events: stopped from snapshot, then started from snapshot" \
            bash -c "grep -q 'Stopped Snapshot' $CT_TEST_ROOT/events && grep -q 'Started Snapshot' $CT_TEST_ROOT/events"
    fi

    t0=$(now_ms)
    check "$kind: revert to the disk-only snapshot" vsh snapshot-revert $c disk
    echo "# $kind: revert to a disk-only snapshot: $(($(now_ms) - t0)) ms"
    check "$kind: it stays shut off (from snapshot)" \
        bash -c "s=\$(state $c); echo \"state: \$s\"; [ \"\$s\" = 'shut off (from snapshot)' ]"
    check "$kind: revert --paused to it" vsh snapshot-revert $c disk --paused
    check "$kind: paused (from snapshot)" bash -c "s=\$(state $c); echo \"state: \$s\"; [ \"\$s\" = 'paused (from snapshot)' ]"
    vsh resume $c >/dev/null
    check "$kind: its files are the disk-only snapshot's" \
        bash -c "[ \"\$(rfile $c /root/marker)\" = two ] && [ \"\$(rfile $c /root/extra)\" = extra ] && [ \"\$(rfile $c /root/new)\" = - ]"
    check "$kind: revert --running to the snapshot taken shut off" vsh snapshot-revert $c off --running
    check "$kind: running (from snapshot), its layer as it was then (empty)" \
        bash -c "s=\$(state $c); echo \"state: \$s\"; [ \"\$s\" = 'running (from snapshot)' ] && [ \"\$(rfile $c /root/marker)\" = - ] && [ \"\$(rfile $c /root/extra)\" = - ]"
    if [ $kind = img ]; then
        check "img: the disk quota is the container's after the reverts" \
            bash -c "ct_exec $c df -m / | tail -n 1 | awk '{ exit !(\$2 >= 900 && \$2 <= 1024) }'"
    fi
    vsh destroy $c >/dev/null
done

# ---- paused, a broken memory image, a managed save ------------------------
c=sn-up
vsh start $c >/dev/null
start_workload $c
vsh suspend $c >/dev/null
check "a snapshot of the paused container: state paused" \
    bash -c "vsh snapshot-create-as $c paused >/dev/null && [ \"\$(snapstate $c paused)\" = paused ] && [ \"\$(vsh domstate $c)\" = paused ]"
at=$(count $c)
vsh resume $c >/dev/null
sleep 0.5
# (the file may lag the shell's variable by one: frozen between the two)
check "revert to it: paused (from snapshot), the counter at the snapshot's value, not counting" \
    bash -c "vsh snapshot-revert $c paused && s=\$(state $c); echo \"state: \$s\"; [ \"\$s\" = 'paused (from snapshot)' ] && n=\$(count $c) && sleep 0.3 && m=\$(count $c) && echo \"count \$n then \$m (snapshot $at)\" && [ \"\$n\" -ge '$at' ] && [ \"\$n\" -le $((at + 1)) ] && [ \"\$m\" = \"\$n\" ]"
check "...resumed, it counts on" \
    bash -c "vsh resume $c >/dev/null && sleep 0.3 && [ \"\$(count $c)\" -gt '$at' ]"
img=$CONTAINERS/$c/snapshots/paused/memory.img
cp "$img" "$CT_TEST_ROOT/memory.good"
size=$(stat -c %s "$img")
printf 'X' | dd of="$img" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
ct_exec $c /bin/sh -c 'echo kept >/root/kept'
check_fails "a broken memory image is refused..." "was not written by this host's libvirt-ct, or was changed since" \
    vsh snapshot-revert $c paused
check "...before anything changed: it runs on, its files its own" \
    bash -c "[ \"\$(vsh domstate $c)\" = running ] && [ \"\$(rfile $c /root/kept)\" = kept ] && [ \"\$(current $c)\" = paused ] && ! leftovers $c"
cp "$CT_TEST_ROOT/memory.good" "$img"
vsh snapshot-delete $c paused >/dev/null
# managed save, then a revert: the image goes with the processes it holds
vsh snapshot-create-as $c before-ms --disk-only >/dev/null
ct_exec $c /bin/sh -c 'echo after >/root/kept'
vsh managedsave $c >/dev/null
check "a revert of a managed-saved container removes the managed save image" \
    bash -c "vsh snapshot-revert $c before-ms && vsh dominfo $c | grep -q '^Managed save: *no'"
check "...so start boots on the snapshot's files (no processes of before)" \
    bash -c "vsh start $c >/dev/null && s=\$(state $c); echo \"state: \$s\"; [ \"\$s\" = 'running (booted)' ] && [ \"\$(rfile $c /root/kept)\" = kept ]"
vsh snapshot-delete $c before-ms >/dev/null
vsh destroy $c >/dev/null

# ---- the tree: the issue's scenario -------------------------------------
c=sn-tree
define $c
vsh start $c >/dev/null
ct_exec $c /bin/sh -c 'echo 1 >/root/gen'
check "tree: t1" vsh snapshot-create-as $c t1
ct_exec $c /bin/sh -c 'echo 2 >/root/gen'
check "tree: t2" vsh snapshot-create-as $c t2
ct_exec $c /bin/sh -c 'echo 3 >/root/gen'
check "tree: t3" vsh snapshot-create-as $c t3
check "tree: a chain t1 <- t2 <- t3" \
    bash -c "[ \"\$(vsh snapshot-parent $c t3)\" = t2 ] && [ \"\$(vsh snapshot-parent $c t2)\" = t1 ]"
check_fails "tree: t1 has no parent" "has no parent" vsh snapshot-parent $c t1
check_fails "a second t2 is refused" "already exists" vsh snapshot-create-as $c t2
check "tree: revert to the middle one (t2)" vsh snapshot-revert $c t2
check "tree: its files (gen 2), running" \
    bash -c "[ \"\$(rfile $c /root/gen)\" = 2 ] && [ \"\$(vsh domstate $c)\" = running ]"
check "snapshot-list --current (the children of the current one): t3" \
    bash -c "[ \"\$(vsh snapshot-list $c --current --name)\" = t3 ]"
ct_exec $c /bin/sh -c 'echo 4 >/root/gen'
check "tree: t4, a child of t2 beside t3" \
    bash -c "vsh snapshot-create-as $c t4 >/dev/null && [ \"\$(vsh snapshot-parent $c t4)\" = t2 ]"
vsh snapshot-list $c --tree >"$CT_TEST_ROOT/tree"
check "snapshot-list --tree: t1 / t2 / t3 and t4" \
    bash -c "tr -d ' |+-' <$CT_TEST_ROOT/tree | grep -v '^\$' | tr '\n' ' ' | grep -Eq '^t1 t2 t3 t4 \$|^t1 t2 t4 t3 \$'"
check "snapshot-list --roots: t1" bash -c "[ \"\$(vsh snapshot-list $c --roots --name)\" = t1 ]"
check "snapshot-list --leaves: t3 and t4" \
    bash -c "[ \"\$(vsh snapshot-list $c --leaves --name | sort | tr '\n' ' ')\" = 't3 t4 ' ]"
check "snapshot-list --parent: t4's parent is t2" \
    bash -c "vsh snapshot-list $c --parent | grep -Eq '^ *t4 .* t2 *\$'"
check "snapshot-list --from t2 --descendants: t3, t4" \
    bash -c "[ \"\$(vsh snapshot-list $c --from t2 --descendants --name | sort | tr '\n' ' ')\" = 't3 t4 ' ]"
check "snapshot-info t2: 2 children, not current" \
    bash -c "vsh snapshot-info $c t2 | grep -q '^Children: *2' && vsh snapshot-info $c t2 | grep -q '^Current: *no'"

# snapshot-edit: the XML with another description, redefined (--current)
vsh snapshot-dumpxml $c t3 | sed 's|</name>|</name><description>edited</description>|' >"$CT_TEST_ROOT/t3.xml"
check "snapshot-edit: a new description by redefine" \
    vsh snapshot-create $c "$CT_TEST_ROOT/t3.xml" --redefine
check "...the tree stays whole (t2: 2 children, t3 and t4 its descendants)" \
    timeout 10 bash -c "vsh snapshot-info $c t2 | grep -q '^Children: *2' && [ \"\$(vsh snapshot-list $c --from t2 --descendants --name | sort | tr '\n' ' ')\" = 't3 t4 ' ]"
check "...it is kept, the tree and the current one unchanged" \
    bash -c "vsh snapshot-dumpxml $c t3 | grep -q '<description>edited</description>' && [ \"\$(vsh snapshot-parent $c t3)\" = t2 ] && [ \"\$(current $c)\" = t4 ]"
check "snapshot-edit with --current makes it current" \
    bash -c "vsh snapshot-create $c $CT_TEST_ROOT/t3.xml --redefine --current && [ \"\$(current $c)\" = t3 ]"
vsh snapshot-dumpxml $c t3 >"$CT_TEST_ROOT/t3-now.xml"
check_fails "redefine of a snapshot whose files are not here is refused" "has no files here" \
    bash -c "sed 's|<name>t3</name>|<name>t9</name>|' $CT_TEST_ROOT/t3-now.xml >$CT_TEST_ROOT/t9.xml && vsh snapshot-create $c $CT_TEST_ROOT/t9.xml --redefine"

# a daemon restart keeps the snapshots, their tree and the current one
vsh snapshot-list $c --parent >"$CT_TEST_ROOT/parents.before"
daemon_stop
check "daemon restart" daemon_start
check "after the restart: the same snapshots and parents" \
    bash -c "vsh snapshot-list $c --parent | diff $CT_TEST_ROOT/parents.before -"
check "after the restart: the same current one (t3)" bash -c "[ \"\$(current $c)\" = t3 ]"
check "after the restart: still revertable (t4: gen 4)" \
    bash -c "vsh snapshot-revert $c t4 && [ \"\$(rfile $c /root/gen)\" = 4 ]"

# migration and undefine refused while there are snapshots
check_fails "migrate is refused with snapshots" "snapshots" \
    vsh migrate --live --p2p $c ct+tcp://no-such-host.invalid/system
check "...and it runs on" bash -c "[ \"\$(vsh domstate $c)\" = running ]"
vsh destroy $c >/dev/null
check_fails "undefine is refused with snapshots" "with 4 snapshots" vsh undefine $c

# delete: a plain delete reparents the children
check "delete t2 (current t4 is its child)" vsh snapshot-delete $c t2
check "t3 and t4 now children of t1, t4 still current" \
    bash -c "[ \"\$(vsh snapshot-parent $c t3)\" = t1 ] && [ \"\$(vsh snapshot-parent $c t4)\" = t1 ] && [ \"\$(current $c)\" = t4 ]"
daemon_stop
daemon_start
check "...also on disk (after a daemon restart)" \
    bash -c "[ \"\$(vsh snapshot-parent $c t3)\" = t1 ] && [ \"\$(vsh snapshot-parent $c t4)\" = t1 ] && [ \"\$(current $c)\" = t4 ] && [ ! -e $CONTAINERS/$c/snapshots/t2 ]"
check "delete of the current one (t4): the current one becomes its parent (t1)" \
    bash -c "vsh snapshot-delete $c t4 && [ \"\$(current $c)\" = t1 ]"
# a daemon that died in a delete (its files hidden as .deleting.NAME):
# the next one finishes it, the children go to its parent
vsh start $c >/dev/null
vsh snapshot-create-as $c d1 --disk-only >/dev/null
vsh snapshot-create-as $c d2 --disk-only >/dev/null
vsh destroy $c >/dev/null
daemon_stop
mv "$CONTAINERS/$c/snapshots/d1" "$CONTAINERS/$c/snapshots/.deleting.d1"
daemon_start
check "a delete cut short is finished by the next daemon: d1 gone, d2 a child of t1 (also in the tree), current" \
    bash -c "! vsh snapshot-info $c d1 >/dev/null 2>&1 && [ \"\$(vsh snapshot-parent $c d2)\" = t1 ] && [ \"\$(vsh snapshot-list $c --roots --name)\" = t1 ] && [ \"\$(current $c)\" = d2 ] && ! leftovers $c"
vsh snapshot-revert $c t1 >/dev/null
daemon_stop
mv "$CONTAINERS/$c/snapshots/t1" "$CONTAINERS/$c/snapshots/.deleting.t1"
daemon_start
check "...of the current one: no current one (t1 was a root), d2 and t3 roots" \
    bash -c "! vsh snapshot-current $c --name 2>/dev/null && [ \"\$(vsh snapshot-list $c --roots --name | sort | tr '\n' ' ')\" = 'd2 t3 ' ] && ! leftovers $c"
check "deleting a snapshot that is not current leaves no current one as it was" \
    bash -c "vsh snapshot-create-as $c d3 >/dev/null && vsh snapshot-revert $c d3 && vsh snapshot-delete $c d3 && vsh snapshot-create-as $c d4 >/dev/null && vsh snapshot-create-as $c d5 >/dev/null && vsh snapshot-revert $c d4 && vsh snapshot-delete $c d4 && vsh snapshot-delete $c d5 && ! vsh snapshot-current $c --name"
for s in d2 t3; do vsh snapshot-delete $c $s >/dev/null; done
vsh destroy $c >/dev/null 2>&1
vsh snapshot-create-as $c t1 >/dev/null
vsh start $c >/dev/null
ct_exec $c /bin/sh -c 'echo 5 >/root/gen'
vsh snapshot-create-as $c t5 --disk-only >/dev/null
vsh snapshot-create-as $c t6 --disk-only >/dev/null
vsh destroy $c >/dev/null
check "delete --children-only t1: t5, t6 go, t1 stays and is current" \
    bash -c "vsh snapshot-delete $c t1 --children-only && [ \"\$(vsh snapshot-list $c --name)\" = t1 ] && [ \"\$(current $c)\" = t1 ]"
check "...their files are gone" \
    bash -c "[ \"\$(ls $CONTAINERS/$c/snapshots)\" = \"\$(printf 'current\nt1')\" ]"
vsh start $c >/dev/null
vsh snapshot-create-as $c u1 --disk-only >/dev/null
vsh snapshot-create-as $c u2 --disk-only >/dev/null
vsh destroy $c >/dev/null
check "delete --children t1 (a branch): none left, no current one" \
    bash -c "vsh snapshot-delete $c t1 --children && [ -z \"\$(vsh snapshot-list $c --name)\" ] && ! vsh snapshot-current $c --name"
check "...no files left" bash -c "[ -z \"\$(ls -A $CONTAINERS/$c/snapshots)\" ]"

# delete --metadata: the files stay; redefine brings it back
vsh start $c >/dev/null
ct_exec $c /bin/sh -c 'echo m >/root/gen'
vsh snapshot-create-as $c meta >/dev/null
vsh snapshot-dumpxml $c meta >"$CT_TEST_ROOT/meta.xml"
ct_exec $c /bin/sh -c 'echo later >/root/gen'
check "delete --metadata" vsh snapshot-delete $c meta --metadata
check "...it is not listed, its files stay" \
    bash -c "[ -z \"\$(vsh snapshot-list $c --name)\" ] && [ -e $CONTAINERS/$c/snapshots/meta/layer.conf ]"
check_fails "...a new snapshot of its name is refused while they are kept" "deleted with --metadata" \
    vsh snapshot-create-as $c meta
check "...redefine with the saved XML brings it back" \
    bash -c "vsh snapshot-create $c $CT_TEST_ROOT/meta.xml --redefine --current && [ \"\$(current $c)\" = meta ]"
check "...and it can be reverted to (with its memory)" \
    bash -c "vsh snapshot-revert $c meta && [ \"\$(rfile $c /root/gen)\" = m ] && [ \"\$(state $c)\" = 'running (from snapshot)' ]"

# --memspec: the memory in a file of one's own, which restore can use
# (on a booted container: a process entered into a restored one cannot
# be checkpointed again, see the report of this test's commit)
vsh destroy $c >/dev/null
vsh start $c >/dev/null
start_workload $c
at=$(count $c)
check "--memspec file=: the memory in that file" \
    vsh snapshot-create-as $c ext --memspec "file=$CT_TEST_ROOT/ext.img"
check "...a save image there, the snapshot's memory external" \
    bash -c "vsh save-image-dumpxml $CT_TEST_ROOT/ext.img | grep -q '<name>$c</name>' && vsh snapshot-dumpxml $c ext | grep -q \"<memory snapshot='external' file='$CT_TEST_ROOT/ext.img'/>\" && [ ! -e $CONTAINERS/$c/snapshots/ext/memory.img ]"
check_fails "--memspec at an existing file is refused" "already exists" \
    vsh snapshot-create-as $c ext2 --memspec "file=$CT_TEST_ROOT/ext.img"
check_fails "--memspec with a relative file name is refused" "absolute" \
    vsh snapshot-create-as $c ext2 --memspec "file=ext.img"
sleep 2
before=$(count $c)
vsh destroy $c >/dev/null
check "virsh restore of the --memspec file" vsh restore "$CT_TEST_ROOT/ext.img"
sleep 0.3
check "...the counter goes on from the snapshot's value" \
    bash -c "n=\$(count $c); echo \"snapshot $at, before the destroy $before, now \$n\"; [ -n \"\$n\" ] && [ \"\$n\" -ge '$at' ] && [ \"\$n\" -lt '$before' ]"
check "revert to the --memspec snapshot" \
    bash -c "vsh snapshot-revert $c ext && [ \"\$(state $c)\" = 'running (from snapshot)' ]"

# --halt
check "--halt: a snapshot, then the container stops" \
    bash -c "vsh snapshot-create-as $c halted --halt && [ \"\$(state $c)\" = 'shut off (from snapshot)' ] && [ \"\$(snapstate $c halted)\" = running ]"
check "...reverting to it runs it again" \
    bash -c "vsh snapshot-revert $c halted && [ \"\$(vsh domstate $c)\" = running ]"
vsh destroy $c >/dev/null

# undefine --snapshots-metadata
check "undefine --snapshots-metadata" vsh undefine $c --snapshots-metadata
check "...its snapshots are gone with it" test ! -e "$CONTAINERS/$c/snapshots"

# ---- a command entered into a restored container -------------------------
# CRIU restores into a time namespace of its own: virt-ct-enter joins it,
# else a checkpoint holding the command's processes cannot be restored
define sn-time
vsh start sn-time >/dev/null
vsh snapshot-create-as sn-time t0 >/dev/null
vsh snapshot-revert sn-time t0 >/dev/null
ct_exec sn-time setsid /bin/sh -c 'exec </dev/null >/dev/null 2>&1; while true; do sleep 0.137; done &'
sleep 0.3
check "a command entered after a revert with memory is in the container's time namespace" \
    bash -c "[ \"\$(readlink /proc/\$(vsh domid sn-time)/ns/time)\" = \"\$(readlink /proc/\$(pgrep -f 'while true; do sleep 0.137' | head -n 1)/ns/time)\" ]"
check "...and a snapshot holding it reverts" \
    bash -c "vsh snapshot-create-as sn-time t1 >/dev/null && vsh snapshot-revert sn-time t1 && [ \"\$(vsh domstate sn-time)\" = running ]"
vsh destroy sn-time >/dev/null
vsh undefine sn-time --snapshots-metadata >/dev/null

# ---- a daemon killed while a snapshot is taken --------------------------
# 300 MB in the layer: the copy takes a while.  (a) disk-only on the disk
# image (the container and its disk frozen), (b) with memory at --memspec
# on the upper directory (CRIU holds the processes; the image is written
# next to the --memspec file).
# 300 MB of random data (no holes, nothing to compress), written into a
# container's layer; what it is, told by its size and both ends
BIG=$CT_TEST_ROOT/big.data
head -c 300000000 /dev/urandom >"$BIG"
bigsum() {
    /bin/sh -c 'wc -c <"$1"; head -c 65536 "$1" | md5sum; tail -c 65536 "$1" | md5sum' sh "$1" | tr '\n' ' '
}
fill_big() {
    ct_exec "$1" /bin/sh -c 'cat >/root/big' <"$BIG"
}
BIGSUM=$(bigsum "$BIG")
export BIGSUM

crash_create() {
    local c=$1 kind=$2 flags=$3 i
    vsh start $c >/dev/null
    fill_big $c
    ct_exec $c /bin/sh -c 'echo before >/root/marker'
    sync
    start_workload $c
    (vsh snapshot-create-as $c cut $flags >/dev/null 2>&1 &)
    # killed once the layer's copy is under way
    for i in $(seq 500); do
        compgen -G "$CONTAINERS/$c/snapshots/.creating.cut/[ud]*" >/dev/null && break
        sleep 0.01
    done
    sleep 0.05
    daemon_kill9
    check "cut snapshot ($kind): the daemon comes back" daemon_start
    check "cut snapshot ($kind): no .creating left" \
        bash -c "! compgen -G '$CONTAINERS/$c/snapshots/.creating.*'"
    check "cut snapshot ($kind): the container still runs, thawed, and counts" \
        bash -c "[ \"\$(vsh domstate $c)\" = running ] && thawed $c && a=\$(count $c) && sleep 0.3 && [ \"\$(count $c)\" -gt \"\$a\" ]"
    if vsh snapshot-info $c cut >/dev/null 2>&1; then
        echo "# cut snapshot ($kind): the snapshot was complete before the kill"
        ct_exec $c /bin/sh -c 'echo after >/root/marker'
        check "cut snapshot ($kind): it is complete: revert" \
            bash -c "vsh snapshot-revert $c cut --running && [ \"\$(rfile $c /root/marker)\" = before ] && [ \"\$(ct_exec $c /bin/sh -c 'wc -c </root/big')\" = 300000000 ]"
    else
        check "cut snapshot ($kind): it is absent (no files of it)" \
            bash -c "[ ! -e $CONTAINERS/$c/snapshots/cut ]"
    fi
}
crash_create sn-img "disk-only, disk image" --disk-only
crash_create sn-up "with memory at --memspec, upper directory" "--memspec file=$CT_TEST_ROOT/cut.img"
check "cut snapshot (--memspec): no part of the image left next to it" \
    bash -c "! compgen -G '$CT_TEST_ROOT/cut.img.*'"

# ---- a daemon killed while a revert puts the files back -----------------
# The snapshot holds 300 MB and marker "snap"; the container's files then
# are a marker "cur" and no big file; its definition's description too.
crash_revert() {
    local c=$1 kind=$2 i got
    vsh snapshot-delete $c cut >/dev/null 2>&1
    vsh destroy $c >/dev/null 2>&1
    vsh start $c >/dev/null
    fill_big $c
    ct_exec $c /bin/sh -c 'echo snap >/root/marker; rm -f /root/cur'
    vsh destroy $c >/dev/null
    vsh desc $c --config "at the snapshot" >/dev/null
    sync
    used=$(df -k --output=used "$CONTAINERS" | tail -n 1)
    vsh snapshot-create-as $c big >/dev/null
    sync
    used=$(($(df -k --output=used "$CONTAINERS" | tail -n 1) - used))
    echo "# $kind: snapshot of a 300 MB layer (shut off): $(jobinfo $c 'Time elapsed') ms, $((used / 1024)) MiB more used"
    if [ -n "${CT_SNAPSHOT_POOL:-}" ]; then
        check "$kind: on the pool the 300 MB snapshot is reflinked ($((used / 1024)) MiB more used)" \
            test "$used" -lt 20000
    fi
    vsh start $c >/dev/null
    ct_exec $c /bin/sh -c 'rm /root/big; echo cur >/root/marker; echo cur >/root/cur'
    vsh destroy $c >/dev/null
    vsh desc $c --config "after the snapshot" >/dev/null
    (vsh snapshot-revert $c big >/dev/null 2>&1 &)
    # killed once the copy back is under way
    for i in $(seq 500); do
        compgen -G "$CONTAINERS/$c/.revert.*" >/dev/null && break
        sleep 0.01
    done
    sleep 0.05
    daemon_kill9
    check "cut revert ($kind): the daemon comes back" daemon_start
    check "cut revert ($kind): no .reverting marker, no half copy left" \
        bash -c "! leftovers $c"
    check "cut revert ($kind): shut off" bash -c "[ \"\$(vsh domstate $c)\" = 'shut off' ]"
    vsh start $c >/dev/null
    got="$(rfile $c /root/marker) $(rfile $c /root/cur) $(ct_exec $c /bin/sh -c "$(declare -f bigsum); [ -e /root/big ] && bigsum /root/big; true")$(vsh desc $c)"
    if [ "$got" = "snap - $BIGSUM""at the snapshot" ]; then
        ok "cut revert ($kind): the files and the definition are all the snapshot's"
    elif [ "$got" = "cur cur after the snapshot" ]; then
        ok "cut revert ($kind): the files and the definition are all the old ones"
    else
        not_ok "cut revert ($kind): a mix: marker, cur, big's md5, description: '$got'"
    fi
    vsh destroy $c >/dev/null
}
crash_revert sn-up "upper directory"
crash_revert sn-img "disk image"

# ---- nothing left behind -------------------------------------------------
check "no work left in any snapshot directory" \
    bash -c "! leftovers sn-up && ! leftovers sn-img"
for c in sn-up sn-img; do
    vsh destroy $c >/dev/null 2>&1
    vsh undefine $c --snapshots-metadata >/dev/null
done
check "undefined with --snapshots-metadata: no snapshots left (the layers are kept, orphaned)" \
    bash -c "[ ! -e $CONTAINERS/sn-up/snapshots ] && [ ! -e $CONTAINERS/sn-img/snapshots ]"

summary
