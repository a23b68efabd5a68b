/// Every limit the server enforces, in one value with sane defaults.
///
/// The message limits are checked by `RequestParser`; the connection limits by the server.
/// Each limit maps to the status RFC 9110/9112 prescribe when it is exceeded.
public struct Limits: Sendable, Hashable {
    /// Longest request line (method, target, version) in bytes; past it: 414.
    public var maxRequestLineBytes: Int = 8 * 1024
    /// Largest header section (request line excluded) in bytes; past it: 431.
    public var maxHeaderBytes: Int = 32 * 1024
    /// Most header fields in one request; past it: 431.
    public var maxHeaderCount: Int = 100
    /// Largest request body in bytes; past it: 413, decided from `Content-Length` before reading.
    public var maxBodyBytes: Int = 1024 * 1024
    /// Time allowed to receive a complete request head once its first byte arrived; past it: 408.
    public var headerTimeout: Duration = .seconds(10)
    /// Time allowed to receive a request body once its head arrived; past it: 408.
    public var bodyTimeout: Duration = .seconds(30)
    /// Time an idle keep-alive connection stays open waiting for the next request.
    public var idleTimeout: Duration = .seconds(60)
    /// Time a response may wait on a client that does not read before the connection is dropped.
    public var writeTimeout: Duration = .seconds(30)
    /// Most open client connections; past it a new connection gets a 503 and is closed.
    public var maxConnections: Int = 10_000
    /// Unsent response bytes per connection beyond which the server stops reading that client.
    public var writeHighWaterBytes: Int = 1024 * 1024

    /// The defaults.
    public init() {}
}
