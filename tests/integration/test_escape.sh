#!/bin/bash
# test_escape.sh: escape attempts from inside containers (issue 14).
#
# A static probe (tests/escape/ctescapeprobe.c) runs as a child of each
# container's init, started when the host says so, and prints one line
# per attempt: "PROBE <name> blocked errno=<E> step=<S>" or "PROBE <name>
# open ...".  Modes: a default container on a bind-mounted root, one from
# a template, one with an explicit <idmap>, an explicitly privileged one,
# and the probe entered with lxc-enter-namespace.  The table EXPECT says
# per probe and kind of container what must happen: "E:step" must be
# blocked with errno E at that step (so a missing file or tool cannot
# pass), "-" is not run there, "doc" is still possible in that kind and documented in the
# README ("Isolation"): reported, never counted as a pass.  The same probe
# run on the host first must reach what it attempts, so a blocked result
# inside means the container stopped it.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

. "$(dirname "$0")/lib.sh"
skip_unless_root
PROBE=$CT_BUILD/tests/ctescapeprobe
if [ ! -x /bin/busybox ] || [ ! -x "$PROBE" ]; then
    echo "skipped: needs /bin/busybox (busybox-static) and $PROBE (ninja -C build)"
    exit 77
fi

# The XML that makes a container privileged; a container without it (and
# without <idmap>) has a user namespace of its own.
PRIVILEGED_XML=${CT_PRIVILEGED_XML:-<ct:privileged/>}
KIND_DEFAULT=${CT_KIND_DEFAULT:-U}
# How the host admin enters a process into a container: virt-ct-enter
# (root inside with init's bounding set and the deny list).  Into a
# privileged container, virsh lxc-enter-namespace too, which keeps host
# root's capabilities: root inside must not take such a process over.
enter_cmd() {
    ct_exec "$@"
}
enter_admin() {
    local name=$1
    shift
    if [ "${KIND[$name]}" = P ]; then
        virsh -q -c "$CT_URI" lxc-enter-namespace "$name" "$@"
    else
        ct_exec "$name" "$@"
    fi
}

# E: a process entered with virt-ct-enter into the default container.
# ptrace-entered in U: a process entered with virt-ct-enter is root of the
# container's user namespace like init, so root inside tracing it gains
# nothing (and lxc-enter-namespace refuses such containers).
# probe            P (privileged)            U (user namespace)       E (entered)
EXPECT="
shocker            EPERM:open_by_handle_at   EPERM:open_by_handle_at  EPERM:open_by_handle_at
other-ct           EPERM:open_by_handle_at   EPERM:open_by_handle_at  EPERM:open_by_handle_at
name-to-handle     ENOSYS:name_to_handle_at  ENOSYS:name_to_handle_at ENOSYS:name_to_handle_at
procsys-remount    doc                       EACCES:open-write        EACCES:open-write
procsys-umount     doc                       EACCES:open-write        EACCES:open-write
proc-fresh         doc                       EACCES:open-write        EACCES:open-write
sysfs-remount      doc                       EPERM:remount-sb         EPERM:remount-sb
sysfs-fresh        doc                       EPERM:mount              EPERM:mount
umount-force       EPERM:umount2             EPERM:umount2            EPERM:umount2
cgroup-memory      doc                       EACCES:open              -
syslog             EPERM:syslog              EPERM:syslog             EPERM:syslog
kmsg               EPERM:open                EACCES:open              EACCES:open
bpf                EPERM:bpf                 EPERM:bpf                EPERM:bpf
perf-cpu           EPERM:perf_event_open     EPERM:perf_event_open    EPERM:perf_event_open
keyctl             ENOSYS:keyctl             ENOSYS:keyctl            ENOSYS:keyctl
module             EPERM:finit_module        EPERM:finit_module       EPERM:finit_module
kexec              EPERM:kexec_file_load     EPERM:kexec_file_load    EPERM:kexec_file_load
fanotify           EPERM:fanotify_init       EPERM:fanotify_init      EPERM:fanotify_init
abi-i386           EPERM:finit_module        EPERM:finit_module       EPERM:finit_module
abi-x32            EPERM:finit_module        EPERM:finit_module       EPERM:finit_module
ptrace-entered     EPERM:ptrace              -                        -
"
# Probes whose block on the host side is the seccomp filter or a capability
# the host has: the host run must reach them.
HOST_OPEN="shocker other-ct name-to-handle syslog bpf perf-cpu keyctl fanotify abi-i386"

store_daemon_start

# --- roots, markers ------------------------------------------------------------
ROOT=$CT_TEST_ROOT/rootfs
"$CT_SRC/build-aux/busybox-root.sh" "$ROOT" >/dev/null || { not_ok "busybox root"; summary; exit 1; }
cp "$PROBE" "$ROOT/probe"
mkdir -p "$ROOT/out"
cat >"$ROOT/probe-init" <<'SH'
#!/bin/sh
# waits for the host, runs the probes as a child of init, then idles
while [ ! -e /out/go ]; do sleep 0.1; done
. /out/args
{
    /probe all
    /probe open-handle shocker $HANDLE_MARK
    /probe open-handle other-ct $HANDLE_OTHER
    /probe ptrace $PTRACE_PID
    /probe cgroup-memory
} >/out/result.tmp 2>&1
mv /out/result.tmp /out/result
exec sleep 100000
SH
chmod 755 "$ROOT/probe-init"
echo "other-container-secret" >"$ROOT/secret"
# a pre-shifted copy for <idmap>; its root must reach it and /out
chmod o+x "$CT_TEST_ROOT"
IDROOT=$CT_TEST_ROOT/rootfs-idmap
cp -a "$ROOT" "$IDROOT"
echo "idmap-container-secret" >"$IDROOT/secret"
chown -R 100000:100000 "$IDROOT"
"$TPL" -q create escape --dir "$ROOT" || { not_ok "template from the probe root"; summary; exit 1; }
MARK=$CT_TEST_ROOT/host-marker
echo "host-secret-$$" >"$MARK"

# --- the probe on the host: it must reach what it attempts ----------------------
"$PROBE" all >"$CT_TEST_ROOT/host.out" 2>&1
"$PROBE" open-handle shocker $("$PROBE" handle "$MARK") >>"$CT_TEST_ROOT/host.out" 2>&1
"$PROBE" open-handle other-ct $("$PROBE" handle "$ROOT/secret") >>"$CT_TEST_ROOT/host.out" 2>&1
for p in $HOST_OPEN; do
    check "host control: probe $p reaches the kernel on the host" \
        grep -q "^PROBE $p open" "$CT_TEST_ROOT/host.out"
done
check "host control: the handle probe reads the host marker" \
    grep -q "^PROBE shocker open read 'host-secret-$$'" "$CT_TEST_ROOT/host.out"
check "host control: module loading is absent here (ENOSYS), not refused" \
    grep -q "^PROBE module blocked errno=ENOSYS" "$CT_TEST_ROOT/host.out"

# --- containers ------------------------------------------------------------------
# ct_xml NAME KIND-XML FS-XML
ct_xml() {
    cat <<XML
<domain type='lxc' xmlns:ct='http://libvirt.org/schemas/domain/ct/1.0'>
  <name>$1</name>
  <memory unit='MiB'>64</memory>
  <os><type>exe</type><init>/probe-init</init></os>
  $2
  <devices>
    $3
    <filesystem type='mount'><source dir='$CT_TEST_ROOT/out-$1'/><target dir='/out'/></filesystem>
    <filesystem type='ram'><source usage='1' units='MiB'/><target dir='/tmp'/></filesystem>
    <console type='pty'/>
  </devices>
</domain>
XML
}

bind_root() {
    echo "<filesystem type='mount'><source dir='$1'/><target dir='/'/></filesystem>"
}

IDMAP="<idmap><uid start='0' target='100000' count='65536'/><gid start='0' target='100000' count='65536'/></idmap>"

# mode NAME KIND EXTRA-XML FS-XML OTHER-FILE OWNER
declare -A KIND ENTERED
start_mode() {
    local name=$1 kind=$2 extra=$3 fs=$4 other=$5 owner=$6
    KIND[$name]=$kind
    mkdir -p "$CT_TEST_ROOT/out-$name"
    chown "$owner" "$CT_TEST_ROOT/out-$name"
    ct_xml "$name" "$extra" "$fs" >"$CT_TEST_ROOT/$name.xml"
    if ! vsh create "$CT_TEST_ROOT/$name.xml" >/dev/null; then
        not_ok "$name: starts"
        return 1
    fi
    # a process the host admin entered: root inside must not take it over
    enter_admin "$name" /bin/sleep 100$((${#KIND[@]})) </dev/null >/dev/null 2>&1 &
    local i pid=
    for i in $(seq 100); do
        pid=$(pgrep -x -f "/bin/sleep 100$((${#KIND[@]}))") && break
        sleep 0.1
    done
    ENTERED[$name]=$pid
    local nspid
    nspid=$(awk '/^NSpid:/ { print $NF }' "/proc/$pid/status" 2>/dev/null)
    cat >"$CT_TEST_ROOT/out-$name/args" <<ARGS
HANDLE_MARK="$("$PROBE" handle "$MARK")"
HANDLE_OTHER="$("$PROBE" handle "$other")"
PTRACE_PID=${nspid:-0}
ARGS
    [ -n "$nspid" ] || not_ok "$name: no entered process to probe"
    touch "$CT_TEST_ROOT/out-$name/go"
}

start_mode esc-default "$KIND_DEFAULT" "" "$(bind_root "$ROOT")" "$IDROOT/secret" root
start_mode esc-template "$KIND_DEFAULT" "" \
    "<filesystem type='template'><source name='escape'/><target dir='/'/></filesystem>" \
    "$ROOT/secret" root
start_mode esc-idmap U "$IDMAP" "$(bind_root "$IDROOT")" "$ROOT/secret" 100000:100000
start_mode esc-priv P "$PRIVILEGED_XML" "$(bind_root "$ROOT")" "$IDROOT/secret" root

# expect PROBE COLUMN: the table's entry
expect() {
    awk -v p="$1" -v c="$2" 'NF == 4 && $1 == p { print $(c == "P" ? 2 : c == "U" ? 3 : 4) }' <<<"$EXPECT"
}

# judge MODE KIND RESULT-FILE
judge() {
    local mode=$1 kind=$2 file=$3 probe want line
    for probe in $(awk 'NF == 4 { print $1 }' <<<"$EXPECT"); do
        want=$(expect "$probe" "$kind")
        line=$(grep "^PROBE $probe " "$file" | head -n 1)
        if [ "$want" = - ]; then
            continue
        elif [ -z "$line" ]; then
            not_ok "$mode: probe $probe printed nothing"
        elif [ "$want" = doc ] && [[ "$line" = *" blocked "* ]]; then
            echo "# $mode ($kind): $probe: ${line#PROBE $probe } (not counted)"
        elif [ "$want" = doc ]; then
            echo "# $mode ($kind): $probe: ${line#PROBE $probe } -- still possible (documented)"
        elif [ "$line" = "PROBE $probe blocked errno=${want%%:*} step=${want#*:}" ]; then
            ok "$mode ($kind): $probe blocked (${want%%:*} at ${want#*:})"
        else
            not_ok "$mode ($kind): $probe: ${line#PROBE $probe }, wanted blocked ${want%%:*} at ${want#*:}"
        fi
    done
}

limit_file() {
    ls /sys/fs/cgroup/memory/machine/ct-*-"$1".libvirt-ct/memory.limit_in_bytes 2>/dev/null | head -n 1
}

for name in esc-default esc-template esc-idmap esc-priv; do
    for _ in $(seq 200); do
        [ -e "$CT_TEST_ROOT/out-$name/result" ] && break
        sleep 0.1
    done
    if [ ! -e "$CT_TEST_ROOT/out-$name/result" ]; then
        not_ok "$name: the probes did not finish"
        continue
    fi
    judge "$name" "${KIND[$name]}" "$CT_TEST_ROOT/out-$name/result"
    # the limit that counts is the one the host set, above the namespace root
    limit=$(cat "$(limit_file "$name")" 2>/dev/null)
    if [ "$limit" = 67108864 ]; then
        ok "$name (${KIND[$name]}): the container's real memory limit is still 64 MiB"
    elif [ "${KIND[$name]}" = P ]; then
        echo "# $name (P): cgroup-memory raised the real limit to $limit -- still possible (documented)"
    else
        not_ok "$name (${KIND[$name]}): the real memory limit is $limit, not 67108864"
    fi
    check "$name: the entered process is still alive and untraced" \
        grep -q '^TracerPid:[[:space:]]*0$' "/proc/${ENTERED[$name]}/status"
done
check "the host marker is unchanged" grep -qx "host-secret-$$" "$MARK"

# --- a process entered from the host ------------------------------------------------
enter_cmd esc-default /probe all >"$CT_TEST_ROOT/entered.out" 2>&1
enter_cmd esc-default /probe open-handle shocker $("$PROBE" handle "$MARK") \
    >>"$CT_TEST_ROOT/entered.out" 2>&1
enter_cmd esc-default /probe open-handle other-ct $("$PROBE" handle "$IDROOT/secret") \
    >>"$CT_TEST_ROOT/entered.out" 2>&1
judge entered E "$CT_TEST_ROOT/entered.out"

# the entered processes go with their containers' PID namespaces
for name in esc-default esc-template esc-idmap esc-priv; do
    vsh destroy "$name" >/dev/null 2>&1
done
wait
summary
