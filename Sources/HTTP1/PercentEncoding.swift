/// Strict percent-decoding (RFC 3986 §2.1).
public enum PercentEncoding {
    /// Why a component could not be decoded.
    public enum Failure: Error, Sendable, Equatable {
        /// `%` not followed by two hex digits.
        case invalidEscape
        /// `%00`, which no record key or name may contain.
        case nulByte
        /// The decoded bytes are not UTF-8.
        case invalidUTF8
    }

    /// Decodes `component`; `plusIsSpace` applies the form-encoding rule of query strings.
    public static func decode(_ component: Substring, plusIsSpace: Bool = false, allowNUL: Bool = false)
        throws(Failure) -> String
    {
        let utf8 = component.utf8
        guard utf8.contains(UInt8(ascii: "%")) || (plusIsSpace && utf8.contains(UInt8(ascii: "+"))) else {
            return String(component)
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count)
        var index = utf8.startIndex
        while index != utf8.endIndex {
            let byte = utf8[index]
            if byte == UInt8(ascii: "%") {
                let high = utf8.index(after: index)
                guard high != utf8.endIndex else { throw .invalidEscape }
                let low = utf8.index(after: high)
                guard low != utf8.endIndex, let hi = ByteClass.hexValue(utf8[high]),
                    let lo = ByteClass.hexValue(utf8[low])
                else { throw .invalidEscape }
                let decoded = UInt8(hi << 4 | lo)
                guard decoded != 0 || allowNUL else { throw .nulByte }
                bytes.append(decoded)
                index = utf8.index(after: low)
            } else {
                bytes.append(plusIsSpace && byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
                index = utf8.index(after: index)
            }
        }
        guard let string = String(validating: bytes, as: UTF8.self) else { throw .invalidUTF8 }
        return string
    }

    /// Checks that every `%` in `bytes` starts a two-hex-digit escape, and (when `allowNUL` is
    /// false) that none of them is `%00`.
    static func validate(_ bytes: UnsafeBufferPointer<UInt8>, allowNUL: Bool) -> Failure? {
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "%") {
                guard index + 2 < bytes.count, let hi = ByteClass.hexValue(bytes[index + 1]),
                    let lo = ByteClass.hexValue(bytes[index + 2])
                else { return .invalidEscape }
                if !allowNUL && hi == 0 && lo == 0 { return .nulByte }
                index += 3
            } else {
                index += 1
            }
        }
        return nil
    }
}
