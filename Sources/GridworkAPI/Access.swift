import HTTP1
import HTTPResponder
import HTTPTypes

/// Who may call: named principals (`--principals`), the anonymous holders of `--token` and
/// `--read-token`, and the browser origins allowed to call from another site (CORS).
public struct AccessPolicy: Sendable {
    /// Tokens whose holders write as the `district` principal `token`. With no tokens and no
    /// principals, writes are open.
    public var writeTokens: [String]
    /// Tokens whose holders read as the viewer `read-token`. When any is set, reads need a token.
    public var readTokens: [String]
    /// Origins answered with CORS headers (`https://dash.example`), or `*` for any.
    public var corsOrigins: [String]
    /// Named principals found by their tokens' hashes; once set, every request but the probes
    /// needs a token.
    public var principals: PrincipalDirectory?

    /// Open access, no CORS.
    public init(
        writeTokens: [String] = [], readTokens: [String] = [], corsOrigins: [String] = [],
        principals: PrincipalDirectory? = nil
    ) {
        self.writeTokens = writeTokens
        self.readTokens = readTokens
        self.corsOrigins = corsOrigins
        self.principals = principals
    }

    /// Whether writes are open to anyone (no write token and no principals).
    var writesAreOpen: Bool { writeTokens.isEmpty && principals == nil }

    /// Whether reads are open to anyone.
    var readsAreOpen: Bool { readTokens.isEmpty && principals == nil }
}

/// The API's front door: CORS preflights, then who is asking (401 when no one the server knows,
/// 403 when they may not), then the router, with its errors as problem+json. `/healthz` and
/// `/readyz` stay open (probes), and preflights are answered before any token is asked for, as
/// browsers send none.
struct APIResponder: Responder {
    let router: Router
    let policy: AccessPolicy
    /// How stale the state read is, when it may be (a shared change log out of reach); nil: never.
    let staleness: (@Sendable () -> Double?)?
    private let writeTokens: [[UInt8]]
    private let readTokens: [[UInt8]]

    init(router: Router, policy: AccessPolicy, staleness: (@Sendable () -> Double?)? = nil) {
        self.router = router
        self.policy = policy
        self.staleness = staleness
        self.writeTokens = policy.writeTokens.map { Array($0.utf8) }
        self.readTokens = policy.readTokens.map { Array($0.utf8) }
    }

    /// Every request field the API reads that is not CORS-safelisted; `Last-Event-ID` is what an
    /// event-stream client sends when it reconnects to `/stats/stream`.
    static let allowedHeaders =
        "Authorization, Content-Type, If-Match, If-None-Match, Idempotency-Key, Last-Event-ID, X-Request-ID"
    /// Response fields a page may read besides the safelisted ones; `Content-Disposition` names
    /// a CSV export's file.
    static let exposedHeaders =
        "ETag, Location, Link, X-Request-ID, Idempotent-Replayed, Retry-After, Content-Disposition, "
        + "Gridwork-Stale-Seconds"

    func respond(to request: Request) -> Response {
        if request.path == "*" {
            // `OPTIONS *` asks about the server as a whole (RFC 9110 §9.3.7).
            return Response(status: .noContent, headerFields: [.allow: Router.allowedMethods])
        }
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
        var response: Response
        var principal: Principal?
        do throws(APIError) {
            let who = try authenticate(request)
            principal = who
            try authorize(who, request)
            response = try router.respond(to: request, as: who)
        } catch {
            response = error.response
        }
        let decoration = Decoration(
            principal: principal?.id,
            route: response.route ?? router.pattern(for: request.path),
            // With principals, a read is answered within its principal's scope: the same URL gives
            // other figures and lists to another token, so caches must key on it (RFC 9110 §12.5.5).
            varyOnAuthorization: policy.principals != nil && request.method.isSafe,
            origin: origin,
            varyOnOrigin: !policy.corsOrigins.isEmpty,
            staleness: staleness?())
        decoration.apply(to: &response)
        // A response that waits may be answered with another (the write's outcome, a 503): that
        // one is finished the same way.
        if let gate = response.gate { response.gate = DecoratedGate(gate: gate, decoration: decoration) }
        return response
    }

    /// `Gridwork-Stale-Seconds`: how long a node whose change log is out of reach has not known
    /// its state to be current.
    static let staleSeconds = HTTPField.Name("Gridwork-Stale-Seconds")!

    /// Seconds with one decimal.
    static func staleText(_ seconds: Double) -> String {
        let tenths = Int((seconds * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }

    /// The `Access-Control-Allow-Origin` value for `origin`, or nil when it is not allowed.
    private func allowedOrigin(_ origin: String) -> String? {
        if policy.corsOrigins.contains("*") { return "*" }
        return policy.corsOrigins.contains(origin) ? origin : nil
    }

    /// Who is asking, or the 401: no token where one is needed, or a token no one holds.
    func authenticate(_ request: Request) throws(APIError) -> Principal {
        let isWrite = !request.method.isSafe
        // What is open needs no token, and a token sent to it is not checked.
        if isWrite && policy.writesAreOpen || !isWrite && policy.writesAreOpen && policy.readsAreOpen {
            return .openAccess
        }
        if !isWrite && (policy.readsAreOpen || Self.isPublic(request.path)) {
            guard let header = request.headerFields[.authorization],
                let principal = policy.principals.flatMap({ directory in
                    Self.bearer(header).flatMap { directory.principal(forToken: $0) }
                })
            else { return .anonymousReader }
            return principal
        }
        guard let header = request.headerFields[.authorization] else {
            throw Self.challenge(.unauthorized, "This request needs `Authorization: Bearer <token>`.", error: nil)
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw Self.challenge(
                .unauthorized, "Only `Authorization: Bearer <token>` is accepted.", error: "invalid_request")
        }
        let presented = Array(parts[1].trimmingSpacesAndTabs().utf8)
        if let principal = policy.principals?.principal(forToken: presented) { return principal }
        // Every flag token is compared, each in time that depends only on the lengths.
        var writer = false
        var reader = false
        for token in writeTokens where Self.constantTimeEqual(token, presented) { writer = true }
        for token in readTokens where Self.constantTimeEqual(token, presented) { reader = true }
        if writer { return .tokenWriter }
        if reader { return .tokenReader }
        if !isWrite && Self.isPublic(request.path) { return .anonymousReader }
        throw Self.challenge(.unauthorized, "The bearer token is not valid for this server.", error: "invalid_token")
    }

    /// The 403s a role decides before any route runs: a viewer writing, anyone but an admin on
    /// the admin routes, and `/metrics` (district-wide counts of records and requests) for a
    /// principal whose scope is smaller than the district (RFC 6750 §3.1: known, but not allowed to).
    func authorize(_ principal: Principal, _ request: Request) throws(APIError) {
        let isWrite = !request.method.isSafe
        if isWrite && !principal.mayWrite {
            throw Self.challenge(
                .forbidden, "`\(principal.id)` may only read; this needs a principal that may write.",
                error: "insufficient_scope")
        }
        if request.path == "/metrics" && !Scope(principal).isDistrict {
            throw Self.challenge(
                .forbidden,
                "`/metrics` counts the whole district; `\(principal.id)` reads only part of it.",
                error: "insufficient_scope")
        }
        if request.path.hasPrefix("/admin/") && !principal.isAdmin {
            throw Self.challenge(
                .forbidden,
                "The admin routes need a principal of role `admin`; `\(principal.id)` is "
                    + "`\(principal.role.rawValue)`.",
                error: "insufficient_scope")
        }
    }

    /// The token of an `Authorization: Bearer <token>` value, or nil.
    static func bearer(_ header: String) -> [UInt8]? {
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return Array(parts[1].trimmingSpacesAndTabs().utf8)
    }

    /// Paths read without a token whatever the configuration: the health probes (orchestrators
    /// send none), the dashboard page (it holds no data, and asks for a token itself) and the
    /// API's description (clients are generated from it).
    static let publicPaths: Set<String> = ["/healthz", "/readyz", "/", "/openapi.json"]

    static func isPublic(_ path: String) -> Bool {
        publicPaths.contains(path)
    }

    static func constantTimeEqual(_ expected: [UInt8], _ presented: [UInt8]) -> Bool {
        var difference: UInt8 = expected.count == presented.count ? 0 : 1
        for index in 0..<expected.count {
            difference |= expected[index] ^ (index < presented.count ? presented[index] : 0)
        }
        return difference == 0
    }

    /// A problem with the `WWW-Authenticate: Bearer` challenge of RFC 6750 §3.
    static func challenge(_ status: HTTPResponse.Status, _ detail: String, error: String?) -> APIError {
        var challenge = #"Bearer realm="gridwork""#
        if let error { challenge += #", error="\#(error)""# }
        return APIError(status, detail: detail, headerFields: [.wwwAuthenticate: challenge])
    }
}

/// What the front door adds to every response of one request.
struct Decoration: Sendable {
    var principal: String?
    /// The route the request asked for: a refusal (401, 404 of an id, 422) is counted under it.
    var route: String?
    var varyOnAuthorization: Bool
    /// The `Access-Control-Allow-Origin` value, when the origin is allowed.
    var origin: String?
    var varyOnOrigin: Bool
    /// How stale the state read is (a node whose change log's database is out of reach).
    var staleness: Double?

    func apply(to response: inout Response) {
        response.remoteUser = principal
        if response.route == nil { response.route = route }
        if varyOnAuthorization { response.headerFields.addVary("Authorization") }
        if let origin {
            response.headerFields[.accessControlAllowOrigin] = origin
            response.headerFields[.accessControlExposeHeaders] = APIResponder.exposedHeaders
        }
        if varyOnOrigin { response.headerFields.addVary("Origin") }
        if let staleness { response.headerFields[APIResponder.staleSeconds] = APIResponder.staleText(staleness) }
    }
}

/// A gate whose replacement response gets the same finishing as the response it replaces.
struct DecoratedGate: ResponseGate {
    let gate: any ResponseGate
    let decoration: Decoration

    func whenOpen(_ opened: @escaping @Sendable (Response?) -> Void) {
        let decoration = self.decoration
        gate.whenOpen { replacement in
            opened(
                replacement.map { response in
                    var response = response
                    decoration.apply(to: &response)
                    return response
                })
        }
    }
}
