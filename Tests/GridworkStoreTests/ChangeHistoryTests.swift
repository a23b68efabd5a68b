import CLinux
import GridworkStore
import Testing

/// The store's history of published changes: what goes in (every change, in order, with the
/// images it replaced), when (at its commit without a log; at its publication with one), and
/// what the memory budget drops.
struct ChangeHistoryTests {
    static let at = "2026-01-01T00:00:00Z"

    static func town(_ name: String) -> [FieldValue] { [.string(name), .string("town")] }
    static func village(_ name: String, in town: String) -> [FieldValue] {
        [.string(name), .string("village"), .string(town)]
    }

    @Test func aMemoryStore_keepsEveryChange_inOrder_withTheImagesItReplaced() throws {
        let store = Store()
        let made = try store.insert(.towns, values: Self.town("一镇"), source: .api, at: Self.at, by: "li").value
        let village = try store.insert(
            .villages, values: Self.village("一村", in: made.id), source: .api, at: Self.at, by: "li"
        ).value
        try store.replace(.towns, id: made.id, values: Self.town("改名镇"), at: Self.at, by: "wang")
        // A write that changes nothing makes no change.
        try store.replace(.towns, id: made.id, values: Self.town("改名镇"), at: Self.at, by: "wang")
        let renamed = try #require(store.record(.towns, id: made.id))
        try store.delete(.towns, id: made.id, cascade: true, by: "zhao")

        let (window, changes) = store.history.changes(after: 0, limit: 100)
        #expect(window == ChangeHistory.Window(epoch: store.epoch, start: 0, floor: 0, last: 4))
        #expect(changes.map(\.revision) == [1, 2, 3, 4])
        #expect(changes.map(\.by) == ["li", "li", "wang", "zhao"])
        #expect(changes[0].puts.map(\.record) == [made] && changes[0].before.isEmpty, "a create replaces nothing")
        #expect(changes[2].puts.map(\.record) == [renamed])
        #expect(changes[2].before.map(\.record) == [made], "the image the rename replaced")
        #expect(Set(changes[3].removes.map(\.id)) == [made.id, village.id])
        #expect(Set(changes[3].before.map(\.record)) == [renamed, village], "each record as it was removed")
        #expect(store.history.changes(of: .towns, id: made.id).changes.map(\.revision) == [1, 3, 4])
        #expect(store.history.lastImage(of: .towns, id: made.id) == renamed)
    }

    /// Records every change and never calls into the store (`append` runs inside its lock).
    final class Log: ChangeLog, @unchecked Sendable {
        // Unchecked: written inside the store's lock only, read after the writes.
        var changes: [Change] = []
        func append(_ change: Change) { changes.append(change) }
    }

    @Test func withALog_aChangeJoinsTheHistory_onlyWhenItsStateIsPublished() throws {
        let store = Store()
        try store.insert(.towns, values: Self.town("一镇"), source: .api, at: Self.at)
        let log = Log()
        store.attach(log)
        try store.insert(.towns, values: Self.town("二镇"), source: .api, at: Self.at)
        try store.insert(.towns, values: Self.town("三镇"), source: .api, at: Self.at)
        #expect(store.history.window.last == 1, "not durable yet: not in the history")

        let (_, frozen) = store.freeze {}
        store.publish(frozen, changes: Array(log.changes.prefix(1)))
        #expect(store.history.changes(after: 0, limit: 10).changes.map(\.revision) == [1, 2])
        // A change that never becomes durable is never published, and never joins.
        #expect(store.history.window.last == 2)
        #expect(log.changes.count == 2)
    }

    @Test func theBudget_dropsTheOldestChanges_andTheWindowSaysSo() throws {
        let store = Store(historyBudget: 8 * 1024)
        var made: [Record] = []
        for index in 0..<60 {
            made.append(try store.insert(.towns, values: Self.town("镇\(index)"), source: .api, at: Self.at).value)
        }
        let statistics = store.history.statistics
        #expect(statistics.bytes <= 8 * 1024)
        #expect(statistics.changes > 0 && statistics.changes < 60)
        #expect(statistics.dropped == 60 - statistics.changes)
        let (window, changes) = store.history.changes(after: 0, limit: 100)
        #expect(window.floor == statistics.dropped && window.last == 60)
        #expect(window.dropped(after: 0) && window.dropped(after: window.floor - 1))
        #expect(!window.dropped(after: window.floor))
        #expect(changes.map(\.revision) == Array(window.earliest...60), "contiguous, up to the newest")
        #expect(store.history.changes(of: .towns, id: made[0].id).changes.isEmpty, "dropped from the index too")
        #expect(store.history.lastImage(of: .towns, id: made[0].id) == nil)
        #expect(store.history.lastImage(of: .towns, id: made[59].id) == made[59])
    }

    @Test func aReset_beginsTheHistoryOfTheNewEpoch_atItsRevision() throws {
        let store = Store()
        try store.insert(.towns, values: Self.town("一镇"), source: .api, at: Self.at)
        let (_, _, after) = store.reset(to: Store.Contents(seed: []), epoch: "0badcafe") {}
        #expect(store.history.window == .init(epoch: "0badcafe", start: 2, floor: 2, last: 2))
        #expect(after.epochStart == 2)
        try store.insert(.towns, values: Self.town("二镇"), source: .api, at: Self.at)
        #expect(store.history.changes(after: 0, limit: 10).changes.map(\.revision) == [3])
        #expect(!store.history.window.dropped(after: 0), "nothing of this epoch was dropped")
    }

    /// Heap bytes in use in the main arena, as the allocator counts them: the allocations of the
    /// main thread (other threads allocate in arenas of their own, which it does not count).
    static func heapInUse() -> Int { Int(CLinux_heapBytesInUse()) }

    /// What keeping `count` changes costs: the heap after the same writes into a store whose
    /// history keeps them all, less one whose history keeps none; after a run that warms every
    /// lazy global up, five times. Nil when the five disagree by more than a quarter: other
    /// threads share the main arena and were busy meanwhile.
    static func retainedBytesPerChange(count: Int, _ writes: (Store) throws -> Void) throws -> Int? {
        try writes(Store(seed: smallSeed, historyBudget: 0))
        var runs: [Int] = []
        for _ in 0..<5 {
            var heap: [Int] = []
            for budget in [0, 1 << 30] {
                let before = heapInUse()
                let store = Store(seed: smallSeed, historyBudget: budget)
                try writes(store)
                heap.append(heapInUse() - before)
                withExtendedLifetime(store) {}
            }
            runs.append((heap[1] - heap[0]) / count)
        }
        runs.sort()
        let median = runs[2]
        guard median > 0, runs[3] - runs[1] <= median / 4 else {
            print("history: the heap measurement was too noisy to judge: \(runs)")
            return nil
        }
        return median
    }

    static let smallSeed: [(ResourceKind, Record)] = SeedGenerator.generate().filter {
        [.towns, .villages, .grids, .cadres].contains($0.0)
    }

    static func visit(_ index: Int) -> [FieldValue] {
        [
            .string("visit"), .string("2014-08-05"), .string("cadre-0001"), .string("grid-0001"), .null, .null,
            .string("走访网格第\(index)次，了解群众诉求"),
        ]
    }

    /// The budget must not undercount what a change costs, or the memory it bounds is not
    /// bounded; nor overcount it several times over. Creates share their record with the store;
    /// an update keeps the image it replaced alive as well. On the main actor, so that the heap it
    /// measures holds only its own allocations.
    @MainActor @Test func theEstimate_coversWhatAKeptChangeCosts() throws {
        let count = 5000
        var estimates = (creates: 0, updates: 0)
        let creates = try Self.retainedBytesPerChange(count: count) { store in
            for index in 0..<count {
                try store.insert(.assistanceRecords, values: Self.visit(index), source: .api, at: Self.at, by: "li")
            }
            let changes = store.history.changes(after: 0, limit: count).changes
            if !changes.isEmpty {
                estimates.creates = changes.reduce(0) { $0 + ChangeHistory.estimatedBytes($1) } / changes.count
            }
        }
        let updates = try Self.retainedBytesPerChange(count: count) { store in
            let made = try store.insert(.assistanceRecords, values: Self.visit(0), source: .api, at: Self.at).value
            for index in 0..<count {
                try store.replace(.assistanceRecords, id: made.id, values: Self.visit(index + 1), at: Self.at, by: "li")
            }
            let changes = store.history.changes(after: 1, limit: count).changes
            if !changes.isEmpty {
                estimates.updates = changes.reduce(0) { $0 + ChangeHistory.estimatedBytes($1) } / changes.count
            }
        }
        guard let creates, let updates else { return }
        print(
            "history: bytes per kept change, measured/estimated: creates \(creates)/\(estimates.creates), "
                + "updates \(updates)/\(estimates.updates)")
        #expect(estimates.updates >= updates, "an update's estimate covers its cost")
        #expect(estimates.creates <= 4 * creates + 512, "not wildly above")
        #expect(estimates.updates <= 3 * updates)
    }
}
