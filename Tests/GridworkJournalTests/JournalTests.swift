import Dispatch
import Glibc
import GridworkJournal
import GridworkStore
import HTTP1
import HTTPTypes
import Logging
import Synchronization
import TestSupport
import Testing

/// A fresh directory under /tmp, removed when the test ends.
final class TemporaryDirectory {
    let path: String

    init() {
        var template = Array("/tmp/gridwork-journal-XXXXXX".utf8CString)
        path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
    }

    deinit {
        _ = system("rm -rf '\(path)'")
    }

    func file(_ name: String) -> String { path + "/" + name }

    func bytes(_ name: String) -> [UInt8] {
        guard let handle = fopen(file(name), "rb") else { return [] }
        defer { fclose(handle) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = fread(&chunk, 1, chunk.count, handle)
            if count == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<count])
        }
    }

    func write(_ name: String, _ bytes: [UInt8], append: Bool = false) {
        let handle = fopen(file(name), append ? "ab" : "wb")!
        _ = fwrite(bytes, 1, bytes.count, handle)
        fclose(handle)
    }
}

/// Collects log messages so tests can see what the journal reported.
final class CapturedLog: LogHandler, @unchecked Sendable {
    private let lines = Mutex<[String]>([])
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) {
        lines.withLock { $0.append("\(event.message) \(event.metadata ?? [:])") }
    }
    var messages: [String] { lines.withLock { $0 } }
}

/// A small seed: enough to write against, cheap to rebuild in every test.
let smallSeed: [(ResourceKind, Record)] = {
    let all = SeedGenerator.generate()
    let keep: Set<ResourceKind> = [.towns, .villages, .grids, .cadres, .trainings]
    return all.filter { keep.contains($0.0) }
}()

private func town(_ name: String) -> [FieldValue] { [.string(name), .string("town")] }

/// Opens `directory`, attaches a journal, runs `body`, then closes the journal.
private func withJournal(
    _ directory: TemporaryDirectory,
    compactAfterBytes: Int = 1 << 30,
    logger: Logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }),
    _ body: (Store, Journal) throws -> Void
) throws {
    let data = try DataDirectory(directory.path)
    let loaded = try data.load(seed: { smallSeed }, logger: logger)
    let journal = try Journal(
        directory: data, store: loaded.store, loaded: loaded, compactAfterBytes: compactAfterBytes,
        annotations: { [] }, logger: logger)
    loaded.store.attach(journal)
    defer { journal.close() }
    try body(loaded.store, journal)
}

private func load(_ directory: TemporaryDirectory, logger: Logger? = nil) throws -> DataDirectory.Loaded {
    try DataDirectory(directory.path).load(
        seed: { smallSeed }, logger: logger ?? Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
}

/// Waits until `journal` says `revision` is durable.
private func waitDurable(_ journal: Journal, _ revision: Int) -> Response?? {
    let result = Mutex<Response??>(nil)
    journal.gate(for: revision).whenOpen { replacement in result.withLock { $0 = .some(replacement) } }
    _ = eventually(within: .seconds(10)) { result.withLock { $0 != nil } }
    return result.withLock { $0 }
}

struct JournalReplayTests {
    @Test func replay_rebuildsEveryWrite_insertReplaceCascadeDelete() throws {
        let directory = TemporaryDirectory()
        var expected: (revision: Int, records: [(ResourceKind, Record)])?
        try withJournal(directory) { store, journal in
            let made = try store.insert(.towns, values: town("新镇"), source: .api, at: "2026-01-01T00:00:00Z")
            try store.replace(.towns, id: made.id, values: town("新镇二"), at: "2026-01-02T00:00:00Z")
            let village = try #require(store.all(.villages).first)
            try store.delete(.villages, id: village.id, cascade: true, at: "2026-01-03T00:00:00Z")
            let outcome = waitDurable(journal, store.revision)
            #expect(outcome != nil && outcome! == nil, "the gate opened without a replacement")
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
            _ = waitDurable(journal, store.revision)
        }
        let whole = directory.bytes("journal.log")
        let torn = Array(#"{"seq":5,"puts":[{"kind":"towns","rec"#.utf8)
        directory.write("journal.log", torn, append: true)
        let log = CapturedLog()
        let loaded = try load(directory, logger: Logger(label: "test", factory: { _ in log }))
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
            _ = waitDurable(journal, store.revision)
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
            _ = waitDurable(journal, store.revision)
        }
        var bytes = directory.bytes("journal.log")
        let secondLine = bytes.firstIndex(of: UInt8(ascii: "\n"))! + 1
        bytes[secondLine + 12] ^= 0x01
        directory.write("journal.log", bytes)
        let error = #expect(throws: JournalError.self) { try load(directory) }
        #expect(error?.description.contains("damaged at byte \(secondLine)") == true)
        #expect(directory.bytes("journal.log") == bytes, "nothing is cut when the damage is not a tail")
    }

    @Test func aGapInTheSequence_stopsTheStart() throws {
        let directory = TemporaryDirectory()
        try withJournal(directory) { store, journal in
            for index in 0..<3 {
                try store.insert(.towns, values: town("镇\(index)"), source: .api, at: "2026-01-01T00:00:00Z")
            }
            _ = waitDurable(journal, store.revision)
        }
        let bytes = directory.bytes("journal.log")
        let first = bytes.firstIndex(of: UInt8(ascii: "\n"))! + 1
        let second = bytes[first...].firstIndex(of: UInt8(ascii: "\n"))! + 1
        directory.write("journal.log", Array(bytes[0..<first] + bytes[second...]))
        let error = #expect(throws: JournalError.self) { try load(directory) }
        #expect(error?.description.contains("skips from revision 2 to 4 at byte \(first)") == true)
    }

    @Test func withoutAJournal_theSeedLoads_atRevision1() throws {
        let directory = TemporaryDirectory()
        let loaded = try load(directory)
        #expect(loaded.store.revision == 1)
        #expect(loaded.replayed == 0)
        #expect(loaded.snapshotRevision == nil)
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
            journal.requestCompaction()
            #expect(eventually(within: .seconds(10)) { journal.counters.compactions == 1 })
            #expect(directory.bytes("journal.log").isEmpty)
            try store.insert(.towns, values: town("后来的镇"), source: .api, at: "2026-01-02T00:00:00Z")
            _ = waitDurable(journal, store.revision)
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
            _ = waitDurable(journal, store.revision)
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
            _ = waitDurable(journal, store.revision)
        }
        let before = try load(directory).store.capture()
        let result = try DataDirectory(directory.path).compact(
            seed: { smallSeed }, annotations: { $0 },
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        #expect(result.revision == 2)
        #expect(directory.bytes("journal.log").isEmpty)
        let after = try load(directory).store.capture()
        #expect(after.revision == before.revision)
        #expect(after.records.map(\.1) == before.records.map(\.1))
    }

    @Test func aDamagedSnapshot_stopsTheStart() throws {
        let directory = TemporaryDirectory()
        _ = try DataDirectory(directory.path).compact(
            seed: { smallSeed }, annotations: { $0 },
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        var bytes = directory.bytes("snapshot.jsonl")
        bytes[bytes.count / 2] ^= 0x01
        directory.write("snapshot.jsonl", bytes)
        let error = #expect(throws: JournalError.self) { try load(directory) }
        #expect(error?.description.contains("Snapshot") == true)
    }
}

struct JournalGateTests {
    @Test func gates_openOnlyOnceTheirRevisionIsDurable_andGroupCommitCoversConcurrentWriters() throws {
        let directory = TemporaryDirectory()
        try withJournal(directory) { store, journal in
            let writers = 8
            let perWriter = 50
            let opened = Atomic<Int>(0)
            DispatchQueue.concurrentPerform(iterations: writers) { writer in
                for index in 0..<perWriter {
                    _ = try? store.insert(
                        .towns, values: town("镇\(writer)-\(index)"), source: .api, at: "2026-01-01T00:00:00Z")
                    let revision = store.revision
                    let done = Atomic<Bool>(false)
                    journal.gate(for: revision).whenOpen { replacement in
                        if replacement == nil, journal.counters.durableRevision >= revision {
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
            #expect(counters.syncs <= counters.changes)
        }
        #expect(try load(directory).replayed == 400)
    }

    @Test func aJournalThatCannotBeWritten_failsItsGatesWith503_andSaysWhy() throws {
        let directory = TemporaryDirectory()
        let data = try DataDirectory(directory.path)
        let loaded = try load(directory)
        // /dev/full accepts the open and fails every write with ENOSPC.
        #expect(symlink("/dev/full", directory.file("journal.log")) == 0)
        let journal = try Journal(
            directory: data, store: loaded.store, loaded: loaded, compactAfterBytes: 1 << 30, annotations: { [] },
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        defer { journal.close() }
        loaded.store.attach(journal)
        try loaded.store.insert(.towns, values: town("满盘镇"), source: .api, at: "2026-01-01T00:00:00Z")
        let outcome = waitDurable(journal, loaded.store.revision)
        #expect(outcome??.status == .serviceUnavailable)
        #expect(journal.failure?.contains("No space left on device") == true)
    }
}
