import Glibc

/// RFC 3339 UTC timestamps for `createdAt` and `updatedAt`.
public enum Timestamp {
    /// Now, to the second: `2026-11-26T18:50:00Z`.
    public static func now() -> String {
        var time = time(nil)
        var parts = tm()
        gmtime_r(&time, &parts)
        return "\(parts.tm_year + 1900)-\((parts.tm_mon + 1).zeroPadded(2))-\(parts.tm_mday.zeroPadded(2))T"
            + "\(parts.tm_hour.zeroPadded(2)):\(parts.tm_min.zeroPadded(2)):\(parts.tm_sec.zeroPadded(2))Z"
    }

    /// Seconds since the Unix epoch.
    public static func unixSeconds() -> Int {
        Int(time(nil))
    }
}
