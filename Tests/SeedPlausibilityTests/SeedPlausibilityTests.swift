import GridworkStore
import Testing

/// The rules a reader who knows the district holds the seed to (SPEC section 2), checked over
/// every generated record: money that adds up, places in their real towns, people the report
/// names credited with nothing it does not give them, names and values without fill-to-target
/// spikes, the rhythm of the working year, and no topic out of place.
struct SeedPlausibilityTests {
    static let seed = SeedWorld(SeedGenerator.generate())

    // MARK: Money

    @Test func everyProject_keepsItsMoneyConsistent() {
        for project in Self.seed.all(.projects) {
            let name = "\(project.id) \(project[ProjectField.name].string ?? "")"
            let investment = project[ProjectField.investmentYuan].int
            let support = project[ProjectField.supportYuan].int
            #expect(
                project[ProjectField.expectedAnnualProfitYuan].int
                    <= project[ProjectField.expectedAnnualOutputYuan].int, "profit above output: \(name)")
            #expect(support <= investment, "support above investment: \(name)")
            guard let funding = project[ProjectField.funding].counts else {
                Issue.record("no funding breakdown: \(name)")
                continue
            }
            #expect(funding.reduce(0, +) == investment, "funding parts ≠ investment: \(name)")
            let supportParts = ["town", "district", "enterprise"].map { funding[Self.seed.fundingPosition($0)] }
            #expect(supportParts.reduce(0, +) == support, "support ≠ town + district + enterprise parts: \(name)")
        }
    }

    @Test func onlyTheFourLaunchedProjects_carryDistrictFiscalSupport() {
        let district = Self.seed.fundingPosition("district")
        let supported = Self.seed.all(.projects).filter {
            $0[ProjectField.kind].string == "collective" && ($0[ProjectField.funding].counts?[district] ?? 0) > 0
        }
        #expect(
            Set(supported.map { $0[ProjectField.name].string ?? "" })
                == ["葡萄观光休闲长廊", "洪江河旅游休闲中心", "重庆游客避暑度假山庄", "食用菌生产基地"])
        #expect(supported.allSatisfy { $0.source == .report && $0[ProjectField.status].string != "planned" })
    }

    @Test func amounts_areRoundedAsBudgetsAre() {
        for project in Self.seed.all(.projects) where project.source == .synthetic {
            for field in [ProjectField.investmentYuan, .supportYuan, .expectedAnnualOutputYuan] {
                #expect(project[field].int % 1_000 == 0, "\(project.id) \(field)")
            }
        }
        for record in Self.seed.all(.assistanceRecords) where record[AssistanceField.type].string == "funding" {
            #expect(record[AssistanceField.amountYuan].int % 100 == 0, "\(record.id)")
        }
    }

    // MARK: People the report names

    static let namedPeople = ["周必康", "刘开发", "卢正禄", "黄先玖", "程发强"]

    @Test func namedPeople_leadExactlyWhatTheReportGivesThem() {
        for person in Self.namedPeople {
            let led = Self.seed.all(.projects).filter { $0[ProjectField.leaderName].string == person }
            #expect(led.count == 1, "\(person) leads \(led.count) projects")
            #expect(led.allSatisfy { $0.source == .report }, "\(person) leads a synthetic project")
        }
        let namedCadres = Set(Self.seed.all(.cadres).filter { $0.source == .report }.map(\.id))
        for project in Self.seed.all(.projects) where project.source != .report {
            let leader = project[ProjectField.leaderCadreId].string
            #expect(leader.map { !namedCadres.contains($0) } ?? true, "\(project.id) credited to a named cadre")
        }
    }

    @Test func namedPeople_areNotGeneratedAgain() {
        let people = Set(Self.namedPeople)
        for cadre in Self.seed.all(.cadres) where cadre.source == .synthetic {
            #expect(!people.contains(cadre[CadreField.name].string ?? ""), "\(cadre.id)")
        }
        for record in Self.seed.all(.assistanceRecords) {
            #expect(!people.contains(record[AssistanceField.householdName].string ?? ""), "\(record.id)")
        }
    }

    @Test func noOneLeads_moreThanTwoProjects_andNoProjectNameRepeats() {
        let projects = Self.seed.all(.projects)
        let byLeader = Dictionary(grouping: projects) { $0[ProjectField.leaderName].string ?? "" }
        for (leader, led) in byLeader where !leader.hasSuffix("村委会") && !leader.hasSuffix("居委会") {
            #expect(led.count <= 2, "\(leader) leads \(led.count) projects")
        }
        let names = projects.map { $0[ProjectField.name].string ?? "" }
        #expect(Set(names).count == names.count, "repeated project names: \(Self.repeated(names).prefix(5))")
    }

    // MARK: Places

    @Test func placesLieInTheirRealTowns() {
        let towns = Self.seed.byID(.towns)
        for village in Self.seed.all(.villages) {
            let name = village[VillageField.name].string ?? ""
            let town = towns[village[VillageField.townId].string ?? ""]
            let townKind = town?[TownField.kind].string
            let kind = village[VillageField.kind].string
            #expect((kind == "community") == (townKind == "street"), "\(name): a \(kind ?? "") in a \(townKind ?? "")")
            // A place named after a town or sub-district lies in it.
            for other in towns.values where other.id != town?.id {
                let stem = Self.stem(other[TownField.name].string ?? "")
                #expect(
                    !name.hasPrefix(stem),
                    "\(name) is named after \(other[TownField.name].string ?? "") but lies elsewhere")
            }
            for famous in ["外高桥", "浦东", "陆家嘴", "中关村", "王府井", "西湖", "南京路"] {
                #expect(!name.contains(famous), "\(name) is a place elsewhere in China")
            }
        }
        let names = Self.seed.all(.villages).map { $0[VillageField.name].string ?? "" }
        #expect(Set(names).count == names.count, "repeated place names: \(Self.repeated(names))")
    }

    /// `高桥镇` → `高桥`, `上海路街道` → `上海路`.
    static func stem(_ townName: String) -> String {
        for suffix in ["街道", "镇"] where townName.hasSuffix(suffix) { return String(townName.dropLast(suffix.count)) }
        return townName
    }

    @Test func households_addUp() {
        let grids = Self.seed.all(.grids)
        let villages = Self.seed.byID(.villages)
        for town in grids where town[GridField.level].string == "town" {
            let units = grids.filter {
                $0[GridField.level].string == "unit" && $0[GridField.townId] == town[GridField.townId]
            }
            let sum = units.reduce(0) { $0 + $1[GridField.households].int }
            let households = town[GridField.households].int
            #expect(households >= sum, "\(town[GridField.name].string ?? ""): \(households) < its unit grids' \(sum)")
            #expect(
                households <= sum * 2, "\(town[GridField.name].string ?? ""): \(households) ≫ its unit grids' \(sum)")
        }
        let unitsByVillage = Dictionary(grouping: grids.filter { $0[GridField.level].string == "unit" }) {
            $0[GridField.villageId].string ?? ""
        }
        for (village, units) in unitsByVillage {
            let households = units.reduce(0) { $0 + $1[GridField.households].int }
            if villages[village]?[VillageField.kind].string == "community" {
                #expect(households >= 1_500, "community \(village) has \(households) households")
            } else {
                #expect((150...3_000).contains(households), "village \(village) has \(households) households")
            }
        }
    }

    @Test func projects_andVillagerGroupBranches_lieInVillages_notCommunities() {
        let villages = Self.seed.byID(.villages)
        for project in Self.seed.all(.projects) {
            let kind = villages[project[ProjectField.villageId].string ?? ""]?[VillageField.kind].string
            #expect(kind != "community", "\(project.id) in a city community")
        }
        for organization in Self.seed.all(.partyOrganizations)
        where organization[PartyOrganizationField.kind].string == "villager_group" {
            let village = organization[PartyOrganizationField.villageId].string
            #expect(village != nil, "\(organization.id) names no village")
            #expect(villages[village ?? ""]?[VillageField.kind].string != "community", "\(organization.id)")
        }
    }

    // MARK: Names and values

    @Test func surnames_haveTheRegionsFrequencies() {
        let names = Self.seed.people
        var counts: [String: Int] = [:]
        for name in names { counts[Self.surname(name), default: 0] += 1 }
        let ranked = counts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map(\.key)
        // The commonest surnames of Guizhou lead; a rare one does not.
        for common in ["王", "李", "张", "刘", "陈", "杨"] {
            #expect(ranked.prefix(12).contains(common), "\(common) is not among the 12 commonest: \(ranked.prefix(12))")
        }
        let top = counts[ranked[0]] ?? 0
        let tenth = counts[ranked[min(9, ranked.count - 1)]] ?? 0
        #expect(top >= 2 * tenth, "surnames too flat: \(ranked.prefix(10).map { "\($0) \(counts[$0] ?? 0)" })")
        #expect(counts.count >= 60, "only \(counts.count) surnames")
    }

    @Test func givenNames_comeFromAWidePool_withFewRepeats() {
        let cadres = Self.seed.all(.cadres).compactMap { $0[CadreField.name].string }
        let characters = Set(cadres.flatMap { Array($0.dropFirst(Self.surname($0).count)) })
        #expect(characters.count >= 250, "given names use only \(characters.count) characters")
        let repeats = cadres.count - Set(cadres).count
        #expect(
            repeats * 100 <= cadres.count, "\(repeats) cadres share a full name: \(Self.repeated(cadres).prefix(8))")
        var counts: [String: Int] = [:]
        for name in Self.seed.people { counts[name, default: 0] += 1 }
        let most = counts.max { $0.value < $1.value }
        #expect((most?.value ?? 0) <= 6, "\(most?.key ?? "") appears \(most?.value ?? 0) times")
    }

    static let compoundSurnames: Set<String> = ["令狐", "欧阳", "司马", "诸葛", "上官", "东方", "皇甫"]

    static func surname(_ name: String) -> String {
        let two = String(name.prefix(2))
        return compoundSurnames.contains(two) ? two : String(name.prefix(1))
    }

    @Test func distributions_haveNoFillToTargetSpikes() {
        // Among the synthetic records of a kind, no non-zero value of a counted field is shared by
        // more than a fifth of them (a split that dumps its remainder makes such a spike).
        let kinds: [(ResourceKind, [Int])] = [
            (
                .projects,
                [
                    ProjectField.investmentYuan, .supportYuan, .expectedAnnualOutputYuan,
                    .expectedAnnualProfitYuan, .beneficiaries, .jobs, .organPairings, .techInfoPeople,
                ].map(\.rawValue)
            ),
            (.grids, [GridField.households.rawValue]),
            (.trainings, [TrainingField.participants.rawValue]),
        ]
        for (kind, positions) in kinds {
            let records = Self.seed.all(kind).filter { $0.source == .synthetic }
            for position in positions {
                let values = records.map { $0.values[position].int }.filter { $0 != 0 }
                guard values.count >= 10 else { continue }
                let (value, count) = Self.mode(values)
                #expect(
                    count * 5 <= values.count, "\(kind) field \(position): \(value) \(count) times of \(values.count)")
            }
        }
        let bases = Self.seed.all(.projects).filter {
            $0.source == .synthetic && $0[ProjectField.kind].string == "entrepreneurship"
        }
        for position in 0..<4 {
            let values = bases.compactMap { $0[ProjectField.partyMembers].counts?[position] }
            let (value, count) = Self.mode(values)
            #expect(count <= 3, "partyMembers[\(position)] is \(value) on \(count) of \(values.count) bases")
        }
    }

    @Test func organs_differInSize() {
        let organCadres = Self.seed.all(.cadres).filter {
            ["section", "general"].contains($0[CadreField.level].string ?? "")
        }
        var sizes: [String: Int] = [:]
        var sections: [String: Int] = [:]
        for cadre in organCadres {
            let unit = cadre[CadreField.unit].string ?? ""
            sizes[unit, default: 0] += 1
            if cadre[CadreField.level].string == "section" { sections[unit, default: 0] += 1 }
        }
        #expect(sizes.count >= 40, "\(sizes.count) organs")
        #expect(Set(sizes.values).count >= 15, "organ sizes: \(sizes.values.sorted())")
        #expect((sizes.values.max() ?? 0) >= 3 * (sizes.values.min() ?? 1), "organ sizes: \(sizes.values.sorted())")
        #expect(Set(sections.values).count >= 5, "section cadres per organ: \(sections.values.sorted())")
    }

    // MARK: The working year

    /// China's public holidays of 2014 (the State Council's notice), through 2014-08-05.
    static let holidays: Set<String> = [
        "2014-01-01", "2014-01-31", "2014-02-01", "2014-02-02", "2014-02-03", "2014-02-04", "2014-02-05",
        "2014-02-06", "2014-04-05", "2014-04-06", "2014-04-07", "2014-05-01", "2014-05-02", "2014-05-03",
        "2014-05-31", "2014-06-01", "2014-06-02",
    ]

    @Test func work_followsTheRhythmOfTheWorkingYear() {
        var perDay: [String: Int] = [:]
        for record in Self.seed.all(.assistanceRecords) {
            perDay[record[AssistanceField.date].string ?? "", default: 0] += 1
        }
        let workdays = perDay.filter { !Self.holidays.contains($0.key) }.map(\.value)
        let average = workdays.reduce(0, +) / max(1, workdays.count)
        let springFestival = (31...37).map { CalendarDate(dayOf2014: $0 - 1).text }.reduce(0) {
            $0 + perDay[$1, default: 0]
        }
        #expect(springFestival * 4 <= average * 7 / 2, "\(springFestival) records in the Spring Festival week")
        for holiday in Self.holidays {
            #expect(perDay[holiday, default: 0] * 4 <= average, "\(holiday): \(perDay[holiday, default: 0])")
        }
    }

    // MARK: Text and topics

    @Test func summaries_areAsVariedAsRealWorkLogs() {
        let records = Self.seed.all(.assistanceRecords)
        let summaries = records.map { $0[AssistanceField.summary].string ?? "" }
        #expect(
            Set(summaries).count * 10 >= summaries.count * 9, "\(Set(summaries).count) distinct of \(summaries.count)")
        // With the places taken out, the wording itself still varies.
        var shapes = Set<String>()
        let placeNames =
            Self.seed.all(.villages).compactMap { $0[VillageField.name].string }
            + Self.seed.all(.towns).compactMap { $0[TownField.name].string }
        for summary in summaries.prefix(4000) {
            var shape = summary
            for place in placeNames { shape = shape.replacing(place, with: "") }
            shapes.insert(String(shape.prefix(8)))
        }
        #expect(shapes.count >= 200, "only \(shapes.count) distinct openings")
    }

    static let farmWords = ["农田", "水利", "耕地", "养殖", "种植", "烤烟", "农机", "秧苗", "牲畜", "山塘", "灌溉", "村民组"]

    @Test func noTopicIsOutOfPlace() {
        let grids = Self.seed.byID(.grids)
        let villages = Self.seed.byID(.villages)
        for record in Self.seed.all(.assistanceRecords) {
            let grid = grids[record[AssistanceField.gridId].string ?? ""]
            let village = villages[grid?[GridField.villageId].string ?? ""]
            let urban =
                village?[VillageField.kind].string == "community"
                || grid?[GridField.townId].string.map {
                    Self.seed.byID(.towns)[$0]?[TownField.kind].string == "street"
                } == true
            guard urban else { continue }
            let summary = record[AssistanceField.summary].string ?? ""
            for word in Self.farmWords {
                #expect(!summary.contains(word), "\(record.id) in a city community: \(summary)")
            }
            #expect(record[AssistanceField.type].string != "branch_pairing", "\(record.id): a rural pairing in a city")
        }
    }

    @Test func everyStrand_andEveryCounterpart_isUsed() {
        let records = Self.seed.all(.assistanceRecords)
        #expect(records.allSatisfy { $0[AssistanceField.activity] != .null })
        let activities = Set(records.compactMap { $0[AssistanceField.activity].string })
        #expect(activities == ["understand_conditions", "solve_problems", "improve_style", "serve_development"])
        let talks = records.filter { ["visit", "household_visit"].contains($0[AssistanceField.type].string ?? "") }
        let counterparts = Set(talks.compactMap { $0[AssistanceField.counterpart].string })
        #expect(
            counterparts == [
                "needy", "laid_off", "wealth_leader", "veteran", "returned_migrant", "petitioner", "resident",
            ])
        let programmes = Set(Self.seed.all(.projects).flatMap { $0[ProjectField.programmes].list })
        #expect(programmes == ["road", "water", "housing", "telecom", "power", "village"])
        let models = Self.seed.all(.villages).filter { $0[VillageField.model].bool }.compactMap {
            $0[VillageField.name].string
        }
        #expect(Set(models) == ["五星村", "新黔村"])
    }

    @Test func newPartyOrganizations_wereBuiltIn2014() {
        for organization in Self.seed.all(.partyOrganizations) where organization[PartyOrganizationField.new2014].bool {
            if organization[PartyOrganizationField.status].string == "established" {
                let date = organization[PartyOrganizationField.establishedOn].string ?? ""
                #expect(date >= "2014-01-01" && date <= "2014-08-05", "\(organization.id) established \(date)")
            }
        }
        let names = Self.seed.all(.partyOrganizations).compactMap { $0[PartyOrganizationField.name].string }
        #expect(Set(names).count == names.count, "repeated: \(Self.repeated(names))")
    }

    @Test func theReportsTrainings_areTheReports() {
        let trainings = Self.seed.all(.trainings)
        for level in ["city", "district"] {
            for training in trainings where training[TrainingField.organizerLevel].string == level {
                #expect(training.source == .report, "\(training.id)")
            }
        }
    }

    // MARK: Helpers

    static func mode(_ values: [Int]) -> (value: Int, count: Int) {
        var counts: [Int: Int] = [:]
        for value in values { counts[value, default: 0] += 1 }
        let best = counts.max { ($0.value, $1.key) < ($1.value, $0.key) }
        return (best?.key ?? 0, best?.value ?? 0)
    }

    static func repeated(_ names: [String]) -> [String] {
        var counts: [String: Int] = [:]
        for name in names { counts[name, default: 0] += 1 }
        return counts.filter { $0.value > 1 }.keys.sorted()
    }
}

/// The generated records, by resource.
struct SeedWorld: Sendable {
    let records: [ResourceKind: [Record]]

    init(_ generated: [(ResourceKind, Record)]) {
        records = Dictionary(grouping: generated, by: \.0).mapValues { $0.map(\.1) }
    }

    func all(_ kind: ResourceKind) -> [Record] { records[kind] ?? [] }

    func byID(_ kind: ResourceKind) -> [String: Record] {
        Dictionary(uniqueKeysWithValues: all(kind).map { ($0.id, $0) })
    }

    func fundingPosition(_ key: String) -> Int { Schema.fundingKeys.firstIndex(of: key)! }

    /// Every person's name the seed writes: cadres, project leaders, households.
    var people: [String] {
        all(.cadres).compactMap { $0[CadreField.name].string }
            + all(.assistanceRecords).compactMap { $0[AssistanceField.householdName].string }
    }
}
