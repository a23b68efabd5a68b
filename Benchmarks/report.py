#!/usr/bin/env python3
"""Turns the per-run measurements that run.sh writes (tab-separated, one line per run) into Markdown tables:
medians per workload and side, then every run.

usage: Benchmarks/report.py RUNS.tsv
"""
import csv
import statistics
import sys

FIELDS = ["workload", "side", "run", "requests", "rps", "p50_ms", "p99_ms", "cpu_us", "rss_rest_kb", "rss_after_kb"]

with open(sys.argv[1], newline="") as file:
    rows = [dict(zip(FIELDS, line)) for line in csv.reader(file, delimiter="\t") if line]
for row in rows:
    for key in FIELDS[3:]:
        row[key] = float(row[key])

workloads = list(dict.fromkeys(row["workload"] for row in rows))


def median(workload, side, key):
    values = [row[key] for row in rows if row["workload"] == workload and row["side"] == side]
    return statistics.median(values) if values else float("nan")


def mb(kb):
    return f"{kb / 1024:.1f} MB"


print("| workload | Gridwork req/s | peer req/s | Gridwork ÷ peer | p50 Gridwork / peer | p99 Gridwork / peer "
      "| CPU µs/req Gridwork / peer | RSS at rest Gridwork / peer | RSS after load Gridwork / peer |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for workload in workloads:
    g = {key: median(workload, "gridwork", key) for key in FIELDS[3:]}
    p = {key: median(workload, "peer", key) for key in FIELDS[3:]}
    print(
        f"| `{workload}` | {g['rps']:,.0f} | {p['rps']:,.0f} | {g['rps'] / p['rps']:.2f}× "
        f"| {g['p50_ms']:.2f} / {p['p50_ms']:.2f} ms | {g['p99_ms']:.2f} / {p['p99_ms']:.2f} ms "
        f"| {g['cpu_us']:.1f} / {p['cpu_us']:.1f} | {mb(g['rss_rest_kb'])} / {mb(p['rss_rest_kb'])} "
        f"| {mb(g['rss_after_kb'])} / {mb(p['rss_after_kb'])} |"
    )

print()
print("Every run, in the order run (req/s, p50, p99, CPU µs per request, RSS at rest → after load):")
print()
print("| workload | server | run | requests | req/s | p50 | p99 | CPU µs/req | RSS |")
print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
for row in rows:
    print(
        f"| `{row['workload']}` | {row['side']} | {row['run']} | {row['requests']:,.0f} | {row['rps']:,.0f} "
        f"| {row['p50_ms']:.2f} ms | {row['p99_ms']:.2f} ms | {row['cpu_us']:.1f} "
        f"| {mb(row['rss_rest_kb'])} → {mb(row['rss_after_kb'])} |"
    )
