import Glibc
import GridworkJournal
import GridworkStore
import TestSupport
import Testing

/// A snapshot that cannot be written costs only the attempt: the journal carries on. The files
/// are blocked by a directory where a temporary file must go, so that opening it for writing
/// fails (EISDIR).
struct CompactionFailureTests {
    @Test func aSnapshotThatCannotBeWritten_isNotAJournalFailure_andLaterWritesStayDurable() throws {
        let directory = TemporaryDirectory()
        #expect(mkdir(directory.file("snapshot.jsonl.tmp"), 0o755) == 0)
        let log = CapturedLog()
        var expected: (revision: Int, records: [(ResourceKind, Record)])?
        try withJournal(directory, logger: log.logger) { store, journal in
            try insertTowns(3, store, journal)
            // Two more, not waited for: some may still be queued when the compaction takes them.
            for index in 0..<2 {
                try store.insert(.towns, values: town("排队镇\(index)"), source: .api, at: "2026-01-01T00:00:00Z")
            }
            #expect(journal.requestCompaction())
            #expect(eventually(within: .seconds(10)) { log.contains("journal.compaction_failed") })
            #expect(
                log.messages.contains { $0.hasPrefix("journal.compaction_failed") && $0.contains("snapshot.jsonl.tmp") }
            )
            #expect(journal.failure == nil)
            #expect(!journal.counters.failed)
            #expect(journal.counters.compactions == 0)

            let later = try store.insert(.towns, values: town("后来的镇"), source: .api, at: "2026-01-02T00:00:00Z")
            #expect(waitDurable(journal, later.revision).map { $0 == nil } == true)
            #expect(store.revision == later.revision)
            #expect(store.record(.towns, id: later.value.id) == later.value)
            #expect(journal.counters.changes == 6, "every change went to the journal")
            expected = store.capture()
        }
        #expect(!log.contains("journal.failed"))
        #expect(directory.names == ["journal.log", "snapshot.jsonl.tmp"], "no snapshot, nothing left behind")
        let loaded = try load(directory)
        #expect(loaded.snapshotRevision == nil)
        #expect(loaded.replayed == 6)
        #expect(loaded.store.capture().records.map(\.1) == expected?.records.map(\.1))
    }

    @Test func aSnapshotThatCannotBeWritten_leavesLaterCompactionsPossible() throws {
        let directory = TemporaryDirectory()
        #expect(mkdir(directory.file("snapshot.jsonl.tmp"), 0o755) == 0)
        let log = CapturedLog()
        try withJournal(directory, logger: log.logger) { store, journal in
            try insertTowns(2, store, journal)
            #expect(journal.requestCompaction())
            #expect(eventually(within: .seconds(10)) { log.contains("journal.compaction_failed") })
            #expect(rmdir(directory.file("snapshot.jsonl.tmp")) == 0)
            #expect(journal.requestCompaction())
            #expect(eventually(within: .seconds(10)) { journal.counters.compactions == 1 })
            #expect(directory.bytes("journal.log") == JournalText.header(epoch: store.epoch))
        }
        let loaded = try load(directory)
        #expect(loaded.snapshotRevision == 3)
        #expect(loaded.store.revision == 3)
    }

    @Test func offlineCompaction_whenTheSnapshotCannotBeWritten_throws_andLeavesTheDirectoryAsItWas() throws {
        let directory = TemporaryDirectory()
        try withJournal(directory) { store, journal in try insertTowns(2, store, journal) }
        try compactOffline(directory)
        try withJournal(directory) { store, journal in try insertTowns(2, named: "后来的镇", store, journal) }
        let snapshot = directory.bytes("snapshot.jsonl")
        let journal = directory.bytes("journal.log")
        let before = try load(directory).store.capture()
        #expect(mkdir(directory.file("snapshot.jsonl.tmp"), 0o755) == 0)

        let error = #expect(throws: JournalError.self) { try compactOffline(directory) }
        #expect(error?.description.contains("snapshot.jsonl.tmp") == true)
        // `history` holds the journal the first compaction retired.
        #expect(directory.names == ["history", "journal.log", "snapshot.jsonl", "snapshot.jsonl.tmp"])
        #expect(directory.bytes("snapshot.jsonl") == snapshot)
        #expect(directory.bytes("journal.log") == journal)
        let after = try load(directory).store.capture()
        #expect(after.revision == before.revision)
        #expect(after.records.map(\.1) == before.records.map(\.1))
    }

    @Test func offlineCompaction_whenTheJournalCannotBeRestarted_throws_andTheDirectoryLoadsAsBefore() throws {
        let directory = TemporaryDirectory()
        try withJournal(directory) { store, journal in try insertTowns(2, store, journal) }
        let journal = directory.bytes("journal.log")
        let before = try load(directory)
        #expect(mkdir(directory.file("journal.log.tmp"), 0o755) == 0)

        let error = #expect(throws: JournalError.self) { try compactOffline(directory) }
        #expect(error?.description.contains("journal.log.tmp") == true)
        #expect(directory.bytes("journal.log") == journal)
        #expect(!directory.names.contains("snapshot.jsonl.tmp"))
        // The snapshot may be in place; the journal's lines it holds come first and are skipped.
        let after = try load(directory)
        #expect(after.store.epoch == before.store.epoch)
        #expect(after.store.capture().revision == before.store.capture().revision)
        #expect(after.store.capture().records.map(\.1) == before.store.capture().records.map(\.1))
    }

    @Test func aJournalThatCannotBeRestartedAfterItsSnapshot_fails_andReloadsToTheDurableState() throws {
        let directory = TemporaryDirectory()
        #expect(mkdir(directory.file("journal.log.tmp"), 0o755) == 0)
        var durable: (revision: Int, records: [(ResourceKind, Record)])?
        try withJournal(directory) { store, journal in
            try insertTowns(2, store, journal)
            durable = store.capture()
            #expect(journal.requestCompaction())
            #expect(eventually(within: .seconds(10)) { journal.failure != nil })
            #expect(journal.failure?.contains("could not be restarted") == true)
            #expect(journal.counters.compactions == 0)
            let refused = try store.insert(.towns, values: town("拒绝镇"), source: .api, at: "2026-01-02T00:00:00Z")
            #expect(waitDurable(journal, refused.revision)?.map { !$0.isEmpty } == true)
            #expect(store.revision == durable?.revision)
        }
        let loaded = try load(directory)
        #expect(loaded.store.revision == durable?.revision)
        #expect(loaded.store.capture().records.map(\.1) == durable?.records.map(\.1))
    }
}
