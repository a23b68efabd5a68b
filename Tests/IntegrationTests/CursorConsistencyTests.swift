import Foundation
import GridworkAPI
import GridworkStore
import HTTPServer
import JSON
import Logging
import TestSupport
import Testing

// Keyset cursors under concurrent writes, over real sockets: one connection walks a list page by
// page while another creates and deletes records of the same list for as long as the walk lasts.
// Every record that exists throughout the walk must be seen exactly once, and the walk must end.

/// The real API over the seeded store in a live server on 127.0.0.1, port 0.
/// (`APIServer.make()` serves an empty store; these tests need the seed.)
private final class SeededServer: Sendable {
    let server: Server
    let store: Store

    init() throws {
        store = SeedGenerator.makeStore()
        server = Server(
            configuration: ServerConfiguration(host: "127.0.0.1", port: 0, eventLoops: 2, drainTimeout: .seconds(2)),
            responder: makeResponder(store: store, logger: APIServer.logger),
            logger: APIServer.logger
        )
        try server.start()
    }

    var port: Int { server.port }

    func stop() {
        server.shutdown()
        server.wait()
    }
}

/// The writer's progress and the stop request, shared by the two threads.
private final class WriterSignal: @unchecked Sendable {
    // Unchecked: `writes` and `stopped` are only touched with `condition` locked.
    private let condition = NSCondition()
    private var writes = 0
    private var stopped = false

    /// Called by the writer after each completed write.
    func recordWrite() {
        condition.lock()
        writes += 1
        condition.broadcast()
        condition.unlock()
    }

    /// Asks the writer to stop (or tells the walker the writer has stopped).
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    var isStopped: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopped
    }

    /// Blocks until more than `count` writes have completed, the writer has stopped, or `timeout`
    /// seconds pass; returns the number of completed writes.
    func waitForWrite(after count: Int, timeout: Double = 10) -> Int {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date(timeIntervalSinceNow: timeout)
        while writes <= count && !stopped {
            if !condition.wait(until: deadline) { break }
        }
        return writes
    }
}

/// What the walking connection saw.
private struct Walk: Sendable {
    var ids: [String] = []
    var dates: [String] = []
    var types: [String] = []
    var pages = 0
    /// Whether a page came back with `next: null`.
    var finished = false
    var failure: String?
}

/// What the writing connection did.
private struct Writes: Sendable {
    var created: [String] = []
    var deleted: [String] = []
    var failure: String?
}

/// Runs `body` on a thread of its own (not the Swift concurrency pool) and returns its result.
private func onThread<T: Sendable>(_ name: String, _ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        let thread = Thread { continuation.resume(returning: body()) }
        thread.name = name
        thread.start()
    }
}

/// Walks `GET /assistance-records?{query}` by `next` on one keep-alive connection. Between two
/// pages it waits until at least one more write has landed, so every page boundary sees writes.
private func walkPages(port: Int, query: String, signal: WriterSignal, maxPages: Int = 400) -> Walk {
    var walk = Walk()
    defer { signal.stop() }
    do {
        let client = try RawClient.connect(port: port, receiveTimeout: .seconds(30))
        defer { client.close() }
        var writes = signal.waitForWrite(after: 0)
        var target = "/assistance-records?\(query)"
        while walk.pages < maxPages {
            let response = try client.roundTrip("GET \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            guard response.status == 200 else {
                walk.failure = "GET \(target) answered \(response.status): \(response.text)"
                return walk
            }
            let page = try JSONParser.parse(response.body)
            guard case .array(let data)? = page["data"] else {
                walk.failure = "no data in \(response.text.prefix(200))"
                return walk
            }
            for record in data {
                guard case .string(let id)? = record["id"], case .string(let date)? = record["date"],
                    case .string(let type)? = record["type"]
                else {
                    walk.failure = "unexpected record \(record)"
                    return walk
                }
                walk.ids.append(id)
                walk.dates.append(date)
                walk.types.append(type)
            }
            walk.pages += 1
            guard case .string(let next)? = page["next"] else {
                walk.finished = true
                return walk
            }
            target = "/assistance-records?\(query)&cursor=\(next)"
            writes = signal.waitForWrite(after: writes)
        }
    } catch {
        walk.failure = "\(error)"
    }
    return walk
}

/// Until asked to stop: creates visit records with dates spread over the seed's range, and
/// deletes every other one of them again (never a seeded record), on one keep-alive connection.
private func writeRecords(port: Int, signal: WriterSignal) -> Writes {
    var writes = Writes()
    defer { signal.stop() }
    do {
        let client = try RawClient.connect(port: port, receiveTimeout: .seconds(30))
        defer { client.close() }
        var number = 0
        while !signal.isStopped {
            number += 1
            let date = CalendarDate(dayOf2014: number * 37 % 217).text
            let body =
                #"{"type":"visit","date":"\#(date)","cadreId":"cadre-0001","gridId":"grid-0001","#
                + #""summary":"并发写入第\#(number)次"}"#
            let post = try client.roundTrip(
                "POST /assistance-records HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: \(body.utf8.count)\r\n\r\n" + body)
            guard post.status == 201, case .string(let id)? = try JSONParser.parse(post.body)["id"] else {
                writes.failure = "POST answered \(post.status): \(post.text)"
                return writes
            }
            writes.created.append(id)
            if number % 2 == 0 {
                let victim = writes.created[writes.created.count - 2]
                let delete = try client.roundTrip(
                    "DELETE /assistance-records/\(victim) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                guard delete.status == 204 else {
                    writes.failure = "DELETE \(victim) answered \(delete.status): \(delete.text)"
                    return writes
                }
                writes.deleted.append(victim)
            }
            signal.recordWrite()
        }
    } catch {
        writes.failure = "\(error)"
    }
    return writes
}

@Suite(.blocking)
struct CursorConsistencyTests {
    /// Starts the seeded server, walks `query` while the writer runs, and checks what every
    /// walk must satisfy whatever its order. Returns the walk and the seeded visit ids.
    private func walkWhileWriting(_ query: String) async throws -> (walk: Walk, seeded: [String: String]) {
        let server = try SeededServer()
        defer { server.stop() }
        let seededVisits = server.store.all(.assistanceRecords).filter { $0[AssistanceField.type] == .string("visit") }
        let seeded = seededVisits.map(\.id)
        let recordsBefore = server.store.count(.assistanceRecords)
        let port = server.port
        let signal = WriterSignal()

        async let writing = onThread("cursor-writer") { writeRecords(port: port, signal: signal) }
        async let walking = onThread("cursor-walker") { walkPages(port: port, query: query, signal: signal) }
        let (writes, walk) = await (writing, walking)

        #expect(seeded.count == 13_300)
        #expect(walk.failure == nil, "walk: \(walk.failure ?? "")")
        #expect(writes.failure == nil, "writer: \(writes.failure ?? "")")
        #expect(walk.finished, "the walk did not end after \(walk.pages) pages")
        // The writer really ran during the walk: a write between every two pages, and deletes.
        #expect(writes.created.count >= walk.pages - 1, "\(writes.created.count) writes over \(walk.pages) pages")
        #expect(!writes.deleted.isEmpty)

        #expect(Set(walk.ids).count == walk.ids.count, "an id came back twice")
        let seen = Set(walk.ids)
        let missing = seeded.filter { !seen.contains($0) }
        #expect(missing.isEmpty, "\(missing.count) seeded visits never seen, e.g. \(missing.prefix(5))")
        let seededSet = Set(seeded)
        #expect(walk.ids.filter { seededSet.contains($0) }.count == 13_300)
        let created = Set(writes.created)
        let foreign = walk.ids.filter { !seededSet.contains($0) && !created.contains($0) }
        #expect(foreign.isEmpty, "ids neither seeded nor created: \(foreign.prefix(5))")
        #expect(walk.types.allSatisfy { $0 == "visit" })
        #expect(server.store.count(.assistanceRecords) == recordsBefore + writes.created.count - writes.deleted.count)
        return (
            walk, Dictionary(uniqueKeysWithValues: seededVisits.map { ($0.id, $0[AssistanceField.date].string ?? "") })
        )
    }

    @Test func walk_inIDOrder_seesEverySeededVisitOnce_whileVisitsAreCreatedAndDeleted() async throws {
        let (walk, _) = try await walkWhileWriting("type=visit&limit=500")
        #expect(walk.pages >= 27)
        #expect(zip(walk.ids, walk.ids.dropFirst()).allSatisfy { $0 < $1 }, "ids out of order")
    }

    @Test func walk_byDateDescending_seesEverySeededVisitOnce_inOrder_whileVisitsAreCreatedAndDeleted()
        async throws
    {
        let (walk, seeded) = try await walkWhileWriting("type=visit&limit=500&sort=-date")
        #expect(walk.pages >= 27)
        // The whole walk is in (date descending, id ascending) order, page boundaries included.
        let keys = Array(zip(walk.dates, walk.ids))
        let ordered = zip(keys, keys.dropFirst()).allSatisfy { a, b in a.0 != b.0 ? a.0 > b.0 : a.1 < b.1 }
        #expect(ordered, "records out of (-date, id) order")
        // And so are the seeded visits among them.
        let seededDates = walk.ids.compactMap { seeded[$0] }
        #expect(seededDates.count == 13_300)
        #expect(zip(seededDates, seededDates.dropFirst()).allSatisfy { $0 >= $1 })
        #expect(seededDates.first == seeded.values.max())
        #expect(seededDates.last == seeded.values.min())
    }
}
