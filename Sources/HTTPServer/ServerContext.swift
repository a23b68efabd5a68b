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
    /// Where access lines go; nil: none are written.
    let accessLog: AccessLogConfiguration?
    let observer: (any ResponseObserver)?
    /// Open client connections across all loops, checked against `policy.maxConnections`.
    let openConnections = Atomic<Int>(0)

    package init(responder: any Responder, configuration: ServerConfiguration, logger: Logger) {
        self.responder = responder
        self.messageLimits = configuration.messageLimits
        self.policy = configuration.connectionPolicy
        self.observer = configuration.observer
        self.logger = logger
        self.accessLog = configuration.accessLog
    }

    /// A response to a parsed request was queued: tell the observer, add the access line to the
    /// host's buffer.
    func responded(
        to request: Request, response: Response, bytes: Int, started: MonotonicInstant, peer: String,
        host: some ConnectionHost
    ) {
        let now = MonotonicInstant.now()
        let status = response.status
        let remoteUser = response.remoteUser
        observer?.responded(
            SentResponse(
                method: request.method, path: request.path, route: response.route, status: status,
                duration: .nanoseconds(Int64(now.nanoseconds &- started.nanoseconds))))
        guard accessLog != nil else { return }
        host.logAccess(
            AccessEntry(
                method: request.method.rawValue, target: request.head.path ?? request.path, status: status.code,
                bytes: bytes, micros: (now.nanoseconds &- started.nanoseconds) / 1000, requestID: request.id,
                peer: peer, user: remoteUser))
    }

    /// The server answered on its own, with no request to name (a parse error, a timeout).
    func refused(status: HTTPResponse.Status, bytes: Int, requestID: String, peer: String, host: some ConnectionHost) {
        observer?.responded(SentResponse(method: nil, path: nil, status: status, duration: nil))
        guard accessLog != nil else { return }
        host.logAccess(
            AccessEntry(
                method: "-", target: "-", status: status.code, bytes: bytes, micros: 0, requestID: requestID,
                peer: peer, user: nil))
    }

    /// The server refused a connection before reading anything (the connection cap).
    func refusedConnection(status: HTTPResponse.Status) {
        observer?.responded(SentResponse(method: nil, path: nil, status: status, duration: nil))
    }
}
