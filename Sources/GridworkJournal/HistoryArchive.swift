import Glibc
import GridworkStore
import Logging

/// The journal's past. A compaction (or a reset) replaces the journal once a snapshot holds its
/// changes; the old journal is not deleted but kept as `DIR/history/<epoch>-<revision>.log` — a
/// hard link to the same file, so keeping it costs no copy — where `revision` (12 digits) is the
/// revision of the snapshot that retired it (a compaction's: its last change's; a reset's). Every line, with its checksum, stays as the journal wrote it, and
/// its `before` images make each segment tell the history of the records it touched on its own.
///
/// On start, the segments of the loaded epoch are read back, newest first and only as many as the
/// history's memory budget can hold, so that a record's history and the change feed survive
/// restarts and compactions. The history is one epoch's: the segments of earlier epochs (before a
/// reset) stay on disk for an audit but are not read.
enum HistoryArchive {
    static let folder = "history"

    /// Keeps the journal of `directory` under `history/` before it is replaced, named after the
    /// epoch its header names (`epoch` for a journal without one) and `revision`. Nothing when it
    /// holds no change.
    static func keepJournal(of directory: DataDirectory, epoch: String, revision: Int) throws(JournalError) {
        let journal = directory.journalPath
        let header = try FileIO.firstLine(journal)
        let headerEpoch = header.flatMap { JournalLine.header($0[...]) }
        let headerBytes = headerEpoch == nil ? 0 : (header?.count ?? 0) + 1
        guard let size = try FileIO.size(journal), size > headerBytes else { return }
        let folder = directory.path + "/" + Self.folder
        let created = try FileIO.size(folder) == nil
        try FileIO.makeDirectory(folder)
        let name = folder + "/" + segmentName(epoch: headerEpoch ?? epoch, revision: revision)
        let temporary = name + ".tmp"
        unlink(temporary)
        try FileIO.link(journal, temporary)
        do {
            try FileIO.rename(temporary, name)
        } catch {
            unlink(temporary)
            throw error
        }
        try FileIO.syncDirectory(folder)
        if created { try FileIO.syncDirectory(directory.path) }
    }

    static func segmentName(epoch: String, revision: Int) -> String {
        let digits = String(revision)
        return "\(epoch)-\(String(repeating: "0", count: max(0, 12 - digits.count)))\(digits).log"
    }

    /// The segments of `epoch`, by the revision they reach, oldest first.
    static func segments(of directory: DataDirectory, epoch: String) throws(JournalError) -> [(
        revision: Int, path: String
    )] {
        let folder = directory.path + "/" + Self.folder
        let prefix = epoch + "-"
        var segments: [(Int, String)] = []
        for name in try FileIO.names(in: folder) where name.hasPrefix(prefix) && name.hasSuffix(".log") {
            let digits = name.dropFirst(prefix.count).dropLast(4)
            guard digits.count == 12, let revision = Int(digits) else { continue }
            segments.append((revision, folder + "/" + name))
        }
        return segments.sorted { $0.0 < $1.0 }
    }

    /// Puts the archived changes of the store's epoch up to `revision` (the snapshot's: the
    /// journal's replay adds the rest) into `store.history`: the newest segments whose bytes fit
    /// the history's budget, each change once, and only a run that is contiguous and reaches
    /// `revision` — the history never has a hole. Damage in a segment is logged and ends the run
    /// before it. Returns how many changes were restored.
    ///
    /// Two passes, so that a segment of a million lines does not become a million changes in
    /// memory, nearly all of them dropped again by the budget (which left the allocator holding
    /// hundreds of megabytes it could not return): the first checks every line's checksum and
    /// reads its seq; the second decodes only the newest lines of the run, newest first, until the
    /// budget is spent. A put that is still the store's record is taken from the store, so the
    /// history shares its storage, as it does for the changes a replay appends.
    @discardableResult
    static func restore(into store: Store, from directory: DataDirectory, through revision: Int, logger: Logger)
        throws(JournalError) -> Int
    {
        let window = store.history.window
        let budget = store.history.budget
        var chosen: [String] = []
        var bytes = 0
        for segment in try segments(of: directory, epoch: window.epoch).reversed() {
            guard bytes < budget else { break }
            chosen.insert(segment.path, at: 0)
            bytes += try FileIO.size(segment.path) ?? 0
        }
        let run = try locateRun(in: chosen, bytes: bytes, through: revision, budget: budget, logger: logger)
        guard let last = run.last, last.seq == revision else {
            if !chosen.isEmpty {
                logger.warning(
                    "history.archive_incomplete",
                    metadata: ["epoch": "\(window.epoch)", "revision": "\(revision)", "segments": "\(chosen.count)"])
            }
            return 0
        }
        let changes = try decodeNewest(run, paths: chosen, budget: budget, logger: logger) { change in
            for position in change.puts.indices {
                let (kind, record) = change.puts[position]
                if let current = store.latest(kind, id: record.id), current == record {
                    change.puts[position].record = current
                }
            }
        }
        guard let first = changes.first else { return 0 }
        store.history.begin(epoch: window.epoch, start: window.start, floor: first.revision - 1)
        store.history.append(changes)
        return changes.count
    }

    /// Where one archived line is: its segment (an index into the paths read), offset and length.
    struct LineLocation {
        var segment: Int
        var offset: Int
        var length: Int
        var seq: Int
    }

    /// The lines of the contiguous run of seqs that ends last in `paths`, at most as many as a
    /// history of `budget` bytes could keep (every change is estimated at 128 bytes or more).
    /// `bytes`: the paths' total size. The locations are reserved at once (lines are 64 bytes
    /// or more), not grown by doubling through sizes the allocator would keep after they are freed.
    static func locateRun(in paths: [String], bytes: Int, through revision: Int, budget: Int, logger: Logger)
        throws(JournalError) -> [LineLocation]
    {
        let most = budget / 128 + 1
        var run: [LineLocation] = []
        run.reserveCapacity(min(2 * most, bytes / 64 + 1))
        for (segment, path) in paths.enumerated() {
            try FileIO.readBlocks(path) { (block: ArraySlice<UInt8>, base: Int) throws(JournalError) -> Int in
                var offset = block.startIndex
                while let newline = block[offset...].firstIndex(of: UInt8(ascii: "\n")) {
                    defer { offset = newline + 1 }
                    let line = block[offset..<newline]
                    let position = base + (offset - block.startIndex)
                    if position == 0, JournalLine.header(line) != nil { continue }
                    guard JournalLine.isVerified(line), let seq = JournalLine.seq(line) else {
                        logger.warning(
                            "history.archive_damaged",
                            metadata: [
                                "path": "\(path)", "offset": "\(position)",
                                "reason": "\(JournalLine.isVerified(line) ? "`seq` is missing" : "checksum")",
                            ])
                        run.removeAll()
                        continue
                    }
                    guard seq <= revision, seq > (run.last?.seq ?? 0) else { continue }
                    if let last = run.last, seq != last.seq + 1 { run.removeAll() }
                    run.append(LineLocation(segment: segment, offset: position, length: line.count, seq: seq))
                    if run.count >= 2 * most { run.removeFirst(run.count - most) }
                }
                return offset - block.startIndex
            } atEnd: { _, _, _ in
            }
        }
        return run.count > most ? Array(run.suffix(most)) : run
    }

    /// The changes of the newest lines of `run` whose estimated bytes fit `budget`, oldest
    /// first, each passed through `share` as soon as it is decoded (so that the copies it lets go
    /// of are freed before the next line is read, and their memory is used again). A line that
    /// does not decode ends the run before it.
    static func decodeNewest(
        _ run: [LineLocation], paths: [String], budget: Int, logger: Logger, share: (inout Change) -> Void
    ) throws(JournalError) -> [Change] {
        var files: [Int32] = []
        defer { for fd in files { Glibc.close(fd) } }
        for path in paths { files.append(try FileIO.open(path, O_RDONLY)) }
        var newestFirst: [Change] = []
        var bytes = 0
        for location in run.reversed() {
            let path = paths[location.segment]
            let line = try FileIO.read(
                files[location.segment], at: location.offset, count: location.length, path: path)
            switch JournalLine.decode(line[...]) {
            case .failure(let reason):
                logger.warning(
                    "history.archive_damaged",
                    metadata: ["path": "\(path)", "offset": "\(location.offset)", "reason": "\(reason)"])
                return newestFirst.reversed()
            case .success(var change):
                bytes += ChangeHistory.estimatedBytes(change)
                guard bytes <= budget else { return newestFirst.reversed() }
                share(&change)
                newestFirst.append(change)
            }
        }
        return newestFirst.reversed()
    }
}
