/// The limits `RequestParser` enforces on one request message, with sane defaults.
///
/// Each limit maps to the status RFC 9110/9112 prescribe when it is exceeded. How long a
/// message may take to arrive, and how many connections there may be, is the server's policy,
/// not the codec's (`HTTPServer.ConnectionPolicy`).
public struct MessageLimits: Sendable, Hashable {
    /// Longest request line (method, target, version) in bytes; past it: 414.
    public var maxRequestLineBytes: Int = 8 * 1024
    /// Largest header section (request line excluded) in bytes; past it: 431.
    public var maxHeaderBytes: Int = 32 * 1024
    /// Most header fields in one request; past it: 431.
    public var maxHeaderCount: Int = 100
    /// Largest request body in bytes; past it: 413, decided from `Content-Length` before reading.
    public var maxBodyBytes: Int = 1024 * 1024

    /// The defaults.
    public init() {}
}
