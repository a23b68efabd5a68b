import Foundation
import Glibc
import GridworkStore
import JSON
import TestSupport
import Testing

// What readers may see of a server with a data directory (SPEC §4): no change before it is
// durable, nothing past the last durable revision once the journal fails, and entity tags that
// name one state across restarts. Each test drives the real binary (`GridworkProcess`) over
// sockets; the journal is made to fail from outside by a file-size limit, as a full disk would.

@Suite(.serialized, .blocking)
struct DurabilityTests {
    /// Records each failure as an issue of the running test.
    private func report(_ failures: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        for failure in failures { Issue.record("\(failure)", sourceLocation: sourceLocation) }
    }

    @Test(.timeLimit(.minutes(2)))
    func aFailingJournal_refusesWrites_503_keepsServingTheDurableState_andRestartsClean() async {
        report(await onOwnThread("failing-journal") { failures(of: failingJournal) })
    }

    @Test(.timeLimit(.minutes(3)))
    func aReaderPollingStats_throughKill9Rounds_neverSeesMoreThanSurvives() async {
        report(await onOwnThread("reader-rounds") { ReaderRounds(rounds: 12, writers: 2).run() })
    }

    @Test(.timeLimit(.minutes(2)))
    func etags_nameOneStateForever_acrossRestarts() async {
        report(await onOwnThread("etags-data-dir") { failures(of: etagsWithDataDirectory) })
        report(await onOwnThread("etags-memory") { failures(of: etagsInMemory) })
    }
}

// MARK: - Reading the state

/// What a reader sees of the store through every kind of read but the event stream: `/stats`
/// (body and tag), the town list's total and its CSV export, and the store's metrics.
private struct Visible: Equatable, CustomStringConvertible {
    var statsBody: [UInt8]
    var statsETag: String
    var revision: Int
    var towns: Int
    var csv: [UInt8]
    /// `gridwork_store_revision` and the `gridwork_records` lines of `/metrics`, sorted: the text
    /// format does not fix the order of series, and the Prometheus registry's order varies by process.
    var metrics: [Substring]

    var description: String {
        "/stats \(statsETag) at revision \(revision) (\(statsBody.count) bytes), \(towns) towns listed, "
            + "\(csv.count) bytes of CSV, metrics \(metrics)"
    }
}

extension RawClient {
    /// What readers see now.
    fileprivate func visible() throws(CheckFailure) -> Visible {
        let stats = try exchange("GET", "/stats")
        guard stats.status == 200, let etag = stats.value("ETag"),
            case .int(let revision)? = try? JSONParser.parse(stats.body)["revision"]
        else {
            throw CheckFailure(
                "GET /stats answered \(stats.status) without an ETag or a revision: \(stats.text.prefix(300))")
        }
        let list = try exchange("GET", "/towns?limit=1")
        guard list.status == 200, case .int(let total)? = try? JSONParser.parse(list.body)["total"] else {
            throw CheckFailure("GET /towns?limit=1 answered \(list.status) without a total: \(list.text.prefix(300))")
        }
        let csv = try exchange("GET", "/towns?format=csv")
        let metrics = try exchange("GET", "/metrics")
        let figures = metrics.text.split(separator: "\n").filter {
            $0.hasPrefix("gridwork_store_revision ") || $0.hasPrefix("gridwork_records{")
        }.sorted()
        guard csv.status == 200, metrics.status == 200, !figures.isEmpty else {
            throw CheckFailure("GET /towns?format=csv answered \(csv.status), /metrics \(metrics.status) \(figures)")
        }
        return Visible(
            statsBody: stats.body, statsETag: etag, revision: revision, towns: total, csv: csv.body, metrics: figures)
    }

    /// The first event of `GET /stats/stream` (the state when it was asked for): its id and data.
    /// The connection is left in the stream.
    fileprivate func firstStatsEvent() throws(CheckFailure) -> (id: Substring, data: Substring) {
        do {
            try send("GET /stats/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            // Bounded: each receive waits at most the receive timeout.
            for _ in 0..<1000 {
                let text = String(decoding: bufferedBytes, as: UTF8.self)
                if let start = text.range(of: "event: stats\nid: "),
                    let end = text[start.upperBound...].range(of: "\n\n")
                {
                    let lines = text[start.upperBound..<end.lowerBound].split(separator: "\n")
                    guard lines.count == 2, lines[1].hasPrefix("data: ") else { break }
                    return (lines[0], lines[1].dropFirst("data: ".count))
                }
                try receiveMore()
            }
            throw CheckFailure("GET /stats/stream: no complete first event in \(bufferedBytes.count) bytes")
        } catch let error as CheckFailure {
            throw error
        } catch {
            throw CheckFailure("GET /stats/stream: \(error)")
        }
    }

    /// Checks that `/stats/stream` starts with the state `visible` shows.
    fileprivate func expectStatsEvent(showing visible: Visible) throws(CheckFailure) {
        let event = try firstStatsEvent()
        guard case .string(let epoch)? = try? JSONParser.parse(visible.statsBody)["epoch"],
            event.id == "\(epoch)-\(visible.revision)", event.data.utf8.elementsEqual(visible.statsBody)
        else {
            throw CheckFailure(
                "/stats/stream starts with event \(event.id) (\(event.data.utf8.count) bytes), not the state readers "
                    + "see: \(visible)")
        }
    }

    /// Checks that `METHOD target` is refused as a journal failure: 503, `Retry-After: 60` and a
    /// problem that names the journal.
    fileprivate func expectJournalRefusal(
        _ method: String, _ target: String, fields: [(name: String, value: String)] = [], json body: String? = nil
    ) throws(CheckFailure) {
        let response = try exchange(method, target, fields: fields, json: body)
        guard isJournalRefusal(response) else {
            throw CheckFailure(
                "\(method) \(target) after the journal failed: expected 503, Retry-After: 60 and a problem naming "
                    + "the journal, got \(response.status) Retry-After \(response.value("Retry-After") ?? "none"): "
                    + "\(response.text.prefix(300))")
        }
    }

    /// `GET target` with `If-None-Match: tag`: its status.
    fileprivate func status(of target: String, ifNoneMatch tag: String) throws(CheckFailure) -> Int {
        try exchange("GET", target, fields: [("If-None-Match", tag)]).status
    }
}

/// Whether `response` refuses a write because the journal failed: 503, `Retry-After: 60` and a
/// problem that names the journal.
private func isJournalRefusal(_ response: RawResponse) -> Bool {
    response.status == 503 && response.value("Retry-After") == "60"
        && response.value("Content-Type")?.hasPrefix("application/problem+json") == true
        && response.text.lowercased().contains("journal")
}

// MARK: - A failing journal

/// A file-size limit set on the running server makes its journal fail, as a full disk would. The
/// write that hits it and every later one get 503; every kind of read keeps serving exactly what it
/// served after the last 201; a restart without the limit holds every acknowledged write and no
/// other. Each create carries an `Idempotency-Key`: after the restart an acknowledged one replays,
/// and the refused one, never durable, creates its town anew.
private func failingJournal() throws(CheckFailure) {
    let directory = makeTemporaryDirectory("failing")
    defer { try? FileManager.default.removeItem(atPath: directory) }

    let server = try GridworkProcess.start(directory)
    defer { server.child.killAndReap() }
    let client = try server.connect()
    // Room for a few changes (a town's line is about 230 bytes), then EFBIG.
    let limit = server.journalBytes + 1500
    try server.limitFileSize(to: limit)

    var acknowledged: [Created] = []
    var durable = try client.visible()
    var refused: (name: String, response: RawResponse)?
    func key(_ name: String) -> [(name: String, value: String)] { [("Idempotency-Key", "key-\(name)")] }
    for number in 1...100 {
        let name = "failing-\(number)"
        let response: RawResponse
        do {
            response = try client.exchange("POST", "/towns", fields: key(name), json: Creation.town.body(name))
        } catch {
            let status = server.child.waitForExit(within: .seconds(1)).map { "\($0)" } ?? "still running"
            throw CheckFailure(
                "\(error) (under a \(limit)-byte file-size limit, after \(acknowledged.count) towns; "
                    + "the server is \(status))")
        }
        guard response.status != 503 else {
            refused = (name, response)
            break
        }
        acknowledged.append(try Creation.town.created(response, name: name))
        durable = try client.visible()
    }
    guard let refused else {
        throw CheckFailure(
            "100 towns were created under a \(limit)-byte file-size limit on a \(server.journalBytes)-byte journal")
    }
    guard !acknowledged.isEmpty else { throw CheckFailure("the first write was refused; the limit left no room") }
    guard isJournalRefusal(refused.response) else {
        throw CheckFailure(
            "POST /towns \(refused.name) was refused without Retry-After: 60 or a problem naming the journal: "
                + "\(refused.response.fields) \(refused.response.text)")
    }

    let readiness = try client.exchange("GET", "/readyz")
    guard readiness.status == 503, case .string("journal_failed")? = try? JSONParser.parse(readiness.body)["status"]
    else {
        throw CheckFailure("/readyz after the journal failed: \(readiness.status) \(readiness.text)")
    }
    // Nothing of the refused write, nor of the revision it took, reaches a reader.
    let afterFailure = try client.visible()
    guard afterFailure == durable else {
        throw CheckFailure(
            "after the journal failed readers see \(afterFailure); after the last 201 they saw \(durable)")
    }
    guard try client.status(of: "/stats", ifNoneMatch: durable.statsETag) == 304 else {
        throw CheckFailure("/stats no longer answers 304 to the tag of the durable state \(durable.statsETag)")
    }
    let listed = try client.towns(named: "failing-")
    guard listed.count == acknowledged.count, acknowledged.allSatisfy({ listed[$0.name]?.id == $0.id }) else {
        throw CheckFailure(
            "after the journal failed the list holds \(listed.keys.sorted()), acknowledged \(acknowledged)")
    }

    let events = try server.connect()
    try events.expectStatsEvent(showing: durable)
    events.close()

    try client.expectJournalRefusal("POST", "/admin/compact")
    try client.expectJournalRefusal("POST", "/towns", json: Creation.town.body("failing-later"))
    try client.expectJournalRefusal(
        "POST", "/towns", fields: key(refused.name), json: Creation.town.body(refused.name))
    try client.expectJournalRefusal("PUT", "/towns/\(acknowledged[0].id)", json: Creation.town.body("failing-renamed"))
    try client.expectJournalRefusal("DELETE", "/towns/\(acknowledged[0].id)")
    let afterRefusals = try client.visible()
    guard afterRefusals == durable else {
        throw CheckFailure("after the refused writes readers see \(afterRefusals), not the durable \(durable)")
    }
    client.close()
    try server.stop()

    // A restart without the limit: exactly the durable state, under the same tags, from a journal
    // the failing server already cut back to its durable length.
    let restarted = try GridworkProcess.start(directory)
    defer { restarted.child.killAndReap() }
    guard !restarted.child.stderr.contains("journal.tail_truncated") else {
        throw CheckFailure("the failed write's partial line was left in the journal for the restart to cut")
    }
    let again = try restarted.connect()
    let reloaded = try again.visible()
    guard reloaded == durable else {
        throw CheckFailure("after the restart readers see \(reloaded); before it the durable state was \(durable)")
    }
    let stream = try restarted.connect()
    try stream.expectStatsEvent(showing: durable)
    stream.close()
    let present = try again.towns(named: "failing-")
    guard present.count == acknowledged.count, acknowledged.allSatisfy({ present[$0.name]?.id == $0.id }) else {
        throw CheckFailure(
            "after the restart the failing- towns are \(present.keys.sorted()); acknowledged were "
                + "\(acknowledged.map(\.name))")
    }
    let last = acknowledged[acknowledged.count - 1]
    let replay = try again.exchange("POST", "/towns", fields: key(last.name), json: Creation.town.body(last.name))
    guard try Creation.town.created(replay, name: last.name) == last, try again.visible() == durable else {
        throw CheckFailure("after the restart a retry of \(last) did not replay its 201 without a change")
    }
    let retry = try again.exchange(
        "POST", "/towns", fields: key(refused.name), json: Creation.town.body(refused.name))
    let fresh = try Creation.town.created(retry, name: refused.name)
    guard !acknowledged.contains(where: { $0.id == fresh.id }) else {
        throw CheckFailure("the refused write, retried after the restart, got \(fresh.id), an acknowledged town's id")
    }
    guard try again.storeRevision() == durable.revision + 1 else {
        throw CheckFailure("the first write after the restart did not move /stats from \(durable.revision) by one")
    }
    print(
        "failing journal: \(acknowledged.count) towns acknowledged under a \(limit)-byte limit, then 503s; "
            + "every read kept revision \(durable.revision) (\(durable.statsETag)); the restart served it unchanged, "
            + "replayed \(last.id) and created the refused \(refused.name) as \(fresh.id)")
    again.close()
    try restarted.stop()
}

// MARK: - A reader through kill -9

/// What a reader saw of the store: the most of each figure, over every read.
private struct Seen: Sendable {
    /// `revision` of `/stats`, `gridwork_store_revision` of `/metrics`.
    var revision = 0
    /// `/stats` `gridService.visits`.
    var visits = 0
    /// `/metrics` `gridwork_records{resource="assistance-records"}`.
    var records = 0
    var reads = 0
    /// Whether the reader killed the server, having seen a change no writer was told of yet.
    var killed = false
    var problems: [String] = []
    var end = "running"

    /// What the reader reads, in turn: `/stats`, what dashboards poll, and `/metrics`, which is
    /// cheaper and so shows a fresher state.
    static let targets = ["/stats", "/metrics"]

    /// The revision a read shows: found first, and cheaply, so a kill can follow at once.
    static func revision(_ response: RawResponse) -> Int? {
        let key = isStats(response) ? #""revision":"# : "\ngridwork_store_revision "
        return integer(after: key, in: response.body)
    }

    /// Takes in what a read shows; false when it does not show its figures.
    mutating func take(_ response: RawResponse, revision: Int) -> Bool {
        guard response.status == 200 else { return false }
        if Self.isStats(response) {
            guard let stats = try? JSONParser.parse(response.body), case .int(revision)? = stats["revision"],
                case .int(let visits)? = stats["gridService"]?["visits"]
            else { return false }
            self.visits = max(self.visits, visits)
        } else {
            let key = #"gridwork_records{resource="assistance-records"} "#
            guard let records = Self.integer(after: key, in: response.body) else { return false }
            self.records = max(self.records, records)
        }
        self.revision = max(self.revision, revision)
        reads += 1
        return true
    }

    private static func isStats(_ response: RawResponse) -> Bool {
        response.value("Content-Type")?.hasPrefix("application/json") == true
    }

    /// The decimal integer right after the first `key` in `bytes`.
    private static func integer(after key: String, in bytes: [UInt8]) -> Int? {
        guard let start = bytes.firstRange(of: Array(key.utf8))?.upperBound else { return nil }
        let digits = bytes[start...].prefix { (0x30...0x39).contains($0) }
        return digits.isEmpty ? nil : Int(String(decoding: digits, as: UTF8.self))
    }
}

/// One connection reading `/stats` and `/metrics` in turn until the server goes away or it is
/// stopped, remembering the most it ever saw. When `unacknowledged` says a revision it read is
/// ahead of what the writers were told, it SIGKILLs the server at once: the moment a server that
/// shows changes before they are durable is likeliest to lose the one shown.
///
/// Concurrency: `seen`, `finished` and `stopping` are guarded by `condition`.
private final class StateReader: @unchecked Sendable {
    private let condition = NSCondition()
    private var seen = Seen()
    private var finished = false
    private var stopping = false

    init(
        _ server: GridworkProcess, name: String, unacknowledged: @escaping @Sendable (_ revision: Int) -> Bool
    ) {
        let port = server.port
        let child = server.child
        let thread = Thread { [self] in read(port: port, killing: child, unacknowledged) }
        thread.name = name
        thread.start()
    }

    private func read(port: Int, killing child: ChildProcess, _ unacknowledged: (Int) -> Bool) {
        defer { update { $0.finished = true } }
        let client: RawClient
        do {
            client = try RawClient.connect(port: port, receiveTimeout: .seconds(15))
        } catch {
            update { $0.seen.end = "connect: \(error)" }
            return
        }
        defer { client.close() }
        // Bounded: the server's death or `stop` ends it long before.
        for index in 0..<1_000_000 {
            guard !update({ $0.stopping }) else { return }
            let target = Seen.targets[index % Seen.targets.count]
            let response: RawResponse
            do {
                response = try client.get(target)
            } catch {
                update { $0.seen.end = "\(error)" }
                return
            }
            let revision = Seen.revision(response)
            let kill = revision.map(unacknowledged) ?? false
            if kill { child.signal(SIGKILL) }
            let taken = update { reader in
                guard let revision, reader.seen.take(response, revision: revision) else {
                    reader.seen.problems.append("\(target) answered \(response.status): \(response.text.prefix(200))")
                    reader.seen.end = "stopped after an unexpected answer"
                    return false
                }
                reader.seen.killed = kill
                if kill { reader.seen.end = "killed the server on reading revision \(revision) in \(target)" }
                return true
            }
            if kill || !taken { return }
        }
        update { $0.seen.end = "a million reads" }
    }

    @discardableResult
    private func update<T>(_ body: (StateReader) -> T) -> T {
        condition.lock()
        defer {
            condition.broadcast()
            condition.unlock()
        }
        return body(self)
    }

    /// Blocks until `done` holds or `timeout` passes; whether it held.
    private func wait(within timeout: Duration, until done: () -> Bool) -> Bool {
        let deadline = Date(timeIntervalSinceNow: Double(timeout / .milliseconds(1)) / 1000)
        condition.lock()
        defer { condition.unlock() }
        while !done() {
            if !condition.wait(until: deadline) { return done() }
        }
        return true
    }

    /// Whether the reader has read `reads` times (or ended) within `timeout`.
    func waitForReads(_ reads: Int, within timeout: Duration) -> Bool {
        wait(within: timeout) { seen.reads >= reads || finished }
    }

    /// Asks the reader to stop, waits up to `timeout` for it, and returns what it saw (nil if it
    /// did not stop).
    func stop(within timeout: Duration) -> Seen? {
        update { $0.stopping = true }
        return wait(within: timeout) { finished } ? update { $0.seen } : nil
    }
}

/// What one round left to check after the restart that follows it.
private struct ReaderRound {
    var acknowledged: [Created]
    var seen: Seen
    /// When the reader did not kill the server, the kill landed this many ms into the writing.
    var killAfterMilliseconds: Int
}

/// `rounds` times: start the server on the same directory, check the last round, and let
/// `writers` connections create visits while one reader reads `/stats` and `/metrics`. Once a
/// seeded number of visits is acknowledged, the reader SIGKILLs the server the moment it reads a
/// revision past every acknowledged write (published, not yet answered: the frontier); failing
/// that, the kill lands a seeded 30–200 ms into the writing. After each restart the store holds
/// at least everything the reader saw, and every acknowledged write.
///
/// Visits rather than towns keep `/stats` small and its cost flat, so the reader reads often.
/// What this cannot do is catch every server that shows changes early: a kill -9 leaves the bytes
/// the journal has written in the page cache, synced or not, so such a server loses a change it
/// showed only when the kill lands before the journal's `write`, a window of some hundred
/// microseconds. `aFailingJournal_…` checks the same promise deterministically.
private struct ReaderRounds {
    let rounds: Int
    let writers: Int

    func run() -> [String] {
        let directory = makeTemporaryDirectory("reader")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do {
            print(try runRounds(directory))
            return []
        } catch {
            return [error.description]
        }
    }

    private func runRounds(_ directory: String) throws(CheckFailure) -> String {
        let started = ContinuousClock.now
        var previous: ReaderRound?
        var reads = 0
        var acknowledged = 0
        var killedByReader = 0
        var closest = Int.max  // the smallest lead of a restarted revision over the highest seen
        for round in 1...(rounds + 1) {
            let server: GridworkProcess
            do {
                server = try GridworkProcess.start(directory)
            } catch {
                throw CheckFailure("start \(round) (after round \(round - 1)'s kill) failed: \(error)")
            }
            defer { server.child.killAndReap() }
            let client = try server.connect()
            let revision: Int
            if let previous {
                revision = try verify(previous, round: round - 1, client)
                closest = min(closest, revision - previous.seen.revision)
                reads += previous.seen.reads
                acknowledged += previous.acknowledged.count
                killedByReader += previous.seen.killed ? 1 : 0
            } else {
                revision = try client.storeRevision()
            }
            client.close()
            if round > rounds {
                try server.stop()
                break
            }
            previous = try writeReadAndKill(server, round: round, from: revision)
        }
        let elapsed = ContinuousClock.now - started
        return "reader through kill -9: \(rounds) rounds of \(writers) writers and one reader; \(acknowledged) "
            + "visits acknowledged, \(reads) reads of /stats and /metrics; \(killedByReader) kills by the reader "
            + "on seeing a change not yet acknowledged; every restart held at least what the reader saw (the "
            + "closest by \(closest) revision(s)); " + String(format: "%.1f s in all", elapsed / .seconds(1))
    }

    /// One round on a server at `base`: writers, a reader, and the kill.
    private func writeReadAndKill(_ server: GridworkProcess, round: Int, from base: Int) throws(CheckFailure)
        -> ReaderRound
    {
        var random = SplitMix64(seed: 0x7265_6164_6572 &+ UInt64(round))
        let delay = random.int(in: 30...200)
        let armed = random.int(in: 1...10)
        let writers = RecordWriters(port: server.port, creating: .visit, prefix: "seen", round: round, count: writers)
        guard writers.waitUntilConnected(within: .seconds(10)) else {
            throw CheckFailure("round \(round): the writers could not connect: \(writers.results.map(\.end))")
        }
        // Every revision past `base` is one visit, so one past `base` + acknowledged is a change
        // whose writer has not had its answer yet.
        let reader = StateReader(server, name: "reader-\(round)") { revision in
            let acknowledged = writers.acknowledgedCount
            return acknowledged >= armed && revision > base + acknowledged
        }
        defer { _ = reader.stop(within: .seconds(20)) }
        guard reader.waitForReads(1, within: .seconds(10)) else {
            throw CheckFailure("round \(round): the reader read nothing in 10 s")
        }
        // Chaos, not synchronisation: unless the reader has killed the server by then, the kill
        // lands `delay` ms into the writing, wherever that is.
        if server.child.waitForExit(within: .milliseconds(delay)) == nil { server.child.signal(SIGKILL) }
        let status = server.child.waitForExit(within: .seconds(10))
        guard status == .signaled(SIGKILL) else {
            throw CheckFailure(
                "round \(round): after SIGKILL the server \(status.map { "\($0)" } ?? "is still running")")
        }
        guard writers.waitUntilStopped(within: .seconds(20)), let seen = reader.stop(within: .seconds(20)) else {
            throw CheckFailure("round \(round): writers or the reader still blocked 20 s after the kill")
        }
        let outcomes = writers.results
        let problems = outcomes.flatMap(\.problems) + seen.problems
        guard problems.isEmpty else { throw CheckFailure("round \(round): unexpected answers: \(problems)") }
        guard seen.reads > 0 else { throw CheckFailure("round \(round): the reader read nothing: \(seen.end)") }
        let hung = outcomes.filter { $0.end.contains("timeout") || $0.end.hasPrefix("connect:") }
        guard hung.isEmpty else { throw CheckFailure("round \(round): writers ended badly: \(hung.map(\.end))") }
        return ReaderRound(acknowledged: outcomes.flatMap(\.acknowledged), seen: seen, killAfterMilliseconds: delay)
    }

    /// After the restart that follows `round`: the store is at or past everything the reader saw,
    /// and holds every acknowledged write. Returns the store's revision.
    private func verify(_ last: ReaderRound, round: Int, _ client: RawClient) throws(CheckFailure) -> Int {
        var now = Seen()
        for target in Seen.targets {
            let response = try client.exchange("GET", target)
            guard let revision = Seen.revision(response), now.take(response, revision: revision) else {
                throw CheckFailure("after round \(round): \(target) answered \(response.status) without its figures")
            }
        }
        let seen = last.seen
        let kill = seen.killed ? "killed by the reader" : "kill after \(last.killAfterMilliseconds) ms"
        guard now.revision >= seen.revision, now.visits >= seen.visits, now.records >= seen.records else {
            throw CheckFailure(
                "round \(round) (\(kill)): before the kill a reader saw revision \(seen.revision), \(seen.visits) "
                    + "visits and \(seen.records) assistance records; after the restart the store is at revision "
                    + "\(now.revision) with \(now.visits) visits and \(now.records) records. The reader saw "
                    + "changes that were not durable.")
        }
        let present = try client.created(.visit, named: "seen-\(round)-")
        for visit in last.acknowledged where present[visit.name] != visit.id {
            throw CheckFailure(
                "round \(round) (\(kill)): the acknowledged visit \(visit.name) (\(visit.id)) is "
                    + "\(present[visit.name] ?? "missing") after the restart")
        }
        return now.revision
    }
}

// MARK: - Entity tags across restarts

/// With a data directory the epoch lives in the journal: a restart with no writes serves the same
/// tags, answers 304 to them, and takes a `PUT` conditional on a tag from before it; after a
/// kill -9 the tag of that `PUT` still stands.
private func etagsWithDataDirectory() throws(CheckFailure) {
    let directory = makeTemporaryDirectory("etags")
    defer { try? FileManager.default.removeItem(atPath: directory) }

    let first = try GridworkProcess.start(directory)
    defer { first.child.killAndReap() }
    let client = try first.connect()
    let town = try client.createTown("etag-1")
    let before = try client.visible()
    let record = try client.exchange("GET", "/towns/\(town.id)")
    guard record.status == 200, let recordTag = record.value("ETag") else {
        throw CheckFailure("GET /towns/\(town.id) answered \(record.status) without an ETag")
    }
    guard case .string(let epoch)? = try? JSONParser.parse(before.statsBody)["epoch"],
        before.statsETag == "\"stats-\(epoch)-\(before.revision)\"",
        case .int(let revision)? = try? JSONParser.parse(record.body)["revision"],
        recordTag == "\"\(epoch)-\(revision)\""
    else {
        throw CheckFailure(
            "the tags \(before.statsETag) of /stats and \(recordTag) of /towns/\(town.id) are not "
                + "\"stats-<epoch>-<revision>\" and \"<epoch>-<revision>\" of their bodies")
    }
    client.close()
    try first.stop()

    let second = try GridworkProcess.start(directory)
    defer { second.child.killAndReap() }
    let again = try second.connect()
    let after = try again.visible()
    guard after == before else {
        throw CheckFailure("a restart with no writes changed /stats from \(before) to \(after)")
    }
    guard try again.status(of: "/stats", ifNoneMatch: before.statsETag) == 304 else {
        throw CheckFailure("/stats does not answer 304 after the restart to its tag from before, \(before.statsETag)")
    }
    let reread = try again.exchange("GET", "/towns/\(town.id)")
    guard reread.value("ETag") == recordTag, try again.status(of: "/towns/\(town.id)", ifNoneMatch: recordTag) == 304
    else {
        throw CheckFailure(
            "/towns/\(town.id) was \(recordTag) before the restart, \(reread.value("ETag") ?? "untagged") after it "
                + "(or no 304 to the old tag)")
    }
    let put = try again.exchange(
        "PUT", "/towns/\(town.id)", fields: [("If-Match", recordTag)], json: Creation.town.body("etag-1-renamed"))
    guard put.status == 200, let newTag = put.value("ETag"), newTag != recordTag else {
        throw CheckFailure("PUT with If-Match \(recordTag) from before the restart answered \(put.status): \(put.text)")
    }
    let stale = try again.exchange(
        "PUT", "/towns/\(town.id)", fields: [("If-Match", recordTag)], json: Creation.town.body("etag-1-stale"))
    guard stale.status == 412 else {
        throw CheckFailure("PUT with the superseded tag \(recordTag) answered \(stale.status), not 412")
    }
    let renamed = try again.visible()
    again.close()
    second.child.signal(SIGKILL)
    guard second.child.waitForExit(within: .seconds(10)) == .signaled(SIGKILL) else {
        throw CheckFailure("the server did not die of SIGKILL")
    }

    let third = try GridworkProcess.start(directory)
    defer { third.child.killAndReap() }
    let last = try third.connect()
    guard try last.visible() == renamed, try last.exchange("GET", "/towns/\(town.id)").value("ETag") == newTag else {
        throw CheckFailure("after kill -9 the acknowledged PUT's state or tag \(newTag) did not come back")
    }
    last.close()
    try third.stop()
}

/// Without a data directory each start is a new history: the same revision gets another tag, and
/// no tag from before the restart is answered with 304 or satisfies `If-Match`.
private func etagsInMemory() throws(CheckFailure) {
    let first = try GridworkProcess.start(nil)
    defer { first.child.killAndReap() }
    let client = try first.connect()
    let before = try client.visible()
    let listed = try client.getJSON("/towns?limit=1")
    guard case .array(let data)? = listed["data"], case .string(let id)? = data.first?["id"] else {
        throw CheckFailure("the seed lists no town")
    }
    guard let recordTag = try client.exchange("GET", "/towns/\(id)").value("ETag") else {
        throw CheckFailure("GET /towns/\(id) has no ETag")
    }
    client.close()
    try first.stop()

    let second = try GridworkProcess.start(nil)
    defer { second.child.killAndReap() }
    let again = try second.connect()
    let after = try again.visible()
    guard after.revision == before.revision, after.statsETag != before.statsETag else {
        throw CheckFailure(
            "memory-only restarts at revisions \(before.revision) and \(after.revision) tagged /stats "
                + "\(before.statsETag) and \(after.statsETag): one tag for two histories")
    }
    let statsStatus = try again.status(of: "/stats", ifNoneMatch: before.statsETag)
    let recordStatus = try again.status(of: "/towns/\(id)", ifNoneMatch: recordTag)
    guard statsStatus == 200, recordStatus == 200 else {
        throw CheckFailure(
            "after a memory-only restart the tags from before answer \(statsStatus) (/stats) and \(recordStatus) "
                + "(/towns/\(id)), not 200")
    }
    let record = try again.getJSON("/towns/\(id)")
    guard case .string(let name)? = record["name"], case .string(let kind)? = record["kind"] else {
        throw CheckFailure("GET /towns/\(id) lacks name or kind: \(record)")
    }
    let put = try again.exchange(
        "PUT", "/towns/\(id)", fields: [("If-Match", recordTag)], json: #"{"name":"\#(name)","kind":"\#(kind)"}"#)
    guard put.status == 412 else {
        throw CheckFailure("PUT with If-Match \(recordTag) from before a memory-only restart answered \(put.status)")
    }
    again.close()
    try second.stop()
}
