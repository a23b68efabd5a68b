import Dispatch
import Glibc
public import GridworkStore
public import JSON
public import Logging
import SystemThreads

/// The change log of several nodes, kept in a database (`serve --postgres`): every node applies
/// the same log, in seq order, to its in-memory store, and any node may append to it.
///
/// Every write of this node runs on one thread, the log's (`submit`): it is checked against the
/// head, which is the newest state this node has applied, and the changes the writes of a batch
/// made are appended as the next seqs in one transaction. When another node took one of those
/// seqs first the append fails as a whole; the head is taken back to the published state, the
/// node reads what the other appended, and the batch's writes run again, on the newer state —
/// each is made, or refused as it would be had it come later (412, 422, 404), never written over
/// what the other node wrote. A write's answer leaves once its batch is in the database and
/// published here, so the node that answered shows it at once (read your writes).
///
/// Other nodes' appends are applied as they come: a second connection `LISTEN`s and wakes the
/// log's thread, which reads every entry after the newest it holds; the same read runs every
/// `pollMilliseconds` when idle, so a lost notification costs at most that long, and after every
/// reconnection.
///
/// When the database cannot be reached, writes are refused (`failure`) and readers keep the last
/// applied state; `staleness` says for how long it has not been known to be current. The thread
/// tries again every `pollMilliseconds`.
public final class SharedLog: ChangeLog, WriteSequencer, @unchecked Sendable {
    // Unchecked: `state` is guarded by `lock`; `database`, `pending` and `inAttempt` are touched
    // only by the log's thread (`pending` through `append`, which the store calls on that thread
    // while an attempt runs).

    /// Settings of a shared log.
    public struct Options: Sendable {
        /// A snapshot is kept every this many seqs (by the node whose append reaches the multiple).
        public var snapshotEvery = 50_000
        /// Most writes in one append.
        public var batchLimit = 512
        /// Appends lost to other nodes before a write is refused with the database's 503.
        public var conflictLimit = 64
        /// How often an idle node reads the log, and tries to reconnect when it cannot.
        public var pollMilliseconds = 1000
        /// How long an append whose connection broke waits for the database to come back and
        /// say whether it took effect, before its writes are refused with "unknown".
        public var resolveMilliseconds = 5000

        /// The defaults.
        public init() {}
    }

    /// Counters for `/metrics`, logs and tests.
    public struct Counters: Sendable {
        /// Appends that took effect.
        public var appends = 0
        /// Changes those appends held.
        public var changes = 0
        /// Bytes of lines appended.
        public var bytes = 0
        /// Appends another node got to first.
        public var conflicts = 0
        /// Changes of other nodes applied.
        public var applied = 0
        /// Reads of the log for changes after the newest held (woken, idle, after a lost race).
        public var reads = 0
        /// Snapshots kept.
        public var snapshots = 0
    }

    struct State {
        var submitted: [SequencedWrite] = []
        /// Another node appended (a notification): the log must be read before anything else.
        var behind = false
        var closing = false
        var snapshotRequested = false
        /// Why writes are refused now (the database is unreachable), or nil.
        var unavailable: String?
        /// The log cannot be applied here any more (it disagrees with this node's state).
        var broken: String?
        /// When this node last knew it held every change in the database.
        var current = ContinuousClock.now
        var counters = Counters()
    }

    public let store: Store
    let connect: @Sendable () throws(LogDatabaseError) -> any LogDatabase
    let options: Options
    let logger: Logger
    private let annotations: @Sendable () -> [JSONValue]
    private let applied: @Sendable (_ annotations: [Annotation], _ epoch: String) -> Void
    let lock = ConditionLock()
    var state = State()
    private var database: (any LogDatabase)?
    private var pending: [Change] = []
    private var inAttempt = false
    private var threads: [SystemThread] = []

    init(
        store: Store, connect: @escaping @Sendable () throws(LogDatabaseError) -> any LogDatabase,
        database: any LogDatabase, options: Options, annotations: @escaping @Sendable () -> [JSONValue],
        applied: @escaping @Sendable (_ annotations: [Annotation], _ epoch: String) -> Void, logger: Logger
    ) {
        self.store = store
        self.connect = connect
        self.database = database
        self.options = options
        self.annotations = annotations
        self.applied = applied
        self.logger = logger
    }

    /// What opening a shared log loaded.
    public struct Opened: Sendable {
        /// The log, attached to `store` and running.
        public var log: SharedLog
        /// The store at the newest seq in the database.
        public var store: Store
        /// The annotations of the snapshot and of every change applied after it.
        public var annotations: [Annotation]
        /// The revision of the snapshot the store began from.
        public var snapshotRevision: Int
        /// Changes applied after it.
        public var replayed: Int
    }

    /// Connects, creates the tables if needed, loads the newest snapshot — the seed's, stored by
    /// the first node to start on an empty database — and every change after it, restores the
    /// history the budget holds from the changes before it, and starts the log's threads.
    /// `annotations` supplies what a snapshot keeps besides the records (idempotency keys);
    /// `applied` hears the annotations of other nodes' changes as they are applied.
    public static func open(
        connect: @escaping @Sendable () throws(LogDatabaseError) -> any LogDatabase,
        seed: () -> [(ResourceKind, Record)],
        historyBudget: Int = ChangeHistory.defaultBudget,
        options: Options = Options(),
        annotations: @escaping @Sendable () -> [JSONValue],
        applied: @escaping @Sendable (_ annotations: [Annotation], _ epoch: String) -> Void,
        logger: Logger
    ) throws(JournalError) -> Opened {
        func failed(_ what: String, _ error: LogDatabaseError) -> JournalError {
            JournalError("\(what): \(error.description)")
        }
        let database: any LogDatabase
        do {
            database = try connect()
            try database.prepare()
        } catch {
            throw failed("The change log's database could not be opened", error)
        }
        let stored: StoredSnapshot
        do {
            stored = try database.snapshot {
                let seeded = Store(seed: seed(), historyBudget: 0)
                let (_, frozen) = seeded.freeze {}
                return StoredSnapshot(
                    revision: frozen.revision, epoch: frozen.epoch, bytes: Snapshot.encode(frozen, annotations: []))
            }
        } catch {
            throw failed("The change log's snapshot could not be read or stored", error)
        }
        let name = "kept in the database at revision \(stored.revision)"
        let contents = try Snapshot.decode(bytes: stored.bytes, name: name)
        let epoch = contents.epoch ?? stored.epoch
        let store = Store(
            loaded: contents.records, revision: contents.revision, nextNumbers: contents.nextNumbers, epoch: epoch,
            epochStart: contents.start ?? contents.revision, historyBudget: historyBudget)
        let log = SharedLog(
            store: store, connect: connect, database: database, options: options, annotations: annotations,
            applied: applied, logger: logger)
        do {
            try log.restoreHistory(through: contents.revision, start: contents.start ?? contents.revision)
        } catch {
            throw failed("The change log's history could not be read", error)
        }
        var loaded = contents.annotations.map { Annotation($0) }
        let replayed: Int
        do {
            replayed = try log.apply(collecting: &loaded)
        } catch {
            throw JournalError("The change log could not be applied: \(error)")
        }
        store.attach(log)
        log.start()
        return Opened(
            log: log, store: store, annotations: loaded, snapshotRevision: contents.revision, replayed: replayed)
    }

    // MARK: From the store and the API

    /// Collects a change an attempt made (called by the store, inside its lock, on the log's thread).
    public func append(_ change: Change) {
        guard inAttempt else {
            // Every write reaches the head through `submit`; a change made elsewhere could not be
            // appended in order, so it is a programming error, reported rather than kept.
            logger.critical("log.unsequenced_write", metadata: ["seq": "\(change.revision)"])
            return
        }
        pending.append(change)
    }

    /// Runs `write` on the log's thread (see the type's description).
    public func submit(_ write: SequencedWrite) {
        let refused: String? = lock.withLock {
            if let reason = state.broken ?? state.unavailable ?? (state.closing ? "the server is stopping" : nil) {
                return reason
            }
            state.submitted.append(write)
            lock.signal()
            return nil
        }
        if let refused { write.failed(refused) }
    }

    /// Why writes are refused now, or nil.
    public var failure: String? {
        lock.withLock { state.broken ?? state.unavailable }
    }

    /// How long, in seconds, this node has not known itself to hold every change in the database;
    /// nil while it is in contact with it.
    public var staleness: Double? {
        lock.withLock { () -> Double? in
            guard state.unavailable != nil || state.broken != nil else { return nil }
            return Double((ContinuousClock.now - state.current) / .milliseconds(1)) / 1000
        }
    }

    /// The counters now.
    public var counters: Counters {
        lock.withLock { state.counters }
    }

    /// Asks for a snapshot of the published state soon. False when writes are refused.
    public func requestSnapshot() -> Bool {
        lock.withLock {
            guard state.broken == nil, state.unavailable == nil else { return false }
            state.snapshotRequested = true
            lock.signal()
            return true
        }
    }

    /// Answers what is queued, stops the threads. Call after the server drained.
    public func close() {
        lock.withLock {
            state.closing = true
            lock.signal()
        }
        for thread in threads { thread.join() }
        threads.removeAll()
        let counters = self.counters
        logger.notice(
            "log.closed",
            metadata: [
                "revision": "\(store.revision)", "appends": "\(counters.appends)", "changes": "\(counters.changes)",
                "conflicts": "\(counters.conflicts)", "applied": "\(counters.applied)",
            ])
    }

    // MARK: The threads

    private func start() {
        threads.append(SystemThread(name: "gridwork-log") { [unowned self] in self.run() })
        threads.append(SystemThread(name: "gridwork-listen") { [unowned self] in self.listen() })
    }

    /// The listener: wakes the log's thread whenever another node appends.
    private func listen() {
        var connection: (any LogDatabase)?
        while !lock.withLock({ state.closing }) {
            do {
                if connection == nil {
                    let fresh = try connect()
                    try fresh.listen()
                    connection = fresh
                    // Appends made while no one listened are read now.
                    wake()
                }
                // Short waits, so that `close` is never kept waiting long.
                if try connection!.waitForAppends(milliseconds: min(options.pollMilliseconds, 500)) != nil { wake() }
            } catch {
                connection = nil
                // Not on the lock's condition, whose signals are the log thread's to receive.
                let until = ContinuousClock.now + .milliseconds(options.pollMilliseconds)
                while ContinuousClock.now < until && !lock.withLock({ state.closing }) { usleep(20_000) }
            }
        }
    }

    private func wake() {
        lock.withLock {
            state.behind = true
            lock.signal()
        }
    }

    private func run() {
        while true {
            let (writes, behind, snapshot, closing) = lock.withLock { () -> ([SequencedWrite], Bool, Bool, Bool) in
                if state.submitted.isEmpty && !state.behind && !state.snapshotRequested && !state.closing {
                    lock.wait(milliseconds: options.pollMilliseconds)
                }
                let writes = Array(state.submitted.prefix(options.batchLimit))
                state.submitted.removeFirst(writes.count)
                defer {
                    state.behind = false
                    state.snapshotRequested = false
                }
                return (writes, state.behind, state.snapshotRequested, state.closing)
            }
            if closing && writes.isEmpty { break }
            if let reason = lock.withLock({ state.broken }) {
                for write in writes { write.failed(reason) }
                continue
            }
            guard connected() else {
                let reason = failure ?? "the change log's database cannot be reached"
                for write in writes { write.failed(reason) }
                continue
            }
            // Idle, woken by another node's append, or just reconnected: read the log.
            if behind || writes.isEmpty {
                guard catchUp() else {
                    let reason = failure ?? "the change log's database cannot be reached"
                    for write in writes { write.failed(reason) }
                    continue
                }
            }
            if !writes.isEmpty { commit(writes) }
            if snapshot { keepSnapshot(store.freeze {}.1) }
        }
    }

    /// Whether there is a connection, making one if there is none.
    private func connected() -> Bool {
        if database != nil { return true }
        do {
            database = try connect()
            let wasDown = lock.withLock { () -> String? in
                defer {
                    state.unavailable = nil
                    state.behind = true
                }
                return state.unavailable
            }
            if let wasDown { logger.notice("log.reconnected", metadata: ["after": "\(wasDown)"]) }
            return catchUp()
        } catch {
            lostConnection(error.description)
            return false
        }
    }

    private func lostConnection(_ reason: String) {
        database = nil
        let first = lock.withLock { () -> Bool in
            defer { state.unavailable = "the change log's database cannot be reached (\(reason))" }
            return state.unavailable == nil
        }
        if first { logger.error("log.unavailable", metadata: ["reason": "\(reason)"]) }
    }

    /// Reads and applies every entry after the head; false when the connection was lost.
    private func catchUp() -> Bool {
        do throws(ApplyError) {
            var annotations: [Annotation] = []
            try apply(collecting: &annotations)
            if !annotations.isEmpty { applied(annotations, store.epoch) }
            return true
        } catch {
            switch error {
            case .database(let error):
                lostConnection(error.description)
            case .refused(let reason):
                let first = lock.withLock { () -> Bool in
                    defer { state.broken = reason }
                    return state.broken == nil
                }
                if first { logger.critical("log.diverged", metadata: ["reason": "\(reason)"]) }
            }
            return false
        }
    }

    enum ApplyError: Error, CustomStringConvertible {
        case database(LogDatabaseError)
        case refused(String)

        var description: String {
            switch self {
            case .database(let error): return error.description
            case .refused(let reason): return reason
            }
        }
    }

    /// Applies every entry after the head's revision, publishing each page of them; returns how
    /// many. The head holds no unpublished write when this runs.
    @discardableResult
    func apply(collecting annotations: inout [Annotation]) throws(ApplyError) -> Int {
        guard let database else { throw .database(.unavailable("not connected")) }
        let page = 1000
        var count = 0
        while true {
            let entries: [LogEntry]
            do {
                entries = try database.entries(after: store.headRevision, limit: page)
            } catch {
                throw .database(error)
            }
            for entry in entries {
                guard entry.epoch == store.epoch else {
                    throw .refused("seq \(entry.seq) belongs to epoch \(entry.epoch), this node's is \(store.epoch)")
                }
                let change: Change
                switch JournalLine.decode(entry.line[...]) {
                case .success(let decoded): change = decoded
                case .failure(let reason): throw .refused("seq \(entry.seq) cannot be read: \(reason)")
                }
                guard change.revision == entry.seq else {
                    throw .refused("the line at seq \(entry.seq) names seq \(change.revision)")
                }
                if let problem = store.replay(change) {
                    throw .refused("seq \(entry.seq) cannot be applied: \(problem)")
                }
                if let annotation = change.annotation { annotations.append(Annotation(annotation, puts: change.puts)) }
            }
            count += entries.count
            if !entries.isEmpty { store.publish(store.freeze {}.1) }
            if entries.count < page { break }
        }
        lock.withLock {
            state.current = .now
            state.counters.applied += count
            state.counters.reads += 1
        }
        return count
    }

    /// Runs `writes` against the head and appends what they made, again and again while other
    /// nodes get there first; then answers each.
    private func commit(_ writes: [SequencedWrite]) {
        var conflicts = 0
        // After a lost race, the appends of every other node are held off until this batch is in.
        var holding = false
        defer {
            if holding, let database { try? database.releaseAppends() }
        }
        while true {
            pending.removeAll(keepingCapacity: true)
            inAttempt = true
            for write in writes { write.attempt() }
            inAttempt = false
            let changes = pending
            pending.removeAll(keepingCapacity: true)
            // Refusals and writes that changed nothing were judged on the published state.
            guard let first = changes.first else {
                for write in writes { write.committed() }
                return
            }
            let (_, frozen) = store.freeze {}
            var lines: [[UInt8]] = []
            lines.reserveCapacity(changes.count)
            var bytes = 0
            for change in changes {
                var line: [UInt8] = []
                JournalLine.encode(change, into: &line)
                line.removeLast()  // the newline
                bytes += line.count
                lines.append(line)
            }
            let token = Self.token()
            var outcome: Outcome
            do throws(LogDatabaseError) {
                guard let database else { throw LogDatabaseError.unavailable("not connected") }
                try database.append(lines, first: first.revision, epoch: frozen.epoch, token: token)
                outcome = .written
            } catch {
                switch error {
                case .taken:
                    outcome = .taken
                case .outcomeUnknown(let reason):
                    outcome = resolve(token, at: first.revision, reason: reason)
                case .unavailable(let reason):
                    lostConnection(reason)
                    outcome = .notWritten(reason)
                case .failed(let reason):
                    outcome = .notWritten(reason)
                }
            }
            switch outcome {
            case .written:
                store.publish(frozen, changes: changes)
                let due = lock.withLock { () -> Bool in
                    state.current = .now
                    state.counters.appends += 1
                    state.counters.changes += changes.count
                    state.counters.bytes += bytes
                    let every = options.snapshotEvery
                    return (first.revision - 1) / every != frozen.revision / every
                }
                for write in writes { write.committed() }
                if due { keepSnapshot(frozen) }
                return
            case .taken:
                store.discardUnpublished()
                for write in writes { write.discarded() }
                conflicts += 1
                lock.withLock { state.counters.conflicts += 1 }
                guard conflicts < options.conflictLimit else {
                    let reason = "\(conflicts) appends in a row lost to other nodes' writes"
                    logger.warning("log.contended", metadata: ["seq": "\(first.revision)"])
                    for write in writes { write.failed(reason) }
                    return
                }
                if !holding, let database {
                    do throws(LogDatabaseError) {
                        try database.holdAppends()
                        holding = true
                    } catch {
                        logger.warning("log.hold_failed", metadata: ["error": "\(error.description)"])
                    }
                }
                guard catchUp() else {
                    let reason = failure ?? "the change log's database cannot be reached"
                    for write in writes { write.failed(reason) }
                    return
                }
            case .notWritten(let reason):
                store.discardUnpublished()
                for write in writes { write.failed(reason) }
                return
            }
        }
    }

    enum Outcome {
        case written
        case taken
        case notWritten(String)
    }

    /// The connection broke while an append was in flight: reconnects, waits until the old
    /// session has ended (so its transaction has committed or never will), and reads whether the
    /// entry at `seq` is ours. Not written — the writes are refused, saying the outcome is
    /// unknown — when the database does not come back within `resolveMilliseconds`.
    private func resolve(_ token: String, at seq: Int, reason: String) -> Outcome {
        let session = database?.session
        database = nil
        let deadline = ContinuousClock.now + .milliseconds(options.resolveMilliseconds)
        var last = reason
        while ContinuousClock.now < deadline {
            do {
                let fresh = try connect()
                if let session { try fresh.endSession(session) }
                let found = try fresh.token(at: seq)
                database = fresh
                logger.notice(
                    "log.append_resolved", metadata: ["seq": "\(seq)", "written": "\(found == token)"])
                // Not ours: nothing of this append was kept; the writes run again on the newest state.
                return found == token ? .written : .taken
            } catch {
                last = error.description
                lock.withLock { lock.wait(milliseconds: 100) }
            }
        }
        lostConnection(last)
        return .notWritten(
            "the connection to the change log's database broke while the change was being written, and it has "
                + "not come back to say whether it was (\(last)); read before writing again")
    }

    /// Keeps a snapshot of `frozen` in the database, away from the log's thread: on its own
    /// connection, on a queue of its own, so writes go on meanwhile.
    private func keepSnapshot(_ frozen: Store.Frozen) {
        let annotations = self.annotations()
        let connect = self.connect
        let logger = self.logger
        DispatchQueue.global(qos: .utility).async { [self] in
            let started = ContinuousClock.now
            let bytes = Snapshot.encode(frozen, annotations: annotations)
            do throws(LogDatabaseError) {
                let database = try connect()
                try database.storeSnapshot(StoredSnapshot(revision: frozen.revision, epoch: frozen.epoch, bytes: bytes))
                lock.withLock { state.counters.snapshots += 1 }
                logger.info(
                    "log.snapshot_kept",
                    metadata: [
                        "revision": "\(frozen.revision)", "bytes": "\(bytes.count)",
                        "ms": "\(Int((ContinuousClock.now - started) / .milliseconds(1)))",
                    ])
            } catch {
                logger.error(
                    "log.snapshot_failed",
                    metadata: ["revision": "\(frozen.revision)", "error": "\(error.description)"])
            }
        }
    }

    /// Fills the history with the newest changes up to `revision` that its budget holds, read
    /// back from the log, so the change feed and records' histories survive restarts.
    func restoreHistory(through revision: Int, start: Int) throws(LogDatabaseError) {
        guard let database, revision > start else { return }
        let budget = store.history.budget
        var kept: [Change] = []
        var bytes = 0
        var before = revision + 1
        reading: while before > start + 1 {
            let entries = try database.entries(before: before, limit: 1000)
            guard !entries.isEmpty else { break }
            for entry in entries {
                guard entry.seq == before - 1, entry.epoch == store.epoch,
                    case .success(let change) = JournalLine.decode(entry.line[...]), change.revision == entry.seq
                else { break reading }
                let cost = ChangeHistory.estimatedBytes(change)
                guard bytes + cost <= budget, change.revision > start else { break reading }
                bytes += cost
                kept.append(change)
                before = entry.seq
            }
        }
        guard let oldest = kept.last else { return }
        store.history.begin(epoch: store.epoch, start: start, floor: oldest.revision - 1)
        store.history.append(kept.reversed())
    }

    /// 16 random hex digits.
    static func token() -> String {
        var generator = SystemRandomNumberGenerator()
        let value = generator.next() as UInt64
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
