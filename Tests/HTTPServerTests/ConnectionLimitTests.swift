import HTTP1
import HTTPResponder
import HTTPServer
import TestSupport
import Testing

/// `maxConnections`: past it a new client is refused at once, and the server recovers.
@Suite(.blocking)
struct ConnectionLimitTests {
    @Test func server_refusesConnectionBeyondMaxConnections_andRecovers() throws {
        let server = try TestServer.make(eventLoops: 2) { $0.connectionPolicy.maxConnections = 3 }
        defer { server.stop() }
        var admitted: [RawClient] = []
        defer { for client in admitted { client.close() } }
        for index in 0..<3 {
            let client = try server.connect()
            admitted.append(client)
            // A round trip proves the server accepted (and counted) the connection.
            let response = try client.roundTrip(Wire.get("/admitted/\(index)"))
            #expect(response.status == 200)
        }
        #expect(server.openConnections == 3)

        let fourth = try server.connect(receiveTimeout: .seconds(3))
        defer { fourth.close() }
        let started = ContinuousClock.now
        let (end, bytes) = fourth.readUntilClosed()
        let elapsed = started.duration(to: .now)

        #expect(end.isClosedByServer, "the fourth connection must be closed by the server, it is \(end)")
        #expect(elapsed < .seconds(1), "the refusal must be quick")
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(bytes.isEmpty || text.hasPrefix("HTTP/1.1 503 "), "got \(text.debugDescription)")
        #expect(server.openConnections <= 3)

        admitted.removeFirst().close()
        #expect(eventually { server.openConnections == 2 })
        let fifth = try server.connect()
        defer { fifth.close() }
        let served = try fifth.roundTrip(Wire.get("/after-one-left"))
        #expect(served.status == 200)
        let stillServed = try admitted[0].roundTrip(Wire.get("/still-here"))
        #expect(stillServed.status == 200)
    }

    @Test func server_refusal503_carriesRetryAfter_dateAndServer() throws {
        let server = try TestServer.make { $0.connectionPolicy.maxConnections = 1 }
        defer { server.stop() }
        let admitted = try server.connect()
        defer { admitted.close() }
        #expect(try admitted.roundTrip(Wire.get("/admitted")).status == 200)

        let refused = try server.connect()
        defer { refused.close() }
        let response = try refused.readResponse()

        #expect(response.status == 503)
        #expect(response.value("Retry-After") != nil)
        #expect(response.connectionHas("close"))
        #expect(response.value("Content-Type") == "application/problem+json")
        #expect(response.value("Date") != nil, "every response carries Date")
        #expect(response.value("Server") == "gridwork", "every response carries Server")
        expectServerClosed(refused)
    }
}
