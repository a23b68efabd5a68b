public import HTTPTypes

/// Writes response heads and bodies as HTTP/1.1 bytes (RFC 9112 §4, §6): the framing fields
/// (`Content-Length` or chunked, `Connection`, `Date`, `Server`) are the codec's; the status
/// and the other fields are the caller's.
public enum ResponseSerializer {
    /// What the server adds to every response head.
    public struct Framing: Sendable {
        /// The `Date` value (RFC 9110 §6.6.1), formatted once a second by the caller.
        public var date: [UInt8]
        /// Whether the connection stays open; decides the `Connection` field.
        public var keepAlive: Bool
        /// The request's version: an HTTP/1.0 client must be told `keep-alive` explicitly.
        public var requestVersion: HTTPVersion
        /// For HEAD: send the length of the body, but not the body.
        public var omitBody: Bool

        /// Creates framing options.
        public init(date: [UInt8], keepAlive: Bool, requestVersion: HTTPVersion, omitBody: Bool) {
            self.date = date
            self.keepAlive = keepAlive
            self.requestVersion = requestVersion
            self.omitBody = omitBody
        }
    }

    static let serverField: [UInt8] = Array("\r\nServer: gridwork".utf8)

    /// Appends the complete response (head and, unless omitted, body) to `out`.
    ///
    /// The responder's own `Content-Length`, `Transfer-Encoding`, `Connection` and `Date` fields
    /// are replaced: framing belongs to the server.
    public static func write(
        status: HTTPResponse.Status,
        headerFields: HTTPFields,
        body: [UInt8],
        framing: Framing,
        into out: inout [UInt8]
    ) {
        writeHead(status: status, headerFields: headerFields, framing: framing, contentLength: body.count, into: &out)
        if !framing.omitBody && !body.isEmpty && mayHaveBody(status) {
            out.append(contentsOf: body)
        }
    }

    /// Appends the status line and fields, ending with the empty line.
    /// With `contentLength` nil the head announces `Transfer-Encoding: chunked`, except to an
    /// HTTP/1.0 client, for which the body then ends when the connection closes.
    public static func writeHead(
        status: HTTPResponse.Status,
        headerFields: HTTPFields,
        framing: Framing,
        contentLength: Int?,
        into out: inout [UInt8]
    ) {
        out.append(contentsOf: statusLine(status))
        out.append(contentsOf: "\r\nDate: ".utf8)
        out.append(contentsOf: framing.date)
        out.append(contentsOf: serverField)
        for field in headerFields where !isFramingField(field.name.canonicalName) {
            out.append(0x0D)
            out.append(0x0A)
            out.append(contentsOf: field.name.rawName.utf8)
            out.append(UInt8(ascii: ":"))
            out.append(0x20)
            field.withUnsafeBytesOfValue { out.append(contentsOf: $0) }
        }
        if mayHaveBody(status) {
            if let contentLength {
                out.append(contentsOf: "\r\nContent-Length: ".utf8)
                out.appendDecimal(contentLength)
            } else if framing.requestVersion != .http1_0 {
                out.append(contentsOf: "\r\nTransfer-Encoding: chunked".utf8)
            }
        }
        if !framing.keepAlive {
            out.append(contentsOf: "\r\nConnection: close".utf8)
        } else if framing.requestVersion == .http1_0 {
            out.append(contentsOf: "\r\nConnection: keep-alive".utf8)
        }
        out.append(contentsOf: crlfCRLF)
    }

    static let crlfCRLF: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A]

    /// The fields the serializer writes itself (`Content-Length`, `Transfer-Encoding`,
    /// `Connection`, `Date`, `Server`), so a responder's own are dropped. Every field of every
    /// response is asked, so the length decides first: most names are none of these.
    static func isFramingField(_ canonicalName: String) -> Bool {
        switch canonicalName.utf8.count {
        case 4: canonicalName == "date"
        case 6: canonicalName == "server"
        case 10: canonicalName == "connection"
        case 14: canonicalName == "content-length"
        case 17: canonicalName == "transfer-encoding"
        default: false
        }
    }

    /// Appends one chunk of a chunked body (RFC 9112 §7.1); an empty chunk is skipped, since
    /// a zero-length chunk would end the body.
    public static func writeChunk(_ bytes: some Collection<UInt8>, into out: inout [UInt8]) {
        guard !bytes.isEmpty else { return }
        out.append(contentsOf: String(bytes.count, radix: 16).utf8)
        out.append(0x0D)
        out.append(0x0A)
        out.append(contentsOf: bytes)
        out.append(0x0D)
        out.append(0x0A)
    }

    /// Appends the last chunk and the empty trailer section.
    public static func writeLastChunk(into out: inout [UInt8]) {
        out.append(contentsOf: "0\r\n\r\n".utf8)
    }

    /// 1xx, 204 and 304 responses never carry content (RFC 9110 §6.4.1).
    public static func mayHaveBody(_ status: HTTPResponse.Status) -> Bool {
        !(status.code < 200 || status.code == 204 || status.code == 304)
    }

    /// `HTTP/1.1 200 OK`, precomputed for the statuses the server uses.
    static func statusLine(_ status: HTTPResponse.Status) -> [UInt8] {
        if status.code >= 100 && status.code < 600, let line = statusLines[status.code - 100] {
            return line
        }
        return Array("HTTP/1.1 \(status.code) \(status.reasonPhrase)".utf8)
    }

    static let statusLines: [[UInt8]?] = (100..<600).map { code in
        let status = HTTPResponse.Status(code: code)
        guard status.reasonPhrase != "" else { return nil }
        return Array("HTTP/1.1 \(code) \(status.reasonPhrase)".utf8)
    }

}

extension [UInt8] {
    /// Appends the decimal digits of `value` (negative counts as 0), left-padded with zeros to
    /// `minimumDigits`: a `Content-Length`, a status, a log's time fields. No string is made.
    package mutating func appendDecimal(_ value: Int, minimumDigits: Int = 1) {
        var rest = UInt(Swift.max(0, value))
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var start = digits.count
            repeat {
                start -= 1
                digits[start] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            } while rest > 0
            for _ in 0..<Swift.max(0, minimumDigits - (digits.count - start)) { append(UInt8(ascii: "0")) }
            append(contentsOf: UnsafeBufferPointer(rebasing: digits[start...]))
        }
    }
}
