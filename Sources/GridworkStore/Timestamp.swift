import Glibc

/// RFC 3339 UTC timestamps for `createdAt` and `updatedAt`.
public enum Timestamp {
    /// Now, to the second: `2026-11-26T18:50:00Z`.
    public static func now() -> String {
        var time = time(nil)
        var parts = tm()
        gmtime_r(&time, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))Z"
    }
}
