#!/usr/bin/python3
# bench.py: the measuring half of the benchmark harness (bench/run.sh sets
# up the machine, the private daemons and the root file systems, then
# runs this).  It measures libvirt-ct side by side with the peers a user
# would pick instead, in one run, and writes one JSON file:
#
#   start      request -> the container's init has run a trivial command
#              (it writes its name into a FIFO the harness reads); and a
#              start + forced stop of a long-running container;
#   stop       graceful stop of an init that exits on the signal, forced
#              stop of an init that ignores SIGTERM, and (full mode) the
#              graceful stop of that init: how long each system waits
#              before it kills, or whether it never does;
#   density    N idle containers started one after the other (each until
#              its init ran), at N = 100, 500, 1000, 2000 (quick: 20, 50):
#              host MemAvailable drop, host processes, supervisor PSS and
#              the container processes' PSS, per container; the time to
#              start all, and to stop all at the largest N;
#   provision  a new container from a template (busybox and Debian):
#              time and disk bytes, ct with and without a disk quota,
#              against cp -a, an overlay mount, lxc-copy -s, podman :O;
#   burst      100 containers started at once by 4 clients (threads, each
#              with a connection of its own for the libvirt systems), the
#              time until every init ran, each system in turn;
#   manage     virsh list --all, dominfo, domstats (and the same API
#              calls) with 4000 defined and 2000 running ct containers
#              (quick: 100 / 50), the API calls also at 1/8, 1/4 and 1/2
#              of the running ones (the curve); and the lifecycle events
#              a client receives for a burst of 500 starts;
#   quotas     memory, CPU, process and disk limits, each tried and
#              measured as enforced, not enforced or not supported;
#   checkpoint ct only (no peer checkpoints through libvirt): save and
#              restore (virDomainSave, virDomainRestore) of an idle
#              busybox, an idle Debian with systemd running and a busybox
#              with 256 MiB touched: their times, the image's size, CRIU's
#              own times from its logs, and the freeze the container sees
#              (the largest gap in a clock its process stamps every 1 ms).
#
# Every timed operation is a request as a user makes it: a process spawned
# with posix_spawn (crun, lxc-start, systemd-nspawn, podman, virsh, the
# bare nsrun), or a call on a libvirt connection kept open (ct-api,
# libvirt-lxc).  Times come from time.perf_counter_ns(); systems take
# turns in each round (round-robin, the first one rotating) so that noise
# hits them alike.  A system that fails is recorded with its error and
# left out of the rest of that scenario; nothing here fails on a timing.
#
# Usage: bench.py --config FILE.json (written by bench/run.sh)
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import argparse
import array
import ctypes
import datetime
import json
import math
import os
import platform
import re
import resource
import select
import shutil
import signal
import sys
import threading
import time
import traceback

try:
    import libvirt
except ImportError:  # recorded: ct-api and libvirt-lxc are then unavailable
    libvirt = None

LIBC = ctypes.CDLL(None, use_errno=True)
EVENT_LOOP = False  # libvirt's default event loop runs in a thread (manage)
PR_SET_CHILD_SUBREAPER = 36
# signals a graceful init exits on / a stuck init ignores: HUP INT USR1
# USR2 TERM PWR and SIGRTMIN+3 (what each system sends to stop an init)
STOP_SIGNALS = "1 2 10 12 15 30 37"
SLEEP = "2147483647"
LIMIT_MEM_MIB = 64
LIMIT_CPU = 0.5
LIMIT_PIDS = 50
LIMIT_DISK_MIB = 64

INIT_SCRIPTS = {
    "triv": 'echo "$1" >/sig/fifo\n',
    "idle": 'echo "$1" >/sig/fifo\nexec sleep %s\n' % SLEEP,
    "graceful": ("trap 'exit 0' %s\n" 'echo "$1" >/sig/fifo\n'
                 "while :; do sleep %s & wait $!; done\n") % (STOP_SIGNALS, SLEEP),
    "ignore": "trap '' %s\n" 'echo "$1" >/sig/fifo\nexec sleep %s\n' % (STOP_SIGNALS, SLEEP),
    # a 200 MiB allocation under a 64 MiB limit: 137 when the OOM killer took it
    "q-memory": ('id=$1\ndd if=/dev/zero of=/dev/null bs=200M count=1 >/dev/null 2>&1\n'
                 'echo "$?" >/sig/res.$id\necho "$id" >/sig/fifo\nexec sleep %s\n') % SLEEP,
    # a busy loop for 3 s: its user+system ticks (USR_HZ 100) from /proc
    "q-cpu": ('id=$1\n( while :; do :; done ) &\np=$!\nsleep 3\ns=$(cat /proc/$p/stat)\n'
              'kill $p\nset -- $s\necho "${14} ${15}" >/sig/res.$id\n'
              'echo "$id" >/sig/fifo\nexec sleep %s\n') % SLEEP,
    # 100 sleeping processes asked for; the harness counts what runs
    "q-pids": ('id=$1\n( i=0; while [ $i -lt 100 ]; do sleep %s & i=$((i+1)); done ) '
               '>/dev/null 2>&1\necho "$id" >/sig/fifo\nexec sleep %s\n') % (SLEEP, SLEEP),
    # 128 MiB written under a 64 MiB disk limit
    "q-disk": ('id=$1\ndd if=/dev/zero of=/big bs=1M count=128 >/dev/null 2>&1\nrc=$?\n'
               'echo "$rc $(wc -c </big)" >/sig/res.$id\nrm -f /big\n'
               'echo "$id" >/sig/fifo\nexec sleep %s\n') % SLEEP,
    # checkpoint: the clock (bench/stamp.c) started, detached, before init idles;
    # with 256 MiB touched first
    "ck-idle": ('id=$1\n/sig/stamp -d /tmp/stamps || exit 1\necho "$id" >/sig/fifo\n'
                'exec sleep %s\n') % SLEEP,
    "ck-mem": ('id=$1\n/sig/stamp -d -m %d /tmp/stamps || exit 1\necho "$id" >/sig/fifo\n'
               'exec sleep %s\n') % (256, SLEEP),
}

# the checkpoint scenario's containers: (key, template, init script or
# None for the template's own init, label); their memory limit
CKPT_CASES = [("busybox", "busybox", "ck-idle", "idle busybox"),
              ("systemd", "debian-systemd", None, "idle Debian minbase, systemd running"),
              ("mem256", "busybox", "ck-mem", "busybox, 256 MiB touched")]
CKPT_MEM_MIB = 512

# the migrate scenario's containers: (key, template, init script or None,
# label, disk image MiB or 0 for none, MiB of file data written into the
# root before it moves), and how each is moved: a live migration peer to
# peer (virsh migrate --live --p2p, the data on a TCP connection of its
# own), the same tunnelled through the libvirt connection (--tunnelled),
# or by hand (virsh save, the image and the layer copied, virsh restore)
MIG_LAYER_MIB = 1024
MIG_CASES = [("busybox", "busybox", "ck-idle", "idle busybox", 0, 0),
             ("systemd", "debian-systemd", None, "idle Debian minbase, systemd running", 0, 0),
             ("big", "busybox", "ck-mem", "busybox, 256 MiB touched, 1 GiB layer on a 2 GiB disk",
              2048, MIG_LAYER_MIB)]
MIG_METHODS = {"busybox": ("p2p", "tunnelled", "byhand"), "systemd": ("p2p", "byhand"),
               "big": ("p2p", "byhand")}


class Failed(Exception):
    """A system could not do what was asked; the message says why."""


def log(msg):
    print("[%s] %s" % (time.strftime("%H:%M:%S"), msg), flush=True)


def ms(ns):
    return ns / 1e6


def stats(samples):
    """median, p95 (nearest rank), min, max, mean of samples (ms), or None"""
    if not samples:
        return None
    s = sorted(samples)
    n = len(s)
    med = s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2
    p95 = s[max(0, math.ceil(0.95 * n) - 1)]
    return {"n": n, "median": round(med, 3), "p95": round(p95, 3), "min": round(s[0], 3),
            "max": round(s[-1], 3), "mean": round(sum(s) / n, 3)}


# --- processes -------------------------------------------------------------------


class Children:
    """Spawns processes and reaps every child, also the orphans the harness
    adopts as a subreaper (crun's and nsrun's detached inits, LXC's
    monitors, conmon), in one thread; waiters look their pid up.  PIDs
    come round again after some 30000 processes: a status is kept with
    the time it was reaped, a spawn drops what an earlier process of its
    PID left, and a waiter takes no status older than what it waits for."""

    KEEP_S = 600

    def __init__(self):
        self.status = {}  # pid -> (wait status, monotonic time reaped)
        self.cond = threading.Condition()
        self.wake = threading.Event()
        threading.Thread(target=self._loop, daemon=True).start()

    def _loop(self):
        while True:
            try:
                pid, st = os.wait()
            except ChildProcessError:
                self.wake.wait(0.02)
                self.wake.clear()
                continue
            now = time.monotonic()
            with self.cond:
                self.status[pid] = (st, now)
                if len(self.status) > 4096:
                    for p in [p for p, v in self.status.items() if now - v[1] > self.KEEP_S]:
                        del self.status[p]
                self.cond.notify_all()

    def spawn(self, argv, out=None, env=None):
        path = out or "/dev/null"
        fa = [(os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
              (os.POSIX_SPAWN_OPEN, 1, path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
              (os.POSIX_SPAWN_DUP2, 1, 2)]
        # under the lock: the reaper cannot store the new process's end
        # before the stale status of its PID is dropped
        with self.cond:
            pid = os.posix_spawnp(argv[0], argv, env if env is not None else os.environ,
                                  file_actions=fa)
            self.status.pop(pid, None)
        self.wake.set()
        return pid

    def wait(self, pid, timeout=None, since=None):
        """exit status of pid (reaped after since), or None at the timeout"""
        end = None if timeout is None else time.monotonic() + timeout
        with self.cond:
            while True:
                v = self.status.get(pid)
                if v and (since is None or v[1] >= since):
                    del self.status[pid]
                    return v[0]
                left = None if end is None else end - time.monotonic()
                if left is not None and left <= 0:
                    return None
                self.cond.wait(left)

    def ended(self, pid):
        """whether a spawned pid has ended (its status is there)"""
        with self.cond:
            return pid in self.status

    def gone(self, pid, since):
        """whether pid, alive at since, has ended"""
        with self.cond:
            v = self.status.get(pid)
            if v and v[1] >= since:
                return True
        try:
            with open("/proc/%d/stat" % pid) as f:
                # a process started after since holds the PID again
                start = int(f.read().rsplit(")", 1)[1].split()[19]) / CLK_TCK
            return start > since_boot(since) + 1
        except (OSError, IndexError, ValueError):
            return True


CLK_TCK = os.sysconf("SC_CLK_TCK")


def since_boot(mono):
    """a time.monotonic() value as seconds since boot (CLOCK_BOOTTIME)"""
    return mono - time.monotonic() + time.clock_gettime(time.CLOCK_BOOTTIME)


class Result:
    def __init__(self, rc, out, ns):
        self.rc, self.out, self.ns = rc, out, ns

    def error(self):
        text = " ".join(self.out.split())
        return "exit %s: %s" % (self.rc, text[-400:] if text else "(no output)")


class Runner:
    def __init__(self, children, tmpdir):
        self.children = children
        self.tmpdir = tmpdir

    def run(self, argv, timeout=120, env=None, check=False):
        """runs argv to its end (killed at the timeout); Result with its time"""
        out = os.path.join(self.tmpdir, "cmd-%d.out" % threading.get_ident())
        t0 = time.perf_counter_ns()
        pid = self.children.spawn(argv, out, env)
        st = self.children.wait(pid, timeout)
        t1 = time.perf_counter_ns()
        if st is None:
            os.kill(pid, signal.SIGKILL)
            self.children.wait(pid)
            rc = "timeout after %ds" % timeout
        else:
            rc = os.waitstatus_to_exitcode(st)
        try:
            with open(out, errors="replace") as f:
                text = f.read()
        except OSError:
            text = ""
        r = Result(rc, text, t1 - t0)
        if check and rc != 0:
            raise Failed("%s: %s" % (" ".join(argv[:4]), r.error()))
        return r


class Fifo:
    """The FIFO every container's init writes its name into.  Held open
    read-write, so writers never block and reads never see an end."""

    def __init__(self, path):
        if not os.path.exists(path):
            os.mkfifo(path, 0o666)
        self.fd = os.open(path, os.O_RDWR | os.O_NONBLOCK)
        self.buf = b""
        self.seen = {}

    def _read(self, timeout):
        r, _, _ = select.select([self.fd], [], [], max(0, timeout))
        if not r:
            return
        t = time.perf_counter_ns()
        try:
            self.buf += os.read(self.fd, 65536)
        except BlockingIOError:
            return
        *lines, self.buf = self.buf.split(b"\n")
        for line in lines:
            self.seen.setdefault(line.decode(errors="replace").strip(), t)

    def wait(self, name, timeout, dead=None):
        """the time name arrived, or None at the timeout or once dead()"""
        end = time.monotonic() + timeout
        while name not in self.seen:
            left = end - time.monotonic()
            if left <= 0 or (dead and dead()):
                return None
            self._read(min(left, 0.05) if dead else left)
        return self.seen.pop(name)

    def wait_all(self, names, timeout):
        """{name: time} of those that arrived within timeout"""
        end = time.monotonic() + timeout
        got = {}
        names = set(names)
        while True:
            for n in list(names):
                if n in self.seen:
                    got[n] = self.seen.pop(n)
                    names.discard(n)
            left = end - time.monotonic()
            if not names or left <= 0:
                return got
            self._read(min(left, 0.5))

    def drain(self):
        self._read(0)
        self.seen.clear()


# --- host state ------------------------------------------------------------------


def meminfo():
    out = {}
    with open("/proc/meminfo") as f:
        for line in f:
            k, v = line.split(":", 1)
            out[k] = int(v.split()[0])
    return out


def pty_count():
    try:
        with open("/proc/sys/kernel/pty/nr") as f:
            return int(f.read())
    except (OSError, ValueError):
        return 0


def pss_kb(pid):
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def ppid_of(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return 0


def host_pids():
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def scan(token):
    """{pid: BENCH_ID} of every process of this run's containers"""
    tag = b"BENCH_RUN=" + token.encode() + b"\0"
    found = {}
    for pid in host_pids():
        try:
            with open("/proc/%d/environ" % pid, "rb") as f:
                env = f.read()
        except OSError:
            continue
        if tag in env:
            bid = ""
            for kv in env.split(b"\0"):
                if kv.startswith(b"BENCH_ID="):
                    bid = kv[9:].decode(errors="replace")
            found[pid] = bid
    return found


def drop_caches():
    os.sync()
    try:
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
    except OSError:
        pass


# --- the systems -------------------------------------------------------------------


class Box:
    """One container of one system: its name, root, and what the system
    needs to find it again."""

    def __init__(self, system, name, rootfs, init, limits=()):
        self.system, self.name, self.rootfs, self.init = system, name, rootfs, init
        self.limits = set(limits)
        self.pid = None       # the process we spawned and that lives as long as it
        self.init_pid = None  # the container's init, on the host
        self.dom = None
        self.argv = None
        self.files = []
        self.ended = False
        self.quota_mib = 0
        self.t_start = time.monotonic()


class System:
    name = "?"
    label = "?"
    # quota -> None (tried) or the reason it is not supported
    quota_support = {"memory": "not supported", "cpu": "not supported",
                     "pids": "not supported", "disk": "not supported"}
    supervisor = None
    daemon_pidfile = None
    note = ""

    def __init__(self, h):
        self.h = h
        self.run = h.runner.run

    def env(self, box):
        e = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "BENCH_RUN": self.h.token,
             "BENCH_ID": box.name}
        return e

    def init_argv(self, box):
        return ["/bin/sh", "/sig/%s.sh" % box.init, box.name]

    def setup(self):
        pass

    def prepare(self, box):
        """everything untimed before a start: definitions, bundles"""

    def start(self, box, fg=False):
        """the timed request; fg: the trivial run, where a system with a
        foreground mode runs the container to its end"""
        raise NotImplementedError

    def wait_gone(self, box, timeout):
        """True once the container is gone"""
        raise NotImplementedError

    def stop(self, box, how, timeout=60):
        """how: force (the system's kill), graceful (its stop with a signal
        and a wait), shutdown (graceful, left to the system to escalate)"""
        raise NotImplementedError

    def cleanup(self, box):
        for f in box.files:
            try:
                os.unlink(f)
            except OSError:
                pass

    def kill_leftovers(self):
        pass

    def teardown(self):
        pass


class CtApi(System):
    name = "ct-api"
    label = "ct (API)"
    note = "libvirt API, connection kept open; transient domain (createXML) on a template overlay"
    quota_support = {"memory": None, "cpu": None, "pids": None, "disk": None}
    supervisor = "ct-supervisor"
    prefix = "a"

    def setup(self):
        if libvirt is None:
            raise Failed("python3-libvirt is missing")
        self.conn = self.h.ct_conn()
        self.daemon_pidfile = self.h.cfg["ct_pidfile"]

    def xml(self, box):
        init = "".join("<initarg>%s</initarg>" % a for a in self.init_argv(box)[1:])
        env = "".join("<initenv name='%s'>%s</initenv>" % (k, v)
                      for k, v in self.env(box).items() if k != "PATH")
        mem = LIMIT_MEM_MIB if "memory" in box.limits else 256
        extra = ""
        if "memory" in box.limits:
            extra += "<memtune><hard_limit unit='MiB'>%d</hard_limit></memtune>" % LIMIT_MEM_MIB
        if "cpu" in box.limits:
            extra += "<cputune><period>100000</period><quota>%d</quota></cputune>" % (
                LIMIT_CPU * 100000)
        if "pids" in box.limits:
            extra += "<ct:processes>%d</ct:processes>" % LIMIT_PIDS
        disk = ""
        if "disk" in box.limits:
            disk = "<space_hard_limit unit='MiB'>%d</space_hard_limit>" % LIMIT_DISK_MIB
        elif box.quota_mib:
            disk = "<space_hard_limit unit='MiB'>%d</space_hard_limit>" % box.quota_mib
        return """<domain type='lxc' xmlns:ct='http://libvirt.org/schemas/domain/ct/1.0'>
  <name>%s</name>
  <memory unit='MiB'>%d</memory>%s
  <os><type>exe</type><init>/bin/sh</init>%s%s</os>
  <devices>
    <filesystem type='template'><source name='%s'/><target dir='/'/>%s</filesystem>
    <filesystem type='mount'><source dir='%s'/><target dir='/sig'/></filesystem>
  </devices>
</domain>
""" % (box.name, mem, extra, init, env, box.rootfs, disk, self.h.sigdir)

    def prepare(self, box):
        box.xmltext = self.xml(box)

    def uri(self):
        return self.h.cfg["ct_uri"]

    def start(self, box, fg=False):
        # a burst's client brings its own connection
        conn = getattr(box, "conn", None) or self.conn
        try:
            box.dom = conn.createXML(box.xmltext, 0)
        except libvirt.libvirtError as e:
            raise Failed(str(e))

    def wait_gone(self, box, timeout):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                d = self.conn.lookupByName(box.name)
                if not d.isActive():
                    return True
            except libvirt.libvirtError:
                return True
            time.sleep(0.001)
        return False

    def stop(self, box, how, timeout=60):
        d = box.dom or self.conn.lookupByName(box.name)
        try:
            if how == "force":
                d.destroy()
            elif how == "graceful":
                d.destroyFlags(libvirt.VIR_DOMAIN_DESTROY_GRACEFUL)
            else:
                d.shutdown()
        except libvirt.libvirtError as e:
            raise Failed(str(e))
        if not self.wait_gone(box, timeout):
            raise Failed("still running %ds after the stop request" % timeout)

    def kill_leftovers(self):
        try:
            for d in self.conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE):
                d.destroy()
        except libvirt.libvirtError:
            pass


class CtVirsh(CtApi):
    name = "ct-virsh"
    label = "ct (virsh)"
    note = "virsh create / destroy, one virsh process per request, as a user types it"
    prefix = "v"

    def prepare(self, box):
        CtApi.prepare(self, box)
        box.xmlfile = os.path.join(self.h.tmp, box.name + ".xml")
        with open(box.xmlfile, "w") as f:
            f.write(box.xmltext)
        box.files.append(box.xmlfile)

    def virsh(self, *args, timeout=120):
        return self.run(["virsh", "-q", "-c", self.h.cfg["ct_uri"]] + list(args), timeout=timeout)

    def start(self, box, fg=False):
        r = self.virsh("create", box.xmlfile)
        if r.rc != 0:
            raise Failed(r.error())

    def stop(self, box, how, timeout=60):
        if how == "shutdown":
            r = self.virsh("shutdown", box.name)
        elif how == "graceful":
            r = self.virsh("destroy", "--graceful", box.name, timeout=timeout)
        else:
            r = self.virsh("destroy", box.name, timeout=timeout)
        if r.rc != 0:
            raise Failed(r.error())
        if not self.wait_gone(box, timeout):
            raise Failed("still running %ds after the stop request" % timeout)


class LibvirtLxc(CtApi):
    name = "libvirt-lxc"
    label = "libvirt-lxc (API)"
    note = ("libvirt's LXC driver through the API, connection kept open, in a pure cgroup v1 "
            "view (it fails on the hybrid host as is: see the error)")
    quota_support = {"memory": None, "cpu": None,
                     "pids": "not supported: libvirt has no process limit element",
                     "disk": None}
    supervisor = "libvirt_lxc"
    prefix = "l"

    def stop(self, box, how, timeout=60):
        # libvirt's LXC driver has no graceful destroy: its graceful stop
        # is a shutdown by signal (SIGTERM to init), never escalated
        if how != "graceful":
            return CtApi.stop(self, box, how, timeout)
        try:
            (box.dom or self.conn.lookupByName(box.name)).shutdownFlags(
                libvirt.VIR_DOMAIN_SHUTDOWN_SIGNAL)
        except libvirt.libvirtError as e:
            raise Failed(str(e))
        if not self.wait_gone(box, min(timeout, 10)):
            raise Failed("still running %ds after shutdown --mode signal" % min(timeout, 10))

    def setup(self):
        if libvirt is None:
            raise Failed("python3-libvirt is missing")
        uri = self.h.cfg.get("lxc_uri")
        if not uri:
            raise Failed(self.h.cfg.get("lxc_error") or "no libvirtd with the LXC driver")
        try:
            self.conn = libvirt.open(uri)
        except libvirt.libvirtError as e:
            raise Failed(str(e))
        self.daemon_pidfile = self.h.cfg.get("lxc_pidfile")

    def uri(self):
        return self.h.cfg["lxc_uri"]

    def xml(self, box):
        init = "".join("<initarg>%s</initarg>" % a for a in self.init_argv(box)[1:])
        env = "".join("<initenv name='%s'>%s</initenv>" % (k, v)
                      for k, v in self.env(box).items() if k != "PATH")
        mem = LIMIT_MEM_MIB if "memory" in box.limits else 256
        extra = ""
        if "memory" in box.limits:
            extra += "<memtune><hard_limit unit='MiB'>%d</hard_limit></memtune>" % LIMIT_MEM_MIB
        if "cpu" in box.limits:
            extra += "<cputune><period>100000</period><quota>%d</quota></cputune>" % (
                LIMIT_CPU * 100000)
        if "disk" in box.limits:
            root = ("<filesystem type='file' accessmode='passthrough'><driver type='loop' "
                    "format='raw'/><source file='%s'/><target dir='/'/></filesystem>"
                    % self.h.disk_image(box))
        else:
            root = ("<filesystem type='mount'><source dir='%s'/><target dir='/'/><readonly/>"
                    "</filesystem>" % self.h.rootfs[box.rootfs])
        return """<domain type='lxc'>
  <name>%s</name>
  <memory unit='MiB'>%d</memory>%s
  <os><type>exe</type><init>/bin/sh</init>%s%s</os>
  <devices>
    %s
    <filesystem type='mount'><source dir='%s'/><target dir='/sig'/></filesystem>
    <console type='pty'/>
  </devices>
</domain>
""" % (box.name, mem, extra, init, env, root, self.h.sigdir)


class Crun(System):
    name = "crun"
    label = "crun"
    note = ("OCI bundle, crun run (-d), cgroupfs; run in a mount namespace without the cgroup2 "
            "mount (nsrun enter): crun 1.8 refuses this hybrid host as is")
    quota_support = {"memory": None, "cpu": None, "pids": None,
                     "disk": "not supported: the OCI runtime spec has no disk quota"}
    prefix = "c"

    def setup(self):
        if not shutil.which("crun"):
            raise Failed("crun is not installed")
        self.state = os.path.join(self.h.tmp, "crun-state")
        self.bundles = os.path.join(self.h.tmp, "crun")
        os.makedirs(self.bundles, exist_ok=True)
        self.base = [self.h.nsrun, "enter", self.h.cfg["v1ns"], "crun", "--root", self.state]

    def config(self, box):
        env = ["%s=%s" % kv for kv in self.env(box).items()]
        caps = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
        res = {"devices": [{"allow": False, "access": "rwm"}]}
        if "memory" in box.limits:
            res["memory"] = {"limit": LIMIT_MEM_MIB << 20, "swap": LIMIT_MEM_MIB << 20}
        if "cpu" in box.limits:
            res["cpu"] = {"quota": int(LIMIT_CPU * 100000), "period": 100000}
        if "pids" in box.limits:
            res["pids"] = {"limit": LIMIT_PIDS}
        return {
            "ociVersion": "1.0.0",
            "process": {"terminal": False, "user": {"uid": 0, "gid": 0},
                        "args": self.init_argv(box), "env": env, "cwd": "/",
                        "capabilities": {k: caps for k in
                                         ("bounding", "effective", "permitted", "ambient")},
                        "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
                        "noNewPrivileges": True},
            "root": {"path": self.h.rootfs[box.rootfs], "readonly": True},
            "hostname": box.name,
            "mounts": [
                {"destination": "/proc", "type": "proc", "source": "proc"},
                {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
                 "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
                {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
                 "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]},
                {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
                 "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
                {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
                 "options": ["nosuid", "noexec", "nodev"]},
                {"destination": "/sys", "type": "sysfs", "source": "sysfs",
                 "options": ["nosuid", "noexec", "nodev", "ro"]},
                {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
                 "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]},
                {"destination": "/sig", "type": "bind", "source": self.h.sigdir,
                 "options": ["rbind", "rw"]},
            ],
            "linux": {
                "resources": res,
                "cgroupsPath": "/bench-crun-%s/%s" % (self.h.token, box.name),
                "namespaces": [{"type": t} for t in
                               ("pid", "network", "ipc", "uts", "mount", "cgroup")],
                "maskedPaths": ["/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                                "/proc/timer_list", "/proc/sched_debug", "/sys/firmware"],
                "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                                  "/proc/sysrq-trigger"],
            },
        }

    def prepare(self, box):
        box.bundle = os.path.join(self.bundles, box.name)
        os.makedirs(box.bundle, exist_ok=True)
        with open(os.path.join(box.bundle, "config.json"), "w") as f:
            json.dump(self.config(box), f)
        box.pidfile = os.path.join(box.bundle, "pid")

    def start(self, box, fg=False):
        if fg:
            box.pid = self.h.children.spawn(self.base + ["run", "--bundle", box.bundle, box.name],
                                            os.path.join(box.bundle, "out"))
            return
        r = self.run(self.base + ["run", "-d", "--pid-file", box.pidfile, "--bundle", box.bundle,
                                  box.name])
        if r.rc != 0:
            raise Failed(r.error())
        with open(box.pidfile) as f:
            box.init_pid = int(f.read())

    def wait_gone(self, box, timeout):
        if box.pid:
            st = self.h.children.wait(box.pid, timeout)
            if st is None:
                return False
            box.pid = None
            return True
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if box.init_pid is None or self.h.children.gone(box.init_pid, box.t_start):
                return True
            time.sleep(0.0005)
        return False

    def stop(self, box, how, timeout=60):
        if how == "force":
            r = self.run(self.base + ["delete", "-f", box.name], timeout=timeout)
            if r.rc != 0:
                raise Failed(r.error())
            if not self.wait_gone(box, timeout):
                raise Failed("init still there after crun delete -f")
            return
        r = self.run(self.base + ["kill", box.name, "TERM"])
        if r.rc != 0:
            raise Failed(r.error())
        if not self.wait_gone(box, timeout):
            raise Failed("crun has no stop timeout of its own: init still runs %ds after SIGTERM"
                         % timeout)
        r = self.run(self.base + ["delete", box.name])
        if r.rc != 0:
            raise Failed(r.error())

    def cleanup(self, box):
        if box.pid:
            self.wait_gone(box, 10)
        if not box.ended:
            self.run(self.base + ["delete", "-f", box.name], timeout=30)
        shutil.rmtree(box.bundle, ignore_errors=True)
        System.cleanup(self, box)

    def kill_leftovers(self):
        r = self.run(self.base + ["list", "-q"], timeout=60)
        for name in r.out.split():
            self.run(self.base + ["delete", "-f", name], timeout=30)


class Lxc(System):
    name = "lxc"
    label = "LXC"
    note = "lxc-start -F (trivial) / lxc-start -d, lxc-stop; config on disk beforehand"
    quota_support = {"memory": None, "cpu": None, "pids": None, "disk": None}
    supervisor = "lxc-start"
    prefix = "x"

    def setup(self):
        if not shutil.which("lxc-start"):
            raise Failed("lxc is not installed")
        self.path = os.path.join(self.h.tmp, "lxc")
        os.makedirs(self.path, exist_ok=True)

    def args(self, box):
        return ["-n", box.name, "-P", self.path]

    def prepare(self, box):
        d = os.path.join(self.path, box.name)
        os.makedirs(d, exist_ok=True)
        if "disk" in box.limits:
            root = "loop:" + self.h.disk_image(box)
            opts = ""
        else:
            root = "dir:" + self.h.rootfs[box.rootfs]
            opts = "lxc.rootfs.options = ro\n"
        lines = ["lxc.uts.name = %s" % box.name, "lxc.rootfs.path = %s" % root, opts.strip(),
                 "lxc.net.0.type = empty", "lxc.mount.auto = proc:mixed sys:ro cgroup:mixed",
                 "lxc.mount.entry = %s sig none rw,bind 0 0" % self.h.sigdir,
                 "lxc.autodev = 1", "lxc.pty.max = 0", "lxc.tty.max = 0",
                 "lxc.console.path = none", "lxc.apparmor.profile = unconfined",
                 "lxc.init.cmd = %s" % " ".join(self.init_argv(box))]
        lines += ["lxc.environment = %s=%s" % kv for kv in self.env(box).items()]
        if "memory" in box.limits:
            lines += ["lxc.cgroup.memory.limit_in_bytes = %d" % (LIMIT_MEM_MIB << 20),
                      "lxc.cgroup.memory.memsw.limit_in_bytes = %d" % (LIMIT_MEM_MIB << 20)]
        if "cpu" in box.limits:
            lines += ["lxc.cgroup.cpu.cfs_period_us = 100000",
                      "lxc.cgroup.cpu.cfs_quota_us = %d" % (LIMIT_CPU * 100000)]
        if "pids" in box.limits:
            lines += ["lxc.cgroup.pids.max = %d" % LIMIT_PIDS]
        with open(os.path.join(d, "config"), "w") as f:
            f.write("\n".join(x for x in lines if x) + "\n")
        box.log = os.path.join(d, "log")

    def start(self, box, fg=False):
        if fg:
            box.pid = self.h.children.spawn(["lxc-start", "-F"] + self.args(box) +
                                            ["-l", "ERROR", "-o", box.log],
                                            os.path.join(self.path, box.name, "out"))
            return
        r = self.run(["lxc-start", "-d"] + self.args(box) + ["-l", "ERROR", "-o", box.log])
        if r.rc != 0:
            raise Failed(r.error() + " " + self.logtail(box))

    def logtail(self, box):
        try:
            with open(box.log, errors="replace") as f:
                return " ".join(f.read().split()[-40:])
        except OSError:
            return ""

    def wait_gone(self, box, timeout):
        if box.pid:
            if self.h.children.wait(box.pid, timeout) is None:
                return False
            box.pid = None
            return True
        r = self.run(["lxc-wait"] + self.args(box) + ["-s", "STOPPED", "-t", str(int(timeout))],
                     timeout=timeout + 5)
        return r.rc == 0

    def stop(self, box, how, timeout=60):
        argv = ["lxc-stop"] + self.args(box)
        if how == "force":
            argv.append("-k")
        r = self.run(argv, timeout=timeout)
        if r.rc != 0:
            raise Failed(r.error())

    def cleanup(self, box):
        if box.pid:
            self.wait_gone(box, 10)
        shutil.rmtree(os.path.join(self.path, box.name), ignore_errors=True)
        System.cleanup(self, box)

    def kill_leftovers(self):
        r = self.run(["lxc-ls", "-P", self.path, "--running", "-1"], timeout=60)
        for name in r.out.split():
            self.run(["lxc-stop", "-k", "-n", name, "-P", self.path], timeout=30)


class Nspawn(System):
    name = "nspawn"
    label = "systemd-nspawn"
    note = ("systemd-nspawn --register=no --keep-unit -D ROOT --read-only: no systemd as PID 1 "
            "here, so no machine registration and no scope")
    quota_support = {"memory": None, "cpu": None, "pids": None, "disk": None}
    supervisor = "systemd-nspawn"
    prefix = "n"
    props = {"memory": "MemoryMax=%dM" % LIMIT_MEM_MIB,
             "cpu": "CPUQuota=%d%%" % (LIMIT_CPU * 100), "pids": "TasksMax=%d" % LIMIT_PIDS}

    def setup(self):
        if not shutil.which("systemd-nspawn"):
            raise Failed("systemd-nspawn (systemd-container) is not installed")

    def machine(self, box):
        return "b%s-%s" % (self.h.token[:6], box.name)

    def prepare(self, box):
        a = ["systemd-nspawn", "-q", "--register=no", "--keep-unit", "--private-network",
             "--timezone=off", "--resolv-conf=off", "--link-journal=no", "--console=pipe",
             "--bind=%s:/sig" % self.h.sigdir, "-M", self.machine(box)]
        if "disk" in box.limits:
            a += ["--image=" + self.h.disk_image(box)]
        else:
            a += ["-D", self.h.rootfs[box.rootfs], "--read-only"]
        a += ["--setenv=%s=%s" % kv for kv in self.env(box).items() if kv[0] != "PATH"]
        # without -b, nspawn kills init with SIGKILL; a graceful init is
        # given the SIGTERM it waits for
        if box.init == "graceful":
            a.append("--kill-signal=SIGTERM")
        a += ["--property=" + self.props[q] for q in sorted(box.limits) if q in self.props]
        box.argv = a + self.init_argv(box)
        box.out = os.path.join(self.h.tmp, "nspawn-%s.out" % box.name)
        box.files.append(box.out)

    def start(self, box, fg=False):
        box.pid = self.h.children.spawn(box.argv, box.out)

    def wait_gone(self, box, timeout):
        if box.pid is None:
            return True
        if self.h.children.wait(box.pid, timeout) is None:
            return False
        box.pid = None
        return True

    def stop(self, box, how, timeout=60):
        if box.pid is None:
            return
        os.kill(box.pid, signal.SIGTERM)
        if not self.wait_gone(box, timeout):
            raise Failed("systemd-nspawn still runs %ds after SIGTERM (it forwards SIGTERM to "
                         "init and never escalates)" % timeout)

    def cleanup(self, box):
        if box.pid:
            self.h.kill_box(box.name)
            self.wait_gone(box, 10)
        shutil.rmtree("/run/systemd/nspawn/propagate/" + self.machine(box), ignore_errors=True)
        System.cleanup(self, box)

    def output(self, box):
        try:
            with open(box.out, errors="replace") as f:
                return " ".join(f.read().split())[-400:]
        except OSError:
            return ""


class Podman(System):
    name = "podman"
    label = "podman"
    note = ("podman run --rootfs (no image), cgroupfs, --network none, crun as its runtime, "
            "in a mount namespace without the cgroup2 mount (nsrun enter), as crun needs it")
    quota_support = {"memory": None, "cpu": None, "pids": None, "disk": None}
    supervisor = "conmon"
    prefix = "p"

    def setup(self):
        if not shutil.which("podman"):
            raise Failed("podman is not installed")
        d = os.path.join(self.h.tmp, "podman")
        self.base = [self.h.nsrun, "enter", self.h.cfg["v1ns"], "podman", "--root", d + "/root",
                     "--runroot",
                     d + "/run", "--tmpdir", d + "/tmp", "--cgroup-manager", "cgroupfs",
                     "--events-backend", "file", "--log-level", "error"]
        nproc = min(resource.getrlimit(resource.RLIMIT_NPROC)[1], 4096)
        self.common = ["--network", "none", "--ulimit", "nofile=1024:1024", "--ulimit",
                       "nproc=%d:%d" % (nproc, nproc),
                       "--cgroup-parent", "/bench-podman-%s" % self.h.token,
                       "-v", "%s:/sig" % self.h.sigdir]

    def prepare(self, box):
        a = ["--name", box.name] + self.common
        for kv in self.env(box).items():
            if kv[0] != "PATH":
                a += ["-e", "%s=%s" % kv]
        if "memory" in box.limits:
            a += ["--memory", "%dm" % LIMIT_MEM_MIB, "--memory-swap", "%dm" % LIMIT_MEM_MIB]
        if "cpu" in box.limits:
            a += ["--cpus", str(LIMIT_CPU)]
        if "pids" in box.limits:
            a += ["--pids-limit", str(LIMIT_PIDS)]
        if "disk" in box.limits:
            # the only disk limit podman has; it needs its overlay storage on XFS with
            # project quotas, and a --rootfs container has no storage layer
            a += ["--storage-opt", "size=%dM" % LIMIT_DISK_MIB, "--rootfs",
                  self.h.rootfs[box.rootfs] + ":O"]
        else:
            a += ["--read-only", "--rootfs", self.h.rootfs[box.rootfs]]
        box.argv = a + self.init_argv(box)
        box.out = os.path.join(self.h.tmp, "podman-%s.out" % box.name)
        box.files.append(box.out)

    def start(self, box, fg=False):
        if fg:
            box.pid = self.h.children.spawn(self.base + ["run", "--rm"] + box.argv, box.out)
            return
        r = self.run(self.base + ["run", "-d"] + box.argv)
        if r.rc != 0:
            raise Failed(r.error())

    def wait_gone(self, box, timeout):
        if box.pid:
            if self.h.children.wait(box.pid, timeout) is None:
                return False
            box.pid = None
            return True
        r = self.run(self.base + ["wait", box.name], timeout=timeout)
        return r.rc == 0

    def stop(self, box, how, timeout=60):
        if how == "force":
            r = self.run(self.base + ["rm", "-f", "-t", "0", box.name], timeout=timeout)
        else:
            r = self.run(self.base + ["stop", box.name], timeout=timeout)
            if r.rc == 0:
                r = self.run(self.base + ["rm", box.name], timeout=timeout)
        if r.rc != 0:
            raise Failed(r.error())

    def cleanup(self, box):
        if box.pid:
            self.wait_gone(box, 10)
        if not box.ended:
            self.run(self.base + ["rm", "-f", "-t", "0", box.name], timeout=60)
        System.cleanup(self, box)

    def kill_leftovers(self):
        self.run(self.base + ["rm", "-a", "-f", "-t", "0"], timeout=600)


class Bare(System):
    name = "bare"
    label = "bare unshare+pivot_root"
    note = ("the physical bound: nsrun bare clones into new namespaces, binds the root, "
            "pivot_root, exec; no cgroup, no supervisor, no state")
    quota_support = {q: "not supported: the baseline sets up no cgroup and no disk"
                     for q in ("memory", "cpu", "pids", "disk")}
    prefix = "b"

    def prepare(self, box):
        box.argv = [self.h.nsrun, "bare", self.h.rootfs[box.rootfs], self.h.sigdir] + \
            self.init_argv(box)

    def start(self, box, fg=False):
        if fg:
            box.pid = self.h.children.spawn(box.argv, None, self.env(box))
            return
        argv = box.argv[:2] + ["-d"] + box.argv[2:]
        r = self.run(argv, env=self.env(box))
        if r.rc != 0:
            raise Failed(r.error())
        box.init_pid = int(r.out.split()[0])

    def wait_gone(self, box, timeout):
        pid = box.pid or box.init_pid
        if pid is None:
            return True
        if self.h.children.wait(pid, timeout, since=box.t_start) is None:
            return False
        box.pid = box.init_pid = None
        return True

    def stop(self, box, how, timeout=60):
        if box.init_pid is None:
            return
        os.kill(box.init_pid, signal.SIGKILL if how == "force" else signal.SIGTERM)
        if not self.wait_gone(box, timeout):
            raise Failed("init still runs %ds after SIGTERM (no stop timeout: a bare "
                         "namespace has no one to escalate)" % timeout)

    def cleanup(self, box):
        if box.init_pid or box.pid:
            self.h.kill_box(box.name)
            self.wait_gone(box, 10)
        System.cleanup(self, box)


SYSTEMS = [CtApi, CtVirsh, Crun, Lxc, Nspawn, Podman, LibvirtLxc, Bare]


# --- the harness -------------------------------------------------------------------


class Harness:
    def __init__(self, cfg):
        self.cfg = cfg
        self.quick = cfg["mode"] == "quick"
        self.tmp = cfg["tmp"]
        self.sigdir = os.path.join(self.tmp, "sig")
        self.token = cfg["token"]
        self.nsrun = cfg["nsrun"]
        self.rootfs = cfg["rootfs"]
        self.children = Children()
        self.runner = Runner(self.children, self.tmp)
        self.results = {"meta": {}, "systems": {}, "start": {}, "stop": {}, "density": {},
                        "burst": {},
                        "provision": {}, "manage": {}, "quotas": {}, "overhead": {},
                        "checkpoint": {}, "migrate": {}}
        self.images = {}
        self._ct_conn = None
        os.makedirs(self.sigdir, exist_ok=True)
        for name, text in INIT_SCRIPTS.items():
            with open(os.path.join(self.sigdir, name + ".sh"), "w") as f:
                f.write(text)
        self.fifo = Fifo(os.path.join(self.sigdir, "fifo"))
        self.seq = 0

    def ct_conn(self):
        if self._ct_conn is None:
            try:
                self._ct_conn = libvirt.open(self.cfg["ct_uri"])
            except libvirt.libvirtError as e:
                raise Failed(str(e))
        return self._ct_conn

    def newname(self, system):
        self.seq += 1
        return "%s%05d" % (system.prefix, self.seq)

    def kill_box(self, name):
        """SIGKILL to every process of one container (the last resort)"""
        for pid, bid in scan(self.token).items():
            if bid == name:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass

    def disk_image(self, box):
        """a 64 MiB ext4 image holding a copy of the box's root (LXC's loop
        backing store, nspawn --image, libvirt-lxc type='file')"""
        img = os.path.join(self.tmp, "img", "%s.img" % box.name)
        if img in self.images:
            return img
        os.makedirs(os.path.dirname(img), exist_ok=True)
        mnt = img + ".mnt"
        os.makedirs(mnt, exist_ok=True)
        run = self.runner.run
        run(["truncate", "-s", "%dM" % LIMIT_DISK_MIB, img], check=True)
        run(["mkfs.ext4", "-q", "-F", img], check=True)
        run(["mount", "-o", "loop", img, mnt], check=True)
        try:
            run(["cp", "-a", self.rootfs[box.rootfs] + "/.", mnt], check=True)
        finally:
            run(["umount", mnt])
        os.rmdir(mnt)
        self.images[img] = True
        box.files.append(img)
        return img

    # --- one container's life ----------------------------------------------------

    def launch(self, system, init, rootfs="busybox", limits=(), fg=False, timeout=60):
        """prepares and starts a box, waits for its init's line in the
        FIFO; (box, ready_ns - request_ns); raises Failed, cleaned up"""
        box = Box(system, self.newname(system), rootfs, init, limits)
        system.prepare(box)
        box.t_start = time.monotonic()
        t0 = time.perf_counter_ns()
        try:
            system.start(box, fg)
        except (Failed, OSError) as e:
            self.dispose(box)
            raise Failed(str(e))
        t = self.fifo.wait(box.name, timeout,
                           dead=(lambda: self.children.ended(box.pid)) if box.pid else None)
        if t is None:
            why = "no sign of the container's init within %ds" % timeout
            if box.pid and self.children.ended(box.pid):
                why = "the container ended before its init ran (exit status %s)" % (
                    os.waitstatus_to_exitcode(self.children.wait(box.pid, 0)))
            if isinstance(system, Nspawn) or isinstance(system, Podman):
                why += ": " + (system.output(box) if isinstance(system, Nspawn)
                               else self.tail(box.out))
            elif isinstance(system, Lxc):
                why += ": " + system.logtail(box)
            self.dispose(box)
            raise Failed(why)
        return box, t - t0

    def tail(self, path):
        try:
            with open(path, errors="replace") as f:
                return " ".join(f.read().split())[-400:]
        except OSError:
            return ""

    def stop(self, box, how, timeout=60):
        box.system.stop(box, how, timeout)
        box.ended = True

    def gone(self, box, timeout):
        box.ended = box.system.wait_gone(box, timeout)
        return box.ended

    def dispose(self, box):
        """stops (untimed) and removes a box, whatever state it is in"""
        s = box.system
        try:
            if not box.ended and box.pid is None:
                self.stop(box, "force", timeout=30)
        except Exception:
            pass
        try:
            s.cleanup(box)
        except Exception:
            pass

    # --- scenarios -------------------------------------------------------------------

    def rounds(self, systems, n, body, warmup=1):
        """body(system, round) for each system in turn, n (+ warmup)
        rounds, the first system rotating; samples (ms) per system; a
        system failing 3 times in a row is dropped with its error"""
        samples = {s.name: [] for s in systems}
        errors = {s.name: [] for s in systems}
        fails = {s.name: 0 for s in systems}
        active = list(systems)
        for r in range(n + warmup):
            k = r % max(1, len(active))
            for s in active[k:] + active[:k]:
                if s not in active:
                    continue
                try:
                    v = body(s, r)
                    fails[s.name] = 0
                    if r >= warmup and v is not None:
                        samples[s.name].append(v)
                except Exception as e:  # recorded, never fatal
                    fails[s.name] += 1
                    msg = str(e) if isinstance(e, Failed) else traceback.format_exc(limit=3)
                    if len(errors[s.name]) < 3 and msg not in errors[s.name]:
                        errors[s.name].append(msg)
                    if fails[s.name] >= 3:
                        active.remove(s)
                        log("  %s dropped: %s" % (s.name, msg[:300]))
        out = {}
        for s in systems:
            out[s.name] = {"stats": stats(samples[s.name]), "samples": samples[s.name],
                           "errors": errors[s.name]}
        return out

    def scenario_start(self, systems):
        runs = self.cfg["runs"]
        for rootfs in self.cfg["start_rootfs"]:
            log("start latency on %s: %d rounds x %d systems" % (rootfs, runs, len(systems)))

            def trivial(s, r):
                box, lat = self.launch(s, "triv", rootfs, fg=True)
                try:
                    if not self.gone(box, 30):
                        raise Failed("the trivial container did not end")
                finally:
                    self.dispose(box)
                return ms(lat)

            def startstop(s, r):
                t0 = time.perf_counter_ns()
                box, _ = self.launch(s, "idle", rootfs)
                try:
                    self.stop(box, "force", timeout=30)
                    t1 = time.perf_counter_ns()
                finally:
                    self.dispose(box)
                return ms(t1 - t0)

            res = {"trivial": self.rounds(systems, runs, trivial, warmup=2),
                   "startstop": self.rounds(systems, runs, startstop, warmup=1)}
            self.results["start"][rootfs] = res
            for s in systems:
                log("  %-12s trivial %s   start+stop %s" % (
                    s.name, fmt(res["trivial"][s.name]["stats"]),
                    fmt(res["startstop"][s.name]["stats"])))

    def scenario_burst(self, systems, n=100, clients=4):
        """n starts at once from several clients: the time until every
        init ran (and how many did), per system"""
        log("burst: %d starts from %d clients, %d systems" % (n, clients, len(systems)))
        for s in systems:
            self.fifo.drain()
            boxes = [Box(s, self.newname(s), "busybox", "idle") for _ in range(n)]
            errs = []
            try:
                for b in boxes:
                    s.prepare(b)
                conns = []
                if isinstance(s, CtApi) and not isinstance(s, CtVirsh):
                    conns = [libvirt.open(s.uri()) for _ in range(clients)]
                    for i, b in enumerate(boxes):
                        b.conn = conns[i % clients]
            except Exception as e:
                self.results["burst"][s.name] = {"error": str(e)[:300]}
                for b in boxes:
                    self.dispose(b)
                continue

            def client(k):
                for b in boxes[k::clients]:
                    try:
                        s.start(b)
                    except Exception as e:
                        errs.append(str(e)[:300])
            threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
            t0 = time.perf_counter_ns()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            t_req = time.perf_counter_ns()
            got = self.fifo.wait_all([b.name for b in boxes], 120)
            t_end = max(got.values()) if got else time.perf_counter_ns()
            out = {"n": n, "clients": clients, "ran": len(got),
                   "requests_s": round((t_req - t0) / 1e9, 3),
                   "all_ran_s": round((t_end - t0) / 1e9, 3),
                   "error": errs[0] if errs else None, "errors": len(errs)}
            self.results["burst"][s.name] = out
            log("  %-12s %d of %d ran, all in %.2f s (requests returned in %.2f s)%s"
                % (s.name, len(got), n, out["all_ran_s"], out["requests_s"],
                   " errors %d: %s" % (len(errs), errs[0][:120]) if errs else ""))
            self.stop_all([b for b in boxes if b.name in got])
            for b in boxes:
                b.conn = None
                self.dispose(b)
            for c in conns:
                try:
                    c.close()
                except libvirt.libvirtError:
                    pass
            try:
                s.kill_leftovers()
            except Exception:
                pass

    def scenario_stop(self, systems):
        runs = self.cfg["runs"]
        log("stop latency: %d rounds x %d systems" % (runs, len(systems)))

        def timed_stop(init, how, cap):
            def body(s, r):
                box, _ = self.launch(s, init)
                try:
                    time.sleep(0.02)
                    t0 = time.perf_counter_ns()
                    self.stop(box, how, timeout=cap)
                    return ms(time.perf_counter_ns() - t0)
                finally:
                    self.dispose(box)
            return body

        res = {"graceful": self.rounds(systems, runs, timed_stop("graceful", "graceful", 30)),
               "force": self.rounds(systems, runs, timed_stop("ignore", "force", 30))}
        for s in systems:
            log("  %-12s graceful %s   force %s" % (
                s.name, fmt(res["graceful"][s.name]["stats"]),
                fmt(res["force"][s.name]["stats"])))
        esc = {}
        cap = self.cfg["escalation_cap"]
        for s in systems if self.cfg["escalation_runs"] else []:
            e = {"samples": [], "outcome": None}
            for _ in range(self.cfg["escalation_runs"]):
                try:
                    box, _ = self.launch(s, "ignore")
                except Failed as ex:
                    e["outcome"] = "cannot start: %s" % ex
                    break
                try:
                    t0 = time.perf_counter_ns()
                    how = "shutdown" if isinstance(s, CtApi) else "graceful"
                    self.stop(box, how, timeout=cap)
                    e["samples"].append(ms(time.perf_counter_ns() - t0))
                    e["outcome"] = "stopped"
                except Failed as ex:
                    e["outcome"] = "not stopped within %ds: %s" % (cap, str(ex)[:300])
                    break
                finally:
                    self.dispose(box)
            e["stats"] = stats(e["samples"])
            esc[s.name] = e
            log("  %-12s SIGTERM ignored, graceful stop: %s (%s)" % (
                s.name, fmt(e["stats"]), (e["outcome"] or "")[:120]))
        res["escalation"] = esc
        res["escalation_cap_s"] = cap
        self.results["stop"] = res

    def snapshot(self, system):
        avail = []
        for _ in range(3):
            avail.append(meminfo()["MemAvailable"])
            time.sleep(0.3)
        mi = meminfo()
        mi["MemAvailable"] = sorted(avail)[1]
        procs = scan(self.token)
        inits = set(procs)
        sups = set()
        for pid in inits:
            pp = ppid_of(pid)
            if pp and pp not in inits and pp != os.getpid() and pp != 1:
                sups.add(pp)
        daemon = 0
        if system.daemon_pidfile:
            try:
                with open(system.daemon_pidfile) as f:
                    daemon = pss_kb(int(f.read().split()[0]))
            except (OSError, ValueError, IndexError):
                pass
        return {"avail_kb": mi["MemAvailable"], "used_kb": mi["MemTotal"] - mi["MemAvailable"],
                "host_procs": len(host_pids()), "ct_procs": len(inits), "supervisors": len(sups),
                "sup_pss_kb": sum(pss_kb(p) for p in sups),
                "ct_pss_kb": sum(pss_kb(p) for p in inits), "daemon_pss_kb": daemon,
                "containers": len(set(procs.values())), "ptys": pty_count()}

    def scenario_density(self, systems):
        levels = self.cfg["density_levels"]
        cap = self.cfg["density_cap_s"]
        for s in systems:
            log("density %s: levels %s (start phase capped at %ds)" % (s.name, levels, cap))
            self.fifo.drain()
            drop_caches()
            time.sleep(1)
            base = self.snapshot(s)
            boxes, out = [], {"levels": [], "max_n": 0, "broke": None, "base": base}
            started_ns = 0
            t_begin = time.monotonic()
            # the stop of all of them counts against the cap too: estimated from
            # the stop scenario, 8 stops at a time as stop_all() does
            stop_s = (med_of(self.results.get("stop", {}).get("force", {}).get(s.name)) or 0)
            stop_s = stop_s / 1000 / 8
            for n in levels:
                if boxes:
                    per = (time.monotonic() - t_begin) / len(boxes) + stop_s
                    need = time.monotonic() - t_begin + per * (n - len(boxes)) + stop_s * len(boxes)
                    if need > cap:
                        out["broke"] = ("time cap: %d would take about %.0f s to start and stop, "
                                        "over the %d s cap" % (n, need, cap))
                        break
                t0 = time.perf_counter_ns()
                err = None
                while len(boxes) < n:
                    try:
                        box, _ = self.launch(s, "idle", timeout=60)
                        boxes.append(box)
                    except Exception as e:
                        err = "container %d failed: %s" % (len(boxes) + 1, str(e)[:400])
                        break
                    if time.monotonic() - t_begin > cap * 1.5:
                        err = "time cap: %d started in %.0f s" % (len(boxes),
                                                                   time.monotonic() - t_begin)
                        break
                started_ns += time.perf_counter_ns() - t0
                if err:
                    out["broke"] = err
                    log("  %s broke at %d: %s" % (s.name, len(boxes) + 1, err[:200]))
                    break
                time.sleep(2)
                drop_caches()
                time.sleep(1)
                snap = self.snapshot(s)
                lvl = {"n": n, "start_all_s": round(started_ns / 1e9, 3),
                       "mem_avail_drop_kb_per_ct": round((base["avail_kb"] - snap["avail_kb"]) / n, 1),
                       "procs_per_ct": round((snap["ct_procs"] + snap["supervisors"]) / n, 3),
                       "host_procs_delta_per_ct": round((snap["host_procs"] - base["host_procs"]) / n,
                                                        3),
                       "sup_pss_kb_per_ct": round(snap["sup_pss_kb"] / n, 1),
                       # host PTYs in use (kernel.pty.nr, bounded by kernel.pty.max)
                       "ptys_per_ct": round((snap["ptys"] - base["ptys"]) / n, 2),
                       "ct_pss_kb_per_ct": round(snap["ct_pss_kb"] / n, 1),
                       "daemon_pss_kb_per_ct": round((snap["daemon_pss_kb"] - base["daemon_pss_kb"])
                                                     / n, 1),
                       "containers_seen": snap["containers"], "snapshot": snap}
                out["levels"].append(lvl)
                out["max_n"] = n
                log("  N=%d: start all %.1f s, MemAvailable -%.0f KiB/ct, %.2f procs/ct, "
                    "supervisor PSS %.0f KiB/ct, %.2f PTYs/ct"
                    % (n, lvl["start_all_s"], lvl["mem_avail_drop_kb_per_ct"], lvl["procs_per_ct"],
                       lvl["sup_pss_kb_per_ct"], lvl["ptys_per_ct"]))
            t0 = time.perf_counter_ns()
            stop_err = self.stop_all(boxes)
            out["stop_all_s"] = round((time.perf_counter_ns() - t0) / 1e9, 3)
            out["stop_all_n"] = len(boxes)
            out["stop_error"] = stop_err
            log("  stop all %d: %.1f s%s" % (len(boxes), out["stop_all_s"],
                                             " (%s)" % stop_err if stop_err else ""))
            for box in boxes:
                self.dispose(box)
            try:
                s.kill_leftovers()
            except Exception:
                pass
            self.results["density"][s.name] = out

    def stop_all(self, boxes, workers=8):
        """force-stops boxes, WORKERS requests at a time; the first error"""
        todo = list(boxes)
        lock = threading.Lock()
        errs = []

        def worker():
            while True:
                with lock:
                    if not todo:
                        return
                    box = todo.pop()
                try:
                    self.stop(box, "force", timeout=120)
                except Exception as e:
                    errs.append(str(e)[:300])
        threads = [threading.Thread(target=worker) for _ in range(workers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return errs[0] if errs else None

    def du(self, *paths):
        paths = [p for p in paths if os.path.exists(p)]
        if not paths:
            return 0
        r = self.runner.run(["du", "-scxB1"] + paths)
        try:
            return int(r.out.strip().splitlines()[-1].split()[0])
        except (IndexError, ValueError):
            return None

    def scenario_provision(self, by_name):
        runs = self.cfg["prov_runs"]
        ct = by_name.get("ct-api")
        root = self.cfg["ct_root"]
        res = {}
        for tpl in ("busybox", "debian"):
            log("provisioning from %s: %d rounds" % (tpl, runs))
            src = self.rootfs[tpl]
            work = os.path.join(self.tmp, "prov")
            os.makedirs(work, exist_ok=True)
            bytes_ = {}

            def ct_define(quota, virsh=False):
                def body(m, r):
                    box = Box(ct, self.newname(ct), tpl, "idle")
                    box.quota_mib = quota
                    ct.prepare(box)
                    layer = os.path.join(root, "var/lib/ct/containers", box.name)
                    conf = os.path.join(root, "etc/ct", box.name + ".xml")
                    try:
                        if virsh:
                            f = os.path.join(self.tmp, box.name + ".xml")
                            with open(f, "w") as fh:
                                fh.write(box.xmltext)
                            t0 = time.perf_counter_ns()
                            rr = self.runner.run(["virsh", "-q", "-c", self.cfg["ct_uri"], "define",
                                                  f])
                            t1 = time.perf_counter_ns()
                            os.unlink(f)
                            if rr.rc != 0:
                                raise Failed(rr.error())
                            dom = ct.conn.lookupByName(box.name)
                        else:
                            t0 = time.perf_counter_ns()
                            dom = ct.conn.defineXML(box.xmltext)
                            t1 = time.perf_counter_ns()
                        bytes_.setdefault(m, []).append(self.du(layer, conf))
                        if not virsh:
                            s0 = time.perf_counter_ns()
                            dom.create()
                            s1 = time.perf_counter_ns()
                            self.fifo.wait(box.name, 30)
                            starts.setdefault(m, []).append(ms(s1 - s0))
                            after.setdefault(m, []).append(self.du(layer))
                            dom.destroy()
                        dom.undefine()
                    finally:
                        if os.path.exists(layer):
                            self.runner.run([self.cfg["tpl"], "-q", "--data-dir",
                                             os.path.join(root, "var/lib/ct"), "layer-remove",
                                             box.name])
                    return ms(t1 - t0)
                return body

            def cp_a(m, r):
                dst = os.path.join(work, "copy")
                rr = self.runner.run(["cp", "-a", src, dst])
                if rr.rc != 0:
                    raise Failed(rr.error())
                bytes_.setdefault(m, []).append(self.du(dst))
                shutil.rmtree(dst)
                return ms(rr.ns)

            def overlay(m, r):
                d = os.path.join(work, "ov")
                for x in ("upper", "work", "merged"):
                    os.makedirs(os.path.join(d, x), exist_ok=True)
                opts = "lowerdir=%s,upperdir=%s/upper,workdir=%s/work" % (src, d, d)
                t0 = time.perf_counter_ns()
                rc = LIBC.mount(b"overlay", (d + "/merged").encode(), b"overlay", 0, opts.encode())
                t1 = time.perf_counter_ns()
                if rc != 0:
                    raise Failed("mount(2) overlay: " + os.strerror(ctypes.get_errno()))
                bytes_.setdefault(m, []).append(self.du(d + "/upper", d + "/work"))
                LIBC.umount2((d + "/merged").encode(), 0)
                shutil.rmtree(d)
                return ms(t1 - t0)

            lxcp = os.path.join(work, "lxc")

            def lxc_copy(m, r):
                if not os.path.exists(os.path.join(lxcp, "base", "config")):
                    # lxc-copy wants the container's name in its root's path
                    os.makedirs(os.path.join(lxcp, "base"), exist_ok=True)
                    os.symlink(src, os.path.join(lxcp, "base", "rootfs"))
                    with open(os.path.join(lxcp, "base", "config"), "w") as f:
                        f.write("lxc.uts.name = base\nlxc.rootfs.path = dir:%s/base/rootfs\n"
                                % lxcp)
                name = "s%d" % r
                rr = self.runner.run(["lxc-copy", "-P", lxcp, "-n", "base", "-N", name, "-s",
                                      "-B", "overlay", "-l", "ERROR", "-o", lxcp + "/log"])
                if rr.rc != 0:
                    raise Failed(rr.error())
                bytes_.setdefault(m, []).append(self.du(os.path.join(lxcp, name)))
                self.runner.run(["lxc-destroy", "-P", lxcp, "-n", name])
                return ms(rr.ns)

            pod = by_name.get("podman")

            def podman_create(m, r):
                name = "pv%d" % r
                store = os.path.join(self.tmp, "podman", "root")
                before = self.du(store)
                rr = self.runner.run(pod.base + ["create", "--name", name] + pod.common +
                                     ["--rootfs", src + ":O", "/bin/true"])
                if rr.rc != 0:
                    raise Failed(rr.error())
                bytes_.setdefault(m, []).append((self.du(store) or 0) - (before or 0))
                self.runner.run(pod.base + ["rm", "-f", name])
                return ms(rr.ns)

            methods = {}
            starts, after = {}, {}
            if ct:
                methods["ct define (API)"] = ct_define(0)
                methods["ct define (virsh)"] = ct_define(0, virsh=True)
                methods["ct define, 1 GiB disk quota (API)"] = ct_define(1024)
            methods["cp -a"] = cp_a
            methods["overlay mount(2)"] = overlay
            if shutil.which("lxc-copy"):
                methods["lxc-copy -s -B overlay"] = lxc_copy
            if pod:
                methods["podman create --rootfs :O"] = podman_create

            class M:
                def __init__(self, name):
                    self.name = name
            objs = [M(n) for n in methods]
            out = self.rounds(objs, runs, lambda m, r: methods[m.name](m.name, r), warmup=1)
            for m in methods:
                b = [x for x in bytes_.get(m, []) if x is not None]
                out[m]["bytes"] = stats(b)
                if m in starts:
                    out[m]["first_start"] = stats(starts[m])
                    out[m]["bytes_after_start"] = stats([x for x in after[m] if x is not None])
                log("  %-34s %s, %s bytes%s" % (
                    m, fmt(out[m]["stats"]), (out[m]["bytes"] or {}).get("median"),
                    ("; first start %s, %s bytes" % (fmt(out[m]["first_start"]),
                                                     (out[m]["bytes_after_start"] or {})
                                                     .get("median")))
                    if m in starts else ""))
            res[tpl] = out
            shutil.rmtree(work, ignore_errors=True)
        self.results["provision"] = res

    def scenario_manage(self, by_name):
        ct = by_name.get("ct-api")
        if not ct:
            return
        ndef, nrun = self.cfg["manage_defined"], self.cfg["manage_running"]
        runs = self.cfg["runs"]
        log("management: %d defined, %d running, %d rounds" % (ndef, nrun, runs))
        res = {"defined": ndef, "running": nrun}
        doms = []
        t0 = time.perf_counter_ns()
        try:
            for i in range(ndef):
                box = Box(ct, "m%05d" % i, "busybox", "idle")
                ct.prepare(box)
                doms.append(ct.conn.defineXML(box.xmltext))
            res["define_all_s"] = round((time.perf_counter_ns() - t0) / 1e9, 3)
            names = [d.name() for d in doms]
            res["events"] = self.manage_event_burst(ct, names[:min(500, nrun)])
            started = min(500, nrun)
            res["curve"] = []
            for lvl in sorted({min(500, nrun), nrun // 4, nrun // 2, nrun}):
                if lvl < started or lvl <= 0:
                    continue
                t0 = time.perf_counter_ns()
                for d in doms[started:lvl]:
                    d.create()
                got = self.fifo.wait_all(names[started:lvl], 120)
                pt = {"running": lvl, "start_s": round((time.perf_counter_ns() - t0) / 1e9, 3),
                      "started": len(got)}
                started = lvl
                for k, fn in (("listAllDomains", lambda: ct.conn.listAllDomains()),
                              ("getAllDomainStats (running)", lambda: ct.conn.getAllDomainStats(
                                  flags=libvirt.VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE)),
                              ("lookup+info", lambda: ct.conn.lookupByName(names[0]).info())):
                    samples = [ms(timed(fn)) for _ in range(max(3, min(runs, 10)))]
                    pt[k] = stats(samples)
                res["curve"].append(pt)
                log("  %d running: listAllDomains %.1f ms, getAllDomainStats %.1f ms, "
                    "lookup+info %.2f ms" % (lvl, pt["listAllDomains"]["median"],
                                             pt["getAllDomainStats (running)"]["median"],
                                             pt["lookup+info"]["median"]))
            res["start_all_s"] = round(sum(p["start_s"] for p in res["curve"]) +
                                       res["events"].get("all_ran_s", 0), 3)
            res["started"] = started
            uri = self.cfg["ct_uri"]
            ops = {
                "virsh list --all": lambda r: self.runner.run(["virsh", "-q", "-c", uri, "list",
                                                               "--all"]).ns,
                "virsh dominfo": lambda r: self.runner.run(["virsh", "-q", "-c", uri, "dominfo",
                                                            names[r * 7 % nrun]]).ns,
                "virsh domstats": lambda r: self.runner.run(["virsh", "-q", "-c", uri,
                                                             "domstats"]).ns,
                "API listAllDomains": lambda r: timed(ct.conn.listAllDomains),
                "API lookup+info": lambda r: timed(lambda: ct.conn.lookupByName(
                    names[r * 7 % nrun]).info()),
                "API getAllDomainStats": lambda r: timed(ct.conn.getAllDomainStats),
            }

            class O:
                def __init__(self, name):
                    self.name = name
            out = self.rounds([O(n) for n in ops], runs, lambda o, r: ms(ops[o.name](r)))
            res["ops"] = out
            for n in ops:
                log("  %-24s %s" % (n, fmt(out[n]["stats"])))
            r = self.runner.run(["virsh", "-q", "-c", uri, "list", "--all"])
            res["list_lines"] = len(r.out.splitlines())
        except Exception as e:
            res["error"] = str(e)[:400]
            log("  management failed: %s" % e)
        finally:
            t0 = time.perf_counter_ns()
            boxes = []
            for d in doms[:nrun]:
                b = Box(ct, d.name(), "busybox", "idle")
                b.dom = d
                boxes.append(b)
            self.stop_all(boxes)
            res["destroy_all_s"] = round((time.perf_counter_ns() - t0) / 1e9, 3)
            t0 = time.perf_counter_ns()
            for d in doms:
                try:
                    d.undefine()
                except libvirt.libvirtError:
                    pass
            res["undefine_all_s"] = round((time.perf_counter_ns() - t0) / 1e9, 3)
        self.results["manage"] = res

    def manage_event_burst(self, ct, names, clients=4):
        """starts the defined NAMES at once from CLIENTS connections while
        another client listens for lifecycle events: how many STARTED
        events arrived, and when the last one came after the last start"""
        global EVENT_LOOP
        if not EVENT_LOOP:
            libvirt.virEventRegisterDefaultImpl()

            def loop():
                while True:
                    libvirt.virEventRunDefaultImpl()
            threading.Thread(target=loop, daemon=True).start()
            EVENT_LOOP = True
        seen = {}
        want = set(names)

        def on_event(conn, dom, event, detail, opaque):
            if event == libvirt.VIR_DOMAIN_EVENT_STARTED and dom.name() in want:
                seen.setdefault(dom.name(), time.perf_counter_ns())
        evconn = libvirt.open(ct.uri())
        cb = evconn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                           on_event, None)
        conns = [libvirt.open(ct.uri()) for _ in range(clients)]
        errs = []

        def client(k):
            for name in names[k::clients]:
                try:
                    conns[k].lookupByName(name).create()
                except libvirt.libvirtError as e:
                    errs.append(str(e)[:300])
        threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
        t0 = time.perf_counter_ns()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        t_req = time.perf_counter_ns()
        got = self.fifo.wait_all(names, 120)
        end = time.monotonic() + 30
        while len(seen) < len(got) and time.monotonic() < end:
            time.sleep(0.01)
        out = {"n": len(names), "clients": clients, "ran": len(got), "events": len(seen),
               "requests_s": round((t_req - t0) / 1e9, 3),
               "all_ran_s": round(((max(got.values()) if got else t_req) - t0) / 1e9, 3),
               "last_event_after_last_request_ms": round(
                   ((max(seen.values()) if seen else t_req) - t_req) / 1e6, 1),
               "error": errs[0] if errs else None}
        log("  events: %d starts from %d clients in %.2f s, %d ran, %d STARTED events "
            "received (the last %.1f ms after the last request returned)"
            % (len(names), clients, out["requests_s"], len(got), len(seen),
               out["last_event_after_last_request_ms"]))
        evconn.domainEventDeregisterAny(cb)
        for c in conns + [evconn]:
            c.close()
        return out

    def quota_test(self, s, q):
        """(status, detail): status enforced / not enforced / failed"""
        box, _ = self.launch(s, "q-" + q, "busybox", limits=(q,), timeout=60)
        try:
            resf = os.path.join(self.sigdir, "res." + box.name)
            text = ""
            if os.path.exists(resf):
                with open(resf) as f:
                    text = f.read().strip()
                os.unlink(resf)
            if q == "memory":
                rc = int(text or -1)
                if rc >= 128:
                    return "enforced", "a 200 MiB allocation under a %d MiB limit was killed " \
                        "(exit %d)" % (LIMIT_MEM_MIB, rc)
                return "not enforced", "a 200 MiB allocation under a %d MiB limit ended with " \
                    "exit %d" % (LIMIT_MEM_MIB, rc)
            if q == "cpu":
                u, st = (int(x) for x in text.split())
                share = (u + st) / 100 / 3
                status = "enforced" if share <= LIMIT_CPU * 1.3 else "not enforced"
                return status, "a busy loop got %.0f%% of a CPU for 3 s under a %.0f%% quota" % (
                    share * 100, LIMIT_CPU * 100)
            if q == "pids":
                n = sum(1 for b in scan(self.token).values() if b == box.name)
                status = "enforced" if n <= LIMIT_PIDS + 2 else "not enforced"
                return status, "%d processes ran when 101 were asked for under a limit of %d" % (
                    n, LIMIT_PIDS)
            if q == "disk":
                rc, size = (int(x) for x in text.split())
                status = "enforced" if rc != 0 and size <= (LIMIT_DISK_MIB + 8) << 20 \
                    else "not enforced"
                return status, "dd of 128 MiB under a %d MiB limit: exit %d, %.1f MiB written" % (
                    LIMIT_DISK_MIB, rc, size / 1048576)
        finally:
            self.dispose(box)

    def scenario_quotas(self, systems):
        log("quotas")
        for s in systems:
            out = {}
            for q in ("memory", "cpu", "pids", "disk"):
                why = s.quota_support.get(q)
                if why:
                    out[q] = {"status": "not supported", "detail": why}
                    continue
                try:
                    st, detail = self.quota_test(s, q)
                    out[q] = {"status": st, "detail": detail}
                except Exception as e:
                    out[q] = {"status": "failed", "detail": str(e)[:400] if isinstance(e, Failed)
                              else traceback.format_exc(limit=2)[-400:]}
                if isinstance(s, Nspawn) and out[q]["status"] == "not enforced":
                    out[q]["detail"] += ("; nspawn: --register=no turns --property= off (it needs "
                                         "systemd as PID 1 to make a scope)")
            self.results["quotas"][s.name] = out
            log("  %-12s %s" % (s.name, ", ".join("%s: %s" % (q, v["status"])
                                                   for q, v in out.items())))

    def ckpt_xml(self, box):
        """a transient ct container on the box's template with the /sig bind,
        as CtApi.xml, with CKPT_MEM_MIB of memory; init is the box's script,
        or the template's /sbin/init (systemd)"""
        env = "".join("<initenv name='%s'>%s</initenv>" % (k, v)
                      for k, v in box.system.env(box).items() if k != "PATH")
        if box.init:
            init = "<init>/bin/sh</init>%s" % "".join(
                "<initarg>%s</initarg>" % a for a in box.system.init_argv(box)[1:])
        else:
            init = "<init>/sbin/init</init>"
        return """<domain type='lxc' xmlns:ct='http://libvirt.org/schemas/domain/ct/1.0'>
  <name>%s</name>
  <memory unit='MiB'>%d</memory>
  <os><type>exe</type>%s%s</os>
  <devices>
    <filesystem type='template'><source name='%s'/><target dir='/'/>%s</filesystem>
    <filesystem type='mount'><source dir='%s'/><target dir='/sig'/></filesystem>
  </devices>
</domain>
""" % (box.name, CKPT_MEM_MIB, init, env, box.rootfs,
       "<space_hard_limit unit='MiB'>%d</space_hard_limit>" % box.quota_mib
       if box.quota_mib else "", self.sigdir)

    def ct_enter(self, box, *argv, timeout=60):
        return self.runner.run([self.cfg["enter"], "-c", self.cfg["ct_uri"], box.name, "--"] +
                               list(argv), timeout=timeout, env=dict(os.environ,
                                                                     **box.system.env(box)))

    def ckpt_launch(self, ct, case, quota_mib=0):
        """a checkpoint case's container (with a disk image of quota_mib,
        when given), started, with its clock running: (box, ms from the
        request until then)"""
        key, tpl, init, _ = case[:4]
        box = Box(ct, self.newname(ct), tpl, init)
        box.quota_mib = quota_mib
        box.xmltext = self.ckpt_xml(box)
        t0 = time.perf_counter_ns()
        ct.start(box)
        try:
            if init:
                if self.fifo.wait(box.name, 60) is None:
                    raise Failed("no sign of the container's init within 60 s")
            else:
                # systemd: until it says it is running, then the clock
                end = time.monotonic() + 120
                state = ""
                while time.monotonic() < end:
                    r = self.ct_enter(box, "/bin/systemctl", "is-system-running")
                    state = r.out.strip()
                    if state == "running":
                        break
                    time.sleep(0.1)
                if state != "running":
                    failed = self.ct_enter(box, "/bin/systemctl", "--failed", "--plain",
                                           "--no-legend").out
                    raise Failed("systemd not running 120 s after the start: %r; failed "
                                 "units: %s" % (state, " ".join(failed.split())[:200]))
                r = self.ct_enter(box, "/sig/stamp", "-d", "/tmp/stamps")
                if r.rc != 0:
                    raise Failed("the clock does not start: " + r.error())
        except Exception:
            self.dispose(box)
            raise
        return box, ms(time.perf_counter_ns() - t0)

    @staticmethod
    def criu_log(path):
        """from a CRIU log: how long the run took (its last "(SS.ffffff)"
        time stamp), in ms, and how many times a dump waited (100 ms each)
        for the cgroup to be frozen ("freezing processes: N attempts
        done"); Nones without a log"""
        last = waits = None
        try:
            with open(path, errors="replace") as f:
                for line in f:
                    if line.startswith("(") and ")" in line[:16]:
                        try:
                            last = float(line[1:line.index(")")])
                        except ValueError:
                            pass
                        if "freezing processes: " in line:
                            try:
                                waits = int(line.split("freezing processes: ")[1].split()[0])
                            except (IndexError, ValueError):
                                pass
        except OSError:
            pass
        return (None if last is None else last * 1000), waits

    def ckpt_freeze(self, box, rt_save, rt_restored, timeout=10, pid=None):
        """the largest gap in the container's clock since the save
        request, once it has run on for 50 ms after the restore:
        (gap, its start after the save request, its end after the restore
        returned), ms.  pid: the container's init (its domain ID) when
        not box.dom's (on another host)"""
        path = "/proc/%d/root/tmp/stamps" % (pid or box.dom.ID())
        end = time.monotonic() + timeout
        while True:
            try:
                with open(path, "rb") as f:
                    data = f.read()
            except OSError:
                data = b""
            a = array.array("q")
            a.frombytes(data[:len(data) // 8 * 8])
            if a and a[-1] > rt_restored + 50e6:
                break
            if time.monotonic() > end:
                raise Failed("the clock in the container did not run on after the restore "
                             "(%d stamps in %s)" % (len(a), path))
            time.sleep(0.02)
        gap, at = 0, None
        for i in range(1, len(a)):
            if a[i] > rt_save and a[i] - a[i - 1] > gap:
                gap, at = a[i] - a[i - 1], i
        if at is None:
            raise Failed("no stamp in the container's clock after the save request")
        return ms(gap), ms(a[at - 1] - rt_save), ms(a[at] - rt_restored)

    def scenario_checkpoint(self, by_name):
        ct = by_name.get("ct-api")
        if not ct:
            return
        runs = self.cfg.get("checkpoint_runs", 3)
        t_begin = time.time()
        res = {"meta": {"date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
                        "mode": self.cfg["mode"], "machine": machine(),
                        "versions": {k: self.cfg.get("versions", {}).get(k)
                                     for k in ("libvirt-ct", "libvirt", "criu")},
                        "memory_mib": CKPT_MEM_MIB},
               "runs": runs, "cases": {}}
        self.results["checkpoint"] = res
        if not self.cfg.get("criu"):
            res["error"] = "this build of libvirt-ct has no CRIU (ct-criu)"
            log("checkpoint: %s" % res["error"])
            return
        log("checkpoint: %d rounds x %d containers" % (runs, len(CKPT_CASES)))
        shutil.copy(self.cfg["stamp"], os.path.join(self.sigdir, "stamp"))
        imgdir = os.path.join(self.tmp, "ckpt")
        os.makedirs(imgdir, exist_ok=True)
        logdir = os.path.join(self.cfg["ct_root"], "log", "ct")
        warmup = 1
        keys = ("restore", "total", "criu_dump", "criu_restore", "freeze", "freeze_begin",
                "freeze_end", "bytes", "apparent_bytes", "ready", "freezer_waits")
        extra = {c[0]: {k: [] for k in keys} for c in CKPT_CASES}
        after = {c[0]: [] for c in CKPT_CASES}
        cases = {c[0]: c for c in CKPT_CASES}

        def body(m, r):
            case = cases[m.name]
            box, ready = self.ckpt_launch(ct, case)
            img = os.path.join(imgdir, box.name + ".img")
            try:
                # a moment of the clock before the save
                time.sleep(0.2)
                rt0 = time.time_ns()
                t0 = time.perf_counter_ns()
                try:
                    box.dom.save(img)
                except libvirt.libvirtError as e:
                    raise Failed("save: %s" % e)
                t1 = time.perf_counter_ns()
                try:
                    ct.conn.restore(img)
                except libvirt.libvirtError as e:
                    box.ended = True
                    raise Failed("restore: %s" % e)
                t2 = time.perf_counter_ns()
                rt2 = time.time_ns()
                box.dom = ct.conn.lookupByName(box.name)
                st = os.stat(img)
                freeze = self.ckpt_freeze(box, rt0, rt2)
                state = "-"
                if case[2] is None:
                    state = self.ct_enter(box, "/bin/systemctl", "is-system-running").out.strip()
                if r >= warmup:
                    v = extra[m.name]
                    v["restore"].append(ms(t2 - t1))
                    v["total"].append(ms(t2 - t0))
                    dump, waits = self.criu_log(os.path.join(logdir, box.name + ".dump.log"))
                    v["criu_dump"].append(dump)
                    v["freezer_waits"].append(waits)
                    v["criu_restore"].append(self.criu_log(
                        os.path.join(logdir, box.name + ".restore.log"))[0])
                    v["freeze"].append(freeze[0])
                    v["freeze_begin"].append(freeze[1])
                    v["freeze_end"].append(freeze[2])
                    v["bytes"].append(st.st_blocks * 512)
                    v["apparent_bytes"].append(st.st_size)
                    v["ready"].append(ready)
                    after[m.name].append(state)
                return ms(t1 - t0)
            finally:
                self.dispose(box)
                try:
                    os.unlink(img)
                except OSError:
                    pass
                layer = os.path.join(self.cfg["ct_root"], "var/lib/ct/containers", box.name)
                if os.path.exists(layer):
                    self.runner.run([self.cfg["tpl"], "-q", "--data-dir",
                                     os.path.join(self.cfg["ct_root"], "var/lib/ct"),
                                     "layer-remove", box.name])

        class M:
            def __init__(self, name):
                self.name = name
        out = self.rounds([M(c[0]) for c in CKPT_CASES], runs, body, warmup=warmup)
        for key, tpl, init, lbl in CKPT_CASES:
            e = {"label": lbl, "template": tpl, "save": out[key]["stats"],
                 "errors": out[key]["errors"], "after_restore": after[key],
                 "samples": {"save": out[key]["samples"]}}
            for k in keys:
                vals = [x for x in extra[key][k] if x is not None]
                e[k] = stats(vals)
                e["samples"][k] = vals
            res["cases"][key] = e
            log("  %-8s save %s; restore %s; freeze %s; image %s bytes%s" % (
                key, fmt(e["save"]), fmt(e["restore"]), fmt(e["freeze"]),
                (e["bytes"] or {}).get("median"),
                "; %s" % e["errors"][0][:200] if e["errors"] else ""))
        res["meta"]["duration_s"] = round(time.time() - t_begin, 1)

    # --- migrate ---------------------------------------------------------------------

    def mig_admin(self, host, *args):
        """virt-admin on host1's or host2's daemon (in host2's namespaces)"""
        mc = self.cfg["migrate"]
        if host == 1:
            argv = ["virt-admin", "-c", mc["h1_admin_uri"]]
        else:
            argv = ["nsenter", "-t", str(mc["h2_ns_pid"]), "-m", "-n", "virt-admin", "-c",
                    "virtctd:///system"]
        return self.runner.run(argv + list(args), timeout=30)

    def mig_logs(self, on):
        """the daemons' debug messages of the driver and of the commands it
        runs (with their time stamps: the steps of a migration) into a log
        of their own on each host, or no longer"""
        mc = self.cfg["migrate"]
        for host, base in ((1, mc["h1_log"]), (2, mc["h2_log"])):
            debug = os.path.join(os.path.dirname(base), "virtctd-debug.log")
            outputs = "3:file:%s%s" % (base, " 1:file:%s" % debug if on else "")
            r1 = self.mig_admin(host, "daemon-log-filters", "1:ct.* 1:util.command" if on else "")
            r2 = self.mig_admin(host, "daemon-log-outputs", outputs)
            if on and (r1.rc != 0 or r2.rc != 0):
                log("  migrate: no debug log on host%d: %s" % (
                    host, (r1 if r1.rc != 0 else r2).error()))

    @staticmethod
    def log_times(path, offset, patterns):
        """{key: epoch ms} of the first line of a libvirt log, from offset on,
        that matches each of patterns {key: regex}"""
        found = {}
        try:
            with open(path, "rb") as f:
                f.seek(offset)
                data = f.read().decode(errors="replace")
        except OSError:
            return found
        for line in data.splitlines():
            if len(found) == len(patterns):
                break
            for k, rx in patterns.items():
                if k not in found and rx.search(line):
                    try:
                        t = datetime.datetime.strptime(line[:28], "%Y-%m-%d %H:%M:%S.%f%z")
                    except ValueError:
                        continue
                    found[k] = t.timestamp() * 1000
        return found

    @staticmethod
    def fsize(path):
        try:
            return os.path.getsize(path)
        except OSError:
            return 0

    def mig_steps(self, name, off1, off2):
        """where a migration's downtime went, from the daemons' debug logs
        (ms): CRIU's dump, the layer sent and unpacked on host2, the
        checkpoint sent and unpacked, host2 preparing the layer (the disk
        image mounted), the restore (CRIU, supervisor, cgroups)"""
        mc = self.cfg["migrate"]
        n = re.escape(name)
        src = self.log_times(
            os.path.join(os.path.dirname(mc["h1_log"]), "virtctd-debug.log"), off1,
            {"frozen": re.compile(r": checkpointing '%s' " % n),
             "layer": re.compile(r"sending what changed of the layer '\S*/containers/%s'" % n)})
        dst = self.log_times(
            os.path.join(mc["h2_log_dir"], "virtctd-debug.log"), off2,
            {"checkpoint": re.compile(r"About to run tar --extract .* -C \S*/save/%s\.restore"
                                      % n),
             "received": re.compile(r": received '%s': " % n),
             "plan": re.compile(r": building the plan of '%s'" % n),
             "running": re.compile(r": '%s' migrated in: " % n)})
        t = dict(src, **dst)
        order = [("dump", "frozen", "layer"), ("layer", "layer", "checkpoint"),
                 ("checkpoint", "checkpoint", "received"), ("prepare", "received", "plan"),
                 ("restore", "plan", "running")]
        return {k: (t[b] - t[a]) if a in t and b in t else None for k, a, b in order}

    def scenario_migrate(self, by_name):
        ct = by_name.get("ct-api")
        if not ct:
            return
        mc = self.cfg.get("migrate") or {}
        runs = self.cfg.get("migrate_runs", 3)
        t_begin = time.time()
        res = {"meta": {"date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
                        "mode": self.cfg["mode"], "machine": machine(),
                        "versions": {k: self.cfg.get("versions", {}).get(k)
                                     for k in ("libvirt-ct", "libvirt", "criu")},
                        "memory_mib": CKPT_MEM_MIB, "layer_mib": MIG_LAYER_MIB},
               "runs": runs, "cases": {}}
        self.results["migrate"] = res
        if not self.cfg.get("criu"):
            res["error"] = "this build of libvirt-ct has no CRIU (ct-criu)"
        elif mc.get("error") or not mc.get("h2_tls_uri"):
            res["error"] = "no second host: %s" % (mc.get("error") or "not started")
        if res.get("error"):
            log("migrate: %s" % res["error"])
            return
        try:
            conn2 = libvirt.open(mc["h2_tls_uri"])
        except libvirt.libvirtError as e:
            res["error"] = "cannot connect to host2: %s" % e
            log("migrate: %s" % res["error"])
            return
        items = [(c[0], m) for c in MIG_CASES for m in MIG_METHODS[c[0]]]
        log("migrate: %d rounds x %d (container, method)" % (runs, len(items)))
        shutil.copy(self.cfg["stamp"], os.path.join(self.sigdir, "stamp"))
        # the layer's data: random (nothing to compress or skip), written
        # once here and copied into each container's root
        blob = os.path.join(self.sigdir, "layer.bin")
        with open(blob, "wb") as f:
            for _ in range(MIG_LAYER_MIB):
                f.write(os.urandom(1 << 20))
        imgdir = os.path.join(self.tmp, "mig")
        os.makedirs(imgdir, exist_ok=True)
        # "by hand", the second host's side: a directory in host2's tree
        # (the same file system)
        h2dir = os.path.join(mc["h2_root"], "byhand")
        store1 = os.path.join(self.cfg["ct_root"], "var/lib/ct")
        store2 = os.path.join(mc["h2_root"], "var/lib/ct")
        logdir1 = os.path.join(self.cfg["ct_root"], "log", "ct")
        logdir2 = os.path.join(mc["h2_root"], "log", "ct")
        dbg1 = os.path.join(os.path.dirname(mc["h1_log"]), "virtctd-debug.log")
        dbg2 = os.path.join(mc["h2_log_dir"], "virtctd-debug.log")
        self.mig_logs(True)
        warmup = 1
        keys = ("downtime", "elapsed", "bytes", "freeze", "dump", "layer", "checkpoint",
                "prepare", "restore", "criu_dump", "criu_restore", "save", "copy",
                "image_bytes", "layer_bytes", "ready", "fill")
        extra = {"%s/%s" % it: {k: [] for k in keys} for it in items}
        after = {"%s/%s" % it: [] for it in items}
        cases = {c[0]: c for c in MIG_CASES}

        def layer_remove(store, name):
            if os.path.exists(os.path.join(store, "containers", name)):
                self.runner.run([self.cfg["tpl"], "-q", "--data-dir", store, "layer-remove", name])

        def enter2(name, *argv):
            return self.runner.run(["nsenter", "-t", str(mc["h2_ns_pid"]), "-m", "-n",
                                    self.cfg["enter"], "-c", mc["h2_uri"], name, "--"] +
                                   list(argv), timeout=60)

        def body(m, r):
            key, method = m.name.split("/")
            case = cases[key]
            v = extra[m.name]
            box, ready = self.ckpt_launch(ct, case, case[4])
            img = os.path.join(imgdir, box.name + ".img")
            dst = os.path.join(h2dir, box.name)
            moved = False
            try:
                fill = None
                if case[5]:
                    t0 = time.perf_counter_ns()
                    rr = self.ct_enter(box, "/bin/sh", "-c",
                                       "dd if=/sig/layer.bin of=/layer.bin bs=1M conv=fsync "
                                       ">/dev/null 2>&1 && sync", timeout=600)
                    if rr.rc != 0:
                        raise Failed("cannot write the layer's data: " + rr.error())
                    fill = ms(time.perf_counter_ns() - t0)
                # a moment of the clock before
                time.sleep(0.2)
                off1, off2 = self.fsize(dbg1), self.fsize(dbg2)
                rt0 = time.time_ns()
                if method != "byhand":
                    argv = ["virsh", "-q", "-c", self.cfg["ct_uri"], "migrate", "--live", "--p2p"]
                    if method == "tunnelled":
                        argv.append("--tunnelled")
                    rr = self.runner.run(argv + [box.name, mc["h2_tls_uri"]], timeout=900)
                    rt2 = time.time_ns()
                    if rr.rc != 0:
                        raise Failed("virsh migrate: " + rr.error())
                    moved = True
                    total = ms(rr.ns)
                    try:
                        dom2 = conn2.lookupByName(box.name)
                        js = dom2.jobStats(libvirt.VIR_DOMAIN_JOB_STATS_COMPLETED |
                                           libvirt.VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED)
                        pid2 = dom2.ID()
                    except libvirt.libvirtError as e:
                        raise Failed("on host2 after the migration: %s" % e)
                    freeze = self.ckpt_freeze(box, rt0, rt2, pid=pid2)
                    state = "-"
                    if case[2] is None:
                        state = enter2(box.name, "/bin/systemctl", "is-system-running").out.strip()
                    steps = self.mig_steps(box.name, off1, off2)
                    if r >= warmup:
                        v["downtime"].append(js.get("downtime"))
                        v["elapsed"].append(js.get("time_elapsed"))
                        v["bytes"].append(js.get("data_processed"))
                        for k, x in steps.items():
                            v[k].append(x)
                        # (CRIU's dump log runs on until the migration's
                        # end: it waits for the verdict, the tasks stopped)
                        v["criu_restore"].append(self.criu_log(
                            os.path.join(logdir2, box.name + ".restore.log"))[0])
                else:
                    # virsh save, the image and the layer copied to the
                    # second host's tree, virsh restore (here: the image is
                    # bound to this host's key)
                    layer = os.path.join(store1, "containers", box.name)
                    data = "disk.img" if os.path.exists(os.path.join(layer, "disk.img")) else "upper"
                    t0 = time.perf_counter_ns()
                    rr = self.runner.run(["virsh", "-q", "-c", self.cfg["ct_uri"], "save",
                                          box.name, img], timeout=900)
                    t1 = time.perf_counter_ns()
                    if rr.rc != 0:
                        raise Failed("virsh save: " + rr.error())
                    moved = True
                    rc = self.runner.run(
                        ["/bin/bash", "-c", 'set -e -o pipefail; mkdir -p "$1/layer"; '
                         'cp --sparse=always "$2" "$1/"; '
                         'tar --create --file=- --sparse --xattrs "--xattrs-include=*" --acls '
                         '--numeric-owner --one-file-system -C "$3" layer.conf "$4" | '
                         'tar --extract --file=- --xattrs "--xattrs-include=*" --acls '
                         '--numeric-owner --same-owner --preserve-permissions -C "$1/layer"; '
                         'sync -f "$1"', "-", dst, img, layer, data], timeout=900)
                    t2 = time.perf_counter_ns()
                    if rc.rc != 0:
                        raise Failed("copy: " + rc.error())
                    rs = self.runner.run(["virsh", "-q", "-c", self.cfg["ct_uri"], "restore",
                                          os.path.join(dst, box.name + ".img")], timeout=900)
                    t3 = time.perf_counter_ns()
                    rt2 = time.time_ns()
                    if rs.rc != 0:
                        raise Failed("virsh restore: " + rs.error())
                    moved = False
                    total = ms(t3 - t0)
                    box.dom = ct.conn.lookupByName(box.name)
                    freeze = self.ckpt_freeze(box, rt0, rt2)
                    state = "-"
                    if case[2] is None:
                        state = self.ct_enter(box, "/bin/systemctl",
                                              "is-system-running").out.strip()
                    if r >= warmup:
                        v["downtime"].append(total)
                        v["save"].append(ms(t1 - t0))
                        v["copy"].append(ms(t2 - t1))
                        v["restore"].append(ms(t3 - t2))
                        st = os.stat(img)
                        v["image_bytes"].append(st.st_blocks * 512)
                        lb = 0
                        for dp, _, fn in os.walk(os.path.join(dst, "layer")):
                            for f in fn:
                                try:
                                    lb += os.lstat(os.path.join(dp, f)).st_blocks * 512
                                except OSError:
                                    pass
                        v["layer_bytes"].append(lb)
                        v["criu_dump"].append(self.criu_log(
                            os.path.join(logdir1, box.name + ".dump.log"))[0])
                        v["criu_restore"].append(self.criu_log(
                            os.path.join(logdir1, box.name + ".restore.log"))[0])
                if r >= warmup:
                    v["freeze"].append(freeze[0])
                    v["ready"].append(ready)
                    v["fill"].append(fill)
                    after[m.name].append(state)
                return total
            finally:
                if moved and method != "byhand":
                    try:
                        conn2.lookupByName(box.name).destroy()
                    except libvirt.libvirtError:
                        pass
                    layer_remove(store2, box.name)
                    box.ended = True
                self.dispose(box)
                for f in (img,):
                    try:
                        os.unlink(f)
                    except OSError:
                        pass
                shutil.rmtree(dst, ignore_errors=True)
                layer_remove(store1, box.name)

        class M:
            def __init__(self, name):
                self.name = name
        try:
            out = self.rounds([M("%s/%s" % it) for it in items], runs, body, warmup=warmup)
        finally:
            self.mig_logs(False)
            try:
                os.unlink(blob)
            except OSError:
                pass
            try:
                for d in conn2.listAllDomains():
                    d.destroy()
            except libvirt.libvirtError:
                pass
            conn2.close()
        for key, method in items:
            name = "%s/%s" % (key, method)
            case = cases[key]
            e = res["cases"].setdefault(key, {"label": case[3], "template": case[1],
                                              "disk_mib": case[4], "layer_mib": case[5],
                                              "methods": {}})
            x = {"total": out[name]["stats"], "errors": out[name]["errors"],
                 "after": after[name], "samples": {"total": out[name]["samples"]}}
            for k in keys:
                vals = [y for y in extra[name][k] if y is not None]
                if vals:
                    x[k] = stats(vals)
                    x["samples"][k] = vals
            e["methods"][method] = x
            log("  %-18s total %s; downtime %s; freeze %s%s" % (
                name, fmt(x["total"]), fmt(x.get("downtime")), fmt(x.get("freeze")),
                "; %s" % x["errors"][0][:200] if x["errors"] else ""))
        res["meta"]["duration_s"] = round(time.time() - t_begin, 1)

    def overhead(self):
        """what the harness itself adds: spawning a process and waiting for
        its end, and entering the mount namespace crun and podman run in"""
        res = {}
        for label, argv in (("spawn /bin/true", ["/bin/true"]),
                            ("nsrun enter /bin/true", [self.nsrun, "enter", self.cfg["v1ns"], "/bin/true"])):
            res[label] = stats([ms(self.runner.run(argv).ns) for _ in range(30)][5:])
            log("  overhead %-22s %s" % (label, fmt(res[label])))
        self.results["overhead"] = res


def med_of(entry):
    st = (entry or {}).get("stats")
    return st.get("median") if st else None


def timed(fn):
    t0 = time.perf_counter_ns()
    fn()
    return time.perf_counter_ns() - t0


def fmt(st):
    if not st:
        return "-"
    return "median %.2f ms, p95 %.2f ms (n=%d)" % (st["median"], st["p95"], st["n"])


def machine():
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    try:
        with open("/etc/debian_version") as f:
            deb = f.read().strip()
    except OSError:
        deb = "?"
    return {"cpu": cpu, "cpus": os.cpu_count(),
            "mem_gib": round(meminfo()["MemTotal"] / 1048576, 1), "kernel": platform.release(),
            "debian": deb,
            "cgroups": "hybrid (v1 controllers, cgroup2 at /sys/fs/cgroup/unified)"
            if os.path.ismount("/sys/fs/cgroup/unified") else
            ("v2" if os.path.exists("/sys/fs/cgroup/cgroup.controllers") else "v1")}


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--config", required=True)
    args = ap.parse_args()
    with open(args.config) as f:
        cfg = json.load(f)
    if libvirt:
        libvirt.registerErrorHandler(lambda ctx, err: None, None)
    if LIBC.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        log("warning: cannot become a subreaper; detached inits go to PID 1")
    h = Harness(cfg)
    t_begin = time.time()
    h.results["meta"] = {"date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
                         "mode": cfg["mode"], "machine": machine(),
                         "versions": cfg.get("versions", {}), "config": {
                             k: cfg[k] for k in ("runs", "density_levels", "density_cap_s",
                                                 "prov_runs", "manage_defined", "manage_running",
                                                 "escalation_runs", "escalation_cap",
                                                 "start_rootfs")},
                         "limits": {"memory_mib": LIMIT_MEM_MIB, "cpu": LIMIT_CPU,
                                    "pids": LIMIT_PIDS, "disk_mib": LIMIT_DISK_MIB},
                         "lxc_host_error": cfg.get("lxc_error_host")}
    systems = []
    for cls in SYSTEMS:
        if cfg.get("systems") and cls.name not in cfg["systems"]:
            continue
        s = cls(h)
        entry = {"label": s.label, "note": s.note, "available": True, "error": None}
        try:
            s.setup()
            systems.append(s)
        except Exception as e:
            entry.update(available=False, error=str(e)[:400])
            log("%s unavailable: %s" % (s.name, e))
        h.results["systems"][s.name] = entry
    by_name = {s.name: s for s in systems}
    out = cfg["out"]

    def save():
        h.results["meta"]["duration_s"] = round(time.time() - t_begin, 1)
        with open(out + ".tmp", "w") as f:
            json.dump(h.results, f, indent=1)
        os.replace(out + ".tmp", out)

    scen = cfg["scenarios"]
    steps = [("overhead", lambda: h.overhead()),
             ("start", lambda: h.scenario_start(systems)),
             ("stop", lambda: h.scenario_stop(systems)),
             ("burst", lambda: h.scenario_burst(systems)),
             ("provision", lambda: h.scenario_provision(by_name)),
             ("manage", lambda: h.scenario_manage(by_name)),
             ("quotas", lambda: h.scenario_quotas([s for s in systems if s.name != "ct-virsh"])),
             ("density", lambda: h.scenario_density([s for s in systems
                                                     if s.name != "ct-virsh"])),
             ("checkpoint", lambda: h.scenario_checkpoint(by_name)),
             ("migrate", lambda: h.scenario_migrate(by_name))]
    for name, fn in steps:
        if name not in scen:
            continue
        t0 = time.time()
        try:
            fn()
        except Exception:
            h.results.setdefault("errors", []).append({name: traceback.format_exc()[-2000:]})
            log("scenario %s failed:\n%s" % (name, traceback.format_exc()))
        h.results["meta"].setdefault("scenario_s", {})[name] = round(time.time() - t0, 1)
        log("%s took %.0f s" % (name, time.time() - t0))
        save()
        for s in systems:
            try:
                s.kill_leftovers()
            except Exception:
                pass
    for s in systems:
        try:
            s.teardown()
        except Exception:
            pass
    save()
    log("results in %s (%.0f s)" % (out, time.time() - t_begin))
    return 0


if __name__ == "__main__":
    sys.exit(main())
