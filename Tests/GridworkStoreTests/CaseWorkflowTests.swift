import Testing

@testable import GridworkStore

/// The case state machine: every action from every state by every role, the arguments actions
/// need, deadlines and reminders, and random runs held to the workflow's invariants.
struct CaseWorkflowTests {
    /// Where each action leads from each state, as SPEC §7 and the workflow table give it. A check
    /// is listed as it passes; `close` only once the case is checked.
    static let moves: [CaseState: [CaseAction: CaseState]] = [
        .reported: [
            .accept: .accepted, .return: .returned, .remind: .reported, .supervise: .reported, .void: .void,
        ],
        .returned: [.accept: .accepted, .dispatch: .dispatched, .void: .void],
        .accepted: [
            .return: .returned, .dispatch: .dispatched, .remind: .accepted, .supervise: .accepted, .void: .void,
        ],
        .dispatched: [
            .return: .returned, .start: .inProgress, .extend: .extended, .remind: .dispatched,
            .supervise: .dispatched, .void: .void,
        ],
        .inProgress: [
            .submit: .awaitingCheck, .extend: .extended, .remind: .inProgress, .supervise: .inProgress, .void: .void,
        ],
        .extended: [
            .start: .inProgress, .submit: .awaitingCheck, .extend: .extended, .remind: .extended,
            .supervise: .extended, .void: .void,
        ],
        .awaitingCheck: [
            .check: .awaitingCheck, .close: .closed, .remind: .awaitingCheck, .supervise: .awaitingCheck,
            .void: .void,
        ],
        .closed: [:],
        .void: [:],
    ]

    /// What a 409 lists, in `CaseAction.allCases` order.
    static func allowed(_ state: CaseState, checked: Bool) -> [CaseAction] {
        switch state {
        case .reported: [.accept, .return, .remind, .supervise, .void]
        case .returned: [.accept, .dispatch, .void]
        case .accepted: [.return, .dispatch, .remind, .supervise, .void]
        case .dispatched: [.return, .start, .extend, .remind, .supervise, .void]
        case .inProgress: [.submit, .extend, .remind, .supervise, .void]
        case .extended: [.start, .submit, .extend, .remind, .supervise, .void]
        case .awaitingCheck:
            checked ? [.check, .close, .remind, .supervise, .void] : [.check, .remind, .supervise, .void]
        case .closed, .void: []
        }
    }

    /// Who may take each action (where the state allows it).
    static func takers(_ action: CaseAction, from state: CaseState) -> Set<CaseRole> {
        switch action {
        case .accept, .dispatch, .check, .close, .void: [.admin, .district, .town]
        case .return: state == .dispatched ? [.admin, .district, .assignee] : [.admin, .district, .town]
        case .start, .submit, .extend: [.admin, .district, .assignee]
        case .remind: [.admin, .district, .town, .reporter]
        case .supervise: [.admin, .district]
        }
    }

    static let deadline = CalendarDate.make("2014-08-06")
    static let later = CalendarDate.make("2014-08-13")

    /// Arguments every action accepts.
    static let complete = CaseArguments(
        note: "The unit lacks the equipment.", assignee: "unit-7", passed: true, outcome: .resolved, deadline: later)

    static func next(
        _ state: CaseState, _ action: CaseAction, by role: CaseRole = .admin, checked: Bool = false,
        today: CalendarDate = deadline, _ arguments: CaseArguments = complete
    ) -> Result<CaseTransition, CaseRefusal> {
        CaseWorkflow.next(
            state: state, action: action, role: role, checked: checked, deadline: deadline, today: today,
            arguments: arguments)
    }

    @Test(arguments: CaseState.allCases, CaseRole.allCases)
    func everyAction_leadsWhereTheTableSays(_ state: CaseState, _ role: CaseRole) {
        for checked in [false, true] {
            for action in CaseAction.allCases {
                let expected: Result<CaseTransition, CaseRefusal>
                if let target = Self.moves[state]?[action], action != .close || checked {
                    if Self.takers(action, from: state).contains(role) {
                        expected = .success(
                            CaseTransition(
                                state: target, checked: action == .check || (action != .submit && checked),
                                rework: false, deadline: action == .extend ? Self.later : Self.deadline))
                    } else {
                        expected = .failure(.notYours(action: action, role: role))
                    }
                } else {
                    expected = .failure(
                        .notAllowed(action: action, state: state, allowed: Self.allowed(state, checked: checked)))
                }
                #expect(
                    Self.next(state, action, by: role, checked: checked) == expected, "\(action) checked \(checked)")
            }
        }
    }

    @Test(arguments: CaseState.allCases, CaseRole.allCases)
    func allowedActions_forARole_areTheAllowedOnesItMayTake(_ state: CaseState, _ role: CaseRole) {
        for checked in [false, true] {
            let all = CaseWorkflow.allowedActions(state: state, checked: checked)
            #expect(all == Self.allowed(state, checked: checked))
            #expect(
                CaseWorkflow.allowedActions(state: state, checked: checked, role: role)
                    == all.filter { Self.takers($0, from: state).contains(role) })
        }
    }

    @Test func allowedActions_forRoles_examples() {
        #expect(
            CaseWorkflow.allowedActions(state: .dispatched, checked: false, role: .assignee) == [
                .return, .start, .extend,
            ])
        #expect(CaseWorkflow.allowedActions(state: .dispatched, checked: false, role: .town) == [.remind, .void])
        #expect(CaseWorkflow.allowedActions(state: .returned, checked: false, role: .reporter) == [])
        #expect(CaseWorkflow.allowedActions(state: .reported, checked: false, role: .reporter) == [.remind])
        #expect(
            CaseWorkflow.allowedActions(state: .awaitingCheck, checked: true, role: .town) == [
                .check, .close, .remind, .void,
            ])
    }

    @Test func failedCheck_sendsTheCaseBackToWorkAsRework() {
        let failed = Self.next(.awaitingCheck, .check, by: .town, checked: true, CaseArguments(passed: false))
        #expect(
            failed
                == .success(CaseTransition(state: .inProgress, checked: false, rework: true, deadline: Self.deadline)))
    }

    @Test func close_beforeAPassedCheck_isRefusedWithTheAllowedActions() {
        #expect(
            Self.next(.awaitingCheck, .close, by: .town)
                == .failure(
                    .notAllowed(action: .close, state: .awaitingCheck, allowed: [.check, .remind, .supervise, .void])))
    }

    @Test func refusals_comeInOrder_stateThenRoleThenArguments() {
        // Out of place and not the reporter's: out of place.
        #expect(
            Self.next(.closed, .return, by: .reporter, CaseArguments())
                == .failure(.notAllowed(action: .return, state: .closed, allowed: [])))
        // Not the reporter's, and without its reason: not theirs.
        #expect(
            Self.next(.reported, .return, by: .reporter, CaseArguments())
                == .failure(.notYours(action: .return, role: .reporter)))
    }

    @Test(arguments: [
        (CaseState.reported, CaseAction.return, CaseArguments(), "/note"),
        (.accepted, .return, CaseArguments(note: " \n\t"), "/note"),
        (.dispatched, .return, CaseArguments(note: ""), "/note"),
        (.accepted, .dispatch, CaseArguments(), "/assignee"),
        (.returned, .dispatch, CaseArguments(assignee: "  "), "/assignee"),
        (.awaitingCheck, .check, CaseArguments(), "/passed"),
        (.awaitingCheck, .close, CaseArguments(note: "done"), "/outcome"),
        (.dispatched, .extend, CaseArguments(deadline: later), "/note"),
        (.inProgress, .extend, CaseArguments(note: "Waiting for parts."), "/deadline"),
        (.extended, .extend, CaseArguments(note: "Waiting for parts.", deadline: deadline), "/deadline"),
        (.extended, .extend, CaseArguments(note: "Waiting for parts.", deadline: .make("2014-08-05")), "/deadline"),
    ])
    func missingOrBadArgument_isRefusedPointingAtIt(
        _ state: CaseState, _ action: CaseAction, _ arguments: CaseArguments, _ pointer: String
    ) {
        guard case .failure(.invalid(let issue)) = Self.next(state, action, checked: true, arguments) else {
            Issue.record("\(action) from \(state) was not refused as invalid")
            return
        }
        #expect(issue.pointer == pointer)
    }

    @Test func extend_onTheDeadline_isAllowed_theDayAfter_isNot() {
        let arguments = CaseArguments(note: "Waiting for parts.", deadline: Self.later)
        #expect(
            Self.next(.inProgress, .extend, today: Self.deadline, arguments)
                == .success(CaseTransition(state: .extended, checked: false, rework: false, deadline: Self.later)))
        #expect(
            Self.next(.inProgress, .extend, today: .make("2014-08-07"), arguments)
                == .failure(
                    .invalid(
                        ValidationIssue(
                            "/deadline", "An extension must be asked for on or before the deadline, 2014-08-06."))))
    }

    @Test(arguments: CaseState.allCases)
    func overdue_isAnOpenCasePastItsDeadline(_ state: CaseState) {
        let open = state != .closed && state != .void
        #expect(CaseWorkflow.isOpen(state) == open)
        for (today, past) in [("2014-08-05", false), ("2014-08-06", false), ("2014-08-07", true), ("2015-01-01", true)]
        {
            let overdue = CaseWorkflow.isOverdue(deadline: Self.deadline, state: state, today: .make(today))
            #expect(overdue == (open && past), "\(today)")
            let remindable = overdue && state != .returned
            #expect(
                CaseWorkflow.needsAutomaticReminder(
                    deadline: Self.deadline, state: state, today: .make(today), alreadyReminded: false) == remindable)
            #expect(
                !CaseWorkflow.needsAutomaticReminder(
                    deadline: Self.deadline, state: state, today: .make(today), alreadyReminded: true))
        }
    }
}

extension CaseWorkflowTests {
    /// One recorded step of a case's flow.
    struct Step: Equatable {
        var from: CaseState
        var to: CaseState
        var action: CaseAction
    }

    /// A case the test drives, keeping what the API would keep.
    struct Case {
        var state = CaseState.reported
        var checked = false
        var deadline: CalendarDate
        var today: CalendarDate
        var flow: [Step] = []
        var reminded = false
        var rework = 0
        var failedChecks = 0

        mutating func take(_ action: CaseAction, by role: CaseRole, _ arguments: CaseArguments)
            -> Result<CaseTransition, CaseRefusal>
        {
            let result = CaseWorkflow.next(
                state: state, action: action, role: role, checked: checked, deadline: deadline, today: today,
                arguments: arguments)
            guard case .success(let transition) = result else { return result }
            if action == .check && arguments.passed == false { failedChecks += 1 }
            if transition.rework { rework += 1 }
            if transition.deadline != deadline { reminded = false }
            flow.append(Step(from: state, to: transition.state, action: action))
            state = transition.state
            checked = transition.checked
            deadline = transition.deadline
            return result
        }
    }

    static func randomArguments(_ random: inout SplitMix64, deadline: CalendarDate) -> CaseArguments {
        CaseArguments(
            note: random.pick([nil, "", " ", "Needs the water bureau.", "Waiting for parts."]),
            assignee: random.pick([nil, "", "unit-3", "cadre-12"]),
            passed: random.pick([nil, true, false, false]),
            outcome: random.pick([nil] + CaseOutcome.allCases),
            deadline: random.pick([nil, -1, 0, 1, 5, 10]).map { CalendarDate(dayNumber: deadline.dayNumber + $0) })
    }

    @Test func randomRuns_keepTheWorkflowsInvariants() {
        var random = SplitMix64(seed: 0x12345)
        var finished = 0
        var closed = 0
        var reworked = 0
        for _ in 0..<1000 {
            let reported = CalendarDate(dayOf2014: random.int(in: 0...364))
            let category = random.pick(CaseCategory.allCases)
            var subject = Case(deadline: category.deadline(from: reported), today: reported)
            for _ in 0..<random.int(in: 1...80) {
                subject.today = CalendarDate(dayNumber: subject.today.dayNumber + random.int(in: 0...2))
                if CaseWorkflow.needsAutomaticReminder(
                    deadline: subject.deadline, state: subject.state, today: subject.today,
                    alreadyReminded: subject.reminded)
                {
                    #expect((try? subject.take(.remind, by: .admin, CaseArguments()).get()) != nil)
                    subject.reminded = true
                }
                let before = subject
                // Mostly actions the state allows other than void, so that runs get far; the rest from anywhere.
                let allowedNow = CaseWorkflow.allowedActions(state: subject.state, checked: subject.checked)
                let pool = random.unit() < 0.7 ? allowedNow.filter { $0 != .void } : CaseAction.allCases
                let action = pool.isEmpty ? .void : random.pick(pool)
                let role = random.pick(CaseRole.allCases)
                let result = subject.take(action, by: role, Self.randomArguments(&random, deadline: subject.deadline))
                let allowed = CaseWorkflow.allowedActions(state: before.state, checked: before.checked)
                switch result {
                case .success(let transition):
                    #expect(
                        CaseWorkflow.allowedActions(state: before.state, checked: before.checked, role: role).contains(
                            action))
                    #expect(CaseWorkflow.isOpen(before.state))
                    #expect(action != .close || before.checked)
                    #expect(transition.deadline >= before.deadline)
                case .failure(.notAllowed(_, _, let listed)):
                    #expect(!allowed.contains(action))
                    #expect(listed == allowed)
                case .failure(.notYours):
                    #expect(allowed.contains(action))
                    #expect(
                        !CaseWorkflow.allowedActions(state: before.state, checked: before.checked, role: role).contains(
                            action))
                case .failure(.invalid):
                    #expect(allowed.contains(action))
                }
                // The flow only grows, by the one step taken, and each step starts where the last ended.
                #expect(Array(subject.flow.prefix(before.flow.count)) == before.flow)
                #expect(subject.flow.count == before.flow.count + ((try? result.get()) == nil ? 0 : 1))
                #expect(zip(subject.flow, subject.flow.dropFirst()).allSatisfy { $0.to == $1.from })
                #expect(
                    CaseWorkflow.isOverdue(deadline: subject.deadline, state: subject.state, today: subject.today)
                        == (subject.today > subject.deadline && subject.state != .closed && subject.state != .void))
                #expect(subject.rework == subject.failedChecks)
            }
            if subject.rework > 0 { reworked += 1 }
            if !CaseWorkflow.isOpen(subject.state) {
                finished += 1
                if subject.state == .closed { closed += 1 }
                for action in CaseAction.allCases {
                    for role in CaseRole.allCases {
                        #expect(
                            subject.take(action, by: role, Self.complete)
                                == .failure(.notAllowed(action: action, state: subject.state, allowed: [])))
                    }
                }
            }
        }
        // The runs reach the ends of the workflow, not only its first steps.
        #expect(finished > 100, "\(finished) finished")
        #expect(closed > 25, "\(closed) closed")
        #expect(reworked > 25, "\(reworked) reworked")
    }
}
