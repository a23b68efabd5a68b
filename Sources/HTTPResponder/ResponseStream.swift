/// A response body produced piece by piece: an export too large to hold, or an event stream
/// that never ends on its own. The server pulls pieces while the client keeps up and sends each
/// as one chunk (RFC 9112 §7.1); a client that stops reading stops the pulling, and is dropped
/// when the write timeout passes.
///
/// Concurrency: `next` and `cancel` are called on the connection's event-loop thread only;
/// `wake` may be called from any thread.
public protocol ResponseStream: AnyObject, Sendable {
    /// The next piece of the body. `.wait` means nothing is ready: call `wake` once something is.
    func next(wake: StreamWaker) -> StreamPiece
    /// The connection is closing (the client left, or the server is draining); release everything.
    func cancel()
}

/// What a `ResponseStream` has now.
public enum StreamPiece: Sendable {
    /// Bytes to send.
    case bytes([UInt8])
    /// Nothing yet; the stream calls the waker when there is.
    case wait
    /// The body is complete.
    case end
}

/// Asks the connection to pull from its stream again. Safe from any thread; extra calls are harmless.
public struct StreamWaker: Sendable {
    private let body: @Sendable () -> Void

    /// Wraps `body`.
    public init(_ body: @escaping @Sendable () -> Void) {
        self.body = body
    }

    /// Wakes the connection.
    public func callAsFunction() {
        body()
    }
}
