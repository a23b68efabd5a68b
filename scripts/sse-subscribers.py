#!/usr/bin/env python3
"""Holds N /stats/stream subscribers on a running server, then writes once and times how long
until every subscriber has the new event. Prints the server's threads and RSS before and with
the subscribers (from /proc), so the cost per subscriber can be read off.

usage: scripts/sse-subscribers.py PID PORT [N]     (default N = 5000)
"""
import json
import resource
import selectors
import socket
import sys
import time
import urllib.request

pid, port = int(sys.argv[1]), int(sys.argv[2])
count = int(sys.argv[3]) if len(sys.argv) > 3 else 5000
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def status(field):
    with open(f"/proc/{pid}/status") as lines:
        return next(line.split()[1] for line in lines if line.startswith(field))


def revision():
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/stats") as response:
        return json.load(response)["revision"]


before_rss, before_threads = int(status("VmRSS")), int(status("Threads"))
selector = selectors.DefaultSelector()
buffers = {}
started = time.monotonic()
for index in range(count):
    client = socket.create_connection(("127.0.0.1", port))
    client.sendall(b"GET /stats/stream HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n")
    client.setblocking(False)
    selector.register(client, selectors.EVENT_READ)
    buffers[client] = b""


def pump(until, deadline):
    """Reads until `until(buffer)` holds for every subscriber, or the deadline passes."""
    waiting = {c for c, b in buffers.items() if not until(b)}
    while waiting and time.monotonic() < deadline:
        for key, _ in selector.select(timeout=0.2):
            data = key.fileobj.recv(65536)
            buffers[key.fileobj] += data
            if until(buffers[key.fileobj]):
                waiting.discard(key.fileobj)
    return len(waiting)


current = revision()
missing = pump(lambda b: f"id: {current}\n".encode() in b, time.monotonic() + 60)
connected = time.monotonic() - started
with_rss, with_threads = int(status("VmRSS")), int(status("Threads"))
print(f"{count - missing} of {count} subscribers got the first event in {connected:.2f} s")
print(f"server threads {before_threads} -> {with_threads}; RSS {before_rss / 1024:.1f} MB -> "
      f"{with_rss / 1024:.1f} MB ({(with_rss - before_rss) * 1024 / count:.0f} bytes per subscriber)")

body = json.dumps({"name": "订阅测试镇", "kind": "town"}).encode()
request = urllib.request.Request(f"http://127.0.0.1:{port}/towns", body, {"Content-Type": "application/json"})
written = time.monotonic()
urllib.request.urlopen(request).read()
target = revision()
missing = pump(lambda b: f"id: {target}\n".encode() in b, time.monotonic() + 30)
print(f"after one write: {count - missing} of {count} had revision {target} within "
      f"{time.monotonic() - written:.2f} s (events are coalesced to one a second)")
for client in buffers:
    client.close()
sys.exit(1 if missing else 0)
