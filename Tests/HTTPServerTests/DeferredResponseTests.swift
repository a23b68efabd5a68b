import Dispatch
import Glibc
import HTTP1
import HTTPResponder
import HTTPServer
import HTTPTypes
import Synchronization
import TestSupport
import Testing

// Responses held by a `ResponseGate` (a journal's fsync) over real sockets: nothing is sent,
// and nothing else on the connection is answered, until the gate opens.

/// A gate the test opens by hand, from any thread, optionally with a replacement response.
/// Opening before the server asks is remembered, so there is no race either way.
private final class ManualGate: ResponseGate {
    private struct State {
        var callback: (@Sendable (Response?) -> Void)?
        var opened = false
        var replacement: Response?
        var waits = 0
    }

    private let state = Mutex(State())

    func whenOpen(_ opened: @escaping @Sendable (Response?) -> Void) {
        let (alreadyOpen, replacement) = state.withLock { state -> (Bool, Response?) in
            state.waits += 1
            if state.opened { return (true, state.replacement) }
            state.callback = opened
            return (false, nil)
        }
        if alreadyOpen { opened(replacement) }
    }

    /// Lets the response go (or `replacement` instead). Later calls do nothing.
    func open(with replacement: Response? = nil) {
        let callback = state.withLock { state -> (@Sendable (Response?) -> Void)? in
            guard !state.opened else { return nil }
            state.opened = true
            state.replacement = replacement
            defer { state.callback = nil }
            return state.callback
        }
        callback?(replacement)
    }

    /// The server holds a response on this gate and waits.
    var isWaiting: Bool { state.withLock { $0.callback != nil } }

    /// How many times the server asked to be told when the gate opens.
    var waits: Int { state.withLock { $0.waits } }
}

/// A gate that is already open: it calls back at once, on the caller's (the loop's) thread.
private struct OpenGate: ResponseGate {
    var replacement: Response?

    func whenOpen(_ opened: @escaping @Sendable (Response?) -> Void) {
        opened(replacement)
    }
}

/// The echo responder, with `gates[path]` attached to the response for `path`.
private struct GatedResponder: Responder {
    var gates: [String: any ResponseGate]

    func respond(to request: Request) -> Response {
        var response = EchoResponder().respond(to: request)
        response.gate = gates[request.path]
        return response
    }
}

/// Runs `body` with a client of a server whose answers to `/gated` wait on `gate`. Afterwards
/// the gate opens (so the server can stop), the client closes and the server stops.
private func withGatedClient(_ body: (ManualGate, RawClient) throws -> Void) throws {
    let gate = ManualGate()
    let server = try TestServer.make(responder: GatedResponder(gates: ["/gated": gate]))
    defer { server.stop() }
    defer { gate.open() }
    let client = try server.connect()
    defer { client.close() }
    try body(gate, client)
}

/// Waits until the server holds a response on `gate`.
private func expectHeld(_ gate: ManualGate, sourceLocation: SourceLocation = #_sourceLocation) throws {
    try #require(
        eventually { gate.isWaiting }, "the server should hold the response on its gate",
        sourceLocation: sourceLocation)
}

/// A bounded absence check: no byte of any response (and no close) arrives within `window`.
private func expectNothingArrives(
    _ client: RawClient, within window: Duration = .milliseconds(300),
    sourceLocation: SourceLocation = #_sourceLocation
) {
    client.setReceiveTimeout(window)
    defer { client.setReceiveTimeout(.seconds(5)) }
    do {
        let response = try client.readResponse()
        Issue.record(
            "a response arrived while it should be held: \(response.status) \(response.value("X-Echo-Path") ?? "")",
            sourceLocation: sourceLocation)
    } catch {
        #expect(error == .timedOut(bufferedBytes: 0), sourceLocation: sourceLocation)
    }
}

/// A `Server` with its own drain timeout (TestServer's is 2 s), stopped once.
private final class DrainingServer {
    let server: Server
    private var stopped = false

    init(responder: some Responder, drainTimeout: Duration) throws {
        server = Server(
            configuration: ServerConfiguration(host: "127.0.0.1", port: 0, eventLoops: 1, drainTimeout: drainTimeout),
            responder: responder,
            logger: TestServer.logger
        )
        try server.start()
    }

    /// Shutdown, then wait for the loops; returns how long the wait took. Once.
    @discardableResult
    func stop() -> Duration {
        guard !stopped else { return .zero }
        stopped = true
        let start = ContinuousClock.now
        server.shutdown()
        server.wait()
        return ContinuousClock.now - start
    }

    /// Waits for a shutdown already begun; returns how long the wait took. Once.
    func waitForStop() -> Duration {
        guard !stopped else { return .zero }
        stopped = true
        let start = ContinuousClock.now
        server.wait()
        return ContinuousClock.now - start
    }
}

@Suite(.blocking)
struct DeferredResponseTests {
    @Test func gatedResponse_isHeld_untilTheGateOpens() throws {
        try withGatedClient { gate, client in
            try client.send(Wire.get("/gated", "X-Request-ID: trace-held"))
            try expectHeld(gate)
            expectNothingArrives(client)

            gate.open()
            let response = try client.readResponse()

            #expect(response.status == 200)
            #expect(response.value("X-Echo-Path") == "/gated")
            #expect(response.text == "path=/gated query=")
            #expect(response.value("X-Request-ID") == "trace-held")
            #expect(response.value("Date") != nil)
            #expect(gate.waits == 1, "the server asks the gate once")
            // The connection is kept alive and works as before.
            #expect(try client.roundTrip(Wire.get("/next")).value("X-Echo-Path") == "/next")
        }
    }

    @Test func pipelinedRequest_behindAGatedOne_waits_thenBothArriveInOrder() throws {
        try withGatedClient { gate, client in
            try client.send(Wire.get("/gated") + Wire.post("/after", body: "second") + Wire.get("/last"))
            try expectHeld(gate)
            expectNothingArrives(client)

            gate.open()
            let first = try client.readResponse()
            let second = try client.readResponse()
            let third = try client.readResponse()

            #expect(first.value("X-Echo-Path") == "/gated")
            #expect(second.value("X-Echo-Path") == "/after")
            #expect(second.text == "second")
            #expect(third.value("X-Echo-Path") == "/last")
            #expect(client.pollNow() == nil, "three responses, nothing more, connection open")
        }
    }

    @Test func requestSentWhileGated_isAnsweredAfterTheGatedOne() throws {
        // The second request arrives while the connection is not reading; it must be picked up
        // once the gate opens.
        try withGatedClient { gate, client in
            try client.send(Wire.get("/gated"))
            try expectHeld(gate)
            try client.send(Wire.get("/later"))
            expectNothingArrives(client)

            gate.open()
            #expect(try client.readResponse().value("X-Echo-Path") == "/gated")
            #expect(try client.readResponse().value("X-Echo-Path") == "/later")
        }
    }

    @Test func secondGatedRequest_isNotEvenHandled_untilTheFirstGateOpens() throws {
        let first = ManualGate()
        let second = ManualGate()
        let server = try TestServer.make(responder: GatedResponder(gates: ["/one": first, "/two": second]))
        defer { server.stop() }
        defer {
            first.open()
            second.open()
        }
        let client = try server.connect()
        defer { client.close() }

        try client.send(Wire.get("/one") + Wire.get("/two"))
        try expectHeld(first)
        expectNothingArrives(client)
        #expect(second.waits == 0, "the pipelined request is not handled while the first waits")

        first.open()
        #expect(try client.readResponse().value("X-Echo-Path") == "/one")
        try expectHeld(second)
        expectNothingArrives(client)

        second.open()
        #expect(try client.readResponse().value("X-Echo-Path") == "/two")
    }

    @Test func gatedRequest_withConnectionClose_isTheLastAnswered() throws {
        try withGatedClient { gate, client in
            try client.send(Wire.get("/gated", "Connection: close") + Wire.get("/never"))
            try expectHeld(gate)
            expectNothingArrives(client)

            gate.open()
            let response = try client.readResponse()
            #expect(response.value("X-Echo-Path") == "/gated")
            #expect(response.connectionHas("close"))
            expectServerClosed(client)
        }
    }

    @Test func gatedConnection_doesNotBlockOtherConnections_onTheSameLoop() throws {
        let gate = ManualGate()
        let server = try TestServer.make(eventLoops: 1, responder: GatedResponder(gates: ["/gated": gate]))
        defer { server.stop() }
        defer { gate.open() }
        let held = try server.connect()
        defer { held.close() }
        let other = try server.connect()
        defer { other.close() }

        try held.send(Wire.get("/gated"))
        try expectHeld(gate)
        #expect(try other.roundTrip(Wire.get("/other")).value("X-Echo-Path") == "/other")
        #expect(held.pollNow() == nil)

        gate.open()
        #expect(try held.readResponse().value("X-Echo-Path") == "/gated")
    }

    @Test func gateOpenedWithAReplacement_sendsTheReplacement() throws {
        try withGatedClient { gate, client in
            try client.send(Wire.get("/gated", "X-Request-ID: trace-replaced") + Wire.get("/after"))
            try expectHeld(gate)
            var replacement = Response.problem(.serviceUnavailable, detail: "The journal could not be written.")
            replacement.headerFields[.retryAfter] = "1"
            gate.open(with: replacement)
            let response = try client.readResponse()
            let after = try client.readResponse()

            #expect(response.status == 503)
            #expect(response.value("Content-Type") == "application/problem+json")
            #expect(response.text.contains("The journal could not be written."))
            #expect(response.value("Retry-After") == "1")
            #expect(response.value("X-Echo-Path") == nil, "nothing of the held response is sent")
            #expect(response.value("X-Request-ID") == "trace-replaced")
            #expect(after.status == 200)
            #expect(after.value("X-Echo-Path") == "/after")
        }
    }

    @Test func alreadyOpenGates_answerPipelinedRequests_inOrder() throws {
        // A gate that calls back synchronously, inside `whenOpen` on the loop's own thread.
        let replacement = Response(status: .accepted, headerFields: [.contentType: "text/plain"], body: Array("r".utf8))
        let server = try TestServer.make(
            responder: GatedResponder(gates: ["/open": OpenGate(), "/replaced": OpenGate(replacement: replacement)]))
        defer { server.stop() }
        let client = try server.connect()
        defer { client.close() }

        try client.send(Wire.get("/open") + Wire.get("/replaced") + Wire.get("/plain") + Wire.get("/open"))

        let responses = try (0..<4).map { _ in try client.readResponse() }
        #expect(responses.map(\.status) == [200, 202, 200, 200])
        #expect(responses.map { $0.value("X-Echo-Path") } == ["/open", nil, "/plain", "/open"])
        #expect(responses[1].text == "r")
    }

    @Test func gatesOpenedFromOtherThreads_releaseTheRightResponses() throws {
        let count = 16
        let gates = (0..<count).map { _ in ManualGate() }
        var table: [String: any ResponseGate] = [:]
        for (index, gate) in gates.enumerated() { table["/gated-\(index)"] = gate }
        let server = try TestServer.make(eventLoops: 2, responder: GatedResponder(gates: table))
        defer { server.stop() }
        defer { for gate in gates { gate.open() } }
        let clients = try (0..<count).map { _ in try server.connect() }
        defer { for client in clients { client.close() } }

        for (index, client) in clients.enumerated() {
            try client.send(Wire.get("/gated-\(index)") + Wire.get("/after-\(index)"))
        }
        for gate in gates { try expectHeld(gate) }
        // Every gate opens on a thread of its own, all at once.
        DispatchQueue.concurrentPerform(iterations: count) { index in
            gates[index].open()
        }

        for (index, client) in clients.enumerated() {
            let held = try client.readResponse()
            let after = try client.readResponse()
            #expect(held.value("X-Echo-Path") == "/gated-\(index)")
            #expect(after.value("X-Echo-Path") == "/after-\(index)")
        }
        #expect(gates.allSatisfy { $0.waits == 1 })
    }

    @Test func gatedResponse_isNotTimedOut_whileItWaits() throws {
        let gate = ManualGate()
        let server = try TestServer.make(responder: GatedResponder(gates: ["/gated": gate])) { configuration in
            configuration.connectionPolicy.headerTimeout = .milliseconds(200)
            configuration.connectionPolicy.idleTimeout = .milliseconds(200)
            configuration.connectionPolicy.bodyTimeout = .milliseconds(200)
        }
        defer { server.stop() }
        defer { gate.open() }
        let client = try server.connect()
        defer { client.close() }

        try client.send(Wire.get("/gated"))
        try expectHeld(gate)
        // Twice the idle and header timeouts pass on the server's own clock.
        try server.waitForOneHeaderTimeout()
        try server.waitForOneHeaderTimeout()
        #expect(client.pollNow() == nil, "no 408 and no close while the response waits on its gate")

        gate.open()
        let response = try client.readResponse()
        #expect(response.status == 200)
        #expect(response.value("X-Echo-Path") == "/gated")
        #expect(!response.connectionHas("close"))
    }

    @Test func clientGoneWhileGated_connectionIsReleased_onceTheGateOpens() throws {
        let gate = ManualGate()
        let server = try TestServer.make(responder: GatedResponder(gates: ["/gated": gate]))
        defer { server.stop() }
        defer { gate.open() }
        let client = try server.connect()

        try client.send(Wire.get("/gated"))
        try expectHeld(gate)
        client.close()
        gate.open()

        #expect(eventually { server.openConnections == 0 }, "the abandoned connection is closed")
        // The server goes on serving.
        let next = try server.connect()
        defer { next.close() }
        #expect(try next.roundTrip(Wire.get("/alive")).status == 200)
    }

    /// With and without a request pipelined behind the held one (which changes the connection's
    /// phase when the drain begins: idle, or with a request head buffered).
    @Test(arguments: [false, true])
    func drain_waitsForTheGatedResponse_thenStops(pipelined: Bool) throws {
        let gate = ManualGate()
        // A long drain timeout, so the server stopping soon proves the drain ended on its own.
        let server = try DrainingServer(responder: GatedResponder(gates: ["/gated": gate]), drainTimeout: .seconds(30))
        defer { server.stop() }
        defer { gate.open() }
        let port = server.server.port
        let client = try RawClient.connect(port: port)
        defer { client.close() }

        try client.send(Wire.get("/gated") + (pipelined ? Wire.get("/never") : ""))
        try expectHeld(gate)
        server.server.shutdown()
        // The single loop closes the listener once it began draining.
        #expect(eventually { (try? RawClient.connect(port: port)) == nil }, "the listener closes")
        expectNothingArrives(client)

        gate.open()
        let response = try client.readResponse()
        #expect(response.status == 200)
        #expect(response.value("X-Echo-Path") == "/gated")
        #expect(response.connectionHas("close"), "a draining server closes after the held response")
        expectServerClosed(client)
        client.close()

        let waited = server.waitForStop()
        #expect(waited < .seconds(5), "the server stopped \(waited) after the last connection closed")
        #expect(server.server.openConnections == 0)
    }
}
