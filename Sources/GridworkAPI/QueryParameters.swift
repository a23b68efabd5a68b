import HTTP1
import HTTPResponder

/// The decoded query string of a request, with strict rules: unknown parameters are a 400.
struct QueryParameters {
    var pairs: [(name: String, value: String)] = []

    init(_ request: Request) throws(APIError) {
        guard let query = request.query, !query.isEmpty else { return }
        for part in query.split(separator: "&", omittingEmptySubsequences: true) {
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            do {
                // A NUL in a value is harmless here (it matches nothing); names must be clean.
                let name = try PercentEncoding.decode(pieces[0], plusIsSpace: true)
                let value =
                    pieces.count > 1 ? try PercentEncoding.decode(pieces[1], plusIsSpace: true, allowNUL: true) : ""
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
