import HTTP1
import HTTPResponder
import HTTPServer
import HTTPTypes
import Synchronization
import TestSupport
import Testing

/// Keeps every response the server reports.
final class RecordingObserver: ResponseObserver {
    private let seen = Mutex<[SentResponse]>([])

    var responses: [SentResponse] { seen.withLock { $0 } }

    func responded(_ response: SentResponse) {
        seen.withLock { $0.append(response) }
    }
}

/// The server tells its observer of every response it sends, those it sends on its own included.
/// The observer is told before the response is written, so a test that has read a response may
/// look at what the observer saw without waiting.
@Suite(.blocking)
struct ResponseObserverTests {
    @Test func observer_isTold_methodPathStatusAndDuration_ofAnsweredRequests() throws {
        let observer = RecordingObserver()
        let server = try TestServer.make(observer: observer)
        defer { server.stop() }
        let client = try server.connect()
        defer { client.close() }

        #expect(try client.roundTrip(Wire.get("/towns/a?x=1")).status == 200)
        #expect(try client.roundTrip(Wire.post("/grids", body: "{}")).status == 200)

        let seen = observer.responses
        #expect(seen.map(\.method) == [.get, .post])
        #expect(seen.map(\.path) == ["/towns/a", "/grids"], "the path, without its query")
        #expect(seen.map(\.status) == [.ok, .ok])
        #expect(seen.allSatisfy { ($0.duration ?? .zero) > .zero }, "a parsed request is timed")
    }

    @Test func observer_isTold_ofAMalformedRequestLine_as400() throws {
        let observer = RecordingObserver()
        let server = try TestServer.make(observer: observer)
        defer { server.stop() }
        let client = try server.connect()
        defer { client.close() }

        #expect(try client.roundTrip("GET  /two-spaces HTTP/1.1\r\nHost: x\r\n\r\n").status == 400)

        let seen = observer.responses
        #expect(seen.map(\.status) == [.badRequest])
        #expect(seen.first?.method == nil && seen.first?.path == nil && seen.first?.duration == nil)
    }

    @Test func observer_isTold_ofAnOversizeHeader_as431() throws {
        let observer = RecordingObserver()
        let server = try TestServer.make(observer: observer) { $0.messageLimits.maxHeaderBytes = 1024 }
        defer { server.stop() }
        let client = try server.connect()
        defer { client.close() }

        let response = try client.roundTrip(Wire.get("/", "X-Big: " + String(repeating: "a", count: 2048)))

        #expect(response.status == 431)
        #expect(observer.responses.map(\.status) == [.requestHeaderFieldsTooLarge])
    }

    @Test func observer_isTold_ofTheRefusalPastTheConnectionCap_as503() throws {
        let observer = RecordingObserver()
        let server = try TestServer.make(observer: observer) { $0.connectionPolicy.maxConnections = 1 }
        defer { server.stop() }
        let admitted = try server.connect()
        defer { admitted.close() }
        #expect(try admitted.roundTrip(Wire.get("/admitted")).status == 200)

        let refused = try server.connect()
        defer { refused.close() }
        let (end, _) = refused.readUntilClosed()

        #expect(end.isClosedByServer)
        #expect(observer.responses.map(\.status) == [.ok, .serviceUnavailable])
        #expect(observer.responses.last?.path == nil)
    }

    @Test func observer_isTold_ofAHeaderTimeout_as408() throws {
        let observer = RecordingObserver()
        let server = try TestServer.make(observer: observer) { $0.connectionPolicy.headerTimeout = .milliseconds(200) }
        defer { server.stop() }

        try server.waitForOneHeaderTimeout()

        #expect(observer.responses.map(\.status) == [.requestTimeout])
    }
}
