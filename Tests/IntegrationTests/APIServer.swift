import Foundation
import GridworkAPI
import GridworkStore
import HTTPServer
import Logging
import TestSupport

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The real API (`makeResponder`) in a real `Server` on `127.0.0.1`, port 0. One per test.
final class APIServer {
    let server: Server
    private var joined = false

    private init(server: Server) {
        self.server = server
    }

    /// A logger that drops everything; the global `LoggingSystem` is left alone.
    static let logger = Logger(label: "gridwork.integration-tests", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Starts the API on `eventLoops` loops.
    static func make(eventLoops: Int = 2) throws -> APIServer {
        let server = Server(
            configuration: ServerConfiguration(
                host: "127.0.0.1", port: 0, eventLoops: eventLoops, drainTimeout: .seconds(2)),
            responder: makeResponder(store: Store(), logger: logger),
            logger: logger
        )
        try server.start()
        return APIServer(server: server)
    }

    var port: Int { server.port }

    /// Client connections the server holds open right now.
    var openConnections: Int { server.openConnections }

    /// `http://127.0.0.1:PORT/path`.
    func url(_ path: String) -> URL {
        URL(string: "http://127.0.0.1:\(port)\(path)")!
    }

    /// Shuts down and waits (once).
    func stop() {
        server.shutdown()
        guard !joined else { return }
        joined = true
        server.wait()
    }
}

/// A URLSession of its own per test, without caches or cookies.
struct HTTPClient {
    let session: URLSession

    static func make() -> HTTPClient {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 10
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        return HTTPClient(session: URLSession(configuration: configuration))
    }

    /// Sends `method` to `url`; returns the body and the HTTP response.
    func send(_ url: URL, method: String = "GET", body: Data? = nil) async throws -> (Data, HTTPURLResponse) {
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.httpBody = body
        let (data, response) = try await session.data(for: request)
        guard let http = response as? HTTPURLResponse else { throw URLError(.badServerResponse) }
        return (data, http)
    }

    func invalidate() {
        session.invalidateAndCancel()
    }
}
