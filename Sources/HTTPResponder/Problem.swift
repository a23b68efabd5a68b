public import HTTPTypes
import JSON

/// An RFC 9457 problem detail, and the one place its `application/problem+json` body is written:
/// the server's own refusals (a request it cannot parse, a connection past the limit) and the
/// API's errors both come through here.
public struct Problem: Sendable {
    /// The response status, repeated in the body's `status` member.
    public var status: HTTPResponse.Status
    /// A URI reference naming the problem type; `about:blank` when the status says it all.
    public var type: String
    /// A human-readable explanation specific to this occurrence.
    public var detail: String
    /// Extension members (RFC 9457 §3.2), written after `detail` in this order; each value is
    /// already JSON.
    public var extensions: [(name: String, json: [UInt8])]
    /// Header fields to send with it (`Allow`, `Retry-After`, `WWW-Authenticate`).
    public var headerFields: HTTPFields

    /// Creates a problem.
    public init(
        _ status: HTTPResponse.Status,
        type: String = "about:blank",
        detail: String,
        extensions: [(name: String, json: [UInt8])] = [],
        headerFields: HTTPFields = [:]
    ) {
        self.status = status
        self.type = type
        self.detail = detail
        self.extensions = extensions
        self.headerFields = headerFields
    }

    /// `{"type":…,"title":…,"status":…,"detail":…,<extensions>}` as UTF-8.
    public var body: [UInt8] {
        var json = JSONWriter(capacity: 96 + detail.utf8.count + extensions.reduce(0) { $0 + $1.json.count + 16 })
        json.raw(#"{"type":"#)
        json.string(type)
        json.raw(#","title":"#)
        json.string(status.reasonPhrase)
        json.raw(#","status":"#)
        json.int(status.code)
        json.raw(#","detail":"#)
        json.string(detail)
        for member in extensions {
            json.raw(",")
            json.key(member.name)
            json.raw(member.json)
        }
        json.raw("}")
        return json.bytes
    }

    /// The problem as a response: its status and fields, `Content-Type: application/problem+json`.
    public var response: Response {
        var fields = headerFields
        fields[.contentType] = MediaType.problemJSON
        return Response(status: status, headerFields: fields, body: body)
    }
}
