/// Where a shared change log keeps its changes and snapshots: a database every node reaches
/// (PostgreSQL, through `GridworkPostgres`). One connection is used by one thread at a time.
///
/// The log is a table of lines in revision order, each the same checksummed line a journal holds
/// (`JournalLine`), under a unique `seq`: that uniqueness is the whole of the agreement between
/// nodes. A node appends the revisions after the newest it has applied; when another node took
/// one of them first the append fails as a whole (`LogDatabaseError.taken`) and nothing of it is
/// kept.
public protocol LogDatabase: AnyObject {
    /// Creates the tables when they do not exist yet.
    func prepare() throws(LogDatabaseError)

    /// The newest snapshot; when there is none yet, `make()`'s, stored first — by one node only,
    /// however many start at once.
    func snapshot(orCreate make: () -> StoredSnapshot) throws(LogDatabaseError) -> StoredSnapshot

    /// Keeps a snapshot; one already kept at its revision stays as it is.
    func storeSnapshot(_ snapshot: StoredSnapshot) throws(LogDatabaseError)

    /// Up to `limit` entries with a seq above `seq`, in seq order.
    func entries(after seq: Int, limit: Int) throws(LogDatabaseError) -> [LogEntry]

    /// Up to `limit` entries with a seq below `seq`, newest first (for the history on start).
    func entries(before seq: Int, limit: Int) throws(LogDatabaseError) -> [LogEntry]

    /// Appends `lines` as seqs `first`, `first + 1`, … of `epoch`, marked with `token`, in one
    /// transaction that also tells every listening node. All or nothing: `.taken` when any of
    /// those seqs already exists.
    func append(_ lines: [[UInt8]], first: Int, epoch: String, token: String) throws(LogDatabaseError)

    /// Holds off every other connection's appends until `releaseAppends` (or until this connection
    /// ends). A node that lost the race for a seq takes it for its next attempt: it reads what it
    /// missed and appends after it with no one able to get in between, so no node starves while
    /// others write faster. Appends wait for it inside the database, briefly.
    func holdAppends() throws(LogDatabaseError)

    /// Lets other connections' appends go on.
    func releaseAppends() throws(LogDatabaseError)

    /// The token of the entry at `seq`, nil when there is none.
    func token(at seq: Int) throws(LogDatabaseError) -> String?

    /// The database's name for this connection's session (PostgreSQL's backend process id).
    var session: Int32 { get }

    /// Ends the session `session` of an earlier connection and returns once it has ended, so that
    /// whatever it was committing has committed or never will.
    func endSession(_ session: Int32) throws(LogDatabaseError)

    /// Starts listening for appends on this connection.
    func listen() throws(LogDatabaseError)

    /// Waits up to `milliseconds` for an append by any node; the highest seq announced, or nil.
    func waitForAppends(milliseconds: Int) throws(LogDatabaseError) -> Int?
}

/// One line of the shared log.
public struct LogEntry: Sendable {
    /// The revision the change made.
    public var seq: Int
    /// The history it belongs to.
    public var epoch: String
    /// Who appended it: a random mark per append, by which a node learns whether its own append
    /// took effect when the connection broke before the answer came.
    public var token: String
    /// The change, as `JournalLine` writes it, without a newline.
    public var line: [UInt8]

    /// An entry.
    public init(seq: Int, epoch: String, token: String, line: [UInt8]) {
        self.seq = seq
        self.epoch = epoch
        self.token = token
        self.line = line
    }
}

/// A snapshot as the database keeps it: the bytes of a snapshot file.
public struct StoredSnapshot: Sendable {
    /// The revision it holds every change up to.
    public var revision: Int
    /// The history it belongs to.
    public var epoch: String
    /// The snapshot's lines (`Snapshot`).
    public var bytes: [UInt8]

    /// A snapshot.
    public init(revision: Int, epoch: String, bytes: [UInt8]) {
        self.revision = revision
        self.epoch = epoch
        self.bytes = bytes
    }
}

/// Why the database did not do what was asked.
public enum LogDatabaseError: Error, Sendable, CustomStringConvertible {
    /// Another node appended one of these seqs first; nothing was written.
    case taken
    /// The database could not be reached, or the connection broke before the request was sent:
    /// nothing was done.
    case unavailable(String)
    /// The connection broke while the request was in flight: it may or may not have taken
    /// effect.
    case outcomeUnknown(String)
    /// The database refused the request for another reason.
    case failed(String)

    public var description: String {
        switch self {
        case .taken: return "another node appended that revision first"
        case .unavailable(let reason), .outcomeUnknown(let reason), .failed(let reason): return reason
        }
    }
}
