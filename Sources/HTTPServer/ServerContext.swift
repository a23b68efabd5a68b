import HTTP1
import HTTPTypes
import Logging
import Synchronization

/// What every event loop of one server shares: the responder, the limits, the logger and the
/// connection count.
///
/// Concurrency: immutable apart from atomics, so `Sendable`.
final class ServerContext: Sendable {
    let responder: any Responder
    let limits: Limits
    let logger: Logger
    let accessLogEnabled: Bool
    let observer: (any ResponseObserver)?
    /// Open client connections across all loops, checked against `limits.maxConnections`.
    let openConnections = Atomic<Int>(0)

    init(responder: any Responder, limits: Limits, logger: Logger, observer: (any ResponseObserver)? = nil) {
        self.responder = responder
        self.observer = observer
        self.limits = limits
        self.logger = logger
        self.accessLogEnabled = logger.logLevel <= .info
    }

    /// One line per request: method, target, status, bytes, duration, request id, peer.
    func logAccess(
        method: String,
        target: String,
        status: Int,
        bytes: Int,
        started: MonotonicInstant,
        requestID: String,
        peer: String
    ) {
        guard accessLogEnabled else { return }
        let micros = (MonotonicInstant.now().nanoseconds &- started.nanoseconds) / 1000
        logger.info(
            "request",
            metadata: [
                "http.method": .string(method),
                "url.path": .string(target),
                "http.status": .stringConvertible(status),
                "http.response.bytes": .stringConvertible(bytes),
                "duration_ms": .string(Self.milliseconds(micros)),
                "request.id": .string(requestID),
                "client.address": .string(peer),
            ]
        )
    }

    /// Tells the observer of a response; `started` is nil when no request was parsed.
    func observe(_ request: Request?, status: HTTPResponse.Status, started: MonotonicInstant?) {
        guard let observer else { return }
        let duration = started.map { Duration.nanoseconds(Int64(MonotonicInstant.now().nanoseconds &- $0.nanoseconds)) }
        observer.responded(
            SentResponse(method: request?.method, path: request?.path, status: status, duration: duration))
    }

    static func milliseconds(_ micros: UInt64) -> String {
        let fraction = String(micros % 1000)
        return "\(micros / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }
}
