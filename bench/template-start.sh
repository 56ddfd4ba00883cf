#!/bin/bash
# template-start.sh: a benchmark (not a test: it prints tables and asserts
# nothing) of what it costs to create and start a container root from a
# Debian template (~120 MB, debootstrap minbase), side by side with the
# usual alternatives, in one run on this machine:
#
#   - libvirt-ct: "virsh define" and "virsh start" of a container on
#     <filesystem type='template'>, without a disk limit (an overlay layer
#     in a directory) and with a 1 GiB <space_hard_limit> (an XFS image
#     made by mkfs.xfs on the first start, loop-mounted), and the bytes
#     the container's layer takes on the host right after the start;
#   - peers: a full copy (cp -a), a bare overlay mount (mount(8) and the
#     mount(2) call alone), a btrfs snapshot on a loop-mounted btrfs, and
#     lxc-copy -s when LXC is installed.
#
# Times are wall times of the operation alone (bash's $EPOCHREALTIME read
# just before and after it), medians of $RUNS runs, in ms: they include
# the start of the virsh, cp, mount or btrfs binary.  host_bytes are
# "du -sxB1" (allocated blocks, this file system only: the mounted disk
# image and overlays are not walked into), apparent the same with
# --apparent-size.
#
# Then memory: $NMEM running busybox containers on one template against
# $NMEM on their own full copies, the growth of (MemTotal - MemAvailable)
# and of Cached in /proc/meminfo from a dropped page cache to 2 s after the
# last start, and the containers' memory cgroups added up (a page of the
# shared template is charged once).  MemAvailable moves with anything else
# the host does; Cached and the cgroups are the steadier numbers.
#
# A private virtctd from the build tree serves all of it, as in the
# integration tests, on a scratch tree in /tmp that is removed at the end.
# Needs root, mkfs.xfs, /bin/busybox (busybox-static); btrfs-progs and
# lxc are optional.  The Debian template comes from $TEMPLATE_DIR (a root
# file system directory) if set, else /var/tmp/debstore/templates/bookworm/root
# if it exists, else debootstrap (network; under a minute to a few).
#
# Usage: bench/template-start.sh   (env: TEMPLATE_DIR, RUNS=10, NMEM=50)
#
# SPDX-License-Identifier: LGPL-2.1-or-later

set -u
set -o pipefail
export LC_ALL=C

RUNS=${RUNS:-10}
NMEM=${NMEM:-50}
QUOTA_MIB=1024
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DEBSTORE=/var/tmp/debstore/templates/bookworm/root

die() {
    echo "template-start: $*" >&2
    exit 1
}

[ "$(id -u)" = 0 ] || die "needs root"
for cmd in virsh mkfs.xfs du mount python3; do
    command -v "$cmd" >/dev/null || die "needs $cmd"
done
[ -x /bin/busybox ] || die "needs /bin/busybox (busybox-static) for the memory comparison"
[ -n "${EPOCHREALTIME:-}" ] || die "needs bash 5 (EPOCHREALTIME)"
[[ "$RUNS" =~ ^[1-9][0-9]*$ && "$NMEM" =~ ^[1-9][0-9]*$ ]] || die "RUNS and NMEM must be positive numbers"
if [ -n "${TEMPLATE_DIR:-}" ] && [ ! -d "$TEMPLATE_DIR" ]; then
    die "TEMPLATE_DIR=$TEMPLATE_DIR is not a directory"
fi

. "$HERE/../tests/integration/lib.sh"
[ -x "$CT_BUILD/src/virtctd" ] && [ -x "$CT_BUILD/tools/virt-ct-template" ] ||
    die "no build in $CT_BUILD (run meson/ninja first)"

daemon_setup
export CT_ROOT=$CT_TEST_ROOT
STORE=$CT_TEST_ROOT/var/lib/ct
TPL=$CT_BUILD/tools/virt-ct-template
PEER=$CT_TEST_ROOT/peer
LOG=$CT_TEST_ROOT/bench.log
RESULTS=$CT_TEST_ROOT/results
MEMRESULTS=$CT_TEST_ROOT/memresults
ODD=$CT_TEST_ROOT/odd
: >"$LOG"
: >"$RESULTS"
: >"$MEMRESULTS"
: >"$ODD"
mkdir -p "$PEER"

# Stop whatever runs, unmount whatever is mounted under the scratch tree
# (deepest first), then the daemon and the tree.
cleanup() {
    trap - EXIT INT TERM
    local d m
    if [ -S "$CT_TEST_ROOT/sock/virtctd-sock" ]; then
        for d in $(virsh -q -c "$CT_URI" list --name 2>/dev/null); do
            virsh -q -c "$CT_URI" destroy "$d" >/dev/null 2>&1
        done
    fi
    for d in "$STORE"/containers/*/disk; do
        mountpoint -q "$d" 2>/dev/null && umount -l "$d"
    done
    for m in $(awk -v r="$CT_TEST_ROOT/" 'index($2, r) == 1 { print $2 }' /proc/mounts | sort -r); do
        umount "$m" 2>/dev/null || umount -l "$m"
    done
    daemon_teardown
}
trap cleanup EXIT
# a trap can run while a command's output still goes to the log: fd 9 is
# the terminal's stderr
exec 9>&2
trap 'echo "template-start: interrupted, cleaning up" >&9; exit 130' INT TERM

# odd TEXT: something worth a look, listed at the end
odd() {
    echo "$*" >>"$ODD"
    echo "  note: $*" >&2
}

# timed COMMAND...: runs it (output to the log), its wall time in T_US
T_US=0
timed() {
    local t0 t1 rc
    echo "+ $*" >>"$LOG"
    t0=${EPOCHREALTIME//[.,]/}
    "$@" >>"$LOG" 2>&1
    rc=$?
    t1=${EPOCHREALTIME//[.,]/}
    T_US=$((t1 - t0))
    [ "$rc" = 0 ] || echo "  '$*' failed ($rc): $(tail -n 3 "$LOG" | tr '\n' ' ')" >&2
    return "$rc"
}

# quiet COMMAND...: runs it, output to the log
quiet() {
    echo "+ $*" >>"$LOG"
    "$@" >>"$LOG" 2>&1
}

# median NUMBER...: "-" without numbers
median() {
    [ $# -gt 0 ] || { echo -; return; }
    printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 }
        END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.0f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# ms MICROSECONDS
ms() {
    [[ "$1" =~ ^[0-9]+$ ]] || { echo "$1"; return; }
    awk -v u="$1" 'BEGIN { printf "%.1f", u / 1000 }'
}

du_alloc() { du -sxB1 "$@" 2>/dev/null | awk '{ s += $1 } END { print s + 0 }'; }
du_apparent() { du -sxB1 --apparent-size "$@" 2>/dev/null | awk '{ s += $1 } END { print s + 0 }'; }
alloc_of() { stat -c '%b %B' "$1" | awk '{ print $1 * $2 }'; }

# row WHAT TIME_US_MEDIAN HOST_BYTES APPARENT_BYTES [NOTE]
row() {
    printf '%s|%s|%s|%s|%s\n' "$1" "$(ms "$2")" "$3" "$4" "${5:-}" >>"$RESULTS"
}

human() {
    case $1 in
    - | n/a | "") echo "${1:--}" ;;
    *) awk -v b="$1" 'BEGIN { if (b >= 1048576) printf "%.1fM", b / 1048576;
                              else if (b >= 1024) printf "%.0fK", b / 1024; else printf "%dB", b }' ;;
    esac
}

print_results() {
    echo
    echo "== create and start a root from the template ($RUNS runs, medians) =="
    printf '%-44s %10s %24s %24s  %s\n' what time_ms host_bytes apparent_bytes note
    local what t h a n hb ab
    while IFS='|' read -r what t h a n; do
        hb=$h
        ab=$a
        [[ "$h" =~ ^[0-9]+$ ]] && hb="$h ($(human "$h"))"
        [[ "$a" =~ ^[0-9]+$ ]] && ab="$a ($(human "$a"))"
        printf '%-44s %10s %24s %24s  %s\n' "$what" "$t" "$hb" "$ab" "$n"
    done <"$RESULTS"
}

print_mem() {
    echo
    echo "== memory: $NMEM running containers (busybox sh + sleep) =="
    echo "   deltas from a dropped page cache to 2 s after the last start; used = MemTotal - MemAvailable;"
    echo "   cgroups_sum = the containers' memory cgroups added up (a shared page counts once, in its first user)"
    printf '%-34s %12s %16s %18s %16s %16s\n' case start_all_s used_delta_MiB cached_delta_MiB \
        used_per_ct_KiB cgroups_sum_MiB
    cat "$MEMRESULTS"
}

# --- the daemon and the Debian template -----------------------------------------
echo "scratch tree: $CT_TEST_ROOT"
daemon_start || die "virtctd does not start (see above)"

if [ -n "${TEMPLATE_DIR:-}" ]; then
    tsrc=$TEMPLATE_DIR
elif [ -d "$DEBSTORE" ]; then
    tsrc=$DEBSTORE
else
    tsrc=
fi
if [ -n "$tsrc" ]; then
    echo "making template 'deb' from $tsrc ..."
    timed "$TPL" -q create deb --dir "$tsrc" || die "cannot make the template from $tsrc"
else
    command -v debootstrap >/dev/null || die "no TEMPLATE_DIR, no $DEBSTORE and no debootstrap"
    echo "making template 'deb' with debootstrap bookworm minbase (network) ..."
    timed "$TPL" -q create deb --debootstrap bookworm --variant minbase ||
        die "debootstrap failed; set TEMPLATE_DIR to a Debian root directory instead"
fi
echo "  took $(ms "$T_US") ms"
TROOT=$STORE/templates/deb/root
[ -x "$TROOT/bin/sleep" ] || die "the template has no /bin/sleep: not a Debian root?"
"$TPL" info deb | sed 's/^/  /'
echo "  du of the template root: $(du_alloc "$TROOT") bytes allocated, $(du_apparent "$TROOT") apparent"

# deb_xml NAME [LIMIT-MIB]
deb_xml() {
    cat <<XML
<domain type='lxc'>
  <name>$1</name>
  <memory unit='MiB'>64</memory>
  <os><type>exe</type><init>/bin/sleep</init><initarg>infinity</initarg></os>
  <devices>
    <filesystem type='template'>
      <source name='deb'/>
      <target dir='/'/>
      ${2:+<space_hard_limit unit='MiB'>$2</space_hard_limit>}
    </filesystem>
  </devices>
</domain>
XML
}

running() {
    [ "$(vsh domstate "$1" 2>/dev/null)" = running ]
}

# gone NAME: after undefine, no layer of NAME is left (removing one that is)
gone() {
    local name=$1 why=$2
    if [ -e "$STORE/containers/$name" ]; then
        [ -n "$why" ] || odd "the layer of $name was kept after undefine: $("$TPL" layers | grep "^$name " | tr -s ' ')"
        quiet "$TPL" -q layer-remove "$name" || odd "layer-remove $name failed"
    elif [ -n "$why" ]; then
        odd "the layer of $name was removed by undefine, though $why"
    fi
}

# --- 1. ours, no quota ---------------------------------------------------------
echo "1/6 libvirt-ct, no disk limit ($RUNS runs) ..."
def=() start=() both=() hb=() ab=()
for i in $(seq "$RUNS"); do
    name=nq
    deb_xml "$name" >"$CT_TEST_ROOT/$name.xml"
    timed vsh define "$CT_TEST_ROOT/$name.xml" || break
    d=$T_US
    timed vsh start "$name" || { quiet vsh undefine "$name"; break; }
    s=$T_US
    running "$name" || odd "$name is not running right after start (run $i): $(vsh domstate --reason "$name" 2>&1)"
    def+=("$d") start+=("$s") both+=($((d + s)))
    hb+=("$(du_alloc "$STORE/containers/$name")")
    ab+=("$(du_apparent "$STORE/containers/$name")")
    [ "$i" = 1 ] && {
        echo "+ layer of $name after start:" >>"$LOG"
        find "$STORE/containers/$name" -xdev -printf '%y %s %p\n' >>"$LOG" 2>&1
    }
    quiet vsh destroy "$name" || odd "destroy $name failed"
    quiet vsh undefine "$name" || odd "undefine $name failed"
    gone "$name" ""
done
if [ ${#both[@]} -eq "$RUNS" ]; then
    row "ct define (no quota)" "$(median "${def[@]}")" - -
    row "ct start (no quota)" "$(median "${start[@]}")" - -
    row "ct define+start (no quota)" "$(median "${both[@]}")" "$(median "${hb[@]}")" "$(median "${ab[@]}")" \
        "layer dir after start"
else
    row "ct define+start (no quota)" - failed failed "see the messages above"
fi

# --- 2. ours, 1 GiB quota ----------------------------------------------------------
echo "2/6 libvirt-ct, $QUOTA_MIB MiB disk limit ($RUNS runs) ..."
def=() start=() both=() restart=() hb=() ab=() img=()
for i in $(seq "$RUNS"); do
    name=q$i
    deb_xml "$name" "$QUOTA_MIB" >"$CT_TEST_ROOT/$name.xml"
    timed vsh define "$CT_TEST_ROOT/$name.xml" || break
    d=$T_US
    timed vsh start "$name" || { quiet vsh undefine "$name"; gone "$name" x; break; }
    s=$T_US
    running "$name" || odd "$name is not running right after start (run $i): $(vsh domstate --reason "$name" 2>&1)"
    hb+=("$(du_alloc "$STORE/containers/$name")")
    ab+=("$(du_apparent "$STORE/containers/$name")")
    img+=("$(alloc_of "$STORE/containers/$name/disk.img")")
    quiet vsh destroy "$name" || odd "destroy $name failed"
    # a second start finds the image made
    timed vsh start "$name" || { quiet vsh undefine "$name"; gone "$name" x; break; }
    r=$T_US
    def+=("$d") start+=("$s") both+=($((d + s))) restart+=("$r")
    quiet vsh destroy "$name" || odd "destroy $name failed"
    quiet vsh undefine "$name" || odd "undefine $name failed"
    # a disk image counts as data: undefine keeps it, orphaned
    gone "$name" "it has a disk image"
done
if [ ${#both[@]} -eq "$RUNS" ]; then
    row "ct define (1 GiB quota)" "$(median "${def[@]}")" - -
    row "ct first start (1 GiB quota, mkfs.xfs)" "$(median "${start[@]}")" - -
    row "ct define+first start (1 GiB quota)" "$(median "${both[@]}")" "$(median "${hb[@]}")" \
        "$(median "${ab[@]}")" "layer dir incl. sparse disk.img ($(median "${img[@]}") B of it allocated)"
    row "ct restart (1 GiB quota, image exists)" "$(median "${restart[@]}")" - -
else
    row "ct define+first start (1 GiB quota)" - failed failed "see the messages above"
fi
# mkfs.xfs alone, as the driver runs it (ct_disk.c): limit + 4 MiB + limit/64
size=$((QUOTA_MIB + 4 + QUOTA_MIB / 64))
mk=() mkb=()
for i in $(seq "$RUNS"); do
    rm -f "$PEER/xfs.img"
    truncate -s "${size}M" "$PEER/xfs.img"
    timed mkfs.xfs -q -f -K -b size=4096 -i size=512,maxpct=25 "$PEER/xfs.img" || break
    mk+=("$T_US") mkb+=("$(alloc_of "$PEER/xfs.img")")
done
rm -f "$PEER/xfs.img"
row "  of which mkfs.xfs alone (${size} MiB image)" "$(median "${mk[@]}")" "$(median "${mkb[@]}")" $((size << 20)) \
    "sparse image"

# --- 3. full copy --------------------------------------------------------------------
echo "3/6 full copy, cp -a ($RUNS runs) ..."
cp_t=() cps_t=() hb=() ab=()
for i in $(seq "$RUNS"); do
    sync
    timed cp -a "$TROOT" "$PEER/copy" || break
    c=$T_US
    hb+=("$(du_alloc "$PEER/copy")") ab+=("$(du_apparent "$PEER/copy")")
    timed sync
    cp_t+=("$c") cps_t+=($((c + T_US)))
    rm -rf "$PEER/copy"
done
row "full copy: cp -a" "$(median "${cp_t[@]}")" "$(median "${hb[@]}")" "$(median "${ab[@]}")" "data still dirty in page cache"
row "full copy: cp -a + sync" "$(median "${cps_t[@]}")" "$(median "${hb[@]}")" "$(median "${ab[@]}")" "on disk"

# --- 4. bare overlay mount -------------------------------------------------------
echo "4/6 bare overlay mount ($RUNS runs) ..."
ov=() hb=() ab=()
for i in $(seq "$RUNS"); do
    o=$PEER/ov
    mkdir -p "$o/upper" "$o/work" "$o/merged"
    timed mount -t overlay overlay -o "lowerdir=$TROOT,upperdir=$o/upper,workdir=$o/work" "$o/merged" || break
    ov+=("$T_US") hb+=("$(du_alloc "$o")") ab+=("$(du_apparent "$o")")
    umount "$o/merged"
    rm -rf "$o"
done
row "bare overlay: mount(8)" "$(median "${ov[@]}")" "$(median "${hb[@]}")" "$(median "${ab[@]}")" \
    "upper+work+merged dirs"
# the system call alone, timed inside one python process
sys_us=$(python3 - "$TROOT" "$PEER/ovpy" "$RUNS" 2>>"$LOG" <<'PY'
import ctypes, os, shutil, sys, time
lower, base, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
libc = ctypes.CDLL(None, use_errno=True)
times = []
for _ in range(runs):
    for d in ("upper", "work", "merged"):
        os.makedirs(os.path.join(base, d), exist_ok=True)
    opts = "lowerdir=%s,upperdir=%s/upper,workdir=%s/work" % (lower, base, base)
    merged = os.path.join(base, "merged").encode()
    t0 = time.perf_counter_ns()
    rc = libc.mount(b"overlay", merged, b"overlay", 0, opts.encode())
    t1 = time.perf_counter_ns()
    if rc != 0:
        sys.exit("mount(2): " + os.strerror(ctypes.get_errno()))
    times.append((t1 - t0) // 1000)
    libc.umount2(merged, 0)
    shutil.rmtree(base)
print(" ".join(map(str, times)))
PY
) || { sys_us=; odd "python3 mount(2) timing failed: $(tail -n 1 "$LOG")"; }
# shellcheck disable=SC2086
row "bare overlay: mount(2) call alone" "$(median $sys_us)" - - "python3 ctypes, no exec"

# --- 5. btrfs snapshot -------------------------------------------------------------
echo "5/6 btrfs snapshot ($RUNS runs) ..."
btrfs_bench() {
    local bimg=$PEER/btrfs.img mnt=$PEER/btrfs i before after
    if ! command -v mkfs.btrfs >/dev/null || ! command -v btrfs >/dev/null; then
        why="btrfs-progs not installed"
        return 1
    fi
    grep -qw btrfs /proc/filesystems || modprobe btrfs >>"$LOG" 2>&1 || {
        why="no btrfs in the kernel"
        return 1
    }
    truncate -s 2G "$bimg" && quiet mkfs.btrfs -q -f "$bimg" || { why="mkfs.btrfs failed"; return 1; }
    mkdir -p "$mnt"
    quiet mount -o loop "$bimg" "$mnt" || { why="loop mount failed"; return 1; }
    quiet btrfs subvolume create "$mnt/tpl" && cp -a "$TROOT/." "$mnt/tpl/" &&
        quiet btrfs filesystem sync "$mnt" || { why="filling the template subvolume failed"; return 1; }
    sync
    for i in $(seq "$RUNS"); do
        before=$(alloc_of "$bimg")
        timed btrfs subvolume snapshot "$mnt/tpl" "$mnt/snap$i" || { why="snapshot failed"; return 1; }
        bt+=("$T_US")
        quiet btrfs filesystem sync "$mnt"
        sync
        after=$(alloc_of "$bimg")
        bb+=($((after - before)))
    done
    return 0
}
bt=() bb=() why=
if btrfs_bench; then
    row "btrfs subvolume snapshot" "$(median "${bt[@]}")" "$(median "${bb[@]}")" - \
        "growth of the loop image after sync"
else
    row "btrfs subvolume snapshot" n/a n/a n/a "$why"
fi
mountpoint -q "$PEER/btrfs" && umount "$PEER/btrfs"
rm -f "$PEER/btrfs.img"

# --- 6. lxc-copy -s ----------------------------------------------------------------------
echo "6/6 lxc-copy -s ..."
lxc_bench() {
    local p=$PEER/lxc i
    mkdir -p "$p/base"
    cat >"$p/base/config" <<CONF
lxc.uts.name = base
lxc.rootfs.path = dir:$TROOT
CONF
    for i in $(seq "$RUNS"); do
        timed lxc-copy -P "$p" -n base -N "s$i" -s -B overlay || { why="lxc-copy failed"; return 1; }
        lt+=("$T_US") lb+=("$(du_alloc "$p/s$i")") la+=("$(du_apparent "$p/s$i")")
        quiet lxc-destroy -P "$p" -n "s$i"
    done
}
lt=() lb=() la=() why=
if ! command -v lxc-copy >/dev/null; then
    row "lxc-copy -s (overlay)" n/a n/a n/a "lxc not installed"
elif lxc_bench; then
    row "lxc-copy -s (overlay)" "$(median "${lt[@]}")" "$(median "${lb[@]}")" "$(median "${la[@]}")" \
        "container dir (config + delta)"
else
    row "lxc-copy -s (overlay)" n/a n/a n/a "$why"
fi

# --- memory: NMEM containers on one template vs NMEM full copies --------------------
echo "memory: $NMEM containers on template 'bb' vs $NMEM full copies ..."
quiet "$TPL" -q create bb --busybox || die "cannot make the busybox template"
BBROOT=$STORE/templates/bb/root

# bb_xml NAME FILESYSTEM-XML
bb_xml() {
    cat <<XML
<domain type='lxc'>
  <name>$1</name>
  <memory unit='MiB'>64</memory>
  <os><type>exe</type><init>/bin/sh</init><initarg>-c</initarg><initarg>while :; do sleep 3600; done</initarg></os>
  <devices>
    $2
  </devices>
</domain>
XML
}

# used_cached: "(MemTotal - MemAvailable) Cached", in kB
used_cached() {
    awk '/^MemTotal:/ { t = $2 } /^MemAvailable:/ { a = $2 } /^Cached:/ { c = $2 }
         END { print t - a, c }' /proc/meminfo
}

# cg_mem NAME: the memory charged to the container's cgroup (pages it
# faulted in first, the page cache included), in bytes; 0 if not found
cg_mem() {
    local f
    for f in /sys/fs/cgroup/memory/machine/ct-*-"$1".libvirt-ct/memory.usage_in_bytes \
        /sys/fs/cgroup/machine/ct-*-"$1".libvirt-ct/memory.current \
        /sys/fs/cgroup/unified/machine/ct-*-"$1".libvirt-ct/memory.current; do
        [ -r "$f" ] && { cat "$f"; return; }
    done
    odd "no memory cgroup found for $1"
    echo 0
}

drop_caches() {
    sync
    echo 3 >/proc/sys/vm/drop_caches 2>>"$LOG" || odd "cannot drop the page cache"
}

# mem_case LABEL PREFIX: define PREFIX1..N from $CT_TEST_ROOT/PREFIXi.xml,
# drop caches, start all, measure, destroy and undefine all
mem_case() {
    local label=$1 p=$2 i n=0 m0 m1 t0 t1 nrun cg
    for i in $(seq "$NMEM"); do
        quiet vsh define "$CT_TEST_ROOT/$p$i.xml" || { odd "define $p$i failed"; return 1; }
    done
    drop_caches
    # bring virsh and the supervisor back into the page cache, so that
    # the deltas are the containers' own
    quiet vsh list --all
    quiet vsh domstate "${p}1"
    cat "$CT_BUILD/src/ct-supervisor" >/dev/null
    sleep 1
    read -r -a m0 <<<"$(used_cached)"
    t0=${EPOCHREALTIME//[.,]/}
    for i in $(seq "$NMEM"); do
        quiet vsh start "$p$i" && n=$((n + 1))
    done
    t1=${EPOCHREALTIME//[.,]/}
    sleep 2
    read -r -a m1 <<<"$(used_cached)"
    nrun=$(vsh list --name | grep -c "^${p}[0-9]")
    [ "$nrun" = "$NMEM" ] || odd "$label: $nrun of $NMEM running ($n starts succeeded)"
    cg=0
    for i in $(seq "$NMEM"); do
        cg=$((cg + $(cg_mem "$p$i")))
    done
    awk -v l="$label" -v t="$(((t1 - t0) / 1000))" -v u0="${m0[0]}" -v u1="${m1[0]}" \
        -v c0="${m0[1]}" -v c1="${m1[1]}" -v n="$NMEM" -v cg="$cg" \
        'BEGIN { printf "%-34s %12.1f %16.1f %18.1f %16.0f %16.1f\n", l, t / 1000,
                 (u1 - u0) / 1024, (c1 - c0) / 1024, (u1 - u0) / n, cg / 1048576 }' >>"$MEMRESULTS"
    for i in $(seq "$NMEM"); do
        quiet vsh destroy "$p$i" || odd "destroy $p$i failed"
        quiet vsh undefine "$p$i" || odd "undefine $p$i failed"
    done
}

fs_tpl="<filesystem type='template'><source name='bb'/><target dir='/'/></filesystem>"
for i in $(seq "$NMEM"); do
    bb_xml "mt$i" "$fs_tpl" >"$CT_TEST_ROOT/mt$i.xml"
done
mem_case "$NMEM x template 'bb' (overlay)" mt
for i in $(seq "$NMEM"); do
    [ -e "$STORE/containers/mt$i" ] && odd "the layer of mt$i was kept after undefine"
done

mkdir -p "$PEER/copies"
for i in $(seq "$NMEM"); do
    cp -a "$BBROOT" "$PEER/copies/c$i" || die "cp -a of the busybox root failed"
    bb_xml "mc$i" "<filesystem type='mount'><source dir='$PEER/copies/c$i'/><target dir='/'/></filesystem>" \
        >"$CT_TEST_ROOT/mc$i.xml"
done
mem_case "$NMEM x cp -a copy (mount)" mc
echo "  (busybox binary: $(stat -c %s "$BBROOT/bin/busybox") bytes; template du: $(du_alloc "$BBROOT") B," \
    "$NMEM copies du: $(du_alloc "$PEER/copies") B)"
rm -rf "$PEER/copies"

# --- report --------------------------------------------------------------------------
print_results
print_mem
echo
echo "machine: $(nproc) CPUs, $(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)," \
    "kernel $(uname -r), $(df -T "$CT_TEST_ROOT" | awk 'NR == 2 { print $2 " on " $1 }') under $CT_TEST_ROOT"
# the log without timestamps, its "info" lines and the expected warnings
# that undefine keeps the layers with a disk image (q1, q2, ...)
sed -E 's/^[0-9-]+ [0-9:.+]+: [0-9]+: //' "$CT_TEST_ROOT/virtctd.log" | grep -v '^info : ' |
    grep -Ev "the layer of undefined container 'q[0-9]+' is kept" >"$CT_TEST_ROOT/log.rest"
kept=$(grep -Ec "the layer of undefined container 'q[0-9]+' is kept" "$CT_TEST_ROOT/virtctd.log")
echo
echo "virtctd log: $kept expected warnings that undefine kept a layer with a disk image (q1..q$RUNS);" \
    "$(wc -l <"$CT_TEST_ROOT/log.rest") other warnings or errors"
sort "$CT_TEST_ROOT/log.rest" | uniq -c | sort -rn | head -n 15 | sed 's/^/  /'

if [ -s "$ODD" ]; then
    echo
    echo "odd things seen:"
    sed 's/^/  - /' "$ODD"
fi
