/// Why the store refused a write.
public enum StoreError: Error, Sendable, Equatable {
    /// No record of that kind has that id.
    case notFound(ResourceKind, String)
    /// A reference field names a record that does not exist.
    case missingReference(field: String, kind: ResourceKind, id: String)
    /// Other records point to the one being deleted.
    case referenced(by: ResourceKind, field: String, count: Int)
    /// The id is already taken.
    case duplicateID(String)
    /// The values break a rule that spans fields or records.
    case invalid([ValidationIssue])
    /// The caller's precondition (`If-Match`) does not hold for the current record.
    case preconditionFailed(current: Record)
}
