#!/usr/bin/env python3
"""Starts a gridwork binary and measures the time from process start to the first 200 on /stats,
then prints the server's RSS. Runs N times and prints each time and the median.

usage: scripts/startup-time.py BINARY [RUNS] [PORT] [--data-dir DIR] [--settle SECONDS] [--timeout SECONDS]
                               [--log FILE]

The server runs with its default settings but the port (so at the default log level, info; its
stderr goes to --log, appended, or is discarded).

  --data-dir DIR     start each run on a fresh copy of DIR (a data directory: a journal, a snapshot,
                     or nothing for the seed alone), made before the clock starts and removed after;
                     DIR itself is never touched
  --settle SECONDS   after the first /stats, wait this long, then until the process is idle (at most 1 clock
                     tick of CPU in half a second: a compaction the start set off, say, has finished; at most
                     --timeout), and read RSS again ("at rest")
  --timeout SECONDS  how long a start may take (default 10)

Each run prints `run N: first /stats after X ms, RSS Y kB`, then (with --settle) the settled RSS and
the number of assistance records the server holds; the last lines are `median: X ms` and, with
--settle, `median settled RSS: Y kB` and `records: N`.
"""
import argparse
import http.client
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time

parser = argparse.ArgumentParser(description="Process start to the first 200 on /stats.")
parser.add_argument("binary")
parser.add_argument("runs", nargs="?", type=int, default=5)
parser.add_argument("port", nargs="?", type=int, default=18199)
parser.add_argument("--data-dir")
parser.add_argument("--settle", type=float)
parser.add_argument("--timeout", type=float, default=10)
parser.add_argument("--log")
options = parser.parse_args()
if options.data_dir and not os.path.isdir(options.data_dir):
    raise SystemExit(f"startup-time: --data-dir {options.data_dir} is not a directory")


def get(path):
    connection = http.client.HTTPConnection("127.0.0.1", options.port, timeout=2)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def idle(pid, limit):
    """Waits until the process uses at most one clock tick in half a second, or limit seconds pass."""
    deadline = time.monotonic() + limit
    before = cpu_ticks(pid)
    while time.monotonic() < deadline:
        time.sleep(0.5)
        after = cpu_ticks(pid)
        if after - before <= 1:
            return True
        before = after
    return False


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as status:
        return int(next(line.split()[1] for line in status if line.startswith("VmRSS")))


times, settled, records = [], [], set()
log = open(options.log, "ab") if options.log else subprocess.DEVNULL
for run in range(options.runs):
    copy = None
    command = [options.binary, "serve", "--port", str(options.port)]
    if options.data_dir:
        copy = tempfile.mkdtemp(prefix="startup-time.", dir=os.path.dirname(os.path.abspath(options.data_dir)))
        shutil.copytree(options.data_dir, os.path.join(copy, "data"))
        command += ["--data-dir", os.path.join(copy, "data")]
    started = time.monotonic()
    process = subprocess.Popen(command, stdout=log, stderr=log)
    try:
        deadline = started + options.timeout
        while True:
            try:
                if get("/stats")[0] == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None:
                raise SystemExit(f"startup-time: the server exited with status {process.returncode} before answering")
            if time.monotonic() > deadline:
                raise SystemExit(f"startup-time: the server did not answer within {options.timeout:g} s")
            time.sleep(0.001)
        elapsed = (time.monotonic() - started) * 1000
        times.append(elapsed)
        line = f"run {run + 1}: first /stats after {elapsed:.0f} ms, RSS {rss_kb(process.pid)} kB"
        if options.settle is not None:
            time.sleep(options.settle)
            waited = time.monotonic()
            if not idle(process.pid, options.timeout):
                raise SystemExit(f"startup-time: the server was still busy {options.timeout:g} s after its first /stats")
            waited = time.monotonic() - waited
            settled.append(rss_kb(process.pid))
            status, body = get("/assistance-records?limit=1")
            if status != 200:
                raise SystemExit(f"startup-time: /assistance-records?limit=1 answered {status}")
            records.add(json.loads(body)["total"])
            line += (f", {settled[-1]} kB at rest ({options.settle:g} s + {waited:.1f} s to idle), "
                     f"{min(records)} assistance records")
        print(line, flush=True)
    finally:
        process.terminate()
        process.wait()
        if copy:
            shutil.rmtree(copy, ignore_errors=True)
print(f"median: {statistics.median(times):.0f} ms")
if options.settle is not None:
    print(f"median settled RSS: {statistics.median(settled):.0f} kB")
    if len(records) != 1:
        raise SystemExit(f"startup-time: the runs held different numbers of records: {sorted(records)}")
    print(f"records: {records.pop()}")
