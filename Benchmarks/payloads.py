#!/usr/bin/env python3
"""Compares what Gridwork and the peer send for the benchmark routes: status, body bytes, header bytes, and
whether the JSON is the same once parsed (key order aside). `/stats` may differ only in `epoch`, which every
store draws at random at start: the peer keeps the one of the Gridwork it was captured from, and run.sh
compares it with a fresh one ("yes but `epoch`", same length). With NGINX_PORT, also what nginx sends for the
GET routes, which must be Gridwork's body byte for byte (nginx serves files captured from Gridwork).
Prints a Markdown table.

Exits 1 when a route's status differs, its JSON differs, its body sizes differ by more than 5 %, or nginx's
body is not Gridwork's. The servers must be fresh (same store revision); one POST is made to Gridwork and
the peer.

usage: Benchmarks/payloads.py GRIDWORK_PORT PEER_PORT [NGINX_PORT]
"""
import http.client
import json
import sys

gridwork_port, peer_port = int(sys.argv[1]), int(sys.argv[2])
nginx_port = int(sys.argv[3]) if len(sys.argv) > 3 else None
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


def without_epoch(value):
    if isinstance(value, dict):
        value = dict(value)
        value.pop("epoch", None)
    return value


def epoch_of(value):
    return value.get("epoch") if isinstance(value, dict) else None


def judge(g_value, other):
    """"yes", "yes but `epoch`" (different epochs of the same length, all else the same), or "NO"."""
    if g_value == other:
        return "yes"
    g_epoch, o_epoch = epoch_of(g_value), epoch_of(other)
    if (
        isinstance(g_epoch, str) and isinstance(o_epoch, str) and len(g_epoch) == len(o_epoch)
        and without_epoch(g_value) == without_epoch(other)
    ):
        return "yes but `epoch`"
    return "NO"


failed = False
nginx_columns = " nginx status | nginx body bytes, header bytes | nginx body = Gridwork's |" if nginx_port else ""
print("| route | status (Gridwork / peer) | body bytes (Gridwork / peer) | difference | header bytes (Gridwork / peer) "
      f"| same JSON |{nginx_columns}")
print("| --- | --- | --- | --- | --- | --- |" + (" --- | --- | --- |" if nginx_port else ""))
for method, path, body in routes:
    g_status, g_body, g_head = fetch(gridwork_port, method, path, body)
    p_status, p_body, p_head = fetch(peer_port, method, path, body)
    difference = (len(p_body) - len(g_body)) / len(g_body) * 100 if g_body else 0.0
    same = judge(normalised(g_body), normalised(p_body))
    row = (
        f"| `{method} {path}` | {g_status} / {p_status} | {len(g_body):,} / {len(p_body):,} | {difference:+.1f} % "
        f"| {g_head} / {p_head} | {same} |"
    )
    if g_status != p_status or same == "NO" or abs(difference) > 5:
        failed = True
    if nginx_port:
        if method == "GET":
            n_status, n_body, n_head = fetch(nginx_port, method, path, body)
            verdict = "NO"
            if n_status == g_status and n_body == g_body:
                verdict = "yes, byte for byte"
            elif (
                n_status == g_status and len(n_body) == len(g_body)
                and judge(json.loads(g_body), json.loads(n_body)) != "NO"
            ):
                # Every store draws a random epoch at start; nginx serves the capturing server's.
                verdict = "yes but `epoch` (random per store; same length)"
            row += f" {n_status} | {len(n_body):,}, {n_head} | {verdict} |"
            failed = failed or verdict == "NO"
        else:
            row += " – | – | – |"
    print(row)
sys.exit(1 if failed else 0)
