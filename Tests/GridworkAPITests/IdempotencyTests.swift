import GridworkStore
import HTTP1
import HTTPResponder
import HTTPTypes
import JSON
import Logging
import Synchronization
import Testing
import TokenDigest

@testable import GridworkAPI

// `Idempotency-Key` on POST (`IdempotencyKeys`) and the write path's durability seam
// (`WriteDurability`), through the responder the server runs, over a fresh empty store per test.
// Writes create towns and villages, which need nothing else in the store.

/// The API over an empty store with its own key table (and, optionally, durability).
private struct IdempotencyHarness {
    let store: Store
    let keys: IdempotencyKeys
    let responder: any Responder

    init(
        store: Store = Store(),
        keys: IdempotencyKeys = IdempotencyKeys(),
        durability: (any WriteDurability)? = nil,
        compressionMinimumBytes: Int = 1024
    ) {
        self.store = store
        self.keys = keys
        responder = makeResponder(
            store: store,
            configuration: APIConfiguration(
                compressionMinimumBytes: compressionMinimumBytes, durability: durability, idempotency: keys),
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        )
    }

    /// Sends `method` to `target` with `fields` and, when given, a JSON body.
    func send(
        _ method: HTTPRequest.Method, _ target: String, _ fields: HTTPFields = [:], json: String? = nil
    ) -> Response {
        responder.respond(to: .make(target, method: method, fields: fields, json: json))
    }

    /// `POST path` with `json` and, when given, an `Idempotency-Key`.
    func post(_ path: String, _ json: String, key: String? = nil) -> Response {
        send(.post, path, key.map { [IdempotencyHarness.keyField: $0] } ?? [:], json: json)
    }

    /// The store revision and the count of every resource.
    var state: [Int] { [store.revision] + ResourceKind.allCases.map { store.count($0) } }

    static let keyField = HTTPField.Name("Idempotency-Key")!
    static let replayed = HTTPField.Name("Idempotent-Replayed")!
}

private enum Bodies {
    static let town = #"{"name":"新蒲镇","kind":"town"}"#
    static let otherTown = #"{"name":"新舟镇","kind":"town"}"#
    static let invalidTown = #"{"name":"新蒲镇","kind":"city"}"#

    static func village(in townID: String) -> String {
        #"{"name":"交通村","kind":"village","townId":"\#(townID)"}"#
    }
}

/// Seconds a test sets by hand.
private final class ManualClock: Sendable {
    private let seconds = Atomic<Int>(1_700_000_000)

    var now: Int { seconds.load(ordering: .relaxed) }

    func advance(by delta: Int) {
        seconds.add(delta, ordering: .relaxed)
    }

    func keys(lifetimeSeconds: Int = 24 * 3600, budgetBytes: Int = 32 << 20) -> IdempotencyKeys {
        IdempotencyKeys(lifetimeSeconds: lifetimeSeconds, budgetBytes: budgetBytes, clock: { self.now })
    }
}

/// Keeps every change the store commits, as a journal would.
private final class RecordingLog: ChangeLog {
    private let changes = Mutex<[Change]>([])

    func append(_ change: Change) {
        changes.withLock { $0.append(change) }
    }

    var recorded: [Change] { changes.withLock { $0 } }
}

/// The last path segment of a `Location`.
private func id(from response: Response) throws -> String {
    let location = try #require(response.headerFields[.location])
    return String(location.split(separator: "/").last ?? "")
}

/// A problem body with `status`, whose detail mentions `mention`.
private func expectProblem(
    _ response: Response, _ status: HTTPResponse.Status, mentioning mention: String,
    sourceLocation: SourceLocation = #_sourceLocation
) throws {
    #expect(response.status == status, sourceLocation: sourceLocation)
    #expect(response.headerFields[.contentType] == "application/problem+json", sourceLocation: sourceLocation)
    let problem = try JSONParser.parse(response.body)
    #expect(problem["status"]?.number == status.code, sourceLocation: sourceLocation)
    let detail = problem["detail"]?.text ?? ""
    #expect(detail.contains(mention), "detail: \(detail)", sourceLocation: sourceLocation)
}

/// `response` is a replay of `original`: same status, body, Location and ETag, marked as replayed.
private func expectReplay(
    _ response: Response, of original: Response, sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(response.status == original.status, sourceLocation: sourceLocation)
    #expect(response.body == original.body, sourceLocation: sourceLocation)
    #expect(response.headerFields[.location] == original.headerFields[.location], sourceLocation: sourceLocation)
    #expect(response.headerFields[.eTag] == original.headerFields[.eTag], sourceLocation: sourceLocation)
    #expect(response.headerFields[.contentType] == original.headerFields[.contentType], sourceLocation: sourceLocation)
    #expect(response.headerFields[IdempotencyHarness.replayed] == "true", sourceLocation: sourceLocation)
}

struct IdempotencyTests {
    // MARK: Replay and mismatch

    @Test func retry_withSameKeyAndBody_replaysFirstResponse_andCreatesNothing() throws {
        let harness = IdempotencyHarness()

        let first = harness.post("/towns", Bodies.town, key: "create-town-1")
        let afterFirst = harness.state
        let retry = harness.post("/towns", Bodies.town, key: "create-town-1")
        let again = harness.post("/towns", Bodies.town, key: "create-town-1")

        #expect(first.status == .created)
        #expect(first.headerFields[.location] != nil)
        #expect(first.headerFields[.eTag] != nil)
        #expect(first.headerFields[IdempotencyHarness.replayed] == nil, "the first response is not a replay")
        expectReplay(retry, of: first)
        expectReplay(again, of: first)
        #expect(harness.state == afterFirst, "a replay changes nothing, not even the revision")
        #expect(harness.store.count(.towns) == 1)
    }

    @Test func post_withoutKey_isNotDeduplicated() {
        let harness = IdempotencyHarness()
        #expect(harness.post("/towns", Bodies.town).status == .created)
        #expect(harness.post("/towns", Bodies.town).status == .created)
        #expect(harness.store.count(.towns) == 2)
        #expect(harness.keys.usage.keys == 0)
    }

    @Test func differentKeys_createSeparately() throws {
        let harness = IdempotencyHarness()
        let first = harness.post("/towns", Bodies.town, key: "key-a")
        let second = harness.post("/towns", Bodies.town, key: "key-b")
        #expect(first.status == .created)
        #expect(second.status == .created)
        #expect(try id(from: first) != id(from: second))
        #expect(harness.store.count(.towns) == 2)
    }

    @Test func sameKey_withOtherBody_is422_andCreatesNothing() throws {
        let harness = IdempotencyHarness()
        #expect(harness.post("/towns", Bodies.town, key: "reused").status == .created)
        let before = harness.state

        let response = harness.post("/towns", Bodies.otherTown, key: "reused")

        try expectProblem(response, .unprocessableContent, mentioning: "Idempotency-Key")
        #expect(response.headerFields[IdempotencyHarness.replayed] == nil)
        #expect(harness.state == before)
        // The original is still what the key replays.
        #expect(harness.post("/towns", Bodies.town, key: "reused").headerFields[IdempotencyHarness.replayed] == "true")
    }

    @Test func sameKey_onOtherPath_is422_andCreatesNothing() throws {
        let harness = IdempotencyHarness()
        let town = harness.post("/towns", Bodies.town, key: "shared-key")
        let townID = try id(from: town)
        let before = harness.state

        // A body that is valid for /villages, so only the key can refuse it.
        let response = harness.post("/villages", Bodies.village(in: townID), key: "shared-key")

        try expectProblem(response, .unprocessableContent, mentioning: "Idempotency-Key")
        #expect(harness.state == before)
        #expect(harness.post("/villages", Bodies.village(in: townID), key: "fresh-key").status == .created)
    }

    // MARK: Malformed keys

    @Test(arguments: [
        "", String(repeating: "k", count: 256), "has space", "tab\tinside", "ключ", "clé-ü",
    ])
    func malformedKey_is400_andCreatesNothing(key: String) throws {
        let harness = IdempotencyHarness()
        let before = harness.state

        let response = harness.post("/towns", Bodies.town, key: key)

        try expectProblem(response, .badRequest, mentioning: "Idempotency-Key")
        #expect(harness.state == before)
        #expect(harness.keys.usage.keys == 0)
    }

    @Test func malformedKey_is400_evenWhenTheBodyIsInvalidToo() throws {
        let harness = IdempotencyHarness()
        let before = harness.state
        let response = harness.post("/towns", Bodies.invalidTown, key: "has space")
        try expectProblem(response, .badRequest, mentioning: "Idempotency-Key")
        #expect(harness.state == before)
    }

    @Test func retry_afterTheDataChanged_stillReplaysTheFirstAnswer() throws {
        // The village's town is deleted after the create; validating the retry again would refuse
        // it (422, no such town), but a retry gets the answer the first request got.
        let harness = IdempotencyHarness()
        let townID = try id(from: harness.post("/towns", Bodies.town))
        let created = harness.post("/villages", Bodies.village(in: townID), key: "village-once")
        #expect(created.status == .created)
        try harness.store.delete(.towns, id: townID, cascade: true)
        #expect(harness.store.count(.villages) == 0)

        expectReplay(harness.post("/villages", Bodies.village(in: townID), key: "village-once"), of: created)
        #expect(harness.store.count(.villages) == 0, "the replay created nothing")
    }

    @Test(arguments: ["a", String(repeating: "k", count: 255), "!#$%&'*+-.^_`|~0123456789:/?@[]{}\"\\"])
    func wellFormedKey_atTheLimits_isAccepted(key: String) {
        let harness = IdempotencyHarness()
        let first = harness.post("/towns", Bodies.town, key: key)
        let retry = harness.post("/towns", Bodies.town, key: key)
        #expect(first.status == .created)
        expectReplay(retry, of: first)
        #expect(harness.store.count(.towns) == 1)
    }

    // MARK: Failures do not burn the key

    @Test func invalidCreate_doesNotBurnTheKey() throws {
        let harness = IdempotencyHarness()

        let refused = harness.post("/towns", Bodies.invalidTown, key: "try-again")
        let corrected = harness.post("/towns", Bodies.town, key: "try-again")

        #expect(refused.status == .unprocessableContent)
        #expect(corrected.status == .created)
        #expect(corrected.headerFields[IdempotencyHarness.replayed] == nil)
        #expect(harness.store.count(.towns) == 1)
    }

    @Test func createRefusedByTheStore_doesNotBurnTheKey() throws {
        // A dangling townId passes the schema and is refused by the store under its lock, after
        // the key was taken: the key must be released, not left in flight or remembered.
        let harness = IdempotencyHarness()
        let townID = try id(from: harness.post("/towns", Bodies.town))
        let before = harness.state

        let refused = harness.post("/villages", Bodies.village(in: "town-nowhere"), key: "village-1")
        #expect(refused.status == .unprocessableContent)
        #expect(harness.state == before)
        #expect(harness.keys.usage.keys == 0)

        let corrected = harness.post("/villages", Bodies.village(in: townID), key: "village-1")
        #expect(corrected.status == .created)
        #expect(harness.store.count(.villages) == 1)
        expectReplay(harness.post("/villages", Bodies.village(in: townID), key: "village-1"), of: corrected)
    }

    // MARK: In flight

    @Test func keyInFlight_is409_andCreatesNothing_untilItFinishes() throws {
        let harness = IdempotencyHarness()
        // Another request holds the key, as if it were still running.
        let slot = IdempotencyKeys.slot("busy", owner: Principal.openAccess.id)
        guard case .proceed = harness.keys.begin(key: slot, fingerprint: "other-request") else {
            Issue.record("a fresh key should proceed")
            return
        }
        let before = harness.state

        let response = harness.post("/towns", Bodies.town, key: "busy")

        try expectProblem(response, .conflict, mentioning: "busy")
        #expect(harness.state == before)

        harness.keys.finish(key: slot, entry: nil)
        #expect(harness.post("/towns", Bodies.town, key: "busy").status == .created)
    }

    @Test func beginAndFinish_followTheKeyLifecycle() {
        let keys = ManualClock().keys()
        let created = Response(
            status: .created, headerFields: [.location: "/towns/town-01", .eTag: "\"1\""],
            body: Array(#"{"id":"town-01"}"#.utf8))

        guard case .proceed = keys.begin(key: "k", fingerprint: "f") else {
            Issue.record("first begin proceeds")
            return
        }
        guard case .inProgress = keys.begin(key: "k", fingerprint: "f") else {
            Issue.record("a second begin while the first runs is in progress")
            return
        }
        keys.finish(key: "k", entry: nil)
        guard case .proceed = keys.begin(key: "k", fingerprint: "f") else {
            Issue.record("a key whose request failed may be used again")
            return
        }
        keys.finish(key: "k", entry: keys.entry(fingerprint: "f", expires: Int.max / 2, response: created))
        guard case .replay(let replay) = keys.begin(key: "k", fingerprint: "f") else {
            Issue.record("a finished key replays")
            return
        }
        #expect(replay.status == .created)
        #expect(replay.body == created.body)
        #expect(replay.headerFields[.location] == "/towns/town-01")
        #expect(replay.headerFields[.eTag] == "\"1\"")
        guard case .mismatch = keys.begin(key: "k", fingerprint: "g") else {
            Issue.record("another request with the key is a mismatch")
            return
        }
        #expect(keys.usage.keys == 1)
    }

    // MARK: Lifetime and budget

    @Test func key_isRemembered_forItsLifetime_thenForgotten() throws {
        let clock = ManualClock()
        let harness = IdempotencyHarness(keys: clock.keys(lifetimeSeconds: 60))
        let first = harness.post("/towns", Bodies.town, key: "short-lived")

        clock.advance(by: 59)
        expectReplay(harness.post("/towns", Bodies.town, key: "short-lived"), of: first)
        #expect(harness.store.count(.towns) == 1)

        clock.advance(by: 2)
        let late = harness.post("/towns", Bodies.town, key: "short-lived")
        #expect(late.status == .created)
        #expect(late.headerFields[IdempotencyHarness.replayed] == nil)
        #expect(try id(from: late) != id(from: first))
        #expect(harness.store.count(.towns) == 2)
        // The new response is the one remembered now.
        expectReplay(harness.post("/towns", Bodies.town, key: "short-lived"), of: late)
    }

    @Test func defaultLifetime_is24Hours() {
        #expect(IdempotencyKeys().lifetimeSeconds == 24 * 3600)
    }

    @Test func smallBudget_evictsTheOldestKeys_andStaysWithinIt() throws {
        let clock = ManualClock()
        let budget = 1_000
        let harness = IdempotencyHarness(keys: clock.keys(budgetBytes: budget))
        var responses: [Response] = []

        for index in 0..<8 {
            clock.advance(by: 1)
            responses.append(harness.post("/towns", Bodies.town, key: "budget-\(index)"))
            #expect(responses[index].status == .created)
            let usage = harness.keys.usage
            #expect(usage.bytes <= budget, "usage \(usage.bytes) over the budget after \(index + 1) keys")
            #expect(usage.bytes > 0)
        }
        let usage = harness.keys.usage
        #expect(usage.keys >= 1 && usage.keys < 8, "some keys were evicted, the newest kept: \(usage)")

        // The newest is kept; the oldest was evicted, so its retry creates another record.
        expectReplay(harness.post("/towns", Bodies.town, key: "budget-7"), of: responses[7])
        #expect(harness.store.count(.towns) == 8)
        let retryOfOldest = harness.post("/towns", Bodies.town, key: "budget-0")
        #expect(retryOfOldest.status == .created)
        #expect(retryOfOldest.headerFields[IdempotencyHarness.replayed] == nil)
        #expect(harness.store.count(.towns) == 9)
        #expect(harness.keys.usage.bytes <= budget)
    }

    // MARK: Export, restore and the journal

    @Test func exportThenRestore_replaysTheSameResponse() throws {
        let clock = ManualClock()
        let store = Store()
        let original = IdempotencyHarness(store: store, keys: clock.keys())
        let first = original.post("/towns", Bodies.town, key: "survives-restart")
        let second = original.post("/towns", Bodies.otherTown, key: "also-survives")

        let restoredKeys = clock.keys()
        restoredKeys.restore(original.keys.export().map { Annotation($0) }, epoch: store.epoch)
        let restarted = IdempotencyHarness(store: store, keys: restoredKeys)
        let before = restarted.state

        #expect(restoredKeys.usage.keys == 2)
        #expect(restoredKeys.usage.bytes == original.keys.usage.bytes)
        expectReplay(restarted.post("/towns", Bodies.town, key: "survives-restart"), of: first)
        expectReplay(restarted.post("/towns", Bodies.otherTown, key: "also-survives"), of: second)
        try expectProblem(
            restarted.post("/towns", Bodies.otherTown, key: "survives-restart"), .unprocessableContent,
            mentioning: "Idempotency-Key")
        #expect(restarted.state == before)
    }

    @Test func journalAnnotation_restoresTheKey() throws {
        // What a keyed create hands the journal is enough to replay it after a restart.
        let log = RecordingLog()
        let store = Store()
        store.attach(log)
        let clock = ManualClock()
        let harness = IdempotencyHarness(store: store, keys: clock.keys())

        _ = harness.post("/towns", Bodies.invalidTown, key: "journaled")
        _ = harness.post("/towns", Bodies.otherTown)
        let first = harness.post("/towns", Bodies.town, key: "journaled")

        let changes = log.recorded
        #expect(changes.count == 2, "one change per successful create")
        #expect(changes.first?.annotation == nil, "a create without a key carries no annotation")
        let restoredKeys = clock.keys()
        restoredKeys.restore(
            changes.compactMap { change in change.annotation.map { Annotation($0, puts: change.puts) } },
            epoch: store.epoch)
        #expect(restoredKeys.usage.keys == 1)
        let restarted = IdempotencyHarness(store: store, keys: restoredKeys)
        expectReplay(restarted.post("/towns", Bodies.town, key: "journaled"), of: first)
        // Nothing published these changes (the log is no journal), so count the head.
        #expect(store.capture().records.filter { $0.0 == .towns }.count == 2)
    }

    @Test func restore_ignoresUnrelatedAnnotations_andExpiredKeys() {
        let clock = ManualClock()
        let harness = IdempotencyHarness(keys: clock.keys(lifetimeSeconds: 60))
        _ = harness.post("/towns", Bodies.town, key: "old")
        let exported = harness.keys.export()
        #expect(exported.count == 1)

        let unrelated = clock.keys()
        unrelated.restore(
            [.object([("other", .int(1))]), .object([("idempotency", .object([("key", .string("x"))]))])].map {
                Annotation($0)
            }, epoch: "00000000")
        #expect(unrelated.usage.keys == 0)

        clock.advance(by: 61)
        let expired = clock.keys(lifetimeSeconds: 60)
        expired.restore(exported.map { Annotation($0) }, epoch: harness.store.epoch)
        #expect(expired.usage.keys == 0, "a key past its lifetime is not taken back")
        #expect(expired.export().isEmpty)
    }
}

// MARK: - Durability

/// A `WriteDurability` whose failure a test sets: every revision asked about settles at once
/// (durable, or the failure). Records the compactions asked of it.
private final class FakeDurability: WriteDurability {
    private struct State {
        var failure: String?
        var compactions = 0
        /// While set, nothing settles until `release`.
        var holding = false
        var held: [@Sendable (String?) -> Void] = []
    }

    private let state = Mutex(State())

    func whenDurable(_ revision: Int, _ settled: @escaping @Sendable (String?) -> Void) {
        let now: String?? = state.withLock { state in
            guard state.holding else { return .some(state.failure) }
            state.held.append(settled)
            return nil
        }
        if let now { settled(now) }
    }

    /// Holds every later revision back, as a slow disk would.
    func hold() {
        state.withLock { $0.holding = true }
    }

    /// Settles what was held: durable, or failed with `failure`.
    func release(failing failure: String? = nil) {
        let held = state.withLock { state in
            state.holding = false
            state.failure = failure
            defer { state.held.removeAll() }
            return state.held
        }
        for settled in held { settled(failure) }
    }

    var failure: String? { state.withLock { $0.failure } }

    func requestCompaction() -> Bool {
        state.withLock { state in
            guard state.failure == nil else { return false }
            state.compactions += 1
            return true
        }
    }

    var statistics: (bytes: Int, changes: Int, syncs: Int, failed: Bool) {
        state.withLock { (0, 0, 0, $0.failure != nil) }
    }

    func fail(_ reason: String?) {
        state.withLock { $0.failure = reason }
    }

    var compactions: Int { state.withLock { $0.compactions } }
}

/// The revision a response's gate waits for, or nil when it has no gate (or another kind).
private func gatedRevision(_ response: Response) -> Int? {
    // The front door wraps every gate so that a replacement response is finished like the original.
    let gate = (response.gate as? DecoratedGate)?.gate ?? response.gate
    return (gate as? DurabilityGate)?.revision
}

/// Writes wait for the journal (`WriteDurability`) before they are acknowledged, and are refused
/// once it has failed.
struct WriteDurabilityTests {
    @Test func successfulWrites_carryAGate_forTheirRevision() throws {
        let durability = FakeDurability()
        let harness = IdempotencyHarness(durability: durability)

        let created = harness.post("/towns", Bodies.town)
        #expect(created.status == .created)
        let afterCreate = harness.store.revision
        #expect(gatedRevision(created) == afterCreate)

        let path = try #require(created.headerFields[.location])
        let steps: [(HTTPRequest.Method, String?, HTTPResponse.Status)] = [
            (.put, #"{"name":"又改名镇","kind":"street"}"#, .ok),
            (.patch, #"{"name":"改名镇"}"#, .ok),
            (.delete, nil, .noContent),
        ]
        for (method, json, status) in steps {
            let before = harness.store.revision
            let response = harness.send(method, path, json: json)
            #expect(response.status == status, "\(method)")
            let after = harness.store.revision
            #expect(after > before)
            let gated = gatedRevision(response)
            #expect(gated != nil, "\(method) must wait for the journal")
            #expect(gated == after, "\(method)'s gate waits for the revision it made, \(after), not \(gated ?? 0)")
        }
    }

    @Test func compressedWriteResponse_keepsItsGate() {
        let durability = FakeDurability()
        let harness = IdempotencyHarness(durability: durability, compressionMinimumBytes: 1)

        let response = harness.responder.respond(
            to: .make("/towns", method: .post, fields: [.acceptEncoding: "gzip"], json: Bodies.town))

        #expect(response.status == .created)
        #expect(response.headerFields[.contentEncoding] == "gzip")
        #expect(gatedRevision(response) == harness.store.revision)
    }

    @Test func aKey_isRemembered_onlyOnceItsChangeIsDurable() {
        // While the first create waits for its fsync, a retry is told it is still running; once
        // durable, the retry replays it; had it failed, the key would be free again.
        let durability = FakeDurability()
        let harness = IdempotencyHarness(durability: durability)
        durability.hold()
        let first = harness.post("/towns", Bodies.town, key: "k")
        #expect(first.status == .created)
        #expect(harness.post("/towns", Bodies.town, key: "k").status == .conflict)
        durability.release()
        let replay = harness.post("/towns", Bodies.town, key: "k")
        #expect(replay.headerFields[IdempotencyHarness.replayed] == "true")
        #expect(replay.body == first.body)
        #expect(replay.gate == nil, "a remembered response is already durable")

        durability.hold()
        #expect(harness.post("/towns", Bodies.otherTown, key: "lost").status == .created)
        durability.release(failing: "disk full")
        durability.fail(nil)
        let retry = harness.post("/towns", Bodies.otherTown, key: "lost")
        #expect(retry.status == .created)
        #expect(retry.headerFields[IdempotencyHarness.replayed] == nil, "a key whose change failed is forgotten")
    }

    @Test func failedWrites_andReads_carryNoGate() throws {
        let durability = FakeDurability()
        let harness = IdempotencyHarness(durability: durability)
        let town = harness.post("/towns", Bodies.town)
        let path = try #require(town.headerFields[.location])
        let townID = try id(from: town)
        #expect(harness.post("/villages", Bodies.village(in: townID)).status == .created)
        let before = harness.state

        let failures: [(String, Response, HTTPResponse.Status)] = [
            ("invalid create", harness.post("/towns", Bodies.invalidTown), .unprocessableContent),
            (
                "dangling reference", harness.post("/villages", Bodies.village(in: "town-nowhere")),
                .unprocessableContent
            ),
            ("malformed JSON", harness.post("/towns", "{"), .badRequest),
            ("missing record", harness.send(.put, "/towns/town-nowhere", json: Bodies.town), .notFound),
            (
                "stale If-Match", harness.send(.patch, path, [.ifMatch: "\"999\""], json: #"{"name":"x"}"#),
                .preconditionFailed
            ),
            ("stale If-Match on delete", harness.send(.delete, path, [.ifMatch: "\"999\""]), .preconditionFailed),
            ("referenced", harness.send(.delete, path), .conflict),
        ]
        for (name, response, status) in failures {
            #expect(response.status == status, "\(name)")
            #expect(response.gate == nil, "\(name) must not wait for the journal")
        }
        #expect(harness.send(.get, path).gate == nil, "a read does not wait")
        #expect(harness.send(.get, "/stats").gate == nil)
        #expect(harness.state == before)
    }

    @Test func journalFailure_refusesEveryWrite_with503_andChangesNothing() throws {
        let durability = FakeDurability()
        let harness = IdempotencyHarness(durability: durability)
        let path = try #require(harness.post("/towns", Bodies.town).headerFields[.location])
        durability.fail("disk full")
        let before = harness.state

        let refused = [
            harness.post("/towns", Bodies.otherTown),
            harness.post("/towns", Bodies.otherTown, key: "during-failure"),
            harness.send(.put, path, json: Bodies.otherTown),
            harness.send(.patch, path, json: #"{"name":"改名镇"}"#),
            harness.send(.delete, path),
        ]

        for response in refused {
            try expectProblem(response, .serviceUnavailable, mentioning: "journal")
            #expect(response.headerFields[.retryAfter] == "60")
            #expect(response.gate == nil)
        }
        #expect(harness.state == before)
        // Reads still work; the health probe says the process is up, readiness says why not ready.
        #expect(harness.send(.get, path).status == .ok)
        #expect(harness.send(.get, "/healthz").status == .ok)
        let ready = harness.send(.get, "/readyz")
        #expect(ready.status == .serviceUnavailable)
        #expect(try JSONParser.parse(ready.body)["status"]?.text == "journal_failed")

        // The refused keyed POST did not take its key.
        durability.fail(nil)
        #expect(harness.send(.get, "/readyz").status == .ok)
        let retry = harness.post("/towns", Bodies.otherTown, key: "during-failure")
        #expect(retry.status == .created)
        #expect(retry.headerFields[IdempotencyHarness.replayed] == nil)
    }

    @Test func readyz_isReady_withAHealthyJournal() throws {
        let harness = IdempotencyHarness(durability: FakeDurability())
        let ready = harness.send(.get, "/readyz")
        #expect(ready.status == .ok)
        #expect(try JSONParser.parse(ready.body)["status"]?.text == "ready")
    }

    @Test func adminCompact_isAccepted_andAsksTheJournal() throws {
        let durability = FakeDurability()
        let harness = IdempotencyHarness(durability: durability)

        let response = harness.send(.post, "/admin/compact")

        #expect(response.status == .accepted)
        #expect(try JSONParser.parse(response.body)["status"]?.text == "compaction requested")
        #expect(durability.compactions == 1)
        #expect(harness.send(.post, "/admin/compact?now=1").status == .badRequest)
        #expect(harness.send(.get, "/admin/compact").status == .methodNotAllowed)
        #expect(durability.compactions == 1)
    }

    @Test func adminCompact_withoutDurability_is409() throws {
        let harness = IdempotencyHarness()
        try expectProblem(harness.send(.post, "/admin/compact"), .conflict, mentioning: "data-dir")
    }
}

/// Keys belong to their principal: the same key from two principals is two keys.
struct IdempotencyOwnerTests {
    @Test func sameKey_fromAnotherPrincipal_isAnotherKey() throws {
        let tokens = ["first-principal-token", "second-principal-token"]
        let principals = zip(["first", "second"], tokens).map { id, token in
            Principal(
                id: id, name: id, role: .district, tokenSha256: TokenDigest.sha256Hex(Array(token.utf8)))
        }
        let store = Store()
        let responder = makeResponder(
            store: store,
            configuration: APIConfiguration(
                access: AccessPolicy(principals: PrincipalDirectory(principals, digest: TokenDigest.sha256Hex))),
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        func post(_ token: String) -> Response {
            responder.respond(
                to: .make(
                    "/towns", method: .post,
                    fields: [.authorization: "Bearer \(token)", HTTPField.Name("Idempotency-Key")!: "shared-key"],
                    json: #"{"name":"新蒲镇","kind":"town"}"#))
        }
        let first = post(tokens[0])
        #expect(first.status == .created)
        // The same principal retrying gets its first answer back.
        let retry = post(tokens[0])
        #expect(retry.headerFields[.location] == first.headerFields[.location])
        #expect(retry.headerFields[HTTPField.Name("Idempotent-Replayed")!] == "true")
        // Another principal with the same key creates its own record, attributed to it.
        let second = post(tokens[1])
        #expect(second.status == .created)
        #expect(second.headerFields[.location] != first.headerFields[.location])
        let body = try JSONParser.parse(second.body)
        #expect(body["createdBy"] == .string("second"))
        #expect(store.count(.towns) == 2)
    }
}
