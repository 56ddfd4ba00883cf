#!/bin/bash
# test_save.sh: checkpoint and restore with CRIU (virsh save, restore,
# managedsave, start from the managed image): what a container is comes
# back -- processes and their memory, a TCP connection between two of
# them, tmpfs contents, the layer and its disk quota, a bind mount, the
# console, the cgroup with its limits and device policy, LXCFS, an
# interface with its addresses -- unprivileged and privileged, paused and
# running, transient and persistent; what cannot be checkpointed is
# refused with CRIU's reason and the container runs on; a restore that
# fails keeps the image; a daemon killed after a restore finds the
# container again; nothing is left behind.
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
store_daemon_start
"$TPL" -q create busybox --busybox || { not_ok "busybox template"; summary; exit 1; }
STATE=$CT_TEST_ROOT/run/ct
SAVE=$CT_TEST_ROOT/var/lib/ct/save
LOGS=$CT_TEST_ROOT/log/ct
SHARE=$CT_TEST_ROOT/share
mkdir -p "$SHARE"
echo shared >"$SHARE/file"

cleanup() {
    local d
    for d in $(vsh list --name 2>/dev/null); do vsh destroy "$d" >/dev/null 2>&1; done
    ip link del ctsave0 2>/dev/null
    store_teardown
}
trap cleanup EXIT

# ct_xml NAME [DOMAIN-EXTRA [DEVICES-EXTRA]]: busybox init on the
# template, a 300 MiB disk, a 16 MiB tmpfs /tmp, /share bound, 64 MiB
ct_xml() {
    cat <<XML
<domain type='lxc' xmlns:ct='http://libvirt.org/schemas/domain/ct/1.0'>
  <name>$1</name>
  <memory unit='MiB'>64</memory>
  <os><type>exe</type><init>/sbin/init</init></os>
  ${2:-}
  <devices>
    <filesystem type='template'><source name='busybox'/><target dir='/'/>
      <space_hard_limit unit='MiB'>300</space_hard_limit></filesystem>
    <filesystem type='ram'><source usage='16' units='MiB'/><target dir='/tmp'/></filesystem>
    <filesystem type='mount'><source dir='$SHARE'/><target dir='/share'/></filesystem>
    ${3:-}
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

# A counter that lives in a shell's memory only (its value is never read
# back from the file it writes), and two processes talking over TCP on
# the loopback: what only a checkpoint brings back.
start_workload() {
    ct_exec "$1" setsid /bin/sh -c '
        exec </dev/null >/dev/null 2>&1
        (i=0; while true; do i=$((i+1)); echo $i >/tmp/count; sleep 0.1; done) </dev/null >/dev/null 2>&1 &
        sleep 100000 | nc -l -p 7000 >/tmp/recv 2>/dev/null &
        sleep 0.3
        (n=0; while true; do n=$((n+1)); echo "tick $n"; sleep 0.1; done) | nc 127.0.0.1 7000 >/dev/null 2>&1 &
        echo in-tmpfs >/tmp/marker; echo in-layer >/root/marker' >/dev/null 2>&1
    sleep 1
}

# read through init's root from the host: also while it is frozen
count() {
    cat "/proc/$(vsh domid "$1")/root/tmp/count" 2>/dev/null
}

ticks() {
    tail -n 1 "/proc/$(vsh domid "$1")/root/tmp/recv" 2>/dev/null | sed 's/tick //'
}
export -f count ticks

# checks_after_restore NAME COUNT-BEFORE TICKS-BEFORE WHAT
checks_after_restore() {
    local c=$1 before=$2 tbefore=$3 what=$4 now tnow
    sleep 0.5
    now=$(count "$c")
    if [ -n "$now" ] && [ "$now" -gt "$before" ] && [ "$now" -lt $((before + 40)) ]; then
        ok "$what: the counter in memory goes on ($before -> $now)"
    else
        not_ok "$what: the counter in memory goes on ($before -> '$now')"
    fi
    tnow=$(ticks "$c")
    if [ -n "$tnow" ] && [ "$tnow" -gt "$tbefore" ]; then
        ok "$what: the TCP connection between two processes carries on ($tbefore -> $tnow)"
    else
        not_ok "$what: the TCP connection between two processes carries on ($tbefore -> '$tnow')"
    fi
    check "$what: tmpfs, layer and bind mount" \
        bash -c "[ \"\$(ct_exec $c cat /tmp/marker /root/marker /share/file)\" = \"\$(printf 'in-tmpfs\nin-layer\nshared')\" ]"
    check "$what: the root is writable (the layer's overlay, not read-only)" \
        ct_exec "$c" /bin/sh -c 'echo w >/root/written && [ "$(cat /root/written)" = w ] && rm /root/written'
    check "$what: the disk quota is the container's" \
        bash -c "ct_exec $c df -m / | tail -n 1 | awk '{ exit !(\$2 >= 250 && \$2 <= 300) }'"
    check "$what: LXCFS shows the memory limit" \
        bash -c "ct_exec $c grep -q '^MemTotal: *65536 kB' /proc/meminfo"
    local cg
    cg=$(sed -n "s|.*<cgroup limits='\\([^']*\\)'.*|\\1|p" "$STATE/$c.xml")
    check "$what: a new cgroup with the memory limit" \
        bash -c "[ \"\$(cat /sys/fs/cgroup/memory$cg/memory.limit_in_bytes)\" = 67108864 ]"
    if [ "$what" = priv ]; then
        check_fails "$what: the device policy of the new cgroup (no /dev/mem)" \
            "Operation not permitted" ct_exec "$c" mknod /dev/xmem c 1 1
        check "$what: the device policy of the new cgroup (/dev/null)" \
            ct_exec "$c" /bin/sh -c 'mknod /dev/xnull c 1 3 && echo x >/dev/xnull && rm /dev/xnull'
    fi
    check "$what: every process is in the new cgroup's init" \
        bash -c "[ \"\$(wc -l </sys/fs/cgroup/pids$cg/init/cgroup.procs)\" -ge 4 ] && [ \"\$(wc -l </sys/fs/cgroup/pids$cg/cgroup.procs)\" = 0 ]"
    check "$what: the cgroup namespace is rooted at init's cgroup" \
        bash -c "ct_exec $c cat /proc/1/cgroup | grep -q '^[0-9]*:memory:/\$'"
    if [ "$what" != priv ]; then
        local target
        target=$(vsh dumpxml "$c" | sed -n "s/.*<ct:idrange target='\([0-9]*\)'.*/\1/p")
        check "$what: the user namespace is the definition's id range ($target)" \
            bash -c "[ -n '$target' ] && [ \"\$(awk '{ print \$1, \$2, \$3 }' /proc/\$(vsh domid $c)/uid_map)\" = '0 $target 65536' ]"
    fi
    check "$what: the domain ID is init's PID (PID 1 inside)" \
        bash -c "awk '/^NSpid:/ { exit \$NF != 1 }' /proc/\$(vsh domid $c)/status"
    local tty
    tty=$(vsh ttyconsole "$c")
    if [ -n "$tty" ] && [ -c "$tty" ]; then
        ( timeout 3 cat "$tty" >"$CT_TEST_ROOT/console.out" 2>/dev/null & )
        sleep 0.3
        ct_exec "$c" /bin/sh -c 'echo console-after-restore >/dev/console'
        sleep 0.5
        check "$what: the console's host PTY carries what init's console gets" \
            grep -q console-after-restore "$CT_TEST_ROOT/console.out"
    else
        not_ok "$what: ttyconsole names a PTY ('$tty')"
    fi
}

# ---- save and restore, unprivileged and privileged ----------------------
for kind in unpriv priv; do
    c=s-$kind
    extra=
    [ $kind = priv ] && extra="<ct:privileged/>"
    define $c "$extra"
    vsh start $c >/dev/null
    start_workload $c
    before=$(count $c)
    tbefore=$(ticks $c)
    check "$kind: save" vsh save $c "$CT_TEST_ROOT/$c.img"
    check "$kind: shut off (saved)" bash -c "[ \"$(state $c)\" = 'shut off (saved)' ]"
    check "$kind: nothing of it runs (no monitor, no status, no cgroup)" \
        bash -c "[ ! -e $STATE/$c.monitor ] && [ ! -e $STATE/$c.xml ] && ! compgen -G '/sys/fs/cgroup/memory/machine/ct-*-$c.libvirt-ct'"
    check "$kind: the image names the domain" \
        bash -c "vsh save-image-dumpxml $CT_TEST_ROOT/$c.img | grep -q '<name>$c</name>'"
    check "$kind: restore" vsh restore "$CT_TEST_ROOT/$c.img"
    check "$kind: running (restored)" bash -c "[ \"\$(vsh domstate --reason $c)\" = 'running (restored)' ]"
    checks_after_restore $c "$before" "$tbefore" "$kind"
done

# ---- the definition in an image ------------------------------------------
c=s-priv
vsh save-image-dumpxml "$CT_TEST_ROOT/$c.img" | sed 's|</domain>|<description>edited in the image</description></domain>|' >"$CT_TEST_ROOT/edited.xml"
check "save-image-define changes the definition in the image" \
    bash -c "vsh save-image-define $CT_TEST_ROOT/$c.img $CT_TEST_ROOT/edited.xml --running && vsh save-image-dumpxml $CT_TEST_ROOT/$c.img | grep -q 'edited in the image'"
vsh save-image-dumpxml "$CT_TEST_ROOT/$c.img" | sed "s|<name>$c</name>|<name>other</name>|" >"$CT_TEST_ROOT/renamed.xml"
check_fails "save-image-define refuses another name" "Target domain name 'other' does not match source" \
    vsh save-image-define "$CT_TEST_ROOT/$c.img" "$CT_TEST_ROOT/renamed.xml"

# ---- managed save ------------------------------------------------------
c=s-unpriv
before=$(count $c)
tbefore=$(ticks $c)
check "managedsave" vsh managedsave $c
check "managed: dominfo says so" bash -c "vsh dominfo $c | grep -q '^Managed save: *yes'"
check "managed: listed with --managed-save as saved" \
    bash -c "vsh list --all --managed-save | grep -q ' $c *saved'"
check_fails "managed: undefine refused while the image exists" \
    "Refusing to undefine while domain managed save image exists" vsh undefine $c
check "managed: start restores it" vsh start $c
check "managed: running (restored)" bash -c "[ \"\$(vsh domstate --reason $c)\" = 'running (restored)' ]"
check "managed: the image is gone" test ! -e "$SAVE/$c.save"
checks_after_restore $c "$before" "$tbefore" "managed"

# an edit after a managed save: the image's definition runs, the edit
# waits for the next boot
check "managed save, then an edit of the definition" \
    bash -c "vsh managedsave $c && vsh desc $c --config 'edited-after' >/dev/null"
check "start: the image's definition runs (not the edit)..." \
    bash -c "vsh start $c && ! vsh dumpxml $c | grep -q edited-after"
check "...and the edit is kept for the next boot" \
    bash -c "vsh dumpxml --inactive $c | grep -q edited-after"

# --force-boot discards the image; undefine --managed-save removes it
check "managed again" vsh managedsave $c
check "start --force-boot boots afresh" vsh start --force-boot $c
check "force-boot: running (booted), the tmpfs is new" \
    bash -c "[ \"\$(vsh domstate --reason $c)\" = 'running (booted)' ] && ! ct_exec $c cat /tmp/marker"
check "force-boot: the image is gone" test ! -e "$SAVE/$c.save"
check "managed save a third time" vsh managedsave $c
check "undefine --managed-save removes the image" \
    bash -c "vsh undefine --managed-save $c && [ ! -e $SAVE/$c.save ]"
"$TPL" -q layer-remove $c
define $c

# ---- paused --------------------------------------------------------------
c=s-priv
check "paused: suspend" vsh suspend $c
check "paused: save" vsh save $c "$CT_TEST_ROOT/paused.img"
check "paused: restore comes back paused" \
    bash -c "vsh restore $CT_TEST_ROOT/paused.img && [ \"\$(vsh domstate $c)\" = paused ]"
c1=$(count $c)
sleep 0.5
check "paused: nothing runs while paused" bash -c "[ -n '$c1' ] && [ \"\$(count $c)\" = '$c1' ]"
check "paused: resume" vsh resume $c
sleep 0.5
check "paused: runs again after resume" bash -c "[ \"\$(count $c)\" -gt '$c1' ]"
check "--paused: save a running container as paused" vsh save --paused $c "$CT_TEST_ROOT/p2.img"
check "--running: restore it running" \
    bash -c "vsh restore --running $CT_TEST_ROOT/p2.img && [ \"\$(vsh domstate $c)\" = running ]"
check "--bypass-cache is accepted" \
    bash -c "vsh save --bypass-cache $c $CT_TEST_ROOT/p3.img && vsh restore --bypass-cache $CT_TEST_ROOT/p3.img"

# ---- started paused and saved at once -----------------------------------
# busybox init vforks its children at once: a freeze that catches one
# before the child's exec is undone for a moment (CRIU cannot dump a
# vfork in progress; it used to time out after 10 s in 3 of 20 tries)
ct_xml s-vfork >"$CT_TEST_ROOT/s-vfork.xml"
fails=0
for i in $(seq 10); do
    vsh create --paused "$CT_TEST_ROOT/s-vfork.xml" >/dev/null &&
        vsh save s-vfork "$CT_TEST_ROOT/vfork.img" >"$CT_TEST_ROOT/vfork.out" 2>&1 &&
        vsh restore "$CT_TEST_ROOT/vfork.img" >/dev/null || { fails=$((fails + 1)); cat "$CT_TEST_ROOT/vfork.out"; }
    vsh destroy s-vfork >/dev/null 2>&1
done
check "started paused and saved at once, 10 times: every save succeeds" test "$fails" = 0

# ---- what cannot be checkpointed ----------------------------------------
# a deleted file still open and larger than what CRIU copies into the
# image (its --ghost-limit, 1 MiB): the save fails and changes nothing
c=s-priv
before=$(count $c)
ct_exec $c setsid /bin/sh -c 'exec </dev/null >/dev/null 2>&1; dd if=/dev/zero of=/root/big bs=1M count=2 2>/dev/null; sleep 100002 </root/big >/dev/null 2>&1 & sleep 0.2; rm /root/big'
sleep 1 # setsid forked: the shell is still at work
check_fails "refused: a deleted file of 2 MiB held open" "ghost file" \
    vsh save $c "$CT_TEST_ROOT/bad.img"
check "refused: the error says the container runs on and names CRIU's log" \
    bash -c "vsh save $c $CT_TEST_ROOT/bad.img 2>&1 | grep -q 'the container runs on; log: .*$c.dump.log'"
check "refused: still running" bash -c "[ \"\$(vsh domstate $c)\" = running ]"
check "refused: no image written, nothing half-written next to it" \
    bash -c "! compgen -G '$CT_TEST_ROOT/bad.img*'"
sleep 0.5
check "refused: its processes run on" bash -c "[ \"\$(count $c)\" -gt '$before' ]"
ct_exec $c /bin/sh -c 'for p in $(pidof sleep); do grep -q 100002 /proc/$p/cmdline && kill $p; done'
sleep 0.3
check "after the file is closed the save works" vsh save $c "$CT_TEST_ROOT/ok.img"

# ---- a restore that fails keeps the image -------------------------------
vsh desc $c --config "persistent-desc" >/dev/null
mv "$SHARE" "$SHARE.away"
check_fails "failed restore: the bind source is gone" "CRIU could not restore" \
    vsh restore "$CT_TEST_ROOT/ok.img"
check "failed restore: the domain is shut off, the image is intact" \
    bash -c "vsh domstate $c | grep -qx 'shut off' && vsh save-image-dumpxml $CT_TEST_ROOT/ok.img | grep -q '<name>$c</name>'"
check "failed restore: the persistent definition is the one it had" \
    bash -c "vsh dumpxml --inactive $c | grep -q persistent-desc && vsh dumpxml $c | grep -q persistent-desc"
check "failed restore: nothing of it runs, no work directory left" \
    bash -c "[ ! -e $STATE/$c.monitor ] && [ ! -e $SAVE/$c.restore ]"
head -c 100000 "$CT_TEST_ROOT/ok.img" >"$CT_TEST_ROOT/short.img"
check_fails "a truncated image is refused" "it ends early" vsh restore "$CT_TEST_ROOT/short.img"
echo "not an image" >"$CT_TEST_ROOT/junk.img"
check_fails "a file that is no image is refused" "is not a container save image" \
    vsh restore "$CT_TEST_ROOT/junk.img"
cp "$CT_TEST_ROOT/ok.img" "$CT_TEST_ROOT/tampered.img"
size=$(stat -c %s "$CT_TEST_ROOT/tampered.img")
printf 'X' | dd of="$CT_TEST_ROOT/tampered.img" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
check_fails "a changed image is refused (its MAC)" "was not written by this host's libvirt-ct, or was changed since" \
    vsh restore "$CT_TEST_ROOT/tampered.img"
mv "$SHARE.away" "$SHARE"
check "failed restore: a retry works" vsh restore "$CT_TEST_ROOT/ok.img"
check_fails "save to something that is not a regular file is refused" "is not a regular file" \
    vsh save $c /dev/null
check "/dev/null is still /dev/null" test -c /dev/null
echo precious >"$CT_TEST_ROOT/precious.img"
ct_exec $c setsid /bin/sh -c 'exec </dev/null >/dev/null 2>&1; dd if=/dev/zero of=/root/big2 bs=1M count=2 2>/dev/null; sleep 100001 </root/big2 >/dev/null 2>&1 & sleep 0.2; rm /root/big2'
sleep 1
check_fails "a save that fails..." "ghost file" vsh save $c "$CT_TEST_ROOT/precious.img"
check "...leaves the file that was there alone" bash -c "[ \"\$(cat $CT_TEST_ROOT/precious.img)\" = precious ] && ! compgen -G '$CT_TEST_ROOT/precious.img.*'"
ct_exec $c /bin/sh -c 'for p in $(pidof sleep); do grep -q 100001 /proc/$p/cmdline && kill $p; done'
sleep 0.3
check "after the retry it runs and counts" bash -c "[ \"\$(vsh domstate $c)\" = running ] && [ \"\$(count $c)\" -gt 0 ]"

# ---- transient ------------------------------------------------------------
ct_xml s-trans >"$CT_TEST_ROOT/s-trans.xml"
vsh create "$CT_TEST_ROOT/s-trans.xml" >/dev/null
ct_exec s-trans /bin/sh -c 'echo kept >/root/marker'
check "transient: save" vsh save s-trans "$CT_TEST_ROOT/trans.img"
check "transient: gone from the list" bash -c "! vsh list --all --name | grep -qx s-trans"
check "transient: its layer is kept for the image" \
    bash -c "\"$TPL\" layers | grep -q '^s-trans .*saved'"
mv "$SHARE" "$SHARE.away"
check_fails "transient: a failed restore..." "cannot start container 's-trans'" vsh restore "$CT_TEST_ROOT/trans.img"
check "...keeps its layer (saved) and leaves no domain" \
    bash -c "\"$TPL\" layers | grep -q '^s-trans .*saved' && ! vsh list --all --name | grep -qx s-trans"
mv "$SHARE.away" "$SHARE"
check "transient: restore" bash -c "vsh restore $CT_TEST_ROOT/trans.img && [ \"\$(ct_exec s-trans cat /root/marker)\" = kept ]"
check "transient: destroy removes the layer" \
    bash -c "vsh destroy s-trans && ! \"$TPL\" layers | grep -q '^s-trans '"

# ---- an <idmap> container ----------------------------------------------------
define s-idmap "<idmap><uid start='0' target='1500000000' count='65536'/><gid start='0' target='1500000000' count='65536'/></idmap>"
vsh start s-idmap >/dev/null
ct_exec s-idmap /bin/sh -c 'echo kept >/root/marker'
check "idmap: save and restore" \
    bash -c "vsh save s-idmap $CT_TEST_ROOT/idmap.img && vsh restore $CT_TEST_ROOT/idmap.img"
check "idmap: its user namespace is the <idmap>'s, its root writable" \
    bash -c "[ \"\$(awk '{ print \$1, \$2, \$3 }' /proc/\$(vsh domid s-idmap)/uid_map)\" = '0 1500000000 65536' ] && [ \"\$(ct_exec s-idmap cat /root/marker)\" = kept ] && ct_exec s-idmap /bin/sh -c 'echo w >/root/w'"
vsh destroy s-idmap >/dev/null

# ---- an interface ----------------------------------------------------------
define s-net "" "<interface type='ethernet'><target dev='ctsave0'/><ip address='10.99.7.2' prefix='24'/><route address='10.99.8.0' prefix='24' gateway='10.99.7.1'/></interface>"
vsh start s-net >/dev/null
ct_exec s-net /bin/sh -c 'ip addr add 10.99.9.9/32 dev eth0'
check "net: save" vsh save s-net "$CT_TEST_ROOT/net.img"
check "net: the host end is gone" bash -c "! ip link show ctsave0 2>/dev/null"
check "net: restore" vsh restore "$CT_TEST_ROOT/net.img"
check "net: the host end is back, up" bash -c "ip link show ctsave0 | grep -q 'state UP'"
check "net: addresses inside, also one added inside, and the route are kept" \
    bash -c "ct_exec s-net ip addr show eth0 | grep -q 10.99.7.2/24 && ct_exec s-net ip addr show eth0 | grep -q 10.99.9.9/32 && ct_exec s-net ip route | grep -q '10.99.8.0/24 via 10.99.7.1'"
check "net: the MAC is the definition's" \
    bash -c "[ \"\$(ct_exec s-net cat /sys/class/net/eth0/address)\" = \"\$(vsh domiflist s-net | awk '/ctsave0/ {print \$5}')\" ]"
check "net: destroy removes the host end" bash -c "vsh destroy s-net && ! ip link show ctsave0 2>/dev/null"

# ---- events seen by python-libvirt ----------------------------------------
check "events: stopped/saved and started/restored" \
    /usr/bin/python3 "$CT_SRC/tests/integration/saveevents.py" "$CT_URI" s-unpriv "$CT_TEST_ROOT/ev.img"

# ---- close to its memory limit ---------------------------------------------
# 52 MB of a 64 MiB limit in its tmpfs: CRIU restores outside the limits
cat >"$CT_TEST_ROOT/s-full.xml" <<XML
<domain type='lxc'>
  <name>s-full</name>
  <memory unit='MiB'>64</memory>
  <os><type>exe</type><init>/sbin/init</init></os>
  <devices>
    <filesystem type='template'><source name='busybox'/><target dir='/'/></filesystem>
    <filesystem type='ram'><source usage='60' units='MiB'/><target dir='/tmp'/></filesystem>
  </devices>
</domain>
XML
vsh create "$CT_TEST_ROOT/s-full.xml" >/dev/null
ct_exec s-full /bin/sh -c 'head -c 52000000 /dev/urandom >/tmp/fill'
check "near its memory limit: save and restore" \
    bash -c "vsh save s-full $CT_TEST_ROOT/full.img && vsh restore $CT_TEST_ROOT/full.img"
check "near its memory limit: its tmpfs came back whole" \
    bash -c "[ \"\$(ct_exec s-full /bin/sh -c 'wc -c </tmp/fill')\" = 52000000 ]"
vsh destroy s-full >/dev/null

# ---- sysinfo(2) after a restore --------------------------------------------
# init's processes get sysinfo(2) from the supervisor (the container's
# memory); CRIU brings the filter back without its listener, so the
# restorer puts a fresh listener filter under the restored ones, and the
# earlier one is cut from the chain at the next restore (the chain keeps
# its length however often the container is restored)
cat >"$CT_TEST_ROOT/s-free.xml" <<XML
<domain type='lxc'>
  <name>s-free</name>
  <memory unit='MiB'>64</memory>
  <os><type>exe</type><init>/bin/sh</init><initarg>-c</initarg>
    <initarg>while true; do free -m >/tmp/free.new; mv /tmp/free.new /tmp/free; sleep 0.1; done</initarg></os>
  <devices>
    <filesystem type='template'><source name='busybox'/><target dir='/'/></filesystem>
    <filesystem type='ram'><source usage='16' units='MiB'/><target dir='/tmp'/></filesystem>
  </devices>
</domain>
XML
memtotal() {
    rm -f "/proc/$(vsh domid s-free)/root/tmp/free"
    sleep 0.5
    awk '/^Mem:/ { print $2 }' "/proc/$(vsh domid s-free)/root/tmp/free" 2>/dev/null
}
filters() {
    awk '/^Seccomp_filters:/ { print $2 }' "/proc/$(vsh domid s-free)/status"
}
export -f memtotal filters
vsh create "$CT_TEST_ROOT/s-free.xml" >/dev/null
sleep 0.5
check "sysinfo: before a save, the container's memory (64 MiB)" bash -c "[ \"\$(memtotal)\" = 64 ]"
booted=$(filters)
for round in 1 2 3; do
    vsh save s-free "$CT_TEST_ROOT/free.img" >/dev/null && vsh restore "$CT_TEST_ROOT/free.img" >/dev/null
    check "sysinfo: after restore $round, still the container's memory (64 MiB)" \
        bash -c "[ \"\$(memtotal)\" = 64 ]"
    check "after restore $round: init has one seccomp filter more than at boot ($booted + 1)" \
        bash -c "f=\$(filters); echo \"init has \$f\"; [ \"\$f\" = $((booted + 1)) ]"
done
vsh destroy s-free >/dev/null

# ---- the daemon killed after a restore -----------------------------------
c=s-priv
before=$(count $c)
daemon_kill9
check "daemon restart after kill -9" daemon_start
check "the restored container is found again" bash -c "[ \"\$(vsh domstate $c)\" = running ]"
sleep 0.3
check "and still counts" bash -c "[ \"\$(ct_exec $c cat /tmp/count)\" -gt '$before' ]"

# ---- the daemon killed during a save --------------------------------------
# CT_TEST_CRIU: a CRIU that takes its time before (a) or after (b) it
# dumps.  (a) the daemon dies before the image is complete: the next one
# tells CRIU to roll back (through its post-dump action), and the
# container runs on, its network unlocked, no image.  (b) it dies once
# the image is complete: the next one finishes the save.
c=s-priv
for when in before after; do
    cat >"$CT_TEST_ROOT/slow-criu" <<SH
#!/bin/sh
[ "\$1" = dump ] && [ $when = before ] && sleep 3
"$CT_BUILD/ct-criu" "\$@" || exit
[ "\$1" = dump ] && [ $when = after ] && sleep 30
exit 0
SH
    chmod +x "$CT_TEST_ROOT/slow-criu"
    daemon_stop
    CT_TEST_CRIU=$CT_TEST_ROOT/slow-criu daemon_start
    ( vsh save $c "$CT_TEST_ROOT/cut.img" >/dev/null 2>&1 & )
    if [ $when = before ]; then
        sleep 1
        before=$(count $c)
        check "domjobinfo during the save: a save and its time" \
            bash -c "vsh domjobinfo $c | grep -q '^Operation: *Save' && vsh domjobinfo $c | grep -q '^Time elapsed: *[1-9]'"
    else
        for _ in $(seq 100); do
            [ -s "$SAVE/$c.dump/.verdict" ] && break
            sleep 0.1
        done
        sleep 0.5
        before=$(count $c)
        sleep 0.5
        check "cut after the image: the dumped processes are stopped meanwhile" \
            bash -c "[ -n '$before' ] && [ \"\$(count $c)\" = '$before' ]"
    fi
    daemon_kill9
    check "cut $when the image: the daemon comes back" daemon_start
    sleep 0.5
    if [ $when = before ]; then
        check "cut before the image: the container runs on" \
            bash -c "[ \"\$(vsh domstate $c)\" = running ] && [ \"\$(count $c)\" -gt '$before' ]"
        check "cut before the image: its TCP connection too (the network was unlocked)" \
            bash -c "t=\$(ticks $c); sleep 0.5; [ \"\$(ticks $c)\" -gt \"\$t\" ]"
        check "cut before the image: no image, nothing half-written next to it" \
            bash -c "! compgen -G '$CT_TEST_ROOT/cut.img*'"
    else
        check "cut after the image: the save is finished (shut off, saved; the image in place)" \
            bash -c "[ \"\$(vsh domstate --reason $c)\" = 'shut off (saved)' ] && vsh save-image-dumpxml $CT_TEST_ROOT/cut.img >/dev/null"
        check "cut after the image: it restores" vsh restore "$CT_TEST_ROOT/cut.img"
    fi
    check "cut $when the image: CRIU is gone, so is the work directory" \
        bash -c "! pgrep -f 'slow-criu[ ]dump' && [ ! -e $SAVE/$c.dump ]"
done
daemon_stop
daemon_start

# ---- nothing left behind ----------------------------------------------------
for c in s-unpriv s-priv; do vsh destroy $c >/dev/null 2>&1; done
check "no work directories left" bash -c "! compgen -G '$SAVE/*.dump' && ! compgen -G '$SAVE/*.restore'"
check "no cgroup of these containers left" \
    bash -c "! compgen -G '/sys/fs/cgroup/*/machine/ct-*-s-*.libvirt-ct'"
check "CRIU's logs are kept" bash -c "ls $LOGS/s-priv.dump.log $LOGS/s-priv.restore.log"

summary
