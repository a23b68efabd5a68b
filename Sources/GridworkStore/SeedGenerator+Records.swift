extension SeedGenerator {
    /// G2 and G6–G12: how many records of each type the report counts.
    static let recordCounts: [(type: String, count: Int)] = [
        ("visit", 13_300), ("household_visit", 3_300), ("suggestion", 1_041), ("funding", 360),
        ("household_pairing", 841), ("good_deed", 497), ("problem_resolved", 172), ("branch_pairing", 53),
    ]
    static let fundsTotal = 3_600_000

    /// The "四进网格" strand of each record type: how often a record of the type belongs to
    /// understanding conditions, solving problems, improving style and serving development.
    static let activityShares: [String: WeightedTable<String>] = [
        "visit": WeightedTable([
            ("understand_conditions", 60), ("solve_problems", 18), ("improve_style", 10), ("serve_development", 12),
        ]),
        "household_visit": WeightedTable([("understand_conditions", 75), ("solve_problems", 10), ("improve_style", 15)]
        ),
        "suggestion": WeightedTable([("understand_conditions", 80), ("solve_problems", 8), ("serve_development", 12)]),
        "funding": WeightedTable([("improve_style", 70), ("serve_development", 30)]),
        "household_pairing": WeightedTable([("improve_style", 1)]),
        "good_deed": WeightedTable([("improve_style", 65), ("serve_development", 35)]),
        "problem_resolved": WeightedTable([("solve_problems", 1)]),
        "branch_pairing": WeightedTable([("serve_development", 75), ("improve_style", 25)]),
    ]

    /// How much work each level of cadre records, relative to a general cadre.
    static let workShare: [String: Int] = ["district_leader": 5, "section": 13, "general": 10, "village": 6]

    /// One record before its text: the type, who, where, when and in which strand.
    struct PlannedRecord {
        var type: String
        var cadre: Int
        var grid: String
        var date = ""
        var activity = ""
    }

    /// Every assistance record, dated across 2014-01-01…2014-08-05 with the working year's rhythm
    /// and numbered in date order; every grid is visited and every cadre records work.
    mutating func makeAssistanceRecords() {
        var plan = coveragePlan()
        plan += branchPairingPlan()
        let work = WeightedTable(cadreGrids.indices.map { ($0, Self.workShare[cadreGrids[$0].level]!) })
        for (type, total) in Self.recordCounts where type != "branch_pairing" {
            let already = plan.filter { $0.type == type }.count
            for _ in 0..<(total - already) {
                let cadre = work.draw(&random)
                plan.append(PlannedRecord(type: type, cadre: cadre, grid: random.pick(cadreGrids[cadre].grids)))
            }
        }
        for index in plan.indices {
            plan[index].activity = Self.activityShares[plan[index].type]!.draw(&random)
            plan[index].date = recordDate(plan[index])
        }

        var composer = WorkLogComposer(generator: self)
        let fundingPlan = plan.indices.filter { plan[$0].type == "funding" }
        let toHouseholds = Set(fundingPlan.filter { _ in random.int(in: 0...9) < 6 })
        let amounts = Allocation.split(
            Self.fundsTotal,
            weights: fundingPlan.map { toHouseholds.contains($0) ? 0.1 + 0.4 * random.unit() : 1 + 5 * random.unit() },
            unit: 500,
            minimum: 1_000
        )
        let amountOf = Dictionary(uniqueKeysWithValues: zip(fundingPlan, amounts))
        var drafts: [(date: String, values: [(AssistanceField, FieldValue)])] = []
        drafts.reserveCapacity(plan.count)
        for (index, planned) in plan.enumerated() {
            let entry = composer.compose(
                planned,
                amount: amountOf[index],
                toHousehold: toHouseholds.contains(index),
                random: &random
            )
            var values: [(AssistanceField, FieldValue)] = [
                (.type, .string(planned.type)), (.cadreId, .string(cadreGrids[planned.cadre].id)),
                (.gridId, .string(planned.grid)), (.activity, .string(planned.activity)),
                (.summary, .string(entry.summary)),
            ]
            if let household = entry.household { values.append((.householdName, .string(household))) }
            if let counterpart = entry.counterpart { values.append((.counterpart, .string(counterpart))) }
            if let amount = amountOf[index] { values.append((.amountYuan, .int(amount))) }
            drafts.append((planned.date, values))
        }
        // Ids follow the dates, so listing in id order reads like a diary.
        let order = drafts.indices.sorted { (drafts[$0].date, $0) < (drafts[$1].date, $1) }
        for index in order {
            add(.assistanceRecords, drafts[index].values + [(.date, .string(drafts[index].date))])
        }
    }

    /// One visit in every grid, then one by every cadre not yet seen.
    mutating func coveragePlan() -> [PlannedRecord] {
        var plan: [PlannedRecord] = []
        var gridServers: [String: [Int]] = [:]
        for (index, cadre) in cadreGrids.enumerated() {
            for grid in cadre.grids { gridServers[grid, default: []].append(index) }
        }
        var usedCadres = Set<Int>()
        for grid in gridServers.keys.sorted() {
            let cadre = random.pick(gridServers[grid]!)
            plan.append(PlannedRecord(type: "visit", cadre: cadre, grid: grid))
            usedCadres.insert(cadre)
        }
        for index in cadreGrids.indices where !usedCadres.contains(index) {
            plan.append(PlannedRecord(type: "visit", cadre: index, grid: random.pick(cadreGrids[index].grids)))
        }
        precondition(plan.count <= 13_300, "coverage visits exceed the report's visits")
        return plan
    }

    /// G2: each of the 53 organs' party branch pairs with the party organisation of a village (not
    /// a city community), one its section cadres serve, a different village for each organ where
    /// the organs' stretches allow.
    mutating func branchPairingPlan() -> [PlannedRecord] {
        let villageKind = Dictionary(uniqueKeysWithValues: villages.map { ($0.id, $0.kind) })
        var paired = Set<String>()
        var plan: [PlannedRecord] = []
        for organ in SeedNames.organs {
            let options = cadreGrids.indices
                .filter { cadreGrids[$0].level == "section" && cadreGrids[$0].unit == organ }
                .flatMap { cadre in
                    cadreGrids[cadre].grids.compactMap { grid in
                        gridVillage[grid].flatMap { village in
                            villageKind[village.id] != "community" ? (cadre, grid, village.id) : nil
                        }
                    }
                }
            precondition(!options.isEmpty, "\(organ) has no section cadre in a village")
            // A village before a town's residence, and one no other organ has paired with.
            let villagesOnly = options.filter { villageKind[$0.2] == "village" }
            let pool = villagesOnly.isEmpty ? options : villagesOnly
            let fresh = pool.filter { !paired.contains($0.2) }
            let (cadre, grid, village) = random.pick(fresh.isEmpty ? pool : fresh)
            paired.insert(village)
            plan.append(PlannedRecord(type: "branch_pairing", cadre: cadre, grid: grid))
        }
        return plan
    }

    /// The day of a record: pairings were signed as the activity started after the Spring
    /// Festival; some funding went out in the visits before the festival; the rest follows the
    /// working year.
    mutating func recordDate(_ planned: PlannedRecord) -> String {
        switch planned.type {
        case "branch_pairing":
            while true {
                let day = workingDay()
                if day >= "2014-02-10" && day <= "2014-04-30" { return day }
            }
        case "funding" where random.int(in: 0...9) < 2:
            while true {
                let day = workingDay()
                if day >= "2014-01-13" && day <= "2014-01-29" { return day }
            }
        default:
            return workingDay()
        }
    }
}
