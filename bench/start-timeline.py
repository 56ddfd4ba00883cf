#!/usr/bin/python3
"""start-timeline.py: the steps of container starts (and destroys), as a table.

    start-timeline.py table [--match REGEX] [--json FILE] [--stops] LOG...
    start-timeline.py measure --uri URI --events FILE [options]

"table" reads the lines "start-timeline NAME USEC STEP" that a start
leaves when the timeline is on (see the README, "Benchmarks"): the
daemon's log at debug level for "ct.ct_timeline", the supervisors' logs
(LOGDIR/NAME.log, which also hold the container child's steps, named
"child-..."), and the client's events that "measure" writes.  USEC is
CLOCK_MONOTONIC in microseconds on every side.  A start begins at the
client's "client-call" if there is one, else at the daemon's "api"; for
each step the table gives the median time since the start and since the
step before it in the same start (the 10th and 90th percentiles of that
in brackets), over all starts of the containers whose name matches.
A start ends at the first step of a destroy: those are named "stop-...",
and with --stops the table is theirs, from the client's
"stop-client-call" (else the daemon's "stop-api") on.

"measure" starts containers through the API (python3-libvirt) and writes
the client's events: --count starts of --kind (tpl: busybox on its
template, the default user namespace; priv: the same, <ct:privileged/>),
each destroyed after it started, with --running idle containers already
running (started first, also timed; they stay for the next call
unless --stop-running).  bench/start-timeline.sh runs
it on a private daemon and prints the tables.

SPDX-License-Identifier: LGPL-2.1-or-later
"""

import argparse
import json
import os
import re
import statistics
import sys
import time

LINE = re.compile(r"start-timeline (\S+) (\d+) (\S+)")
FIRST = ("client-call", "api")


def who(step, line):
    if step.startswith(("client-", "stop-client-")):
        return "client"
    if step.startswith("child-"):
        return "child"
    # libvirt formats the daemon's lines: "DATE: TID: debug : FUNC:LINE : ..."
    return "daemon" if re.search(r": debug : ", line) else "super"


def read_events(paths):
    """{name: [(usec, step, who)]}"""
    events = {}
    for path in paths:
        try:
            with open(path, errors="replace") as f:
                for line in f:
                    m = LINE.search(line)
                    if m:
                        name, usec, step = m.group(1), int(m.group(2)), m.group(3)
                        events.setdefault(name, []).append((usec, step, who(step, line)))
        except OSError as e:
            print("start-timeline: %s" % e, file=sys.stderr)
    return events


def split_runs(evs, stops=False):
    """the events of one name, in time order, cut into its starts (each
    up to the first step of a destroy) or, with @stops, its destroys"""
    evs = sorted(evs)
    if stops:
        first = ("stop-client-call" if any(s == "stop-client-call" for _, s, _ in evs)
                 else "stop-api")
    else:
        first = "client-call" if any(s == "client-call" for _, s, _ in evs) else "api"
    runs, cur = [], None
    for ev in evs:
        if ev[1] == first:
            cur = [ev]
            runs.append(cur)
        elif ev[1] in FIRST and stops:
            cur = None
        elif cur is not None and ev[1].startswith("stop-") == stops:
            cur.append(ev)
        elif cur is not None and not stops:
            cur = None
    return runs


def pct(vals, p):
    vals = sorted(vals)
    k = (len(vals) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(vals) - 1)
    return vals[lo] + (vals[hi] - vals[lo]) * (k - lo)


def summarize(events, match=None, stops=False):
    """rows of step, who, n, median since start, median since the step
    before, p10 and p90 of that (ms)"""
    since, delta, owner = {}, {}, {}
    nstarts = 0
    for name, evs in events.items():
        if match and not re.search(match, name):
            continue
        for start in split_runs(evs, stops):
            nstarts += 1
            t0 = start[0][0]
            prev = t0
            for usec, step, w in start:
                since.setdefault(step, []).append((usec - t0) / 1000)
                delta.setdefault(step, []).append((usec - prev) / 1000)
                owner[step] = w
                prev = usec
    rows = []
    for step in since:
        rows.append({"step": step, "who": owner[step], "n": len(since[step]),
                     "since_start_ms": round(statistics.median(since[step]), 3),
                     "delta_ms": round(statistics.median(delta[step]), 3),
                     "delta_p10_ms": round(pct(delta[step], 10), 3),
                     "delta_p90_ms": round(pct(delta[step], 90), 3)})
    rows.sort(key=lambda r: r["since_start_ms"])
    return nstarts, rows


def print_table(nstarts, rows, title=None, what="starts"):
    if title:
        print("## %s" % title)
    print("%d %s; ms, medians (delta: since the step before; [p10, p90])" % (nstarts, what))
    print("%-22s %-7s %5s %10s %9s  %s" % ("step", "who", "n", "at", "delta", "[p10, p90]"))
    for r in rows:
        print("%-22s %-7s %5d %10.2f %9.2f  [%.2f, %.2f]" % (
            r["step"], r["who"], r["n"], r["since_start_ms"], r["delta_ms"],
            r["delta_p10_ms"], r["delta_p90_ms"]))


def cmd_table(args):
    events = read_events(args.logs)
    nstarts, rows = summarize(events, args.match, args.stops)
    what = "stops" if args.stops else "starts"
    if args.json:
        with open(args.json, "w") as f:
            json.dump({what: nstarts, "rows": rows}, f, indent=1)
    print_table(nstarts, rows, args.title, what)
    return 0 if nstarts else 1


# --- measure ---------------------------------------------------------------------------

XML = """<domain type='lxc' xmlns:ct='http://libvirt.org/schemas/domain/ct/1.0'>
  <name>%(name)s</name>
  <memory unit='MiB'>256</memory>%(priv)s
  <os><type>exe</type><init>/bin/sh</init><initarg>-c</initarg>
    <initarg>exec sleep 1000000</initarg></os>
  <devices>
    <filesystem type='template'><source name='%(template)s'/><target dir='/'/></filesystem>
    <filesystem type='mount'><source dir='%(sig)s'/><target dir='/sig'/></filesystem>
  </devices>
</domain>
"""


def cmd_measure(args):
    import libvirt  # python3-libvirt, for this mode only

    conn = libvirt.open(args.uri)
    out = open(args.events, "a")

    def xml(name, kind):
        return XML % {"name": name, "template": args.template, "sig": args.sig,
                      "priv": "<ct:privileged/>" if kind == "priv" else ""}

    def start(name, kind):
        t0 = time.monotonic_ns() // 1000
        dom = conn.createXML(xml(name, kind), 0)
        t1 = time.monotonic_ns() // 1000
        out.write("start-timeline %s %d client-call\nstart-timeline %s %d client-return\n"
                  % (name, t0, name, t1))
        return dom, (t1 - t0) / 1000

    running = [d for d in conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE)
               if d.name().startswith("idle-")]
    t_fill = time.monotonic()
    while len(running) < args.running:
        dom, _ = start("idle-%05d" % len(running), args.idle_kind)
        running.append(dom)
    if args.running:
        print("%d idle containers running (%.1f s to start the missing ones)"
              % (len(running), time.monotonic() - t_fill), file=sys.stderr)
    lat = []
    for i in range(args.count):
        name = "%s-n%d-%03d" % (args.tag or args.kind, len(running), i)
        dom, ms = start(name, args.kind)
        lat.append(ms)
        t0 = time.monotonic_ns() // 1000
        dom.destroy()
        t1 = time.monotonic_ns() // 1000
        out.write("start-timeline %s %d stop-client-call\nstart-timeline %s %d stop-client-return\n"
                  % (name, t0, name, t1))
    if lat:
        print("%s at N=%d: API start %.2f ms median [%.2f, %.2f] over %d"
              % (args.kind, len(running), statistics.median(lat), min(lat), max(lat), len(lat)),
              file=sys.stderr)
    if args.stop_running:
        for dom in running:
            dom.destroy()
    out.close()
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("table")
    t.add_argument("--match", help="only the containers whose name matches")
    t.add_argument("--json", help="also write the rows as JSON")
    t.add_argument("--title")
    t.add_argument("--stops", action="store_true", help="the steps of the destroys instead")
    t.add_argument("logs", nargs="+")
    m = sub.add_parser("measure")
    m.add_argument("--uri", required=True)
    m.add_argument("--events", required=True, help="the client's events are appended here")
    m.add_argument("--template", default="busybox")
    m.add_argument("--sig", default="/var/tmp", help="a host directory bound on /sig")
    m.add_argument("--kind", choices=("tpl", "priv"), default="tpl")
    m.add_argument("--idle-kind", choices=("tpl", "priv"), default="tpl")
    m.add_argument("--tag", help="the measured starts' names begin with it (default: --kind)")
    m.add_argument("--count", type=int, default=20)
    m.add_argument("--running", type=int, default=0)
    m.add_argument("--stop-running", action="store_true")
    args = p.parse_args()
    return cmd_table(args) if args.cmd == "table" else cmd_measure(args)


if __name__ == "__main__":
    sys.exit(main())
