import Glibc
import GridworkJournal
import GridworkStore
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

    func exists(_ name: String) -> Bool { access(file(name), F_OK) == 0 }

    /// The names in the directory, sorted.
    var names: [String] { ((try? FileIO.names(in: path)) ?? []).sorted() }
}

/// Collects log messages so tests can see what the journal reported.
final class CapturedLog: LogHandler, @unchecked Sendable {
    // Unchecked: the lines sit in a Mutex; `metadata` and `logLevel` are set only before use.
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

    /// Whether a message starting with `message` was logged.
    func contains(_ message: String) -> Bool { messages.contains { $0.hasPrefix(message + " ") } }

    var logger: Logger { Logger(label: "test", factory: { _ in self }) }
}

let silentLogger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

/// A small seed: enough to write against, cheap to rebuild in every test.
let smallSeed: [(ResourceKind, Record)] = {
    let all = SeedGenerator.generate()
    let keep: Set<ResourceKind> = [.towns, .villages, .grids, .cadres, .trainings]
    return all.filter { keep.contains($0.0) }
}()

/// A town's values.
func town(_ name: String) -> [FieldValue] { [.string(name), .string("town")] }

/// Opens `directory`, attaches a journal, runs `body`, then closes the journal.
func withJournal(
    _ directory: TemporaryDirectory,
    compactAfterBytes: Int = 1 << 30,
    logger: Logger = silentLogger,
    _ body: (Store, Journal) throws -> Void
) throws {
    let data = try DataDirectory(directory.path)
    let loaded = try data.load(seed: { smallSeed }, logger: logger)
    let journal = try Journal(
        directory: data, store: loaded.store, loaded: loaded, compactAfterBytes: compactAfterBytes,
        annotations: { [] }, logger: logger)
    defer { journal.close() }
    try body(loaded.store, journal)
}

/// A journal on `directory` as `loaded` found it, said to have its header already (so that its
/// first write is a change, whatever `journal.log` has been replaced by).
func startJournal(_ directory: TemporaryDirectory, _ loaded: DataDirectory.Loaded) throws -> Journal {
    var loaded = loaded
    loaded.hasHeader = true
    return try Journal(
        directory: DataDirectory(directory.path), store: loaded.store, loaded: loaded, compactAfterBytes: 1 << 30,
        annotations: { [] }, logger: silentLogger)
}

/// Loads `directory` as a server would start, from the small seed.
func load(_ directory: TemporaryDirectory, logger: Logger = silentLogger) throws -> DataDirectory.Loaded {
    try DataDirectory(directory.path).load(seed: { smallSeed }, logger: logger)
}

/// Compacts `directory` offline, keeping every annotation.
@discardableResult
func compactOffline(_ directory: TemporaryDirectory) throws -> (
    revision: Int, snapshotBytes: Int, journalBytesBefore: Int, journalBytesAfter: Int
) {
    try DataDirectory(directory.path).compact(
        seed: { smallSeed }, annotations: { _, annotations in annotations.map(\.value) }, logger: silentLogger)
}

/// Waits until `journal` says whether `revision` is durable: `.some(nil)` when it is, the
/// failure when it never will be, nil when it said nothing in time.
func waitDurable(_ journal: Journal, _ revision: Int) -> String?? {
    let result = Mutex<String??>(nil)
    journal.whenDurable(revision) { failure in result.withLock { $0 = .some(failure) } }
    _ = eventually(within: .seconds(10)) { result.withLock { $0 != nil } }
    return result.withLock { $0 }
}

/// Inserts towns named `name0`, `name1`, … and waits until the last is durable.
@discardableResult
func insertTowns(_ count: Int, named name: String = "镇", _ store: Store, _ journal: Journal) throws -> [Record] {
    var made: [Record] = []
    for index in 0..<count {
        made.append(
            try store.insert(.towns, values: town("\(name)\(index)"), source: .api, at: "2026-01-01T00:00:00Z").value)
    }
    let outcome = waitDurable(journal, store.headRevision)
    #expect(outcome.map { $0 == nil } == true, "the towns became durable")
    return made
}

/// Runs `body` with a journal whose every write fails with ENOSPC: journal.log is a link to
/// /dev/full (said to have its header, so that the journal's first write is a change). The
/// journal is closed when `body` returns.
func withFullDisk(logger: Logger = silentLogger, _ body: (Store, Journal) throws -> Void) throws {
    let directory = TemporaryDirectory()
    let data = try DataDirectory(directory.path)
    var loaded = try load(directory)
    #expect(symlink("/dev/full", directory.file("journal.log")) == 0)
    loaded.hasHeader = true
    let journal = try Journal(
        directory: data, store: loaded.store, loaded: loaded, compactAfterBytes: 1 << 30, annotations: { [] },
        logger: logger)
    defer { journal.close() }
    try body(loaded.store, journal)
}
