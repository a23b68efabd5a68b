#!/usr/bin/env python3
"""Compares what Gridwork and the peer send for the benchmark routes: status, body bytes, header bytes, and
whether the JSON is the same once parsed (key order aside). Prints a Markdown table.

Exits 1 when a route's status differs, its JSON differs, or its body sizes differ by more than 5 %.
Both servers must be fresh (same store revision); one POST is made to each.

usage: Benchmarks/payloads.py GRIDWORK_PORT PEER_PORT
"""
import http.client
import json
import sys

gridwork_port, peer_port = int(sys.argv[1]), int(sys.argv[2])
post_body = json.dumps(
    {"type": "visit", "date": "2014-08-05", "cadreId": "cadre-0001", "gridId": "grid-0001", "summary": "深入网格走访"},
    ensure_ascii=False,
).encode()
routes = [
    ("GET", "/healthz", None),
    ("GET", "/stats", None),
    ("GET", "/assistance-records?limit=50", None),
    ("POST", "/assistance-records", post_body),
]
# A created record's timestamps are the clock's, not the data's.
volatile = {"createdAt", "updatedAt"}


def fetch(port, method, path, body):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Content-Type": "application/json"} if body else {}
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    payload = response.read()
    head = f"HTTP/1.1 {response.status} {response.reason}\r\n" + "".join(
        f"{name}: {value}\r\n" for name, value in response.getheaders()
    ) + "\r\n"
    connection.close()
    return response.status, payload, len(head.encode())


def normalised(payload):
    value = json.loads(payload)
    if isinstance(value, dict):
        for key in volatile:
            value.pop(key, None)
    return value


failed = False
print("| route | status (Gridwork / peer) | body bytes (Gridwork / peer) | difference | header bytes (Gridwork / peer) | same JSON |")
print("| --- | --- | --- | --- | --- | --- |")
for method, path, body in routes:
    g_status, g_body, g_head = fetch(gridwork_port, method, path, body)
    p_status, p_body, p_head = fetch(peer_port, method, path, body)
    difference = (len(p_body) - len(g_body)) / len(g_body) * 100 if g_body else 0.0
    same = normalised(g_body) == normalised(p_body)
    print(
        f"| `{method} {path}` | {g_status} / {p_status} | {len(g_body):,} / {len(p_body):,} | {difference:+.1f} % "
        f"| {g_head} / {p_head} | {'yes' if same else 'NO'} |"
    )
    if g_status != p_status or not same or abs(difference) > 5:
        failed = True
sys.exit(1 if failed else 0)
