import CZlib
import GridworkStore
import JSON

/// One journal line: a `Change` as JSON, checksummed.
///
///     {"seq":12,"at":"2026-12-06T08:00:00Z","by":"li-ming","puts":[{"kind":"grids","record":{…}}],
///      "removes":[{"kind":"cadres","id":"…"}],"before":[{"kind":"cadres","record":{…}}],"meta":…,
///      "crc32":"1a2b3c4d"}
///
/// `seq` is the store revision the change produced; `at` when, and `by` which principal. `before`
/// (absent when empty, and from lines written before it existed) holds the records the change
/// updated or removed as they were before it, so that an archived journal alone tells each
/// record's history; replay takes those images from the store instead. The CRC-32 (zlib's)
/// covers every byte before `,"crc32":`, so the last 20 bytes before the newline are always
/// `,"crc32":"xxxxxxxx"}`.
///
/// The first line of a journal file is its header, naming the store's epoch:
///
///     {"epoch":"1f0c9a2e","crc32":"…"}
enum JournalLine {
    static let trailerLength = 20
    static let trailerPrefix = Array(#","crc32":""#.utf8)

    /// The line for `change`, newline included.
    static func encode(_ change: Change, into bytes: inout [UInt8]) {
        var writer = JSONWriter()
        writer.raw("{")
        change.writeMembers(to: &writer, before: true)
        if let annotation = change.annotation {
            writer.raw(",\"meta\":")
            writer.value(annotation)
        }
        seal(writer.bytes, into: &bytes)
    }

    /// The header line naming `epoch`, newline included.
    static func encodeHeader(epoch: String, into bytes: inout [UInt8]) {
        var writer = JSONWriter()
        writer.raw("{\"epoch\":")
        writer.string(epoch)
        seal(writer.bytes, into: &bytes)
    }

    /// The epoch a header line names, or nil when `line` is not a header.
    static func header(_ line: ArraySlice<UInt8>) -> String? {
        guard isVerified(line), let object = object(line), case .string(let epoch)? = object["epoch"],
            object["seq"] == nil, Epoch.isValid(epoch)
        else { return nil }
        return epoch
    }

    /// Appends `json` (an object without its closing brace) with its checksum trailer and a newline.
    static func seal(_ json: [UInt8], into bytes: inout [UInt8]) {
        bytes.append(contentsOf: json)
        bytes.append(contentsOf: trailerPrefix)
        bytes.append(contentsOf: hex(checksum(json[...])))
        bytes.append(contentsOf: Array("\"}\n".utf8))
    }

    /// The change on `line` (no newline), or why it cannot be read.
    static func decode(_ line: ArraySlice<UInt8>) -> Result<Change, JournalError.Reason> {
        guard isVerified(line) else { return .failure(.checksum) }
        guard let object = object(line) else { return .failure(.syntax("the line is not a JSON object")) }
        guard case .int(let seq)? = object["seq"] else { return .failure(.syntax("`seq` is missing")) }
        var change = Change(revision: seq, annotation: object["meta"])
        // Lines written before changes were attributed carry neither.
        switch (object["at"], object["by"]) {
        case (.string(let at)?, .string(let by)?): (change.at, change.by) = (at, by)
        case (nil, nil): break
        default: return .failure(.syntax("`at` and `by` must both be strings"))
        }
        for (member, what) in [("puts", "a put"), ("before", "an image from before")] {
            guard case .array(let images)? = object[member] else { continue }
            for image in images {
                guard case .string(let kindName)? = image["kind"], let kind = ResourceKind(rawValue: kindName),
                    let json = image["record"]
                else { return .failure(.syntax("\(what) names no known resource")) }
                switch Record.decodeStored(json, kind.schema) {
                case .success(let record) where member == "puts": change.puts.append((kind, record))
                case .success(let record): change.before.append((kind, record))
                case .failure(let problem): return .failure(problem)
                }
            }
        }
        if case .array(let removes)? = object["removes"] {
            for remove in removes {
                guard case .string(let kindName)? = remove["kind"], let kind = ResourceKind(rawValue: kindName),
                    case .string(let id)? = remove["id"]
                else { return .failure(.syntax("a remove names no known resource")) }
                change.removes.append((kind, id))
            }
        }
        if change.at.isEmpty { change.at = change.puts.first?.record.updatedAt ?? "" }
        return .success(change)
    }

    /// The seq of a change's line, read from its first member where the server writes it
    /// (`{"seq":N,`) without decoding the rest; from the whole line otherwise. Nil when the line
    /// holds no change.
    static func seq(_ line: ArraySlice<UInt8>) -> Int? {
        let prefix = #"{"seq":"#.utf8
        if line.starts(with: prefix) {
            var index = line.startIndex + prefix.count
            var seq = 0
            var digits = 0
            while index < line.endIndex, digits < 18, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(line[index]) {
                seq = seq * 10 + Int(line[index] - UInt8(ascii: "0"))
                digits += 1
                index += 1
            }
            let leadingZero = digits > 1 && line[line.startIndex + prefix.count] == UInt8(ascii: "0")
            if digits > 0, !leadingZero, index < line.endIndex, line[index] == UInt8(ascii: ",") { return seq }
        }
        guard case .success(let change) = decode(line) else { return nil }
        return change.revision
    }

    /// The object a verified line holds, parsed in place: the trailer is one more member
    /// (`"crc32"`), which readers ignore.
    static func object(_ line: ArraySlice<UInt8>) -> JSONValue? {
        guard case .object(let members)? = try? JSONParser.parse(line) else { return nil }
        return .object(members)
    }

    /// Whether `line` ends in a checksum trailer that holds the CRC of everything before it.
    static func isVerified(_ line: ArraySlice<UInt8>) -> Bool {
        guard line.count > trailerLength else { return false }
        let split = line.endIndex - trailerLength
        let trailer = line[split...]
        guard trailer.starts(with: trailerPrefix), trailer.last == UInt8(ascii: "}"),
            trailer[trailer.endIndex - 2] == UInt8(ascii: "\"")
        else { return false }
        let digits = trailer[(split + trailerPrefix.count)..<(trailer.endIndex - 2)]
        let body = line[line.startIndex..<split]
        return digits.elementsEqual(hex(checksum(body)))
    }

    static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        bytes.withUnsafeBufferPointer { buffer in
            UInt32(truncatingIfNeeded: crc32(0, buffer.baseAddress, UInt32(buffer.count)))
        }
    }

    static func hex(_ value: UInt32) -> [UInt8] {
        let digits = Array("0123456789abcdef".utf8)
        return (0..<8).map { digits[Int((value >> UInt32(28 - 4 * $0)) & 0xF)] }
    }
}

extension Record {
    /// A record as `write(_:to:)` wrote it, server-owned fields included; no reference checks.
    static func decodeStored(_ json: JSONValue, _ schema: Schema) -> Result<Record, JournalError.Reason> {
        guard case .string(let id)? = json["id"], case .string(let createdAt)? = json["createdAt"],
            case .string(let updatedAt)? = json["updatedAt"], case .int(let revision)? = json["revision"],
            case .string(let sourceName)? = json["source"], let source = Source(rawValue: sourceName)
        else { return .failure(.syntax("a record lacks its id, timestamps, revision or source")) }
        // Journals and snapshots written before writes were attributed name no principal.
        let createdBy: String
        let updatedBy: String
        switch (json["createdBy"], json["updatedBy"]) {
        case (.string(let created)?, .string(let updated)?):
            (createdBy, updatedBy) = (created, updated)
        case (nil, nil):
            createdBy = source == .api ? Change.unattributed : Record.seedPrincipal
            updatedBy = revision == 1 ? createdBy : Change.unattributed
        default:
            return .failure(.syntax("record \(id) has `createdBy` or `updatedBy` but not both, or not as strings"))
        }
        switch schema.values(from: json, ignoring: Schema.serverOwned, rules: .stored) {
        case .success(let values):
            return .success(
                Record(
                    id: id, createdAt: createdAt, updatedAt: updatedAt, revision: revision, source: source,
                    createdBy: createdBy, updatedBy: updatedBy, values: values))
        case .failure(let failure):
            let first = failure.issues.first.map { "\($0.pointer): \($0.message)" } ?? "invalid"
            return .failure(.syntax("record \(id) does not fit its schema (\(first))"))
        }
    }
}
