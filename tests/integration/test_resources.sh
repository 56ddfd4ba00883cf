#!/bin/bash
# test_resources.sh: resource limits on real containers, as root: a memory
# hog dies alone, a CPU quota holds, a fork bomb stops at the process
# limit, a block IO limit holds, every virsh tuning command changes the
# running container and --config persists, statistics move, and the
# container's own /proc shows its limits (LXCFS).
#
# SPDX-License-Identifier: LGPL-2.1-or-later

. "$(dirname "$0")/lib.sh"
skip_unless_root
if [ ! -x /bin/busybox ]; then
    echo "skipped: needs /bin/busybox (busybox-static)"
    exit 77
fi
store_daemon_start
"$TPL" -q create busybox --busybox || { not_ok "busybox template"; summary; exit 1; }

# ct_xml NAME EXTRA-XML [INIT-ARGS...]: a busybox container on the template
ct_xml() {
    local name=$1 extra=$2 args="" a init=/sbin/init
    shift 2
    [ $# = 0 ] || init=/bin/sh
    for a in "$@"; do
        # quoted: an unquoted & in the replacement is the match (bash 5.2)
        a=${a//&/"&amp;"}
        a=${a//</"&lt;"}
        args+="<initarg>${a//>/"&gt;"}</initarg>"
    done
    cat <<XML
<domain type='lxc' xmlns:ct='http://libvirt.org/schemas/domain/ct/1.0'>
  <name>$name</name>
  <memory unit='MiB'>512</memory>
  $extra
  <os><type>exe</type><init>$init</init>$args</os>
  <devices>
    <filesystem type='template'><source name='busybox'/><target dir='/'/></filesystem>
    <console type='pty'/>
  </devices>
</domain>
XML
}

start_ct() {
    local name=$1
    shift
    ct_xml "$name" "$@" >"$CT_TEST_ROOT/$name.xml" && vsh define "$CT_TEST_ROOT/$name.xml" >/dev/null &&
        vsh start "$name" >/dev/null
}

# commands inside run as the container's root (lib.sh)
enter() {
    ct_exec "$@"
}

# cg NAME CONTROLLER FILE: a value from the container's cgroup
cg() {
    local pid path
    pid=$(vsh domid "$1") || return 1
    path=$(awk -F: -v c="$2" '$2 == c { print $3 }' "/proc/$pid/cgroup")
    # init runs in a child "init" of the cgroup with the limits
    cat "/sys/fs/cgroup/$2${path%/init}/$3"
}

stat_of() {
    vsh domstats "$1" | awk -F= -v k="$2" '$1 ~ "^ *"k"$" { print $2 }'
}

# --- memory ---------------------------------------------------------------------
check "start m1 with hard_limit 64 MiB" start_ct m1 \
    "<memtune><hard_limit unit='MiB'>64</hard_limit></memtune>"
check "memory.limit_in_bytes is 64 MiB" test "$(cg m1 memory memory.limit_in_bytes)" = 67108864
# the shell reports how dd ended: 137 is SIGKILL, from the OOM killer
rc=$(enter m1 /bin/sh -c 'dd if=/dev/zero of=/dev/null bs=200M count=1 2>/dev/null; echo $?')
check "a 200 MiB allocation inside is killed (exit $rc)" test "$rc" = 137
check "the container lives on" test "$(vsh domstate m1)" = running
check "its init lives on" enter m1 /bin/kill -0 1
check "a 32 MiB allocation inside works" enter m1 /bin/dd if=/dev/zero of=/dev/null bs=32M count=1
check "memtune --hard-limit 96M --live" vsh memtune m1 --hard-limit 96M --live
check "takes effect at once" test "$(cg m1 memory memory.limit_in_bytes)" = 100663296
check "memtune shows it" bash -c "virsh -q -c '$CT_URI' memtune m1 | grep -q 'hard_limit *: 98304'"
check "an 80 MiB allocation now works" enter m1 /bin/dd if=/dev/zero of=/dev/null bs=80M count=1
check "memtune --soft-limit --swap-hard-limit --live" \
    vsh memtune m1 --soft-limit 48M --swap-hard-limit 128M --live
check "memory.soft_limit_in_bytes" test "$(cg m1 memory memory.soft_limit_in_bytes)" = 50331648
check "memory.memsw.limit_in_bytes" test "$(cg m1 memory memory.memsw.limit_in_bytes)" = 134217728
check_fails "hard_limit above swap_hard_limit refused" "swap_hard_limit" \
    vsh memtune m1 --hard-limit 200M --live
check "refused change left the limit alone" test "$(cg m1 memory memory.limit_in_bytes)" = 100663296
check "setmem 32M --live" vsh setmem m1 32M --live
check "setmem lowers the limit below hard_limit" test "$(cg m1 memory memory.limit_in_bytes)" = 33554432
check_fails "setmem above the maximum refused" "maximum memory" vsh setmem m1 1G --live
check "setmaxmem 1G --config" vsh setmaxmem m1 1G --config
check "memtune --hard-limit 80M --config" vsh memtune m1 --hard-limit 80M --config
check "the running limit is unchanged by --config" \
    test "$(cg m1 memory memory.limit_in_bytes)" = 33554432
if command -v lxcfs >/dev/null; then
    # busybox free asks sysinfo(2), which LXCFS cannot answer: the check
    # of procps' free is in test_debootstrap.sh
    check "/proc/meminfo inside shows the limit" bash -c \
        "ct_exec m1 /bin/cat /proc/meminfo | grep -q '^MemTotal: *32768 kB'"
else
    not_ok "lxcfs is not installed: no honest /proc to check"
fi
check "destroy m1" vsh destroy m1
check "start m1 again" vsh start m1
check "--config survived the restart: 80 MiB" test "$(cg m1 memory memory.limit_in_bytes)" = 83886080
check "dumpxml keeps the maximum" bash -c \
    "virsh -q -c '$CT_URI' dumpxml m1 | grep -q \"<memory unit='KiB'>1048576</memory>\""
check "dommemstat reports actual" bash -c \
    "virsh -q -c '$CT_URI' dommemstat m1 | grep -q '^actual 81920'"
vsh destroy m1 >/dev/null

# --- CPU ------------------------------------------------------------------------
check "start c1 with a 50% quota" start_ct c1 \
    "<cputune><period>100000</period><quota>50000</quota></cputune>"
check "cpu.cfs_quota_us is 50000" test "$(cg c1 cpu cpu.cfs_quota_us)" = 50000
t0=$(stat_of c1 cpu.time)
enter c1 /bin/busybox timeout 3 /bin/sh -c 'while :; do :; done' >/dev/null 2>&1
t1=$(stat_of c1 cpu.time)
pct=$(((t1 - t0) / 30000000))
check "a 3 s busy loop used 35-65% of a CPU ($pct%)" test "$pct" -ge 35 -a "$pct" -le 65
check "schedinfo --set vcpu_quota=20000 --live" vsh schedinfo c1 --set vcpu_quota=20000 --live
check "cpu.cfs_quota_us is 20000" test "$(cg c1 cpu cpu.cfs_quota_us)" = 20000
check "schedinfo --set cpu_shares=512 --live" vsh schedinfo c1 --set cpu_shares=512 --live
check "cpu.shares is 512" test "$(cg c1 cpu cpu.shares)" = 512
check "schedinfo --set vcpu_period=50000 --config" vsh schedinfo c1 --set vcpu_period=50000 --config
check_fails "a period below 1 ms refused" "vcpu_period" vsh schedinfo c1 --set vcpu_period=10 --live
check "schedinfo --set vcpu_quota=-1 --live lifts the quota" \
    vsh schedinfo c1 --set vcpu_quota=-1 --live
check "cpu.cfs_quota_us is -1" test "$(cg c1 cpu cpu.cfs_quota_us)" = -1
vsh destroy c1 >/dev/null
check "start c1 again" vsh start c1
check "--config survived the restart: period 50000" test "$(cg c1 cpu cpu.cfs_period_us)" = 50000
check "and the 50% quota of the definition" test "$(cg c1 cpu cpu.cfs_quota_us)" = 50000
vsh destroy c1 >/dev/null

ncpu=$(nproc)
check "start v1 with one CPU" start_ct v1 "<vcpu>1</vcpu>"
check "one CPU is a quota of one period" test "$(cg v1 cpu cpu.cfs_quota_us)" = 100000
if command -v lxcfs >/dev/null; then
    check "/sys/devices/system/cpu/online inside is 0" test "$(enter v1 /bin/cat /sys/devices/system/cpu/online)" = 0
    check "/proc/cpuinfo inside lists one CPU" test "$(enter v1 /bin/grep -c ^processor /proc/cpuinfo)" = 1
fi
if [ "$ncpu" -ge 2 ]; then
    check "setvcpus 2 --live" vsh setvcpus v1 2 --live
    check "two CPUs: a quota of two periods" test "$(cg v1 cpu cpu.cfs_quota_us)" = 200000
    check "vcpucount shows 2 live" bash -c \
        "virsh -q -c '$CT_URI' vcpucount v1 --live --active | grep -qx ' *2'"
    check "vcpuinfo lists 2" bash -c "[ \$(virsh -q -c '$CT_URI' vcpuinfo v1 | grep -c '^VCPU:') = 2 ]"
    check "setvcpus pins nothing: cpuset unchanged" test "$(cg v1 cpuset cpuset.cpus)" = "0-$((ncpu - 1))"
fi
check_fails "more CPUs than the host has refused" "the host's CPUs" \
    vsh setvcpus v1 $((ncpu + 1)) --live
check "setvcpus 1 --config" vsh setvcpus v1 1 --config --maximum
vsh destroy v1 >/dev/null
if [ "$ncpu" -ge 2 ]; then
    check "start p1 pinned to CPU 1" start_ct p1 "<vcpu cpuset='1'>1</vcpu>"
    check "cpuset.cpus is 1" test "$(cg p1 cpuset cpuset.cpus)" = 1
    check "numatune --nodeset 0 --live" vsh numatune p1 --nodeset 0 --live
    check "cpuset.mems is 0" test "$(cg p1 cpuset cpuset.mems)" = 0
    check_fails "numatune mode interleave refused" "only 'strict'" \
        vsh numatune p1 --mode interleave --config
    vsh destroy p1 >/dev/null
fi

# --- processes ------------------------------------------------------------------
# init forks without end; the limit holds it, the host does not notice
check "start f1 with 40 processes and a fork bomb" start_ct f1 \
    "<ct:processes>40</ct:processes>" -c 'b() { b | b & }; b; sleep 1000'
sleep 2
check "pids.max is 40" test "$(cg f1 pids pids.max)" = 40
cur=$(cg f1 pids pids.current)
check "the bomb stops at the limit ($cur)" test "${cur:-0}" -le 40 -a "${cur:-0}" -ge 30
check "domstats ct.processes.max" test "$(stat_of f1 ct.processes.max)" = 40
check "the host stays responsive" timeout 5 /bin/true
check "schedinfo --set processes=60 --live" vsh schedinfo f1 --set processes=60 --live
check "pids.max is 60" test "$(cg f1 pids pids.max)" = 60
check "the bomb is stopped with the container" vsh destroy f1
check "schedinfo --set processes=0 --config lifts the limit" \
    vsh schedinfo f1 --set processes=0 --config
check "no <ct:processes> left" bash -c "! virsh -q -c '$CT_URI' dumpxml f1 | grep -q ct:processes"

# --- block IO -------------------------------------------------------------------
dev=$(df --output=source "$CT_TEST_ROOT" | tail -n 1)
if [ -b "$dev" ]; then
    # 10 MiB/s; 30 MiB written with O_DIRECT, which is throttled where it
    # is issued (buffered writeback is not charged in cgroup v1)
    check "start b1 with a 10 MiB/s write limit on $dev" start_ct b1 \
        "<blkiotune><device><path>$dev</path><write_bytes_sec>10485760</write_bytes_sec></device></blkiotune>"
    s0=$(date +%s%N)
    enter b1 /bin/dd if=/dev/zero of=/var/ddtest bs=1M count=30 oflag=direct >/dev/null 2>&1
    s1=$(date +%s%N)
    ms=$(((s1 - s0) / 1000000))
    check "30 MiB took 2.4-3.6 s under the limit ($ms ms)" test "$ms" -ge 2400 -a "$ms" -le 3600
    check "domblkstat counts the writes" bash -c \
        "[ \$(virsh -q -c '$CT_URI' domblkstat b1 / | awk '/wr_bytes/ { print \$3 }') -ge 31457280 ]"
    check "blkiotune --device-write-bytes-sec --live" \
        vsh blkiotune b1 --device-write-bytes-sec "$dev,20971520" --live
    check "blkio.throttle.write_bps_device" bash -c \
        "grep -q ' 20971520\$' /sys/fs/cgroup/blkio\$(awk -F: '\$2 == \"blkio\" { print \$3 }' /proc/\$(virsh -q -c '$CT_URI' domid b1)/cgroup)/blkio.throttle.write_bps_device"
    check_fails "a device that is no block device refused" "" \
        vsh blkiotune b1 --device-write-bytes-sec /etc/passwd,1000 --live
    vsh destroy b1 >/dev/null
else
    not_ok "no block device under $CT_TEST_ROOT ($dev)"
fi

# --- sysinfo(2) -----------------------------------------------------------------
# busybox free and uptime ask the kernel, not /proc: the supervisor answers
# sysinfo(2) for init and everything it starts (not for processes entered
# from outside with virt-ct-enter or lxc-enter-namespace, which never pass
# through init)
check "start i1 with 64 MiB whose init runs busybox free and uptime" start_ct i1 \
    "<memtune><hard_limit unit='MiB'>64</hard_limit></memtune><ct:processes>50</ct:processes>" \
    -c 'while :; do busybox free -m >/run/free.new && mv /run/free.new /run/free;
        busybox uptime >/run/uptime; busybox sleep 1; done'
sleep 1.5
total=$(enter i1 /bin/cat /run/free | awk '/^Mem:/ { print $2 }')
check "busybox free -m inside shows 64 ($total)" test "$total" = 64
used=$(enter i1 /bin/cat /run/free | awk '/^Mem:/ { print $3 }')
check "and a use below it ($used)" test -n "$used" -a "${used:-99}" -lt 64
check "busybox uptime inside is the container's" bash -c \
    "ct_exec i1 /bin/cat /run/uptime | grep -q 'up 0 min'"
check "memtune --hard-limit 96M --live" vsh memtune i1 --hard-limit 96M --live
sleep 1.5
total=$(enter i1 /bin/cat /run/free | awk '/^Mem:/ { print $2 }')
check "free follows the live change ($total)" test "$total" = 96
vsh destroy i1 >/dev/null

# --- statistics -----------------------------------------------------------------
check "start s1" start_ct s1 "<memtune><hard_limit unit='MiB'>64</hard_limit></memtune>"
enter s1 /bin/busybox timeout 1 /bin/sh -c 'while :; do :; done' >/dev/null 2>&1
check "dominfo shows CPU time" bash -c \
    "virsh -q -c '$CT_URI' dominfo s1 | grep -q 'CPU time: *[0-9]*\.[0-9]s' && ! virsh -q -c '$CT_URI' dominfo s1 | grep -q 'CPU time: *0\.0s'"
for f in cpu.time cpu.user cpu.system balloon.current balloon.maximum balloon.rss vcpu.current \
    vcpu.0.time block.count net.count ct.processes.current ct.processes.max; do
    check "domstats has $f" test -n "$(stat_of s1 "$f")"
done
check "balloon.current is the limit" test "$(stat_of s1 balloon.current)" = 65536
check "cpu-stats --total" bash -c "virsh -q -c '$CT_URI' cpu-stats s1 --total | grep -q cpu_time"
check "cpu-stats per CPU" bash -c "virsh -q -c '$CT_URI' cpu-stats s1 | grep -q 'CPU0'"
check "dommemstat" bash -c "virsh -q -c '$CT_URI' dommemstat s1 | grep -q '^rss '"
check "domblkstat of the whole container" vsh domblkstat s1 /
if command -v lxcfs >/dev/null; then
    check "uptime inside is the container's" bash -c \
        "[ \$(ct_exec s1 /bin/sh -c 'cut -d. -f1 /proc/uptime') -lt 60 ]"
    # /proc/diskstats stays the host's: LXCFS needs CFQ's blkio files
    for f in /proc/cpuinfo /proc/stat /proc/loadavg /proc/swaps \
        /sys/devices/system/cpu/online; do
        check "$f is the container's (lxcfs)" bash -c \
            "ct_exec s1 /bin/grep -q ' $f fuse.lxcfs' /proc/self/mounts"
    done
fi

# init's v1 cpuset: the container's CPUs, balancing no load (its parent
# does), made without CPUs (clone_children off in the container's
# cgroup, so that switching balancing off rebuilt no scheduling domains)
cpuset_dir=$(awk -F: '$2 == "cpuset" { print "/sys/fs/cgroup/cpuset" $3 }' \
    "/proc/$(vsh domid s1)/cgroup")
if [ -e "$cpuset_dir/cpuset.sched_load_balance" ]; then
    check "init's cpuset is init" test "$(basename "$cpuset_dir")" = init
    check "init's cpuset balances no load" test "$(cat "$cpuset_dir/cpuset.sched_load_balance")" = 0
    check "the container's cpuset balances load" test \
        "$(cat "$cpuset_dir/../cpuset.sched_load_balance")" = 1
    check "init's cpuset has the container's CPUs" test \
        "$(cat "$cpuset_dir/cpuset.cpus")" = "$(cat "$cpuset_dir/../cpuset.cpus")"
    check "the container's cgroup gives its children no CPUs" test \
        "$(cat "$cpuset_dir/../cgroup.clone_children")" = 0
fi

# getAllDomainStats of many domains is shared among threads: every
# domain once, the running one with its CPU time among 200 defined ones
for i in $(seq -w 1 200); do
    ct_xml "many$i" "" >"$CT_TEST_ROOT/many.xml"
    vsh define "$CT_TEST_ROOT/many.xml" >/dev/null || not_ok "define many$i"
done
virsh -c "$CT_URI" domstats >"$CT_TEST_ROOT/all.stats" 2>&1
check "domstats of all: one record per domain" test \
    "$(grep -c "^Domain: " "$CT_TEST_ROOT/all.stats")" = "$(vsh list --all --name | grep -c .)"
check "domstats of all: no domain twice" test \
    "$(grep "^Domain: " "$CT_TEST_ROOT/all.stats" | sort | uniq -d | wc -l)" = 0
check "domstats of all: the running one with its CPU time" \
    awk '/^Domain: .s1.$/ { s = 1; next } /^Domain: / { s = 0 } s && /cpu.time=[0-9]+/ { f = 1 } END { exit !f }' \
    "$CT_TEST_ROOT/all.stats"
check "domstats of all: the domains of list --all" bash -c \
    "diff <(grep '^Domain: ' '$CT_TEST_ROOT/all.stats' | sort) <(virsh -q -c '$CT_URI' list --all --name | grep . | sed \"s/.*/Domain: '&'/\" | sort)"
for i in $(seq -w 1 200); do vsh undefine "many$i" >/dev/null; done
vsh destroy s1 >/dev/null

summary
