import Glibc
public import GridworkStore
public import JSON
public import Logging

/// A data directory: `snapshot.jsonl` (the store at one revision, when one was taken),
/// `journal.log` (a header naming the store's epoch, then every change since, one checksummed
/// line each) and `history/` (the journals compactions and resets retired; see `HistoryArchive`).
public struct DataDirectory: Sendable {
    /// The directory.
    public let path: String

    var journalPath: String { path + "/journal.log" }
    var snapshotPath: String { path + "/snapshot.jsonl" }

    /// Uses `path`, creating it when missing.
    public init(_ path: String) throws(JournalError) {
        self.path = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
        try FileIO.makeDirectory(self.path)
    }

    /// What `load` found.
    public struct Loaded: Sendable {
        /// The store: the snapshot (or the seed) with the journal replayed onto it.
        public var store: Store
        /// Annotations in order: the snapshot's, then each replayed change's with its records.
        public var annotations: [Annotation]
        /// The revision the snapshot held, or nil when the store started from the seed.
        public var snapshotRevision: Int?
        /// Journal lines applied.
        public var replayed: Int
        /// Bytes of torn or corrupt tail cut from the journal.
        public var truncatedBytes: Int
        /// The journal's length after loading.
        public var journalBytes: Int
        /// Whether the journal begins with its header. When it does not (a new journal, or one
        /// written before headers), the store has a new epoch, which the journal must record.
        public var hasHeader: Bool
        /// Changes read back from `history/` into the store's history.
        public var archivedChanges = 0
    }

    /// Loads the store: the snapshot if there is one, otherwise `seed()`; then the journal's
    /// changes after that revision, in order. A torn or corrupt tail (a last line without its
    /// newline, or bad lines with no good line after them) is cut off and logged. Damage with
    /// good lines after it, or a gap in the sequence, is an error naming the byte offset.
    ///
    /// The store's history (`historyBudget` bytes at most) gets the archived changes of its epoch
    /// up to the snapshot, then every change the journal replays.
    public func load(
        seed: () -> [(ResourceKind, Record)], logger: Logger, historyBudget: Int = ChangeHistory.defaultBudget
    ) throws(JournalError) -> Loaded {
        // The epoch comes first: the store is made with it. Only a journal's header names it; a
        // journal without one starts a new epoch (its states were never named by one).
        let epoch = try FileIO.firstLine(journalPath).flatMap { JournalLine.header($0[...]) }
        // A snapshot naming another epoch than the journal's header was written by a reset that
        // crashed before restarting the journal: the snapshot is the newer history, and the old
        // journal's lines, all below its revision, are skipped (and the journal restarted).
        var staleJournal = false
        let store: Store
        var annotations: [Annotation] = []
        var snapshotRevision: Int?
        if let contents = try Snapshot.decode(path: snapshotPath) {
            if let epoch, let snapshotEpoch = contents.epoch, snapshotEpoch != epoch { staleJournal = true }
            // Where the epoch's history began: as the snapshot says when it continues the
            // journal's epoch or was written by the reset that began its own; here, for a new one.
            let epochStart: Int? =
                staleJournal ? contents.start ?? contents.revision : epoch == nil ? nil : contents.start ?? 0
            store = Store(
                loaded: contents.records, revision: contents.revision, nextNumbers: contents.nextNumbers,
                epoch: staleJournal ? contents.epoch! : epoch ?? Epoch.make(), epochStart: epochStart,
                historyBudget: historyBudget)
            annotations = contents.annotations.map { Annotation($0) }
            snapshotRevision = contents.revision
        } else {
            store = Store(seed: seed(), epoch: epoch ?? Epoch.make(), historyBudget: historyBudget)
        }
        var archivedChanges = 0
        if let snapshotRevision, epoch != nil, !staleJournal {
            archivedChanges = try HistoryArchive.restore(
                into: store, from: self, through: snapshotRevision, logger: logger)
        }
        var replayed = 0
        var firstBad: (offset: Int, reason: JournalError.Reason)?
        // Lines the snapshot already holds (a crash between writing it and restarting the
        // journal) may only come first, in order; after them every line is the next revision.
        var lastSeq: Int?
        // Read in blocks, so a long journal never sits in memory whole; `base` is the file
        // offset of `block[0]`, and a line cut by the block's end waits for the next read.
        var length = 0
        try FileIO.readBlocks(journalPath) { (block: ArraySlice<UInt8>, base: Int) throws(JournalError) -> Int in
            var offset = block.startIndex
            while let newline = block[offset...].firstIndex(of: UInt8(ascii: "\n")) {
                let position = base + (offset - block.startIndex)
                defer { offset = newline + 1 }
                if position == 0, epoch != nil { continue }  // the header
                switch JournalLine.decode(block[offset..<newline]) {
                case .failure(let reason):
                    if firstBad == nil { firstBad = (position, reason) }
                case .success(let change):
                    if let bad = firstBad {
                        throw JournalError(
                            "Journal \(journalPath) is damaged at byte \(bad.offset) (\(bad.reason)), and intact "
                                + "lines follow it (the next at byte \(position)), so this is not a torn write. "
                                + "Refusing to start; restore the file from a backup or move it aside to start "
                                + "from the snapshot.")
                    }
                    if let lastSeq, change.revision != lastSeq + 1 {
                        throw JournalError(
                            "Journal \(journalPath) has seq \(change.revision) after seq \(lastSeq) at byte "
                                + "\(position): its lines are out of order. Refusing to start; the file is unchanged.")
                    }
                    lastSeq = change.revision
                    if replayed == 0, let snapshotRevision, change.revision <= snapshotRevision { continue }
                    if staleJournal {
                        throw JournalError(
                            "Journal \(journalPath) names another epoch than the snapshot and has seq "
                                + "\(change.revision) past the snapshot's revision at byte \(position). Refusing to "
                                + "start; the files are unchanged.")
                    }
                    if let problem = store.replay(change) {
                        throw JournalError(
                            "Journal \(journalPath) cannot be replayed at byte \(position) (seq \(change.revision)): "
                                + "\(problem). Refusing to start; the file is unchanged.")
                    }
                    replayed += 1
                    if let annotation = change.annotation {
                        annotations.append(Annotation(annotation, puts: change.puts))
                    }
                }
            }
            return offset - block.startIndex
        } atEnd: { leftover, base, total in
            length = total
            // A last line without its newline: the write was torn.
            if leftover > 0, firstBad == nil {
                firstBad = (base, .syntax("the last line has no newline (a torn write)"))
            }
        }
        var truncated = 0
        if let bad = firstBad {
            truncated = length - bad.offset
            try FileIO.truncate(journalPath, to: bad.offset)
            if let fd = try? FileIO.open(journalPath, O_WRONLY) {
                try? FileIO.syncData(fd, path: journalPath)
                Glibc.close(fd)
            }
            logger.warning(
                "journal.tail_truncated",
                metadata: [
                    "path": "\(journalPath)", "offset": "\(bad.offset)", "bytes": "\(truncated)",
                    "reason": "\(bad.reason)",
                ])
        }
        return Loaded(
            store: store, annotations: annotations, snapshotRevision: snapshotRevision, replayed: replayed,
            truncatedBytes: truncated, journalBytes: length - truncated, hasHeader: epoch != nil && !staleJournal,
            archivedChanges: archivedChanges)
    }

    /// Writes a snapshot atomically: a temporary file, fsync, rename over the old one, fsync of
    /// the directory. Returns its size in bytes.
    @discardableResult
    func writeSnapshot(_ frozen: Store.Frozen, annotations: [JSONValue]) throws(JournalError) -> Int {
        let bytes = Snapshot.encode(frozen, annotations: annotations)
        let temporary = snapshotPath + ".tmp"
        try FileIO.replaceAtomically(snapshotPath, with: bytes, temporary: temporary, directory: path)
        return bytes.count
    }

    /// Replaces the journal with one holding only its header (after a snapshot at `revision`
    /// covers the old one) and returns the new file's descriptor, opened for appending, and its
    /// length. The old journal is archived first (`HistoryArchive`); an archive that cannot be
    /// written costs the history of those changes after a restart, not the journal, and is logged.
    func restartJournal(epoch: String, revision: Int, logger: Logger) throws(JournalError) -> (fd: Int32, bytes: Int) {
        var header: [UInt8] = []
        JournalLine.encodeHeader(epoch: epoch, into: &header)
        do {
            try HistoryArchive.keepJournal(of: self, epoch: epoch, revision: revision)
        } catch {
            logger.error(
                "history.archive_failed", metadata: ["error": "\(error.description)", "revision": "\(revision)"])
        }
        try FileIO.replaceAtomically(journalPath, with: header, temporary: journalPath + ".tmp", directory: path)
        return (try openJournalForAppend(), header.count)
    }

    func openJournalForAppend() throws(JournalError) -> Int32 {
        let fd = try FileIO.open(journalPath, O_WRONLY | O_CREAT | O_APPEND)
        try FileIO.syncDirectory(path)
        return fd
    }

    /// Offline compaction: load, write a snapshot of the result, restart the journal. A failure
    /// leaves no temporary file behind, and the directory loads to the same state as before (a
    /// journal that could not be restarted stays beside the new snapshot, which holds its lines).
    public func compact(
        seed: () -> [(ResourceKind, Record)], annotations keep: (_ epoch: String, [Annotation]) -> [JSONValue],
        logger: Logger
    ) throws(JournalError) -> (revision: Int, snapshotBytes: Int, journalBytesBefore: Int, journalBytesAfter: Int) {
        let loaded = try load(seed: seed, logger: logger)
        let (_, frozen) = loaded.store.freeze {}
        let size = try writeSnapshot(frozen, annotations: keep(frozen.epoch, loaded.annotations))
        let fresh = try restartJournal(epoch: frozen.epoch, revision: frozen.revision, logger: logger)
        Glibc.close(fresh.fd)
        return (frozen.revision, size, loaded.journalBytes, fresh.bytes)
    }
}
