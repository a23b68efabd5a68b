import Dispatch
import Foundation
import Glibc
import HTTPServer
import Synchronization
import TestSupport
import Testing

/// Graceful shutdown: idle connections close, in-flight requests finish, the port is released.
@Suite(.blocking)
struct ShutdownTests {
    @Test func shutdown_beforeStart_takesEffectOnceStarted() throws {
        // A signal may arrive while the process is still loading its data: the server must
        // still stop, not serve forever because the request came too early.
        let server = Server(
            configuration: ServerConfiguration(host: "127.0.0.1", port: 0, eventLoops: 2, drainTimeout: .seconds(2)),
            responder: EchoResponder(), logger: TestServer.logger)
        server.shutdown()
        try server.start()
        let port = server.port
        // Waited for on a thread of its own (not a Dispatch worker, which a busy test run may
        // not hand out in time), so a server that never stops fails the test, not the run.
        let stopped = Atomic<Bool>(false)
        Thread.detachNewThread {
            server.wait()
            stopped.store(true, ordering: .releasing)
        }

        #expect(port > 0)
        #expect(eventually(within: .seconds(5)) { stopped.load(ordering: .acquiring) }, "the server stopped")
        #expect(throws: RawClientError.connectFailed(errno: ECONNREFUSED)) {
            try RawClient.connect(port: port)
        }
    }

    @Test func shutdown_closesIdleConnection_andRefusesNewOnes() throws {
        let server = try TestServer.make(eventLoops: 2)
        defer { server.stop() }
        let idle = try server.connect()
        defer { idle.close() }
        #expect(try idle.roundTrip(Wire.get("/before")).status == 200)
        let port = server.port

        server.shutdown()
        let (end, rest) = idle.readUntilClosed()
        server.wait()

        #expect(end == .closed, "the idle connection is closed by the server")
        #expect(rest.isEmpty)
        #expect(server.openConnections == 0)
        #expect(throws: RawClientError.connectFailed(errno: ECONNREFUSED)) {
            try RawClient.connect(port: port)
        }
    }

    @Test func shutdown_completesRequestInFlight_thenCloses() throws {
        let server = try TestServer.make()
        defer { server.stop() }
        let client = try server.connect()
        defer { client.close() }
        // The 100 Continue proves the server holds a parsed head and waits for the body.
        let interim = try client.roundTrip(
            "POST /in-flight HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"
        )
        #expect(interim.status == 100)

        server.shutdown()
        // shutdown() only queues the drain. The single loop closes the listener right after it
        // began draining, so once a connect is refused the drain has reached this connection.
        let port = server.port
        #expect(eventually { (try? RawClient.connect(port: port)) == nil }, "the listener closes")
        let response = try client.roundTrip("hello")

        #expect(response.status == 200)
        #expect(response.text == "hello")
        #expect(response.connectionHas("close"), "a draining server tells the client it closes")
        expectServerClosed(client)
        client.close()
        server.wait()
        #expect(server.openConnections == 0)
    }
}
