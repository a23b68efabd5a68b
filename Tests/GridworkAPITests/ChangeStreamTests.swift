import GridworkStore
import HTTP1
import HTTPResponder
import HTTPTypes
import JSON
import Synchronization
import Testing

@testable import GridworkAPI

/// `GET /changes` as Server-Sent Events, its stream pulled in-process as a connection pulls it:
/// catching up, going live when the store publishes, resuming with `Last-Event-ID`, a new epoch,
/// and nothing before it is published.
struct ChangeStreamTests {
    /// Counts the times a stream woke its connection.
    final class Wakes: Sendable {
        private let count = Mutex(0)
        var waker: StreamWaker { StreamWaker { self.count.withLock { $0 += 1 } } }
        var total: Int { count.withLock { $0 } }
    }

    /// The event stream `GET /changes` answers with these fields.
    static func open(_ client: FeedClient, _ target: String = "/changes", lastEventID: String? = nil) throws
        -> any ResponseStream
    {
        var fields: HTTPFields = [.accept: "text/event-stream"]
        if let lastEventID { fields[StatsRoutes.lastEventID] = lastEventID }
        let response = client.send(.get, target, fields: fields)
        #expect(response.status == .ok)
        #expect(response.headerFields[.contentType] == "text/event-stream; charset=utf-8")
        return try #require(response.stream)
    }

    /// Pulls until the stream waits; the text pulled.
    static func drain(_ stream: any ResponseStream, _ wakes: Wakes = Wakes()) -> String {
        var text = ""
        while case .bytes(let bytes) = stream.next(wake: wakes.waker) { text += String(decoding: bytes, as: UTF8.self) }
        return text
    }

    /// The `id:`s of the `event:` blocks named `name`.
    static func ids(_ text: String, event name: String = "change") -> [String] {
        text.split(separator: "\n\n").compactMap { block in
            let lines = block.split(separator: "\n")
            guard lines.contains("event: \(name)") else { return nil }
            return lines.first { $0.hasPrefix("id: ") }.map { String($0.dropFirst(4)) }
        }
    }

    static func patch(_ client: FeedClient, _ households: Int) throws {
        try client.json(.patch, "/grids/grid-0001", body: #"{"households":\#(households)}"#)
    }

    @Test func aSubscriber_catchesUp_thenIsWokenForEachNewChange() throws {
        let client = FeedClient()
        try Self.patch(client, 1)
        try Self.patch(client, 2)
        let stream = try Self.open(client)
        defer { stream.cancel() }
        let epoch = client.store.epoch
        let wakes = Wakes()

        let first = Self.drain(stream, wakes)
        #expect(first.hasPrefix(": connected\n\nretry: 2000\nevent: change\nid: \(epoch)-2\ndata: {\"seq\":2,"))
        #expect(Self.ids(first) == ["\(epoch)-2", "\(epoch)-3"])
        #expect(wakes.total == 0)

        try Self.patch(client, 3)
        #expect(wakes.total == 1, "the publication woke the connection")
        let live = Self.drain(stream, wakes)
        #expect(Self.ids(live) == ["\(epoch)-4"])
        #expect(!live.contains("retry:"), "`retry:` once")
        let data = try #require(live.split(separator: "\n").first { $0.hasPrefix("data: ") })
        #expect(
            try JSONParser.parse(Array(data.dropFirst(6).utf8))["puts"]?.items?.first?["record"]?["households"]
                == .int(3))
    }

    @Test func resuming_withLastEventID_sendsOnlyTheLaterChanges() throws {
        let client = FeedClient()
        for households in 1...4 { try Self.patch(client, households) }
        let epoch = client.store.epoch
        let stream = try Self.open(client, "/changes?after=0", lastEventID: "\(epoch)-3")
        defer { stream.cancel() }
        #expect(Self.ids(Self.drain(stream)) == ["\(epoch)-4", "\(epoch)-5"], "Last-Event-ID wins over `after`")

        let after = try Self.open(client, "/changes?after=4")
        defer { after.cancel() }
        #expect(Self.ids(Self.drain(after)) == ["\(epoch)-5"])
    }

    @Test func aPositionInAnotherEpoch_getsAnEpochEvent_thenTheNewHistory() throws {
        let client = FeedClient()
        try Self.patch(client, 1)
        let old = client.store.epoch
        let live = try Self.open(client, lastEventID: "\(old)-2")
        defer { live.cancel() }
        #expect(Self.drain(live) == ": connected\n\n")

        let (_, _, after) = client.store.reset(to: Store.Contents(seed: FeedClient.seed), epoch: "0badcafe") {}
        try Self.patch(client, 2)
        let text = Self.drain(live)
        #expect(Self.ids(text, event: "epoch") == ["0badcafe-\(after.revision)"])
        #expect(text.contains("data: {\"epoch\":\"0badcafe\",\"seq\":\(after.revision)}"))
        #expect(Self.ids(text) == ["0badcafe-\(after.revision + 1)"])

        let resumed = try Self.open(client, lastEventID: "\(old)-2")
        defer { resumed.cancel() }
        let again = Self.drain(resumed)
        #expect(Self.ids(again, event: "epoch") == ["0badcafe-\(after.revision)"])
        #expect(Self.ids(again) == ["0badcafe-\(after.revision + 1)"])
    }

    /// Stands in for the journal: keeps changes until the test publishes them.
    final class HeldLog: ChangeLog, @unchecked Sendable {
        // Unchecked: written inside the store's lock, read after the writes.
        var changes: [Change] = []
        func append(_ change: Change) { changes.append(change) }
    }

    @Test func withADurableStore_aChangeIsSent_onlyOnceItIsPublished() throws {
        let client = FeedClient()
        let log = HeldLog()
        client.store.attach(log)
        let stream = try Self.open(client)
        defer { stream.cancel() }
        let wakes = Wakes()
        #expect(Self.drain(stream, wakes) == ": connected\n\n")

        // The API has no journal to wait for here: the write is accepted and answered at once.
        try Self.patch(client, 77)
        #expect(Self.drain(stream, wakes).isEmpty, "accepted, not durable: nothing")
        #expect(wakes.total == 0)

        let (_, frozen) = client.store.freeze {}
        client.store.publish(frozen, changes: log.changes)
        #expect(wakes.total == 1)
        #expect(Self.ids(Self.drain(stream, wakes)) == ["\(client.store.epoch)-2"])
    }

    @Test func aHeartbeat_isAComment_whenThereIsNoChange() throws {
        let client = FeedClient()
        let subscriber = ChangeStream(store: client.store).subscribe(
            scope: Scope(.openAccess), after: .init(epoch: nil, seq: 0))
        defer { subscriber.cancel() }
        #expect(Self.drain(subscriber) == ": connected\n\n")
        subscriber.wake(heartbeat: true)
        #expect(Self.drain(subscriber) == ": heartbeat\n\n")
        #expect(Self.drain(subscriber).isEmpty)
    }

    @Test func aTownsStream_carriesOnlyItsTownsChanges() throws {
        let client = FeedClient(principals: [
            Principal(id: "admin", name: "ops", role: .admin),
            Principal(id: "sidu-staff", name: "泗渡镇组织办", role: .town, towns: ["town-sidu"]),
        ])
        var fields: HTTPFields = [.accept: "text/event-stream", .authorization: "Bearer sidu-staff"]
        let response = client.send(.get, "/changes", fields: fields)
        let stream = try #require(response.stream)
        defer { stream.cancel() }
        _ = Self.drain(stream)
        try client.json(.patch, "/grids/grid-0001", as: "admin", body: #"{"households":5}"#)
        let village = try client.village("泗渡新村", in: "town-sidu", as: "admin")
        let text = Self.drain(stream)
        #expect(Self.ids(text) == ["\(client.store.epoch)-3"])
        #expect(text.contains(village))
        fields[.authorization] = nil
        #expect(client.send(.get, "/changes", fields: fields).status == .unauthorized)
    }
}
