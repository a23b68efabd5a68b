import Foundation
import Glibc
import GridworkAPI
import GridworkStore
import HTTPServer
import JSON
import Logging
import Synchronization
import TestSupport
import Testing

// `GET /stats/stream` (Server-Sent Events) over real sockets, against the real API over the seed
// in a live server on 127.0.0.1, port 0: the first bytes, an event per revision change coalesced
// to one a second, `Last-Event-ID`, heartbeats, and many subscribers at once without a thread each.

/// The real API over the seeded store in a live server, with the server's gauges wired into
/// `/metrics` as `gridwork serve` wires them. (`APIServer.make()` serves an empty store.)
private final class LiveAPI: Sendable {
    let server: Server
    let store: Store
    let started: ContinuousClock.Instant

    init() throws {
        store = SeedGenerator.makeStore()
        let running = Mutex<Server?>(nil)
        let configuration = APIConfiguration(serverGauges: {
            guard let server = running.withLock({ $0 }) else {
                return ServerGauges(openConnections: 0, bytesReceived: 0, bytesSent: 0)
            }
            let bytes = server.bytesTransferred
            return ServerGauges(
                openConnections: server.openConnections, bytesReceived: bytes.received, bytesSent: bytes.sent)
        })
        // The stream's timer starts with the responder.
        started = .now
        server = Server(
            configuration: ServerConfiguration(host: "127.0.0.1", port: 0, eventLoops: 2, drainTimeout: .seconds(2)),
            responder: makeResponder(store: store, configuration: configuration, logger: APIServer.logger),
            logger: APIServer.logger
        )
        running.withLock { $0 = server }
        try server.start()
    }

    var port: Int { server.port }

    func stop() {
        server.shutdown()
        server.wait()
    }

    /// One request on a fresh connection.
    func roundTrip(_ request: String) throws -> RawResponse {
        let client = try RawClient.connect(port: port)
        defer { client.close() }
        return try client.roundTrip(request)
    }

    /// The store's epoch, from `GET /stats`.
    func epoch() throws -> String {
        let response = try roundTrip("GET /stats HTTP/1.1\r\nHost: localhost\r\n\r\n")
        guard case .string(let epoch)? = try JSONParser.parse(response.body)["epoch"] else {
            Issue.record("/stats has no epoch: \(String(decoding: response.body, as: UTF8.self).prefix(200))")
            return ""
        }
        return epoch
    }

    /// `GET /stats` (identity): the body bytes and the revision.
    func stats() throws -> (body: [UInt8], revision: Int) {
        let response = try roundTrip("GET /stats HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(response.status == 200)
        let revision = try #require(try JSONParser.parse(response.body)["revision"].flatMap(\.integer))
        return (response.body, revision)
    }

    /// Records a visit through the API; returns the response (201 expected).
    @discardableResult
    func postVisit(summary: String = "走访网格") throws -> RawResponse {
        let body =
            #"{"type":"visit","date":"2014-08-05","cadreId":"cadre-0001","gridId":"grid-0001","summary":"\#(summary)"}"#
        let response = try roundTrip(
            "POST /assistance-records HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                + "Content-Length: \(body.utf8.count)\r\n\r\n\(body)")
        #expect(response.status == 201, "POST answered \(response.status): \(response.text)")
        return response
    }

    /// `/metrics` as sample name (with labels) → value.
    func metrics() throws -> [String: Double] {
        let response = try roundTrip("GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n")
        var samples: [String: Double] = [:]
        for line in response.text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                continue
            }
            samples[String(line[..<space])] = value
        }
        return samples
    }

    var subscribers: Int? {
        (try? metrics())?["gridwork_stats_stream_subscribers"].map { Int($0) }
    }
}

extension JSONValue {
    fileprivate var integer: Int? {
        if case .int(let value) = self { return value }
        return nil
    }
}

/// One block of an event stream (the lines up to a blank line), its fields parsed.
private struct SSEBlock: CustomStringConvertible {
    var lines: [String]

    /// The value of the first `name:` line (one leading space dropped), or nil.
    func value(_ name: String) -> String? {
        for line in lines where !line.hasPrefix(":") {
            let parts = line.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, parts[0] == name else { continue }
            return parts[1].hasPrefix(" ") ? String(parts[1].dropFirst()) : String(parts[1])
        }
        return nil
    }

    var event: String? { value("event") }
    var id: String? { value("id") }
    var data: String? { value("data") }
    /// The revision of an `id:` of the form `<epoch>-<revision>`.
    var revision: Int? { id.flatMap { $0.split(separator: "-").last.flatMap { Int($0) } } }
    var isComment: Bool { !lines.isEmpty && lines.allSatisfy { $0.hasPrefix(":") } }
    var description: String { lines.map { String($0.prefix(80)) }.joined(separator: "\\n") }
}

/// A `/stats/stream` subscriber on a raw socket: reads the head, then decodes the chunked body
/// as it arrives and cuts it into event-stream blocks. Every read is bounded by a deadline.
private final class SSEClient {
    /// A response head: the status and the fields.
    struct Head {
        var status: Int
        var fields: [(name: String, value: String)]

        func value(_ name: String) -> String? {
            fields.first { $0.name.lowercased() == name.lowercased() }?.value
        }
    }

    let client: RawClient
    private(set) var head: Head?
    /// Every decoded body byte so far, for checks on the exact bytes.
    private(set) var decoded: [UInt8] = []
    private var raw: [UInt8] = []
    private var blockStart = 0
    private(set) var ended = false

    private init(client: RawClient) {
        self.client = client
    }

    /// Subscribes; returns once the response head has arrived.
    static func open(
        port: Int, lastEventID: String? = nil, extraFields: [String] = [], within timeout: Duration = .seconds(5)
    ) throws -> SSEClient {
        let client = try RawClient.connect(port: port)
        var request = "GET /stats/stream HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n"
        if let lastEventID { request += "Last-Event-ID: \(lastEventID)\r\n" }
        for field in extraFields { request += field + "\r\n" }
        try client.send(request + "\r\n")
        let subscriber = SSEClient(client: client)
        try subscriber.readHead(within: timeout)
        return subscriber
    }

    func close() {
        client.close()
    }

    /// The next block, or nil when `timeout` passes first.
    func nextBlock(within timeout: Duration) throws -> SSEBlock? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let block = takeBlock() { return block }
            guard !ended else { throw RawClientError.closedBeforeResponse(bufferedBytes: decoded.count - blockStart) }
            guard try receive(until: deadline) else { return nil }
            decodeChunks()
        }
    }

    /// The next `event:` block, skipping comments; nil when `timeout` passes first. A block that
    /// is neither an event nor a comment is an issue: clients such as httpx-sse deliver it as an
    /// empty message.
    func nextEvent(within timeout: Duration) throws -> SSEBlock? {
        let deadline = ContinuousClock.now + timeout
        while let block = try nextBlock(within: deadline - ContinuousClock.now) {
            if block.event != nil { return block }
            if !block.isComment { Issue.record("a block without an event: \(block)") }
        }
        return nil
    }

    /// The next event whose revision is above `revision`: events that repeat a state the client
    /// already has are skipped (`duplicateEvent_…` tests them on their own).
    func nextEvent(after revision: Int, within timeout: Duration) throws -> SSEBlock? {
        let deadline = ContinuousClock.now + timeout
        while let event = try nextEvent(within: deadline - ContinuousClock.now) {
            if (event.revision ?? Int.max) > revision { return event }
        }
        return nil
    }

    private func readHead(within timeout: Duration) throws {
        let deadline = ContinuousClock.now + timeout
        let emptyLine = Array("\r\n\r\n".utf8)
        while true {
            if let end = raw.firstRange(of: emptyLine)?.lowerBound {
                // Hand the head alone to a parser that knows nothing of the stream.
                head = try Self.parseHead(Array(raw[..<(end + 4)]))
                raw.removeFirst(end + 4)
                decodeChunks()
                return
            }
            guard try receive(until: deadline) else { throw RawClientError.timedOut(bufferedBytes: raw.count) }
        }
    }

    private static func parseHead(_ bytes: [UInt8]) throws -> Head {
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\r\n").map(String.init)
        let status = lines.first.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") } ?? 0
        let fields = lines.dropFirst().compactMap { line -> (name: String, value: String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), String(line[line.index(after: colon)...].drop { $0 == " " }))
        }
        return Head(status: status, fields: fields)
    }

    /// One `recv` bounded by `deadline`; false when the deadline passed with nothing read.
    private func receive(until deadline: ContinuousClock.Instant) throws -> Bool {
        var scratch = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else { return false }
            client.setReceiveTimeout(max(remaining, .milliseconds(1)))
            let count = scratch.withUnsafeMutableBytes { recv(client.fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                raw.append(contentsOf: scratch[0..<count])
                return true
            }
            if count == 0 {
                ended = true
                return true
            }
            switch errno {
            case EINTR, EAGAIN, EWOULDBLOCK: continue
            case ECONNRESET: throw RawClientError.resetBeforeResponse
            case let code: throw RawClientError.receiveFailed(errno: code)
            }
        }
    }

    /// Moves every complete chunk from `raw` to `decoded`.
    private func decodeChunks() {
        let crlf = Array("\r\n".utf8)
        while let lineEnd = raw.firstRange(of: crlf)?.lowerBound {
            guard let size = Int(String(decoding: raw[..<lineEnd], as: UTF8.self), radix: 16) else {
                Issue.record("bad chunk size line: \(String(decoding: raw.prefix(40), as: UTF8.self).debugDescription)")
                ended = true
                return
            }
            if size == 0 {
                ended = true
                return
            }
            let dataStart = lineEnd + 2
            guard raw.count >= dataStart + size + 2 else { return }
            decoded.append(contentsOf: raw[dataStart..<dataStart + size])
            raw.removeFirst(dataStart + size + 2)
        }
    }

    /// Cuts the next block (ended by a blank line) off the decoded bytes.
    private func takeBlock() -> SSEBlock? {
        let separator = Array("\n\n".utf8)
        guard let end = decoded[blockStart...].firstRange(of: separator)?.lowerBound else { return nil }
        let text = String(decoding: decoded[blockStart..<end], as: UTF8.self)
        blockStart = end + 2
        return SSEBlock(lines: text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init))
    }
}

/// Threads of this process (the server runs in it).
private func threadCount() -> Int {
    (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count) ?? -1
}

/// The visits figure in an event's data.
private func visits(_ event: SSEBlock) throws -> Int? {
    let data = try #require(event.data)
    return try JSONParser.parse(Array(data.utf8))["gridService"]?["visits"]?.integer
}

@Suite(.blocking)
struct StatsStreamTests {
    @Test func subscribe_getsTheCurrentStats_asOneEventCarryingRetry() throws {
        let api = try LiveAPI()
        defer { api.stop() }
        let (stats, revision) = try api.stats()
        let epoch = try api.epoch()

        // Accept-Encoding must not turn an event stream into gzip.
        let subscriber = try SSEClient.open(port: api.port, extraFields: ["Accept-Encoding: gzip"])
        defer { subscriber.close() }
        let head = try #require(subscriber.head)
        #expect(head.status == 200)
        #expect(head.value("Content-Type") == "text/event-stream; charset=utf-8")
        #expect(head.value("Cache-Control") == "no-cache")
        #expect(head.value("Transfer-Encoding") == "chunked")
        #expect(head.value("Content-Encoding") == nil)
        #expect(head.value("Content-Length") == nil)

        // httpx-sse turns a block without data (a bare `retry:`) into an empty message: the
        // first block is the event itself, with `retry:` in it.
        let event = try #require(try subscriber.nextBlock(within: .seconds(3)), "the current stats should come at once")
        #expect(event.lines.count == 4, "retry, event, id and one data line: \(event)")
        #expect(event.lines.first == "retry: 2000")
        #expect(event.event == "stats")
        #expect(event.id == "\(epoch)-\(revision)")
        #expect(event.data.map { Array($0.utf8) } == stats, "the data is the /stats body")
        let parsed = try JSONParser.parse(Array(try #require(event.data).utf8))
        #expect(parsed["revision"]?.integer == revision)
        #expect(parsed["gridService"]?["visits"]?.integer == 13_300)
        // The exact first bytes.
        let prefix = "retry: 2000\nevent: stats\nid: \(epoch)-\(revision)\ndata: {"
        #expect(subscriber.decoded.starts(with: Array(prefix.utf8)))
    }

    @Test func post_sendsTheNextEvent_withTheNewRevision_withinThreeSeconds() throws {
        let api = try LiveAPI()
        defer { api.stop() }
        let subscriber = try SSEClient.open(port: api.port)
        defer { subscriber.close() }
        let initial = try #require(try subscriber.nextEvent(within: .seconds(3)))
        let before = try #require(initial.revision)

        let posted = ContinuousClock.now
        try api.postVisit()
        let (stats, after) = try api.stats()
        #expect(after == before + 1)

        let event = try #require(
            try subscriber.nextEvent(after: before, within: .seconds(3)), "an event should follow the write")
        #expect(ContinuousClock.now - posted <= .seconds(3))
        #expect(event.event == "stats")
        #expect(event.revision == after)
        #expect(event.data.map { Array($0.utf8) } == stats)
        #expect(try visits(event) == 13_301)
        #expect(event.value("retry") == nil, "`retry:` comes once, with the first event")
    }

    @Test func burstOfWrites_withinOneSecond_isCoalescedIntoOneEvent() throws {
        let api = try LiveAPI()
        defer { api.stop() }
        let subscriber = try SSEClient.open(port: api.port)
        defer { subscriber.close() }
        let initial = try #require(try subscriber.nextEvent(within: .seconds(3)))
        let start = try #require(initial.revision)

        // One write and its event: the coalescing interval starts there.
        try api.postVisit()
        let first = try #require(try subscriber.nextEvent(after: start, within: .seconds(3)))
        let firstArrived = ContinuousClock.now
        #expect(first.revision == start + 1)

        // Five more at once, well within the second that follows.
        for index in 0..<5 { try api.postVisit(summary: "连续走访\(index)") }
        let burst = ContinuousClock.now - firstArrived
        try #require(burst < .milliseconds(700), "the burst took \(burst); too slow to test coalescing")
        let final = start + 6
        #expect(try api.stats().revision == final)

        let coalesced = try #require(
            try subscriber.nextEvent(after: start + 1, within: .seconds(3)), "the burst should produce an event")
        let gap = ContinuousClock.now - firstArrived
        #expect(coalesced.revision == final, "one event with the newest state, not one per write")
        #expect(try visits(coalesced) == 13_306)
        #expect(gap >= .milliseconds(800), "events must be at least a second apart; this one came after \(gap)")
        // Nothing else follows for the burst.
        #expect(try subscriber.nextEvent(within: .milliseconds(1500)) == nil, "a second event for the same burst")
    }

    @Test func lastEventID_ofTheCurrentRevision_getsNoInitialEvent_andResumesOnTheNextChange() throws {
        let api = try LiveAPI()
        defer { api.stop() }
        let revision = try api.stats().revision
        let subscriber = try SSEClient.open(port: api.port, lastEventID: "\(try api.epoch())-\(revision)")
        defer { subscriber.close() }

        // A comment, which every client skips: no block without data, which some deliver as an
        // empty message.
        let first = try #require(try subscriber.nextBlock(within: .seconds(3)))
        #expect(first.lines == [": connected"])
        // The stream's timer runs every 100 ms and may send once a second: past that, nothing may come.
        let extra = try subscriber.nextEvent(within: .milliseconds(1500))
        #expect(extra == nil, "a client that has revision \(revision) got \(extra?.description ?? "")")

        try api.postVisit()
        let event = try #require(try subscriber.nextEvent(after: revision, within: .seconds(3)))
        #expect(event.revision == revision + 1)
        #expect(event.lines.first == "retry: 2000", "the first event carries `retry:`: \(event)")
    }

    @Test func lastEventID_ofAnOlderRevision_getsTheCurrentStateAtOnce() throws {
        let api = try LiveAPI()
        defer { api.stop() }
        try api.postVisit()
        let (stats, revision) = try api.stats()
        let subscriber = try SSEClient.open(port: api.port, lastEventID: "\(try api.epoch())-\(revision - 1)")
        defer { subscriber.close() }

        let event = try #require(try subscriber.nextBlock(within: .seconds(3)))
        #expect(event.value("retry") == "2000")
        #expect(event.revision == revision)
        #expect(event.data.map { Array($0.utf8) } == stats)
    }

    @Test func subscriber_getsNoSecondEvent_whileNothingChanges() throws {
        let api = try LiveAPI()
        defer { api.stop() }
        let subscriber = try SSEClient.open(port: api.port)
        defer { subscriber.close() }
        let initial = try #require(try subscriber.nextEvent(within: .seconds(3)))

        let repeated = try subscriber.nextEvent(within: .milliseconds(1500))
        #expect(repeated == nil, "revision \(initial.id ?? "?") was sent again: \(repeated?.description ?? "")")
    }

    @Test func heartbeat_commentArrives_every15Seconds() throws {
        let api = try LiveAPI()
        defer { api.stop() }
        let subscriber = try SSEClient.open(port: api.port)
        defer { subscriber.close() }

        var heartbeat: SSEBlock?
        let deadline = api.started + .seconds(18)
        while heartbeat == nil, let block = try subscriber.nextBlock(within: deadline - ContinuousClock.now) {
            if block.isComment { heartbeat = block }
        }
        let elapsed = ContinuousClock.now - api.started
        let comment = try #require(heartbeat, "no heartbeat within 18 s")
        #expect(comment.lines == [": heartbeat"])
        #expect(elapsed >= .seconds(14), "the heartbeat came after \(elapsed), not after 15 s")
    }

    @Test func twoHundredSubscribers_allGetTheEvent_withoutAThreadEach() throws {
        let count = 200
        let api = try LiveAPI()
        defer { api.stop() }
        // One subscriber and one write first, so every lazily made thread (the stream's timer
        // queue, the loops' first connections) exists before counting.
        do {
            let warm = try SSEClient.open(port: api.port)
            _ = try warm.nextEvent(within: .seconds(3))
            warm.close()
        }
        let revision = try api.stats().revision
        let threadsBefore = threadCount()

        var subscribers: [SSEClient] = []
        defer { for subscriber in subscribers { subscriber.close() } }
        for _ in 0..<count {
            subscribers.append(try SSEClient.open(port: api.port))
        }
        var primed = 0
        for subscriber in subscribers where try subscriber.nextEvent(within: .seconds(3))?.revision == revision {
            primed += 1
        }
        #expect(primed == count, "every subscriber gets the current state")
        #expect(
            eventually(within: .seconds(3)) { api.subscribers == count },
            "/metrics should count \(count) subscribers, not \(api.subscribers ?? -1)")
        let threadsDuring = threadCount()

        try api.postVisit()
        let deadline = ContinuousClock.now + .seconds(3)
        var notified = 0
        for subscriber in subscribers {
            let event = try subscriber.nextEvent(after: revision, within: max(deadline - ContinuousClock.now, .zero))
            if event?.revision == revision + 1 { notified += 1 }
        }
        #expect(notified == count, "every subscriber gets the event within 3 s of the write")
        #expect(
            threadsDuring - threadsBefore < 40,
            "threads went from \(threadsBefore) to \(threadsDuring) with \(count) subscribers")

        for subscriber in subscribers { subscriber.close() }
        // While a stream waits the server does not read, so it learns of a close when it next
        // writes (see `closedSubscriber_isRemoved_withoutAnotherWrite`): one more write sends an
        // event to every closed socket.
        try api.postVisit()
        #expect(
            eventually(within: .seconds(5)) { api.subscribers == 0 },
            "subscribers should be removed once their clients leave; /metrics says \(api.subscribers ?? -1)")
        #expect(eventually(within: .seconds(3)) { api.server.openConnections == 0 })
    }

    @Test func closedSubscriber_isRemoved_withoutAnotherWrite() throws {
        let api = try LiveAPI()
        defer { api.stop() }
        let subscriber = try SSEClient.open(port: api.port)
        let initial = try #require(try subscriber.nextEvent(within: .seconds(3))?.revision)
        // One write and its event first, so that no event is due when the client leaves.
        try api.postVisit()
        _ = try #require(try subscriber.nextEvent(after: initial, within: .seconds(3)))
        #expect(eventually { api.subscribers == 1 })
        subscriber.close()

        // Until the next heartbeat (15 s after the start) nothing is written to it.
        #expect(
            eventually(within: .seconds(3)) { api.subscribers == 0 },
            "the subscriber of a closed connection is still counted: \(api.subscribers ?? -1)")
    }

    @Test func head_getsTheHeadOnly_andLeavesNoSubscriber() throws {
        let api = try LiveAPI()
        defer { api.stop() }
        let client = try RawClient.connect(port: api.port)
        defer { client.close() }

        let head = try client.roundTrip("HEAD /stats/stream HTTP/1.1\r\nHost: localhost\r\n\r\n", isHeadRequest: true)
        // Had any event followed the head, this response would not parse.
        let after = try client.roundTrip("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")

        #expect(head.status == 200)
        #expect(head.value("Content-Type") == "text/event-stream; charset=utf-8")
        #expect(after.status == 200)
        #expect(after.text == #"{"status":"ok"}"#)
        #expect(api.subscribers == 0)
    }

    @Test func stream_rejectsQueryParameters() throws {
        let api = try LiveAPI()
        defer { api.stop() }
        let response = try api.roundTrip("GET /stats/stream?since=3 HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(response.status == 400)
        #expect(response.value("Content-Type") == "application/problem+json")
        #expect(api.subscribers == 0)
    }
}
