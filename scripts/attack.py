#!/usr/bin/env python3
"""Limits under attack: starts a gridwork server and checks that it keeps serving an ordinary
client, within bounded threads, descriptors and memory, while it is attacked on loopback with
idle connections, slowloris clients, clients that never read, and a stream of malformed requests;
then that it recovers.

usage: scripts/attack.py --binary PATH [--duration 20] [--idle 2000] [--slowloris 40] [--json]
       scripts/attack.py --binary PATH --cases-only [--case NAME ...]   # each malformed case once
       scripts/attack.py --list-cases

Python 3 standard library only. Exits 0 when every check passes, 1 when one fails (each failure
is printed with what happened), 2 when the run could not be set up. docs/ATTACK.md has the details.
"""
import argparse
import ctypes
import json
import os
import random
import re
import resource
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time
from types import SimpleNamespace

HOST = "127.0.0.1"
# The server's defaults; the oversized cases are built from them.
MAX_REQUEST_LINE = 8192
MAX_HEADER_BYTES = 32768
MAX_HEADER_COUNT = 100
MAX_BODY_BYTES = 1048576


def log(message):
    print(message, flush=True)


def die_with_parent():
    """preexec_fn: the child gets SIGKILL if this script dies without cleaning up."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:
        pass


# ---------------------------------------------------------------------------------------------
# HTTP responses on raw sockets


class Closed(Exception):
    """The peer closed (or reset) the connection; `data` is what had arrived."""

    def __init__(self, data, reset=False):
        super().__init__("closed")
        self.data = data
        self.reset = reset


def recv_some(sock, deadline):
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise socket.timeout("deadline")
    sock.settimeout(remaining)
    return sock.recv(65536)


def read_response(sock, buf, deadline):
    """Reads one response. Returns (status, headers, body, leftover). Raises Closed with the bytes
    received so far when the peer closes first, socket.timeout when the deadline passes."""
    while b"\r\n\r\n" not in buf:
        try:
            chunk = recv_some(sock, deadline)
        except ConnectionResetError:
            raise Closed(buf, reset=True)
        if not chunk:
            raise Closed(buf)
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    match = re.match(rb"HTTP/1\.[01] (\d{3})", lines[0])
    if not match:
        raise ValueError(f"not an HTTP response: {lines[0][:80]!r}")
    status = int(match.group(1))
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        headers[name.strip().lower().decode("latin-1")] = value.strip().decode("latin-1")

    def need(n):
        nonlocal rest
        while len(rest) < n:
            try:
                chunk = recv_some(sock, deadline)
            except ConnectionResetError:
                raise Closed(buf + rest, reset=True)
            if not chunk:
                raise Closed(buf + rest)
            rest += chunk

    if status in (204, 304) or 100 <= status < 200:
        return status, headers, b"", rest
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = b""
        while True:
            while b"\r\n" not in rest:
                need(len(rest) + 1)
            size_line, _, rest = rest.partition(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            need(size + 2)
            body, rest = body + rest[:size], rest[size + 2 :]
            if size == 0:
                return status, headers, body, rest
    if "content-length" in headers:
        length = int(headers["content-length"])
        need(length)
        return status, headers, rest[:length], rest[length:]
    # Close-delimited body.
    while True:
        try:
            chunk = recv_some(sock, deadline)
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            return status, headers, rest, b""
        rest += chunk


# ---------------------------------------------------------------------------------------------
# The ordinary client


class OrdinaryClient:
    """One keep-alive connection making sequential GETs; records every latency and every error."""

    PATHS = ("/stats", "/assistance-records?limit=5")

    def __init__(self, port, timeout, interval):
        self.port = port
        self.timeout = timeout
        self.interval = interval
        self.sock = None
        self.buf = b""
        self.connections = 0
        self.latencies = {}  # phase -> [ms]
        self.statuses = {}  # phase -> {status: count}
        self.errors = []  # (phase, path, message)
        self.worst = {}  # phase -> (ms, seconds into the phase, path)
        self.turn = 0

    def connect(self):
        self.sock = socket.create_connection((HOST, self.port), timeout=self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.connections += 1

    def close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def get(self, path):
        """Returns (status, body, ms); raises on transport errors."""
        if self.sock is None:
            self.connect()
        request = f"GET {path} HTTP/1.1\r\nHost: {HOST}:{self.port}\r\nUser-Agent: attack.py-ordinary\r\n\r\n"
        started = time.monotonic()
        self.sock.settimeout(self.timeout)
        self.sock.sendall(request.encode())
        status, headers, body, self.buf = read_response(self.sock, self.buf, started + self.timeout)
        elapsed = (time.monotonic() - started) * 1000
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, body, elapsed

    def run(self, phase, stop):
        latencies = self.latencies.setdefault(phase, [])
        statuses = self.statuses.setdefault(phase, {})
        phase_started = time.monotonic()
        while not stop.is_set():
            path = self.PATHS[self.turn % len(self.PATHS)]
            self.turn += 1
            started = time.monotonic()
            try:
                status, _, elapsed = self.get(path)
                latencies.append(elapsed)
                if elapsed > self.worst.get(phase, (0,))[0]:
                    self.worst[phase] = (elapsed, started - phase_started, path)
                statuses[status] = statuses.get(status, 0) + 1
                if status != 200:
                    self.errors.append((phase, path, f"status {status}"))
            except Exception as error:  # timeouts, resets, closes: all are failures
                message = "no response within %.0f s" % self.timeout if isinstance(error, socket.timeout) else repr(error)
                if isinstance(error, Closed):
                    message = f"connection closed by the server after {len(error.data)} bytes of the response"
                self.errors.append((phase, path, message))
                statuses["error"] = statuses.get("error", 0) + 1
                self.close()
            wait = self.interval - (time.monotonic() - started)
            if wait > 0:
                stop.wait(wait)


def percentile(values, p):
    if not values:
        return None
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, -(-len(ordered) * p // 100) - 1))
    return ordered[int(index)]


# ---------------------------------------------------------------------------------------------
# Malformed requests. Each case is (name, builder, expected, close_ok): builder(rng) gives the
# bytes to send (or a (bytes, "shut") pair: send, then half-close); expected is a set of statuses
# or None for "any 4xx"; close_ok means a close without any response is acceptable (garbage).


def _req(line, headers=(), body=b"", host=True, close=True):
    head = line + b"\r\n"
    if host:
        head += b"Host: 127.0.0.1\r\n"
    for header in headers:
        head += header + b"\r\n"
    if close:
        head += b"Connection: close\r\n"
    return head + b"\r\n" + body


def _post(body, content_type=b"application/json", extra=()):
    return _req(
        b"POST /assistance-records HTTP/1.1",
        (b"Content-Type: " + content_type, b"Content-Length: %d" % len(body)) + tuple(extra),
        body,
    )


# The start of a TLS ClientHello (someone pointing https:// at the port): binary, with no line end.
TLS_HELLO = bytes.fromhex("16030100c8010000c40303") + bytes(b for b in random.Random(443).randbytes(400) if b not in b"\r\n")[:180]


def _chunked(body):
    return _req(b"POST /assistance-records HTTP/1.1", (b"Content-Type: application/json", b"Transfer-Encoding: chunked"), body)


CASES = [
    # garbage: a 400 or a plain close are both fine
    ("garbage-tls-hello", lambda r: TLS_HELLO, None, True),
    ("garbage-random", lambda r: r.randbytes(1024) + b"\r\n\r\n", None, True),
    ("garbage-nul-bytes", lambda r: b"\x00" * 256 + b"\r\n\r\n", None, True),
    ("garbage-ssh-banner", lambda r: b"SSH-2.0-OpenSSH_9.2p1\r\n\r\n", None, True),
    ("truncated-then-eof", lambda r: (b"GET /stats HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Cut: ab", "shut"), None, True),
    # request line
    ("line-no-version", lambda r: _req(b"GET /stats"), {400}, False),
    ("line-extra-token", lambda r: _req(b"GET /stats HTTP/1.1 extra"), {400}, False),
    ("line-double-space", lambda r: _req(b"GET  /stats HTTP/1.1"), {400}, False),
    ("line-bad-version", lambda r: _req(b"GET /stats HTTX/1.1"), {400}, False),
    ("line-bad-method-char", lambda r: _req(b"G(T /stats HTTP/1.1"), {400}, False),
    ("line-long-method", lambda r: _req(b"A" * 4000 + b" /stats HTTP/1.1"), None, False),
    ("line-bare-lf", lambda r: b"GET /stats HTTP/1.1\nHost: 127.0.0.1\nConnection: close\n\n", {400}, False),
    ("line-nul", lambda r: _req(b"GET /st\x00ats HTTP/1.1"), {400}, False),
    ("uri-too-long", lambda r: _req(b"GET /towns?q=" + b"a" * (MAX_REQUEST_LINE + 100) + b" HTTP/1.1"), {414}, False),
    ("uri-way-too-long", lambda r: _req(b"GET /" + b"a" * (MAX_REQUEST_LINE * 8) + b" HTTP/1.1"), {414}, False),
    ("path-percent-nul", lambda r: _req(b"GET /towns/%00 HTTP/1.1"), {400}, False),
    ("path-dot-segments", lambda r: _req(b"GET /towns/../../etc/passwd HTTP/1.1"), {400}, False),
    ("path-bad-percent", lambda r: _req(b"GET /towns/%zz HTTP/1.1"), {400}, False),
    ("path-invalid-utf8", lambda r: _req(b"GET /towns/%ff%fe HTTP/1.1"), None, False),
    ("query-unknown-param", lambda r: _req(b"GET /towns?bogus=1 HTTP/1.1"), {400}, False),
    ("query-bad-limit", lambda r: _req(b"GET /assistance-records?limit=0 HTTP/1.1"), {400}, False),
    ("query-bad-cursor", lambda r: _req(b"GET /assistance-records?cursor=%ff%00garbage HTTP/1.1"), {400}, False),
    # header section
    ("host-missing", lambda r: _req(b"GET /stats HTTP/1.1", host=False), {400}, False),
    ("host-duplicate", lambda r: _req(b"GET /stats HTTP/1.1", (b"Host: 127.0.0.1",)), {400}, False),
    ("header-no-colon", lambda r: _req(b"GET /stats HTTP/1.1", (b"X-Broken",)), {400}, False),
    ("header-space-before-colon", lambda r: _req(b"GET /stats HTTP/1.1", (b"X-Space : a",)), {400}, False),
    ("header-empty-name", lambda r: _req(b"GET /stats HTTP/1.1", (b": value",)), {400}, False),
    ("header-bad-name-char", lambda r: _req(b"GET /stats HTTP/1.1", (b"X@Y: z",)), {400}, False),
    ("header-obs-fold", lambda r: _req(b"GET /stats HTTP/1.1", (b"X-Fold: a", b" folded")), {400}, False),
    ("header-bare-cr", lambda r: _req(b"GET /stats HTTP/1.1", (b"X-Cr: a\rb",)), {400}, False),
    ("header-nul", lambda r: _req(b"GET /stats HTTP/1.1", (b"X-Nul: a\x00b",)), {400}, False),
    ("header-ctl", lambda r: _req(b"GET /stats HTTP/1.1", (b"X-Ctl: a\x01b",)), {400}, False),
    ("header-huge-value", lambda r: _req(b"GET /stats HTTP/1.1", (b"X-Huge: " + b"h" * (MAX_HEADER_BYTES + 1024),)), {431}, False),
    ("header-huge-many", lambda r: _req(b"GET /stats HTTP/1.1", tuple(b"X-H%d: %s" % (i, b"v" * 1000) for i in range(MAX_HEADER_BYTES // 1000 + 4))), {431}, False),
    ("header-too-many", lambda r: _req(b"GET /stats HTTP/1.1", tuple(b"X-N%d: v" % i for i in range(MAX_HEADER_COUNT + 20))), {431}, False),
    # framing
    ("cl-and-te", lambda r: _req(b"POST /assistance-records HTTP/1.1", (b"Content-Length: 5", b"Transfer-Encoding: chunked"), b"0\r\n\r\n"), {400}, False),
    ("cl-conflicting", lambda r: _req(b"POST /assistance-records HTTP/1.1", (b"Content-Length: 5", b"Content-Length: 6"), b"hello!"), {400}, False),
    ("cl-list", lambda r: _req(b"POST /assistance-records HTTP/1.1", (b"Content-Length: 5, 6",), b"hello!"), {400}, False),
    ("cl-negative", lambda r: _req(b"POST /assistance-records HTTP/1.1", (b"Content-Length: -1",)), {400}, False),
    ("cl-not-a-number", lambda r: _req(b"POST /assistance-records HTTP/1.1", (b"Content-Length: 1e3",)), {400}, False),
    ("cl-overflow", lambda r: _req(b"POST /assistance-records HTTP/1.1", (b"Content-Length: 99999999999999999999999999",)), {400, 413}, False),
    ("cl-too-large", lambda r: _req(b"POST /assistance-records HTTP/1.1", (b"Content-Type: application/json", b"Content-Length: %d" % (MAX_BODY_BYTES * 2)), b"{" + b" " * 65535), {413}, False),
    ("cl-too-large-expect", lambda r: _req(b"POST /assistance-records HTTP/1.1", (b"Content-Type: application/json", b"Content-Length: %d" % (MAX_BODY_BYTES * 2), b"Expect: 100-continue")), {413, 417}, False),
    ("te-gzip", lambda r: _req(b"POST /assistance-records HTTP/1.1", (b"Transfer-Encoding: gzip",), b"0\r\n\r\n"), None, False),
    ("te-chunked-twice", lambda r: _req(b"POST /assistance-records HTTP/1.1", (b"Transfer-Encoding: chunked, chunked",), b"0\r\n\r\n"), None, False),
    ("te-http10", lambda r: b"POST /assistance-records HTTP/1.0\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", None, False),
    ("chunk-bad-size", lambda r: _chunked(b"zz\r\nhello\r\n0\r\n\r\n"), {400}, False),
    ("chunk-size-overflow", lambda r: _chunked(b"fffffffffffffffffffffffff\r\nhello\r\n0\r\n\r\n"), {400, 413}, False),
    ("chunk-missing-crlf", lambda r: _chunked(b"5\r\nhelloXX0\r\n\r\n"), {400}, False),
    ("chunk-huge-extension", lambda r: _chunked(b"5;" + b"e" * 200000 + b"\r\nhello\r\n0\r\n\r\n"), None, False),
    ("chunk-too-large", lambda r: _chunked(b"%x\r\n" % (MAX_BODY_BYTES * 2) + b"{" * 65536), {413}, False),
    ("chunk-bad-trailer", lambda r: _chunked(b"2\r\n{}\r\n0\r\nBad Trailer\r\n\r\n"), {400}, False),
    # bodies
    ("json-invalid", lambda r: _post(b"{bad json"), {400}, False),
    ("json-truncated", lambda r: _post(b'{"type":"visit","date":'), {400}, False),
    ("json-deep-nesting", lambda r: _post(b"[" * 200000), None, False),
    ("json-deep-objects", lambda r: _post(b'{"a":' * 100000), None, False),
    ("json-invalid-utf8", lambda r: _post(b'{"type":"\xff\xfe","date":"2014-01-01"}'), {400, 422}, False),
    ("json-nul", lambda r: _post(b'{"type":"visit\x00"}'), {400, 422}, False),
    ("json-huge-number", lambda r: _post(b'{"type":"visit","amountYuan":1e999999}'), {400, 422}, False),
    ("json-not-an-object", lambda r: _post(b"[1,2,3]"), {400, 422}, False),
    ("media-type-wrong", lambda r: _post(b"type=visit", b"text/plain"), {415}, False),
]
CASES += [
    ("garbage-nul-no-line-end", lambda r: b"\x00" * 64, None, True),
    ("header-ctl-no-line-end", lambda r: b"GET /stats HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Ctl: a\x01", None, False),
]
CASE_NAMES = [case[0] for case in CASES]
# Bytes no request can contain, but no line end yet: the server answers these only when the header
# timeout fires (408), not at once. The malformed-request workers skip them (each would stall a
# worker thread for the whole timeout); the slowloris thread's "stall" clients send the first one,
# and --cases-only runs them all with the header timeout + slack as their deadline.
AT_HEADER_TIMEOUT = {"garbage-tls-hello", "garbage-nul-no-line-end", "header-ctl-no-line-end"}


def run_case(port, case, rng, timeout):
    """Sends one malformed request on a fresh connection. Returns (outcome, ms, detail) where
    outcome is a status code or one of close, reset, partial, hang, noclose, connect-error."""
    name, builder, _, _ = case
    payload = builder(rng)
    shut = False
    if isinstance(payload, tuple):
        payload, shut = payload[0], True
    started = time.monotonic()
    deadline = started + timeout
    try:
        sock = socket.create_connection((HOST, port), timeout=timeout)
    except OSError as error:
        return "connect-error", (time.monotonic() - started) * 1000, repr(error), payload
    try:
        try:
            sock.settimeout(timeout)
            sock.sendall(payload)
            if shut:
                sock.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed before reading it all; read what it sent
        except socket.timeout:
            return "hang", (time.monotonic() - started) * 1000, "the server stopped reading the request", payload
        try:
            status, _, _, rest = read_response(sock, b"", deadline)
        except Closed as closed:
            ms = (time.monotonic() - started) * 1000
            if closed.data:
                return "partial", ms, f"closed after {closed.data[:120]!r}", payload
            return ("reset" if closed.reset else "close"), ms, "", payload
        except socket.timeout:
            return "hang", (time.monotonic() - started) * 1000, f"no response within {timeout:.0f} s", payload
        except ValueError as error:
            return "partial", (time.monotonic() - started) * 1000, str(error), payload
        ms = (time.monotonic() - started) * 1000
        # Every case is fatal to its connection or asks for Connection: close, so the server must
        # close now; any further bytes would be a second response.
        try:
            extra = rest
            while True:
                chunk = recv_some(sock, deadline)
                if not chunk:
                    break
                extra += chunk
            if extra:
                return "noclose", ms, f"status {status}, then more bytes: {extra[:120]!r}", payload
        except ConnectionResetError:
            pass
        except socket.timeout:
            return "noclose", ms, f"status {status}, then the connection stayed open for {timeout:.0f} s", payload
        return status, ms, "", payload
    finally:
        sock.close()


def judge(case, outcome):
    """None when the outcome is acceptable, else the reason it is not."""
    _, _, expected, close_ok = case
    if isinstance(outcome, int):
        if outcome >= 500:
            return f"server error {outcome}"
        if expected is not None and outcome not in expected:
            return f"status {outcome}, expected {'/'.join(map(str, sorted(expected)))}"
        if expected is None and not 400 <= outcome < 500:
            return f"status {outcome}, expected a 4xx"
        return None
    if outcome in ("close", "reset") and close_ok:
        return None
    return {
        "close": "closed without a response",
        "reset": "reset without a response",
        "partial": "incomplete response",
        "hang": "hang",
        "noclose": "connection not closed after the error response",
        "connect-error": "could not connect",
    }.get(outcome, str(outcome))


def worker_main(args):
    """A malformed-request worker process: loops over the cases on several threads until the
    deadline, then prints one JSON line with its counts."""
    port, seconds, threads, seed, timeout = args.port, args.seconds, args.threads, args.seed, args.case_timeout
    cases = [case for case in CASES if (not args.case or case[0] in args.case) and case[0] not in AT_HEADER_TIMEOUT]
    if not cases:
        print(json.dumps({"total": 0, "failures": 0, "max_ms": 0.0, "counts": {}, "failure_samples": []}), flush=True)
        return
    lock = threading.Lock()
    counts = {}  # case -> outcome -> n
    failures = []
    result = {"total": 0, "failures": 0, "max_ms": 0.0}
    deadline = time.monotonic() + seconds

    def loop(index):
        rng = random.Random(seed * 1000 + index)
        turn = index
        while time.monotonic() < deadline:
            case = cases[turn % len(cases)]
            turn += 1
            outcome, ms, detail, payload = run_case(port, case, rng, timeout)
            problem = judge(case, outcome)
            with lock:
                per_case = counts.setdefault(case[0], {})
                per_case[str(outcome)] = per_case.get(str(outcome), 0) + 1
                result["total"] += 1
                result["max_ms"] = max(result["max_ms"], ms)
                if problem:
                    result["failures"] += 1
                    if len(failures) < 20:
                        failures.append({"case": case[0], "outcome": str(outcome), "problem": problem, "detail": detail,
                                         "ms": round(ms, 1), "request_hex": payload[:4096].hex(), "request_len": len(payload)})

    workers = [threading.Thread(target=loop, args=(i,), daemon=True) for i in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    result["counts"] = counts
    result["failure_samples"] = failures
    print(json.dumps(result), flush=True)


# ---------------------------------------------------------------------------------------------
# Idle connections and slowloris clients


class IdleHolder(threading.Thread):
    """Opens `count` connections, sends nothing, holds them; reopens any the server closes."""

    def __init__(self, port, count, stop):
        super().__init__(daemon=True)
        self.port, self.count, self.stop = port, count, stop
        self.selector = selectors.DefaultSelector()
        self.open = 0
        self.peak_open = 0
        self.opened = 0
        self.closed_by_server = []  # lifetimes in seconds
        self.connect_errors = []
        self.ramp_seconds = None

    def _open_one(self):
        try:
            sock = socket.create_connection((HOST, self.port), timeout=5)
        except OSError as error:
            self.connect_errors.append(repr(error))
            return
        sock.setblocking(False)
        self.selector.register(sock, selectors.EVENT_READ, time.monotonic())
        self.open += 1
        self.opened += 1
        self.peak_open = max(self.peak_open, self.open)

    def run(self):
        started = time.monotonic()
        while self.open < self.count and not self.stop.is_set() and len(self.connect_errors) < 50:
            self._open_one()
        self.ramp_seconds = time.monotonic() - started
        while not self.stop.is_set():
            for key, _ in self.selector.select(timeout=0.2):
                sock = key.fileobj
                try:
                    data = sock.recv(4096)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    data = b""
                # Data or a close: either way the server has ended this idle connection.
                self.closed_by_server.append(time.monotonic() - key.data)
                self.selector.unregister(sock)
                sock.close()
                self.open -= 1
                if not self.stop.is_set():
                    self._open_one()
        for key in list(self.selector.get_map().values()):
            key.fileobj.close()
        self.selector.close()
        self.open = 0


class Slowloris(threading.Thread):
    """`count` clients that dribble a request a byte a second and reconnect when the server closes.
    Three in four are slow in the head (the header timeout applies), one in four completes its
    head and is slow in the body (the body timeout applies). `stall` more clients send a TLS
    ClientHello (garbage with no line end) and then nothing (the header timeout applies)."""

    HEAD = b"GET /stats HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slowloris\r\nX-Slow: "
    BODY_HEAD = (b"POST /assistance-records HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slowloris\r\n"
                 b"Content-Type: application/json\r\nContent-Length: 4096\r\n\r\n")


    def __init__(self, port, count, stall, stop, header_timeout, body_timeout, slack, interval=1.0):
        super().__init__(daemon=True)
        self.port, self.count, self.stall, self.stop = port, count, stall, stop
        self.limits = {"head": header_timeout, "body": body_timeout, "stall": header_timeout}
        self.slack = slack
        self.interval = interval
        self.selector = selectors.DefaultSelector()
        self.clients = {}  # sock -> state dict
        self.connections = 0
        self.bytes_sent = 0
        self.closed = {"head": {}, "body": {}, "stall": {}}  # kind -> outcome -> n
        self.lifetimes = {"head": [], "body": [], "stall": []}
        self.overdue = []  # (kind, age) of connections the server kept past its timeout + slack
        self.connect_errors = []
        self.rng = random.Random(7)

    def _connect(self, index):
        kind = "stall" if index >= self.count else "body" if index % 4 == 3 else "head"
        try:
            sock = socket.create_connection((HOST, self.port), timeout=5)
        except OSError as error:
            self.connect_errors.append(repr(error))
            return
        sock.setblocking(False)
        now = time.monotonic()
        state = {"index": index, "kind": kind, "sent": 0, "first": None, "next": now, "buf": b"", "flagged": False}
        if kind in ("body", "stall"):
            sock.sendall(self.BODY_HEAD if kind == "body" else TLS_HELLO)  # small, fits the socket buffer
            state["first"] = now
            if kind == "stall":
                state["next"] = float("inf")
        elif index % 2 == 1:
            # Half the head clients send a request line and headers at once, then dribble.
            sock.sendall(self.HEAD)
            state["first"] = now
        state["payload"] = self.HEAD if kind == "head" and index % 2 == 0 else b""
        self.selector.register(sock, selectors.EVENT_READ)
        self.clients[sock] = state
        self.connections += 1

    def _next_byte(self, state):
        payload = state["payload"]
        position = state["sent"]
        state["sent"] += 1
        if position < len(payload):
            return payload[position : position + 1]
        return b"a" if state["kind"] == "head" else b" "

    def _finish(self, sock, state, reconnect=True):
        self.selector.unregister(sock)
        sock.close()
        del self.clients[sock]
        kind = state["kind"]
        match = re.match(rb"HTTP/1\.[01] (\d{3})", state["buf"])
        outcome = match.group(1).decode() if match else ("close" if not state["buf"] else "garbled")
        self.closed[kind][outcome] = self.closed[kind].get(outcome, 0) + 1
        if state["first"] is not None:
            self.lifetimes[kind].append(time.monotonic() - state["first"])
        if reconnect and not self.stop.is_set():
            self._connect(state["index"])

    def run(self):
        for index in range(self.count + self.stall):
            self._connect(index)
        while not self.stop.is_set():
            now = time.monotonic()
            for sock, state in list(self.clients.items()):
                if state["first"] is not None and not state["flagged"]:
                    age = now - state["first"]
                    if age > self.limits[state["kind"]] + self.slack:
                        state["flagged"] = True
                        self.overdue.append((state["kind"], round(age, 1)))
                        self._finish(sock, state)
                        continue
                if now >= state["next"]:
                    try:
                        sock.send(self._next_byte(state))
                        self.bytes_sent += 1
                        if state["first"] is None:
                            state["first"] = now
                    except (BlockingIOError, InterruptedError):
                        pass
                    except OSError:
                        self._drain(sock, state)
                        continue
                    state["next"] = now + self.interval * (0.9 + 0.2 * self.rng.random())
            soonest = min((state["next"] for state in self.clients.values()), default=now + 0.2)
            timeout = max(0.0, min(0.2, soonest - time.monotonic()))
            for key, _ in self.selector.select(timeout=timeout):
                sock = key.fileobj
                if sock in self.clients:
                    self._drain(sock, self.clients[sock])
        for sock, state in list(self.clients.items()):
            self.selector.unregister(sock)
            sock.close()
        self.clients.clear()
        self.selector.close()

    def _drain(self, sock, state):
        while True:
            try:
                data = sock.recv(65536)
            except (BlockingIOError, InterruptedError):
                return  # a response arrived but the connection is still open; wait for the close
            except OSError:
                data = b""
            if not data:
                self._finish(sock, state)
                return
            state["buf"] += data


class SlowReaders(threading.Thread):
    """`count` clients that pipeline a burst of GET /stats with a tiny receive buffer and never read
    a byte: the server must stop reading them (back-pressure) and drop them once its write timeout
    passes without progress. A drop shows up as a reset on the client socket; one that has not shown
    up by the deadline is looked up in the server's /proc/PID/net/tcp (a graceful close would be
    queued behind the unread data)."""

    REQUEST = b"GET /stats HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow-reader\r\n\r\n"

    def __init__(self, port, count, stop, write_timeout, slack, server_pid):
        super().__init__(daemon=True)
        self.port, self.count, self.stop = port, count, stop
        self.deadline = write_timeout + slack + 2  # + 2 s to fill the buffers under load
        self.server_pid = server_pid
        self.readers = {}  # sock -> (connected at, local port)
        self.connections = 0
        self.requests_sent = 0
        self.lifetimes = []
        self.overdue = []
        self.connect_errors = []

    def _connect(self):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connect: a small window
        sock.settimeout(5)
        try:
            sock.connect((HOST, self.port))
        except OSError as error:
            self.connect_errors.append(repr(error))
            sock.close()
            return
        sock.setblocking(False)
        burst = self.REQUEST * 256
        for _ in range(64):  # up to 16,384 requests, until the server stops reading
            try:
                sent = sock.send(burst)
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                break
            self.requests_sent += sent // len(self.REQUEST)
            if sent < len(burst):
                break
        self.readers[sock] = (time.monotonic(), sock.getsockname()[1])
        self.connections += 1

    def _server_holds(self, local_port):
        """True if the server still has an open descriptor for the connection from local_port."""
        wanted = ":%04X" % local_port
        try:
            with open(f"/proc/{self.server_pid}/net/tcp") as rows:
                for row in rows:
                    fields = row.split()
                    if len(fields) > 9 and fields[2].endswith(wanted) and fields[1].endswith(":%04X" % self.port):
                        return fields[9] != "0"
        except OSError:
            pass
        return False

    def _drop(self, sock):
        self.readers.pop(sock, None)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        sock.close()
        if not self.stop.is_set():
            self._connect()

    def run(self):
        for _ in range(self.count):
            self._connect()
        while not self.stop.wait(0.25):
            now = time.monotonic()
            for sock, (connected, local_port) in list(self.readers.items()):
                if sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
                    self.lifetimes.append(now - connected)
                    self._drop(sock)
                elif now - connected > self.deadline:
                    if self._server_holds(local_port):
                        self.overdue.append(round(now - connected, 1))
                    else:
                        self.lifetimes.append(now - connected)
                    self._drop(sock)
        for sock in list(self.readers):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            sock.close()
        self.readers.clear()


def connections_main(args):
    """The connection-attack process: idle connections, slowloris and slow readers until the
    deadline; then it closes everything and prints one JSON line with what it saw. (A process of
    its own, so that its work does not hold the GIL of the process that measures the ordinary
    client.)"""
    stop = threading.Event()
    idle = IdleHolder(args.port, args.idle, stop)
    slow = Slowloris(args.port, args.slowloris, args.stall, stop, args.header_timeout, args.body_timeout, args.timeout_slack)
    readers = SlowReaders(args.port, args.slow_readers, stop, args.write_timeout, args.timeout_slack, args.server_pid)
    threads = [idle, slow, readers]
    for thread in threads:
        thread.start()
    time.sleep(args.seconds)
    stop.set()
    for thread in threads:
        thread.join(15)
    print(json.dumps({
        "idle": {key: getattr(idle, key) for key in ("peak_open", "ramp_seconds", "closed_by_server", "connect_errors")},
        "slow": {key: getattr(slow, key) for key in ("lifetimes", "closed", "connections", "bytes_sent", "overdue", "connect_errors")},
        "readers": {key: getattr(readers, key) for key in ("connections", "requests_sent", "lifetimes", "deadline", "overdue", "connect_errors")},
        "still_running": [type(thread).__name__ for thread in threads if thread.is_alive()],
    }), flush=True)


# ---------------------------------------------------------------------------------------------
# The server process


def proc_sample(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return {
        "threads": int(fields["Threads"]),
        "rss_kb": int(fields["VmRSS"].split()[0]),
        "fds": len(os.listdir(f"/proc/{pid}/fd")),
    }


def listening_port(pid):
    """The TCP port the process listens on, from /proc (the server.started line is info, which
    --log-level warning silences)."""
    inodes = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    except OSError:
        return None
    for table in ("tcp", "tcp6"):
        try:
            with open(f"/proc/{pid}/net/{table}") as rows:
                next(rows)
                for row in rows:
                    fields = row.split()
                    if fields[3] == "0A" and fields[9] in inodes:
                        return int(fields[1].rsplit(":", 1)[1], 16)
        except OSError:
            continue
    return None


class Server:
    def __init__(self, binary, args):
        self.command = [binary, "serve", "--port", "0", "--log-level", "warning",
                        "--header-timeout", str(args.header_timeout), "--body-timeout", str(args.body_timeout),
                        "--idle-timeout", str(args.idle_timeout), "--write-timeout", str(args.write_timeout)] + list(args.server_arg)
        self.process = None
        self.stderr_lines = []
        self.port = None

    def start(self, timeout=20):
        self.process = subprocess.Popen(self.command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE, preexec_fn=die_with_parent)
        threading.Thread(target=self._read_stderr, daemon=True).start()
        deadline = time.monotonic() + timeout
        while self.port is None:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with {self.process.returncode} at start:\n" + self.stderr_tail())
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not start listening within %d s" % timeout)
            for line in self.stderr_lines:
                match = re.search(r"server\.port=(\d+)", line)
                if match:
                    self.port = int(match.group(1))
            if self.port is None:
                self.port = listening_port(self.process.pid)
            if self.port is None:
                time.sleep(0.02)
        while True:  # ready: /readyz answers 200
            try:
                client = OrdinaryClient(self.port, 2, 0)
                status, _, _ = client.get("/readyz")
                client.close()
                if status == 200:
                    return
            except (OSError, Closed, ValueError):
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the server did not become ready:\n" + self.stderr_tail())
            time.sleep(0.05)

    def _read_stderr(self):
        for raw in self.process.stderr:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.stderr_lines.append(line)
            if len(self.stderr_lines) > 2000:
                del self.stderr_lines[:1000]

    def stderr_tail(self, n=20):
        return "\n".join(self.stderr_lines[-n:]) or "(no output on stderr)"

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout):
        """SIGTERM, then SIGKILL after `timeout`. Returns (exit code, seconds)."""
        if self.process is None:
            return None, 0.0
        started = time.monotonic()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                return "killed", time.monotonic() - started
        return self.process.returncode, time.monotonic() - started


class Sampler(threading.Thread):
    """Samples the server from /proc every 100 ms, tagging each sample with the current phase."""

    def __init__(self, server):
        super().__init__(daemon=True)
        self.server = server
        self.phase = "start"
        self.samples = {}  # phase -> [sample]
        self.stop = threading.Event()
        self.died = None  # (phase, exit code)

    def sample_now(self):
        sample = proc_sample(self.server.process.pid)
        self.samples.setdefault(self.phase, []).append(sample)
        return sample

    def run(self):
        while not self.stop.is_set():
            if not self.server.alive():
                self.died = (self.phase, self.server.process.returncode)
                return
            try:
                self.sample_now()
            except (OSError, KeyError, ValueError):
                pass
            self.stop.wait(0.1)

    def peak(self, key, phases=None):
        values = [s[key] for phase, samples in self.samples.items() if phases is None or phase in phases for s in samples]
        return max(values) if values else None


# ---------------------------------------------------------------------------------------------
# Orchestration


def fmt_ms(value):
    return "-" if value is None else f"{value:.2f} ms"


def fmt_counts(counts):
    return ", ".join(f"{key} ×{value}" for key, value in sorted(counts.items(), key=lambda kv: str(kv[0]))) or "none"


def stats_revision(port):
    client = OrdinaryClient(port, 5, 0)
    try:
        status, body, _ = client.get("/stats")
        return json.loads(body).get("revision") if status == 200 else None
    except (OSError, Closed, ValueError):
        return None
    finally:
        client.close()


def start_workers(args, port, seconds):
    """The malformed-request processes, then (last in the list) the connection-attack process."""
    workers = []
    for index in range(args.malformed_workers):
        command = [sys.executable, os.path.abspath(__file__), "--_worker", "--port", str(port),
                   "--seconds", str(seconds), "--threads", str(args.malformed_threads), "--seed", str(index + 1),
                   "--case-timeout", str(args.case_timeout)]
        for name in args.case:
            command += ["--case", name]
        workers.append(subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=die_with_parent))
    command = [sys.executable, os.path.abspath(__file__), "--_connections", "--port", str(port), "--seconds", str(seconds),
               "--server-pid", str(args.server_pid)]
    for name in ("idle", "slowloris", "stall", "slow_readers", "header_timeout", "body_timeout", "write_timeout", "timeout_slack"):
        command += ["--" + name.replace("_", "-"), str(getattr(args, name))]
    workers.append(subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=die_with_parent))
    return workers


def collect_connections(process, timeout):
    """Reads the connection-attack process's JSON; returns (idle, slowloris, readers, errors)."""
    errors = []
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        errors.append("the connection-attack process did not finish in time")
    lines = out.decode().strip().splitlines()
    try:
        result = json.loads(lines[-1])
    except (IndexError, ValueError):
        errors.append(f"the connection-attack process exited {process.returncode}: {err.decode()[-800:]}")
        result = {"idle": {"peak_open": 0, "ramp_seconds": None, "closed_by_server": [], "connect_errors": []},
                  "slow": {"lifetimes": {"head": [], "body": [], "stall": []}, "closed": {"head": {}, "body": {}, "stall": {}},
                           "connections": 0, "bytes_sent": 0, "overdue": [], "connect_errors": []},
                  "readers": {"connections": 0, "requests_sent": 0, "lifetimes": [], "deadline": 0, "overdue": [], "connect_errors": []},
                  "still_running": []}
    if result["still_running"]:
        errors.append(f"attack threads still running at the end: {result['still_running']}")
    parts = (SimpleNamespace(**result[key]) for key in ("idle", "slow", "readers"))
    return (*parts, errors)


def collect_workers(workers, timeout):
    merged = {"total": 0, "failures": 0, "max_ms": 0.0, "counts": {}, "failure_samples": [], "worker_errors": []}
    deadline = time.monotonic() + timeout
    for worker in workers:
        try:
            out, err = worker.communicate(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            worker.kill()
            out, err = worker.communicate()
            merged["worker_errors"].append("a malformed-request worker did not finish in time (its requests hung)")
        lines = out.decode().strip().splitlines()
        if worker.returncode != 0 or not lines:
            merged["worker_errors"].append(f"worker exited {worker.returncode}: {err.decode()[-500:]}")
            continue
        result = json.loads(lines[-1])
        merged["total"] += result["total"]
        merged["failures"] += result["failures"]
        merged["max_ms"] = max(merged["max_ms"], result["max_ms"])
        merged["failure_samples"] += result["failure_samples"]
        for case, outcomes in result["counts"].items():
            into = merged["counts"].setdefault(case, {})
            for outcome, n in outcomes.items():
                into[outcome] = into.get(outcome, 0) + n
    return merged


def raise_nofile(needed):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < needed:
        raise RuntimeError(f"RLIMIT_NOFILE hard limit is {hard}; this run needs about {needed} descriptors "
                           "(raise it with ulimit -Hn, or lower --idle)")
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def cases_only(args):
    """Runs each malformed case once against a fresh server and prints what it answered."""
    server = Server(args.binary, args)
    failed = 0
    try:
        server.start()
        rng = random.Random(1)
        for case in CASES:
            if args.case and case[0] not in args.case:
                continue
            slow = case[0] in AT_HEADER_TIMEOUT
            timeout = args.header_timeout + args.timeout_slack if slow else args.case_timeout
            outcome, ms, detail, payload = run_case(server.port, case, rng, timeout)
            problem = judge(case, outcome)
            failed += bool(problem)
            expected = "4xx" if case[2] is None else "/".join(map(str, sorted(case[2])))
            if case[3]:
                expected += " or close"
            expected += f" within {timeout:g} s"
            note = "  (answered only when the header timeout fired)" if slow and not problem and ms > args.case_timeout * 1000 else ""
            log(f"{'FAIL' if problem else 'ok  '} {case[0]:28} {str(outcome):8} {ms:8.1f} ms  expected {expected}"
                + (f"  -- {problem}" if problem else "") + (f" ({detail})" if detail else "") + note)
            if problem:
                log(f"     request ({len(payload)} bytes): {payload[:300]!r}")
            if not server.alive():
                log(f"FAIL the server exited with {server.process.returncode} after {case[0]}:\n{server.stderr_tail()}")
                return 1
    finally:
        server.stop(5)
    return 1 if failed else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", help="the gridwork executable")
    parser.add_argument("--duration", type=float, default=20, help="seconds of attack (default 20)")
    parser.add_argument("--idle", type=int, default=2000, help="idle connections to hold (default 2000)")
    parser.add_argument("--slowloris", type=int, default=40, help="slowloris clients (default 40)")
    parser.add_argument("--stall", type=int, default=10, help="clients that send a TLS ClientHello, then nothing (default 10)")
    parser.add_argument("--slow-readers", type=int, default=8, help="clients that pipeline requests and never read (default 8)")
    parser.add_argument("--malformed-workers", type=int, default=2, help="processes sending malformed requests (default 2)")
    parser.add_argument("--malformed-threads", type=int, default=3, help="threads per malformed-request process (default 3)")
    parser.add_argument("--baseline", type=float, default=3, help="seconds of baseline and of after-attack measuring (default 3)")
    parser.add_argument("--interval-ms", type=float, default=10, help="the ordinary client's pace: one request every N ms (default 10)")
    parser.add_argument("--max-p99-ms", type=float, default=250, help="bound on the ordinary client's p99 during the attack (default 250)")
    parser.add_argument("--max-rss-mb", type=float, default=256, help="bound on the server's RSS at peak and after (default 256)")
    parser.add_argument("--thread-slack", type=int, default=2, help="threads allowed above the baseline (default 2)")
    parser.add_argument("--fd-slack", type=int, default=4, help="descriptors allowed above the baseline after recovery (default 4)")
    parser.add_argument("--recovery-timeout", type=float, default=10, help="seconds to wait for descriptors to return (default 10)")
    parser.add_argument("--case-timeout", type=float, default=3, help="seconds a malformed request may take to be answered and closed (default 3)")
    parser.add_argument("--header-timeout", type=float, default=5, help="server --header-timeout (default 5)")
    parser.add_argument("--body-timeout", type=float, default=10, help="server --body-timeout (default 10)")
    parser.add_argument("--idle-timeout", type=float, default=30, help="server --idle-timeout (default 30)")
    parser.add_argument("--write-timeout", type=float, default=8, help="server --write-timeout (default 8)")
    parser.add_argument("--timeout-slack", type=float, default=3, help="seconds a slowloris connection may outlive the server's timeout (default 3)")
    parser.add_argument("--server-arg", action="append", default=[], help="extra argument for `gridwork serve` (repeatable)")
    parser.add_argument("--case", action="append", default=[], help="only this malformed case (repeatable; see --list-cases)")
    parser.add_argument("--cases-only", action="store_true", help="send each malformed case once to a fresh server and print the answers")
    parser.add_argument("--list-cases", action="store_true", help="print the malformed cases and exit")
    parser.add_argument("--json", action="store_true", help="end with a one-line JSON summary")
    parser.add_argument("--_worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--seconds", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--_connections", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--server-pid", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args._worker:
        worker_main(args)
        return 0
    if args._connections:
        connections_main(args)
        return 0
    if args.list_cases:
        for case in CASES:
            expected = "any 4xx" if case[2] is None else "/".join(map(str, sorted(case[2])))
            log(f"{case[0]:28} {expected}{' or close' if case[3] else ''}")
        return 0
    unknown = [name for name in args.case if name not in CASE_NAMES]
    if unknown:
        parser.error(f"unknown case {', '.join(unknown)} (see --list-cases)")
    if not args.binary:
        parser.error("--binary is required")
    if not os.access(args.binary, os.X_OK):
        parser.error(f"{args.binary} is not an executable")
    try:
        nofile = raise_nofile(args.idle + args.slowloris + 100)
    except (RuntimeError, ValueError, OSError) as error:
        log(f"attack.py: {error}")
        return 2

    def on_signal(signum, _frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_signal)
    if args.cases_only:
        return cases_only(args)

    server = Server(args.binary, args)
    workers = []
    connections = None
    client = None
    checks = []  # (ok, name, detail)
    summary = {"binary": args.binary, "server_command": None}

    def check(ok, name, detail=""):
        checks.append((bool(ok), name, detail))

    try:
        run_started = time.monotonic()
        try:
            server.start()
        except RuntimeError as error:
            log(f"attack.py: {error}")
            return 2
        summary["server_command"] = " ".join(server.command)
        log(f"== server: pid {server.process.pid}, port {server.port}: {' '.join(server.command[1:])}")
        log(f"   RLIMIT_NOFILE raised to {nofile}")
        args.server_pid = server.process.pid
        sampler = Sampler(server)
        sampler.start()
        revision_before = stats_revision(server.port)

        # -- baseline
        sampler.phase = "baseline"
        client = OrdinaryClient(server.port, timeout=5, interval=args.interval_ms / 1000)
        phase_stop = threading.Event()
        client_thread = threading.Thread(target=client.run, args=("baseline", phase_stop), daemon=True)
        client_thread.start()
        time.sleep(args.baseline)
        phase_stop.set()
        client_thread.join()
        base = sampler.sample_now()
        log(f"== baseline ({args.baseline:.0f} s): {len(client.latencies['baseline'])} requests, "
            f"p50 {fmt_ms(percentile(client.latencies['baseline'], 50))}, p99 {fmt_ms(percentile(client.latencies['baseline'], 99))}; "
            f"server threads {base['threads']}, fds {base['fds']} (one is the ordinary client), RSS {base['rss_kb'] / 1024:.1f} MB")

        # -- attack
        sampler.phase = "attack"
        attack_started = time.monotonic()
        workers = start_workers(args, server.port, args.duration)
        connections = workers.pop()
        phase_stop = threading.Event()
        client_thread = threading.Thread(target=client.run, args=("attack", phase_stop), daemon=True)
        client_thread.start()
        while time.monotonic() - attack_started < args.duration and server.alive():
            time.sleep(0.1)
        phase_stop.set()
        client_thread.join()
        if not server.alive():  # no point attacking a dead server for the rest of the duration
            for process in workers + [connections]:
                process.kill()
        malformed = collect_workers(workers, timeout=args.case_timeout * 2 + 10)
        idle, slow, readers, attack_errors = collect_connections(connections, timeout=20)
        attack_seconds = time.monotonic() - attack_started
        alive_after_attack = server.alive()
        attack_samples = sampler.samples.get("attack", [])
        peak = {key: max((s[key] for s in attack_samples), default=None) for key in ("threads", "fds", "rss_kb")}

        log(f"== attack ({attack_seconds:.1f} s)")
        log(f"   idle: {idle.peak_open} of {args.idle} connections held (opened in {idle.ramp_seconds or 0:.2f} s), "
            f"{len(idle.closed_by_server)} closed by the server"
            + (f" (after {min(idle.closed_by_server):.1f}–{max(idle.closed_by_server):.1f} s)" if idle.closed_by_server else "")
            + (f", {len(idle.connect_errors)} connect errors ({idle.connect_errors[0]})" if idle.connect_errors else ""))
        for kind, limit in (("head", args.header_timeout), ("body", args.body_timeout), ("stall", args.header_timeout)):
            lifetimes = slow.lifetimes[kind]
            clients = args.stall if kind == "stall" else sum(1 for i in range(args.slowloris) if (i % 4 == 3) == (kind == "body"))
            log(f"   slowloris ({kind}, {clients} clients, server timeout {limit:g} s): {sum(slow.closed[kind].values())} closed by the server: "
                f"{fmt_counts(slow.closed[kind])}"
                + (f"; held {min(lifetimes):.1f}–{max(lifetimes):.1f} s" if lifetimes else ""))
        log(f"   slowloris: {slow.connections} connections, {slow.bytes_sent} bytes dribbled, {len(slow.overdue)} held past timeout + {args.timeout_slack:g} s"
            + (f", {len(slow.connect_errors)} connect errors ({slow.connect_errors[0]})" if slow.connect_errors else ""))
        log(f"   slow readers ({args.slow_readers} clients, server write timeout {args.write_timeout:g} s): {readers.connections} connections, "
            f"{readers.requests_sent} requests pipelined, {len(readers.lifetimes)} dropped by the server"
            + (f" after {min(readers.lifetimes):.1f}–{max(readers.lifetimes):.1f} s" if readers.lifetimes else "")
            + f", {len(readers.overdue)} held past {readers.deadline:g} s"
            + (f", {len(readers.connect_errors)} connect errors ({readers.connect_errors[0]})" if readers.connect_errors else ""))
        by_status = {}
        for outcomes in malformed["counts"].values():
            for outcome, n in outcomes.items():
                by_status[outcome] = by_status.get(outcome, 0) + n
        log(f"   malformed: {malformed['total']} requests of {len(malformed['counts'])} kinds "
            f"({malformed['total'] / max(attack_seconds, 0.001):.0f}/s, slowest {malformed['max_ms']:.0f} ms): {fmt_counts(by_status)}")
        for case in CASES:
            if case[0] in malformed["counts"]:
                log(f"      {case[0]:28} {fmt_counts(malformed['counts'][case[0]])}")
        during = client.latencies.get("attack", [])
        log(f"   ordinary client: {len(during)} requests, {fmt_counts(client.statuses.get('attack', {}))}; "
            f"p50 {fmt_ms(percentile(during, 50))}, p99 {fmt_ms(percentile(during, 99))}"
            + (", max %.2f ms (%s, %.1f s into the attack)" % (client.worst["attack"][0], client.worst["attack"][2], client.worst["attack"][1])
               if "attack" in client.worst else ""))
        log(f"   server peak: threads {peak['threads']}, fds {peak['fds']}, RSS {(peak['rss_kb'] or 0) / 1024:.1f} MB")

        # -- recovery
        sampler.phase = "recovery"
        recovery_started = time.monotonic()
        recovered = None
        fds_now = None
        while server.alive():
            try:
                fds_now = proc_sample(server.process.pid)["fds"]
            except OSError:
                break
            if fds_now <= base["fds"] + args.fd_slack:
                recovered = time.monotonic() - recovery_started
                break
            if time.monotonic() - recovery_started > args.recovery_timeout:
                break
            time.sleep(0.1)
        after_sample = sampler.sample_now() if server.alive() else None
        log(f"== recovery: " + (f"server fds back to {fds_now} (baseline {base['fds']} + {args.fd_slack}) after {recovered:.2f} s"
                                if recovered is not None else f"server fds still {fds_now} after {args.recovery_timeout:g} s (baseline {base['fds']})")
            + (f"; RSS {after_sample['rss_kb'] / 1024:.1f} MB, threads {after_sample['threads']}" if after_sample else ""))

        # -- after
        sampler.phase = "after"
        phase_stop = threading.Event()
        client_thread = threading.Thread(target=client.run, args=("after", phase_stop), daemon=True)
        if server.alive():
            client_thread.start()
            time.sleep(args.baseline)
            phase_stop.set()
            client_thread.join()
        after = client.latencies.get("after", [])
        log(f"== after ({args.baseline:.0f} s): {len(after)} requests, {fmt_counts(client.statuses.get('after', {}))}; "
            f"p50 {fmt_ms(percentile(after, 50))}, p99 {fmt_ms(percentile(after, 99))}")
        revision_after = stats_revision(server.port) if server.alive() else None
        final = sampler.sample_now() if server.alive() else None
        client.close()
        sampler.stop.set()
        sampler.join()

        # -- checks
        died = sampler.died or (None if server.alive() else ("end", server.process.returncode))
        check(died is None and alive_after_attack, "server alive throughout",
              "" if died is None else f"exited with {died[1]} during the {died[0]} phase:\n{server.stderr_tail()}")
        total_requests = sum(len(v) for v in client.latencies.values())
        check(not client.errors and client.latencies.get("after"),
              "ordinary client: a 200 for every request",
              f"{total_requests} requests on {client.connections} connection(s)" if not client.errors else
              f"{len(client.errors)} failed: " + "; ".join(f"{p} {path}: {m}" for p, path, m in client.errors[:5]))
        p99 = percentile(during, 99)
        check(p99 is not None and p99 <= args.max_p99_ms, f"ordinary client p99 during the attack ≤ {args.max_p99_ms:g} ms",
              f"p99 {fmt_ms(p99)} over {len(during)} requests")
        fives = {o: n for o, n in by_status.items() if o.isdigit() and int(o) >= 500}
        check(not fives, "no 5xx answer to a malformed request", fmt_counts(fives) if fives else f"{malformed['total']} requests")
        check(not attack_errors, "the attack ran to the end", "; ".join(attack_errors))
        problems = malformed["failures"] + len(malformed["worker_errors"])
        detail = f"{malformed['total']} requests, each answered with the expected 4xx (or a close for garbage) and closed"
        if problems:
            lines = [f"{malformed['failures']} of {malformed['total']} were not"] + malformed["worker_errors"]
            seen = set()
            for sample in malformed["failure_samples"]:
                if (sample["case"], sample["outcome"]) in seen:
                    continue
                seen.add((sample["case"], sample["outcome"]))
                lines.append(f"{sample['case']}: {sample['problem']} after {sample['ms']} ms {sample['detail']}".rstrip()
                             + f"\n          reproduce: scripts/attack.py --binary {args.binary} --cases-only --case {sample['case']}")
            detail = "\n        ".join(lines)
        check(not problems and malformed["total"] > 0, "every malformed request answered with a 4xx (or closed, for garbage) within "
              f"{args.case_timeout:g} s", detail)
        check(slow.connections > args.slowloris + args.stall or args.slowloris + args.stall == 0
              or args.duration < args.header_timeout + args.timeout_slack,
              "slowloris connections are closed by the server", f"{slow.connections - args.slowloris - args.stall} closed and reopened")
        slow_outcomes = {f"{kind} {outcome}": n for kind, outcomes in slow.closed.items() for outcome, n in outcomes.items()
                         if not (outcome == "close" or outcome.isdigit() and 400 <= int(outcome) < 500)}
        check(not slow_outcomes, "slowloris and stalled connections end with a 4xx (408) or a close",
              fmt_counts(slow_outcomes) if slow_outcomes else "")
        check(not slow.overdue, f"no slowloris connection outlives the server's timeout + {args.timeout_slack:g} s",
              f"{len(slow.overdue)} overdue: {slow.overdue[:5]}" if slow.overdue else "")
        check(not readers.overdue and (readers.lifetimes or args.slow_readers == 0 or args.duration < readers.deadline),
              f"clients that never read are dropped within the write timeout + {readers.deadline - args.write_timeout:g} s",
              f"{len(readers.lifetimes)} dropped" + (f", {len(readers.overdue)} still held: {readers.overdue[:5]} s" if readers.overdue else ""))
        check(idle.peak_open >= args.idle and not idle.connect_errors and not slow.connect_errors and not readers.connect_errors,
              f"{args.idle} idle connections held", f"peak {idle.peak_open}, server fds peak {peak['fds']}")
        max_threads = sampler.peak("threads", ("attack", "recovery", "after"))
        check(max_threads is not None and max_threads <= base["threads"] + args.thread_slack,
              f"server threads ≤ baseline + {args.thread_slack}", f"baseline {base['threads']}, max {max_threads}")
        check(recovered is not None, f"server fds back to baseline + {args.fd_slack} within {args.recovery_timeout:g} s",
              f"{fds_now} fds, baseline {base['fds']}" + (f", after {recovered:.2f} s" if recovered is not None else ""))
        peak_rss_mb = (sampler.peak("rss_kb") or 0) / 1024
        after_rss_mb = (final or after_sample or {"rss_kb": 0})["rss_kb"] / 1024
        check(peak_rss_mb <= args.max_rss_mb and after_rss_mb <= args.max_rss_mb, f"server RSS ≤ {args.max_rss_mb:g} MB",
              f"baseline {base['rss_kb'] / 1024:.1f} MB, peak {peak_rss_mb:.1f} MB, after {after_rss_mb:.1f} MB")
        check(revision_before is not None and revision_before == revision_after, "store untouched (no malformed request wrote anything)",
              f"/stats revision {revision_before} before, {revision_after} after")
        errors = [line for line in server.stderr_lines if re.search(r"\b(error|critical)\b", line)]
        exit_code, stop_seconds = server.stop(15)
        check(exit_code == 0, "SIGTERM afterwards: the server exits 0", f"exit {exit_code} after {stop_seconds:.2f} s")

        # -- summary
        log(f"== server stderr: {len(server.stderr_lines)} lines at --log-level warning"
            + (f", {len(errors)} at error/critical, e.g. {errors[0]}" if errors else ""))
        log("== checks")
        for ok, name, detail in checks:
            log(f"   {'PASS' if ok else 'FAIL'} {name}" + (f": {detail}" if detail else ""))
        failed = [name for ok, name, _ in checks if not ok]
        log(f"== {'FAILED: ' + '; '.join(failed) if failed else 'all checks passed'} ({time.monotonic() - run_started:.1f} s)")
        if args.json:
            def phase(name):
                values = client.latencies.get(name, [])
                def r(v):
                    return None if v is None else round(v, 3)
                return {"requests": len(values), "p50_ms": r(percentile(values, 50)), "p99_ms": r(percentile(values, 99)),
                        "max_ms": r(max(values) if values else None), "statuses": {str(k): v for k, v in client.statuses.get(name, {}).items()}}
            summary.update({
                "ok": not failed, "failed": failed, "duration_s": round(attack_seconds, 2),
                "client": {name: phase(name) for name in ("baseline", "attack", "after")},
                "idle": {"requested": args.idle, "held": idle.peak_open, "closed_by_server": len(idle.closed_by_server),
                         "connect_errors": len(idle.connect_errors)},
                "slowloris": {"clients": args.slowloris, "connections": slow.connections, "closed": slow.closed,
                              "overdue": len(slow.overdue)},
                "slow_readers": {"clients": args.slow_readers, "connections": readers.connections, "dropped": len(readers.lifetimes),
                                 "overdue": len(readers.overdue)},
                "malformed": {"total": malformed["total"], "failures": malformed["failures"], "by_status": by_status,
                              "by_case": malformed["counts"], "max_ms": round(malformed["max_ms"], 1)},
                "server": {"baseline": base, "peak": peak, "after_recovery": after_sample, "final": final,
                           "recovery_s": None if recovered is None else round(recovered, 3),
                           "exit_code": exit_code, "stderr_lines": len(server.stderr_lines)},
            })
            print(json.dumps(summary, ensure_ascii=False), flush=True)
        return 1 if failed else 0
    finally:
        for worker in workers + ([connections] if connections else []):
            if worker.poll() is None:
                worker.kill()
                worker.wait()
        if client is not None:
            client.close()
        if server.process is not None and server.process.poll() is None:
            server.process.kill()
            server.process.wait()


if __name__ == "__main__":
    sys.exit(main())
