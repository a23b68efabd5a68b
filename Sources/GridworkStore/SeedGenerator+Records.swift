extension SeedGenerator {
    /// G2 and G6–G12: how many records of each type the report counts.
    static let recordCounts: [(type: String, count: Int)] = [
        ("visit", 13_300), ("household_visit", 3_300), ("suggestion", 1_041), ("funding", 360),
        ("household_pairing", 841), ("good_deed", 497), ("problem_resolved", 172), ("branch_pairing", 53),
    ]
    static let fundsTotal = 3_600_000

    /// Every assistance record, dated across 2014-01-01…2014-08-05 and numbered in date order.
    /// Every grid is visited and every cadre records work at least once.
    mutating func makeAssistanceRecords() {
        let townName = Dictionary(uniqueKeysWithValues: towns.map { ($0.id, $0.name) })
        func place(_ grid: String) -> String {
            gridVillage[grid]?.name ?? townName[gridTown[grid]!]!
        }

        // (type, cadre index, grid) for every record, before dates and texts.
        var plan: [(type: String, cadre: Int, grid: String)] = []
        var gridServers: [String: [Int]] = [:]
        for (index, cadre) in cadreGrids.enumerated() {
            for grid in cadre.grids { gridServers[grid, default: []].append(index) }
        }
        // Coverage first: one visit in every grid, then one by every cadre not yet seen.
        var usedCadres = Set<Int>()
        for grid in gridServers.keys.sorted() {
            let cadre = random.pick(gridServers[grid]!)
            plan.append(("visit", cadre, grid))
            usedCadres.insert(cadre)
        }
        for index in cadreGrids.indices where !usedCadres.contains(index) {
            plan.append(("visit", index, random.pick(cadreGrids[index].grids)))
        }
        precondition(plan.count <= 13_300, "coverage visits exceed the report's visits")
        // Branch pairings: 53 organs, each with one of its section cadres, in one of that cadre's grids.
        let sectionByOrgan = Dictionary(grouping: cadreGrids.indices.filter { cadreGrids[$0].level == "section" }) {
            cadreGrids[$0].unit
        }
        for organ in SeedNames.organs {
            let cadre = random.pick(sectionByOrgan[organ]!)
            plan.append(("branch_pairing", cadre, random.pick(cadreGrids[cadre].grids)))
        }
        for (type, total) in Self.recordCounts where type != "branch_pairing" {
            let already = plan.filter { $0.type == type }.count
            for _ in 0..<(total - already) {
                let cadre = random.int(in: 0...(cadreGrids.count - 1))
                plan.append((type, cadre, random.pick(cadreGrids[cadre].grids)))
            }
        }

        let amounts = Allocation.split(
            Self.fundsTotal,
            weights: Allocation.weights(360, &random, low: 0.2, high: 3.0),
            unit: 100,
            minimum: 1_000
        )
        var amountIndex = 0
        var drafts: [(date: String, values: [(AssistanceField, FieldValue)])] = []
        drafts.reserveCapacity(plan.count)
        for (type, cadreIndex, grid) in plan {
            let cadre = cadreGrids[cadreIndex]
            let where_ = place(grid)
            let household = SeedNames.person(&random)
            let need = random.pick(SeedNames.needs)
            var values: [(AssistanceField, FieldValue)] = [
                (.type, .string(type)), (.cadreId, .string(cadre.id)), (.gridId, .string(grid)),
            ]
            let summary: String
            switch type {
            case "visit":
                summary = random.pick([
                    "深入\(where_)网格召开群众座谈会", "到\(where_)网格开展社情民意调查", "在\(where_)网格收集民情信息",
                    "到\(where_)网格与困难群众谈心谈话", "深入\(where_)网格排查矛盾纠纷",
                ])
            case "household_visit":
                values.append((.householdName, .string(household)))
                summary = "走访\(where_)\(household)家，了解\(need)需求"
            case "suggestion":
                summary = "听取\(where_)群众关于\(need)问题的意见建议"
            case "funding":
                values.append((.householdName, .string(household)))
                values.append((.amountYuan, .int(amounts[amountIndex])))
                amountIndex += 1
                summary = "向\(where_)\(household)户投入\(need)帮扶资金"
            case "household_pairing":
                values.append((.householdName, .string(household)))
                summary = "与\(where_)困难群众\(household)户结对帮扶"
            case "good_deed":
                summary = "为\(where_)群众办理\(need)方面的实事"
            case "problem_resolved":
                summary = "协调化解\(where_)\(need)方面的突出问题"
            default:
                summary = "\(cadre.unit)党支部与\(where_)党组织开展支部结对"
            }
            values.append((.summary, .string(summary)))
            drafts.append((workingDay(), values))
        }
        // Ids follow the dates, so listing in id order reads like a diary.
        let order = drafts.indices.sorted { (drafts[$0].date, $0) < (drafts[$1].date, $1) }
        for index in order {
            add(.assistanceRecords, drafts[index].values + [(.date, .string(drafts[index].date))])
        }
    }
}
