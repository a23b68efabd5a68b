/// One field's value in a record.
public enum FieldValue: Sendable, Hashable {
    case null
    case string(String)
    case int(Int)
    case bool(Bool)
    /// A list of strings: ids (`gridIds`) or tags (`roles`).
    case list([String])
    /// Named counts with fixed keys given by the schema (`partyMembers`).
    case counts([Int])
    /// A case's flow: its steps, oldest first.
    case steps([CaseStep])

    /// The string, or nil.
    public var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The integer, or 0 for null (every counted field treats absence as zero).
    public var int: Int {
        if case .int(let value) = self { return value }
        return 0
    }

    /// The flag, or false.
    public var bool: Bool {
        if case .bool(let value) = self { return value }
        return false
    }

    /// The list, or empty.
    public var list: [String] {
        if case .list(let value) = self { return value }
        return []
    }

    /// The steps, or empty.
    public var steps: [CaseStep] {
        if case .steps(let value) = self { return value }
        return []
    }

    /// The counts, or nil.
    public var counts: [Int]? {
        if case .counts(let value) = self { return value }
        return nil
    }
}
