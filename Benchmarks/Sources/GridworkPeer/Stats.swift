/// The `/stats` document: every figure of the report, live, per town, and the store revision.
///
/// Decoded once from Gridwork's own `/stats` at start-up; the store updates it on every create, and each
/// `GET /stats` encodes it anew with JSONEncoder. Property order is the wire order.
struct Stats: Codable, Sendable {
    var revision: Int
    var gridService: GridService
    var projectSecretaries: ProjectSecretaries
    var collectiveEconomy: CollectiveEconomy
    var entrepreneurship: Entrepreneurship
    var byTown: [TownTotals]

    /// 网格化服务.
    struct GridService: Codable, Sendable {
        var districtLeaders: Int
        var branchPairings: Int
        var sectionCadres: Int
        var organCadres: Int
        var unitGrids: Int
        var visits: Int
        var householdsVisited: Int
        var suggestions: Int
        var fundsYuan: Int
        var pairedHouseholds: Int
        var goodDeeds: Int
        var problemsResolved: Int
    }

    /// 项目书记.
    struct ProjectSecretaries: Codable, Sendable {
        var secretaries: Int
        var trainedAtCity: Int
        var trainedPartySecretaries: Int
        var trainedDirectors: Int
        var townTrainingPersonTimes: Int
        var projectsClaimed: Int
        var projectsDriven: Int
        var investmentYuan: Int
        var expectedAnnualOutputYuan: Int
        var beneficiaries: Int
    }

    /// 村级集体经济.
    struct CollectiveEconomy: Codable, Sendable {
        var villagesWithProjects: Int
        var projectsByCategory: ProjectsByCategory
        var assistedProjects: Int
        var supportYuan: Int
        var techInfoAssists: Int
        var expectedAnnualOutputYuan: Int
        var expectedAnnualProfitYuan: Int
        var beneficiaries: Int
        var districtFiscalSupportYuan: Int
    }

    /// Collective projects by category.
    struct ProjectsByCategory: Codable, Sendable {
        var plantingBreeding: Int
        var property: Int
        var service: Int
        var other: Int
    }

    /// 党员创业带富.
    struct Entrepreneurship: Codable, Sendable {
        var towns: Int
        var bases: Int
        var partyMembers: PartyMembers
        var newPartyOrganizations: NewPartyOrganizations
        var organPairings: Int
        var enterprisePairings: Int
        var assistedProjects: Int
        var supportYuan: Int
        var techInfoPeople: Int
        var beneficiaries: Int
    }

    /// Entrepreneurship party members by trade.
    struct PartyMembers: Codable, Sendable {
        var planting: Int
        var breeding: Int
        var processing: Int
        var other: Int
    }

    /// New party organisations (report-only figures).
    struct NewPartyOrganizations: Codable, Sendable {
        var industryChain: Int
        var twoNew: Int
        var villagerGroups: Int
    }

    /// One town's or sub-district's totals.
    struct TownTotals: Codable, Sendable {
        var townId: String
        var name: String
        var kind: String
        var grids: Int
        var cadres: Int
        var visits: Int
        var fundsYuan: Int
        var projects: Int
        var investmentYuan: Int
    }
}

extension Stats {
    /// Counts a new record, as Gridwork's aggregates do on the write path. `townIndex` is its grid's town.
    mutating func count(_ record: AssistanceRecord, townIndex: Int?) {
        revision += 1
        switch record.type {
        case .visit:
            gridService.visits += 1
            if let townIndex { byTown[townIndex].visits += 1 }
        case .householdVisit: gridService.householdsVisited += 1
        case .suggestion: gridService.suggestions += 1
        case .funding:
            gridService.fundsYuan += record.amountYuan ?? 0
            if let townIndex { byTown[townIndex].fundsYuan += record.amountYuan ?? 0 }
        case .householdPairing: gridService.pairedHouseholds += 1
        case .goodDeed: gridService.goodDeeds += 1
        case .problemResolved: gridService.problemsResolved += 1
        case .branchPairing: gridService.branchPairings += 1
        }
    }
}
