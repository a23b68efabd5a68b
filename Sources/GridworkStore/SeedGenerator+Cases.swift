extension SeedGenerator {
    /// The seed's present on the case clock: cases are current as of this day.
    static let casePresent = CalendarDate(year: 2014, month: 8, day: 6)
    /// The first working day of 2014: no seeded case was reported before it.
    static let firstCaseDay = CalendarDate(year: 2014, month: 1, day: 2)

    /// A case before its id: its facts, its words and its flow.
    struct PlannedCase {
        var grid: String
        var category: CaseCategory
        var origin: String
        var reportedBy: String
        var title = ""
        var description = ""
        var household: String?
        var counterpart: String?
        var flow: SeededCaseFlow
        var recordID: String?
        /// The topic it is about, for whom to dispatch it to.
        var topic = ""
        /// Whether the cadre who reported it does the work (a household's small need).
        var byCadre = false
    }

    /// One step of a flow still to be dated: the action, its arguments, and how much of the case's
    /// time tends to pass before it.
    struct PlannedStep {
        var action: CaseAction
        var arguments = CaseArguments()
        var weight: Double
    }

    /// The cases (SPEC §7): every seeded `problem_resolved` and `good_deed` record is the closure of
    /// one; beside them, the cases still open on the seed's present, and a few closed otherwise or
    /// voided. Numbered in the order they were reported.
    mutating func makeCases() {
        var text = SeededCaseText(generator: self)
        var planned = closures(&text)
        planned += openCases(&text)
        planned += otherEndings(&text)
        for index in planned.indices { planned[index].flow.stamp(&random) }
        let order = planned.indices.sorted {
            (planned[$0].flow.steps[0].at, $0) < (planned[$1].flow.steps[0].at, $1)
        }
        for index in order { addCase(planned[index]) }
    }

    /// The case each `problem_resolved` and `good_deed` record closes.
    mutating func closures(_ text: inout SeededCaseText) -> [PlannedCase] {
        // Positions, not copies: the records are many and only these few are wanted.
        let linked = records.indices.filter { index in
            guard records[index].0 == .assistanceRecords else { return false }
            switch records[index].1.values[AssistanceField.type.rawValue] {
            case .string("problem_resolved"), .string("good_deed"): return true
            default: return false
            }
        }
        var planned: [PlannedCase] = []
        planned.reserveCapacity(linked.count)
        for index in linked {
            let record = records[index].1
            let type = record[AssistanceField.type].string!
            let grid = record[AssistanceField.gridId].string!
            let cadre = record[AssistanceField.cadreId].string!
            let place = text.places[grid]!
            let matter = text.matter(
                ofSummary: record[AssistanceField.summary].string!, type: type, grid: grid, &random)
            let closedOn = CalendarDate(record[AssistanceField.date].string!)!
            var category = self.category(of: matter)
            if category == .urgent && !SeedWorkingDays.china.isWorkingDay(closedOn) { category = .help }
            let origin = self.origin(of: matter)
            // A good deed is mostly done by the cadre who took it on; the rest go to the offices.
            let assignee =
                matter.kind == .deed && random.int(in: 0...2) > 0
                ? cadre : text.unit(for: matter.topic, at: place, &random)
            let flow = closingFlow(
                category: category, closedOn: closedOn, assignee: assignee, place: place,
                outcome: type == "good_deed" ? .goodDeed : .resolved, supervised: origin == "supervision", &text)
            var plan = PlannedCase(
                grid: grid, category: category, origin: origin, reportedBy: cadre, flow: flow, recordID: record.id)
            plan.title = text.title(matter, at: place, &random)
            plan.description = text.description(matter, at: place, origin: origin, household: nil, &random)
            planned.append(plan)
        }
        return planned
    }

    /// How long a matter may take: hazards and a few deeds cannot wait, disputes are complaints,
    /// households' needs are requests for help.
    mutating func category(of matter: SeededMatter) -> CaseCategory {
        let roll = random.int(in: 0...99)
        switch matter.kind {
        case .dispute:
            if SeededCaseText.holds(matter.topic, "隐患") { return roll < 60 ? .urgent : .complaint }
            return roll < 80 ? .complaint : .help
        case .problem:
            if SeedNames.pressingWords.contains(where: { SeededCaseText.holds(matter.topic, $0) }) && roll < 30 {
                return .urgent
            }
            return roll < 52 ? .help : .complaint
        case .deed:
            if SeedNames.urgentDeeds.contains(matter.topic) && roll < 40 { return .urgent }
            return .help
        case .development:
            return roll < 50 ? .help : roll < 90 ? .suggestion : .complaint
        }
    }

    /// How a matter came in: found on visits above all; disputes come from households and the
    /// district's supervision more often than deeds do.
    mutating func origin(of matter: SeededMatter) -> String {
        let roll = random.int(in: 0...99)
        switch matter.kind {
        case .dispute: return roll < 35 ? "visit" : roll < 68 ? "household" : roll < 84 ? "hotline" : "supervision"
        case .deed: return roll < 56 ? "visit" : roll < 90 ? "household" : roll < 98 ? "hotline" : "supervision"
        default: return roll < 48 ? "visit" : roll < 76 ? "household" : roll < 91 ? "hotline" : "supervision"
        }
    }

    /// Working days from report to closure of a case closed on time, by how many it is allowed.
    static let onTimeSpans: [Int: WeightedTable<Int>] = [
        0: WeightedTable([(0, 1)]),
        5: WeightedTable([(0, 4), (1, 14), (2, 24), (3, 26), (4, 19), (5, 13)]),
        15: WeightedTable((1...15).map { ($0, [2, 4, 6, 8, 9, 10, 10, 10, 9, 8, 7, 6, 5, 4, 3][$0 - 1]) }),
    ]

    /// The flow of a case that ended as a record says: closed on `closedOn` with `outcome`, most on
    /// time, a few after an extension, a few late and reminded by the clock, a few reworked.
    mutating func closingFlow(
        category: CaseCategory, closedOn: CalendarDate, assignee: String, place: SeededCaseText.Place,
        outcome: CaseOutcome, supervised: Bool, note: String? = nil, _ text: inout SeededCaseText
    ) -> SeededCaseFlow {
        let calendar = SeedWorkingDays.china
        let allowed = category.workingDaysAllowed
        let onWorkingDay = calendar.isWorkingDay(closedOn)
        let late = onWorkingDay && random.int(in: 0...999) < 75
        let extended = allowed > 0 && !late && random.int(in: 0...99) < 6
        var span = Self.onTimeSpans[allowed]!.draw(&random)
        if late {
            span = allowed + WeightedTable([(1, 5), (2, 3), (3, 2), (4, 1)]).draw(&random)
        } else if extended {
            span = allowed + random.int(in: 1...(allowed == 5 ? 4 : 8))
        } else if !onWorkingDay && allowed > 0 {
            span = min(span, allowed - 1)
        }
        let reportedOn = reportDay(closing: closedOn, span: span)
        let deadline = calendar.deadline(of: category, from: reportedOn)
        let quick = allowed == 0 || span == 0
        var script: [PlannedStep] = []
        script.reserveCapacity(12)
        if !quick && random.int(in: 0...99) < 3 {
            script += [
                PlannedStep(
                    action: .return, arguments: CaseArguments(note: random.pick(SeedNames.townReturnNotes)), weight: 0.5
                )
            ]
        }
        script.append(PlannedStep(action: .accept, weight: 0.4))
        if supervised && random.int(in: 0...2) == 0 {
            script.append(
                PlannedStep(
                    action: .supervise, arguments: CaseArguments(note: random.pick(SeedNames.superviseNotes)),
                    weight: 0.3))
        }
        if !quick && random.int(in: 0...99) < 3 {
            let wrong = text.wrongUnit(besides: assignee, at: place, &random)
            script += [
                PlannedStep(action: .dispatch, arguments: CaseArguments(assignee: wrong), weight: 0.4),
                PlannedStep(
                    action: .return, arguments: CaseArguments(note: random.pick(SeedNames.assigneeReturnNotes)),
                    weight: 0.7),
            ]
        }
        script += [
            PlannedStep(action: .dispatch, arguments: CaseArguments(assignee: assignee), weight: 0.4),
            PlannedStep(action: .start, weight: 0.8),
        ]
        if !quick && random.int(in: 0...99) < 4 {
            script.append(
                PlannedStep(
                    action: .remind, arguments: CaseArguments(note: random.pick(SeedNames.remindNotes)), weight: 1.5))
        }
        if closedOn > deadline && extended {
            // A round number of working days more, enough for the work as it went.
            let more = [3, 5, 10, 15, 20].first { calendar.adding($0, to: deadline) >= closedOn } ?? 20
            script.append(
                PlannedStep(
                    action: .extend,
                    arguments: CaseArguments(
                        note: random.pick(SeedNames.extensionNotes),
                        deadline: calendar.adding(more, to: deadline)),
                    weight: 2))
        }
        script.append(
            PlannedStep(action: .submit, arguments: CaseArguments(note: random.pick(SeedNames.submitNotes)), weight: 4))
        if !quick && random.int(in: 0...999) < 45 {
            script += [
                PlannedStep(
                    action: .check, arguments: CaseArguments(note: random.pick(SeedNames.reworkNotes), passed: false),
                    weight: 0.6),
                PlannedStep(
                    action: .submit, arguments: CaseArguments(note: random.pick(SeedNames.submitNotes)), weight: 2),
            ]
        }
        script += [
            PlannedStep(
                action: .check, arguments: CaseArguments(note: random.pick(SeedNames.checkNotes), passed: true),
                weight: 0.6),
            PlannedStep(action: .close, arguments: CaseArguments(note: note, outcome: outcome), weight: 0.3),
        ]
        let lastWorking = onWorkingDay ? closedOn : calendar.previousWorkingDay(before: closedOn)
        var days = dates(for: script, from: reportedOn, through: max(reportedOn, lastWorking), deadline: deadline)
        days[days.count - 1] = closedOn
        return play(script, reportedOn: reportedOn, category: category, on: days)
    }

    /// The working day a case closed on `closing` after `span` working days was reported: as many
    /// working days after it through `closing`, and never before the year's first.
    func reportDay(closing: CalendarDate, span: Int) -> CalendarDate {
        SeedWorkingDays.china.day(span, workingDaysBefore: closing, earliest: Self.firstCaseDay)
    }

    /// A day for each step of `script` among the working days `first…last`, spread by the steps'
    /// weights; an extension falls on or before the deadline it moves, and the steps before it too.
    mutating func dates(
        for script: [PlannedStep], from first: CalendarDate, through last: CalendarDate, deadline: CalendarDate
    ) -> [CalendarDate] {
        var working = SeedWorkingDays.china.workingDays(from: first, through: last)
        if working.isEmpty { working = [first] }
        let weights = script.map { $0.weight * (0.5 + random.unit()) }
        let total = weights.reduce(0, +)
        var sum = 0.0
        var days = weights.map { weight in
            sum += weight
            return working[Int(sum / total * Double(working.count - 1) + 0.5)]
        }
        if let extend = script.firstIndex(where: { $0.action == .extend }), days[extend] > deadline {
            for index in 0...extend { days[index] = min(days[index], deadline) }
        }
        return days
    }

    /// The flow of `script` taken on `days`.
    func play(_ script: [PlannedStep], reportedOn: CalendarDate, category: CaseCategory, on days: [CalendarDate])
        -> SeededCaseFlow
    {
        var flow = SeededCaseFlow(reportedOn: reportedOn, category: category)
        for (step, day) in zip(script, days) { flow.take(step.action, on: day, step.arguments) }
        return flow
    }

    /// Adds a planned case as a record.
    mutating func addCase(_ plan: PlannedCase) {
        let flow = plan.flow
        let grid = plan.grid
        var fields: [(CaseField, FieldValue)] = [
            (.category, .string(plan.category.rawValue)), (.gridId, .string(grid)), (.townId, .string(gridTown[grid]!)),
            (.title, .string(plan.title)), (.description, .string(plan.description)),
            (.reportedBy, .string(plan.reportedBy)), (.origin, .string(plan.origin)),
            (.reportedOn, .string(flow.reportedOn.text)), (.state, .string(flow.state.rawValue)),
            (.deadline, .string(flow.deadline.text)),
            (
                .overdue,
                .bool(CaseWorkflow.isOverdue(deadline: flow.deadline, state: flow.state, today: Self.casePresent))
            ),
            (.supervised, .bool(flow.supervised)), (.reworks, .int(flow.reworks)),
            (.recordIds, .list(plan.recordID.map { [$0] } ?? [])), (.flow, .steps(flow.steps)),
        ]
        if let village = gridVillage[grid] { fields.append((.villageId, .string(village.id))) }
        if let household = plan.household { fields.append((.householdName, .string(household))) }
        if let counterpart = plan.counterpart { fields.append((.counterpart, .string(counterpart))) }
        if let assignee = flow.assignee { fields.append((.assignee, .string(assignee))) }
        if let outcome = flow.outcome { fields.append((.outcome, .string(outcome.rawValue))) }
        if let closedOn = flow.closedOn { fields.append((.closedOn, .string(closedOn.text))) }
        add(.cases, fields)
    }
}
