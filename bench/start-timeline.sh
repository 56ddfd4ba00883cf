#!/bin/bash
# start-timeline.sh: where the time of a container start goes, step by
# step, from the API call to init's exec, on a private virtctd from the
# build tree with the timeline on (README, "Benchmarks").  As root:
#
#   bench/start-timeline.sh [--count N] [--levels 0,200,500,1000] [--out DIR]
#
# Prints, for busybox on its template with the default user namespace
# ("tpl") and <ct:privileged/> ("priv"), the table of bench/start-timeline.py
# over --count starts each (default 20), and of their destroys (each start
# is destroyed at once, through the API); then, for each level N of
# --levels (default: none), the same with N idle containers running, and
# the steps of the starts of the idle ones themselves, by hundreds, so
# that a step that grows with N shows.  The logs and tables stay in
# --out (default: a new /var/tmp/start-timeline.XXXXXX).  Everything it
# started is stopped and removed at the end.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
count=20 levels="" out=""
while [ $# -gt 0 ]; do
    case $1 in
    --count) count=$2; shift ;;
    --levels) levels=$2; shift ;;
    --out) out=$2; shift ;;
    *) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
    esac
    shift
done
[ "$(id -u)" = 0 ] || { echo "start-timeline: needs root" >&2; exit 1; }
[ -n "$out" ] || out=$(mktemp -d /var/tmp/start-timeline.XXXXXX)
mkdir -p "$out"

# shellcheck source=../tests/integration/lib.sh
. "$HERE/../tests/integration/lib.sh"
store_setup
mkdir -p "$CT_TEST_ROOT/sock"
cat >"$CT_TEST_ROOT/virtctd.conf" <<CONF
unix_sock_dir = "$CT_TEST_ROOT/sock"
log_filters = "1:ct.ct_timeline"
log_outputs = "1:file:$CT_TEST_ROOT/virtctd.log"
CONF
CT_ROOT=$CT_TEST_ROOT LIBVIRT_DRIVER_DIR=$CT_BUILD/src CT_SCHEMA_DIR=$CT_SRC/xml \
    CT_SUPERVISOR=$CT_BUILD/src/ct-supervisor \
    "$CT_BUILD/src/virtctd" -d -f "$CT_TEST_ROOT/virtctd.conf" -p "$CT_TEST_ROOT/virtctd.pid" ||
    exit 1
for _ in $(seq 100); do
    virsh -c "$CT_URI" version >/dev/null 2>&1 && break
    sleep 0.1
done
"$TPL" -q create busybox --busybox || exit 1

cleanup_all() {
    local d
    for d in $(vsh list --name 2>/dev/null); do vsh destroy "$d" >/dev/null 2>&1; done
    cp "$CT_TEST_ROOT/virtctd.log" "$out/virtctd.log" 2>/dev/null
    mkdir -p "$out/log"
    cp "$CT_TEST_ROOT"/log/ct/*.log "$out/log/" 2>/dev/null
    store_teardown
}
trap cleanup_all EXIT

measure() {
    /usr/bin/python3 "$HERE/start-timeline.py" measure --uri "$CT_URI" \
        --events "$out/client.events" --sig "$CT_TEST_ROOT" "$@"
}

# table REGEX TITLE FILE [--stops]
table() {
    local match=$1 title=$2 json=$3
    shift 3
    /usr/bin/python3 "$HERE/start-timeline.py" table --match "$match" --title "$title" \
        --json "$out/$json.json" "$@" "$CT_TEST_ROOT/virtctd.log" "$out/client.events" \
        "$CT_TEST_ROOT"/log/ct/*.log | tee "$out/$json.txt"
    echo
}

measure --kind tpl --tag warm --count 2 >/dev/null 2>&1 # warm-up: caches, keeper, LXCFS
for kind in tpl priv; do
    measure --kind "$kind" --count "$count"
    table "^$kind-n0-" "$kind, nothing else running" "$kind-n0"
    table "^$kind-n0-" "$kind destroyed, nothing else running" "$kind-n0-stop" --stops
done
prev=0
for n in ${levels//,/ }; do
    measure --kind tpl --count "$count" --running "$n"
    table "^tpl-n$n-" "tpl with $n running" "tpl-n$n"
    table "^tpl-n$n-" "tpl destroyed with $n running" "tpl-n$n-stop" --stops
    # the idle ones started for this level, by hundreds
    lo=$prev
    while [ "$lo" -lt "$n" ]; do
        hi=$((lo + 100 < n ? lo + 100 : n))
        re="^idle-($(seq -f '%05g' "$lo" $((hi - 1)) | paste -sd '|'))$"
        table "$re" "idle starts $lo to $((hi - 1))" "idle-$lo"
        lo=$hi
    done
    prev=$n
done
echo "logs and tables: $out"
