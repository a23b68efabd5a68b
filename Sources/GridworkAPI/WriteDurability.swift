public import GridworkStore
import HTTP1
import HTTPResponder
import HTTPTypes
import Synchronization

/// Where acknowledged writes are made durable (the journal), as the API sees it: it tells when a
/// revision is durable or that it never will be, and knows nothing of HTTP.
public protocol WriteDurability: Sendable {
    /// Calls `settled` once `revision` is durable (nil) or the journal has failed (the reason).
    func whenDurable(_ revision: Int, _ settled: @escaping @Sendable (_ failure: String?) -> Void)
    /// Why writes are refused now (the journal failed), or nil.
    var failure: String? { get }
    /// Asks for a snapshot and a fresh journal; false when the journal has failed.
    func requestCompaction() -> Bool
    /// The journal's length, changes and fsyncs so far, and whether it failed.
    var statistics: (bytes: Int, changes: Int, syncs: Int, failed: Bool) { get }
    /// Where writes run: nil, at once on the caller's thread (the journal); otherwise handed to
    /// the log, which runs them in its order against its newest state (a log shared by nodes).
    var sequencer: (any WriteSequencer)? { get }
    /// How long, in seconds, the state readers see has not been known to be current; nil when it
    /// is (a journal's always is).
    var staleness: Double? { get }
    /// The 503 for a write refused because of `reason` (from `failure`, or a log's `failed`).
    func refusal(_ reason: String) -> APIError
    /// A shared log's appends lost to other nodes and changes applied from them; nil for a journal.
    var sharedLogStatistics: (conflicts: Int, applied: Int)? { get }
}

extension WriteDurability {
    public var sequencer: (any WriteSequencer)? { nil }
    public var staleness: Double? { nil }
    public func refusal(_ reason: String) -> APIError { .journalUnavailable(reason) }
    public var sharedLogStatistics: (conflicts: Int, applied: Int)? { nil }
}

extension APIError {
    /// 503 for a write a shared change log (PostgreSQL) could not take now: the database is
    /// unreachable, or other nodes kept getting there first. Unlike the journal's, this passes.
    public static func logUnavailable(_ reason: String) -> APIError {
        APIError(
            .serviceUnavailable,
            detail: "The change was not made: \(reason). Reads keep answering from the last state this node applied; "
                + "it reconnects by itself, so try again shortly.",
            headerFields: [.retryAfter: "2"])
    }

    /// 503 for a write the journal could not make durable, now or earlier: the one place this
    /// answer is built.
    public static func journalUnavailable(_ reason: String) -> APIError {
        APIError(
            .serviceUnavailable,
            detail: "The journal cannot be written (\(reason)); the change was not made and writes are refused "
                + "until the server is restarted. Reads keep answering from the last durable state.",
            headerFields: [.retryAfter: "60"])
    }
}

/// What a write route produced: its response, and the revision that response shows.
struct WriteOutcome {
    var response: Response
    /// The store revision the response must not leave before (nil: it shows nothing of the store).
    var revision: Int?
    /// Told once whether `revision` became durable (nil) or why not.
    var settled: (@Sendable (_ failure: String?) -> Void)?

    init(_ response: Response, revision: Int?, settled: (@Sendable (_ failure: String?) -> Void)? = nil) {
        self.response = response
        self.revision = revision
        self.settled = settled
    }

    /// The response to hand the connection: gated on durability when there is a journal, so it
    /// leaves only once its revision is on disk — or as a 503 if it never will be. `settled` is
    /// registered here, not through the gate, so it runs whatever becomes of the connection.
    func response(with durability: (any WriteDurability)?) -> Response {
        guard let durability, let revision else {
            settled?(nil)
            return response
        }
        if let settled { durability.whenDurable(revision, settled) }
        var response = self.response
        response.gate = DurabilityGate(durability: durability, revision: revision)
        return response
    }
}

/// Opens when the journal has made `revision` durable, or with a 503 when it failed.
struct DurabilityGate: ResponseGate {
    let durability: any WriteDurability
    let revision: Int

    func whenOpen(_ opened: @escaping @Sendable (Response?) -> Void) {
        durability.whenDurable(revision) { failure in
            opened(failure.map { durability.refusal($0).response })
        }
    }
}

/// A write run by a sequencing log (`WriteDurability.sequencer`): the route's handler runs on the
/// log's thread, as often as the log asks, and its last outcome — success or refusal — is the
/// answer, once the log says the changes it made are committed. The gate is the response the
/// connection holds meanwhile; it opens with the answer.
final class SequencedResponse: ResponseGate {
    private struct State {
        /// The last attempt's outcome.
        var outcome: Result<WriteOutcome, APIError>?
        /// The answer, once there is one.
        var answer: Response?
        /// The connection's callback, once it waits.
        var opened: (@Sendable (Response?) -> Void)?
    }

    private let state = Mutex(State())

    /// Hands `write` to `sequencer` at once (the write runs whatever becomes of the connection);
    /// `succeeded` runs once if it is answered with success.
    init(
        sequencer: any WriteSequencer, durability: any WriteDurability,
        write: @escaping @Sendable () throws(APIError) -> WriteOutcome, succeeded: @escaping @Sendable () -> Void
    ) {
        sequencer.submit(
            SequencedWrite(
                attempt: { [self] in
                    let outcome: Result<WriteOutcome, APIError>
                    do throws(APIError) {
                        outcome = .success(try write())
                    } catch {
                        outcome = .failure(error)
                    }
                    state.withLock { $0.outcome = outcome }
                },
                discarded: { [self] in
                    let outcome = state.withLock { state in
                        defer { state.outcome = nil }
                        return state.outcome
                    }
                    if case .success(let outcome) = outcome {
                        outcome.settled?("it was checked again on a newer state")
                    }
                },
                committed: { [self] in
                    let outcome = state.withLock { $0.outcome }
                    switch outcome {
                    case .success(let outcome):
                        outcome.settled?(nil)
                        succeeded()
                        answer(outcome.response)
                    case .failure(let error):
                        answer(error.response)
                    case nil:
                        answer(durability.refusal("the write did not run").response)
                    }
                },
                failed: { [self] reason in
                    let outcome = state.withLock { $0.outcome }
                    if case .success(let outcome) = outcome { outcome.settled?(reason) }
                    answer(durability.refusal(reason).response)
                }))
    }

    private func answer(_ response: Response) {
        let opened = state.withLock { state -> (@Sendable (Response?) -> Void)? in
            state.answer = response
            defer { state.opened = nil }
            return state.opened
        }
        opened?(response)
    }

    func whenOpen(_ opened: @escaping @Sendable (Response?) -> Void) {
        let answer = state.withLock { state -> Response? in
            if state.answer == nil { state.opened = opened }
            return state.answer
        }
        if let answer { opened(answer) }
    }
}
