import TestSupport
import Testing

/// Many idle keep-alive connections at once, over raw sockets.
@Suite(.blocking)
struct ManyConnectionsTests {
    static let idleConnections = 1000

    @Test func server_servesFreshConnection_whileManyIdleKeepAliveConnectionsAreOpen() throws {
        let server = try APIServer.make(eventLoops: 2)
        defer { server.stop() }
        var idle: [RawClient] = []
        idle.reserveCapacity(Self.idleConnections)
        defer { for client in idle { client.close() } }

        // Send one request on each connection, then read every answer: the connections are
        // accepted and served, and stay open as idle keep-alive connections.
        let request = "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"
        for _ in 0..<Self.idleConnections {
            let client = try RawClient.connect(port: server.port)
            idle.append(client)
            try client.send(request)
        }
        var served = 0
        for client in idle {
            if try client.readResponse().status == 200 { served += 1 }
        }
        #expect(served == Self.idleConnections)
        #expect(server.openConnections == Self.idleConnections)

        let fresh = try RawClient.connect(port: server.port)
        defer { fresh.close() }
        let response = try fresh.roundTrip(request)
        #expect(response.status == 200)
        #expect(response.text == #"{"status":"ok"}"#)

        // The oldest and the newest idle connections still work.
        #expect(try idle[0].roundTrip(request).status == 200)
        #expect(try idle[idle.count - 1].roundTrip(request).status == 200)

        for client in idle { client.close() }
        fresh.close()
        #expect(eventually { server.openConnections == 0 }, "every connection is released")
    }
}
