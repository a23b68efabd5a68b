import GridworkStore
import TestSupport
import Testing

/// Incremental aggregates against a recomputation from the records (`Recount`), after random writes.
@Suite(.longRunning)
struct AggregatePropertyTests {
    @Test func aggregates_match_recomputation_afterRandomWrites() throws {
        let store = SeedGenerator.makeStore()
        var random = SplitMix64(seed: 42)
        let grids = store.all(.grids).map(\.id)
        let villages = store.all(.villages).map(\.id)
        let types = [
            "visit", "household_visit", "suggestion", "funding", "household_pairing", "good_deed",
            "problem_resolved", "branch_pairing",
        ]
        let categories = ["planting", "breeding", "property", "service", "tourism", "other"]
        let projectKinds = ["secretary_claimed", "secretary_driven", "collective", "entrepreneurship"]
        var created: [(ResourceKind, String)] = []
        let cadres = store.all(.cadres).map(\.id)
        let trainings = store.all(.trainings).map(\.id)
        let projectIDs = store.all(.projects).map(\.id)
        let recordIDs = store.all(.assistanceRecords).map(\.id)

        func randomRecord() -> [FieldValue] {
            let type = random.pick(types)
            return [
                .string(type), .string(CalendarDate(dayOf2014: random.int(in: 0...216)).text),
                .string(random.pick(cadres)),
                .string(random.pick(grids)), .null, type == "funding" ? .int(random.int(in: 1...500) * 100) : .null,
                .string("测试"),
                random.int(in: 0...4) == 0 ? .null : .string(random.pick(Schema.activityKeys)),
                random.int(in: 0...2) == 0 ? .null : .string(random.pick(Schema.counterpartKeys)),
            ]
        }
        func randomProject() -> [FieldValue] {
            let kind = random.pick(projectKinds)
            let base = kind == "entrepreneurship"
            let output = random.int(in: 0...100) * 1000
            let investment = random.int(in: 0...1000) * 1000
            let support = min(investment, random.int(in: 0...2) * 5000)
            // Half the projects break their money down: the support from the district (C12 counts
            // it for collective projects) and the rest from the village.
            let funding: FieldValue =
                random.int(in: 0...1) == 0
                ? .null : .counts([0, 0, investment - support, 0, 0, support, 0])
            return [
                .string("项目"), .string(kind), .string(random.pick(categories)), .string(random.pick(villages)),
                .string("某人"), .null, .null, .int(investment), .int(support),
                .bool(random.int(in: 0...1) == 1), .int(output), .int(random.int(in: 0...(output / 1000)) * 1000),
                .int(random.int(in: 0...300)), .int(random.int(in: 0...30)), .string("active"), .null,
                base
                    ? .counts([
                        random.int(in: 0...5), random.int(in: 0...5), random.int(in: 0...5), random.int(in: 0...5),
                    ]) : .null,
                base ? .int(random.int(in: 0...3)) : .null, base ? .int(random.int(in: 0...2)) : .null,
                base ? .int(random.int(in: 0...9)) : .null, .null, funding,
            ]
        }
        let towns = store.all(.towns).map(\.id)
        let organizationKinds = ["industry_chain", "two_new", "villager_group", "village", "association"]
        func randomOrganization() -> [FieldValue] {
            [
                .string("党支部"), .string(random.pick(organizationKinds)), .string(random.pick(towns)), .null, .null,
                .null, .string("established"), .null, .null, .bool(random.int(in: 0...2) != 0),
            ]
        }
        var organizations = store.all(.partyOrganizations).map(\.id)

        for batch in 0..<10 {
            for _ in 0..<300 {
                let at = "2026-11-26T00:00:00Z"
                switch random.int(in: 0...9) {
                case 0...3:
                    let record = try store.insert(.assistanceRecords, values: randomRecord(), source: .api, at: at)
                        .value
                    created.append((.assistanceRecords, record.id))
                case 4:
                    let record = try store.insert(.projects, values: randomProject(), source: .api, at: at).value
                    created.append((.projects, record.id))
                case 5:
                    // Rewrite a seeded record of either kind.
                    let kind: ResourceKind = random.int(in: 0...1) == 0 ? .assistanceRecords : .projects
                    let id = random.pick(kind == .projects ? projectIDs : recordIDs)
                    guard let current = store.record(kind, id: id) else { continue }
                    var values = kind == .projects ? randomProject() : randomRecord()
                    // A project with party organisations stays in their town: keep its village.
                    if kind == .projects { values[ProjectField.villageId.rawValue] = current[ProjectField.villageId] }
                    try store.replace(kind, id: id, values: values, at: at)
                case 6:
                    if let (kind, id) = created.popLast() { try store.delete(kind, id: id) }
                case 7:
                    let id = random.pick(recordIDs)
                    // Cascading: a seeded closure's record leaves its case's `recordIds`.
                    if store.record(.assistanceRecords, id: id) != nil {
                        try store.delete(.assistanceRecords, id: id, cascade: true)
                    }
                case 8:
                    var cadre = store.record(.cadres, id: random.pick(cadres))!
                    cadre.values[CadreField.level.rawValue] = .string(
                        random.pick(["district_leader", "section", "general", "village"]))
                    cadre.values[CadreField.roles.rawValue] = .list(
                        random.int(in: 0...1) == 0 ? [] : ["project_secretary"])
                    cadre.values[CadreField.gridIds.rawValue] = .list([random.pick(grids)])
                    if cadre[CadreField.level] == .string("village") {
                        cadre.values[CadreField.villageId.rawValue] = .string(random.pick(villages))
                    }
                    try store.replace(.cadres, id: cadre.id, values: cadre.values, at: at)
                case 9 where random.int(in: 0...1) == 0:
                    // Create, rewrite or delete a party organisation (E7–E9).
                    switch random.int(in: 0...2) {
                    case 0:
                        let record = try store.insert(
                            .partyOrganizations, values: randomOrganization(), source: .api, at: at)
                        organizations.append(record.value.id)
                    case 1 where !organizations.isEmpty:
                        try store.replace(
                            .partyOrganizations, id: random.pick(organizations), values: randomOrganization(), at: at)
                    default:
                        if let id = organizations.popLast() { try store.delete(.partyOrganizations, id: id) }
                    }
                default:
                    var training = store.record(.trainings, id: random.pick(trainings))!
                    training.values[TrainingField.participants.rawValue] = .int(random.int(in: 0...120))
                    training.values[TrainingField.organizerLevel.rawValue] = .string(
                        random.pick(["city", "district", "town"]))
                    try store.replace(.trainings, id: training.id, values: training.values, at: at)
                }
            }
            let stats = store.stats()
            let expected = Recount.stats(of: store)
            #expect(stats.live == expected.live, "batch \(batch)")
            #expect(stats.byTown == expected.byTown, "batch \(batch)")
            #expect(stats.work == Recount.work(of: store), "batch \(batch)")
            Self.expectQueriesMatchAScan(store, batch: batch, random: &random, types: types)
            RegionTests.expectRegionsMatchARecount(store, batch: batch)
        }
    }

    /// Lists answered from indexes and date counts agree with a plain scan: totals, pages, cursors.
    static func expectQueriesMatchAScan(_ store: Store, batch: Int, random: inout SplitMix64, types: [String]) {
        let all = store.all(.assistanceRecords)
        for _ in 0..<4 {
            let type = random.pick(types)
            let from = CalendarDate(dayOf2014: random.int(in: 0...200)).text
            let until = CalendarDate(dayOf2014: random.int(in: 0...216)).text
            // Half the queries are date ranges alone (counted and paged from the date index).
            let byType = random.int(in: 0...1) == 0
            var query = Query()
            query.filters = [
                Query.Filter(field: .field(AssistanceField.date.rawValue), op: .gte, values: [.string(from)]),
                Query.Filter(field: .field(AssistanceField.date.rawValue), op: .lt, values: [.string(until)]),
            ]
            if byType {
                query.filters.append(
                    Query.Filter(field: .field(AssistanceField.type.rawValue), op: .eq, values: [.string(type)]))
            }
            query.limit = 7
            let expected = all.filter { record in
                (!byType || record[AssistanceField.type].string == type)
                    && (record[AssistanceField.date].string ?? "") >= from
                    && (record[AssistanceField.date].string ?? "") < until
            }.map(\.id)
            var seen: [String] = []
            var total: Int?
            for _ in 0...(expected.count / query.limit + 1) {
                let page = store.query(.assistanceRecords, query)
                if total == nil { total = page.total }
                #expect(page.total == expected.count, "batch \(batch): \(byType ? type : "any") \(from)..<\(until)")
                seen += page.records.map(\.id)
                guard page.more, let last = page.records.last else { break }
                query.after = [.string(last.id)]
            }
            #expect(seen == expected, "batch \(batch): every match once, in id order")

            // The same filters (or, a quarter of the time, none) in date order, walked by cursor.
            let descending = random.int(in: 0...1) == 0
            if random.int(in: 0...3) == 0 { query.filters = [] }
            query.sort = [Query.SortKey(field: .field(AssistanceField.date.rawValue), descending: descending)]
            query.after = nil
            query.limit = query.filters.isEmpty ? 500 : 7
            let date = { (record: Record) in record[AssistanceField.date].string ?? "" }
            let expectedIDs = Set(expected)
            let matching = query.filters.isEmpty ? all : all.filter { expectedIDs.contains($0.id) }
            let inDateOrder = matching.sorted { a, b in
                date(a) != date(b) ? (descending ? date(a) > date(b) : date(a) < date(b)) : a.id < b.id
            }.map(\.id)
            let (walked, totals) = RegionTests.walk(store, .assistanceRecords, query, expecting: inDateOrder.count)
            #expect(totals.allSatisfy { $0 == inDateOrder.count }, "batch \(batch): total in date order")
            #expect(walked == inDateOrder, "batch \(batch): every match once, in \(descending ? "-" : "")date order")
        }
    }

    @Test func store_refuses_danglingReferences_andReferencedDeletes() throws {
        let store = SeedGenerator.makeStore()
        let values: [FieldValue] = [
            .string("visit"), .string("2014-03-03"), .string("cadre-9999"), .string("grid-0001"), .null, .null,
            .string("x"),
        ]
        #expect(throws: StoreError.invalid([ValidationIssue("/cadreId", "No cadre has the id `cadre-9999`.")])) {
            try store.insert(.assistanceRecords, values: values, source: .api, at: "2026-11-26T00:00:00Z")
        }
        #expect(throws: StoreError.self) { try store.delete(.grids, id: "grid-0001") }
        let before = store.revision
        #expect(throws: StoreError.notFound(.towns, "town-nope")) { try store.delete(.towns, id: "town-nope") }
        #expect(store.revision == before)
    }
}
