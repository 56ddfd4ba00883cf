#!/bin/bash
# snapshot.sh: what snapshots cost (issue 20), on private virtctd's from
# the build tree: for a layer holding 10 MiB, 1 GiB and 5 GiB of data, in
# a container with a disk image (a space limit) and in one with an upper
# directory (none), with the layer pool (containers/ on XFS: reflinks)
# and without it (the host's file system: copies):
#
#   bench/snapshot.sh [--quick] [--out DIR]
#
# Per case: a disk-only snapshot of the running container (the time the
# client waits, and the freeze the container sees: domjobinfo
# --completed), the space it takes, a revert to it (--running), a
# snapshot with memory (CRIU) and a revert to that.  Writes
# DIR/bench/snapshot.json and DIR/bench/snapshot.md (default DIR: docs,
# or /var/tmp/bench-quick with --quick, which measures 10 MiB and 1 GiB
# only, once).  run.sh runs it as the "snapshot" scenario.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mode=full out=""
while [ $# -gt 0 ]; do
    case $1 in
    --quick) mode=quick ;;
    --out) out=$2; shift ;;
    *) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
    esac
    shift
done
[ "$(id -u)" = 0 ] || { echo "snapshot.sh: needs root" >&2; exit 1; }
if [ -z "$out" ]; then
    if [ "$mode" = full ]; then out=$HERE/../docs; else out=/var/tmp/bench-quick; fi
fi
mkdir -p "$out/bench"
if [ "$mode" = full ]; then
    sizes="10 1024 5120" rounds=3
else
    sizes="10 1024" rounds=1
fi

# shellcheck source=../tests/integration/lib.sh
. "$HERE/../tests/integration/lib.sh"

ms_now() { echo $(($(date +%s%N) / 1000000)); }
used_kb() { df -k --output=used "$1" | tail -n 1 | tr -d ' '; }
# the freeze and the elapsed time of the last snapshot, from the job
downtime() { vsh domjobinfo "$1" --completed | awk '/Total downtime/ { print $3 }'; }

rows=()
json=()

# fail STEP: says which step of the case failed (and fails)
fail() {
    echo "snapshot.sh: $storage $kind $size MiB: $1 failed" >&2
    return 1
}

# measure STORAGE KIND SIZE-MIB: one case on the running daemon
measure() {
    local storage=$1 kind=$2 size=$3 name limit="" r t0 t1
    local snap_ms=() freeze=() space=() rev_ms=() msnap_ms=() mfreeze=() mrev_ms=()
    name=b$kind$size
    [ "$kind" = image ] && limit="<space_hard_limit unit='GiB'>8</space_hard_limit>"
    cat >"$CT_TEST_ROOT/$name.xml" <<XML
<domain type='lxc'>
  <name>$name</name>
  <memory unit='MiB'>256</memory>
  <os><type>exe</type><init>/sbin/init</init></os>
  <devices>
    <filesystem type='template'><source name='busybox'/><target dir='/'/>$limit</filesystem>
    <console type='pty'/>
  </devices>
</domain>
XML
    vsh define "$CT_TEST_ROOT/$name.xml" >/dev/null && vsh start "$name" >/dev/null || fail "start" || return 1
    ct_exec "$name" sh -c "head -c $((size * 1024 * 1024)) /dev/urandom >/root/data && sync" ||
        fail "writing the data" || return 1
    for r in $(seq "$rounds"); do
        local before after
        sync
        before=$(used_kb "$STORE/containers")
        t0=$(ms_now)
        vsh snapshot-create-as "$name" "d$r" --disk-only >/dev/null || fail "snapshot" || return 1
        t1=$(ms_now)
        snap_ms+=($((t1 - t0)))
        freeze+=("$(downtime "$name")")
        sync
        after=$(used_kb "$STORE/containers")
        space+=($(((after - before) / 1024)))
        ct_exec "$name" sh -c 'echo changed >/root/changed'
        t0=$(ms_now)
        vsh snapshot-revert "$name" "d$r" --running >/dev/null || fail "revert" || return 1
        t1=$(ms_now)
        rev_ms+=($((t1 - t0)))
        if [ -n "${CT_CRIU:-}" ]; then
            t0=$(ms_now)
            vsh snapshot-create-as "$name" "m$r" >/dev/null || fail "memory snapshot" || return 1
            t1=$(ms_now)
            msnap_ms+=($((t1 - t0)))
            mfreeze+=("$(downtime "$name")")
            t0=$(ms_now)
            vsh snapshot-revert "$name" "m$r" >/dev/null || fail "memory revert" || return 1
            t1=$(ms_now)
            mrev_ms+=($((t1 - t0)))
        fi
    done
    # the data came back whole (stat, not busybox's wc -c: that counts
    # modulo 4 GiB)
    ct_exec "$name" sh -c "[ \$(stat -c %s /root/data) = $((size * 1024 * 1024)) ] && [ ! -e /root/changed ]" ||
        fail "the data after the reverts" || return 1
    vsh destroy "$name" >/dev/null
    vsh undefine "$name" --snapshots-metadata >/dev/null
    "$TPL" -q layer-remove "$name" >/dev/null 2>&1
    median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)]; else print "" }'; }
    local m_snap m_freeze m_space m_rev m_msnap m_mfreeze m_mrev
    m_snap=$(median "${snap_ms[@]}")
    m_freeze=$(median "${freeze[@]}")
    m_space=$(median "${space[@]}")
    m_rev=$(median "${rev_ms[@]}")
    m_msnap=$(median "${msnap_ms[@]}")
    m_mfreeze=$(median "${mfreeze[@]}")
    m_mrev=$(median "${mrev_ms[@]}")
    rows+=("| $storage | $kind | $size MiB | $m_snap | $m_freeze | $m_space | $m_rev | ${m_msnap:--} | ${m_mfreeze:--} | ${m_mrev:--} |")
    json+=("{\"storage\": \"$storage\", \"kind\": \"$kind\", \"size_mib\": $size, \"rounds\": $rounds, \"snapshot_ms\": ${m_snap:-null}, \"freeze_ms\": ${m_freeze:-null}, \"space_mib\": ${m_space:-null}, \"revert_ms\": ${m_rev:-null}, \"memory_snapshot_ms\": ${m_msnap:-null}, \"memory_freeze_ms\": ${m_mfreeze:-null}, \"memory_revert_ms\": ${m_mrev:-null}}")
    echo "# $storage $kind $size MiB: snapshot $m_snap ms (frozen $m_freeze), +$m_space MiB, revert $m_rev ms; with memory ${m_msnap:--} ms (frozen ${m_mfreeze:--}), revert ${m_mrev:--} ms"
}

# run_storage STORAGE: a daemon of its own, pool or not
run_storage() {
    local storage=$1 size kind
    store_setup
    trap 'stop_all; store_teardown' EXIT
    if [ "$storage" = pool ]; then
        export CT_EXTRA_CONF="layer_pool = \"$CT_TEST_ROOT/pool.img\""
    else
        export CT_EXTRA_CONF=""
    fi
    daemon_start || { echo "snapshot.sh: virtctd does not start" >&2; return 1; }
    "$TPL" -q create busybox --busybox || return 1
    for size in $sizes; do
        for kind in image dir; do
            measure "$storage" "$kind" "$size" || echo "snapshot.sh: $storage $kind $size MiB failed" >&2
        done
    done
    stop_all
    store_teardown
    trap - EXIT
}

# every container of this daemon stopped (also those of a case that
# failed), so that no mount keeps the pool's loop device busy
stop_all() {
    local d
    for d in $(vsh list --name 2>/dev/null); do vsh destroy "$d" >/dev/null 2>&1; done
}

CT_CRIU=$([ -x "$CT_BUILD/ct-criu" ] && echo "$CT_BUILD/ct-criu")
export CT_CRIU
run_storage pool
run_storage host

fs=$(df --output=fstype /tmp | tail -n 1 | tr -d ' ')
{
    echo "## Snapshots"
    echo
    echo "<!-- generated by bench/snapshot.sh ($(date -u +%Y-%m-%d\ %H:%M) UTC, $mode mode, $rounds rounds, medians) -->"
    echo
    echo "A busybox container with SIZE of random data in its layer, running. \"pool\": the"
    echo "store's containers/ on the layer pool (an XFS image: the copies are reflinks);"
    echo "\"host\": on the host's file system ($fs here: the copies are copies). \"image\":"
    echo "the layer on a disk image (a space limit), \"dir\": an upper directory. Snapshot:"
    echo "\`virsh snapshot-create-as --disk-only\` as the client waits, and the freeze the"
    echo "container sees (\`domjobinfo --completed\`); space: what the file system holding"
    echo "the layers gained; revert: \`virsh snapshot-revert --running\` (stop, files back,"
    echo "boot). With memory: the default snapshot of a running container (CRIU) and the"
    echo "revert that brings its processes back. Times in ms, space in MiB."
    echo
    echo "| storage | layer | data | snapshot | frozen | space | revert | with memory | frozen | revert |"
    echo "|---|---|---|---:|---:|---:|---:|---:|---:|---:|"
    printf '%s\n' "${rows[@]}"
    echo
} >"$out/bench/snapshot.md"
{
    echo "{\"date\": \"$(date -u +%Y-%m-%dT%H:%M:%SZ)\", \"mode\": \"$mode\", \"host_fs\": \"$fs\", \"cases\": ["
    (IFS=,; echo "${json[*]}")
    echo "]}"
} >"$out/bench/snapshot.json"
cat "$out/bench/snapshot.md"
