import Synchronization

/// The in-memory record store: seven tables, their indexes, the `/stats` aggregates and the
/// store-wide revision.
///
/// Concurrency: all state sits in one `Mutex`; every read and write takes it briefly and hands
/// out value copies. The revision is mirrored in an atomic so `/stats` can check its cache
/// without the lock.
public final class Store: Sendable {
    struct State: Sendable {
        var tables: [Table]
        var aggregates = Aggregates()
        var revision = 0
        /// Where committed changes go (the journal), in revision order; nil: memory only.
        var log: (any ChangeLog)?
        /// The records the write in progress touched, for its `Change`.
        var touched: [(ResourceKind, String)] = []

        subscript(kind: ResourceKind) -> Table {
            get { tables[kind.ordinal] }
            _modify { yield &tables[kind.ordinal] }
        }
    }

    private let state: Mutex<State>
    private let currentRevision = Atomic<Int>(0)

    /// An empty store.
    public init() {
        state = Mutex(State(tables: ResourceKind.allCases.map { Table(schema: $0.schema) }))
    }

    /// A store holding `records`, loaded in order without checks (the seed is checked by its tests),
    /// at `revision` (1 for the seed; a snapshot's own revision when loading one).
    public convenience init(seed records: [(ResourceKind, Record)], revision: Int = 1) {
        self.init()
        state.withLock { state in
            for (kind, record) in records {
                state[kind].insert(record)
                state.aggregates.apply(kind, record, sign: 1)
            }
            state.revision = revision
        }
        currentRevision.store(revision, ordering: .releasing)
    }

    /// From now on, every committed write is handed to `log`, inside the store's lock and in
    /// revision order. Attach after replaying a journal, before serving.
    public func attach(_ log: any ChangeLog) {
        state.withLock { $0.log = log }
    }

    /// Re-applies a change recorded earlier (journal replay): its records are put and removed as
    /// they were, without checks, and the store moves to its revision. Returns false, changing
    /// nothing, unless the change is the next revision.
    public func replay(_ change: Change) -> Bool {
        state.withLock { state in
            guard change.revision == state.revision + 1 else { return false }
            for (kind, id) in change.removes {
                if let old = state[kind].remove(id) { state.aggregates.apply(kind, old, sign: -1) }
            }
            for (kind, record) in change.puts {
                if let old = state[kind][record.id] {
                    state[kind].replace(record)
                    state.aggregates.apply(kind, old, sign: -1)
                } else {
                    state[kind].insert(record)
                }
                state.aggregates.apply(kind, record, sign: 1)
            }
            state.revision = change.revision
            currentRevision.store(change.revision, ordering: .releasing)
            return true
        }
    }

    /// Every record, in resource then id order, with the revision they belong to: what a
    /// snapshot holds. Copies are taken under the lock; the caller encodes them without it.
    public func capture() -> (revision: Int, records: [(ResourceKind, Record)]) {
        state.withLock { state in
            var records: [(ResourceKind, Record)] = []
            records.reserveCapacity(state.tables.reduce(0) { $0 + $1.count })
            for kind in ResourceKind.allCases {
                let table = state[kind]
                for id in table.order { records.append((kind, table[id]!)) }
            }
            return (state.revision, records)
        }
    }

    func withState<T>(_ body: (borrowing State) -> T) -> T {
        state.withLock { body($0) }
    }

    /// Whether the store has loaded and can serve reads.
    public var isReady: Bool { true }

    /// The store-wide revision: bumped by every write.
    public var revision: Int { currentRevision.load(ordering: .acquiring) }

    /// One record.
    public func record(_ kind: ResourceKind, id: String) -> Record? {
        state.withLock { $0[kind][id] }
    }

    /// How many records a resource holds.
    public func count(_ kind: ResourceKind) -> Int {
        state.withLock { $0[kind].count }
    }

    /// Every record of a resource, in id order.
    public func all(_ kind: ResourceKind) -> [Record] {
        state.withLock { state in
            let table = state[kind]
            return table.order.map { table[$0]! }
        }
    }

    /// The figures at the current revision.
    public func stats() -> StatsSnapshot {
        state.withLock { state in
            let villages = state[.villages]
            let townField = VillageField.townId.rawValue
            let live = state.aggregates.liveFigures { villages[$0]?.values[townField].string }
            return StatsSnapshot(revision: state.revision, live: live, byTown: Self.byTown(state))
        }
    }

    private static func byTown(_ state: State) -> [TownStats] {
        let grids = state[.grids]
        let cadres = state[.cadres]
        let villages = state[.villages]
        let aggregates = state.aggregates
        return state[.towns].order.map { townId in
            let town = state[.towns][townId]!
            let townGrids = grids.ids(where: GridField.townId.rawValue, equals: townId) ?? []
            var townCadres = Set<String>()
            var visits = 0
            var funds = 0
            for grid in townGrids {
                townCadres.formUnion(cadres.ids(where: CadreField.gridIds.rawValue, equals: grid) ?? [])
                visits += aggregates.visitsByGrid[grid, default: 0]
                funds += aggregates.fundsByGrid[grid, default: 0]
            }
            var projects = 0
            var investment = 0
            for village in villages.ids(where: VillageField.townId.rawValue, equals: townId) ?? [] {
                projects += aggregates.projectsByVillage[village, default: 0]
                investment += aggregates.investmentByVillage[village, default: 0]
            }
            return TownStats(
                townId: townId,
                name: town[TownField.name].string ?? "",
                kind: town[TownField.kind].string ?? "",
                grids: townGrids.count,
                cadres: townCadres.count,
                visits: visits,
                fundsYuan: funds,
                projects: projects,
                investmentYuan: investment
            )
        }
    }

    // MARK: Writes

    /// Creates a record with a new id (or `id`, when given and free).
    @discardableResult
    public func insert(
        _ kind: ResourceKind,
        values: [FieldValue],
        source: Source,
        id: String? = nil,
        at timestamp: String,
        annotation: ((Record) -> JSONValue?)? = nil
    ) throws(StoreError) -> Record {
        try state.withLock { (state) throws(StoreError) -> Record in
            try state.check(kind, values, replacing: nil)
            if let id, state[kind][id] != nil { throw .duplicateID(id) }
            let record = Record(
                id: id ?? state[kind].freshID(),
                createdAt: timestamp,
                updatedAt: timestamp,
                revision: 1,
                source: source,
                values: values
            )
            state[kind].insert(record)
            state.aggregates.apply(kind, record, sign: 1)
            state.touched.append((kind, record.id))
            bump(&state, annotation: annotation?(record))
            return record
        }
    }

    /// Replaces a record's values, keeping its id, creation time and source.
    /// `precondition` is checked against the current record inside the lock (for `If-Match`).
    @discardableResult
    public func replace(
        _ kind: ResourceKind,
        id: String,
        values: [FieldValue],
        at timestamp: String,
        precondition: (@Sendable (Record) -> Bool)? = nil
    ) throws(StoreError) -> Record {
        try state.withLock { (state) throws(StoreError) -> Record in
            guard let old = state[kind][id] else { throw .notFound(kind, id) }
            if let precondition, !precondition(old) { throw .preconditionFailed(current: old) }
            try state.check(kind, values, replacing: id)
            let record = state.rewrite(kind, id, at: timestamp) { $0 = values }
            bump(&state)
            return record
        }
    }

    /// Deletes a record. When others point to it, the delete is refused unless `cascade`: then
    /// records whose required reference names it are deleted too (recursively), optional
    /// references to it are cleared, and it is removed from lists that name it (`gridIds`).
    /// Returns every record deleted, the target first.
    @discardableResult
    public func delete(
        _ kind: ResourceKind,
        id: String,
        cascade: Bool = false,
        at timestamp: String = Timestamp.now(),
        precondition: (@Sendable (Record) -> Bool)? = nil
    ) throws(StoreError) -> [Record] {
        try state.withLock { (state) throws(StoreError) -> [Record] in
            guard let target = state[kind][id] else { throw .notFound(kind, id) }
            if let precondition, !precondition(target) { throw .preconditionFailed(current: target) }
            if !cascade, let (by, field, count) = state.referrers(of: kind, id: id) {
                throw .referenced(by: by, field: field, count: count)
            }
            var deleted: [Record] = []
            state.deleteCascading(kind, id: id, at: timestamp, deleted: &deleted)
            bump(&state)
            return deleted
        }
    }

    /// Problems with the references in `values`: every id that names no record. Field values
    /// that are null (or failed validation) are skipped. Also checked inside every write.
    public func referenceIssues(_ kind: ResourceKind, _ values: [FieldValue]) -> [ValidationIssue] {
        state.withLock { $0.referenceIssues(kind, values) }
    }

    /// Ends a write: the revision moves on and, when a log is attached, the change is handed to it.
    private func bump(_ state: inout State, annotation: JSONValue? = nil) {
        state.revision += 1
        if let log = state.log {
            var change = Change(revision: state.revision, annotation: annotation)
            // Most writes touch one record; a cascade may touch one several times.
            var seen = Set<TouchedRecord>()
            for (kind, id) in state.touched
            where state.touched.count == 1 || seen.insert(TouchedRecord(kind: kind, id: id)).inserted {
                if let record = state[kind][id] {
                    change.puts.append((kind, record))
                } else {
                    change.removes.append((kind, id))
                }
            }
            log.append(change)
        }
        state.touched.removeAll(keepingCapacity: true)
        currentRevision.store(state.revision, ordering: .releasing)
    }

}

/// A record a write touched, for de-duplicating a change's records.
struct TouchedRecord: Hashable {
    var kind: ResourceKind
    var id: String
}

extension Store.State {
    /// Every problem that makes `values` unacceptable now: dangling ids and cross-record rules.
    func check(_ kind: ResourceKind, _ values: [FieldValue], replacing id: String?) throws(StoreError) {
        let issues = referenceIssues(kind, values) + DomainRules.check(kind, values, id: id, in: self)
        guard issues.isEmpty else { throw .invalid(issues) }
    }

    func referenceIssues(_ kind: ResourceKind, _ values: [FieldValue]) -> [ValidationIssue] {
        var issues: [ValidationIssue] = []
        for (position, field) in kind.schema.fields.enumerated() where position < values.count {
            switch field.type {
            case .reference(let target):
                if let id = values[position].string, self[target][id] == nil {
                    issues.append(ValidationIssue("/\(field.name)", "No \(target.schema.singular) has the id `\(id)`."))
                }
            case .references(let target):
                for (index, id) in values[position].list.enumerated() where self[target][id] == nil {
                    issues.append(
                        ValidationIssue("/\(field.name)/\(index)", "No \(target.schema.singular) has the id `\(id)`.")
                    )
                }
            default:
                continue
            }
        }
        return issues
    }

    /// Changes one record's values in place: revision and `updatedAt` move on, the indexes and
    /// aggregates follow. The one path every update takes.
    @discardableResult
    mutating func rewrite(
        _ kind: ResourceKind, _ id: String, at timestamp: String, _ change: (inout [FieldValue]) -> Void
    )
        -> Record
    {
        let old = self[kind][id]!
        var record = old
        change(&record.values)
        record.revision += 1
        record.updatedAt = timestamp
        self[kind].replace(record)
        aggregates.apply(kind, old, sign: -1)
        aggregates.apply(kind, record, sign: 1)
        touched.append((kind, id))
        return record
    }

    /// The first resource and field that point to `id`, with how many records do.
    func referrers(of kind: ResourceKind, id: String) -> (ResourceKind, String, Int)? {
        for other in ResourceKind.allCases {
            for (position, field) in other.schema.fields.enumerated() {
                switch field.type {
                case .reference(kind), .references(kind):
                    let count = self[other].ids(where: position, equals: id)?.count ?? 0
                    if count > 0 { return (other, field.name, count) }
                default:
                    continue
                }
            }
        }
        return nil
    }

    mutating func deleteCascading(_ kind: ResourceKind, id: String, at timestamp: String, deleted: inout [Record]) {
        guard let old = self[kind].remove(id) else { return }
        aggregates.apply(kind, old, sign: -1)
        touched.append((kind, id))
        deleted.append(old)
        for other in ResourceKind.allCases {
            for (position, field) in other.schema.fields.enumerated() {
                switch field.type {
                case .reference(kind) where field.required:
                    for referrer in self[other].ids(where: position, equals: id) ?? [] {
                        deleteCascading(other, id: referrer, at: timestamp, deleted: &deleted)
                    }
                case .reference(kind):
                    // An optional reference is cleared rather than taking its record with it.
                    for referrer in self[other].ids(where: position, equals: id) ?? [] {
                        rewrite(other, referrer, at: timestamp) { $0[position] = .null }
                    }
                case .references(kind):
                    for referrer in self[other].ids(where: position, equals: id) ?? [] {
                        rewrite(other, referrer, at: timestamp) {
                            $0[position] = .list($0[position].list.filter { $0 != id })
                        }
                    }
                default:
                    continue
                }
            }
        }
    }
}
