# twohost.sh: a second host on this machine, for the tests of what goes
# between hosts (migration); sourced after lib.sh (bash).
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# twohost_start brings up two hosts, each a virtctd from the build tree
# with its own template store, host UUID, TLS listener and sshd:
#
# - host1 is lib.sh's private daemon (store_setup: $CT_TEST_ROOT, $CT_URI,
#   $STORE) in the root namespaces;
# - host2 runs in a mount and a network namespace of its own, held by a
#   process of ours ($H2_NS_PID), not daemonized ($H2_PID).  Its tree is
#   $H2_ROOT (its CT_ROOT, store $STORE2).  In its mount namespace /run is
#   a tmpfs of its own and directories of $H2_ROOT/host are bound over
#   /run/libvirt (its sockets), /etc/libvirt, /var/lib/libvirt and
#   /var/log/libvirt (its log, $H2_LOG): nothing of the machine's libvirt
#   is seen or touched.  Its /sys is that of its network namespace (the
#   cgroup mounts are the machine's).  Its PIDs are the machine's.
#
# A veth pair joins them: $H1_IF with $H1_ADDR in the root namespace,
# eth0 with $H2_ADDR in host2's, a /30 of 10.251.0.0/16 that no address or
# route of the machine covers.  host2 has no other route: nothing leaves
# the machine.
#
# URIs (those with an address work from both hosts):
#   $H1_URI      host1's UNIX socket ($CT_URI, root mount namespace)
#   $H1_TLS_URI  ct+tls://$H1_ADDR:$H1_TLS_PORT/system?pkipath=...
#   $H1_SSH_URI  ct+ssh://root@$H1_ADDR:$H1_SSH_PORT/system?keyfile=...
#   $H2_URI      ct:///system, host2's UNIX socket, inside host2 (h2 ...)
#   $H2_TLS_URI  ct+tls://$H2_ADDR/system?pkipath=...        (port 16514)
#   $H2_SSH_URI  ct+ssh://root@$H2_ADDR/system?keyfile=...   (port 22)
# Both sshds let root in with the key $TWOHOST_SSH/id, and run
# virt-ssh-helper, which finds its host's daemon on
# /run/libvirt/virtctd-sock: host1's sshd has a mount namespace of its own
# where that is host1's socket directory.  One throw-away CA signs both
# daemons' certificates and the client's ($TWOHOST_PKI/client).
#
# $H1_UUID and $H2_UUID are the daemons' host_uuid.  Helpers: h2
# COMMAND... runs a command in host2; vsh2 and ct_exec2 are lib.sh's vsh
# and ct_exec on host2; twohost_template NAME makes the same busybox
# template in both stores; h2_daemon_start / h2_daemon_stop restart
# host2's daemon ($H2_EXTRA_CONF is added to its settings, $CT_EXTRA_CONF
# to host1's); twohost_teardown ends and removes everything: it is the
# EXIT trap, a test that sets its own must call it.  $H2_UP_SECONDS is
# how long host2 took to come up, $TWOHOST_UP_SECONDS both hosts.

TWOHOST_PREFIX=10.251

twohost_now_us() {
    echo "${EPOCHREALTIME//[.,]/}"
}

# twohost_seconds US: microseconds as seconds, 1.23
twohost_seconds() {
    printf '%d.%02d' $(($1 / 1000000)) $(($1 % 1000000 / 10000))
}

# twohost_free_port ADDR: a TCP port free on ADDR
twohost_free_port() {
    python3 -c 'import socket, sys
s = socket.socket()
s.bind((sys.argv[1], 0))
print(s.getsockname()[1])' "$1"
}

# twohost_listening [h2] ADDR PORT: something listens on ADDR:PORT (in
# host2 with h2)
twohost_listening() {
    local in=()
    [ "$1" != h2 ] || { in=(h2); shift; }
    "${in[@]}" ss -Hltn "sport = :$2" | awk '{print $4}' | grep -qx "$1:$2"
}

# h2 COMMAND [ARG...]: runs COMMAND in host2's mount and network
# namespaces; refuses when they are not those made by twohost_ns_up (a
# recycled process ID would put the command elsewhere)
h2() {
    if [ -z "${H2_NS_PID:-}" ] || [ "$(readlink "/proc/$H2_NS_PID/ns/mnt")" != "$H2_MNTNS" ] ||
        [ "$(readlink "/proc/$H2_NS_PID/ns/net")" != "$H2_NETNS" ]; then
        echo "h2: host2's namespaces are gone" >&2
        return 1
    fi
    nsenter -t "$H2_NS_PID" -m -n -- "$@"
}

vsh2() {
    h2 virsh -q -c "$H2_URI" "$@"
}

ct_exec2() {
    local name=$1
    shift
    h2 "$CT_BUILD/tools/virt-ct-enter" -c "$H2_URI" "$name" -- "$@"
}

# twohost_host_fs ROOT-MNTNS RUNDIR [ETCDIR LIBDIR LOGDIR]: run in a new
# mount namespace (never ROOT-MNTNS, the caller's), makes the file system
# of a host: the copies of others' mounts under /tmp, /run and libvirt's
# directories dropped (they would keep those file systems busy), a tmpfs
# of its own on /run with sshd's /run/sshd, and RUNDIR bound on
# /run/libvirt.  With the other directories: those bound on /etc/libvirt,
# /var/lib/libvirt and /var/log/libvirt, and a sysfs of this network
# namespace on /sys, the cgroup mounts moved onto it.
twohost_host_fs() {
    local rootns=$1 run=$2 m
    if [ "$(readlink /proc/self/ns/mnt)" = "$rootns" ]; then
        echo "twohost_host_fs: not in a mount namespace of its own" >&2
        return 1
    fi
    awk '{print $5}' /proc/self/mountinfo |
        grep -E '^/(tmp/|run(/|$)|etc/libvirt(/|$)|var/lib/libvirt(/|$)|var/log/libvirt(/|$))' |
        sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
    mount -t tmpfs -o mode=0755,size=64m,nosuid,nodev tmpfs /run &&
        mkdir -m 0755 /run/sshd /run/libvirt &&
        mount --bind "$run" /run/libvirt || return 1
    [ $# -gt 2 ] || return 0
    # (made empty on the machine when missing: a bind needs a mount point)
    mkdir -p /etc/libvirt /var/lib/libvirt /var/log/libvirt &&
        mount --bind "$3" /etc/libvirt &&
        mount --bind "$4" /var/lib/libvirt &&
        mount --bind "$5" /var/log/libvirt &&
        mkdir /run/.cgroup &&
        mount --rbind /sys/fs/cgroup /run/.cgroup &&
        umount -l /sys &&
        mount -t sysfs -o nosuid,nodev,noexec sysfs /sys &&
        mount --move /run/.cgroup /sys/fs/cgroup &&
        rmdir /run/.cgroup
}

# twohost_ns_up: host2's namespaces, held by a sleeping process, with the
# file system of a host
twohost_ns_up() {
    local d=$H2_ROOT/host
    mkdir -p "$d/run-libvirt" "$d/etc-libvirt" "$d/lib-libvirt" "$d/log-libvirt" || return 1
    unshare --mount --net --propagation private -- sleep infinity </dev/null >/dev/null 2>&1 &
    H2_NS_PID=$!
    # comm is "sleep" once unshare(2) is done and sleep exec'd
    for _ in $(seq 200); do
        [ "$(cat "/proc/$H2_NS_PID/comm" 2>/dev/null)" = sleep ] && break
        sleep 0.01
    done
    H2_MNTNS=$(readlink "/proc/$H2_NS_PID/ns/mnt")
    H2_NETNS=$(readlink "/proc/$H2_NS_PID/ns/net")
    if [ -z "$H2_MNTNS" ] || [ "$H2_MNTNS" = "$(readlink /proc/self/ns/mnt)" ] ||
        [ -z "$H2_NETNS" ] || [ "$H2_NETNS" = "$(readlink /proc/self/ns/net)" ]; then
        echo "unshare made no namespaces for host2" >&2
        return 1
    fi
    h2 bash -c "$(declare -f twohost_host_fs); twohost_host_fs \"\$@\"" - \
        "$(readlink /proc/self/ns/mnt)" "$d/run-libvirt" \
        "$d/etc-libvirt" "$d/lib-libvirt" "$d/log-libvirt"
}

# twohost_net_up: the veth pair, on the first free /30 from one that
# depends on our PID.  The pair is named after the /30 and an interface
# name is taken atomically, so parallel runs never share one.
twohost_net_up() {
    local i n out
    for i in $(seq 0 255); do
        n=$((($$ + i) % 256))
        if ip -4 -o addr show | grep -q " inet $TWOHOST_PREFIX\.$n\." ||
            ip -4 route show table all match "$TWOHOST_PREFIX.$n.1" | grep -qv '^default' ||
            ip -4 route show table all root "$TWOHOST_PREFIX.$n.0/30" | grep -q .; then
            continue
        fi
        if ! out=$(ip link add "ct2h$n" type veth peer name eth0 netns "$H2_NS_PID" 2>&1); then
            [[ "$out" == *"File exists"* ]] && continue
            echo "$out" >&2
            return 1
        fi
        H1_IF=ct2h$n
        H1_ADDR=$TWOHOST_PREFIX.$n.1
        H2_ADDR=$TWOHOST_PREFIX.$n.2
        ip addr add "$H1_ADDR/30" dev "$H1_IF" && ip link set "$H1_IF" up &&
            h2 ip link set lo up &&
            h2 ip addr add "$H2_ADDR/30" dev eth0 && h2 ip link set eth0 up
        return
    done
    echo "no free /30 in $TWOHOST_PREFIX.0.0/16" >&2
    return 1
}

# twohost_cert NAME TEMPLATE-LINES: NAME's key and certificate in
# $TWOHOST_PKI/NAME/, signed by the CA
twohost_cert() {
    local d=$TWOHOST_PKI/$1 kind=server
    [ "$1" != client ] || kind=client
    mkdir -p "$d" &&
        printf 'organization = libvirt-ct two-host test\n%b\nencryption_key\nsigning_key\nexpiration_days = 2\n' \
            "$2" >"$d/$kind.info" &&
        certtool --generate-privkey --sec-param=medium --outfile "$d/${kind}key.pem" &&
        certtool --generate-certificate --load-privkey "$d/${kind}key.pem" \
            --load-ca-certificate "$TWOHOST_PKI/ca/cacert.pem" \
            --load-ca-privkey "$TWOHOST_PKI/ca/cakey.pem" \
            --template "$d/$kind.info" --outfile "$d/${kind}cert.pem"
}

# twohost_pki: a throw-away CA, a certificate for each daemon's address,
# a client's in $TWOHOST_PKI/client (pkipath= of the TLS URIs)
twohost_pki() {
    local ca=$TWOHOST_PKI/ca
    mkdir -p "$ca" &&
        printf 'cn = libvirt-ct two-host test CA\nca\ncert_signing_key\nexpiration_days = 2\n' >"$ca/ca.info" &&
        certtool --generate-privkey --sec-param=medium --outfile "$ca/cakey.pem" &&
        certtool --generate-self-signed --load-privkey "$ca/cakey.pem" \
            --template "$ca/ca.info" --outfile "$ca/cacert.pem" &&
        twohost_cert host1 "cn = $H1_ADDR\nip_address = $H1_ADDR\ntls_www_server" &&
        twohost_cert host2 "cn = $H2_ADDR\nip_address = $H2_ADDR\ntls_www_server" &&
        twohost_cert client "cn = client\ntls_www_client" &&
        cp "$ca/cacert.pem" "$TWOHOST_PKI/client/"
}

# twohost_tls_conf NAME ADDR [PORT]: the daemon settings for TLS on ADDR
twohost_tls_conf() {
    cat <<CONF
listen_tls = 1
listen_addr = "$2"
${3:+tls_port = \"$3\"}
ca_file = "$TWOHOST_PKI/ca/cacert.pem"
cert_file = "$TWOHOST_PKI/$1/servercert.pem"
key_file = "$TWOHOST_PKI/$1/serverkey.pem"
CONF
}

# twohost_ssh_keys: the client's key, each sshd's host key and settings,
# and the client wrapper (nothing of the machine's ssh setup is read or
# written: no known_hosts)
twohost_ssh_keys() {
    local s=$TWOHOST_SSH h
    mkdir -p "$s/host1" "$s/host2" &&
        ssh-keygen -q -t ed25519 -N '' -C twohost -f "$s/id" &&
        cp "$s/id.pub" "$s/authorized_keys" || return 1
    for h in host1 host2; do
        ssh-keygen -q -t ed25519 -N '' -C "$h" -f "$s/$h/hostkey" || return 1
    done
    cat >"$s/ssh" <<SH
#!/bin/sh
exec ssh -F /dev/null -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no -o BatchMode=yes -o LogLevel=ERROR "\$@"
SH
    chmod +x "$s/ssh"
}

# twohost_sshd_conf NAME ADDR PORT: sshd letting in root with $TWOHOST_SSH/id
twohost_sshd_conf() {
    local d=$TWOHOST_SSH/$1
    cat >"$d/sshd_config" <<CONF
ListenAddress $2:$3
HostKey $d/hostkey
PidFile $d/sshd.pid
AuthorizedKeysFile $TWOHOST_SSH/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
X11Forwarding no
CONF
}

# twohost_wait DESCRIPTION PID COMMAND...: waits up to 10 s for COMMAND
# to succeed, as long as process PID lives
twohost_wait() {
    local desc=$1 pid=$2
    shift 2
    for _ in $(seq 200); do
        "$@" >/dev/null 2>&1 && return 0
        twohost_alive "$pid" || break
        sleep 0.05
    done
    echo "$desc did not come up" >&2
    return 1
}

# twohost_sshd1_up: host1's sshd on $H1_ADDR, in a mount namespace of its
# own where /run/libvirt is host1's socket directory
twohost_sshd1_up() {
    H1_SSH_PORT=$(twohost_free_port "$H1_ADDR") || return 1
    twohost_sshd_conf host1 "$H1_ADDR" "$H1_SSH_PORT"
    unshare --mount --propagation private -- bash -c "$(declare -f twohost_host_fs)
        twohost_host_fs \"\$1\" \"\$2\" && exec \"\$3\" -D -f \"\$4\" -E \"\$5\"" - \
        "$(readlink /proc/self/ns/mnt)" "$CT_TEST_ROOT/sock" "$(command -v sshd)" \
        "$TWOHOST_SSH/host1/sshd_config" "$TWOHOST_SSH/host1/sshd.log" \
        </dev/null >"$TWOHOST_SSH/host1/sshd.out" 2>&1 &
    H1_SSHD_PID=$!
    twohost_wait "host1's sshd" "$H1_SSHD_PID" twohost_listening "$H1_ADDR" "$H1_SSH_PORT" || {
        cat "$TWOHOST_SSH/host1/sshd.out" "$TWOHOST_SSH/host1/sshd.log" >&2
        return 1
    }
    H1_SSHD_MNTNS=$(readlink "/proc/$H1_SSHD_PID/ns/mnt")
}

# twohost_sshd2_up: host2's sshd on $H2_ADDR:22
twohost_sshd2_up() {
    twohost_sshd_conf host2 "$H2_ADDR" 22
    h2 true || return 1
    nsenter -t "$H2_NS_PID" -m -n -- "$(command -v sshd)" -D -f "$TWOHOST_SSH/host2/sshd_config" \
        -E "$TWOHOST_SSH/host2/sshd.log" </dev/null >"$TWOHOST_SSH/host2/sshd.out" 2>&1 &
    H2_SSHD_PID=$!
    twohost_wait "host2's sshd" "$H2_SSHD_PID" twohost_listening h2 "$H2_ADDR" 22 || {
        cat "$TWOHOST_SSH/host2/sshd.out" "$TWOHOST_SSH/host2/sshd.log" >&2
        return 1
    }
}

# h2_daemon_start: host2's virtctd, from the build tree like lib.sh's
# daemon_start, not daemonized: our child ($H2_PID), so it is reaped.
# $H2_EXTRA_CONF is added to its settings.
h2_daemon_start() {
    {
        echo "log_outputs = \"3:file:/var/log/libvirt/virtctd.log\""
        echo "host_uuid = \"$H2_UUID\""
        twohost_tls_conf host2 "$H2_ADDR"
        echo "${H2_EXTRA_CONF:-}"
    } >"$H2_ROOT/virtctd.conf"
    h2 true || return 1
    nsenter -t "$H2_NS_PID" -m -n -- env CT_ROOT="$H2_ROOT" \
        LIBVIRT_DRIVER_DIR="$CT_BUILD/src" CT_SCHEMA_DIR="$CT_SRC/xml" \
        CT_SUPERVISOR="${CT_TEST_SUPERVISOR:-$CT_BUILD/src/ct-supervisor}" \
        CT_CRIU="${CT_TEST_CRIU:-$([ -x "$CT_BUILD/ct-criu" ] && echo "$CT_BUILD/ct-criu")}" \
        "$CT_BUILD/src/virtctd" -f "$H2_ROOT/virtctd.conf" -p "$H2_ROOT/virtctd.pid" \
        </dev/null >>"$H2_ROOT/virtctd.out" 2>&1 &
    H2_PID=$!
    if ! twohost_wait "host2's virtctd" "$H2_PID" vsh2 version ||
        ! twohost_wait "host2's TLS listener" "$H2_PID" twohost_listening h2 "$H2_ADDR" 16514; then
        tail -n 20 "$H2_ROOT/virtctd.out" "$H2_LOG" >&2
        return 1
    fi
}

# twohost_stat PID: "STATE PPID" of process PID
twohost_stat() {
    local stat state ppid
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    read -r state ppid _ <<<"${stat##*) }"
    echo "$state $ppid"
}

# twohost_alive PID: the process runs (a zombie does not)
twohost_alive() {
    local st
    st=$(twohost_stat "$1") && [ "${st%% *}" != Z ]
}

# twohost_stop_pid PID: our child PID, when it is still there (not a
# reused ID): SIGTERM, SIGKILL after 5 s, reaped
twohost_stop_pid() {
    local i st
    [ -n "$1" ] && st=$(twohost_stat "$1") && [ "${st#* }" = "$BASHPID" ] || return 0
    kill "$1" 2>/dev/null
    for i in $(seq 100); do
        twohost_alive "$1" || break
        [ "$i" != 100 ] || kill -9 "$1" 2>/dev/null
        sleep 0.05
    done
    wait "$1" 2>/dev/null
    return 0
}

h2_daemon_stop() {
    twohost_stop_pid "${H2_PID:-}"
    H2_PID=
}

# twohost_ns_pids NS...: the processes in any of these namespaces
twohost_ns_pids() {
    local p ns
    for p in /proc/[0-9]*; do
        for ns in "$@"; do
            if [ "$(readlink "$p/ns/mnt" 2>/dev/null)" = "$ns" ] ||
                [ "$(readlink "$p/ns/net" 2>/dev/null)" = "$ns" ]; then
                echo "${p#/proc/}"
                break
            fi
        done
    done
}

# twohost_destroy_all VIRSH-FUNCTION: destroys the running containers
twohost_destroy_all() {
    local d
    for d in $("$1" list --name 2>/dev/null); do
        "$1" destroy "$d" >/dev/null 2>&1
    done
}

# twohost_start: both hosts, as described at the top; the test ends
# (not ok) when one does not come up
twohost_start() {
    local t h2us=0 t0 fail=
    for t in unshare nsenter ip ss certtool sshd ssh-keygen ssh virt-ssh-helper python3; do
        if ! command -v $t >/dev/null; then
            echo "skipped: needs $t (util-linux, iproute2, gnutls-bin, openssh-server," \
                "libvirt-clients: build-aux/install-deps.sh)"
            exit 77
        fi
    done
    store_setup
    trap twohost_teardown EXIT
    H1_URI=$CT_URI
    H1_UUID=$(cat /proc/sys/kernel/random/uuid)
    H2_UUID=$(cat /proc/sys/kernel/random/uuid)
    H2_ROOT=$CT_TEST_ROOT/host2
    STORE2=$H2_ROOT/var/lib/ct
    TWOHOST_PKI=$CT_TEST_ROOT/pki
    TWOHOST_SSH=$CT_TEST_ROOT/ssh
    H2_URI=ct:///system
    H2_LOG=$H2_ROOT/host/log-libvirt/virtctd.log
    t0=$(twohost_now_us)
    t=$t0
    if ! twohost_ns_up; then
        fail="host2's mount and network namespaces"
    elif ! twohost_net_up; then
        fail="a veth pair between the hosts"
    fi
    h2us=$((h2us + $(twohost_now_us) - t))
    if [ -z "$fail" ] && ! twohost_pki >"$CT_TEST_ROOT/pki.log" 2>&1; then
        tail -n 5 "$CT_TEST_ROOT/pki.log"
        fail="a throw-away CA and certificates"
    elif [ -z "$fail" ] && ! twohost_ssh_keys; then
        fail="ssh keys"
    fi
    if [ -z "$fail" ]; then
        H1_TLS_PORT=$(twohost_free_port "$H1_ADDR")
        CT_EXTRA_CONF="host_uuid = \"$H1_UUID\"
$(twohost_tls_conf host1 "$H1_ADDR" "$H1_TLS_PORT")
${CT_EXTRA_CONF:-}"
        daemon_start || fail="host1's virtctd"
    fi
    t=$(twohost_now_us)
    if [ -z "$fail" ]; then
        if ! h2_daemon_start; then
            fail="host2's virtctd"
        elif ! twohost_sshd2_up; then
            fail="host2's sshd"
        fi
    fi
    h2us=$((h2us + $(twohost_now_us) - t))
    [ -n "$fail" ] || twohost_sshd1_up || fail="host1's sshd"
    if [ -n "$fail" ]; then
        not_ok "two hosts: $fail"
        summary
        exit 1
    fi
    H2_UP_SECONDS=$(twohost_seconds "$h2us")
    TWOHOST_UP_SECONDS=$(twohost_seconds $(($(twohost_now_us) - t0)))
    local q="keyfile=$TWOHOST_SSH/id&command=$TWOHOST_SSH/ssh&no_tty=1"
    H1_TLS_URI="ct+tls://$H1_ADDR:$H1_TLS_PORT/system?pkipath=$TWOHOST_PKI/client"
    H1_SSH_URI="ct+ssh://root@$H1_ADDR:$H1_SSH_PORT/system?$q"
    H2_TLS_URI="ct+tls://$H2_ADDR/system?pkipath=$TWOHOST_PKI/client"
    H2_SSH_URI="ct+ssh://root@$H2_ADDR/system?$q"
    export H1_URI H1_TLS_URI H1_SSH_URI H1_ADDR H1_UUID H2_URI H2_TLS_URI H2_SSH_URI H2_ADDR \
        H2_UUID H2_ROOT STORE2 H2_NS_PID H2_MNTNS H2_NETNS H2_UP_SECONDS TWOHOST_UP_SECONDS
}
export -f h2 vsh2 ct_exec2

# twohost_template NAME: a busybox template NAME in both stores, with
# the same checksum (a template root migrates only to a host holding
# the same template)
twohost_template() {
    local c1 c2
    # shellcheck disable=SC2153 # STORE is lib.sh's
    "$TPL" -q --data-dir "$STORE" create "$1" --busybox &&
        "$TPL" -q --data-dir "$STORE2" create "$1" --busybox || return 1
    c1=$("$TPL" --data-dir "$STORE" info "$1" | sed -n 's/^Checksum: *//p')
    c2=$("$TPL" --data-dir "$STORE2" info "$1" | sed -n 's/^Checksum: *//p')
    if [ -z "$c1" ] || [ "$c1" != "$c2" ]; then
        echo "template '$1': checksum '$c1' on host1, '$c2' on host2" >&2
        return 1
    fi
}

# twohost_teardown: the containers of both hosts destroyed, daemons and
# sshds stopped, whatever is left in host2's namespaces or host1's sshd's
# killed, the namespaces and the veth pair gone, then lib.sh's
# store_teardown (host1's daemon, mounts, the tree).  Runs again harmlessly.
twohost_teardown() {
    local pids
    if [ -n "${H2_PID:-}" ]; then
        twohost_destroy_all vsh2
    fi
    [ ! -S "$CT_TEST_ROOT/sock/virtctd-sock" ] || twohost_destroy_all vsh
    h2_daemon_stop
    twohost_stop_pid "${H2_SSHD_PID:-}"
    twohost_stop_pid "${H1_SSHD_PID:-}"
    H2_SSHD_PID='' H1_SSHD_PID=''
    # the supervisor keeper, ssh sessions, supervisors of containers
    # that would not be destroyed
    if [ -n "${H2_NETNS:-}${H1_SSHD_MNTNS:-}" ]; then
        for _ in $(seq 100); do
            pids=$(twohost_ns_pids ${H2_MNTNS:+"$H2_MNTNS"} ${H2_NETNS:+"$H2_NETNS"} \
                ${H1_SSHD_MNTNS:+"$H1_SSHD_MNTNS"} | grep -vx "${H2_NS_PID:-}")
            [ -n "$pids" ] || break
            # shellcheck disable=SC2086 # a list of PIDs
            kill -9 $pids 2>/dev/null
            sleep 0.05
        done
    fi
    twohost_stop_pid "${H2_NS_PID:-}"
    H2_NS_PID='' H2_MNTNS='' H2_NETNS='' H1_SSHD_MNTNS=''
    [ -z "${H1_IF:-}" ] || ip link del "$H1_IF" 2>/dev/null
    H1_IF=
    # host1's keeper would leave within 10 s of its tree's removal
    daemon_stop
    pids=$(pgrep -fx "\S*ct-supervisor --keeper $CT_TEST_ROOT/run/ct/keeper.sock")
    # shellcheck disable=SC2086 # a list of PIDs
    [ -z "$pids" ] || kill $pids 2>/dev/null
    store_teardown
}
