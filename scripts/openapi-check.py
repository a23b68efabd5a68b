#!/usr/bin/env python3
"""Validates real responses of a live gridwork against its own /openapi.json with openapi-core.

    .build-ci/oa-venv/bin/python scripts/openapi-check.py BINARY

Starts BINARY on port 0 (read from its `server.started … server.port=N` log line) with a write
token, a read token, principals (an admin, a town viewer, a grid viewer) and a data directory,
then sends requests to every operation the document lists — lists with filters, CSV, records,
nested reads, writes with valid and invalid bodies, records' histories, the change feed as
pages and as events, the 404/405/406/410/412/415/422/304 answers, the
HTTP layer's 400/408/413/414/431, HEAD, the stats, the stream, metrics, the document, the
dashboard, the admin routes as an admin, and the reads of a town's and a grid's scope — and checks
each answer with openapi-core's response validator (an implementation no one here wrote): status,
required headers, content type and body schema. A 405 is checked against
`#/components/responses/MethodNotAllowed`, and its `Allow` against the methods the document gives
the path. Exits non-zero on any mismatch or on
any documented operation it did not exercise; prints one summary line.
"""

import copy
import gzip
import hashlib
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

WRITE_TOKEN = "openapi-check-write-token-0001"
READ_TOKEN = "openapi-check-read-token-00001"
# Principals: the admin routes need an admin; the scoped reads a town's and a grid's viewer.
PRINCIPAL_TOKENS = {
    "admin": ("ops", "admin", {}, "openapi-check-admin-token-0001"),
    "town": ("town-viewer", "viewer", {"towns": ["town-tuanze"]}, "openapi-check-town-token-00001"),
    "grid": ("grid-viewer", "viewer", {"grids": ["grid-0001"]}, "openapi-check-grid-token-00001"),
}
KINDS = ["towns", "villages", "grids", "cadres", "projects", "assistance-records", "trainings", "party-organizations",
         "cases"]
NESTED = [
    ("towns", "villages"), ("villages", "grids"), ("villages", "projects"),
    ("grids", "cadres"), ("grids", "assistance-records"), ("cadres", "assistance-records"),
    ("towns", "party-organizations"), ("grids", "cases"), ("towns", "cases"),
]
# A case's fields the server derives: a body may echo them on an update, never send them on a create.
DERIVED = {"cases": {"townId", "villageId", "state", "assignee", "deadline", "overdue", "supervised", "reworks",
                     "outcome", "closedOn", "recordIds", "flow"}}
SERVER_FIELDS = {"id", "createdAt", "updatedAt", "revision", "source", "createdBy", "updatedBy"}


# openapi-core reads `application/json` only; the other media types the server sends.
DESERIALIZERS = {
    "application/problem+json": lambda data, **parameters: json.loads(data),
    "text/csv": lambda data, **parameters: data.decode("utf-8") if isinstance(data, bytes) else data,
    "text/event-stream": lambda data, **parameters: data.decode("utf-8") if isinstance(data, bytes) else data,
}


class Req:
    """An openapi-core request (the `Request` protocol)."""

    def __init__(self, host_url, method, target, headers, body):
        path, _, query = target.partition("?")
        pairs = [tuple(p.split("=", 1)) if "=" in p else (p, "") for p in query.split("&") if p]
        self.host_url = host_url
        self.path = path
        self.method = method.lower()
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(pairs), header=Headers(list(headers.items())), cookie={}, path={})
        self.content_type = headers.get("Content-Type", "").lower()
        self.body = body


class Resp:
    """An openapi-core response (the `Response` protocol)."""

    def __init__(self, status, headers, data):
        self.status_code = status
        self.headers = Headers(headers)
        self.content_type = (self.headers.get("Content-Type") or "").lower()
        self.data = data


class Checker:
    def __init__(self, port, spec):
        self.port = port
        self.host_url = f"http://127.0.0.1:{port}"
        self.spec = spec
        # The document itself is checked once, by openapi-spec-validator (it takes a while).
        self.api = OpenAPI.from_dict(spec, config=Config(extra_media_type_deserializers=DESERIALIZERS))
        self.probe = OpenAPI.from_dict(
            probe_document(spec),
            config=Config(spec_validator_cls=None, extra_media_type_deserializers=DESERIALIZERS))
        self.documented = {
            (method.upper(), path) for path, item in spec["paths"].items() for method in item
            if method in {"get", "head", "post", "put", "patch", "delete", "options"}
        }
        self.covered = set()
        self.failures = []
        self.exchanges = 0

    # MARK: Sending

    def send(self, method, target, headers=None, body=None, token="read"):
        headers = dict(headers or {})
        if token == "read":
            headers.setdefault("Authorization", f"Bearer {READ_TOKEN}")
        elif token == "write":
            headers.setdefault("Authorization", f"Bearer {WRITE_TOKEN}")
        elif token in PRINCIPAL_TOKENS:
            headers.setdefault("Authorization", f"Bearer {PRINCIPAL_TOKENS[token][3]}")
        if isinstance(body, (dict, list)):
            body = json.dumps(body, ensure_ascii=False).encode()
            headers.setdefault("Content-Type", "application/json")
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        connection.putrequest(method, target, skip_accept_encoding="Accept-Encoding" in headers)
        for name, value in headers.items():
            connection.putheader(name, value)
        if body is not None and "Content-Length" not in headers:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        data = b"" if method == "HEAD" else response.read()
        result = (response.status, response.getheaders(), data)
        connection.close()
        return headers, body, result

    def check(self, method, template, target, headers=None, body=None, token="read", expect=None, note=""):
        """Sends one request and validates its response against the operation `template`."""
        sent, body, (status, fields, data) = self.send(method, target, headers, body, token)
        self.validate(method, template, target, sent, body, status, fields, data, expect, note)
        return status, Headers(fields), data

    def validate(self, method, template, target, sent, body, status, fields, data, expect=None, note="", api=None):
        self.exchanges += 1
        label = f"{method} {target} {note}".strip()
        if expect is not None and status not in (expect if isinstance(expect, tuple) else (expect,)):
            self.failures.append(f"{label}: status {status}, expected {expect}: {data[:200]!r}")
            return
        headers = Headers(fields)
        if headers.get("Content-Encoding") == "gzip":
            data = gzip.decompress(data)
        try:
            (api or self.api).validate_response(Req(self.host_url, method, target, sent, body), Resp(status, fields, data))
        except Exception as error:  # noqa: BLE001 — every validator error is a finding
            detail = error
            while getattr(detail, "__cause__", None) is not None:
                detail = detail.__cause__
            extra = getattr(error, "schema_errors", None) or getattr(detail, "schema_errors", None) or ""
            self.failures.append(f"{label}: {status}: {type(error).__name__}: {detail} {extra} {data[:200]!r}")
            return
        self.covered.add((method, template))

    # MARK: Special cases

    def method_not_allowed(self, method, template, target):
        """A 405 names no operation: checked against the shared response, with `Allow` from the document."""
        sent, body, (status, fields, data) = self.send(method, target, token="write")
        self.validate(method, f"405 {template}", target, sent, body, status, fields, data, 405, "(405)",
                      api=self.probe)
        allowed = {m.upper() for m in self.spec["paths"][template]} | {"OPTIONS"}
        allow = {m.strip() for m in (Headers(fields).get("Allow") or "").split(",")}
        if allow != allowed:
            self.failures.append(f"{method} {target}: Allow {sorted(allow)}, document {sorted(allowed)}")

    def stream(self, path, event, data_target, data_template, note, target=None, headers=None, token=READ_TOKEN):
        """An event stream (`GET path`, sent as `target`): the head is validated, then the first
        `event:` block's id against the document's pattern and its data as the body `data_target`
        answers (the operation `data_template` of the probe document)."""
        target = target or path
        extra = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
        request = f"GET {target} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n{extra}\r\n".encode()
        status, fields, rest = exchange_raw(
            self.port, request, timeout=10, done=lambda raw: re.search(f"event: {event}.*?\n\n".encode(), raw, re.S))
        # The head, with what came of the endless body as a string; then the first event, field by field.
        self.validate("GET", path, target, headers or {}, None, status, fields, rest, 200, "(head)", api=self.probe)
        events = [block for block in rest.decode().split("\n\n") if f"event: {event}" in block]
        if not events:
            self.failures.append(f"GET {target}: no {event} event in {rest[:200]!r}")
            return
        schema = self.spec["paths"][path]["get"]["responses"]["200"]["content"]["text/event-stream"]
        pattern = schema["schema"]["properties"]["id"]["pattern"]
        fields_of_event = dict(line.split(": ", 1) for line in events[0].split("\n") if ": " in line)
        if not re.search(pattern, fields_of_event.get("id", "")):
            self.failures.append(f"GET {target}: event id {fields_of_event.get('id')!r} does not match {pattern}")
        self.validate("GET", data_template, data_target, {}, None, 200, [("Content-Type", "application/json")],
                      fields_of_event.get("data", "").encode(), 200, note, api=self.probe)

    def raw(self, template, request, expect, note):
        """Bytes the HTTP layer refuses before any route runs (414, 431, 413, 408)."""
        status, fields, data = exchange_raw(self.port, request, timeout=20)
        self.validate("GET", template, template, {}, None, status, fields, data, expect, note)


def exchange_raw(port, request, timeout, done=lambda raw: False):
    """Sends `request` on a new connection and reads until the server closes, `done(bytes)` holds or
    `timeout` passes; returns the status, header fields and (de-chunked) body."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    sock.sendall(request)
    raw = b""
    deadline = time.monotonic() + timeout
    while not done(raw) and time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, socket.timeout):
            break
        if not chunk:
            break
        raw += chunk
    sock.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode(errors="replace").split("\r\n")
    status = int(lines[0].split()[1]) if lines[0].startswith("HTTP/") else 0
    fields = [tuple(part.strip() for part in line.split(":", 1)) for line in lines[1:] if ":" in line]
    if Headers(fields).get("Transfer-Encoding") == "chunked":
        body = dechunk(body)
    return status, fields, body


# The answers no operation owns, as operations of a copy of the document: 405s (methods a path
# does not list, answered with the shared MethodNotAllowed), the stream's head (its body is
# endless; its events are checked one by one) and a stream event's data (a `Stats` body).
METHOD_PROBES = [("DELETE", "/stats"), ("PUT", "/towns")] + [("POST", f"/{kind}/{{id}}") for kind in KINDS]
# A path no route has: a change feed event's data, checked as a `Change` body.
CHANGE_EVENT = "/changes (event data)"


def probe_document(spec):
    probe = copy.deepcopy(spec)
    for method, path in METHOD_PROBES:
        probe["paths"][path][method.lower()] = {
            "responses": {"405": {"$ref": "#/components/responses/MethodNotAllowed"}}}
    stream = probe["paths"]["/stats/stream"]["get"]["responses"]["200"]["content"]["text/event-stream"]
    stream["schema"] = {"type": "string"}
    probe["paths"]["/stats"]["get"]["responses"]["200"]["headers"] = {}
    changes = probe["paths"]["/changes"]["get"]["responses"]["200"]["content"]["text/event-stream"]
    changes["schema"] = {"type": "string"}
    probe["paths"][CHANGE_EVENT] = {"get": {"responses": {"200": {
        "description": "A change event's data.",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Change"}}}}}}}
    return probe


def dechunk(data):
    out = b""
    while data:
        size, _, data = data.partition(b"\r\n")
        if not size:
            break
        length = int(size, 16)
        if length == 0:
            break
        out += data[:length]
        data = data[length + 2:]
    return out


def fields_of(record):
    return {key: value for key, value in record.items() if key not in SERVER_FIELDS}


def exercise(c):
    c.check("GET", "/healthz", "/healthz", token=None, expect=200)
    c.check("HEAD", "/healthz", "/healthz", token=None, expect=200)
    c.check("GET", "/readyz", "/readyz", token=None, expect=200)
    c.check("HEAD", "/readyz", "/readyz", token=None, expect=200)
    _, headers, _ = c.check("GET", "/stats", "/stats", expect=200)
    c.check("GET", "/stats", "/stats", {"If-None-Match": headers["ETag"]}, expect=304, note="(304)")
    c.check("GET", "/stats", "/stats", {"Accept-Encoding": "gzip"}, expect=200, note="(gzip)")
    c.check("GET", "/stats", "/stats?x=1", expect=400, note="(unknown parameter)")
    c.check("GET", "/stats", "/stats", token=None, expect=401, note="(no token)")
    c.check("GET", "/stats", "/stats", {"Accept-Encoding": "identity;q=0, *;q=0"}, expect=406, note="(406)")
    c.check("HEAD", "/stats", "/stats", expect=200)
    c.check("GET", "/stats/report", "/stats/report", expect=200)
    c.check("HEAD", "/stats/report", "/stats/report", expect=200)
    c.check("GET", "/stats/timeline", "/stats/timeline", expect=200)
    c.check("GET", "/stats/timeline", "/stats/timeline?interval=week&townId=town-tuanze", expect=200)
    c.check("GET", "/stats/timeline", "/stats/timeline?interval=year", expect=400)
    c.check("HEAD", "/stats/timeline", "/stats/timeline", expect=200)
    c.stream("/stats/stream", "stats", "/stats", "/stats (stream event data)", "(event data as Stats)")
    c.check("HEAD", "/stats/stream", "/stats/stream", expect=200)
    c.check("GET", "/metrics", "/metrics", expect=200)
    c.check("HEAD", "/metrics", "/metrics", expect=200)
    c.check("GET", "/openapi.json", "/openapi.json", expect=200)
    c.check("HEAD", "/openapi.json", "/openapi.json", expect=200)
    _, headers, _ = c.check("GET", "/", "/", expect=200)
    c.check("GET", "/", "/", {"If-None-Match": headers["ETag"]}, expect=304, note="(304)")
    c.check("HEAD", "/", "/", expect=200)
    c.check("POST", "/admin/compact", "/admin/compact", token="admin", expect=202)
    c.check("POST", "/admin/compact", "/admin/compact", token="write", expect=403, note="(not admin)")
    c.check("POST", "/admin/compact", "/admin/compact", token=None, expect=401, note="(no token)")
    exercise_scopes(c)
    c.method_not_allowed("DELETE", "/stats", "/stats")
    c.method_not_allowed("PUT", "/towns", "/towns")

    first = {}
    for kind in KINDS:
        _, _, data = c.check("GET", f"/{kind}", f"/{kind}?limit=2", expect=200)
        page = json.loads(data)
        first[kind] = page["data"][0]
        c.check("GET", f"/{kind}", f"/{kind}?limit=2&cursor={page['next']}", expect=200, note="(next page)")
        c.check("GET", f"/{kind}", f"/{kind}?sort=-createdAt&source=report&limit=3", expect=200)
        c.check("GET", f"/{kind}", f"/{kind}?format=csv", expect=200, note="(csv)")
        c.check("GET", f"/{kind}", f"/{kind}?limit=1", {"Accept": "text/csv"}, expect=200, note="(Accept csv)")
        c.check("GET", f"/{kind}", f"/{kind}", {"Accept-Encoding": "gzip"}, expect=200, note="(gzip)")
        c.check("GET", f"/{kind}", f"/{kind}?limit=0", expect=400)
        c.check("GET", f"/{kind}", f"/{kind}?nope=1", expect=400)
        c.check("HEAD", f"/{kind}", f"/{kind}", expect=200)
        c.check("HEAD", f"/{kind}", f"/{kind}?format=csv", expect=200, note="(csv)")

        record = first[kind]
        item = f"/{kind}/{{id}}"
        _, headers, _ = c.check("GET", item, f"/{kind}/{record['id']}", expect=200)
        c.check("GET", item, f"/{kind}/{record['id']}", {"If-None-Match": headers["ETag"]}, expect=304)
        c.check("GET", item, f"/{kind}/no-such-id", expect=404)
        c.check("HEAD", item, f"/{kind}/{record['id']}", expect=200)
        c.check("HEAD", item, f"/{kind}/no-such-id", expect=404)
        c.method_not_allowed("POST", item, f"/{kind}/{record['id']}")

        body = {key: value for key, value in fields_of(record).items() if key not in DERIVED.get(kind, set())}
        c.check("POST", f"/{kind}", f"/{kind}", body=body, token=None, expect=401, note="(no token)")
        c.check("POST", f"/{kind}", f"/{kind}", body=body, token=None,
                headers={"Authorization": f"Bearer {READ_TOKEN}"}, expect=(401, 403), note="(read token)")
        c.check("POST", f"/{kind}", f"/{kind}", body=dict(body, unknownField=1), token="write", expect=422)
        c.check("POST", f"/{kind}", f"/{kind}", body=b"{", token="write",
                headers={"Content-Type": "application/json"}, expect=400, note="(bad JSON)")
        c.check("POST", f"/{kind}", f"/{kind}", body=b"<a/>", token="write",
                headers={"Content-Type": "application/xml"}, expect=415)
        key = {"Idempotency-Key": f"openapi-check-{kind}"}
        _, created, data = c.check("POST", f"/{kind}", f"/{kind}", key, body=body, token="write", expect=201)
        c.check("POST", f"/{kind}", f"/{kind}", key, body=body, token="write", expect=201, note="(replay)")
        # Another body with the key: answered before validation, so the 422 names the key.
        _, _, reused = c.check("POST", f"/{kind}", f"/{kind}", key, body={**body, "other": 1}, token="write",
                               expect=422, note="(key reused)")
        if [error.get("field") for error in json.loads(reused).get("errors", [])] != ["Idempotency-Key"]:
            c.failures.append(f"POST /{kind} (key reused): errors do not name Idempotency-Key: {reused[:200]!r}")
        new = json.loads(data)
        target = f"/{kind}/{new['id']}"
        c.check("PUT", item, target, body=fields_of(new), token="write", expect=200)
        c.check("PUT", item, target, {"If-Match": '"0-0"'}, body=fields_of(new), token="write", expect=412)
        c.check("PUT", item, target, body={"nope": 1}, token="write", expect=422)
        c.check("PUT", item, f"/{kind}/no-such-id", body=fields_of(new), token="write", expect=404)
        c.check("PATCH", item, target, {"Content-Type": "application/merge-patch+json"}, body=b"{}",
                token="write", expect=200)
        c.check("PATCH", item, target, {"Content-Type": "application/merge-patch+json"}, body=b'{"nope":1}',
                token="write", expect=422)
        c.check("PATCH", item, target, {"Content-Type": "text/plain"}, body=b"{}", token="write", expect=415)
        if kind == "cases":
            actions = "/cases/{id}/actions"
            c.check("POST", actions, f"{target}/actions", body={"action": "accept", "note": "收到"}, token="write",
                    expect=200)
            _, _, refused = c.check("POST", actions, f"{target}/actions", body={"action": "close", "outcome": "resolved"},
                                    token="write", expect=409, note="(not allowed)")
            if "dispatch" not in json.loads(refused).get("allowed", []):
                c.failures.append(f"POST {target}/actions (409): `allowed` lacks dispatch: {refused[:300]!r}")
            c.check("POST", actions, f"{target}/actions", {"If-Match": '"0-0"'}, body={"action": "void"},
                    token="write", expect=412)
            c.check("POST", actions, f"{target}/actions", body={"action": "dispatch"}, token="write", expect=422,
                    note="(no assignee)")
            c.check("POST", actions, f"{target}/actions", body={"action": "void"}, token=None, expect=401,
                    note="(no token)")
            c.check("POST", actions, "/cases/no-such-id/actions", body={"action": "void"}, token="write", expect=404)
            c.check("POST", actions, f"{target}/actions", body={"action": "void"}, token="write", expect=200)
        c.check("DELETE", item, target, {"If-Match": '"0-0"'}, token="write", expect=412)
        c.check("DELETE", item, target, token="write", expect=204)
        c.check("DELETE", item, target, token="write", expect=404, note="(again)")
        history = f"/{kind}/{{id}}/history"
        _, _, data = c.check("GET", history, f"{target}/history", expect=200, note="(deleted)")
        if not json.loads(data)["data"][-1]["deleted"]:
            c.failures.append(f"GET {target}/history: the last entry is not the deletion: {data[:300]!r}")
        c.check("GET", history, f"/{kind}/{record['id']}/history?limit=1", expect=200)
        c.check("GET", history, f"/{kind}/no-such-id/history", expect=404)
        c.check("GET", history, f"{target}/history?limit=0", expect=400)
        c.check("HEAD", history, f"{target}/history", expect=200)
        c.check("DELETE", item, target, token=None, expect=401, note="(no token)")

    c.check("DELETE", "/towns/{id}", f"/towns/{first['towns']['id']}", token="write", expect=409)
    _, _, data = c.check("GET", "/changes", "/changes?after=0&limit=2", expect=200)
    page = json.loads(data)
    c.check("GET", "/changes", f"/changes?limit=2&cursor={page['next']}", expect=200, note="(next page)")
    c.check("GET", "/changes", f"/changes?after={page['lastSeq']}&epoch={page['epoch']}", expect=200)
    c.check("GET", "/changes", "/changes?after=0&epoch=00000000", expect=410, note="(another epoch)")
    c.check("GET", "/changes", "/changes?limit=0", expect=400)
    c.check("GET", "/changes", "/changes", {"Accept-Encoding": "gzip"}, expect=200, note="(gzip)")
    c.check("HEAD", "/changes", "/changes", expect=200)
    c.stream("/changes", "change", CHANGE_EVENT, CHANGE_EVENT, "(event data as Change)", target="/changes?after=0",
             headers={"Accept": "text/event-stream"})
    for parent, child in NESTED:
        template = f"/{parent}/{{id}}/{child}"
        target = f"/{parent}/{first[parent]['id']}/{child}"
        c.check("GET", template, f"{target}?limit=5", expect=200)
        c.check("GET", template, f"{target}?format=csv", expect=200, note="(csv)")
        c.check("GET", template, f"/{parent}/no-such-id/{child}", expect=404)
        c.check("HEAD", template, f"{target}?limit=5", expect=200)

    long_target = "/towns?q=" + "a" * 9000
    c.raw("/towns", f"GET {long_target} HTTP/1.1\r\nHost: x\r\n\r\n".encode(), 414, "(414)")
    many = "".join(f"X-Filler-{i}: {'b' * 400}\r\n" for i in range(100))
    c.raw("/towns", f"GET /towns HTTP/1.1\r\nHost: x\r\n{many}\r\n".encode(), 431, "(431)")
    c.raw("/towns", b"GET /towns HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n", 413, "(413)")
    c.raw("/towns", b"GET /towns HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n", 400, "(400 framing)")
    c.raw("/towns", b"GET /towns HTTP/1.1\r\nHost: x\r\n", 408, "(408)")
    # Last: a reset returns the store to its seed, so nothing above may come after it.
    c.check("POST", "/admin/reset", "/admin/reset?now=1", token="admin", expect=400, note="(unknown parameter)")
    c.check("POST", "/admin/reset", "/admin/reset", token=None, expect=401, note="(no token)")
    c.check("POST", "/admin/reset", "/admin/reset", token="admin", expect=200)


def exercise_scopes(c):
    """The reads of a part of the district: `scope` members, null figures, scoped event ids, 404s."""
    for token in ["town", "grid"]:
        note = f"({token} scope)"
        _, headers, data = c.check("GET", "/stats", "/stats", token=token, expect=200, note=note)
        if json.loads(data).get("scope", {}).get("kind") != f"{token}s":
            c.failures.append(f"GET /stats {note}: scope is not the {token}'s: {data[:200]!r}")
        if "Authorization" not in (headers.get("Vary") or ""):
            c.failures.append(f"GET /stats {note}: no Vary: Authorization")
        c.check("GET", "/stats/report", "/stats/report", token=token, expect=200, note=note)
        c.check("GET", "/stats/timeline", "/stats/timeline", token=token, expect=200, note=note)
        _, _, data = c.check("GET", "/assistance-records", "/assistance-records?limit=1", token=token, expect=200,
                             note=note)
        cursor = json.loads(data)["next"]
        if cursor is None:
            c.failures.append(f"GET /assistance-records?limit=1 {note}: one page only, no cursor to check")
        else:
            c.check("GET", "/assistance-records", f"/assistance-records?limit=1&cursor={cursor}", expect=400,
                    note=f"(a cursor of the {token} scope, read as the district)")
        c.stream("/stats/stream", "stats", "/stats", "/stats (stream event data)", f"(event data as Stats, {note})",
                 token=PRINCIPAL_TOKENS[token][3])
    c.check("GET", "/stats/timeline", "/stats/timeline?townId=town-gaoping", token="town", expect=400,
            note="(a town outside the scope)")
    c.check("GET", "/towns/{id}", "/towns/town-gaoping", token="town", expect=404, note="(outside the scope)")
    c.check("GET", "/towns/{id}/villages", "/towns/town-gaoping/villages", token="town", expect=404,
            note="(outside the scope)")


def write_principals(path):
    entries = [
        {"id": name, "name": name, "role": role, **scope, "tokenSha256": hashlib.sha256(token.encode()).hexdigest()}
        for name, role, scope, token in PRINCIPAL_TOKENS.values()
    ]
    with open(path, "w") as file:
        json.dump(entries, file)


def main():
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} BINARY")
    binary = sys.argv[1]
    with tempfile.TemporaryDirectory(prefix="openapi-check-") as directory:
        log_path = os.path.join(directory, "server.log")
        data_dir = os.path.join(directory, "data")
        os.mkdir(data_dir)
        principals = os.path.join(directory, "principals.json")
        write_principals(principals)
        with open(log_path, "wb") as log:
            server = subprocess.Popen(
                [binary, "serve", "--port", "0", "--token", WRITE_TOKEN, "--read-token", READ_TOKEN,
                 "--principals", principals, "--data-dir", data_dir, "--header-timeout", "1"],
                stdout=subprocess.DEVNULL, stderr=log)
        try:
            port = None
            deadline = time.monotonic() + 120
            while port is None and time.monotonic() < deadline and server.poll() is None:
                match = re.search(rb"server\.started .*server\.port=(\d+)", open(log_path, "rb").read())
                port = int(match.group(1)) if match else None
                time.sleep(0.1)
            if port is None:
                sys.exit(f"openapi-check: the server did not start:\n{open(log_path).read()[-2000:]}")
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request("GET", "/openapi.json", headers={"Authorization": f"Bearer {READ_TOKEN}"})
            response = connection.getresponse()
            if response.status != 200:
                sys.exit(f"openapi-check: /openapi.json answered {response.status}")
            checker = Checker(port, json.loads(response.read()))
            connection.close()
            exercise(checker)
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
    missing = sorted(checker.documented - checker.covered)
    for failure in checker.failures:
        print(f"FAIL {failure[:700]}")
    for method, path in missing:
        print(f"NOT EXERCISED {method} {path}")
    print(f"openapi-check: {checker.exchanges} responses, {len(checker.covered & checker.documented)}/"
          f"{len(checker.documented)} operations validated, {len(checker.failures)} mismatches, "
          f"{len(missing)} operations not exercised")
    sys.exit(1 if checker.failures or missing else 0)


if __name__ == "__main__":
    main()
