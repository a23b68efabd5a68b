/// Running totals behind `/stats`, updated by the same call that applies each write: a write
/// subtracts the old record's contribution and adds the new one's, so the figures can never
/// disagree with the records.
///
/// Per-grid and per-village totals are kept by id; what depends on which town a grid or village
/// is in is resolved when the figures are read, so moving a village needs no recount.
public struct Aggregates: Sendable, Equatable {
    var gridsByLevel: [String: Int] = [:]
    var cadresByLevel: [String: Int] = [:]
    var projectSecretaries = 0
    var recordsByType: [String: Int] = [:]
    var fundsYuan = 0
    var visitsByGrid: [String: Int] = [:]
    var fundsByGrid: [String: Int] = [:]
    var trainingParticipants: [String: Int] = [:]
    var projectsByKind: [String: Int] = [:]
    var secretaryInvestmentYuan = 0
    var secretaryOutputYuan = 0
    var secretaryBeneficiaries = 0
    var collectiveByVillage: [String: Int] = [:]
    var collectiveByBucket: [String: Int] = [:]
    var collectiveAssisted = 0
    var collectiveSupportYuan = 0
    var collectiveTechAssists = 0
    var collectiveOutputYuan = 0
    var collectiveProfitYuan = 0
    var collectiveBeneficiaries = 0
    var entrepreneurshipByVillage: [String: Int] = [:]
    var partyMembers = [0, 0, 0, 0]
    var organPairings = 0
    var enterprisePairings = 0
    var entrepreneurshipAssisted = 0
    var entrepreneurshipSupportYuan = 0
    var techInfoPeople = 0
    var entrepreneurshipBeneficiaries = 0
    var projectsByVillage: [String: Int] = [:]
    var investmentByVillage: [String: Int] = [:]

    /// Adds (`sign` 1) or removes (`sign` -1) one record's contribution.
    mutating func apply(_ kind: ResourceKind, _ record: Record, sign: Int) {
        switch kind {
        case .cadres: applyCadre(record, sign)
        case .assistanceRecords: applyAssistance(record, sign)
        case .trainings: applyTraining(record, sign)
        case .projects: applyProject(record, sign)
        case .grids: Self.bump(&gridsByLevel, record[GridField.level].string ?? "", sign)
        case .towns, .villages: break
        }
    }

    private mutating func applyCadre(_ record: Record, _ sign: Int) {
        Self.bump(&cadresByLevel, record[CadreField.level].string ?? "", sign)
        if record[CadreField.roles].list.contains("project_secretary") { projectSecretaries += sign }
    }

    private mutating func applyAssistance(_ record: Record, _ sign: Int) {
        let type = record[AssistanceField.type].string ?? ""
        let grid = record[AssistanceField.gridId].string ?? ""
        Self.bump(&recordsByType, type, sign)
        if type == "visit" { Self.bump(&visitsByGrid, grid, sign) }
        if type == "funding" {
            let amount = record[AssistanceField.amountYuan].int
            fundsYuan += sign * amount
            Self.bump(&fundsByGrid, grid, sign * amount)
        }
    }

    private mutating func applyTraining(_ record: Record, _ sign: Int) {
        let level = record[TrainingField.organizerLevel].string ?? ""
        let audience = record[TrainingField.audience].string ?? ""
        let key = level == "district" ? "district:\(audience)" : level
        Self.bump(&trainingParticipants, key, sign * record[TrainingField.participants].int)
    }

    private mutating func applyProject(_ record: Record, _ sign: Int) {
        let kind = record[ProjectField.kind].string ?? ""
        let village = record[ProjectField.villageId].string ?? ""
        let investment = record[ProjectField.investmentYuan].int
        let support = record[ProjectField.supportYuan].int
        let output = record[ProjectField.expectedAnnualOutputYuan].int
        let beneficiaries = record[ProjectField.beneficiaries].int
        Self.bump(&projectsByKind, kind, sign)
        Self.bump(&projectsByVillage, village, sign)
        Self.bump(&investmentByVillage, village, sign * investment)
        switch kind {
        case "secretary_claimed", "secretary_driven":
            secretaryInvestmentYuan += sign * investment
            secretaryOutputYuan += sign * output
            secretaryBeneficiaries += sign * beneficiaries
        case "collective":
            Self.bump(&collectiveByVillage, village, sign)
            Self.bump(&collectiveByBucket, Self.bucket(record[ProjectField.category].string ?? ""), sign)
            if support > 0 { collectiveAssisted += sign }
            collectiveSupportYuan += sign * support
            if record[ProjectField.techSupport].bool { collectiveTechAssists += sign }
            collectiveOutputYuan += sign * output
            collectiveProfitYuan += sign * record[ProjectField.expectedAnnualProfitYuan].int
            collectiveBeneficiaries += sign * beneficiaries
        case "entrepreneurship":
            Self.bump(&entrepreneurshipByVillage, village, sign)
            if let counts = record[ProjectField.partyMembers].counts {
                for position in 0..<min(4, counts.count) { partyMembers[position] += sign * counts[position] }
            }
            organPairings += sign * record[ProjectField.organPairings].int
            enterprisePairings += sign * record[ProjectField.enterprisePairings].int
            if support > 0 { entrepreneurshipAssisted += sign }
            entrepreneurshipSupportYuan += sign * support
            techInfoPeople += sign * record[ProjectField.techInfoPeople].int
            entrepreneurshipBeneficiaries += sign * beneficiaries
        default:
            break
        }
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

    /// Adds `delta` to `key`, dropping the key at zero so equal totals compare equal.
    static func bump(_ totals: inout [String: Int], _ key: String, _ delta: Int) {
        let value = totals[key, default: 0] + delta
        totals[key] = value == 0 ? nil : value
    }
}
