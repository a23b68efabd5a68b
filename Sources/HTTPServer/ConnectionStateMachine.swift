package import HTTP1

/// The lifecycle of one connection as a value: it is told what happened and returns what to do.
/// It owns the decisions (keep-alive, timeouts, draining, lingering close); `Connection` owns
/// the socket and performs them. Tested without I/O.
package struct ConnectionStateMachine: Sendable {
    /// Where the connection is.
    package enum Phase: Sendable, Equatable {
        /// Waiting for the first byte of a request.
        case idle
        /// Receiving a request head.
        case head
        /// Receiving a request body.
        case body
        /// Response sent with `Connection: close`; the write side is shut, unread input is discarded.
        case lingering
        /// Done.
        case closed
    }

    /// What the connection must do.
    package enum Action: Sendable, Equatable {
        /// Nothing.
        case none
        /// Answer `408 Request Timeout`, then close.
        case timeoutAndClose
        /// Shut the write side and discard input until the peer closes or the linger time ends.
        case shutdownWriteAndLinger
        /// Close the socket now.
        case close
    }

    package let policy: ConnectionPolicy
    package private(set) var phase: Phase = .idle
    package private(set) var phaseStarted: MonotonicInstant
    package private(set) var closeAfterFlush = false
    package private(set) var draining = false
    package private(set) var outputPending = false
    package private(set) var inputEnded = false
    /// A response is waiting on its gate (a journal fsync) or is being streamed: read nothing,
    /// time nothing out but the writes.
    package private(set) var awaitingResponse = false
    /// The framing of the body being streamed, if one is: chunked, or (to an HTTP/1.0 client)
    /// ended by closing the connection.
    package private(set) var streaming: StreamFraming?
    private var lastWriteProgress: MonotonicInstant
    private var answeredSinceAdvance = false

    /// How a streamed body ends.
    package enum StreamFraming: Sendable, Equatable {
        /// With the last chunk; the connection may stay open.
        case chunked
        /// With the close of the connection (HTTP/1.0 has no chunked coding).
        case closeDelimited
    }

    /// A new connection, accepted at `now`.
    package init(policy: ConnectionPolicy, now: MonotonicInstant) {
        self.policy = policy
        self.phaseStarted = now
        self.lastWriteProgress = now
    }

    /// Whether the connection should read from the socket now.
    package var wantsInput: Bool {
        switch phase {
        case .lingering: return !inputEnded
        case .closed: return false
        default: return !inputEnded && !closeAfterFlush && !awaitingResponse
        }
    }

    /// The response to the last request waits on a gate.
    package mutating func responseDeferred() {
        awaitingResponse = true
    }

    /// The deferred response is ready to be written.
    package mutating func deferredResponseReady() {
        awaitingResponse = false
    }

    /// The parser moved to `parserPhase` (or stayed there). A phase's timer starts when it is entered,
    /// so trickling bytes cannot extend it.
    package mutating func parserAdvanced(to parserPhase: RequestParser.Phase, now: MonotonicInstant) {
        guard phase != .lingering && phase != .closed else { return }
        let next: Phase
        switch parserPhase {
        case .idle: next = .idle
        case .head: next = .head
        case .body: next = .body
        }
        // A request answered within one read goes idle → idle; the idle period still starts anew.
        if next != phase || (next == .idle && answeredSinceAdvance) {
            phase = next
            phaseStarted = now
        }
        answeredSinceAdvance = false
    }

    /// A request was answered. Returns whether the connection stays open after this response.
    package mutating func requestCompleted(clientKeepAlive: Bool, responderKeepAlive: Bool = true) -> Bool {
        let keepAlive = clientKeepAlive && responderKeepAlive && !draining && !closeAfterFlush && !inputEnded
        if !keepAlive { closeAfterFlush = true }
        answeredSinceAdvance = true
        return keepAlive
    }

    /// The request could not be parsed: its error response is the last.
    package mutating func protocolError() {
        closeAfterFlush = true
    }

    /// Whether a response body is being streamed.
    package var isStreaming: Bool { streaming != nil }

    /// Whether the body being streamed is sent in chunks.
    package var streamIsChunked: Bool { streaming == .chunked }

    /// The response's head is written and its body will be pulled from a stream.
    package mutating func streamStarted(chunked: Bool) {
        streaming = chunked ? .chunked : .closeDelimited
        awaitingResponse = true
    }

    /// The stream ended by itself; a close-delimited body ends the connection too.
    package mutating func streamEnded() {
        if streaming == .closeDelimited { closeAfterFlush = true }
        streaming = nil
        awaitingResponse = false
    }

    /// The stream was cut short (shutdown): its body is ended now, and so is the connection.
    package mutating func streamCut() {
        closeAfterFlush = true
        streaming = nil
        awaitingResponse = false
    }

    /// A write attempt finished with `remaining` bytes still queued.
    package mutating func wrote(progress: Bool, remaining: Bool, now: MonotonicInstant) -> Action {
        if progress || !outputPending { lastWriteProgress = now }
        // The idle period begins when the last response has left, not when its request arrived.
        if progress && !remaining && phase == .idle { phaseStarted = now }
        outputPending = remaining
        guard !remaining, closeAfterFlush, !awaitingResponse, phase != .lingering, phase != .closed else {
            return .none
        }
        if inputEnded {
            phase = .closed
            return .close
        }
        phase = .lingering
        phaseStarted = now
        return .shutdownWriteAndLinger
    }

    /// The peer closed its sending side. Complete requests already parsed have been answered.
    package mutating func peerClosedInput(partialRequest: Bool) -> Action {
        inputEnded = true
        if phase == .lingering || !outputPending || partialRequest {
            phase = .closed
            return .close
        }
        closeAfterFlush = true
        return .none
    }

    /// The peer reset the connection or a socket call failed.
    package mutating func failed() -> Action {
        phase = .closed
        return .close
    }

    /// The server is shutting down: close when idle, otherwise after the current response.
    package mutating func beginDrain() -> Action {
        draining = true
        if phase == .idle && !outputPending && !awaitingResponse {
            phase = .closed
            return .close
        }
        return .none
    }

    /// Periodic check of the deadlines.
    package mutating func tick(now: MonotonicInstant) -> Action {
        switch phase {
        case .closed:
            return .none
        case .lingering:
            if now.hasPassed(policy.lingerTimeout, since: phaseStarted) {
                phase = .closed
                return .close
            }
            return .none
        default:
            break
        }
        if outputPending {
            // A client that does not read is bounded by the write timeout alone (streams too).
            if now.hasPassed(policy.writeTimeout, since: lastWriteProgress) {
                phase = .closed
                return .close
            }
            return .none
        }
        // A gate always opens (with a failure if it must), and an idle stream sends heartbeats.
        if awaitingResponse { return .none }
        if closeAfterFlush { return .none }
        switch phase {
        case .idle:
            if draining || now.hasPassed(policy.idleTimeout, since: phaseStarted) {
                phase = .closed
                return .close
            }
        case .head:
            if now.hasPassed(policy.headerTimeout, since: phaseStarted) {
                closeAfterFlush = true
                return .timeoutAndClose
            }
        case .body:
            if now.hasPassed(policy.bodyTimeout, since: phaseStarted) {
                closeAfterFlush = true
                return .timeoutAndClose
            }
        case .lingering, .closed:
            break
        }
        return .none
    }
}
