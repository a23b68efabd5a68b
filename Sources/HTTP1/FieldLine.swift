public import HTTPTypes

/// One `field-name ":" OWS field-value OWS` line (RFC 9112 §5).
struct FieldLine {
    var field: HTTPField
    var known: KnownField?

    /// The fields the parser interprets itself.
    enum KnownField {
        case host, contentLength, transferEncoding, connection, expect
    }

    static func parse(_ line: UnsafeBufferPointer<UInt8>) throws(HTTPParseError) -> FieldLine {
        guard let first = line.first else { throw .badRequest("Empty header field line.") }
        if first == 0x20 || first == 0x09 {
            throw .badRequest("Obsolete line folding is not accepted (RFC 9112 §5.2).")
        }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
            throw .badRequest("A header field line has no colon.")
        }
        guard colon > 0 else { throw .badRequest("A header field has an empty name.") }
        let nameBytes = UnsafeBufferPointer(rebasing: line[0..<colon])
        for byte in nameBytes where !ByteClass.token[Int(byte)] {
            if byte == 0x20 || byte == 0x09 {
                throw .badRequest("Whitespace between a field name and its colon is not allowed (RFC 9112 §5.1).")
            }
            throw .badRequest("A header field name contains a character that is not allowed (RFC 9110 §5.1).")
        }
        var valueStart = colon + 1
        var valueEnd = line.count
        while valueStart < valueEnd, line[valueStart] == 0x20 || line[valueStart] == 0x09 { valueStart += 1 }
        while valueEnd > valueStart, line[valueEnd - 1] == 0x20 || line[valueEnd - 1] == 0x09 { valueEnd -= 1 }
        let valueBytes = UnsafeBufferPointer(rebasing: line[valueStart..<valueEnd])
        for byte in valueBytes where !ByteClass.fieldValue[Int(byte)] {
            throw .badRequest("A header field value contains a control character or NUL (RFC 9110 §5.5).")
        }
        let (name, known) = Self.name(nameBytes)
        return FieldLine(field: HTTPField(name: name, value: valueBytes), known: known)
    }

    /// `Host`; HTTPTypes hides its constant to steer HTTP/2 code to `authority`.
    static let hostName = HTTPField.Name("Host")!

    /// Maps frequent names without allocating; falls back to HTTPField.Name's own validation.
    static func name(_ bytes: UnsafeBufferPointer<UInt8>) -> (HTTPField.Name, KnownField?) {
        switch bytes.count {
        case 4 where bytes.equalsCaseInsensitive("host"): return (hostName, .host)
        case 6 where bytes.equalsCaseInsensitive("accept"): return (.accept, nil)
        case 6 where bytes.equalsCaseInsensitive("expect"): return (.expect, .expect)
        case 10 where bytes.equalsCaseInsensitive("connection"): return (.connection, .connection)
        case 10 where bytes.equalsCaseInsensitive("user-agent"): return (.userAgent, nil)
        case 12 where bytes.equalsCaseInsensitive("content-type"): return (.contentType, nil)
        case 12 where bytes.equalsCaseInsensitive("x-request-id"): return (.requestID, nil)
        case 13 where bytes.equalsCaseInsensitive("authorization"): return (.authorization, nil)
        case 13 where bytes.equalsCaseInsensitive("if-none-match"): return (.ifNoneMatch, nil)
        case 14 where bytes.equalsCaseInsensitive("content-length"): return (.contentLength, .contentLength)
        case 15 where bytes.equalsCaseInsensitive("accept-encoding"): return (.acceptEncoding, nil)
        case 17 where bytes.equalsCaseInsensitive("transfer-encoding"):
            return (.transferEncoding, .transferEncoding)
        default:
            // Already checked to be a token, which is all HTTPField.Name requires.
            return (HTTPField.Name(String(decoding: bytes, as: UTF8.self))!, nil)
        }
    }
}

extension HTTPField.Name {
    /// `X-Request-ID`: the request id, echoed or generated.
    public static let requestID = HTTPField.Name("X-Request-ID")!
}

/// What the fields of one head say about framing and the connection (RFC 9112 §6, §9).
struct FieldSemantics {
    var hostCount = 0
    var host: String?
    var contentLength: Int?
    var contentLengthConflict = false
    var transferCodings: [String] = []
    var sawTransferEncoding = false
    var connectionClose = false
    var connectionKeepAlive = false
    var expectContinue = false

    mutating func observe(_ line: FieldLine) throws(HTTPParseError) {
        guard let known = line.known else { return }
        let value = line.field.value
        switch known {
        case .host:
            hostCount += 1
            guard value.utf8.allSatisfy({ ByteClass.host[Int($0)] }) else {
                throw .badRequest("The Host header is not a valid host[:port] (RFC 9110 §7.2).")
            }
            host = value
        case .contentLength:
            // A list of identical lengths is one length (RFC 9112 §6.3 ¶5); anything else is fatal.
            for element in value.utf8.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false) {
                let trimmed = element.trimmingOWS()
                guard !trimmed.isEmpty, trimmed.count <= 18,
                    trimmed.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
                else {
                    throw .badRequest("Content-Length must be a non-negative decimal integer (RFC 9110 §8.6).")
                }
                let length = trimmed.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
                if let contentLength, contentLength != length {
                    throw .badRequest("The request has conflicting Content-Length values (RFC 9112 §6.3).")
                }
                contentLength = length
            }
        case .transferEncoding:
            sawTransferEncoding = true
            for element in value.utf8.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false) {
                let trimmed = element.trimmingOWS()
                // ASCII-only case folding: Unicode lower-casing would turn "chun\u{212A}ed" into
                // "chunked", a disagreement with any proxy in front (request smuggling).
                guard trimmed.allSatisfy({ ByteClass.token[Int($0)] }) else {
                    throw .badRequest("A transfer coding must be a token (RFC 9112 §7).")
                }
                transferCodings.append(trimmed.asciiLowercased())
            }
        case .connection:
            for element in value.utf8.split(separator: UInt8(ascii: ",")) {
                let option = element.trimmingOWS().asciiLowercased()
                if option == "close" { connectionClose = true }
                if option == "keep-alive" { connectionKeepAlive = true }
            }
        case .expect:
            // A list, possibly spread over several fields (RFC 9110 §5.3); every member must be
            // the one expectation defined.
            for element in value.utf8.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false) {
                guard element.trimmingOWS().asciiLowercased() == "100-continue" else {
                    throw HTTPParseError(.expectationFailed, "Only `Expect: 100-continue` is supported.")
                }
            }
            expectContinue = true
        }
    }

    /// Decides the body framing: Transfer-Encoding (only a single `chunked`) or Content-Length,
    /// never both (RFC 9112 §6.1, §6.3).
    func framing(version: HTTPVersion, limits: MessageLimits) throws(HTTPParseError) -> RequestParser.Framing? {
        if sawTransferEncoding {
            guard version == .http1_1 else {
                throw .badRequest("Transfer-Encoding is not allowed in an HTTP/1.0 request (RFC 9112 §6.1).")
            }
            guard contentLength == nil else {
                throw .badRequest("A request may not carry both Content-Length and Transfer-Encoding (RFC 9112 §6.1).")
            }
            guard transferCodings == ["chunked"] else {
                throw .badRequest("The only transfer coding accepted is a single `chunked` (RFC 9112 §6.1).")
            }
            return .chunked
        }
        if let contentLength {
            guard contentLength <= limits.maxBodyBytes else { throw .bodyTooLarge }
            return .length(contentLength)
        }
        return nil
    }

    /// HTTP/1.1 requests need exactly one Host; no request may have two (RFC 9112 §3.2).
    func checkHost(version: HTTPVersion) throws(HTTPParseError) {
        if hostCount > 1 { throw .badRequest("The request has more than one Host header (RFC 9112 §3.2).") }
        if hostCount == 0 && version == .http1_1 {
            throw .badRequest("An HTTP/1.1 request must have a Host header (RFC 9112 §3.2).")
        }
    }
}

extension Sequence<UInt8> {
    /// The bytes as a string, with only ASCII letters lower-cased.
    func asciiLowercased() -> String {
        String(decoding: map(ByteClass.lower), as: UTF8.self)
    }
}

extension BidirectionalCollection<UInt8> where SubSequence == Self {
    /// Drops leading and trailing SP and HTAB.
    func trimmingOWS() -> SubSequence {
        var result = self[...]
        while let first = result.first, first == 0x20 || first == 0x09 { result = result.dropFirst() }
        while let last = result.last, last == 0x20 || last == 0x09 { result = result.dropLast() }
        return result
    }
}
