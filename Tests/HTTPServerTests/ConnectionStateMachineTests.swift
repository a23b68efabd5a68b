import HTTP1
import HTTPResponder
import TestSupport
import Testing

@testable import HTTPServer

extension ConnectionStateMachine {
    static func make(
        headerTimeout: Duration = .seconds(10),
        bodyTimeout: Duration = .seconds(30),
        idleTimeout: Duration = .seconds(60),
        writeTimeout: Duration = .seconds(30)
    ) -> ConnectionStateMachine {
        var policy = ConnectionPolicy()
        policy.headerTimeout = headerTimeout
        policy.bodyTimeout = bodyTimeout
        policy.idleTimeout = idleTimeout
        policy.writeTimeout = writeTimeout
        policy.lingerTimeout = .seconds(2)
        return ConnectionStateMachine(policy: policy, now: .at(0))
    }
}

extension MonotonicInstant {
    static func at(_ seconds: Double) -> MonotonicInstant {
        MonotonicInstant(nanoseconds: UInt64(seconds * 1e9))
    }
}

struct ConnectionStateMachineTests {
    @Test func machine_closes_idleConnection_afterIdleTimeout() {
        var machine = ConnectionStateMachine.make(idleTimeout: .seconds(5))
        do {
            let result = machine.tick(now: .at(4.9))
            #expect(result == .none)
        }
        do {
            let result = machine.tick(now: .at(5.1))
            #expect(result == .close)
        }
        #expect(machine.phase == .closed)
    }

    @Test func machine_times_out_aStalledHead_with408() {
        var machine = ConnectionStateMachine.make(headerTimeout: .seconds(1), idleTimeout: .seconds(60))
        machine.parserAdvanced(to: .head, now: .at(10))
        do {
            let result = machine.tick(now: .at(10.9))
            #expect(result == .none)
        }
        do {
            let result = machine.tick(now: .at(11.1))
            #expect(result == .timeoutAndClose)
        }
        #expect(machine.closeAfterFlush)
        #expect(!machine.wantsInput)
    }

    @Test func machine_doesNotExtend_headTimer_whileBytesTrickle() {
        var machine = ConnectionStateMachine.make(headerTimeout: .seconds(1))
        machine.parserAdvanced(to: .head, now: .at(0))
        machine.parserAdvanced(to: .head, now: .at(0.5))
        machine.parserAdvanced(to: .head, now: .at(0.9))
        do {
            let result = machine.tick(now: .at(1.1))
            #expect(result == .timeoutAndClose)
        }
    }

    @Test func machine_times_out_aStalledBody() {
        var machine = ConnectionStateMachine.make(bodyTimeout: .seconds(2))
        machine.parserAdvanced(to: .head, now: .at(0))
        machine.parserAdvanced(to: .body, now: .at(0.1))
        do {
            let result = machine.tick(now: .at(2.0))
            #expect(result == .none)
        }
        do {
            let result = machine.tick(now: .at(2.2))
            #expect(result == .timeoutAndClose)
        }
    }

    @Test func machine_keepsAlive_http11_andRestartsIdleTimer() {
        var machine = ConnectionStateMachine.make(idleTimeout: .seconds(5))
        machine.parserAdvanced(to: .head, now: .at(1))
        do {
            let result = machine.requestCompleted(clientKeepAlive: true)
            #expect(result)
        }
        machine.parserAdvanced(to: .idle, now: .at(3))
        do {
            let result = machine.wrote(progress: true, remaining: false, now: .at(3))
            #expect(result == .none)
        }
        do {
            let result = machine.tick(now: .at(7.9))
            #expect(result == .none)
        }
        do {
            let result = machine.tick(now: .at(8.1))
            #expect(result == .close)
        }
    }

    @Test func machine_lingers_afterLastResponse_thenCloses() {
        var machine = ConnectionStateMachine.make()
        do {
            let result = machine.requestCompleted(clientKeepAlive: false)
            #expect(!result)
        }
        do {
            let result = machine.wrote(progress: true, remaining: true, now: .at(1))
            #expect(result == .none)
        }
        do {
            let result = machine.wrote(progress: true, remaining: false, now: .at(1.5))
            #expect(result == .shutdownWriteAndLinger)
        }
        #expect(machine.phase == .lingering)
        #expect(machine.wantsInput)
        do {
            let result = machine.tick(now: .at(3.0))
            #expect(result == .none)
        }
        do {
            let result = machine.tick(now: .at(3.6))
            #expect(result == .close)
        }
    }

    @Test func machine_respects_responderClose() {
        var machine = ConnectionStateMachine.make()
        do {
            let result = machine.requestCompleted(clientKeepAlive: true, responderKeepAlive: false)
            #expect(!result)
        }
        #expect(machine.closeAfterFlush)
    }

    @Test func machine_closes_protocolErrors_afterTheResponse() {
        var machine = ConnectionStateMachine.make()
        machine.protocolError()
        #expect(!machine.wantsInput)
        do {
            let result = machine.wrote(progress: true, remaining: false, now: .at(0))
            #expect(result == .shutdownWriteAndLinger)
        }
    }

    @Test func machine_drops_aClientThatDoesNotRead_afterWriteTimeout() {
        var machine = ConnectionStateMachine.make(idleTimeout: .seconds(1), writeTimeout: .seconds(3))
        do {
            let result = machine.requestCompleted(clientKeepAlive: true)
            #expect(result)
        }
        do {
            let result = machine.wrote(progress: true, remaining: true, now: .at(1))
            #expect(result == .none)
        }
        // Idle and head timers do not apply while a response waits for the client.
        do {
            let result = machine.tick(now: .at(3.5))
            #expect(result == .none)
        }
        do {
            let result = machine.wrote(progress: false, remaining: true, now: .at(3.6))
            #expect(result == .none)
        }
        do {
            let result = machine.tick(now: .at(4.1))
            #expect(result == .close)
        }
    }

    @Test func machine_finishes_pendingOutput_afterPeerHalfClose() {
        var machine = ConnectionStateMachine.make()
        do {
            let result = machine.requestCompleted(clientKeepAlive: true)
            #expect(result)
        }
        do {
            let result = machine.wrote(progress: true, remaining: true, now: .at(0))
            #expect(result == .none)
        }
        do {
            let result = machine.peerClosedInput(partialRequest: false)
            #expect(result == .none)
        }
        do {
            let result = machine.wrote(progress: true, remaining: false, now: .at(0.1))
            #expect(result == .close)
        }
    }

    @Test func machine_closes_onPeerClose_whenNothingIsPending() {
        var machine = ConnectionStateMachine.make()
        do {
            let result = machine.peerClosedInput(partialRequest: false)
            #expect(result == .close)
        }
    }

    @Test func machine_closes_onPeerClose_midRequest() {
        var machine = ConnectionStateMachine.make()
        machine.parserAdvanced(to: .head, now: .at(0))
        do {
            let result = machine.peerClosedInput(partialRequest: true)
            #expect(result == .close)
        }
    }

    @Test func machine_drain_closesIdle_atOnce() {
        var machine = ConnectionStateMachine.make()
        do {
            let result = machine.beginDrain()
            #expect(result == .close)
        }
    }

    @Test func machine_drain_letsCurrentRequestFinish_withoutKeepAlive() {
        var machine = ConnectionStateMachine.make()
        machine.parserAdvanced(to: .body, now: .at(0))
        do {
            let result = machine.beginDrain()
            #expect(result == .none)
        }
        do {
            let result = machine.requestCompleted(clientKeepAlive: true)
            #expect(!result)
        }
        do {
            let result = machine.wrote(progress: true, remaining: false, now: .at(0.2))
            #expect(result == .shutdownWriteAndLinger)
        }
    }
}

struct ConnectionStateMachineIdleTests {
    @Test func machine_restartsIdleTimer_whenRequestArrivesAndCompletesInOneRead() {
        var machine = ConnectionStateMachine.make(idleTimeout: .seconds(1))
        // Request at 0.9 s, parsed whole: idle → idle.
        let keepAlive = machine.requestCompleted(clientKeepAlive: true)
        #expect(keepAlive)
        machine.parserAdvanced(to: .idle, now: .at(0.9))
        let wrote = machine.wrote(progress: true, remaining: false, now: .at(0.9))
        #expect(wrote == .none)
        let early = machine.tick(now: .at(1.5))
        #expect(early == .none)
        let late = machine.tick(now: .at(2.0))
        #expect(late == .close)
    }
}
