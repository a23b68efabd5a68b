#!/usr/bin/env python3
"""Starts a gridwork binary and measures the time from process start to the first 200 on /stats,
then prints the server's RSS. Runs N times and prints each time and the median.

usage: scripts/startup-time.py BINARY [RUNS] [PORT]
"""
import http.client
import statistics
import subprocess
import sys
import time

binary = sys.argv[1]
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
port = int(sys.argv[3]) if len(sys.argv) > 3 else 18199
times = []
for run in range(runs):
    started = time.monotonic()
    process = subprocess.Popen([binary, "serve", "--port", str(port), "--log-level", "warning"])
    try:
        deadline = started + 10
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                connection.request("GET", "/stats")
                response = connection.getresponse()
                response.read()
                if response.status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("server did not answer within 10 s")
            time.sleep(0.001)
        elapsed = (time.monotonic() - started) * 1000
        times.append(elapsed)
        with open(f"/proc/{process.pid}/status") as status:
            rss = next(line.split(":")[1].strip() for line in status if line.startswith("VmRSS"))
        print(f"run {run + 1}: first /stats after {elapsed:.0f} ms, RSS {rss}")
    finally:
        process.terminate()
        process.wait()
print(f"median: {statistics.median(times):.0f} ms")
