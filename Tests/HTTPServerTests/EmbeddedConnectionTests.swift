import HTTP1
import HTTPResponder
import HTTPServer
import HTTPTypes
import Synchronization
import Testing

/// A gate the test opens by hand.
private final class HandGate: ResponseGate {
    private let callback = Mutex<(@Sendable (Response?) -> Void)?>(nil)

    func whenOpen(_ opened: @escaping @Sendable (Response?) -> Void) {
        callback.withLock { $0 = opened }
    }

    var isWaitedOn: Bool { callback.withLock { $0 != nil } }

    func open(replacingWith replacement: Response? = nil) {
        let opened = callback.withLock { callback in
            defer { callback = nil }
            return callback
        }
        opened?(replacement)
    }
}

/// A stream fed by the test: pieces are queued with `push`, the end with `finish`.
private final class FedStream: ResponseStream {
    private struct State {
        var queue: [[UInt8]] = []
        var finished = false
        var waker: StreamWaker?
        var cancelled = false
    }

    private let state = Mutex(State())

    func next(wake: StreamWaker) -> StreamPiece {
        state.withLock { state in
            if !state.queue.isEmpty { return .bytes(state.queue.removeFirst()) }
            if state.finished { return .end }
            state.waker = wake
            return .wait
        }
    }

    func cancel() {
        state.withLock { $0.cancelled = true }
    }

    var isCancelled: Bool { state.withLock { $0.cancelled } }

    func push(_ text: String) {
        let waker = state.withLock { state in
            state.queue.append(Array(text.utf8))
            defer { state.waker = nil }
            return state.waker
        }
        waker?()
    }

    func finish() {
        let waker = state.withLock { state in
            state.finished = true
            defer { state.waker = nil }
            return state.waker
        }
        waker?()
    }
}

/// Answers `/gated` through `gate`, `/stream` from `stream`, `/big` with `bigBytes` bytes, and
/// anything else with its path as a short text body.
private struct ScriptResponder: Responder {
    var gate: HandGate?
    var stream: FedStream?
    var bigBytes = 4096

    func respond(to request: Request) -> Response {
        var response = Response(
            status: .ok, headerFields: [.contentType: "text/plain"], body: Array("path=\(request.path)".utf8))
        switch request.path {
        case "/gated": response.gate = gate
        case "/stream": response.stream = stream
        case "/big": response.body = Array(repeating: UInt8(ascii: "b"), count: bigBytes)
        default: break
        }
        return response
    }
}

private func get(_ path: String, version: String = "HTTP/1.1") -> String {
    "GET \(path) \(version)\r\nHost: a\r\n\r\n"
}

/// The bodies of the length-framed responses in `text`, in order (enough for these tests' bodies).
private func bodies(_ text: String) -> [String] {
    text.split(separator: "HTTP/1.1 ").map { response in
        String(response.split(separator: "\r\n\r\n", maxSplits: 1, omittingEmptySubsequences: false).last ?? "")
    }
}

/// `Connection` on in-memory bytes with a manual clock: every step below is a deterministic
/// interleaving of client bytes, responder events and time, with no socket and no waiting.
struct EmbeddedConnectionTests {
    static func configuration(_ adjust: (inout ServerConfiguration) -> Void = { _ in }) -> ServerConfiguration {
        var configuration = ServerConfiguration()
        adjust(&configuration)
        return configuration
    }

    // MARK: Pipelining

    @Test func pipelinedRequests_areAnswered_inOrder_inOneWrite() {
        let host = EmbeddedConnectionHost(responder: ScriptResponder())
        host.write(get("/a") + get("/b") + get("/c"))
        #expect(bodies(host.readOutputText()) == ["path=/a", "path=/b", "path=/c"])
        #expect(!host.isClosed)
    }

    @Test func requestSplitAcrossReads_isAnsweredOnce_whenComplete() {
        let host = EmbeddedConnectionHost(responder: ScriptResponder(), readBufferBytes: 7)
        let request = Array(get("/split").utf8)
        host.write(request[..<10])
        #expect(host.readOutput().isEmpty)
        host.write(request[10...])
        #expect(bodies(host.readOutputText()) == ["path=/split"])
    }

    // MARK: Gates

    @Test func gatedResponse_holdsThePipelinedRequestsBehindIt() {
        let gate = HandGate()
        let host = EmbeddedConnectionHost(responder: ScriptResponder(gate: gate))
        host.write(get("/gated") + get("/after"))
        #expect(gate.isWaitedOn)
        #expect(host.readOutput().isEmpty)
        #expect(!host.interest.contains(.read), "no reading while a response waits on its gate")

        gate.open()
        host.run()
        #expect(bodies(host.readOutputText()) == ["path=/gated", "path=/after"])
        #expect(host.interest.contains(.read))
    }

    @Test func gateOpenedWithAReplacement_sendsTheReplacement() {
        let gate = HandGate()
        let host = EmbeddedConnectionHost(responder: ScriptResponder(gate: gate))
        host.write(get("/gated"))
        gate.open(replacingWith: Response.problem(.serviceUnavailable, detail: "journal failed"))
        host.run()
        let text = host.readOutputText()
        #expect(text.hasPrefix("HTTP/1.1 503 Service Unavailable\r\n"))
        #expect(text.contains("journal failed"))
    }

    @Test func gatedResponse_isNotTimedOut_howeverLongItWaits() {
        let gate = HandGate()
        let host = EmbeddedConnectionHost(responder: ScriptResponder(gate: gate))
        host.write(get("/gated"))
        host.advance(by: .seconds(3600))
        #expect(!host.isClosed)
        #expect(host.readOutput().isEmpty)
        gate.open()
        host.run()
        #expect(bodies(host.readOutputText()) == ["path=/gated"])
    }

    @Test func clientLeavingWhileGated_closesWhenTheGateOpens() {
        let gate = HandGate()
        let host = EmbeddedConnectionHost(responder: ScriptResponder(gate: gate))
        host.write(get("/gated"))
        host.closeInput()
        #expect(!host.isClosed, "input is not read while the response waits, so the end is not seen yet")
        gate.open()
        host.run()
        #expect(bodies(host.readOutputText()) == ["path=/gated"])
        #expect(host.isClosed)
    }

    // MARK: Back-pressure

    @Test func fullSocket_stopsReading_andResumesWhenItDrains() {
        let host = EmbeddedConnectionHost(
            responder: ScriptResponder(bigBytes: 3000),
            configuration: Self.configuration { $0.connectionPolicy.writeHighWaterBytes = 4096 })
        host.setWindow(0)
        host.write(get("/big") + get("/big") + get("/big") + get("/last"))
        #expect(host.readOutput().isEmpty)
        #expect(!host.interest.contains(.read), "past the high-water mark the connection stops reading")
        #expect(host.interest.contains(.write))

        host.setWindow(nil)
        let text = host.readOutputText()
        #expect(bodies(text).map(\.count) == [3000, 3000, 3000, "path=/last".count])
        #expect(host.interest == .read)
    }

    @Test func clientThatNeverReads_isDropped_afterTheWriteTimeout() {
        let host = EmbeddedConnectionHost(
            responder: ScriptResponder(bigBytes: 10_000),
            configuration: Self.configuration { $0.connectionPolicy.writeTimeout = .seconds(30) })
        host.setWindow(100)
        host.write(get("/big"))
        #expect(host.readOutput().count == 100)
        host.advance(by: .seconds(29))
        #expect(!host.isClosed)
        host.setWindow(100)
        host.advance(by: .seconds(29))
        #expect(!host.isClosed, "progress restarts the write timeout")
        host.advance(by: .seconds(2))
        #expect(host.isClosed)
    }

    // MARK: Streams

    @Test func stream_isChunked_pulledWhenWoken_andTheNextRequestWaitsForItsEnd() {
        let stream = FedStream()
        let host = EmbeddedConnectionHost(responder: ScriptResponder(stream: stream))
        stream.push("one")
        host.write(get("/stream") + get("/after"))
        var text = host.readOutputText()
        #expect(text.contains("Transfer-Encoding: chunked\r\n\r\n3\r\none\r\n"))
        #expect(!text.contains("path=/after"))

        stream.push("two!")
        host.run()
        #expect(host.readOutputText() == "4\r\ntwo!\r\n")

        stream.finish()
        host.run()
        text = host.readOutputText()
        #expect(text.hasPrefix("0\r\n\r\nHTTP/1.1 200 OK\r\n"))
        #expect(text.hasSuffix("path=/after"))
        #expect(!host.isClosed)
    }

    @Test func stream_toHTTP10_endsWithTheClose() {
        let stream = FedStream()
        let host = EmbeddedConnectionHost(responder: ScriptResponder(stream: stream))
        host.write("GET /stream HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        stream.push("raw")
        stream.finish()
        host.run()
        let text = host.readOutputText()
        #expect(!text.contains("chunked"))
        #expect(text.hasSuffix("\r\n\r\nraw"))
        #expect(host.writeShutdown, "an HTTP/1.0 body without a length ends with the connection")
    }

    @Test func stream_isCutShort_byShutdown_withAValidEnd() {
        let stream = FedStream()
        let host = EmbeddedConnectionHost(responder: ScriptResponder(stream: stream))
        stream.push("partial")
        host.write(get("/stream"))
        _ = host.readOutput()
        host.beginDrain()
        #expect(host.readOutputText() == "0\r\n\r\n")
        #expect(stream.isCancelled)
        #expect(host.writeShutdown)
    }

    @Test func stream_clientLeaving_isNoticedWhileTheStreamWaits() {
        let stream = FedStream()
        let host = EmbeddedConnectionHost(responder: ScriptResponder(stream: stream))
        host.write(get("/stream"))
        #expect(host.interest.contains(.peerClosed))
        host.closeInput()
        #expect(host.isClosed)
        #expect(stream.isCancelled)
    }

    // MARK: Timeouts

    @Test func headThatStallsPastTheHeaderTimeout_gets408_thenTheConnectionLingersAndCloses() {
        let host = EmbeddedConnectionHost(
            responder: ScriptResponder(),
            configuration: Self.configuration {
                $0.connectionPolicy.headerTimeout = .seconds(10)
                $0.connectionPolicy.lingerTimeout = .seconds(2)
            })
        host.write("GET /slow HTTP/1.1\r\nHost: a\r\n")
        host.advance(by: .seconds(5))
        host.write("X-Trickle: 1\r\n")
        host.advance(by: .seconds(5) + .milliseconds(1))
        let text = host.readOutputText()
        #expect(text.hasPrefix("HTTP/1.1 408 Request Timeout\r\n"), "trickled bytes do not extend the head's time")
        #expect(text.contains("Connection: close"))
        #expect(host.writeShutdown)
        #expect(!host.isClosed)
        host.advance(by: .seconds(2) + .milliseconds(1))
        #expect(host.isClosed)
    }

    @Test func bodyThatStallsPastTheBodyTimeout_gets408() {
        let host = EmbeddedConnectionHost(
            responder: ScriptResponder(),
            configuration: Self.configuration { $0.connectionPolicy.bodyTimeout = .seconds(30) })
        host.write("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n12345")
        host.advance(by: .seconds(30))
        #expect(host.readOutput().isEmpty)
        host.advance(by: .milliseconds(1))
        let text = host.readOutputText()
        #expect(text.hasPrefix("HTTP/1.1 408 Request Timeout\r\n"))
        #expect(text.contains("body"))
    }

    @Test func idleConnection_closesSilently_afterTheIdleTimeout_countedFromTheLastResponse() {
        let host = EmbeddedConnectionHost(
            responder: ScriptResponder(),
            configuration: Self.configuration { $0.connectionPolicy.idleTimeout = .seconds(60) })
        host.advance(by: .seconds(50))
        host.write(get("/a"))
        _ = host.readOutput()
        host.advance(by: .seconds(59))
        #expect(!host.isClosed)
        host.advance(by: .seconds(2))
        #expect(host.isClosed)
        #expect(host.readOutput().isEmpty)
    }

    // MARK: Errors and close

    @Test func malformedRequest_after_aGoodOne_isAnsweredInOrder_thenClosed() {
        let host = EmbeddedConnectionHost(responder: ScriptResponder())
        host.write(get("/good") + "BAD\r\n\r\n" + get("/never"))
        let text = host.readOutputText()
        #expect(bodies(text).first == "path=/good")
        #expect(text.contains("HTTP/1.1 400 Bad Request\r\n"))
        #expect(!text.contains("/never"))
        #expect(host.writeShutdown)
    }

    @Test func connectionClose_fromTheClient_endsAfterThatResponse() {
        let host = EmbeddedConnectionHost(responder: ScriptResponder())
        host.write("GET /last HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n" + get("/ignored"))
        let text = host.readOutputText()
        #expect(bodies(text) == ["path=/last"])
        #expect(host.writeShutdown)
        host.closeInput()
        #expect(host.isClosed)
    }

    @Test func peerReset_closesAtOnce() {
        let gate = HandGate()
        let host = EmbeddedConnectionHost(responder: ScriptResponder(gate: gate))
        host.write(get("/gated"))
        host.reset()
        #expect(host.isClosed)
        gate.open()
        host.run()
        #expect(host.readOutput().isEmpty)
    }
}
