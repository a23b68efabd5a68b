import GridworkJournal
import GridworkStore
import Testing

/// Replay applies a journal only as the API could have written it: every line the next
/// revision, every record it puts consistent with the rest, every record it removes present and
/// no longer referred to. Anything else stops the start, names the byte and changes no file.
/// The lines below are real ones, rearranged or edited and sealed again with a good checksum.
struct StrictReplayTests {
    /// Loading must fail with a message containing every one of `fragments`, and leave the
    /// journal exactly as it was.
    private func expectRefusal(
        _ directory: TemporaryDirectory, _ fragments: [String], sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let before = directory.bytes("journal.log")
        let error = #expect(throws: JournalError.self, sourceLocation: sourceLocation) { try load(directory) }
        let message = error?.description ?? ""
        for fragment in fragments {
            #expect(message.contains(fragment), "\(message)", sourceLocation: sourceLocation)
        }
        #expect(!message.contains("damaged"), "the lines' checksums hold", sourceLocation: sourceLocation)
        #expect(directory.bytes("journal.log") == before, "the file is unchanged", sourceLocation: sourceLocation)
    }

    @Test func everyLineTheJournalWrites_carriesTheCRC32OfItsBody() throws {
        let directory = TemporaryDirectory()
        var epoch = ""
        try withJournal(directory) { store, journal in
            epoch = store.epoch
            try insertTowns(2, store, journal)
        }
        let text = JournalText(directory.bytes("journal.log"))
        #expect(text.lines.count == 3)
        #expect(text.lines.first == JournalText.header(epoch: epoch))
        for index in text.lines.indices {
            #expect(JournalText.sealed(text.body(index)) == text.lines[index])
        }
    }

    @Test func aStaleLineBetweenLaterOnes_stopsTheStart_namingItsOffset() throws {
        let directory = TemporaryDirectory()
        try withJournal(directory) { store, journal in try insertTowns(3, store, journal) }
        // header, seq 2, seq 3, seq 4 → header, seq 2, seq 3, (seq 2 again, edited), seq 4.
        var text = JournalText(directory.bytes("journal.log"))
        #expect(text.lines.count == 4)
        text.lines.insert(try text.resealed(1, replacing: "镇0", with: "旧镇"), at: 3)
        directory.write("journal.log", text.bytes)
        expectRefusal(directory, ["has seq 2 after seq 3 at byte \(text.offset(ofLine: 3))"])
    }

    @Test func aRepeatedLine_stopsTheStart_namingItsOffset() throws {
        let directory = TemporaryDirectory()
        try withJournal(directory) { store, journal in try insertTowns(3, store, journal) }
        var text = JournalText(directory.bytes("journal.log"))
        text.lines.insert(text.lines[2], at: 3)
        directory.write("journal.log", text.bytes)
        expectRefusal(directory, ["has seq 3 after seq 3 at byte \(text.offset(ofLine: 3))"])
    }

    @Test func swappedLines_stopTheStart_namingTheFirstOutOfPlace() throws {
        let directory = TemporaryDirectory()
        try withJournal(directory) { store, journal in try insertTowns(3, store, journal) }
        var text = JournalText(directory.bytes("journal.log"))
        text.lines.swapAt(2, 3)
        directory.write("journal.log", text.bytes)
        expectRefusal(directory, ["has seq 4 after seq 2 at byte \(text.offset(ofLine: 2))"])
    }

    @Test func aFirstLineBeyondTheNextRevision_cannotBeReplayed() throws {
        let directory = TemporaryDirectory()
        try withJournal(directory) { store, journal in try insertTowns(3, store, journal) }
        var text = JournalText(directory.bytes("journal.log"))
        text.lines.remove(at: 1)
        directory.write("journal.log", text.bytes)
        expectRefusal(
            directory,
            ["cannot be replayed at byte \(text.offset(ofLine: 1)) (seq 3)", "the next revision is 2"])
    }

    @Test func aPutNamingAMissingTown_cannotBeReplayed() throws {
        let directory = TemporaryDirectory()
        var townId = ""
        try withJournal(directory) { store, journal in
            var village = try #require(store.all(.villages).first)
            townId = try #require(village[VillageField.townId].string)
            village[VillageField.name] = .string("改名村")
            try store.replace(.villages, id: village.id, values: village.values, at: "2026-01-02T00:00:00Z")
            try insertTowns(1, store, journal)
        }
        // seq 2 now moves the village to a town that does not exist.
        var text = JournalText(directory.bytes("journal.log"))
        text.lines[1] = try text.resealed(
            1, replacing: #""townId":"\#(townId)""#, with: #""townId":"town-99""#)
        directory.write("journal.log", text.bytes)
        expectRefusal(
            directory,
            ["cannot be replayed at byte \(text.offset(ofLine: 1)) (seq 2)", "breaks a rule", "`town-99`"])
    }

    @Test func aPutBreakingADomainRule_cannotBeReplayed() throws {
        let directory = TemporaryDirectory()
        try withJournal(directory) { store, journal in
            var grid = try #require(store.all(.grids).first { $0[GridField.level].string == "unit" })
            grid[GridField.name] = .string("改名网格")
            try store.replace(.grids, id: grid.id, values: grid.values, at: "2026-01-02T00:00:00Z")
            #expect(waitDurable(journal, store.headRevision).map { $0 == nil } == true)
        }
        // A unit grid without its village: a write is refused that, so replay refuses it too.
        var text = JournalText(directory.bytes("journal.log"))
        let body = text.body(1)
        let village = try #require(body.firstRange(of: #""villageId":"village-"#))
        let valueEnd = try #require(body[village.upperBound...].firstIndex(of: "\""))
        let field = String(body[village.lowerBound...valueEnd])
        text.lines[1] = try text.resealed(1, replacing: field, with: #""villageId":null"#)
        directory.write("journal.log", text.bytes)
        expectRefusal(directory, ["cannot be replayed at byte \(text.offset(ofLine: 1)) (seq 2)", "/villageId"])
    }

    @Test func aRemoveOfATownVillagesStillReferTo_cannotBeReplayed() throws {
        let directory = TemporaryDirectory()
        var made = ""
        var referred = ""
        try withJournal(directory) { store, journal in
            referred = try #require(store.all(.villages).first?[VillageField.townId].string)
            made = try insertTowns(1, store, journal)[0].id
            try store.delete(.towns, id: made, at: "2026-01-02T00:00:00Z")
            #expect(waitDurable(journal, store.headRevision).map { $0 == nil } == true)
        }
        // seq 3 removed the new town; now it removes one that villages belong to.
        var text = JournalText(directory.bytes("journal.log"))
        #expect(text.lines.count == 3)
        text.lines[2] = try text.resealed(
            2, replacing: #"{"kind":"towns","id":"\#(made)"}"#, with: #"{"kind":"towns","id":"\#(referred)"}"#)
        directory.write("journal.log", text.bytes)
        expectRefusal(
            directory,
            [
                "cannot be replayed at byte \(text.offset(ofLine: 2)) (seq 3)", "it removes town `\(referred)`",
                "still refer to it",
            ])
    }

    @Test func aRemoveOfAMissingRecord_cannotBeReplayed() throws {
        let directory = TemporaryDirectory()
        var made = ""
        try withJournal(directory) { store, journal in
            made = try insertTowns(1, store, journal)[0].id
            try store.delete(.towns, id: made, at: "2026-01-02T00:00:00Z")
            #expect(waitDurable(journal, store.headRevision).map { $0 == nil } == true)
        }
        // The remove again, as seq 4.
        var text = JournalText(directory.bytes("journal.log"))
        text.lines.append(try text.resealed(2, replacing: #"{"seq":3,"#, with: #"{"seq":4,"#))
        directory.write("journal.log", text.bytes)
        expectRefusal(
            directory,
            ["cannot be replayed at byte \(text.offset(ofLine: 3)) (seq 4)", "`\(made)`, which does not exist"])
    }

    /// A journal as a crash between writing a snapshot at revision 3 and restarting the journal
    /// leaves it (lines 2 and 3, which the snapshot holds), with lines 4 and 5 after them.
    private func journalOverlappingItsSnapshot() throws -> (
        directory: TemporaryDirectory, text: JournalText, expected: (revision: Int, records: [(ResourceKind, Record)])
    ) {
        let directory = TemporaryDirectory()
        try withJournal(directory) { store, journal in try insertTowns(2, store, journal) }
        let early = JournalText(directory.bytes("journal.log"))
        #expect(try compactOffline(directory).revision == 3)
        var expected: (revision: Int, records: [(ResourceKind, Record)])?
        try withJournal(directory) { store, journal in
            try insertTowns(2, named: "后来的镇", store, journal)
            expected = store.capture()
        }
        let late = JournalText(directory.bytes("journal.log"))
        #expect(early.lines[0] == late.lines[0], "compaction kept the epoch")
        let text = JournalText(lines: early.lines + late.lines.dropFirst())
        directory.write("journal.log", text.bytes)
        return (directory, text, try #require(expected))
    }

    @Test func linesTheSnapshotHolds_atTheStart_areSkipped() throws {
        let (directory, text, expected) = try journalOverlappingItsSnapshot()
        #expect(text.lines.count == 5)
        let loaded = try load(directory)
        #expect(loaded.snapshotRevision == 3)
        #expect(loaded.replayed == 2)
        #expect(loaded.truncatedBytes == 0)
        #expect(loaded.store.revision == 5)
        #expect(loaded.store.capture().records.map(\.1) == expected.records.map(\.1))
        #expect(directory.bytes("journal.log") == text.bytes)
    }

    @Test func aLineTheSnapshotHolds_afterLaterLines_stopsTheStart() throws {
        var (directory, text, _) = try journalOverlappingItsSnapshot()
        // header, 2, 3, 4, 5 → header, 3, 4, 5, 2.
        text.lines.append(text.lines.remove(at: 1))
        directory.write("journal.log", text.bytes)
        expectRefusal(directory, ["has seq 2 after seq 5 at byte \(text.offset(ofLine: 4))"])
    }
}
