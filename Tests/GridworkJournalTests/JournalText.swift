import Testing

/// A journal (or snapshot) file as lines, each with its newline, to rearrange and re-seal in
/// tests. Lines are re-sealed with a CRC-32 computed here, independently of the encoder, so a
/// rewritten line is one the loader cannot tell from a line the journal wrote.
struct JournalText: Equatable {
    /// `,"crc32":"xxxxxxxx"}` and the newline.
    static let trailerLength = 21

    var lines: [[UInt8]]

    init(_ bytes: [UInt8]) {
        lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).dropLast().map {
            Array($0) + [UInt8(ascii: "\n")]
        }
    }

    init(lines: [[UInt8]]) {
        self.lines = lines
    }

    var bytes: [UInt8] { lines.flatMap { $0 } }

    /// The byte offset at which line `index` starts.
    func offset(ofLine index: Int) -> Int {
        lines[..<index].reduce(0) { $0 + $1.count }
    }

    /// Line `index` without its trailer, as text.
    func body(_ index: Int) -> String {
        String(decoding: lines[index].dropLast(Self.trailerLength), as: UTF8.self)
    }

    /// A line holding `body` (a JSON object without its closing brace), sealed as the journal
    /// seals it: the CRC-32 of the body's bytes, then a newline.
    static func sealed(_ body: String) -> [UInt8] {
        let hex = String(crc32(Array(body.utf8)), radix: 16)
        let digits = String(repeating: "0", count: 8 - hex.count) + hex
        return Array((body + #","crc32":""# + digits + "\"}\n").utf8)
    }

    /// The header line a journal of `epoch` begins with.
    static func header(epoch: String) -> [UInt8] {
        sealed(#"{"epoch":""# + epoch + "\"")
    }

    /// Line `index` with `old` replaced by `new` and sealed again. Requires `old` to occur.
    func resealed(
        _ index: Int, replacing old: String, with new: String, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> [UInt8] {
        let body = body(index)
        try #require(body.contains(old), "line \(index) holds \(old)", sourceLocation: sourceLocation)
        return Self.sealed(body.replacing(old, with: new))
    }

    /// zlib's CRC-32 (reflected, polynomial 0xEDB88320), bit by bit.
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}
