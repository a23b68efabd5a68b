import HTTP1
import HTTPResponder
import HTTPServer
import TestSupport
import Testing

/// Pipelined requests (RFC 9112 §9.3.2): answered in order, however the bytes arrive.
@Suite(.blocking)
struct PipeliningTests {
    @Test func server_answersPipelinedRequests_inOrder() throws {
        let server = try TestServer.make()
        defer { server.stop() }
        let client = try server.connect()
        defer { client.close() }

        try client.send(
            Wire.get("/first")
                + Wire.post("/second", body: "hello")
                + Wire.head("/third")
                + Wire.get("/fourth?x=1")
        )
        let first = try client.readResponse()
        let second = try client.readResponse()
        let third = try client.readResponse(isHeadRequest: true)
        let fourth = try client.readResponse()

        #expect(first.value("X-Echo-Path") == "/first")
        #expect(first.text == "path=/first query=")
        #expect(second.value("X-Echo-Method") == "POST")
        #expect(second.value("X-Echo-Path") == "/second")
        #expect(second.text == "hello")
        #expect(third.value("X-Echo-Method") == "HEAD")
        #expect(third.value("X-Echo-Path") == "/third")
        #expect(fourth.value("X-Echo-Path") == "/fourth")
        #expect(fourth.value("X-Echo-Query") == "x=1")
        #expect(client.pollNow() == nil, "nothing beyond four responses, connection still open")
    }

    @Test func server_answersPipelinedBatch_splitAcrossWrites() throws {
        let server = try TestServer.make()
        defer { server.stop() }
        let client = try server.connect()
        defer { client.close() }
        let batch = Wire.get("/a") + Wire.post("/b", body: "0123456789") + Wire.get("/c?q=3")
        // Each write completes one request and starts the next; reading the completed
        // request's response before the next write proves the server saw the pieces apart.
        let secondStart = batch.utf8.count - (Wire.post("/b", body: "0123456789") + Wire.get("/c?q=3")).utf8.count
        let thirdStart = batch.utf8.count - Wire.get("/c?q=3").utf8.count
        let bytes = Array(batch.utf8)
        let cuts = [0, secondStart + 9, thirdStart - 4, thirdStart + 7, bytes.count]

        try client.send(Array(bytes[cuts[0]..<cuts[1]]))
        let a = try client.readResponse()
        try client.send(Array(bytes[cuts[1]..<cuts[2]]))
        #expect(client.pollNow() == nil, "the body of /b is incomplete; nothing may be answered yet")
        try client.send(Array(bytes[cuts[2]..<cuts[3]]))
        let b = try client.readResponse()
        try client.send(Array(bytes[cuts[3]..<cuts[4]]))
        let c = try client.readResponse()

        #expect(a.value("X-Echo-Path") == "/a")
        #expect(b.value("X-Echo-Path") == "/b")
        #expect(b.text == "0123456789")
        #expect(c.value("X-Echo-Path") == "/c")
        #expect(c.value("X-Echo-Query") == "q=3")
    }

    @Test func server_answersPipelinedRequestsBeforeAnError_thenOnlyTheError() throws {
        let server = try TestServer.make()
        defer { server.stop() }
        let client = try server.connect()
        defer { client.close() }

        try client.send(
            Wire.get("/ok-1") + Wire.get("/ok-2")
                + "GET /broken HTTP/1.1\r\nHost: localhost\r\nX-Bad : value\r\n\r\n"
                + Wire.get("/never")
        )
        let first = try client.readResponse()
        let second = try client.readResponse()
        let error = try client.readResponse()

        #expect(first.value("X-Echo-Path") == "/ok-1")
        #expect(!first.connectionHas("close"))
        #expect(second.value("X-Echo-Path") == "/ok-2")
        #expect(error.status == 400)
        #expect(error.connectionHas("close"))
        expectServerClosed(client)
    }

    @Test func server_ignoresEmptyLinesBetweenPipelinedRequests() throws {
        // RFC 9112 §2.2: a server SHOULD ignore at least one empty line before a request line.
        let server = try TestServer.make()
        defer { server.stop() }
        let client = try server.connect()
        defer { client.close() }

        try client.send(Wire.post("/one", body: "abc") + "\r\n" + Wire.get("/two"))
        let first = try client.readResponse()
        let second = try client.readResponse()

        #expect(first.text == "abc")
        #expect(second.status == 200)
        #expect(second.value("X-Echo-Path") == "/two")
    }

    @Test func server_answersPipelinedRequests_whoseResponsesExceedWriteHighWater() throws {
        // Every response is larger than the high-water mark, so the server stops parsing
        // after each one until its output drains, then must resume on its own.
        let server = try TestServer.make {
            $0.connectionPolicy.writeHighWaterBytes = 1024; $0.connectionPolicy.headerTimeout = .seconds(1)
        }
        defer { server.stop() }
        let client = try server.connect()
        defer { client.close() }

        try client.send(Wire.get("/big?n=4096") + Wire.get("/big?n=4097") + Wire.get("/big?n=4098"))
        var answers: [String] = []
        for _ in 0..<3 {
            do {
                let response = try client.readResponse()
                answers.append("\(response.status) \(response.body.count) bytes")
            } catch {
                answers.append("\(error)")
                break
            }
        }

        #expect(answers == ["200 4096 bytes", "200 4097 bytes", "200 4098 bytes"])
    }
}
