import HTTP1
import HTTPResponder
import HTTPTypes

extension Request {
    /// A request for `target` as the parser would hand it over; with `json`, that text is the body
    /// and the content type is `application/json`.
    static func make(
        _ target: String, method: HTTPRequest.Method = .get, fields: HTTPFields = [:], body: [UInt8] = [],
        json: String? = nil
    ) -> Request {
        let parts = target.split(separator: "?", maxSplits: 1)
        var request = Request(
            head: HTTPRequest(method: method, scheme: nil, authority: "localhost", path: target, headerFields: fields),
            path: String(parts[0]),
            query: parts.count > 1 ? String(parts[1]) : nil,
            body: body
        )
        if let json {
            request.head.headerFields[.contentType] = "application/json"
            request.body = Array(json.utf8)
        }
        return request
    }
}
