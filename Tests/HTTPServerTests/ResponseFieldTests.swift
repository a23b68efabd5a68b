import HTTP1
import HTTPResponder
import HTTPServer
import TestSupport
import Testing

/// The fields the server adds to every response: `Date`, `Server`, `X-Request-ID`.
@Suite(.blocking)
struct ResponseFieldTests {
    /// `Sun, 06 Nov 1994 08:49:37 GMT` (RFC 9110 §5.6.7).
    static func isIMFFixdate(_ value: String?) -> Bool {
        guard let value, value.utf8.count == 29, value.hasSuffix(" GMT") else { return false }
        let parts = value.split(separator: " ")
        return parts.count == 6 && parts[0].hasSuffix(",") && parts[4].split(separator: ":").count == 3
    }

    static func expectServerFields(_ response: RawResponse, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(
            Self.isIMFFixdate(response.value("Date")),
            "Date: \(response.value("Date") ?? "missing")",
            sourceLocation: sourceLocation
        )
        #expect(response.values("Date").count == 1, sourceLocation: sourceLocation)
        #expect(response.value("Server") == "gridwork", sourceLocation: sourceLocation)
    }

    @Test func server_addsDateAndServer_toEveryResponse_onAConnection() throws {
        let server = try TestServer.make()
        defer { server.stop() }
        let client = try server.connect()
        defer { client.close() }

        let get = try client.roundTrip(Wire.get("/a"))
        let head = try client.roundTrip(Wire.head("/a"), isHeadRequest: true)
        let post = try client.roundTrip(Wire.post("/b", body: "x"))
        let interim = try client.roundTrip(
            "POST /c HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1\r\nExpect: 100-continue\r\n\r\n"
        )
        let continued = try client.roundTrip("y")

        for response in [get, head, post, continued] {
            Self.expectServerFields(response)
        }
        #expect(interim.status == 100)
    }

    @Test func server_addsDateAndServer_toParseErrors() throws {
        let server = try TestServer.make()
        defer { server.stop() }
        let client = try server.connect()
        defer { client.close() }

        let response = try client.roundTrip("GET / HTTP/1.1\r\n\r\n")

        #expect(response.status == 400)
        Self.expectServerFields(response)
        #expect(response.value("X-Request-ID")?.isEmpty == false)
    }

    @Test func server_addsDateAndServer_toTimeouts() throws {
        let server = try TestServer.make { $0.connectionPolicy.headerTimeout = .milliseconds(200) }
        defer { server.stop() }
        let client = try server.connect()
        defer { client.close() }

        let response = try client.roundTrip("GET / HTTP/1.1\r\n")

        #expect(response.status == 408)
        Self.expectServerFields(response)
    }

    @Test func server_echoesClientRequestID() throws {
        let server = try TestServer.make()
        defer { server.stop() }
        let client = try server.connect()
        defer { client.close() }

        let response = try client.roundTrip(Wire.get("/traced", "X-Request-ID: trace-42.abc_DEF"))

        #expect(response.values("X-Request-ID") == ["trace-42.abc_DEF"])
    }

    @Test func server_generatesDistinctRequestIDs_whenClientSendsNone() throws {
        let server = try TestServer.make()
        defer { server.stop() }
        let client = try server.connect()
        defer { client.close() }

        let first = try client.roundTrip(Wire.get("/one"))
        let second = try client.roundTrip(Wire.get("/two"))

        let firstID = try #require(first.value("X-Request-ID"))
        let secondID = try #require(second.value("X-Request-ID"))
        #expect(!firstID.isEmpty)
        #expect(!secondID.isEmpty)
        #expect(firstID != secondID)
    }

    @Test func server_replacesUnusableClientRequestID() throws {
        let server = try TestServer.make()
        defer { server.stop() }
        let client = try server.connect()
        defer { client.close() }

        let spaced = try client.roundTrip(Wire.get("/spaced", "X-Request-ID: two words"))
        let long = try client.roundTrip(Wire.get("/long", "X-Request-ID: \(String(repeating: "a", count: 129))"))

        #expect(spaced.values("X-Request-ID").count == 1)
        #expect(spaced.value("X-Request-ID") != "two words")
        #expect(long.values("X-Request-ID").count == 1)
        #expect(long.value("X-Request-ID")?.count != 129)
    }
}
