import HTTP1
import HTTPResponder
import HTTPServer
import TestSupport
import Testing

/// Peers that reset mid-response, read slowly, or stop reading.
@Suite(.blocking)
struct SlowAndBrokenPeerTests {
    @Test func server_survivesPeerResetMidResponse() throws {
        let server = try TestServer.make()
        defer { server.stop() }
        let resetting = try server.connect(receiveBufferBytes: 64 * 1024)
        defer { resetting.close() }

        try resetting.send(Wire.get("/big?n=\(8 << 20)"))
        // Read until part of the 8 MiB has arrived, so the server is mid-response, then RST.
        let partial = try resetting.readPartialBody()
        #expect(partial.status == 200)
        resetting.closeWithReset()

        let client = try server.connect()
        let response = try client.roundTrip(Wire.get("/after-reset"))
        #expect(response.status == 200)
        #expect(response.value("X-Echo-Path") == "/after-reset")
        client.close()
        #expect(eventually { server.openConnections == 0 }, "every connection is released")
    }

    @Test func server_deliversLargeResponseIntact_toSlowReader() throws {
        let size = 16 << 20
        let server = try TestServer.make()
        defer { server.stop() }
        // A small receive buffer keeps the kernel from absorbing the response: the server
        // must hold most of it and stop reading this client until it drains.
        let slow = try server.connect(receiveBufferBytes: 64 * 1024)
        defer { slow.close() }
        try slow.send(Wire.get("/big?n=\(size)") + Wire.get("/after-1") + Wire.get("/after-2"))

        // While the slow client reads nothing, the server keeps serving others.
        let other = try server.connect()
        defer { other.close() }
        for index in 0..<20 {
            let response = try other.roundTrip(Wire.get("/meanwhile/\(index)"))
            #expect(response.status == 200)
        }
        #expect(server.openConnections == 2, "the slow reader is still connected")

        let big = try slow.readResponse()
        let after1 = try slow.readResponse()
        let after2 = try slow.readResponse()

        #expect(big.status == 200)
        #expect(big.body.count == size)
        #expect(BigBody.isIntact(big.body), "the body arrived with every byte in place")
        #expect(after1.value("X-Echo-Path") == "/after-1")
        #expect(after2.value("X-Echo-Path") == "/after-2")
    }

    @Test func server_finishesResponse_toClientThatHalfClosed() throws {
        // The client sends its request and FIN at once; the response is still owed in full.
        let size = 4 << 20
        let server = try TestServer.make()
        defer { server.stop() }
        let client = try server.connect()
        defer { client.close() }

        try client.send(Wire.get("/big?n=\(size)"))
        client.shutdownWrite()
        let response = try client.readResponse()

        #expect(response.status == 200)
        #expect(response.body.count == size)
        #expect(BigBody.isIntact(response.body))
        expectServerClosed(client)
        #expect(eventually { server.openConnections == 0 })
    }

    @Test func server_dropsClientThatStopsReading_afterWriteTimeout() throws {
        let size = 16 << 20
        let server = try TestServer.make { $0.connectionPolicy.writeTimeout = .milliseconds(300) }
        defer { server.stop() }
        let stuck = try server.connect(receiveBufferBytes: 64 * 1024)
        defer { stuck.close() }

        try stuck.send(Wire.get("/big?n=\(size)"))
        // The response has started (so the server holds this connection); now stop reading.
        let partial = try stuck.readPartialBody()
        #expect(partial.status == 200)

        let released = eventually(within: .seconds(3)) { server.openConnections == 0 }
        #expect(released, "the server gives up on the client")
        let (end, bytes) = stuck.readUntilClosed()
        #expect(end.isClosedByServer)
        #expect(bytes.count < size, "the response was cut short")
        let other = try server.connect()
        defer { other.close() }
        #expect(try other.roundTrip(Wire.get("/still-serving")).status == 200)
    }
}

extension RawClient {
    /// Reads a response head and at least one body byte; the rest stays unread.
    func readPartialBody() throws(RawClientError) -> (status: Int, received: Int) {
        while true {
            let buffered = bufferedBytes
            if let end = buffered.firstRange(of: [0x0D, 0x0A, 0x0D, 0x0A]), end.upperBound < buffered.count {
                let statusLine = String(decoding: buffered[..<end.lowerBound], as: UTF8.self)
                let code = statusLine.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
                return (code, buffered.count - end.upperBound)
            }
            try receiveMore()
        }
    }
}
