/// Writes the summary of a seeded assistance record from its facts — who (the cadre's organ),
/// where (the village or community and its grid), when, which strand of the "四进网格" work, what
/// was found or done and with whom — in the working methods the report names (座谈会, 入户走访,
/// 典型调研, 问卷调查, 谈心谈话, 排查矛盾纠纷, 梳理信访积案 …), with topics that fit the place.
struct WorkLogComposer {
    /// What the composer writes for one record.
    struct Entry {
        var summary: String
        var household: String?
        var counterpart: String?
    }

    let cadres: [(id: String, level: String, unit: String, grids: [String])]
    let gridNames: [String: String]
    let gridTown: [String: String]
    let gridPlace: [String: (name: String, kind: SeedNames.PlaceKind)]
    let townNames: [String: String]
    let cadreNames: Set<String>
    /// Village topics with each town's own development topics added.
    let ruralTopics: [String: SeedNames.Topics]

    init(generator: SeedGenerator) {
        cadres = generator.cadreGrids
        gridNames = generator.gridNames
        gridTown = generator.gridTown
        townNames = Dictionary(uniqueKeysWithValues: generator.towns.map { ($0.id, $0.name) })
        let isStreet = Dictionary(uniqueKeysWithValues: generator.towns.map { ($0.id, $0.kind == "street") })
        let kinds = Dictionary(uniqueKeysWithValues: generator.villages.map { ($0.id, $0.kind) })
        var places: [String: (name: String, kind: SeedNames.PlaceKind)] = [:]
        for (grid, town) in generator.gridTown {
            if let village = generator.gridVillage[grid] {
                let kind: SeedNames.PlaceKind =
                    isStreet[town]! ? .city : kinds[village.id] == "village" ? .rural : .townSeat
                places[grid] = (village.name, kind)
            } else {
                places[grid] = (townNames[town]!, .townLevel)
            }
        }
        gridPlace = places
        cadreNames = generator.usedCadreNames
        ruralTopics = Dictionary(
            uniqueKeysWithValues: generator.towns.map { town in
                let base = SeedNames.ruralTopics
                let local = SeedNames.townDevelopment[town.id] ?? []
                return (
                    town.id,
                    SeedNames.Topics(
                        infrastructure: base.infrastructure, livelihood: base.livelihood,
                        development: base.development + local + local, disputes: base.disputes, deeds: base.deeds)
                )
            })
    }

    /// The summary, household and counterpart of one planned record.
    mutating func compose(
        _ planned: SeedGenerator.PlannedRecord,
        amount: Int?,
        toHousehold: Bool,
        random: inout SplitMix64
    ) -> Entry {
        let context = Context(
            who: who(cadres[planned.cadre], &random),
            place: gridPlace[planned.grid]!.name,
            grid: gridNames[planned.grid]!,
            kind: gridPlace[planned.grid]!.kind,
            inStreet: SeedNames.isStreet(gridTown[planned.grid]!),
            topics: topics(planned.grid),
            date: planned.date,
            activity: planned.activity
        )
        switch planned.type {
        case "visit": return visit(context, &random)
        case "household_visit": return householdVisit(context, &random)
        case "suggestion": return Entry(summary: suggestion(context, &random))
        case "funding": return funding(context, amount: amount ?? 0, toHousehold: toHousehold, &random)
        case "household_pairing": return pairing(context, &random)
        case "good_deed": return Entry(summary: goodDeed(context, &random))
        case "problem_resolved": return Entry(summary: resolved(context, &random))
        default: return Entry(summary: branchPairing(context, organ: cadres[planned.cadre].unit, &random))
        }
    }

    /// The facts a summary is written from.
    struct Context {
        let who: String
        let place: String
        let grid: String
        let kind: SeedNames.PlaceKind
        /// Whether the grid lies in a sub-district (city) rather than a town.
        let inStreet: Bool
        let topics: SeedNames.Topics
        let date: String
        let activity: String

        var isCity: Bool { inStreet }
        /// Who runs the place day to day.
        var committee: String {
            switch kind {
            case .rural: "村两委"
            case .townLevel: inStreet ? "街道综治办" : "镇综治办"
            default: "居委会"
            }
        }
        var beforeFestival: Bool { date >= "2014-01-13" && date <= "2014-01-30" }
    }

    // MARK: Facts

    func who(_ cadre: (id: String, level: String, unit: String, grids: [String]), _ random: inout SplitMix64)
        -> String
    {
        switch cadre.level {
        case "district_leader": return "\(cadre.unit)领导"
        case "section": return cadre.unit + random.pick(["科级干部", "挂帮小组", "挂帮组长", "科级干部带领挂帮组"])
        case "general": return cadre.unit + random.pick(["挂帮干部", "干部", "党员干部", "网格挂帮干部"])
        default: return cadre.unit
        }
    }

    func topics(_ grid: String) -> SeedNames.Topics {
        let place = gridPlace[grid]!
        switch place.kind {
        case .city: return SeedNames.cityTopics
        case .townSeat: return SeedNames.townSeatTopics
        case .townLevel:
            return SeedNames.isStreet(gridTown[grid]!) ? SeedNames.streetLevelTopics : SeedNames.townLevelTopics
        case .rural: return ruralTopics[gridTown[grid]!]!
        }
    }

    /// A household head's name, never a cadre's.
    func household(_ random: inout SplitMix64) -> String {
        while true {
            let name = SeedNames.person(&random)
            if !cadreNames.contains(name) { return name }
        }
    }

    static let cityCounterparts = WeightedTable(SeedNames.counterparts.map { (($0.key, $0.label), $0.city) })
    static let ruralCounterparts = WeightedTable(SeedNames.counterparts.map { (($0.key, $0.label), $0.rural) })

    func counterpart(_ context: Context, _ random: inout SplitMix64) -> (key: String, label: String) {
        if context.activity == "solve_problems" && random.int(in: 0...2) == 0 { return ("petitioner", "信访人员") }
        return (context.kind == .rural ? Self.ruralCounterparts : Self.cityCounterparts).draw(&random)
    }

    func anyTopic(_ context: Context, _ random: inout SplitMix64) -> String {
        let topics = context.topics
        switch context.activity {
        case "solve_problems": return random.pick(topics.problems)
        case "serve_development": return random.pick(topics.works)
        case "improve_style": return random.pick(topics.livelihood)
        default:
            // The season's own concerns come up beside the usual ones.
            if random.int(in: 0...9) == 0 {
                if context.kind == .rural && context.date >= "2014-03-01" && context.date <= "2014-04-10" {
                    return "春季森林防火"
                }
                if context.kind != .city && context.date >= "2014-05-10" && context.date <= "2014-07-31" {
                    return "汛期地质灾害隐患"
                }
            }
            return random.pick(topics.needs)
        }
    }

    func handler(_ context: Context, _ random: inout SplitMix64) -> String {
        random.pick(context.isCity ? SeedNames.cityHandlers : SeedNames.ruralHandlers)
    }
}
