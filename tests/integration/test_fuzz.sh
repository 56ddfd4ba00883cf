#!/bin/bash
# test_fuzz.sh: mutated definitions (tests/data/*/*.xml) defined and created
# on a private virtctd: no crash, no accepted definition lost or changed by
# a restart, no container or file left behind.
#
# About 60 s; CT_FUZZ_SECONDS=600 for longer, CT_FUZZ_SEED=N to replay.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

. "$(dirname "$0")/lib.sh"
skip_unless_root
if [ ! -x /bin/busybox ] || ! /usr/bin/python3 -c 'import libvirt' 2>/dev/null; then
    echo "skipped: needs /bin/busybox (busybox-static) and python3-libvirt for /usr/bin/python3"
    exit 77
fi
export CT_BUILD

# Where a stray file would land: the host's libvirt trees and /.  Trees a
# concurrent libvirtd (network tests) writes to are left out.
WATCH=(/etc/libvirt /run/libvirt /var/lib/libvirt /var/log/libvirt)
listing() {
    {
        find "${WATCH[@]}" -xdev \( -path /run/libvirt/network -o -path /var/lib/libvirt/dnsmasq \
            -o -path /run/libvirt/ct -o -path /etc/libvirt/ct \) -prune -o -print 2>/dev/null
        find / -maxdepth 1 2>/dev/null
    } | sort
}
listing >/tmp/ct-fuzz-before.$$

store_daemon_start
ok "virtctd starts"
ROOT=$CT_TEST_ROOT/rootfs
"$CT_SRC/build-aux/busybox-root.sh" "$ROOT" >/dev/null || { not_ok "busybox root"; summary; exit 1; }
"$TPL" -q create busybox --busybox || { not_ok "busybox template"; summary; exit 1; }

mkdir -p "$CT_TEST_ROOT/cases"
restart=". '$CT_SRC/tests/integration/lib.sh'; daemon_stop; daemon_start"
if /usr/bin/python3 "$CT_SRC/tests/integration/fuzz.py" --uri "$CT_URI" \
    --pidfile "$CT_TEST_ROOT/virtctd.pid" --restart "$restart" \
    --datadir "$CT_SRC/tests/data" --rootfs "$ROOT" --outdir "$CT_TEST_ROOT/cases" \
    --seconds "${CT_FUZZ_SECONDS:-60}" ${CT_FUZZ_SEED:+--seed "$CT_FUZZ_SEED"}; then
    ok "fuzzed definitions"
else
    not_ok "fuzzed definitions (daemon log tail below; cases kept in /tmp/ct-fuzz-cases)"
    tail -n 20 "$CT_TEST_ROOT/virtctd.log" | sed 's/^/#   /'
    rm -rf /tmp/ct-fuzz-cases && cp -r "$CT_TEST_ROOT/cases" /tmp/ct-fuzz-cases
fi

check "no container left running" bash -c "[ -z \"\$(virsh -q -c '$CT_URI' list --all --name)\" ]"
check "no supervisor left" bash -c "! pgrep -f '[c]t-supervisor --plan $CT_TEST_ROOT' >/dev/null"

store_teardown
trap - EXIT
listing >/tmp/ct-fuzz-after.$$
check "no file created outside the private tree" diff /tmp/ct-fuzz-before.$$ /tmp/ct-fuzz-after.$$
rm -f /tmp/ct-fuzz-before.$$ /tmp/ct-fuzz-after.$$
summary
