import HTTP1
import HTTPResponder
import HTTPTypes

/// One client connection: reads bytes into the parser, answers each request in order
/// (`Connection+Requests.swift`), pulls streamed bodies (`Connection+Streams.swift`), writes with
/// back-pressure, and performs what its `ConnectionStateMachine` decides about keep-alive,
/// timeouts and close.
///
/// Generic over its host so that the event loop's calls are direct, and so that tests can run
/// it on in-memory bytes (`EmbeddedConnectionHost`).
///
/// Concurrency: confined to its host's thread; never shared.
package final class Connection<Host: ConnectionHost> {
    package let fd: Int32
    let peer: String
    unowned let host: Host
    var parser: RequestParser
    var machine: ConnectionStateMachine
    var output = OutputBuffer()
    /// The body being streamed; its framing and progress are the state machine's.
    var stream: (any ResponseStream)?
    private var registered: Poller.Interest = .read
    private var lingerDiscarded = 0
    package private(set) var isClosed = false

    static var maxLingerDiscard: Int { 1024 * 1024 }

    var highWater: Int { host.context.policy.writeHighWaterBytes }

    package init(fd: Int32, peer: String, host: Host) {
        self.fd = fd
        self.peer = peer
        self.host = host
        self.parser = RequestParser(limits: host.context.messageLimits)
        self.machine = ConnectionStateMachine(policy: host.context.policy, now: host.now)
    }

    // MARK: Events from the host

    package func readable() {
        guard !isClosed else { return }
        if machine.phase == .lingering {
            discardLingeringInput()
            return
        }
        if machine.isStreaming && !machine.wantsInput {
            // Only EPOLLRDHUP is watched while streaming: the client has gone.
            perform(machine.failed())
            return
        }
        guard machine.wantsInput else {
            updateInterest()
            return
        }
        switch host.read(fd, into: host.readBuffer) {
        case .bytes(let count):
            parser.feed(UnsafeRawBufferPointer(rebasing: host.readBuffer[0..<count]))
            processInput()
        case .endOfFile:
            perform(machine.peerClosedInput(partialRequest: parser.phase != .idle))
            updateInterest()
        case .wouldBlock:
            return
        case .failed:
            perform(machine.failed())
        }
    }

    package func writable() {
        guard !isClosed else { return }
        flush()
        guard !isClosed && output.count < highWater else { return }
        if machine.isStreaming {
            pumpStream()
        } else if parser.bufferedByteCount > 0 {
            // Back-pressure is released: answer the pipelined requests that waited.
            processInput()
        }
    }

    package func hangup() {
        guard !isClosed else { return }
        perform(machine.failed())
    }

    package func tick() {
        guard !isClosed else { return }
        perform(machine.tick(now: host.now))
    }

    package func beginDrain() {
        guard !isClosed else { return }
        if machine.isStreaming {
            // A stream never ends by itself: end it here, and the connection with it.
            cutStream()
            flush()
        }
        perform(machine.beginDrain())
    }

    // MARK: Socket

    func flush() {
        guard !isClosed else { return }
        let (sent, failure) = output.send { host.send(fd, $0) }
        if failure != nil {
            perform(machine.failed())
            return
        }
        perform(machine.wrote(progress: sent > 0, remaining: !output.isEmpty, now: host.now))
        updateInterest()
    }

    private func discardLingeringInput() {
        switch host.read(fd, into: host.readBuffer) {
        case .bytes(let count):
            lingerDiscarded += count
            if lingerDiscarded > Self.maxLingerDiscard { perform(machine.failed()) }
        case .wouldBlock:
            return
        case .endOfFile, .failed:
            perform(machine.failed())
        }
    }

    /// Does what the state machine decided; every action it returns is executed here.
    func perform(_ action: ConnectionStateMachine.Action) {
        switch action {
        case .none:
            return
        case .timeoutAndClose:
            let phase = parser.phase == .body ? "body" : "head"
            writeError(HTTPParseError(.requestTimeout, "The request \(phase) did not arrive in time."))
            flush()
        case .shutdownWriteAndLinger:
            host.shutdownWrite(fd)
            updateInterest()
        case .close:
            guard !isClosed else { return }
            isClosed = true
            stream?.cancel()
            stream = nil
            host.connectionClosed(fd)
        }
    }

    func updateInterest() {
        guard !isClosed else { return }
        var wanted: Poller.Interest = []
        if machine.wantsInput && output.count < highWater {
            wanted.insert(.read)
        } else if machine.isStreaming {
            // A stream may wait for a long time with nothing to write: notice a client leaving.
            wanted.insert(.peerClosed)
        }
        if !output.isEmpty { wanted.insert(.write) }
        if wanted != registered {
            host.setInterest(wanted, for: fd)
            registered = wanted
        }
    }
}

@available(*, unavailable)
extension Connection: Sendable {}
