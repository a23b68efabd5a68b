import Glibc
import Synchronization

/// RFC 3339 UTC timestamps for `createdAt` and `updatedAt`.
public enum Timestamp {
    /// The last second formatted and its text. Writes within one second share one string, so a
    /// burst of creates neither formats nor allocates a timestamp per record.
    private static let latest = Mutex<(second: Int, text: String)>((-1, ""))

    /// Now, to the second: `2026-11-26T18:50:00Z`.
    public static func now() -> String {
        let second = Int(time(nil))
        return latest.withLock { latest in
            if latest.second != second { latest = (second, format(second)) }
            return latest.text
        }
    }

    /// `secondsSinceEpoch` in UTC, as `now()` writes it.
    static func format(_ secondsSinceEpoch: Int) -> String {
        var time = time_t(secondsSinceEpoch)
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
