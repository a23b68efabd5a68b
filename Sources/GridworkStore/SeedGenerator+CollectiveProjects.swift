extension SeedGenerator {
    /// What a village collective runs, by the report's four buckets (C2–C5): the land and
    /// livestock it works, the property it lets, the services it sells, and everything else —
    /// labour and building companies, trade, tourism, workshops, water and power works.
    static let collectiveTrades: [String: [ProjectTemplate]] = [
        "plantingBreeding": [
            ProjectTemplate(category: "planting") { _, village in village + "集体茶园" },
            ProjectTemplate(category: "planting") { $1 + "集体" + $0.pick(ProjectWords.fruits) + "基地" },
            ProjectTemplate(category: "planting") { _, village in village + "集体苗圃基地" },
            ProjectTemplate(category: "breeding") { $1 + "集体" + $0.pick(ProjectWords.livestock) + "养殖场" },
            ProjectTemplate(category: "planting_breeding") { _, village in village + "集体种养殖基地" },
        ],
        "property": [
            ProjectTemplate(category: "property") { $1 + $0.pick(["集体门面出租项目", "集体标准厂房租赁项目"]) }
        ],
        "service": [
            ProjectTemplate(category: "service", programmes: ["telecom"], scale: 0.5) { _, village in
                village + "农村电商服务站"
            },
            ProjectTemplate(category: "service", programmes: ["village"], scale: 0.4) { _, village in
                village + "集体保洁服务队"
            },
            ProjectTemplate(category: "service", scale: 0.8) { _, village in village + "农机服务队" },
            ProjectTemplate(category: "service", scale: 0.6) { _, village in village + "便民服务超市" },
            ProjectTemplate(category: "service", scale: 0.6) { _, village in village + "集体停车场" },
        ],
        "other": [
            ProjectTemplate(category: "construction", programmes: ["road"], scale: 1.3) { random, _ in
                "遵义" + random.pick(ProjectWords.brands) + "建筑劳务有限公司"
            },
            ProjectTemplate(category: "construction", programmes: ["housing"]) { _, village in
                village + "集体建筑工程队"
            },
            ProjectTemplate(category: "processing", scale: 1.2) { $1 + $0.pick(ProjectWords.processed) + "加工厂" },
            ProjectTemplate(category: "tourism", scale: 1.3) { _, village in village + "乡村旅游接待中心" },
            ProjectTemplate(category: "tourism") { _, village in village + "生态垂钓园" },
            ProjectTemplate(category: "tourism") { $1 + $0.pick(ProjectWords.fruits) + "采摘园" },
            ProjectTemplate(category: "trade", scale: 1.2) { random, _ in
                "遵义" + random.pick(ProjectWords.brands) + "商贸有限公司"
            },
            ProjectTemplate(category: "trade", scale: 0.6) { _, village in village + "农资连锁店" },
            ProjectTemplate(category: "manufacturing", scale: 1.5) { _, village in village + "集体页岩砖厂" },
            ProjectTemplate(category: "mining", scale: 1.4) { _, village in village + "集体砂石场" },
            ProjectTemplate(category: "other", scale: 0.5) { _, village in village + "集体林地流转项目" },
            ProjectTemplate(category: "other", scale: 0.6) { _, village in village + "土地股份合作社" },
            ProjectTemplate(category: "other", programmes: ["water"], scale: 0.7) { _, village in
                village + "集体供水站"
            },
            ProjectTemplate(category: "other", programmes: ["power"], scale: 1.2) { _, village in
                village + "小水电站"
            },
            ProjectTemplate(category: "other", scale: 0.4) { _, village in village + "劳务服务合作社" },
        ],
    ]

    /// C1–C12: one collective project in each of 45 villages. The report's named ones carry its
    /// figures, and the four it says were applied for and launched carry the district's fiscal
    /// support (C12); the synthetic ones are backed by the village, its people and the town.
    mutating func makeCollectiveProjects(named: [Record]) {
        var namedBuckets: [String: Int] = [:]
        for record in named { namedBuckets[Aggregates.bucket(record[ProjectField.category].string!), default: 0] += 1 }
        var plan: [ProjectTemplate] = []
        for (bucket, total) in [("plantingBreeding", 4), ("property", 1), ("service", 5), ("other", 35)] {
            for _ in 0..<(total - namedBuckets[bucket, default: 0]) {
                plan.append(random.pick(Self.collectiveTrades[bucket]!))
            }
        }
        plan = random.shuffled(plan)
        let count = plan.count
        // 五星村 is one of the report's two models; the other (新黔村) is named. Named villages
        // carry only what the report says of them, so no synthetic project goes to one.
        let model = villages.first { $0.name == "五星村" }!
        let reportVillages = Set(records.filter { $0.0 == .villages && $0.1.source == .report }.map(\.1.id))
        let pool = villages.filter { $0.kind != "community" && !reportVillages.contains($0.id) }
        let chosen = [model] + random.shuffled(pool).prefix(count - 1)
        // The model village is assisted; so are 19 more.
        let assistedCount = 25 - named.filter { $0[ProjectField.supportYuan].int > 0 }.count
        let assisted = Set([0] + random.shuffled(Array(1..<count)).prefix(assistedCount - 1))
        let support = Allocation.split(
            10_000_000 - Self.sum(named, .supportYuan),
            weights: Allocation.weights(assistedCount, &random),
            unit: 10_000,
            minimum: 100_000
        )
        var funding: [Funding] = []
        var supportIndex = 0
        for index in 0..<count {
            if assisted.contains(index) {
                funding.append(collectiveFunding(town: support[supportIndex]))
                supportIndex += 1
            } else {
                funding.append(collectiveFunding(town: 0))
            }
        }
        let investment = funding.map { $0.total }
        let technical = Set(
            random.shuffled(Array(0..<count)).prefix(34 - named.filter { $0[ProjectField.techSupport].bool }.count))
        let output = Allocation.split(
            20_000_000 - Self.sum(named, .expectedAnnualOutputYuan),
            // The model village (index 0) earns as a model should.
            weights: investment.indices.map {
                Double(investment[$0]) * plan[$0].scale * (0.5 + random.unit()) * ($0 == 0 ? 2 : 1)
            },
            unit: 10_000,
            minimum: 50_000
        )
        // Profit runs at a quarter to three fifths of output, scaled to the report's total.
        let profit = Allocation.split(
            8_000_000 - Self.sum(named, .expectedAnnualProfitYuan),
            weights: output.map { Double($0) * (0.25 + 0.35 * random.unit()) },
            unit: 1_000
        )
        let beneficiaries = Allocation.split(
            47_200 - Self.sum(named, .beneficiaries),
            weights: Allocation.weights(count, &random),
            minimum: 100
        )
        for index in 0..<count {
            let village = chosen[index]
            let template = plan[index]
            precondition(profit[index] <= output[index], "a collective project's profit exceeds its output")
            let name = uniqueProjectName { template.name(&$0, village.name) }
            var fields: [(ProjectField, FieldValue)] = [
                (.name, .string(name)), (.kind, .string("collective")), (.category, .string(template.category)),
                (.villageId, .string(village.id)), (.leaderName, .string(village.name + "村委会")),
                (.investmentYuan, .int(investment[index])), (.supportYuan, .int(funding[index].support)),
                (.techSupport, .bool(technical.contains(index))), (.expectedAnnualOutputYuan, .int(output[index])),
                (.expectedAnnualProfitYuan, .int(profit[index])), (.beneficiaries, .int(beneficiaries[index])),
                (.jobs, .int(template.category == "property" ? random.int(in: 1...3) : random.int(in: 3...40))),
                (.status, .string(random.int(in: 0...5) == 0 ? "completed" : "active")),
                (.funding, funding[index].parts),
            ]
            if name.hasSuffix("有限公司") { fields.append((.enterprise, .string(name))) }
            if !template.programmes.isEmpty { fields.append((.programmes, .list(template.programmes))) }
            add(.projects, fields)
        }
    }

    /// A collective project's money: the village's own, often the villagers' shares, and the
    /// town's support when it has any. None from the district: the report's district money (C12)
    /// went to the four projects it names.
    mutating func collectiveFunding(town: Int) -> Funding {
        var parts: [String: Int] = [:]
        if town > 0 {
            parts["town"] = town
            parts["village"] = Self.floor(Double(town) * (0.3 + 0.7 * random.unit()), 10_000)
        } else {
            parts["village"] = random.int(in: 5...60) * 10_000
        }
        if random.int(in: 0...1) == 0 {
            parts["villagers"] = Self.floor(Double(parts["village"]!) * (0.3 + random.unit()), 10_000)
        }
        return Funding(parts)
    }
}
