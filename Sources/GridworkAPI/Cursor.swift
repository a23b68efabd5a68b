/// Opaque pagination cursors: the last id of a page, base64url-encoded (RFC 4648 §5) so clients
/// treat it as a token rather than something to build.
enum Cursor {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    static func encode(afterID id: String) -> String {
        let bytes = Array(("v1:" + id).utf8)
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

    /// The id after which the next page starts; nil for anything this server did not issue.
    static func decode(_ token: String) -> String? {
        var value = 0
        var bits = 0
        var bytes: [UInt8] = []
        for character in token.utf8 {
            guard let digit = alphabet.firstIndex(of: character) else { return nil }
            value = value << 6 | digit
            bits += 6
            if bits >= 8 {
                bits -= 8
                bytes.append(UInt8((value >> bits) & 0xFF))
            }
        }
        guard let text = String(validating: bytes, as: UTF8.self), text.hasPrefix("v1:"), text.count > 3 else {
            return nil
        }
        return String(text.dropFirst(3))
    }
}
