/// Character classes of RFC 9110 §5.6 and RFC 3986, as 256-entry lookup tables.
enum ByteClass {
    /// `tchar` (RFC 9110 §5.6.2): the characters of a token, such as a method or a field name.
    static let token: [Bool] = (0...255).map { byte in
        switch UInt8(byte) {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(UInt8(byte))
        }
    }

    /// Bytes allowed in a field value (RFC 9110 §5.5): VCHAR, obs-text, SP and HTAB.
    static let fieldValue: [Bool] = (0...255).map { byte in
        byte == 0x09 || byte == 0x20 || (0x21...0x7E).contains(byte) || byte >= 0x80
    }

    /// Bytes allowed in a request target: visible ASCII except `#`, and UTF-8 bytes (checked later).
    static let target: [Bool] = (0...255).map { byte in
        ((0x21...0x7E).contains(byte) && byte != UInt8(ascii: "#")) || byte >= 0x80
    }

    /// Bytes allowed in a `Host` value (RFC 3986 §3.2.2 reg-name / IP-literal, plus `:port`).
    static let host: [Bool] = (0...255).map { byte in
        switch UInt8(byte) {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "-._~!$&'()*+,;=%:[]".utf8.contains(UInt8(byte))
        }
    }

    /// The value of an ASCII hex digit, or nil.
    @inline(__always)
    static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return Int(byte &- UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return Int(byte &- UInt8(ascii: "a") &+ 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return Int(byte &- UInt8(ascii: "A") &+ 10)
        default: return nil
        }
    }

    /// ASCII lower-casing of one byte.
    @inline(__always)
    static func lower(_ byte: UInt8) -> UInt8 {
        (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) ? byte | 0x20 : byte
    }
}

extension UnsafeBufferPointer<UInt8> {
    /// Whether the bytes equal `lowercased` ignoring ASCII case; `lowercased` must be lower case.
    @inline(__always)
    func equalsCaseInsensitive(_ lowercased: StaticString) -> Bool {
        guard count == lowercased.utf8CodeUnitCount else { return false }
        let other = lowercased.utf8Start
        for index in 0..<count where ByteClass.lower(self[index]) != other[index] {
            return false
        }
        return true
    }
}
