import Glibc
import Logging
import Synchronization

/// A swift-log handler that writes one logfmt-style line per event to stderr with a single
/// `write(2)`: `2026-11-26T17:18:02.123Z info request http.method=GET http.status=200 …`.
///
/// It exists because access lines are on the request path: the line is built in one byte buffer,
/// the timestamp's seconds part is formatted once per second, and there is no stdio lock or flush.
///
/// Concurrency: a value type; the shared timestamp cache sits in a `Mutex`.
struct StderrLogHandler: LogHandler {
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    let label: String

    init(label: String, level: Logger.Level) {
        self.label = label
        self.logLevel = level
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var line: [UInt8] = []
        line.reserveCapacity(256)
        Self.clock.appendTimestamp(to: &line)
        line.append(0x20)
        line.append(contentsOf: event.level.rawValue.utf8)
        line.append(0x20)
        line.append(contentsOf: event.message.description.utf8)
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        for key in merged.keys.sorted() {
            line.append(0x20)
            line.append(contentsOf: key.utf8)
            line.append(UInt8(ascii: "="))
            Self.appendValue(merged[key]!, to: &line)
        }
        line.append(0x0A)
        line.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(2, bytes.baseAddress! + offset, bytes.count - offset)
                if written > 0 {
                    offset += written
                } else if written < 0 && errno == EINTR {
                    continue
                } else {
                    return
                }
            }
        }
    }

    /// Values with spaces, quotes or `=` are quoted so each line stays machine-readable.
    static func appendValue(_ value: Logger.Metadata.Value, to line: inout [UInt8]) {
        let text: String
        switch value {
        case .string(let string): text = string
        case .stringConvertible(let convertible): text = convertible.description
        default: text = value.description
        }
        let needsQuotes = text.isEmpty || text.utf8.contains { $0 <= 0x20 || $0 == 0x22 || $0 == 0x3D || $0 == 0x7F }
        guard needsQuotes else {
            line.append(contentsOf: text.utf8)
            return
        }
        line.append(0x22)
        for byte in text.utf8 {
            switch byte {
            case 0x22, 0x5C: line.append(contentsOf: [0x5C, byte])
            case 0x0A: line.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x00..<0x20, 0x7F: line.append(UInt8(ascii: "?"))
            default: line.append(byte)
            }
        }
        line.append(0x22)
    }

    static let clock = TimestampCache()
}

/// `2026-11-26T17:18:02.123Z`, with the part up to the seconds formatted once per second.
final class TimestampCache: Sendable {
    private let cached = Mutex<(second: Int, prefix: [UInt8])>((-1, []))

    func appendTimestamp(to line: inout [UInt8]) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let second = Int(now.tv_sec)
        let prefix = cached.withLock { cache -> [UInt8] in
            if cache.second != second {
                var time = time_t(second)
                var parts = tm()
                gmtime_r(&time, &parts)
                func pad(_ value: Int32, _ width: Int) -> String {
                    let digits = String(value)
                    return String(repeating: "0", count: max(0, width - digits.count)) + digits
                }
                let text =
                    "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
                    + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))."
                cache = (second, Array(text.utf8))
            }
            return cache.prefix
        }
        line.append(contentsOf: prefix)
        let millis = Int(now.tv_nsec) / 1_000_000
        line.append(UInt8(ascii: "0") + UInt8(millis / 100))
        line.append(UInt8(ascii: "0") + UInt8(millis / 10 % 10))
        line.append(UInt8(ascii: "0") + UInt8(millis % 10))
        line.append(UInt8(ascii: "Z"))
    }
}
