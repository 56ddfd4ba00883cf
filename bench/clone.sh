#!/bin/bash
# clone.sh: what copies of containers cost (issue 20), on private
# virtctd's from the build tree: for a layer holding 10 MiB and 1 GiB of
# random data, in a container with a disk image (a space limit) and in one
# with an upper directory, with the layer pool (containers/ on XFS:
# reflinks) and without it (the host's file system: copies):
#
#   bench/clone.sh [--quick] [--out DIR]
#
# Per case, of the stopped container: virt-ct-template clone (time, and
# the space the file system holding containers/ gained), create
# --from-container (time, space on the templates' file system), export to
# a file and import of it under another name (time and MB/s of the
# archive).  Writes DIR/bench/clone.json and DIR/bench/clone.md (default
# DIR: docs, or /var/tmp/bench-quick with --quick: one round instead of
# three).
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
[ "$(id -u)" = 0 ] || { echo "clone.sh: needs root" >&2; exit 1; }
if [ -z "$out" ]; then
    if [ "$mode" = full ]; then out=$HERE/../docs; else out=/var/tmp/bench-quick; fi
fi
mkdir -p "$out/bench"
sizes="10 1024"
if [ "$mode" = full ]; then rounds=3; else rounds=1; fi

# shellcheck source=../tests/integration/lib.sh
. "$HERE/../tests/integration/lib.sh"

ms_now() { echo $(($(date +%s%N) / 1000000)); }
used_kb() { sync; df -k --output=used "$1" | tail -n 1 | tr -d ' '; }
median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)]; else print "" }'; }
# mbps BYTES MS
mbps() { awk -v b="$1" -v t="$2" 'BEGIN { if (t > 0) printf "%.0f", b / t / 1000; else print "-" }'; }

rows=()
json=()

tpl() { "$TPL" -q --connect "$CT_URI" "$@"; }

# measure STORAGE KIND SIZE-MIB: one case on the running daemon
measure() {
    local storage=$1 kind=$2 size=$3 name limit="" r t0 t1 before arc bytes
    local clone_ms=() clone_mib=() tmpl_ms=() tmpl_mib=() exp_ms=() exp_mbps=() imp_ms=() imp_mbps=()
    name=b$kind$size
    [ "$kind" = image ] && limit="<space_hard_limit unit='GiB'>4</space_hard_limit>"
    cat >"$CT_TEST_ROOT/$name.xml" <<XML
<domain type='lxc'>
  <name>$name</name>
  <memory unit='MiB'>64</memory>
  <os><type>exe</type><init>/sbin/init</init></os>
  <devices>
    <filesystem type='template'><source name='busybox'/><target dir='/'/>$limit</filesystem>
    <console type='pty'/>
  </devices>
</domain>
XML
    vsh define "$CT_TEST_ROOT/$name.xml" >/dev/null && vsh start "$name" >/dev/null || return 1
    ct_exec "$name" sh -c "head -c $((size * 1024 * 1024)) /dev/urandom >/root/data && sync" || return 1
    vsh destroy "$name" >/dev/null
    for r in $(seq "$rounds"); do
        before=$(used_kb "$STORE/containers")
        t0=$(ms_now)
        tpl clone "$name" "$name-c$r" || return 1
        t1=$(ms_now)
        clone_ms+=($((t1 - t0)))
        clone_mib+=($((($(used_kb "$STORE/containers") - before) / 1024)))

        t0=$(ms_now)
        tpl create "$name-t$r" --from-container "$name" || return 1
        t1=$(ms_now)
        tmpl_ms+=($((t1 - t0)))
        # what it adds to the base (du counts a hard link once: at the base)
        tmpl_mib+=($(($(du -sk "$STORE/templates/busybox" "$STORE/templates/$name-t$r" | tail -n 1 | cut -f1) / 1024)))

        arc=$CT_TEST_ROOT/$name-$r.ctar
        t0=$(ms_now)
        tpl export "$name" "$arc" || return 1
        t1=$(ms_now)
        bytes=$(stat -c %s "$arc")
        exp_ms+=($((t1 - t0)))
        exp_mbps+=("$(mbps "$bytes" $((t1 - t0)))")
        t0=$(ms_now)
        tpl import "$arc" --name "$name-i$r" || return 1
        t1=$(ms_now)
        imp_ms+=($((t1 - t0)))
        imp_mbps+=("$(mbps "$bytes" $((t1 - t0)))")
        rm -f "$arc"
    done
    # the copies hold the data
    vsh start "$name-i1" >/dev/null &&
        ct_exec "$name-i1" sh -c "[ \$(wc -c </root/data) = $((size * 1024 * 1024)) ]" &&
        vsh destroy "$name-i1" >/dev/null || return 1
    for r in $(seq "$rounds"); do
        for c in "$name-c$r" "$name-i$r"; do
            vsh undefine "$c" >/dev/null
            "$TPL" -q layer-remove "$c" >/dev/null 2>&1
        done
    done
    vsh undefine "$name" >/dev/null
    "$TPL" -q layer-remove "$name" >/dev/null 2>&1
    for r in $(seq "$rounds"); do "$TPL" -q remove "$name-t$r"; done
    local m=()
    m[0]=$(median "${clone_ms[@]}") m[1]=$(median "${clone_mib[@]}")
    m[2]=$(median "${tmpl_ms[@]}") m[3]=$(median "${tmpl_mib[@]}")
    m[4]=$(median "${exp_ms[@]}") m[5]=$(median "${exp_mbps[@]}")
    m[6]=$(median "${imp_ms[@]}") m[7]=$(median "${imp_mbps[@]}")
    rows+=("| $storage | $kind | $size MiB | ${m[0]} | ${m[1]} | ${m[2]} | ${m[3]} | ${m[4]} | ${m[5]} | ${m[6]} | ${m[7]} |")
    json+=("{\"storage\": \"$storage\", \"kind\": \"$kind\", \"size_mib\": $size, \"rounds\": $rounds, \"clone_ms\": ${m[0]}, \"clone_space_mib\": ${m[1]}, \"template_ms\": ${m[2]}, \"template_space_mib\": ${m[3]}, \"export_ms\": ${m[4]}, \"export_mbps\": ${m[5]}, \"import_ms\": ${m[6]}, \"import_mbps\": ${m[7]}}")
    echo "# $storage $kind $size MiB: clone ${m[0]} ms +${m[1]} MiB; template ${m[2]} ms +${m[3]} MiB; export ${m[4]} ms (${m[5]} MB/s); import ${m[6]} ms (${m[7]} MB/s)"
}

# run_storage STORAGE: a daemon of its own, pool or not
run_storage() {
    local storage=$1 size kind
    store_setup
    if [ "$storage" = pool ]; then
        export CT_EXTRA_CONF="layer_pool = \"$CT_TEST_ROOT/pool.img\""
    else
        export CT_EXTRA_CONF=""
    fi
    daemon_start || { echo "clone.sh: virtctd does not start" >&2; return 1; }
    "$TPL" -q create busybox --busybox || return 1
    for size in $sizes; do
        for kind in image dir; do
            measure "$storage" "$kind" "$size" || echo "clone.sh: $storage $kind $size MiB failed" >&2
        done
    done
    store_teardown
    trap - EXIT
}

run_storage pool
run_storage host

fs=$(df --output=fstype /tmp | tail -n 1 | tr -d ' ')
{
    echo "## Clones, templates from containers, export and import"
    echo
    echo "<!-- generated by bench/clone.sh ($(date -u +%Y-%m-%d\ %H:%M) UTC, $mode mode, $rounds rounds, medians) -->"
    echo
    echo "A stopped busybox container with SIZE of random data in its layer. \"pool\": the"
    echo "store's containers/ on the layer pool (an XFS image: copies are reflinks);"
    echo "\"host\": on the host's file system ($fs here: copies are copies). \"image\": the"
    echo "layer on a disk image (a space limit), \"dir\": an upper directory. Clone:"
    echo "\`virt-ct-template clone\` and the space containers/ gained; template:"
    echo "\`create --from-container\` and the space the new template takes beside its"
    echo "base (the base's files are hard links, the layer's are copied); export: to a file on $fs, and the"
    echo "archive's MB/s; import: of that file under another name. Times in ms, space in MiB."
    echo
    echo "| storage | layer | data | clone | space | template | space | export | MB/s | import | MB/s |"
    echo "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    printf '%s\n' "${rows[@]}"
    echo
} >"$out/bench/clone.md"
{
    echo "{\"date\": \"$(date -u +%Y-%m-%dT%H:%M:%SZ)\", \"mode\": \"$mode\", \"host_fs\": \"$fs\", \"cases\": ["
    (IFS=,; echo "${json[*]}")
    echo "]}"
} >"$out/bench/clone.json"
cat "$out/bench/clone.md"
