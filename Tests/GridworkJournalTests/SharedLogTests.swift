import Dispatch
import Glibc
import GridworkJournal
import GridworkStore
import Synchronization
import Testing

/// The shared log's agreement between nodes, on an in-memory database that can refuse
/// connections, hold back notifications and break a connection after a commit.
@Suite struct SharedLogTests {
    @Test func aWriteOnOneNodeIsAppliedByTheOther() throws {
        let database = MemoryLogServer()
        let a = try Node(database)
        let b = try Node(database)
        let created = try a.create(town("新城镇")).get()
        #expect(a.store.revision == created.revision)
        // Read your writes: the answering node holds it once answered.
        #expect(a.store.record(.towns, id: created.value.id) != nil)
        try waitUntil { b.store.revision == created.revision }
        #expect(b.store.record(.towns, id: created.value.id)?.values == created.value.values)
        #expect(
            b.store.history.changes(after: created.revision - 1, limit: 5).changes.map(\.revision) == [created.revision]
        )
    }

    @Test func aNodeBehindLosesTheRaceThenWritesOnTheNewerState() throws {
        let database = MemoryLogServer()
        let a = try Node(database)
        let b = try Node(database, listening: false, pollMilliseconds: 60_000)
        // b read the log on opening and once more when its listener connected; then not for a minute.
        try waitUntil { b.log.counters.reads >= 2 }
        let first = try a.create(town("甲镇")).get()
        // b has not heard of a's change: its append at the same seq loses, it reads a's change,
        // checks its write again and appends it after.
        #expect(b.store.revision == first.revision - 1)
        let second = try b.create(town("乙镇")).get()
        #expect(second.revision == first.revision + 1)
        #expect(b.log.counters.conflicts == 1)
        // Its second attempt held off the others' appends, so it could not lose again.
        #expect(database.holds == 1)
        #expect(b.store.record(.towns, id: first.value.id) != nil)
        #expect(second.value.id != first.value.id)
        try waitUntil { a.store.revision == second.revision }
        #expect(a.store.all(.towns).map(\.id) == b.store.all(.towns).map(\.id))
    }

    @Test func conflictingUpdatesOnTwoNodesEndInExactlyOneSuccess() throws {
        let database = MemoryLogServer()
        let a = try Node(database)
        let b = try Node(database, listening: false, pollMilliseconds: 60_000)
        try waitUntil { b.log.counters.reads >= 2 }
        let town = try #require(a.store.all(.towns).first)
        let seen = town.revision
        let onA = a.replace(town.id, [.string("甲"), .string("town")], ifRevision: seen)
        let onB = b.replace(town.id, [.string("乙"), .string("town")], ifRevision: seen)
        #expect((try? onA.get()) != nil)
        guard case .failure(.preconditionFailed) = onB else {
            Issue.record("the second update on the first's base must fail its precondition, got \(onB)")
            return
        }
        try waitUntil { a.store.revision == b.store.revision }
        #expect(b.store.record(.towns, id: town.id)?.values.first == .string("甲"))
    }

    @Test func writesAreRefusedWhileTheDatabaseIsDownAndTheNodeReconnectsByItself() throws {
        let database = MemoryLogServer()
        let a = try Node(database, pollMilliseconds: 20)
        let before = a.store.revision
        database.setDown(true)
        try waitUntil { a.log.failure != nil }
        #expect(a.log.staleness != nil)
        guard case .failure(.notMade(let reason)) = a.create(town("停电镇")) else {
            Issue.record("a write while the database is down must be refused")
            return
        }
        #expect(reason.contains("cannot be reached"))
        #expect(a.store.revision == before)
        database.setDown(false)
        try waitUntil { a.log.failure == nil }
        #expect(a.log.staleness == nil)
        #expect((try? a.create(town("复电镇")).get()) != nil)
    }

    @Test func anAppendWhoseAnswerWasLostIsFoundCommittedAndNotMadeTwice() throws {
        let database = MemoryLogServer()
        let a = try Node(database)
        database.loseNextAnswer()
        let created = try a.create(town("断线镇")).get()
        #expect(database.count == created.revision - 1)
        #expect(a.store.all(.towns).filter { $0.values.first == .string("断线镇") }.count == 1)
        #expect(database.endedSessions == 1)
    }

    @Test func aFreshNodeStartsFromTheSnapshotAndTheLogAfterIt() throws {
        let database = MemoryLogServer()
        var options = SharedLog.Options()
        options.snapshotEvery = 3
        let a = try Node(database, options: options)
        for index in 0..<7 { _ = try a.create(town("镇\(index)")).get() }
        try waitUntil { database.snapshotRevisions.max() == 6 }
        let c = try Node(database)
        #expect(c.store.revision == a.store.revision)
        #expect(c.store.all(.towns).map(\.values) == a.store.all(.towns).map(\.values))
        #expect(c.opened.snapshotRevision == database.snapshotRevisions.max())
        // The history before the snapshot is read back from the log.
        #expect(c.store.history.changes(after: 1, limit: 100).changes.count == 7)
    }

    @Test func everyNodeBeginsFromTheSameSeedAndEpoch() throws {
        let database = MemoryLogServer()
        let a = try Node(database)
        let b = try Node(database)
        #expect(a.store.epoch == b.store.epoch)
        #expect(database.snapshotRevisions == [1])
        #expect(a.store.all(.grids).map(\.id) == b.store.all(.grids).map(\.id))
    }
}

// MARK: - A node and its writes

/// How a write through the log ended.
enum NodeWriteError: Error, CustomStringConvertible {
    case refused(StoreError)
    case notMade(String)
    case preconditionFailed

    var description: String {
        switch self {
        case .refused(let error): return "refused: \(error)"
        case .notMade(let reason): return "not made: \(reason)"
        case .preconditionFailed: return "precondition failed"
        }
    }
}

/// One node: a shared log over `MemoryLogServer`, and writes submitted as the API submits them.
final class Node: Sendable {
    let opened: SharedLog.Opened
    var log: SharedLog { opened.log }
    var store: Store { opened.store }

    init(
        _ database: MemoryLogServer, listening: Bool = true, pollMilliseconds: Int = 50,
        options: SharedLog.Options = SharedLog.Options()
    ) throws {
        var options = options
        options.pollMilliseconds = pollMilliseconds
        options.resolveMilliseconds = 2000
        opened = try SharedLog.open(
            connect: { () throws(LogDatabaseError) -> any LogDatabase in
                try database.connect(listening: listening)
            },
            seed: { smallSeed }, options: options, annotations: { [] }, applied: { _, _ in },
            logger: silentLogger)
    }

    deinit {
        opened.log.close()
    }

    func create(_ values: [FieldValue]) -> Result<Committed<Record>, NodeWriteError> {
        let store = self.store
        return run { () throws(StoreError) in
            try store.insert(.towns, values: values, source: .api, at: "2014-08-06T10:00:00+08:00")
        }
    }

    func replace(_ id: String, _ values: [FieldValue], ifRevision revision: Int) -> Result<
        Committed<Record>, NodeWriteError
    > {
        let store = self.store
        return run { () throws(StoreError) in
            try store.replace(.towns, id: id, values: values, at: "2014-08-06T10:00:00+08:00") {
                $0.revision == revision
            }
        }
    }

    /// Submits `write` and waits for its answer.
    private func run<T: Sendable>(_ write: @escaping @Sendable () throws(StoreError) -> T) -> Result<T, NodeWriteError>
    {
        let outcome = Mutex<Result<T, NodeWriteError>?>(nil)
        let answer = Mutex<Result<T, NodeWriteError>?>(nil)
        let done = DispatchSemaphore(value: 0)
        log.submit(
            SequencedWrite(
                attempt: {
                    let result: Result<T, NodeWriteError>
                    do throws(StoreError) {
                        result = .success(try write())
                    } catch .preconditionFailed {
                        result = .failure(.preconditionFailed)
                    } catch {
                        result = .failure(.refused(error))
                    }
                    outcome.withLock { $0 = result }
                },
                discarded: { outcome.withLock { $0 = nil } },
                committed: {
                    answer.withLock { $0 = outcome.withLock { $0 } }
                    done.signal()
                },
                failed: { reason in
                    answer.withLock { $0 = .failure(.notMade(reason)) }
                    done.signal()
                }))
        done.wait()
        return answer.withLock { $0! }
    }
}

/// Waits (up to 10 s) until `condition` holds, checking every few milliseconds.
func waitUntil(_ condition: () -> Bool, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let deadline = ContinuousClock.now + .seconds(10)
    while !condition() {
        guard ContinuousClock.now < deadline else {
            Issue.record("the condition did not come true within 10 s", sourceLocation: sourceLocation)
            throw CancellationError()
        }
        usleep(5_000)
    }
}

// MARK: - The in-memory database

/// A database every node of a test shares: rows under a unique seq, snapshots, notifications.
final class MemoryLogServer: Sendable {
    private struct State {
        var rows: [Int: LogEntry] = [:]
        var snapshots: [StoredSnapshot] = []
        var down = false
        var loseNextAnswer = false
        var listeners: [MemoryLogConnection] = []
        var nextSession: Int32 = 100
        var endedSessions = 0
        var holds = 0
    }

    private let state = Mutex(State())

    var count: Int { state.withLock { $0.rows.count } }
    var snapshotRevisions: [Int] { state.withLock { $0.snapshots.map(\.revision) } }
    var endedSessions: Int { state.withLock { $0.endedSessions } }
    /// How many times a node held off the others' appends (after losing a race).
    var holds: Int { state.withLock { $0.holds } }

    func setDown(_ down: Bool) { state.withLock { $0.down = down } }
    func loseNextAnswer() { state.withLock { $0.loseNextAnswer = true } }

    func connect(listening: Bool) throws(LogDatabaseError) -> MemoryLogConnection {
        try state.withLock { (state) throws(LogDatabaseError) -> MemoryLogConnection in
            if state.down { throw .unavailable("connection refused") }
            state.nextSession += 1
            return MemoryLogConnection(server: self, session: state.nextSession, listening: listening)
        }
    }

    /// Runs `body` on the state unless the database is down.
    fileprivate func withState<T>(_ body: (inout MemoryLogServerState) throws(LogDatabaseError) -> T)
        throws(LogDatabaseError) -> T
    {
        try state.withLock { (state) throws(LogDatabaseError) -> T in
            if state.down { throw .unavailable("the server closed the connection") }
            var view = MemoryLogServerState(
                rows: state.rows, snapshots: state.snapshots, loseNextAnswer: state.loseNextAnswer,
                listeners: state.listeners, endedSessions: state.endedSessions, holds: state.holds)
            let result = try body(&view)
            state.rows = view.rows
            state.snapshots = view.snapshots
            state.loseNextAnswer = view.loseNextAnswer
            state.listeners = view.listeners
            state.endedSessions = view.endedSessions
            state.holds = view.holds
            return result
        }
    }
}

/// The database's state, as a connection sees it inside one call.
struct MemoryLogServerState {
    var rows: [Int: LogEntry]
    var snapshots: [StoredSnapshot]
    var loseNextAnswer: Bool
    var listeners: [MemoryLogConnection]
    var endedSessions: Int
    var holds: Int
}

/// One connection to `MemoryLogServer`.
final class MemoryLogConnection: LogDatabase, @unchecked Sendable {
    // Unchecked: `announced` sits in a Mutex; the rest is immutable.
    let server: MemoryLogServer
    let session: Int32
    private let listening: Bool
    private let announced = Mutex<[Int]>([])
    private let signal = DispatchSemaphore(value: 0)

    init(server: MemoryLogServer, session: Int32, listening: Bool) {
        self.server = server
        self.session = session
        self.listening = listening
    }

    func prepare() throws(LogDatabaseError) {
        try server.withState { _ in }
    }

    func snapshot(orCreate make: () -> StoredSnapshot) throws(LogDatabaseError) -> StoredSnapshot {
        try server.withState { (state) throws(LogDatabaseError) -> StoredSnapshot in
            if let newest = state.snapshots.max(by: { $0.revision < $1.revision }) { return newest }
            let made = make()
            state.snapshots.append(made)
            return made
        }
    }

    func storeSnapshot(_ snapshot: StoredSnapshot) throws(LogDatabaseError) {
        try server.withState { state in
            if !state.snapshots.contains(where: { $0.revision == snapshot.revision }) {
                state.snapshots.append(snapshot)
            }
        }
    }

    func entries(after seq: Int, limit: Int) throws(LogDatabaseError) -> [LogEntry] {
        try server.withState { state in
            Array(state.rows.values.filter { $0.seq > seq }.sorted { $0.seq < $1.seq }.prefix(limit))
        }
    }

    func entries(before seq: Int, limit: Int) throws(LogDatabaseError) -> [LogEntry] {
        try server.withState { state in
            Array(state.rows.values.filter { $0.seq < seq }.sorted { $0.seq > $1.seq }.prefix(limit))
        }
    }

    func append(_ lines: [[UInt8]], first: Int, epoch: String, token: String) throws(LogDatabaseError) {
        let (listeners, lost) = try server.withState {
            (state) throws(LogDatabaseError) -> ([MemoryLogConnection], Bool) in
            for seq in first..<(first + lines.count) where state.rows[seq] != nil { throw .taken }
            for (index, line) in lines.enumerated() {
                state.rows[first + index] = LogEntry(seq: first + index, epoch: epoch, token: token, line: line)
            }
            defer { state.loseNextAnswer = false }
            return (state.listeners, state.loseNextAnswer)
        }
        for listener in listeners { listener.announce(first + lines.count - 1) }
        // Committed, but the answer never reaches the node.
        if lost { throw .outcomeUnknown("the connection broke before the answer came") }
    }

    func holdAppends() throws(LogDatabaseError) {
        try server.withState { state in state.holds += 1 }
    }

    func releaseAppends() throws(LogDatabaseError) {}

    func token(at seq: Int) throws(LogDatabaseError) -> String? {
        try server.withState { state in state.rows[seq]?.token }
    }

    func endSession(_ session: Int32) throws(LogDatabaseError) {
        try server.withState { state in state.endedSessions += 1 }
    }

    func listen() throws(LogDatabaseError) {
        guard listening else { return }
        try server.withState { state in state.listeners.append(self) }
    }

    func announce(_ seq: Int) {
        announced.withLock { $0.append(seq) }
        signal.signal()
    }

    func waitForAppends(milliseconds: Int) throws(LogDatabaseError) -> Int? {
        _ = signal.wait(timeout: .now() + .milliseconds(milliseconds))
        try server.withState { _ in }
        let seqs = announced.withLock { seqs in
            defer { seqs.removeAll() }
            return seqs
        }
        return seqs.max()
    }
}
