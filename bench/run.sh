#!/bin/bash
# run.sh: the benchmark harness of libvirt-ct against the peers a user
# would pick instead (crun, LXC, systemd-nspawn, podman, libvirt's LXC
# driver, and a bare unshare + pivot_root baseline), all in one run on
# this machine, on the same root file systems (busybox and a Debian
# minbase).  Benchmarks are not tests: it prints and writes numbers and
# never fails on a timing.
#
#   bench/run.sh            full mode (about an hour): 20 rounds, density
#                           up to 4000 containers, 4000 defined / 2000
#                           running for management (its curve at 250,
#                           500, 1000, 2000 running), 10 checkpoint and
#                           10 migration rounds;
#                           results and the report go to docs/
#                           (docs/benchmarks.md, docs/bench/results.json,
#                           docs/bench/*.png)
#   bench/run.sh --quick    quick mode (under 5 minutes): 5 rounds,
#                           density 20 and 50, 100 / 50 for management,
#                           3 checkpoint and 3 migration rounds; report to
#                           /var/tmp/bench-quick/
#   (the migrate scenario alone: about 2 minutes quick, 4 full; the
#   snapshot scenario, bench/snapshot.sh: about 1.5 minutes quick, 6 full)
#
# Options: --out DIR (report into DIR/benchmarks.md, DIR/bench/), --no-install,
# --systems ct-api,crun,... --scenarios overhead,start,stop,burst,provision,manage,
# quotas,density,checkpoint,migrate,profile,snapshot,clone, --keep (keep the scratch
# tree).  "profile": the steps of a start (bench/start-timeline.sh).
#
# For the run only (the old values are put back at the end) it raises the
# kernel limits that 4000 containers of some system reach: kernel.pty.max
# (a ct container has a console PTY, libvirt-lxc takes two),
# kernel.pid_max (each container is two processes or more),
# fs.inotify.max_user_instances and max_user_watches (systemd-nspawn,
# podman's conmon), kernel.keys.maxkeys/maxbytes and their root_
# variants (a session keyring per container for crun, LXC and podman),
# and the open files of the daemons (ulimit -n: virtctd holds a monitor
# connection per running container).
#
# What it does: installs the peers from Debian (bench/install-peers.sh),
# makes the root file systems once (bench/mkrootfs.sh, cached in
# /var/tmp/bench-cache; with the checkpoint scenario also a Debian root
# with systemd), compiles bench/nsrun.c and bench/stamp.c, and starts, on a scratch
# tree /var/tmp/bench-run.XXXXXX, a private virtctd from the build tree
# (as the integration tests do) with templates made from those roots, and
# a private libvirtd holding only the LXC driver.  With the migrate
# scenario, a second host on this machine for that daemon to migrate to:
# the host2 of tests/integration/twohost.sh (sourced: a virtctd of its own
# in a mount and a network namespace of its own, a veth pair, a TLS
# listener with a throw-away CA), with the same templates.  bench/bench.py measures
# and writes the JSON; bench/report.py turns it into the page and charts.
# At the end everything it started is stopped and removed: containers,
# daemons, mounts, cgroups it created, the scratch tree.  It never touches
# the system's virtctd, libvirtd or their containers.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

set -u
set -o pipefail
export LC_ALL=C

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$(cd "$HERE/.." && pwd)
CACHE=/var/tmp/bench-cache
mode=full out="" install=1 systems="" keep=0
scenarios="overhead,start,stop,burst,provision,manage,quotas,density,checkpoint,migrate,profile,snapshot,clone"

usage() {
    sed -n '/^#   bench/,/^# Options/p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
}

while [ $# -gt 0 ]; do
    case $1 in
    --quick) mode=quick ;;
    --full) mode=full ;;
    --out) out=$2; shift ;;
    --no-install) install=0 ;;
    --systems) systems=$2; shift ;;
    --scenarios) scenarios=$2; shift ;;
    --keep) keep=1 ;;
    -h | --help) usage ;;
    *) echo "run.sh: unknown option $1" >&2; usage ;;
    esac
    shift
done
if [ -z "$out" ]; then
    if [ "$mode" = full ]; then out=$SRC/docs; else out=/var/tmp/bench-quick; fi
fi

die() {
    echo "bench: $*" >&2
    exit 1
}
say() {
    echo "[$(date +%H:%M:%S)] $*"
}

[ "$(id -u)" = 0 ] || die "needs root"
[ -n "${EPOCHREALTIME:-}" ] || die "needs bash 5"
t_begin=$(date +%s)

# --- what it needs ---------------------------------------------------------------
if [ "$install" = 1 ]; then
    "$HERE/install-peers.sh" || say "some packages could not be installed: those systems will be recorded as failing"
fi
for cmd in cc virsh /usr/bin/python3; do
    command -v "$cmd" >/dev/null || die "needs $cmd (bench/install-peers.sh installs it)"
done
ckpt="" mig=""
case ",$scenarios," in *,checkpoint,* | *,migrate,*) ckpt=1 ;; esac
case ",$scenarios," in *,migrate,*) mig=1 ;; esac
"$HERE/mkrootfs.sh" "$CACHE" ${ckpt:+systemd} || die "cannot make the root file systems in $CACHE"

CT_BUILD=${CT_BUILD:-$SRC/build}
if [ ! -x "$CT_BUILD/src/virtctd" ] || [ ! -x "$CT_BUILD/tools/virt-ct-template" ]; then
    say "no build in $CT_BUILD: building it"
    "$SRC/build-aux/install-deps.sh" || die "cannot install the build dependencies"
    (cd "$SRC" && { [ -f "$CT_BUILD/build.ninja" ] || meson setup "$CT_BUILD"; } && ninja -C "$CT_BUILD") ||
        die "the build failed"
fi
export CT_BUILD

RUN=$(mktemp -d /var/tmp/bench-run.XXXXXX) || die "cannot make a scratch directory"
token=${RUN##*.}
mkdir -p "$RUN/lxcdrv" "$RUN/out"
LOG=$RUN/harness.log
# static when libc.a is there: one exec of it is part of crun's and podman's times
cc -O2 -Wall -Wextra -Werror -static -o "$RUN/nsrun" "$HERE/nsrun.c" 2>/dev/null ||
    cc -O2 -Wall -Wextra -Werror -o "$RUN/nsrun" "$HERE/nsrun.c" || die "cannot compile bench/nsrun.c"
# static: it runs inside the containers of every root (checkpoint and migrate scenarios)
cc -O2 -Wall -Wextra -Werror -static -o "$RUN/stamp" "$HERE/stamp.c" ||
    die "cannot compile bench/stamp.c statically (libc6-dev)"

# cgroup directories there before the run: those made by the peers for
# their own use (lxc.pivot, libpod_parent) are removed at the end only if
# the run made them
cg_before=$(find /sys/fs/cgroup -mindepth 2 -maxdepth 2 \( -name lxc.pivot -o -name libpod_parent \) | tr '\n' ' ')

# --- clean-up, whatever happens --------------------------------------------------
# shellcheck disable=SC2317 # called from the EXIT trap
cleanup() {
    trap - EXIT INT TERM
    say "cleaning up"
    restore_sysctls
    local d f
    if [ -n "${CT_URI:-}" ] && [ -S "$CT_TEST_ROOT/sock/virtctd-sock" ]; then
        for d in $(virsh -q -c "$CT_URI" list --name 2>/dev/null); do
            virsh -q -c "$CT_URI" destroy "$d" >/dev/null 2>&1
        done
        for d in $(virsh -q -c "$CT_URI" list --all --name 2>/dev/null); do
            virsh -q -c "$CT_URI" undefine "$d" >/dev/null 2>&1
        done
    fi
    if [ -n "${LXC_URI:-}" ]; then
        for d in $(virsh -q -c "$LXC_URI" list --name 2>/dev/null); do
            virsh -q -c "$LXC_URI" destroy "$d" >/dev/null 2>&1
        done
    fi
    if command -v crun >/dev/null && [ -d "$RUN/crun-state" ]; then
        for d in $("$RUN/nsrun" v1 crun --root "$RUN/crun-state" list -q 2>/dev/null); do
            "$RUN/nsrun" v1 crun --root "$RUN/crun-state" delete -f "$d" >/dev/null 2>&1
        done
    fi
    if command -v lxc-ls >/dev/null && [ -d "$RUN/lxc" ]; then
        for d in $(lxc-ls -P "$RUN/lxc" --running -1 2>/dev/null); do
            lxc-stop -k -P "$RUN/lxc" -n "$d" >/dev/null 2>&1
        done
    fi
    if command -v podman >/dev/null && [ -d "$RUN/podman" ]; then
        "$RUN/nsrun" v1 podman --root "$RUN/podman/root" --runroot "$RUN/podman/run" \
            --tmpdir "$RUN/podman/tmp" --cgroup-manager cgroupfs --events-backend file \
            rm -a -f -t 0 >/dev/null 2>&1
    fi
    # the last resort for every system: the processes of this run's
    # containers carry BENCH_RUN=$token in their environment
    grep -lsa "BENCH_RUN=$token" /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3 |
        while read -r pid; do kill -9 "$pid" 2>/dev/null; done
    # and a CRIU dump of this run's daemon still going (its log is in the tree)
    if [ -n "${CT_TEST_ROOT:-}" ]; then
        grep -lsaF "$CT_TEST_ROOT/" /proc/[0-9]*/cmdline 2>/dev/null | cut -d/ -f3 |
            while read -r pid; do
                [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$CT_BUILD/ct-criu" ] &&
                    kill -9 "$pid" 2>/dev/null
            done
    fi
    sleep 1
    for f in "$RUN/lvd-host/pid" "$RUN/lvd/pid"; do
        [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
    done
    if [ -n "${CT_TEST_ROOT:-}" ]; then
        for d in "$CT_TEST_ROOT"/var/lib/ct/containers/*/disk; do
            mountpoint -q "$d" 2>/dev/null && umount -l "$d"
        done
        if [ -n "${H2_NS_PID:-}${H1_IF:-}" ]; then
            # host2 (twohost.sh): its containers, daemon, namespaces and
            # veth pair, then this daemon; the tree is removed below
            CT_KEEP=1 twohost_teardown
        else
            daemon_stop
        fi
    fi
    awk -v r="$RUN/" 'index($2, r) == 1 { print $2 }' /proc/mounts | sort -r |
        while read -r m; do umount "$m" 2>/dev/null || umount -l "$m"; done
    rm -rf /run/systemd/nspawn/propagate/b"${token:0:6}"-* 2>/dev/null
    for d in /sys/fs/cgroup/*/bench-crun-"$token" /sys/fs/cgroup/*/bench-podman-"$token"; do
        [ -d "$d" ] || continue
        find "$d" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null
        rmdir "$d" 2>/dev/null
    done
    for d in /sys/fs/cgroup/*/lxc.pivot /sys/fs/cgroup/*/libpod_parent; do
        [ -d "$d" ] || continue
        case " $cg_before " in *" $d "*) continue ;; esac
        find "$d" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null
        rmdir "$d" 2>/dev/null
    done
    if [ -n "${CT_TEST_ROOT:-}" ]; then
        awk -v r="$CT_TEST_ROOT/" 'index($2, r) == 1 { print $2 }' /proc/mounts | sort -r |
            while read -r m; do umount "$m" 2>/dev/null || umount -l "$m"; done
    fi
    if [ "$keep" = 1 ]; then
        say "scratch trees kept: $RUN ${CT_TEST_ROOT:-}"
    else
        rm -rf --one-file-system "$RUN" "${CT_TEST_ROOT:-/nonexistent}"
    fi
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT TERM

# --- kernel limits for thousands of containers, for this run only ---------------
sysctl_saved=""
raise_sysctl() {
    local key=$1 want=$2 have
    have=$(sysctl -n "$key" 2>/dev/null) || return 0
    [ "$have" -ge "$want" ] 2>/dev/null && return 0
    sysctl -q -w "$key=$want" >/dev/null 2>&1 || { say "cannot raise $key to $want"; return 0; }
    sysctl_saved+="$key=$have "
    say "raised $key from $have to $want for the run"
}
restore_sysctls() {
    local kv
    for kv in $sysctl_saved; do sysctl -q -w "$kv" >/dev/null 2>&1; done
}
raise_sysctl kernel.pty.max 16384
raise_sysctl kernel.pid_max 4194304
raise_sysctl fs.inotify.max_user_instances 16384
raise_sysctl fs.inotify.max_user_watches 1048576
raise_sysctl kernel.keys.maxkeys 20000
raise_sysctl kernel.keys.maxbytes 2000000
raise_sysctl kernel.keys.root_maxkeys 1000000
raise_sysctl kernel.keys.root_maxbytes 25000000
ulimit -n 1048576 2>/dev/null || ulimit -n 65536 2>/dev/null

# --- mount namespaces (nsrun mkns): a pure cgroup v1 view for crun and podman
mkdir -p "$RUN/ns"
{ mount --bind "$RUN/ns" "$RUN/ns" && mount --make-private "$RUN/ns"; } || die "cannot make $RUN/ns private"
"$RUN/nsrun" mkns "$RUN/ns/v1" -v1 || die "cannot make the v1 mount namespace"

# --- the private virtctd and its templates ---------------------------------------
# shellcheck source=../tests/integration/lib.sh
. "$SRC/tests/integration/lib.sh"
# a short path: libvirt's loop device helper refuses a disk image path of
# 64 characters or more (LO_NAME_SIZE), and the layers live in there
CT_TEST_ROOT=/var/tmp/bct.$token
CT_URI="ct:///system?socket=$CT_TEST_ROOT/sock/virtctd-sock"
STORE=$CT_TEST_ROOT/var/lib/ct
export CT_TEST_ROOT CT_URI
mkdir -p "$CT_TEST_ROOT"
if [ -n "$mig" ]; then
    # shellcheck source=../tests/integration/twohost.sh
    . "$SRC/tests/integration/twohost.sh"
    # two daemons on one machine: each its own host UUID (a migration
    # to the same host is refused)
    H1_UUID=$(cat /proc/sys/kernel/random/uuid)
    # shellcheck disable=SC2034 # read by lib.sh's daemon_start
    CT_EXTRA_CONF="host_uuid = \"$H1_UUID\""
fi
say "scratch tree $RUN; starting a private virtctd"
daemon_start || die "virtctd does not start"
for t in busybox debian ${ckpt:+debian-systemd}; do
    CT_ROOT=$CT_TEST_ROOT "$CT_BUILD/tools/virt-ct-template" -q create "$t" --dir "$CACHE/$t" ||
        die "cannot make the template $t"
done

# --- host2 for the migrate scenario (twohost.sh) ------------------------------------
# Only host2 of twohost_start: this daemon is host1 (the source, reached on
# its UNIX socket; virsh migrate --p2p has it connect to host2 itself), so
# it needs neither a TLS listener nor the sshds.  host2's tree is short
# ($CT_TEST_ROOT/h2): its disk images' paths must stay under 64 characters.
# On failure the scenario records why, the others run.
mig_error=""
# host2_up: host2 with the templates of the migrate scenario, or 1 with
# $mig_error set
host2_up() {
    local t c1 c2 tpl=$CT_BUILD/tools/virt-ct-template
    for t in unshare nsenter ip ss certtool virt-admin; do
        command -v $t >/dev/null || { mig_error="needs $t (util-linux, iproute2, gnutls-bin, libvirt-clients)"; return 1; }
    done
    # shellcheck disable=SC2034 # read by twohost.sh's functions
    H2_UUID=$(cat /proc/sys/kernel/random/uuid)
    H2_ROOT=$CT_TEST_ROOT/h2
    STORE2=$H2_ROOT/var/lib/ct
    TWOHOST_PKI=$CT_TEST_ROOT/pki
    H2_URI=ct:///system
    H2_LOG=$H2_ROOT/host/log-libvirt/virtctd.log
    twohost_ns_up || { mig_error="host2's mount and network namespaces"; return 1; }
    twohost_net_up || { mig_error="a veth pair between the hosts"; return 1; }
    twohost_pki >"$CT_TEST_ROOT/pki.log" 2>&1 || { mig_error="a throw-away CA and certificates: $(tail -n 3 "$CT_TEST_ROOT/pki.log")"; return 1; }
    h2_daemon_start || { mig_error="host2's virtctd: $(tail -n 3 "$H2_LOG" 2>/dev/null)"; return 1; }
    for t in busybox debian-systemd; do
        "$tpl" -q --data-dir "$STORE2" create "$t" --dir "$CACHE/$t" || { mig_error="the template $t on host2"; return 1; }
        # a template root migrates only to a host holding the same template
        c1=$("$tpl" --data-dir "$STORE" info "$t" | sed -n 's/^Checksum: *//p')
        c2=$("$tpl" --data-dir "$STORE2" info "$t" | sed -n 's/^Checksum: *//p')
        if [ -z "$c1" ] || [ "$c1" != "$c2" ]; then
            mig_error="template $t: checksum '$c1' on host1, '$c2' on host2"
            return 1
        fi
    done
    H2_TLS_URI="ct+tls://$H2_ADDR/system?pkipath=$TWOHOST_PKI/client"
}
if [ -n "$mig" ]; then
    say "starting host2 (tests/integration/twohost.sh) for the migrate scenario"
    if host2_up 2>>"$RUN/host2.log"; then
        say "host2: $H2_TLS_URI"
    else
        say "host2 does not come up: $mig_error (the migrate scenario is not measured)"
    fi
fi

# --- libvirt's LXC driver: on the host as is, then in a pure v1 view ----------------
# Its state (/run/libvirt/lxc, with the driver's pid file) and its logs are
# private to its mount namespace, so that it never meets a system libvirtd.
LXC_URI="" lxc_error="" lxc_error_host=""
lxcso=$(find /usr/lib/*/libvirt/connection-driver -name libvirt_driver_lxc.so 2>/dev/null | head -n 1)
# lxc_daemon NAME [-v1]: a libvirtd with only the LXC driver on $RUN/NAME
lxc_daemon() {
    local dir=$RUN/$1
    shift
    mkdir -p "$dir/sock" "$dir/state" "$dir/log" /run/libvirt/lxc /var/log/libvirt/lxc
    cat >"$dir/libvirtd.conf" <<CONF
unix_sock_dir = "$dir/sock"
log_outputs = "3:file:$dir/libvirtd.log"
CONF
    "$RUN/nsrun" mkns "$RUN/ns/$(basename "$dir")" "$@" -b "$dir/state:/run/libvirt/lxc" \
        -b "$dir/log:/var/log/libvirt/lxc" || return 1
    "$RUN/nsrun" enter "$RUN/ns/$(basename "$dir")" env LIBVIRT_DRIVER_DIR="$RUN/lxcdrv" \
        /usr/sbin/libvirtd -d -f "$dir/libvirtd.conf" -p "$dir/pid" || return 1
    for _ in $(seq 50); do
        virsh -q -c "lxc:///system?socket=$dir/sock/libvirt-sock" version >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    return 1
}
if [ -z "$lxcso" ] || [ ! -x /usr/sbin/libvirtd ]; then
    lxc_error="libvirt-daemon-driver-lxc is not installed"
else
    ln -sf "$lxcso" "$RUN/lxcdrv/"
    cat >"$RUN/lxc-try.xml" <<XML
<domain type='lxc'>
  <name>bench-try-$token</name>
  <memory unit='MiB'>64</memory>
  <os><type>exe</type><init>/bin/true</init></os>
  <devices>
    <filesystem type='mount'><source dir='$CACHE/busybox'/><target dir='/'/><readonly/></filesystem>
    <console type='pty'/>
  </devices>
</domain>
XML
    if lxc_daemon lvd-host; then
        u="lxc:///system?socket=$RUN/lvd-host/sock/libvirt-sock"
        if lxc_error_host=$(virsh -q -c "$u" create "$RUN/lxc-try.xml" 2>&1); then
            lxc_error_host=""
            virsh -q -c "$u" destroy "bench-try-$token" >/dev/null 2>&1
        fi
        kill "$(cat "$RUN/lvd-host/pid")"
        sleep 0.5
    else
        lxc_error_host="libvirtd does not start: $(tail -n 3 "$RUN/lvd-host/libvirtd.log" 2>/dev/null)"
    fi
    say "libvirt-lxc on the host as is: ${lxc_error_host:-starts}"
    if lxc_daemon lvd -v1; then
        LXC_URI="lxc:///system?socket=$RUN/lvd/sock/libvirt-sock"
    else
        lxc_error="libvirtd (pure v1 view) does not start: $(tail -n 3 "$RUN/lvd/libvirtd.log" 2>/dev/null)"
    fi
fi

# --- the measurements ----------------------------------------------------------------
if [ "$mode" = quick ]; then
    runs=5 levels="[20, 50]" cap=60 prov=3 mdef=100 mrun=50 esc=0 rootfs='["busybox", "debian"]'
    ckruns=3
else
    runs=20 levels="[100, 500, 1000, 2000, 4000]" cap=600 prov=20 mdef=4000 mrun=2000 esc=2
    rootfs='["busybox", "debian"]' ckruns=10
fi
# jstr TEXT: TEXT on one line, fit for a JSON string
jstr() { printf '%s' "$*" | tr '\n"\134' '  /'; }
ver() { jstr "$("$@" 2>/dev/null | head -n 1)"; }
json_list() {
    local IFS=,
    # shellcheck disable=SC2086
    printf '"%s",' $1 | sed 's/,$//'
}
mkdir -p "$out/bench"
cat >"$RUN/config.json" <<JSON
{
  "mode": "$mode", "tmp": "$RUN", "token": "$token", "nsrun": "$RUN/nsrun", "v1ns": "$RUN/ns/v1",
  "out": "$out/bench/results.json",
  "rootfs": {"busybox": "$CACHE/busybox", "debian": "$CACHE/debian"},
  "ct_uri": "$CT_URI", "ct_root": "$CT_TEST_ROOT", "ct_pidfile": "$CT_TEST_ROOT/virtctd.pid",
  "tpl": "$CT_BUILD/tools/virt-ct-template", "enter": "$CT_BUILD/tools/virt-ct-enter",
  "criu": "$([ -x "$CT_BUILD/ct-criu" ] && echo "$CT_BUILD/ct-criu")", "stamp": "$RUN/stamp",
  "checkpoint_runs": $ckruns,
  "migrate_runs": $ckruns,
  "migrate": {"error": "$(jstr "$mig_error")", "h2_tls_uri": "${H2_TLS_URI:-}",
              "h2_uri": "${H2_URI:-}", "h2_ns_pid": "${H2_NS_PID:-}", "h2_root": "${H2_ROOT:-}",
              "h1_admin_uri": "virtctd:///system?socket=$CT_TEST_ROOT/sock/virtctd-admin-sock",
              "h1_log": "$CT_TEST_ROOT/virtctd.log", "h2_log": "/var/log/libvirt/virtctd.log",
              "h2_log_dir": "${H2_ROOT:+$H2_ROOT/host/log-libvirt}"},
  "lxc_uri": "$LXC_URI", "lxc_pidfile": "$RUN/lvd/pid",
  "lxc_error": "$(jstr "$lxc_error")",
  "lxc_error_host": "$(jstr "$lxc_error_host")",
  "runs": $runs, "density_levels": $levels, "density_cap_s": $cap, "prov_runs": $prov,
  "manage_defined": $mdef, "manage_running": $mrun, "escalation_runs": $esc,
  "escalation_cap": 35, "start_rootfs": $rootfs,
  "systems": [$( [ -n "$systems" ] && json_list "$systems")],
  "scenarios": [$(json_list "$scenarios")],
  "versions": {
    "libvirt-ct": "$(git -C "$SRC" describe --always --dirty 2>/dev/null)",
    "criu": "$([ -x "$CT_BUILD/ct-criu" ] && ver "$CT_BUILD/ct-criu" --version)",
    "libvirt": "$(ver virsh --version)",
    "crun": "$(ver crun --version)",
    "lxc": "$(ver lxc-start --version)",
    "systemd-nspawn": "$(ver systemd-nspawn --version)",
    "podman": "$(ver podman --version)",
    "conmon": "$(ver conmon --version)",
    "busybox": "$(ver busybox)"
  }
}
JSON
say "measuring ($mode mode); log in $LOG"
/usr/bin/python3 "$HERE/bench.py" --config "$RUN/config.json" 2>&1 | tee "$LOG"
case ",$scenarios," in
*,profile,*)
    say "the profile of a start (bench/start-timeline.sh, a private daemon of its own)"
    prof=$RUN/timeline
    if [ "$mode" = quick ]; then
        "$HERE/start-timeline.sh" --count 5 --out "$prof" >>"$LOG" 2>&1
    else
        "$HERE/start-timeline.sh" --count 20 --levels 2000 --out "$prof" >>"$LOG" 2>&1
    fi
    {
        echo "## The profile of a start"
        echo
        echo "<!-- generated by bench/run.sh from bench/start-timeline.sh ($(date -u +%Y-%m-%d\ %H:%M) UTC, $mode mode) -->"
        echo
        echo "Each step of a ct start through the API, from the call to init's exec, as the"
        echo "daemon, the supervisor and the container child log it with the timeline on"
        echo "(README, \"Where a start spends its time\"): busybox on its template with the"
        echo "default user namespace (\"tpl\") and privileged (\"priv\"), nothing else running,"
        [ "$mode" = quick ] || echo "and with 2000 idle containers running (what grows with the number of containers),"
        echo "on a private daemon of its own. \"at\": ms since the"
        echo "API call, \"delta\": since the step before; medians, [p10, p90]. The last tables:"
        echo "the destroys of the same containers (each destroyed through the API as soon as"
        echo "it started), from the client's call (stop-client-call) to its return."
        for t in tpl-n0 priv-n0 tpl-n2000 tpl-n0-stop tpl-n2000-stop; do
            [ -s "$prof/$t.txt" ] || continue
            echo
            echo '```'
            cat "$prof/$t.txt"
            echo '```'
        done
        echo
    } >"$out/bench/profile.md"
    [ -s "$prof/tpl-n0.txt" ] || say "the start profile failed: see $LOG" ;;
esac
case ",$scenarios," in
*,snapshot,*)
    say "snapshots (bench/snapshot.sh, private daemons of its own)"
    # shellcheck disable=SC2046
    "$HERE/snapshot.sh" $([ "$mode" = quick ] && echo --quick) --out "$out" 2>&1 | tee -a "$LOG" ;;
esac
case ",$scenarios," in
*,clone,*)
    say "clones, templates from containers, export and import (bench/clone.sh)"
    # shellcheck disable=SC2046
    "$HERE/clone.sh" $([ "$mode" = quick ] && echo --quick) --out "$out" 2>&1 | tee -a "$LOG" ;;
esac
/usr/bin/python3 "$HERE/report.py" "$out/bench/results.json" "$out" ||
    say "the report could not be made from $out/bench/results.json"
say "done in $(($(date +%s) - t_begin)) s: $out/benchmarks.md"
exit 0
