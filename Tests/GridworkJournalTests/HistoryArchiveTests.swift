import Glibc
import GridworkJournal
import GridworkStore
import JSON
import TestSupport
import Testing

/// The store's history with a data directory: only durable changes join it, and it survives
/// restarts and compactions (the journals compactions retire are kept in `history/` and read
/// back on load), within the budget, one epoch at a time.
struct HistoryArchiveTests {
    /// What a reader of the history can tell about a change.
    struct Seen: Equatable, CustomStringConvertible {
        var seq: Int
        var by: String
        var puts: [Record]
        var removes: [String]
        var before: [Record]

        init(_ change: Change) {
            seq = change.revision
            by = change.by
            puts = change.puts.map(\.record)
            removes = change.removes.map(\.id)
            before = change.before.map(\.record).sorted { $0.id < $1.id }
        }

        var description: String { "#\(seq) by \(by): puts \(puts.map(\.id)) removes \(removes)" }
    }

    static func everything(_ store: Store) -> [Seen] {
        store.history.changes(after: 0, limit: .max).changes.map(Seen.init)
    }

    /// A rename, a visit-less cascade delete and a few towns, by `principal`, made durable.
    static func writes(_ store: Store, _ journal: Journal, by principal: String) throws {
        let made = try insertTowns(3, named: principal, store, journal)
        try store.replace(
            .towns, id: made[0].id, values: town("\(principal)改名"), at: "2026-02-01T00:00:00Z", by: principal)
        try store.delete(.towns, id: made[1].id, cascade: true, at: "2026-02-02T00:00:00Z", by: principal)
        #expect(waitDurable(journal, store.headRevision).map { $0 == nil } == true)
    }

    @Test func theHistory_survivesRestarts_andCompactions_onlineAndOffline() throws {
        let directory = TemporaryDirectory()
        var seen: [Seen] = []
        try withJournal(directory) { store, journal in
            try Self.writes(store, journal, by: "li")
            #expect(journal.requestCompaction())
            #expect(eventually(within: .seconds(10)) { journal.counters.compactions == 1 })
            try Self.writes(store, journal, by: "wang")
            seen = Self.everything(store)
        }
        #expect(seen.map(\.seq) == Array(2...11))
        try compactOffline(directory)
        try withJournal(directory) { store, journal in
            #expect(Self.everything(store) == seen, "after an online and an offline compaction")
            try Self.writes(store, journal, by: "zhao")
            seen = Self.everything(store)
        }
        let loaded = try load(directory)
        #expect(loaded.snapshotRevision == 11)
        #expect(loaded.archivedChanges == 10)
        #expect(Self.everything(loaded.store) == seen)
        #expect(seen.map(\.seq) == Array(2...16))
        let window = loaded.store.history.window
        #expect(window.start == 1 && window.floor == 1, "from the seed on")
        #expect(!window.dropped(after: 0))
        let renamed = try #require(seen.first { $0.by == "wang" && !$0.before.isEmpty && $0.removes.isEmpty })
        #expect(renamed.before.map { $0[TownField.name].string } == ["wang0"], "the image from before the rename")
        #expect(directory.names.contains("history"))
    }

    @Test func theArchive_isReadBack_withinTheBudget_andTheWindowSaysWhatWasDropped() throws {
        let directory = TemporaryDirectory()
        try withJournal(directory) { store, journal in
            for round in 0..<4 {
                try insertTowns(25, named: "第\(round)轮", store, journal)
                #expect(journal.requestCompaction())
                #expect(eventually(within: .seconds(10)) { journal.counters.compactions == round + 1 })
            }
        }
        let loaded = try DataDirectory(directory.path).load(
            seed: { smallSeed }, logger: silentLogger, historyBudget: 16 * 1024)
        let window = loaded.store.history.window
        #expect(window.last == 101)
        #expect(window.floor > 1 && window.dropped(after: 0))
        #expect(loaded.store.history.statistics.bytes <= 16 * 1024)
        #expect(
            loaded.store.history.changes(after: 0, limit: .max).changes.map(\.revision) == Array(window.earliest...101))
    }

    @Test func aChangeThatNeverBecameDurable_neverJoinsTheHistory() throws {
        try withFullDisk { store, journal in
            let made = try store.insert(.towns, values: town("满盘镇"), source: .api, at: "2026-01-01T00:00:00Z")
            #expect(waitDurable(journal, made.revision)??.contains("No space left on device") == true)
            #expect(store.history.window.last == 1)
            #expect(store.history.changes(of: .towns, id: made.value.id).changes.isEmpty)
        }
    }

    @Test func aReset_beginsTheHistoryOfItsEpoch_andTheOldJournalStaysArchived() throws {
        let directory = TemporaryDirectory()
        let epoch = Epoch.make()
        var oldEpoch = ""
        var resetRevision = 0
        try withJournal(directory) { store, journal in
            oldEpoch = store.epoch
            try insertTowns(2, store, journal)
            resetRevision = try #require(JournalResetTests.reset(journal, to: smallSeed, epoch: epoch)).get()
            #expect(
                store.history.window
                    == .init(epoch: epoch, start: resetRevision, floor: resetRevision, last: resetRevision))
            try insertTowns(1, named: "新", store, journal)
        }
        let loaded = try load(directory)
        #expect(
            loaded.store.history.window
                == .init(epoch: epoch, start: resetRevision, floor: resetRevision, last: resetRevision + 1))
        #expect(!loaded.store.history.window.dropped(after: 0), "the epoch's history is whole")
        // Named after the snapshot that retired it: the reset's.
        let archived =
            "history/\(oldEpoch)-\(String(repeating: "0", count: 12 - String(resetRevision).count))\(resetRevision).log"
        #expect(JournalText(directory.bytes(archived)).lines.count == 3, "the old epoch's header and two changes")
    }

    @Test func aDamagedArchive_isLogged_andTheHistoryBeginsAfterTheDamage() throws {
        let directory = TemporaryDirectory()
        var epoch = ""
        try withJournal(directory) { store, journal in
            epoch = store.epoch
            try insertTowns(4, store, journal)
        }
        try compactOffline(directory)
        let name = "history/\(epoch)-000000000005.log"
        var text = JournalText(directory.bytes(name))
        #expect(text.lines.count == 5)
        // Break seq 3's checksum. The archive is a link to the retired journal: write a copy.
        text.lines[2][20] ^= 0x01
        #expect(unlink(directory.file(name)) == 0)
        directory.write(name, text.bytes)
        let log = CapturedLog()
        let loaded = try load(directory, logger: log.logger)
        #expect(log.contains("history.archive_damaged"))
        #expect(loaded.store.history.window.floor == 3)
        #expect(loaded.store.history.changes(after: 0, limit: 10).changes.map(\.revision) == [4, 5])
    }

    @Test func journalLines_carryTheImagesTheyReplaced_onlyForUpdatesAndRemovals() throws {
        let directory = TemporaryDirectory()
        try withJournal(directory) { store, journal in
            let made = try insertTowns(2, store, journal)
            try store.replace(.towns, id: made[0].id, values: town("改名"), at: "2026-02-01T00:00:00Z")
            try store.delete(.towns, id: made[1].id, at: "2026-02-01T00:00:00Z")
            #expect(waitDurable(journal, store.headRevision).map { $0 == nil } == true)
        }
        let text = JournalText(directory.bytes("journal.log"))
        let bodies = (1..<text.lines.count).map { text.body($0) }
        #expect(bodies.map { $0.contains(#""before":"#) } == [false, false, true, true])
        let rename = try JSONParser.parse(Array(bodies[2].utf8) + [UInt8(ascii: "}")])
        #expect(rename["before"]?[0]?["record"]?["name"] == .string("镇0"))
    }
}

extension JSONValue {
    fileprivate subscript(index: Int) -> JSONValue? {
        guard case .array(let elements) = self, elements.indices.contains(index) else { return nil }
        return elements[index]
    }
}
