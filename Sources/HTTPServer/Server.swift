import CLinux
import Glibc
public import HTTPResponder
public import Logging
import Synchronization
import SystemThreads

/// The HTTP/1.1 server: a listening socket shared by a small fixed set of event loops, each a
/// thread running epoll over its own connections. No thread per connection, no thread hop per request.
///
/// Concurrency: `Sendable`; its mutable state sits in a `Mutex`, and each loop is confined to its thread.
public final class Server: Sendable {
    private struct State {
        var loops: [EventLoop] = []
        var threads: [SystemThread] = []
        var listenerFD: Int32 = -1
        var port = 0
        var started = false
        var shuttingDown = false
    }

    /// The configuration the server was created with.
    public let configuration: ServerConfiguration
    private let context: ServerContext
    private let state = Mutex(State())

    /// Creates a server; nothing is bound until `start()`.
    public init(configuration: ServerConfiguration, responder: some Responder, logger: Logger) {
        self.configuration = configuration
        self.context = ServerContext(responder: responder, configuration: configuration, logger: logger)
    }

    /// The bound port (useful with port 0); 0 before `start()`.
    public var port: Int { state.withLock { $0.port } }

    /// Client connections open right now.
    public var openConnections: Int { context.openConnections.load(ordering: .relaxed) }

    /// Bytes read from and written to client sockets since the start.
    public var bytesTransferred: (received: Int, sent: Int) {
        state.withLock { state in
            state.loops.reduce((0, 0)) { sum, loop in
                (sum.0 + loop.bytesIn.load(ordering: .relaxed), sum.1 + loop.bytesOut.load(ordering: .relaxed))
            }
        }
    }

    /// Binds, listens and starts the event loops. Returns once the server accepts connections.
    public func start() throws(SocketError) {
        // Writes use MSG_NOSIGNAL; this also covers any other path to a reset peer.
        signal(SIGPIPE, SIG_IGN)
        Self.raiseDescriptorLimit()
        let listenerFD = try Socket.listen(
            host: configuration.host,
            port: configuration.port,
            backlog: configuration.backlog
        )
        let port = Socket.localPort(listenerFD)
        let count = max(1, configuration.eventLoops ?? Int(CLinux_allowedCPUCount()))
        var loops: [EventLoop] = []
        do {
            for index in 0..<count {
                loops.append(try EventLoop(index: index, context: context))
            }
        } catch {
            Socket.close(listenerFD)
            throw error
        }
        let threads = loops.map { loop in
            SystemThread(name: "gridwork-loop-\(loop.index)") { loop.run(listenerFD: listenerFD) }
        }
        let shutdownRequested = state.withLock {
            $0.loops = loops
            $0.threads = threads
            $0.listenerFD = listenerFD
            $0.port = port
            $0.started = true
            return $0.shuttingDown
        }
        context.logger.info(
            "server.started",
            metadata: [
                "server.address": .string(configuration.host),
                "server.port": .stringConvertible(port),
                "server.event_loops": .stringConvertible(count),
            ]
        )
        if shutdownRequested { drain(loops, listenerFD: listenerFD) }
    }

    /// Stops accepting, lets in-flight requests finish (up to `configuration.drainTimeout`),
    /// then closes every connection. Returns at once; `wait()` blocks until it is done. Called
    /// before or during `start()`, it takes effect as soon as the server has started.
    public func shutdown() {
        let (loops, listenerFD) = state.withLock { state -> ([EventLoop], Int32) in
            guard !state.shuttingDown else { return ([], -1) }
            state.shuttingDown = true
            guard state.started else { return ([], -1) }
            return (state.loops, state.listenerFD)
        }
        guard !loops.isEmpty else { return }
        drain(loops, listenerFD: listenerFD)
    }

    private func drain(_ loops: [EventLoop], listenerFD: Int32) {
        context.logger.info("server.draining", metadata: ["connections": .stringConvertible(openConnections)])
        let remaining = Atomic<Int>(loops.count)
        let timeout = configuration.drainTimeout
        for loop in loops {
            loop.execute {
                loop.beginDrain(timeout: timeout)
                // The last loop to stop watching the listener closes it, so new clients are refused.
                if remaining.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 {
                    Socket.close(listenerFD)
                }
            }
        }
    }

    /// Blocks the calling thread until every event loop has exited.
    public func wait() {
        let threads = state.withLock { $0.threads }
        for thread in threads {
            thread.join()
        }
        context.logger.info("server.stopped")
    }

    /// Each connection is a descriptor; lift the soft limit to the hard one so `maxConnections`,
    /// not an accidental default of 1024, is what bounds the server.
    private static func raiseDescriptorLimit() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
}
