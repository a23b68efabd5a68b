#!/usr/bin/env python3
"""Opens N keep-alive connections to a running server, makes one request on each, leaves them
idle, and prints the server's thread count and RSS (from /proc) while they are open.

usage: scripts/idle-connections.py PID PORT [N]
"""
import socket
import sys
import resource

pid, port = int(sys.argv[1]), int(sys.argv[2])
count = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, count + 64)), hard))


def status():
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return fields["Threads"], fields["VmRSS"]


before = status()
conns = []
for i in range(count):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
    data = b""
    while b"\r\n\r\n" not in data or not data.endswith(b'{"status":"ok"}'):
        chunk = s.recv(4096)
        if not chunk:
            raise SystemExit(f"connection {i} closed early")
        data += chunk
    conns.append(s)
during = status()
fds = len(__import__("os").listdir(f"/proc/{pid}/fd"))
print(f"before: threads={before[0]} rss={before[1]}")
print(f"with {count} idle keep-alive connections: threads={during[0]} rss={during[1]} server fds={fds}")
for s in conns:
    s.close()
