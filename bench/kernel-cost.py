#!/usr/bin/python3
"""kernel-cost.py: what an idle container costs the host, object by object.

    kernel-cost.py snap FILE             host counters into FILE (JSON)
    kernel-cost.py report BEFORE AFTER N [--pid INIT --daemon PID]

"snap" records /proc/meminfo, /proc/slabinfo (object counts and sizes
per cache), kernel.pty.nr and the processes on the host.  "report"
prints, per container (the difference divided by N): the drop of
MemAvailable, Slab, SUnreclaim, KernelStack, PageTables, Percpu, the
slab caches that grew most, and with --pid the census of one container
whose init is INIT: its namespaces of its own, its mounts by type, its
cgroup directories per hierarchy, the supervisor's descriptors by kind.
bench/kernel-cost.sh runs it around N idle containers on a private
daemon.

SPDX-License-Identifier: LGPL-2.1-or-later
"""

import json
import os
import sys


def meminfo():
    out = {}
    with open("/proc/meminfo") as f:
        for line in f:
            k, v = line.split(":", 1)
            out[k] = int(v.split()[0])
    return out


def slabinfo():
    out = {}
    with open("/proc/slabinfo") as f:
        for line in f:
            if line.startswith(("slabinfo", "#")):
                continue
            p = line.split()
            # name active_objs num_objs objsize objperslab pagesperslab : ...
            out[p[0]] = {"objs": int(p[2]), "size": int(p[3]),
                         "kb": int(p[2]) * int(p[3]) / 1024}
    return out


def snap(path):
    with open("/proc/sys/kernel/pty/nr") as f:
        ptys = int(f.read())
    data = {"meminfo": meminfo(), "slab": slabinfo(), "ptys": ptys,
            "procs": len([d for d in os.listdir("/proc") if d.isdigit()])}
    with open(path, "w") as f:
        json.dump(data, f)


def ns_own(pid):
    own = []
    for ns in sorted(os.listdir("/proc/%d/ns" % pid)):
        try:
            if os.readlink("/proc/%d/ns/%s" % (pid, ns)) != os.readlink("/proc/self/ns/%s" % ns):
                own.append(ns)
        except OSError:
            pass
    return own


def mounts(pid):
    kinds = {}
    with open("/proc/%d/mountinfo" % pid) as f:
        for line in f:
            fstype = line.split(" - ", 1)[1].split()[0]
            kinds[fstype] = kinds.get(fstype, 0) + 1
    return kinds


def cgroup_dirs(pid):
    """{hierarchy: directories in the container's cgroup, itself included}"""
    out = {}
    with open("/proc/%d/cgroup" % pid) as f:
        for line in f:
            _, ctrl, path = line.rstrip("\n").split(":", 2)
            name = ctrl.replace("name=", "") or "unified"
            base = "/sys/fs/cgroup/%s" % name
            if not os.path.isdir(base):
                continue
            if path.endswith("/init"):
                path = path[:-5]
            top = base + path
            n = sum(1 for _ in os.walk(top)) if os.path.isdir(top) else 0
            out[ctrl or "unified"] = n
    return out


def fds(pid):
    kinds = {}
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            t = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue
        k = t.split(":")[0] if ":" in t and not t.startswith("/") else (
            "pts" if t.startswith("/dev/pts") else "file")
        kinds[k] = kinds.get(k, 0) + 1
    return kinds


def tree(pid):
    """the descendants of pid"""
    kids = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                kids.setdefault(ppid(int(d)), []).append(int(d))
            except (OSError, IndexError, ValueError):
                pass
    out, todo = [], [pid]
    while todo:
        for k in kids.get(todo.pop(), []):
            out.append(k)
            todo.append(k)
    return out


def proc_mem(pid):
    """(comm, Pss, RssAnon, VmPTE) in KiB"""
    vals = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, v = line.split(":", 1)
            vals[k] = v.strip()
    pss = 0
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            if line.startswith("Pss:"):
                pss = int(line.split()[1])
    kb = lambda k: int(vals.get(k, "0 kB").split()[0])
    return (vals.get("Name", "?"), pss, kb("RssAnon"), kb("VmPTE"))


def ppid(pid):
    with open("/proc/%d/stat" % pid) as f:
        return int(f.read().rsplit(")", 1)[1].split()[1])


def report(before, after, n, init=None):
    with open(before) as f:
        b = json.load(f)
    with open(after) as f:
        a = json.load(f)
    mb, ma = b["meminfo"], a["meminfo"]
    print("per container, over %d idle containers (KiB unless said):" % n)
    print("  MemAvailable drop %.1f" % ((mb["MemAvailable"] - ma["MemAvailable"]) / n))
    for k in ("Slab", "SReclaimable", "SUnreclaim", "KernelStack", "PageTables", "Percpu",
              "AnonPages", "Shmem", "Mapped"):
        print("  %-12s %+8.1f" % (k, (ma.get(k, 0) - mb.get(k, 0)) / n))
    print("  processes    %+8.2f" % ((a["procs"] - b["procs"]) / n))
    print("  host PTYs    %+8.2f" % ((a["ptys"] - b["ptys"]) / n))
    rows = []
    for name, s in a["slab"].items():
        o = b["slab"].get(name, {"objs": 0, "kb": 0})
        rows.append((s["kb"] - o["kb"], s["objs"] - o["objs"], s["size"], name))
    rows.sort(reverse=True)
    print("  slab caches that grew most (KiB/ct, objects/ct, object size):")
    for kb, objs, size, name in rows[:25]:
        print("    %-28s %7.2f %7.2f %6d" % (name, kb / n, objs / n, size))
    if init:
        sup = ppid(init)
        print("one container (init %d, supervisor %d):" % (init, sup))
        print("  namespaces of its own: %s" % " ".join(ns_own(init)))
        mk = mounts(init)
        print("  mounts: %d (%s)" % (sum(mk.values()),
                                     ", ".join("%s %d" % kv for kv in sorted(mk.items()))))
        cg = cgroup_dirs(init)
        print("  cgroup directories: %d (%s)" % (sum(cg.values()),
                                                 ", ".join("%s %d" % kv
                                                           for kv in sorted(cg.items()))))
        print("  supervisor descriptors: %s" % ", ".join("%s %d" % kv
                                                        for kv in sorted(fds(sup).items())))
        print("  processes (KiB: Pss, RssAnon, page tables):")
        for pid in [sup] + tree(sup):
            print("    %-8d %-14s %6d %6d %6d" % ((pid,) + proc_mem(pid)))


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "snap":
        snap(sys.argv[2])
        return 0
    if len(sys.argv) >= 5 and sys.argv[1] == "report":
        init = int(sys.argv[6]) if len(sys.argv) >= 7 and sys.argv[5] == "--pid" else None
        report(sys.argv[2], sys.argv[3], int(sys.argv[4]), init)
        return 0
    print(__doc__.split("\n\n")[1], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
