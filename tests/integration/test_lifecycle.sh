#!/bin/bash
# test_lifecycle.sh: real containers on a static busybox root, driven by
# the stock virsh and python3-libvirt through virtctd from the build tree:
# start, console, enter, suspend/resume, reboot, shutdown, destroy,
# transient and autodestroy containers, events, isolation, failure
# handling, and 20 containers surviving a kill -9 of the daemon.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

. "$(dirname "$0")/lib.sh"
skip_unless_root
if [ ! -x /bin/busybox ] || ! command -v script >/dev/null; then
    echo "skipped: needs /bin/busybox (busybox-static) and script (bsdutils)"
    exit 77
fi
daemon_setup
daemon_start || { not_ok "virtctd starts"; summary; exit 1; }

# --- a busybox root, shared read-only by all containers here ------------------
ROOT=$CT_TEST_ROOT/rootfs
"$CT_SRC/build-aux/busybox-root.sh" "$ROOT" || { not_ok "busybox root"; summary; exit 1; }

# a host mount that must stay invisible inside
mkdir -p "$CT_TEST_ROOT/hostmark"
mount -t tmpfs ctlt-hostmark "$CT_TEST_ROOT/hostmark"
trap 'umount "$CT_TEST_ROOT/hostmark" 2>/dev/null; daemon_teardown' EXIT

# ct_xml NAME [INIT]: a container on the busybox root
ct_xml() {
    cat <<XML
<domain type='lxc'>
  <name>$1</name>
  <memory unit='MiB'>64</memory>
  <os><type>exe</type><init>${2:-/sbin/init}</init></os>
  <devices>
    <filesystem type='mount'><source dir='$ROOT'/><target dir='/'/><readonly/></filesystem>
    <filesystem type='ram'><source usage='16' units='MiB'/><target dir='/tmp'/></filesystem>
    <console type='pty'/>
  </devices>
</domain>
XML
}

define() {
    ct_xml "$@" >"$CT_TEST_ROOT/$1.xml" && vsh define "$CT_TEST_ROOT/$1.xml" >/dev/null
}

# wait_state NAME "STATE (REASON)" [SECONDS]
wait_state() {
    local i
    for i in $(seq $((${3:-10} * 20))); do
        [ "$(vsh domstate --reason "$1" 2>/dev/null)" = "$2" ] && return 0
        sleep 0.05
    done
    echo "# state of $1: $(vsh domstate --reason "$1" 2>&1), wanted $2"
    return 1
}

# commands inside run as the container's root (lib.sh)
enter() {
    ct_exec "$@"
}

# leftovers NAME: anything of the container still on the host
leftovers() {
    ls -d /sys/fs/cgroup/*/machine/ct-*-"$1".libvirt-ct 2>/dev/null
    ls "$CT_TEST_ROOT/run/ct/$1".* 2>/dev/null
    pgrep -af -- "--plan $CT_TEST_ROOT/run/ct/$1.plan"
    # mounts on the root, and the container's own bind of it (NAME.root;
    # a running one on the same source has its own)
    awk -v r="$ROOT" -v k="$CT_TEST_ROOT/run/ct/$1.root" \
        '$5 == k || index($5, r) == 1' /proc/self/mountinfo
}

nothing_left() {
    local out
    out=$(leftovers "$1")
    [ -z "$out" ] || { echo "$out"; return 1; }
}

# --- start, enter, isolation ---------------------------------------------------
define ctlt1
check "start" vsh start ctlt1
check "running (booted)" wait_state ctlt1 "running (booted)"
id=$(vsh domid ctlt1)
check "domain id is the host pid of init" bash -c "[ \"\$(cat /proc/$id/comm)\" = init ]"
check "lookup by id" bash -c "virsh -c '$CT_URI' domname $id | grep -qx ctlt1"
check "hostname is the domain name" bash -c "[ \"\$(ct_exec ctlt1 /bin/hostname)\" = ctlt1 ]"
check_fails "lxc-enter-namespace refuses a container with a user namespace, naming the tool" \
    "virt-ct-enter ctlt1" vsh lxc-enter-namespace ctlt1 /bin/true
check "domhostname" bash -c "virsh -q -c '$CT_URI' domhostname ctlt1 | grep -qx ctlt1"
check "own PID namespace: init is pid 1, no host processes" bash -c \
    "out=\$(ct_exec ctlt1 /bin/ps -o pid,comm) &&
     echo \"\$out\" | grep -Eq '^ +1 +init' && [ \$(echo \"\$out\" | wc -l) -lt 8 ]"
check "enter joins the container's cgroup" bash -c \
    "ct_exec ctlt1 /bin/cat /proc/self/cgroup | grep -Eq '^0::/\$'"
check "no host mounts visible" bash -c \
    "! ct_exec ctlt1 /bin/cat /proc/self/mountinfo | grep -q ctlt-hostmark"
check "root is read-only (<readonly/>)" bash -c \
    "! ct_exec ctlt1 /bin/touch /ctlt-probe 2>/dev/null && [ ! -e '$ROOT/ctlt-probe' ]"
check "ram filesystem on /tmp is writable" enter ctlt1 /bin/touch /tmp/probe
check "/proc/sys is read-only" bash -c \
    "! ct_exec ctlt1 /bin/sh -c 'echo 5 > /proc/sys/kernel/printk_ratelimit' 2>/dev/null"
# init's bounding set: no sys_module (16), sys_rawio (17), sys_time (25)
check "no module loading, raw IO or clock setting for init" bash -c \
    "bnd=\$(ct_exec ctlt1 /bin/sh -c 'grep CapBnd /proc/1/status' | awk '{print \$2}') &&
     [ \$(( 0x\$bnd & ((1<<16)|(1<<17)|(1<<25)) )) = 0 ]"
check "devices cgroup refuses a disk" bash -c \
    "! ct_exec ctlt1 /bin/mknod /tmp/sda b 8 0 2>/dev/null"
check "/dev has the minimal set" bash -c \
    "ct_exec ctlt1 /bin/ls /dev | tr '\n' ' ' | grep -q 'console.*full.*null.*ptmx.*pts.*random.*shm.*tty.*urandom.*zero'"

# --- lxc-enter-namespace into a privileged container -----------------------------
ct_xml ctltp | sed -e "s|<domain type='lxc'>|<domain type='lxc' xmlns:ct='http://libvirt.org/schemas/domain/ct/1.0'>|" \
    -e "s|</devices>|</devices><ct:privileged/>|" >"$CT_TEST_ROOT/ctltp.xml"
check "create a privileged container" vsh create "$CT_TEST_ROOT/ctltp.xml"
check "lxc-enter-namespace (privileged): hostname is the domain name" bash -c \
    "[ \"\$(virsh -q -c '$CT_URI' lxc-enter-namespace ctltp /bin/hostname)\" = ctltp ]"
check "lxc-enter-namespace joins the container's cgroup namespace" bash -c \
    "virsh -q -c '$CT_URI' lxc-enter-namespace ctltp /bin/cat /proc/self/cgroup | grep -Eq '^0::/\$'"
check "suspend it" vsh suspend ctltp
check "an entered command does not run in a frozen container" bash -c \
    "! timeout 2 virsh -q -c '$CT_URI' lxc-enter-namespace ctltp /bin/true"
check "destroy it" vsh destroy ctltp

# --- console -------------------------------------------------------------------
console_out=$CT_TEST_ROOT/console.out
(sleep 1; printf '\r'; sleep 0.5; printf 'echo marker-$((6*7))\r'; sleep 1; printf '\035') |
    script -qc "virsh -c '$CT_URI' console ctlt1" /dev/null >"$console_out" 2>&1
check "virsh console runs a shell inside" grep -q marker-42 "$console_out"
check "console is free again after the client left" bash -c \
    "(sleep 1; printf '\035') | script -qc \"virsh -c '$CT_URI' console ctlt1\" /dev/null | grep -q 'Connected to domain'"

# --- the console's host PTY (virsh ttyconsole, Nova's get_console_output) ------
tty=$(virsh -q -c "$CT_URI" ttyconsole ctlt1 2>&1)
check "ttyconsole names a host PTY, root's alone (mode 0600)" bash -c \
    "[[ '$tty' == /dev/pts/* ]] && [ -c '$tty' ] && [ \$(stat -c %a:%u '$tty') = 600:0 ]"
check "live XML: <console type='pty' tty=...><source path=...>" bash -c \
    "vsh dumpxml ctlt1 | grep -q \"<console type='pty' tty='$tty'>\" &&
     vsh dumpxml ctlt1 | grep -q \"<source path='$tty'/>\""
check "the container's console output is read from that PTY on the host" bash -c \
    "ct_exec ctlt1 /bin/sh -c 'echo tty-marker-\$((4*5)) >/dev/console' &&
     timeout 1 cat '$tty' | grep -q tty-marker-20"
# what the host writes to the PTY is the container's console input
check "input written to that PTY reaches the container's console" bash -c \
    "printf 'echo tty-input-\$((5*5))\\r' >'$tty' && timeout 1 cat '$tty' | grep -q tty-input-25"
check "the inactive definition names no PTY" bash -c \
    "! vsh dumpxml --inactive ctlt1 | grep -q -e 'tty=' -e '<source path='"

# --- the console log file ------------------------------------------------------
conlog=$CT_TEST_ROOT/ctltlog.console
echo "old-line" >"$conlog"
ct_xml ctltlog /bin/sh |
    sed -e "s#</init>#</init><initarg>-c</initarg><initarg>yes filler-line-016 | head -c 320000; echo log-marker-\$((6*6)); exec sleep 600</initarg>#" \
        -e "s|<console type='pty'/>|<console type='pty'><log file='$conlog' append='on'/></console>|" \
        >"$CT_TEST_ROOT/ctltlog.xml"
check "a container with a console log starts" vsh create "$CT_TEST_ROOT/ctltlog.xml"
check "everything it writes to its console is in the log (append='on' kept the old line)" bash -c \
    "for i in \$(seq 50); do grep -q log-marker-36 '$conlog' && break; sleep 0.1; done;
     grep -q log-marker-36 '$conlog' && grep -qx old-line '$conlog'"
# (the console is a terminal: its line ends come out as CR LF)
check "the log has all 20000 lines written before the marker" bash -c \
    "[ \$(tr -d '\\r' <'$conlog' | grep -c '^filler-line-016\$') = 20000 ]"
# nobody read the host PTY meanwhile: it keeps only the newest output
tty=$(virsh -q -c "$CT_URI" ttyconsole ctltlog 2>&1)
timeout 3 cat "$tty" >"$CT_TEST_ROOT/ctltlog.tty"
check "its host PTY kept the newest output only (under 4 KiB, ending with the marker)" bash -c \
    "[ \$(stat -c %s '$CT_TEST_ROOT/ctltlog.tty') -le 4096 ] && grep -q log-marker-36 '$CT_TEST_ROOT/ctltlog.tty'"
check "what is written later goes there too" bash -c \
    "ct_exec ctltlog /bin/sh -c 'echo later-marker >/dev/console' &&
     for i in \$(seq 50); do grep -q later-marker '$conlog' && exit 0; sleep 0.1; done; exit 1"
check "destroy it" vsh destroy ctltlog
sed -i "s|append='on'|append='off'|" "$CT_TEST_ROOT/ctltlog.xml"
vsh create "$CT_TEST_ROOT/ctltlog.xml" >/dev/null
check "append='off' starts the log afresh" bash -c \
    "for i in \$(seq 50); do grep -q log-marker-36 '$conlog' && break; sleep 0.1; done;
     grep -q log-marker-36 '$conlog' && ! grep -q old-line '$conlog'"
vsh destroy ctltlog >/dev/null
sed -i "s|file='$conlog'|file='$CT_TEST_ROOT/no-such-dir/x.log'|" "$CT_TEST_ROOT/ctltlog.xml"
check_fails "a console log that cannot be opened refuses the start, naming it" \
    "cannot open console log '$CT_TEST_ROOT/no-such-dir/x.log': No such file or directory" \
    vsh create "$CT_TEST_ROOT/ctltlog.xml"

# --- suspend / resume ----------------------------------------------------------
check "suspend" vsh suspend ctlt1
check "paused (user)" wait_state ctlt1 "paused (user)"
# cgroup v2's cgroup.freeze where the container has a v2 cgroup, else v1's freezer
check "tasks are frozen" bash -c \
    "grep -qx 'frozen 1' /sys/fs/cgroup/unified/machine/ct-$id-ctlt1.libvirt-ct/cgroup.events 2>/dev/null ||
     grep -q FROZEN /sys/fs/cgroup/freezer/machine/ct-$id-ctlt1.libvirt-ct/freezer.state"
check_fails "virt-ct-enter refuses a paused container" "paused" ct_exec ctlt1 /bin/true
check "resume" vsh resume ctlt1
check "running (unpaused)" wait_state ctlt1 "running (unpaused)"
check_fails "resume of a running container" "not paused" vsh resume ctlt1

# --- reboot, shutdown ------------------------------------------------------------
check "reboot" vsh reboot ctlt1
check "reboot restarts init (new id)" bash -c \
    "for i in \$(seq 200); do n=\$(virsh -q -c '$CT_URI' domid ctlt1); [ -n \"\$n\" ] && [ \"\$n\" != $id ] && [ \"\$n\" != - ] && exit 0; sleep 0.05; done; exit 1"
check "running after reboot" wait_state ctlt1 "running (booted)"
check "shutdown" vsh shutdown ctlt1
check "shut off (shutdown)" wait_state ctlt1 "shut off (shutdown)"
check "nothing left after shutdown" nothing_left ctlt1

# --- destroy ------------------------------------------------------------------------
check "start again" vsh start ctlt1
check "destroy" vsh destroy ctlt1
check "shut off (destroyed)" wait_state ctlt1 "shut off (destroyed)" 1
check "nothing left after destroy (mounts, cgroups, processes, files)" nothing_left ctlt1
check_fails "destroy of a stopped container" "not running" vsh destroy ctlt1

# --- start paused, send-process-signal, host kill of init -----------------------
check "start --paused" vsh start --paused ctlt1
check "paused after start --paused" wait_state ctlt1 "paused (user)"
check "resume" vsh resume ctlt1
check "send-process-signal SIGUSR2 to init powers busybox off" vsh send-process-signal ctlt1 1 SIGUSR2
check "shut off (shutdown) after the signal" wait_state ctlt1 "shut off (shutdown)"
check_fails "send-process-signal to a pid other than 1" "only the container's init" \
    bash -c "virsh -c '$CT_URI' start ctlt1 >/dev/null && virsh -c '$CT_URI' send-process-signal ctlt1 5 SIGTERM"
kill -9 "$(vsh domid ctlt1)"
check "kill -9 of init on the host is a stop (destroyed)" wait_state ctlt1 "shut off (destroyed)"
check "nothing left after the host kill" nothing_left ctlt1

# --- shutdown through initctl ------------------------------------------------------
# an init that serves /run/initctl and writes what it got where the host sees it
mkdir -p "$CT_TEST_ROOT/out"
cat >"$CT_TEST_ROOT/out/initctl-init" <<'SH'
#!/bin/sh
mkfifo /run/initctl
od -An -tx1 -N12 /run/initctl | tr -d ' \n' >/out/initctl
SH
chmod 755 "$CT_TEST_ROOT/out/initctl-init"
ct_xml ctltic /out/initctl-init | sed "s|<console|\
    <filesystem type='mount'><source dir='$CT_TEST_ROOT/out'/><target dir='/out'/></filesystem>\
    <filesystem type='ram'><source usage='1' units='MiB'/><target dir='/run'/></filesystem>\
    <console|" >"$CT_TEST_ROOT/ctltic.xml"
vsh create "$CT_TEST_ROOT/ctltic.xml" >/dev/null
for _ in $(seq 50); do enter ctltic /bin/test -p /run/initctl 2>/dev/null && break; sleep 0.1; done
check "shutdown --mode initctl" vsh shutdown --mode initctl ctltic
# struct initreq: magic 0x03091969, cmd 1 (runlevel), runlevel '0'
initctl_got() {
    local i
    for i in $(seq 50); do
        [ "$(cat "$CT_TEST_ROOT/out/initctl" 2>/dev/null)" = 691909030100000030000000 ] && return 0
        sleep 0.1
    done
    echo "# got: $(cat "$CT_TEST_ROOT/out/initctl" 2>&1)"
    return 1
}
check "init got the initctl power-off request" initctl_got
check "transient gone after its init ended" bash -c \
    "for i in \$(seq 50); do virsh -c '$CT_URI' dominfo ctltic >/dev/null 2>&1 || exit 0; sleep 0.1; done; exit 1"
vsh start ctlt1 >/dev/null
check_fails "initctl mode without an initctl FIFO" "no initctl" vsh shutdown --mode initctl ctlt1
vsh destroy ctlt1 >/dev/null

# --- supervisor killed -----------------------------------------------------------
vsh start ctlt1 >/dev/null
sup=$(pgrep -f -- "--plan $CT_TEST_ROOT/run/ct/ctlt1.plan")
kill -9 "$sup"
check "killed supervisor: shut off (crashed)" wait_state ctlt1 "shut off (crashed)"
check "killed supervisor: init and cgroup gone" nothing_left ctlt1

# --- a bad init ---------------------------------------------------------------------
ct_xml ctltbad /sbin/no-such-init >"$CT_TEST_ROOT/ctltbad.xml"
check_fails "bad init path: clear error" "cannot execute '/sbin/no-such-init'" \
    vsh create "$CT_TEST_ROOT/ctltbad.xml"
check "bad init: no domain" bash -c "! virsh -c '$CT_URI' dominfo ctltbad >/dev/null 2>&1"
check "bad init: nothing left behind" nothing_left ctltbad

# --- transient, autodestroy, events (python3-libvirt) --------------------------------
ct_xml ctlttr >"$CT_TEST_ROOT/ctlttr.xml"
check "transient create" vsh create "$CT_TEST_ROOT/ctlttr.xml"
check "transient is listed, not persistent" bash -c \
    "virsh -c '$CT_URI' dominfo ctlttr | grep -E '^Persistent: +no'"
check "transient destroy removes it" bash -c \
    "virsh -c '$CT_URI' destroy ctlttr >/dev/null && ! virsh -c '$CT_URI' dominfo ctlttr >/dev/null 2>&1"
check "nothing left of the transient" nothing_left ctlttr
ct_xml ctltpy >"$CT_TEST_ROOT/ctltpy.xml"
check "events, autodestroy and transient domains seen by python3-libvirt" \
    /usr/bin/python3 "$(dirname "$0")/lifecycle.py" "$CT_URI" "$CT_TEST_ROOT/ctltpy.xml"
check "autodestroy container left nothing" nothing_left ctltpy

# --- 20 containers survive kill -9 of the daemon -----------------------------------
names=$(seq -f 'ctltm%02g' 1 20)
for n in $names; do define "$n"; vsh start "$n" >/dev/null; done
check "20 containers running" bash -c "[ \$(virsh -q -c '$CT_URI' list --name | grep -c ctltm) = 20 ]"
ids_before=$(for n in $names; do vsh domid "$n"; done)
daemon_kill9
check "containers outlive kill -9 of virtctd" bash -c \
    "for i in $(echo $ids_before); do kill -0 \$i || exit 1; done"
daemon_start
check "restarted daemon finds all 20 running, same ids" bash -c \
    "[ \"\$(for n in $(echo $names); do virsh -q -c '$CT_URI' domid \$n; done)\" = '$(echo "$ids_before")' ]"
check "all 20 manageable: enter each" bash -c \
    "for n in $(echo $names); do [ \"\$(ct_exec \$n /bin/hostname)\" = \$n ] || exit 1; done"
check "suspend/resume after reconnect" bash -c \
    "virsh -c '$CT_URI' suspend ctltm01 && virsh -c '$CT_URI' resume ctltm01"
check "shutdown after reconnect is seen (watch reconnected)" bash -c \
    "virsh -c '$CT_URI' shutdown ctltm02 >/dev/null"
check "shut off (shutdown) after reconnect" wait_state ctltm02 "shut off (shutdown)"
for n in $names; do vsh destroy "$n" >/dev/null 2>&1; done
check "all 20 destroyed, nothing left" bash -c \
    "for n in $(echo $names); do [ -z \"\$(ls -d /sys/fs/cgroup/*/machine/ct-*-\$n.libvirt-ct $CT_TEST_ROOT/run/ct/\$n.* 2>/dev/null)\" ] || exit 1; done"

# --- autostart, and a container that ends while no daemon runs ------------------------
vsh autostart ctltm03 >/dev/null
vsh start ctltm04 >/dev/null
daemon_stop
kill -9 "$(pgrep -f -- "--plan $CT_TEST_ROOT/run/ct/ctltm04.plan")" 2>/dev/null
daemon_start
check "autostart on daemon start" wait_state ctltm03 "running (booted)" 5
check "ended while the daemon was down: crashed, cleaned up" bash -c \
    "[ \"\$(virsh -q -c '$CT_URI' domstate --reason ctltm04)\" = 'shut off (crashed)' ]"
check "nothing left of it" nothing_left ctltm04
vsh destroy ctltm03 >/dev/null

# --- init ended while no daemon ran, and its PID is another process's now ----------
# (the next daemon stops the domain: its kill must not reach that process)
vsh start ctltm05 >/dev/null
pid5=$(vsh domid ctltm05)
daemon_stop
kill -9 "$pid5"
# its supervisor reaps it (a zombie still answers kill -0)
for _ in $(seq 100); do kill -0 "$pid5" 2>/dev/null || break; sleep 0.05; done
decoy=""
for _ in $(seq 50); do
    echo $((pid5 - 1)) >/proc/sys/kernel/ns_last_pid
    sleep 1000 &
    [ "$!" = "$pid5" ] && { decoy=$!; break; }
    kill $! 2>/dev/null
done
daemon_start
check "init ended while no daemon ran: shut off" wait_state ctltm05 "shut off (destroyed)" 5
if [ -n "$decoy" ]; then
    check "...and the process that took its PID ($decoy) lives on" kill -0 "$decoy"
    kill "$decoy"
else
    not_ok "a process could not take init's PID $pid5 (ns_last_pid)"
fi

summary
