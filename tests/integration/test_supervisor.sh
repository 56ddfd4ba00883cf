#!/bin/bash
#
# test_supervisor.sh: real containers started by ct-supervisor
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Needs root.  Builds a busybox root in a temporary directory, writes
# plans by hand, plays the daemon's side of the sync socket with a small
# Python helper (/usr/bin/python3): at "PID" it moves init into an "init"
# cgroup, as the daemon does, before it answers.  Checks what the
# container sees from the inside (its /sbin/init writes reports into a
# bind-mounted directory) and what the supervisor does from the outside.
#
# Environment: CT_SUPERVISOR (default build/src/ct-supervisor).

set -u

SUP=${CT_SUPERVISOR:-build/src/ct-supervisor}
PY=/usr/bin/python3
PASSED=0
FAILED=0
SUPPIDS=()
HELPERS=()
CGROUPS=()

if [ "$(id -u)" != 0 ]; then
    echo "SKIP: must run as root (creates namespaces, mounts and cgroups)"
    exit 77
fi
if [ ! -x "$SUP" ]; then
    echo "SKIP: supervisor binary '$SUP' not found (build it or set CT_SUPERVISOR)"
    exit 77
fi
if [ ! -x /bin/busybox ] || [ ! -x "$PY" ]; then
    echo "SKIP: needs /bin/busybox (busybox-static) and $PY"
    exit 77
fi
SUP=$(readlink -f "$SUP")

TMP=$(mktemp -d /tmp/ctsuptest.XXXXXX)
NAME=ctsuptest$$

cleanup() {
    local pid cg
    for pid in "${HELPERS[@]}"; do
        kill -KILL "$pid" 2>/dev/null
    done
    for pid in "${SUPPIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null
    done
    sleep 0.2
    for pid in "${SUPPIDS[@]}"; do
        kill -KILL "$pid" 2>/dev/null
    done
    for cg in "${CGROUPS[@]}"; do
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            rmdir "$cg" 2>/dev/null && break
            sleep 0.1
        done
    done
    umount "$TMP/hostmark" 2>/dev/null
    if [ -n "${CT_TEST_KEEP:-}" ]; then
        echo "# kept $TMP"
    else
        [ -n "${KEEP_TMP:-}" ] || rm -rf "$TMP"
    fi
}
trap cleanup EXIT

ok() {
    echo "ok - $1"
    PASSED=$((PASSED + 1))
}

notok() {
    echo "not ok - $1${2:+: $2}"
    FAILED=$((FAILED + 1))
}

check() {
    # check NAME COMMAND...: ok when the command succeeds
    local name=$1
    shift
    if "$@" >/dev/null 2>&1; then ok "$name"; else notok "$name"; fi
}

wait_for() {
    # wait_for FILE: up to 10 s
    local i
    for i in $(seq 100); do
        [ -e "$1" ] && return 0
        sleep 0.1
    done
    return 1
}

gone() {
    # gone PID: the process is dead, or a zombie nobody reaps (up to 5 s)
    local i
    for i in $(seq 50); do
        [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ] && return 0
        kill -0 "$1" 2>/dev/null || return 0
        sleep 0.1
    done
    return 1
}

# --- the daemon's side, in Python -------------------------------------------
cat > "$TMP/helper.py" <<'EOF'
import os, socket, subprocess, sys, time, select

def start(sup, plan, answer, out, stay):
    daemon, child = socket.socketpair()
    log = open(out + ".stderr", "w")
    proc = subprocess.Popen([sup, "--plan", plan, "--sync-fd", str(child.fileno())],
                            pass_fds=[child.fileno()], start_new_session=True,
                            stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    child.close()
    f = daemon.makefile("rb")
    lines = ["SUPPID %d" % proc.pid]
    first = f.readline().decode().rstrip("\n")
    lines.append(first)
    if first.startswith("PID ") and answer != "eof":
        # the daemon's part of sync point 3: init into its cgroups
        for procs in os.environ.get("CT_TEST_CGROUP_PROCS", "").split():
            with open(procs, "w") as cg:
                cg.write(first[4:] + "\n")
    if first.startswith("PID "):
        if answer == "go":
            daemon.sendall(b"GO\n")
        elif answer == "abort":
            daemon.sendall(b"ABORT\n")
        else:
            daemon.shutdown(socket.SHUT_WR)
        lines.append(f.readline().decode().rstrip("\n") or "EOF")
    if not (first.startswith("PID ") and lines[-1].startswith("OK ")):
        try:
            lines.append("EXIT %d" % proc.wait(timeout=10))
        except subprocess.TimeoutExpired:
            lines.append("EXIT timeout")
    with open(out + ".tmp", "w") as o:
        o.write("\n".join(lines) + "\n")
    os.rename(out + ".tmp", out)
    while stay:
        time.sleep(100)

def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.settimeout(10)
    return s

def readline(s):
    buf = b""
    while not buf.endswith(b"\n"):
        c = s.recv(1)
        if not c:
            return "EOF"
        buf += c
    return buf.decode().rstrip("\n")

def mon(path, cmds):
    s = connect(path)
    for c in cmds:
        s.sendall((c + "\n").encode())
        print(readline(s))

def console(path, send, expect):
    s = connect(path)
    s.sendall(b"console\n")
    msg, fds, flags, addr = socket.recv_fds(s, 64, 1)
    print(msg.decode().rstrip("\n"), len(fds))
    if not fds:
        return
    # a second client while this one is attached
    print(mon_once(path, "console"))
    con = socket.socket(fileno=fds[0])
    con.sendall(send.encode())
    data, deadline = b"", time.time() + 10
    while expect.encode() not in data and time.time() < deadline:
        r, _, _ = select.select([con], [], [], 0.5)
        if r:
            data += con.recv(4096)
    print("found" if expect.encode() in data else "timeout: %r" % data[-200:])
    # once the client hangs up, the console is free again
    con.close()
    time.sleep(0.3)
    print("again", mon_once(path, "console"))

def mon_once(path, cmd):
    s = connect(path)
    s.sendall((cmd + "\n").encode())
    return readline(s)

def kill_and_wait(path):
    watcher = connect(path)
    watcher.sendall(b"status\n")
    readline(watcher)
    print(mon_once(path, "kill"))
    print(readline(watcher))

cmd = sys.argv[1]
if cmd == "start":
    start(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], len(sys.argv) > 6)
elif cmd == "mon":
    mon(sys.argv[2], sys.argv[3:])
elif cmd == "console":
    console(sys.argv[2], sys.argv[3], sys.argv[4])
elif cmd == "kill-wait":
    kill_and_wait(sys.argv[2])
EOF

helper() {
    "$PY" "$TMP/helper.py" "$@"
}

# start OUTFILE PLAN ANSWER [stay]: runs the daemon side in the background
# and waits for its report in OUTFILE
start() {
    local out=$1 plan=$2 answer=$3
    shift 3
    "$PY" "$TMP/helper.py" start "$SUP" "$plan" "$answer" "$out" "$@" \
        > "$out.helper" 2>&1 &
    HELPER_PID=$!
    HELPERS+=("$HELPER_PID")
    wait_for "$out" || { echo "# no answer from the supervisor"; return 1; }
    SUPPIDS+=("$(sed -n 's/^SUPPID //p' "$out")")
}

# --- a busybox root -----------------------------------------------------------
ROOT=$TMP/root
mkdir -p "$ROOT"/{bin,sbin,etc,proc,sys,dev,tmp,root,usr/bin} "$TMP/out" "$TMP/hostmark"
# --install -s links to the binary's own path, /usr/bin/busybox on a
# merged-/usr host: put the copy there
BUSYBOX=$(readlink -f /bin/busybox)
mkdir -p "$ROOT$(dirname "$BUSYBOX")"
cp "$BUSYBOX" "$ROOT$BUSYBOX"
/bin/busybox --install -s "$ROOT/bin"
cat > "$ROOT/sbin/init" <<'EOF'
#!/bin/sh
export PATH=/bin
o=/out
echo $$ > $o/pid
hostname > $o/hostname
cat /proc/self/mountinfo > $o/mountinfo
if (v=$(cat /proc/sys/kernel/printk_ratelimit) &&
    echo "$v" > /proc/sys/kernel/printk_ratelimit) 2>/dev/null; then
    echo rw; else echo ro; fi > $o/procsys
rmmod ctsuptest_no_such_module > $o/rmmod 2>&1
grep '^Cap' /proc/self/status > $o/caps
ls /sys/fs/cgroup > $o/cgroups
if mkdir /sys/fs/cgroup/pids/ctsuptest_inner 2>/dev/null; then
    rmdir /sys/fs/cgroup/pids/ctsuptest_inner; echo rw; else echo ro; fi > $o/cgroupfs
cat /proc/self/cgroup > $o/selfcgroup
ls -l /dev/console /dev/null /dev/ptmx > $o/dev 2>&1
ps -o pid,comm > $o/ps 2>&1
echo ready > $o/ready
exec /bin/sh -i
EOF
chmod 755 "$ROOT/sbin/init"

# a host mount that must stay invisible inside
mount -t tmpfs ctsuptest-hostmark "$TMP/hostmark"

# cgroups the helper places init into, as the daemon does: the child
# "init" of the container's cgroup, in v1 hierarchies and the v2 one
CT_TEST_CGROUP_PROCS=""
for ctrl in pids memory unified; do
    cg=/sys/fs/cgroup/$ctrl/$NAME
    if [ -d "/sys/fs/cgroup/$ctrl" ] && mkdir "$cg" 2>/dev/null; then
        CGROUPS+=("$cg/init" "$cg")
        mkdir "$cg/init"
        CT_TEST_CGROUP_PROCS+="$cg/init/cgroup.procs "
    fi
done
export CT_TEST_CGROUP_PROCS

# every capability but module loading, raw IO, clock and MAC admin
CAPS=$(printf '0x%x' $(( ((1 << 41) - 1) & ~((1 << 16) | (1 << 17) | (1 << 25) | (1 << 32) | (1 << 33)) )))

write_plan() {
    # write_plan FILE NAME INIT...: an OS container plan on the busybox root
    local file=$1 name=$2 a
    shift 2
    {
        echo "version 3"
        echo "name $name"
        echo "hostname $name-host"
        echo "root $ROOT"
        echo "namespaces mnt pid uts ipc net cgroup"
        echo "mount bind $TMP/out /out % % rec"
        for a in "$@"; do echo "arg $a"; done
        echo "env PATH=/bin"
        echo "env TERM=vt100"
        echo "cwd /"
        echo "user 0"
        echo "group 0"
        echo "caps $CAPS"
        echo "monitor $TMP/$name.sock"
        echo "exit-file $TMP/$name.exit"
        echo "log $TMP/$name.log"
    } > "$file"
}

# --- an OS container --------------------------------------------------------
write_plan "$TMP/os.plan" os /sbin/init
if ! start "$TMP/os.start" "$TMP/os.plan" go stay; then
    notok "supervisor answers the sync socket"
else
    HOSTPID=$(sed -n 's/^PID //p' "$TMP/os.start")
    if grep -qx "OK $HOSTPID" "$TMP/os.start"; then
        ok "start: PID then OK on the sync socket"
    else
        notok "start: PID then OK on the sync socket" "$(tr '\n' '|' < "$TMP/os.start")"
    fi
    wait_for "$TMP/out/ready" || echo "# init did not report (log: $(cat "$TMP/os.log" 2>/dev/null))"

    check "init is PID 1 in its namespace" grep -qx 1 "$TMP/out/pid"
    check "hostname is the plan's" grep -qx os-host "$TMP/out/hostname"
    check "host mount not visible" bash -c "! grep -q hostmark '$TMP/out/mountinfo'"
    check "only the container's own mounts" bash -c \
        "! awk '{print \$5}' '$TMP/out/mountinfo' | grep -Ev '^/(\$|proc|sys|dev|out)'"
    check "/proc/sys is read-only" bash -c \
        "grep -qx ro '$TMP/out/procsys' && grep ' /proc/sys ' '$TMP/out/mountinfo' | grep -q ' ro,'"
    # EPERM proves the capability check; a kernel built without module
    # support answers ENOSYS first, then only the capability sets tell
    check "module (un)loading refused inside" \
        grep -Eq 'Operation not permitted|Function not implemented' "$TMP/out/rmmod"
    check "CAP_SYS_MODULE neither effective nor in the bounding set" bash -c \
        "for set in CapBnd CapEff CapPrm; do
             v=\$(awk -v s=\$set: '\$1 == s {print \$2}' '$TMP/out/caps')
             [ -n \"\$v\" ] && (( ((0x\$v >> 16) & 1) == 0 )) || exit 1
         done"
    check "cgroup v1 and v2 hierarchies mounted inside" bash -c \
        "grep -qx pids '$TMP/out/cgroups' && grep -qx memory '$TMP/out/cgroups' && grep -qx unified '$TMP/out/cgroups'"
    check "cgroup file systems read-only" grep -qx ro "$TMP/out/cgroupfs"
    # the cgroup namespace is made after GO: its root is where the
    # daemon put init at "PID", not where the supervisor runs
    check "cgroup namespace root is the cgroup the daemon chose" \
        grep -qx '[0-9]*:pids:/' "$TMP/out/selfcgroup"
    if [ ${#CGROUPS[@]} -gt 0 ]; then
        check "init stays in the cgroup the daemon chose" \
            grep -qx "$HOSTPID" "${CGROUPS[0]}/cgroup.procs"
    fi
    check "/dev/console and /dev/null present" bash -c \
        "grep -q ' /dev/console' '$TMP/out/dev' && grep -q '^c.* /dev/null' '$TMP/out/dev'"
    check "only the container's processes visible" bash -c \
        "[ \$(grep -c . '$TMP/out/ps') -le 4 ]"

    out=$(helper mon "$TMP/os.sock" status)
    check "monitor status" test "$out" = "running $HOSTPID"
    out=$(helper mon "$TMP/os.sock" "signal 0" "signal 999" bogus)
    check "monitor signal and error replies" test "$out" = $'ok\nerror 22 invalid signal \'999\'\nerror 22 unknown request \'bogus\''

    out=$(helper console "$TMP/os.sock" $'echo $((6*7))zz\n' 42zz)
    check "console: ok with a descriptor" grep -qx 'ok 1' <<< "$out"
    check "console: second client is refused" grep -qx 'error 16 console busy' <<< "$out"
    check "console: output of the container readable" grep -qx found <<< "$out"
    check "console: free again after the client hangs up" grep -qx 'again ok' <<< "$out"

    kill -9 "$HELPER_PID" 2>/dev/null
    wait "$HELPER_PID" 2>/dev/null
    sleep 0.2
    out=$(helper mon "$TMP/os.sock" status)
    check "supervisor survives its parent's kill -9" test "$out" = "running $HOSTPID"

    out=$(helper kill-wait "$TMP/os.sock")
    check "kill: ok and exited event" test "$out" = $'ok\nexited signal 9'
    check "exit file written" grep -qx 'exited signal 9' "$TMP/os.exit"
    check "supervisor exits after init" gone "${SUPPIDS[-1]}"
    check "monitor socket removed" test ! -e "$TMP/os.sock"
    check "no container process left" gone "$HOSTPID"
fi

# --- bad init path ------------------------------------------------------------
write_plan "$TMP/bad.plan" bad /nonexistent/init
start "$TMP/bad.start" "$TMP/bad.plan" go
BADPID=$(sed -n 's/^PID //p' "$TMP/bad.start")
check "bad init: ERR with ENOENT naming the path" \
    grep -q "^ERR 2 .*/nonexistent/init" "$TMP/bad.start"
check "bad init: message unescapes to a readable one" \
    grep -q "^ERR 2 cannot%20execute%20'/nonexistent/init'" "$TMP/bad.start"
check "bad init: supervisor exits 1" grep -qx 'EXIT 1' "$TMP/bad.start"
check "bad init: no process left" bash -c "[ -n '$BADPID' ] && ! kill -0 '$BADPID' 2>/dev/null"
check "bad init: monitor socket removed" test ! -e "$TMP/bad.sock"

# --- a plan with a line of an older version: ERR instead of PID -----------------
write_plan "$TMP/old.plan" old /sbin/init
echo "cgroup-procs /sys/fs/cgroup/pids/$NAME/cgroup.procs" >> "$TMP/old.plan"
start "$TMP/old.start" "$TMP/old.plan" go
check "old plan line: ERR naming the line, no PID, exit 1" bash -c \
    "grep -q \"^ERR 22 invalid%20plan%20'.*old.plan':%20line%20[0-9]*:%20unknown%20key%20'cgroup-procs'\" '$TMP/old.start' &&
     ! grep -q '^PID ' '$TMP/old.start' && grep -qx 'EXIT 1' '$TMP/old.start' && [ ! -e '$TMP/old.sock' ]"

# --- ABORT from the daemon -------------------------------------------------------
write_plan "$TMP/abort.plan" abort /sbin/init
start "$TMP/abort.start" "$TMP/abort.plan" abort
ABPID=$(sed -n 's/^PID //p' "$TMP/abort.start")
check "abort: supervisor exits 1 without starting init" bash -c \
    "grep -qx 'EXIT 1' '$TMP/abort.start' && ! kill -0 '$ABPID' 2>/dev/null && [ ! -e '$TMP/abort.sock' ]"

# --- end of file on the sync socket before GO counts as ABORT ----------------------
write_plan "$TMP/eof.plan" eof /sbin/init
start "$TMP/eof.start" "$TMP/eof.plan" eof
EOFPID=$(sed -n 's/^PID //p' "$TMP/eof.start")
check "sync EOF before GO: no reply, exit 1, nothing left" bash -c \
    "grep -qx EOF '$TMP/eof.start' && grep -qx 'EXIT 1' '$TMP/eof.start' &&
     [ -n '$EOFPID' ] && ! kill -0 '$EOFPID' 2>/dev/null && [ ! -e '$TMP/eof.sock' ]"

# --- an application container and a normal exit ---------------------------------
cat > "$TMP/app.plan" <<EOF
version 3
name app
namespaces mnt pid uts ipc net
mount bind $TMP/out $TMP/out % % %
arg /bin/sh
arg -c
arg cd%20$TMP/out;%20touch%20/usr/ctsuptest%202>/dev/null%20||%20echo%20ro%20>%20app-ro;%20ls%20/tmp%20>%20app-tmp;%20exit%207
env PATH=/usr/bin:/bin
cwd /
user 0
group 0
caps 0x0
monitor $TMP/app.sock
exit-file $TMP/app.exit
EOF
start "$TMP/app.start" "$TMP/app.plan" go
wait_for "$TMP/app.exit"
check "application container: exit status recorded" grep -qx 'exited exit 7' "$TMP/app.exit"
check "application container: host root is read-only" grep -qx ro "$TMP/out/app-ro"
check "application container: private /tmp" test "$(cat "$TMP/out/app-tmp")" = "$(basename "$TMP")"

# --- a user namespace: root inside is an unprivileged id outside -------------------
chmod 755 "$TMP"   # the container's root (uid 100000) must reach its root dir
write_plan "$TMP/uns.plan" uns /bin/sleep 1000
sed -i -e 's/^namespaces .*/& user/' -e '/^mount bind/d' \
    -e 's/^arg \/bin\/sleep$/uidmap 0 100000 65536\ngidmap 0 100000 65536\n&/' \
    "$TMP/uns.plan"
start "$TMP/uns.start" "$TMP/uns.plan" go
UPID=$(sed -n 's/^PID //p' "$TMP/uns.start")
check "user namespace: started" grep -q '^OK ' "$TMP/uns.start"
check "user namespace: root inside is uid 100000 outside" \
    grep -Eq '^ +0 +100000 +65536$' "/proc/$UPID/uid_map"
check "user namespace: sysinfo(2) filtered to the supervisor" \
    grep -Eq '^Seccomp_filters:[[:space:]]+1$' "/proc/$UPID/status"
check "user namespace: cgroup hierarchies mounted inside" bash -c \
    "grep -q ' /sys/fs/cgroup/pids .* cgroup ' /proc/$UPID/mountinfo &&
     grep -q ' /sys/fs/cgroup/unified .* cgroup2 ' /proc/$UPID/mountinfo"
out=$(helper kill-wait "$TMP/uns.sock" 2>&1)
check "user namespace: kill" test "$out" = $'ok\nexited signal 9'

# --- idmapped mounts: the root and a bind shifted, files stored unshifted ----------
chmod 700 "$TMP"   # the container's ids may not even look up its host paths
rm -f "$TMP/out/idm-"*
cat >"$TMP/out/idm.sh" <<'SCRIPT'
id -u >/out/idm-uid
stat -c %u:%g / >/out/idm-root
echo x >/out/idm-file
exec sleep 1000
SCRIPT
write_plan "$TMP/idm.plan" idm /bin/sh /out/idm.sh
sed -i -e 's/^namespaces .*/& user/' -e 's/^\(mount bind .* rec\)$/\1,idmap/' \
    -e 's/^root .*/&\nroot-idmap/' \
    -e 's/^arg \/bin\/sh$/uidmap 0 200000 65536\ngidmap 0 200000 65536\n&/' \
    "$TMP/idm.plan"
start "$TMP/idm.start" "$TMP/idm.plan" go
check "idmapped root: started with the state tree private to root" grep -q '^OK ' "$TMP/idm.start"
wait_for "$TMP/out/idm-file"
check "idmapped root: init is root inside" test "$(cat "$TMP/out/idm-uid")" = 0
check "idmapped root: the root belongs to root inside" test "$(cat "$TMP/out/idm-root")" = 0:0
check "idmapped bind: a file written inside is stored with the ids inside" \
    test "$(stat -c %u:%g "$TMP/out/idm-file")" = 0:0
check "idmapped root: init runs as host uid 200000" bash -c \
    "grep -Eq '^Uid:[[:space:]]+200000' /proc/\$(sed -n 's/^PID //p' '$TMP/idm.start')/status"
out=$(helper kill-wait "$TMP/idm.sock" 2>&1)
check "idmapped root: kill" test "$out" = $'ok\nexited signal 9'

# --- SIGTERM to the supervisor -----------------------------------------------------
write_plan "$TMP/term.plan" term /sbin/init
start "$TMP/term.start" "$TMP/term.plan" go
TPID=$(sed -n 's/^PID //p' "$TMP/term.start")
kill -TERM "${SUPPIDS[-1]}"
check "SIGTERM: supervisor exits" gone "${SUPPIDS[-1]}"
check "SIGTERM: container killed, exit file says signal 9" bash -c \
    "! kill -0 '$TPID' 2>/dev/null && grep -qx 'exited signal 9' '$TMP/term.exit'"

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
