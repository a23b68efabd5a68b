public import HTTPTypes

/// One complete HTTP/1.x request: the head as swift-http-types models it, plus what HTTP/1 adds.
public struct Request: Sendable {
    /// Method, authority, path (with query) and header fields.
    public var head: HTTPRequest
    /// The version from the request line; keep-alive defaults depend on it.
    public var version: HTTPVersion
    /// The path of the request target, still percent-encoded, without the query.
    public var path: String
    /// The query of the request target, still percent-encoded, without the `?`; nil when absent.
    public var query: String?
    /// The message body, de-chunked.
    public var body: [UInt8]
    /// Whether the client wants the connection kept open after the response (RFC 9112 §9.3).
    public var keepAlive: Bool
    /// The request id: the client's `X-Request-ID` when it sent a usable one, else one the server made.
    public var id: String

    /// Creates a request.
    public init(
        head: HTTPRequest,
        version: HTTPVersion = .http1_1,
        path: String,
        query: String? = nil,
        body: [UInt8] = [],
        keepAlive: Bool = true,
        id: String = ""
    ) {
        self.head = head
        self.version = version
        self.path = path
        self.query = query
        self.body = body
        self.keepAlive = keepAlive
        self.id = id
    }

    /// The method, for convenience.
    public var method: HTTPRequest.Method { head.method }

    /// The header fields, for convenience.
    public var headerFields: HTTPFields { head.headerFields }
}
