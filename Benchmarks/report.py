#!/usr/bin/env python3
"""Turns what run.sh measured into Markdown tables: medians per workload and server, the targets of issue #17
with their ratios and whether each holds, then every run.

usage: Benchmarks/report.py RUNS.tsv [SCALE.tsv]

RUNS.tsv: one line per wrk run (tab-separated, FIELDS below). SCALE.tsv: `key<TAB>value` lines from the scale
phase (records, seed_ms, journal_ms, snapshot_ms, base_rss_kb, journal_rss_kb, snapshot_rss_kb, compact_ms);
without it, or without the phase's keys, those targets are reported as not measured.
"""
import csv
import math
import statistics
import sys

FIELDS = ["workload", "side", "run", "requests", "rps", "p50_ms", "p99_ms", "cpu_us", "rss_rest_kb", "rss_after_kb",
          "log_bytes", "connections"]
NUMERIC = FIELDS[3:]
NAMES = {"gridwork": "Gridwork", "peer": "peer (Hummingbird 2)", "nginx": "nginx (static files)",
         "gridwork-durable": "Gridwork `--data-dir`"}
HEALTHZ, STATS, LIST = "GET /healthz", "GET /stats", "GET /assistance-records?limit=50"
VARIED, POST, POST16 = "GET varied lists", "POST /assistance-records", "POST 16 writers"
MILLION = 1_000_000

with open(sys.argv[1], newline="") as file:
    rows = [dict(zip(FIELDS, line)) for line in csv.reader(file, delimiter="\t") if line]
for row in rows:
    for key in NUMERIC:
        row[key] = float(row[key])
scale = {}
if len(sys.argv) > 2:
    with open(sys.argv[2]) as file:
        scale = {key: float(value) for key, value in (line.rstrip("\n").split("\t") for line in file if line.strip())}

workloads = list(dict.fromkeys(row["workload"] for row in rows))


def sides(workload):
    return list(dict.fromkeys(row["side"] for row in rows if row["workload"] == workload))


def median(workload, side, key):
    values = [row[key] for row in rows if row["workload"] == workload and row["side"] == side]
    return statistics.median(values) if values else math.nan


def mb(kb):
    return f"{kb / 1024:.1f} MB"


def growth(workload, side):
    """Bytes of RSS per created record over a POST run: (RSS after − RSS at rest) ÷ requests, median of runs."""
    values = [(row["rss_after_kb"] - row["rss_rest_kb"]) * 1024 / row["requests"]
              for row in rows if row["workload"] == workload and row["side"] == side]
    return statistics.median(values) if values else math.nan


print("| workload | server | conns | req/s | p50 | p99 | CPU µs/req | RSS at rest → after load | access log B/req |")
print("| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |")
for workload in workloads:
    for side in sides(workload):
        m = {key: median(workload, side, key) for key in NUMERIC}
        print(
            f"| `{workload}` | {NAMES.get(side, side)} | {m['connections']:.0f} | {m['rps']:,.0f} | {m['p50_ms']:.2f} ms "
            f"| {m['p99_ms']:.2f} ms | {m['cpu_us']:.1f} | {mb(m['rss_rest_kb'])} → {mb(m['rss_after_kb'])} "
            f"| {m['log_bytes'] / m['requests']:.0f} |"
        )
posts = [(workload, side) for workload in workloads if workload.startswith("POST") for side in sides(workload)]
if posts:
    print()
    print("Records created by the POST runs and RSS growth per record (after load − at rest, ÷ records; medians; "
          "the canonical memory figure is the scale phase's, in the targets): " + "; ".join(
              f"`{workload}` {NAMES.get(side, side)}: {median(workload, side, 'requests'):,.0f} records, "
              f"{growth(workload, side):,.0f} B/record" for workload, side in posts) + ".")

# --- targets ---------------------------------------------------------------------------------------------------
targets = []  # (number, target, measured, ratio text, bound text, holds: True/False/None)


def ratio_target(number, text, measured, value, bound, at_most=True, ratio_format="{:.2f}×", strict=False):
    if math.isnan(value):
        targets.append((number, text, measured, "–", bound, None))
        return
    holds = (value < bound[1] if strict else value <= bound[1]) if at_most else value >= bound[1]
    targets.append((number, text, measured, ratio_format.format(value), bound[0], holds))


def cpu_pair(workload, other_workload=None):
    g = median(workload, "gridwork", "cpu_us")
    n = median(other_workload or workload, "nginx", "cpu_us")
    return g, n, f"{g:.1f} / {n:.1f} µs"


g, n, text = cpu_pair(HEALTHZ)
ratio_target("1", "`/healthz` server CPU per request, Gridwork ÷ nginx", text, g / n, ("≤ 1.5×", 1.5))
g, n, text = cpu_pair(STATS)
ratio_target("2", "`/stats` server CPU per request, Gridwork ÷ nginx", text, g / n, ("≤ 1.2×", 1.2))
g, n, text = cpu_pair(VARIED, LIST)
ratio_target("3", "varied lists (Gridwork) ÷ nginx's static `?limit=50` page, CPU per request", text, g / n,
             ("≤ 2.5×", 2.5))
g, p = median(POST, "gridwork", "rps"), median(POST, "peer", "rps")
ratio_target("4a", "POST in memory, Gridwork ÷ peer req/s", f"{g:,.0f} / {p:,.0f} req/s", g / p, ("≥ 2×", 2.0),
             at_most=False)
d, g = median(POST16, "gridwork-durable", "rps"), median(POST16, "gridwork", "rps")
ratio_target("4b", "POST at 16 writers, `--data-dir` ÷ in memory req/s", f"{d:,.0f} / {g:,.0f} req/s", d / g,
             ("≥ 0.7×", 0.7), at_most=False)

records = scale.get("records", 0)
full = records == MILLION
scaled_note = "" if full else f" (RECORDS={records:,.0f}; the bound is for 1,000,000: not judged)"
if records:
    base = scale["base_rss_kb"]
    for name in ("journal", "snapshot"):
        rss = scale[f"{name}_rss_kb"]
        loaded = "replayed from a journal" if name == "journal" else "loaded from a snapshot"
        per_record = (rss - base) * 1024 / records
        ratio_target("5", f"bytes per assistance record, {loaded} ((RSS − seed-only RSS) ÷ records)",
                     f"{mb(rss)} − {mb(base)}", per_record, ("≤ 250 B", 250), ratio_format="{:,.0f} B")
    for name in ("journal", "snapshot"):
        rss_bytes = scale[f"{name}_rss_kb"] * 1024
        loaded = "replayed" if name == "journal" else "snapshot-loaded"
        targets.append(("5", f"RSS of {records:,.0f} records, {loaded}{scaled_note}", mb(scale[f"{name}_rss_kb"]),
                        f"{rss_bytes / 1e6:,.0f} MB", "≤ 300 MB", rss_bytes <= 300e6 if full else None))
    same = scale["snapshot_rss_kb"] / scale["journal_rss_kb"]
    targets.append(("5", "snapshot-loaded ÷ replayed RSS (the same size: within 5 %)",
                    f"{mb(scale['snapshot_rss_kb'])} / {mb(scale['journal_rss_kb'])}", f"{same:.3f}×",
                    "0.95–1.05×", 0.95 <= same <= 1.05))
    targets.append(("6", f"start to first `/stats`, {records:,.0f} records from a snapshot{scaled_note}",
                    f"{scale['snapshot_ms']:,.0f} ms", "–", "≤ 2 s", scale["snapshot_ms"] <= 2000 if full else None))
    targets.append(("6", f"start to first `/stats`, a journal of {records:,.0f} creates{scaled_note}",
                    f"{scale['journal_ms']:,.0f} ms", "–", "≤ 4 s", scale["journal_ms"] <= 4000 if full else None))
else:
    targets.append(("5", "memory per record at a million records", "not measured (RECORDS=0)", "–", "≤ 250 B", None))
    targets.append(("6", "start-up from a snapshot and from a journal", "not measured (RECORDS=0)", "–", "≤ 2 s, ≤ 4 s",
                    None))
if "seed_ms" in scale:
    targets.append(("6", "start to first `/stats`, the seed alone", f"{scale['seed_ms']:,.0f} ms", "–", "≤ 150 ms",
                    scale["seed_ms"] <= 150))
for workload in workloads:
    if "peer" in sides(workload):
        g, p = median(workload, "gridwork", "p99_ms"), median(workload, "peer", "p99_ms")
        ratio_target("7", f"p99 `{workload}`, Gridwork ÷ peer", f"{g:.2f} / {p:.2f} ms", g / p, ("< 1× (below)", 1.0),
                     strict=True)

print()
print("## Targets")
print()
print("| # | target | measured | ratio | bound | result |")
print("| --- | --- | ---: | ---: | --- | --- |")
for number, text, measured, ratio, bound, holds in targets:
    result = "n/a" if holds is None else ("holds" if holds else "**missed**")
    print(f"| {number} | {text} | {measured} | {ratio} | {bound} | {result} |")
judged = [holds for *_, holds in targets if holds is not None]
print()
print("In the targets' bounds and ratios a MB is 10⁶ bytes; elsewhere MB are MiB, as /proc counts RSS.")
print()
print(f"{sum(judged)} of {len(judged)} judged targets hold"
      + (f"; {len(targets) - len(judged)} not judged (n/a)." if len(judged) < len(targets) else "."))

print()
print("Every run, in the order run (req/s, p50, p99, CPU µs per request, RSS at rest → after load, access log):")
print()
print("| workload | server | run | conns | requests | req/s | p50 | p99 | CPU µs/req | RSS | log B/req |")
print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |")
for row in rows:
    print(
        f"| `{row['workload']}` | {NAMES.get(row['side'], row['side'])} | {row['run']} | {row['connections']:.0f} "
        f"| {row['requests']:,.0f} | {row['rps']:,.0f} | {row['p50_ms']:.2f} ms | {row['p99_ms']:.2f} ms "
        f"| {row['cpu_us']:.1f} | {mb(row['rss_rest_kb'])} → {mb(row['rss_after_kb'])} "
        f"| {row['log_bytes'] / row['requests']:.0f} |"
    )
