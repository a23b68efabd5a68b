public import HTTPTypes

/// Why a request could not be parsed. Each case answers once, with its status, then the
/// connection closes (the framing can no longer be trusted).
public struct HTTPParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The status to answer with.
    public var status: HTTPResponse.Status
    /// A sentence for the problem+json `detail`, safe to show the client.
    public var detail: String

    /// Creates an error.
    public init(_ status: HTTPResponse.Status, _ detail: String) {
        self.status = status
        self.detail = detail
    }

    /// `400 Bad Request` with `detail`.
    public static func badRequest(_ detail: String) -> HTTPParseError {
        HTTPParseError(.badRequest, detail)
    }

    /// `status.code: detail`, for logs.
    public var description: String { "\(status.code) \(detail)" }

    static let uriTooLong = HTTPParseError(.uriTooLong, "The request line exceeds the server's limit.")
    static let headersTooLarge = HTTPParseError(
        .requestHeaderFieldsTooLarge,
        "The request header section exceeds the server's limit."
    )
    static let tooManyHeaders = HTTPParseError(
        .requestHeaderFieldsTooLarge,
        "The request has more header fields than the server accepts."
    )
    static let bodyTooLarge = HTTPParseError(.contentTooLarge, "The request body exceeds the server's limit.")
    static let versionNotSupported = HTTPParseError(
        .httpVersionNotSupported,
        "Only HTTP/1.0 and HTTP/1.1 are supported."
    )
}
