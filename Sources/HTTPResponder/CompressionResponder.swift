public import HTTP1
public import HTTPTypes

/// Wraps a responder and gzips compressible bodies the client accepts, adding
/// `Vary: Accept-Encoding` (RFC 9110 §12.5.5). Responses that already carry a
/// `Content-Encoding` pass through untouched. Streamed bodies (exports) are gzipped as they
/// are pulled, piece by piece; event streams are not (see `isCompressible`).
public struct CompressionResponder<Wrapped: Responder>: Responder {
    /// The responder whose responses are compressed.
    public let wrapped: Wrapped
    /// Bodies at least this long are compressed when the client allows it.
    public let minimumBytes: Int
    /// zlib level, 1 (fast) … 9 (small).
    public let level: Int32

    /// Wraps `wrapped`.
    public init(_ wrapped: Wrapped, minimumBytes: Int = 1024, level: Int32 = 5) {
        self.wrapped = wrapped
        self.minimumBytes = minimumBytes
        self.level = level
    }

    /// Answers with the wrapped responder's response, compressed when negotiated. A response
    /// that brings its own `gzipAlternative` (cached bytes) is switched to it instead of compressed.
    public func respond(to request: Request) -> Response {
        var response = wrapped.respond(to: request)
        let alternative = response.gzipAlternative
        response.gzipAlternative = nil
        let mayCompress =
            (!response.body.isEmpty || response.stream != nil) && ResponseSerializer.mayHaveBody(response.status)
            && Self.isCompressible(response.headerFields.first(.contentType))
            && !response.headerFields.contains(.contentEncoding)
        guard alternative != nil || mayCompress else { return response }
        response.headerFields.addVary("Accept-Encoding")
        // A stream's length is unknown until its end; the streams that get here (exports) are
        // nearly always past `minimumBytes`, so they are treated as large.
        let coding = ContentCoding.negotiate(
            for: request,
            preferCompression: alternative != nil || response.stream != nil || response.body.count >= minimumBytes
        )
        switch coding {
        case .identity:
            return response
        case .gzip:
            if let alternative {
                // A 304 keeps its empty body but names the gzip representation's validator.
                if ResponseSerializer.mayHaveBody(response.status) && response.status != .notModified {
                    response.body = alternative.body
                    response.headerFields[.contentEncoding] = "gzip"
                }
                response.headerFields[.eTag] = alternative.etag
                return response
            }
            if let stream = response.stream {
                response.stream = GzippedStream(stream, level: level)
            } else {
                response.body = Gzip.compress(response.body, level: level)
            }
            response.headerFields[.contentEncoding] = "gzip"
            // The compressed bytes are a different representation: a strong validator of the
            // identity bytes becomes weak (RFC 9110 §8.8.1).
            if let etag = response.headerFields[.eTag], !etag.hasPrefix("W/") {
                response.headerFields[.eTag] = "W/" + etag
            }
            return response
        case .notAcceptable:
            // A response that reports work already done (a write, waiting on its journal) must
            // not become an error: RFC 9110 §12.5.3 lets the server send identity anyway.
            if response.gate != nil || !request.method.isSafe { return response }
            response.stream?.cancel()
            var problem = Response.problem(
                .notAcceptable,
                detail: "Accept-Encoding refuses identity and gzip, the only codings available."
            )
            problem.headerFields.addVary("Accept-Encoding")
            problem.route = response.route
            return problem
        }
    }

    /// Text-like media types compress well; images and already-compressed types do not. An
    /// event stream is left alone: its events are small and flushed one by one, so gzip saves
    /// little, while each subscriber, idle for hours, would hold zlib's 256 KiB state.
    ///
    /// Every response passes here, so the media type is read as bytes, in place.
    static func isCompressible(_ contentType: String?) -> Bool {
        guard var contentType else { return false }
        return contentType.withUTF8 { bytes in
            var end = bytes.firstIndex(of: UInt8(ascii: ";")) ?? bytes.endIndex
            var start = bytes.startIndex
            while start < end && (bytes[start] == 0x20 || bytes[start] == 0x09) { start += 1 }
            while end > start && (bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09) { end -= 1 }
            let type = UnsafeBufferPointer(rebasing: bytes[start..<end])
            if type.equalsASCII(ignoringCase: "text/event-stream") { return false }
            return type.hasASCIIPrefix(ignoringCase: "text/") || type.hasASCIISuffix(ignoringCase: "json")
                || type.hasASCIISuffix(ignoringCase: "+xml") || type.equalsASCII(ignoringCase: "application/javascript")
                || type.equalsASCII(ignoringCase: "application/xml")
        }
    }
}

extension UnsafeBufferPointer<UInt8> {
    /// Whether the bytes start with `prefix`, ASCII letters compared without case.
    fileprivate func hasASCIIPrefix(ignoringCase prefix: StaticString) -> Bool {
        count >= prefix.utf8CodeUnitCount
            && UnsafeBufferPointer(rebasing: self[..<prefix.utf8CodeUnitCount]).equalsASCII(ignoringCase: prefix)
    }

    /// Whether the bytes end with `suffix`, ASCII letters compared without case.
    fileprivate func hasASCIISuffix(ignoringCase suffix: StaticString) -> Bool {
        count >= suffix.utf8CodeUnitCount
            && UnsafeBufferPointer(rebasing: self[(count - suffix.utf8CodeUnitCount)...]).equalsASCII(
                ignoringCase: suffix)
    }

    /// Whether the bytes are `text` (lower-case ASCII), ASCII letters compared without case.
    fileprivate func equalsASCII(ignoringCase text: StaticString) -> Bool {
        guard count == text.utf8CodeUnitCount else { return false }
        for index in 0..<count {
            let byte = self[index]
            let lowered = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
            guard lowered == text.utf8Start[index] else { return false }
        }
        return true
    }
}

extension HTTPFields {
    /// The value of the first field named `name`. For fields that occur once (`Content-Type`,
    /// `ETag`) it is the subscript's value, without the joined copy the subscript builds.
    public func first(_ name: HTTPField.Name) -> String? {
        for field in self where field.name == name { return field.value }
        return nil
    }

    /// Adds `token` to `Vary` unless it is already listed, keeping one `Vary` field line
    /// (`Vary: Accept, Accept-Encoding`), as caches and clients most commonly expect.
    public mutating func addVary(_ token: String) {
        guard contains(.vary) else {
            append(HTTPField(name: .vary, value: token))
            return
        }
        let listed = self[values: .vary].flatMap { $0.split(separator: ",") }.map {
            String($0.trimmingSpacesAndTabs())
        }
        guard !listed.contains(where: { $0.lowercased() == token.lowercased() }) else { return }
        self[.vary] = (listed.filter { !$0.isEmpty } + [token]).joined(separator: ", ")
    }
}

extension HTTPRequest.Method {
    /// GET, HEAD, OPTIONS and TRACE: methods that change nothing (RFC 9110 §9.2.1).
    public var isSafe: Bool {
        self == .get || self == .head || self == .options || self == .trace
    }
}
