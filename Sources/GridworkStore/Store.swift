import Synchronization

/// The in-memory record store: seven tables, their indexes, the `/stats` aggregates and the
/// store-wide revision.
///
/// Two states, so that no reader sees a change before it is durable:
/// - the **head** holds every accepted write, durable or not; only the write path reads it, so
///   each write validates against every earlier one, in the journal's order;
/// - the **published** state is what every reader sees (lists, records, `/stats`, SSE, CSV,
///   metrics). Without a change log it is the head itself. With one, the log takes a frozen copy
///   of the head with each batch (`freeze`) and publishes it once that batch is on disk
///   (`publish`); a batch that fails is never published.
///
/// The states are value types, so a frozen copy costs a few reference counts; the head pays for
/// the copy-on-write of what its next write touches, once per batch rather than once per write.
///
/// Concurrency: each state sits in its own `Mutex`, so readers never wait for a writer; the
/// published revision is mirrored in an atomic so `/stats` can check its cache without a lock.
public final class Store: Sendable {
    struct State: Sendable {
        var tables: [Table]
        var aggregates = Aggregates()
        var revision = 0
        /// The history this state belongs to (see `Store.epoch`).
        var epoch = ""
        /// Where committed changes go (the journal), in revision order; nil: memory only.
        var log: (any ChangeLog)?
        /// The records the write in progress touched, for its `Change`, each with its image
        /// from before the write (nil for a record it created).
        var touched: [(kind: ResourceKind, id: String, before: Record?)] = []
        /// The revision this epoch's history began at: the state it started from (the seed, a
        /// reset's seed, a snapshot that began a new epoch). 0 when unknown (a snapshot written
        /// before snapshots said), which no history claims to reach.
        var epochStart = 0

        subscript(kind: ResourceKind) -> Table {
            get { tables[kind.ordinal] }
            _modify { yield &tables[kind.ordinal] }
        }

        /// The record, if it exists and lies in `region`.
        func record(_ kind: ResourceKind, _ id: String, in region: Region) -> Record? {
            guard let record = self[kind][id] else { return nil }
            guard let members = RegionMembers(region, in: self) else { return record }
            return members.contains(kind, record) ? record : nil
        }
    }

    /// The name of this store's history. Together with a revision it names one state forever:
    /// a history that begins anew (a memory-only start, a new data directory, a `reset`) gets a
    /// new epoch. This is the head's epoch, the one new tags are made with; a reader that needs
    /// the epoch of what it read takes it from the same state (`stats()`, `tagged`).
    public var epoch: String { head.withLock { $0.epoch } }
    /// The published changes of this epoch, as many as its memory budget holds: the change feed
    /// and every record's history read them.
    public let history: ChangeHistory
    let head: Mutex<State>
    let published: Mutex<State>
    /// Whether readers read `published` (a change log is attached) rather than `head`.
    private let separate = Atomic<Bool>(false)
    private let publishedRevision = Atomic<Int>(0)
    /// The head's revision, stored by every write inside the head's lock.
    let headRevisionMirror = Atomic<Int>(0)

    /// An empty store. `historyBudget`: the bytes of changes its `history` keeps, at most.
    public convenience init(epoch: String = Epoch.make(), historyBudget: Int = ChangeHistory.defaultBudget) {
        self.init(
            state: State(tables: ResourceKind.allCases.map { Table(schema: $0.schema) }), epoch: epoch,
            epochStart: nil, historyBudget: historyBudget)
    }

    init(state: State, epoch: String, epochStart: Int?, historyBudget: Int) {
        var state = state
        state.epoch = epoch
        state.epochStart = epochStart ?? state.revision
        history = ChangeHistory(
            epoch: epoch, start: state.epochStart, floor: state.revision, budget: historyBudget)
        head = Mutex(state)
        // Filled by `attach`; until then readers read the head. Not a copy of `state`, which would
        // make the head's first write copy every table.
        published = Mutex(State(tables: []))
        publishedRevision.store(state.revision, ordering: .releasing)
        headRevisionMirror.store(state.revision, ordering: .releasing)
    }

    /// A store holding `records`, loaded in order without checks (the seed is checked by its tests),
    /// at `revision` (1 for the seed; a snapshot's own revision when loading one). `nextNumbers`
    /// carries each table's id counter past ids that were handed out and later deleted.
    /// `epochStart` is the revision the epoch's history began at (a snapshot's record of it; 0
    /// when unknown); nil: the epoch begins here, at `revision`.
    public convenience init(
        seed records: [(ResourceKind, Record)], revision: Int = 1, nextNumbers: [ResourceKind: Int] = [:],
        epoch: String = Epoch.make(), epochStart: Int? = nil, historyBudget: Int = ChangeHistory.defaultBudget
    ) {
        self.init(
            state: Self.state(seed: records, revision: revision, nextNumbers: nextNumbers), epoch: epoch,
            epochStart: epochStart, historyBudget: historyBudget)
    }

    /// The state holding `records`, loaded in order without checks, at `revision`.
    static func state(seed records: [(ResourceKind, Record)], revision: Int, nextNumbers: [ResourceKind: Int])
        -> State
    {
        var loading = Loading()
        for (kind, record) in records { loading.insert(kind, record) }
        return loading.state(revision: revision, nextNumbers: nextNumbers)
    }

    /// From now on, every committed write is handed to `log`, inside the store's lock and in
    /// revision order, and readers see only what the log publishes. Attach after replaying a
    /// journal, before serving.
    public func attach(_ log: any ChangeLog) {
        head.withLock { head in
            head.log = log
            let copy = head
            published.withLock { $0 = copy }
            publishedRevision.store(copy.revision, ordering: .releasing)
        }
        separate.store(true, ordering: .releasing)
    }

    // MARK: Durability: what readers may see

    /// A copy of the head at one revision, taken when a batch of changes leaves for the disk,
    /// to be published once that batch is durable.
    public struct Frozen: Sendable {
        let state: State
        /// The revision of the last change the copy holds.
        public var revision: Int { state.revision }
        /// The history the copy belongs to.
        public var epoch: String { state.epoch }
        /// The revision that history began at (0: unknown); a snapshot keeps it.
        public var epochStart: Int { state.epochStart }

        /// Every record, in resource then id order: what a snapshot holds.
        public var records: [(ResourceKind, Record)] {
            var records: [(ResourceKind, Record)] = []
            records.reserveCapacity(state.tables.reduce(0) { $0 + $1.count })
            for kind in ResourceKind.allCases {
                let table = state[kind]
                for id in table.order { records.append((kind, table[id]!)) }
            }
            return records
        }

        /// Each resource's next id number, so ids deleted before a snapshot are never reused.
        public var nextNumbers: [ResourceKind: Int] {
            Dictionary(uniqueKeysWithValues: ResourceKind.allCases.map { ($0, state[$0].nextNumber) })
        }
    }

    /// Runs `body` inside the head's lock — where the log receives changes, so `body` can take
    /// exactly the changes up to the head's revision — and returns its result with a frozen copy
    /// of the head at that revision.
    public func freeze<T>(_ body: () -> T) -> (T, Frozen) {
        head.withLock { head in (body(), Frozen(state: head)) }
    }

    /// Makes a frozen state the one readers see, once every change it holds is durable, and
    /// hands `changes` — the ones that became durable with it — to `history` first, so that the
    /// feed never shows a change before it is durable and a client that got its write's answer
    /// finds it in the feed too. A state of a new epoch (a reset) begins a new history. An older
    /// state than the published one is ignored.
    public func publish(_ frozen: Frozen, changes: [Change] = []) {
        if frozen.epoch != history.epoch {
            history.begin(epoch: frozen.epoch, start: frozen.epochStart, floor: frozen.epochStart)
        }
        history.append(changes)
        var replaced = frozen.state
        published.withLock { published in
            guard replaced.revision > published.revision else { return }
            swap(&published, &replaced)
            publishedRevision.store(published.revision, ordering: .releasing)
        }
        // `replaced` now holds the old state, released here, outside the lock.
    }

    // MARK: Reads (the published state)

    /// Runs `body` on the state readers see.
    func withState<T>(_ body: (borrowing State) -> T) -> T {
        separate.load(ordering: .acquiring) ? published.withLock { body($0) } : head.withLock { body($0) }
    }

    /// The revision readers see: moved on by every write once it is durable.
    public var revision: Int {
        separate.load(ordering: .acquiring)
            ? publishedRevision.load(ordering: .acquiring) : headRevisionMirror.load(ordering: .acquiring)
    }

    /// The revision of the last accepted write, durable or not.
    public var headRevision: Int { headRevisionMirror.load(ordering: .acquiring) }

    /// One record, if it lies in `region`.
    public func record(_ kind: ResourceKind, id: String, in region: Region = .district) -> Record? {
        withState { $0.record(kind, id, in: region) }
    }

    /// One record in `region` with the epoch of the state it was read from, so that its tag never
    /// pairs a record of one history with the name of another (a reset in progress).
    public func tagged(_ kind: ResourceKind, id: String, in region: Region = .district)
        -> (record: Record, epoch: String)?
    {
        withState { state in state.record(kind, id, in: region).map { ($0, state.epoch) } }
    }

    /// One record as the write path sees it: with every accepted write, durable or not. What a
    /// PATCH applies to and an `If-Match` is checked against.
    public func latest(_ kind: ResourceKind, id: String) -> Record? {
        head.withLock { $0[kind][id] }
    }

    /// How many records a resource holds.
    public func count(_ kind: ResourceKind) -> Int {
        withState { $0[kind].count }
    }

    /// Every record of a resource, in id order.
    public func all(_ kind: ResourceKind) -> [Record] {
        withState { state in
            let table = state[kind]
            return table.order.map { table[$0]! }
        }
    }
}

/// Names a store's history.
public enum Epoch {
    /// A new epoch: 8 random lowercase hex digits.
    public static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        let value = generator.next() as UInt32
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 8 - hex.count) + hex
    }

    /// Whether `text` has an epoch's form.
    public static func isValid(_ text: String) -> Bool {
        text.utf8.count == 8 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }
}

extension Store {
    /// Takes back every write the head holds that was never published: the head becomes the
    /// published state again. For a log shared with other processes, when its append lost the
    /// race for the next revision (nothing of it was written anywhere) — the writes are then
    /// checked again on the newer state.
    public func discardUnpublished() {
        head.withLock { head in
            let log = head.log
            head = published.withLock { $0 }
            head.log = log
            head.touched.removeAll()
            headRevisionMirror.store(head.revision, ordering: .releasing)
        }
    }
}
