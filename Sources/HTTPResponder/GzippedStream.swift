import Synchronization

/// A `ResponseStream` gzipped as it is pulled: each piece of the wrapped stream becomes one
/// compressed, flushed piece (see `GzipEncoder`), and the wrapped stream's end becomes a last
/// piece holding the gzip trailer. `wait` and `cancel` pass through.
final class GzippedStream: ResponseStream, Sendable {
    private let wrapped: any ResponseStream
    /// nil once the trailer has been produced or the stream was cancelled.
    private let encoder: Mutex<GzipEncoder?>

    init(_ wrapped: any ResponseStream, level: Int32) {
        self.wrapped = wrapped
        self.encoder = Mutex(GzipEncoder(level: level))
    }

    func next(wake: StreamWaker) -> StreamPiece {
        guard encoder.withLock({ $0 != nil }) else { return .end }
        let piece = wrapped.next(wake: wake)
        return encoder.withLock { encoder -> StreamPiece in
            guard let current = encoder else { return .end }
            switch piece {
            case .wait:
                return .wait
            case .bytes(let bytes):
                // An empty piece would still cost a flush marker; the connection skips it anyway.
                return bytes.isEmpty ? .bytes([]) : .bytes(current.compress(bytes))
            case .end:
                encoder = nil
                return .bytes(current.finish())
            }
        }
    }

    func cancel() {
        // Frees zlib's state now rather than when the connection lets go of the stream.
        encoder.withLock { $0 = nil }
        wrapped.cancel()
    }
}
