/// Why the store refused a write.
public enum StoreError: Error, Sendable, Equatable {
    /// No record of that kind has that id.
    case notFound(ResourceKind, String)
    /// Other records point to the one being deleted: every resource and field that does.
    case referenced([Referrer])
    /// The id is already taken.
    case duplicateID(String)
    /// The values name records that do not exist, or break a rule that spans fields or records.
    case invalid([ValidationIssue])
    /// The caller's precondition (`If-Match`) does not hold for the current record.
    case preconditionFailed(current: Record)
}
