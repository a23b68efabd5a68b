/// How long each phase of a connection may take, how many connections there may be, and how
/// much a slow reader may hold: the server's policy, as opposed to the limits of one message
/// (`HTTP1.MessageLimits`), which the parser enforces.
public struct ConnectionPolicy: Sendable, Hashable {
    /// Time allowed to receive a complete request head once its first byte arrived; past it: 408.
    public var headerTimeout: Duration = .seconds(10)
    /// Time allowed to receive a request body once its head arrived; past it: 408.
    public var bodyTimeout: Duration = .seconds(30)
    /// Time an idle keep-alive connection stays open waiting for the next request.
    public var idleTimeout: Duration = .seconds(60)
    /// Time a response may wait on a client that does not read before the connection is dropped.
    public var writeTimeout: Duration = .seconds(30)
    /// How long a closing connection keeps reading (and discarding) after its last response, so
    /// that the client reads that response rather than a reset (RFC 9112 §9.6).
    public var lingerTimeout: Duration = .seconds(2)
    /// Most open client connections; past it a new connection gets a 503 and is closed.
    public var maxConnections: Int = 10_000
    /// Unsent response bytes per connection beyond which the server stops reading that client.
    public var writeHighWaterBytes: Int = 1024 * 1024

    /// The defaults.
    public init() {}
}
