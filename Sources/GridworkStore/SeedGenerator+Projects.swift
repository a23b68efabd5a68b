extension SeedGenerator {
    /// P6–P10, C1–C11 and E1–E15: 53 secretary projects, 45 collective projects in 45 villages and
    /// 22 entrepreneurship bases in the six towns, with the named ones carrying the report's figures
    /// and the synthetic ones making up the totals exactly.
    mutating func makeProjects() {
        var namedByKind: [String: [Record]] = [:]
        for json in namedList("projects") {
            let record = addNamed(.projects, json)
            namedByKind[record[ProjectField.kind].string!, default: []].append(record)
        }
        makeSecretaryProjects(
            named: namedByKind["secretary_claimed", default: []] + namedByKind["secretary_driven", default: []])
        makeCollectiveProjects(named: namedByKind["collective", default: []])
        makeEntrepreneurshipBases(named: namedByKind["entrepreneurship", default: []])
    }

    static func sum(_ records: [Record], _ field: ProjectField) -> Int {
        records.reduce(0) { $0 + $1[field].int }
    }

    private mutating func makeSecretaryProjects(named: [Record]) {
        let claimedNamed = named.filter { $0[ProjectField.kind].string == "secretary_claimed" }.count
        let kinds =
            Array(repeating: "secretary_claimed", count: 25 - claimedNamed)
            + Array(repeating: "secretary_driven", count: 28 - (named.count - claimedNamed))
        let count = kinds.count
        let investment = Allocation.split(
            147_180_000 - Self.sum(named, .investmentYuan),
            weights: Allocation.weights(count, &random, low: 0.2, high: 2.5),
            unit: 10_000,
            minimum: 200_000
        )
        let output = Allocation.split(
            60_000_000 - Self.sum(named, .expectedAnnualOutputYuan),
            weights: investment.map { Double($0) * (0.5 + random.unit()) },
            unit: 10_000
        )
        let beneficiaries = Allocation.split(
            11_800 - Self.sum(named, .beneficiaries),
            weights: Allocation.weights(count, &random),
            minimum: 20
        )
        // Every secretary leads at least one project; the rest go to a random secretary.
        let namedLeaders = Set(named.compactMap { $0[ProjectField.leaderCadreId].string })
        var leaders = secretaries.filter { !namedLeaders.contains($0.id) }
        while leaders.count < count { leaders.append(random.pick(secretaries)) }
        leaders = random.shuffled(leaders)
        let trades: [(String, String)] = [
            ("planting", "精品水果种植基地"), ("planting", "蔬菜种植基地"), ("breeding", "生态养殖场"),
            ("planting_breeding", "种养殖专业合作社"), ("processing", "农产品加工厂"), ("service", "农家乐"),
            ("tourism", "乡村旅游点"), ("construction", "建筑劳务队"), ("trade", "农资经营部"), ("manufacturing", "建材厂"),
        ]
        for index in 0..<count {
            let leader = leaders[index]
            let village = villages.first { $0.id == leader.villageId }!
            let (category, trade) = random.pick(trades)
            add(
                .projects,
                [
                    (ProjectField.name, .string(village.name + trade)), (.kind, .string(kinds[index])),
                    (.category, .string(category)), (.villageId, .string(village.id)),
                    (.leaderName, .string(cadreName(leader.id))), (.leaderCadreId, .string(leader.id)),
                    (.investmentYuan, .int(investment[index])), (.supportYuan, .int(0)), (.techSupport, .bool(false)),
                    (.expectedAnnualOutputYuan, .int(output[index])),
                    (.expectedAnnualProfitYuan, .int(output[index] / 10 * random.int(in: 1...3) / 1000 * 1000)),
                    (.beneficiaries, .int(beneficiaries[index])),
                    (.jobs, .int(beneficiaries[index] / random.int(in: 4...10))),
                    (.status, .string(random.int(in: 0...4) == 0 ? "completed" : "active")),
                ]
            )
        }
    }

    private mutating func makeCollectiveProjects(named: [Record]) {
        let namedVillages = Set(named.map { $0[ProjectField.villageId].string! })
        var namedBuckets: [String: Int] = [:]
        for record in named { namedBuckets[Aggregates.bucket(record[ProjectField.category].string!), default: 0] += 1 }
        var categories: [String] = []
        let synthetic: [(bucket: String, total: Int, pool: [String])] = [
            ("plantingBreeding", 4, ["planting", "breeding", "planting_breeding"]), ("property", 1, ["property"]),
            ("service", 5, ["service"]),
            ("other", 35, ["processing", "tourism", "trade", "construction", "manufacturing", "other"]),
        ]
        for (bucket, total, pool) in synthetic {
            for _ in 0..<(total - namedBuckets[bucket, default: 0]) { categories.append(random.pick(pool)) }
        }
        categories = random.shuffled(categories)
        let count = categories.count
        // 五星村 is one of the report's two models; the other (新黔村) is named above.
        let model = villages.first { $0.name == "五星村" }!
        let pool = villages.filter { $0.kind != "community" && !namedVillages.contains($0.id) && $0.id != model.id }
        let chosen = [model] + random.shuffled(pool).prefix(count - 1)
        let assisted = Set(
            random.shuffled(Array(0..<count)).prefix(25 - named.filter { $0[ProjectField.supportYuan].int > 0 }.count))
        let support = Allocation.split(
            10_000_000 - Self.sum(named, .supportYuan),
            weights: Allocation.weights(assisted.count, &random),
            unit: 10_000,
            minimum: 50_000
        )
        let technical = Set(
            random.shuffled(Array(0..<count)).prefix(34 - named.filter { $0[ProjectField.techSupport].bool }.count))
        let output = Allocation.split(
            20_000_000 - Self.sum(named, .expectedAnnualOutputYuan),
            weights: Allocation.weights(count, &random),
            unit: 1_000,
            minimum: 100_000
        )
        let profit = Allocation.split(
            8_000_000 - Self.sum(named, .expectedAnnualProfitYuan),
            weights: output.map { Double($0) },
            unit: 1_000
        )
        let beneficiaries = Allocation.split(
            47_200 - Self.sum(named, .beneficiaries),
            weights: Allocation.weights(count, &random),
            minimum: 100
        )
        let names: [String: [String]] = [
            "planting": ["集体茶园", "经果林基地"], "breeding": ["集体养殖场"], "planting_breeding": ["种养殖合作社"],
            "property": ["集体门面出租"], "service": ["农村电商服务站", "集体物业服务公司", "农机服务队"],
            "processing": ["农产品加工坊"], "tourism": ["乡村旅游接待中心"], "trade": ["集体商贸公司"],
            "construction": ["集体建筑劳务公司"], "manufacturing": ["集体砖厂"], "other": ["集体经济合作社"],
        ]
        var supportIndex = 0
        for index in 0..<count {
            let village = chosen[index]
            let category = categories[index]
            let supportYuan = assisted.contains(index) ? support[supportIndex] : 0
            if assisted.contains(index) { supportIndex += 1 }
            add(
                .projects,
                [
                    (ProjectField.name, .string(village.name + random.pick(names[category]!))),
                    (.kind, .string("collective")),
                    (.category, .string(category)), (.villageId, .string(village.id)),
                    (.leaderName, .string(village.name + "村委会")),
                    (.investmentYuan, .int(random.int(in: 10...300) * 10_000)), (.supportYuan, .int(supportYuan)),
                    (.techSupport, .bool(technical.contains(index))), (.expectedAnnualOutputYuan, .int(output[index])),
                    (.expectedAnnualProfitYuan, .int(profit[index])), (.beneficiaries, .int(beneficiaries[index])),
                    (.jobs, .int(random.int(in: 3...40))),
                    (.status, .string(random.int(in: 0...3) == 0 ? "planned" : "active")),
                ]
            )
        }
    }

    private mutating func makeEntrepreneurshipBases(named: [Record]) {
        let count = 22 - named.count
        let sixTowns = towns.filter { $0.kind == "town" }.map(\.id)
        // Every town hosts at least one base.
        var hostTowns = sixTowns
        while hostTowns.count < count { hostTowns.append(random.pick(sixTowns)) }
        hostTowns = random.shuffled(hostTowns)
        let namedMembers = (0..<4).map { position in
            named.reduce(0) { $0 + ($1[ProjectField.partyMembers].counts?[position] ?? 0) }
        }
        let trades: [(String, String, Int)] = [
            ("planting", "种植基地", 0), ("breeding", "养殖基地", 1), ("processing", "加工基地", 2),
            ("planting_breeding", "种养殖基地", 0), ("trade", "农资商贸基地", 3), ("service", "农业服务基地", 3),
        ]
        let plan = (0..<count).map { _ in random.pick(trades) }
        var members: [[Int]] = Array(repeating: [0, 0, 0, 0], count: count)
        for (position, total) in [383, 271, 47, 281].enumerated() {
            let weights = plan.map { $0.2 == position ? 4.0 : 0.5 + random.unit() }
            for (index, value) in Allocation.split(total - namedMembers[position], weights: weights).enumerated() {
                members[index][position] = value
            }
        }
        let organ = Allocation.split(54 - Self.sum(named, .organPairings), weights: Allocation.weights(count, &random))
        let enterprise = Allocation.split(
            12 - Self.sum(named, .enterprisePairings),
            weights: Allocation.weights(count, &random, low: 0.05, high: 1)
        )
        let assisted = Set(
            random.shuffled(Array(0..<count)).prefix(15 - named.filter { $0[ProjectField.supportYuan].int > 0 }.count))
        let support = Allocation.split(
            10_000_000 - Self.sum(named, .supportYuan),
            weights: Allocation.weights(assisted.count, &random),
            unit: 10_000,
            minimum: 100_000
        )
        let techPeople = Allocation.split(
            208 - Self.sum(named, .techInfoPeople), weights: Allocation.weights(count, &random))
        let beneficiaries = Allocation.split(
            18_300 - Self.sum(named, .beneficiaries),
            weights: Allocation.weights(count, &random),
            minimum: 150
        )
        var supportIndex = 0
        for index in 0..<count {
            let village = random.pick(villages.filter { $0.townId == hostTowns[index] && $0.kind != "community" })
            let (category, trade, _) = plan[index]
            let leader = SeedNames.person(&random)
            let supportYuan = assisted.contains(index) ? support[supportIndex] : 0
            if assisted.contains(index) { supportIndex += 1 }
            add(
                .projects,
                [
                    (ProjectField.name, .string("\(village.name)\(leader)党员创业带富\(trade)")),
                    (.kind, .string("entrepreneurship")), (.category, .string(category)),
                    (.villageId, .string(village.id)),
                    (.leaderName, .string(leader)), (.investmentYuan, .int(random.int(in: 20...800) * 10_000)),
                    (.supportYuan, .int(supportYuan)), (.techSupport, .bool(techPeople[index] > 0)),
                    (.expectedAnnualOutputYuan, .int(random.int(in: 30...600) * 10_000)),
                    (.expectedAnnualProfitYuan, .int(random.int(in: 5...120) * 10_000)),
                    (.beneficiaries, .int(beneficiaries[index])), (.jobs, .int(random.int(in: 5...60))),
                    (.status, .string("active")), (.partyMembers, .counts(members[index])),
                    (.organPairings, .int(organ[index])), (.enterprisePairings, .int(enterprise[index])),
                    (.techInfoPeople, .int(techPeople[index])),
                ]
            )
        }
    }

    func cadreName(_ id: String) -> String {
        for (kind, record) in records.reversed() where kind == .cadres && record.id == id {
            return record[CadreField.name].string!
        }
        return ""
    }
}
