import Glibc
import GridworkJournal
import GridworkStore
import Testing

/// Archived history is read back in two passes (`HistoryArchive.restore`): every line's checksum
/// and seq first, then only the newest lines of the run that fit the history's budget are
/// decoded. The history must hold what it would hold had it been given every archived change —
/// the newest that fit, in order — and damage counts as it did when every line was decoded:
/// where the history would read it.
struct ArchiveBudgetTests {
    typealias Seen = HistoryArchiveTests.Seen

    /// Holds a few dozen of the archive's 80 changes, fewer than its newest segment and the one
    /// before it, so that the cut falls in the oldest.
    static let budget = 16 * 1024

    /// The archive's segments: the first and last seq each holds (one town created a change).
    static let segments = [2...61, 62...71, 72...81]

    /// A directory whose archive holds `segments` (each a journal an offline compaction
    /// retired), its epoch, and the id of the town each seq created.
    static func archive() throws -> (directory: TemporaryDirectory, epoch: String, towns: [Int: String]) {
        let directory = TemporaryDirectory()
        var epoch = ""
        var towns: [Int: String] = [:]
        for (round, seqs) in segments.enumerated() {
            try withJournal(directory) { store, journal in
                epoch = store.epoch
                let made = try insertTowns(seqs.count, named: "第\(round)批", store, journal)
                for (seq, town) in zip(seqs, made) { towns[seq] = town.id }
            }
            #expect(try compactOffline(directory).revision == seqs.upperBound)
        }
        return (directory, epoch, towns)
    }

    /// The history of `directory` loaded with `budget`, and the store's window.
    static func history(
        _ directory: TemporaryDirectory, budget: Int = ChangeHistory.defaultBudget, logger: CapturedLog = CapturedLog()
    ) throws -> (changes: [Change], window: ChangeHistory.Window) {
        let loaded = try DataDirectory(directory.path).load(
            seed: { smallSeed }, logger: logger.logger, historyBudget: budget)
        #expect(loaded.snapshotRevision == segments.last?.upperBound)
        let history = loaded.store.history
        return (history.changes(after: 0, limit: .max).changes, history.window)
    }

    /// What a history of `budget` bytes keeps when it is given every one of `changes`.
    static func newestThatFit(_ changes: [Change], epoch: String, budget: Int) -> ChangeHistory {
        let history = ChangeHistory(epoch: epoch, start: 0, floor: (changes.first?.revision ?? 1) - 1, budget: budget)
        history.append(changes)
        return history
    }

    /// How an archived line is damaged.
    enum Damage: CaseIterable, Sendable {
        /// A byte of its body changed, so that its checksum no longer matches.
        case checksum
        /// Sealed with a good checksum, and its seq where the server writes it, but not JSON.
        case notJSON
    }

    /// The archive with the line of `seq` damaged as `damage` says, and the history it gave before
    /// the damage: with the default budget (every change), and with `budget`.
    static func archive(damaging seq: Int, _ damage: Damage) throws -> (
        directory: TemporaryDirectory, all: [Change], kept: [Change]
    ) {
        let (directory, epoch, _) = try archive()
        let all = try history(directory).changes
        let kept = try history(directory, budget: budget).changes
        let segment = try #require(segments.first { $0.contains(seq) })
        let digits = String(segment.upperBound)
        let name = "history/\(epoch)-\(String(repeating: "0", count: 12 - digits.count))\(digits).log"
        var text = JournalText(directory.bytes(name))
        #expect(text.lines.count == segment.count + 1, "a header and a line a change")
        let index = seq - segment.lowerBound + 1
        #expect(text.body(index).hasPrefix(#"{"seq":\#(seq),"#))
        switch damage {
        case .checksum: text.lines[index][20] ^= 0x01
        case .notJSON: text.lines[index] = JournalText.sealed(#"{"seq":\#(seq),this is not JSON"#)
        }
        // A segment is a hard link to the journal it retired: write a copy, not into that file.
        #expect(unlink(directory.file(name)) == 0)
        directory.write(name, text.bytes)
        return (directory, all, kept)
    }

    @Test func aBudgetSmallerThanTheArchive_keepsExactlyTheNewestChangesThatFit_inOrder() throws {
        let (directory, epoch, towns) = try Self.archive()
        let all = try Self.history(directory).changes
        #expect(all.map(\.revision) == Array(2...81), "the default budget holds every archived change")
        #expect(all.map { $0.puts.map(\.record.id) } == (2...81).map { [towns[$0] ?? "?"] })

        let (kept, window) = try Self.history(directory, budget: Self.budget)
        let expected = Self.newestThatFit(all, epoch: epoch, budget: Self.budget)
        let expectedChanges = expected.changes(after: 0, limit: .max).changes
        #expect(kept.map(Seen.init) == expectedChanges.map(Seen.init))
        #expect(kept.map(\.revision) == Array((kept.first?.revision ?? 0)...81), "contiguous, up to the snapshot")
        let first = try #require(kept.first?.revision)
        #expect(Self.segments[0].dropFirst().contains(first), "the cut falls inside the oldest segment")
        #expect(window.floor == first - 1 && window.last == 81)
        #expect(window.dropped(after: 0), "the window says the older changes were dropped")
    }

    @Test func aBudgetThatJustHoldsTheArchive_keepsEveryChange_andOneByteLessDropsTheOldest() throws {
        let (directory, epoch, _) = try Self.archive()
        let all = try Self.history(directory).changes
        let needed = Self.newestThatFit(all, epoch: epoch, budget: .max).statistics.bytes

        let (whole, window) = try Self.history(directory, budget: needed)
        #expect(whole.map(Seen.init) == all.map(Seen.init))
        #expect(window.floor == 1 && !window.dropped(after: 0))

        let (short, shortWindow) = try Self.history(directory, budget: needed - 1)
        #expect(short.map(Seen.init) == all.dropFirst().map(Seen.init))
        #expect(shortWindow.floor == 2)
    }

    @Test(arguments: Damage.allCases)
    func damageInsideTheKeptWindow_isLogged_andTheHistoryBeginsAfterIt(_ damage: Damage) throws {
        let damaged = 76
        let (directory, all, undamaged) = try Self.archive(damaging: damaged, damage)
        try #require((undamaged.first?.revision ?? .max) < damaged, "the line is one the budget keeps")

        let log = CapturedLog()
        let (kept, window) = try Self.history(directory, budget: Self.budget, logger: log)
        #expect(log.contains("history.archive_damaged"))
        #expect(kept.map(Seen.init) == all.filter { $0.revision > damaged }.map(Seen.init))
        #expect(window.floor == damaged)
    }

    @Test(arguments: Damage.allCases)
    func damageOlderThanTheKeptWindow_leavesTheHistoryAsItWouldBe(_ damage: Damage) throws {
        let damaged = 3
        let (directory, all, undamaged) = try Self.archive(damaging: damaged, damage)
        try #require((undamaged.first?.revision ?? 0) > damaged + 8, "the line is far older than the budget keeps")

        let log = CapturedLog()
        let kept = try Self.history(directory, budget: Self.budget, logger: log).changes
        #expect(kept.map(Seen.init) == undamaged.map(Seen.init))
        // Every checksum is read in the first pass; a line that only fails to decode is never
        // decoded when the budget does not reach it.
        #expect(log.contains("history.archive_damaged") == (damage == .checksum))

        // A budget that holds the damaged line reads it, and begins the history after it.
        let wholeLog = CapturedLog()
        let (whole, window) = try Self.history(directory, logger: wholeLog)
        #expect(wholeLog.contains("history.archive_damaged"))
        #expect(whole.map(Seen.init) == all.filter { $0.revision > damaged }.map(Seen.init))
        #expect(window.floor == damaged)
    }
}
