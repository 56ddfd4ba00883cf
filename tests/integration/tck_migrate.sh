#!/bin/bash
# tck_migrate.sh: the libvirt TCK's migration scripts
# (scripts/domain/300-migration.t, 301-migration-max-speed.t) between the
# two hosts of twohost.sh.  Not part of run-all.sh: it needs a checkout of
# libvirt-tck (not in Debian; see /work/shared/tools/tck/README.md for the
# Perl modules it needs); about a minute.
#
#   tests/integration/tck_migrate.sh [TCK-SCRIPT...]
#
# Env: TCK_SRC      the libvirt-tck checkout (default /tmp/libvirt-tck)
#      TCK_RESULTS  where the results of each run go (default
#                   /var/tmp/ct-tck-migrate): RESULTS/STAMP/ holds the TCK
#                   config, prove's log, the raw TAP and both daemons' logs
#      TCK_TIMEOUT  seconds per TCK script (default 3600)
#      TCK_DEBUG=1  both daemons log at debug level (virt-admin) for the run
#
# The TCK runs in the root namespaces, as a client of both daemons: its
# "uri" is host1's UNIX socket ($H1_URI), its "otheruri" host2 over TLS
# ($H2_TLS_URI), which host1's daemon can open too (300-migration.t's peer
# to peer cases pass $otherconn->get_uri to virDomainMigrateToURI3).  The
# TCK passes no migration URI (VIR_MIGRATE_PARAM_URI) and no other
# parameter.  Its container is <domain type='lxc'>, os type exe,
# /sbin/init, 64 MiB, a busybox root directory in its scratch directory as
# <filesystem type='mount'> on / (both hosts see that directory: it is
# shared storage), a pty console.
#
# Networks, nwfilters and storage pools the TCK lists come out empty
# when their daemon is missing (a shim, below).
#
# Prints prove's output (less the passing checks), then "ok"/"not ok" for
# each TCK script with each distinct failing check (and how often it
# failed), the TCK's checks passed and failed, and lib.sh's "N passed, N
# failed" over the scripts.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/twohost.sh"
skip_unless_root

TCK_SRC=${TCK_SRC:-/tmp/libvirt-tck}
TCK_TIMEOUT=${TCK_TIMEOUT:-3600}
if [ ! -f "$TCK_SRC/lib/Sys/Virt/TCK.pm" ]; then
    echo "skipped: needs a checkout of libvirt-tck in \$TCK_SRC ($TCK_SRC)"
    exit 77
fi
for m in Sys::Virt Test::Exception YAML XML::XPath XML::Twig XML::Writer accessors \
    IO::Interface::Simple NetAddr::IP Net::OpenSSH LWP::UserAgent; do
    if ! perl -M"$m" -e 1 2>/dev/null; then
        echo "skipped: needs the Perl module $m (/work/shared/tools/tck/README.md)"
        exit 77
    fi
done
if ! command -v prove >/dev/null || ! file -L /bin/busybox 2>/dev/null | grep -q statically; then
    echo "skipped: needs prove (perl) and a static /bin/busybox (busybox-static)"
    exit 77
fi
if [ ! -x "$CT_BUILD/ct-criu" ]; then
    echo "skipped: this build has no CRIU ($CT_BUILD/ct-criu)"
    exit 77
fi
SCRIPTS=("$@")
[ ${#SCRIPTS[@]} -gt 0 ] || SCRIPTS=(scripts/domain/300-migration.t scripts/domain/301-migration-max-speed.t)

RUN=${TCK_RESULTS:-/var/tmp/ct-tck-migrate}/$(date +%Y%m%d-%H%M%S)
mkdir -p "$RUN/tap" || exit 1

# the daemons' logs are kept with the results; then twohost's teardown
tck_teardown() {
    [ -z "${CT_TEST_ROOT:-}" ] || cp "$CT_TEST_ROOT/virtctd.log" "$RUN/host1-virtctd.log" 2>/dev/null
    [ -z "${H2_LOG:-}" ] || cp "$H2_LOG" "$RUN/host2-virtctd.log" 2>/dev/null
    [ -z "${CT_TEST_ROOT:-}" ] || cp "$CT_TEST_ROOT"/log/ct/*.log "$RUN/" 2>/dev/null
    twohost_teardown
}

twohost_start
trap tck_teardown EXIT
twohost_template busybox || { not_ok "the busybox template on both hosts"; summary; exit 1; }

# (log_outputs in CT_EXTRA_CONF would come after lib.sh's and not count)
if [ -n "${TCK_DEBUG:-}" ]; then
    filters="3:rpc 3:event 3:util.object 3:util.threadjob 3:util.command 3:util.file 1:ct."
    {
        virt-admin -q -c "$CT_ADMIN_URI" daemon-log-filters "$filters" &&
            virt-admin -q -c "$CT_ADMIN_URI" daemon-log-outputs "1:file:$CT_TEST_ROOT/virtctd.log"
    } >/dev/null || echo "# cannot raise host1's log level"
    {
        h2 virt-admin -q -c virtctd:///system daemon-log-filters "$filters" &&
            h2 virt-admin -q -c virtctd:///system daemon-log-outputs "1:file:/var/log/libvirt/virtctd.log"
    } >/dev/null || echo "# cannot raise host2's log level"
    echo "# debug logs: host1 $(virt-admin -q -c "$CT_ADMIN_URI" daemon-log-outputs 2>&1)," \
        "host2 $(h2 virt-admin -q -c virtctd:///system daemon-log-outputs 2>&1)"
fi

# A private copy of the TCK with the upstream typo fixed that drops a
# container's <filesystem> root (as the shared run-tck.sh does)
TCK_DIR=$CT_TEST_ROOT/tck
cp -a "$TCK_SRC" "$TCK_DIR" && rm -rf "$TCK_DIR/.git"
sed -i 's/{filesytems}/{filesystems}/' "$TCK_DIR/lib/Sys/Virt/TCK/DomainBuilder.pm"
# The TCK lists (and cleans up) networks, nwfilters and storage pools of
# both connections in every script; a ct:/// connection forwards those
# calls to virtnetworkd and friends (build-aux/start-libvirtd.sh), which
# neither host has here (host2 has a /run of its own).  Rather than start
# a libvirtd on the machine, such a list is empty when the daemon's
# socket is missing (that error alone); nothing else changes.
mkdir -p "$TCK_DIR/shim"
cat >"$TCK_DIR/shim/TCKNoNetDaemons.pm" <<'PM'
package TCKNoNetDaemons;
use strict;
use warnings;
use Sys::Virt;
no warnings 'redefine';
for my $m (qw(list_networks list_defined_networks list_nwfilters list_storage_pools
              list_defined_storage_pools)) {
    my $orig = Sys::Virt->can($m) or next;
    no strict 'refs';
    *{"Sys::Virt::$m"} = sub {
        my @r = eval { $orig->(@_) };
        if ($@) {
            die $@ unless "$@" =~ m{Failed to connect socket to '\S*/virt(network|nwfilter|storage)d-sock'};
            return ();
        }
        return @r;
    };
}
1;
PM
# Both hosts have the same host name here: host2 names its address for
# the data of the migrations that are not tunnelled (migration_host), as
# a host whose name resolves to loopback must
h2_daemon_stop
H2_EXTRA_CONF="migration_host = \"$H2_ADDR\"" h2_daemon_start ||
    { not_ok "host2's daemon with migration_host"; summary; exit 1; }
SCRATCH=$CT_TEST_ROOT/tck-scratch
mkdir -p "$SCRATCH/dummy-kernel"
: >"$SCRATCH/dummy-kernel/vmlinuz"
: >"$SCRATCH/dummy-kernel/initrd"

# Nothing in here is a URL: the TCK downloads nothing.  "kernels" must
# not be empty, or generic_domain() wants a full OS (never used for a
# container).
cat >"$RUN/tck.yml" <<YML
uri: "$H1_URI"
otheruri: "$H2_TLS_URI"
scratch_dir: $SCRATCH
busybox: /bin/busybox
images: []
kernels:
  - arch: x86_64
    ostype:
      - hvm
    kernel: $SCRATCH/dummy-kernel/vmlinuz
    initrd: $SCRATCH/dummy-kernel/initrd
host_usb_devices: []
host_pci_devices: []
host_block_devices: []
host_network_devices: []
YML

echo "# host1: $H1_URI"
echo "# host2: $H2_TLS_URI"
echo "# results: $RUN"
ln -sfn "$TCK_DIR/scripts" "$RUN/scripts"
: >"$RUN/prove.log" # before tail looks at it
(
    cd "$RUN" &&
        LIBVIRT_TCK_CONFIG=$RUN/tck.yml LIBVIRT_TCK_AUTOCLEAN=1 PERL_TEST_HARNESS_DUMP_TAP=$RUN/tap \
            prove --norc --merge --timer -v --exec "timeout -k 10 $TCK_TIMEOUT perl -I$TCK_DIR/lib -I$TCK_DIR/shim -MTCKNoNetDaemons" \
            "${SCRIPTS[@]}"
) >"$RUN/prove.log" 2>&1 &
PROVE_PID=$!
# all but the passing checks
tail -n +1 -f --pid=$PROVE_PID "$RUN/prove.log" | grep --line-buffered -v '^ok '
wait $PROVE_PID

echo
echo "# per script (raw TAP in $RUN/tap)"
tck_passed=0
tck_failed=0
for s in "${SCRIPTS[@]}"; do
    tap=$RUN/tap/$s
    if [ ! -s "$tap" ]; then
        not_ok "$s: no TAP"
        continue
    fi
    plan=$(sed -n 's/^1\.\.\([0-9]*\).*/\1/p' "$tap" | head -n 1)
    p=$(grep -c '^ok ' "$tap")
    f=$(grep -c '^not ok ' "$tap")
    sk=$(grep -c '^ok .*# skip' "$tap")
    tck_passed=$((tck_passed + p - sk))
    tck_failed=$((tck_failed + f + ${plan:-0} - p - f))
    if [ "$f" = 0 ] && [ "$((p + f))" = "${plan:-0}" ]; then
        ok "$s: $((p - sk)) passed, $sk skipped of ${plan:-?}"
    else
        not_ok "$s: $((p - sk)) passed ($sk skipped), $f failed, $((${plan:-0} - p - f)) not run of ${plan:-?}"
    fi
    # each distinct failing check, with how often
    grep '^not ok ' "$tap" | sed 's/^not ok [0-9]* - //' | sort | uniq -c | sort -rn |
        sed 's/^/#   /'
done
echo "# TCK checks: $tck_passed passed, $tck_failed failed or not run"
summary
