#!/bin/bash
# test_debootstrap.sh: a Debian template made by debootstrap from the
# archive boots systemd to its default target in a container with a disk
# limit, survives a checkpoint and restore still running, and shuts down
# cleanly.  Slow (about a minute: debootstrap
# downloads some 40 MB); skipped when the Debian archive cannot be reached.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

. "$(dirname "$0")/lib.sh"
skip_unless_root
if ! command -v debootstrap >/dev/null || ! command -v mkfs.xfs >/dev/null; then
    echo "skipped: needs debootstrap and xfsprogs"
    exit 77
fi
store_daemon_start

if ! "$TPL" -q create deb --debootstrap bookworm --variant minbase --include systemd-sysv,procps \
    >"$CT_TEST_ROOT/debootstrap.log" 2>&1; then
    if grep -qiE "failed getting release file|couldn't download|temporary failure|could not resolve" \
        "$CT_TEST_ROOT/debootstrap.log"; then
        echo "skipped: the Debian archive cannot be reached:"
        tail -n 3 "$CT_TEST_ROOT/debootstrap.log"
        exit 77
    fi
    not_ok "debootstrap template"
    tail -n 20 "$CT_TEST_ROOT/debootstrap.log" | sed 's/^/#   /'
    summary
    exit 1
fi
ok "debootstrap template"
check "no downloaded packages kept" bash -c \
    "[ -z \"\$(find '$STORE/templates/deb/root/var/cache/apt/archives' '$STORE/templates/deb/root/var/lib/apt/lists' -maxdepth 1 -type f)\" ]"
check "template verifies" "$TPL" verify deb
check "info names debootstrap as its source" bash -c "'$TPL' info deb | grep -q 'Source: *debootstrap: bookworm'"

cat >"$CT_TEST_ROOT/sd.xml" <<XML
<domain type='lxc'>
  <name>sd</name>
  <memory unit='MiB'>512</memory>
  <os><type>exe</type><init>/sbin/init</init></os>
  <devices>
    <filesystem type='template'>
      <source name='deb'/>
      <target dir='/'/>
      <space_hard_limit unit='MiB'>512</space_hard_limit>
    </filesystem>
    <console type='pty'/>
  </devices>
</domain>
XML
check "define and start a systemd container" bash -c \
    "virsh -q -c '$CT_URI' define '$CT_TEST_ROOT/sd.xml' >/dev/null && virsh -q -c '$CT_URI' start sd >/dev/null"

state=
for _ in $(seq 120); do
    state=$(ct_exec sd /bin/systemctl is-system-running 2>/dev/null)
    case "$state" in running | degraded) break ;; esac
    sleep 0.5
done
check "systemd is up ($state)" bash -c "[ '$state' = running ] || [ '$state' = degraded ]"
check "default target reached" \
    ct_exec sd /bin/systemctl is-active default.target
check "systemd sees a container" bash -c \
    "ct_exec sd /usr/bin/systemd-detect-virt | grep -q container-other"
size=$(ct_exec sd /bin/df -m / | awk "NR == 2 { print \$2 }")
check "df inside shows the 512 MiB limit ($size)" test "${size:-0}" -ge 500 -a "${size:-0}" -le 530
if command -v lxcfs >/dev/null; then
    # procps reads /proc/meminfo and /proc/uptime, which LXCFS answers
    free=$(ct_exec sd /usr/bin/free -m | awk '/^Mem:/ { print $2 }')
    check "free -m inside shows the 512 MiB memory ($free)" test "${free:-0}" = 512
    check "uptime inside is the container's" bash -c \
        "ct_exec sd /usr/bin/uptime | grep -q 'up [0-9]* min'"
fi
# checkpoint and restore (test_save.sh has the details): systemd with its
# journal, inotify watches and empty cgroups comes back running, twice
if [ -x "$CT_BUILD/ct-criu" ]; then
    for round in 1 2; do
        check "systemd container: save ($round)" vsh save sd "$CT_TEST_ROOT/sd.img"
        check "systemd container: restore ($round)" vsh restore "$CT_TEST_ROOT/sd.img"
        check "after restore $round: systemctl is-system-running says running" bash -c \
            "[ \"\$(ct_exec sd /bin/systemctl is-system-running)\" = running ]"
        check "after restore $round: no failed unit, a new unit runs, the journal takes a line" \
            bash -c "[ -z \"\$(ct_exec sd /bin/systemctl --failed --plain --no-legend)\" ] &&
                ct_exec sd /usr/bin/systemd-run --unit=ct-restored-$round /bin/true >/dev/null &&
                ct_exec sd /usr/bin/logger ct-restored-$round &&
                sleep 0.5 && ct_exec sd /bin/journalctl -b | grep -q ct-restored-$round"
    done
    rm -f "$CT_TEST_ROOT/sd.img"
fi
check "shutdown" vsh shutdown sd
for _ in $(seq 60); do
    [ "$(vsh domstate sd)" = "shut off" ] && break
    sleep 0.5
done
check "systemd shut the container down" bash -c "[ \"\$(virsh -q -c '$CT_URI' domstate --reason sd)\" = 'shut off (shutdown)' ]"
check "nothing left in the cgroups" bash -c "! ls -d /sys/fs/cgroup/*/machine/ct-*-sd.libvirt-ct 2>/dev/null | grep -q ."
check "undefine, remove its layer and the template" bash -c \
    "virsh -q -c '$CT_URI' undefine sd >/dev/null && '$TPL' -q layer-remove sd && '$TPL' -q remove deb"

summary
