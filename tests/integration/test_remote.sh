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

summary
