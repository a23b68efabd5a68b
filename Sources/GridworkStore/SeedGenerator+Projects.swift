extension SeedGenerator {
    /// P6–P10, C1–C12 and E1–E15: 53 secretary projects, 45 collective projects in 45 villages and
    /// 22 entrepreneurship bases in the six towns, with the named ones carrying the report's figures
    /// and the synthetic ones making up the totals exactly.
    mutating func makeProjects() {
        var namedByKind: [String: [Record]] = [:]
        for json in namedList("projects") {
            let record = addNamed(.projects, json)
            namedByKind[record[ProjectField.kind].string!, default: []].append(record)
            projectNames.insert(record[ProjectField.name].string!)
        }
        makeSecretaryProjects(
            named: namedByKind["secretary_claimed", default: []] + namedByKind["secretary_driven", default: []])
        makeCollectiveProjects(named: namedByKind["collective", default: []])
        makeEntrepreneurshipBases(named: namedByKind["entrepreneurship", default: []])
    }

    static func sum(_ records: [Record], _ field: ProjectField) -> Int {
        records.reduce(0) { $0 + $1[field].int }
    }

    /// One kind of project the seed draws: its category, the 六大行动计划 it serves, how large its
    /// investment runs, whether it earns (public works have no output), and its name in a village.
    struct ProjectTemplate: Sendable {
        var category: String
        var programmes: [String] = []
        var scale = 1.0
        var earns = true
        var name: @Sendable (inout SplitMix64, String) -> String
    }

    /// What a secretary brings to a village: the trades of the report (种植、养殖和服务业等) and
    /// the public works of the 六大行动计划 a secretary helps the village win.
    static let secretaryTrades: [(template: ProjectTemplate, count: Int)] = [
        (ProjectTemplate(category: "planting") { $1 + $0.pick(ProjectWords.fruits) + "种植基地" }, 6),
        (ProjectTemplate(category: "planting") { $1 + $0.pick(ProjectWords.vegetables) + "种植基地" }, 3),
        (ProjectTemplate(category: "planting") { $1 + $0.pick(ProjectWords.herbs) + "种植基地" }, 2),
        (ProjectTemplate(category: "planting") { _, village in village + "生态茶园" }, 1),
        (ProjectTemplate(category: "breeding", scale: 1.2) { $1 + $0.pick(ProjectWords.livestock) + "养殖场" }, 10),
        (ProjectTemplate(category: "planting_breeding") { _, village in village + "林下养鸡及经果林项目" }, 2),
        (ProjectTemplate(category: "planting_breeding") { _, village in village + "稻田养鱼示范基地" }, 2),
        (ProjectTemplate(category: "processing", scale: 1.3) { $1 + $0.pick(ProjectWords.processed) + "加工厂" }, 4),
        (ProjectTemplate(category: "service", scale: 0.9) { $1 + $0.pick(["农家乐", "生态休闲山庄"]) }, 3),
        (ProjectTemplate(category: "service", scale: 0.7) { $1 + $0.pick(["农机服务专业合作社", "农村物流配送点"]) }, 3),
        (ProjectTemplate(category: "tourism", scale: 1.2) { $1 + $0.pick(ProjectWords.fruits) + "观光采摘园" }, 3),
        (ProjectTemplate(category: "trade", scale: 0.6) { $1 + $0.pick(["农资经营部", "建材经营部"]) }, 2),
        (ProjectTemplate(category: "manufacturing", scale: 1.5) { $1 + $0.pick(["页岩砖厂", "水泥预制件厂"]) }, 2),
        (publicWorks(["road"], 1.2, "通组公路硬化工程"), 1), (publicWorks(["water"], 0.6, "人畜饮水工程"), 1),
        (publicWorks(["housing"], 1.0, "农村危房改造工程"), 1), (publicWorks(["telecom"], 0.5, "宽带网络进村工程"), 1),
        (publicWorks(["power"], 0.8, "农网改造升级工程"), 1),
        (publicWorks(["road", "village"], 0.8, "串户路及院坝硬化工程"), 1),
    ]

    static func publicWorks(_ programmes: [String], _ scale: Double, _ suffix: String) -> ProjectTemplate {
        ProjectTemplate(category: "construction", programmes: programmes, scale: scale, earns: false) { _, village in
            village + suffix
        }
    }

    private mutating func makeSecretaryProjects(named: [Record]) {
        let claimedNamed = named.filter { $0[ProjectField.kind].string == "secretary_claimed" }.count
        let kinds = random.shuffled(
            Array(repeating: "secretary_claimed", count: 25 - claimedNamed)
                + Array(repeating: "secretary_driven", count: 28 - (named.count - claimedNamed)))
        let count = kinds.count
        let plan = random.shuffled(Self.secretaryTrades.flatMap { Array(repeating: $0.template, count: $0.count) })
        precondition(plan.count == count, "the secretary trades must number the synthetic secretary projects")
        // A named secretary leads exactly the project the report gives them; every other
        // secretary leads one or two.
        let namedLeaders = Set(named.compactMap { $0[ProjectField.leaderCadreId].string })
        let others = secretaries.filter { !namedLeaders.contains($0.id) }
        precondition(count <= 2 * others.count, "too few secretaries for two projects each")
        let leaders = random.shuffled(others + random.shuffled(others).prefix(count - others.count))

        let investment = Allocation.split(
            147_180_000 - Self.sum(named, .investmentYuan),
            weights: plan.map { $0.scale * (0.3 + 1.4 * random.unit()) },
            unit: 10_000,
            minimum: 200_000
        )
        let earning = plan.indices.filter { plan[$0].earns }
        let earned = Allocation.split(
            60_000_000 - Self.sum(named, .expectedAnnualOutputYuan),
            weights: earning.map { Double(investment[$0]) * (0.5 + random.unit()) },
            unit: 10_000,
            minimum: 50_000
        )
        var output = Array(repeating: 0, count: count)
        for (index, value) in zip(earning, earned) { output[index] = value }
        let beneficiaries = Allocation.split(
            11_800 - Self.sum(named, .beneficiaries),
            weights: plan.map { ($0.earns ? 1 : 2.5) * (0.3 + 1.4 * random.unit()) },
            minimum: 20
        )
        for index in 0..<count {
            let leader = leaders[index]
            let village = villages.first { $0.id == leader.villageId }!
            let template = plan[index]
            let funding = template.earns ? businessFunding(investment[index]) : publicFunding(investment[index])
            let completed = random.int(in: 0...9) < (template.earns ? 2 : 4)
            let jobs = template.earns ? beneficiaries[index] / random.int(in: 4...10) : beneficiaries[index] / 12
            var fields: [(ProjectField, FieldValue)] = [
                (.name, .string(uniqueProjectName { template.name(&$0, village.name) })),
                (.kind, .string(kinds[index])), (.category, .string(template.category)),
                (.villageId, .string(village.id)), (.leaderName, .string(cadreName(leader.id))),
                (.leaderCadreId, .string(leader.id)), (.investmentYuan, .int(investment[index])),
                (.supportYuan, .int(funding.support)), (.techSupport, .bool(false)),
                (.expectedAnnualOutputYuan, .int(output[index])),
                (
                    .expectedAnnualProfitYuan,
                    .int(Self.floor(Double(output[index]) * (0.12 + 0.23 * random.unit()), 1_000))
                ),
                (.beneficiaries, .int(beneficiaries[index])), (.jobs, .int(max(jobs, 2))),
                (.status, .string(completed ? "completed" : "active")), (.funding, funding.parts),
            ]
            if !template.programmes.isEmpty { fields.append((.programmes, .list(template.programmes))) }
            if funding.households > 0 { fields.append((.households, .int(funding.households))) }
            add(.projects, fields)
        }
    }

    /// A business's money: the leader's own, often with households buying in, sometimes with
    /// the village collective taking a share.
    mutating func businessFunding(_ investment: Int) -> Funding {
        var parts: [String: Int] = [:]
        if random.int(in: 0...9) < 4 {
            parts["households"] = Self.floor(Double(investment) * (0.2 + 0.3 * random.unit()), 10_000)
        }
        if random.int(in: 0...9) < 2 {
            parts["village"] = Self.floor(Double(investment) * (0.1 + 0.2 * random.unit()), 10_000)
        }
        parts["own"] = investment - parts.values.reduce(0, +)
        return Funding(parts, households: householdsBuyingIn(parts["households"] ?? 0))
    }

    /// How many households put in `yuan` between them: 20,000 to 100,000 yuan each.
    mutating func householdsBuyingIn(_ yuan: Int) -> Int {
        yuan == 0 ? 0 : max(3, yuan / random.int(in: 20_000...100_000))
    }

    /// Public works' money: district and town funds, the villagers' share (一事一议) and the
    /// village collective's, which takes what is left.
    mutating func publicFunding(_ investment: Int) -> Funding {
        var parts: [String: Int] = [:]
        parts["district"] = Self.floor(Double(investment) * (0.3 + 0.2 * random.unit()), 10_000)
        parts["town"] = Self.floor(Double(investment) * (0.1 + 0.2 * random.unit()), 10_000)
        parts["villagers"] = Self.floor(Double(investment) * (0.05 + 0.1 * random.unit()), 10_000)
        parts["village"] = investment - parts.values.reduce(0, +)
        return Funding(parts)
    }

    /// A project's funding by source; `support` is what the district, the town and enterprises gave.
    struct Funding {
        var parts: FieldValue
        var total: Int
        var support: Int
        var households: Int

        init(_ parts: [String: Int], households: Int = 0) {
            precondition(parts.values.allSatisfy { $0 >= 0 }, "a negative funding part")
            self.parts = .counts(Schema.fundingKeys.map { parts[$0, default: 0] })
            total = parts.values.reduce(0, +)
            support = ["town", "district", "enterprise"].reduce(0) { $0 + parts[$1, default: 0] }
            self.households = households
        }
    }

    /// `value` rounded down to a multiple of `unit`, as budgets are.
    static func floor(_ value: Double, _ unit: Int) -> Int {
        Int(value) / unit * unit
    }

    /// A name no project has yet, nor a company of the same brand: drawn again when taken, and
    /// a second phase (二期) when the template cannot give another.
    mutating func uniqueProjectName(_ draw: (inout SplitMix64) -> String) -> String {
        func taken(_ name: String) -> Bool {
            projectNames.contains(name) || Self.brand(of: name).map { projectNames.contains($0) } ?? false
        }
        var name = draw(&random)
        for _ in 0..<20 where taken(name) { name = draw(&random) }
        if taken(name) { name += "二期" }
        precondition(!taken(name), "project name \(name) is taken")
        projectNames.insert(name)
        if let brand = Self.brand(of: name) { projectNames.insert(brand) }
        return name
    }

    /// The brand of a company or cooperative named 遵义XX… or 汇川区XX… (`brand:XX`): two
    /// enterprises of one brand would read as one.
    static func brand(of name: String) -> String? {
        for prefix in ["遵义", "汇川区"] where name.hasPrefix(prefix) {
            return "brand:" + name.dropFirst(prefix.count).prefix(2)
        }
        return nil
    }

    func cadreName(_ id: String) -> String {
        for (kind, record) in records.reversed() where kind == .cadres && record.id == id {
            return record[CadreField.name].string!
        }
        return ""
    }
}
