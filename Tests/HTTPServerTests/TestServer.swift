import Glibc
import HTTP1
import HTTPResponder
import HTTPServer
import HTTPTypes
import Logging
import TestSupport
import Testing

/// A real `Server` on `127.0.0.1`, port 0, with the limits a test chooses. One per test.
///
/// `stop()` (shutdown, then wait) is idempotent, so a test may shut the server down itself
/// and still `defer { server.stop() }`.
final class TestServer {
    let server: Server
    private var joined = false

    private init(server: Server) {
        self.server = server
    }

    /// Starts a server running `responder` (by default the echo responder) on `eventLoops`
    /// loops, telling `observer` of its responses; `configure` adjusts the rest of the
    /// configuration (message limits, connection policy).
    static func make(
        eventLoops: Int = 1,
        responder: any Responder = EchoResponder(),
        observer: (any ResponseObserver)? = nil,
        configure: (inout ServerConfiguration) -> Void = { _ in }
    ) throws -> TestServer {
        var configuration = ServerConfiguration(
            host: "127.0.0.1",
            port: 0,
            eventLoops: eventLoops,
            drainTimeout: .seconds(2),
            observer: observer
        )
        configure(&configuration)
        let server = Server(configuration: configuration, responder: responder, logger: logger)
        try server.start()
        return TestServer(server: server)
    }

    /// A logger that drops everything; the global `LoggingSystem` is left alone.
    static let logger = Logger(label: "gridwork.server-tests", factory: { _ in SwiftLogNoOpLogHandler() })

    /// The bound port.
    var port: Int { server.port }

    /// Client connections the server holds open right now.
    var openConnections: Int { server.openConnections }

    /// A new raw connection to the server.
    func connect(receiveTimeout: Duration = .seconds(5), receiveBufferBytes: Int? = nil) throws -> RawClient {
        try RawClient.connect(port: port, receiveTimeout: receiveTimeout, receiveBufferBytes: receiveBufferBytes)
    }

    /// Begins a graceful shutdown; returns at once.
    func shutdown() {
        server.shutdown()
    }

    /// Blocks until every event loop has exited (once; later calls return at once).
    func wait() {
        guard !joined else { return }
        joined = true
        server.wait()
    }

    /// `shutdown()` then `wait()`.
    func stop() {
        shutdown()
        wait()
    }

    /// Lets real server time pass without sleeping: stalls a request head on a fresh
    /// connection and blocks until the server's header timeout answers it with 408.
    /// The server must have a short `headerTimeout`.
    func waitForOneHeaderTimeout() throws {
        let clock = try connect()
        defer { clock.close() }
        try clock.send("GET /clock HTTP/1.1\r\n")
        let response = try clock.readResponse()
        #expect(response.status == 408, "the clock connection should have timed out")
    }
}

/// Request bytes, exactly as a test means to send them.
enum Wire {
    /// `GET path HTTP/1.1` with `Host` and the given extra field lines (each without CRLF).
    static func get(_ path: String, _ fields: String...) -> String {
        request("GET", path, fields: fields)
    }

    /// `HEAD path HTTP/1.1` with `Host` and the given extra field lines.
    static func head(_ path: String, _ fields: String...) -> String {
        request("HEAD", path, fields: fields)
    }

    /// `POST path HTTP/1.1` with `Host`, `Content-Length` and `body`.
    static func post(_ path: String, body: String, _ fields: String...) -> String {
        request("POST", path, fields: ["Content-Length: \(body.utf8.count)"] + fields) + body
    }

    static func request(_ method: String, _ path: String, fields: [String]) -> String {
        var text = "\(method) \(path) HTTP/1.1\r\nHost: localhost\r\n"
        for field in fields { text += field + "\r\n" }
        return text + "\r\n"
    }
}

/// Echoes the request so framing is observable: `X-Echo-Method`, `X-Echo-Path`,
/// `X-Echo-Query` and `X-Echo-Body-Length` fields, and as the body the request body, or,
/// when there is none, `path=… query=…` (the same for GET and HEAD). The request's
/// `Content-Type` comes back as the response's.
///
/// `GET /big?n=BYTES` answers `BYTES` bytes of `BigBody` (default 8 MiB) instead.
struct EchoResponder: Responder {
    static let method = HTTPField.Name("X-Echo-Method")!
    static let path = HTTPField.Name("X-Echo-Path")!
    static let query = HTTPField.Name("X-Echo-Query")!
    static let bodyLength = HTTPField.Name("X-Echo-Body-Length")!

    func respond(to request: Request) -> Response {
        if request.path == "/big" {
            let count = request.query.flatMap { $0.hasPrefix("n=") ? Int($0.dropFirst(2)) : nil } ?? 8 << 20
            return Response(
                status: .ok,
                headerFields: [.contentType: "application/octet-stream"],
                body: BigBody.make(count: count)
            )
        }
        var fields: HTTPFields = [
            Self.method: request.method.rawValue,
            Self.path: request.path,
            Self.query: request.query ?? "",
            Self.bodyLength: String(request.body.count),
        ]
        fields[.contentType] = request.headerFields[.contentType] ?? "text/plain; charset=utf-8"
        let body = request.body.isEmpty ? Array("path=\(request.path) query=\(request.query ?? "")".utf8) : request.body
        return Response(status: .ok, headerFields: fields, body: body)
    }
}

/// A large body whose bytes depend on their offset (period 251, a prime), so a lost,
/// duplicated or reordered piece shows.
enum BigBody {
    static let period: [UInt8] = (0..<251).map { UInt8($0) }

    static func make(count: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count + period.count)
        while bytes.count < count { bytes.append(contentsOf: period) }
        bytes.removeLast(bytes.count - count)
        return bytes
    }

    /// Whether `bytes` is exactly `make(count: bytes.count)`.
    static func isIntact(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { buffer in
            var expected: UInt8 = 0
            for byte in buffer {
                if byte != expected { return false }
                expected = expected == 250 ? 0 : expected + 1
            }
            return true
        }
    }
}

/// Reads what follows a final response and expects the server to have closed (or reset)
/// the connection with nothing more sent.
func expectServerClosed(_ client: RawClient, sourceLocation: SourceLocation = #_sourceLocation) {
    let (end, rest) = client.readUntilClosed()
    #expect(
        end.isClosedByServer,
        "expected the server to close the connection; it is \(end)",
        sourceLocation: sourceLocation
    )
    let preview = String(decoding: rest.prefix(200), as: UTF8.self).debugDescription
    #expect(
        rest.isEmpty,
        "expected nothing after the final response, got \(rest.count) bytes: \(preview)",
        sourceLocation: sourceLocation
    )
}
