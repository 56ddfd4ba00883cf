# lib.sh: helpers for the integration tests (sourced, bash)
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Each test prints "ok - ..." / "not ok - ..." lines and ends with
# "N passed, N failed"; exit 77 means skipped (with the reason printed).

export CT_BUILD=${CT_BUILD:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../build" 2>/dev/null && pwd)}
CT_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
passed=0
failed=0

ok() {
    echo "ok - $*"
    passed=$((passed + 1))
}

not_ok() {
    echo "not ok - $*"
    failed=$((failed + 1))
}

# check DESCRIPTION COMMAND...: ok when the command succeeds
check() {
    local desc=$1
    shift
    if "$@" >/tmp/ct-check.$$ 2>&1; then
        ok "$desc"
    else
        not_ok "$desc"
        sed 's/^/#   /' /tmp/ct-check.$$
    fi
    rm -f /tmp/ct-check.$$
}

# check_fails DESCRIPTION EXPECTED-TEXT COMMAND...: ok when the command
# fails and its output contains the expected text
check_fails() {
    local desc=$1 expect=$2 out
    shift 2
    if out=$("$@" 2>&1); then
        not_ok "$desc (succeeded)"
    elif [[ "$out" != *"$expect"* ]]; then
        not_ok "$desc (error does not mention '$expect')"
        echo "$out" | sed 's/^/#   /'
    else
        ok "$desc"
    fi
}

summary() {
    echo "$passed passed, $failed failed"
    [ "$failed" = 0 ]
}

skip_unless_root() {
    if [ "$(id -u)" != 0 ]; then
        echo "skipped: needs root"
        exit 77
    fi
}

# Starts virtctd from the build tree on a private tree $CT_TEST_ROOT:
# definitions, state and sockets all live there, never in /etc or /run.
# $CT_TEST_SUPERVISOR, when set, is run instead of the build's supervisor,
# $CT_TEST_CRIU instead of its CRIU.
daemon_start() {
    mkdir -p "$CT_TEST_ROOT/sock"
    cat >"$CT_TEST_ROOT/virtctd.conf" <<CONF
unix_sock_dir = "$CT_TEST_ROOT/sock"
log_outputs = "3:file:$CT_TEST_ROOT/virtctd.log"
${CT_EXTRA_CONF:-}
CONF
    CT_ROOT=$CT_TEST_ROOT LIBVIRT_DRIVER_DIR=$CT_BUILD/src \
        CT_SCHEMA_DIR=$CT_SRC/xml CT_SUPERVISOR=${CT_TEST_SUPERVISOR:-$CT_BUILD/src/ct-supervisor} \
        CT_CRIU=${CT_TEST_CRIU:-$([ -x "$CT_BUILD/ct-criu" ] && echo "$CT_BUILD/ct-criu")} \
        "$CT_BUILD/src/virtctd" -d -f "$CT_TEST_ROOT/virtctd.conf" \
        -p "$CT_TEST_ROOT/virtctd.pid" || return 1
    local i
    for i in $(seq 100); do
        [ -S "$CT_TEST_ROOT/sock/virtctd-sock" ] && virsh -c "$CT_URI" version >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "virtctd did not come up; log:" >&2
    tail -n 20 "$CT_TEST_ROOT/virtctd.log" >&2
    return 1
}

daemon_pid() {
    cat "$CT_TEST_ROOT/virtctd.pid" 2>/dev/null
}

daemon_stop() {
    local pid
    pid=$(daemon_pid) || return 0
    kill "$pid" 2>/dev/null
    for _ in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null
}

daemon_kill9() {
    local pid
    pid=$(daemon_pid) || return 1
    kill -9 "$pid"
    while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
    rm -f "$CT_TEST_ROOT/virtctd.pid"
}

daemon_setup() {
    CT_TEST_ROOT=$(mktemp -d /tmp/ct-itest.XXXXXX)
    CT_URI="ct:///system?socket=$CT_TEST_ROOT/sock/virtctd-sock"
    CT_ADMIN_URI="virtctd:///system?socket=$CT_TEST_ROOT/sock/virtctd-admin-sock"
    export CT_TEST_ROOT CT_URI CT_ADMIN_URI
    trap daemon_teardown EXIT
}

daemon_teardown() {
    local d
    # whatever a failed test left running: its mounts would keep loop
    # devices (and the deleted images under them) busy
    for d in $(virsh -q -c "$CT_URI" list --name 2>/dev/null); do
        virsh -q -c "$CT_URI" destroy "$d" >/dev/null 2>&1
    done
    daemon_stop
    # a kept bind of a container's root (NAME.root): rm must not descend
    for d in "$CT_TEST_ROOT"/run/ct/*.root; do
        [ -d "$d" ] && umount -l "$d" 2>/dev/null
    done
    [ -n "${CT_KEEP:-}" ] || rm -rf "$CT_TEST_ROOT"
}

# A private tree holding its own template store: $STORE, $TPL
# (virt-ct-template on it); container disks still mounted are unmounted
# at exit.
store_setup() {
    daemon_setup
    export CT_ROOT=$CT_TEST_ROOT
    STORE=$CT_TEST_ROOT/var/lib/ct
    TPL=$CT_BUILD/tools/virt-ct-template
    trap store_teardown EXIT
}

# Starts a daemon on a store_setup tree.
store_daemon_start() {
    store_setup
    daemon_start || { not_ok "virtctd starts"; summary; exit 1; }
}

store_teardown() {
    for d in "$STORE"/containers/*/disk; do umount -l "$d" 2>/dev/null; done
    # a layer pool (layer_pool in CT_EXTRA_CONF) mounted on containers/
    mountpoint -q "$STORE/containers" && umount -l "$STORE/containers"
    daemon_teardown
}

vsh() {
    virsh -q -c "$CT_URI" "$@"
}

# ct_exec NAME COMMAND [ARG...]: runs COMMAND in container NAME as its root
# (in its cgroups and namespaces, with init's bounding set) through the
# build tree's virt-ct-enter, on this test's daemon
ct_exec() {
    local name=$1
    shift
    "$CT_BUILD/tools/virt-ct-enter" -c "$CT_URI" "$name" -- "$@"
}

# out_has PATTERN COMMAND...: the command succeeds and prints a line
# matching PATTERN (grep -E); its output is shown otherwise
out_has() {
    local pat=$1 out
    shift
    out=$("$@" 2>&1) || { echo "$out"; return 1; }
    grep -Eq -- "$pat" <<<"$out" && return 0
    echo "$out"
    echo "(nothing matches: $pat)"
    return 1
}

# for checks written as bash -c "..."
export -f vsh ct_exec
