#!/bin/bash
# test_daemon.sh: virtctd from the build tree, driven by the stock virsh,
# virt-admin and python3-libvirt: connection, definitions, persistence
# across kill -9, refusals that change nothing.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

. "$(dirname "$0")/lib.sh"
skip_unless_root
daemon_setup
daemon_start || { not_ok "virtctd starts"; summary; exit 1; }
ok "virtctd starts from the build tree"

xml=$CT_TEST_ROOT/c1.xml
cat >"$xml" <<'XML'
<domain type='lxc' xmlns:ct='http://libvirt.org/schemas/domain/ct/1.0'>
  <name>c1</name>
  <uuid>6f0bcd2e-7a4c-4a8e-9d0c-000000000001</uuid>
  <memory unit='MiB'>64</memory>
  <os><type>exe</type><init>/sbin/init</init></os>
  <devices>
    <filesystem type='mount'><source dir='/srv/c1'/><target dir='/'/></filesystem>
    <console type='pty'/>
  </devices>
  <ct:processes>128</ct:processes>
</domain>
XML

check "version names the CT driver" bash -c "virsh -c '$CT_URI' version | grep -q 'Running hypervisor: CT '"
check "uri is ct:///system" bash -c "virsh -c '$CT_URI' uri | grep -q '^ct:///system'"
check "hostname" vsh hostname
check "capabilities: exe guest with domain type lxc" bash -c \
    "virsh -c '$CT_URI' capabilities | xmllint --xpath '//guest[os_type=\"exe\"]/arch/domain[@type=\"lxc\"]' - >/dev/null"
check "domcapabilities" bash -c "virsh -c '$CT_URI' domcapabilities | grep -q '<domain>lxc</domain>'"
check "nodeinfo" vsh nodeinfo
check "nodecpumap" vsh nodecpumap
check "nodecpustats" vsh nodecpustats
check "nodememstats" vsh nodememstats
check "freecell" vsh freecell
check "sysinfo or a clear error" bash -c "virsh -c '$CT_URI' sysinfo >/dev/null 2>&1 || virsh -c '$CT_URI' sysinfo 2>&1 | grep -q 'error'"
check "virt-admin srv-list" bash -c "virt-admin -c '$CT_ADMIN_URI' srv-list | grep -q virtctd"

check "define --validate" vsh define --validate "$xml"
check "definition written to etc/ct/c1.xml" test -f "$CT_TEST_ROOT/etc/ct/c1.xml"
check "list --all shows c1 shut off" bash -c "virsh -q -c '$CT_URI' list --all | grep -q 'c1 .*shut off'"
check "list --inactive --persistent" bash -c "virsh -q -c '$CT_URI' list --inactive --persistent --name | grep -qx c1"
check "list (running) is empty" bash -c "[ -z \"\$(virsh -q -c '$CT_URI' list --name)\" ]"
check "dumpxml keeps ct:processes" bash -c "virsh -c '$CT_URI' dumpxml c1 | grep -q '<ct:processes>128</ct:processes>'"
check "dumpxml --inactive --security-info --migratable" vsh dumpxml --inactive --security-info --migratable c1
check "dominfo" bash -c "virsh -c '$CT_URI' dominfo c1 | grep -q 'OS Type: *exe'"
check "domstate" bash -c "[ \"\$(virsh -q -c '$CT_URI' domstate c1)\" = 'shut off' ]"
check "domuuid / domname" bash -c "[ \"\$(virsh -q -c '$CT_URI' domname 6f0bcd2e-7a4c-4a8e-9d0c-000000000001)\" = c1 ]"
check "autostart" vsh autostart c1
check "autostart link exists" test -L "$CT_TEST_ROOT/etc/ct/autostart/c1.xml"
check "desc --config" vsh desc c1 --config --title "a title"
check "desc reads back" bash -c "[ \"\$(virsh -q -c '$CT_URI' desc c1 --title)\" = 'a title' ]"
check "metadata" vsh metadata c1 http://example.org/ct --key ex --set '<value>1</value>' --config
check "metadata reads back" bash -c "virsh -q -c '$CT_URI' metadata c1 http://example.org/ct | grep -q '<value>1</value>'"

before=$(sha256sum "$CT_TEST_ROOT/etc/ct/c1.xml")
printf '<domain type="lxc"><name>t</name><os><type>exe' >"$CT_TEST_ROOT/truncated.xml"
check_fails "truncated XML is refused" "Premature end of data" vsh define "$CT_TEST_ROOT/truncated.xml"
sed -e 's|<ct:processes>128</ct:processes>|<ct:bogus>1</ct:bogus>|' -e 's/c1</c2</' -e 's/0001</0002</' "$xml" >"$CT_TEST_ROOT/bogus.xml"
check_fails "unknown ct: element is refused (schema checked without --validate too)" "extra content: bogus" vsh define "$CT_TEST_ROOT/bogus.xml"
check_fails "unknown ct: element is refused by --validate" "bogus" vsh define --validate "$CT_TEST_ROOT/bogus.xml"
sed -e 's/0001</0003</' "$xml" >"$CT_TEST_ROOT/clash.xml"
check_fails "same name, other UUID is refused" "already exists with uuid" vsh define "$CT_TEST_ROOT/clash.xml"
check "refusals changed nothing" bash -c "[ \"\$(sha256sum '$CT_TEST_ROOT/etc/ct/c1.xml')\" = '$before' ] && [ \$(ls '$CT_TEST_ROOT/etc/ct' | grep -c xml) = 1 ]"

sed -e 's/c1</c3</' -e 's/0001</0004</' "$xml" >"$CT_TEST_ROOT/c3.xml"
check "define a second domain" vsh define "$CT_TEST_ROOT/c3.xml"
printf 'not xml' >"$CT_TEST_ROOT/etc/ct/broken.xml"
# what a daemon killed inside virFileRewrite leaves beside the intact file
printf '<domain' >"$CT_TEST_ROOT/etc/ct/c3.xml.new"
printf '<domstatus' >"$CT_TEST_ROOT/run/ct/c3.xml.new"
printf 'version' >"$CT_TEST_ROOT/run/ct/c3.plan.new"

daemon_kill9
check "virtctd killed with -9" bash -c "! virsh -c '$CT_URI' version >/dev/null 2>&1"
daemon_start && ok "virtctd restarts" || not_ok "virtctd restarts"
check "definitions intact after kill -9" bash -c "[ \"\$(virsh -q -c '$CT_URI' list --all --name | sort | tr '\n' ' ')\" = 'c1 c3 ' ]"
check "autostart survives" bash -c "virsh -c '$CT_URI' dominfo c1 | grep -q 'Autostart: *enable'"
check "title survives" bash -c "[ \"\$(virsh -q -c '$CT_URI' desc c1 --title)\" = 'a title' ]"
check "a broken file is logged, not fatal" grep -q "broken" "$CT_TEST_ROOT/virtctd.log"
check "half-written files of the killed daemon removed" bash -c \
    "[ -z \"\$(ls '$CT_TEST_ROOT/etc/ct' '$CT_TEST_ROOT/run/ct' | grep '\.new\$')\" ]"
check "a half-written file is logged" grep -q "c3.plan.new, written by a daemon that died" "$CT_TEST_ROOT/virtctd.log"

check "python3-libvirt: lifecycle events for define and undefine" \
    /usr/bin/python3 "$(dirname "$0")/events.py" "$CT_URI" "$CT_TEST_ROOT/c3.xml"

check "undefine" vsh undefine c1
check "undefine removed the config and the autostart link" bash -c \
    "[ ! -e '$CT_TEST_ROOT/etc/ct/c1.xml' ] && [ ! -e '$CT_TEST_ROOT/etc/ct/autostart/c1.xml' ]"
check_fails "undefined domain is gone" "failed to get domain" vsh dominfo c1
check "undefine --managed-save --snapshots-metadata --nvram" vsh undefine c3 --managed-save --snapshots-metadata --nvram

summary
