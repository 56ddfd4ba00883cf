#!/bin/bash
# kernel-cost.sh: what an idle busybox container costs the host, object by
# object, on a private virtctd from the build tree.  As root:
#
#   bench/kernel-cost.sh [--count N]
#
# Snapshots the host's memory counters and slab caches, starts N (default
# 300) idle containers on the busybox template (as the density scenario
# does: /bin/sh running sleep), drops the caches, snapshots again and
# prints bench/kernel-cost.py's table per container and the census of one
# of them (namespaces, mounts, cgroup directories, the supervisor's
# descriptors); then the daemon's PSS per container.  Everything it
# started is stopped and removed at the end.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
count=300
while [ $# -gt 0 ]; do
    case $1 in
    --count) count=$2; shift ;;
    *) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
    esac
    shift
done
[ "$(id -u)" = 0 ] || { echo "kernel-cost: needs root" >&2; exit 1; }

# shellcheck source=../tests/integration/lib.sh
. "$HERE/../tests/integration/lib.sh"
store_setup
daemon_start || exit 1
"$TPL" -q create busybox --busybox || exit 1
cleanup_all() {
    local d
    for d in $(vsh list --name 2>/dev/null); do vsh destroy "$d" >/dev/null 2>&1; done
    store_teardown
}
trap cleanup_all EXIT

pss() { awk '/^Pss:/ { s += $2 } END { print s }' "/proc/$1/smaps_rollup"; }
# one start first, so that the keeper, LXCFS and the caches are there
/usr/bin/python3 "$HERE/start-timeline.py" measure --uri "$CT_URI" --events /dev/null \
    --sig "$CT_TEST_ROOT" --count 1 >/dev/null 2>&1
sync
echo 3 >/proc/sys/vm/drop_caches
sleep 1
dpss0=$(pss "$(daemon_pid)")
/usr/bin/python3 "$HERE/kernel-cost.py" snap "$CT_TEST_ROOT/before.json"
/usr/bin/python3 "$HERE/start-timeline.py" measure --uri "$CT_URI" --events /dev/null \
    --sig "$CT_TEST_ROOT" --count 0 --running "$count" || exit 1
sleep 2
sync
echo 3 >/proc/sys/vm/drop_caches
sleep 1
/usr/bin/python3 "$HERE/kernel-cost.py" snap "$CT_TEST_ROOT/after.json"
init=$(vsh domid idle-00000)
/usr/bin/python3 "$HERE/kernel-cost.py" report "$CT_TEST_ROOT/before.json" \
    "$CT_TEST_ROOT/after.json" "$count" --pid "$init"
echo "  daemon PSS per container: $(( ($(pss "$(daemon_pid)") - dpss0) / count )) KiB"
sup=$(awk '{ print $4 }' "/proc/$init/stat")
echo "  supervisor PSS: $(pss "$sup") KiB (with $count of them sharing its pages)"
