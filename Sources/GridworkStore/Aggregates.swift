/// Running totals behind `/stats`, updated by the same call that applies each write: a write
/// subtracts the old record's contribution and adds the new one's, so the figures can never
/// disagree with the records.
///
/// Each contribution is kept twice: in the district's totals, and under the smallest place the
/// record lies in — its grid (assistance records), its village (projects), its town (town
/// trainings), the grids and village it serves (cadres). The figures of a part of the district
/// are the sum of its places' rows (`Store+Stats.swift`). Which town a grid or village is in is
/// resolved when the figures are read, so moving a village needs no recount.
public struct Aggregates: Sendable, Equatable {
    var gridsByLevel: [String: Int] = [:]
    /// `CadreSlot`s, the district's.
    var cadres = Self.zeros(CadreSlot.allCases.count)
    /// `WorkSlot` rows: assistance records per type, then funds; the district's.
    var work = Self.zeros(WorkSlot.width)
    /// `ProjectSlot`s, the district's.
    var projects = Self.zeros(ProjectSlot.allCases.count)
    var trainingParticipants: [String: Int] = [:]
    var workByGrid: [String: [Int]] = [:]
    var projectsByVillage: [String: [Int]] = [:]
    /// Participants of town trainings, by the town that ran them.
    var townTrainingsByTown: [String: Int] = [:]
    var cadresByPlace: [CadrePlace: [Int]] = [:]
    /// `OrganizationSlot` rows: party organisations new in 2014, by kind, per town.
    var organizationsByTown: [String: [Int]] = [:]
    /// `CaseSlot` rows, the district's.
    var cases = Self.zeros(CaseSlot.allCases.count)
    /// `CaseSlot` rows per grid.
    var casesByGrid: [String: [Int]] = [:]

    /// The grids and village a cadre serves: where its contribution lies.
    struct CadrePlace: Sendable, Hashable {
        var grids: [String]
        var village: String?
    }

    /// Adds (`sign` 1) or removes (`sign` -1) one record's contribution.
    mutating func apply(_ kind: ResourceKind, _ record: Record, sign: Int) {
        switch kind {
        case .cadres:
            let row = Self.cadreRow(record)
            Self.add(&cadres, row, sign)
            let place = CadrePlace(
                grids: record[CadreField.gridIds].list, village: record[CadreField.villageId].string)
            Self.add(&cadresByPlace, place, row, sign)
        case .assistanceRecords:
            let row = Self.workRow(record)
            Self.add(&work, row, sign)
            Self.add(&workByGrid, record[AssistanceField.gridId].string ?? "", row, sign)
        case .trainings: applyTraining(record, sign)
        case .projects:
            let row = Self.projectRow(record)
            Self.add(&projects, row, sign)
            Self.add(&projectsByVillage, record[ProjectField.villageId].string ?? "", row, sign)
        case .grids: Self.bump(&gridsByLevel, record[GridField.level].string ?? "", sign)
        case .partyOrganizations:
            Self.add(
                &organizationsByTown, record[PartyOrganizationField.townId].string ?? "", Self.organizationRow(record),
                sign)
        case .cases: applyCase(record, sign)
        case .towns, .villages: break
        }
    }

    private mutating func applyCase(_ record: Record, _ sign: Int) {
        let row = Self.caseRow(record)
        Self.add(&cases, row, sign)
        Self.add(&casesByGrid, record[CaseField.gridId].string ?? "", row, sign)
    }

    /// What a case counts for in `/stats.cases`.
    enum CaseSlot: Int, CaseIterable {
        case open, overdue, closed, closedOnTime, closedReworked, workingDaysToClose, reworked, supervised, void
    }

    static func caseRow(_ record: Record) -> [Int] {
        var row = zeros(CaseSlot.allCases.count)
        func set(_ slot: CaseSlot, _ value: Int) { row[slot.rawValue] = value }
        let reworked = record[CaseField.reworks].int > 0
        if reworked { set(.reworked, 1) }
        if record[CaseField.supervised].bool { set(.supervised, 1) }
        switch CaseState(rawValue: record[CaseField.state].string ?? "") {
        case .closed:
            set(.closed, 1)
            if reworked { set(.closedReworked, 1) }
            if let closed = record[CaseField.closedOn].string.flatMap(CalendarDate.init),
                let reported = record[CaseField.reportedOn].string.flatMap(CalendarDate.init)
            {
                if let deadline = record[CaseField.deadline].string.flatMap(CalendarDate.init), closed <= deadline {
                    set(.closedOnTime, 1)
                }
                set(.workingDaysToClose, WorkingCalendar.china.workingDays(from: reported, through: closed))
            }
        case .void:
            set(.void, 1)
        default:
            set(.open, 1)
            if record[CaseField.overdue].bool { set(.overdue, 1) }
        }
        return row
    }

    private mutating func applyTraining(_ record: Record, _ sign: Int) {
        let level = record[TrainingField.organizerLevel].string ?? ""
        let audience = record[TrainingField.audience].string ?? ""
        let key = level == "district" ? "district:\(audience)" : level
        let participants = record[TrainingField.participants].int
        Self.bump(&trainingParticipants, key, sign * participants)
        if level == "town", let town = record[TrainingField.townId].string {
            Self.bump(&townTrainingsByTown, town, sign * participants)
        }
    }

    /// What a cadre counts for.
    enum CadreSlot: Int, CaseIterable {
        case districtLeaders, section, general, projectSecretaries
    }

    static func cadreRow(_ record: Record) -> [Int] {
        var row = zeros(CadreSlot.allCases.count)
        switch record[CadreField.level].string {
        case "district_leader": row[CadreSlot.districtLeaders.rawValue] = 1
        case "section": row[CadreSlot.section.rawValue] = 1
        case "general": row[CadreSlot.general.rawValue] = 1
        default: break
        }
        if record[CadreField.roles].list.contains("project_secretary") {
            row[CadreSlot.projectSecretaries.rawValue] = 1
        }
        return row
    }

    /// An assistance record's row: one slot per type, in `Timeline.types` order, then its funds,
    /// then one slot per activity and one per counterpart, in `Schema` order.
    enum WorkSlot {
        static let fundsYuan = Timeline.types.count
        static let activities = fundsYuan + 1
        static let counterparts = activities + Schema.activityKeys.count
        static let width = counterparts + Schema.counterpartKeys.count
        static let positions = Dictionary(uniqueKeysWithValues: Timeline.types.enumerated().map { ($1, $0) })
        static let activityPositions = Dictionary(
            uniqueKeysWithValues: Schema.activityKeys.enumerated().map { ($1, activities + $0) })
        static let counterpartPositions = Dictionary(
            uniqueKeysWithValues: Schema.counterpartKeys.enumerated().map { ($1, counterparts + $0) })
    }

    static func workRow(_ record: Record) -> [Int] {
        var row = zeros(WorkSlot.width)
        if let type = record[AssistanceField.type].string, let position = WorkSlot.positions[type] {
            row[position] = 1
            if type == "funding" { row[WorkSlot.fundsYuan] = record[AssistanceField.amountYuan].int }
        }
        if let activity = record[AssistanceField.activity].string, let position = WorkSlot.activityPositions[activity] {
            row[position] = 1
        }
        if let counterpart = record[AssistanceField.counterpart].string,
            let position = WorkSlot.counterpartPositions[counterpart]
        {
            row[position] = 1
        }
        return row
    }

    /// The assistance records of a `work` row by activity and by counterpart.
    static func breakdown(_ work: [Int]) -> WorkBreakdown {
        WorkBreakdown(
            byActivity: Array(work[WorkSlot.activities..<WorkSlot.counterparts]),
            byCounterpart: Array(work[WorkSlot.counterparts..<WorkSlot.width]))
    }

    /// What a project counts for.
    enum ProjectSlot: Int, CaseIterable {
        case projects, investmentYuan
        case claimed, driven, secretaryInvestmentYuan, secretaryOutputYuan, secretaryBeneficiaries
        case collective, plantingBreeding, property, service, otherCategory, collectiveAssisted
        case collectiveSupportYuan, collectiveTechAssists, collectiveOutputYuan, collectiveProfitYuan
        case collectiveBeneficiaries, collectiveDistrictFundingYuan
        case bases, partyPlanting, partyBreeding, partyProcessing, partyOther, organPairings, enterprisePairings
        case entrepreneurshipAssisted, entrepreneurshipSupportYuan, techInfoPeople, entrepreneurshipBeneficiaries
    }

    static func projectRow(_ record: Record) -> [Int] {
        var row = zeros(ProjectSlot.allCases.count)
        func set(_ slot: ProjectSlot, _ value: Int) { row[slot.rawValue] = value }
        let investment = record[ProjectField.investmentYuan].int
        let support = record[ProjectField.supportYuan].int
        let output = record[ProjectField.expectedAnnualOutputYuan].int
        let beneficiaries = record[ProjectField.beneficiaries].int
        set(.projects, 1)
        set(.investmentYuan, investment)
        switch record[ProjectField.kind].string ?? "" {
        case let kind where kind == "secretary_claimed" || kind == "secretary_driven":
            set(kind == "secretary_claimed" ? .claimed : .driven, 1)
            set(.secretaryInvestmentYuan, investment)
            set(.secretaryOutputYuan, output)
            set(.secretaryBeneficiaries, beneficiaries)
        case "collective":
            set(.collective, 1)
            switch bucket(record[ProjectField.category].string ?? "") {
            case "plantingBreeding": set(.plantingBreeding, 1)
            case "property": set(.property, 1)
            case "service": set(.service, 1)
            default: set(.otherCategory, 1)
            }
            if support > 0 { set(.collectiveAssisted, 1) }
            set(.collectiveSupportYuan, support)
            if record[ProjectField.techSupport].bool { set(.collectiveTechAssists, 1) }
            set(.collectiveOutputYuan, output)
            set(.collectiveProfitYuan, record[ProjectField.expectedAnnualProfitYuan].int)
            set(.collectiveBeneficiaries, beneficiaries)
            if let funding = record[ProjectField.funding].counts, funding.count > Schema.districtFunding {
                set(.collectiveDistrictFundingYuan, funding[Schema.districtFunding])
            }
        case "entrepreneurship":
            set(.bases, 1)
            if let counts = record[ProjectField.partyMembers].counts {
                let slots: [ProjectSlot] = [.partyPlanting, .partyBreeding, .partyProcessing, .partyOther]
                for (slot, count) in zip(slots, counts) { set(slot, count) }
            }
            set(.organPairings, record[ProjectField.organPairings].int)
            set(.enterprisePairings, record[ProjectField.enterprisePairings].int)
            if support > 0 { set(.entrepreneurshipAssisted, 1) }
            set(.entrepreneurshipSupportYuan, support)
            set(.techInfoPeople, record[ProjectField.techInfoPeople].int)
            set(.entrepreneurshipBeneficiaries, beneficiaries)
        default:
            break
        }
        return row
    }

    /// The kinds of new party organisation the report counts (E7–E9), in `OrganizationSlot` order.
    enum OrganizationSlot: Int, CaseIterable {
        case industryChain, twoNew, villagerGroup

        static let kinds = ["industry_chain", "two_new", "villager_group"]
    }

    /// A party organisation's row: one in the slot of its kind when it is new in 2014.
    static func organizationRow(_ record: Record) -> [Int] {
        var row = zeros(OrganizationSlot.allCases.count)
        if record[PartyOrganizationField.new2014].bool,
            let slot = OrganizationSlot.kinds.firstIndex(of: record[PartyOrganizationField.kind].string ?? "")
        {
            row[slot] = 1
        }
        return row
    }

    /// The report's four buckets of collective projects (C2–C5).
    static func bucket(_ category: String) -> String {
        switch category {
        case "planting", "breeding", "planting_breeding": "plantingBreeding"
        case "property": "property"
        case "service": "service"
        default: "other"
        }
    }

    static func zeros(_ count: Int) -> [Int] {
        Array(repeating: 0, count: count)
    }

    /// Adds `sign` times `row` to `totals`.
    static func add(_ totals: inout [Int], _ row: [Int], _ sign: Int) {
        for index in row.indices where row[index] != 0 { totals[index] += sign * row[index] }
    }

    /// Adds `sign` times `row` to the row of `key`, dropping a row of zeros so that equal totals
    /// compare equal.
    static func add<Key: Hashable>(_ totals: inout [Key: [Int]], _ key: Key, _ row: [Int], _ sign: Int) {
        guard row.contains(where: { $0 != 0 }) else { return }
        // Taken out and put back, so the row is not shared while it changes (no copy).
        var current = totals.removeValue(forKey: key) ?? zeros(row.count)
        add(&current, row, sign)
        if current.contains(where: { $0 != 0 }) { totals[key] = current }
    }

    /// Adds `delta` to `key`, dropping the key at zero so equal totals compare equal.
    static func bump(_ totals: inout [String: Int], _ key: String, _ delta: Int) {
        let value = totals[key, default: 0] + delta
        totals[key] = value == 0 ? nil : value
    }
}
