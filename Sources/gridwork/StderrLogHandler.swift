import Glibc
import HTTPServer
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
        switch value {
        case .string(let string): Logfmt.appendValue(string, to: &line)
        case .stringConvertible(let convertible): Logfmt.appendValue(convertible.description, to: &line)
        default: Logfmt.appendValue(value.description, to: &line)
        }
    }

    static let clock = TimestampCache()
}

/// `2026-11-26T17:18:02.123Z` (`LogTimestamp`), shared by every handler of the process.
final class TimestampCache: Sendable {
    private let formatter = Mutex(LogTimestamp())

    func appendTimestamp(to line: inout [UInt8]) {
        formatter.withLock { $0.append(to: &line) }
    }
}
