import JSON

extension SeedGenerator {
    static let sectionCadreCount = 250
    static let generalCadreCount = 1850
    static let secretaryCount = 33

    /// 33 district leaders on town grids (G1); 250 section and 1,850 general organ cadres on unit
    /// grids (G3, G4), each organ as large as its staff, each section cadre leading a team of their
    /// organ's general cadres on neighbouring grids, every unit grid served; and 33 village project
    /// secretaries (P1), four of them named, most in 董公寺镇 and 高坪镇.
    mutating func makeCadres() {
        for json in namedList("cadres") {
            guard case .string(let name)? = json["name"] else { continue }
            usedCadreNames.insert(name)
        }
        makeDistrictLeaders()
        makeOrganCadres()
        makeProjectSecretaries()
    }

    /// Each leader links one town grid, a few two; every town has three or four leaders.
    mutating func makeDistrictLeaders() {
        var order = random.shuffled(towns.map { townGrids[$0.id]! })
        var number = 0
        for body in SeedNames.leaderBodies {
            for _ in 0..<body.count {
                if number % order.count == 0 && number > 0 { order = random.shuffled(order) }
                var grids = [order[number % order.count]]
                if random.int(in: 0...3) == 0 {
                    let second = random.pick(order)
                    if second != grids[0] { grids.append(second) }
                }
                addCadre(level: "district_leader", unit: body.unit, grids: grids)
                number += 1
            }
        }
    }

    /// Every organ takes a stretch of neighbouring rural unit grids and a stretch of city ones in
    /// proportion to its staff; its section cadres split the stretches between them, and each
    /// section cadre's general cadres serve one or two grids of their leader's part.
    mutating func makeOrganCadres() {
        let isStreet = Dictionary(uniqueKeysWithValues: towns.map { ($0.id, $0.kind == "street") })
        let ordered = villages.flatMap { unitGridsByVillage[$0.id]! }
        let ruralGrids = ordered.filter { !isStreet[gridTown[$0]!]! }
        let cityGrids = ordered.filter { isStreet[gridTown[$0]!]! }

        let organs = random.shuffled(SeedNames.organSizes)
        let sizes = organs.map(\.size)
        let sections = Allocation.split(Self.sectionCadreCount, weights: sizes, minimum: 2)
        let generals = Allocation.split(Self.generalCadreCount, weights: sizes, minimum: 6)
        let ruralCounts = Allocation.split(ruralGrids.count, weights: sizes, minimum: 2)
        let cityCounts = Allocation.split(cityGrids.count, weights: sizes, minimum: 1)

        var ruralStart = 0
        var cityStart = 0
        for (index, organ) in organs.enumerated() {
            let rural = Array(ruralGrids[ruralStart..<(ruralStart + ruralCounts[index])])
            let city = Array(cityGrids[cityStart..<(cityStart + cityCounts[index])])
            ruralStart += rural.count
            cityStart += city.count
            // Sections between the rural and the city stretch, at least one on each.
            let ruralSections = min(
                sections[index] - 1,
                max(
                    1, Int((Double(sections[index]) * Double(rural.count) / Double(rural.count + city.count)).rounded())
                )
            )
            let parts =
                Self.chunks(rural, into: ruralSections) + Self.chunks(city, into: sections[index] - ruralSections)
            let teams = Allocation.split(generals[index], weights: parts.map { Double($0.count) + 1 })
            for (part, team) in zip(parts, teams) {
                addCadre(level: "section", unit: organ.name, grids: Array(part.prefix(3)))
                for member in 0..<team {
                    let start = member % part.count
                    var grids = [part[start]]
                    if part.count > 1 && random.int(in: 0...2) == 0 { grids.append(part[(start + 1) % part.count]) }
                    addCadre(level: "general", unit: organ.name, grids: grids)
                }
            }
        }
    }

    /// `grids` cut into `count` consecutive parts; with fewer grids than parts, parts share grids.
    static func chunks(_ grids: [String], into count: Int) -> [[String]] {
        (0..<count).map { part in
            let start = part * grids.count / count
            let end = max((part + 1) * grids.count / count, start + 1)
            return Array(grids[start..<end])
        }
    }

    /// The four the report names, then 29 village cadres elected in the ninth village elections,
    /// in villages (not communities or residences) that have none yet, most in 董公寺镇 and 高坪镇
    /// where the report says the model "领头雁" were raised.
    mutating func makeProjectSecretaries() {
        var secretaryVillages = Set<String>()
        for json in namedList("cadres") {
            var record = addNamed(.cadres, json)
            let village = record[CadreField.villageId].string!
            record[CadreField.gridIds] = .list([unitGridsByVillage[village]!.first!])
            records[records.count - 1].1 = record
            secretaries.append((record.id, village))
            secretaryVillages.insert(village)
            cadreGrids.append((record.id, "village", record[CadreField.unit].string!, record[CadreField.gridIds].list))
        }
        let candidates = villages.filter { $0.kind == "village" && !secretaryVillages.contains($0.id) }
        let isFavoured = { (village: (id: String, name: String, kind: String, townId: String)) in
            village.townId == "town-donggongsi" || village.townId == "town-gaoping"
        }
        let remaining = Self.secretaryCount - secretaries.count
        let favoured = random.shuffled(candidates.filter(isFavoured)).prefix(17)
        let others = random.shuffled(candidates.filter { !isFavoured($0) }).prefix(remaining - favoured.count)
        let chosen = villages.filter { village in
            favoured.contains { $0.id == village.id } || others.contains { $0.id == village.id }
        }
        let postWeights = SeedNames.secretaryPosts.flatMap { Array(repeating: $0.suffix, count: $0.weight) }
        for village in chosen {
            let grids = Array(random.shuffled(unitGridsByVillage[village.id]!).prefix(random.int(in: 1...2)))
            let id = addCadre(
                level: "village",
                unit: village.name + random.pick(postWeights),
                grids: grids,
                villageId: village.id,
                roles: ["project_secretary"]
            )
            secretaries.append((id, village.id))
        }
    }

    /// A name no other cadre has.
    mutating func cadreName() -> String {
        while true {
            let name = SeedNames.person(&random, female: random.int(in: 0...99) < 30)
            if usedCadreNames.insert(name).inserted { return name }
        }
    }

    @discardableResult
    mutating func addCadre(
        level: String,
        unit: String,
        grids: [String],
        villageId: String? = nil,
        roles: [String] = []
    ) -> String {
        let id = add(
            .cadres,
            [
                (CadreField.name, .string(cadreName())), (.level, .string(level)), (.unit, .string(unit)),
                (.gridIds, .list(grids)), (.villageId, villageId.map(FieldValue.string) ?? .null),
                (.roles, .list(roles)),
            ]
        )
        cadreGrids.append((id, level, unit, grids))
        return id
    }
}
