import Foundation
import Glibc
import GridworkStore
import JSON
import TestSupport
import Testing

// The change feed and records' histories of the real binary (`GridworkProcess`) with a data
// directory: across an online compaction and a restart, a consumer of `/changes` from 0 reaches
// the server's records exactly and a record's history keeps every revision; an event stream
// resumes with `Last-Event-ID`, across a restart too.

@Suite(.serialized, .blocking)
struct ChangeFeedProcessTests {
    private func report(_ failures: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        for failure in failures { Issue.record("\(failure)", sourceLocation: sourceLocation) }
    }

    @Test(.timeLimit(.minutes(3)))
    func theFeedAndHistories_surviveACompactionAndARestart_andReplayToTheServersRecords() async {
        report(await onOwnThread("feed-restart") { failures(of: feedAcrossCompactionAndRestart) })
    }

    @Test(.timeLimit(.minutes(3)))
    func anEventStream_resumesWithLastEventID_liveAndAcrossARestart() async {
        report(await onOwnThread("feed-stream") { failures(of: streamResumes) })
    }
}

private func feedAcrossCompactionAndRestart() throws(CheckFailure) {
    let directory = makeTemporaryDirectory("feed")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    var server = try GridworkProcess.start(directory)
    defer { server.child.killAndReap() }
    var client = try server.connect()
    try client.expect("POST", "/towns", json: #"{"name":"新蒲镇","kind":"town"}"#, 201)
    try client.expect("PATCH", "/grids/grid-0001", json: #"{"households":11}"#, 200)
    try client.expect("DELETE", "/towns/town-gaoping?cascade=true", 204)
    try client.expect("POST", "/admin/compact", 202)
    guard eventually(within: .seconds(20), { server.journalBytes < 100 }) else {
        throw CheckFailure("the journal was not compacted: \(server.journalBytes) bytes")
    }
    try client.expect("PATCH", "/grids/grid-0001", json: #"{"households":22}"#, 200)
    try server.stop()
    let archived = (try? FileManager.default.contentsOfDirectory(atPath: directory + "/history")) ?? []
    guard archived.count == 1 else { throw CheckFailure("history/ holds \(archived), not one retired journal") }

    server = try GridworkProcess.start(directory)
    client = try server.connect()
    let history = try client.getJSON("/grids/grid-0001/history")
    guard case .array(let entries)? = history["data"] else { throw CheckFailure("no history: \(history)") }
    let revisions = entries.map { $0["revision"] }
    guard revisions == [.int(1), .int(2), .int(3)], entries.first?["seq"] == .int(1),
        entries.first?["by"] == .string("seed"), entries.last?["patch"]?["households"] == .int(22),
        history["truncated"] == .bool(false)
    else { throw CheckFailure("grid-0001's history after a compaction and a restart: \(history)") }
    let town = try client.getJSON("/towns/town-gaoping/history")
    guard case .array(let townEntries)? = town["data"], townEntries.last?["deleted"] == .bool(true) else {
        throw CheckFailure("the deleted town's history: \(town)")
    }

    let changes = try client.feed()
    let seqs = changes.compactMap { if case .int(let seq)? = $0["seq"] { seq } else { nil } }
    let revision = try client.storeRevision()
    guard seqs == Array(2...revision) else { throw CheckFailure("the feed's seqs \(seqs), the store at \(revision)") }
    var consumer = FeedConsumer(seed: SeedGenerator.generate())
    for change in changes { consumer.apply(change) }
    let differences = consumer.differences(from: try client.everyRecord())
    guard differences.isEmpty else { throw CheckFailure("the replayed feed differs from the server: \(differences)") }
    try server.stop()
}

private func streamResumes() throws(CheckFailure) {
    let directory = makeTemporaryDirectory("feed-stream")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    var server = try GridworkProcess.start(directory)
    defer { server.child.killAndReap() }
    let client = try server.connect()
    for households in [1, 2] {
        try client.expect("PATCH", "/grids/grid-0001", json: #"{"households":\#(households)}"#, 200)
    }
    guard case .string(let epoch)? = try client.getJSON("/changes")["epoch"] else {
        throw CheckFailure("/changes names no epoch")
    }
    let stream = try EventStreamReader(port: server.port, lastEventID: "\(epoch)-2")
    try stream.wait(for: ["\(epoch)-3"])
    try client.expect("PATCH", "/grids/grid-0001", json: #"{"households":3}"#, 200)
    try stream.wait(for: ["\(epoch)-3", "\(epoch)-4"])
    try server.stop()

    server = try GridworkProcess.start(directory)
    let resumed = try EventStreamReader(port: server.port, lastEventID: "\(epoch)-3")
    try resumed.wait(for: ["\(epoch)-4"])
    try server.connect().expect("PATCH", "/grids/grid-0001", json: #"{"households":4}"#, 200)
    try resumed.wait(for: ["\(epoch)-4", "\(epoch)-5"])
    try server.stop()
}

/// `GET /changes` as an event stream on a raw socket, its `id:`s collected as they arrive.
private final class EventStreamReader {
    let client: RawClient

    init(port: Int, lastEventID: String) throws(CheckFailure) {
        do {
            client = try RawClient.connect(port: port, receiveTimeout: .milliseconds(250))
            try client.send(
                "GET /changes HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
                    + "Last-Event-ID: \(lastEventID)\r\n\r\n")
        } catch {
            throw CheckFailure("GET /changes as an event stream: \(error)")
        }
    }

    /// The `id:`s of the `event: change` blocks so far.
    var ids: [String] {
        let text = String(decoding: client.bufferedBytes, as: UTF8.self)
        return text.components(separatedBy: "event: change\n").dropFirst().compactMap { block in
            guard block.hasPrefix("id: "), let end = block.firstIndex(of: "\n") else { return nil }
            return String(block[block.index(block.startIndex, offsetBy: 4)..<end])
        }
    }

    /// Reads until the ids are exactly `expected`; throws when they are not within 10 seconds.
    func wait(for expected: [String]) throws(CheckFailure) {
        let deadline = ContinuousClock.now + .seconds(10)
        while ids != expected {
            guard ContinuousClock.now < deadline, ids.count <= expected.count else {
                throw CheckFailure("the event stream's ids are \(ids), expected \(expected)")
            }
            do {
                try client.receiveMore()
            } catch .timedOut {
                continue
            } catch {
                throw CheckFailure("the event stream ended: \(error)")
            }
        }
    }
}

extension RawClient {
    /// `method target` (with a JSON body) must answer `status`.
    fileprivate func expect(_ method: String, _ target: String, json: String? = nil, _ status: Int)
        throws(CheckFailure)
    {
        let response = try exchange(method, target, json: json)
        guard response.status == status else {
            throw CheckFailure("\(method) \(target) answered \(response.status): \(response.text.prefix(300))")
        }
    }

    /// Every change of the feed from 0, page by page.
    fileprivate func feed() throws(CheckFailure) -> [JSONValue] {
        try walk("/changes?after=0&limit=500") { "/changes?limit=500&cursor=\($0)" }
    }

    /// Every record the server lists, by resource and id.
    fileprivate func everyRecord() throws(CheckFailure) -> [String: [String: JSONValue]] {
        var records: [String: [String: JSONValue]] = [:]
        for kind in ResourceKind.allCases {
            for record in try walk("/\(kind.rawValue)?limit=500", { "/\(kind.rawValue)?limit=500&cursor=\($0)" }) {
                guard case .string(let id)? = record["id"] else { throw CheckFailure("a record without an id") }
                records[kind.rawValue, default: [:]][id] = record
            }
        }
        return records
    }

    /// The `data` of every page from `first` on, following `next` with `target(next)`.
    private func walk(_ first: String, _ target: (String) -> String) throws(CheckFailure) -> [JSONValue] {
        var items: [JSONValue] = []
        var page = try getJSON(first)
        for _ in 0..<10_000 {
            guard case .array(let data)? = page["data"] else { throw CheckFailure("GET \(first): no data array") }
            items += data
            guard case .string(let next)? = page["next"] else { return items }
            page = try getJSON(target(next))
        }
        throw CheckFailure("GET \(first): no end after 10000 pages")
    }
}
