public import HTTP1
import HTTPTypes

/// Proactive negotiation of the response content coding from `Accept-Encoding` (RFC 9110 §12.5.3).
public enum ContentCoding: Sendable, Equatable {
    /// Send the body as it is.
    case identity
    /// Send the body gzip-compressed.
    case gzip
    /// The client refused every coding the server can produce (406).
    case notAcceptable

    /// Chooses a coding from the request's `Accept-Encoding` fields (all of them, as one list).
    public static func negotiate(for request: Request, preferCompression: Bool) -> ContentCoding {
        let values = request.headerFields[values: .acceptEncoding]
        return negotiate(
            acceptEncoding: values.isEmpty ? nil : values.joined(separator: ","), preferCompression: preferCompression)
    }

    /// Chooses a coding. `preferCompression` is true when the body is large enough to be worth
    /// compressing; a smaller body is still compressed when the client refuses `identity`.
    public static func negotiate(acceptEncoding: String?, preferCompression: Bool) -> ContentCoding {
        guard let acceptEncoding else { return .identity }
        var gzipQ: Double?
        var identityQ: Double?
        var wildcardQ: Double?
        for (name, q) in QualityList.parse(acceptEncoding) {
            switch name {
            case "gzip", "x-gzip": gzipQ = max(gzipQ ?? 0, q)
            case "identity": identityQ = q
            case "*": wildcardQ = q
            default: continue
            }
        }
        let gzip = gzipQ ?? wildcardQ ?? 0
        let identity = identityQ ?? (wildcardQ == 0 ? 0 : 1)
        // An explicit identity preference competes with gzip; identity's implicit acceptability does not.
        let identityPreferred = identityQ.map { $0 > gzip } ?? false
        if gzip > 0 && (preferCompression || identity == 0) && !identityPreferred { return .gzip }
        if identity > 0 { return .identity }
        return gzip > 0 ? .gzip : .notAcceptable
    }
}
