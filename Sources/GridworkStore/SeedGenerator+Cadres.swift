extension SeedGenerator {
    static let districtLeaderCount = 33
    static let sectionCadreCount = 250
    static let generalCadreCount = 1850
    static let secretaryCount = 33

    /// 33 district leaders on town grids, 250 section and 1,850 general organ cadres on unit
    /// grids (every grid served), and 33 village project secretaries, four of them named.
    mutating func makeCadres() {
        let unitGrids = villages.flatMap { unitGridsByVillage[$0.id]! }
        let allTownGrids = towns.map { townGrids[$0.id]! }

        // District leaders: the first nine cover one town grid each; every leader serves one to three.
        for number in 0..<Self.districtLeaderCount {
            var grids = number < allTownGrids.count ? [allTownGrids[number]] : []
            let extra = random.int(in: grids.isEmpty ? 1...3 : 0...2)
            for _ in 0..<extra {
                let grid = random.pick(allTownGrids)
                if !grids.contains(grid) { grids.append(grid) }
            }
            addCadre(level: "district_leader", unit: random.pick(SeedNames.leaderUnits) + "领导", grids: grids)
        }

        // Organ cadres: a shuffled pass over the unit grids first, so no grid is left without one.
        var coverage = random.shuffled(unitGrids)
        let organCount = Self.sectionCadreCount + Self.generalCadreCount
        for number in 0..<organCount {
            let level = number < Self.sectionCadreCount ? "section" : "general"
            // Section cadres lead general cadres of the same organ on neighbouring grids.
            let organ = SeedNames.organs[number % SeedNames.organs.count]
            var grids: [String] = []
            if let next = coverage.popLast() { grids.append(next) }
            let wanted = random.int(in: 1...3)
            while grids.count < wanted {
                let anchor = grids.first ?? random.pick(unitGrids)
                let village = gridVillage[anchor]!.id
                let grid =
                    random.int(in: 0...3) == 0 ? random.pick(unitGrids) : random.pick(unitGridsByVillage[village]!)
                if !grids.contains(grid) { grids.append(grid) }
            }
            addCadre(level: level, unit: organ, grids: grids)
        }

        // Project secretaries: the four the report names, then 29 more in other villages,
        // most in 董公寺镇 and 高坪镇 where the report says the model "领头雁" were raised.
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
        let candidates = villages.filter { $0.kind != "community" && !secretaryVillages.contains($0.id) }
        let favoured = candidates.filter { $0.townId == "town-donggongsi" || $0.townId == "town-gaoping" }
        let others = random.shuffled(
            candidates.filter { $0.townId != "town-donggongsi" && $0.townId != "town-gaoping" })
        let chosen = Array(
            (random.shuffled(favoured).prefix(15) + others).prefix(Self.secretaryCount - secretaries.count))
        for village in chosen {
            let post = random.int(in: 0...3) == 0 ? "村委会主任" : "村党支部书记"
            let grids = Array(random.shuffled(unitGridsByVillage[village.id]!).prefix(random.int(in: 1...2)))
            let id = addCadre(
                level: "village",
                unit: village.name + post,
                grids: grids,
                villageId: village.id,
                roles: ["project_secretary"]
            )
            secretaries.append((id, village.id))
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
                (CadreField.name, .string(SeedNames.person(&random))), (.level, .string(level)), (.unit, .string(unit)),
                (.gridIds, .list(grids)), (.villageId, villageId.map(FieldValue.string) ?? .null),
                (.roles, .list(roles)),
            ]
        )
        cadreGrids.append((id, level, unit, grids))
        return id
    }
}
