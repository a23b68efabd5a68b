public import JSON

/// One step of a case's `flow`: who moved it from which state to which, when, and why. The flow
/// is the case's own history: steps are only ever appended.
public struct CaseStep: Sendable, Hashable {
    /// The action (`report` for the step that opened the case).
    public var action: String
    /// The state before; nil for the report.
    public var from: String?
    /// The state after.
    public var to: String
    /// The principal who took the step (`system` for an automatic reminder).
    public var by: String
    /// When it was recorded (RFC 3339, UTC).
    public var at: String
    /// The working date it counts on: the case clock's day (`--today`, or the server's date).
    public var on: String
    /// The note given with the step (a reason, for `return` and `extend`).
    public var note: String?
    /// `dispatch`: whom the case went to.
    public var assignee: String?
    /// `extend`: the new deadline; `report`: the first one.
    public var deadline: String?
    /// `check`: whether it passed.
    public var passed: Bool?
    /// `close`: how the case ended.
    public var outcome: String?

    /// The principal id of steps the server takes by itself (the automatic reminder).
    public static let system = "system"

    /// Creates a step.
    public init(
        action: String, from: String?, to: String, by: String, at: String, on: String, note: String? = nil,
        assignee: String? = nil, deadline: String? = nil, passed: Bool? = nil, outcome: String? = nil
    ) {
        self.action = action
        self.from = from
        self.to = to
        self.by = by
        self.at = at
        self.on = on
        self.note = note
        self.assignee = assignee
        self.deadline = deadline
        self.passed = passed
        self.outcome = outcome
    }

    /// The members, in the order the API writes them; the optional ones only when set.
    public var json: JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("action", .string(action)), ("from", from.map(JSONValue.string) ?? .null), ("to", .string(to)),
            ("by", .string(by)), ("at", .string(at)), ("on", .string(on)),
            ("note", note.map(JSONValue.string) ?? .null),
        ]
        if let assignee { members.append(("assignee", .string(assignee))) }
        if let deadline { members.append(("deadline", .string(deadline))) }
        if let passed { members.append(("passed", .bool(passed))) }
        if let outcome { members.append(("outcome", .string(outcome))) }
        return .object(members)
    }

    /// Writes the step as `json` says.
    func write(to writer: inout JSONWriter) {
        writer.raw("{\"action\":")
        writer.string(action)
        writer.raw(",\"from\":")
        if let from { writer.string(from) } else { writer.raw("null") }
        writer.raw(",\"to\":")
        writer.string(to)
        writer.raw(",\"by\":")
        writer.string(by)
        writer.raw(",\"at\":")
        writer.string(at)
        writer.raw(",\"on\":")
        writer.string(on)
        writer.raw(",\"note\":")
        if let note { writer.string(note) } else { writer.raw("null") }
        if let assignee {
            writer.raw(",\"assignee\":")
            writer.string(assignee)
        }
        if let deadline {
            writer.raw(",\"deadline\":")
            writer.string(deadline)
        }
        if let passed {
            writer.raw(",\"passed\":")
            writer.bool(passed)
        }
        if let outcome {
            writer.raw(",\"outcome\":")
            writer.string(outcome)
        }
        writer.bytes.append(UInt8(ascii: "}"))
    }

    /// Reads a step back from its JSON (a stored record: the journal or a snapshot); nil when it
    /// is not one.
    init?(_ json: JSONValue) {
        guard case .object(let members) = json else { return nil }
        var fields: [String: JSONValue] = [:]
        for (key, value) in members { fields[key] = value }
        func text(_ key: String) -> String? {
            if case .string(let value) = fields[key] { return value }
            return nil
        }
        guard let action = text("action"), let to = text("to"), let by = text("by"), let at = text("at"),
            let on = text("on")
        else { return nil }
        var passed: Bool?
        if case .bool(let flag) = fields["passed"] { passed = flag }
        self.init(
            action: action, from: text("from"), to: to, by: by, at: at, on: on, note: text("note"),
            assignee: text("assignee"), deadline: text("deadline"), passed: passed, outcome: text("outcome"))
    }
}
