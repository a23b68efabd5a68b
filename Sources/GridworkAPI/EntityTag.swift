import HTTP1
import HTTPResponder
import HTTPTypes

/// RFC 9110 §8.8.3 entity-tag lists, as `If-Match` and `If-None-Match` carry them.
enum EntityTag {
    /// The members of `header`: `["*"]`, or each `"…"` / `W/"…"` tag as written; `nil` when the
    /// field is not `*` and not a non-empty comma-separated list of entity tags (RFC 9110 §8.8.3).
    /// Tags may hold commas (`etagc` allows them), so the list is scanned, not split.
    static func parseList(_ header: String) -> [Substring]? {
        let text = header.trimmingSpacesAndTabs()
        if text == "*" { return ["*"] }
        var tags: [Substring] = []
        var index = text.startIndex
        func skipWhitespace() {
            while index < text.endIndex, text[index] == " " || text[index] == "\t" { index = text.index(after: index) }
        }
        while true {
            skipWhitespace()
            if index < text.endIndex, text[index] == "," {  // empty list elements are allowed (RFC 9110 §5.6.1.2)
                index = text.index(after: index)
                continue
            }
            guard index < text.endIndex else { break }
            let start = index
            if text[index...].hasPrefix("W/") { index = text.index(index, offsetBy: 2) }
            guard index < text.endIndex, text[index] == "\"" else { return nil }
            index = text.index(after: index)
            while index < text.endIndex, text[index] != "\"" {
                guard let ascii = text[index].asciiValue, ascii >= 0x21, ascii != 0x7F else { return nil }
                index = text.index(after: index)
            }
            guard index < text.endIndex else { return nil }
            index = text.index(after: index)
            tags.append(text[start..<index])
            skipWhitespace()
            guard index == text.endIndex || text[index] == "," else { return nil }
        }
        return tags.isEmpty ? nil : tags
    }

    /// `If-Match` and `If-None-Match` may not be empty: that is a client error (400). Any other
    /// value that is not `*` or a list of entity tags names no representation, so it matches
    /// nothing — `If-Match` then fails with 412 and `If-None-Match` holds — as most servers do.
    static func checkConditionalFields(_ request: Request) throws(APIError) {
        for (field, name) in [(HTTPField.Name.ifMatch, "If-Match"), (.ifNoneMatch, "If-None-Match")] {
            if let value = request.headerFields[field], value.trimmingSpacesAndTabs().isEmpty {
                throw APIError.badRequest(
                    "\(name) must be `*` or a comma-separated list of entity tags such as \"12\" (RFC 9110 §8.8.3).")
            }
        }
    }

    /// Whether `header` (`*`, or a list of tags) matches any of `tags`. `If-None-Match` compares
    /// weakly (`W/` ignored); `If-Match` strongly (a weak tag never matches) — RFC 9110 §8.8.3.2.
    /// A malformed header matches nothing.
    static func matches(_ header: String, any tags: [String], weak: Bool) -> Bool {
        guard let listed = parseList(header) else { return false }
        if listed == ["*"] { return true }
        let wanted = Set(weak ? tags.map { opaque($0[...]) } : tags.map { $0[...] })
        return listed.contains { wanted.contains(weak ? opaque($0) : $0) }
    }

    /// The quoted part without `W/`.
    static func opaque(_ tag: Substring) -> Substring {
        tag.hasPrefix("W/") ? tag.dropFirst(2) : tag
    }
}
