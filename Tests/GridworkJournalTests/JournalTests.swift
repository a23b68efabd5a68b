import Dispatch
import Glibc
import GridworkJournal
import GridworkStore
import Synchronization
import TestSupport
import Testing

struct JournalReplayTests {
    @Test func replay_rebuildsEveryWrite_insertReplaceCascadeDelete() throws {
        let directory = TemporaryDirectory()
        var expected: (revision: Int, records: [(ResourceKind, Record)])?
        try withJournal(directory) { store, journal in
            let made = try store.insert(.towns, values: town("新镇"), source: .api, at: "2026-01-01T00:00:00Z").value
            try store.replace(.towns, id: made.id, values: town("新镇二"), at: "2026-01-02T00:00:00Z")
            let village = try #require(store.all(.villages).first)
            try store.delete(.villages, id: village.id, cascade: true, at: "2026-01-03T00:00:00Z")
            let outcome = waitDurable(journal, store.headRevision)
            #expect(outcome != nil && outcome! == nil, "durable, without a failure")
            expected = store.capture()
        }
        let loaded = try load(directory)
        let again = loaded.store.capture()
        #expect(loaded.replayed == 3)
        #expect(again.revision == expected?.revision)
        #expect(again.records.map(\.1) == expected?.records.map(\.1))
    }

    @Test func aTornLastLine_isCutAway_andLogged_andTheRestReplays() throws {
        let directory = TemporaryDirectory()
        try withJournal(directory) { store, journal in
            for index in 0..<3 {
                try store.insert(.towns, values: town("镇\(index)"), source: .api, at: "2026-01-01T00:00:00Z")
            }
            _ = waitDurable(journal, store.headRevision)
        }
        let whole = directory.bytes("journal.log")
        let torn = Array(#"{"seq":5,"puts":[{"kind":"towns","rec"#.utf8)
        directory.write("journal.log", torn, append: true)
        let log = CapturedLog()
        let loaded = try load(directory, logger: log.logger)
        #expect(loaded.replayed == 3)
        #expect(loaded.store.revision == 4)
        #expect(loaded.truncatedBytes == torn.count)
        #expect(directory.bytes("journal.log") == whole)
        #expect(log.messages.contains { $0.hasPrefix("journal.tail_truncated") && $0.contains("offset") })
    }

    @Test func aLastLineWithABadChecksum_isCutAway() throws {
        let directory = TemporaryDirectory()
        try withJournal(directory) { store, journal in
            for index in 0..<2 {
                try store.insert(.towns, values: town("镇\(index)"), source: .api, at: "2026-01-01T00:00:00Z")
            }
            _ = waitDurable(journal, store.headRevision)
        }
        var bytes = directory.bytes("journal.log")
        let lastLineStart = bytes.dropLast().lastIndex(of: UInt8(ascii: "\n"))! + 1
        bytes[lastLineStart + 30] ^= 0x01
        directory.write("journal.log", bytes)
        let loaded = try load(directory)
        #expect(loaded.replayed == 1)
        #expect(loaded.truncatedBytes == bytes.count - lastLineStart)
        #expect(directory.bytes("journal.log").count == lastLineStart)
    }

    @Test func damageWithIntactLinesAfterIt_stopsTheStart_namingTheOffset() throws {
        let directory = TemporaryDirectory()
        try withJournal(directory) { store, journal in
            for index in 0..<3 {
                try store.insert(.towns, values: town("镇\(index)"), source: .api, at: "2026-01-01T00:00:00Z")
            }
            _ = waitDurable(journal, store.headRevision)
        }
        var bytes = directory.bytes("journal.log")
        // Line 0 is the header; line 1 the first change, with two intact changes after it.
        let firstChange = JournalText(bytes).offset(ofLine: 1)
        bytes[firstChange + 12] ^= 0x01
        directory.write("journal.log", bytes)
        let error = #expect(throws: JournalError.self) { try load(directory) }
        #expect(error?.description.contains("damaged at byte \(firstChange)") == true)
        #expect(directory.bytes("journal.log") == bytes, "nothing is cut when the damage is not a tail")
    }

    @Test func aGapInTheSequence_stopsTheStart_namingTheOffset_andLeavesTheFileAlone() throws {
        let directory = TemporaryDirectory()
        try withJournal(directory) { store, journal in try insertTowns(3, store, journal) }
        // header, seq 2, seq 3, seq 4: without seq 3, seq 4 follows seq 2.
        var text = JournalText(directory.bytes("journal.log"))
        #expect(text.lines.count == 4)
        text.lines.remove(at: 2)
        directory.write("journal.log", text.bytes)
        let error = #expect(throws: JournalError.self) { try load(directory) }
        #expect(error?.description.contains("has seq 4 after seq 2 at byte \(text.offset(ofLine: 2))") == true)
        #expect(directory.bytes("journal.log") == text.bytes)
    }

    @Test func withoutAJournal_theSeedLoads_atRevision1() throws {
        let directory = TemporaryDirectory()
        let loaded = try load(directory)
        #expect(loaded.store.revision == 1)
        #expect(loaded.replayed == 0)
        #expect(loaded.snapshotRevision == nil)
        #expect(!loaded.hasHeader)
        #expect(loaded.journalBytes == 0)
    }
}

struct JournalCompactionTests {
    @Test func compaction_writesASnapshot_restartsTheJournal_andLaterWritesStillReplay() throws {
        let directory = TemporaryDirectory()
        var expected: [Record] = []
        try withJournal(directory) { store, journal in
            for index in 0..<5 {
                try store.insert(.towns, values: town("镇\(index)"), source: .api, at: "2026-01-01T00:00:00Z")
            }
            #expect(journal.requestCompaction())
            #expect(eventually(within: .seconds(10)) { journal.counters.compactions == 1 })
            let header = JournalText.header(epoch: store.epoch)
            #expect(directory.bytes("journal.log") == header, "the journal holds exactly its header, naming the epoch")
            #expect(journal.counters.bytes == header.count)
            try store.insert(.towns, values: town("后来的镇"), source: .api, at: "2026-01-02T00:00:00Z")
            _ = waitDurable(journal, store.headRevision)
            expected = store.capture().records.map(\.1)
        }
        let loaded = try load(directory)
        #expect(loaded.snapshotRevision == 6)
        #expect(loaded.replayed == 1)
        #expect(loaded.store.revision == 7)
        #expect(loaded.store.capture().records.map(\.1) == expected)
    }

    @Test func aJournalPastItsLimit_compactsByItself() throws {
        let directory = TemporaryDirectory()
        try withJournal(directory, compactAfterBytes: 2_000) { store, journal in
            for index in 0..<20 {
                try store.insert(.towns, values: town("镇\(index)"), source: .api, at: "2026-01-01T00:00:00Z")
            }
            _ = waitDurable(journal, store.headRevision)
            #expect(eventually(within: .seconds(10)) { journal.counters.compactions >= 1 })
        }
        let loaded = try load(directory)
        #expect(loaded.snapshotRevision != nil)
        #expect(loaded.store.revision == 21)
    }

    @Test func offlineCompaction_keepsEverything() throws {
        let directory = TemporaryDirectory()
        try withJournal(directory) { store, journal in
            try store.insert(.towns, values: town("离线镇"), source: .api, at: "2026-01-01T00:00:00Z")
            _ = waitDurable(journal, store.headRevision)
        }
        let loadedBefore = try load(directory)
        let before = loadedBefore.store.capture()
        let journalBefore = directory.bytes("journal.log")
        let result = try compactOffline(directory)
        #expect(result.revision == 2)
        let header = JournalText.header(epoch: loadedBefore.store.epoch)
        #expect(directory.bytes("journal.log") == header, "the journal holds exactly its header, naming the epoch")
        #expect(result.journalBytesBefore == journalBefore.count)
        #expect(result.journalBytesAfter == header.count)
        #expect(result.snapshotBytes == directory.bytes("snapshot.jsonl").count)
        #expect(directory.names == ["history", "journal.log", "snapshot.jsonl"], "no temporary file is left behind")
        let archived = "history/\(loadedBefore.store.epoch)-000000000002.log"
        #expect(directory.bytes(archived) == journalBefore, "the old journal is archived as it was")
        let loadedAfter = try load(directory)
        let after = loadedAfter.store.capture()
        #expect(loadedAfter.snapshotRevision == 2)
        #expect(loadedAfter.replayed == 0)
        #expect(loadedAfter.store.epoch == loadedBefore.store.epoch)
        #expect(after.revision == before.revision)
        #expect(after.records.map(\.1) == before.records.map(\.1))
    }

    @Test func aDamagedSnapshot_stopsTheStart() throws {
        let directory = TemporaryDirectory()
        try compactOffline(directory)
        var bytes = directory.bytes("snapshot.jsonl")
        bytes[bytes.count / 2] ^= 0x01
        directory.write("snapshot.jsonl", bytes)
        let error = #expect(throws: JournalError.self) { try load(directory) }
        #expect(error?.description.contains("Snapshot") == true)
    }
}

struct JournalGateTests {
    @Test func waiters_areToldOnlyOnceTheirRevisionIsDurable_andGroupCommitCoversConcurrentWriters() throws {
        let directory = TemporaryDirectory()
        try withJournal(directory) { store, journal in
            let writers = 8
            let perWriter = 50
            let opened = Atomic<Int>(0)
            DispatchQueue.concurrentPerform(iterations: writers) { writer in
                for index in 0..<perWriter {
                    guard
                        let revision = try? store.insert(
                            .towns, values: town("镇\(writer)-\(index)"), source: .api, at: "2026-01-01T00:00:00Z"
                        ).revision
                    else { continue }
                    let done = Atomic<Bool>(false)
                    journal.whenDurable(revision) { failure in
                        if failure == nil, journal.counters.durableRevision >= revision {
                            opened.add(1, ordering: .relaxed)
                        }
                        done.store(true, ordering: .releasing)
                    }
                    _ = eventually(within: .seconds(10)) { done.load(ordering: .acquiring) }
                }
            }
            #expect(opened.load(ordering: .relaxed) == writers * perWriter)
            let counters = journal.counters
            #expect(counters.changes == writers * perWriter)
        }
        #expect(try load(directory).replayed == 400)
    }
}
