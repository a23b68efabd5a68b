public import HTTPTypes

/// The minimal RFC 9457 body used where no richer problem is available (protocol errors, 404, 405).
public enum ProblemBody {
    /// Encodes `{"type":"about:blank","title":…,"status":…,"detail":…}` as UTF-8.
    public static func encode(status: HTTPResponse.Status, detail: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(96 + detail.utf8.count)
        out.append(contentsOf: #"{"type":"about:blank","title":"#.utf8)
        JSONString.append(status.reasonPhrase, to: &out)
        out.append(contentsOf: #","status":"#.utf8)
        out.append(contentsOf: String(status.code).utf8)
        out.append(contentsOf: #","detail":"#.utf8)
        JSONString.append(detail, to: &out)
        out.append(UInt8(ascii: "}"))
        return out
    }
}

/// Writes JSON string literals without Foundation.
public enum JSONString {
    /// Appends `value` as a quoted, escaped JSON string (RFC 8259 §7).
    public static func append(_ value: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x00..<0x20, 0x7F:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
