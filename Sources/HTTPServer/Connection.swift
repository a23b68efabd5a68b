import HTTP1
import HTTPTypes
import Logging
import Synchronization

/// One client connection: reads bytes into the parser, answers each request in order, writes
/// with back-pressure, and follows its `ConnectionStateMachine` for keep-alive, timeouts and close.
///
/// Concurrency: confined to its event loop's thread; never shared.
final class Connection {
    let fd: Int32
    let peer: String
    private unowned let loop: EventLoop
    private var parser: RequestParser
    private var machine: ConnectionStateMachine
    private var output = OutputBuffer()
    private var registered: Poller.Interest = .read
    private var lingerDiscarded = 0
    /// The body being streamed, and whether it is chunked (not for HTTP/1.0).
    private var stream: (any ResponseStream)?
    private var streamChunked = true
    private(set) var isClosed = false

    static let continueLine: [UInt8] = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)
    static let maxLingerDiscard = 1024 * 1024

    init(fd: Int32, peer: String, loop: EventLoop) {
        self.fd = fd
        self.peer = peer
        self.loop = loop
        self.parser = RequestParser(limits: loop.context.limits)
        self.machine = ConnectionStateMachine(limits: loop.context.limits, now: loop.now)
    }

    // MARK: Events from the loop

    func readable() {
        guard !isClosed else { return }
        if machine.phase == .lingering {
            discardLingeringInput()
            return
        }
        if stream != nil && !machine.wantsInput {
            // Only EPOLLRDHUP is watched while streaming: the client has gone.
            perform(machine.failed())
            return
        }
        guard machine.wantsInput else {
            updateInterest()
            return
        }
        switch Socket.read(fd, into: loop.readBuffer) {
        case .bytes(let count):
            loop.bytesIn.add(count, ordering: .relaxed)
            parser.feed(UnsafeRawBufferPointer(rebasing: loop.readBuffer[0..<count]))
            processInput()
        case .endOfFile:
            peerClosed()
        case .wouldBlock:
            return
        case .failed:
            perform(machine.failed())
        }
    }

    func writable() {
        guard !isClosed else { return }
        flush()
        if stream != nil && !isClosed && output.count < loop.context.limits.writeHighWaterBytes {
            pumpStream()
            return
        }
        if !isClosed && output.count < loop.context.limits.writeHighWaterBytes && parser.bufferedByteCount > 0 {
            // Back-pressure is released: answer the pipelined requests that waited.
            processInput()
        }
    }

    func hangup() {
        guard !isClosed else { return }
        perform(machine.failed())
    }

    func tick() {
        guard !isClosed else { return }
        let action = machine.tick(now: loop.now)
        if action == .timeoutAndClose {
            let phase = parser.phase == .body ? "body" : "head"
            let error = HTTPParseError(.requestTimeout, "The request \(phase) did not arrive in time.")
            writeError(error)
            flush()
        } else {
            perform(action)
        }
    }

    func beginDrain() {
        guard !isClosed else { return }
        if stream != nil {
            // A stream never ends by itself: end it here, and the connection with it.
            machine.closeAfterResponse()
            endStream()
            flush()
        }
        perform(machine.beginDrain())
    }

    // MARK: Requests

    private func processInput() {
        let highWater = loop.context.limits.writeHighWaterBytes
        var pausedAtHighWater: Bool
        repeat {
            pausedAtHighWater = false
            parsing: while !machine.closeAfterFlush && !machine.awaitingResponse {
                guard output.count < highWater else {
                    pausedAtHighWater = true
                    break
                }
                let event: RequestParser.Event
                do {
                    event = try parser.next()
                } catch {
                    writeError(error)
                    break
                }
                switch event {
                case .needMoreData:
                    break parsing
                case .continueExpected:
                    output.append { $0.append(contentsOf: Self.continueLine) }
                case .request(let request):
                    handle(request)
                }
            }
            machine.parserAdvanced(to: parser.phase, now: loop.now)
            flush()
            // If the socket took everything, no EPOLLOUT will come to resume the requests that
            // are still buffered, so keep going here.
        } while pausedAtHighWater && !isClosed && output.count < highWater
    }

    private func handle(_ incoming: Request) {
        var request = incoming
        let started = MonotonicInstant.now()
        request.id = RequestIDGenerator.clientSupplied(request.headerFields[.requestID]) ?? loop.nextRequestID()
        var response = loop.context.responder.respond(to: request)
        guard let gate = response.gate else {
            send(response, to: request, started: started)
            return
        }
        response.gate = nil
        machine.responseDeferred()
        // Confined to the loop: the closure only hands the connection back to its own thread.
        nonisolated(unsafe) let connection = self
        let loop = self.loop
        gate.whenOpen { [response, request] replacement in
            loop.execute { connection.gateOpened(replacement ?? response, to: request, started: started) }
        }
    }

    /// A deferred response may go: write it, then answer the requests that queued behind it.
    private func gateOpened(_ response: Response, to request: Request, started: MonotonicInstant) {
        machine.deferredResponseReady()
        guard !isClosed else { return }
        send(response, to: request, started: started)
        processInput()
        updateInterest()
    }

    private func send(_ incoming: Response, to request: Request, started: MonotonicInstant) {
        var response = incoming
        let responderKeepAlive = !(response.headerFields[.connection]?.lowercased().contains("close") ?? false)
        let keepAlive = machine.requestCompleted(
            // An HTTP/1.0 client learns where a streamed body ends only from the close.
            clientKeepAlive: request.keepAlive && (response.stream == nil || request.version != .http1_0),
            responderKeepAlive: responderKeepAlive
        )
        response.headerFields[.requestID] = request.id
        let framing = ResponseSerializer.Framing(
            date: loop.date,
            keepAlive: keepAlive,
            requestVersion: request.version,
            omitBody: request.method == .head
        )
        let before = output.count
        if let body = response.stream {
            output.append { ResponseSerializer.writeHead(response, framing: framing, contentLength: nil, into: &$0) }
            if framing.omitBody || !ResponseSerializer.mayHaveBody(response.status) {
                body.cancel()
            } else {
                startStream(body, chunked: request.version != .http1_0)
            }
        } else {
            enqueue(response, framing: framing)
        }
        loop.context.observe(request, status: response.status, started: started)
        loop.context.logAccess(
            method: request.method.rawValue,
            target: request.head.path ?? request.path,
            status: response.status.code,
            bytes: output.count - before,
            started: started,
            requestID: request.id,
            peer: peer
        )
    }

    // MARK: Streams

    private func startStream(_ body: any ResponseStream, chunked: Bool) {
        stream = body
        streamChunked = chunked
        machine.responseDeferred()
        pumpStream()
        updateInterest()
    }

    /// Pulls from the stream while the output stays under the high-water mark.
    private func pumpStream() {
        guard let body = stream, !isClosed else { return }
        // Confined to the loop: the waker only hands the connection back to its own thread.
        nonisolated(unsafe) let connection = self
        let loop = self.loop
        let waker = StreamWaker { loop.execute { connection.pumpStream() } }
        let highWater = loop.context.limits.writeHighWaterBytes
        while !isClosed {
            while output.count < highWater {
                switch body.next(wake: waker) {
                case .bytes(let bytes):
                    if streamChunked {
                        output.append { ResponseSerializer.writeChunk(bytes, into: &$0) }
                    } else {
                        output.append { $0.append(contentsOf: bytes) }
                    }
                case .wait:
                    flush()
                    return
                case .end:
                    stream = nil
                    if streamChunked {
                        output.append { ResponseSerializer.writeLastChunk(into: &$0) }
                    } else {
                        machine.closeAfterResponse()
                    }
                    machine.deferredResponseReady()
                    flush()
                    // Requests pipelined behind the stream are answered now.
                    processInput()
                    return
                }
            }
            flush()
            // If the socket took it all, no EPOLLOUT will come: keep pulling here.
            guard output.count < highWater else { return }
        }
    }

    /// Ends the stream early (shutdown): the client sees a complete, shorter body.
    private func endStream() {
        guard let body = stream else { return }
        stream = nil
        body.cancel()
        if streamChunked { output.append { ResponseSerializer.writeLastChunk(into: &$0) } }
        machine.deferredResponseReady()
    }

    private func enqueue(_ response: Response, framing: ResponseSerializer.Framing) {
        if response.body.count >= 64 * 1024 && !framing.omitBody && ResponseSerializer.mayHaveBody(response.status) {
            output.append {
                ResponseSerializer.writeHead(response, framing: framing, contentLength: response.body.count, into: &$0)
            }
            output.appendShared(response.body)
        } else {
            output.append { ResponseSerializer.write(response, framing: framing, into: &$0) }
        }
    }

    /// Answers a request that could not be parsed (or timed out), once, then closes.
    private func writeError(_ error: HTTPParseError) {
        machine.protocolError()
        let requestID = loop.nextRequestID()
        var response = Response.problem(error.status, detail: error.detail)
        response.headerFields[.requestID] = requestID
        let framing = ResponseSerializer.Framing(
            date: loop.date,
            keepAlive: false,
            requestVersion: .http1_1,
            omitBody: false
        )
        let before = output.count
        enqueue(response, framing: framing)
        loop.context.observe(nil, status: error.status, started: nil)
        loop.context.logAccess(
            method: "-",
            target: "-",
            status: error.status.code,
            bytes: output.count - before,
            started: loop.now,
            requestID: requestID,
            peer: peer
        )
    }

    // MARK: Socket

    private func flush() {
        guard !isClosed else { return }
        let (sent, failure) = output.send(to: fd)
        if sent > 0 { loop.bytesOut.add(sent, ordering: .relaxed) }
        if failure != nil {
            perform(machine.failed())
            return
        }
        perform(machine.wrote(progress: sent > 0, remaining: !output.isEmpty, now: loop.now))
        updateInterest()
    }

    private func peerClosed() {
        perform(machine.peerClosedInput(partialRequest: parser.phase != .idle))
        updateInterest()
    }

    private func discardLingeringInput() {
        switch Socket.read(fd, into: loop.readBuffer) {
        case .bytes(let count):
            lingerDiscarded += count
            if lingerDiscarded > Self.maxLingerDiscard { perform(machine.failed()) }
        case .wouldBlock:
            return
        case .endOfFile, .failed:
            perform(machine.failed())
        }
    }

    private func perform(_ action: ConnectionStateMachine.Action) {
        switch action {
        case .none:
            return
        case .timeoutAndClose:
            // Only `tick` produces this, and it handles it.
            return
        case .shutdownWriteAndLinger:
            Socket.shutdownWrite(fd)
            updateInterest()
        case .close:
            guard !isClosed else { return }
            isClosed = true
            stream?.cancel()
            stream = nil
            loop.connectionClosed(self)
        }
    }

    private func updateInterest() {
        guard !isClosed else { return }
        var wanted: Poller.Interest = []
        if machine.wantsInput && output.count < loop.context.limits.writeHighWaterBytes {
            wanted.insert(.read)
        } else if stream != nil {
            // A stream may wait for a long time with nothing to write: notice a client leaving.
            wanted.insert(.peerClosed)
        }
        if !output.isEmpty { wanted.insert(.write) }
        if wanted != registered {
            loop.poller.modify(fd, interest: wanted)
            registered = wanted
        }
    }
}

@available(*, unavailable)
extension Connection: Sendable {}
