import HTTP1
import HTTPResponder
import HTTPTypes

/// The answers every operation shares — the HTTP layer's refusals, access control, content
/// negotiation — the `HEAD` twin of every `GET`, and the security scheme. The operations in
/// `OpenAPIDocument.swift` say what is particular to them; these say what any request can meet.
extension OpenAPIDocument {
    /// The bearer tokens of named principals (`--principals`), `--token` and `--read-token`.
    static let securitySchemes: OpenAPINode = [
        "bearerAuth": [
            "type": "http", "scheme": "bearer",
            "description": .string(
                "`Authorization: Bearer <token>`. A token names a principal: one of `--principals` (roles `admin`, "
                    + "`district`, `town`, `grid`, `viewer`, each with a scope of towns or grids), the district "
                    + "principal `token` (`--token`, `GRIDWORK_TOKENS`) or the viewer `read-token` (`--read-token`, "
                    + "`GRIDWORK_READ_TOKENS`). Once principals are configured every request needs a token; "
                    + "otherwise writes need one once write tokens are set, reads once read tokens are. With no "
                    + "tokens configured the API is open, hence the empty alternative in each operation's "
                    + "`security`. `/healthz`, `/readyz`, the dashboard page `/` and `/openapi.json` are always open. Records outside a principal's scope "
                    + "are answered as missing (404); writes outside it are a 403."),
        ]
    ]

    /// A bearer token, or none when the server is started without tokens.
    static let bearerOrOpen: OpenAPINode = [["bearerAuth": []], [:]]

    /// Paths answered without a token whatever the configuration.
    static let openPaths = APIResponder.publicPaths

    /// `operation` with the answers any request to `route` can get besides its own: 400 (from the
    /// operation builder), 408, 413, 414 and 431 from the HTTP layer, 503 at the connection limit,
    /// 401/403 where tokens apply, and 406 where a body is negotiated.
    static func withSharedAnswers(_ operation: OpenAPINode, _ route: Route) -> OpenAPINode {
        var operation = operation
        guard case .object(var responses)? = operation["responses"] else { return operation }
        func add(_ status: String, _ name: String) {
            if !responses.contains(where: { $0.key == status }) { responses.append((status, responseRef(name))) }
        }
        add("408", "RequestTimeout")
        add("413", "ContentTooLarge")
        add("414", "URITooLong")
        add("431", "HeaderFieldsTooLarge")
        add("503", "ServiceUnavailable")
        let isWrite = !route.method.isSafe
        if !openPaths.contains(route.pattern) {
            add("401", "Unauthorized")
            operation.set("security", bearerOrOpen)
        }
        if isWrite || route.pattern == "/metrics" {
            // `/metrics` counts the whole district: a smaller scope may not read it.
            add("403", "Forbidden")
        }
        if !isWrite && route.pattern != "/stats/stream" {
            // A stream has no body to encode, so no coding can be refused.
            add("406", "NotAcceptable")
        }
        operation.set("responses", .object(responses.sorted { $0.key < $1.key }))
        return operation
    }

    /// The `HEAD` operation of a `GET`: the same parameters and statuses, every response without
    /// its content (RFC 9110 §9.3.2), headers kept.
    static func headOperation(_ get: OpenAPINode) -> OpenAPINode {
        var head = get
        if case .string(let id)? = get["operationId"] { head.set("operationId", .string("head" + capitalized(id))) }
        if case .string(let summary)? = get["summary"] {
            head.set("summary", .string("\(summary): the headers only"))
        }
        head.set("description", "The answer `GET` would give, without its body.")
        guard case .object(let responses)? = get["responses"] else { return head }
        let shared = componentResponses()
        head.set(
            "responses",
            .object(
                responses.map { status, response in
                    var resolved = response
                    if case .string(let reference)? = response["$ref"] {
                        resolved = shared[String(reference.split(separator: "/").last ?? "")] ?? response
                    }
                    return (status, withoutContent(resolved))
                }))
        return head
    }

    static func withoutContent(_ response: OpenAPINode) -> OpenAPINode {
        guard case .object(let members) = response else { return response }
        return .object(members.filter { $0.key != "content" })
    }

    // MARK: Shared responses

    static func componentResponses() -> OpenAPINode {
        let etag = header("The record's current ETag.", required: false)
        let retryAfter = header("Seconds to wait before trying again.")
        return [
            "BadRequest": problemResponse(
                "Unknown, repeated or invalid query parameters or headers (an `Idempotency-Key` of the wrong form, "
                    + "an empty `If-Match`), a bad path segment, a body that is not JSON, or a request the HTTP "
                    + "layer cannot parse (then the connection closes)."),
            "Unauthorized": problemResponse(
                "No bearer token, or not one the server knows, where tokens are configured (see `bearerAuth`).",
                headers: [
                    "WWW-Authenticate": header(
                        "`Bearer realm=\"gridwork\"`, with `error=\"invalid_token\"` or `\"invalid_request\"` when a "
                            + "token was presented (RFC 6750 §3).")
                ]),
            "Forbidden": problemResponse(
                "The token is valid but its principal may not do this (`insufficient_scope`, RFC 6750 §3.1): a "
                    + "viewer writing, a write outside the principal's towns or grids, a grid cadre recording as "
                    + "another cadre, anyone but an `admin` on the admin routes.",
                headers: [
                    "WWW-Authenticate": header(
                        "`Bearer realm=\"gridwork\", error=\"insufficient_scope\"`.", required: false)
                ]),
            "NotFound": problemResponse("No record has that id."),
            "MethodNotAllowed": problemResponse(
                "The path exists but not with this method: sent for every method a path item does not list.",
                headers: [
                    "Allow": header("The methods the path answers: those it lists, `HEAD` with `GET`, and `OPTIONS`.")
                ]),
            "NotAcceptable": problemResponse(
                "`Accept-Encoding` refuses both `identity` and `gzip`, the only codings the server has."),
            "NotModified": ["description": "Not modified.", "headers": ["ETag": header("The current ETag.")]],
            "RequestTimeout": problemResponse(
                "The request's header section or body did not arrive in time; the connection closes."),
            "Conflict": problemResponse(
                "Other records refer to it: `errors` names each resource and field (`grids/villageId`) with its "
                    + "count. Delete or change them first, or use `cascade=true`."),
            "JournalFailed": problemResponse(
                "The journal cannot be written: the change was not made; reads keep serving the durable state. "
                    + "Also sent, before any request is read, when the server is at its connection limit.",
                headers: ["Retry-After": retryAfter]),
            "ServiceUnavailable": problemResponse(
                "The server is at its connection limit: sent before the request is read, then the connection closes.",
                headers: ["Retry-After": retryAfter]),
            "PreconditionFailed": problemResponse(
                "`If-Match` does not hold, or `If-None-Match` does not (it is `*`, or names the current ETag).",
                headers: ["ETag": etag]),
            "ContentTooLarge": problemResponse("The body exceeds the server's limit; the connection closes."),
            "URITooLong": problemResponse("The request line exceeds the server's limit; the connection closes."),
            "HeaderFieldsTooLarge": problemResponse(
                "The header section has more bytes or fields than the server accepts; the connection closes."),
            "UnsupportedMediaType": problemResponse(
                "The body is not of an accepted media type, names a `charset` other than UTF-8, or has a "
                    + "`Content-Encoding` other than `identity` (bodies are never decompressed).",
                headers: [
                    "Accept-Patch": header("The media types a body may have here.", required: false),
                    "Accept-Encoding": header("`identity`, when a `Content-Encoding` was refused.", required: false),
                ]),
            "UnprocessableContent": problemResponse(
                "The body is JSON but not a valid record, or an `Idempotency-Key` was already used with another "
                    + "request: every problem, by field (`Idempotency-Key` for the key).",
                schema: "ValidationProblem"),
        ]
    }
}
