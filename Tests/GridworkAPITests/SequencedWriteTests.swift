import GridworkStore
import HTTP1
import HTTPResponder
import HTTPTypes
import JSON
import Logging
import Synchronization
import Testing

@testable import GridworkAPI

// Writes handed to a log that sequences them (`WriteDurability.sequencer`, PostgreSQL's shared
// log): the route's work runs when the log says, as often as it says, and the answer is the last
// attempt's, once committed — with the same finishing (CORS, Retry-After) as any response.

/// A sequencer the test drives by hand: it keeps what is submitted.
private final class ManualSequencer: WriteSequencer {
    private let submitted = Mutex<[SequencedWrite]>([])

    func submit(_ write: SequencedWrite) {
        submitted.withLock { $0.append(write) }
    }

    /// The one write submitted since the last call.
    func take() throws -> SequencedWrite {
        let writes = submitted.withLock { writes in
            defer { writes.removeAll() }
            return writes
        }
        try #require(writes.count == 1, "expected one submitted write, got \(writes.count)")
        return writes[0]
    }
}

private final class SequencingDurability: WriteDurability {
    let manual = ManualSequencer()
    let state = Mutex<(failure: String?, staleness: Double?)>((nil, nil))

    func whenDurable(_ revision: Int, _ settled: @escaping @Sendable (String?) -> Void) { settled(nil) }
    var failure: String? { state.withLock { $0.failure } }
    func requestCompaction() -> Bool { true }
    var statistics: (bytes: Int, changes: Int, syncs: Int, failed: Bool) { (0, 0, 0, false) }
    var sequencer: (any WriteSequencer)? { manual }
    var staleness: Double? { state.withLock { $0.staleness } }
    func refusal(_ reason: String) -> APIError { .logUnavailable(reason) }
    var sharedLogStatistics: (conflicts: Int, applied: Int)? { (3, 5) }
}

private struct Harness {
    let store = Store()
    let durability = SequencingDurability()
    let responder: any Responder
    static let origin = "https://dash.example"

    init() {
        responder = makeResponder(
            store: store,
            configuration: APIConfiguration(
                access: AccessPolicy(corsOrigins: [Self.origin]), durability: durability),
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    func send(_ method: HTTPRequest.Method, _ target: String, key: String? = nil, json: String? = nil) -> Response {
        var fields: HTTPFields = [.origin: Self.origin]
        if let key { fields[HTTPField.Name("Idempotency-Key")!] = key }
        return responder.respond(to: .make(target, method: method, fields: fields, json: json))
    }
}

/// The response a gate opens with (the gates here open at once or not at all).
private func opened(_ response: Response) -> Response? {
    let result = Mutex<Response?>(nil)
    response.gate?.whenOpen { replacement in result.withLock { $0 = replacement } }
    return result.withLock { $0 }
}

private func body(_ response: Response) throws -> JSONValue {
    try JSONParser.parse(response.body)
}

struct SequencedWriteTests {
    @Test func aCreateIsAnsweredWithItsLastAttemptOnceCommitted() throws {
        let harness = Harness()
        let waiting = harness.send(.post, "/towns", key: "k-1", json: #"{"name":"新蒲镇","kind":"town"}"#)
        // Nothing has run yet: the log runs it.
        #expect(harness.store.count(.towns) == 0)
        #expect(opened(waiting) == nil)
        let write = try harness.durability.manual.take()
        write.attempt()
        let first = try #require(harness.store.all(.towns).first?.id)
        // Another node got there first: the attempt is taken back and runs again. Its key must be
        // free again, or the second attempt would be refused as a request still in progress.
        write.discarded()
        write.attempt()
        #expect(opened(waiting) == nil, "no answer before the commit")
        write.committed()
        let answer = try #require(opened(waiting))
        #expect(answer.status == .created)
        let second = try #require(harness.store.all(.towns).map(\.id).first { $0 != first })
        #expect(try body(answer)["id"] == .string(second))
        #expect(answer.headerFields[.location] == "/towns/\(second)")
        #expect(answer.headerFields[.accessControlAllowOrigin] == Harness.origin)
        // The key remembers the committed answer.
        let retry = harness.send(.post, "/towns", key: "k-1", json: #"{"name":"新蒲镇","kind":"town"}"#)
        let replay = try harness.durability.manual.take()
        replay.attempt()
        replay.committed()
        let replayed = try #require(opened(retry))
        #expect(try body(replayed)["id"] == .string(second))
        #expect(harness.store.count(.towns) == 2)
    }

    @Test func aRefusalIsTheAnswerOnlyOnceItsBatchCommitted() throws {
        let harness = Harness()
        let waiting = harness.send(.post, "/towns", json: #"{"name":"新蒲镇","kind":"city"}"#)
        let write = try harness.durability.manual.take()
        write.attempt()
        #expect(opened(waiting) == nil)
        write.committed()
        let answer = try #require(opened(waiting))
        #expect(answer.status == .unprocessableContent)
        #expect(answer.headerFields[.contentType] == "application/problem+json")
        #expect(answer.headerFields[.accessControlAllowOrigin] == Harness.origin)
    }

    @Test func aWriteTheLogCannotMakeIs503WithRetryAfterAndFreesItsKey() throws {
        let harness = Harness()
        let json = #"{"name":"新蒲镇","kind":"town"}"#
        let waiting = harness.send(.post, "/towns", key: "k-2", json: json)
        let write = try harness.durability.manual.take()
        write.attempt()
        write.failed("the change log's database cannot be reached (connection refused)")
        let answer = try #require(opened(waiting))
        #expect(answer.status == .serviceUnavailable)
        #expect(answer.headerFields[.retryAfter] == "2")
        #expect(answer.headerFields[.accessControlAllowOrigin] == Harness.origin)
        #expect(try body(answer)["detail"]?.text?.contains("connection refused") == true)
        // The key was not kept: the retry runs as a new request.
        _ = harness.send(.post, "/towns", key: "k-2", json: json)
        let again = try harness.durability.manual.take()
        again.attempt()
        again.committed()
        #expect(harness.store.count(.towns) == 2)
    }

    @Test func whileTheLogIsOutOfReachWritesAreRefusedAtOnceAndReadsSayHowStale() throws {
        let harness = Harness()
        harness.durability.state.withLock { $0 = ("the change log's database cannot be reached (down)", 12.34) }
        let write = harness.send(.post, "/towns", json: #"{"name":"新蒲镇","kind":"town"}"#)
        #expect(write.status == .serviceUnavailable)
        #expect(write.headerFields[.retryAfter] == "2")
        let read = harness.send(.get, "/stats")
        #expect(read.status == .ok)
        #expect(read.headerFields[HTTPField.Name("Gridwork-Stale-Seconds")!] == "12.3")
        let ready = harness.send(.get, "/readyz")
        #expect(ready.status == .serviceUnavailable)
        #expect(try body(ready)["status"] == .string("stale"))
        #expect(try body(ready)["staleSeconds"] == .double(12.3))
        let metrics = String(decoding: harness.send(.get, "/metrics").body, as: UTF8.self)
        let samples = Dictionary(
            metrics.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap { line in
                line.split(separator: " ").count == 2
                    ? (String(line.split(separator: " ")[0]), Double(line.split(separator: " ")[1])) : nil
            }, uniquingKeysWith: { first, _ in first })
        #expect(samples["gridwork_log_conflicts_total"] == 3)
        #expect(samples["gridwork_log_applied_total"] == 5)
        #expect(samples["gridwork_log_stale"] == 1)
        harness.durability.state.withLock { $0 = (nil, nil) }
        #expect(harness.send(.get, "/stats").headerFields[HTTPField.Name("Gridwork-Stale-Seconds")!] == nil)
        #expect(harness.send(.get, "/readyz").status == .ok)
    }

    @Test func aResetIsRefusedWhenTheLogIsShared() throws {
        let harness = Harness()
        let response = harness.send(.post, "/admin/reset")
        #expect(response.status == .conflict)
        #expect(try body(response)["detail"]?.text?.contains("--postgres") == true)
    }
}
