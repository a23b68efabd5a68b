/// Where a case stands in the loop of 上报 → 受理 → 派遣 → 处理 → 核查 → 办结 (SPEC §7).
public enum CaseState: String, CaseIterable, Sendable {
    /// 上报: raised by a cadre, a household or the 12345 hotline; nobody has taken it on yet.
    case reported
    /// 受理: the town has taken it on.
    case accepted
    /// 退回: sent back with a reason, by the town before dispatch or by the unit it was sent to.
    case returned
    /// 派遣: handed to a unit or cadre, the assignee.
    case dispatched
    /// 处理: the assignee is working on it.
    case inProgress = "in_progress"
    /// 延期: given a later deadline, asked for with a reason before the old one passed.
    case extended
    /// 核查: the assignee says it is done; the town checks.
    case awaitingCheck = "awaiting_check"
    /// 办结: closed with an outcome. Terminal.
    case closed
    /// 作废: voided. Terminal.
    case void
}

/// A step someone takes on a case.
public enum CaseAction: String, CaseIterable, Sendable {
    /// 受理: take on a reported or returned case.
    case accept
    /// 退回: send a case back, with a reason.
    case `return`
    /// 派遣: hand a case to an assignee.
    case dispatch
    /// Begin work on a dispatched or extended case.
    case start
    /// Hand the work in for checking.
    case submit
    /// 核查: check the work; a failure sends the case back to work as rework (返工).
    case check
    /// 办结: close a checked case with an outcome.
    case close
    /// 延期: move the deadline, with a reason, on or before it.
    case extend
    /// 催办: remind whoever holds the case; the state stays.
    case remind
    /// 督办: the district supervises the case; the state stays.
    case supervise
    /// 作废: void an open case.
    case void
}

/// Who takes a step, as far as the workflow cares; the API maps principals to these.
public enum CaseRole: String, CaseIterable, Sendable {
    /// Anyone with the admin role: every action.
    case admin
    /// District staff: every action, and the only ones besides admins who may supervise.
    case district
    /// Staff of the case's town: accept, return before dispatch, dispatch, check, close, remind, void.
    case town
    /// The unit or cadre the case was dispatched to: start, submit, extend, and return it refused.
    case assignee
    /// The grid cadre who reported the case: remind only.
    case reporter
}

/// How a closed case ended.
public enum CaseOutcome: String, CaseIterable, Sendable {
    /// The problem was solved: the case stands for a `problem_resolved` assistance record.
    case resolved
    /// The case was a good deed done (好人好事): it stands for a `good_deed` assistance record.
    case goodDeed = "good_deed"
    /// Explained to whoever raised it; nothing was to be done.
    case explained
    /// Cannot be solved, for now or at all.
    case unresolvable
}

/// What an action takes besides its name; each action reads only its own.
public struct CaseArguments: Sendable, Equatable {
    /// The reason, which `return` and `extend` require.
    public var note: String?
    /// Whom `dispatch` hands the case to.
    public var assignee: String?
    /// Whether a `check` passed.
    public var passed: Bool?
    /// How `close` ends the case.
    public var outcome: CaseOutcome?
    /// The new deadline `extend` asks for.
    public var deadline: CalendarDate?

    /// Creates arguments; leave out what the action does not read.
    public init(
        note: String? = nil, assignee: String? = nil, passed: Bool? = nil, outcome: CaseOutcome? = nil,
        deadline: CalendarDate? = nil
    ) {
        self.note = note
        self.assignee = assignee
        self.passed = passed
        self.outcome = outcome
        self.deadline = deadline
    }
}

/// What a step the workflow allows does to a case.
public struct CaseTransition: Sendable, Equatable {
    /// The state after the step.
    public var state: CaseState
    /// Whether the latest check since the last submit passed: set by `check`, cleared by `submit`.
    public var checked: Bool
    /// The step was a failed check, which counts as rework (返工).
    public var rework: Bool
    /// The deadline after the step: the old one, or the one `extend` gave.
    public var deadline: CalendarDate
}

/// Why the workflow refused a step. The checks run in this order, so a step both out of place
/// and not the caller's is refused as out of place.
public enum CaseRefusal: Error, Sendable, Equatable {
    /// The state does not allow the action, for anyone (409); `allowed` lists the actions it does.
    case notAllowed(action: CaseAction, state: CaseState, allowed: [CaseAction])
    /// The state allows the action, but not to this role (403).
    case notYours(action: CaseAction, role: CaseRole)
    /// An argument is missing or wrong (422): the issue points at `/note`, `/assignee`,
    /// `/passed`, `/outcome` or `/deadline`.
    case invalid(ValidationIssue)
}

/// The state machine of cases: which step may follow which, and who may take it. Pure: the
/// caller passes in the case's state and the day, and records the step it gets back.
public enum CaseWorkflow {
    /// The result of `action`, taken by `role` on a case in `state` due on `deadline`; `checked`
    /// says whether the latest check since the last submit passed.
    public static func next(
        state: CaseState, action: CaseAction, role: CaseRole, checked: Bool, deadline: CalendarDate,
        today: CalendarDate, arguments: CaseArguments = CaseArguments()
    ) -> Result<CaseTransition, CaseRefusal> {
        guard let target = destination(of: action, from: state, checked: checked) else {
            return .failure(
                .notAllowed(action: action, state: state, allowed: allowedActions(state: state, checked: checked)))
        }
        guard mayTake(action, from: state, as: role) else { return .failure(.notYours(action: action, role: role)) }
        if let issue = issue(with: arguments, for: action, deadline: deadline, today: today) {
            return .failure(.invalid(issue))
        }
        var transition = CaseTransition(state: target, checked: checked, rework: false, deadline: deadline)
        switch action {
        case .submit:
            transition.checked = false
        case .check:
            transition.checked = arguments.passed == true
            if !transition.checked {
                transition.state = .inProgress
                transition.rework = true
            }
        case .extend:
            transition.deadline = arguments.deadline ?? deadline
        default:
            break
        }
        return .success(transition)
    }

    /// The actions a case in `state` allows, for someone, in `CaseAction.allCases` order.
    public static func allowedActions(state: CaseState, checked: Bool) -> [CaseAction] {
        CaseAction.allCases.filter { destination(of: $0, from: state, checked: checked) != nil }
    }

    /// The actions a case in `state` allows to `role`.
    public static func allowedActions(state: CaseState, checked: Bool, role: CaseRole) -> [CaseAction] {
        allowedActions(state: state, checked: checked).filter { mayTake($0, from: state, as: role) }
    }

    /// Whether the case is still being worked on: neither closed nor void.
    public static func isOpen(_ state: CaseState) -> Bool {
        state != .closed && state != .void
    }

    /// Whether an open case is past its deadline; on the deadline itself it is still on time.
    public static func isOverdue(deadline: CalendarDate, state: CaseState, today: CalendarDate) -> Bool {
        isOpen(state) && today > deadline
    }

    /// Whether the case is due its automatic reminder (催办) step: overdue, in a state that takes
    /// reminders, and without one since its current deadline was set (`alreadyReminded`). A
    /// returned case takes none until the town picks it up again.
    public static func needsAutomaticReminder(
        deadline: CalendarDate, state: CaseState, today: CalendarDate, alreadyReminded: Bool
    ) -> Bool {
        !alreadyReminded && isOverdue(deadline: deadline, state: state, today: today)
            && destination(of: .remind, from: state, checked: false) != nil
    }

    /// The state `action` leads to from `state`, or nil where the state does not allow it. A check
    /// leads here as if it passed; `next` sends a failed one to `in_progress`.
    static func destination(of action: CaseAction, from state: CaseState, checked: Bool) -> CaseState? {
        switch (state, action) {
        case (.closed, _), (.void, _): nil
        case (.reported, .accept), (.returned, .accept): .accepted
        case (.reported, .return), (.accepted, .return), (.dispatched, .return): .returned
        case (.accepted, .dispatch), (.returned, .dispatch): .dispatched
        case (.dispatched, .start), (.extended, .start): .inProgress
        case (.inProgress, .submit), (.extended, .submit): .awaitingCheck
        case (.dispatched, .extend), (.inProgress, .extend), (.extended, .extend): .extended
        case (.awaitingCheck, .check): .awaitingCheck
        case (.awaitingCheck, .close): checked ? .closed : nil
        // A returned case waits for the town to take it up again or void it; nobody holds it to chase.
        case (.returned, .remind), (.returned, .supervise): nil
        case (_, .remind), (_, .supervise): state
        case (_, .void): .void
        default: nil
        }
    }

    /// Whether `role` may take `action` on a case in `state` (which allows it).
    static func mayTake(_ action: CaseAction, from state: CaseState, as role: CaseRole) -> Bool {
        switch role {
        case .admin, .district:
            true
        case .town:
            switch action {
            case .accept, .dispatch, .check, .close, .remind, .void: true
            case .return: state == .reported || state == .accepted
            case .start, .submit, .extend, .supervise: false
            }
        case .assignee:
            switch action {
            case .start, .submit, .extend: true
            case .return: state == .dispatched
            case .accept, .dispatch, .check, .close, .remind, .supervise, .void: false
            }
        case .reporter:
            action == .remind
        }
    }

    /// What is wrong with the arguments of `action`, or nil.
    static func issue(
        with arguments: CaseArguments, for action: CaseAction, deadline: CalendarDate, today: CalendarDate
    ) -> ValidationIssue? {
        func blank(_ text: String?) -> Bool { text?.allSatisfy(\.isWhitespace) ?? true }
        switch action {
        case .return where blank(arguments.note):
            return ValidationIssue("/note", "A return needs a reason.")
        case .dispatch where blank(arguments.assignee):
            return ValidationIssue("/assignee", "A dispatch needs the unit or cadre it goes to.")
        case .check where arguments.passed == nil:
            return ValidationIssue("/passed", "A check needs to say whether it passed.")
        case .close where arguments.outcome == nil:
            return ValidationIssue(
                "/outcome", "A close needs an outcome: \(CaseOutcome.allCases.map(\.rawValue).joined(separator: ", "))."
            )
        case .extend:
            if blank(arguments.note) { return ValidationIssue("/note", "An extension needs a reason.") }
            guard let requested = arguments.deadline else {
                return ValidationIssue("/deadline", "An extension needs the new deadline.")
            }
            guard today <= deadline else {
                return ValidationIssue(
                    "/deadline", "An extension must be asked for on or before the deadline, \(deadline.text).")
            }
            guard requested > deadline else {
                return ValidationIssue("/deadline", "The new deadline must be after the current one, \(deadline.text).")
            }
            return nil
        default:
            return nil
        }
    }
}
