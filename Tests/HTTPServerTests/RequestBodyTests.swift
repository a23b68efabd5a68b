import HTTP1
import HTTPResponder
import HTTPServer
import TestSupport
import Testing

/// Request bodies: Content-Length, chunked, and `Expect: 100-continue`.
@Suite(.blocking)
struct RequestBodyTests {
    @Test func server_readsContentLengthBody() throws {
        let server = try TestServer.make()
        defer { server.stop() }
        let client = try server.connect()
        defer { client.close() }

        let response = try client.roundTrip(Wire.post("/upload?kind=text", body: "hello, body"))
        let next = try client.roundTrip(Wire.get("/after"))

        #expect(response.status == 200)
        #expect(response.value("X-Echo-Method") == "POST")
        #expect(response.value("X-Echo-Query") == "kind=text")
        #expect(response.value("X-Echo-Body-Length") == "11")
        #expect(response.text == "hello, body")
        #expect(next.value("X-Echo-Path") == "/after", "the body was consumed exactly")
    }

    @Test func server_accepts_identicalRepeatedContentLength() throws {
        // RFC 9112 §6.3: a list of identical lengths is one length.
        let server = try TestServer.make()
        defer { server.stop() }
        let client = try server.connect()
        defer { client.close() }

        try client.send(
            "POST /same HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nContent-Length: 5, 5\r\n\r\nhello"
                + Wire.get("/after")
        )
        let response = try client.readResponse()
        let next = try client.readResponse()

        #expect(response.status == 200)
        #expect(response.text == "hello")
        #expect(next.value("X-Echo-Path") == "/after")
    }

    static let chunkedRequest =
        "POST /chunked HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
        + "5;name=value\r\nhello\r\n"
        + "7\r\n, world\r\n"
        + "0\r\nX-Trailer: yes\r\n\r\n"

    @Test func server_readsChunkedBody_withExtensionAndTrailer_inOneWrite() throws {
        let server = try TestServer.make()
        defer { server.stop() }
        let client = try server.connect()
        defer { client.close() }

        try client.send(Self.chunkedRequest + Wire.get("/after"))
        let response = try client.readResponse()
        let next = try client.readResponse()

        #expect(response.status == 200)
        #expect(response.value("X-Echo-Body-Length") == "12")
        #expect(response.text == "hello, world")
        #expect(next.value("X-Echo-Path") == "/after", "the trailer section was consumed exactly")
    }

    @Test func server_readsChunkedBody_sentByteByByte() throws {
        let server = try TestServer.make()
        defer { server.stop() }
        let client = try server.connect()
        defer { client.close() }

        try client.sendByteByByte(Self.chunkedRequest + Wire.get("/after"))
        let response = try client.readResponse()
        let next = try client.readResponse()

        #expect(response.status == 200)
        #expect(response.text == "hello, world")
        #expect(next.value("X-Echo-Path") == "/after")
    }

    @Test func server_sends100Continue_beforeReadingBody() throws {
        let server = try TestServer.make()
        defer { server.stop() }
        let client = try server.connect()
        defer { client.close() }

        let interim = try client.roundTrip(
            "POST /expect HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"
        )
        #expect(interim.status == 100)
        #expect(interim.version == "HTTP/1.1")
        #expect(interim.body.isEmpty)

        let response = try client.roundTrip("12345")
        #expect(response.status == 200)
        #expect(response.text == "12345")
    }

    @Test func server_rejectsOversizedExpectContinue_with413_without100() throws {
        let server = try TestServer.make { $0.messageLimits.maxBodyBytes = 1000 }
        defer { server.stop() }
        let client = try server.connect()
        defer { client.close() }

        let response = try client.roundTrip(
            "POST /expect HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1001\r\nExpect: 100-continue\r\n\r\n"
        )

        #expect(response.status == 413, "the first response must be the 413, not a 100")
        #expect(response.connectionHas("close"))
        expectServerClosed(client)
    }
}
