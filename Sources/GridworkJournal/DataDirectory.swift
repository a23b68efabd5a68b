import Glibc
public import GridworkStore
public import Logging

/// A data directory: `snapshot.jsonl` (the store at one revision, when one was taken) and
/// `journal.log` (every change since, one checksummed line each).
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
        /// Annotations in order: the snapshot's, then each replayed change's.
        public var annotations: [JSONValue]
        /// The revision the snapshot held, or nil when the store started from the seed.
        public var snapshotRevision: Int?
        /// Journal lines applied.
        public var replayed: Int
        /// Bytes of torn or corrupt tail cut from the journal.
        public var truncatedBytes: Int
        /// The journal's length after loading.
        public var journalBytes: Int
    }

    /// Loads the store: the snapshot if there is one, otherwise `seed()`; then the journal's
    /// changes after that revision, in order. A torn or corrupt tail (a last line without its
    /// newline, or bad lines with no good line after them) is cut off and logged. Damage with
    /// good lines after it, or a gap in the sequence, is an error naming the byte offset.
    public func load(seed: () -> [(ResourceKind, Record)], logger: Logger) throws(JournalError) -> Loaded {
        let store: Store
        var annotations: [JSONValue] = []
        var snapshotRevision: Int?
        if let bytes = try FileIO.read(snapshotPath) {
            let contents = try Snapshot.decode(bytes, path: snapshotPath)
            store = Store(seed: contents.records, revision: contents.revision)
            annotations = contents.annotations
            snapshotRevision = contents.revision
        } else {
            store = Store(seed: seed())
        }
        var replayed = 0
        var firstBad: (offset: Int, reason: JournalError.Reason)?
        // Read in blocks, so a long journal never sits in memory whole; `base` is the file
        // offset of `block[0]`, and a line cut by the block's end waits for the next read.
        var length = 0
        try FileIO.readBlocks(journalPath) { (block: ArraySlice<UInt8>, base: Int) throws(JournalError) -> Int in
            var offset = block.startIndex
            while let newline = block[offset...].firstIndex(of: UInt8(ascii: "\n")) {
                let position = base + (offset - block.startIndex)
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
                    if change.revision > store.revision {
                        guard store.replay(change) else {
                            throw JournalError(
                                "Journal \(journalPath) skips from revision \(store.revision) to \(change.revision) "
                                    + "at byte \(position). Refusing to start.")
                        }
                        replayed += 1
                        if let annotation = change.annotation { annotations.append(annotation) }
                    }
                }
                offset = newline + 1
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
            truncatedBytes: truncated, journalBytes: length - truncated)
    }

    /// Writes a snapshot atomically: a temporary file, fsync, rename over the old one, fsync of
    /// the directory. Returns its size in bytes.
    @discardableResult
    func writeSnapshot(revision: Int, records: [(ResourceKind, Record)], annotations: [JSONValue]) throws(JournalError)
        -> Int
    {
        let bytes = Snapshot.encode(revision: revision, records: records, annotations: annotations)
        let temporary = snapshotPath + ".tmp"
        let fd = try FileIO.open(temporary, O_WRONLY | O_CREAT | O_TRUNC)
        do {
            try FileIO.writeAll(fd, bytes, path: temporary)
            try FileIO.syncData(fd, path: temporary)
        } catch {
            Glibc.close(fd)
            throw error
        }
        Glibc.close(fd)
        try FileIO.rename(temporary, snapshotPath)
        try FileIO.syncDirectory(path)
        return bytes.count
    }

    /// Replaces the journal with an empty one (after a snapshot covers it) and returns the new
    /// file's descriptor, opened for appending.
    func restartJournal() throws(JournalError) -> Int32 {
        let temporary = journalPath + ".tmp"
        let fresh = try FileIO.open(temporary, O_WRONLY | O_CREAT | O_TRUNC)
        do {
            try FileIO.syncData(fresh, path: temporary)
            try FileIO.rename(temporary, journalPath)
            try FileIO.syncDirectory(path)
        } catch {
            Glibc.close(fresh)
            throw error
        }
        Glibc.close(fresh)
        return try openJournalForAppend()
    }

    func openJournalForAppend() throws(JournalError) -> Int32 {
        let fd = try FileIO.open(journalPath, O_WRONLY | O_CREAT | O_APPEND)
        try FileIO.syncDirectory(path)
        return fd
    }

    /// Offline compaction: load, write a snapshot of the result, restart the journal.
    public func compact(
        seed: () -> [(ResourceKind, Record)], annotations keep: ([JSONValue]) -> [JSONValue], logger: Logger
    ) throws(JournalError) -> (revision: Int, snapshotBytes: Int, journalBytesBefore: Int) {
        let loaded = try load(seed: seed, logger: logger)
        let (revision, records) = loaded.store.capture()
        let size = try writeSnapshot(revision: revision, records: records, annotations: keep(loaded.annotations))
        Glibc.close(try restartJournal())
        return (revision, size, loaded.journalBytes)
    }
}
