import Foundation

/// The opaque list cursor: base64url (no padding) of `["assistance-records", "", "<filters>", "", "<last id>"]`,
/// the same bytes as Gridwork's keyset cursor for the unfiltered list in the default sort (resource,
/// sort, the fingerprint of no filters — FNV-1a of nothing —, the region, empty for the whole district,
/// and the last id).
enum Cursor {
    static let scope = ["assistance-records", "", "cbf29ce484222325", ""]

    /// The cursor that continues after `id`.
    static func after(_ id: String) -> String {
        let json = (try? JSONEncoder().encode(scope + [id])) ?? Data()
        return json.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The last id a cursor names, or nil when it is not one of ours.
    static func lastID(_ cursor: String) -> String? {
        var base64 = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64),
            let parts = try? JSONDecoder().decode([String].self, from: data),
            parts.count == scope.count + 1, Array(parts.prefix(scope.count)) == scope
        else { return nil }
        return parts[scope.count]
    }
}
