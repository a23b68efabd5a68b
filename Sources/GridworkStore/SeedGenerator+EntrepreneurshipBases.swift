extension SeedGenerator {
    /// A synthetic entrepreneurship base, as the party organisations built on it need it.
    struct Base {
        var id: String
        var villageId: String
        var townId: String
        /// The industry it is part of, e.g. 精品水果 (a chain's party branch is named after it).
        var industry: String
        var enterprise: String
        var partyMembers: Int

        var isCompany: Bool { enterprise.hasSuffix("有限公司") }
    }

    /// What a party member's base is: its category, the party-member trades (planting, breeding,
    /// processing, other) most of its members work in, how many bases of the kind, and its
    /// industry and enterprise — a cooperative named after its village or a company after a brand.
    struct BaseTemplate: Sendable {
        var category: String
        var trades: [Int]
        var count: Int
        var make: @Sendable (inout SplitMix64, _ villageStem: String) -> (industry: String, enterprise: String)
    }

    static let baseTemplates: [BaseTemplate] = [
        BaseTemplate(category: "planting", trades: [0], count: 7) { random, stem in
            let (industry, product) = random.pick([
                ("精品水果", random.pick(ProjectWords.fruits)), ("蔬菜", random.pick(ProjectWords.vegetables)),
                ("中药材", random.pick(ProjectWords.herbs)), ("茶叶", "茶叶"),
            ])
            return (industry, cooperativeOrCompany(&random, stem + product + "种植专业合作社", "农业开发有限公司"))
        },
        BaseTemplate(category: "breeding", trades: [1], count: 5) { random, stem in
            let animal = random.pick(ProjectWords.livestock)
            return ("生态畜牧", cooperativeOrCompany(&random, stem + animal + "养殖专业合作社", "生态养殖有限公司"))
        },
        BaseTemplate(category: "planting_breeding", trades: [0, 1], count: 2) { random, _ in
            let brand = random.pick(ProjectWords.brands)
            return ("生态农业", cooperativeOrCompany(&random, "汇川区" + brand + "种养殖专业合作社", "农牧科技有限公司"))
        },
        BaseTemplate(category: "processing", trades: [2], count: 2) { random, stem in
            let product = random.pick(ProjectWords.processed)
            return ("农产品加工", cooperativeOrCompany(&random, stem + product + "加工专业合作社", "食品有限公司"))
        },
        BaseTemplate(category: "service", trades: [3], count: 2) { random, stem in
            ("农业社会化服务", cooperativeOrCompany(&random, stem + "农机服务专业合作社", "农业服务有限公司"))
        },
        BaseTemplate(category: "trade", trades: [3], count: 2) { random, stem in
            ("农产品营销", cooperativeOrCompany(&random, stem + "农产品购销专业合作社", "农产品营销有限公司"))
        },
        BaseTemplate(category: "tourism", trades: [3], count: 1) { random, stem in
            ("乡村旅游", cooperativeOrCompany(&random, stem + "乡村旅游专业合作社", "旅游开发有限公司"))
        },
    ]

    /// The cooperative's name, or half the time a company: 遵义 + a brand + its line of business.
    static func cooperativeOrCompany(_ random: inout SplitMix64, _ cooperative: String, _ business: String) -> String {
        random.int(in: 0...1) == 0 ? cooperative : "遵义" + random.pick(ProjectWords.brands) + business
    }

    /// E1–E6 and E10–E15: the party members' bases in the six towns, each an enterprise or a
    /// cooperative in a village, with its party members, pairings, support and the people it
    /// helps adding up to the report's totals.
    mutating func makeEntrepreneurshipBases(named: [Record]) {
        let plan = random.shuffled(Self.baseTemplates.flatMap { Array(repeating: $0, count: $0.count) })
        let count = plan.count
        precondition(count == 22 - named.count, "the base templates must number the synthetic bases")
        let hosts = baseVillages(count)

        let namedMembers = (0..<4).map { slot in
            named.reduce(0) { $0 + ($1[ProjectField.partyMembers].counts?[slot] ?? 0) }
        }
        var members: [[Int]] = Array(repeating: [0, 0, 0, 0], count: count)
        for (slot, total) in [383, 271, 47, 281].enumerated() {
            // Most of a trade's members are in its own bases; many bases have a few in others.
            // Processing members are too few to reach most bases: their zeros may repeat.
            let processing = slot == 2
            let values = Allocation.scattered(total - namedMembers[slot], most: 3, countingZeros: !processing, &random)
            {
                random in
                plan.map { template in
                    if template.trades.contains(slot) { return 1.5 + 4 * random.unit() }
                    let none = random.int(in: 0...19) < (processing ? 11 : 2)
                    return none ? 0 : 0.05 + 1.2 * random.unit()
                }
            }
            for (index, value) in values.enumerated() { members[index][slot] = value }
        }
        let organ = Allocation.scattered(54 - Self.sum(named, .organPairings), most: 2, countingZeros: false, &random) {
            random in (0..<count).map { _ in random.int(in: 0...9) < 3 ? 0 : 0.1 + random.unit() * random.unit() }
        }
        // Enterprises pair with a few bases, some of them with two or three.
        let paired = Set(random.shuffled(Array(0..<count)).prefix(6))
        let enterprise = Allocation.scattered(
            12 - Self.sum(named, .enterprisePairings), most: 2, countingZeros: false, &random
        ) { random in (0..<count).map { paired.contains($0) ? 0.2 + random.unit() : 0 } }
        let assistedCount = 15 - named.filter { $0[ProjectField.supportYuan].int > 0 }.count
        let assisted = Set(random.shuffled(Array(0..<count)).prefix(assistedCount))
        let support = Allocation.split(
            10_000_000 - Self.sum(named, .supportYuan),
            weights: Allocation.weights(assistedCount, &random),
            unit: 10_000,
            minimum: 200_000
        )
        let techPeople = Allocation.scattered(208 - Self.sum(named, .techInfoPeople), most: 3, &random) { random in
            Allocation.weights(count, &random, low: 0.2, high: 2)
        }
        let beneficiaries = Allocation.split(
            18_300 - Self.sum(named, .beneficiaries),
            weights: Allocation.weights(count, &random),
            minimum: 150
        )
        // Leaders are party members of their own: nobody the report names, nor a leader of
        // another project.
        var leaderNames = Set(records.compactMap { $0.0 == .projects ? $0.1[ProjectField.leaderName].string : nil })
        var supportIndex = 0
        for index in 0..<count {
            let village = hosts[index]
            let template = plan[index]
            let stem = village.name.hasSuffix("村") ? String(village.name.dropLast()) : village.name
            var industry = ""
            let name = uniqueProjectName { random in
                let made = template.make(&random, stem)
                industry = made.industry
                return made.enterprise
            }
            var supportYuan = 0
            if assisted.contains(index) {
                supportYuan = support[supportIndex]
                supportIndex += 1
            }
            var leader = SeedNames.person(&random)
            while leaderNames.contains(leader) { leader = SeedNames.person(&random) }
            leaderNames.insert(leader)
            let funding = baseFunding(support: supportYuan, enterprisePairings: enterprise[index])
            let output = Self.floor(Double(funding.total) * (0.6 + random.unit()), 10_000)
            var fields: [(ProjectField, FieldValue)] = [
                (.name, .string(name)), (.kind, .string("entrepreneurship")), (.category, .string(template.category)),
                (.villageId, .string(village.id)), (.leaderName, .string(leader)),
                (.leaderTitle, .string(name.hasSuffix("有限公司") ? "总经理" : "理事长")),
                (.enterprise, .string(name)), (.investmentYuan, .int(funding.total)),
                (.supportYuan, .int(funding.support)), (.techSupport, .bool(techPeople[index] > 0)),
                (.expectedAnnualOutputYuan, .int(output)),
                (.expectedAnnualProfitYuan, .int(Self.floor(Double(output) * (0.12 + 0.18 * random.unit()), 1_000))),
                (.beneficiaries, .int(beneficiaries[index])), (.jobs, .int(random.int(in: 5...60))),
                (.status, .string("active")), (.partyMembers, .counts(members[index])),
                (.organPairings, .int(organ[index])), (.enterprisePairings, .int(enterprise[index])),
                (.techInfoPeople, .int(techPeople[index])), (.funding, funding.parts),
            ]
            if funding.households > 0 { fields.append((.households, .int(funding.households))) }
            let id = add(.projects, fields)
            bases.append(
                Base(
                    id: id, villageId: village.id, townId: village.townId, industry: industry, enterprise: name,
                    partyMembers: members[index].reduce(0, +)))
        }
    }

    /// Villages for `count` bases: every one of the six towns hosts at least one, no two bases
    /// share a village, and none is in a village the report names (it says what is there).
    private mutating func baseVillages(_ count: Int) -> [(id: String, name: String, kind: String, townId: String)] {
        let sixTowns = towns.filter { $0.kind == "town" }.map(\.id)
        var hostTowns = sixTowns
        while hostTowns.count < count { hostTowns.append(random.pick(sixTowns)) }
        let reportVillages = Set(records.filter { $0.0 == .villages && $0.1.source == .report }.map(\.1.id))
        var free = random.shuffled(villages.filter { $0.kind == "village" && !reportVillages.contains($0.id) })
        return random.shuffled(hostTowns).map { town in
            let index = free.firstIndex { $0.townId == town }!
            return free.remove(at: index)
        }
    }

    /// A base's money: its leader's own, sometimes households buying in, and the support it won
    /// from the district, the town and, where it has an enterprise pairing, that enterprise.
    mutating func baseFunding(support: Int, enterprisePairings: Int) -> Funding {
        var parts: [String: Int] = [:]
        if support > 0 {
            let fromEnterprise =
                enterprisePairings > 0 ? Self.floor(Double(support) * (0.05 + 0.15 * random.unit()), 10_000) : 0
            let fromDistrict = Self.floor(Double(support - fromEnterprise) * (0.4 + 0.3 * random.unit()), 10_000)
            parts["enterprise"] = fromEnterprise
            parts["district"] = fromDistrict
            parts["town"] = support - fromEnterprise - fromDistrict
            parts["own"] = Self.floor(Double(support) * (0.6 + 1.9 * random.unit()), 10_000)
        } else {
            parts["own"] = random.int(in: 30...600) * 10_000
        }
        if random.int(in: 0...9) < 3 {
            parts["households"] = Self.floor(Double(parts["own"]!) * (0.2 + 0.4 * random.unit()), 10_000)
        }
        return Funding(parts, households: householdsBuyingIn(parts["households"] ?? 0))
    }
}
