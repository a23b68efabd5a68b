public import JSON

/// One committed write as a journal records it: the records it left behind (created or changed)
/// and the ids it removed, at the store revision it produced. Replaying the changes of a journal
/// in order, from the state they started on, rebuilds the store exactly.
public struct Change: Sendable {
    /// The store revision after the write; also the journal's sequence number.
    public var revision: Int
    /// When the write was made (RFC 3339, UTC).
    public var at: String
    /// The principal who made it.
    public var by: String
    /// Records created or changed, as they are after the write.
    public var puts: [(kind: ResourceKind, record: Record)]
    /// Records removed.
    public var removes: [(kind: ResourceKind, id: String)]
    /// The records this change updated or removed, as they were just before it (none for the
    /// records it created): what a record's history diffs against, and where a removed record
    /// was, for scoping its removal. In memory they share storage with the images they replaced.
    public var before: [(kind: ResourceKind, record: Record)]
    /// What the layer above wants kept with the change (an idempotency key and its response).
    public var annotation: JSONValue?

    /// Creates a change.
    public init(
        revision: Int,
        at: String = "",
        by: String = Change.unattributed,
        puts: [(kind: ResourceKind, record: Record)] = [],
        removes: [(kind: ResourceKind, id: String)] = [],
        before: [(kind: ResourceKind, record: Record)] = [],
        annotation: JSONValue? = nil
    ) {
        self.revision = revision
        self.at = at
        self.by = by
        self.puts = puts
        self.removes = removes
        self.before = before
        self.annotation = annotation
    }
}

extension Change {
    /// The `by` of changes recorded before writes were attributed to principals.
    public static let unattributed = "unattributed"
}

/// Receives every committed change, in revision order.
public protocol ChangeLog: Sendable {
    /// Called inside the store's lock, once per write, right after it applied: keep it short
    /// (queue the change; do the I/O elsewhere).
    func append(_ change: Change)
}

/// What the layer above kept with a change (or in a snapshot), with the records that change put
/// (none for a snapshot's), from which it may rebuild what it did not keep.
public struct Annotation: Sendable {
    /// The annotation as kept.
    public var value: JSONValue
    /// The records the change it came with put.
    public var puts: [(kind: ResourceKind, record: Record)]

    /// Creates an annotation.
    public init(_ value: JSONValue, puts: [(kind: ResourceKind, record: Record)] = []) {
        self.value = value
        self.puts = puts
    }
}

/// A log that decides where writes run: every write is handed to it (`submit`) and run against
/// the head on its own thread, in its order, as many times as it takes. A log shared by several
/// processes (PostgreSQL) needs this: a write is checked against the newest state of the shared
/// log, and checked again if another process appended first.
public protocol WriteSequencer: Sendable {
    /// Runs `write` on the log's thread; exactly one of its `committed` and `failed` is called
    /// once, after any number of `attempt` and `discarded` pairs.
    func submit(_ write: SequencedWrite)
}

/// One write, as a sequencing log runs it.
public struct SequencedWrite: Sendable {
    /// Runs the write against the head (the store's write methods), on the log's thread. Called
    /// again after `discarded`.
    public var attempt: @Sendable () -> Void
    /// What the last attempt wrote was taken back, because another process appended first: undo
    /// what the attempt promised (an idempotency key it holds). `attempt` runs again next.
    public var discarded: @Sendable () -> Void
    /// What the last attempt wrote is durable (or it wrote nothing): answer with its outcome.
    public var committed: @Sendable () -> Void
    /// The write was not made, and will not be (the reason); the last attempt was discarded.
    public var failed: @Sendable (_ reason: String) -> Void

    /// A write with its four steps.
    public init(
        attempt: @escaping @Sendable () -> Void,
        discarded: @escaping @Sendable () -> Void = {},
        committed: @escaping @Sendable () -> Void = {},
        failed: @escaping @Sendable (_ reason: String) -> Void = { _ in }
    ) {
        self.attempt = attempt
        self.discarded = discarded
        self.committed = committed
        self.failed = failed
    }
}
