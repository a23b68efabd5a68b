#!/usr/bin/env python3
"""Multi-node tests: several `gridwork serve --postgres URL` nodes on one real PostgreSQL.

usage: scripts/cluster-test.py --binary PATH --cluster DIR [--only NAME ...] [--lag N]

BINARY must be built with the PostgreSQL trait (`scripts/build-release.sh --postgres`); DIR is
a cluster `scripts/postgres-cluster.sh start DIR` started (the tests restart it). Every scenario
gets a database of its own, and starts its nodes on port 0 (each announces its port on stdout).

Scenarios (each asserts; a failure names what differed):
  converge    three nodes, four writers on each: every acknowledged create is on every node, and
              the nodes end with the same /stats body and the same change feed (seq by seq);
              each writer reads its own record back from the node that answered (read your writes)
  conflict    the same record updated on two nodes with the same If-Match, 20 times over:
              exactly one 200 and one 412 each time, and the nodes agree on the winner
  kill9       writers on two nodes while one is killed with SIGKILL; a new node on the same
              database, and every acknowledged create is on every node
  pgrestart   writers on two nodes while PostgreSQL restarts (fast shutdown): writes during the
              restart are refused with 503 and Retry-After, none acknowledged is lost, the nodes
              reconnect by themselves; while the database is stopped reads answer 200 with
              Gridwork-Stale-Seconds and /readyz is 503 "stale"
  fresh       a node started after 600 changes catches up: same /stats, same change feed
  noreset     POST /admin/reset is refused with 409 (the store is the shared log)

--lag N measures, instead of testing, how long N creates on one node take to be applied on a
second (the change feed's event stream on the second node, from the first node's 201), and
prints p50/p99.

Exits 0 when every scenario passes, 1 on a failure, 2 when it cannot run.
"""
import argparse
import http.client
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLUSTER_SCRIPT = os.path.join(ROOT, "scripts", "postgres-cluster.sh")


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


# MARK: - PostgreSQL


class Cluster:
    def __init__(self, directory):
        self.directory = directory
        self.url = subprocess.run(
            [CLUSTER_SCRIPT, "url", directory], check=True, capture_output=True, text=True
        ).stdout.strip()
        self.count = 0

    def psql(self, sql, database_url=None):
        subprocess.run(
            ["psql", "-v", "ON_ERROR_STOP=1", "-q", "-X", database_url or self.url, "-c", sql],
            check=True, capture_output=True, text=True)

    def new_database(self, name):
        self.count += 1
        database = f"gw_{name}_{os.getpid()}_{self.count}"
        self.psql(f"CREATE DATABASE {database}")
        parts = urllib.parse.urlsplit(self.url)
        return urllib.parse.urlunsplit(parts._replace(path="/" + database))

    def restart(self):
        subprocess.run([CLUSTER_SCRIPT, "restart", self.directory], check=True, capture_output=True)

    def stop(self):
        subprocess.run([CLUSTER_SCRIPT, "stop", self.directory], check=True, capture_output=True)

    def start(self):
        subprocess.run([CLUSTER_SCRIPT, "start", self.directory], check=True, capture_output=True)


# MARK: - Nodes


class Node:
    def __init__(self, binary, database_url, name):
        self.name = name
        self.log = open(f"/tmp/gridwork-cluster-{os.getpid()}-{name}.log", "w")
        self.process = subprocess.Popen(
            [binary, "serve", "--port", "0", "--postgres", database_url, "--log-level", "notice",
             "--today", "2014-08-06", "--drain-timeout", "2"],
            stdout=subprocess.PIPE, stderr=self.log, text=True)
        line = self.process.stdout.readline()
        if not line:
            raise Failure(f"node {name} did not start; see {self.log.name}")
        self.port = json.loads(line)["port"]

    def connection(self):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)

    def request(self, method, path, body=None, headers=None, connection=None):
        own = connection is None
        connection = connection or self.connection()
        try:
            data = json.dumps(body).encode() if body is not None else None
            all_headers = {"Content-Type": "application/json"} if data is not None else {}
            all_headers.update(headers or {})
            connection.request(method, path, body=data, headers=all_headers)
            response = connection.getresponse()
            payload = response.read()
            return response.status, dict((k.lower(), v) for k, v in response.getheaders()), payload
        finally:
            if own:
                connection.close()

    def json(self, path):
        status, _, payload = self.request("GET", path)
        check(status == 200, f"{self.name} GET {path}: {status} {payload[:200]!r}")
        return json.loads(payload)

    def revision(self):
        return self.json("/stats")["revision"]

    def kill9(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def visit(grid="grid-0001", cadre="cadre-0001", summary="深入网格走访"):
    return {"type": "visit", "date": "2014-08-05", "cadreId": cadre, "gridId": grid, "summary": summary}


class Writer(threading.Thread):
    """Creates visits on one node until stopped (or `count` are done); keeps what was answered."""

    def __init__(self, node, tag, count=None, read_back=False):
        super().__init__(daemon=True)
        self.node, self.tag, self.count, self.read_back = node, tag, count, read_back
        self.stopping = threading.Event()
        self.acknowledged = []  # ids answered 201
        self.refused = []  # (status, retry-after)
        self.broken = 0  # requests whose connection failed (the node died, or was killed)
        self.errors = []

    def run(self):
        connection = None
        number = 0
        while not self.stopping.is_set() and (self.count is None or number < self.count):
            number += 1
            try:
                connection = connection or self.node.connection()
                status, headers, payload = self.node.request(
                    "POST", "/assistance-records", visit(summary=f"{self.tag}-{number}"), connection=connection)
            except (OSError, http.client.HTTPException):
                self.broken += 1
                connection = None
                if self.node.process.poll() is not None:
                    return
                time.sleep(0.05)
                continue
            if status == 201:
                record = json.loads(payload)
                self.acknowledged.append(record["id"])
                if self.read_back:
                    got, _, body = self.node.request("GET", "/assistance-records/" + record["id"], connection=connection)
                    if got != 200 or json.loads(body)["summary"] != record["summary"]:
                        self.errors.append(f"{record['id']} not readable on the node that answered: {got}")
            elif status == 503:
                self.refused.append((status, headers.get("retry-after")))
                time.sleep(0.05)
            else:
                self.errors.append(f"unexpected {status}: {payload[:200]!r}")


def start(writers):
    for writer in writers:
        writer.start()
    return writers


def finish(writers):
    """Stops the writers, waits for them, checks none saw an unexpected answer; the acknowledged ids."""
    for writer in writers:
        writer.stopping.set()
    for writer in writers:
        writer.join()
    for writer in writers:
        check(not writer.errors, f"{writer.tag}: {writer.errors[:3]}")
    return [record_id for writer in writers for record_id in writer.acknowledged]


def wait_converged(nodes, timeout=30):
    """Waits until every node shows the same revision, then checks /stats and the change feed."""
    deadline = time.time() + timeout
    while True:
        revisions = [node.revision() for node in nodes]
        if len(set(revisions)) == 1:
            break
        if time.time() > deadline:
            raise Failure(f"nodes did not converge within {timeout} s: revisions {revisions}")
        time.sleep(0.05)
    stats = [node.request("GET", "/stats")[2] for node in nodes]
    for node, body in zip(nodes[1:], stats[1:]):
        check(body == stats[0], f"/stats differs between {nodes[0].name} and {node.name}")
    feeds = [feed(node) for node in nodes]
    for node, changes in zip(nodes[1:], feeds[1:]):
        check(changes == feeds[0], f"the change feed differs between {nodes[0].name} and {node.name}")
    return revisions[0], feeds[0]


def feed(node):
    """Every change the node's feed holds, as (seq, by, ids put, ids removed)."""
    changes, after = [], 0
    while True:
        page = node.json(f"/changes?after={after}&limit=500")
        for change in page["data"]:
            changes.append((change["seq"], change["by"], tuple(p["record"]["id"] for p in change["puts"]),
                            tuple(r["id"] for r in change["removes"])))
        if page["next"] is None:
            return changes
        after = page["lastSeq"]


def present(node, ids):
    missing = []
    for record_id in ids:
        status, _, _ = node.request("GET", "/assistance-records/" + record_id)
        if status != 200:
            missing.append(record_id)
    return missing


# MARK: - Scenarios


def scenario_converge(binary, cluster):
    url = cluster.new_database("converge")
    nodes = [Node(binary, url, f"converge-{i}") for i in range(3)]
    try:
        writers = start([Writer(node, f"{node.name}-w{j}", count=40, read_back=True) for node in nodes for j in range(4)])
        for writer in writers:
            writer.join()  # each stops after its 40
        acknowledged = finish(writers)
        check(len(acknowledged) == 480, f"480 creates were sent, {len(acknowledged)} acknowledged")
        check(len(set(acknowledged)) == 480, "two creates were given the same id")
        revision, changes = wait_converged(nodes)
        for node in nodes:
            missing = present(node, acknowledged)
            check(not missing, f"{node.name} lacks {len(missing)} acknowledged records, e.g. {missing[:3]}")
        check([c[0] for c in changes] == list(range(changes[0][0], changes[0][0] + len(changes))),
              "the change feed has a gap")
        return f"480 creates on 3 nodes; all at revision {revision}, same /stats and feed ({len(changes)} changes)"
    finally:
        for node in nodes:
            node.stop()


def scenario_conflict(binary, cluster):
    url = cluster.new_database("conflict")
    a, b = Node(binary, url, "conflict-a"), Node(binary, url, "conflict-b")
    try:
        status, headers, payload = a.request("POST", "/assistance-records", visit(summary="冲突测试"))
        check(status == 201, f"create: {status}")
        record_id = json.loads(payload)["id"]
        wait_converged([a, b])
        outcomes = []
        for round_number in range(20):
            status, headers, _ = a.request("GET", "/assistance-records/" + record_id)
            etag = headers["etag"]
            wait_converged([a, b])
            results = {}

            def update(node, text):
                results[node.name] = node.request(
                    "PATCH", "/assistance-records/" + record_id, {"summary": text},
                    headers={"If-Match": etag, "Content-Type": "application/merge-patch+json"})

            threads = [threading.Thread(target=update, args=(node, f"{node.name}-{round_number}")) for node in (a, b)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            statuses = sorted(result[0] for result in results.values())
            check(statuses == [200, 412], f"round {round_number}: statuses {statuses}, expected one 200 and one 412")
            winner = next(name for name, result in results.items() if result[0] == 200)
            wait_converged([a, b])
            for node in (a, b):
                summary = node.json("/assistance-records/" + record_id)["summary"]
                check(summary == f"{winner}-{round_number}", f"round {round_number}: {node.name} holds {summary}")
            outcomes.append(winner)
        return f"20 rounds of the same If-Match on two nodes: one 200 and one 412 each ({outcomes.count('conflict-a')} won by a)"
    finally:
        a.stop()
        b.stop()


def scenario_kill9(binary, cluster):
    url = cluster.new_database("kill9")
    a, b = Node(binary, url, "kill9-a"), Node(binary, url, "kill9-b")
    replacement = None
    try:
        writers = start([Writer(node, f"{node.name}-w{j}") for node in (a, b) for j in range(4)])
        time.sleep(1.5)  # load, not synchronisation: a's writers are mid-flight when it dies
        a.kill9()
        time.sleep(0.5)
        acknowledged = finish(writers)
        on_a = sum(len(writer.acknowledged) for writer in writers[:4])
        check(on_a > 0, "no write on the killed node was acknowledged before it died")
        replacement = Node(binary, url, "kill9-a2")
        wait_converged([b, replacement])
        for node in (b, replacement):
            missing = present(node, acknowledged)
            check(not missing, f"{node.name} lacks {len(missing)} acknowledged records, e.g. {missing[:3]}")
        return (f"{len(acknowledged)} acknowledged ({on_a} by the killed node, "
                f"{sum(w.broken for w in writers[:4])} cut off by the kill): all on the survivor and a new node")
    finally:
        a.stop()
        b.stop()
        if replacement:
            replacement.stop()


def scenario_pgrestart(binary, cluster):
    url = cluster.new_database("pgrestart")
    a, b = Node(binary, url, "pgrestart-a"), Node(binary, url, "pgrestart-b")
    try:
        writers = start([Writer(node, f"{node.name}-w{j}") for node in (a, b) for j in range(3)])
        time.sleep(1.0)  # load before the restart
        cluster.restart()
        time.sleep(1.0)  # load after it
        # A window with the database down: reads answer, say how stale, and /readyz says why.
        cluster.stop()
        deadline = time.time() + 10
        while True:
            status, headers, payload = a.request("GET", "/readyz")
            if status == 503:
                break
            check(time.time() < deadline, "/readyz stayed 200 with the database stopped")
            time.sleep(0.05)
        ready = json.loads(payload)
        check(ready["status"] == "stale" and "staleSeconds" in ready, f"/readyz body: {ready}")
        status, headers, _ = a.request("GET", "/stats")
        check(status == 200, f"GET /stats with the database down: {status}")
        check("gridwork-stale-seconds" in headers, "no Gridwork-Stale-Seconds on a read with the database down")
        status, headers, payload = b.request("POST", "/assistance-records", visit(summary="库停时"))
        check(status == 503 and headers.get("retry-after"), f"a write with the database down: {status} {headers}")
        cluster.start()
        deadline = time.time() + 15
        while any(node.request("GET", "/readyz")[0] != 200 for node in (a, b)):
            check(time.time() < deadline, "the nodes did not reconnect within 15 s of the database's return")
            time.sleep(0.05)
        time.sleep(1.0)  # load after the return
        acknowledged = finish(writers)
        for writer in writers:
            for status, retry_after in writer.refused:
                check(retry_after, "a 503 without Retry-After")
        refused = sum(len(writer.refused) for writer in writers)
        wait_converged([a, b])
        for node in (a, b):
            missing = present(node, acknowledged)
            check(not missing, f"{node.name} lacks {len(missing)} acknowledged records, e.g. {missing[:3]}")
        return (f"{len(acknowledged)} acknowledged and {refused} refused with 503 + Retry-After across a restart "
                f"and a stop of PostgreSQL; none lost, both nodes back by themselves")
    finally:
        a.stop()
        b.stop()


def scenario_fresh(binary, cluster):
    url = cluster.new_database("fresh")
    a = Node(binary, url, "fresh-a")
    c = None
    try:
        writers = start([Writer(a, f"fresh-w{j}", count=150) for j in range(4)])
        for writer in writers:
            writer.join()  # each stops after its 150
        finish(writers)
        started = time.time()
        c = Node(binary, url, "fresh-c")
        ready = time.time() - started
        revision, changes = wait_converged([a, c])
        return f"a node started after {len(changes)} changes listened in {ready:.2f} s at revision {revision}, same /stats and feed"
    finally:
        a.stop()
        if c:
            c.stop()


def scenario_noreset(binary, cluster):
    url = cluster.new_database("noreset")
    a = Node(binary, url, "noreset-a")
    try:
        status, headers, payload = a.request("POST", "/admin/reset")
        check(status == 409, f"POST /admin/reset: {status}")
        check(headers.get("content-type", "").startswith("application/problem+json"), "not a problem")
        return "POST /admin/reset: 409 problem"
    finally:
        a.stop()


SCENARIOS = {
    "converge": scenario_converge,
    "conflict": scenario_conflict,
    "kill9": scenario_kill9,
    "pgrestart": scenario_pgrestart,
    "fresh": scenario_fresh,
    "noreset": scenario_noreset,
}


# MARK: - Lag


def measure_lag(binary, cluster, count):
    url = cluster.new_database("lag")
    a, b = Node(binary, url, "lag-a"), Node(binary, url, "lag-b")
    try:
        wait_converged([a, b])
        arrivals = {}
        ready = threading.Event()

        def listen():
            connection = b.connection()
            connection.request("GET", f"/changes?after={b.revision()}", headers={"Accept": "text/event-stream"})
            response = connection.getresponse()
            ready.set()
            while len(arrivals) < count:
                line = response.fp.readline()
                if not line:
                    return
                if line.startswith(b"data:"):
                    change = json.loads(line[5:])
                    for put in change.get("puts", []):
                        arrivals[put["record"]["id"]] = time.perf_counter()

        listener = threading.Thread(target=listen, daemon=True)
        listener.start()
        ready.wait(10)
        acknowledged = {}
        connection = a.connection()
        for number in range(count):
            status, headers, payload = a.request("POST", "/assistance-records", visit(summary=f"lag-{number}"),
                                                 connection=connection)
            done = time.perf_counter()
            check(status == 201, f"create {number}: {status}")
            acknowledged[json.loads(payload)["id"]] = done
            time.sleep(random.uniform(0.005, 0.02))  # pacing: one writer at a steady rate
        listener.join(30)
        lags = sorted((arrivals[key] - at) * 1000 for key, at in acknowledged.items() if key in arrivals)
        check(len(lags) == count, f"{count - len(lags)} changes never reached the second node")
        p50 = statistics.median(lags)
        p99 = lags[min(len(lags) - 1, int(len(lags) * 0.99))]
        print(f"lag from the first node's 201 to the second node's change event, {count} creates: "
              f"p50 {p50:.2f} ms, p99 {p99:.2f} ms, max {lags[-1]:.2f} ms (negative: applied before the 201 was read)")
    finally:
        a.stop()
        b.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--cluster", required=True, help="a directory scripts/postgres-cluster.sh started")
    parser.add_argument("--only", nargs="*", choices=sorted(SCENARIOS))
    parser.add_argument("--lag", type=int, help="measure the lag between two nodes over N creates")
    arguments = parser.parse_args()
    if not os.access(arguments.binary, os.X_OK):
        print(f"cluster-test: {arguments.binary} is not an executable", file=sys.stderr)
        return 2
    try:
        cluster = Cluster(arguments.cluster)
        cluster.psql("SELECT 1")
    except (subprocess.CalledProcessError, FileNotFoundError) as error:
        print(f"cluster-test: the PostgreSQL cluster in {arguments.cluster} cannot be reached: {error}", file=sys.stderr)
        return 2
    if arguments.lag:
        measure_lag(arguments.binary, cluster, arguments.lag)
        return 0
    failed = []
    for name in arguments.only or list(SCENARIOS):
        started = time.time()
        try:
            summary = SCENARIOS[name](arguments.binary, cluster)
            print(f"PASS {name} ({time.time() - started:.1f} s): {summary}", flush=True)
        except Failure as failure:
            print(f"FAIL {name} ({time.time() - started:.1f} s): {failure}", flush=True)
            failed.append(name)
    if failed:
        print(f"cluster-test: {len(failed)} scenario(s) failed: {', '.join(failed)}; node logs in /tmp/gridwork-cluster-*",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
