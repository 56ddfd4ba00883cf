#!/bin/bash
# test_clone.sh: copies of containers as root (issue 20): virt-ct-template
# clone (ten clones of one sharing its template; a disk-image layer; the
# refusals), create --from-container (added, changed and deleted files and
# an opaque directory, seen exactly by a container of the new template),
# export and import (undefine, import, same files; under another name;
# a damaged archive, a wrong template, a name taken: refused, nothing left).
#
# SPDX-License-Identifier: LGPL-2.1-or-later

. "$(dirname "$0")/lib.sh"
skip_unless_root
if [ ! -x /bin/busybox ] || ! command -v mkfs.xfs >/dev/null; then
    echo "skipped: needs /bin/busybox (busybox-static) and mkfs.xfs (xfsprogs)"
    exit 77
fi
# CT_CLONE_POOL=1 (test_clone_pool.sh): containers/ on the layer pool, an
# XFS image, where copies are reflinks and templates/ is another file system
store_setup
if [ -n "${CT_CLONE_POOL:-}" ]; then
    export CT_EXTRA_CONF="layer_pool = \"$CT_TEST_ROOT/pool.img\""
fi
daemon_start || { not_ok "virtctd starts"; summary; exit 1; }

# ct_xml NAME TEMPLATE [LIMIT-MIB]: a busybox-like container with a NIC
ct_xml() {
    cat <<XML
<domain type='lxc'>
  <name>$1</name>
  <memory unit='MiB'>64</memory>
  <os><type>exe</type><init>/sbin/init</init></os>
  <devices>
    <filesystem type='template'>
      <source name='$2'/>
      <target dir='/'/>
      ${3:+<space_hard_limit unit='MiB'>$3</space_hard_limit>}
    </filesystem>
    <interface type='ethernet'><mac address='52:54:00:00:20:01'/></interface>
    <console type='pty'/>
  </devices>
</domain>
XML
}

define() {
    ct_xml "$@" >"$CT_TEST_ROOT/$1.xml" && vsh define "$CT_TEST_ROOT/$1.xml" >/dev/null
}

tpl() {
    "$TPL" --connect "$CT_URI" "$@"
}

# nothing_left NAME: no domain, no layer, no hidden work directory
nothing_left() {
    ! vsh dominfo "$1" >/dev/null 2>&1 && [ ! -e "$STORE/containers/$1" ] &&
        [ -z "$(ls -A "$STORE/containers" | grep '^\.')" ] &&
        [ -z "$(ls -A "$STORE/templates" | grep '^\.')" ]
}

# view NAME: what the container sees of the files this test changes
view() {
    ct_exec "$1" /bin/sh -c 'cat /data.txt /srv/www/index.html; ls /etc; tail -n 1 /etc/passwd; ls /usr/sbin'
}

export TPL
export -f tpl view

"$TPL" -q create busybox --busybox || { not_ok "busybox template"; summary; exit 1; }

# --- the source: files added, changed, deleted, a directory replaced ----------
define web1 busybox
vsh start web1 >/dev/null
ct_exec web1 /bin/sh -c 'echo hello > /data.txt && mkdir -p /srv/www && echo page > /srv/www/index.html &&
    rm /etc/group && echo "web:x:1000:1000::/:/bin/sh" >> /etc/passwd &&
    rm -rf /usr/sbin && mkdir /usr/sbin && echo only > /usr/sbin/only'
expected=$(view web1)
check "the source sees its changes" grep -q only <<<"$expected"
check "clone of a running container (through a temporary snapshot)" tpl -q clone web1 live1
check "the temporary snapshot is gone" bash -c "[ -z \"\$(vsh snapshot-list web1 --name)\" ]"
vsh start live1 >/dev/null
check "the live clone sees the source's files" bash -c "[ \"\$(view live1)\" = '$expected' ]"
vsh destroy live1 >/dev/null
vsh destroy web1 >/dev/null

# --- clones -----------------------------------------------------------------------
check_fails "an option of another command refused" "go with 'import'" tpl clone web1 x --force
check_fails "clone to a bad name refused" "container name" tpl clone web1 ../x
check_fails "clone of an unknown container refused" "nosuch" tpl clone nosuch web2
check_fails "clone to an existing domain refused" "already exists" tpl clone web1 web1
start=$(date +%s%N)
for i in $(seq 1 10); do
    tpl clone web1 "c$i" 2>>"$CT_TEST_ROOT/clones.log" || not_ok "clone c$i"
done
if [ -n "${CT_CLONE_POOL:-}" ]; then
    check "on the pool the clones' layers are reflinked" grep -q "reflinked: it shares" "$CT_TEST_ROOT/clones.log"
else
    check "on ext4 the clones' layers are copied, and say so" grep -q "copied: this file system has no reflinks" \
        "$CT_TEST_ROOT/clones.log"
fi
ms=$((($(date +%s%N) - start) / 1000000))
ok "10 clones made in $ms ms"
check "every clone is defined on the same template" bash -c \
    "for i in \$(seq 1 10); do grep -qx 'template=busybox' '$STORE'/containers/c\$i/layer.conf &&
     grep -qx 'owner=defined' '$STORE'/containers/c\$i/layer.conf || exit 1; done"
check "template busybox counts the 12 containers (web1, live1, c1..c10)" out_has "^Containers: 12$" "$TPL" info busybox
check "each clone has its own UUID, MAC and id range" bash -c \
    "for d in web1 \$(seq -f c%g 1 10); do vsh dumpxml \$d | grep -E '<uuid>|mac address|ct:idrange'; done |
     sort | uniq -d | grep -q . && exit 1 || exit 0"
check "each clone's layer holds the source's data" bash -c \
    "for i in \$(seq 1 10); do cmp -s '$STORE'/containers/web1/upper/data.txt '$STORE'/containers/c\$i/upper/data.txt || exit 1; done"
bytes=$(du -sb "$STORE/containers/c1" | cut -f1)
ok "a clone's layer takes $bytes bytes (the template is shared, not copied)"
started=0
for i in $(seq 1 10); do
    vsh start "c$i" >/dev/null && started=$((started + 1))
done
check "the 10 clones start" test "$started" = 10
check "each clone sees the source's files" bash -c \
    "for i in \$(seq 1 10); do [ \"\$(ct_exec c\$i /bin/sh -c 'cat /data.txt /srv/www/index.html; ls /etc; tail -n 1 /etc/passwd; ls /usr/sbin')\" = '$expected' ] || exit 1; done"
check "each clone has its own hostname" bash -c \
    "for i in \$(seq 1 10); do [ \"\$(ct_exec c\$i /bin/hostname)\" = c\$i ] || exit 1; done"
check "a clone's writes stay its own" bash -c \
    "ct_exec c1 /bin/sh -c 'echo mine > /data.txt' && [ \"\$(ct_exec c2 /bin/cat /data.txt)\" = hello ] &&
     [ \"\$(cat '$STORE'/containers/web1/upper/data.txt)\" = hello ]"
for i in $(seq 1 10); do vsh destroy "c$i" >/dev/null; done

# a layer with a space limit: a disk image
define disk1 busybox 64
vsh start disk1 >/dev/null
ct_exec disk1 /bin/sh -c 'echo on-disk > /disk.txt'
vsh destroy disk1 >/dev/null
check "clone of a disk-image layer" tpl -q clone disk1 disk2
check "its image is its own file" test -f "$STORE/containers/disk2/disk.img"
vsh start disk2 >/dev/null
check "the disk clone sees the file, its limit and its name" bash -c \
    "[ \"\$(ct_exec disk2 /bin/cat /disk.txt)\" = on-disk ] && [ \"\$(ct_exec disk2 /bin/hostname)\" = disk2 ] &&
     ct_exec disk2 /bin/df -m / | awk 'NR == 2 { exit !(\$2 >= 60 && \$2 <= 64) }'"
vsh destroy disk2 >/dev/null
check "the source's image did not change" bash -c "vsh start disk1 && [ \"\$(ct_exec disk1 /bin/hostname)\" = disk1 ] && vsh destroy disk1"

# --- templates from containers --------------------------------------------------------
vsh start c3 >/dev/null
check "a template from a running container" tpl -q create t-c3 --from-container c3
check "... holds its files" bash -c "[ \"\$(cat '$STORE/templates/t-c3/root/data.txt')\" = hello ]"
check "... and its temporary snapshot is gone" bash -c "[ -z \"\$(vsh snapshot-list c3 --name)\" ]"
vsh destroy c3 >/dev/null
check "template from web1" tpl -q create t-web1 --from-container web1
check "it verifies" "$TPL" verify t-web1
check "its source names the container" out_has "Source: +container web1 \(on template busybox\)" "$TPL" info t-web1
check "the base template still verifies (its files are only linked)" "$TPL" verify busybox
check "unchanged files are hard links to the base's" bash -c \
    "[ \$(stat -c %i '$STORE/templates/t-web1/root/bin/busybox') = \$(stat -c %i '$STORE/templates/busybox/root/bin/busybox') ]"
check "the opaque directory holds only the layer's entry" bash -c \
    "[ \"\$(ls '$STORE/templates/t-web1/root/usr/sbin')\" = only ]"
check "no overlay attributes in the template" bash -c \
    "! getfattr -R -d -m 'overlay' '$STORE/templates/t-web1/root' 2>/dev/null | grep -q overlay"
define n1 t-web1
vsh start n1 >/dev/null
check "a container of the new template sees exactly the source's view" bash -c \
    "[ \"\$(ct_exec n1 /bin/sh -c 'cat /data.txt /srv/www/index.html; ls /etc; tail -n 1 /etc/passwd; ls /usr/sbin')\" = '$expected' ]"
check "... with its own hostname" bash -c "[ \"\$(ct_exec n1 /bin/hostname)\" = n1 ]"
vsh destroy n1 >/dev/null
check "template from a disk-image layer" tpl -q create t-disk1 --from-container disk1
check "it holds the image's file" bash -c "[ \"\$(cat '$STORE/templates/t-disk1/root/disk.txt')\" = on-disk ]"
check "it verifies too" "$TPL" verify t-disk1
check_fails "an existing template name refused" "already exists" tpl create t-web1 --from-container web1

# --- export and import ------------------------------------------------------------------
arc=$CT_TEST_ROOT/web1.ctar
check "export web1" tpl -q export web1 "$arc"
check "the manifest comes first" bash -c "tar tf '$arc' | head -n 1 | grep -qx manifest"
check_fails "export onto an existing file refused" "exists already" tpl export web1 "$arc"
vsh start c4 >/dev/null
check "export of a running container" tpl -q export c4 "$CT_TEST_ROOT/c4.ctar"
check "... through a temporary snapshot, gone" bash -c "[ -z \"\$(vsh snapshot-list c4 --name)\" ]"
vsh destroy c4 >/dev/null
check "no partial archive left" bash -c "! ls '$CT_TEST_ROOT' | grep -q 'c4.ctar.partial'"
check_fails "import onto an existing domain refused" "already exists" tpl import "$arc"
vsh undefine web1 >/dev/null
check_fails "import onto a leftover layer refused" "there is a layer" tpl import "$arc"
"$TPL" -q layer-remove web1
check "import web1 again" tpl -q import "$arc"
vsh start web1 >/dev/null
check "the imported container sees the same files" bash -c "[ \"\$(view web1)\" = '$expected' ]"
check "... and is itself" bash -c "[ \"\$(ct_exec web1 /bin/hostname)\" = web1 ]"
vsh destroy web1 >/dev/null
check "import under another name" tpl -q import "$arc" --name web1b
vsh start web1b >/dev/null
check "the copy sees the same files under its own name" bash -c \
    "[ \"\$(view web1b)\" = '$expected' ] && [ \"\$(ct_exec web1b /bin/hostname)\" = web1b ]"
vsh destroy web1b >/dev/null
check "import --force replaces a stopped container" bash -c \
    "tpl -q import '$arc' --force && [ -f '$STORE/containers/web1/upper/data.txt' ] && vsh dominfo web1"

# through a pipe (as over ssh)
check "export to a pipe, import from it" bash -c \
    "tpl -q export web1 - | tpl -q import - --name web1p && vsh start web1p &&
     [ \"\$(view web1p)\" = '$expected' ] && vsh destroy web1p"
check_fails "a pipe's archive onto a name taken refused" "already exists" bash -c \
    "tpl -q export web1 - | tpl import -"
check "nothing left by it" bash -c "[ -z \"\$(ls -A '$STORE/containers' | grep '^\.')\" ]"
check_fails "junk on a pipe refused" "does not look like a tar archive" bash -c \
    "echo junk | tpl import - --name junk1"
check "nothing left by it" nothing_left junk1

# damaged archives
size=$(stat -c %s "$arc")
head -c $((size / 2)) "$arc" >"$CT_TEST_ROOT/half.ctar"
check_fails "a truncated archive refused" "damaged or unreadable" tpl import "$CT_TEST_ROOT/half.ctar" --name h1
check "nothing left by it" nothing_left h1
head -c 5000 "$arc" >"$CT_TEST_ROOT/head.ctar"
check_fails "an archive cut after its first members refused" "is incomplete" \
    tpl import "$CT_TEST_ROOT/head.ctar" --name h0
check "nothing left by it" nothing_left h0
cp "$arc" "$CT_TEST_ROOT/flip.ctar"
off=$(grep -abo 'hello' "$CT_TEST_ROOT/flip.ctar" | head -n 1 | cut -d: -f1)
printf 'J' | dd of="$CT_TEST_ROOT/flip.ctar" bs=1 seek="$off" conv=notrunc status=none
check_fails "a changed byte in the layer is found" "is damaged" tpl import "$CT_TEST_ROOT/flip.ctar" --name h2
check "nothing left by it" nothing_left h2
echo "not an archive" >"$CT_TEST_ROOT/junk.ctar"
check_fails "a file that is no archive refused" "not a libvirt-ct container archive" tpl import "$CT_TEST_ROOT/junk.ctar"
check_fails "a missing file refused" "cannot open" tpl import "$CT_TEST_ROOT/nosuch.ctar"

# a template that differs, or is missing, or comes along
mkdir -p "$CT_TEST_ROOT/rootA/etc" && echo A >"$CT_TEST_ROOT/rootA/etc/which"
cp -a "$STORE/templates/busybox/root/." "$CT_TEST_ROOT/rootA/"
"$TPL" -q create tA --dir "$CT_TEST_ROOT/rootA"
define a1 tA
vsh start a1 >/dev/null && ct_exec a1 /bin/sh -c 'echo a1 > /a1.txt' && vsh destroy a1 >/dev/null
check "export a1 without its template" tpl -q export a1 "$CT_TEST_ROOT/a1.ctar"
check "export a1 with its template" tpl -q export a1 "$CT_TEST_ROOT/a1t.ctar" --with-template
vsh undefine a1 >/dev/null && "$TPL" -q layer-remove a1 && "$TPL" -q remove tA
check_fails "import without the template refused" "is not on this host" tpl import "$CT_TEST_ROOT/a1.ctar"
check "nothing left by it" nothing_left a1
echo B >"$CT_TEST_ROOT/rootA/etc/which"
"$TPL" -q create tA --dir "$CT_TEST_ROOT/rootA"
check_fails "import onto a template of another checksum refused" "is not the one the container was made on" \
    tpl import "$CT_TEST_ROOT/a1t.ctar"
check "nothing left by it" nothing_left a1
"$TPL" -q remove tA
check "import bringing its template" tpl -q import "$CT_TEST_ROOT/a1t.ctar"
check "the template came and verifies" "$TPL" verify tA
vsh start a1 >/dev/null
check "a1 runs on it with its file" bash -c \
    "[ \"\$(ct_exec a1 /bin/cat /a1.txt /etc/which)\" = \"\$(printf 'a1\nA')\" ]"
vsh destroy a1 >/dev/null

# a disk image layer goes through sparse
check "export a disk-image layer" tpl -q export disk1 "$CT_TEST_ROOT/disk1.ctar"
check "the archive is sparse-aware (far smaller than the image)" bash -c \
    "[ \$(stat -c %s '$CT_TEST_ROOT/disk1.ctar') -lt \$(stat -c %s '$STORE/containers/disk1/disk.img') ]"
check "import it as disk3" tpl -q import "$CT_TEST_ROOT/disk1.ctar" --name disk3
vsh start disk3 >/dev/null
check "disk3 sees the file under its own name" bash -c \
    "[ \"\$(ct_exec disk3 /bin/cat /disk.txt)\" = on-disk ] && [ \"\$(ct_exec disk3 /bin/hostname)\" = disk3 ]"
vsh destroy disk3 >/dev/null

# --- snapshots --------------------------------------------------------------------------
vsh snapshot-create-as c5 s1 >/dev/null
vsh start c5 >/dev/null && ct_exec c5 /bin/sh -c 'echo after-s1 > /data.txt' && vsh destroy c5 >/dev/null
check "clone of a snapshot" tpl -q clone c5 c5s1 --snapshot s1
vsh start c5s1 >/dev/null
check "the clone sees the snapshot's files, not the later ones" bash -c \
    "[ \"\$(ct_exec c5s1 /bin/cat /data.txt)\" = hello ] && [ \"\$(ct_exec c5s1 /bin/hostname)\" = c5s1 ]"
vsh destroy c5s1 >/dev/null
check_fails "clone of an unknown snapshot refused" "has no snapshot named 'nosuch'" \
    tpl clone c5 c5x --snapshot nosuch
check "template from a snapshot" tpl -q create t-c5s1 --from-container c5 --snapshot s1
check "it holds the snapshot's file" bash -c "[ \"\$(cat '$STORE/templates/t-c5s1/root/data.txt')\" = hello ]"
check "export with snapshots" tpl -q export c5 "$CT_TEST_ROOT/c5.ctar" --snapshots
check "the archive holds the snapshot" bash -c "tar tf '$CT_TEST_ROOT/c5.ctar' | grep -q '^snapshots/s1/snapshot.xml'"
vsh undefine c5 --snapshots-metadata >/dev/null
"$TPL" -q layer-remove c5 2>/dev/null
check "import with snapshots" tpl -q import "$CT_TEST_ROOT/c5.ctar"
check "the snapshot is back" bash -c "vsh snapshot-list c5 --name | grep -qx s1"
check "revert to it brings its files" bash -c \
    "vsh snapshot-revert c5 s1 && vsh start c5 && [ \"\$(ct_exec c5 /bin/cat /data.txt)\" = hello ] && vsh destroy c5"
check "export of a snapshot's state" tpl -q export c5 "$CT_TEST_ROOT/c5s1.ctar" --snapshot s1
vsh start c5 >/dev/null
check "export of a running container with its snapshots" tpl -q export c5 "$CT_TEST_ROOT/c5run.ctar" --snapshots
vsh destroy c5 >/dev/null
check "... holds them, not the temporary one" bash -c \
    "tar tf '$CT_TEST_ROOT/c5run.ctar' | grep -q '^snapshots/s1/' && ! tar tf '$CT_TEST_ROOT/c5run.ctar' | grep -q virt-ct-template"

# --- interrupted (the tool itself in the background, not a subshell) ----------------------
define big1 busybox
vsh start big1 >/dev/null && ct_exec big1 /bin/sh -c 'head -c 314572800 /dev/urandom > /big && sync' &&
    vsh destroy big1 >/dev/null
tpl -q export big1 "$CT_TEST_ROOT/big1.ctar"
"$TPL" -q --connect "$CT_URI" import "$CT_TEST_ROOT/big1.ctar" --name big2 2>/dev/null &
pid=$!
sleep 0.5
kill -INT "$pid"
wait "$pid"
check "an import stopped by SIGINT says so and leaves nothing" bash -c \
    "[ $? != 0 ] && ! vsh dominfo big2 >/dev/null 2>&1 && [ ! -e '$STORE/containers/big2' ] &&
     [ -z \"\$(ls -A '$STORE/containers' | grep '^\.')\" ]"
"$TPL" -q --connect "$CT_URI" import "$CT_TEST_ROOT/big1.ctar" --name big3 &
pid=$!
sleep 0.5
kill -9 "$pid"
wait "$pid" 2>/dev/null
check "a killed import leaves only hidden directories" bash -c \
    "! vsh dominfo big3 >/dev/null 2>&1 && [ ! -e '$STORE/containers/big3' ]"
"$TPL" -q list >/dev/null
check "which the next run of the tool removes" nothing_left big3
"$TPL" -q --connect "$CT_URI" clone big1 big4 2>/dev/null &
pid=$!
sleep 0.1
kill -INT "$pid" 2>/dev/null # a reflinked clone may be done already
wait "$pid"
check "a clone stopped by SIGINT leaves nothing" bash -c \
    "vsh dominfo big4 >/dev/null 2>&1 || { [ ! -e '$STORE/containers/big4' ] &&
     [ -z \"\$(ls -A '$STORE/containers' | grep '^\.')\" ]; }"
rm -f "$CT_TEST_ROOT/big1.ctar"

# --- virt-clone (virtinst) ----------------------------------------------------------
if command -v virt-clone >/dev/null; then
    check_fails "virt-clone is pointed to virt-ct-template clone" "virt-ct-template clone web1 web9" \
        virt-clone --connect "$CT_URI" --original web1 --name web9 --auto-clone
else
    ok "# SKIP virt-clone not installed"
fi

summary
