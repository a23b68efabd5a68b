/// A case as record values: opening one, taking a step on it, and keeping it current with the
/// clock. Pure, like `CaseWorkflow`, whose table it applies; the store runs these under its lock.
public enum CaseFile {
    /// What a step did: the case's new values, and the assistance record its closure stands for.
    public struct Move: Sendable, Equatable {
        /// The case's values after the step (and the clock's due reminder, if any).
        public var values: [FieldValue]
        /// The values of the assistance record a closure creates (`problem_resolved` or
        /// `good_deed`); its id is already in `recordIds`.
        public var record: [FieldValue]?
    }

    /// The values of a new case: `values` as a client gave them (derived fields null), with the
    /// derived fields filled in from its grid and the clock. Refused when `reportedOn` lies ahead
    /// of today.
    public static func opened(
        _ values: [FieldValue], grid: Record?, today: CalendarDate, calendar: WorkingCalendar, at timestamp: String,
        by principal: String
    ) -> Result<[FieldValue], ValidationIssue> {
        var values = ResourceKind.cases.schema.filled(values)
        func set(_ field: CaseField, _ value: FieldValue) { values[field.rawValue] = value }
        let reported = values[CaseField.reportedOn.rawValue].string.flatMap(CalendarDate.init) ?? today
        guard reported <= today else {
            return .failure(
                ValidationIssue("/reportedOn", "Must not be after today, \(today.text), on the case clock."))
        }
        let category = values[CaseField.category.rawValue].string.flatMap(CaseCategory.init) ?? .suggestion
        let deadline = category.deadline(from: reported, calendar: calendar)
        set(.townId, grid?[GridField.townId] ?? .null)
        set(.villageId, grid?[GridField.villageId] ?? .null)
        set(.reportedOn, .string(reported.text))
        set(.state, .string(CaseState.reported.rawValue))
        set(.assignee, .null)
        set(.deadline, .string(deadline.text))
        set(.supervised, .bool(false))
        set(.reworks, .int(0))
        set(.outcome, .null)
        set(.closedOn, .null)
        set(.recordIds, .list([]))
        let report = CaseStep(
            action: "report", from: nil, to: CaseState.reported.rawValue, by: principal, at: timestamp,
            on: reported.text, deadline: deadline.text)
        set(.flow, .steps([report]))
        return .success(settled(values, today: today, at: timestamp) ?? withOverdue(values, today: today))
    }

    /// The values of an update: the client's (derived fields null) over `current`, whose derived
    /// fields stay. A fixed field may be repeated but not changed.
    public static func updated(_ values: [FieldValue], current: Record) -> Result<[FieldValue], ValidationFailure> {
        let schema = ResourceKind.cases.schema
        var values = schema.filled(values)
        var issues: [ValidationIssue] = []
        for (position, field) in schema.fields.enumerated() {
            switch field.access {
            case .free:
                continue
            case .fixed:
                if values[position] != current.values[position] {
                    issues.append(
                        ValidationIssue(
                            "/\(field.name)",
                            "`\(field.name)` is fixed once a case is reported; void the case and report a new one."))
                }
            case .derived:
                values[position] = current.values[position]
            }
        }
        return issues.isEmpty ? .success(values) : .failure(ValidationFailure(issues: issues, partial: values))
    }

    /// Takes `action` on `current` as the first of `roles` the workflow lets take it.
    /// `nextRecordID` is the id the assistance record a closure creates will get.
    public static func step(
        _ current: Record, action: CaseAction, arguments: CaseArguments, roles: [CaseRole], by principal: String,
        at timestamp: String, today: CalendarDate, nextRecordID: String
    ) -> Result<Move, CaseRefusal> {
        var values = current.values
        let state = CaseState(rawValue: values[CaseField.state.rawValue].string ?? "") ?? .reported
        let flow = values[CaseField.flow.rawValue].steps
        let deadline = values[CaseField.deadline.rawValue].string.flatMap(CalendarDate.init) ?? today
        // The state's answer comes first, whoever asks; then the first role that may take the
        // step takes it, or the first role's refusal stands.
        let checked = isChecked(flow)
        guard let first = roles.first else {
            let allowed = CaseWorkflow.allowedActions(state: state, checked: checked)
            return .failure(
                allowed.contains(action)
                    ? .notYours(action: action, role: .reporter)
                    : .notAllowed(action: action, state: state, allowed: allowed))
        }
        var found: CaseTransition?
        for role in roles where found == nil {
            switch CaseWorkflow.next(
                state: state, action: action, role: role, checked: checked, deadline: deadline, today: today,
                arguments: arguments)
            {
            case .success(let transition): found = transition
            case .failure(.notYours): continue
            case .failure(let other): return .failure(other)
            }
        }
        guard let transition = found else { return .failure(.notYours(action: action, role: first)) }
        var step = CaseStep(
            action: action.rawValue, from: state.rawValue, to: transition.state.rawValue, by: principal, at: timestamp,
            on: today.text, note: arguments.note)
        var record: [FieldValue]?
        switch action {
        case .dispatch:
            step.assignee = arguments.assignee
            values[CaseField.assignee.rawValue] = arguments.assignee.map(FieldValue.string) ?? .null
        case .return:
            // Back with the town: whoever held it holds it no longer.
            values[CaseField.assignee.rawValue] = .null
        case .extend:
            step.deadline = transition.deadline.text
            values[CaseField.deadline.rawValue] = .string(transition.deadline.text)
        case .check:
            step.passed = arguments.passed
            if transition.rework {
                values[CaseField.reworks.rawValue] = .int(values[CaseField.reworks.rawValue].int + 1)
            }
        case .supervise:
            values[CaseField.supervised.rawValue] = .bool(true)
        case .close:
            let outcome = arguments.outcome ?? .explained
            step.outcome = outcome.rawValue
            values[CaseField.outcome.rawValue] = .string(outcome.rawValue)
            values[CaseField.closedOn.rawValue] = .string(today.text)
            if let type = outcome.recordType {
                record = assistanceRecord(of: values, type: type, on: today, note: arguments.note)
                values[CaseField.recordIds.rawValue] = .list(values[CaseField.recordIds.rawValue].list + [nextRecordID])
            }
        case .accept, .start, .submit, .remind, .void:
            break
        }
        values[CaseField.state.rawValue] = .string(transition.state.rawValue)
        values[CaseField.flow.rawValue] = .steps(flow + [step])
        values = settled(values, today: today, at: timestamp) ?? withOverdue(values, today: today)
        return .success(Move(values: values, record: record))
    }

    /// The case brought up to `today`, or nil when it already is: `overdue` set as the clock says,
    /// and, on a working day, the automatic reminder (催办) step added once per deadline to a case
    /// past it — the office reminds on the first working day it is overdue, not on a Sunday.
    public static func settled(
        _ values: [FieldValue], today: CalendarDate, at timestamp: String, calendar: WorkingCalendar = .china
    ) -> [FieldValue]? {
        var updated = withOverdue(values, today: today)
        let state = CaseState(rawValue: values[CaseField.state.rawValue].string ?? "") ?? .reported
        let flow = values[CaseField.flow.rawValue].steps
        if calendar.isWorkingDay(today),
            let deadline = values[CaseField.deadline.rawValue].string.flatMap(CalendarDate.init),
            CaseWorkflow.needsAutomaticReminder(
                deadline: deadline, state: state, today: today, alreadyReminded: remindedSinceDeadline(flow))
        {
            let reminder = automaticReminder(state: state, deadline: deadline, at: timestamp, on: today)
            updated[CaseField.flow.rawValue] = .steps(flow + [reminder])
        }
        return updated == values ? nil : updated
    }

    /// The step the server adds to a case past its `deadline`, in `state`, on the day `on`.
    public static func automaticReminder(
        state: CaseState, deadline: CalendarDate, at timestamp: String, on day: CalendarDate
    )
        -> CaseStep
    {
        CaseStep(
            action: CaseAction.remind.rawValue, from: state.rawValue, to: state.rawValue, by: CaseStep.system,
            at: timestamp, on: day.text, note: "已超过办理期限（\(deadline.text)），系统自动催办。")
    }

    /// `values` with `overdue` as the clock says.
    static func withOverdue(_ values: [FieldValue], today: CalendarDate) -> [FieldValue] {
        var values = values
        let state = CaseState(rawValue: values[CaseField.state.rawValue].string ?? "") ?? .reported
        let overdue = values[CaseField.deadline.rawValue].string.flatMap(CalendarDate.init).map {
            CaseWorkflow.isOverdue(deadline: $0, state: state, today: today)
        }
        values[CaseField.overdue.rawValue] = .bool(overdue ?? false)
        return values
    }

    /// Whether the latest check since the last submit passed.
    static func isChecked(_ flow: [CaseStep]) -> Bool {
        guard let last = flow.last(where: { $0.action == "submit" || $0.action == "check" }) else { return false }
        return last.action == "check" && last.passed == true
    }

    /// Whether the server has reminded the case since its deadline was last set.
    static func remindedSinceDeadline(_ flow: [CaseStep]) -> Bool {
        for step in flow.reversed() {
            if step.action == "remind" && step.by == CaseStep.system { return true }
            if step.action == "report" || step.action == "extend" { return false }
        }
        return false
    }

    /// The assistance record a closed case stands for: the work, in its grid, by whoever did it
    /// (the assignee when a cadre, else the reporter), on the day it closed.
    static func assistanceRecord(of values: [FieldValue], type: String, on day: CalendarDate, note: String?)
        -> [FieldValue]
    {
        var record = [FieldValue](repeating: .null, count: AssistanceField.allCases.count)
        let assignee = values[CaseField.assignee.rawValue].string
        let cadre = assignee.flatMap { isCadreID($0) ? $0 : nil } ?? values[CaseField.reportedBy.rawValue].string
        let title = values[CaseField.title.rawValue].string ?? ""
        record[AssistanceField.type.rawValue] = .string(type)
        record[AssistanceField.date.rawValue] = .string(day.text)
        record[AssistanceField.cadreId.rawValue] = cadre.map(FieldValue.string) ?? .null
        record[AssistanceField.gridId.rawValue] = values[CaseField.gridId.rawValue]
        record[AssistanceField.householdName.rawValue] = values[CaseField.householdName.rawValue]
        let ending = note.map { $0.allSatisfy(\.isWhitespace) ? "" : "：" + $0 } ?? ""
        record[AssistanceField.summary.rawValue] = .string("办结：\(title)\(ending)")
        // As the seed's records of each type: problems solved are 解决问题, good deeds 改进作风.
        record[AssistanceField.activity.rawValue] = .string(type == "good_deed" ? "improve_style" : "solve_problems")
        record[AssistanceField.counterpart.rawValue] = values[CaseField.counterpart.rawValue]
        return record
    }

    /// Whether an assignee names a cadre (`cadre-…`) rather than a unit.
    public static func isCadreID(_ assignee: String) -> Bool {
        assignee.hasPrefix(ResourceKind.cadres.schema.idPrefix + "-")
    }
}

extension CaseOutcome {
    /// The assistance record type a closure with this outcome stands for, if any.
    public var recordType: String? {
        switch self {
        case .resolved: "problem_resolved"
        case .goodDeed: "good_deed"
        case .explained, .unresolvable: nil
        }
    }
}
