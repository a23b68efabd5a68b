public import HTTPTypes

/// One response the server sent, as a `ResponseObserver` is told of it.
public struct SentResponse: Sendable {
    /// The request's method; nil when no request was parsed (a parse error, a timeout, the connection cap).
    public var method: HTTPRequest.Method?
    /// The request's path without its query; nil when no request was parsed.
    public var path: String?
    /// The route pattern that answered, when the responder named one (`Response.route`).
    public var route: String?
    /// The status sent, after every layer of the responder had its say.
    public var status: HTTPResponse.Status
    /// From the complete request to its response being queued for writing, any gate (journal
    /// wait) included; nil when no request was parsed, since then there is nothing to time.
    public var duration: Duration?

    /// Describes one response.
    public init(
        method: HTTPRequest.Method?, path: String?, route: String? = nil, status: HTTPResponse.Status,
        duration: Duration?
    ) {
        self.method = method
        self.path = path
        self.route = route
        self.status = status
        self.duration = duration
    }
}

/// Told of every response the server sends, including those it sends on its own before any
/// responder runs (400, 408, 413, 414, 431, 505, and the 503 past the connection cap), so that
/// metrics count what clients actually received.
///
/// Called on the event loop that sent the response: it must be quick and must not block.
public protocol ResponseObserver: Sendable {
    /// One response has been queued for writing.
    func responded(_ response: SentResponse)
}
