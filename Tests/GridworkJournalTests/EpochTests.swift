import GridworkJournal
import GridworkStore
import TestSupport
import Testing

/// A data directory's epoch names its history: it lives in the journal's header, survives
/// restarts and compaction, and is new for every new history.
struct EpochTests {
    @Test func twoLoadsOfOneDirectory_giveTheSameEpoch_theOneItsHeaderNames() throws {
        let directory = TemporaryDirectory()
        var epoch = ""
        try withJournal(directory) { store, journal in
            epoch = store.epoch
            try insertTowns(1, store, journal)
        }
        #expect(Epoch.isValid(epoch))
        #expect(JournalText(directory.bytes("journal.log")).lines.first == JournalText.header(epoch: epoch))
        let first = try load(directory)
        let second = try load(directory)
        #expect(first.hasHeader && second.hasHeader)
        #expect(first.store.epoch == epoch)
        #expect(second.store.epoch == epoch)
        #expect(second.store.stats().epoch == epoch)
    }

    @Test func aNewDirectory_getsANewEpochEachTime() throws {
        var epochs: [String] = []
        for _ in 0..<3 {
            let directory = TemporaryDirectory()
            try withJournal(directory) { store, _ in epochs.append(store.epoch) }
            #expect(directory.bytes("journal.log") == JournalText.header(epoch: epochs.last!))
        }
        #expect(Set(epochs).count == 3)
        #expect(epochs.allSatisfy(Epoch.isValid))
        // Until a journal records one, each load of an empty directory is a history of its own.
        let empty = TemporaryDirectory()
        let first = try load(empty)
        let second = try load(empty)
        #expect(!first.hasHeader)
        #expect(first.store.epoch != second.store.epoch)
    }

    @Test func aJournalWithoutAHeader_isMigrated_byASnapshotAndAFreshJournal() throws {
        let directory = TemporaryDirectory()
        var expected: (revision: Int, records: [(ResourceKind, Record)])?
        try withJournal(directory) { store, journal in
            try insertTowns(3, store, journal)
            expected = store.capture()
        }
        // The journal as it was written before headers: its changes alone.
        var text = JournalText(directory.bytes("journal.log"))
        text.lines.removeFirst()
        directory.write("journal.log", text.bytes)

        let log = CapturedLog()
        let data = try DataDirectory(directory.path)
        let loaded = try data.load(seed: { smallSeed }, logger: log.logger)
        #expect(!loaded.hasHeader)
        #expect(loaded.replayed == 3)
        let journal = try Journal(
            directory: data, store: loaded.store, loaded: loaded, compactAfterBytes: 1 << 30, annotations: { [] },
            logger: log.logger)
        var epoch = ""
        do {
            defer { journal.close() }
            epoch = loaded.store.epoch
            #expect(log.contains("journal.migrated"))
            #expect(directory.exists("snapshot.jsonl"))
            #expect(directory.bytes("journal.log") == JournalText.header(epoch: epoch))
            #expect(journal.counters.bytes == JournalText.header(epoch: epoch).count)
            let made = try loaded.store.insert(
                .towns, values: town("迁移后的镇"), source: .api, at: "2026-01-02T00:00:00Z")
            #expect(waitDurable(journal, made.revision).map { $0 == nil } == true)
        }
        let snapshot = JournalText(directory.bytes("snapshot.jsonl"))
        #expect(snapshot.body(0).contains(#""revision":4,"epoch":"\#(epoch)""#))

        let reloaded = try load(directory)
        #expect(reloaded.hasHeader)
        #expect(reloaded.store.epoch == epoch)
        #expect(reloaded.snapshotRevision == expected?.revision)
        #expect(reloaded.replayed == 1)
        let records = reloaded.store.capture().records.map(\.1)
        #expect(records.filter { $0.values != town("迁移后的镇") } == expected?.records.map(\.1))
    }

    @Test func compaction_keepsTheEpoch_onlineAndOffline() throws {
        let directory = TemporaryDirectory()
        var epoch = ""
        try withJournal(directory) { store, journal in
            epoch = store.epoch
            try insertTowns(2, store, journal)
            #expect(journal.requestCompaction())
            #expect(eventually(within: .seconds(10)) { journal.counters.compactions == 1 })
        }
        #expect(directory.bytes("journal.log") == JournalText.header(epoch: epoch))
        #expect(JournalText(directory.bytes("snapshot.jsonl")).body(0).contains(#""epoch":"\#(epoch)""#))
        #expect(try load(directory).store.epoch == epoch)

        try withJournal(directory) { store, journal in try insertTowns(1, named: "又一", store, journal) }
        try compactOffline(directory)
        #expect(directory.bytes("journal.log") == JournalText.header(epoch: epoch))
        #expect(JournalText(directory.bytes("snapshot.jsonl")).body(0).contains(#""epoch":"\#(epoch)""#))
        #expect(try load(directory).store.epoch == epoch)
    }
}
