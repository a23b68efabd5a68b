import GridworkStore
import HTTP1
import HTTPResponder
import Testing

@testable import GridworkAPI

/// `/stats/stream`'s subscribers pulled in-process, as a connection pulls them: where `retry:`
/// goes, and that no block without data is ever sent.
struct StatsSubscriberTests {
    /// A stream over an empty store, which nothing writes to, so its timer sends nothing.
    static func makeStream() -> (StatsStream, StatsEntry) {
        let store = Store()
        let cache = StatsCache()
        return (StatsStream(store: store, cache: cache), cache.entry(for: store))
    }

    static func pull(_ subscriber: StatsSubscriber) -> String? {
        guard case .bytes(let bytes) = subscriber.next(wake: StreamWaker {}) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func newSubscriber_firstGetsOneBlock_retryThenTheEvent() throws {
        let (stream, entry) = Self.makeStream()
        let subscriber = stream.subscribe(lastEventID: nil)
        defer { subscriber.cancel() }

        let first = try #require(Self.pull(subscriber))

        #expect(first.hasPrefix("retry: 2000\nevent: stats\nid: \(entry.eventID)\ndata: {"), "\(first.prefix(60))")
        #expect(first.hasSuffix("}\n\n"))
        #expect(first.firstRange(of: "\n\n")?.upperBound == first.endIndex, "one block")
    }

    @Test func currentSubscriber_getsAComment_andRetryWithItsFirstEvent_evenAReplacedOne() throws {
        let (stream, entry) = Self.makeStream()
        let subscriber = stream.subscribe(lastEventID: entry.eventID)
        defer { subscriber.cancel() }

        #expect(Self.pull(subscriber) == ": connected\n\n", "a comment, not a bare `retry:` block")
        // Two events before the connection pulls: the second replaces the first, and `retry:` with it.
        subscriber.push(Array("event: stats\nid: a\ndata: 1\n\n".utf8), replacingEvent: true)
        subscriber.push(Array("event: stats\nid: b\ndata: 2\n\n".utf8), replacingEvent: true)
        #expect(Self.pull(subscriber) == "retry: 2000\nevent: stats\nid: b\ndata: 2\n\n")
        subscriber.push(Array("event: stats\nid: c\ndata: 3\n\n".utf8), replacingEvent: true)
        #expect(Self.pull(subscriber) == "event: stats\nid: c\ndata: 3\n\n", "`retry:` once only")
    }

    @Test func heartbeat_beforeTheFirstEvent_staysAComment_andTheEventKeepsRetry() throws {
        let (stream, entry) = Self.makeStream()
        let subscriber = stream.subscribe(lastEventID: entry.eventID)
        defer { subscriber.cancel() }
        _ = Self.pull(subscriber)

        subscriber.push(StatsStream.heartbeat, replacingEvent: false)
        #expect(Self.pull(subscriber) == ": heartbeat\n\n")
        subscriber.push(Array("event: stats\nid: d\ndata: 4\n\n".utf8), replacingEvent: true)
        #expect(Self.pull(subscriber)?.hasPrefix("retry: 2000\nevent: stats\nid: d\n") == true)
    }
}
