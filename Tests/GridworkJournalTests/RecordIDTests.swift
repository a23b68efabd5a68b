import GridworkJournal
import GridworkStore
import TestSupport
import Testing

/// An id, once handed out, names one record forever: one deleted before a snapshot is not given
/// to a new record after the snapshot is loaded.
struct RecordIDTests {
    enum Compaction: CaseIterable {
        /// `requestCompaction()` on the running journal.
        case online
        /// `DataDirectory.compact` once the journal is closed.
        case offline
    }

    @Test(arguments: Compaction.allCases)
    func aDeletedHighestID_isNotReused_afterCompactionAndReload(_ compaction: Compaction) throws {
        let directory = TemporaryDirectory()
        var made: [Record] = []
        try withJournal(directory) { store, journal in
            made = try insertTowns(3, store, journal)
            try store.delete(.towns, id: made[2].id, at: "2026-01-02T00:00:00Z")
            #expect(waitDurable(journal, store.headRevision).map { $0 == nil } == true)
            if compaction == .online {
                #expect(journal.requestCompaction())
                #expect(eventually(within: .seconds(10)) { journal.counters.compactions == 1 })
            }
        }
        if compaction == .offline { try compactOffline(directory) }
        #expect(made.map(\.id) == ["town-01", "town-02", "town-03"])
        let loaded = try load(directory)
        #expect(loaded.snapshotRevision == 5)
        #expect(loaded.replayed == 0, "the deleted town is in no file")
        #expect(loaded.store.record(.towns, id: made[2].id) == nil)
        let next = try loaded.store.insert(.towns, values: town("新镇"), source: .api, at: "2026-01-03T00:00:00Z")
        #expect(next.value.id == "town-04")
    }

    @Test func aDeletedHighestID_isNotReused_afterReplayingItsDeletion() throws {
        let directory = TemporaryDirectory()
        try withJournal(directory) { store, journal in
            let made = try insertTowns(2, store, journal)
            try store.delete(.towns, id: made[1].id, at: "2026-01-02T00:00:00Z")
            #expect(waitDurable(journal, store.headRevision).map { $0 == nil } == true)
        }
        let loaded = try load(directory)
        let next = try loaded.store.insert(.towns, values: town("新镇"), source: .api, at: "2026-01-03T00:00:00Z")
        #expect(next.value.id == "town-03")
    }
}
