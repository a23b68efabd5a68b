import Glibc

/// Request ids for requests that bring none: a random per-loop prefix and a counter, so ids are
/// unique within the process and unlikely to collide across restarts, at the cost of an increment.
struct RequestIDGenerator {
    private let prefix: UInt32
    private var counter: UInt32 = 0

    init() {
        var random = SystemRandomNumberGenerator()
        prefix = random.next()
    }

    /// Sixteen lower-case hex digits, written straight into the string's storage (one
    /// allocation, nothing formatted twice): every request that brings no id takes one.
    mutating func next() -> String {
        counter &+= 1
        let value = UInt64(prefix) << 32 | UInt64(counter)
        return String(unsafeUninitializedCapacity: 16) { buffer in
            for index in 0..<16 {
                let digit = UInt8(truncatingIfNeeded: value >> UInt64(60 - 4 * index)) & 0x0F
                buffer[index] = digit < 10 ? UInt8(ascii: "0") + digit : UInt8(ascii: "a") + digit - 10
            }
            return 16
        }
    }

    /// The client's id when it is short visible ASCII, which is safe to log and echo.
    static func clientSupplied(_ value: String?) -> String? {
        guard let value, !value.isEmpty, value.utf8.count <= 128,
            value.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
        else { return nil }
        return value
    }
}
