import Glibc
public import GridworkStore
public import HTTP1
import HTTPTypes
public import Logging
import Synchronization

/// The write-ahead journal of a running server. The store hands it every change inside its lock
/// (`append`, which only queues); one writer thread appends the queued lines, fdatasyncs once for
/// all of them (group commit) and then opens the gates of the responses that waited for them.
/// When the journal passes `compactAfterBytes`, or on request, the same thread writes a snapshot
/// and restarts the journal.
public final class Journal: ChangeLog, @unchecked Sendable {
    // Unchecked: `state` is guarded by `lock`; the descriptor and counters below it are touched
    // only by the writer thread (and by `close()` after that thread has finished).

    /// Counters for logs and metrics.
    public struct Counters: Sendable {
        /// Revision known to be on disk.
        public var durableRevision: Int
        /// Changes written.
        public var changes: Int
        /// fdatasync calls made for them.
        public var syncs: Int
        /// The journal file's length.
        public var bytes: Int
        /// Snapshots taken.
        public var compactions: Int
        /// Whether a write or sync failed (every later write is refused).
        public var failed: Bool
    }

    private struct State {
        var queue: [Change] = []
        var waiters: [(revision: Int, opened: @Sendable (Response?) -> Void)] = []
        var counters: Counters
        var failure: String?
        var compactionRequested = false
        var closing = false
        var finished = false
    }

    private let directory: DataDirectory
    private let store: Store
    private let annotations: @Sendable () -> [JSONValue]
    private let compactAfterBytes: Int
    private let logger: Logger
    private let lock = ConditionLock()
    private var state: State
    private var fd: Int32
    private var thread: pthread_t?

    /// Starts the writer for `directory`, whose journal `load` just replayed into `store`.
    /// `annotations` supplies what a snapshot keeps besides the records.
    public init(
        directory: DataDirectory,
        store: Store,
        loaded: DataDirectory.Loaded,
        compactAfterBytes: Int,
        annotations: @escaping @Sendable () -> [JSONValue],
        logger: Logger
    ) throws(JournalError) {
        self.directory = directory
        self.store = store
        self.annotations = annotations
        self.compactAfterBytes = compactAfterBytes
        self.logger = logger
        self.fd = try directory.openJournalForAppend()
        self.state = State(
            counters: Counters(
                durableRevision: store.revision, changes: 0, syncs: 0, bytes: loaded.journalBytes, compactions: 0,
                failed: false))
        self.thread = Self.spawn { [unowned self] in self.run() }
    }

    // MARK: From the store and the API

    /// Queues a committed change (called inside the store's lock).
    public func append(_ change: Change) {
        lock.withLock {
            state.queue.append(change)
            lock.signal()
        }
    }

    /// A gate that opens once `revision` is on disk, or with a 503 if the journal failed.
    public func gate(for revision: Int) -> any ResponseGate {
        DurabilityGate(journal: self, revision: revision)
    }

    fileprivate func whenDurable(_ revision: Int, _ opened: @escaping @Sendable (Response?) -> Void) {
        let outcome: Response?? = lock.withLock {
            if let failure = state.failure { return .some(Self.unavailable(failure)) }
            if state.counters.durableRevision >= revision { return .some(nil) }
            state.waiters.append((revision, opened))
            return nil
        }
        if let outcome { opened(outcome) }
    }

    /// Why writes must be refused now, or nil.
    public var failure: String? {
        lock.withLock { state.failure }
    }

    /// The counters now.
    public var counters: Counters {
        lock.withLock { state.counters }
    }

    /// Asks the writer to take a snapshot and restart the journal soon.
    public func requestCompaction() {
        lock.withLock {
            state.compactionRequested = true
            lock.signal()
        }
    }

    /// Writes what is queued, stops the writer and closes the file. Call after the server drained.
    public func close() {
        lock.withLock {
            state.closing = true
            lock.signal()
        }
        if let thread { pthread_join(thread, nil) }
        thread = nil
        Glibc.close(fd)
        let counters = self.counters
        logger.notice(
            "journal.closed",
            metadata: [
                "revision": "\(counters.durableRevision)", "bytes": "\(counters.bytes)",
                "changes": "\(counters.changes)", "syncs": "\(counters.syncs)",
            ])
    }

    // MARK: The writer thread

    private func run() {
        var buffer: [UInt8] = []
        while true {
            let (batch, compact, closing) = lock.withLock { () -> ([Change], Bool, Bool) in
                while state.queue.isEmpty && !state.compactionRequested && !state.closing {
                    lock.wait()
                }
                let batch = state.queue
                state.queue.removeAll(keepingCapacity: true)
                return (batch, state.compactionRequested, state.closing)
            }
            if !batch.isEmpty {
                buffer.removeAll(keepingCapacity: true)
                for change in batch { JournalLine.encode(change, into: &buffer) }
                commit(buffer, through: batch[batch.count - 1].revision, changes: batch.count)
            }
            let tooLong = lock.withLock { state.counters.bytes >= compactAfterBytes && state.failure == nil }
            if compact || tooLong { compactNow() }
            if closing && lock.withLock({ state.queue.isEmpty }) { break }
        }
    }

    private func commit(_ bytes: [UInt8], through revision: Int, changes: Int) {
        guard lock.withLock({ state.failure == nil }) else {
            fail(because: "the journal failed earlier")
            return
        }
        do {
            try FileIO.writeAll(fd, bytes, path: directory.journalPath)
            try FileIO.syncData(fd, path: directory.journalPath)
        } catch {
            fail(because: error.description)
            return
        }
        let ready = lock.withLock { () -> [@Sendable (Response?) -> Void] in
            state.counters.durableRevision = max(state.counters.durableRevision, revision)
            state.counters.changes += changes
            state.counters.syncs += 1
            state.counters.bytes += bytes.count
            return openGates()
        }
        for opened in ready { opened(nil) }
    }

    /// Takes the waiters whose revision is durable. Inside the lock.
    private func openGates() -> [@Sendable (Response?) -> Void] {
        let durable = state.counters.durableRevision
        var ready: [@Sendable (Response?) -> Void] = []
        state.waiters.removeAll { waiter in
            guard waiter.revision <= durable else { return false }
            ready.append(waiter.opened)
            return true
        }
        return ready
    }

    private func fail(because reason: String) {
        logger.critical("journal.failed", metadata: ["reason": "\(reason)", "path": "\(directory.journalPath)"])
        let waiting = lock.withLock { () -> [@Sendable (Response?) -> Void] in
            if state.failure == nil { state.failure = reason }
            state.counters.failed = true
            let waiting = state.waiters.map(\.opened)
            state.waiters.removeAll()
            return waiting
        }
        for opened in waiting { opened(Self.unavailable(reason)) }
    }

    /// Snapshot, then an empty journal. Changes up to the snapshot's revision are durable once
    /// it is renamed into place, whether or not their lines were written yet.
    private func compactNow() {
        lock.withLock { state.compactionRequested = false }
        guard lock.withLock({ state.failure == nil }) else { return }
        let started = ContinuousClock.now
        let (revision, records) = store.capture()
        do {
            let size = try directory.writeSnapshot(
                revision: revision, records: records, annotations: annotations())
            let fresh = try directory.restartJournal()
            Glibc.close(fd)
            fd = fresh
            let ready = lock.withLock { () -> [@Sendable (Response?) -> Void] in
                // Queued changes the snapshot already holds need no line of their own.
                state.queue.removeAll { $0.revision <= revision }
                state.counters.durableRevision = max(state.counters.durableRevision, revision)
                state.counters.bytes = 0
                state.counters.compactions += 1
                return openGates()
            }
            for opened in ready { opened(nil) }
            logger.info(
                "journal.compacted",
                metadata: [
                    "revision": "\(revision)", "records": "\(records.count)", "snapshot_bytes": "\(size)",
                    "ms": "\(Int((ContinuousClock.now - started) / .milliseconds(1)))",
                ])
        } catch {
            fail(because: "compaction failed: \(error.description)")
        }
    }

    static func unavailable(_ reason: String) -> Response {
        var response = Response.problem(
            .serviceUnavailable,
            detail: "The journal cannot be written (\(reason)); the change was not made durable and "
                + "writes are refused until the server is restarted.")
        response.headerFields[.retryAfter] = "60"
        return response
    }

    private final class ThreadBody {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }

    private static func spawn(_ body: @escaping @Sendable () -> Void) -> pthread_t {
        var thread = pthread_t()
        let box = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
        let status = pthread_create(
            &thread, nil,
            { raw in
                Unmanaged<ThreadBody>.fromOpaque(raw!).takeRetainedValue().body()
                return nil
            },
            box)
        precondition(status == 0, "pthread_create failed with \(status)")
        return thread
    }
}

/// Opens when the journal has made `revision` durable.
struct DurabilityGate: ResponseGate {
    let journal: Journal
    let revision: Int

    func whenOpen(_ opened: @escaping @Sendable (Response?) -> Void) {
        journal.whenDurable(revision, opened)
    }
}
