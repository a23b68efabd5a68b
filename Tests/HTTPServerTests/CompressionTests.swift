import HTTP1
import HTTPResponder
import HTTPTypes
import Synchronization
import TestSupport
import Testing

/// `CompressionResponder` in a real server: gzip negotiated from `Accept-Encoding`
/// (RFC 9110 §12.5.3), with `Vary: Accept-Encoding`.
@Suite(.blocking)
struct CompressionTests {
    static func makeServer() throws -> TestServer {
        try TestServer.make(responder: CompressionResponder(EchoResponder()))
    }

    /// A JSON document of about 3 KiB.
    static let largeJSON: String =
        "["
        + (0..<60).map { #"{"id":\#($0),"name":"cadre-\#($0)","grid":"north-east","ok":true}"# }.joined(separator: ",")
        + "]"

    static func postJSON(_ json: String, _ fields: String...) -> String {
        Wire.request(
            "POST",
            "/documents",
            fields: ["Content-Type: application/json", "Content-Length: \(json.utf8.count)"] + fields
        ) + json
    }

    @Test func gzip_compressesLargeJSON_whenAccepted() throws {
        #expect(Self.largeJSON.utf8.count > 1024)
        let server = try Self.makeServer()
        defer { server.stop() }
        let client = try server.connect()
        defer { client.close() }

        let response = try client.roundTrip(Self.postJSON(Self.largeJSON, "Accept-Encoding: gzip"))

        #expect(response.status == 200)
        #expect(response.value("Content-Encoding") == "gzip")
        #expect(response.values("Vary").contains("Accept-Encoding"))
        #expect(response.value("Content-Length") == String(response.body.count))
        #expect(response.body.count < Self.largeJSON.utf8.count)
        let inflated = Gzip.decompress(response.body)
        #expect(inflated == Array(Self.largeJSON.utf8))
    }

    @Test func gzip_isSkipped_whenItsQualityIsZero() throws {
        let server = try Self.makeServer()
        defer { server.stop() }
        let client = try server.connect()
        defer { client.close() }

        let response = try client.roundTrip(Self.postJSON(Self.largeJSON, "Accept-Encoding: gzip;q=0"))

        #expect(response.status == 200)
        #expect(response.value("Content-Encoding") == nil)
        #expect(response.values("Vary").contains("Accept-Encoding"))
        #expect(response.text == Self.largeJSON)
    }

    @Test func gzip_isUsedForSmallBody_whenIdentityIsRefused() throws {
        // Below the 1 KiB threshold identity is preferred, unless the client refuses it.
        let small = #"{"id":1}"#
        let server = try Self.makeServer()
        defer { server.stop() }
        let client = try server.connect()
        defer { client.close() }

        let response = try client.roundTrip(Self.postJSON(small, "Accept-Encoding: gzip, identity;q=0"))

        #expect(response.status == 200)
        #expect(response.value("Content-Encoding") == "gzip")
        #expect(Gzip.decompress(response.body) == Array(small.utf8))
    }

    @Test func gzip_smallBody_staysIdentity_whenIdentityIsAcceptable() throws {
        let small = #"{"id":1}"#
        let server = try Self.makeServer()
        defer { server.stop() }
        let client = try server.connect()
        defer { client.close() }

        let response = try client.roundTrip(Self.postJSON(small, "Accept-Encoding: gzip"))

        #expect(response.value("Content-Encoding") == nil)
        #expect(response.text == small)
    }

    @Test func gzip_refusingIdentityAndGzip_onARead_gets406() throws {
        let json = Array(Self.largeJSON.utf8)
        let server = try TestServer.make(responder: CompressionResponder(ClosureResponder { _ in .json(json) }))
        defer { server.stop() }
        let client = try server.connect()
        defer { client.close() }

        let response = try client.roundTrip(
            Wire.request("GET", "/documents", fields: ["Accept-Encoding: identity;q=0, gzip;q=0"]))
        let next = try client.roundTrip(Wire.get("/after"))

        #expect(response.status == 406)
        #expect(response.value("Content-Type") == "application/problem+json")
        #expect(response.values("Vary").contains("Accept-Encoding"))
        #expect(response.value("Content-Encoding") == nil)
        #expect(next.status == 200, "a 406 does not end the connection")
    }

    @Test func gzip_refusingIdentityAndGzip_onAWrite_getsTheResponseAsIs() throws {
        // The write has happened: turning its answer into an error would misreport it.
        let server = try Self.makeServer()
        defer { server.stop() }
        let client = try server.connect()
        defer { client.close() }

        let response = try client.roundTrip(Self.postJSON(Self.largeJSON, "Accept-Encoding: identity;q=0, gzip;q=0"))

        #expect(response.status == 200)
        #expect(response.value("Content-Encoding") == nil)
        #expect(response.text == Self.largeJSON)
    }

    @Test func gzip_isSkipped_withoutAcceptEncoding() throws {
        let server = try Self.makeServer()
        defer { server.stop() }
        let client = try server.connect()
        defer { client.close() }

        let response = try client.roundTrip(Self.postJSON(Self.largeJSON))

        #expect(response.status == 200)
        #expect(response.value("Content-Encoding") == nil)
        #expect(response.text == Self.largeJSON)
    }

    @Test func gzip_compressesAStreamedBody_chunkByChunk_whenAccepted() throws {
        let rows = (0..<200).map { "row-\($0),网格,走访记录\r\n" }
        let server = try TestServer.make(
            responder: CompressionResponder(
                ClosureResponder { _ in
                    var response = Response(status: .ok, headerFields: [.contentType: "text/csv; charset=utf-8"])
                    response.stream = RowsStream(rows)
                    return response
                }))
        defer { server.stop() }
        let client = try server.connect()
        defer { client.close() }

        let response = try client.roundTrip(Wire.request("GET", "/export.csv", fields: ["Accept-Encoding: gzip"]))
        let next = try client.roundTrip(Wire.get("/after"))

        #expect(response.status == 200)
        #expect(response.value("Transfer-Encoding") == "chunked")
        #expect(response.value("Content-Encoding") == "gzip")
        #expect(response.values("Vary").contains("Accept-Encoding"))
        let identity = Array(rows.joined().utf8)
        #expect(response.body.count < identity.count / 3, "\(response.body.count) of \(identity.count) bytes")
        #expect(Gzip.decompress(response.body) == identity)
        #expect(next.status == 200, "the connection goes on after the gzip trailer and the last chunk")
    }
}

/// A finite stream of text rows, twenty to a piece.
private final class RowsStream: ResponseStream, Sendable {
    private let remaining: Mutex<[String]>

    init(_ rows: [String]) {
        remaining = Mutex(rows)
    }

    func next(wake: StreamWaker) -> StreamPiece {
        remaining.withLock { rows in
            guard !rows.isEmpty else { return .end }
            let piece = rows.prefix(20)
            rows.removeFirst(piece.count)
            return .bytes(Array(piece.joined().utf8))
        }
    }

    func cancel() {
        remaining.withLock { $0 = [] }
    }
}
