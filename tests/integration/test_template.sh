#!/bin/bash
# test_template.sh: templates and overlay roots as root: virt-ct-template
# (create, list, info, verify, remove, layers, layer-remove, interrupted
# creates), two containers from one template isolated from each other,
# disk quotas seen by df and enforced, live grow, statistics, undefine
# keeping data, transient layers, a daemon kill -9 in the middle.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

. "$(dirname "$0")/lib.sh"
skip_unless_root
if [ ! -x /bin/busybox ] || ! command -v mkfs.xfs >/dev/null; then
    echo "skipped: needs /bin/busybox (busybox-static) and mkfs.xfs (xfsprogs)"
    exit 77
fi
store_daemon_start

# rc_is CODE DESCRIPTION COMMAND...: ok when the command exits with CODE
rc_is() {
    local want=$1 desc=$2 rc=0
    shift 2
    "$@" >/tmp/ct-rc.$$ 2>&1 || rc=$?
    if [ "$rc" = "$want" ]; then
        ok "$desc"
    else
        not_ok "$desc (exit $rc, wanted $want)"
        sed 's/^/#   /' /tmp/ct-rc.$$
    fi
    rm -f /tmp/ct-rc.$$
}

# ct_xml NAME [LIMIT-MIB] [UUID]: a busybox container on the template
ct_xml() {
    cat <<XML
<domain type='lxc'>
  <name>$1</name>
  ${3:+<uuid>$3</uuid>}
  <memory unit='MiB'>64</memory>
  <os><type>exe</type><init>/sbin/init</init></os>
  <devices>
    <filesystem type='template'>
      <source name='busybox'/>
      <target dir='/'/>
      ${2:+<space_hard_limit unit='MiB'>$2</space_hard_limit>}
    </filesystem>
    <console type='pty'/>
  </devices>
</domain>
XML
}

define() {
    ct_xml "$@" >"$CT_TEST_ROOT/$1.xml" && vsh define "$CT_TEST_ROOT/$1.xml" >/dev/null
}

# commands inside run as the container's root (lib.sh)
enter() {
    ct_exec "$@"
}

# df_mib NAME: the size of "/" inside, in MiB
df_mib() {
    enter "$1" /bin/df -m / | awk 'NR == 2 { print $2 }'
}

# --- the tool ------------------------------------------------------------------
rc_is 0 "create busybox template" "$TPL" -q create busybox --busybox
check "template listed" bash -c "'$TPL' list | grep -q '^busybox '"
check "info shows source and checksum" bash -c \
    "'$TPL' info busybox | grep -q 'Source: *busybox' && '$TPL' info busybox | grep -q 'Checksum: *sha256:'"
rc_is 0 "fresh template verifies" "$TPL" verify busybox
rc_is 3 "an existing template is not made again" "$TPL" create busybox --busybox
for bad in ../x a:b a,b .x; do
    rc_is 2 "bad template name '$bad' refused" "$TPL" create "$bad" --busybox
done
rc_is 2 "create without a source is a usage error" "$TPL" create t2
rc_is 2 "two sources are a usage error" "$TPL" create t2 --busybox --dir /tmp
rc_is 1 "unknown template has no info" "$TPL" info nosuch
check "--help" "$TPL" --help
check "tool from a directory" "$TPL" -q create copy --dir "$STORE/templates/busybox/root"
check "copied template verifies with the same checksum" bash -c \
    "[ \"\$('$TPL' info copy | grep Checksum)\" = \"\$('$TPL' info busybox | grep Checksum)\" ]"
tar -C "$STORE/templates/busybox/root" -czf "$CT_TEST_ROOT/rootfs.tar.gz" .
check "template from a compressed tarball" "$TPL" -q create fromtar --tar "$CT_TEST_ROOT/rootfs.tar.gz"
check "removing an unused template" "$TPL" -q remove copy
check "removed template is gone" bash -c "! '$TPL' list | grep -q '^copy '"

# an interrupted create leaves nothing behind: tar blocks on a FIFO
mkfifo "$CT_TEST_ROOT/fifo"
"$TPL" -q create stuck --tar "$CT_TEST_ROOT/fifo" >/dev/null 2>&1 &
tpid=$!
sleep 0.5
kill -TERM $tpid
wait $tpid
check "create interrupted by SIGTERM leaves nothing" bash -c \
    "[ -z \"\$(ls -A '$STORE/templates' | grep stuck)\" ]"
"$TPL" -q create stuck --tar "$CT_TEST_ROOT/fifo" >/dev/null 2>&1 &
tpid=$!
sleep 0.5
kill -9 $tpid
wait $tpid 2>/dev/null
pkill -f "tar -x -f $CT_TEST_ROOT/fifo"
check "a killed create is invisible" bash -c "! '$TPL' list | grep -q stuck"
check "a killed create is swept by the next run" bash -c \
    "'$TPL' list >/dev/null; [ -z \"\$(ls -A '$STORE/templates' | grep stuck)\" ]"

# --- two containers from one template -----------------------------------------
ct_xml bad | sed s/busybox/nosuch/ >"$CT_TEST_ROOT/bad.xml"
check_fails "unknown template refused at define" "template 'nosuch' does not exist" \
    vsh define "$CT_TEST_ROOT/bad.xml"
check "nothing left of the refused definition" bash -c "! virsh -q -c '$CT_URI' dominfo bad"
check "define c1 with a 64 MiB limit" define c1 64
check "define c2 without a limit" define c2
check "template shows two containers" bash -c "'$TPL' list | grep -q '^busybox .* 2$'"
check "start c1" vsh start c1
check "start c2" vsh start c2
size=$(df_mib c1)
check "df inside c1 shows about 64 MiB ($size)" test "${size:-0}" -ge 62 -a "${size:-0}" -le 67
check "df -i inside c1 shows its own inodes" bash -c \
    "ct_exec c1 /bin/df -i / | awk 'NR == 2 { exit !(\$2 > 1000 && \$2 < 100000) }'"
size2=$(df_mib c2)
check "c2 without a limit sees the host's file system ($size2 MiB)" test "${size2:-0}" -gt 1000
check "c1 writes" enter c1 /bin/sh -c 'echo one > /etc/mark'
check "c2 writes" enter c2 /bin/sh -c 'echo two > /etc/mark'
check "c1 reads its own file" bash -c "[ \"\$(ct_exec c1 /bin/cat /etc/mark)\" = one ]"
check "c2 reads its own file" bash -c "[ \"\$(ct_exec c2 /bin/cat /etc/mark)\" = two ]"
check "c1 deletes a template file" enter c1 /bin/rm /etc/inittab
check "c2 still has it" enter c2 /bin/cat /etc/inittab
check "template unchanged" test ! -e "$STORE/templates/busybox/root/etc/mark"
rc_is 0 "template verifies after both wrote" "$TPL" verify busybox
check_fails "writing 100 MiB in c1 fails" "No space left on device" \
    enter c1 /bin/dd if=/dev/zero of=/big bs=1M count=100
check "c2 can still write" enter c2 /bin/dd if=/dev/zero of=/big bs=1M count=10
check "the host can still write" dd if=/dev/zero of="$CT_TEST_ROOT/hostfile" bs=1M count=10 status=none
check "c1 frees its space" enter c1 /bin/rm /big
rc_is 3 "template in use cannot be removed" "$TPL" remove busybox

# --- statistics and live grow -------------------------------------------------
check "domstats --block shows the root" bash -c \
    "virsh -q -c '$CT_URI' domstats --block c1 | grep -q 'block.0.name=/'"
cap=$(vsh domstats --block c1 | sed -n 's/.*block.0.capacity=//p')
check "domstats capacity about 64 MiB ($cap)" test "${cap:-0}" -ge $((62 << 20)) -a "${cap:-0}" -le $((67 << 20))
check "domblkinfo of /" bash -c "virsh -q -c '$CT_URI' domblkinfo c1 / | grep -q Capacity"
cat >"$CT_TEST_ROOT/fs128.xml" <<XML
<filesystem type='template'><source name='busybox'/><target dir='/'/>
  <space_hard_limit unit='MiB'>128</space_hard_limit></filesystem>
XML
check "grow c1 to 128 MiB live" vsh update-device c1 "$CT_TEST_ROOT/fs128.xml" --live --config
size=$(df_mib c1)
check "df inside c1 shows about 128 MiB ($size)" test "${size:-0}" -ge 126 -a "${size:-0}" -le 131
check "the definition has the new limit" bash -c \
    "virsh -q -c '$CT_URI' dumpxml --inactive c1 | grep -q \"<space_hard_limit unit='bytes'>134217728<\""
check "c1 writes 100 MiB now" enter c1 /bin/dd if=/dev/zero of=/big bs=1M count=100
sed 's/128/64/' "$CT_TEST_ROOT/fs128.xml" >"$CT_TEST_ROOT/fs64.xml"
check_fails "lowering live is refused" "not supported while it runs" \
    vsh update-device c1 "$CT_TEST_ROOT/fs64.xml" --live
sed 's/busybox/other/' "$CT_TEST_ROOT/fs128.xml" >"$CT_TEST_ROOT/fsother.xml"
check_fails "changing the template by update-device is refused" "can be updated" \
    vsh update-device c1 "$CT_TEST_ROOT/fsother.xml" --live

# --- daemon restart ------------------------------------------------------------
# a transient layer put aside by a daemon killed before its remover
# deleted it (the PID in its name is gone); one put aside by a live
# process (an import) stays
sh -c 'exit 0' &
deadpid=$!
wait $deadpid
sleep 1000 &
livepid=$!
mkdir -p "$STORE/containers/.removing.t9.0.$deadpid/upper/etc" \
    "$STORE/containers/.removing.t8.0.$livepid/upper"
echo t9 >"$STORE/containers/.removing.t9.0.$deadpid/upper/etc/hostname"
daemon_kill9
daemon_start || not_ok "virtctd restarts"
check "a layer put aside by a dead daemon is deleted at the next start" \
    test ! -e "$STORE/containers/.removing.t9.0.$deadpid"
check "one put aside by a live process is kept" test -d "$STORE/containers/.removing.t8.0.$livepid"
kill $livepid 2>/dev/null
rm -rf "$STORE/containers/.removing.t8.0.$livepid"
check "c1 still runs after kill -9 of the daemon" bash -c \
    "[ \"\$(virsh -q -c '$CT_URI' domstate c1)\" = running ]"
check "its file is still there" enter c1 /bin/cat /etc/mark
check "statistics after the restart" bash -c \
    "virsh -q -c '$CT_URI' domstats --block c1 | grep -q block.0.capacity"

# --- stop, undefine, orphans ---------------------------------------------------
check "destroy c1" vsh destroy c1
check "c1's disk unmounted" bash -c "! grep -q ' $STORE/containers/c1/disk ' /proc/mounts"
check "restart c1 keeps its data" bash -c \
    "virsh -q -c '$CT_URI' start c1 >/dev/null && [ \"\$(ct_exec c1 /bin/cat /etc/mark)\" = one ]"
check "destroy c1 and c2" bash -c "virsh -q -c '$CT_URI' destroy c1 && virsh -q -c '$CT_URI' destroy c2"
check "undefine c2" vsh undefine c2
check "its layer is kept, orphaned" bash -c "'$TPL' layers | grep -q '^c2 .*orphaned'"
check_fails "another c2 is refused while the orphan is there" "layer-remove c2" define c2 ""
rc_is 3 "a defined container's layer cannot be removed" "$TPL" layer-remove c1
check "the orphaned layer is removed" "$TPL" -q layer-remove c2
check "c2 can be defined again" define c2
check "a new c2 starts empty" bash -c \
    "virsh -q -c '$CT_URI' start c2 >/dev/null && ! ct_exec c2 /bin/cat /etc/mark"
check "destroy and undefine the new c2" bash -c \
    "virsh -q -c '$CT_URI' destroy c2 && virsh -q -c '$CT_URI' undefine c2"
check "undefine of an unused layer removes it" test ! -e "$STORE/containers/c2"

# --- an inode limit ------------------------------------------------------------
ct_xml c3 64 | sed "s|<domain type='lxc'>|<domain type='lxc' xmlns:ct='http://libvirt.org/schemas/domain/ct/1.0'>|; s|</domain>|<ct:inodes>2000</ct:inodes></domain>|" \
    >"$CT_TEST_ROOT/c3.xml"
check "define and start c3 with 2000 inodes" bash -c \
    "virsh -q -c '$CT_URI' define '$CT_TEST_ROOT/c3.xml' >/dev/null && virsh -q -c '$CT_URI' start c3 >/dev/null"
inodes=$(enter c3 /bin/df -i / | awk 'NR == 2 { print $2 }')
check "df -i inside c3 shows about 2000 inodes ($inodes)" test "${inodes:-0}" -ge 2000 -a "${inodes:-0}" -le 4000
check_fails "c3 cannot make 5000 files" "No space left on device" \
    enter c3 /bin/sh -c 'mkdir /many && cd /many && i=0; while [ $i -lt 5000 ]; do : > f$i || exit 1; i=$((i + 1)); done'
check "destroy and undefine c3, drop its layer" bash -c \
    "virsh -q -c '$CT_URI' destroy c3 && virsh -q -c '$CT_URI' undefine c3 && '$TPL' -q layer-remove c3"

# --- transient ---------------------------------------------------------------------
ct_xml t1 32 >"$CT_TEST_ROOT/t1.xml"
check "create transient t1 with a limit" vsh create "$CT_TEST_ROOT/t1.xml"
check "t1 has a layer while it runs" bash -c "'$TPL' layers | grep -q '^t1 .*transient'"
check "destroy t1" vsh destroy t1
check "t1's layer is gone" test ! -e "$STORE/containers/t1"
# its files are deleted after the destroy returned, by the daemon's
# remover thread, from where it was put aside
check "a new t1 at once gets a layer of its own" bash -c \
    "virsh -q -c '$CT_URI' create '$CT_TEST_ROOT/t1.xml' >/dev/null &&
     '$TPL' layers | grep -q '^t1 .*transient' && virsh -q -c '$CT_URI' destroy t1 >/dev/null"
check "nothing of the t1s is left a moment later" bash -c \
    "for i in \$(seq 50); do [ -z \"\$(ls -A '$STORE/containers' | grep '^\.')\" ] && exit 0; sleep 0.1; done; exit 1"

# the loop device keeps 64 bytes of its file's name: a long path must work
LONG=a-container-named-well-past-the-loop-device-name-field
define "$LONG" 32
check "a disk limit under a long image path starts" vsh start "$LONG"
check "its / is the 32 MiB image" test "$(df_mib "$LONG")" -le 32
vsh destroy "$LONG" >/dev/null
vsh undefine "$LONG" >/dev/null
"$TPL" -q layer-remove "$LONG"

check "undefine c1" vsh undefine c1
check "remove c1's orphan" "$TPL" -q layer-remove c1
check "unused template can be removed" "$TPL" -q remove busybox
check "no layers left" bash -c "[ -z \"\$(ls -A '$STORE/containers')\" ]"
check "no disk mounted" bash -c "! grep -q '$STORE' /proc/mounts"

summary
