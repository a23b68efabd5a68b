import GridworkStore
import Synchronization
import Testing

/// With a change log attached, readers see only what the log published: a frozen copy of the
/// head taken after the writes, handed back once they are durable. The write path sees every
/// accepted write at once.
struct VisibilityTests {
    /// Records every change; never calls into the store (`append` runs inside its lock).
    final class RecordingLog: ChangeLog {
        private let changes = Mutex<[Change]>([])
        func append(_ change: Change) { changes.withLock { $0.append(change) } }
        var revisions: [Int] { changes.withLock { $0.map(\.revision) } }
        var all: [Change] { changes.withLock { $0 } }
    }

    /// Everything a reader can ask, for comparing one moment with another.
    struct Reading: Equatable {
        var towns: [Record]
        var villages: [Record]
        var townCount: Int
        var villageCount: Int
        var stats: StatsSnapshot
        var revision: Int
        var queried: [Record]
        var queriedTotal: Int

        init(_ store: Store) {
            towns = store.all(.towns)
            villages = store.all(.villages)
            townCount = store.count(.towns)
            villageCount = store.count(.villages)
            stats = store.stats()
            revision = store.revision
            var query = Query()
            query.limit = 100
            let page = store.query(.towns, query)
            queried = page.records
            queriedTotal = page.total
        }
    }

    /// A store holding towns 01 and 02 and a village in town 02, at revision 3, with a log
    /// attached when `attached`.
    static func make(attached: Bool = true) throws -> (store: Store, log: RecordingLog) {
        let store = Store()
        try store.insert(.towns, values: town("一镇"), source: .api, at: "2026-01-01T00:00:00Z")
        try store.insert(.towns, values: town("二镇"), source: .api, at: "2026-01-01T00:00:00Z")
        try store.insert(.villages, values: village("二村", in: "town-02"), source: .api, at: "2026-01-01T00:00:00Z")
        let log = RecordingLog()
        if attached { store.attach(log) }
        return (store, log)
    }

    static func town(_ name: String) -> [FieldValue] { [.string(name), .string("town")] }
    static func village(_ name: String, in town: String) -> [FieldValue] {
        [.string(name), .string("village"), .string(town)]
    }

    /// Inserts town 03, renames town 01 and deletes village 001: revisions 4, 5 and 6.
    static func writeThree(_ store: Store) throws -> [(revision: Int, changed: Bool)] {
        let inserted = try store.insert(.towns, values: town("三镇"), source: .api, at: "2026-01-02T00:00:00Z")
        let replaced = try store.replace(.towns, id: "town-01", values: town("一镇改"), at: "2026-01-02T00:00:00Z")
        let deleted = try store.delete(.villages, id: "village-001", at: "2026-01-02T00:00:00Z")
        return [
            (inserted.revision, inserted.changed), (replaced.revision, replaced.changed),
            (deleted.revision, deleted.changed),
        ]
    }

    @Test func withoutALog_aWriteIsVisibleAtOnce() throws {
        let (store, _) = try Self.make(attached: false)
        let made = try store.insert(.towns, values: Self.town("三镇"), source: .api, at: "2026-01-02T00:00:00Z")
        #expect(store.record(.towns, id: made.value.id) == made.value)
        #expect(store.revision == made.revision)
        #expect(store.stats().revision == made.revision)
        #expect(store.count(.towns) == 3)
    }

    @Test func attach_showsReadersTheStoreAsItWas() throws {
        let (store, log) = try Self.make()
        #expect(store.revision == 3)
        #expect(store.count(.towns) == 2)
        #expect(store.record(.villages, id: "village-001") != nil)
        #expect(log.revisions.isEmpty, "only writes after attaching reach the log")
    }

    @Test func withALog_insertsReplacesAndDeletes_areInvisibleUntilAFreezeAfterThemIsPublished() throws {
        let (store, _) = try Self.make()
        let before = Reading(store)
        _ = try Self.writeThree(store)
        #expect(Reading(store) == before)
        #expect(store.record(.towns, id: "town-03") == nil)
        #expect(store.record(.towns, id: "town-01")?[TownField.name] == .string("一镇"))
        #expect(store.record(.villages, id: "village-001") != nil)

        let (_, frozen) = store.freeze {}
        #expect(Reading(store) == before, "freezing publishes nothing")
        store.publish(frozen)
        let after = Reading(store)
        #expect(after.revision == 6)
        #expect(after.stats.revision == 6)
        #expect(store.record(.towns, id: "town-03") != nil)
        #expect(store.record(.towns, id: "town-01")?[TownField.name] == .string("一镇改"))
        #expect(store.record(.villages, id: "village-001") == nil)
        #expect(after.townCount == 3 && after.villageCount == 0)
        #expect(after.queried.map(\.id) == ["town-01", "town-02", "town-03"])
        #expect(after.stats.byTown.map(\.townId) == ["town-01", "town-02", "town-03"])
    }

    @Test func withALog_latestAndHeadRevision_seeEveryWriteAtOnce() throws {
        let (store, _) = try Self.make()
        _ = try Self.writeThree(store)
        #expect(store.headRevision == 6)
        #expect(store.revision == 3)
        #expect(store.latest(.towns, id: "town-03")?[TownField.name] == .string("三镇"))
        #expect(store.latest(.towns, id: "town-01")?[TownField.name] == .string("一镇改"))
        #expect(store.latest(.villages, id: "village-001") == nil)
    }

    @Test func publishing_aFreezeTakenBetweenWrites_showsExactlyTheWritesBeforeIt() throws {
        let (store, _) = try Self.make()
        try store.insert(.towns, values: Self.town("三镇"), source: .api, at: "2026-01-02T00:00:00Z")
        let (_, frozen) = store.freeze {}
        try store.replace(.towns, id: "town-01", values: Self.town("一镇改"), at: "2026-01-02T00:00:00Z")
        store.publish(frozen)
        #expect(store.revision == 4)
        #expect(store.record(.towns, id: "town-03") != nil)
        #expect(store.record(.towns, id: "town-01")?[TownField.name] == .string("一镇"))
    }

    @Test func publishing_anOlderFrozenState_changesNothing() throws {
        let (store, _) = try Self.make()
        let (_, older) = store.freeze {}
        _ = try Self.writeThree(store)
        let (_, newer) = store.freeze {}
        store.publish(newer)
        let published = Reading(store)
        store.publish(older)
        #expect(Reading(store) == published)
        store.publish(newer)
        #expect(Reading(store) == published, "publishing the same state again changes nothing either")
    }

    @Test func aFrozenCopy_isUnaffectedByLaterWrites() throws {
        let (store, _) = try Self.make()
        let (_, frozen) = store.freeze {}
        let records = frozen.records
        let nextNumbers = frozen.nextNumbers
        _ = try Self.writeThree(store)
        try store.delete(.towns, id: "town-02", at: "2026-01-03T00:00:00Z")
        #expect(frozen.revision == 3)
        #expect(frozen.records.map(\.1) == records.map(\.1))
        #expect(frozen.records.map(\.0) == [.towns, .towns, .villages])
        #expect(frozen.nextNumbers == nextNumbers)
        #expect(frozen.nextNumbers[.towns] == 3)
        // And the head did not share its later writes with the copy readers were given.
        store.publish(frozen)
        #expect(store.revision == 3)
        #expect(store.all(.towns).map(\.id) == ["town-01", "town-02"])
    }

    @Test func freeze_runsItsBodyWhereTheLogReceivesChanges_soBothAgree() throws {
        let (store, log) = try Self.make()
        _ = try Self.writeThree(store)
        let (taken, frozen) = store.freeze { log.revisions }
        #expect(taken == [4, 5, 6])
        #expect(frozen.revision == taken.last)
    }

    @Test func committedRevision_isTheRevisionEachWriteProduced_andTheLogGetsOneChangeEach() throws {
        let (store, log) = try Self.make()
        let committed = try Self.writeThree(store)
        #expect(committed.map(\.revision) == [4, 5, 6])
        #expect(committed.allSatisfy { $0.changed })
        #expect(log.revisions == [4, 5, 6])
        let changes = log.all
        #expect(changes[0].puts.map(\.record.id) == ["town-03"])
        #expect(changes[1].puts.map(\.record.id) == ["town-01"])
        #expect(changes[2].removes.map(\.id) == ["village-001"])
    }

    @Test func aReplaceWithTheSameValues_changesNothing_andAppendsNoChange() throws {
        let (store, log) = try Self.make()
        let current = try #require(store.latest(.towns, id: "town-01"))
        let result = try store.replace(.towns, id: "town-01", values: current.values, at: "2026-01-09T00:00:00Z")
        #expect(!result.changed)
        #expect(result.revision == 3)
        #expect(result.value == current, "no new record revision, no new updatedAt")
        #expect(store.headRevision == 3)
        #expect(log.revisions.isEmpty)
    }
}
