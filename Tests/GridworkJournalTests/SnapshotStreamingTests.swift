import Glibc
import GridworkJournal
import GridworkStore
import TestSupport
import Testing

/// A snapshot is read block by block and each record put in place as its line is read
/// (`Snapshot.decode` into a `Store.Loading`): a line cut by a block's end must be read whole
/// with the next block, and a record the snapshot holds twice is damage, reported.
struct SnapshotStreamingTests {
    /// The size of the blocks a snapshot is read in (`FileIO.readBlocks`).
    static let blockSize = 8 << 20

    @Test func aSnapshotOfSeveralBlocks_loadsExactlyTheRecordsItWasWrittenFrom() throws {
        let directory = TemporaryDirectory()
        let seed = SeedGenerator.generate()
        try DataDirectory(directory.path).compact(
            seed: { seed }, annotations: { _, _ in [] }, logger: silentLogger)
        let bytes = directory.bytes("snapshot.jsonl")
        let boundaries = Array(stride(from: Self.blockSize, to: bytes.count, by: Self.blockSize))
        try #require(!boundaries.isEmpty, "the snapshot (\(bytes.count) bytes) is longer than a block")
        #expect(
            boundaries.contains { bytes[$0 - 1] != UInt8(ascii: "\n") }, "a line crosses a block's end")

        let loaded = try load(directory)
        #expect(loaded.snapshotRevision == 1)
        let records = loaded.store.capture().records
        #expect(records.count == seed.count)
        func keyed(_ records: [(ResourceKind, Record)]) -> [String: Record] {
            Dictionary(records.map { ("\($0.0.rawValue)/\($0.1.id)", $0.1) }) { first, _ in first }
        }
        #expect(keyed(records) == keyed(seed))
        let (stats, recount) = (loaded.store.stats(), Recount.stats(of: loaded.store))
        #expect(stats.live == recount.live && stats.byTown == recount.byTown, "the aggregates count every record")
        #expect(stats.work == Recount.work(of: loaded.store))
    }

    @Test func aSnapshotHoldingARecordTwice_isReportedAsDamaged_namingTheSnapshotAndTheRecord() throws {
        let directory = TemporaryDirectory()
        try withJournal(directory) { store, journal in try insertTowns(2, store, journal) }
        try compactOffline(directory)
        var text = JournalText(directory.bytes("snapshot.jsonl"))
        let end = text.lines.count - 1
        #expect(text.body(end).hasPrefix(#"{"end":true,"lines":\#(end)"#))
        // The first record again, renamed, as the last: the end line counts it.
        let first = text.body(1)
        let id = try #require(first.firstMatch(of: /"record":\{"id":"([^"]+)"/)?.1)
        let name = try #require(first.firstMatch(of: /"name":"[^"]+"/)?.0)
        text.lines.insert(try text.resealed(1, replacing: String(name), with: #""name":"重复的记录""#), at: end)
        text.lines[end + 1] = try text.resealed(
            end + 1, replacing: #""lines":\#(end)"#, with: #""lines":\#(end + 1)"#)
        directory.write("snapshot.jsonl", text.bytes)
        let snapshot = directory.bytes("snapshot.jsonl")
        let journal = directory.bytes("journal.log")

        let error = #expect(throws: JournalError.self) { try load(directory) }
        let message = error?.description ?? ""
        #expect(
            message.contains(
                "Snapshot \(directory.file("snapshot.jsonl")) is damaged at byte \(text.offset(ofLine: end))"),
            "\(message)")
        #expect(message.contains("record \(id) is repeated"), "\(message)")
        #expect(directory.bytes("snapshot.jsonl") == snapshot && directory.bytes("journal.log") == journal)
    }
}
