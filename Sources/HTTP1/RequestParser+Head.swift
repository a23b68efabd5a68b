import HTTPTypes

extension RequestParser {
    /// How the body of a request is delimited (RFC 9112 §6.3).
    enum Framing: Sendable, Equatable {
        case length(Int)
        case chunked
    }

    struct ParsedHead: Sendable {
        var request: PartialRequest
        var framing: Framing?
    }

    /// Scans for the empty line ending the head; returns the index just past it.
    mutating func scanHead() throws(HTTPParseError) -> Int? {
        // RFC 9112 §2.2: ignore empty lines received before the request line.
        if scan.requestLineEnd == nil && scan.scanned == readIndex {
            while buffer.count - readIndex >= 2, buffer[readIndex] == 0x0D, buffer[readIndex + 1] == 0x0A {
                readIndex += 2
            }
            scan.lineStart = readIndex
            scan.scanned = readIndex
            if buffer.count - readIndex == 1 && buffer[readIndex] == 0x0D { return nil }
        }
        // Never look past the limit: what lies beyond it must not change the outcome, or the
        // error would depend on how the bytes were split.
        var index = scan.scanned
        while true {
            let bound: Int
            let limitError: HTTPParseError
            if let requestLineEnd = scan.requestLineEnd {
                bound = requestLineEnd + limits.maxHeaderBytes - 1
                limitError = .headersTooLarge
            } else {
                bound = readIndex + limits.maxRequestLineBytes + 1
                limitError = .uriTooLong
            }
            let end = Swift.min(buffer.count, bound + 1)
            if scan.inMethod { try scanMethod(from: &index, to: end) }
            while index < end {
                let byte = buffer[index]
                if byte == 0x0A { break }
                // No request head may hold a control byte other than CR and HTAB: refuse it as it
                // arrives (a TLS handshake, binary garbage) instead of waiting for a line end.
                if (byte < 0x20 && byte != 0x0D && byte != 0x09) || byte == 0x7F {
                    scan.scanned = index
                    throw .badRequest("The request head holds a control byte (0x\(String(byte, radix: 16))).")
                }
                index += 1
            }
            guard index < end else {
                scan.scanned = index
                if buffer.count > bound { throw limitError }
                return nil
            }
            guard index > scan.lineStart, buffer[index - 1] == 0x0D else {
                throw .badRequest("Lines must end in CRLF; a bare LF is not accepted (RFC 9112 §2.2).")
            }
            let lineEnd = index - 1
            if scan.requestLineEnd == nil {
                scan.requestLineEnd = lineEnd
                // Parsed now, not with the fields: an HTTP/0.9 `GET /` line is all such a client
                // sends, and it should get its 400 at once rather than the header timeout's 408.
                let lineStart = scan.lineStart
                scan.requestLine = try buffer.withUnsafeBufferPointer { (all) throws(HTTPParseError) in
                    try RequestLine.parse(UnsafeBufferPointer(rebasing: all[lineStart..<lineEnd]))
                }
            } else if lineEnd == scan.lineStart {
                scan.scanned = index + 1
                return index + 1
            } else {
                scan.fieldLines += 1
                guard scan.fieldLines <= limits.maxHeaderCount else { throw .tooManyHeaders }
            }
            scan.lineStart = index + 1
            index += 1
        }
    }

    /// Checks the method's bytes as they arrive, from `index` up to `end`, and ends the method at
    /// its SP (or a CR, left to the request line's parse). Bytes that cannot be a method — binary
    /// garbage, a TLS handshake — are refused at once, whether or not a line end ever follows.
    private mutating func scanMethod(from index: inout Int, to end: Int) throws(HTTPParseError) {
        while index < end {
            let byte = buffer[index]
            if byte == 0x0D || (byte == 0x20 && index > scan.lineStart) {
                scan.inMethod = false
                return
            }
            guard ByteClass.token[Int(byte)] else {
                scan.scanned = index
                throw .badRequest("A request must begin with a method token such as GET (RFC 9112 §3).")
            }
            index += 1
        }
    }

    /// Parses a complete head in `buffer[readIndex..<end]`.
    func parseHead(end: Int) throws(HTTPParseError) -> ParsedHead {
        guard let requestLineEnd = scan.requestLineEnd, var head = scan.requestLine else {
            throw .badRequest("Missing request line.")
        }
        return try buffer.withUnsafeBufferPointer { (all) throws(HTTPParseError) -> ParsedHead in
            var fields = HTTPFields()
            fields.reserveCapacity(scan.fieldLines)
            var semantics = FieldSemantics()
            var lineStart = requestLineEnd + 2
            let fieldsEnd = end - 2
            while lineStart < fieldsEnd {
                var lineEnd = lineStart
                while all[lineEnd] != 0x0D || all[lineEnd + 1] != 0x0A { lineEnd += 1 }
                let field = try FieldLine.parse(UnsafeBufferPointer(rebasing: all[lineStart..<lineEnd]))
                try semantics.observe(field)
                fields.append(field.field)
                lineStart = lineEnd + 2
            }
            let framing = try semantics.framing(version: head.version, limits: limits)
            try semantics.checkHost(version: head.version)
            if head.authority == nil { head.authority = semantics.host }
            let keepAlive = head.version == .http1_1 ? !semantics.connectionClose : semantics.connectionKeepAlive
            let request = Request(
                head: HTTPRequest(
                    method: head.method,
                    scheme: head.scheme,
                    authority: head.authority,
                    path: head.target,
                    headerFields: fields
                ),
                version: head.version,
                path: head.path,
                query: head.query,
                keepAlive: keepAlive
            )
            let expectContinue = semantics.expectContinue && head.version == .http1_1
            return ParsedHead(
                request: PartialRequest(request: request, expectContinue: expectContinue),
                framing: framing
            )
        }
    }
}

/// The parts of a request line (RFC 9112 §3).
struct RequestLine {
    var method: HTTPRequest.Method
    var target: String
    var scheme: String?
    var authority: String?
    var path: String
    var query: String?
    var version: HTTPVersion

    static func parse(_ line: UnsafeBufferPointer<UInt8>) throws(HTTPParseError) -> RequestLine {
        guard let firstSpace = line.firstIndex(of: 0x20), firstSpace > 0 else {
            throw .badRequest("The request line must be `method SP request-target SP HTTP-version`.")
        }
        let methodBytes = UnsafeBufferPointer(rebasing: line[0..<firstSpace])
        for byte in methodBytes where !ByteClass.token[Int(byte)] {
            throw .badRequest("The method is not a token (RFC 9110 §9.1).")
        }
        let rest = UnsafeBufferPointer(rebasing: line[(firstSpace + 1)...])
        guard let secondSpace = rest.firstIndex(of: 0x20), secondSpace > 0 else {
            throw .badRequest("The request line must be `method SP request-target SP HTTP-version`.")
        }
        let targetBytes = UnsafeBufferPointer(rebasing: rest[0..<secondSpace])
        let versionBytes = UnsafeBufferPointer(rebasing: rest[(secondSpace + 1)...])
        let version = try parseVersion(versionBytes)
        let method = parseMethod(methodBytes)
        var result = RequestLine(method: method, target: "", path: "", version: version)
        try result.parseTarget(targetBytes)
        return result
    }

    static func parseVersion(_ bytes: UnsafeBufferPointer<UInt8>) throws(HTTPParseError) -> HTTPVersion {
        guard bytes.count == 8, bytes[0] == UInt8(ascii: "H"), bytes[1] == UInt8(ascii: "T"),
            bytes[2] == UInt8(ascii: "T"), bytes[3] == UInt8(ascii: "P"), bytes[4] == UInt8(ascii: "/"),
            bytes[6] == UInt8(ascii: "."),
            (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[5]),
            (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[7])
        else {
            throw .badRequest("The HTTP version must be `HTTP/DIGIT.DIGIT` (RFC 9112 §2.3).")
        }
        // RFC 9110 §2.5: a message of a later minor version (HTTP/1.2) is processed as the highest
        // one this recipient implements, HTTP/1.1; another major version is refused (505).
        guard bytes[5] == UInt8(ascii: "1") else { throw .versionNotSupported }
        return bytes[7] == UInt8(ascii: "0") ? .http1_0 : .http1_1
    }

    static func parseMethod(_ bytes: UnsafeBufferPointer<UInt8>) -> HTTPRequest.Method {
        switch bytes.count {
        case 3 where bytes[0] == UInt8(ascii: "G") && bytes[1] == UInt8(ascii: "E") && bytes[2] == UInt8(ascii: "T"):
            return .get
        case 3 where bytes[0] == UInt8(ascii: "P") && bytes[1] == UInt8(ascii: "U") && bytes[2] == UInt8(ascii: "T"):
            return .put
        case 4 where bytes.elementsEqual("POST".utf8): return .post
        case 4 where bytes.elementsEqual("HEAD".utf8): return .head
        case 5 where bytes.elementsEqual("PATCH".utf8): return .patch
        case 6 where bytes.elementsEqual("DELETE".utf8): return .delete
        case 7 where bytes.elementsEqual("OPTIONS".utf8): return .options
        default:
            // Already checked to be a token, which is all HTTPRequest.Method requires.
            return HTTPRequest.Method(String(decoding: bytes, as: UTF8.self))!
        }
    }

    /// Accepts origin-form, absolute-form (`http://`/`https://`) and, for OPTIONS, asterisk-form
    /// (RFC 9112 §3.2). Percent escapes must be well formed; the path may not hold `%00` or
    /// dot segments.
    mutating func parseTarget(_ bytes: UnsafeBufferPointer<UInt8>) throws(HTTPParseError) {
        var sawNonASCII = false
        for byte in bytes {
            guard ByteClass.target[Int(byte)] else {
                throw .badRequest("The request target contains a byte that is not allowed there (RFC 3986).")
            }
            if byte >= 0x80 { sawNonASCII = true }
        }
        if sawNonASCII && String(validating: bytes, as: UTF8.self) == nil {
            throw .badRequest("The request target is not valid UTF-8.")
        }
        var originStart = 0
        if bytes.first == UInt8(ascii: "/") {
            originStart = 0
        } else if bytes.count == 1 && bytes[0] == UInt8(ascii: "*") {
            guard method == .options else {
                throw .badRequest("The asterisk-form target is only for OPTIONS (RFC 9112 §3.2.4).")
            }
            target = "*"
            path = "*"
            return
        } else if let schemeEnd = Self.absoluteSchemeLength(bytes) {
            guard method != .connect else { throw HTTPParseError(.notImplemented, "CONNECT is not supported.") }
            scheme = schemeEnd == 7 ? "http" : "https"
            let rest = UnsafeBufferPointer(rebasing: bytes[schemeEnd...])
            let authorityEnd =
                rest.firstIndex(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") })
                ?? rest.count
            let authorityBytes = UnsafeBufferPointer(rebasing: rest[0..<authorityEnd])
            guard authorityBytes.count > 0, authorityBytes.allSatisfy({ ByteClass.host[Int($0)] }) else {
                throw .badRequest("The absolute-form target has an invalid authority.")
            }
            authority = String(decoding: authorityBytes, as: UTF8.self)
            originStart = schemeEnd + authorityEnd
        } else if method == .connect {
            throw HTTPParseError(.notImplemented, "CONNECT is not supported.")
        } else {
            throw .badRequest("The request target must start with `/` (origin-form, RFC 9112 §3.2.1).")
        }
        let origin = UnsafeBufferPointer(rebasing: bytes[originStart...])
        let queryStart = origin.firstIndex(of: UInt8(ascii: "?"))
        let pathBytes = UnsafeBufferPointer(rebasing: origin[0..<(queryStart ?? origin.count)])
        if let failure = PercentEncoding.validate(pathBytes, allowNUL: false) {
            switch failure {
            case .nulByte: throw .badRequest("The request path contains %00.")
            default: throw .badRequest("The request path contains an invalid percent escape (RFC 3986 §2.1).")
            }
        }
        if Self.hasDotSegment(pathBytes) {
            throw .badRequest("The request path contains a `.` or `..` segment.")
        }
        let pathString = pathBytes.isEmpty ? "/" : String(decoding: pathBytes, as: UTF8.self)
        path = pathString
        if let queryStart {
            let queryBytes = UnsafeBufferPointer(rebasing: origin[(queryStart + 1)...])
            if PercentEncoding.validate(queryBytes, allowNUL: true) != nil {
                throw .badRequest("The query contains an invalid percent escape (RFC 3986 §2.1).")
            }
            let queryString = String(decoding: queryBytes, as: UTF8.self)
            query = queryString
            target = pathString + "?" + queryString
        } else {
            target = pathString
        }
    }

    /// 7 for `http://`, 8 for `https://` (any case), nil otherwise.
    static func absoluteSchemeLength(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        if bytes.count >= 7, UnsafeBufferPointer(rebasing: bytes[0..<7]).equalsCaseInsensitive("http://") {
            return 7
        }
        if bytes.count >= 8, UnsafeBufferPointer(rebasing: bytes[0..<8]).equalsCaseInsensitive("https://") {
            return 8
        }
        return nil
    }

    /// Whether a segment is `.` or `..`, literally or percent-encoded (`%2e`).
    static func hasDotSegment(_ path: UnsafeBufferPointer<UInt8>) -> Bool {
        var segmentStart = 0
        for index in 0...path.count where index == path.count || path[index] == UInt8(ascii: "/") {
            let segment = UnsafeBufferPointer(rebasing: path[segmentStart..<index])
            if segment.equalsCaseInsensitive(".") || segment.equalsCaseInsensitive("..")
                || segment.equalsCaseInsensitive("%2e") || segment.equalsCaseInsensitive("%2e%2e")
                || segment.equalsCaseInsensitive(".%2e") || segment.equalsCaseInsensitive("%2e.")
            {
                return true
            }
            segmentStart = index + 1
        }
        return false
    }
}
