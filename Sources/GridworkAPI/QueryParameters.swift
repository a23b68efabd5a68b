import HTTP1
import HTTPResponder

/// The decoded query string of a request, with strict rules: unknown parameters are a 400.
struct QueryParameters {
    var pairs: [(name: String, value: String)] = []

    init(_ request: Request) throws(APIError) {
        guard let query = request.query, !query.isEmpty else { return }
        // Split on the `&` and `=` bytes: every list request parses its query, and splitting a
        // String by Character would walk grapheme clusters the query cannot hold unencoded.
        let utf8 = query.utf8
        var start = utf8.startIndex
        while start < utf8.endIndex {
            let end = utf8[start...].firstIndex(of: UInt8(ascii: "&")) ?? utf8.endIndex
            defer { start = end < utf8.endIndex ? utf8.index(after: end) : end }
            guard start < end else { continue }
            let part = query[start..<end]
            let equals = part.utf8.firstIndex(of: UInt8(ascii: "="))
            do {
                // A NUL in a value is harmless here (it matches nothing); names must be clean.
                let name = try PercentEncoding.decode(equals.map { part[..<$0] } ?? part, plusIsSpace: true)
                let value =
                    try equals.map {
                        try PercentEncoding.decode(
                            part[part.utf8.index(after: $0)...], plusIsSpace: true, allowNUL: true)
                    } ?? ""
                pairs.append((name, value))
            } catch {
                throw APIError.badRequest("The query parameter `\(part)` is not valid percent-encoded UTF-8.")
            }
        }
    }

    /// The value of `name`; a repeated parameter is a 400.
    func single(_ name: String) throws(APIError) -> String? {
        let values = pairs.filter { $0.name == name }
        guard values.count <= 1 else {
            throw APIError.badRequest("The query parameter `\(name)` is given more than once.")
        }
        return values.first?.value
    }

    /// A 400 naming the first parameter not in `allowed`.
    func rejectUnknown(allowed: [String]) throws(APIError) {
        if let unknown = pairs.first(where: { !allowed.contains($0.name) }) {
            let list = allowed.isEmpty ? "none" : allowed.joined(separator: ", ")
            throw APIError.badRequest("Unknown query parameter `\(unknown.name)`; allowed here: \(list).")
        }
    }

    /// For routes that take no parameters at all.
    static func rejectAll(_ request: Request) throws(APIError) {
        try QueryParameters(request).rejectUnknown(allowed: [])
    }
}
