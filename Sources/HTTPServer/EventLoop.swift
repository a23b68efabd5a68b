import CLinux
import Glibc
import HTTP1
import HTTPResponder
import HTTPTypes
import Logging
import Synchronization

/// One thread, one epoll instance, many connections. Connections never move between loops,
/// so their state needs no locks.
///
/// Concurrency: `@unchecked Sendable` because everything but `tasks` (a `Mutex`) and the
/// immutable descriptors is touched only on the loop's own thread, inside `run()`. Other
/// threads reach the loop only through `execute(_:)`.
final class EventLoop: ConnectionHost, @unchecked Sendable {
    let index: Int
    let context: ServerContext
    let poller: Poller
    /// Scratch space every read of this loop lands in before it is fed to a parser.
    let readBuffer: UnsafeMutableRawBufferPointer
    /// Bytes read from and written to this loop's sockets. Each loop has its own counters, so
    /// the hot path never shares a cache line with another loop.
    let bytesIn = Atomic<Int>(0)
    let bytesOut = Atomic<Int>(0)
    private(set) var now: MonotonicInstant
    private(set) var date: [UInt8] = []
    private var dateSecond = -1
    private var requestIDs = RequestIDGenerator()
    /// This loop's access lines not yet written (nil: the server keeps no access log).
    private var accessLog: AccessLogBuffer?
    private let tasks = Mutex<[@Sendable () -> Void]>([])
    private var connections: [Connection<EventLoop>?] = []
    private var connectionCount = 0
    private var listenerFD: Int32 = -1
    /// Held open so an EMFILE storm can still accept-and-close instead of spinning.
    private var spareFD: Int32 = -1
    private var draining = false
    private var drainDeadline: MonotonicInstant?
    private var stopped = false
    private var nextTick: MonotonicInstant
    private let tickInterval: Duration

    init(index: Int, context: ServerContext) throws(SocketError) {
        self.index = index
        self.context = context
        self.poller = try Poller()
        self.readBuffer = .allocate(byteCount: 64 * 1024, alignment: 16)
        let now = MonotonicInstant.now()
        self.now = now
        let shortest = min(context.policy.headerTimeout, context.policy.idleTimeout, context.policy.bodyTimeout)
        self.tickInterval = max(.milliseconds(10), min(.milliseconds(250), shortest / 4))
        self.nextTick = now + tickInterval
        self.spareFD = open("/dev/null", O_RDONLY | O_CLOEXEC)
        self.accessLog = context.accessLog.map(AccessLogBuffer.init)
        refreshDate()
    }

    deinit {
        readBuffer.deallocate()
        if spareFD >= 0 { Glibc.close(spareFD) }
    }

    /// Runs `task` on the loop's thread. Safe from any thread.
    func execute(_ task: @escaping @Sendable () -> Void) {
        tasks.withLock { $0.append(task) }
        Poller.wake(poller.wakeFD)
    }

    /// The loop's thread body; returns after a completed (or timed-out) drain.
    func run(listenerFD: Int32) {
        self.listenerFD = listenerFD
        do {
            try poller.add(listenerFD, interest: [.accept, .exclusive])
        } catch {
            context.logger.error("event_loop.listen_failed", metadata: ["error": "\(error)"])
            return
        }
        while !stopped {
            let wait = max(1, Int32((nextTick.nanoseconds &- min(now.nanoseconds, nextTick.nanoseconds)) / 1_000_000))
            let ready = poller.wait(timeoutMilliseconds: wait)
            now = .now()
            refreshDate()
            for position in 0..<ready {
                dispatch(poller.event(at: position))
            }
            if now >= nextTick {
                nextTick = now + tickInterval
                sweep()
                accessLog?.flushIfDue(at: now)
            }
        }
        for case let connection? in connections where !connection.isClosed {
            closeSocket(of: connection)
        }
        accessLog?.flush()
    }

    private func dispatch(_ event: Poller.Event) {
        if event.fd == poller.wakeFD {
            poller.drainWake()
            let pending = tasks.withLock { queued in
                let taken = queued
                queued.removeAll()
                return taken
            }
            for task in pending { task() }
            return
        }
        if event.fd == listenerFD {
            acceptConnections()
            return
        }
        guard Int(event.fd) < connections.count, let connection = connections[Int(event.fd)] else { return }
        if event.hangup && !event.readable {
            connection.hangup()
            return
        }
        if event.writable { connection.writable() }
        if event.readable { connection.readable() }
    }

    private func acceptConnections() {
        for _ in 0..<64 {
            let accepted: (fd: Int32, peer: String)?
            do {
                accepted = try Socket.accept(listenerFD)
            } catch {
                if error.code == EMFILE || error.code == ENFILE {
                    shedWithSpareDescriptor()
                } else {
                    context.logger.warning("accept.failed", metadata: ["error": "\(error)"])
                }
                return
            }
            guard let (fd, peer) = accepted else { return }
            let open = context.openConnections.add(1, ordering: .relaxed).newValue
            guard open <= context.policy.maxConnections else {
                context.openConnections.subtract(1, ordering: .relaxed)
                refuse(fd)
                continue
            }
            let connection = Connection(fd: fd, peer: peer, host: self)
            do {
                try poller.add(fd, interest: .read)
            } catch {
                context.openConnections.subtract(1, ordering: .relaxed)
                Socket.close(fd)
                continue
            }
            if connections.count <= Int(fd) {
                connections.append(contentsOf: repeatElement(nil, count: Int(fd) + 1 - connections.count))
            }
            connections[Int(fd)] = connection
            connectionCount += 1
            if draining { connection.beginDrain() }
        }
    }

    /// Past the connection cap: a best-effort 503 and an immediate close.
    private func refuse(_ fd: Int32) {
        var response = Response.problem(.serviceUnavailable, detail: "The server is at its connection limit.")
        response.headerFields[.retryAfter] = "1"
        response.headerFields[.requestID] = nextRequestID()
        var bytes: [UInt8] = []
        let framing = ResponseSerializer.Framing(
            date: date, keepAlive: false, requestVersion: .http1_1, omitBody: false)
        ResponseSerializer.write(
            status: response.status, headerFields: response.headerFields, body: response.body, framing: framing,
            into: &bytes)
        // Before the send, like every other response, so the client never reads it first.
        context.refusedConnection(status: .serviceUnavailable)
        bytes.withUnsafeBytes { _ = Socket.send(fd, $0) }
        Socket.close(fd)
        context.logger.warning("connection.refused", metadata: ["reason": "max_connections"])
    }

    private func shedWithSpareDescriptor() {
        guard spareFD >= 0 else { return }
        Glibc.close(spareFD)
        if let (fd, _) = try? Socket.accept(listenerFD) { refuse(fd) }
        spareFD = open("/dev/null", O_RDONLY | O_CLOEXEC)
        context.logger.error("accept.descriptors_exhausted")
    }

    private func sweep() {
        for case let connection? in connections {
            connection.tick()
        }
        if draining {
            if connectionCount == 0 {
                stopped = true
            } else if let drainDeadline, now >= drainDeadline {
                context.logger.warning("shutdown.drain_timeout", metadata: ["connections": "\(connectionCount)"])
                stopped = true
            }
        }
    }

    private func closeSocket(of connection: Connection<EventLoop>) {
        guard Int(connection.fd) < connections.count, connections[Int(connection.fd)] === connection else { return }
        poller.remove(connection.fd)
        Socket.close(connection.fd)
        connections[Int(connection.fd)] = nil
        connectionCount -= 1
        context.openConnections.subtract(1, ordering: .relaxed)
    }

    /// Stops accepting and lets every connection finish its current request. Loop thread only.
    func beginDrain(timeout: Duration) {
        guard !draining else { return }
        draining = true
        drainDeadline = now + timeout
        if listenerFD >= 0 {
            poller.remove(listenerFD)
            listenerFD = -1
        }
        for case let connection? in connections {
            connection.beginDrain()
        }
        if connectionCount == 0 { stopped = true }
    }

    // MARK: ConnectionHost

    func logAccess(_ entry: AccessEntry) {
        accessLog?.append(entry, at: now)
    }

    func nextRequestID() -> String {
        requestIDs.next()
    }

    func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> Socket.IOResult {
        let result = Socket.read(fd, into: buffer)
        if case .bytes(let count) = result { bytesIn.add(count, ordering: .relaxed) }
        return result
    }

    func send(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Socket.IOResult {
        let result = Socket.send(fd, bytes)
        if case .bytes(let count) = result { bytesOut.add(count, ordering: .relaxed) }
        return result
    }

    func shutdownWrite(_ fd: Int32) {
        Socket.shutdownWrite(fd)
    }

    func setInterest(_ interest: Poller.Interest, for fd: Int32) {
        poller.modify(fd, interest: interest)
    }

    /// Called by a connection whose state machine decided to close.
    func connectionClosed(_ fd: Int32) {
        guard Int(fd) < connections.count, let connection = connections[Int(fd)] else { return }
        closeSocket(of: connection)
        if draining && connectionCount == 0 { stopped = true }
    }

    private func refreshDate() {
        let second = Int(time(nil))
        if second != dateSecond {
            dateSecond = second
            date = HTTPDate.format(secondsSinceEpoch: second)
        }
    }
}
