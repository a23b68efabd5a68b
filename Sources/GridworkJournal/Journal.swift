import Glibc
public import GridworkStore
public import JSON
public import Logging
import Synchronization
import SystemThreads

/// The write-ahead journal of a running server. The store hands it every change inside its lock
/// (`append`, which only queues); one writer thread takes the queued changes together with a
/// frozen copy of the store at the last of them, appends their lines, fdatasyncs once for all of
/// them (group commit), publishes the frozen copy to readers and then tells whoever waits that
/// those revisions are durable. When the journal passes `compactAfterBytes`, or on request, the
/// same thread writes a snapshot and restarts the journal.
///
/// A failed append or sync is final: nothing after the last durable revision is published, the
/// file is cut back to its durable length, every waiter and every later write is told why, and
/// the process keeps serving the durable state until it is restarted.
public final class Journal: ChangeLog, @unchecked Sendable {
    // Unchecked: `state` is guarded by `lock`; the descriptor and line buffer below it are touched
    // only by the writer thread (and by `init` and `close()` before and after that thread runs).

    /// Counters for logs and metrics.
    public struct Counters: Sendable {
        /// Revision known to be on disk.
        public var durableRevision: Int
        /// Changes written.
        public var changes: Int
        /// fdatasync calls made for them.
        public var syncs: Int
        /// The journal file's length: every byte of it durable.
        public var bytes: Int
        /// Snapshots taken.
        public var compactions: Int
        /// Whether a write or sync failed (every later write is refused).
        public var failed: Bool
    }

    /// Told once whether a revision became durable: nil when it did, else why it never will.
    public typealias Settled = @Sendable (_ failure: String?) -> Void

    struct State {
        var queue: [Change] = []
        var waiters: [(revision: Int, settled: Settled)] = []
        var counters: Counters
        var failure: String?
        var compactionRequested = false
        /// Resets asked for, in order (`reset(to:epoch:_:)`).
        var resets: [(contents: Store.Contents, epoch: String, done: ResetSettled)] = []
        /// The journal length at which the writer compacts by itself.
        var nextCompactionBytes: Int
        var closing = false
    }

    let directory: DataDirectory
    let store: Store
    private let annotations: @Sendable () -> [JSONValue]
    let compactAfterBytes: Int
    let logger: Logger
    let lock = ConditionLock()
    var state: State
    var fd: Int32
    /// The lines of the batch being written, kept between batches for its capacity.
    private var buffer: [UInt8] = []
    private var thread: SystemThread?

    /// Starts the writer for `directory`, whose journal `load` just replayed into `store`, and
    /// attaches itself to the store. A journal without a header (a new one, or one written before
    /// journals had headers) gets one first: a new journal by writing it, an older one by
    /// compacting. `annotations` supplies what a snapshot keeps besides the records.
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
                durableRevision: store.headRevision, changes: 0, syncs: 0, bytes: loaded.journalBytes,
                compactions: 0, failed: false),
            nextCompactionBytes: compactAfterBytes)
        if !loaded.hasHeader {
            if loaded.journalBytes == 0 {
                var header: [UInt8] = []
                JournalLine.encodeHeader(epoch: store.epoch, into: &header)
                do {
                    try FileIO.writeAll(fd, header, path: directory.journalPath)
                    try FileIO.syncData(fd, path: directory.journalPath)
                } catch {
                    Glibc.close(fd)
                    throw error
                }
                state.counters.bytes = header.count
            } else {
                // A journal from before headers: a snapshot and a fresh journal give it one.
                let (_, frozen) = store.freeze {}
                do {
                    try directory.writeSnapshot(frozen, annotations: annotations())
                    let fresh = try directory.restartJournal(
                        epoch: frozen.epoch, revision: frozen.revision, logger: logger)
                    Glibc.close(fd)
                    fd = fresh.fd
                    state.counters.bytes = fresh.bytes
                } catch {
                    Glibc.close(fd)
                    throw error
                }
                logger.notice(
                    "journal.migrated", metadata: ["epoch": "\(store.epoch)", "revision": "\(frozen.revision)"])
            }
        }
        store.attach(self)
        self.thread = SystemThread(name: "gridwork-journal") { [unowned self] in self.run() }
    }

    // MARK: From the store and the API

    /// Queues a committed change (called inside the store's lock).
    public func append(_ change: Change) {
        lock.withLock {
            state.queue.append(change)
            lock.signal()
        }
    }

    /// Calls `settled` once `revision` is durable (with nil), or once the journal has failed
    /// (with the reason) — at once when either is already so, otherwise from the writer thread.
    public func whenDurable(_ revision: Int, _ settled: @escaping Settled) {
        let outcome: String?? = lock.withLock {
            if state.counters.durableRevision >= revision { return .some(nil) }
            if let failure = state.failure { return .some(failure) }
            state.waiters.append((revision, settled))
            return nil
        }
        if let outcome { settled(outcome) }
    }

    /// Why writes must be refused now, or nil.
    public var failure: String? {
        lock.withLock { state.failure }
    }

    /// The counters now.
    public var counters: Counters {
        lock.withLock { state.counters }
    }

    /// Asks the writer to take a snapshot and restart the journal soon. False, asking nothing,
    /// once the journal has failed.
    public func requestCompaction() -> Bool {
        lock.withLock {
            guard state.failure == nil else { return false }
            state.compactionRequested = true
            lock.signal()
            return true
        }
    }

    /// Writes what is queued, stops the writer and closes the file. Call after the server drained.
    public func close() {
        lock.withLock {
            state.closing = true
            lock.signal()
        }
        guard let thread else { return }
        thread.join()
        self.thread = nil
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
        while true {
            let (compact, closing) = lock.withLock { () -> (Bool, Bool) in
                while state.queue.isEmpty && !state.compactionRequested && state.resets.isEmpty && !state.closing {
                    lock.wait()
                }
                return (state.compactionRequested, state.closing)
            }
            // The batch and the store's state at its last change, taken together inside the
            // store's lock, where `append` is called: the copy holds exactly these changes.
            let (batch, frozen) = store.freeze {
                lock.withLock { () -> [Change] in
                    let batch = state.queue
                    state.queue.removeAll(keepingCapacity: true)
                    return batch
                }
            }
            write(batch, frozen: frozen)
            resetNow()
            let tooLong = lock.withLock { state.counters.bytes >= state.nextCompactionBytes && state.failure == nil }
            if compact || tooLong { compactNow() }
            if closing && lock.withLock({ state.queue.isEmpty }) { break }
        }
    }

    /// Appends `changes` (the batch `frozen` ends with), syncs, publishes `frozen` and answers the
    /// waiters. Nothing when there are no changes.
    func write(_ changes: [Change], frozen: Store.Frozen) {
        guard !changes.isEmpty else { return }
        if let failure = self.failure {
            fail(because: failure)
            return
        }
        buffer.removeAll(keepingCapacity: true)
        for change in changes { JournalLine.encode(change, into: &buffer) }
        let bytes = buffer.count
        do {
            try FileIO.writeAll(fd, buffer, path: directory.journalPath)
            try FileIO.syncData(fd, path: directory.journalPath)
        } catch {
            fail(because: error.description)
            return
        }
        // Readers first (the state and the change feed), then the writers' responses: a client
        // that got its answer finds its write in the next read.
        store.publish(frozen, changes: changes)
        let ready = lock.withLock { () -> [Settled] in
            state.counters.durableRevision = max(state.counters.durableRevision, frozen.revision)
            state.counters.changes += changes.count
            state.counters.syncs += 1
            state.counters.bytes += bytes
            return takeSettled()
        }
        for settled in ready { settled(nil) }
    }

    /// Takes the waiters whose revision is durable. Inside the lock.
    func takeSettled() -> [Settled] {
        let durable = state.counters.durableRevision
        var ready: [Settled] = []
        state.waiters.removeAll { waiter in
            guard waiter.revision <= durable else { return false }
            ready.append(waiter.settled)
            return true
        }
        return ready
    }

    /// The journal failed: cut the file back to its durable length (so that a write that may have
    /// reached the disk anyway is not replayed after a restart, although it was refused), and tell
    /// every waiter. Later changes are refused by the API and dropped here.
    func fail(because reason: String) {
        let (first, durableBytes) = lock.withLock { () -> (Bool, Int) in
            let first = state.failure == nil
            if first { state.failure = reason }
            state.counters.failed = true
            return (first, state.counters.bytes)
        }
        if first {
            logger.critical("journal.failed", metadata: ["reason": "\(reason)", "path": "\(directory.journalPath)"])
            do {
                try FileIO.truncate(fd, to: durableBytes, path: directory.journalPath)
                try FileIO.syncData(fd, path: directory.journalPath)
            } catch {
                logger.critical(
                    "journal.truncate_failed",
                    metadata: ["error": "\(error.description)", "bytes": "\(durableBytes)"])
            }
        }
        let (waiting, resets) = lock.withLock { () -> ([Settled], [ResetSettled]) in
            let waiting = state.waiters.map(\.settled)
            let resets = state.resets.map(\.done)
            state.waiters.removeAll()
            state.resets.removeAll()
            state.queue.removeAll()
            return (waiting, resets)
        }
        for settled in waiting { settled(reason) }
        for done in resets { done(.failure(ResetFailure(description: reason))) }
    }

    /// Snapshot, then an empty journal, on the writer thread. A snapshot that cannot be written
    /// costs nothing but the attempt: the temporary file goes, the journal goes on as it was, and
    /// the next automatic attempt waits until the journal has grown by `compactAfterBytes` again.
    /// A journal that cannot be restarted after its snapshot is in place is a failed journal.
    private func compactNow() {
        lock.withLock { state.compactionRequested = false }
        guard failure == nil else { return }
        let started = ContinuousClock.now
        // Changes still queued are written first, like any batch, so that the journal the
        // archive keeps holds every change up to the snapshot's revision.
        let (queued, frozen) = store.freeze {
            lock.withLock { () -> [Change] in
                defer { state.queue.removeAll() }
                return state.queue
            }
        }
        write(queued, frozen: frozen)
        guard failure == nil else { return }
        let size: Int
        do {
            size = try directory.writeSnapshot(frozen, annotations: annotations())
        } catch {
            let bytes = lock.withLock { () -> Int in
                state.nextCompactionBytes = state.counters.bytes + compactAfterBytes
                return state.counters.bytes
            }
            logger.error(
                "journal.compaction_failed", metadata: ["error": "\(error.description)", "journal_bytes": "\(bytes)"])
            return
        }
        guard snapshotInPlace(frozen, after: "a snapshot") else { return }
        lock.withLock { state.counters.compactions += 1 }
        logger.info(
            "journal.compacted",
            metadata: [
                "revision": "\(frozen.revision)", "snapshot_bytes": "\(size)",
                "ms": "\(Int((ContinuousClock.now - started) / .milliseconds(1)))",
            ])
    }

    /// Once a snapshot of `frozen` is in place, everything it holds is durable, whatever happens
    /// next: readers get it, its waiters are answered, and the journal restarts with only the
    /// header of `frozen`'s epoch. False, having failed the journal, when it cannot restart: the
    /// old journal stays beside the snapshot (a restart skips the lines it holds), but no later
    /// change can be written after them.
    func snapshotInPlace(_ frozen: Store.Frozen, after what: String) -> Bool {
        store.publish(frozen)
        let ready = lock.withLock { () -> [Settled] in
            state.counters.durableRevision = max(state.counters.durableRevision, frozen.revision)
            return takeSettled()
        }
        for settled in ready { settled(nil) }
        do {
            let fresh = try directory.restartJournal(epoch: frozen.epoch, revision: frozen.revision, logger: logger)
            Glibc.close(fd)
            fd = fresh.fd
            lock.withLock {
                state.counters.bytes = fresh.bytes
                state.nextCompactionBytes = compactAfterBytes
            }
            return true
        } catch {
            fail(because: "the journal could not be restarted after \(what): \(error.description)")
            return false
        }
    }
}
