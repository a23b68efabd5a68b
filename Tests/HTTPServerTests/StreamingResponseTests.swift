import Dispatch
import Glibc
import HTTP1
import HTTPResponder
import HTTPServer
import HTTPTypes
import Synchronization
import TestSupport
import Testing

// Responses whose body is a `ResponseStream`, over real sockets: chunked framing for HTTP/1.1,
// a close-delimited body for HTTP/1.0, pulling only while the connection's output is under the
// high-water mark, the write timeout for a client that stops reading, drain, HEAD, pipelining.

/// A body the test scripts from any thread: the queued pieces, then `.wait` until another piece
/// is pushed, and the end once `finish()` was called and the queue is empty.
private final class ScriptedStream: ResponseStream {
    struct State {
        var queue: [[UInt8]] = []
        var finished = false
        var waker: StreamWaker?
        var pulls = 0
        var waits = 0
        var cancels = 0
        var pullsAfterCancel = 0
        var ended = false
    }

    private let state: Mutex<State>

    init(_ pieces: [String] = [], finished: Bool = false) {
        state = Mutex(State(queue: pieces.map { Array($0.utf8) }, finished: finished))
    }

    func next(wake: StreamWaker) -> StreamPiece {
        state.withLock { state in
            state.pulls += 1
            if state.cancels > 0 { state.pullsAfterCancel += 1 }
            if !state.queue.isEmpty { return .bytes(state.queue.removeFirst()) }
            if state.finished {
                state.ended = true
                return .end
            }
            state.waker = wake
            state.waits += 1
            return .wait
        }
    }

    func cancel() {
        state.withLock { $0.cancels += 1 }
    }

    /// Queues `piece` and wakes the connection if it waits; the waker runs outside the lock.
    func push(_ piece: String) {
        let waker = state.withLock { state -> StreamWaker? in
            state.queue.append(Array(piece.utf8))
            defer { state.waker = nil }
            return state.waker
        }
        waker?()
    }

    /// Ends the body once the queue is empty, and wakes the connection.
    func finish() {
        let waker = state.withLock { state -> StreamWaker? in
            state.finished = true
            defer { state.waker = nil }
            return state.waker
        }
        waker?()
    }

    /// Calls the last waker without queueing anything: a spurious wake-up.
    func wakeSpuriously() {
        let waker = state.withLock { $0.waker }
        waker?()
    }

    var current: State { state.withLock { $0 } }
    /// The connection has pulled everything queued and holds a waker.
    var isWaiting: Bool { state.withLock { $0.waker != nil && $0.queue.isEmpty } }
}

/// A body of `total` bytes (nil: endless) in pieces of `pieceSize`, whose bytes depend on their
/// offset (period 251, as `BigBody`). It counts what it handed out, framing included, and, once
/// `watch` gave it the server's sent-bytes counter, measures at every pull how many of those
/// bytes the server still held unsent: the connection's output (less the head), exactly.
private final class GeneratedStream: ResponseStream {
    struct State {
        var handed = 0
        /// `handed` plus the chunk framing of each piece (`10000\r\n…\r\n`).
        var framed = 0
        var pulls = 0
        var cancels = 0
        var pullsAfterCancel = 0
        /// The most bytes of this body the server held unsent when it pulled again.
        var maxUnsentAtPull = 0
    }

    let total: Int?
    let pieceSize: Int
    private let pattern: [UInt8]
    private let state = Mutex(State())
    private let sentBytes = Mutex<(@Sendable () -> Int)?>(nil)

    init(total: Int?, pieceSize: Int) {
        self.total = total
        self.pieceSize = pieceSize
        pattern = (0..<(pieceSize + 251)).map { UInt8($0 % 251) }
    }

    /// Measures against `sent`, the bytes the server has written to its sockets (this stream's
    /// connection must be the server's only traffic).
    func watch(_ sent: @escaping @Sendable () -> Int) {
        sentBytes.withLock { $0 = sent }
    }

    func next(wake: StreamWaker) -> StreamPiece {
        let sent = sentBytes.withLock { $0 }?()
        return state.withLock { state in
            state.pulls += 1
            if state.cancels > 0 { state.pullsAfterCancel += 1 }
            if let sent { state.maxUnsentAtPull = max(state.maxUnsentAtPull, state.framed - sent) }
            let count = min(pieceSize, (total ?? Int.max) - state.handed)
            guard count > 0 else { return .end }
            let start = state.handed % 251
            state.handed += count
            state.framed += count + String(count, radix: 16).utf8.count + 4
            return .bytes(Array(pattern[start..<start + count]))
        }
    }

    func cancel() {
        state.withLock { $0.cancels += 1 }
    }

    var current: State { state.withLock { $0 } }
}

/// Answers `path` with its stream (status `status`), anything else as `EchoResponder` does.
private struct StreamingResponder: Responder {
    var streams: [String: any ResponseStream]
    var status: HTTPResponse.Status = .ok

    func respond(to request: Request) -> Response {
        guard let stream = streams[request.path] else { return EchoResponder().respond(to: request) }
        var response = Response(status: status, headerFields: [.contentType: "text/plain; charset=utf-8"])
        response.stream = stream
        return response
    }
}

/// Raw bytes off a client's socket, for framing checked byte by byte. It reads with its own
/// `recv` calls: a client read through it is never also read through `RawClient.readResponse`.
private final class WireReader {
    let client: RawClient
    private(set) var bytes: [UInt8] = []
    private(set) var end: ConnectionEnd?
    private var scratch = [UInt8](repeating: 0, count: 64 * 1024)

    init(_ client: RawClient) {
        self.client = client
    }

    /// Receives until `done(bytes)` holds, the connection ends, or `timeout` passes; returns `done(bytes)`.
    @discardableResult
    func receive(within timeout: Duration = .seconds(5), until done: ([UInt8]) -> Bool) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !done(bytes) {
            let remaining = deadline - ContinuousClock.now
            guard end == nil, remaining > .zero else { return false }
            // SO_RCVTIMEO of zero would mean "forever".
            client.setReceiveTimeout(max(remaining, .milliseconds(1)))
            let count = scratch.withUnsafeMutableBytes { recv(client.fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                bytes.append(contentsOf: scratch[0..<count])
            } else if count == 0 {
                end = .closed
            } else {
                switch errno {
                case EINTR, EAGAIN, EWOULDBLOCK: continue
                case ECONNRESET: end = .reset
                case let code: end = .failed(errno: code)
                }
            }
        }
        return true
    }

    /// Receives until the bytes end with `suffix`.
    @discardableResult
    func receive(within timeout: Duration = .seconds(5), untilSuffix suffix: String) -> Bool {
        let tail = Array(suffix.utf8)
        return receive(within: timeout) { $0.count >= tail.count && $0.suffix(tail.count).elementsEqual(tail) }
    }

    /// Receives until the bytes contain `text`.
    @discardableResult
    func receive(within timeout: Duration = .seconds(5), untilContaining text: String) -> Bool {
        let needle = Array(text.utf8)
        return receive(within: timeout) { $0.firstRange(of: needle) != nil }
    }

    /// A bounded absence check: whether nothing (no byte, no close) arrives within `window`.
    func staysQuiet(for window: Duration) -> Bool {
        let before = bytes.count
        receive(within: window) { _ in false }
        return bytes.count == before && end == nil
    }

    /// The head (up to the empty line) and what follows it; nil before the head is complete.
    var split: (head: String, body: [UInt8])? {
        guard let end = bytes.firstRange(of: Array("\r\n\r\n".utf8))?.lowerBound else { return nil }
        return (String(decoding: bytes[..<end], as: UTF8.self), Array(bytes[(end + 4)...]))
    }

    var text: String { String(decoding: bytes, as: UTF8.self) }
}

/// The lines of a response head after the status line, as lowercased `name: value` pairs.
private func fields(_ head: String) -> [(name: String, value: String)] {
    head.split(separator: "\r\n").dropFirst().compactMap { line -> (name: String, value: String)? in
        guard let colon = line.firstIndex(of: ":") else { return nil }
        return (line[..<colon].lowercased(), String(line[line.index(after: colon)...].trimmingSpacesAndTabs()))
    }
}

private func field(_ name: String, in head: String) -> String? {
    fields(head).first { $0.name == name.lowercased() }?.value
}

/// Decodes a chunked body as it arrives (RFC 9112 §7.1), checking each data byte against the
/// period-251 pattern of `GeneratedStream`; strict about the CRLFs.
private struct ChunkedPatternDecoder {
    enum Phase: Equatable {
        case size, data(remaining: Int), dataEnd(expecting: UInt8), trailer(sawCR: Bool), done
        case failed(String)
    }

    private(set) var phase: Phase = .size
    private(set) var decoded = 0
    private(set) var intact = true
    private(set) var chunks = 0
    private var sizeLine: [UInt8] = []

    mutating func feed(_ bytes: ArraySlice<UInt8>) {
        var index = bytes.startIndex
        while index < bytes.endIndex {
            switch phase {
            case .size:
                let byte = bytes[index]
                index += 1
                if byte == 0x0A {
                    guard sizeLine.last == 0x0D,
                        let size = Int(String(decoding: sizeLine.dropLast(), as: UTF8.self), radix: 16)
                    else {
                        phase = .failed(
                            "bad chunk size line \(String(decoding: sizeLine, as: UTF8.self).debugDescription)")
                        return
                    }
                    sizeLine = []
                    chunks += 1
                    phase = size == 0 ? .trailer(sawCR: false) : .data(remaining: size)
                } else {
                    sizeLine.append(byte)
                }
            case .data(let remaining):
                let take = Swift.min(remaining, bytes.endIndex - index)
                for byte in bytes[index..<index + take] {
                    if byte != UInt8(decoded % 251) { intact = false }
                    decoded += 1
                }
                index += take
                phase = remaining == take ? .dataEnd(expecting: 0x0D) : .data(remaining: remaining - take)
            case .dataEnd(let expected):
                guard bytes[index] == expected else {
                    phase = .failed("chunk data not followed by CRLF")
                    return
                }
                index += 1
                phase = expected == 0x0D ? .dataEnd(expecting: 0x0A) : .size
            case .trailer(let sawCR):
                let byte = bytes[index]
                index += 1
                if !sawCR && byte == 0x0D {
                    phase = .trailer(sawCR: true)
                } else if sawCR && byte == 0x0A {
                    phase = .done
                } else {
                    phase = .failed("trailer fields after the last chunk")
                    return
                }
            case .done:
                phase = .failed("bytes after the last chunk")
                return
            case .failed:
                return
            }
        }
    }
}

@Suite(.blocking)
struct StreamingResponseTests {
    // MARK: Framing

    @Test func chunkedStream_sendsEachPieceAsOneChunk_skipsEmptyPieces_andEndsWithTheLastChunk() throws {
        let long = String(repeating: "abcdefghij", count: 30)
        let stream = ScriptedStream(["hello", "", " world", long], finished: true)
        let server = try TestServer.make(responder: StreamingResponder(streams: ["/stream": stream]))
        defer { server.stop() }
        let client = try server.connect()
        defer { client.close() }
        let wire = WireReader(client)

        try client.send(Wire.get("/stream", "X-Request-ID: trace-stream"))
        #expect(
            wire.receive(untilSuffix: "0\r\n\r\n"), "the last chunk should arrive; got \(wire.text.debugDescription)")

        let (head, body) = try #require(wire.split)
        #expect(head.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(field("Transfer-Encoding", in: head) == "chunked")
        #expect(field("Content-Length", in: head) == nil)
        #expect(field("Content-Type", in: head) == "text/plain; charset=utf-8")
        #expect(field("X-Request-ID", in: head) == "trace-stream")
        #expect(field("Date", in: head) != nil)
        #expect(field("Connection", in: head) == nil, "an HTTP/1.1 stream keeps the connection")
        let expected = "5\r\nhello\r\n6\r\n world\r\n12c\r\n\(long)\r\n0\r\n\r\n"
        #expect(String(decoding: body, as: UTF8.self) == expected)
        #expect(stream.current.ended)
        #expect(stream.current.cancels == 0, "a stream that ended is not cancelled")
        #expect(wire.staysQuiet(for: .milliseconds(100)), "nothing follows the last chunk")

        // The connection is kept alive and answers the next request.
        let after = WireReader(client)
        try client.send(Wire.get("/after"))
        #expect(after.receive(untilSuffix: "path=/after query="))
    }

    @Test func chunkedStream_decodesToItsPieces_withARawClient() throws {
        let pieces = (0..<50).map { "piece \($0) 网格;" }
        let stream = ScriptedStream(pieces, finished: true)
        let server = try TestServer.make(responder: StreamingResponder(streams: ["/stream": stream]))
        defer { server.stop() }
        let client = try server.connect()
        defer { client.close() }

        let response = try client.roundTrip(Wire.get("/stream"))
        #expect(response.status == 200)
        #expect(response.value("Transfer-Encoding") == "chunked")
        #expect(response.text == pieces.joined())
        #expect(try client.roundTrip(Wire.get("/after")).value("X-Echo-Path") == "/after")
    }

    @Test func waitingStream_resumes_whenWokenFromAnotherThread() throws {
        let stream = ScriptedStream()
        let server = try TestServer.make(responder: StreamingResponder(streams: ["/stream": stream]))
        defer { server.stop() }
        let client = try server.connect()
        defer { client.close() }
        let wire = WireReader(client)

        try client.send(Wire.get("/stream"))
        try #require(eventually { stream.isWaiting }, "the connection should pull, get .wait, and hold a waker")
        // The head goes out while the stream waits.
        #expect(wire.receive(untilSuffix: "\r\n\r\n"))
        #expect(wire.staysQuiet(for: .milliseconds(200)), "no chunk before the stream has one")

        let other = DispatchQueue(label: "stream-test.producer")
        other.async { stream.push("tick-1") }
        #expect(wire.receive(untilSuffix: "6\r\ntick-1\r\n"), "the wake-up should resume the stream")
        try #require(eventually { stream.isWaiting })

        // A spurious wake-up costs one pull and sends nothing.
        let pullsBefore = stream.current.pulls
        other.async { stream.wakeSpuriously() }
        try #require(eventually { stream.current.pulls == pullsBefore + 1 && stream.isWaiting })
        #expect(wire.staysQuiet(for: .milliseconds(100)))

        other.async {
            stream.push("tick-2")
            stream.push("tick-3")
        }
        #expect(wire.receive(untilContaining: "tick-3\r\n"))
        other.async { stream.finish() }
        #expect(wire.receive(untilSuffix: "0\r\n\r\n"))
        let (_, body) = try #require(wire.split)
        #expect(String(decoding: body, as: UTF8.self) == "6\r\ntick-1\r\n6\r\ntick-2\r\n6\r\ntick-3\r\n0\r\n\r\n")
        #expect(stream.current.cancels == 0)
    }

    // MARK: Back-pressure

    @Test func largeStream_toASlowReader_arrivesComplete_andIsPulledOnlyBelowTheHighWaterMark() throws {
        let highWater = 256 * 1024
        let total = 20 << 20
        let stream = GeneratedStream(total: total, pieceSize: 64 * 1024)
        let server = try TestServer.make(responder: StreamingResponder(streams: ["/big": stream])) {
            $0.connectionPolicy.writeHighWaterBytes = highWater
        }
        defer { server.stop() }
        let inner = server.server
        stream.watch { inner.bytesTransferred.sent }
        let client = try server.connect(receiveTimeout: .seconds(10), receiveBufferBytes: 64 * 1024)
        defer { client.close() }

        try client.send(Wire.get("/big"))
        // The client reads nothing at first: the server pulls until its output is full, then stops.
        try #require(eventually { stream.current.handed >= highWater }, "the stream should be pulled at once")
        #expect(
            !eventually(within: .milliseconds(500)) { stream.current.handed >= total / 2 },
            "a client that does not read must stop the pulling (handed \(stream.current.handed) bytes)")

        // Now read, a little at a time.
        var decoder = ChunkedPatternDecoder()
        var head: [UInt8] = []
        let emptyLine: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A]
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        var reads = 0
        readLoop: while decoder.phase != .done {
            let count = buffer.withUnsafeMutableBytes { recv(client.fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else {
                Issue.record(
                    "the connection ended or stalled after \(decoder.decoded) bytes (recv \(count), errno \(errno))")
                break readLoop
            }
            reads += 1
            var slice = buffer[0..<count]
            // Until the empty line, bytes belong to the head.
            while !head.suffix(4).elementsEqual(emptyLine), let byte = slice.first {
                head.append(byte)
                slice = slice.dropFirst()
            }
            decoder.feed(slice)
            if case .failed(let why) = decoder.phase {
                Issue.record("bad framing: \(why)")
                break readLoop
            }
        }

        let headText = String(decoding: head, as: UTF8.self)
        #expect(headText.hasPrefix("HTTP/1.1 200 OK"))
        #expect(field("Transfer-Encoding", in: headText) == "chunked")
        #expect(decoder.phase == .done)
        #expect(decoder.decoded == total, "every byte arrives")
        #expect(decoder.intact, "no byte is lost, repeated or reordered")
        #expect(decoder.chunks == total / stream.pieceSize + 1, "one chunk per piece, then the last chunk")
        #expect(reads > 100, "the client read in many small steps")
        let state = stream.current
        #expect(state.handed == total)
        #expect(state.pulls == total / stream.pieceSize + 1, "pulled once per piece, and once for the end")
        // When it pulls, the output holds the head plus `framed - sent` bytes, and must be under the mark.
        #expect(
            state.maxUnsentAtPull < highWater,
            "pulled while \(state.maxUnsentAtPull) bytes were unsent (mark \(highWater))")
        #expect(state.maxUnsentAtPull >= highWater - 2 * stream.pieceSize, "the output filled up to the mark")
        #expect(state.cancels == 0)
        // The connection is still usable.
        let after = WireReader(client)
        try client.send(Wire.get("/after"))
        #expect(after.receive(untilSuffix: "path=/after query="))
    }

    @Test func clientThatNeverReads_isDropped_afterTheWriteTimeout_andTheStreamIsCancelled() throws {
        let highWater = 128 * 1024
        let stream = GeneratedStream(total: nil, pieceSize: 64 * 1024)
        let writeTimeout = Duration.milliseconds(500)
        let server = try TestServer.make(responder: StreamingResponder(streams: ["/endless": stream])) {
            $0.connectionPolicy.writeTimeout = writeTimeout
            $0.connectionPolicy.writeHighWaterBytes = highWater
        }
        defer { server.stop() }
        let inner = server.server
        stream.watch { inner.bytesTransferred.sent }
        let client = try server.connect(receiveBufferBytes: 16 * 1024)
        defer { client.close() }

        let sent = ContinuousClock.now
        try client.send(Wire.get("/endless"))
        try #require(
            eventually(within: .seconds(5)) { stream.current.cancels > 0 },
            "a client that never reads should be dropped after the write timeout")
        let elapsed = ContinuousClock.now - sent
        #expect(elapsed >= writeTimeout, "dropped after \(elapsed), before the write timeout")
        #expect(eventually { server.openConnections == 0 })
        let state = stream.current
        #expect(state.cancels == 1, "cancel is called once")
        #expect(state.pullsAfterCancel == 0, "a cancelled stream is not pulled again")
        #expect(state.maxUnsentAtPull < highWater, "pulled while \(state.maxUnsentAtPull) bytes were unsent")
        #expect(state.handed < 64 << 20, "the endless stream was pulled for \(state.handed) bytes")
        // The client finds the connection ended (after whatever the kernel had buffered).
        let (end, bytes) = client.readUntilClosed()
        #expect(end.isClosedByServer, "the connection is \(end)")
        #expect(!bytes.suffix(5).elementsEqual(Array("0\r\n\r\n".utf8)), "a dropped stream does not end cleanly")
    }

    @Test func clientThatCloses_whileTheStreamWaits_getsTheStreamCancelled() throws {
        // Nothing is ever written to this connection again, so only the close itself can tell
        // the server that the client has gone.
        let stream = ScriptedStream(["first"])
        let server = try TestServer.make(responder: StreamingResponder(streams: ["/stream": stream]))
        defer { server.stop() }
        let client = try server.connect()
        let wire = WireReader(client)

        try client.send(Wire.get("/stream"))
        #expect(wire.receive(untilSuffix: "5\r\nfirst\r\n"))
        try #require(eventually { stream.isWaiting })
        client.close()

        #expect(
            eventually(within: .seconds(2)) { stream.current.cancels == 1 },
            "the stream should be cancelled when its client leaves")
        #expect(eventually(within: .seconds(1)) { server.openConnections == 0 })
    }

    // MARK: Shutdown

    @Test func drain_endsAWaitingStream_withTheLastChunk_andCloses() throws {
        let stream = ScriptedStream(["first", "second"])
        let server = try TestServer.make(responder: StreamingResponder(streams: ["/stream": stream]))
        defer { server.stop() }
        let client = try server.connect()
        defer { client.close() }

        try client.send(Wire.get("/stream"))
        try #require(eventually { stream.isWaiting && stream.current.pulls == 3 })
        server.shutdown()

        let response = try client.readResponse()
        #expect(response.status == 200)
        #expect(response.value("Transfer-Encoding") == "chunked")
        #expect(response.text == "firstsecond", "the body ends cleanly with what was sent")
        expectServerClosed(client)
        client.close()
        #expect(stream.current.cancels == 1, "drain cancels the stream")
        #expect(stream.current.pullsAfterCancel == 0)
        #expect(eventually { server.openConnections == 0 })
        server.wait()
    }

    @Test func drain_endsAStreamThatIsStillProducing() throws {
        let stream = GeneratedStream(total: nil, pieceSize: 1000)
        let server = try TestServer.make(responder: StreamingResponder(streams: ["/endless": stream])) {
            $0.connectionPolicy.writeHighWaterBytes = 64 * 1024
        }
        defer { server.stop() }
        let client = try server.connect()
        defer { client.close() }

        try client.send(Wire.get("/endless"))
        try #require(eventually { stream.current.handed > 0 })
        server.shutdown()

        let response = try client.readResponse()
        #expect(response.status == 200)
        #expect(!response.body.isEmpty)
        #expect(response.body.count % 1000 == 0, "whole pieces only: \(response.body.count) bytes")
        #expect(BigBody.isIntact(response.body))
        expectServerClosed(client)
        let state = stream.current
        #expect(state.cancels == 1)
        #expect(state.pullsAfterCancel == 0)
        #expect(state.handed == response.body.count, "every piece pulled was delivered")
    }

    // MARK: HEAD, statuses without content, HTTP/1.0

    @Test func head_getsTheHeadOnly_andTheStreamIsCancelledUnpulled() throws {
        let stream = ScriptedStream(["never sent"], finished: true)
        let server = try TestServer.make(responder: StreamingResponder(streams: ["/stream": stream]))
        defer { server.stop() }
        let client = try server.connect()
        defer { client.close() }

        let head = try client.roundTrip(Wire.head("/stream"), isHeadRequest: true)
        // Had any body byte followed the head, this response would not parse.
        let after = try client.roundTrip(Wire.get("/after"))

        #expect(head.status == 200)
        #expect(head.value("Content-Type") == "text/plain; charset=utf-8")
        #expect(head.value("Content-Length") == nil)
        #expect(after.value("X-Echo-Path") == "/after")
        #expect(after.text == "path=/after query=")
        #expect(stream.current.cancels == 1, "the unsent stream is cancelled")
        #expect(stream.current.pulls == 0, "and never pulled")
    }

    @Test func notModifiedStatus_withAStream_sendsNoBody_andCancelsIt() throws {
        let stream = ScriptedStream(["never sent"], finished: true)
        let server = try TestServer.make(
            responder: StreamingResponder(streams: ["/stream": stream], status: .notModified))
        defer { server.stop() }
        let client = try server.connect()
        defer { client.close() }

        let response = try client.roundTrip(Wire.get("/stream"))
        let after = try client.roundTrip(Wire.get("/after"))

        #expect(response.status == 304)
        #expect(response.value("Transfer-Encoding") == nil)
        #expect(after.value("X-Echo-Path") == "/after")
        #expect(stream.current.cancels == 1)
        #expect(stream.current.pulls == 0)
    }

    @Test(arguments: ["", "Connection: keep-alive\r\n"])
    func http10Request_getsACloseDelimitedBody(_ extraField: String) throws {
        let stream = ScriptedStream(["one ", "two ", "three"], finished: true)
        let server = try TestServer.make(responder: StreamingResponder(streams: ["/stream": stream]))
        defer { server.stop() }
        let client = try server.connect()
        defer { client.close() }
        let wire = WireReader(client)

        try client.send("GET /stream HTTP/1.0\r\nHost: localhost\r\n\(extraField)\r\n")
        wire.receive { _ in false }  // until the server closes (or 5 s pass)

        #expect(
            wire.end?.isClosedByServer == true,
            "the body ends with the connection; it is \(String(describing: wire.end))")
        let (head, body) = try #require(wire.split)
        #expect(head.hasPrefix("HTTP/1.1 200 OK"))
        #expect(field("Transfer-Encoding", in: head) == nil, "no chunked coding for an HTTP/1.0 client")
        #expect(field("Content-Length", in: head) == nil)
        #expect(field("Connection", in: head) == "close")
        #expect(String(decoding: body, as: UTF8.self) == "one two three", "the raw pieces, unframed")
        #expect(stream.current.ended)
        // The server shut its side and lingers until the client closes too.
        client.close()
        #expect(eventually { server.openConnections == 0 })
    }

    // MARK: Pipelining

    @Test func pipelinedRequests_afterAFiniteStream_areAnsweredAfterIt_inOrder() throws {
        let stream = ScriptedStream(["alpha", "beta", "gamma"], finished: true)
        let server = try TestServer.make(responder: StreamingResponder(streams: ["/stream": stream]))
        defer { server.stop() }
        let client = try server.connect()
        defer { client.close() }

        try client.send(Wire.get("/stream") + Wire.post("/after", body: "second") + Wire.get("/last"))
        let first = try client.readResponse()
        let second = try client.readResponse()
        let third = try client.readResponse()

        #expect(first.value("Transfer-Encoding") == "chunked")
        #expect(first.text == "alphabetagamma")
        #expect(second.value("X-Echo-Path") == "/after")
        #expect(second.text == "second")
        #expect(third.value("X-Echo-Path") == "/last")
        #expect(client.pollNow() == nil, "three responses, nothing more, connection open")
    }

    @Test func pipelinedRequest_behindAWaitingStream_isAnsweredOnlyOnceTheStreamEnds() throws {
        let stream = ScriptedStream(["first"])
        let server = try TestServer.make(responder: StreamingResponder(streams: ["/stream": stream]))
        defer { server.stop() }
        let client = try server.connect()
        defer { client.close() }
        let wire = WireReader(client)

        try client.send(Wire.get("/stream") + Wire.get("/after"))
        #expect(wire.receive(untilSuffix: "5\r\nfirst\r\n"))
        try #require(eventually { stream.isWaiting })
        #expect(wire.staysQuiet(for: .milliseconds(300)), "the pipelined request must wait for the stream")

        stream.push("more")
        stream.finish()
        #expect(wire.receive(untilSuffix: "path=/after query="), "got \(wire.text.debugDescription)")
        let (_, rest) = try #require(wire.split)
        let chunks = Array("5\r\nfirst\r\n4\r\nmore\r\n0\r\n\r\n".utf8)
        #expect(
            rest.starts(with: chunks),
            "the stream's body: \(String(decoding: rest, as: UTF8.self).debugDescription)")
        let next = String(decoding: rest.dropFirst(chunks.count), as: UTF8.self)
        #expect(next.hasPrefix("HTTP/1.1 200 OK\r\n"), "the next response follows the last chunk")
        #expect(next.contains("X-Echo-Path: /after"))
    }
}
