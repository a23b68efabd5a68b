import GridworkStore
import HTTP1
import HTTPResponder
import HTTPTypes
import Synchronization

/// `POST /admin/compact` asks the journal for a snapshot and a fresh journal file;
/// `POST /admin/reset` returns the store to its seed under a new epoch. Both are admin
/// operations: `APIResponder` lets them through only for a principal of role `admin` (anyone, when no token is configured).
struct AdminRoutes {
    let store: Store
    let durability: (any WriteDurability)?
    let reset: StoreReset?
    let idempotency: IdempotencyKeys

    static let accepted = Response.json(Array(#"{"status":"compaction requested"}"#.utf8), status: .accepted)

    func register(on router: Router) {
        let durability = self.durability
        router.add(.post, "/admin/compact") { request, _ throws(APIError) in
            try QueryParameters.rejectAll(request)
            guard let durability else {
                throw APIError(.conflict, detail: "The server runs without --data-dir: there is no journal to compact.")
            }
            // Accepting work the journal will not do would be a lie.
            guard durability.requestCompaction() else {
                throw durability.refusal(durability.failure ?? "it failed")
            }
            return Self.accepted
        }
        let store = self.store
        let reset = self.reset
        let idempotency = self.idempotency
        router.add(.post, "/admin/reset") { request, _ throws(APIError) in
            try QueryParameters.rejectAll(request)
            if durability?.sequencer != nil {
                throw APIError(
                    .conflict,
                    detail: "A reset is not available with --postgres: the store is the change log every node "
                        + "shares. Start the nodes on a new database (or drop its gridwork_ tables) instead.")
            }
            guard let reset else {
                throw APIError(.conflict, detail: "This server was started without a seed to reset to.")
            }
            if let durability, let failure = durability.failure { throw durability.refusal(failure) }
            // The reset runs from the moment it is asked for, whatever becomes of the connection;
            // the response waits for it, gated like a durable write.
            let gate = ResetGate()
            reset.run(on: store) { outcome in
                if case .reset = outcome { idempotency.forget() }
                gate.settle(Self.response(outcome))
            }
            var response = Response(status: .ok)
            response.gate = gate
            return response
        }
    }

    /// `200 {"epoch":…,"revision":…}`, or the durability 503.
    static func response(_ outcome: StoreReset.Outcome) -> Response {
        switch outcome {
        case .reset(let epoch, let revision):
            return Response.json(Array(#"{"epoch":"\#(epoch)","revision":\#(revision)}"#.utf8), status: .ok)
        case .failed(let reason):
            return APIError.journalUnavailable(reason).response
        }
    }
}

/// Opens with the reset's response once the reset has ended, whichever comes first: the reset's
/// end or the connection asking.
final class ResetGate: ResponseGate {
    private enum State {
        case waiting((@Sendable (Response?) -> Void)?)
        case settled(Response)
    }
    private let state = Mutex(State.waiting(nil))

    func settle(_ response: Response) {
        let opened = state.withLock { state -> (@Sendable (Response?) -> Void)? in
            guard case .waiting(let opened) = state else { return nil }
            state = .settled(response)
            return opened
        }
        opened?(response)
    }

    func whenOpen(_ opened: @escaping @Sendable (Response?) -> Void) {
        let ready = state.withLock { state -> Response? in
            switch state {
            case .settled(let response): return response
            case .waiting: state = .waiting(opened); return nil
            }
        }
        if let ready { opened(ready) }
    }
}
