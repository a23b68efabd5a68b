/// Opaque pagination cursors: the last id of a page, base64url-encoded (RFC 4648 §5) so clients
/// treat it as a token rather than something to build.
import GridworkStore

enum Cursor {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// A position: the sort spec it belongs to and the last record's sort values, then its id.
    struct Position {
        var sort: String
        var values: [SortValue]
    }

    static func encode(sort: String, values: [SortValue]) -> String {
        var writer = JSONWriter(capacity: 64)
        writer.raw("[")
        writer.string(sort)
        for value in values {
            writer.raw(",")
            switch value {
            case .null: writer.raw("null")
            case .int(let number): writer.int(number)
            case .string(let text): writer.string(text)
            }
        }
        writer.raw("]")
        return base64(writer.bytes)
    }

    static func decode(_ token: String) -> Position? {
        guard let bytes = unbase64(token), case .array(let elements)? = try? JSONParser.parse(bytes),
            case .string(let sort)? = elements.first
        else { return nil }
        var values: [SortValue] = []
        for element in elements.dropFirst() {
            switch element {
            case .null: values.append(.null)
            case .int(let number): values.append(.int(number))
            case .string(let text): values.append(.string(text))
            default: return nil
            }
        }
        return Position(sort: sort, values: values)
    }

    static func base64(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            let chunk = bytes[index..<min(index + 3, bytes.count)]
            var value = 0
            for byte in chunk { value = value << 8 | Int(byte) }
            value <<= 8 * (3 - chunk.count)
            for position in 0..<(chunk.count + 1) {
                out.append(alphabet[(value >> (18 - 6 * position)) & 63])
            }
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func unbase64(_ token: String) -> [UInt8]? {
        var value = 0
        var bits = 0
        var bytes: [UInt8] = []
        for character in token.utf8 {
            guard let digit = alphabet.firstIndex(of: character) else { return nil }
            value = (value << 6 | digit) & 0xFFFFFF
            bits += 6
            if bits >= 8 {
                bits -= 8
                bytes.append(UInt8((value >> bits) & 0xFF))
            }
        }
        return bytes
    }
}
