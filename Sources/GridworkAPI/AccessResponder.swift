import HTTP1
import HTTPResponder
import HTTPTypes

/// Who may call: bearer tokens for writes (and, optionally, reads), and the browser origins
/// allowed to call from another site (CORS).
public struct AccessPolicy: Sendable {
    /// Tokens that may write (and read). Empty: writes are open.
    public var writeTokens: [String]
    /// Tokens that may only read. When non-empty, reads need one of these or a write token.
    public var readTokens: [String]
    /// Origins answered with CORS headers (`https://dash.example`), or `*` for any.
    public var corsOrigins: [String]

    /// Open access, no CORS.
    public init(writeTokens: [String] = [], readTokens: [String] = [], corsOrigins: [String] = []) {
        self.writeTokens = writeTokens
        self.readTokens = readTokens
        self.corsOrigins = corsOrigins
    }
}

/// Enforces an `AccessPolicy` in front of the API. `/healthz` and `/readyz` stay open (probes),
/// and CORS preflights are answered before any token is asked for, as browsers send none.
struct AccessResponder: Responder {
    let inner: any Responder
    let policy: AccessPolicy
    private let writeTokens: [[UInt8]]
    private let readTokens: [[UInt8]]
    /// Write tokens read too.
    private let readingTokens: [[UInt8]]

    init(_ inner: any Responder, policy: AccessPolicy) {
        self.inner = inner
        self.policy = policy
        self.writeTokens = policy.writeTokens.map { Array($0.utf8) }
        self.readTokens = policy.readTokens.map { Array($0.utf8) }
        self.readingTokens = writeTokens + readTokens
    }

    /// Every request field the API reads that is not CORS-safelisted; `Last-Event-ID` is what an
    /// event-stream client sends when it reconnects to `/stats/stream`.
    static let allowedHeaders =
        "Authorization, Content-Type, If-Match, If-None-Match, Idempotency-Key, Last-Event-ID, X-Request-ID"
    /// Response fields a page may read besides the safelisted ones; `Content-Disposition` names
    /// a CSV export's file.
    static let exposedHeaders =
        "ETag, Location, Link, X-Request-ID, Idempotent-Replayed, Retry-After, Content-Disposition"

    func respond(to request: Request) -> Response {
        let origin = request.headerFields[.origin].flatMap { allowedOrigin($0) }
        if request.method == .options, request.headerFields[.accessControlRequestMethod] != nil,
            request.headerFields[.origin] != nil
        {
            var preflight = Response(status: .noContent)
            if let origin {
                preflight.headerFields[.accessControlAllowOrigin] = origin
                preflight.headerFields[.accessControlAllowMethods] = Router.allowedMethods
                preflight.headerFields[.accessControlAllowHeaders] = Self.allowedHeaders
                preflight.headerFields[.accessControlMaxAge] = "600"
            }
            if !policy.corsOrigins.isEmpty { preflight.headerFields.addVary("Origin") }
            return preflight
        }
        var response = authorize(request) ?? inner.respond(to: request)
        if let origin {
            response.headerFields[.accessControlAllowOrigin] = origin
            response.headerFields[.accessControlExposeHeaders] = Self.exposedHeaders
        }
        if !policy.corsOrigins.isEmpty { response.headerFields.addVary("Origin") }
        return response
    }

    /// The `Access-Control-Allow-Origin` value for `origin`, or nil when it is not allowed.
    private func allowedOrigin(_ origin: String) -> String? {
        if policy.corsOrigins.contains("*") { return "*" }
        return policy.corsOrigins.contains(origin) ? origin : nil
    }

    /// nil when the request may go on; otherwise the 401 (no token, or one this server does not
    /// know) or the 403 (a read token used for a write: known, but not allowed to, RFC 6750 §3.1).
    private func authorize(_ request: Request) -> Response? {
        let isWrite = !request.method.isSafe
        guard isWrite ? !writeTokens.isEmpty : !readTokens.isEmpty else { return nil }
        let needed = isWrite ? writeTokens : readingTokens
        if !isWrite && (request.path == "/healthz" || request.path == "/readyz") { return nil }
        guard let header = request.headerFields[.authorization] else {
            return Self.challenge(.unauthorized, "This request needs `Authorization: Bearer <token>`.", error: nil)
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            return Self.challenge(
                .unauthorized, "Only `Authorization: Bearer <token>` is accepted.", error: "invalid_request")
        }
        let presented = Array(parts[1].trimmingSpacesAndTabs().utf8)
        // Every token is compared, each in time that depends only on the lengths.
        var matched = false
        for token in needed where Self.constantTimeEqual(token, presented) { matched = true }
        if matched { return nil }
        var readOnly = false
        if isWrite {
            for token in readTokens where Self.constantTimeEqual(token, presented) { readOnly = true }
        }
        return readOnly
            ? Self.challenge(
                .forbidden, "This token may only read; writes need a write token.", error: "insufficient_scope")
            : Self.challenge(.unauthorized, "The bearer token is not valid for this request.", error: "invalid_token")
    }

    static func constantTimeEqual(_ expected: [UInt8], _ presented: [UInt8]) -> Bool {
        var difference: UInt8 = expected.count == presented.count ? 0 : 1
        for index in 0..<expected.count {
            difference |= expected[index] ^ (index < presented.count ? presented[index] : 0)
        }
        return difference == 0
    }

    /// A problem response with the `WWW-Authenticate: Bearer` challenge of RFC 6750 §3.
    static func challenge(_ status: HTTPResponse.Status, _ detail: String, error: String?) -> Response {
        var challenge = #"Bearer realm="gridwork""#
        if let error { challenge += #", error="\#(error)""# }
        return Response.problem(status, detail: detail, headerFields: [.wwwAuthenticate: challenge])
    }
}
