extension SeedGenerator {
    /// Villages (村), residences (居) and communities (社区) per town and sub-district: 95 in all,
    /// the report's named ones and `SeedNames.places`.
    static let villagesPerTown: [String: Int] = [
        "town-donggongsi": 13, "town-gaoping": 16, "town-sidu": 9, "town-tuanze": 10, "town-banqiao": 15,
        "town-gaoqiao": 11, "town-shanghailu": 8, "town-ximalu": 6, "town-dalianlu": 7,
    ]
    static let unitGridTotal = 495

    /// Households of a village by kind, and the households a unit grid of that kind usually holds:
    /// a rural grid is a villager group or two, a city community's grid a few buildings.
    static func householdProfile(_ kind: String, inTown: Bool) -> (range: ClosedRange<Int>, perGrid: Double) {
        switch kind {
        case "community" where !inTown: (1_800...4_800, 400)
        case "community", "residence": (900...2_200, 260)
        default: (380...1_250, 150)
        }
    }

    /// The 9 towns and sub-districts, 95 villages in their real towns, one town-level grid each and
    /// 495 unit grids whose households add up to their village's, and their village's to the town's.
    mutating func makePlaces() {
        for json in namedList("towns") {
            let record = addNamed(.towns, json)
            towns.append((record.id, record[TownField.name].string!, record[TownField.kind].string!))
        }
        var namedByTown: [String: [(String, String, String)]] = [:]
        for json in namedList("villages") {
            let record = addNamed(.villages, json)
            let town = record[VillageField.townId].string!
            namedByTown[town, default: []].append(
                (record.id, record[VillageField.name].string!, record[VillageField.kind].string!))
        }
        let added = Dictionary(uniqueKeysWithValues: SeedNames.places.map { ($0.town, $0.places) })
        for town in towns {
            let named = namedByTown[town.id, default: []]
            for (id, name, kind) in named { villages.append((id, name, kind, town.id)) }
            for place in added[town.id, default: []] {
                let id = add(
                    .villages,
                    [
                        (VillageField.name, .string(place.name)), (.kind, .string(place.kind)),
                        (.townId, .string(town.id)),
                    ]
                )
                villages.append((id, place.name, place.kind, town.id))
            }
            precondition(
                villages.filter { $0.townId == town.id }.count == Self.villagesPerTown[town.id],
                "\(town.name) does not hold the villages villagesPerTown says")
        }

        // Households first; the unit grids follow them, 495 in all, split by each village's size.
        let isTown = Dictionary(uniqueKeysWithValues: towns.map { ($0.id, $0.kind == "town") })
        let households = villages.map { village in
            random.int(in: Self.householdProfile(village.kind, inTown: isTown[village.townId]!).range)
        }
        let wanted = villages.indices.map { index in
            Double(households[index])
                / Self.householdProfile(villages[index].kind, inTown: isTown[villages[index].townId]!).perGrid
        }
        let gridCounts = Allocation.split(Self.unitGridTotal, weights: wanted, minimum: 2)

        var townHouseholds: [String: Int] = [:]
        var unitGrids: [(village: Int, households: Int)] = []
        for (index, village) in villages.enumerated() {
            let parts = Allocation.split(
                households[index],
                weights: Allocation.weights(gridCounts[index], &random, low: 0.7, high: 1.3)
            )
            for part in parts { unitGrids.append((index, part)) }
            townHouseholds[village.townId, default: 0] += households[index]
        }
        // One town-level grid per town or sub-district: the whole town, with the few households
        // (market streets, work-unit compounds) no unit grid takes in.
        for town in towns {
            let inUnits = townHouseholds[town.id]!
            let id = add(
                .grids,
                [
                    (GridField.name, .string("\(town.name)网格")), (.level, .string("town")), (.townId, .string(town.id)),
                    (.households, .int(inUnits + random.int(in: 0...(inUnits / 25)))),
                ]
            )
            townGrids[town.id] = id
            gridTown[id] = town.id
            gridNames[id] = "\(town.name)网格"
        }
        var numberInVillage = [Int](repeating: 0, count: villages.count)
        for (index, grid) in unitGrids {
            let village = villages[index]
            numberInVillage[index] += 1
            let name = "\(village.name)第\(numberInVillage[index])网格"
            let id = add(
                .grids,
                [
                    (GridField.name, .string(name)), (.level, .string("unit")),
                    (.townId, .string(village.townId)), (.villageId, .string(village.id)),
                    (.households, .int(grid)),
                ]
            )
            unitGridsByVillage[village.id, default: []].append(id)
            gridTown[id] = village.townId
            gridVillage[id] = (village.id, village.name)
            gridNames[id] = name
        }
    }
}
