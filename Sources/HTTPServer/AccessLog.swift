import Glibc
import HTTP1
import Synchronization

/// Where the access log goes, and how long a line may wait in an event loop's buffer.
///
/// Each event loop formats its lines into a buffer of its own and hands it to `sink` in one
/// write when it holds `flushBytes` or its oldest line is `flushInterval` old, and when the
/// loop stops (a drained SIGTERM loses nothing). That is nginx's `access_log … buffer= flush=`:
/// no lock and no system call per request. A `kill -9` loses at most the lines of the last
/// interval, never a response.
public struct AccessLogConfiguration: Sendable {
    /// Receives whole lines, a buffer at a time, from the loops' threads.
    public var sink: any AccessLogSink
    /// A loop writes its buffer once it holds this many bytes.
    public var flushBytes: Int
    /// A line waits at most about this long (plus one loop tick) before it is written.
    public var flushInterval: Duration

    /// A log written to `sink` in 32 KiB buffers, each line within about a second.
    public init(sink: any AccessLogSink, flushBytes: Int = 32 * 1024, flushInterval: Duration = .seconds(1)) {
        self.sink = sink
        self.flushBytes = max(1, flushBytes)
        self.flushInterval = flushInterval
    }
}

/// Takes formatted access lines. Called from any event loop's thread, a whole buffer of
/// complete lines at a time, so lines of two loops never interleave within a line.
public protocol AccessLogSink: Sendable {
    /// Writes `bytes` (one or more complete lines).
    func write(_ bytes: UnsafeRawBufferPointer)
}

/// A file descriptor, stderr by default: one `write(2)` loop per buffer.
public struct FileDescriptorAccessLog: AccessLogSink {
    let descriptor: Int32

    /// Lines go to `descriptor` (2: stderr).
    public init(descriptor: Int32 = 2) {
        self.descriptor = descriptor
    }

    public func write(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(descriptor, base + offset, bytes.count - offset)
            if written > 0 {
                offset += written
            } else if written < 0 && errno == EINTR {
                continue
            } else {
                return  // a log that cannot be written must not stop the server
            }
        }
    }
}

/// Lines kept in memory, for tests.
package final class MemoryAccessLog: AccessLogSink {
    private let written = Mutex<[UInt8]>([])
    /// How many buffers were written.
    private let writes = Atomic<Int>(0)

    package init() {}

    package func write(_ bytes: UnsafeRawBufferPointer) {
        written.withLock { $0.append(contentsOf: bytes) }
        writes.add(1, ordering: .relaxed)
    }

    /// Every line written so far, without its newline.
    package var lines: [String] {
        written.withLock { bytes in
            String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
        }
    }

    /// The number of `write` calls so far.
    package var writeCount: Int { writes.load(ordering: .relaxed) }
}

/// What one access line says. Built by the connection that answered.
package struct AccessEntry {
    var method: String
    var target: String
    var status: Int
    var bytes: Int
    var micros: UInt64
    var requestID: String
    var peer: String
    var user: String?
}

/// One event loop's access lines, waiting to be written. Owned by the loop; never shared.
///
/// A line is the one swift-log's handler writes for an `info` event named `request`, keys in
/// order: `2026-11-26T17:24:07.348Z info request client.address=… duration_ms=0.160
/// http.method=GET http.response.bytes=211 http.status=200 request.id=… url.path=/healthz user.id=-`.
struct AccessLogBuffer {
    let configuration: AccessLogConfiguration
    private(set) var bytes: [UInt8] = []
    /// When the oldest line still in the buffer was added; nil when it is empty.
    private var oldest: MonotonicInstant?
    private var timestamp = LogTimestamp()

    init(configuration: AccessLogConfiguration) {
        self.configuration = configuration
        bytes.reserveCapacity(configuration.flushBytes + 1024)
    }

    /// Adds the entry's line, stamped with the wall clock now; writes the buffer if it is full.
    mutating func append(_ entry: AccessEntry, at now: MonotonicInstant) {
        timestamp.append(to: &bytes)
        bytes.appendLiteral(" info request client.address=")
        Logfmt.appendValue(entry.peer, to: &bytes)
        bytes.appendLiteral(" duration_ms=")
        bytes.appendDecimal(Int(entry.micros / 1000))
        bytes.append(UInt8(ascii: "."))
        bytes.appendDecimal(Int(entry.micros % 1000), minimumDigits: 3)
        bytes.appendLiteral(" http.method=")
        Logfmt.appendValue(entry.method, to: &bytes)
        bytes.appendLiteral(" http.response.bytes=")
        bytes.appendDecimal(entry.bytes)
        bytes.appendLiteral(" http.status=")
        bytes.appendDecimal(entry.status)
        bytes.appendLiteral(" request.id=")
        Logfmt.appendValue(entry.requestID, to: &bytes)
        bytes.appendLiteral(" url.path=")
        Logfmt.appendValue(entry.target, to: &bytes)
        bytes.appendLiteral(" user.id=")
        Logfmt.appendValue(entry.user ?? "-", to: &bytes)
        bytes.append(0x0A)
        if oldest == nil { oldest = now }
        if bytes.count >= configuration.flushBytes { flush() }
    }

    /// Writes the buffer if its oldest line has waited the flush interval.
    mutating func flushIfDue(at now: MonotonicInstant) {
        guard let oldest, now >= oldest + configuration.flushInterval else { return }
        flush()
    }

    /// Writes whatever the buffer holds.
    mutating func flush() {
        oldest = nil
        guard !bytes.isEmpty else { return }
        bytes.withUnsafeBytes { configuration.sink.write($0) }
        bytes.removeAll(keepingCapacity: true)
    }
}

extension [UInt8] {
    /// Appends a literal's bytes with one copy (no per-byte walk of a string view).
    mutating func appendLiteral(_ literal: StaticString) {
        append(contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }
}

/// `2026-11-26T17:24:07.348Z`, as every log line starts: the part up to the seconds is formatted
/// once per second and kept, the milliseconds are written each time.
public struct LogTimestamp: Sendable {
    private var second = -1
    private var prefix: [UInt8] = []

    /// A formatter that has formatted nothing yet.
    public init() {}

    /// Appends the wall-clock time now.
    public mutating func append(to line: inout [UInt8]) {
        var wall = timespec()
        clock_gettime(CLOCK_REALTIME, &wall)
        let now = Int(wall.tv_sec)
        if now != second {
            second = now
            var time = time_t(now)
            var parts = tm()
            gmtime_r(&time, &parts)
            prefix.removeAll(keepingCapacity: true)
            for (value, width, separator) in [
                (Int(parts.tm_year) + 1900, 4, "-"), (Int(parts.tm_mon) + 1, 2, "-"), (Int(parts.tm_mday), 2, "T"),
                (Int(parts.tm_hour), 2, ":"), (Int(parts.tm_min), 2, ":"), (Int(parts.tm_sec), 2, "."),
            ] {
                prefix.appendDecimal(value, minimumDigits: width)
                prefix.append(contentsOf: separator.utf8)
            }
        }
        line.append(contentsOf: prefix)
        line.appendDecimal(Int(wall.tv_nsec) / 1_000_000, minimumDigits: 3)
        line.append(UInt8(ascii: "Z"))
    }
}

/// logfmt values as the server's log lines write them.
public enum Logfmt {
    /// Appends `text`, quoted when it is empty or holds a space, a control byte, `"` or `=`, so
    /// each line stays machine-readable (inside quotes `"` and `\` are escaped, a newline is
    /// `\n`, other control bytes are `?`).
    public static func appendValue(_ text: String, to line: inout [UInt8]) {
        var text = text
        text.withUTF8 { utf8 in
            let needsQuotes = utf8.isEmpty || utf8.contains { $0 <= 0x20 || $0 == 0x22 || $0 == 0x3D || $0 == 0x7F }
            guard needsQuotes else {
                line.append(contentsOf: utf8)
                return
            }
            line.append(0x22)
            for byte in utf8 {
                switch byte {
                case 0x22, 0x5C: line.append(contentsOf: [0x5C, byte])
                case 0x0A: line.append(contentsOf: [0x5C, UInt8(ascii: "n")])
                case 0x00..<0x20, 0x7F: line.append(UInt8(ascii: "?"))
                default: line.append(byte)
                }
            }
            line.append(0x22)
        }
    }
}
