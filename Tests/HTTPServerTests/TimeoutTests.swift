import HTTP1
import HTTPResponder
import HTTPServer
import TestSupport
import Testing

/// The header, body and idle timeouts, observed by blocking until the server acts. The limits
/// are short; the clients' receive timeout (5 s) only guards against a server that never acts.
@Suite(.blocking)
struct TimeoutTests {
    @Test func server_answers408_toStalledHead_whileServingOthers() throws {
        let server = try TestServer.make { $0.connectionPolicy.headerTimeout = .milliseconds(300) }
        defer { server.stop() }
        let stalled = try server.connect()
        defer { stalled.close() }
        let other = try server.connect()
        defer { other.close() }

        let started = ContinuousClock.now
        try stalled.send("GET /stalled HTTP/1.1\r\nHost: loc")
        let during = try other.roundTrip(Wire.get("/during-stall"))
        #expect(during.status == 200)
        #expect(during.value("X-Echo-Path") == "/during-stall")
        #expect(stalled.pollNow() == nil, "the stalled client must not be answered before its timeout")

        let timeout = try stalled.readResponse()
        let elapsed = started.duration(to: .now)

        #expect(timeout.status == 408)
        #expect(timeout.connectionHas("close"))
        #expect(timeout.text.contains("head"))
        #expect(elapsed >= .milliseconds(300))
        expectServerClosed(stalled)
        let after = try other.roundTrip(Wire.get("/after-stall"))
        #expect(after.status == 200, "the other client is unaffected")
    }

    @Test func server_answers408_toStalledBody() throws {
        let server = try TestServer.make { $0.connectionPolicy.bodyTimeout = .milliseconds(300) }
        defer { server.stop() }
        let client = try server.connect()
        defer { client.close() }

        let started = ContinuousClock.now
        try client.send("POST /upload HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10\r\n\r\nabc")
        let response = try client.readResponse()
        let elapsed = started.duration(to: .now)

        #expect(response.status == 408)
        #expect(response.connectionHas("close"))
        #expect(response.text.contains("body"))
        #expect(elapsed >= .milliseconds(300))
        expectServerClosed(client)
    }

    @Test func server_closesIdleKeepAliveConnection_afterIdleTimeout() throws {
        let server = try TestServer.make { $0.connectionPolicy.idleTimeout = .milliseconds(300) }
        defer { server.stop() }
        // Measured from before connecting: the server may count idleness from the accept.
        let started = ContinuousClock.now
        let client = try server.connect()
        defer { client.close() }

        let response = try client.roundTrip(Wire.get("/once"))
        #expect(response.status == 200)
        #expect(!response.connectionHas("close"))
        let (end, rest) = client.readUntilClosed()
        let elapsed = started.duration(to: .now)

        #expect(end == .closed, "an idle connection is closed quietly, read returns 0")
        #expect(rest.isEmpty, "no response is sent to an idle connection")
        #expect(elapsed >= .milliseconds(300))
    }

    @Test func server_restartsIdleTimer_afterEachResponse() throws {
        // idleTimeout bounds the silence between requests, not the life of a connection.
        // Requests come every ~400-500 ms (one header timeout of a throwaway connection), so
        // the connection is never idle for 1 s, yet lives well past 1 s.
        let server = try TestServer.make {
            $0.connectionPolicy.idleTimeout = .seconds(1)
            $0.connectionPolicy.headerTimeout = .milliseconds(400)
        }
        defer { server.stop() }
        let client = try server.connect()
        defer { client.close() }

        let opened = ContinuousClock.now
        var answers: [String] = []
        for round in 1...4 {
            if round > 1 { try server.waitForOneHeaderTimeout() }
            let elapsed = opened.duration(to: .now)
            do {
                let response = try client.roundTrip(Wire.get("/round/\(round)"))
                answers.append("\(response.status)")
            } catch {
                answers.append("round \(round) at \(elapsed): \(error)")
                break
            }
        }

        #expect(answers == ["200", "200", "200", "200"])
        #expect(opened.duration(to: .now) > .seconds(1), "the test must outlast idleTimeout to mean anything")
    }
}
