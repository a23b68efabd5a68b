import GridworkJournal
import GridworkStore
import Testing

/// Replay does not check what points to a record the same change created: nothing could before
/// the change, so whatever does now is among its puts, which are checked. The lines below are
/// real ones, merged or edited and sealed again; they pin what that shortcut must keep. A change
/// that creates a record and records pointing to it replays; a created record is still checked
/// against the records it names; and a record removed and put again in one change (made anew, so
/// left out of that check) is refused while others still refer to it.
struct ReplayOfCreatedRecordsTests {
    /// Replaces `old` with `new` in line `index` of the journal, sealed again; then loading must
    /// be refused at that line with a message containing every one of `fragments`, and leave the
    /// journal as it was.
    private func expectRefusal(
        _ directory: TemporaryDirectory, editing index: Int, replacing old: String, with new: String,
        _ fragments: [String], sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        var text = JournalText(directory.bytes("journal.log"))
        text.lines[index] = try text.resealed(index, replacing: old, with: new, sourceLocation: sourceLocation)
        directory.write("journal.log", text.bytes)
        let error = #expect(throws: JournalError.self, sourceLocation: sourceLocation) { try load(directory) }
        let message = error?.description ?? ""
        let expected = ["cannot be replayed at byte \(text.offset(ofLine: index)) (seq \(index + 1))"] + fragments
        #expect(expected.allSatisfy(message.contains), "\(message)", sourceLocation: sourceLocation)
        #expect(directory.bytes("journal.log") == text.bytes, "the file is unchanged", sourceLocation: sourceLocation)
    }

    /// A journal whose only change, seq 2, creates a town, a village in it and a unit grid in that
    /// village: the three changes the API made (seqs 2, 3 and 4) merged into one. Also the three
    /// records as the API made them.
    private func oneChangeCreatingATownAndWhatLiesInIt() throws -> (
        directory: TemporaryDirectory, made: [(ResourceKind, Record)]
    ) {
        let directory = TemporaryDirectory()
        var made: [(ResourceKind, Record)] = []
        try withJournal(directory) { store, journal in
            let town = try insertTowns(1, named: "新镇", store, journal)[0]
            let village = try store.insert(
                .villages, values: [.string("新村"), .string("village"), .string(town.id), .null], source: .api,
                at: "2026-01-02T00:00:00Z"
            ).value
            let grid = try store.insert(
                .grids, values: [.string("新网格"), .string("unit"), .string(town.id), .string(village.id), .int(40)],
                source: .api, at: "2026-01-02T00:00:00Z"
            ).value
            #expect(waitDurable(journal, store.headRevision).map { $0 == nil } == true)
            made = [(.towns, town), (.villages, village), (.grids, grid)]
        }
        let written = JournalText(directory.bytes("journal.log"))
        #expect(written.lines.count == 4)
        // The puts of seqs 3 and 4 join seq 2's.
        var puts = ""
        for body in [written.body(2), written.body(3)] {
            let start = try #require(body.firstRange(of: #""puts":["#)).upperBound
            let end = try #require(body.firstRange(of: #"],"removes":"#)).lowerBound
            puts += "," + body[start..<end]
        }
        let merged = try written.resealed(1, replacing: #"}],"removes":"#, with: "}" + puts + #"],"removes":"#)
        directory.write("journal.log", JournalText(lines: [written.lines[0], merged]).bytes)
        return (directory, made)
    }

    @Test func aChangeCreatingARecordAndRecordsPointingToIt_replays() throws {
        let (directory, made) = try oneChangeCreatingATownAndWhatLiesInIt()
        let loaded = try load(directory)
        #expect(loaded.replayed == 1)
        #expect(loaded.store.revision == 2)
        for (kind, record) in made {
            #expect(loaded.store.record(kind, id: record.id) == record, "\(record.id) as the API made it")
        }
        #expect(
            loaded.store.history.changes(after: 1, limit: 10).changes.map { $0.puts.map(\.record.id) } == [
                made.map(\.1.id)
            ])
    }

    @Test func aCreatedRecordNamingOneThatDoesNotExist_cannotBeReplayed() throws {
        let (directory, made) = try oneChangeCreatingATownAndWhatLiesInIt()
        let (village, town) = (made[1].1.id, made[0].1.id)
        // The village now lies in a town that does not exist (its grid still names the new town).
        try expectRefusal(
            directory, editing: 1, replacing: #""kind":"village","townId":"\#(town)""#,
            with: #""kind":"village","townId":"town-99""#, ["village `\(village)` breaks a rule", "`town-99`"])
    }

    @Test func aCreatedRecordBreakingARuleWithAnotherCreatedOne_cannotBeReplayed() throws {
        let (directory, made) = try oneChangeCreatingATownAndWhatLiesInIt()
        let (grid, village, town) = (made[2].1.id, made[1].1.id, made[0].1.id)
        let otherTown = try #require(smallSeed.first { $0.0 == .towns }?.1.id)
        // The new grid now names another (existing) town than its new village's.
        try expectRefusal(
            directory, editing: 1, replacing: #""townId":"\#(town)","villageId":"\#(village)""#,
            with: #""townId":"\#(otherTown)","villageId":"\#(village)""#,
            ["grid `\(grid)` breaks a rule", "/townId", "Must be the town of village `\(village)`"])
    }

    @Test func aRecordRemovedAndPutAgain_whileOthersStillReferToIt_cannotBeReplayed() throws {
        let directory = TemporaryDirectory()
        var referred = ""
        try withJournal(directory) { store, journal in
            referred = try #require(store.all(.villages).first?[VillageField.townId].string)
            try store.replace(.towns, id: referred, values: town("改名镇"), at: "2026-01-02T00:00:00Z")
            #expect(waitDurable(journal, store.headRevision).map { $0 == nil } == true)
        }
        #expect(try load(directory).replayed == 1, "the rename alone replays")
        // seq 2 renamed the town; now it also removes it first, so that the put makes it anew.
        try expectRefusal(
            directory, editing: 1, replacing: #""removes":[]"#,
            with: #""removes":[{"kind":"towns","id":"\#(referred)"}]"#,
            ["it removes town `\(referred)`", "still refer to it"])
    }
}
