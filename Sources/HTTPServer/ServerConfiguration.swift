public import HTTP1

/// Everything the server needs to know before it starts.
public struct ServerConfiguration: Sendable {
    /// Address to bind: an IP literal or a host name (`127.0.0.1`, `0.0.0.0`, `::`).
    public var host: String
    /// Port to bind; 0 picks a free port (see `Server.port`).
    public var port: Int
    /// Event-loop threads; nil means one per CPU this process may use.
    public var eventLoops: Int?
    /// What one request may hold; the parser answers 413, 414 or 431 past it.
    public var messageLimits: MessageLimits
    /// Timeouts, the connection cap and back-pressure.
    public var connectionPolicy: ConnectionPolicy
    /// How long shutdown waits for in-flight requests before closing what remains.
    public var drainTimeout: Duration
    /// The listen backlog.
    public var backlog: Int32
    /// Told of every response sent, the server's own refusals included (for metrics); nil: no one.
    public var observer: (any ResponseObserver)?
    /// Where one line per response goes, buffered per event loop; nil: no access log.
    public var accessLog: AccessLogConfiguration?

    /// Creates a configuration; the defaults are those of `gridwork serve`.
    public init(
        host: String = "127.0.0.1",
        port: Int = 8080,
        eventLoops: Int? = nil,
        messageLimits: MessageLimits = MessageLimits(),
        connectionPolicy: ConnectionPolicy = ConnectionPolicy(),
        drainTimeout: Duration = .seconds(10),
        backlog: Int32 = 1024,
        observer: (any ResponseObserver)? = nil,
        accessLog: AccessLogConfiguration? = nil
    ) {
        self.host = host
        self.port = port
        self.eventLoops = eventLoops
        self.messageLimits = messageLimits
        self.connectionPolicy = connectionPolicy
        self.drainTimeout = drainTimeout
        self.backlog = backlog
        self.observer = observer
        self.accessLog = accessLog
    }
}
