public import HTTPTypes

/// A response a `Responder` produces: status, header fields and a body, and what the server
/// must do around them: wait on a gate, pull a stream, switch to a precompressed body.
///
/// The server adds the framing (`Content-Length`), `Date`, `Server`, `Connection` and
/// `X-Request-ID`; a responder sets only what its content needs.
public struct Response: Sendable {
    /// The status; build it from the named constants, never from client input.
    public var status: HTTPResponse.Status
    /// The header fields the responder chose.
    public var headerFields: HTTPFields
    /// The body bytes. For a `HEAD` request the server sends the length and drops the bytes.
    public var body: [UInt8]
    /// The same representation already gzipped (a cache's bytes), with its own validator;
    /// `CompressionResponder` switches to it when the client accepts gzip.
    public var gzipAlternative: GzipAlternative?
    /// What must happen before the response may be sent (a journal's fsync); nil: send now.
    /// The connection answers nothing else meanwhile, so pipelined requests keep their order.
    public var gate: (any ResponseGate)?
    /// A body produced while it is sent (chunked); when set, `body` is ignored.
    public var stream: (any ResponseStream)?
    /// Who the application found the request was made by (a principal id), for the access log,
    /// as nginx's `$remote_user`; never sent.
    public var remoteUser: String?
    /// The route pattern that answered (`/grids/{id}`), for metrics labels; never sent.
    public var route: String?

    /// Creates a response.
    public init(status: HTTPResponse.Status, headerFields: HTTPFields = [:], body: [UInt8] = []) {
        self.status = status
        self.headerFields = headerFields
        self.body = body
    }
}

/// Something a response waits for before it is sent, such as the fsync that makes a write durable.
public protocol ResponseGate: Sendable {
    /// Calls `opened` exactly once, on any thread, when the response may be sent: with nil, or
    /// with a response to send instead because the wait failed.
    func whenOpen(_ opened: @escaping @Sendable (Response?) -> Void)
}

/// A precompressed form of a response body.
public struct GzipAlternative: Sendable {
    /// The gzip bytes (empty for a 304).
    public var body: [UInt8]
    /// The gzip representation's strong ETag.
    public var etag: String

    /// Creates an alternative.
    public init(body: [UInt8], etag: String) {
        self.body = body
        self.etag = etag
    }
}

extension Response {
    /// A JSON response from already-encoded UTF-8 bytes.
    public static func json(_ body: [UInt8], status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headerFields: [.contentType: MediaType.json], body: body)
    }

    /// An RFC 9457 problem response with a generic type.
    public static func problem(
        _ status: HTTPResponse.Status,
        detail: String,
        headerFields: HTTPFields = [:]
    ) -> Response {
        Problem(status, detail: detail, headerFields: headerFields).response
    }
}

/// The media types the server itself speaks.
public enum MediaType {
    /// `application/json; charset=utf-8`.
    public static let json = "application/json; charset=utf-8"
    /// `application/problem+json` (RFC 9457).
    public static let problemJSON = "application/problem+json"
}
