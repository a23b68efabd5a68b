#!/usr/bin/env python3
"""POSTs N visit records to a running server over one keep-alive connection, then prints the
server's RSS (from /proc) before and after, and the bytes per created record.

usage: scripts/creates.py PID PORT [N]
"""
import http.client
import json
import sys
import time

pid, port = int(sys.argv[1]), int(sys.argv[2])
count = int(sys.argv[3]) if len(sys.argv) > 3 else 100_000


def rss_kb():
    with open(f"/proc/{pid}/status") as status:
        return int(next(line.split()[1] for line in status if line.startswith("VmRSS")))


before = rss_kb()
connection = http.client.HTTPConnection("127.0.0.1", port)
body = json.dumps({"type": "visit", "date": "2014-08-05", "cadreId": "cadre-0001", "gridId": "grid-0001",
                   "summary": "深入网格走访"}).encode()
started = time.monotonic()
for _ in range(count):
    connection.request("POST", "/assistance-records", body, {"Content-Type": "application/json"})
    response = connection.getresponse()
    response.read()
    if response.status != 201:
        raise SystemExit(f"unexpected status {response.status}")
elapsed = time.monotonic() - started
after = rss_kb()
print(f"{count} creates in {elapsed:.1f} s ({count / elapsed:.0f}/s from one client); "
      f"RSS {before / 1024:.1f} MB -> {after / 1024:.1f} MB, {(after - before) * 1024 / count:.0f} bytes per record")
