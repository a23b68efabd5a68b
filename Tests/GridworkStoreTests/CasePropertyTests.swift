import TestSupport
import Testing

@testable import GridworkStore

/// Random runs of case steps through the store — random roles, arguments good and bad, the clock
/// moving and the cases settled — held after every step to what SPEC §7 promises: flows only grow,
/// closed and void cases take nothing, overdue is the clock's, reworks are the failed checks, a
/// closure is linked to exactly the record it stands for, and `/stats.cases` is a recount.
@Suite(.longRunning)
struct CasePropertyTests {
    /// Three of the seed's towns with their villages, grids and cadres (and cases, if it has any):
    /// what cases need, and no more, so that the stats and the recount after every step stay quick.
    static let seed: [(ResourceKind, Record)] = {
        let all = SeedGenerator.generate()
        let towns = Set(all.filter { $0.0 == .towns }.prefix(3).map(\.1.id))
        let grids = Set(
            all.filter { $0.0 == .grids && towns.contains($0.1[GridField.townId].string ?? "") }.map(\.1.id))
        return all.filter { kind, record in
            switch kind {
            case .towns: towns.contains(record.id)
            case .villages: towns.contains(record[VillageField.townId].string ?? "")
            case .grids: grids.contains(record.id)
            case .cadres:
                !record[CadreField.gridIds].list.isEmpty && Set(record[CadreField.gridIds].list).isSubset(of: grids)
            case .cases: grids.contains(record[CaseField.gridId].string ?? "")
            default: false
            }
        }
    }()

    /// A deterministic run: cases in a few grids, moved `steps` times.
    struct Run {
        let store = Store(seed: CasePropertyTests.seed)
        var random: SplitMix64
        var today = CalendarDate("2014-08-06")!
        let grids: [Record]
        let cadres: [String]
        /// The grids stay where they are: their towns are read once.
        let townOfGrid: [String: String]
        /// Every case's flow as last seen.
        var flows: [String: [CaseStep]] = [:]
        /// The assistance records there were before any case closed.
        let recordsBefore: Int
        var closuresWithRecords = 0
        var taken = 0
        /// The cases this run reported, which it moves (the seed's are mostly closed already).
        var mine: [String] = []
        var refused: Set<String> = []

        init(seed: UInt64) {
            random = SplitMix64(seed: seed)
            let all = store.all(.grids)
            // Grids of several towns, so that the per-town rows differ.
            var byTown: [String: Record] = [:]
            for grid in all where byTown.count < 3 { byTown[grid[GridField.townId].string ?? ""] = grid }
            grids = byTown.values.sorted { $0.id < $1.id }
            let gridIDs = Set(grids.map(\.id))
            cadres = store.all(.cadres).filter { !gridIDs.isDisjoint(with: $0[CadreField.gridIds].list) }.map(\.id)
            recordsBefore = store.count(.assistanceRecords)
            townOfGrid = Recount.townsOfGrids(store)
            for record in store.all(.cases) { flows[record.id] = record[CaseField.flow].steps }
        }

        var timestamp: String { "\(today.text)T02:00:00Z" }

        mutating func report() throws {
            let grid = random.pick(grids)
            let category = random.pick(CaseCategory.allCases)
            let reported = CalendarDate(dayNumber: today.dayNumber - random.int(in: 0...12))
            var values = [FieldValue](repeating: .null, count: CaseField.allCases.count)
            values[CaseField.category.rawValue] = .string(category.rawValue)
            values[CaseField.gridId.rawValue] = .string(grid.id)
            values[CaseField.title.rawValue] = .string("路灯")
            values[CaseField.description.rawValue] = .string("村口路灯不亮")
            values[CaseField.reportedBy.rawValue] = .string(random.pick(cadres))
            values[CaseField.origin.rawValue] = .string("visit")
            values[CaseField.reportedOn.rawValue] = .string(reported.text)
            let opened = try CaseFile.opened(
                values, grid: grid, today: today, calendar: .china, at: timestamp, by: "tester"
            ).get()
            let record = try store.insert(.cases, values: opened, source: .api, at: timestamp, by: "tester").value
            #expect(record[CaseField.flow].steps.first?.action == "report")
            flows[record.id] = record[CaseField.flow].steps
            mine.append(record.id)
        }

        /// Arguments for `action`, right or wrong at random.
        mutating func arguments(for action: CaseAction, deadline: CalendarDate) -> CaseArguments {
            var arguments = CaseArguments()
            func sometimes() -> Bool { random.int(in: 0...5) != 0 }
            if sometimes() { arguments.note = random.pick(["理由", " ", "需采购配件"]) }
            switch action {
            case .dispatch where sometimes(): arguments.assignee = random.pick(cadres + ["城管中队", " "])
            case .check where sometimes(): arguments.passed = random.int(in: 0...2) != 0
            case .close where sometimes(): arguments.outcome = random.pick(CaseOutcome.allCases)
            case .extend where sometimes():
                arguments.deadline = CalendarDate(dayNumber: deadline.dayNumber + random.int(in: -2...10))
            default: break
            }
            return arguments
        }

        /// Whether the last check since the last submit passed, read from the flow.
        static func checked(_ flow: [CaseStep]) -> Bool {
            flow.last { $0.action == "submit" || $0.action == "check" }.map {
                $0.action == "check" && $0.passed == true
            }
                ?? false
        }

        mutating func move() throws {
            let ids = mine.isEmpty ? store.all(.cases).map(\.id) : mine
            let id = random.pick(ids)
            let before = try #require(store.latest(.cases, id: id))
            let state = try #require(before[CaseField.state].string.flatMap(CaseState.init))
            let deadline = try #require(before[CaseField.deadline].string.flatMap(CalendarDate.init))
            let flow = before[CaseField.flow].steps
            // Mostly an action the state allows (voiding seldom), so that cases get somewhere.
            let onward = CaseWorkflow.allowedActions(state: state, checked: Self.checked(flow)).filter {
                $0 != .void && ($0 != .remind && $0 != .supervise || random.int(in: 0...3) == 0)
            }
            let action =
                random.int(in: 0...9) < 8 && !onward.isEmpty ? random.pick(onward) : random.pick(CaseAction.allCases)
            let roles = random.pick(
                [
                    [.admin], [.district], [.town], [.town, .assignee], [.assignee], [.reporter], [],
                    [.reporter, .assignee],
                ] as [[CaseRole]])
            let arguments = arguments(for: action, deadline: deadline)
            let verdicts = roles.map {
                CaseWorkflow.next(
                    state: state, action: action, role: $0, checked: Self.checked(flow), deadline: deadline,
                    today: today, arguments: arguments)
            }
            let allowed = verdicts.contains { if case .success = $0 { true } else { false } }
            let revision = store.revision
            let result = try store.moveCase(id, at: timestamp, by: "tester") { record, nextRecordID in
                CaseFile.step(
                    record, action: action, arguments: arguments, roles: roles, by: "tester", at: timestamp,
                    today: today, nextRecordID: nextRecordID)
            }
            let after = try #require(store.latest(.cases, id: id))
            let label = "\(id) \(state) \(action) by \(roles) \(arguments)"
            switch result {
            case .success:
                taken += 1
                #expect(allowed, "the workflow lets one of its parts take it: \(label)")
                #expect(CaseWorkflow.isOpen(state), "a closed or void case took a step: \(label)")
                #expect(store.revision == revision + 1)
                let steps = after[CaseField.flow].steps
                #expect(steps.count == flow.count + 1 || steps.count == flow.count + 2, "\(label)")
                #expect(steps.count > flow.count && steps[flow.count].action == action.rawValue, "\(label)")
                if action == .close, let type = arguments.outcome?.recordType {
                    closuresWithRecords += 1
                    let linked = after[CaseField.recordIds].list
                    #expect(linked.count == 1, "\(label)")
                    let record = linked.first.flatMap { store.latest(.assistanceRecords, id: $0) }
                    #expect(record?[AssistanceField.type].string == type, "\(label)")
                    #expect(record?[AssistanceField.gridId] == after[CaseField.gridId])
                }
                // The moved case is brought up to today with its step.
                #expect(after[CaseField.overdue].bool == Self.overdue(after, today: today), "\(label)")
            case .failure(let refusal):
                refused.insert("\(refusal)".prefix { $0 != "(" }.description)
                #expect(!allowed, "the workflow allows it: \(label)")
                if !CaseWorkflow.isOpen(state) {
                    #expect(refusal == .notAllowed(action: action, state: state, allowed: []), "\(label)")
                }
                #expect(store.revision == revision && after == before, "a refusal changes nothing: \(label)")
            }
        }

        static func overdue(_ record: Record, today: CalendarDate) -> Bool {
            let state = record[CaseField.state].string ?? ""
            let deadline = record[CaseField.deadline].string ?? ""
            return state != "closed" && state != "void" && today.text > deadline
        }

        mutating func settle() {
            let revision = store.revision
            let changed = store.settleCases(today: today, at: timestamp)
            #expect(store.revision == revision + (changed > 0 ? 1 : 0))
            for record in store.all(.cases) {
                #expect(record[CaseField.overdue].bool == Self.overdue(record, today: today), "\(record.id)")
            }
            let settled = store.revision
            #expect(store.settleCases(today: today, at: timestamp) == 0 && store.revision == settled)
        }

        /// What holds after every step, for every case.
        mutating func check() {
            for record in store.all(.cases) {
                let flow = record[CaseField.flow].steps
                let old = flows[record.id] ?? []
                #expect(flow.count >= old.count && Array(flow.prefix(old.count)) == old, "\(record.id): flow rewritten")
                flows[record.id] = flow
                let failedChecks = flow.filter { $0.action == "check" && $0.passed == false }.count
                #expect(record[CaseField.reworks].int == failedChecks, "\(record.id)")
                let outcome = record[CaseField.outcome].string.flatMap(CaseOutcome.init)
                let linked = record[CaseField.recordIds].list
                #expect(linked.count == (outcome?.recordType == nil ? 0 : 1), "\(record.id)")
                #expect(
                    (record[CaseField.state].string == "closed")
                        == (outcome != nil && record[CaseField.closedOn] != .null))
            }
            #expect(store.count(.assistanceRecords) == recordsBefore + closuresWithRecords)
            let stats = store.stats()
            let recount = Recount.cases(of: store, townOfGrid: townOfGrid)
            #expect(stats.cases == recount.total)
            #expect(stats.byTown.count == recount.byTown.count)
            for town in stats.byTown { #expect(town.cases == recount.byTown[town.townId], "\(town.townId)") }
        }
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func randomSteps_keepEveryCasesPromises(seed: UInt64) throws {
        var run = Run(seed: seed)
        for _ in 0..<8 { try run.report() }
        run.check()
        for _ in 0..<600 {
            switch run.random.int(in: 0...39) {
            case 0: try run.report()
            case 1:
                run.today = CalendarDate(dayNumber: run.today.dayNumber + run.random.int(in: 1...4))
                run.settle()
            default: try run.move()
            }
            run.check()
        }
        run.settle()
        run.check()
        // The run went through every kind of answer, and closed some cases with their records.
        #expect(run.taken > 100 && run.closuresWithRecords > 0)
        #expect(run.refused == ["notAllowed", "notYours", "invalid"])
        #expect(run.store.all(.cases).contains { $0[CaseField.state].string == "closed" })
        #expect(run.store.all(.cases).contains { $0[CaseField.overdue].bool })
    }
}
