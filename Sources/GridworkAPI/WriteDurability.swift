import GridworkStore
import HTTP1
import HTTPResponder
import HTTPTypes

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
}

extension APIError {
    /// 503 for a write the journal could not make durable, now or earlier: the one place this
    /// answer is built.
    static func journalUnavailable(_ reason: String) -> APIError {
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
            opened(failure.map { APIError.journalUnavailable($0).response })
        }
    }
}
