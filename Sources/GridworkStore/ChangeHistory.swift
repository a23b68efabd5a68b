import Synchronization

/// The published changes of the store's current epoch, oldest first, within a memory budget:
/// what the change feed (`GET /changes`) and every record's history read.
///
/// Only durable changes get here: with a journal the store hands each batch over when it
/// publishes it (`Store.publish`), after its fsync; without one every change joins at its commit,
/// inside the head's lock, where readers read. Changes arrive in revision order and the window
/// is contiguous: it holds every change after `floor`, and when the budget is full the oldest
/// are dropped and `floor` moves up, which readers are told (`Window.dropped(after:)`).
///
/// Memory: a change holds its records by value, and a record's field values share storage with
/// the store's copy until the store replaces them; so a retained change costs its own arrays and
/// strings plus, once a record changes again or goes, the image it keeps alive. The budget counts
/// that worst case (`estimatedBytes`). A per-record index (record → seqs) finds a record's
/// changes without a scan.
///
/// Concurrency: all state sits in one `Mutex`, held only to copy changes in or out; readers
/// filter and encode outside it (and never call the store while holding it: the store's head
/// lock is held while a memory-only commit appends here). Observers are called after each
/// append or new epoch, outside the lock, from the appending thread.
public final class ChangeHistory: Sendable {
    /// 64 MiB: a few hundred thousand changes.
    public static let defaultBudget = 64 << 20

    /// Where the kept changes begin and end.
    public struct Window: Sendable, Equatable {
        /// The epoch the changes belong to; seqs are revisions of this epoch.
        public var epoch: String
        /// The revision this epoch's history began at: its first change is `start + 1`. 0 when
        /// unknown (a data directory from before epochs recorded it).
        public var start: Int
        /// Every change with a seq above this is kept; changes at or below it are not.
        public var floor: Int
        /// The seq of the newest change kept (`floor` when none is).
        public var last: Int

        /// A window of `epoch`'s history.
        public init(epoch: String, start: Int, floor: Int, last: Int) {
            self.epoch = epoch
            self.start = start
            self.floor = floor
            self.last = last
        }

        /// The seq of the oldest change kept (or the next to come, when none is).
        public var earliest: Int { floor + 1 }

        /// Whether some change after `seq` (and after the epoch began) is no longer kept.
        public func dropped(after seq: Int) -> Bool { max(seq, start) < floor }
    }

    private struct Entry {
        var change: Change
        var bytes: Int
    }

    private struct State {
        var window: Window
        var entries: [Entry] = []
        /// The index in `entries` of the oldest entry kept; dropped entries are removed in bulk.
        var first = 0
        var bytes = 0
        /// The seqs of the kept changes that put or removed each record, oldest first.
        var index: [TouchedRecord: [Int]] = [:]
        var droppedChanges = 0

        func entry(_ seq: Int) -> Entry? {
            guard seq > window.floor, seq <= window.last else { return nil }
            return entries[first + (seq - window.floor - 1)]
        }
    }

    /// The most bytes (`estimatedBytes`) the kept changes may take.
    public let budget: Int
    private let state: Mutex<State>
    private let observers = Mutex<[@Sendable () -> Void]>([])

    /// An empty history of `epoch`, which began at `start`, holding nothing up to `floor`.
    public init(epoch: String, start: Int, floor: Int, budget: Int = defaultBudget) {
        self.budget = max(0, budget)
        state = Mutex(State(window: Window(epoch: epoch, start: start, floor: floor, last: floor)))
    }

    /// The epoch of the changes kept.
    public var epoch: String { state.withLock { $0.window.epoch } }

    /// The window now.
    public var window: Window { state.withLock { $0.window } }

    /// How many changes are kept, their estimated bytes, and how many were dropped for the budget.
    public var statistics: (changes: Int, bytes: Int, dropped: Int) {
        state.withLock { ($0.entries.count - $0.first, $0.bytes, $0.droppedChanges) }
    }

    /// Calls `observer` after every append and every new epoch, from the thread that made it.
    /// Keep it short: it may run inside the store's lock.
    public func observe(_ observer: @escaping @Sendable () -> Void) {
        observers.withLock { $0.append(observer) }
    }

    // MARK: Writing (the store)

    /// Forgets every change and begins the history of `epoch`, which began at `start`, holding
    /// nothing up to `floor` (a reset; a load that restores older changes first).
    public func begin(epoch: String, start: Int, floor: Int) {
        state.withLock { state in
            state = State(window: Window(epoch: epoch, start: start, floor: floor, last: floor))
        }
        notify()
    }

    /// Appends published changes in revision order. A change already kept is skipped; one that
    /// leaves a gap (which the store never makes) empties the window first, so that it stays
    /// contiguous.
    public func append(_ changes: [Change]) {
        guard !changes.isEmpty else { return }
        let appended = state.withLock { state -> Bool in
            var appended = false
            for change in changes where change.revision > state.window.last {
                if change.revision != state.window.last + 1 {
                    let window = state.window
                    state = State(
                        window: Window(
                            epoch: window.epoch, start: window.start, floor: change.revision - 1,
                            last: change.revision - 1))
                }
                Self.add(change, to: &state)
                appended = true
            }
            while state.bytes > budget, state.first < state.entries.count { Self.dropOldest(&state) }
            if state.first > 4096 && state.first * 2 > state.entries.count {
                state.entries.removeFirst(state.first)
                state.first = 0
            }
            return appended
        }
        if appended { notify() }
    }

    private static func add(_ change: Change, to state: inout State) {
        var change = change
        // Only the layer that made it reads an annotation (an idempotency key); it has its own.
        change.annotation = nil
        // An image read back from disk is a copy of one already kept: keep that one instead.
        for position in change.before.indices {
            let (kind, record) = change.before[position]
            if let seq = state.index[TouchedRecord(kind: kind, id: record.id)]?.last,
                let newest = state.entry(seq).flatMap({ Self.image(of: kind, record.id, in: $0.change) }),
                newest.revision == record.revision
            {
                change.before[position].record = newest
            }
        }
        var bytes = estimatedBytes(change)
        for key in touchedRecords(change) {
            if state.index[key] == nil {
                bytes += 96
                state.index[key] = [change.revision]
            } else {
                state.index[key]!.append(change.revision)
            }
        }
        state.entries.append(Entry(change: change, bytes: bytes))
        state.bytes += bytes
        state.window.last = change.revision
    }

    private static func dropOldest(_ state: inout State) {
        let entry = state.entries[state.first]
        state.entries[state.first] = Entry(change: Change(revision: 0), bytes: 0)
        state.first += 1
        state.bytes -= entry.bytes
        state.droppedChanges += 1
        state.window.floor = entry.change.revision
        for key in touchedRecords(entry.change) {
            guard var seqs = state.index[key] else { continue }
            if seqs.first == entry.change.revision { seqs.removeFirst() }
            state.index[key] = seqs.isEmpty ? nil : seqs
        }
    }

    private func notify() {
        for observer in observers.withLock({ $0 }) { observer() }
    }

    // MARK: Reading

    /// The window, and the kept changes after `seq`, oldest first, at most `limit`.
    public func changes(after seq: Int, limit: Int) -> (window: Window, changes: [Change]) {
        state.withLock { state in
            let window = state.window
            let from = max(seq, window.floor) + 1
            guard from <= window.last, limit > 0 else { return (window, []) }
            let lower = state.first + (from - window.floor - 1)
            let upper = lower + min(limit, state.entries.count - lower)
            return (window, state.entries[lower..<upper].map(\.change))
        }
    }

    /// The window, and every kept change that put or removed the record, oldest first.
    public func changes(of kind: ResourceKind, id: String) -> (window: Window, changes: [Change]) {
        state.withLock { state in
            let seqs = state.index[TouchedRecord(kind: kind, id: id)] ?? []
            return (state.window, seqs.compactMap { state.entry($0)?.change })
        }
    }

    /// The newest image of a record the kept changes hold: as a change left it, or, for one
    /// that removed it, as it was before. For finding where a removed record was.
    public func lastImage(of kind: ResourceKind, id: String) -> Record? {
        state.withLock { state in
            guard let seq = state.index[TouchedRecord(kind: kind, id: id)]?.last, let entry = state.entry(seq) else {
                return nil
            }
            return Self.image(of: kind, id, in: entry.change)
        }
    }

    /// The record as `change` put it, or as it was before `change` removed it.
    public static func image(of kind: ResourceKind, _ id: String, in change: Change) -> Record? {
        if let put = change.puts.first(where: { $0.kind == kind && $0.record.id == id }) { return put.record }
        return change.before.first { $0.kind == kind && $0.record.id == id }?.record
    }

    private static func touchedRecords(_ change: Change) -> [TouchedRecord] {
        change.puts.map { TouchedRecord(kind: $0.kind, id: $0.record.id) }
            + change.removes.map { TouchedRecord(kind: $0.kind, id: $0.id) }
    }

    // MARK: The budget

    /// What a kept change may cost, counted as if no record image it holds were shared: the
    /// change and its arrays, each image (its inline fields, its values array and every string
    /// too long to sit inline), each removal. Calibrated against the allocator in
    /// `ChangeHistoryTests`.
    public static func estimatedBytes(_ change: Change) -> Int {
        var bytes = 128 + stringBytes(change.at) + stringBytes(change.by)
        if !change.puts.isEmpty { bytes += 32 }
        if !change.before.isEmpty { bytes += 32 }
        if !change.removes.isEmpty { bytes += 32 + change.removes.count * 24 }
        for (_, record) in change.puts { bytes += recordBytes(record) }
        for (_, record) in change.before { bytes += recordBytes(record) }
        return bytes
    }

    static func recordBytes(_ record: Record) -> Int {
        var bytes = 120 + 32 + record.values.count * 24
        for text in [record.id, record.createdAt, record.updatedAt, record.createdBy, record.updatedBy] {
            bytes += stringBytes(text)
        }
        for value in record.values {
            switch value {
            case .string(let text): bytes += stringBytes(text)
            case .list(let items): bytes += 32 + items.reduce(0) { $0 + 16 + stringBytes($1) }
            case .counts(let counts): bytes += 32 + counts.count * 8
            case .steps(let steps): bytes += 32 + steps.count * 200
            case .null, .int, .bool: continue
            }
        }
        return bytes
    }

    /// Heap bytes of a string: none up to 15 UTF-8 bytes (stored inline), else its buffer.
    static func stringBytes(_ text: String) -> Int {
        let count = text.utf8.count
        return count <= 15 ? 0 : 32 + (count + 15) & ~15
    }
}
