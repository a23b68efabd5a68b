import Glibc
package import HTTPResponder
package import Logging
import Synchronization

/// Runs one `Connection` on in-memory bytes with a manual clock, as NIO's `EmbeddedChannel`
/// does for a channel pipeline: the test plays the peer (writes bytes, half-closes, resets,
/// limits how much the socket takes) and the clock (`advance(by:)`), and reads what the
/// connection sent. Nothing waits on time or on a socket, so every interleaving is exact.
///
/// Readiness is delivered as epoll delivers it to `EventLoop`, level-triggered, by `run()`,
/// which every driving call ends with: until nothing changes, queued tasks run (gates that
/// opened, streams that woke), then a writable event if the connection wants one and the
/// window has room, then a readable event if it wants input and input (or its end) is there.
///
/// Concurrency: drive it from one thread. `execute` (what a gate or a stream waker calls) is
/// safe from any thread; the task then runs at the next `run()`.
package final class EmbeddedConnectionHost: ConnectionHost, @unchecked Sendable {
    package let context: ServerContext
    package private(set) var now = MonotonicInstant(nanoseconds: 1_000_000_000)
    package let date: [UInt8] = Array("Sun, 06 Dec 2026 00:00:00 GMT".utf8)
    package let readBuffer: UnsafeMutableRawBufferPointer
    private var requestCount = 0
    private var accessLog: AccessLogBuffer?
    private let tasks = Mutex<[@Sendable () -> Void]>([])
    private var connectionStorage: Connection<EmbeddedConnectionHost>?

    private var inbound: [UInt8] = []
    private var inputEnded = false
    private var resetByPeer = false
    private var outbound: [UInt8] = []
    /// Bytes the peer's socket takes before a send would block; nil: any amount.
    private var window: Int?

    /// The readiness the connection asked for last.
    package private(set) var interest: Poller.Interest = .read
    /// Whether the connection shut its write side (it is lingering before the close).
    package private(set) var writeShutdown = false
    /// Whether the connection closed its descriptor.
    package private(set) var isClosed = false
    /// Every byte the connection has sent since the start.
    package private(set) var sentByteCount = 0

    /// A connection answered by `responder` under `configuration`'s limits and policy.
    /// `readBufferBytes` is how much one read returns at most.
    package init(
        responder: some Responder,
        configuration: ServerConfiguration = ServerConfiguration(),
        logger: Logger = Logger(label: "embedded") { _ in SwiftLogNoOpLogHandler() },
        readBufferBytes: Int = 64 * 1024
    ) {
        self.context = ServerContext(responder: responder, configuration: configuration, logger: logger)
        self.readBuffer = .allocate(byteCount: readBufferBytes, alignment: 16)
        self.accessLog = configuration.accessLog.map(AccessLogBuffer.init)
        connectionStorage = Connection(fd: 3, peer: "embedded", host: self)
    }

    deinit {
        readBuffer.deallocate()
    }

    /// The connection under test.
    package var connection: Connection<EmbeddedConnectionHost> { connectionStorage! }

    // MARK: Playing the peer and the clock

    /// The peer sends `bytes`.
    package func write(_ bytes: some Sequence<UInt8>) {
        inbound.append(contentsOf: bytes)
        run()
    }

    /// The peer sends `text` as UTF-8.
    package func write(_ text: String) {
        write(Array(text.utf8))
    }

    /// The peer shuts its write side: the connection reads end-of-file after what was sent.
    package func closeInput() {
        inputEnded = true
        run()
    }

    /// The peer resets the connection: reads and sends fail from now on.
    package func reset() {
        resetByPeer = true
        connection.hangup()
        run()
    }

    /// The peer's socket takes `bytes` more before sends block (nil: any amount).
    package func setWindow(_ bytes: Int?) {
        window = bytes
        run()
    }

    /// Takes what the connection sent and the peer has not read yet.
    package func readOutput() -> [UInt8] {
        defer { outbound.removeAll() }
        return outbound
    }

    /// Takes the output as text.
    package func readOutputText() -> String {
        String(decoding: readOutput(), as: UTF8.self)
    }

    /// Moves the clock on by `duration`, then lets the connection check its deadlines.
    package func advance(by duration: Duration) {
        now = now + duration
        connection.tick()
        run()
        accessLog?.flushIfDue(at: now)
    }

    /// The host stops, as an event loop does at the end of a drain: its access lines are written.
    package func stop() {
        accessLog?.flush()
    }

    /// The server begins shutting down.
    package func beginDrain() {
        connection.beginDrain()
        run()
    }

    /// Delivers readiness and queued tasks until nothing changes.
    package func run() {
        for _ in 0..<100_000 {
            guard !isClosed else { return }
            let pending = tasks.withLock { queued in
                defer { queued.removeAll() }
                return queued
            }
            for task in pending { task() }
            let before = (inbound.count, sentByteCount, interest, writeShutdown, isClosed)
            if interest.contains(.write) && (window ?? 1) > 0 || resetByPeer {
                connection.writable()
            }
            let inputReady = !inbound.isEmpty || inputEnded || resetByPeer
            if !isClosed && inputReady && (interest.contains(.read) || interest.contains(.peerClosed) && inputEnded) {
                connection.readable()
            }
            let after = (inbound.count, sentByteCount, interest, writeShutdown, isClosed)
            if pending.isEmpty && before == after { return }
        }
        preconditionFailure("the connection kept changing state without input")
    }

    // MARK: ConnectionHost

    package func nextRequestID() -> String {
        requestCount += 1
        return "embedded-\(requestCount)"
    }

    package func execute(_ task: @escaping @Sendable () -> Void) {
        tasks.withLock { $0.append(task) }
    }

    package func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> Socket.IOResult {
        if resetByPeer { return .failed(ECONNRESET) }
        if inbound.isEmpty { return inputEnded ? .endOfFile : .wouldBlock }
        let count = min(buffer.count, inbound.count)
        inbound.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
        inbound.removeFirst(count)
        return .bytes(count)
    }

    package func send(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Socket.IOResult {
        if resetByPeer || writeShutdown { return .failed(EPIPE) }
        let count = min(bytes.count, window ?? bytes.count)
        guard count > 0 else { return .wouldBlock }
        outbound.append(contentsOf: bytes[0..<count])
        sentByteCount += count
        if let open = window { window = open - count }
        return .bytes(count)
    }

    package func shutdownWrite(_ fd: Int32) {
        writeShutdown = true
    }

    package func setInterest(_ interest: Poller.Interest, for fd: Int32) {
        self.interest = interest
    }

    package func connectionClosed(_ fd: Int32) {
        isClosed = true
    }

    package func logAccess(_ entry: AccessEntry) {
        accessLog?.append(entry, at: now)
    }
}
