#!/usr/bin/env python3
"""Browser test of the dashboard at GET /: loads the page in headless Chromium against a live
gridwork server and checks what a person would see.

usage: scripts/browser-test.py --binary PATH [--screenshot PATH] [--full-page]
                               [--chromium PATH] [--window 1366x768] [--token TOKEN]

It starts `PATH serve --host 127.0.0.1 --port 0` itself (port read from the server's stderr),
starts Chromium headless, and asserts:
  1. GET / is an HTML page that loads nothing from another origin (no CDN, works offline);
  2. the page renders, with no uncaught JavaScript exception and no console error (a failed
     subresource such as a missing favicon counts), one `data-figure="<key>"` element
     for every row of GET /stats/report, each showing that row's live value (thousands
     separators; "—" for report-only figures) and the right match / mismatch / report-only
     mark; a few well-known figures of the report (13,300 visits, 3,600,000 yuan of assistance
     funds, 147,180,000 yuan invested, 47,200 and 18,300 beneficiaries) are on the page; on a
     freshly seeded server every backed figure is marked as matching;
  3. #revision shows the /stats revision, #live-status says "stream" or "polling", the per-town
     table has one row per /stats byTown entry and its visits column adds up, and the three
     charts (visits per town, projects by category, visits per month — the last may say
     "unavailable") are drawn;
  4. the cases panel shows /stats cases: open, overdue (highlighted when any), closed, the
     on-time and rework rates as percentages and the average working days to close ("—" while
     no case is closed), and one bar per town of cases.byTown with its open and overdue counts;
  5. after a POST /assistance-records of type `visit` (cadre and grid copied from an existing
     visit), within 2 seconds the page shows the visits total + 1, the new revision, the G6
     figure marked as a mismatch, and that town's visits + 1; after DELETE of that record, within
     2 seconds it shows the original figures again (so a run leaves the store as it found it);
  6. after a POST /cases in that grid, within 2 seconds the panel shows one more open case and
     the town's bar one longer; once the case is carried to closure through POST
     /cases/{id}/actions (outcome `explained`, so no assistance record is written), within 2
     seconds it shows /stats's closed count and rates; after DELETE of the case, the figures
     it started with.

It exits 0 when every check passes, 1 when a check fails, 2 when it cannot run (no Chromium,
the server does not start, ...). It always stops the server and the browser it started.

Needs only Python 3.8+ (standard library) and Chromium (Debian/Ubuntu: `apt-get install
chromium`; `--chromium` or $CHROMIUM names another Chrome/Chromium binary). Chromium is driven
through the Chrome DevTools Protocol over `--remote-debugging-pipe` (the transport Puppeteer and
Playwright use): no Selenium, no chromedriver, no pip packages, no debugging port to find or
race for. Install fonts-noto-cjk for screenshots that show Chinese text (the checks do not
depend on fonts).
"""
import argparse
import base64
import fcntl
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

UPDATE_BOUND_S = 2.0
WELL_KNOWN = {  # report figure -> (key, reported value)
    "G6": ("gridService.visits", 13300),
    "G9": ("gridService.fundsYuan", 3600000),
    "P8": ("projectSecretaries.investmentYuan", 147180000),
    "C11": ("collectiveEconomy.beneficiaries", 47200),
    "E15": ("entrepreneurship.beneficiaries", 18300),
}


class Failure(Exception):
    """A check failed (exit 1)."""


class SetupError(Exception):
    """The test could not run (exit 2)."""


def log(message):
    print(message, flush=True)


def fmt(value):
    return "—" if value is None else f"{value:,}"


# ---------------------------------------------------------------------------------------------
# HTTP


class API:
    def __init__(self, base, token=None):
        self.base = base.rstrip("/")
        self.token = token

    def request(self, method, path, body=None, headers=None):
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json; charset=utf-8")
        if self.token and method not in ("GET", "HEAD"):
            request.add_header("Authorization", "Bearer " + self.token)
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def json(self, path):
        status, _, body = self.request("GET", path)
        if status != 200:
            raise Failure(f"GET {path} answered {status}: {body[:300]!r}")
        return json.loads(body)


# ---------------------------------------------------------------------------------------------
# the server


class Server:
    def __init__(self, binary, extra=()):
        self.binary = binary
        self.extra = list(extra)
        self.process = None
        self.log = tempfile.NamedTemporaryFile(prefix="gridwork-browser-test-", suffix=".log", delete=False)

    def start(self, timeout=20):
        if not (os.path.isfile(self.binary) and os.access(self.binary, os.X_OK)):
            raise SetupError(f"{self.binary} is not an executable file")
        self.process = subprocess.Popen(
            [self.binary, "serve", "--host", "127.0.0.1", "--port", "0"] + self.extra,
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            match = re.search(rb"server\.port=(\d+)", self.output())
            if match:
                return int(match.group(1))
            if self.process.poll() is not None:
                raise SetupError(f"the server exited with {self.process.returncode}:\n{self.tail()}")
            time.sleep(0.05)
        raise SetupError(f"the server printed no server.port= within {timeout} s:\n{self.tail()}")

    def output(self):
        with open(self.log.name, "rb") as f:
            return f.read()

    def tail(self, lines=20):
        return "\n".join(self.output().decode("utf-8", "replace").splitlines()[-lines:])

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.log.close()
        try:
            os.unlink(self.log.name)
        except OSError:
            pass


def wait_ready(api, timeout=20):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            status, _, _ = api.request("GET", "/stats")
            if status == 200:
                return
            last = f"HTTP {status}"
        except OSError as error:
            last = str(error)
        time.sleep(0.1)
    raise SetupError(f"{api.base}/stats did not answer 200 within {timeout} s ({last})")


# ---------------------------------------------------------------------------------------------
# Chromium over the DevTools protocol (--remote-debugging-pipe: NUL-terminated JSON messages,
# the browser reads commands on its fd 3 and writes replies and events on its fd 4)


def find_chromium(explicit):
    if explicit:
        path = shutil.which(explicit)
        if not path:
            raise SetupError(f"--chromium {explicit}: no such executable")
        return path
    candidates = [os.environ.get("CHROMIUM"), "chromium", "chromium-browser",
                  "google-chrome", "google-chrome-stable", "chrome"]
    for candidate in candidates:
        if not candidate:
            continue
        path = shutil.which(candidate) or (candidate if os.access(candidate, os.X_OK) else None)
        if path:
            return path
    raise SetupError("no Chromium found: install it (apt-get install chromium) or pass --chromium PATH")


class Browser:
    def __init__(self, executable, width, height):
        self.executable = executable
        self.width, self.height = width, height
        self.profile = tempfile.mkdtemp(prefix="gridwork-browser-test-profile-")
        self.process = None
        self.next_id = 0
        self.buffer = b""
        self.events = []
        self.session = None
        self.stderr = tempfile.TemporaryFile()

    def start(self):
        to_browser_r, self.to_browser = os.pipe()
        self.from_browser, from_browser_w = os.pipe()
        # The browser's ends go to fds >= 10 here and to fds 3 and 4 in a small exec trampoline
        # (no preexec_fn; os.pipe() is free to return 3 and 4 itself, so the order matters).
        to_browser_r, from_browser_w = (self._high_fd(to_browser_r), self._high_fd(from_browser_w))
        flags = [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--remote-debugging-pipe", f"--user-data-dir={self.profile}",
            f"--window-size={self.width},{self.height}", "--hide-scrollbars", "--mute-audio",
            "--no-first-run", "--no-default-browser-check", "--disable-extensions",
            "--disable-background-networking", "--disable-sync", "--disable-component-update",
            "--disable-default-apps", "--disable-breakpad", "--metrics-recording-only",
            "--password-store=basic", "--use-mock-keychain", "about:blank",
        ]
        trampoline = ("import os, sys\n"
                      "r, w = int(sys.argv[1]), int(sys.argv[2])\n"
                      "os.dup2(r, 3); os.dup2(w, 4); os.close(r); os.close(w)\n"
                      "os.execv(sys.argv[3], sys.argv[3:])\n")
        self.process = subprocess.Popen(
            [sys.executable, "-c", trampoline, str(to_browser_r), str(from_browser_w), self.executable] + flags,
            stdin=subprocess.DEVNULL, stdout=self.stderr, stderr=self.stderr,
            pass_fds=(to_browser_r, from_browser_w), start_new_session=True)
        os.close(to_browser_r)
        os.close(from_browser_w)
        version = self.call("Browser.getVersion", timeout=30)
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.call("Page.enable", session=True)
        self.call("Runtime.enable", session=True)
        # Console errors the page did not throw: a failed subresource (a 404 favicon), a CSP refusal.
        self.call("Log.enable", session=True)
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": self.width, "height": self.height, "deviceScaleFactor": 1, "mobile": False},
                  session=True)
        return version.get("product", "?")

    @staticmethod
    def _high_fd(fd):
        high = fcntl.fcntl(fd, fcntl.F_DUPFD, 10)
        os.close(fd)
        return high

    def browser_log(self):
        try:
            self.stderr.seek(0)
            return self.stderr.read().decode("utf-8", "replace")[-2000:]
        except (OSError, ValueError):
            return ""

    def _send(self, message):
        data = json.dumps(message).encode("utf-8") + b"\0"
        while data:
            try:
                written = os.write(self.to_browser, data)
            except OSError as error:
                raise SetupError(f"cannot write to Chromium ({error}):\n{self.browser_log()}")
            data = data[written:]

    def _receive(self, deadline):
        while b"\0" not in self.buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            ready, _, _ = select.select([self.from_browser], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(self.from_browser, 1 << 20)
            if not chunk:
                raise SetupError(f"Chromium closed the DevTools pipe:\n{self.browser_log()}")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method, params=None, session=False, timeout=15):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self.session
        self._send(message)
        deadline = time.monotonic() + timeout
        while True:
            try:
                reply = self._receive(deadline)
            except TimeoutError:
                raise SetupError(f"Chromium did not answer {method} within {timeout} s:\n{self.browser_log()}")
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise SetupError(f"{method} failed: {reply['error']}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def evaluate(self, expression, timeout=15):
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": True}, session=True, timeout=timeout)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise Failure(f"evaluating in the page failed: {text}")
        return result["result"].get("value")

    def navigate(self, url):
        result = self.call("Page.navigate", {"url": url}, session=True, timeout=30)
        if result.get("errorText"):
            raise Failure(f"navigating to {url} failed: {result['errorText']}")

    def exceptions(self):
        found = []
        for event in self.events:
            if event.get("method") == "Runtime.exceptionThrown":
                details = event["params"]["exceptionDetails"]
                text = details.get("exception", {}).get("description") or details.get("text")
                found.append(f"{text} at {details.get('url', '?')}:{details.get('lineNumber', '?')}")
            elif event.get("method") == "Log.entryAdded" and event["params"]["entry"].get("level") == "error":
                entry = event["params"]["entry"]
                found.append(f"console error: {entry.get('text')} ({entry.get('url', '?')})")
            elif event.get("method") == "Runtime.consoleAPICalled" and event["params"].get("type") == "error":
                args = event["params"].get("args", [])
                found.append("console.error: " + " ".join(str(a.get("value", a.get("description", ""))) for a in args))
        return found

    def screenshot(self, path, full_page=False):
        params = {"format": "png"}
        if full_page:
            metrics = self.call("Page.getLayoutMetrics", session=True)
            size = metrics.get("cssContentSize") or metrics["contentSize"]
            params["clip"] = {"x": 0, "y": 0, "width": self.width,
                              "height": max(self.height, int(size["height"])), "scale": 1}
            params["captureBeyondViewport"] = True
        data = self.call("Page.captureScreenshot", params, session=True, timeout=30)["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def stop(self):
        if self.process and self.process.poll() is None:
            try:
                self._send({"id": self.next_id + 1, "method": "Browser.close"})
                self.process.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                pass
        if self.process and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except OSError:
                pass
            self.process.wait(timeout=5)
        if self.process:
            try:  # helpers (zygote, renderers) share the process group
                os.killpg(self.process.pid, signal.SIGKILL)
            except OSError:
                pass
        for fd in (getattr(self, "to_browser", None), getattr(self, "from_browser", None)):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self.stderr.close()
        shutil.rmtree(self.profile, ignore_errors=True)


# What the page shows, read from the DOM in one go.
SNAPSHOT_JS = r"""
((withText) => {
  if (!document.body) return { ready: null, bodyText: '', figures: {}, towns: {}, charts: {}, liveState: null, revisionText: null, revisionValue: null };
  const q = (s) => document.querySelector(s);
  const textOf = (e) => {
    if (!e) return null;
    const c = e.cloneNode(true);
    c.querySelectorAll('.delta').forEach((d) => d.remove());
    return c.textContent.trim();
  };
  const figures = {};
  document.querySelectorAll('[data-figure]').forEach((e) => {
    const key = e.getAttribute('data-figure');
    const row = e.closest('[data-match]');
    (figures[key] = figures[key] || []).push({
      text: textOf(e), value: e.getAttribute('data-value'),
      match: row ? row.getAttribute('data-match') : null,
      reported: row && row.querySelector('[data-reported]') ? textOf(row.querySelector('[data-reported]')) : null,
    });
  });
  const towns = {};
  document.querySelectorAll('#town-table tr[data-town]').forEach((tr) => {
    const cells = {};
    tr.querySelectorAll('[data-col]').forEach((td) => { cells[td.getAttribute('data-col')] = td.getAttribute('data-value'); });
    towns[tr.getAttribute('data-town')] = { name: tr.cells[0] ? tr.cells[0].textContent.trim() : null, cells };
  });
  const chart = (id) => {
    const e = q(id);
    const values = {};
    if (e) e.querySelectorAll('svg [data-bar]').forEach((g) => { values[g.getAttribute('data-bar')] = Number(g.getAttribute('data-value')); });
    return e ? { state: e.getAttribute('data-state'), bars: e.querySelectorAll('svg [data-bar]').length,
                 values, text: e.textContent.trim().slice(0, 200) } : null;
  };
  const kpis = {};
  document.querySelectorAll('#cases [data-case]').forEach((e) => {
    kpis[e.getAttribute('data-case')] = { text: textOf(e), value: e.getAttribute('data-value') };
  });
  const caseBars = {};
  document.querySelectorAll('#chart-cases svg [data-bar]').forEach((g) => {
    caseBars[g.getAttribute('data-bar')] = { open: Number(g.getAttribute('data-value')),
                                            overdue: Number(g.getAttribute('data-overdue')) };
  });
  const overdueTile = q('#cases [data-kpi="overdue"]');
  const status = q('#live-status');
  return {
    ready: document.body.getAttribute('data-ready'),
    bodyText: withText ? document.body.innerText : null,
    revisionText: textOf(q('#revision')),
    revisionValue: q('#revision') ? q('#revision').getAttribute('data-value') : null,
    liveState: status ? status.getAttribute('data-state') : null,
    liveText: status ? status.textContent.trim() : null,
    updatedAt: textOf(q('#updated-at')),
    figures, towns,
    cases: { kpis, bars: caseBars, state: q('#chart-cases') ? q('#chart-cases').getAttribute('data-state') : null,
             overdueAlert: overdueTile ? overdueTile.getAttribute('data-alert') : null },
    charts: { towns: chart('#chart-town-visits'), categories: chart('#chart-categories'),
              timeline: chart('#chart-timeline'), activities: chart('#chart-activities'),
              counterparts: chart('#chart-counterparts') },
  };
})(%s)
"""


def snapshot(browser, with_text=False):
    """What the page shows; with_text adds the page's whole visible text (slower)."""
    return browser.evaluate(SNAPSHOT_JS % ("true" if with_text else "false"))


def digits(text):
    return re.sub(r"[^\d-]", "", text or "")


def wait_for(browser, predicate, timeout, what, interval=0.05):
    started = time.monotonic()
    deadline = started + timeout
    last = None
    while True:
        last = snapshot(browser)
        problem = predicate(last)
        if problem is None:
            return last, time.monotonic() - started
        if time.monotonic() >= deadline:
            raise Failure(f"{what}: not shown within {max(timeout, 0):.1f} s — {problem} "
                          f"(live status {last.get('liveState')!r}, revision shown {last.get('revisionText')!r})")
        time.sleep(interval)


# ---------------------------------------------------------------------------------------------
# checks


def check_html(api):
    status, headers, body = api.request("GET", "/", headers={"Accept": "text/html"})
    if status != 200:
        raise Failure(f"GET / answered {status}, not the dashboard page")
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    if not content_type.startswith("text/html"):
        raise Failure(f"GET / has Content-Type {content_type!r}, not text/html")
    html = body.decode("utf-8", "replace")
    external = re.findall(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//[^"'\s>]+|url\(\s*["']?(?:https?:)?//[^)"']+|@import\s+["'](?:https?:)?//[^"']+""", html, re.I)
    if external:
        raise Failure(f"the page loads from other origins (it must work offline): {external[:5]}")
    log(f"ok   GET / is text/html, {len(body):,} bytes, nothing loaded from other origins")


def expected_text(value):
    return fmt(value)


def check_figures(shot, rows, fresh):
    problems = []
    for row in rows:
        key, live, reported = row["key"], row.get("live"), row["reported"]
        shown = shot["figures"].get(key)
        if not shown:
            problems.append(f"{row['id']} {key}: no data-figure element")
            continue
        if len(shown) != 1:
            problems.append(f"{row['id']} {key}: {len(shown)} data-figure elements")
        element = shown[0]
        want = expected_text(live)
        if element["text"] != want:
            problems.append(f"{row['id']} {key}: shows {element['text']!r}, live value is {want!r}")
        if (element["value"] or "") != ("" if live is None else str(live)):
            problems.append(f"{row['id']} {key}: data-value {element['value']!r}, live value is {live!r}")
        want_match = "report-only" if live is None else ("match" if live == reported else "mismatch")
        if element["match"] != want_match:
            problems.append(f"{row['id']} {key}: marked {element['match']!r}, expected {want_match!r}")
        if element["reported"] is not None and digits(element["reported"]) != str(reported):
            problems.append(f"{row['id']} {key}: report figure shown as {element['reported']!r}, report says {reported}")
        if fresh and live is not None and live != reported:
            problems.append(f"{row['id']} {key}: a freshly seeded server has live {live}, report {reported}")
    unexpected = set(shot["figures"]) - {row["key"] for row in rows}
    if unexpected:
        problems.append(f"data-figure elements for keys not in /stats/report: {sorted(unexpected)}")
    by_id = {row["id"]: row for row in rows}
    for figure_id, (key, value) in WELL_KNOWN.items():
        row = by_id.get(figure_id)
        if not row or row["key"] != key or row["reported"] != value:
            problems.append(f"/stats/report has no {figure_id} {key} = {value}")
        elif fmt(value) not in shot["bodyText"]:
            problems.append(f"{figure_id}: {fmt(value)} does not appear on the page")
    if problems:
        raise Failure("the figures on the page are wrong:\n  " + "\n  ".join(problems))
    matched = sum(1 for row in rows if row.get("live") is not None and row["live"] == row["reported"])
    log(f"ok   all {len(rows)} report figures shown with their live values and marks "
        f"({matched} matching, {sum(1 for r in rows if r.get('live') is None)} report-only); "
        f"well-known figures present: {', '.join(fmt(v) for _, v in WELL_KNOWN.values())}")


def check_page(shot, stats):
    problems = []
    if digits(shot["revisionText"]) != str(stats["revision"]) and shot["revisionValue"] != str(stats["revision"]):
        problems.append(f"#revision shows {shot['revisionText']!r}, /stats revision is {stats['revision']}")
    if shot["liveState"] not in ("stream", "polling"):
        problems.append(f"#live-status is {shot['liveState']!r} ({shot['liveText']!r}), expected stream or polling")
    by_town = stats.get("byTown") or []
    rows = {k: v for k, v in shot["towns"].items() if k != "total"}
    if set(rows) != {t["townId"] for t in by_town}:
        problems.append(f"the town table has rows {sorted(rows)}, /stats byTown has {sorted(t['townId'] for t in by_town)}")
    for town in by_town:
        cells = rows.get(town["townId"], {}).get("cells", {})
        for column in ("grids", "cadres", "visits", "fundsYuan", "projects", "investmentYuan"):
            if cells.get(column) != str(town.get(column)):
                problems.append(f"town {town['townId']} {column}: table {cells.get(column)!r}, /stats {town.get(column)!r}")
    charts = shot["charts"]
    if not charts["towns"] or charts["towns"]["bars"] != len(by_town):
        problems.append(f"the visits-per-town chart has {charts['towns'] and charts['towns']['bars']} bars, expected {len(by_town)}")
    if not charts["categories"] or charts["categories"]["bars"] < 1:
        problems.append(f"the projects-by-category chart has no bars: {charts['categories']}")
    timeline = charts["timeline"]
    if not timeline or not (timeline["state"] == "unavailable" or timeline["bars"] >= 1):
        problems.append(f"the visits-per-month chart is neither drawn nor marked unavailable: {timeline}")
    for name, key in (("activities", "byActivity"), ("counterparts", "byCounterpart")):
        shown = (charts.get(name) or {}).get("values")
        if shown != stats["work"][key]:
            problems.append(f"the {name} chart shows {shown}, /stats work.{key} is {stats['work'][key]}")
    problems += case_problems(shot, stats["cases"])
    if problems:
        raise Failure("the page is wrong:\n  " + "\n  ".join(problems))
    log(f"ok   cases panel: {describe_cases(shot)}")
    log(f"ok   revision {stats['revision']} shown, live status {shot['liveState']!r}, "
        f"{len(by_town)} towns in the table, charts: {charts['towns']['bars']} town bars, "
        f"{charts['categories']['bars']} category bars, timeline "
        f"{'unavailable' if timeline['state'] == 'unavailable' else str(timeline['bars']) + ' month bars'}")


CASE_COUNTS = ("open", "overdue", "closed")
CASE_RATES = ("onTimeRate", "reworkRate")
CASE_DAYS = "averageWorkingDaysToClose"


def shown_number(text, percent):
    """The number a panel figure shows ("85.7%", "2.3", "1,204"), or None for "—"."""
    if text == "—":
        return None
    body = (text or "").replace(",", "")
    if percent:
        if not body.endswith("%"):
            raise ValueError(text)
        return float(body[:-1]) / 100
    return float(body)


def case_problems(shot, cases):
    """What the cases panel shows that differs from /stats cases."""
    panel = shot["cases"]
    kpis = panel["kpis"]
    problems = []
    for key in CASE_COUNTS + CASE_RATES + (CASE_DAYS,):
        shown, want = kpis.get(key), cases[key]
        if shown is None:
            problems.append(f"cases panel: no data-case={key!r} element")
            continue
        if (shown["value"] or "") != ("" if want is None else json.dumps(want)):
            problems.append(f"cases panel {key}: data-value {shown['value']!r}, /stats cases.{key} is {want!r}")
        if key in CASE_COUNTS:
            if shown["text"] != fmt(want):
                problems.append(f"cases panel {key}: shows {shown['text']!r}, expected {fmt(want)!r}")
            continue
        try:
            number = shown_number(shown["text"], key in CASE_RATES)
        except ValueError:
            problems.append(f"cases panel {key}: shows {shown['text']!r}, not a figure")
            continue
        # rates to a tenth of a percent, days to a tenth of a day; "—" exactly when /stats has null
        tolerance = 0.0005 if key in CASE_RATES else 0.05
        if (number is None) != (want is None) or (want is not None and abs(number - want) > tolerance + 1e-9):
            problems.append(f"cases panel {key}: shows {shown['text']!r}, /stats cases.{key} is {want!r}")
    alert = "true" if cases["overdue"] > 0 else "false"
    if panel["overdueAlert"] != alert:
        problems.append(f"cases panel: overdue tile data-alert {panel['overdueAlert']!r} with {cases['overdue']} overdue")
    want_bars = {t["townId"]: {"open": t["open"], "overdue": t["overdue"]} for t in cases["byTown"]}
    if panel["bars"] != want_bars:
        problems.append(f"cases chart bars {panel['bars']}, /stats cases.byTown {want_bars}")
    return problems


def describe_cases(shot):
    kpis = shot["cases"]["kpis"]
    return (f"open {kpis['open']['text']}, overdue {kpis['overdue']['text']}, closed {kpis['closed']['text']}, "
            f"on time {kpis['onTimeRate']['text']}, rework {kpis['reworkRate']['text']}, "
            f"days to close {kpis[CASE_DAYS]['text']}, {len(shot['cases']['bars'])} town bars")


def town_visits(shot, town_id):
    value = shot["towns"].get(town_id, {}).get("cells", {}).get("visits")
    return int(value) if value not in (None, "") else None


def check_token_dashboard(binary, browser):
    """With --principals every request needs a token: the page takes a viewer's from its URL
    fragment, drops it from the address bar, streams with it (fetch, since EventSource sends no
    header) and says whose scope it shows; a write by another principal arrives live."""
    directory = tempfile.mkdtemp(prefix="gridwork-browser-test-principals-")
    path = os.path.join(directory, "principals.json")
    tokens = {}
    for pid, role in (("viewer", "viewer"), ("clerk", "district")):
        made = subprocess.run([binary, "principals", "add", "--file", path, "--id", pid, "--name", pid,
                               "--role", role], capture_output=True, text=True, timeout=30)
        if made.returncode != 0:
            raise Failure(f"gridwork principals add failed: {made.stderr.strip()}")
        tokens[pid] = made.stdout.strip()
    server = Server(binary, ["--principals", path])
    try:
        port = server.start()
        base = f"http://127.0.0.1:{port}"
        status, _, _ = API(base).request("GET", "/stats")
        if status != 401:
            raise Failure(f"with --principals, GET /stats without a token answered {status}, not 401")
        browser.navigate(base + "/#token=" + tokens["viewer"])

        def ready(shot):
            if shot.get("ready") != "true":
                return "the page has not rendered /stats with the token"
            if shot["liveState"] != "stream":
                return f"live status {shot['liveState']!r}, not the token stream"
            return None

        shot, took = wait_for(browser, ready, 15, "the dashboard with a viewer token", interval=0.1)
        scope = browser.evaluate("document.getElementById('scope').getAttribute('data-kind')")
        if scope != "district":
            raise Failure(f"the page shows scope {scope!r} for a district-wide viewer")
        if browser.evaluate("location.hash"):
            raise Failure("the token stays in the address bar")
        revision = int(browser.evaluate("document.body.getAttribute('data-revision')"))
        clerk = API(base, tokens["clerk"])
        status, _, body = clerk.request("POST", "/towns", {"name": "浏览器测试镇", "kind": "town"})
        if status != 201:
            raise Failure(f"the clerk's POST /towns answered {status}: {body[:200]!r}")

        def moved(shot):
            shown = int(browser.evaluate("document.body.getAttribute('data-revision')") or 0)
            return None if shown > revision else f"revision still {shown}"

        _, live = wait_for(browser, moved, 5, "a write over the token stream", interval=0.05)
        log(f"ok   with --principals the page took a viewer token from its fragment ({took:.2f} s), "
            f"showed the district scope, and a clerk's write {live:.2f} s later over the token stream")
    finally:
        server.stop()
        shutil.rmtree(directory, ignore_errors=True)


def check_live_update(api, browser, fresh):
    status, _, body = api.request("GET", "/assistance-records?type=visit&limit=1")
    if status != 200 or not json.loads(body).get("data"):
        raise Failure(f"GET /assistance-records?type=visit&limit=1 answered {status} with no record")
    template = json.loads(body)["data"][0]
    grid = api.json(f"/grids/{template['gridId']}")
    town_id = grid.get("townId")
    before_stats = api.json("/stats")
    before_visits = before_stats["gridService"]["visits"]
    before = snapshot(browser)
    before_town = town_visits(before, town_id)

    record = {"type": "visit", "date": "2014-05-01", "cadreId": template["cadreId"],
              "gridId": template["gridId"], "summary": "浏览器测试 browser test"}
    status, headers, body = api.request("POST", "/assistance-records", record)
    posted_at = time.monotonic()
    if status != 201:
        raise Failure(f"POST /assistance-records answered {status}: {body[:300]!r}")
    created = json.loads(body)
    after_stats = api.json("/stats")
    want_visits = before_visits + 1
    if after_stats["gridService"]["visits"] != want_visits:
        raise Failure(f"/stats visits is {after_stats['gridService']['visits']} after the POST, expected {want_visits}")
    want_revision = after_stats["revision"]

    def shows_new(shot):
        element = (shot["figures"].get("gridService.visits") or [{}])[0]
        if element.get("value") != str(want_visits) or element.get("text") != fmt(want_visits):
            return f"visits shows {element.get('text')!r}, expected {fmt(want_visits)}"
        if shot["revisionValue"] is None or int(shot["revisionValue"] or 0) < want_revision:
            return f"revision shows {shot['revisionText']!r}, expected {want_revision}"
        if fresh and element.get("match") != "mismatch":
            return f"G6 is marked {element.get('match')!r} at {fmt(want_visits)}, expected 'mismatch'"
        if before_town is not None and town_visits(shot, town_id) != before_town + 1:
            return f"town {town_id} visits shows {town_visits(shot, town_id)}, expected {before_town + 1}"
        return None

    try:
        shot, _ = wait_for(browser, shows_new, UPDATE_BOUND_S - (time.monotonic() - posted_at),
                           "the new visit")
    except Failure:
        delete_record(api, created)  # leave the store as it was
        raise
    elapsed = time.monotonic() - posted_at
    log(f"ok   {elapsed:.2f} s after POST {created.get('id')} the page shows visits {fmt(want_visits)}, "
        f"revision {shot['revisionText']}, G6 marked {shot['figures']['gridService.visits'][0]['match']!r}, "
        f"{town_id} visits {town_visits(shot, town_id)} (live status {shot['liveState']!r})")
    return created, shot


def delete_record(api, created):
    if created and created.get("id"):
        api.request("DELETE", f"/assistance-records/{created['id']}")


def check_delete(api, browser, created, fresh):
    status, _, body = api.request("DELETE", f"/assistance-records/{created['id']}")
    deleted_at = time.monotonic()
    if status not in (200, 204):
        raise Failure(f"DELETE /assistance-records/{created['id']} answered {status}: {body[:300]!r}")
    stats = api.json("/stats")
    want_visits, want_revision = stats["gridService"]["visits"], stats["revision"]

    def shows_old(shot):
        element = (shot["figures"].get("gridService.visits") or [{}])[0]
        if element.get("value") != str(want_visits):
            return f"visits shows {element.get('text')!r}, expected {fmt(want_visits)}"
        if int(shot["revisionValue"] or 0) < want_revision:
            return f"revision shows {shot['revisionText']!r}, expected {want_revision}"
        if fresh and element.get("match") != "match":
            return f"G6 is marked {element.get('match')!r}, expected 'match'"
        return None

    shot, _ = wait_for(browser, shows_old, UPDATE_BOUND_S - (time.monotonic() - deleted_at), "the deletion")
    log(f"ok   {time.monotonic() - deleted_at:.2f} s after DELETE the page shows visits {fmt(want_visits)} "
        f"again, revision {shot['revisionText']}")


CASE_CLOSURE = [{"action": "accept"}, {"action": "dispatch", "assignee": None}, {"action": "start"},
                {"action": "submit"}, {"action": "check", "passed": True}, {"action": "close", "outcome": "explained"}]


def wait_for_cases(api, browser, since, what):
    """Waits, within UPDATE_BOUND_S of `since`, for the panel to show what /stats now says."""
    stats = api.json("/stats")

    def shows(shot):
        if int(shot["revisionValue"] or 0) < stats["revision"]:
            return f"revision shows {shot['revisionText']!r}, expected {stats['revision']}"
        problems = case_problems(shot, stats["cases"])
        return "; ".join(problems) if problems else None

    shot, _ = wait_for(browser, shows, UPDATE_BOUND_S - (time.monotonic() - since), what)
    return stats, shot


def check_case_live(api, browser, created_cases):
    """A case reported, carried to closure and deleted, each shown live by the cases panel."""
    status, _, body = api.request("GET", "/assistance-records?type=visit&limit=1")
    if status != 200 or not json.loads(body).get("data"):
        raise Failure(f"GET /assistance-records?type=visit&limit=1 answered {status} with no record")
    template = json.loads(body)["data"][0]
    before = api.json("/stats")["cases"]
    status, _, body = api.request("POST", "/cases", {
        "category": "help", "gridId": template["gridId"], "title": "浏览器测试 browser test",
        "description": "路灯不亮 a street light is out", "reportedBy": template["cadreId"], "origin": "visit"})
    posted_at = time.monotonic()
    if status != 201:
        raise Failure(f"POST /cases answered {status}: {body[:300]!r}")
    case = json.loads(body)
    created_cases.append(case["id"])
    stats, shot = wait_for_cases(api, browser, posted_at, "the new case")
    town = case["townId"]
    opened = {t["townId"]: t for t in stats["cases"]["byTown"]}[town]["open"]
    was = {t["townId"]: t for t in before["byTown"]}[town]["open"]
    if stats["cases"]["open"] != before["open"] + 1 or opened != was + 1:
        raise Failure(f"/stats cases open {before['open']} -> {stats['cases']['open']}, {town} {was} -> {opened}")
    log(f"ok   {time.monotonic() - posted_at:.2f} s after POST {case['id']} the cases panel shows open "
        f"{shot['cases']['kpis']['open']['text']} and {town} {shot['cases']['bars'][town]['open']} open")

    for step in CASE_CLOSURE:
        if "assignee" in step:
            step = dict(step, assignee=template["cadreId"])
        status, _, body = api.request("POST", f"/cases/{case['id']}/actions", step)
        if status != 200:
            raise Failure(f"POST /cases/{case['id']}/actions {step} answered {status}: {body[:300]!r}")
    closed_at = time.monotonic()
    stats, shot = wait_for_cases(api, browser, closed_at, "the closed case")
    if stats["cases"]["closed"] != before["closed"] + 1:
        raise Failure(f"/stats cases closed {before['closed']} -> {stats['cases']['closed']} after closing {case['id']}")
    log(f"ok   {time.monotonic() - closed_at:.2f} s after closing it the panel shows {describe_cases(shot)}")

    status, _, body = api.request("DELETE", f"/cases/{case['id']}")
    deleted_at = time.monotonic()
    if status not in (200, 204):
        raise Failure(f"DELETE /cases/{case['id']} answered {status}: {body[:300]!r}")
    created_cases.remove(case["id"])
    stats, shot = wait_for_cases(api, browser, deleted_at, "the deleted case")
    if {k: v for k, v in stats["cases"].items()} != before:
        raise Failure(f"/stats cases after DELETE {stats['cases']} differ from before {before}")
    log(f"ok   {time.monotonic() - deleted_at:.2f} s after DELETE the panel shows the cases it started with")


# ---------------------------------------------------------------------------------------------


def parse_window(text):
    match = re.fullmatch(r"(\d+)x(\d+)", text)
    if not match:
        raise argparse.ArgumentTypeError("expected WIDTHxHEIGHT, e.g. 1366x768")
    return int(match.group(1)), int(match.group(2))


def main():
    parser = argparse.ArgumentParser(description="Browser test of the gridwork dashboard (GET /).")
    parser.add_argument("--binary", help="the gridwork executable to start")
    parser.add_argument("--url", help=argparse.SUPPRESS)  # test an already-running server/proxy
    parser.add_argument("--screenshot", metavar="PATH", help="save a PNG of the page once the checks are done")
    parser.add_argument("--full-page", action="store_true", help="screenshot the whole page, not the viewport")
    parser.add_argument("--chromium", metavar="PATH", help="Chromium/Chrome binary (default: $CHROMIUM or chromium on PATH)")
    parser.add_argument("--window", type=parse_window, default=(1366, 768), metavar="WxH", help="viewport (default 1366x768)")
    parser.add_argument("--token", default=os.environ.get("GRIDWORK_TOKEN"), help="bearer token for the writes ($GRIDWORK_TOKEN)")
    args = parser.parse_args()
    if not args.binary and not args.url:
        parser.error("--binary is required")
    # a CI timeout's SIGTERM still stops the server and the browser (the finally below)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    server = browser = api = None
    created = None  # the record the test wrote, until it is deleted again
    created_cases = []  # likewise the case
    try:
        if args.url:
            base, fresh = args.url.rstrip("/"), False
        else:
            server = Server(args.binary)
            port = server.start()
            base, fresh = f"http://127.0.0.1:{port}", True
            log(f"ok   started {args.binary} on port {port}")
        api = API(base, args.token)
        wait_ready(api)
        check_html(api)
        rows = api.json("/stats/report")
        stats = api.json("/stats")
        if not isinstance(rows, list) or not rows:
            raise Failure(f"/stats/report is not a non-empty array: {str(rows)[:200]}")

        browser = Browser(find_chromium(args.chromium), *args.window)
        product = browser.start()
        log(f"ok   {product} headless, {args.window[0]}x{args.window[1]}")
        browser.navigate(base + "/")

        def rendered(shot):
            if shot.get("ready") != "true":
                return "the page has not rendered /stats yet (body[data-ready] unset)"
            missing = [r["key"] for r in rows if not shot["figures"].get(r["key"])]
            if missing:
                return f"no data-figure for {missing[:5]}"
            if shot["liveState"] not in ("stream", "polling"):
                return f"live status {shot['liveState']!r}"
            charts = shot["charts"]
            if len(charts) < 3 or any(not c or c["state"] == "loading" for c in charts.values()):
                return "charts still loading: " + json.dumps({k: v and v["state"] for k, v in charts.items()})
            return None

        _, took = wait_for(browser, rendered, 15, "the dashboard", interval=0.1)
        shot = snapshot(browser, with_text=True)
        log(f"ok   page rendered in {took:.2f} s: {browser.evaluate('document.title')!r}")
        rows = api.json("/stats/report")  # the live values now
        stats = api.json("/stats")
        check_figures(shot, rows, fresh)
        check_page(shot, stats)

        created, _ = check_live_update(api, browser, fresh)
        record, created = created, None
        check_delete(api, browser, record, fresh)
        if args.screenshot:
            # After the delete the page is back to the seeded figures, as a new user sees it.
            browser.screenshot(args.screenshot, args.full_page)
            log(f"ok   screenshot saved to {args.screenshot}")
        check_case_live(api, browser, created_cases)

        errors = browser.exceptions()
        if errors:
            raise Failure("uncaught JavaScript exceptions or console errors on the page:\n  " + "\n  ".join(errors))
        if not args.url:
            check_token_dashboard(args.binary, browser)
            errors = browser.exceptions()
            if errors:
                raise Failure("exceptions or console errors on the page with a token:\n  " + "\n  ".join(errors))
        log("PASS browser test")
        return 0
    except Failure as failure:
        log(f"FAIL {failure}")
        if browser and browser.exceptions():
            log("     uncaught JavaScript exceptions on the page:\n       " + "\n       ".join(browser.exceptions()))
        if browser and args.screenshot:
            try:
                browser.screenshot(args.screenshot, args.full_page)
                log(f"     screenshot of the failing page saved to {args.screenshot}")
            except Exception:  # noqa: BLE001 - best effort while failing
                pass
        if server:
            log("     server log (tail):\n" + server.tail())
        return 1
    except SetupError as error:
        log(f"ERROR {error}")
        return 2
    except KeyboardInterrupt:
        log("ERROR interrupted")
        return 2
    finally:
        if created and api:
            try:
                delete_record(api, created)
            except OSError:
                pass
        for case_id in created_cases if api else ():
            try:
                api.request("DELETE", f"/cases/{case_id}")
            except OSError:
                pass
        if browser:
            browser.stop()
        if server:
            server.stop()


if __name__ == "__main__":
    sys.exit(main())
