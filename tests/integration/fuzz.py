#!/usr/bin/python3
# fuzz.py: mutated domain definitions against a private virtctd
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Takes the XML files under tests/data, mutates them (elements and
# attributes dropped, duplicated, emptied or spliced in from other files;
# odd numbers, markup, control characters, long strings, '..' paths,
# unicode; random byte flips), defines or creates them, and fails on:
#   - a daemon that dies (its pid is checked after every case);
#   - a definition that was accepted but does not come back unchanged
#     (dumpxml --inactive) after the daemon is restarted;
#   - a transient container that cannot be destroyed, or any domain left
#     once a round is cleaned up.
# Run with /usr/bin/python3 (Debian's python3-libvirt).  Replay a failure
# with the seed it printed: --seed N.

import argparse
import copy
import glob
import os
import random
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

import libvirt

CT_NS = "http://libvirt.org/schemas/domain/ct/1.0"
ET.register_namespace("ct", CT_NS)

ODD_VALUES = [
    "", "0", "-1", "-2147483648", "2147483647", "2147483648", "4294967295", "4294967296",
    "18446744073709551615", "18446744073709551616", "99999999999999999999999999", "1e9",
    "0x10", "NaN", " 7 ", "+3", "007", "1.5",
    "<&'\"", "a'b", 'a"b', "a&amp;b", "]]>", "</initenv><initarg>x</initarg>", "a\tb", "a\nb",
    "\x01", "\x7f",
    "/", "..", "../..", "/../../etc", "/srv/./..//x", "x/../../y", "/proc/self/root",
    "\u00fcn\u00efc\u00f6d\u00e9", "\u65e5\u672c", "\u202eevil", "\U0001F600", "\ufffd",
    "%s%n%x", "$(touch /tmp/fz)", "`id`", "*", "-", "--help",
]


def odd_value(rng):
    if rng.random() < 0.1:
        return rng.choice("A<&'\"/.\u00e9") * rng.choice([255, 256, 4096, 100000])
    return rng.choice(ODD_VALUES)


def all_elements(root):
    return [el for el in root.iter() if isinstance(el.tag, str)]


def parent_map(root):
    return {child: parent for parent in root.iter() for child in parent}


class Mutator:
    def __init__(self, rng, corpus):
        self.rng = rng
        self.corpus = corpus

    def drop_element(self, root):
        parents = parent_map(root)
        victims = [el for el in all_elements(root) if el in parents]
        if victims:
            el = self.rng.choice(victims)
            parents[el].remove(el)

    def duplicate_element(self, root):
        parents = parent_map(root)
        victims = [el for el in all_elements(root) if el in parents]
        if victims:
            el = self.rng.choice(victims)
            parent = parents[el]
            parent.insert(list(parent).index(el), copy.deepcopy(el))

    def empty_element(self, root):
        el = self.rng.choice(all_elements(root))
        for child in list(el):
            el.remove(child)
        el.text = ""

    def drop_attribute(self, root):
        els = [el for el in all_elements(root) if el.attrib]
        if els:
            el = self.rng.choice(els)
            del el.attrib[self.rng.choice(list(el.attrib))]

    def odd_attribute(self, root):
        els = [el for el in all_elements(root) if el.attrib]
        if els:
            el = self.rng.choice(els)
            el.set(self.rng.choice(list(el.attrib)), odd_value(self.rng))

    def odd_text(self, root):
        leaves = [el for el in all_elements(root) if len(el) == 0]
        if leaves:
            self.rng.choice(leaves).text = odd_value(self.rng)

    def splice(self, root):
        """An element of another file, under a random element of this one."""
        donor = self.rng.choice(self.corpus)
        parents = parent_map(donor)
        candidates = [el for el in all_elements(donor) if el in parents]
        if candidates:
            piece = copy.deepcopy(self.rng.choice(candidates))
            self.rng.choice(all_elements(root)).append(piece)

    OPS = [drop_element, duplicate_element, empty_element, drop_attribute, odd_attribute,
           odd_text, odd_text, splice]

    def mutate(self, root):
        for _ in range(self.rng.randint(1, 3)):
            self.rng.choice(self.OPS)(self, root)

    def flip_bytes(self, text):
        data = bytearray(text.encode("utf-8"))
        for _ in range(self.rng.randint(1, 4)):
            if data:
                data[self.rng.randrange(len(data))] = self.rng.randrange(256)
        return data.decode("utf-8", errors="replace")


def load_corpus(datadir):
    corpus = []
    for path in sorted(glob.glob(os.path.join(datadir, "*", "*.xml"))):
        if path.endswith(".out.xml"):
            continue
        try:
            root = ET.parse(path).getroot()
        except ET.ParseError:
            continue
        if root.tag == "domain":
            corpus.append(root)
    return corpus


def point_roots(root, rootfs):
    """Roots the cases can really start on: the busybox root or template."""
    for fs in root.iter("filesystem"):
        src = fs.find("source")
        if src is None:
            continue
        if "dir" in src.attrib and src.get("dir", "").startswith("/srv/"):
            src.set("dir", rootfs)
        if fs.get("type") == "template":
            src.set("name", "busybox")


class Daemon:
    def __init__(self, args):
        self.args = args
        self.conn = None

    def pid(self):
        with open(self.args.pidfile) as f:
            return int(f.read().strip())

    def alive(self):
        try:
            with open("/proc/%d/stat" % self.pid()) as f:
                return f.read().split(") ")[1][0] != "Z"
        except (OSError, ValueError):
            return False

    def connect(self):
        self.conn = libvirt.open(self.args.uri)

    def restart(self):
        try:
            self.conn.close()
        except libvirt.libvirtError:
            pass
        subprocess.run(["bash", "-c", self.args.restart], check=True)
        self.connect()


def save_case(args, seed, index, xml):
    path = os.path.join(args.outdir, "fuzz-case-%d-%d.xml" % (seed, index))
    with open(path, "w", encoding="utf-8", errors="replace") as f:
        f.write(xml)
    return path


def fail(args, seed, index, xml, message):
    print("not ok - case %d (seed %d): %s" % (index, seed, message))
    if xml is not None:
        print("#   input saved in %s" % save_case(args, seed, index, xml))
    print("#   replay: CT_FUZZ_SEED=%d" % seed)
    return False


def run_case(daemon, args, seed, index, xml, defined, rng):
    """One definition: defined (recorded) or created (destroyed at once)."""
    conn = daemon.conn
    create = rng.random() < args.create_ratio
    try:
        if create:
            dom = conn.createXML(xml, 0)
            run_case.started += 1
            try:
                dom.destroy()
            except libvirt.libvirtError as e:
                if daemon.alive() and dom.isActive():
                    return fail(args, seed, index, xml, "created container not destroyed: %s" % e)
        else:
            dom = conn.defineXML(xml)
            defined[dom.name()] = (index, xml, dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE))
    except libvirt.libvirtError as e:
        if not daemon.alive():
            return fail(args, seed, index, xml, "daemon died: %s" % e)
    except SystemError as e:
        # a refusal whose message libvirt cut to 1024 bytes inside a UTF-8
        # character: python-libvirt cannot decode it
        if not isinstance(e.__cause__, UnicodeDecodeError) or not daemon.alive():
            return fail(args, seed, index, xml, "client error: %s" % e)
    if not daemon.alive():
        return fail(args, seed, index, xml, "daemon died")
    return True


run_case.started = 0


def check_round(daemon, args, seed, defined):
    """Restart; every accepted definition must be back, unchanged."""
    daemon.restart()
    ok = True
    for name, (index, xml, before) in sorted(defined.items()):
        try:
            after = daemon.conn.lookupByName(name).XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
        except libvirt.libvirtError as e:
            ok = fail(args, seed, index, xml, "'%s' lost at restart: %s" % (name, e))
            continue
        if after != before:
            ok = fail(args, seed, index, xml, "'%s' changed at restart:\n--- before\n%s\n+++ after\n%s"
                      % (name, before, after))
    for dom in daemon.conn.listAllDomains():
        try:
            if dom.isActive():
                dom.destroy()
            if dom.isPersistent():
                dom.undefine()
        except libvirt.libvirtError as e:
            ok = fail(args, seed, -1, None, "cannot clean up '%s': %s" % (dom.name(), e))
    left = [d.name() for d in daemon.conn.listAllDomains()]
    if left:
        ok = fail(args, seed, -1, None, "domains left after clean-up: %s" % left)
    defined.clear()
    return ok


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--uri", required=True)
    ap.add_argument("--pidfile", required=True)
    ap.add_argument("--restart", required=True, help="shell command restarting the daemon")
    ap.add_argument("--datadir", required=True)
    ap.add_argument("--rootfs", required=True)
    ap.add_argument("--outdir", required=True)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--round", type=int, default=150, help="cases between restarts")
    ap.add_argument("--create-ratio", type=float, default=0.2)
    args = ap.parse_args()

    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 31)
    print("# seed %d (replay with CT_FUZZ_SEED=%d)" % (seed, seed))
    rng = random.Random(seed)
    corpus = load_corpus(args.datadir)
    mutator = Mutator(rng, corpus)
    libvirt.registerErrorHandler(lambda ctx, err: None, None)
    daemon = Daemon(args)
    daemon.connect()

    defined = {}
    ok = True
    cases = accepted = 0
    deadline = time.monotonic() + args.seconds
    while ok and time.monotonic() < deadline:
        root = copy.deepcopy(rng.choice(corpus))
        name = root.find("name")
        if name is not None:
            name.text = "fuzz%d" % cases
        if root.find("uuid") is not None and rng.random() < 0.9:
            root.remove(root.find("uuid"))
        if rng.random() < 0.7:
            point_roots(root, args.rootfs)
        mutator.mutate(root)
        xml = ET.tostring(root, encoding="unicode")
        if rng.random() < 0.15:
            xml = mutator.flip_bytes(xml)
        xml = xml.replace("\0", "")  # the C API takes a NUL-terminated string
        before = len(defined)
        ok = run_case(daemon, args, seed, cases, xml, defined, rng)
        accepted += len(defined) > before
        cases += 1
        if ok and (cases % args.round == 0 or time.monotonic() >= deadline):
            ok = check_round(daemon, args, seed, defined)
    if ok and defined:
        ok = check_round(daemon, args, seed, defined)
    print("# %d cases, %d new definitions accepted, %d containers started, seed %d"
          % (cases, accepted, run_case.started, seed))
    if ok:
        print("ok - %d mutated definitions: no crash, every accepted one survives a restart" % cases)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
