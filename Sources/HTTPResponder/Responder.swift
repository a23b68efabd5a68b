public import HTTP1

/// The seam between the HTTP server and the application: one request in, one response out.
///
/// Responders run synchronously on the server's event-loop threads, so they must not block
/// on I/O or wait on other threads.
public protocol Responder: Sendable {
    /// Answers one request.
    func respond(to request: Request) -> Response
}

/// A responder made from a closure, for tests and small wiring.
public struct ClosureResponder: Responder {
    private let body: @Sendable (Request) -> Response

    /// Wraps `body`.
    public init(_ body: @escaping @Sendable (Request) -> Response) {
        self.body = body
    }

    /// Calls the closure.
    public func respond(to request: Request) -> Response {
        body(request)
    }
}
