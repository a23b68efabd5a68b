extension SeedGenerator {
    /// Villages (村, 居) per town and communities (社区) per sub-district: 95 in all.
    static let villagesPerTown: [String: Int] = [
        "town-donggongsi": 14, "town-gaoping": 16, "town-sidu": 12, "town-tuanze": 13, "town-banqiao": 11,
        "town-gaoqiao": 12, "town-shanghailu": 6, "town-ximalu": 5, "town-dalianlu": 6,
    ]
    static let unitGridTotal = 495

    /// The 9 towns and sub-districts, 95 villages, one town-level grid each and 495 unit grids.
    mutating func makePlaces() {
        for json in namedList("towns") {
            let record = addNamed(.towns, json)
            towns.append((record.id, record[TownField.name].string!, record[TownField.kind].string!))
        }
        var usedNames = Set<String>()
        var namedByTown: [String: [(String, String, String)]] = [:]
        for json in namedList("villages") {
            let record = addNamed(.villages, json)
            let town = record[VillageField.townId].string!
            namedByTown[town, default: []].append(
                (record.id, record[VillageField.name].string!, record[VillageField.kind].string!))
            usedNames.insert(record[VillageField.name].string!)
        }
        for town in towns {
            let named = namedByTown[town.id, default: []]
            for (id, name, kind) in named { villages.append((id, name, kind, town.id)) }
            for _ in 0..<(Self.villagesPerTown[town.id]! - named.count) {
                let kind = town.kind == "street" ? "community" : "village"
                var name: String
                repeat {
                    name =
                        kind == "community"
                        ? random.pick(SeedNames.communities) + "社区"
                        : random.pick(SeedNames.villageFirst) + random.pick(SeedNames.villageSecond) + "村"
                } while usedNames.contains(name)
                usedNames.insert(name)
                let id = add(
                    .villages,
                    [(VillageField.name, .string(name)), (.kind, .string(kind)), (.townId, .string(town.id))])
                villages.append((id, name, kind, town.id))
            }
        }
        // One town-level grid per town or sub-district.
        for town in towns {
            let id = add(
                .grids,
                [
                    (GridField.name, .string("\(town.name)网格")), (.level, .string("town")), (.townId, .string(town.id)),
                    (.households, .int(random.int(in: 60...180) * 100)),
                ]
            )
            townGrids[town.id] = id
            gridTown[id] = town.id
        }
        // 495 unit grids: five per village, six in twenty of them.
        let sixes = Set(random.shuffled(villages.map(\.id)).prefix(Self.unitGridTotal - 5 * villages.count))
        for village in villages {
            let count = sixes.contains(village.id) ? 6 : 5
            for number in 1...count {
                let id = add(
                    .grids,
                    [
                        (GridField.name, .string("\(village.name)第\(number)网格")), (.level, .string("unit")),
                        (.townId, .string(village.townId)), (.villageId, .string(village.id)),
                        (.households, .int(random.int(in: 60...260))),
                    ]
                )
                unitGridsByVillage[village.id, default: []].append(id)
                gridTown[id] = village.townId
                gridVillage[id] = (village.id, village.name)
            }
        }
    }
}
