#!/usr/bin/python3
# report.py RESULTS.json OUTDIR [--density-from OTHER.json]: turns the
# results of one run of the
# benchmark harness (bench/run.sh, bench/bench.py) into OUTDIR/benchmarks.md
# with tables and PNG charts in OUTDIR/bench/ (latency per system, memory
# per container against N, ...), the machine, the date, where we stand
# against the targets of issue 7, and how to reproduce.  bench/notes.md,
# when present, is the hand-written reading of the numbers and is copied
# in.  With --density-from, the density figures of the systems measured in
# OTHER.json (a run with --scenarios density) replace those of RESULTS.json,
# and the page says so.  It measures nothing and can be run again on any
# results file.
#
# Needs Debian's python3-matplotlib (run with /usr/bin/python3).
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import json
import os
import sys

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ORDER = ["ct-api", "ct-virsh", "crun", "lxc", "nspawn", "podman", "libvirt-lxc", "bare"]
COLORS = {"ct-api": "#c0392b", "ct-virsh": "#e67e22", "crun": "#2980b9", "lxc": "#27ae60",
          "nspawn": "#8e44ad", "podman": "#7f8c8d", "libvirt-lxc": "#16a085", "bare": "#34495e"}


def label(res, name):
    return res["systems"].get(name, {}).get("label", name)


def num(v, fmt="%.1f"):
    return "-" if v is None else fmt % v


def med(st):
    return None if not st else st.get("median")


def p95(st):
    return None if not st else st.get("p95")


def mb(kb):
    return None if kb is None else kb / 1024


def human_bytes(b):
    if b is None:
        return "-"
    for unit, div in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if abs(b) >= div:
            return "%.1f %s" % (b / div, unit)
    return "%d B" % b


def systems_in(res, section):
    return [s for s in ORDER if s in section]


def bar_chart(path, title, groups, xlabel, log=False):
    """groups: [(series label, [(system, median, p95)])]"""
    names = []
    for _, rows in groups:
        for s, _, _ in rows:
            if s not in names:
                names.append(s)
    if not names:
        return False
    fig, ax = plt.subplots(figsize=(8, 0.5 + 0.45 * len(names) * max(1, len(groups))))
    h = 0.8 / max(1, len(groups))
    for gi, (glabel, rows) in enumerate(groups):
        d = {s: (m, p) for s, m, p in rows}
        ys, ms, errs, cols = [], [], [], []
        for i, s in enumerate(names):
            if s in d and d[s][0] is not None:
                ys.append(i + gi * h)
                ms.append(d[s][0])
                errs.append(max(0, (d[s][1] or d[s][0]) - d[s][0]))
                cols.append(COLORS.get(s, "#999999"))
        ax.barh(ys, ms, height=h, xerr=[[0] * len(errs), errs], color=cols,
                alpha=1.0 if gi == 0 else 0.55, label=glabel, capsize=2)
        for y, m, e in zip(ys, ms, errs):
            ax.text(m + e, y, "  %.3g" % m, va="center", fontsize=7)
    ax.set_yticks([i + h * (len(groups) - 1) / 2 for i in range(len(names))])
    ax.set_yticklabels(names)
    ax.invert_yaxis()
    if log:
        ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_title(title, fontsize=10)
    if len(groups) > 1:
        ax.legend(fontsize=8, loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def density_chart(path, res):
    dens = res.get("density", {})
    names = systems_in(res, dens)
    if not names:
        return False
    levels = sorted({x["n"] for s in names for x in dens[s].get("levels", [])})
    fig, axes = plt.subplots(1, 3, figsize=(13, 4))
    keys = [("mem_avail_drop_kb_per_ct", "host MemAvailable drop per container (MiB)", 1 / 1024),
            ("sup_pss_kb_per_ct", "supervisor PSS per container (MiB)", 1 / 1024),
            ("start_all_s", "time to start all N (s)", 1)]
    for ax, (k, title, scale) in zip(axes, keys):
        for s in names:
            lv = dens[s].get("levels", [])
            if not lv:
                continue
            ax.plot([x["n"] for x in lv], [x[k] * scale for x in lv], marker="o",
                    color=COLORS.get(s), label=label(res, s))
        ax.set_xlabel("N idle containers")
        ax.set_title(title, fontsize=10)
        ax.set_xscale("log")
        ax.set_xticks(levels)
        ax.xaxis.set_major_formatter(matplotlib.ticker.ScalarFormatter())
        ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
        ax.grid(alpha=0.3)
    axes[0].axhline(0.6, color="#c0392b", linestyle="--", linewidth=0.8)
    axes[0].text(levels[0], 0.62, "target for ct: 0.6 MB", color="#c0392b", fontsize=7)
    axes[2].set_yscale("log")
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def section_machine(res, out):
    m = res["meta"]
    mc = m.get("machine", {})
    out.append("Run of **%s** in **%s** mode, %s s in all (%s)." % (
        m.get("date", "?"), m.get("mode", "?"), num(m.get("duration_s"), "%.0f"),
        ", ".join("%s %s s" % (k, v) for k, v in m.get("scenario_s", {}).items())))
    out.append("")
    out.append("| machine | |")
    out.append("|---|---|")
    out.append("| CPU | %s, %s cores |" % (mc.get("cpu"), mc.get("cpus")))
    out.append("| memory | %s GiB |" % mc.get("mem_gib"))
    out.append("| kernel | %s |" % mc.get("kernel"))
    out.append("| distribution | Debian %s |" % mc.get("debian"))
    out.append("| cgroups | %s |" % mc.get("cgroups"))
    for k, v in m.get("versions", {}).items():
        out.append("| %s | %s |" % (k, v or "-"))
    out.append("")


def section_targets(res, out):
    start = res.get("start", {}).get("busybox", {})
    tr = start.get("trivial", {})
    dens = res.get("density", {})
    prov = res.get("provision", {})
    out.append("## Targets (issue 7): where we stand")
    out.append("")
    out.append("| target | measured in this run | verdict |")
    out.append("|---|---|---|")
    ct, cr = med((tr.get("ct-api") or {}).get("stats")), med((tr.get("crun") or {}).get("stats"))
    if ct is not None and cr is not None:
        verdict = "met" if ct <= cr else "missed by %.1f ms (%.1fx crun)" % (ct - cr, ct / cr)
        out.append("| start through the API no slower than crun (same run, busybox, median) | "
                   "ct-api %.2f ms, crun %.2f ms | %s |" % (ct, cr, verdict))
    lv500 = None
    for lv in (dens.get("ct-api") or {}).get("levels", []):
        if lv["n"] == 500:
            lv500 = lv
    if lv500:
        v = lv500["mem_avail_drop_kb_per_ct"] / 1024
        verdict = "met" if v < 0.6 else "missed by %.2f MB" % (v - 0.6)
        others = []
        for s in systems_in(res, dens):
            for lv in dens[s].get("levels", []):
                if lv["n"] == 500 and s != "ct-api":
                    others.append("%s %.2f" % (s, lv["mem_avail_drop_kb_per_ct"] / 1024))
        out.append("| under 0.6 MB of host memory per idle container at N=500 | ct %.2f MB "
                   "(MemAvailable drop / N); %s | %s |" % (v, ", ".join(others), verdict))
    elif "ct-api" in dens:
        out.append("| under 0.6 MB of host memory per idle container at N=500 | N=500 not reached "
                   "in this run (levels %s) | - |" % [x["n"] for x in dens["ct-api"]["levels"]])
    if "ct-api" in dens:
        mx = dens["ct-api"].get("max_n", 0)
        goal = max(res["meta"]["config"]["density_levels"])
        verdict = "met" if mx >= 2000 else ("not tried at 2000 in this mode" if goal < 2000
                                            else "missed: %s" % dens["ct-api"].get("broke"))
        out.append("| 2000 idle containers | %d reached | %s |" % (mx, verdict))
    for tpl in ("busybox", "debian"):
        d = (prov.get(tpl) or {}).get("ct define (API)")
        if d and d.get("stats"):
            t = med(d["stats"])
            b = med(d.get("bytes"))
            verdict = "met" if t < 1 and (b or 0) < 65536 else "missed: %s" % (
                "%.2f ms" % t if t >= 1 else human_bytes(b))
            out.append("| provisioning under 1 ms and ~0 bytes (%s template) | define %.2f ms, "
                       "%s on disk; first start +%s ms, %s after it | %s |" % (
                           tpl, t, human_bytes(b), num(med(d.get("first_start")), "%.1f"),
                           human_bytes(med(d.get("bytes_after_start"))), verdict))
    out.append("")
    out.append("The targets' reference numbers (issue 7, measured on this machine before "
               "libvirt-ct existed): crun starts in 6.5-7.6 ms, LXC 8.1, nspawn 34, "
               "libvirt-lxc 45, podman 96; memory per idle container at N=500: crun 0.47 MB, "
               "LXC 1.11, podman 1.05, nspawn 1.58, libvirt-lxc 2.79; a bare overlay mount "
               "0.21 ms.")
    out.append("")


def fastest_peer(d, exclude=("ct-api", "ct-virsh", "bare")):
    """(system, median) of the fastest peer in a {system: entry} dict"""
    best = None
    for s, e in d.items():
        m = med((e or {}).get("stats"))
        if s not in exclude and m is not None and (best is None or m < best[1]):
            best = (s, m)
    return best


def marginal_starts(levels):
    """[(n, ms per container started since the level before)]"""
    out, prev = [], (0, 0.0)
    for lv in levels:
        if lv["n"] > prev[0]:
            out.append((lv["n"], (lv["start_all_s"] - prev[1]) * 1000 / (lv["n"] - prev[0])))
        prev = (lv["n"], lv["start_all_s"])
    return out


def verdict_le(ct, other, unit="ms", fmt="%.1f"):
    if ct is None or other is None:
        return "-"
    return "met" if ct <= other else ("missed by " + fmt + " %s") % (ct - other, unit)


def section_targets19(res, out):
    """the targets of issue 19, each with this run's figures"""
    rows = []
    for rootfs in ("busybox", "debian"):
        tr = res.get("start", {}).get(rootfs, {}).get("trivial", {})
        ct = med((tr.get("ct-api") or {}).get("stats"))
        fp = fastest_peer(tr)
        bare = med((tr.get("bare") or {}).get("stats"))
        if ct is not None and fp:
            rows.append(("start (%s) no slower than the fastest peer, within 2 ms of the bare "
                         "bound" % rootfs,
                         "ct %.2f ms, %s %.2f ms, bare %s ms" % (ct, fp[0], fp[1], num(bare, "%.2f")),
                         verdict_le(ct, fp[1], fmt="%.2f") + "; bare +%s ms" % (
                             num(ct - bare, "%.2f") if bare is not None else "-")))
    stop = res.get("stop", {})
    if stop.get("force"):
        ct = med((stop["force"].get("ct-api") or {}).get("stats"))
        fp = fastest_peer(stop["force"])
        if ct is not None and fp:
            rows.append(("destroy no slower than the fastest peer", "ct %.1f ms, %s %.1f ms" % (
                ct, fp[0], fp[1]), verdict_le(ct, fp[1])))
    if stop.get("graceful"):
        ct = med((stop["graceful"].get("ct-api") or {}).get("stats"))
        lx = med((stop["graceful"].get("lxc") or {}).get("stats"))
        if ct is not None and lx is not None:
            rows.append(("graceful stop no slower than LXC", "ct %.1f ms, LXC %.1f ms" % (ct, lx),
                         verdict_le(ct, lx)))
    dens = res.get("density", {})
    ctd = dens.get("ct-api") or {}
    for n in (500, 2000):
        per = {s: lv["mem_avail_drop_kb_per_ct"] / 1024 for s in dens
               for lv in dens[s].get("levels", []) if lv["n"] == n}
        if "ct-api" in per:
            v, cr = per["ct-api"], per.get("crun")
            miss = []
            if v >= 0.6:
                miss.append("%.2f MB over 0.6" % (v - 0.6))
            if cr is not None and v > cr:
                miss.append("%.2f MB over crun" % (v - cr))
            sup = [lv["sup_pss_kb_per_ct"] for lv in ctd.get("levels", []) if lv["n"] == n]
            rows.append(("memory per idle container at N=%d: under 0.6 MB and no more than "
                         "crun's" % n, "ct %.2f MB (supervisor PSS %s KiB), crun %s MB" % (
                             v, num(sup[0] if sup else None, "%.0f"), num(cr, "%.2f")),
                         "missed: " + ", ".join(miss) if miss else "met"))
    if ctd:
        goal = max(res["meta"]["config"]["density_levels"])
        mx = ctd.get("max_n", 0)
        rows.append(("%d idle busybox containers started and stopped" % goal,
                     "%d reached, stopped in %s s" % (mx, num(ctd.get("stop_all_s"))),
                     "met" if mx >= goal else "missed: %s" % (ctd.get("broke") or "")[:160]))
        mg = marginal_starts(ctd.get("levels", []))
        if mg:
            grow = mg[-1][1] / mg[0][1] if mg[0][1] else 0
            rows.append(("the marginal start does not grow with N",
                         ", ".join("%d: %.1f ms" % kv for kv in mg),
                         "met" if grow <= 1.25 else "missed: %.1fx from the first level to the "
                         "last" % grow))
        common = [lv["n"] for lv in ctd.get("levels", [])]
        if common:
            n = common[-1]
            # the bare bound is not a peer (as in fastest_peer)
            peers = {s: lv["start_all_s"] for s in dens if s not in ("ct-api", "bare")
                     for lv in dens[s].get("levels", []) if lv["n"] == n}
            me = ctd["levels"][-1]["start_all_s"]
            if peers:
                fs = min(peers, key=peers.get)
                rows.append(("starting all %d no slower than the fastest peer" % n,
                             "ct %.1f s, %s %.1f s" % (me, fs, peers[fs]),
                             verdict_le(me, peers[fs], "s")))
    bu = res.get("burst", {})
    if bu.get("ct-api"):
        others = ", ".join("%s %s s" % (s, num(e.get("all_ran_s"), "%.2f"))
                           for s, e in bu.items() if s != "ct-api" and e.get("ran"))
        rows.append(("a burst of 100 starts from 4 clients (reported)", "ct %s s; %s" % (
            num(bu["ct-api"].get("all_ran_s"), "%.2f"), others), "reported"))
    mgr = res.get("manage", {})
    curve = mgr.get("curve") or []
    if curve:
        last = curve[-1]
        per100 = {k: med(last.get(k)) / (last["running"] / 100) for k in (
            "listAllDomains", "getAllDomainStats (running)") if last.get(k)}
        rows.append(("management with %s defined, %s running: a few ms per hundred" % (
            mgr.get("defined"), last["running"]),
            "; ".join("%s %.2f ms/100" % kv for kv in per100.items()) +
            "; lookup+info %s ms" % num(med(last.get("lookup+info")), "%.2f"),
            "met" if all(v <= 5 for v in per100.values()) else "missed"))
    ev = mgr.get("events")
    if ev:
        rows.append(("events delivered for a burst of %d starts" % ev["n"],
                     "%d of %d STARTED events, the last %s ms after the last request" % (
                         ev["events"], ev["ran"], ev["last_event_after_last_request_ms"]),
                     "met" if ev["events"] >= ev["n"] else "missed"))
    d = (res.get("provision", {}).get("busybox") or {}).get("ct define (API)")
    if d and d.get("stats"):
        t = med(d["stats"])
        rows.append(("define on a template under 1 ms (API)", "%.2f ms" % t,
                     "met" if t < 1 else "missed by %.2f ms" % (t - 1)))
    if not rows:
        return
    out.append("## Targets (issue 19): where we stand")
    out.append("")
    out.append("| target | measured in this run | verdict |")
    out.append("|---|---|---|")
    for r in rows:
        out.append("| %s | %s | %s |" % r)
    out.append("")


def section_burst(res, out):
    bu = res.get("burst", {})
    if not bu:
        return
    out.append("## 2b. A burst of starts")
    out.append("")
    out.append("100 idle busybox containers started at once by 4 clients (threads; for the "
               "libvirt systems each with a connection of its own): from the first request "
               "until every init ran, one system at a time.")
    out.append("")
    out.append("| system | ran | all ran (s) | requests returned (s) | errors |")
    out.append("|---|---|---|---|---|")
    for s in systems_in(res, bu):
        e = bu[s]
        out.append("| %s | %s | %s | %s | %s |" % (
            label(res, s), e.get("ran", "-"), num(e.get("all_ran_s"), "%.2f"),
            num(e.get("requests_s"), "%.2f"),
            " ".join((e.get("error") or "").split())[:160] or "-"))
    out.append("")


def curve_chart(path, curve):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    fig, ax = plt.subplots(figsize=(7, 4))
    xs = [p["running"] for p in curve]
    for k in ("listAllDomains", "getAllDomainStats (running)", "lookup+info"):
        ax.plot(xs, [med(p.get(k)) for p in curve], marker="o", label=k)
    ax.set_xlabel("running containers (of %s defined)" % "all")
    ax.set_ylabel("ms (median)")
    ax.set_yscale("log")
    ax.legend()
    ax.set_title("API calls as the running containers grow")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return True


def section_systems(res, out):
    out.append("## Systems")
    out.append("")
    out.append("| system | how it runs here | status |")
    out.append("|---|---|---|")
    for s in ORDER:
        e = res["systems"].get(s)
        if not e:
            continue
        st = "runs" if e["available"] else "**fails**: %s" % e["error"]
        out.append("| %s | %s | %s |" % (e["label"], e["note"], st))
    he = res["meta"].get("lxc_host_error")
    if he:
        out.append("")
        out.append("libvirt-lxc on this hybrid host as it is (a libvirtd with the LXC driver, "
                   "no namespace trick) fails to start any container: `%s`. The numbers below "
                   "for libvirt-lxc come from a libvirtd in a mount namespace without the "
                   "cgroup2 mount." % " ".join(he.split())[:400])
    out.append("")


def errors_note(entry):
    errs = entry.get("errors") or []
    return "; ".join(" ".join(e.split())[:160] for e in errs)


def section_start(res, out, figdir):
    st = res.get("start", {})
    if not st:
        return
    out.append("## 1. Start latency")
    out.append("")
    out.append("*trivial*: from the request (the API call, or the spawn of the command) until "
               "the container's init has run `echo NAME >/sig/fifo`, read by the harness. "
               "*start+stop*: a long-running container started (until its init ran) and "
               "stopped by force (until the system says it is gone). Milliseconds; median and "
               "p95 of the rounds, systems taking turns in each round.")
    out.append("")
    groups_t, groups_s = [], []
    for rootfs, d in st.items():
        out.append("| %s root | trivial median | p95 | start+stop median | p95 | runs | errors |"
                   % rootfs)
        out.append("|---|---|---|---|---|---|---|")
        rows_t, rows_s = [], []
        for s in systems_in(res, d.get("trivial", {})):
            t = d["trivial"][s]
            ss = d.get("startstop", {}).get(s, {})
            out.append("| %s | %s | %s | %s | %s | %s | %s |" % (
                label(res, s), num(med(t["stats"]), "%.2f"), num(p95(t["stats"]), "%.2f"),
                num(med(ss.get("stats")), "%.1f"), num(p95(ss.get("stats")), "%.1f"),
                (t["stats"] or {}).get("n", 0), errors_note(t) or errors_note(ss)))
            rows_t.append((s, med(t["stats"]), p95(t["stats"])))
            rows_s.append((s, med(ss.get("stats")), p95(ss.get("stats"))))
        out.append("")
        groups_t.append((rootfs, rows_t))
        groups_s.append((rootfs, rows_s))
    if bar_chart(os.path.join(figdir, "start_latency.png"),
                 "start latency: request -> init ran a trivial command (median, p95 whisker)",
                 groups_t, "ms", log=True):
        out.append("![start latency](bench/start_latency.png)")
        out.append("")
    if bar_chart(os.path.join(figdir, "startstop_latency.png"),
                 "start + forced stop of a long-running container (median, p95 whisker)",
                 groups_s, "ms", log=True):
        out.append("![start+stop latency](bench/startstop_latency.png)")
        out.append("")


def section_stop(res, out, figdir):
    st = res.get("stop", {})
    if not st or "graceful" not in st:
        return
    out.append("## 2. Stop latency")
    out.append("")
    out.append("*graceful*: the system's stop with a signal (ct: `destroy --graceful`, crun: "
               "`kill TERM` then `delete`, LXC: `lxc-stop`, podman: `stop` + `rm`, nspawn: "
               "SIGTERM to nspawn with `--kill-signal=SIGTERM`, bare: SIGTERM) of an init that "
               "exits on it. *force*: the system's kill (ct: `destroy`, crun: `delete -f`, LXC: "
               "`lxc-stop -k`, podman: `rm -f -t 0`, nspawn: SIGTERM to nspawn, which kills "
               "init, bare: SIGKILL) of an init that ignores SIGTERM. Until the system reports "
               "the container gone; milliseconds.")
    out.append("")
    out.append("| system | graceful median | p95 | force (SIGTERM ignored) median | p95 | errors |")
    out.append("|---|---|---|---|---|---|")
    rows_g, rows_f = [], []
    for s in systems_in(res, st["graceful"]):
        g, f = st["graceful"][s], st["force"].get(s, {})
        out.append("| %s | %s | %s | %s | %s | %s |" % (
            label(res, s), num(med(g["stats"])), num(p95(g["stats"])),
            num(med(f.get("stats"))), num(p95(f.get("stats"))),
            errors_note(g) or errors_note(f)))
        rows_g.append((s, med(g["stats"]), p95(g["stats"])))
        rows_f.append((s, med(f.get("stats")), p95(f.get("stats"))))
    out.append("")
    if bar_chart(os.path.join(figdir, "stop_latency.png"), "stop latency (median, p95 whisker)",
                 [("graceful", rows_g), ("force, SIGTERM ignored", rows_f)], "ms", log=True):
        out.append("![stop latency](bench/stop_latency.png)")
        out.append("")
    esc = st.get("escalation") or {}
    if esc:
        out.append("An init that ignores SIGTERM, stopped gracefully (ct: `shutdown`, which "
                   "kills after 30 s; the others as above, with their own defaults), waited "
                   "for up to %s s:" % st.get("escalation_cap_s"))
        out.append("")
        out.append("| system | time to stop (median) | outcome |")
        out.append("|---|---|---|")
        for s in systems_in(res, esc):
            e = esc[s]
            t = med(e.get("stats"))
            out.append("| %s | %s | %s |" % (label(res, s),
                                            "-" if t is None else
                                            ("%.1f s" % (t / 1000) if t >= 1000 else "%.1f ms" % t),
                                            " ".join((e.get("outcome") or "-").split())[:200]))
        out.append("")
    else:
        out.append("(The graceful stop of an init that ignores SIGTERM runs in full mode only.)")
        out.append("")


def section_density(res, out, figdir):
    dens = res.get("density", {})
    if not dens:
        return
    out.append("## 3. Density")
    out.append("")
    out.append("Idle containers (`sleep` as init, on the busybox root) started one after the "
               "other, each until its init ran, one system at a time, levels %s. Per "
               "container: the drop of the host's MemAvailable (page cache dropped before "
               "each reading; includes kernel memory: namespaces, cgroups, page tables), "
               "the host processes (init + supervisor), the PSS of the supervisor (the parent "
               "of init: ct-supervisor, LXC's monitor, conmon, systemd-nspawn, "
               "libvirt_lxc; crun and bare have none) and of the container's own processes, "
               "and the growth of the managing daemon (virtctd, libvirtd). *marginal*: the "
               "MemAvailable drop between two levels over the containers added, less sensitive "
               "to what the first containers share. MemAvailable is host-wide: anything else "
               "the machine does during a level shows up in it." %
               res["meta"]["config"]["density_levels"])
    out.append("")
    df = res["meta"].get("density_from")
    if df:
        out.append("**Note:** the density figures of %s come from a second run, density only, "
                   "on %s (`docs/bench/%s`), the others from the full run. In the full run "
                   "the harness took the exit status of a process that had ended for that of a "
                   "later one with the same PID (PIDs wrap after some 30000 processes), which "
                   "made the systems measured late look as if they broke early; it now keeps "
                   "each status with the time it was reaped. The full run's other scenarios "
                   "recorded no error." % (", ".join(label(res, s) for s in df["systems"]),
                                           df["date"], df["file"]))
        out.append("")
    out.append("| system | N | start all (s) | MemAvailable drop / ct (MiB) | marginal / ct (MiB) | "
               "processes / ct | supervisor PSS / ct (KiB) | container PSS / ct (KiB) | "
               "daemon / ct (KiB) |")
    out.append("|---|---|---|---|---|---|---|---|---|")
    for s in systems_in(res, dens):
        prev = None
        for lv in dens[s].get("levels", []):
            total = lv["mem_avail_drop_kb_per_ct"] * lv["n"]
            marginal = "-"
            if prev:
                marginal = "%.2f" % ((total - prev[1]) / (lv["n"] - prev[0]) / 1024)
            prev = (lv["n"], total)
            out.append("| %s | %d | %.1f | %.2f | %s | %.2f | %.0f | %.0f | %.0f |" % (
                label(res, s), lv["n"], lv["start_all_s"], lv["mem_avail_drop_kb_per_ct"] / 1024,
                marginal, lv["procs_per_ct"], lv["sup_pss_kb_per_ct"], lv["ct_pss_kb_per_ct"],
                lv["daemon_pss_kb_per_ct"]))
    out.append("")
    out.append("| system | most reached | stopped there | time to stop all (s) | why it stopped "
               "there |")
    out.append("|---|---|---|---|---|")
    for s in systems_in(res, dens):
        d = dens[s]
        out.append("| %s | %d | %d | %s | %s |" % (
            label(res, s), d.get("max_n", 0), d.get("stop_all_n", 0),
            num(d.get("stop_all_s")),
            " ".join((d.get("broke") or "the last level was reached").split())[:240] +
            (" (stop: %s)" % d["stop_error"][:120] if d.get("stop_error") else "")))
    out.append("")
    if density_chart(os.path.join(figdir, "density.png"), res):
        out.append("![density](bench/density.png)")
        out.append("")


def section_provision(res, out, figdir):
    pv = res.get("provision", {})
    if not pv:
        return
    out.append("## 4. Provisioning from a template")
    out.append("")
    out.append("A new container from a template, until it can be started: ct `define` (the "
               "API, and virsh) of a container on `<filesystem type='template'>`, without and "
               "with a 1 GiB `<space_hard_limit>` (its XFS image is made at the first start); "
               "against a full copy (`cp -a`), a bare overlay mount (the mount(2) call, in the "
               "harness), LXC's snapshot clone (`lxc-copy -s -B overlay`) and `podman create "
               "--rootfs DIR:O`. Disk bytes: `du` of what the operation added (the "
               "definition file and layer for ct, the copy, the upper and work directories, "
               "the clone's directory, podman's storage growth). crun has nothing of its own "
               "(a bundle points at a root; copy-on-write is the overlay mount) and "
               "systemd-nspawn's `--template` copies on a file system without btrfs.")
    out.append("")
    groups = []
    for tpl, d in pv.items():
        out.append("| %s template | time median (ms) | p95 | disk bytes | first start (ms) | "
                   "bytes after it | errors |" % tpl)
        out.append("|---|---|---|---|---|---|---|")
        rows = []
        for m, e in d.items():
            out.append("| %s | %s | %s | %s | %s | %s | %s |" % (
                m, num(med(e.get("stats")), "%.2f"), num(p95(e.get("stats")), "%.2f"),
                human_bytes(med(e.get("bytes"))), num(med(e.get("first_start")), "%.1f"),
                human_bytes(med(e.get("bytes_after_start"))) if e.get("bytes_after_start")
                else "-", errors_note(e)))
            rows.append((m, med(e.get("stats")), p95(e.get("stats"))))
        out.append("")
        groups.append((tpl, rows))
    if bar_chart(os.path.join(figdir, "provisioning.png"),
                 "provisioning a container from a template (median, p95 whisker)", groups, "ms",
                 log=True):
        out.append("![provisioning](bench/provisioning.png)")
        out.append("")


def section_manage(res, out, figdir):
    mg = res.get("manage", {})
    if not mg:
        return
    out.append("## 5. Management at scale")
    out.append("")
    ev = mg.get("events")
    if ev:
        out.append("The first %d containers were started at once by %d clients while another "
                   "client listened for lifecycle events: %d ran (all within %s s; the requests "
                   "returned in %s s), %d STARTED events arrived, the last %s ms after the last "
                   "request returned.%s" % (
                       ev["n"], ev["clients"], ev["ran"], num(ev.get("all_ran_s"), "%.2f"),
                       num(ev.get("requests_s"), "%.2f"), ev["events"],
                       ev["last_event_after_last_request_ms"],
                       " Error: %s" % ev["error"] if ev.get("error") else ""))
        out.append("")
    curve = mg.get("curve") or []
    if curve:
        out.append("The API calls as more of the %s defined containers run (median ms; "
                   "getAllDomainStats of the running ones):" % mg.get("defined"))
        out.append("")
        out.append("| running | started (s) | listAllDomains | getAllDomainStats | "
                   "lookup+info |")
        out.append("|---|---|---|---|---|")
        for p in curve:
            out.append("| %d | %s | %s | %s | %s |" % (
                p["running"], num(p.get("start_s")), num(med(p.get("listAllDomains")), "%.2f"),
                num(med(p.get("getAllDomainStats (running)")), "%.2f"),
                num(med(p.get("lookup+info")), "%.2f")))
        out.append("")
        if curve_chart(os.path.join(figdir, "management_curve.png"), curve):
            out.append("![management curve](bench/management_curve.png)")
            out.append("")
    out.append("ct with %s defined and %s running containers (defining all took %s s, "
               "starting %s took %s s; destroying them, 8 at a time, %s s; undefining all %s s). Each "
               "operation in turn, milliseconds; `virsh` is a new process and connection each "
               "time, the API calls use the harness's open connection." % (
                   mg.get("defined"), mg.get("running"), mg.get("define_all_s"),
                   mg.get("started"), mg.get("start_all_s"), mg.get("destroy_all_s"),
                   mg.get("undefine_all_s")))
    out.append("")
    if mg.get("error"):
        out.append("**failed**: %s" % mg["error"])
        out.append("")
    ops = mg.get("ops", {})
    if ops:
        out.append("| operation | median | p95 | errors |")
        out.append("|---|---|---|---|")
        rows = []
        for k, e in ops.items():
            out.append("| %s | %s | %s | %s |" % (k, num(med(e["stats"]), "%.2f"),
                                                 num(p95(e["stats"]), "%.2f"), errors_note(e)))
            rows.append((k, med(e["stats"]), p95(e["stats"])))
        out.append("")
        if bar_chart(os.path.join(figdir, "management.png"),
                     "management with %s defined / %s running (median, p95 whisker)" % (
                         mg.get("defined"), mg.get("running")), [("", rows)], "ms", log=True):
            out.append("![management](bench/management.png)")
            out.append("")


def section_quotas(res, out):
    q = res.get("quotas", {})
    if not q:
        return
    lim = res["meta"].get("limits", {})
    out.append("## 6. Quotas")
    out.append("")
    out.append("Each limit set the system's own way and measured on the busybox root: memory "
               "%s MiB (a 200 MiB allocation must be killed), CPU %s of a CPU (a busy loop "
               "for 3 s, its CPU time read from /proc), %s processes (101 asked for, counted "
               "from the host), disk %s MiB (128 MiB written with dd). LXC and libvirt-lxc "
               "get their disk limit from a loop-mounted image (LXC's `loop:` backing store, "
               "libvirt's `<filesystem type='file'>`), nspawn from `--image`, podman from "
               "`--storage-opt size`." % (lim.get("memory_mib"), lim.get("cpu"),
                                           lim.get("pids"), lim.get("disk_mib")))
    out.append("")
    out.append("| system | memory | CPU | processes | disk |")
    out.append("|---|---|---|---|---|")
    for s in systems_in(res, q):
        cells = []
        for k in ("memory", "cpu", "pids", "disk"):
            v = q[s].get(k, {})
            st = v.get("status", "-")
            mark = {"enforced": "**enforced**", "not enforced": "not enforced",
                    "not supported": "not supported", "failed": "fails"}.get(st, st)
            cells.append("%s: %s" % (mark, " ".join(v.get("detail", "").split())[:180]))
        out.append("| %s | %s |" % (label(res, s), " | ".join(cells)))
    out.append("")


CKPT_SERIES = [("save", "save", "#c0392b"), ("restore", "restore", "#2980b9"),
               ("freeze", "freeze seen inside", "#7f8c8d")]


def checkpoint_chart(path, cases):
    """times (median bars, min-max whiskers) and image size per case"""
    keys = [k for k in cases if med(cases[k].get("save")) is not None]
    if not keys:
        return False
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 0.9 + 0.9 * len(keys)),
                                  gridspec_kw={"width_ratios": [2, 1]})
    h = 0.8 / len(CKPT_SERIES)
    for si, (k, lbl, col) in enumerate(CKPT_SERIES):
        ys, ms, lo, hi = [], [], [], []
        for i, c in enumerate(keys):
            st = cases[c].get(k)
            if not st:
                continue
            ys.append(i + si * h)
            ms.append(st["median"])
            lo.append(st["median"] - st["min"])
            hi.append(st["max"] - st["median"])
        ax.barh(ys, ms, height=h, xerr=[lo, hi], color=col, label=lbl, capsize=2)
        for y, m, e in zip(ys, ms, hi):
            ax.text(m + e, y, "  %.0f" % m, va="center", fontsize=7)
    ax.set_yticks([i + h * (len(CKPT_SERIES) - 1) / 2 for i in range(len(keys))])
    ax.set_yticklabels([cases[c]["label"] for c in keys], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("ms")
    ax.set_title("save and restore through the API (median, min-max whisker)", fontsize=10)
    ax.legend(fontsize=8, loc="upper right")
    ax.grid(axis="x", alpha=0.3)
    ax.margins(x=0.08)
    sizes = [(med(cases[c].get("bytes")) or 0) / (1 << 20) for c in keys]
    ax2.barh(range(len(keys)), sizes, color="#c0392b", height=0.5)
    for i, v in enumerate(sizes):
        ax2.text(v, i, "  %.1f" % v, va="center", fontsize=7)
    ax2.set_yticks(range(len(keys)))
    ax2.set_yticklabels([])
    ax2.invert_yaxis()
    ax2.margins(x=0.15)
    ax2.set_xlabel("MiB on disk")
    ax2.set_title("image size (median)", fontsize=10)
    ax2.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def mm(st, fmt="%.0f"):
    """median (min-max)"""
    if not st:
        return "-"
    return "%s (%s-%s)" % (fmt % st["median"], fmt % st["min"], fmt % st["max"])


def section_checkpoint(res, out, figdir):
    ck = res.get("checkpoint", {})
    if not ck:
        return
    m = ck.get("meta", {})
    mc = m.get("machine", {})
    v = m.get("versions", {})
    out.append("## 7. Checkpoint and restore")
    out.append("")
    out.append("Run of **%s** in **%s** mode, %s s (%s rounds of each container after one "
               "untimed warm-up round), on %s, %s cores, %s GiB, kernel %s, Debian %s; "
               "libvirt-ct %s, CRIU %s." % (
                   m.get("date", "?"), m.get("mode", "?"), num(m.get("duration_s"), "%.0f"),
                   ck.get("runs"), mc.get("cpu"), mc.get("cpus"), mc.get("mem_gib"),
                   mc.get("kernel"), mc.get("debian"), v.get("libvirt-ct") or "-",
                   (v.get("criu") or "-").replace("Version: ", "")))
    out.append("")
    out.append("ct only: a running transient container saved to a file and restored from it at "
               "once through the harness's open connection (`virDomainSave`, "
               "`virDomainRestore`: `virsh save` and `virsh restore` without virsh's own "
               "start-up), each round on a new container with a %s MiB memory limit: an idle "
               "busybox (`sleep` as init), an idle Debian minbase whose systemd has booted to "
               "`running` (`systemctl is-system-running`, through `virt-ct-enter`), and a "
               "busybox with a process that has written 256 MiB of anonymous memory. In each, "
               "a static process (`bench/stamp.c`) writes the time (`CLOCK_REALTIME`) to a file "
               "in the container every 1 ms: the largest gap between two of its stamps is the "
               "*freeze seen inside*, the time its processes did not run. *save* and *restore*: "
               "the calls' wall time; *save+restore*: from the save request to the restore's "
               "return, the most the container can have been frozen. *CRIU dump* and *CRIU "
               "restore*: how long CRIU itself ran, from its logs (`log/ct/NAME.dump.log`, "
               "`NAME.restore.log`); a save also copies CRIU's images from its work directory "
               "into the one image file, fsyncs it and stops the container, a restore unpacks "
               "it and starts a supervisor, cgroups and a root as a boot does. *image*: the image file's "
               "bytes on disk; the container's root layer is not in it (it stays on the host). "
               "Milliseconds, median (min-max) of the rounds." % m.get("memory_mib"))
    out.append("")
    if ck.get("error"):
        out.append("**not measured**: %s" % ck["error"])
        out.append("")
    cases = ck.get("cases", {})
    if cases:
        out.append("| container | save | restore | save+restore | CRIU dump | CRIU restore | "
                   "freeze seen inside | image on disk | runs | errors |")
        out.append("|---|---|---|---|---|---|---|---|---|---|")
        for k, e in cases.items():
            b = e.get("bytes")
            out.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                e["label"], mm(e.get("save")), mm(e.get("restore")), mm(e.get("total")),
                mm(e.get("criu_dump")), mm(e.get("criu_restore")), mm(e.get("freeze")),
                "%s (%s-%s)" % (human_bytes(med(b)), human_bytes(b["min"]), human_bytes(b["max"]))
                if b else "-", (e.get("save") or {}).get("n", 0), errors_note(e)))
        out.append("")
        notes = []
        for k, e in cases.items():
            fb, fe = e.get("freeze_begin"), e.get("freeze_end")
            if fb and fe:
                notes.append("%s: frozen %.0f ms after the save request, running again %s ms "
                             "%s the restore returned" % (
                                 e["label"], fb["median"], "%.0f" % abs(fe["median"]),
                                 "before" if fe["median"] < 0 else "after"))
        if notes:
            out.append("Where the freeze falls (medians): %s." % "; ".join(notes))
            out.append("")
        waits = []
        for k, e in cases.items():
            w = (e.get("samples") or {}).get("freezer_waits") or []
            if w:
                waits.append("%s %d of %d" % (e["label"], sum(1 for x in w if x), len(w)))
        if waits:
            out.append("CRIU freezes the container's cgroup (`--freeze-cgroup`, cgroup v2's "
                       "`cgroup.freeze` here), checks at once whether it is frozen and, when "
                       "not yet, sleeps 100 ms before it looks again: dumps that waited so: "
                       "%s." % ", ".join(waits))
            out.append("")
        sd = cases.get("systemd")
        if sd and sd.get("after_restore"):
            states = sd["after_restore"]
            out.append("`systemctl is-system-running` after each restore of the systemd "
                       "container: %s. Its boot, from the create request to `running`, took "
                       "%s ms." % (", ".join("%s x%d" % (x, states.count(x))
                                            for x in sorted(set(states))),
                                   mm((sd.get("ready")))))
            out.append("")
        if checkpoint_chart(os.path.join(figdir, "checkpoint.png"), cases):
            out.append("![checkpoint](bench/checkpoint.png)")
            out.append("")
    out.append("No peer is measured here. None checkpoints a container through libvirt: "
               "libvirt's LXC driver has no save or restore. podman (`podman container "
               "checkpoint` / `restore`, through crun) and LXC (`lxc-checkpoint`) checkpoint "
               "with the system's CRIU, and Debian 12's, 3.17.1, does not run on this kernel: "
               "`criu check` stops at “vdso: Unexpected rt vDSO area bounds ... Could not "
               "initialize kernel features detection”. libvirt-ct builds and ships its own "
               "(%s, `ct-criu`)." % ((v.get("criu") or "4.x").replace("Version: ", "CRIU ")))
    out.append("")


MIG_METHODS = [("p2p", "live, `--p2p`"), ("tunnelled", "live, `--p2p --tunnelled`"),
               ("byhand", "by hand: save + copy + restore")]


def migrate_chart(path, cases):
    """total and downtime per container and method (median bars, min-max
    whiskers), seconds"""
    rows = []
    for k, e in cases.items():
        for m, mlabel in MIG_METHODS:
            x = e.get("methods", {}).get(m)
            if x and x.get("total"):
                rows.append(("%s\n%s" % (e["label"], mlabel.replace("`", "")), x))
    if not rows:
        return False
    fig, ax = plt.subplots(figsize=(10, 0.9 + 0.55 * len(rows)))
    h = 0.4
    for si, (k, lbl, col) in enumerate((("total", "total (virsh's wall time)", "#2980b9"),
                                        ("downtime", "downtime", "#c0392b"))):
        ys, ms, lo, hi = [], [], [], []
        for i, (_, x) in enumerate(rows):
            st = x.get(k)
            if not st:
                continue
            ys.append(i + si * h)
            ms.append(st["median"] / 1000)
            lo.append((st["median"] - st["min"]) / 1000)
            hi.append((st["max"] - st["median"]) / 1000)
        ax.barh(ys, ms, height=h, xerr=[lo, hi], color=col, label=lbl, capsize=2)
        for y, m, e in zip(ys, ms, hi):
            ax.text(m + e, y, "  %.2f" % m, va="center", fontsize=7)
    ax.set_yticks([i + h / 2 for i in range(len(rows))])
    ax.set_yticklabels([r[0] for r in rows], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("s")
    ax.set_title("moving a running container to a second host (median, min-max whisker)",
                 fontsize=10)
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    ax.margins(x=0.08)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def section_migrate(res, out, figdir):
    mg = res.get("migrate", {})
    if not mg:
        return
    m = mg.get("meta", {})
    mc = m.get("machine", {})
    v = m.get("versions", {})
    out.append("## 8. Live migration")
    out.append("")
    out.append("Run of **%s** in **%s** mode, %s s (%s rounds of each container and method "
               "after one untimed warm-up round), on %s, %s cores, %s GiB, kernel %s, Debian %s; "
               "libvirt-ct %s, CRIU %s." % (
                   m.get("date", "?"), m.get("mode", "?"), num(m.get("duration_s"), "%.0f"),
                   mg.get("runs"), mc.get("cpu"), mc.get("cpus"), mc.get("mem_gib"),
                   mc.get("kernel"), mc.get("debian"), v.get("libvirt-ct") or "-",
                   (v.get("criu") or "-").replace("Version: ", "")))
    out.append("")
    out.append("ct only: a running transient container moved from the harness's virtctd "
               "(host1) to a second virtctd on the same machine (host2 of "
               "`tests/integration/twohost.sh`: a mount and a network namespace of its own, "
               "a veth pair, TLS with a throw-away CA, the same templates). Each round "
               "on a new container with a %s MiB memory limit, as in section 7: an idle "
               "busybox, an idle Debian minbase whose systemd has booted to `running`, and a "
               "busybox with a process that has written 256 MiB of anonymous memory and "
               "%s MiB of random file data written into its root (`dd ... conv=fsync`), a "
               "layer on a 2 GiB disk image (`<space_hard_limit>`). *live*: `virsh migrate "
               "--live --p2p NAME ct+tls://HOST2/system` (host1 connects to host2 itself and "
               "sends the data on a TCP connection of its own), and for the busybox also with "
               "`--tunnelled` (the data through the libvirt connection). *total*: virsh's wall "
               "time, its start-up and connections included. *downtime*: what `virsh "
               "domjobinfo --completed` on host2 reports, from the moment the source froze the "
               "container to the moment it runs on host2. *by hand*: the same container "
               "moved the way one would without migration: `virsh save`, the image and the "
               "layer's files copied (`cp --sparse=always`, and `tar --sparse` piped into "
               "`tar --extract`, then `sync`) into a directory of host2's tree, `virsh "
               "restore` of the copy. A save image is bound to the key of the host that made "
               "it, so the restore is on host1, from the copied image (the layer it runs on "
               "stays host1's): the bytes are moved, the host is not. Its downtime is the "
               "three steps' total. *freeze seen inside*: the largest gap in the clock the "
               "container's own process stamps every 1 ms (`bench/stamp.c`), read on the host "
               "it runs on at the end. Milliseconds, median (min-max) of the rounds." % (
                   m.get("memory_mib"), m.get("layer_mib")))
    out.append("")
    if mg.get("error"):
        out.append("**not measured**: %s" % mg["error"])
        out.append("")
    cases = mg.get("cases", {})
    if cases:
        out.append("| container | how | total | downtime | freeze seen inside | data sent | "
                   "runs | errors |")
        out.append("|---|---|---|---|---|---|---|---|")
        for k, e in cases.items():
            for meth, mlabel in MIG_METHODS:
                x = e.get("methods", {}).get(meth)
                if not x:
                    continue
                data = x.get("bytes")
                if meth == "byhand" and x.get("image_bytes"):
                    data = None
                    sent = "image %s + layer %s" % (human_bytes(med(x.get("image_bytes"))),
                                                    human_bytes(med(x.get("layer_bytes"))))
                else:
                    sent = human_bytes(med(data)) if data else "-"
                out.append("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
                    e["label"], mlabel, mm(x.get("total")), mm(x.get("downtime")),
                    mm(x.get("freeze")), sent, (x.get("total") or {}).get("n", 0),
                    errors_note(x)))
        out.append("")
        out.append("Where the downtime of a live migration goes, from the two daemons' debug "
                   "logs (level 1 for the driver and the commands it runs, on during this "
                   "scenario only): *dump*: from the freeze to the second pass over the layer "
                   "on host1 (CRIU's dump); *layer*: until host2 starts to unpack the checkpoint "
                   "(what changed in the layer since the first pass, which went while the "
                   "container ran, sent and written); *checkpoint*: until host2 "
                   "has it all; *prepare*: host2 makes the layer ready (the disk image "
                   "checked and mounted); *restore*: until the container runs on host2 (CRIU's "
                   "restore, *CRIU restore* from its log, within it). By hand: the three "
                   "commands' times.")
        out.append("")
        out.append("| container | how | dump | layer | checkpoint | prepare | restore | "
                   "CRIU restore |")
        out.append("|---|---|---|---|---|---|---|---|")
        for k, e in cases.items():
            for meth, mlabel in MIG_METHODS[:2]:
                x = e.get("methods", {}).get(meth)
                if not x:
                    continue
                out.append("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
                    e["label"], mlabel, mm(x.get("dump")), mm(x.get("layer")),
                    mm(x.get("checkpoint")), mm(x.get("prepare")), mm(x.get("restore")),
                    mm(x.get("criu_restore"))))
        out.append("")
        out.append("| container | virsh save | copy | virsh restore | CRIU dump | "
                   "CRIU restore |")
        out.append("|---|---|---|---|---|---|")
        for k, e in cases.items():
            x = e.get("methods", {}).get("byhand")
            if not x:
                continue
            out.append("| %s | %s | %s | %s | %s | %s |" % (
                e["label"], mm(x.get("save")), mm(x.get("copy")), mm(x.get("restore")),
                mm(x.get("criu_dump")), mm(x.get("criu_restore"))))
        out.append("")
        sd = cases.get("systemd", {}).get("methods", {})
        states = []
        for meth, mlabel in MIG_METHODS:
            a = (sd.get(meth) or {}).get("after") or []
            if a:
                states.append("%s: %s" % (mlabel, ", ".join(
                    "%s x%d" % (s, a.count(s)) for s in sorted(set(a)))))
        if states:
            out.append("`systemctl is-system-running` in the systemd container once it runs "
                       "again: %s." % "; ".join(states))
            out.append("")
        if migrate_chart(os.path.join(figdir, "migrate.png"), cases):
            out.append("![migration](bench/migrate.png)")
            out.append("")
    out.append("No peer is measured here, and no figure stands in for one: none of them "
               "migrates a running container. libvirt's LXC driver implements no migration "
               "at all; crun, LXC and podman can checkpoint a container with CRIU and restore "
               "it (podman's `container checkpoint --export` and `container restore --import` "
               "move one between hosts by hand, as the *by hand* rows do for ct), with the "
               "system's CRIU, which does not run on this kernel (section 7); "
               "systemd-nspawn has neither.")
    out.append("")


def section_overhead(res, out):
    ov = res.get("overhead", {})
    if not ov:
        return
    out.append("## What the harness itself costs")
    out.append("")
    out.append("Every command-line system's time includes one `posix_spawn` and the wait for "
               "the command; crun's and podman's also one exec of `nsrun enter` (a static "
               "helper that enters the mount namespace without the cgroup2 mount, which "
               "crun needs on this host). Measured on `/bin/true`:")
    out.append("")
    out.append("| what | median (ms) | p95 |")
    out.append("|---|---|---|")
    for k, v in ov.items():
        out.append("| %s | %s | %s |" % (k, num(med(v), "%.2f"), num(p95(v), "%.2f")))
    out.append("")


def main():
    args = sys.argv[1:]
    other = None
    if len(args) == 4 and args[2] == "--density-from":
        other = args[3]
        args = args[:2]
    if len(args) != 2:
        print("usage: report.py RESULTS.json OUTDIR [--density-from OTHER.json]", file=sys.stderr)
        return 2
    with open(args[0]) as f:
        res = json.load(f)
    outdir = args[1]
    if other:
        with open(other) as f:
            o = json.load(f)
        replaced = sorted(o.get("density", {}))
        res["density"].update(o.get("density", {}))
        res["meta"]["density_from"] = {"file": os.path.basename(other), "date": o["meta"]["date"],
                                       "systems": replaced,
                                       "levels": o["meta"]["config"]["density_levels"]}
    figdir = os.path.join(outdir, "bench")
    os.makedirs(figdir, exist_ok=True)
    out = ["# Benchmarks: libvirt-ct side by side with its peers", "",
           "<!-- generated by bench/report.py from bench/results.json: do not edit; "
           "run bench/run.sh -->", ""]
    section_machine(res, out)
    section_targets19(res, out)
    section_targets(res, out)
    notes = os.path.join(os.path.dirname(os.path.abspath(__file__)), "notes.md")
    if os.path.exists(notes) and res["meta"].get("mode") == "full":
        with open(notes) as f:
            out.append(f.read().rstrip())
        out.append("")
    section_systems(res, out)
    section_start(res, out, figdir)
    section_stop(res, out, figdir)
    section_burst(res, out)
    section_density(res, out, figdir)
    section_provision(res, out, figdir)
    section_manage(res, out, figdir)
    section_quotas(res, out)
    section_checkpoint(res, out, figdir)
    section_migrate(res, out, figdir)
    # the profile (bench/run.sh), bench/snapshot.sh and bench/clone.sh
    # write their own sections
    for part in ("profile.md", "snapshot.md", "clone.md"):
        path = os.path.join(figdir, part)
        if os.path.exists(path):
            with open(path) as f:
                out.append(f.read().rstrip())
            out.append("")
    section_overhead(res, out)
    out.append("## How to reproduce")
    out.append("")
    out.append("On a Debian 12 machine, as root, from the source tree (with the driver built "
               "by `meson setup build && ninja -C build`, or the harness builds it):")
    out.append("")
    out.append("    bench/run.sh            # full: about an hour; writes docs/benchmarks.md, "
               "docs/bench/")
    out.append("    bench/run.sh --quick    # under 5 minutes; writes /var/tmp/bench-quick/")
    out.append("    bench/report.py docs/bench/results.json docs   # the page again from the "
               "results")
    ck = (res.get("checkpoint") or {}).get("meta")
    if ck and ck.get("date") != res["meta"].get("date"):
        out.append("    bench/run.sh --scenarios checkpoint --systems ct-api --out /tmp/c   # the "
                   "checkpoint-only run")
        out.append("    bench/merge.py docs/bench/results.json /tmp/c/bench/results.json "
                   "checkpoint")
    mg = (res.get("migrate") or {}).get("meta")
    if mg and mg.get("date") != res["meta"].get("date"):
        out.append("    bench/run.sh --scenarios migrate --systems ct-api --out /tmp/m   # the "
                   "migrate-only run")
        out.append("    bench/merge.py docs/bench/results.json /tmp/m/bench/results.json "
                   "migrate")
    df = res["meta"].get("density_from")
    if df:
        out.append("    bench/run.sh --scenarios density --systems %s --out /tmp/d   # the "
                   "density-only run" % ",".join(df["systems"]))
        out.append("    bench/report.py docs/bench/results.json docs --density-from "
                   "docs/bench/%s" % df["file"])
    out.append("")
    out.append("`bench/install-peers.sh` installs the peers from Debian (crun, lxc, "
               "systemd-container, podman, libvirt-daemon-driver-lxc, python3-matplotlib, "
               "...); `bench/mkrootfs.sh` makes the busybox and Debian minbase roots once in "
               "/var/tmp/bench-cache. The run uses a private virtctd from the build tree and a "
               "private libvirtd on a scratch tree in /var/tmp/bench-run.*, and removes "
               "everything it started at the end. Options: `--systems`, `--scenarios`, "
               "`--out DIR`, `--no-install`, `--keep`.")
    out.append("")
    with open(os.path.join(outdir, "benchmarks.md"), "w") as f:
        f.write("\n".join(out))
    print("report: %s" % os.path.join(outdir, "benchmarks.md"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
