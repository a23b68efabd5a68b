import GridworkStore
import JSON

/// The snapshot file: the whole store at one revision, plus the annotations the layer above
/// keeps (idempotency keys), one checksummed line each:
///
///     {"format":"gridwork-snapshot","version":1,"revision":R,"epoch":"…","start":S,"next":{"towns":N,…},
///      "crc32":"…"}
///     {"kind":"towns","record":{…},"crc32":"…"}            one per record
///     {"meta":{…},"crc32":"…"}                             one per annotation
///     {"end":true,"lines":N,"crc32":"…"}                   N: the lines before this one
///
/// `epoch`, `start` (the revision the epoch's history began at, for the change feed) and `next`
/// (each resource's next id number, so that an id deleted before the snapshot is never handed
/// out again) are absent from snapshots written before they existed.
///
/// It is written to a temporary file, fsync'd and renamed into place, so it is either whole or
/// absent; any damage is reported, never repaired.
enum Snapshot {
    static let format = "gridwork-snapshot"

    static func encode(_ frozen: Store.Frozen, annotations: [JSONValue]) -> [UInt8] {
        let records = frozen.records
        var bytes: [UInt8] = []
        bytes.reserveCapacity(records.count * 400)
        var header = JSONWriter()
        header.raw("{\"format\":\"gridwork-snapshot\",\"version\":1,\"revision\":")
        header.int(frozen.revision)
        header.raw(",\"epoch\":")
        header.string(frozen.epoch)
        header.raw(",\"start\":")
        header.int(frozen.epochStart)
        header.raw(",\"next\":{")
        for (index, kind) in ResourceKind.allCases.enumerated() {
            if index > 0 { header.raw(",") }
            header.string(kind.rawValue)
            header.raw(":")
            header.int(frozen.nextNumbers[kind] ?? 1)
        }
        header.raw("}")
        JournalLine.seal(header.bytes, into: &bytes)
        var writer = JSONWriter(capacity: 1024)
        for (kind, record) in records {
            writer.bytes.removeAll(keepingCapacity: true)
            writer.raw("{\"kind\":")
            writer.string(kind.rawValue)
            writer.raw(",\"record\":")
            record.write(kind.schema, to: &writer)
            JournalLine.seal(writer.bytes, into: &bytes)
        }
        for annotation in annotations {
            writer.bytes.removeAll(keepingCapacity: true)
            writer.raw("{\"meta\":")
            writer.value(annotation)
            JournalLine.seal(writer.bytes, into: &bytes)
        }
        var end = JSONWriter()
        end.raw("{\"end\":true,\"lines\":")
        end.int(1 + records.count + annotations.count)
        JournalLine.seal(end.bytes, into: &bytes)
        return bytes
    }

    struct Contents {
        var revision: Int
        /// Every record, indexed and aggregated as it was read.
        var records = Store.Loading()
        var annotations: [JSONValue]
        var nextNumbers: [ResourceKind: Int] = [:]
        /// The epoch the header names.
        var epoch: String?
        /// The revision that epoch's history began at, when the header says.
        var start: Int?
    }

    /// The snapshot at `path`, or nil when there is none. Read block by block and each record
    /// put in place as its line is read: neither the file's text nor a list of its records is
    /// ever held whole, so the load leaves no large freed regions behind in the allocator.
    static func decode(path: String) throws(JournalError) -> Contents? {
        guard try FileIO.size(path) != nil else { return nil }
        var contents = Contents(revision: 0, annotations: [])
        var lines = 0
        var ended = false
        var torn: Int?
        try FileIO.readBlocks(path) { (block: ArraySlice<UInt8>, base: Int) throws(JournalError) -> Int in
            var offset = block.startIndex
            while let newline = block[offset...].firstIndex(of: UInt8(ascii: "\n")) {
                let position = base + (offset - block.startIndex)
                try decode(
                    block[offset..<newline], into: &contents, lines: &lines, ended: &ended, path: path,
                    position: position)
                offset = newline + 1
            }
            return offset - block.startIndex
        } atEnd: { leftover, base, _ in
            if leftover > 0 { torn = base }
        }
        if let torn { throw JournalError("Snapshot \(path) ends without a newline at byte \(torn): it is damaged.") }
        guard ended else { throw JournalError("Snapshot \(path) has no end line: it is incomplete.") }
        return contents
    }

    /// A snapshot held in memory (one kept in a database), named `name` in errors.
    static func decode(bytes: [UInt8], name: String) throws(JournalError) -> Contents {
        var contents = Contents(revision: 0, annotations: [])
        var lines = 0
        var ended = false
        var offset = 0
        while let newline = bytes[offset...].firstIndex(of: UInt8(ascii: "\n")) {
            try decode(
                bytes[offset..<newline], into: &contents, lines: &lines, ended: &ended, path: name, position: offset)
            offset = newline + 1
        }
        if offset < bytes.count {
            throw JournalError("Snapshot \(name) ends without a newline at byte \(offset): it is damaged.")
        }
        guard ended else { throw JournalError("Snapshot \(name) has no end line: it is incomplete.") }
        return contents
    }

    /// Reads one line of a snapshot, the `lines`th, at byte `position`.
    private static func decode(
        _ line: ArraySlice<UInt8>, into contents: inout Contents, lines: inout Int, ended: inout Bool,
        path: String, position: Int
    ) throws(JournalError) {
        func damaged(_ why: String) -> JournalError {
            JournalError("Snapshot \(path) is damaged at byte \(position): \(why).")
        }
        guard !ended else { throw damaged("there is data after its end line") }
        guard JournalLine.isVerified(line) else { throw damaged("the checksum does not match") }
        guard let object = JournalLine.object(line) else { throw damaged("the line is not a JSON object") }
        if lines == 0 {
            guard object["format"] == .string(format), object["version"] == .int(1),
                case .int(let revision)? = object["revision"]
            else { throw damaged("it does not start with a gridwork snapshot header (version 1)") }
            contents.revision = revision
            if case .string(let epoch)? = object["epoch"], Epoch.isValid(epoch) { contents.epoch = epoch }
            if case .int(let start)? = object["start"], (0...revision).contains(start) { contents.start = start }
            if case .object(let next)? = object["next"] {
                for (name, value) in next {
                    if let kind = ResourceKind(rawValue: name), case .int(let number) = value {
                        contents.nextNumbers[kind] = number
                    }
                }
            }
        } else if case .string(let kindName)? = object["kind"] {
            guard let kind = ResourceKind(rawValue: kindName), let json = object["record"] else {
                throw damaged("unknown resource \(kindName)")
            }
            switch Record.decodeStored(json, kind.schema) {
            case .success(let record):
                guard contents.records.lacks(kind, record.id) else { throw damaged("record \(record.id) is repeated") }
                contents.records.insert(kind, record)
            case .failure(let problem): throw damaged(problem.description)
            }
        } else if let meta = object["meta"] {
            contents.annotations.append(meta)
        } else if object["end"] == .bool(true) {
            guard object["lines"] == .int(lines) else {
                throw damaged("its end line counts a different number of lines")
            }
            ended = true
        } else {
            throw damaged("unrecognised line")
        }
        lines += 1
    }
}
