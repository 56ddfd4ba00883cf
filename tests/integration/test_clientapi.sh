#!/bin/bash
# test_clientapi.sh: what everyday clients ask of ct:///system, as root:
# domcapabilities as virsh and Nova read it, vcpupin / emulatorpin /
# vcpucount and their effect on the container's cpuset, the hostname of a
# busybox-template container, and what undefine does with its layer.
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
ncpu=$(nproc --all)

ct_xml() {
    cat <<XML
<domain type='lxc'>
  <name>$1</name>
  <memory unit='MiB'>256</memory>
  $2
  <os><type>exe</type><init>/sbin/init</init></os>
  <devices>
    <filesystem type='template'><source name='busybox'/><target dir='/'/></filesystem>
    <console type='pty'/>
  </devices>
</domain>
XML
}

define_ct() {
    ct_xml "$@" >"$CT_TEST_ROOT/$1.xml" && vsh define "$CT_TEST_ROOT/$1.xml" >/dev/null
}

# cg NAME FILE: a cpuset value of the container's cgroup (init runs in a
# child "init" of the cgroup with the limits)
cg() {
    local pid path
    pid=$(vsh domid "$1") || return 1
    path=$(awk -F: '$2 == "cpuset" { print $3 }' "/proc/$pid/cgroup")
    cat "/sys/fs/cgroup/cpuset${path%/init}/$2"
}

# --- domcapabilities ----------------------------------------------------------
# Nova passes the emulator and arch of <guest> in the capabilities, its
# default machine type and virt_type lxc
caps=$CT_TEST_ROOT/domcaps.xml
emu=$(virsh -c "$CT_URI" capabilities | sed -n 's|.*<emulator>\(.*\)</emulator>.*|\1|p' | head -1)
check "domcapabilities with Nova's arguments" bash -c \
    "virsh -c '$CT_URI' domcapabilities --emulatorbin '$emu' --arch x86_64 --machine pc --virttype lxc >'$caps'"
check "domcapabilities content" python3 - "$caps" <<'PY'
import sys
import xml.etree.ElementTree as ET

root = ET.parse(sys.argv[1]).getroot()
bad = []


def want(cond, what):
    if not cond:
        bad.append(what)


want(root.findtext("domain") == "lxc", "domain lxc")
want(root.findtext("machine") == "pc", "machine echoed")
want(int(root.find("vcpu").get("max")) >= 1, "vcpu max")
os_ = root.find("os")
want(os_ is not None and os_.get("supported") == "yes", "os supported")
want(os_.find("loader").get("supported") == "no", "no loader")
cpu = root.find("cpu")
want(cpu is not None and len(cpu.findall("mode")) == 4, "cpu modes")
devs = root.find("devices")
kinds = {d.tag: d for d in devs}
for kind in ("disk", "graphics", "video", "hostdev", "rng", "filesystem", "tpm",
             "redirdev", "channel", "crypto", "interface"):
    want(kind in kinds, "<%s> present" % kind)
for kind in ("disk", "graphics", "video", "hostdev", "rng", "tpm", "redirdev",
             "channel", "crypto"):
    want(kinds.get(kind) is not None and kinds[kind].get("supported") == "no",
         "%s supported='no'" % kind)
fs = kinds.get("filesystem")
want(fs is not None and fs.get("supported") == "yes", "filesystem supported")
want(fs is not None and [v.text for v in fs.findall("enum[@name='driverType']/value")] == ["path"],
     "filesystem driverType path")
iface = kinds.get("interface")
want(iface is not None and iface.get("supported") == "yes", "interface supported")
feats = root.find("features")
want(feats is not None and feats.find("sev").get("supported") == "no", "sev no")

# what Nova 26 reads (nova/virt/libvirt/config.py LibvirtConfigDomainCaps):
# devices.video.models, devices.disk.buses (by an xpath over the whole
# document), os.uefi_supported, os.secure_boot_supported, features' sev
video = kinds.get("video")
want(video is not None, "Nova: devices.video is not None")
models = {v.text for v in root.iter("enum") if v.get("name") == "modelType" for v in v}
want(models == set(), "Nova: no video models")
buses = {v.text for e in root.iter("enum") if e.get("name") == "bus" for v in e}
want(buses == set(), "Nova: no disk buses")
loader_types = [v.text for e in os_.iter("enum") if e.get("name") == "type" for v in e]
want("pflash" not in loader_types, "Nova: uefi not supported")
if bad:
    print("wrong: " + ", ".join(bad))
    sys.exit(1)
PY
check_fails "domcapabilities for another arch refused" "not supported" \
    virsh -c "$CT_URI" domcapabilities --arch aarch64

# --- vcpucount, vcpupin, emulatorpin ------------------------------------------
check "define and start c1" bash -c "$(declare -f ct_xml define_ct); define_ct c1 '<vcpu>1</vcpu>' && vsh start c1 >/dev/null"
check "vcpucount --maximum --live is the host's CPUs" bash -c \
    "virsh -q -c '$CT_URI' vcpucount c1 --maximum --live | grep -qx ' *$ncpu'"
check "vcpucount --maximum --config is the host's CPUs" bash -c \
    "virsh -q -c '$CT_URI' vcpucount c1 --maximum --config | grep -qx ' *$ncpu'"
check "vcpucount --current --live is 1" bash -c \
    "virsh -q -c '$CT_URI' vcpucount c1 --current --live | grep -qx ' *1'"
check "setvcpus accepts the maximum" vsh setvcpus c1 "$ncpu" --live
check_fails "setvcpus above the maximum refused" "the host's CPUs" vsh setvcpus c1 $((ncpu + 1)) --live
check "vcpupin shows all CPUs unpinned" bash -c \
    "virsh -q -c '$CT_URI' vcpupin c1 --vcpu 0 --live | grep -q ' 0-$((ncpu - 1))\$'"
check "emulatorpin shows all CPUs unpinned" bash -c \
    "virsh -q -c '$CT_URI' emulatorpin c1 --live | grep -qx '0-$((ncpu - 1))'"
check_fails "vcpupin of a vCPU past the maximum refused" "out of range" \
    vsh vcpupin c1 "$ncpu" 0 --live
check_fails "vcpupin to a CPU the host lacks refused" "CPU" vsh vcpupin c1 0 "$ncpu" --live
last=$((ncpu - 1))
check "vcpupin 0 $last --live" vsh vcpupin c1 0 "$last" --live
check "cpuset.cpus is $last" test "$(cg c1 cpuset.cpus)" = "$last"
check "the init child follows" bash -c \
    "pid=\$(virsh -q -c '$CT_URI' domid c1); [ \"\$(cat /sys/fs/cgroup/cpuset\$(awk -F: '\$2 == \"cpuset\" { print \$3 }' /proc/\$pid/cgroup)/cpuset.cpus)\" = $last ]"
check "vcpupin shows it" bash -c "virsh -q -c '$CT_URI' vcpupin c1 --live | grep -q ' $last\$'"
check "emulatorpin shows it (one cpuset)" bash -c \
    "virsh -q -c '$CT_URI' emulatorpin c1 --live | grep -qx '$last'"
check "live XML has <vcpu cpuset='$last'>" bash -c \
    "virsh -c '$CT_URI' dumpxml c1 | grep -q \"cpuset='$last'\""
check "the persistent XML does not" bash -c \
    "! virsh -c '$CT_URI' dumpxml c1 --inactive | grep -q cpuset="
check "emulatorpin 0-$last --live widens" vsh emulatorpin c1 "0-$last" --live
check "cpuset.cpus is 0-$last" test "$(cg c1 cpuset.cpus)" = "0-$last"
check "vcpupin 0 0 --config" vsh vcpupin c1 0 0 --config
check "the persistent XML has cpuset='0'" bash -c \
    "virsh -c '$CT_URI' dumpxml c1 --inactive | grep -q \"cpuset='0'\""
check "the live cpuset is unchanged" test "$(cg c1 cpuset.cpus)" = "0-$last"
check "emulatorpin --config shows 0" bash -c "virsh -q -c '$CT_URI' emulatorpin c1 --config | grep -qx 0"
vsh destroy c1 >/dev/null
check "restart applies the --config pin" vsh start c1
check "cpuset.cpus is 0" test "$(cg c1 cpuset.cpus)" = 0
vsh destroy c1 >/dev/null
check "vcpupin on a stopped container --live refused" bash -c "! virsh -q -c '$CT_URI' vcpupin c1 0 0 --live"

# --- hostname -------------------------------------------------------------------
check "start c1 (busybox init runs hostname -F /etc/hostname)" vsh start c1
sleep 1
check "hostname inside is c1" test "$(ct_exec c1 /bin/hostname)" = c1
check "domhostname is c1" test "$(vsh domhostname c1)" = c1
check "the user changes it inside" ct_exec c1 /bin/sh -c 'echo inner >/etc/hostname && hostname inner'
vsh destroy c1 >/dev/null
check "restart" vsh start c1
sleep 1
check "the user's hostname persists" test "$(ct_exec c1 /bin/hostname)" = inner
vsh destroy c1 >/dev/null

# --- undefine and the layer ---------------------------------------------------
# virsh implements --remove-all-storage and --storage on the client, through
# the storage volumes of <disk> elements: a container has none, so the
# driver sees a plain undefine, which keeps a written layer (README)
layers() { "$TPL" --data-dir "$STORE" layers; }
check_fails "undefine --storage / refused by virsh" "not found" vsh undefine c1 --storage /
check "c1 is still defined" vsh dominfo c1
check "undefine --remove-all-storage" vsh undefine c1 --remove-all-storage
check "the written layer is kept, orphaned" bash -c "$(declare -f layers); TPL='$TPL' STORE='$STORE'; layers | grep c1 | grep -q orphaned"
check "layer-remove removes it" "$TPL" -q --data-dir "$STORE" layer-remove c1
check "no layer is left" bash -c "! '$TPL' --data-dir '$STORE' layers | grep -q c1"

summary
