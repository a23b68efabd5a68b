import Glibc

/// Request ids for requests that bring none: a random per-loop prefix and a counter, so ids are
/// unique within the process and unlikely to collide across restarts, at the cost of an increment.
struct RequestIDGenerator {
    private let prefix: String
    private var counter: UInt64 = 0

    init() {
        var random = SystemRandomNumberGenerator()
        prefix = String(random.next() as UInt32, radix: 16).leftPadded(to: 8)
    }

    mutating func next() -> String {
        counter &+= 1
        return prefix + String(counter, radix: 16).leftPadded(to: 8)
    }

    /// The client's id when it is short visible ASCII, which is safe to log and echo.
    static func clientSupplied(_ value: String?) -> String? {
        guard let value, !value.isEmpty, value.utf8.count <= 128,
            value.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
        else { return nil }
        return value
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
