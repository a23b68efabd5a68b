import Glibc
import GridworkJournal
import GridworkStore
import Logging
import Synchronization
import Testing

/// A failed append or sync is final: readers keep the last durable state, every waiter hears
/// why, nothing more is published or compacted, and the file keeps only its durable bytes.
struct JournalFailureTests {
    @Test func aFailedWrite_isSeenByNoReader() throws {
        try withFullDisk { store, journal in
            let stats = store.stats()
            let towns = store.all(.towns)
            let revision = store.revision
            let total = store.query(.towns, Query()).total
            let made = try store.insert(.towns, values: town("满盘镇"), source: .api, at: "2026-01-01T00:00:00Z")
            let outcome = waitDurable(journal, made.revision)
            #expect(outcome??.contains("No space left on device") == true)
            #expect(store.headRevision == revision + 1, "the head took the write")
            #expect(store.revision == revision)
            #expect(store.stats() == stats)
            #expect(store.all(.towns) == towns)
            #expect(store.count(.towns) == towns.count)
            #expect(store.record(.towns, id: made.value.id) == nil)
            #expect(store.query(.towns, Query()).total == total)
        }
    }

    @Test func afterAFailure_laterWaitersHearItAtOnce_andCompactionIsRefused() throws {
        let log = CapturedLog()
        var durable = 0
        var storeAfter: Store?
        var journalAfter: Journal?
        try withFullDisk(logger: log.logger) { store, journal in
            durable = store.revision
            try store.insert(.towns, values: town("满盘镇"), source: .api, at: "2026-01-01T00:00:00Z")
            let failure = try #require(waitDurable(journal, store.headRevision) ?? nil)
            #expect(journal.failure == failure)
            #expect(journal.counters.failed)
            #expect(journal.requestCompaction() == false)

            let later = try store.insert(.towns, values: town("后来的镇"), source: .api, at: "2026-01-01T00:00:00Z")
            let heard = Mutex<String??>(nil)
            journal.whenDurable(later.revision) { reason in heard.withLock { $0 = .some(reason) } }
            #expect(heard.withLock { $0 } == .some(failure), "told before whenDurable returned")
            let old = Mutex<String??>(nil)
            journal.whenDurable(durable) { reason in old.withLock { $0 = .some(reason) } }
            #expect(old.withLock { $0 } == .some(nil), "a revision durable before the failure stays durable")
            storeAfter = store
            journalAfter = journal
        }
        // Closed: the writer has dealt with everything queued, and published none of it.
        let store = try #require(storeAfter)
        let counters = try #require(journalAfter?.counters)
        #expect(store.revision == durable)
        #expect(store.all(.towns).allSatisfy { $0[TownField.name].string?.hasSuffix("的镇") != true })
        #expect(counters.durableRevision == durable)
        #expect(counters.changes == 0)
        #expect(counters.compactions == 0)
        #expect(log.messages.filter { $0.hasPrefix("journal.failed ") }.count == 1)
    }

    @Test func aSyncThatFails_afterItsWriteWent_isNeverPublished() throws {
        let directory = TemporaryDirectory()
        let data = try DataDirectory(directory.path)
        var loaded = try load(directory)
        // A FIFO takes the write and refuses fdatasync (EINVAL). Its read end, held here, lets the
        // journal open it without blocking and shows that the line did leave.
        #expect(mkfifo(directory.file("journal.log"), 0o600) == 0)
        let reader = open(directory.file("journal.log"), O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        try #require(reader >= 0)
        defer { close(reader) }
        loaded.hasHeader = true
        let store = loaded.store
        let journal = try Journal(
            directory: data, store: store, loaded: loaded, compactAfterBytes: 1 << 30, annotations: { [] },
            logger: silentLogger)
        defer { journal.close() }
        let stats = store.stats()
        let made = try store.insert(.towns, values: town("未同步镇"), source: .api, at: "2026-01-01T00:00:00Z")
        let outcome = waitDurable(journal, made.revision)
        #expect(outcome??.contains("fdatasync") == true)
        var written = [UInt8](repeating: 0, count: 4096)
        let count = read(reader, &written, written.count)
        #expect(count > 0 && String(decoding: written[0..<max(count, 0)], as: UTF8.self).hasPrefix(#"{"seq":2,"#))
        #expect(store.stats() == stats)
        #expect(store.record(.towns, id: made.value.id) == nil)
    }

    @Test func aJournalThatFailsAfterDurableWrites_keepsExactlyItsDurableBytes_andReloadsToThem() throws {
        let directory = TemporaryDirectory()
        try withJournal(directory) { store, journal in try insertTowns(3, store, journal) }
        // journal.log becomes a link to a memory file holding the same bytes; sealing it against
        // growth later makes every append fail (EPERM) while the file stays readable.
        let file = try MemoryFile(holding: directory.bytes("journal.log"))
        #expect(unlink(directory.file("journal.log")) == 0)
        #expect(symlink(file.path, directory.file("journal.log")) == 0)

        let data = try DataDirectory(directory.path)
        let loaded = try load(directory)
        #expect(loaded.hasHeader && loaded.replayed == 3)
        let store = loaded.store
        let journal = try Journal(
            directory: data, store: store, loaded: loaded, compactAfterBytes: 1 << 30, annotations: { [] },
            logger: silentLogger)
        var durable: (revision: Int, records: [(ResourceKind, Record)])?
        var durableBytes: [UInt8] = []
        do {
            defer { journal.close() }
            try insertTowns(2, named: "持久镇", store, journal)
            durable = store.capture()
            durableBytes = directory.bytes("journal.log")
            #expect(journal.counters.bytes == durableBytes.count)

            #expect(file.sealAgainstGrowth())
            let refused = try store.insert(.towns, values: town("失败镇"), source: .api, at: "2026-01-02T00:00:00Z")
            #expect(waitDurable(journal, refused.revision)??.contains("Operation not permitted") == true)
            #expect(store.revision == durable?.revision)
            #expect(store.record(.towns, id: refused.value.id) == nil)
            #expect(journal.counters.durableRevision == durable?.revision)
            #expect(journal.counters.bytes == durableBytes.count)
        }
        #expect(directory.bytes("journal.log") == durableBytes, "nothing past the durable bytes")
        let reloaded = try load(directory)
        #expect(reloaded.replayed == 5)
        #expect(reloaded.truncatedBytes == 0)
        #expect(reloaded.store.revision == durable?.revision)
        #expect(reloaded.store.capture().records.map(\.1) == durable?.records.map(\.1))
    }
}

/// A file in memory (memfd) that can be sealed against growth, reached through
/// `/proc/<pid>/fd/<fd>`, which opens the same file.
private final class MemoryFile {
    let fd: Int32
    var path: String { "/proc/\(getpid())/fd/\(fd)" }

    init(holding bytes: [UInt8]) throws {
        // Glibc's module does not export memfd_create (it needs _GNU_SOURCE); the symbol is there.
        typealias Create = @convention(c) (UnsafePointer<CChar>, UInt32) -> Int32
        let symbol = try #require(dlsym(UnsafeMutableRawPointer(bitPattern: 0), "memfd_create"))
        let allowSealing: UInt32 = 2  // MFD_ALLOW_SEALING
        fd = unsafeBitCast(symbol, to: Create.self)("journal", allowSealing)
        try #require(fd >= 0)
        #expect(bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == bytes.count)
    }

    /// From now on no write may make the file longer.
    func sealAgainstGrowth() -> Bool {
        let addSeals: Int32 = 1033  // F_ADD_SEALS
        let sealGrow: Int32 = 0x0004  // F_SEAL_GROW
        return fcntl(fd, addSeals, sealGrow) == 0
    }

    deinit { close(fd) }
}
