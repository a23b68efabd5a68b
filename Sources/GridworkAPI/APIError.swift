public import HTTPResponder
public import HTTPTypes
import JSON

/// A client-visible error: a status and an RFC 9457 problem body. Anything thrown that is not
/// an `APIError` becomes a 500 with a log line naming the request id.
public struct APIError: Error, Sendable {
    /// The response status.
    public var status: HTTPResponse.Status
    /// A URI reference naming the problem type.
    public var type: String
    /// A human-readable explanation specific to this occurrence.
    public var detail: String
    /// Per-field messages, for validation failures.
    public var errors: [FieldError]
    /// Extra header fields (`Allow` on a 405).
    public var headerFields: HTTPFields
    /// Further extension members of the problem body, as raw JSON (`allowed` on a refused case action).
    public var extensions: [(name: String, json: [UInt8])] = []

    /// One invalid field.
    public struct FieldError: Sendable, Equatable {
        /// A JSON pointer or parameter name.
        public var field: String
        /// What is wrong with it.
        public var message: String

        /// Creates a field error.
        public init(field: String, message: String) {
            self.field = field
            self.message = message
        }
    }

    /// The most entries a response lists in `errors`; `detail` says how many more there were.
    /// A body with 60,000 unknown members would otherwise be answered with megabytes.
    public static let maxListedErrors = 100

    /// Creates an error.
    public init(
        _ status: HTTPResponse.Status,
        type: String = "about:blank",
        detail: String,
        errors: [FieldError] = [],
        headerFields: HTTPFields = [:]
    ) {
        self.status = status
        self.type = type
        self.detail = detail
        self.errors = errors
        self.headerFields = headerFields
    }

    /// 400.
    public static func badRequest(_ detail: String) -> APIError {
        APIError(.badRequest, detail: detail)
    }

    /// 404.
    public static func notFound(_ detail: String) -> APIError {
        APIError(.notFound, detail: detail)
    }

    /// 405 with `Allow`.
    public static func methodNotAllowed(method: HTTPRequest.Method, allow: String) -> APIError {
        APIError(
            .methodNotAllowed,
            detail: "\(method.rawValue) is not allowed here; allowed: \(allow).",
            headerFields: [.allow: allow]
        )
    }

    /// The problem+json response; `errors` is an extension member listing at most
    /// `maxListedErrors` entries, and `detail` says how many more there were.
    public var response: Response {
        let listed = errors.prefix(Self.maxListedErrors)
        var problem = Problem(status, type: type, detail: detail, headerFields: headerFields)
        if listed.count < errors.count {
            problem.detail +=
                " `errors` lists the first \(listed.count); \(errors.count - listed.count) more are not listed."
        }
        if !listed.isEmpty {
            var json = JSONWriter(capacity: 64 * listed.count)
            json.raw("[")
            for (index, error) in listed.enumerated() {
                if index > 0 { json.raw(",") }
                json.raw(#"{"field":"#)
                json.string(error.field)
                json.raw(#","message":"#)
                json.string(error.message)
                json.raw("}")
            }
            json.raw("]")
            problem.extensions.append((name: "errors", json: json.bytes))
        }
        problem.extensions += extensions
        return problem.response
    }
}
