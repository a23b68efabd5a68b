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
            && response.headerFields[.contentEncoding] == nil
            && Self.isCompressible(response.headerFields[.contentType])
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
            return problem
        }
    }

    /// Text-like media types compress well; images and already-compressed types do not. An
    /// event stream is left alone: its events are small and flushed one by one, so gzip saves
    /// little, while each subscriber, idle for hours, would hold zlib's 256 KiB state.
    static func isCompressible(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let type = contentType.prefix { $0 != ";" }.trimmingSpacesAndTabs().lowercased()
        if type == "text/event-stream" { return false }
        return type.hasPrefix("text/") || type.hasSuffix("json") || type.hasSuffix("+xml")
            || type == "application/javascript" || type == "image/svg+xml" || type == "application/xml"
    }
}

extension HTTPFields {
    /// Adds `token` to `Vary` unless it is already listed, keeping one `Vary` field line
    /// (`Vary: Accept, Accept-Encoding`), as caches and clients most commonly expect.
    public mutating func addVary(_ token: String) {
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
