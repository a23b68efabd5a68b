import HTTP1
package import HTTPResponder
import HTTPTypes
package import Logging
import Synchronization

/// What every event loop of one server shares: the responder, the limits and policy, the logger,
/// the observer and the connection count.
///
/// Concurrency: immutable apart from atomics, so `Sendable`.
package final class ServerContext: Sendable {
    let responder: any Responder
    let messageLimits: MessageLimits
    let policy: ConnectionPolicy
    let logger: Logger
    let accessLogEnabled: Bool
    let observer: (any ResponseObserver)?
    /// Open client connections across all loops, checked against `policy.maxConnections`.
    let openConnections = Atomic<Int>(0)

    package init(responder: any Responder, configuration: ServerConfiguration, logger: Logger) {
        self.responder = responder
        self.messageLimits = configuration.messageLimits
        self.policy = configuration.connectionPolicy
        self.observer = configuration.observer
        self.logger = logger
        self.accessLogEnabled = logger.logLevel <= .info
    }

    /// A response to a parsed request was queued: tell the observer, write the access log line.
    func responded(
        to request: Request, status: HTTPResponse.Status, remoteUser: String?, bytes: Int, started: MonotonicInstant,
        peer: String
    ) {
        let now = MonotonicInstant.now()
        observer?.responded(
            SentResponse(
                method: request.method, path: request.path, status: status,
                duration: .nanoseconds(Int64(now.nanoseconds &- started.nanoseconds))))
        logAccess(
            method: request.method.rawValue, target: request.head.path ?? request.path, status: status.code,
            bytes: bytes, micros: (now.nanoseconds &- started.nanoseconds) / 1000, requestID: request.id, peer: peer,
            user: remoteUser)
    }

    /// The server answered on its own, with no request to name (a parse error, a timeout).
    func refused(status: HTTPResponse.Status, bytes: Int, requestID: String, peer: String) {
        observer?.responded(SentResponse(method: nil, path: nil, status: status, duration: nil))
        logAccess(
            method: "-", target: "-", status: status.code, bytes: bytes, micros: 0, requestID: requestID, peer: peer,
            user: nil)
    }

    /// The server refused a connection before reading anything (the connection cap).
    func refusedConnection(status: HTTPResponse.Status) {
        observer?.responded(SentResponse(method: nil, path: nil, status: status, duration: nil))
    }

    /// One line per response: method, target, status, bytes, duration, request id, peer, and
    /// the user the application named (`-` when none).
    private func logAccess(
        method: String, target: String, status: Int, bytes: Int, micros: UInt64, requestID: String, peer: String,
        user: String?
    ) {
        guard accessLogEnabled else { return }
        logger.info(
            "request",
            metadata: [
                "user.id": .string(user ?? "-"),
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

    static func milliseconds(_ micros: UInt64) -> String {
        let fraction = String(micros % 1000)
        return "\(micros / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }
}
