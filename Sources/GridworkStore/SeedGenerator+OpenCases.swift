extension SeedGenerator {
    /// The states of the cases open on the seed's present, with how many are in each and how
    /// often one of them has run past its deadline.
    static let openStates: [(state: CaseState, count: Int, overduePercent: Int)] = [
        (.reported, 7, 10), (.accepted, 8, 15), (.dispatched, 14, 20), (.inProgress, 33, 25), (.extended, 9, 0),
        (.awaitingCheck, 12, 15), (.returned, 6, 10),
    ]

    /// The cases still open on the seed's present, reported in the last weeks before it.
    mutating func openCases(_ text: inout SeededCaseText) -> [PlannedCase] {
        let work = WeightedTable(cadreGrids.indices.map { ($0, Self.workShare[cadreGrids[$0].level]!) })
        var planned: [PlannedCase] = []
        for (state, count, overduePercent) in Self.openStates {
            for _ in 0..<count {
                let cadre = cadreGrids[work.draw(&random)]
                let grid = random.pick(cadre.grids)
                var plan = newCase(in: grid, by: cadre.id, &text)
                plan.flow = openFlow(
                    plan, to: state, overdue: random.int(in: 0...99) < overduePercent, place: text.places[plan.grid]!,
                    &text)
                planned.append(plan)
            }
        }
        return planned
    }

    /// A case of `grid` reported by `cadre` about a matter no work log stands for, with its words;
    /// its flow is only the report until the caller plays one.
    mutating func newCase(in grid: String, by cadre: String, explaining: Bool = false, _ text: inout SeededCaseText)
        -> PlannedCase
    {
        let place = text.places[grid]!
        let matter = text.anyMatter(in: grid, &random)
        var category = self.category(of: matter)
        if category == .urgent && random.int(in: 0...2) > 0 { category = .help }
        let origin = self.origin(of: matter)
        let named = ["household": 85, "visit": 45, "hotline": 30][origin] ?? 0
        let household = random.int(in: 0...99) < named ? householdName() : nil
        var plan = PlannedCase(
            grid: grid, category: category, origin: origin, reportedBy: cadre,
            flow: SeededCaseFlow(reportedOn: Self.casePresent, category: category))
        plan.household = household
        if household != nil || random.int(in: 0...1) == 0 {
            let table = place.kind == .rural ? WorkLogComposer.ruralCounterparts : WorkLogComposer.cityCounterparts
            plan.counterpart = table.draw(&random).0
        }
        let consulting = explaining && matter.kind == .problem && random.int(in: 0...1) == 0
        plan.title =
            consulting ? "咨询\(SeededCaseText.plain(matter.topic))政策" : text.title(matter, at: place, &random)
        plan.description = text.description(
            matter, at: place, origin: origin, household: household, consulting: consulting, &random)
        plan.topic = matter.topic
        plan.byCadre = matter.kind == .deed
        return plan
    }

    /// A household head's name, never a cadre's.
    mutating func householdName() -> String {
        while true {
            let name = SeedNames.person(&random)
            if !usedCadreNames.contains(name) { return name }
        }
    }

    /// The flow of an open case now in `state`: reported enough working days ago to be past its
    /// deadline when `overdue`, within it otherwise, and brought up to the present by the clock.
    mutating func openFlow(
        _ plan: PlannedCase, to state: CaseState, overdue: Bool, place: SeededCaseText.Place,
        _ text: inout SeededCaseText
    ) -> SeededCaseFlow {
        let calendar = SeedWorkingDays.china
        let yesterday = calendar.previousWorkingDay(before: Self.casePresent)
        let allowed = plan.category.workingDaysAllowed
        let fresh = [CaseState.reported: 1, .accepted: 3, .returned: 4][state] ?? allowed
        var age =
            overdue || allowed == 0
            ? allowed + random.int(in: 0...7) : random.int(in: 0...max(0, min(fresh, allowed - 1)))
        if state == .extended { age = max(1, allowed - 1 - random.int(in: 0...2)) + random.int(in: 0...6) }
        let reportedOn = reportDay(closing: yesterday, span: age)
        let deadline = calendar.deadline(of: plan.category, from: reportedOn)
        let assignee = plan.byCadre ? plan.reportedBy : text.unit(for: plan.topic, at: place, &random)
        var script: [PlannedStep] = []
        func step(_ action: CaseAction, _ weight: Double, _ arguments: CaseArguments = CaseArguments()) {
            script.append(PlannedStep(action: action, arguments: arguments, weight: weight))
        }
        if state == .returned && random.int(in: 0...1) == 0 {
            step(.return, 1, CaseArguments(note: random.pick(SeedNames.townReturnNotes)))
        } else if state != .reported {
            step(.accept, 0.5)
            if random.int(in: 0...99) < 8 {
                step(.supervise, 0.5, CaseArguments(note: random.pick(SeedNames.superviseNotes)))
            }
            if state == .returned {
                step(.dispatch, 0.5, CaseArguments(assignee: text.wrongUnit(besides: assignee, at: place, &random)))
                step(.return, 1, CaseArguments(note: random.pick(SeedNames.assigneeReturnNotes)))
            } else if state != .accepted {
                step(.dispatch, 0.5, CaseArguments(assignee: assignee))
            }
        }
        if [.inProgress, .extended, .awaitingCheck].contains(state) { step(.start, 1) }
        if state == .inProgress && random.int(in: 0...99) < 20 {
            step(.remind, 1.5, CaseArguments(note: random.pick(SeedNames.remindNotes)))
        }
        if state == .extended {
            let later = calendar.adding(random.pick([5, 10, 10, 15]), to: deadline)
            step(.extend, 2, CaseArguments(note: random.pick(SeedNames.extensionNotes), deadline: later))
        }
        if state == .awaitingCheck || (state == .inProgress && random.int(in: 0...99) < 8) { step(.submit, 3) }
        if state == .inProgress && script.last?.action == .submit {
            step(.check, 0.6, CaseArguments(note: random.pick(SeedNames.reworkNotes), passed: false))
        }
        let span = calendar.workingDays(from: reportedOn, through: yesterday)
        let end = span[random.int(in: (span.count / 2)...(span.count - 1))]
        var flow = play(
            script, reportedOn: reportedOn, category: plan.category,
            on: dates(for: script, from: reportedOn, through: end, deadline: deadline))
        flow.sweep(through: Self.casePresent)
        return flow
    }

    /// Cases that ended without a record: closed with an explanation or as beyond repair, and a
    /// few voided, across the year.
    mutating func otherEndings(_ text: inout SeededCaseText) -> [PlannedCase] {
        let work = WeightedTable(cadreGrids.indices.map { ($0, Self.workShare[cadreGrids[$0].level]!) })
        var planned: [PlannedCase] = []
        let endings: [(CaseOutcome?, Int)] = [(.explained, 13), (.unresolvable, 6), (nil, 6)]
        for (outcome, count) in endings {
            for _ in 0..<count {
                let cadre = cadreGrids[work.draw(&random)]
                let grid = random.pick(cadre.grids)
                var plan = newCase(in: grid, by: cadre.id, explaining: outcome == .explained, &text)
                if plan.category == .urgent { plan.category = .help }
                var day = CalendarDate(workingDay())!
                while day < CalendarDate(year: 2014, month: 3, day: 1) || !SeedWorkingDays.china.isWorkingDay(day) {
                    day = CalendarDate(workingDay())!
                }
                let place = text.places[plan.grid]!
                if let outcome {
                    let note = random.pick(
                        outcome == .explained ? SeedNames.explainedNotes : SeedNames.unresolvableNotes)
                    plan.flow = closingFlow(
                        category: plan.category, closedOn: day,
                        assignee: text.unit(for: plan.topic, at: place, &random),
                        place: place, outcome: outcome, supervised: false, note: note, &text)
                } else {
                    var script = [
                        PlannedStep(
                            action: .void, arguments: CaseArguments(note: random.pick(SeedNames.voidNotes)), weight: 1)
                    ]
                    if random.int(in: 0...1) == 0 { script.insert(PlannedStep(action: .accept, weight: 0.5), at: 0) }
                    plan.flow = play(script, reportedOn: day, category: plan.category, on: script.map { _ in day })
                }
                planned.append(plan)
            }
        }
        return planned
    }
}
