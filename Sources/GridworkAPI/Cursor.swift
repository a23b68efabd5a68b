/// Opaque pagination cursors: the list a page belongs to and the last record's position in it,
/// base64url-encoded (RFC 4648 §5) so clients treat it as a token rather than something to build.
import GridworkStore
import JSON

enum Cursor {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// The list a cursor was issued for. A position only means something in the order and among
    /// the matches it came from: elsewhere it would skip or repeat records, or (on another
    /// resource) read as the end of the list.
    struct Scope: Equatable {
        /// The resource listed (`assistance-records`).
        var resource: String
        /// The `sort` parameter as given.
        var sort: String
        /// A fingerprint of the filters (with a nested read's parent) and `q`; see `ListQuery`.
        var filters: String
        /// The region the list was answered within (`Region.fingerprint`): the same parameters
        /// list other records for a principal of another scope.
        var region: String
    }

    /// A position: the list it belongs to and the last record's sort values, then its id.
    struct Position {
        var scope: Scope
        var values: [SortValue]
    }

    static func encode(_ scope: Scope, values: [SortValue]) -> String {
        var writer = JSONWriter(capacity: 96)
        writer.raw("[")
        writer.string(scope.resource)
        writer.raw(",")
        writer.string(scope.sort)
        writer.raw(",")
        writer.string(scope.filters)
        writer.raw(",")
        writer.string(scope.region)
        for value in values {
            writer.raw(",")
            write(value, to: &writer)
        }
        writer.raw("]")
        return base64(writer.bytes)
    }

    /// One sort value as a JSON scalar.
    static func write(_ value: SortValue, to writer: inout JSONWriter) {
        switch value {
        case .null: writer.raw("null")
        case .int(let number): writer.int(number)
        case .string(let text): writer.string(text)
        }
    }

    static func decode(_ token: String) -> Position? {
        guard let bytes = unbase64(token), case .array(let elements)? = try? JSONParser.parse(bytes),
            elements.count >= 4, case .string(let resource) = elements[0], case .string(let sort) = elements[1],
            case .string(let filters) = elements[2], case .string(let region) = elements[3]
        else { return nil }
        var values: [SortValue] = []
        for element in elements.dropFirst(4) {
            switch element {
            case .null: values.append(.null)
            case .int(let number): values.append(.int(number))
            case .string(let text): values.append(.string(text))
            default: return nil
            }
        }
        return Position(scope: Scope(resource: resource, sort: sort, filters: filters, region: region), values: values)
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
