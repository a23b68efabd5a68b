import Dispatch
import Glibc
import GridworkJournal
import GridworkStore
import Synchronization
import TestSupport
import Testing

/// `Journal.reset`: the store goes back to a seed under a new epoch, durably, through a snapshot
/// and a journal restarted with the new epoch's header.
struct JournalResetTests {
    /// Resets through `journal` and waits for its outcome: the reset's revision or the failure.
    static func reset(_ journal: Journal, to records: [(ResourceKind, Record)], epoch: String) -> Result<
        Int, Journal.ResetFailure
    >? {
        let outcome = Mutex<Result<Int, Journal.ResetFailure>?>(nil)
        journal.reset(to: Store.Contents(seed: records), epoch: epoch) { result in outcome.withLock { $0 = result } }
        _ = eventually(within: .seconds(10)) { outcome.withLock { $0 != nil } }
        return outcome.withLock { $0 }
    }

    @Test func reset_isDurable_andARestartLoadsTheSeedUnderTheNewEpoch() throws {
        let directory = TemporaryDirectory()
        let epoch = Epoch.make()
        var resetRevision = 0
        var oldEpoch = ""
        try withJournal(directory) { store, journal in
            oldEpoch = store.epoch
            try insertTowns(3, store, journal)
            let before = store.headRevision
            let outcome = try #require(Self.reset(journal, to: smallSeed, epoch: epoch))
            resetRevision = try outcome.get()
            // Revisions never go back: SSE ids and the journal's waiters keep their order.
            #expect(resetRevision == before + 1)
            #expect(store.epoch == epoch)
            #expect(store.stats().epoch == epoch)
            #expect(store.revision == resetRevision)
            #expect(store.count(.towns) == smallSeed.filter { $0.0 == .towns }.count)
            // A write after the reset goes to the new journal.
            try insertTowns(1, named: "新", store, journal)
        }
        #expect(epoch != oldEpoch)
        #expect(JournalText(directory.bytes("journal.log")).lines.first == JournalText.header(epoch: epoch))
        let loaded = try load(directory)
        #expect(loaded.hasHeader)
        #expect(loaded.store.epoch == epoch)
        #expect(loaded.snapshotRevision == resetRevision)
        #expect(loaded.store.revision == resetRevision + 1)
        #expect(loaded.store.count(.towns) == smallSeed.filter { $0.0 == .towns }.count + 1)
        #expect(loaded.store.all(.towns).allSatisfy { !($0[TownField.name].string ?? "").hasPrefix("镇") })
    }

    @Test func writesRacingAReset_areEachBeforeItOrAfterIt_andARestartAgrees() throws {
        let directory = TemporaryDirectory()
        var kept: Set<String> = []
        try withJournal(directory) { store, journal in
            let written = Mutex<[(name: String, revision: Int)]>([])
            let resetRevision = Mutex<Int?>(nil)
            DispatchQueue.concurrentPerform(iterations: 4) { worker in
                if worker == 0 {
                    let outcome = Self.reset(journal, to: [], epoch: Epoch.make())
                    resetRevision.withLock { $0 = try? outcome?.get() }
                    return
                }
                for index in 0..<300 {
                    let name = "镇\(worker)-\(index)"
                    guard
                        let made = try? store.insert(
                            .towns, values: town(name), source: .api, at: "2026-01-01T00:00:00Z")
                    else { continue }
                    written.withLock { $0.append((name, made.revision)) }
                }
            }
            let reset = try #require(resetRevision.withLock { $0 })
            #expect(waitDurable(journal, store.headRevision) == .some(nil))
            let names = Set(store.all(.towns).compactMap { $0[TownField.name].string })
            for write in written.withLock({ $0 }) {
                #expect(write.revision != reset)
                #expect(names.contains(write.name) == (write.revision > reset), "\(write) against reset \(reset)")
            }
            kept = names
        }
        let loaded = try load(directory)
        #expect(Set(loaded.store.all(.towns).compactMap { $0[TownField.name].string }) == kept)
    }

    @Test func aSnapshotWithANewerEpochThanTheJournal_wins_andTheJournalIsRestarted() throws {
        // A reset that crashed between its snapshot's rename and the journal's restart: the
        // snapshot names the new epoch, the old journal the old one with lines below its revision.
        let directory = TemporaryDirectory()
        let epoch = Epoch.make()
        var journalBefore: [UInt8] = []
        try withJournal(directory) { store, journal in
            try insertTowns(2, store, journal)
            journalBefore = directory.bytes("journal.log")
            _ = try #require(Self.reset(journal, to: [], epoch: epoch)).get()
        }
        directory.write("journal.log", journalBefore)
        let loaded = try load(directory)
        #expect(loaded.store.epoch == epoch)
        #expect(!loaded.hasHeader, "the stale journal is to be restarted")
        #expect(loaded.replayed == 0)
        #expect(loaded.store.count(.towns) == 0)
        try withJournal(directory) { store, _ in #expect(store.epoch == epoch) }
        #expect(JournalText(directory.bytes("journal.log")).lines.first == JournalText.header(epoch: epoch))
    }

    @Test func reset_afterTheJournalFailed_isRefused_andReadersKeepTheDurableState() throws {
        // journal.log is a link to /dev/full (said to have its header): every append fails.
        let directory = TemporaryDirectory()
        let loaded = try load(directory)
        #expect(symlink("/dev/full", directory.file("journal.log")) == 0)
        let store = loaded.store
        let journal = try startJournal(directory, loaded)
        defer { journal.close() }
        let epoch = store.epoch
        let stats = store.stats()
        let made = try store.insert(.towns, values: town("满盘镇"), source: .api, at: "2026-01-01T00:00:00Z")
        #expect(waitDurable(journal, made.revision)??.contains("No space left on device") == true)
        let outcome = try #require(Self.reset(journal, to: [], epoch: Epoch.make()))
        #expect(throws: Journal.ResetFailure.self) { try outcome.get() }
        #expect(store.stats() == stats)
        #expect(store.stats().epoch == epoch)
    }
}
