import JSON

/// Merge patches between two states of a document: what a record's history shows for each
/// revision. `apply(diff(from: a, to: b), to: a)` is `b`, up to members that are `null`.
extension MergePatch {
    /// The patch that turns `old` into `new`: for objects, a member for each member that changed
    /// (recursively, for objects in both), was added, or went (`null`); anything else is `new`
    /// whole. A member whose new value is `null` is given as `null`, which a merge removes — the
    /// record's JSON writes a cleared field as `null`, and a merge patch cannot say otherwise.
    static func diff(from old: JSONValue, to new: JSONValue) -> JSONValue {
        guard case .object(let before) = old, case .object(let after) = new else { return new }
        var members: [(key: String, value: JSONValue)] = []
        for (key, value) in after {
            if let previous = before.first(where: { $0.key == key })?.value {
                if previous != value { members.append((key, diff(from: previous, to: value))) }
            } else if value != .null {
                members.append((key, value))
            }
        }
        for (key, value) in before where value != .null && !after.contains(where: { $0.key == key }) {
            members.append((key, .null))
        }
        return .object(members)
    }
}
