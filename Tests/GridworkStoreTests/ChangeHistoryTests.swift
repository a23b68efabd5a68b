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
}
