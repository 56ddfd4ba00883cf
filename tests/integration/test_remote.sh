#!/bin/bash
# test_remote.sh: remote management of a private virtctd: ct+tls:// with a
# throw-away CA (a client with a certificate of another CA is refused; a
# daemon told to listen on TLS without its certificates does not start),
# ct+ssh:// through a private sshd, and the node device, secret and host
# interface calls that ct:///system forwards to libvirtd.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

. "$(dirname "$0")/lib.sh"
skip_unless_root
for t in certtool sshd ssh nc python3; do
    if ! command -v $t >/dev/null; then
        echo "skipped: needs $t (gnutls-bin, openssh-server, netcat-openbsd: build-aux/install-deps.sh)"
        exit 77
    fi
done

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

daemon_setup
PKI=$CT_TEST_ROOT/pki
mkdir -p "$PKI/good" "$PKI/other" "$PKI/server"

# --- a throw-away CA, a server certificate for 127.0.0.1, two clients --------
# ca NAME DIR: a self-signed CA in DIR/cacert.pem, DIR/cakey.pem
ca() {
    printf 'cn = %s\nca\ncert_signing_key\nexpiration_days = 2\n' "$1" >"$2/ca.info"
    certtool --generate-privkey --sec-param=medium --outfile "$2/cakey.pem" &&
        certtool --generate-self-signed --load-privkey "$2/cakey.pem" \
            --template "$2/ca.info" --outfile "$2/cacert.pem"
}

# cert CADIR TEMPLATE KEY CERT: a certificate signed by the CA in CADIR
cert() {
    certtool --generate-privkey --sec-param=medium --outfile "$3" &&
        certtool --generate-certificate --load-privkey "$3" \
            --load-ca-certificate "$1/cacert.pem" --load-ca-privkey "$1/cakey.pem" \
            --template "$2" --outfile "$4"
}

make_pki() {
    ca "libvirt-ct test CA" "$PKI/server" &&
        ca "another CA" "$PKI/other" &&
        printf 'organization = libvirt-ct test\ncn = 127.0.0.1\nip_address = 127.0.0.1\ntls_www_server\nencryption_key\nsigning_key\nexpiration_days = 2\n' \
            >"$PKI/server.info" &&
        printf 'organization = libvirt-ct test\ncn = client\ntls_www_client\nencryption_key\nsigning_key\nexpiration_days = 2\n' \
            >"$PKI/client.info" &&
        cert "$PKI/server" "$PKI/server.info" "$PKI/server/serverkey.pem" "$PKI/server/servercert.pem" &&
        cert "$PKI/server" "$PKI/client.info" "$PKI/good/clientkey.pem" "$PKI/good/clientcert.pem" &&
        cp "$PKI/server/cacert.pem" "$PKI/good/" &&
        # a client of another CA (it checks the server against that CA:
        # no_verify=1 in its URI lets it through to the server's check)
        cert "$PKI/other" "$PKI/client.info" "$PKI/other/clientkey.pem" "$PKI/other/clientcert.pem" &&
        # a client with the server's CA and no certificate of its own
        mkdir -p "$PKI/nocert" &&
        cp "$PKI/server/cacert.pem" "$PKI/nocert/"
}
make_pki >"$CT_TEST_ROOT/pki.log" 2>&1 || {
    not_ok "a throw-away CA and certificates with certtool"
    tail -n 5 "$CT_TEST_ROOT/pki.log"
    summary
    exit 1
}

# --- virtctd with TLS on 127.0.0.1:PORT ---------------------------------------
PORT=$(free_port)
# shellcheck disable=SC2034 # read by daemon_start (lib.sh)
CT_EXTRA_CONF="listen_tls = 1
listen_addr = \"127.0.0.1\"
tls_port = \"$PORT\"
ca_file = \"$PKI/server/cacert.pem\"
cert_file = \"$PKI/server/servercert.pem\"
key_file = \"$PKI/server/serverkey.pem\""
daemon_start || { not_ok "virtctd starts with TLS on"; summary; exit 1; }
ok "virtctd starts with listen_tls = 1 on 127.0.0.1:$PORT"

listens_on() {
    ss -Hltnp "sport = :$2" | grep -q "\"virtctd\",pid=$1," &&
        ss -Hltn "sport = :$2" | awk '{print $4}' | grep -qx "127.0.0.1:$2"
}
check "it listens on 127.0.0.1:$PORT only" listens_on "$(daemon_pid)" "$PORT"

TLS_URI="ct+tls://127.0.0.1:$PORT/system?pkipath=$PKI/good"
BAD_URI="ct+tls://127.0.0.1:$PORT/system?pkipath=$PKI/other&no_verify=1"
tvsh() {
    virsh -q -c "$TLS_URI" "$@"
}
ROOT=$CT_TEST_ROOT/rootfs
"$CT_SRC/build-aux/busybox-root.sh" "$ROOT" >/dev/null || { not_ok "busybox root"; summary; exit 1; }
cat >"$CT_TEST_ROOT/rt1.xml" <<XML
<domain type='lxc'>
  <name>rt1</name>
  <memory unit='MiB'>64</memory>
  <os><type>exe</type><init>/sbin/init</init></os>
  <devices>
    <filesystem type='mount'><source dir='$ROOT'/><target dir='/'/><readonly/></filesystem>
    <console type='pty'/>
  </devices>
</domain>
XML

check "tls: the daemon at the other end is virtctd (CT)" out_has "Running hypervisor: CT" tvsh version
check "tls: define" tvsh define "$CT_TEST_ROOT/rt1.xml"
check "tls: list --all shows rt1" out_has "rt1 +shut off" tvsh list --all
check "tls: start" tvsh start rt1
check "tls: running, also over the unix socket" out_has "^running" vsh domstate rt1
check "tls: dominfo" out_has "State: +running" tvsh dominfo rt1
check "tls: destroy" tvsh destroy rt1
check "tls: undefine" tvsh undefine rt1
# refused by the server: the client's part of the handshake is done, and
# it learns only that the server hung up; the server's log says why
refused() {
    local desc=$1 why=$2 before
    shift 2
    before=$(grep -c "Failed to verify peer's certificate" "$CT_TEST_ROOT/virtctd.log")
    check_fails "$desc" "Unable to read TLS confirmation" virsh -q -c "$@" list --all
    check "... the daemon's log: $why" \
        test "$(grep -c "Failed to verify peer's certificate" "$CT_TEST_ROOT/virtctd.log")" -gt "$before" -a \
        "$(grep -c "$why" "$CT_TEST_ROOT/virtctd.log")" -gt 0
}
# (gnutls offers only a certificate of a CA the server names, so the
# server sees none)
refused "tls: a client certificate of another CA is refused" \
    "Unable to verify TLS peer" "$BAD_URI"
refused "tls: a client without a certificate is refused" \
    "No certificate was found" "ct+tls://127.0.0.1:$PORT/system?pkipath=$PKI/nocert"
check "tls: the good client still connects" out_has "^$" tvsh list --all

# --- ct+ssh:// through a private sshd -----------------------------------------
SSHD=$CT_TEST_ROOT/sshd
LINKS_MADE=()
RUNSSHD_MADE=
cleanup() {
    [ -f "$SSHD/sshd.pid" ] && kill "$(cat "$SSHD/sshd.pid")" 2>/dev/null
    [ ${#LINKS_MADE[@]} -eq 0 ] || rm -f "${LINKS_MADE[@]}"
    [ -z "$RUNSSHD_MADE" ] || rmdir /run/sshd 2>/dev/null
    daemon_teardown
}
trap cleanup EXIT

# sshd_up: sshd on 127.0.0.1:$SSH_PORT with a throw-away host key, letting
# in root with a throw-away key only; nothing of the host's ssh setup is
# read or written (the client runs through a wrapper: no known_hosts)
sshd_up() {
    mkdir -p "$SSHD"
    ssh-keygen -q -t ed25519 -N '' -f "$SSHD/hostkey" &&
        ssh-keygen -q -t ed25519 -N '' -f "$SSHD/id" &&
        cp "$SSHD/id.pub" "$SSHD/authorized_keys" || return 1
    SSH_PORT=$(free_port)
    cat >"$SSHD/sshd_config" <<CONF
ListenAddress 127.0.0.1:$SSH_PORT
HostKey $SSHD/hostkey
PidFile $SSHD/sshd.pid
AuthorizedKeysFile $SSHD/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
CONF
    cat >"$SSHD/ssh" <<SH
#!/bin/sh
exec ssh -F /dev/null -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no -o BatchMode=yes -o LogLevel=ERROR "\$@"
SH
    chmod +x "$SSHD/ssh"
    # sshd's privilege separation directory (the ssh package's unit makes it)
    if [ ! -d /run/sshd ]; then
        mkdir -m 0755 /run/sshd && RUNSSHD_MADE=1
    fi
    "$(command -v sshd)" -f "$SSHD/sshd_config" -E "$SSHD/sshd.log" || return 1
    for _ in $(seq 50); do
        [ -s "$SSHD/sshd.pid" ] && ss -Hltn "sport = :$SSH_PORT" | grep -q . && return 0
        sleep 0.1
    done
    cat "$SSHD/sshd.log"
    return 1
}
if sshd_up; then
    # the netcat proxy to this test's socket (virt-ssh-helper would pick the
    # system daemon's socket)
    SSH_URI="ct+ssh://root@127.0.0.1:$SSH_PORT/system?keyfile=$SSHD/id&command=$SSHD/ssh&no_tty=1&proxy=netcat&socket=$CT_TEST_ROOT/sock/virtctd-sock"
    svsh() {
        virsh -q -c "$SSH_URI" "$@"
    }
    check "ssh: the daemon at the other end is virtctd (CT)" out_has "Running hypervisor: CT" svsh version
    check "ssh: define" svsh define "$CT_TEST_ROOT/rt1.xml"
    check "ssh: start" svsh start rt1
    check "ssh: list shows rt1 running" out_has "rt1 +running" svsh list
    check "ssh: destroy" svsh destroy rt1
    check "ssh: undefine" svsh undefine rt1
    check_fails "ssh: a key sshd does not know is refused" "Permission denied" \
        virsh -q -c "${SSH_URI/keyfile=$SSHD\/id/keyfile=$SSHD/hostkey}" list
else
    echo "# skipped ct+ssh://: sshd did not start (see above)"
fi

# --- node devices, secrets, host interfaces: forwarded to libvirtd ------------
# virtctd dials /run/libvirt/virt<driver>d-sock for them (remote driver,
# direct mode); Debian's libvirtd serves them all on libvirt-sock, and
# build-aux/start-libvirtd.sh links those names to it.  Links that are
# missing are made here and removed at exit.
lv_answers() {
    virsh -q -c "$1:///system?mode=legacy" "$2" >/dev/null 2>&1
}
if lv_answers nodedev nodedev-list && lv_answers secret secret-list && lv_answers interface iface-list; then
    for d in virtnodedevd virtsecretd virtinterfaced; do
        for s in sock sock-ro; do
            if [ ! -e "/run/libvirt/$d-$s" ] && [ ! -L "/run/libvirt/$d-$s" ]; then
                ln -s "libvirt-$s" "/run/libvirt/$d-$s" && LINKS_MADE+=("/run/libvirt/$d-$s")
            fi
        done
    done
    check "forward: nodedev-list shows the host's 'computer'" out_has "^computer$" vsh nodedev-list
    check "forward: nodedev-dumpxml computer" out_has "<name>computer</name>" vsh nodedev-dumpxml computer
    check "forward: secret-list" vsh secret-list
    ifaces_match() {
        local want got
        want=$(virsh -q -c 'interface:///system?mode=legacy' iface-list --all | awk '{print $1}' | sort)
        got=$(vsh iface-list --all | awk '{print $1}' | sort) || return 1
        if [ -z "$got" ] || [ "$got" != "$want" ]; then
            echo "got: $got"
            echo "libvirtd: $want"
            return 1
        fi
    }
    check "forward: iface-list --all is libvirtd's" ifaces_match
    check "forward: ... and over TLS" out_has "^computer$" tvsh nodedev-list
else
    echo "# skipped forwarding: libvirtd does not serve nodedev/secret/interface (build-aux/start-libvirtd.sh)"
fi

# --- daemons that must not start -----------------------------------------------
# no_start EXPECT PORT CA: a second daemon with listen_tls = 1 on PORT
# with the CA file CA exits with an error, and its log has EXPECT
BAD=$CT_TEST_ROOT/bad
no_start() {
    local expect=$1 port=$2 cafile=$3 rc
    rm -rf "$BAD" && mkdir -p "$BAD/sock" || return 1
    cat >"$BAD/virtctd.conf" <<CONF
unix_sock_dir = "$BAD/sock"
log_outputs = "3:file:$BAD/virtctd.log"
listen_tls = 1
listen_addr = "127.0.0.1"
tls_port = "$port"
ca_file = "$cafile"
cert_file = "$PKI/server/servercert.pem"
key_file = "$PKI/server/serverkey.pem"
CONF
    CT_ROOT=$BAD LIBVIRT_DRIVER_DIR=$CT_BUILD/src CT_SCHEMA_DIR=$CT_SRC/xml \
        CT_SUPERVISOR=$CT_BUILD/src/ct-supervisor \
        timeout 20 "$CT_BUILD/src/virtctd" -f "$BAD/virtctd.conf" -p "$BAD/virtctd.pid" 2>&1
    rc=$?
    if [ $rc = 0 ] || [ $rc = 124 ]; then
        echo "exit status $rc"
        return 1
    fi
    grep "$expect" "$BAD/virtctd.log" || { tail -n 5 "$BAD/virtctd.log"; return 1; }
}
check "listen_tls = 1 with a missing CA file: virtctd exits, naming the file" \
    no_start "$BAD/nothere.pem" "$(free_port)" "$BAD/nothere.pem"
check "listen_tls = 1 on a port in use (the first daemon's): virtctd exits" \
    no_start "Unable to bind to port: Address already in use" "$PORT" "$PKI/server/cacert.pem"
check "... and the first daemon did not notice" out_has "Running hypervisor: CT" tvsh version

summary
