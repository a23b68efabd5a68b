import TestSupport
import Testing

/// Persistent connections (RFC 9112 §9.3): when the server keeps a connection, when it closes it.
@Suite(.blocking)
struct KeepAliveTests {
    @Test func server_servesTwoRequests_onOneConnection() throws {
        let server = try TestServer.make()
        defer { server.stop() }
        let client = try server.connect()
        defer { client.close() }

        let first = try client.roundTrip(Wire.get("/first"))
        let second = try client.roundTrip(Wire.get("/second?n=2"))

        #expect(first.status == 200)
        #expect(first.value("X-Echo-Path") == "/first")
        #expect(!first.connectionHas("close"))
        #expect(second.status == 200)
        #expect(second.value("X-Echo-Path") == "/second")
        #expect(second.value("X-Echo-Query") == "n=2")
        #expect(!second.connectionHas("close"))
        #expect(client.pollNow() == nil, "the connection should still be open")
    }

    @Test func server_closesHTTP10Connection_afterResponse() throws {
        let server = try TestServer.make()
        defer { server.stop() }
        let client = try server.connect()
        defer { client.close() }

        let response = try client.roundTrip("GET /old HTTP/1.0\r\n\r\n")

        #expect(response.status == 200)
        #expect(response.value("X-Echo-Path") == "/old")
        #expect(response.connectionHas("close"))
        expectServerClosed(client)
    }

    @Test func server_keepsHTTP10Connection_open_whenAskedForKeepAlive() throws {
        let server = try TestServer.make()
        defer { server.stop() }
        let client = try server.connect()
        defer { client.close() }

        let first = try client.roundTrip("GET /one HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        let second = try client.roundTrip("GET /two HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")

        #expect(first.status == 200)
        #expect(first.connectionHas("keep-alive"))
        #expect(second.status == 200)
        #expect(second.value("X-Echo-Path") == "/two")
        #expect(second.connectionHas("keep-alive"))
        #expect(client.pollNow() == nil, "the connection should still be open")
    }

    @Test func server_closes_afterClientSendsConnectionClose() throws {
        let server = try TestServer.make()
        defer { server.stop() }
        let client = try server.connect()
        defer { client.close() }

        let response = try client.roundTrip(Wire.get("/last", "Connection: close"))

        #expect(response.status == 200)
        #expect(response.value("X-Echo-Path") == "/last")
        #expect(response.connectionHas("close"))
        expectServerClosed(client)
    }

    @Test func server_ignoresPipelinedRequests_afterConnectionClose() throws {
        let server = try TestServer.make()
        defer { server.stop() }
        let client = try server.connect()
        defer { client.close() }

        try client.send(Wire.get("/last", "Connection: close") + Wire.get("/ignored"))
        let response = try client.readResponse()

        #expect(response.value("X-Echo-Path") == "/last")
        #expect(response.connectionHas("close"))
        expectServerClosed(client)
    }
}
