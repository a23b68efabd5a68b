import GridworkStore
import Testing

/// The seeded cases (SPEC §7): every resolved problem and good deed of the report is the closure of
/// a case whose flow the workflow allows step by step, the open ones are current on the seed's
/// present, and the whole reads like a year of a grid office's work.
struct CaseSeedTests {
    static let seed = SeedPlausibilityTests.seed
    static let cases = seed.all(.cases)
    static let present = CalendarDate("2014-08-06")!
    static let calendar = WorkingCalendar.china

    /// What replaying a flow from its report gives.
    struct Replayed {
        var state = CaseState.reported
        var deadline: CalendarDate
        var reworks = 0
        var assignee: String?
        var supervised = false
        var outcome: String?
        var closedOn: String?
    }

    /// Replays `record`'s flow through `CaseWorkflow.next` as an admin, checking each step as it goes.
    static func replay(_ record: Record) -> Replayed? {
        let flow = record[CaseField.flow].steps
        guard let report = flow.first, report.action == "report", report.from == nil, report.to == "reported",
            let reported = CalendarDate(report.on),
            let category = CaseCategory(rawValue: record[CaseField.category].string ?? "")
        else { return nil }
        var replayed = Replayed(deadline: category.deadline(from: reported))
        guard report.deadline == replayed.deadline.text else { return nil }
        var checked = false
        var reminded = false
        for step in flow.dropFirst() {
            guard let day = CalendarDate(step.on), let action = CaseAction(rawValue: step.action),
                step.from == replayed.state.rawValue
            else { return nil }
            if step.by == CaseStep.system {
                guard action == .remind, step.to == step.from,
                    CaseWorkflow.needsAutomaticReminder(
                        deadline: replayed.deadline, state: replayed.state, today: day, alreadyReminded: reminded)
                else { return nil }
                reminded = true
                continue
            }
            let arguments = CaseArguments(
                note: step.note, assignee: step.assignee, passed: step.passed,
                outcome: step.outcome.flatMap(CaseOutcome.init), deadline: step.deadline.flatMap(CalendarDate.init))
            guard step.by == "seed",
                case .success(let transition) = CaseWorkflow.next(
                    state: replayed.state, action: action, role: .admin, checked: checked,
                    deadline: replayed.deadline, today: day, arguments: arguments),
                transition.state.rawValue == step.to
            else { return nil }
            switch action {
            case .dispatch: replayed.assignee = step.assignee
            case .return: replayed.assignee = nil
            case .extend: reminded = false
            case .supervise: replayed.supervised = true
            case .close:
                replayed.outcome = step.outcome
                replayed.closedOn = step.on
            default: break
            }
            if transition.rework { replayed.reworks += 1 }
            replayed.state = transition.state
            replayed.deadline = transition.deadline
            checked = transition.checked
        }
        return replayed
    }

    @Test func everyFlow_replaysThroughTheWorkflow_toWhatTheCaseSays() throws {
        #expect(Self.cases.count > 700)
        for record in Self.cases {
            let replayed = try #require(Self.replay(record), "\(record.id)")
            #expect(record[CaseField.state].string == replayed.state.rawValue, "\(record.id)")
            #expect(record[CaseField.deadline].string == replayed.deadline.text, "\(record.id)")
            #expect(record[CaseField.reworks].int == replayed.reworks, "\(record.id)")
            #expect(record[CaseField.assignee].string == replayed.assignee, "\(record.id)")
            #expect(record[CaseField.supervised].bool == replayed.supervised, "\(record.id)")
            #expect(record[CaseField.outcome].string == replayed.outcome, "\(record.id)")
            #expect(record[CaseField.closedOn].string == replayed.closedOn, "\(record.id)")
            #expect(record[CaseField.reportedOn].string == record[CaseField.flow].steps.first?.on, "\(record.id)")
            #expect(record.createdBy == "seed" && record.source == .synthetic, "\(record.id)")
        }
    }

    @Test func everyResolvedProblem_andGoodDeed_isTheClosureOfOneCase() throws {
        let records = Self.seed.byID(.assistanceRecords)
        var linked: [String: Int] = [:]
        for record in Self.cases {
            let ids = record[CaseField.recordIds].list
            let outcome = record[CaseField.outcome].string.flatMap(CaseOutcome.init)
            guard let type = outcome?.recordType else {
                #expect(ids.isEmpty, "\(record.id)")
                continue
            }
            #expect(record[CaseField.state].string == "closed", "\(record.id)")
            let id = try #require(ids.first, "\(record.id)")
            #expect(ids.count == 1, "\(record.id)")
            linked[id, default: 0] += 1
            let work = try #require(records[id], "\(record.id) → \(id)")
            #expect(work[AssistanceField.type].string == type, "\(record.id)")
            #expect(work[AssistanceField.date].string == record[CaseField.closedOn].string, "\(record.id)")
            #expect(work[AssistanceField.gridId] == record[CaseField.gridId], "\(record.id)")
            #expect(work[AssistanceField.householdName] == record[CaseField.householdName], "\(record.id)")
            #expect(work[AssistanceField.counterpart] == record[CaseField.counterpart], "\(record.id)")
            // The cadre a closure credits: the assignee when a cadre, else the reporter (`CaseFile`).
            let assignee = record[CaseField.assignee].string
            let credited = assignee.flatMap { CaseFile.isCadreID($0) ? $0 : nil } ?? record[CaseField.reportedBy].string
            #expect(work[AssistanceField.cadreId].string == credited, "\(record.id)")
        }
        #expect(linked.values.allSatisfy { $0 == 1 })
        let closable = records.values.filter {
            ["problem_resolved", "good_deed"].contains($0[AssistanceField.type].string)
        }
        #expect(closable.count == 172 + 497)
        #expect(Set(linked.keys) == Set(closable.map(\.id)))
    }

    @Test func everyCase_isCurrent_onTheSeedsPresent() {
        for record in Self.cases {
            #expect(
                CaseFile.settled(record.values, today: Self.present, at: "2014-08-06T00:00:00Z") == nil, "\(record.id)")
            let state = CaseState(rawValue: record[CaseField.state].string ?? "")!
            let deadline = CalendarDate(record[CaseField.deadline].string ?? "")!
            #expect(
                record[CaseField.overdue].bool == (CaseWorkflow.isOpen(state) && deadline < Self.present),
                "\(record.id)")
        }
    }

    @Test func cases_lieInTheirGrids_reportedByCadresWhoServeThem() {
        let grids = Self.seed.byID(.grids)
        let cadres = Self.seed.byID(.cadres)
        for record in Self.cases {
            let grid = grids[record[CaseField.gridId].string ?? ""]
            #expect(grid != nil, "\(record.id)")
            #expect(record[CaseField.townId] == grid?[GridField.townId], "\(record.id)")
            #expect(record[CaseField.villageId] == grid?[GridField.villageId], "\(record.id)")
            let reporter = cadres[record[CaseField.reportedBy].string ?? ""]
            #expect(
                reporter?[CadreField.gridIds].list.contains(record[CaseField.gridId].string ?? "") == true,
                "\(record.id)")
            for step in record[CaseField.flow].steps {
                guard let assignee = step.assignee else { continue }
                #expect(!CaseFile.isCadreID(assignee) || cadres[assignee] != nil, "\(record.id): \(assignee)")
                #expect(assignee.count >= 3, "\(record.id): \(assignee)")
            }
        }
    }

    @Test func flows_fallOnWorkingDays_inOfficeHours() {
        for record in Self.cases {
            let closedOn = record[CaseField.closedOn].string
            var previous = (on: "", at: "")
            for step in record[CaseField.flow].steps {
                #expect(step.on >= previous.on && step.at > previous.at, "\(record.id): \(step.on) \(step.at)")
                previous = (step.on, step.at)
                // A closure follows its record's day, which may be a weekend: the only day off allowed.
                let working = Self.calendar.isWorkingDay(CalendarDate(step.on)!)
                #expect(working || step.on == closedOn, "\(record.id): \(step.action) on \(step.on)")
                #expect(step.on >= "2014-01-01" && step.on <= "2014-08-06", "\(record.id)")
                let hour = Int(step.at.dropFirst(11).prefix(2))!
                if step.by == CaseStep.system {
                    #expect(step.action == "remind")
                } else {
                    // 08:30–17:30 in China.
                    #expect(step.at.hasPrefix(step.on) && (0...9).contains(hour), "\(record.id): \(step.at)")
                    #expect(step.on <= "2014-08-05", "\(record.id)")
                }
            }
        }
    }

    @Test func closures_areMostlyOnTime_rarelyReworked_andTheLateOnesReminded() {
        let closures = Self.cases.filter { !$0[CaseField.recordIds].list.isEmpty }
        #expect(closures.count == 172 + 497)
        var onTime = 0
        var reworked = 0
        for record in closures {
            let closedOn = record[CaseField.closedOn].string ?? ""
            let deadline = record[CaseField.deadline].string ?? ""
            if record[CaseField.reworks].int > 0 { reworked += 1 }
            if closedOn <= deadline {
                onTime += 1
                continue
            }
            let reminder = record[CaseField.flow].steps.first { $0.by == CaseStep.system }
            let due = Self.calendar.adding(workingDays: 1, to: CalendarDate(deadline)!).text
            #expect(reminder?.on == due, "\(record.id) closed late without its reminder")
        }
        #expect((90...95).contains(onTime * 100 / closures.count), "\(onTime) of \(closures.count) on time")
        #expect((3...6).contains(reworked * 100 / closures.count), "\(reworked) of \(closures.count) reworked")
        let categories = Dictionary(grouping: closures) { $0[CaseField.category].string ?? "" }
        #expect(Set(categories.keys) == ["urgent", "help", "complaint", "suggestion"])
        let deeds = closures.filter { $0[CaseField.outcome].string == "good_deed" }
        #expect(deeds.filter { $0[CaseField.category].string == "help" }.count * 10 >= deeds.count * 7)
    }

    @Test func openCases_lookLikeAnOfficeAtWork() {
        let open = Self.cases.filter { CaseWorkflow.isOpen(CaseState(rawValue: $0[CaseField.state].string ?? "")!) }
        #expect((60...120).contains(open.count), "\(open.count) open")
        let states = Set(open.map { $0[CaseField.state].string ?? "" })
        #expect(
            states == ["reported", "accepted", "dispatched", "in_progress", "extended", "awaiting_check", "returned"])
        let overdue = open.filter { $0[CaseField.overdue].bool }.count
        #expect((10...35).contains(overdue * 100 / open.count), "\(overdue) of \(open.count) overdue")
        #expect(open.allSatisfy { ($0[CaseField.reportedOn].string ?? "") >= "2014-06-20" })
        #expect(open.filter { $0[CaseField.supervised].bool }.count >= 2)
        let outcomes = Dictionary(grouping: Self.cases) {
            $0[CaseField.outcome].string ?? $0[CaseField.state].string ?? ""
        }
        for ending in ["explained", "unresolvable", "void"] {
            #expect((3...20).contains(outcomes[ending]?.count ?? 0), "\(ending)")
        }
        let origins = Dictionary(grouping: Self.cases) { $0[CaseField.origin].string ?? "" }.mapValues(\.count)
        #expect(Set(origins.keys) == ["visit", "household", "hotline", "supervision"])
        #expect(origins["visit"]! > origins["household"]! && origins["household"]! > origins["supervision"]!)
    }

    @Test func caseTexts_vary_andFitTheirPlace() {
        let descriptions = Self.cases.map { $0[CaseField.description].string ?? "" }
        #expect(Set(descriptions).count == descriptions.count)
        #expect(descriptions.allSatisfy { $0.count >= 20 })
        let titles = Self.cases.map { $0[CaseField.title].string ?? "" }
        #expect(Set(titles).count * 10 >= titles.count * 6, "\(Set(titles).count) distinct titles")
        let streets: Set<String> = ["town-shanghailu", "town-ximalu", "town-dalianlu"]
        for record in Self.cases where streets.contains(record[CaseField.townId].string ?? "") {
            let text = (record[CaseField.title].string ?? "") + (record[CaseField.description].string ?? "")
            for word in SeedPlausibilityTests.farmWords {
                #expect(!text.contains(word), "\(record.id): \(word)")
            }
        }
        let households = Self.cases.compactMap { $0[CaseField.householdName].string }
        let cadres = Set(Self.seed.all(.cadres).compactMap { $0[CadreField.name].string })
        #expect(!households.isEmpty && households.allSatisfy { !cadres.contains($0) })
    }
}
