#!/usr/bin/python3
"""report.py: turn bench/run's raw measurements into the table of medians and ratios, RESULTS.md and the
scaling plot. Every number printed is a median of values measured in this run; a row whose side was not
measured says so instead of carrying a number."""
import argparse
import datetime
import os
import platform
import statistics
import subprocess
from collections import defaultdict


def load(path):
    data = defaultdict(list)
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 4 and parts[2]:
                data[(parts[0], parts[1])].append(float(parts[2]))
    return data


def load_notes(path):
    notes = defaultdict(list)
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                k, _, v = line.rstrip("\n").partition("\t")
                if v not in notes[k]:
                    notes[k].append(v)
    return notes


def med(data, fig, side):
    v = data.get((fig, side))
    return statistics.median(v) if v else None


def pct(data, fig, side, p):
    v = sorted(data.get((fig, side), []))
    if not v:
        return None
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]


def fmt(v, unit, digits=2):
    return "not measured" if v is None else ("%.*f %s" % (digits, v, unit)).strip()


def verdict(value, target, better):
    if value is None:
        return "—"
    ok = value <= target if better == "le" else value >= target
    return "met" if ok else "**missed**"


def build_rows(d, notes, sizes):
    rows = []   # (figure, virtd side, other side, ratio text, target, verdict)
    n = lambda k: sizes.get(k, "?")
    # Bulk cgroups from config.
    v, c, raw = med(d, "bulk-cg", "virtd"), med(d, "bulk-cg", "cgconfigparser"), med(d, "bulk-cg", "raw")
    sp = c / v if v and c else None
    fl = v / raw if v and raw else None
    rows.append(("bulk cgroups: %s groups × 2 controllers × 2 parameters" % n("bulk_groups"),
                 "Apply: " + fmt(v and v * 1e3, "ms", 1),
                 "cgconfigparser -l: %s; raw floor: %s" % (fmt(c and c * 1e3, "ms", 1), fmt(raw and raw * 1e3, "ms", 1)),
                 "speed-up %s; vs floor %s" % (fmt(sp, "×"), fmt(fl, "×")),
                 "≥ 3× faster; ≤ 1.5× floor",
                 "%s / %s" % (verdict(sp, 3, "ge"), verdict(fl, 1.5, "le"))))
    v, ipb = med(d, "bulk-net", "virtd"), med(d, "bulk-net", "ip-batch")
    sp = ipb / v if v and ipb else None
    rows.append(("bulk namespaces and links: %s namespaces + %s veth pairs" % (n("bulk_ns"), n("bulk_ns")),
                 "Apply: " + fmt(v and v * 1e3, "ms", 1), "ip -batch: " + fmt(ipb and ipb * 1e3, "ms", 1),
                 "speed-up " + fmt(sp, "×"), "≥ 1.5× faster", verdict(sp, 1.5, "ge")))
    for fig, what, tool in (("cli-group-create", "create one group", "cgcreate -g cpu:/x"),
                            ("cli-group-delete", "delete one group", "cgdelete -g cpu:/x"),
                            ("cli-netns-add", "add one network namespace", "ip netns add x"),
                            ("cli-netns-delete", "delete one network namespace", "ip netns delete x")):
        sides = [s for (f, s) in d if f == fig]
        other = next((s for s in sides if s != "virtd"), None)
        v, o = med(d, fig, "virtd"), med(d, fig, other) if other else None
        r = v / o if v and o else None
        rows.append(("one command: " + what, "virtctl: " + fmt(v, "ms"), "%s: %s" % (tool, fmt(o, "ms")),
                     fmt(r, "×"), "≤ 1.0×", verdict(r, 1.0, "le")))
    v, e, raw = med(d, "pipe", "virtd"), med(d, "pipe", "echo"), med(d, "pipe", "raw")
    r = v / (e + raw) if v and e and raw else None
    calls = 2 * int(sizes.get("pipe", 0))
    ops = calls / v if v else None
    rows.append(("method overhead: %s CreateGroup+DeleteGroup pairs, window %s" % (n("pipe"), n("window")),
                 "%s (%s calls/s)" % (fmt(v and v * 1e3, "ms", 0), fmt(ops, "", 0)),
                 "echo round trips %s + raw mkdir/write/rmdir %s" % (fmt(e and e * 1e3, "ms", 0), fmt(raw and raw * 1e3, "ms", 0)),
                 fmt(r, "×"), "≤ 1.2× the sum; ≥ 5,000 ops/s",
                 "%s / %s" % (verdict(r, 1.2, "le"), verdict(ops, 5000, "ge"))))
    idle, loaded = med(d, "memory-idle", "virtd"), med(d, "memory-loaded", "virtd")
    cgr, nwd = med(d, "memory-idle", "cgrulesengd"), med(d, "memory-idle", "systemd-networkd")
    mib = lambda k: k and k / 1024
    pidle, ploaded = med(d, "memory-idle-private", "virtd"), med(d, "memory-loaded-private", "virtd")
    rows.append(("memory: virtd RSS idle", "%s (private %s)" % (fmt(mib(idle), "MiB"), fmt(mib(pidle), "MiB")),
                 "cgrulesengd %s; systemd-networkd %s" % (fmt(mib(cgr), "MiB"), fmt(mib(nwd), "MiB")),
                 "", "≤ 4 MiB", verdict(mib(idle), 4, "le")))
    rows.append(("memory: virtd RSS with %s groups + %s namespaces + %s links" % (n("mem_groups"), n("mem_ns"), n("mem_links")),
                 "%s (private %s)" % (fmt(mib(loaded), "MiB"), fmt(mib(ploaded), "MiB")), "—", "", "≤ 16 MiB",
                 verdict(mib(loaded), 16, "le")))
    s = med(d, "startup-empty", "virtd")
    rows.append(("start-up to READY=1, empty state", "%s (p90 %s)" % (fmt(s, "ms"), fmt(pct(d, "startup-empty", "virtd", 90), "ms")),
                 "—", "", "≤ 30 ms", verdict(s, 30, "le")))
    s = med(d, "startup-config", "virtd")
    rows.append(("start-up to READY=1, %s-group config" % n("bulk_groups"),
                 "%s (p90 %s)" % (fmt(s, "ms"), fmt(pct(d, "startup-config", "virtd", 90), "ms")), "—", "", "—", "—"))
    v50, v99 = med(d, "rules-p50", "virtd"), med(d, "rules-p99", "virtd")
    c50, c99 = med(d, "rules-p50", "cgrulesengd"), med(d, "rules-p99", "cgrulesengd")
    r50 = v50 / c50 if v50 and c50 else None
    r99 = v99 / c99 if v99 and c99 else None
    ahead = None if r50 is None or r99 is None else max(r50, r99)
    ms = lambda us: us and us / 1e3
    rows.append(("rule classification, exec → in group, p50 / p99 (%s execs each)" % n("rules_n"),
                 "%s / %s" % (fmt(ms(v50), "ms"), fmt(ms(v99), "ms")),
                 "cgrulesengd: %s / %s" % (fmt(ms(c50), "ms"), fmt(ms(c99), "ms")),
                 "%s / %s" % (fmt(r50, "×"), fmt(r99, "×")), "p99 ≤ 1 ms, ahead of cgrulesengd",
                 "%s / %s" % (verdict(ms(v99), 1, "le"), verdict(ahead, 1.0, "le"))))
    return rows


def table(rows):
    head = ("figure", "virtd side", "the other side", "ratio", "target", "verdict")
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


def plot(d, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "not drawn: python3-matplotlib is missing"
    sizes = sorted(int(f[len("scale-"):]) for f in {f for (f, _) in d if f.startswith("scale-")})
    if not sizes:
        return "not drawn: no scaling data"
    fig, ax = plt.subplots(figsize=(7, 4.5))
    labels = {"virtd": "virtd: pipelined CreateGroup + DeleteGroup",
              "cgcreate": "cgcreate -g … (one command) + rmdir",
              "raw": "raw floor: mkdir + 2 writes + rmdir (C)"}
    for side, label in labels.items():
        xs = [n for n in sizes if med(d, "scale-%d" % n, side) is not None]
        ys = [med(d, "scale-%d" % n, side) * 1e3 for n in xs]
        if xs:
            ax.plot(xs, ys, marker="o", label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("groups (each with 2 cpu parameters)")
    ax.set_ylabel("wall time, ms (median)")
    ax.set_title("Cost of creating and deleting N cgroups")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    return None


def main():
    ap = argparse.ArgumentParser()
    for a in ("results", "notes", "rules", "out", "plot", "command", "layout", "sizes"):
        ap.add_argument("--" + a, required=True)
    a = ap.parse_args()
    d, notes = load(a.results), load_notes(a.notes)
    sizes = dict(kv.split("=", 1) for kv in a.sizes.split())
    rows = build_rows(d, notes, sizes)
    t = table(rows)
    print(t)
    plot_note = plot(d, a.plot)
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    load1 = os.getloadavg()
    lines = ["# virtd benchmark results", "",
             "Generated by `%s` on %s." % (a.command, datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")), "",
             "- machine: %s CPUs (`nproc`), %s, kernel %s (`uname -r`), %s" % (os.cpu_count(), cpu, platform.release(),
                                                                            subprocess.run(["sh", "-c", ". /etc/os-release; echo $PRETTY_NAME"], capture_output=True, text=True).stdout.strip()),
             "- cgroup layout: %s" % a.layout,
             "- load average at the end of the run: %.2f %.2f %.2f (other builds and tests ran on this machine at the same time, so the figures are noisy; every value is a median over alternating runs)" % load1,
             "- sizes: `%s`" % a.sizes, "", t, ""]
    scale = sorted({f for (f, _) in d if f.startswith("scale-")}, key=lambda f: int(f[6:]))
    if scale:
        lines += ["## Scaling (create + delete N groups, median ms)", "", "![scaling](scaling.png)" if not plot_note else "plot " + plot_note, "",
                  "| N | virtd (pipelined) | cgcreate + rmdir | raw floor |", "|---|---|---|---|"]
        for f in scale:
            lines.append("| %s | %s | %s | %s |" % (f[6:], *(fmt(med(d, f, s) and med(d, f, s) * 1e3, "", 1) for s in ("virtd", "cgcreate", "raw"))))
        lines.append("")
    if notes:
        lines += ["## Not measured, and why", ""]
        for k, vs in notes.items():
            lines += ["- %s: %s" % (k, v) for v in vs]
        lines.append("")
    if os.path.exists(a.rules):
        with open(a.rules) as f:
            lines += ["## Rule classification (bench/rules-latency.sh)", "", "```", f.read().rstrip(), "```", ""]
    lines += ["## Where the time goes", "",
              "Each missed target is analysed in [NOTES.md](NOTES.md) (perf and strace, by hand: not re-run by "
              "bench/run).", ""]
    with open(a.out, "w") as f:
        f.write("\n".join(lines))
    print("\nwrote %s%s" % (a.out, "" if plot_note else " and " + a.plot))


main()
