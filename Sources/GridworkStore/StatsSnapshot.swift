/// The figures at one store revision: what `/stats` and `/stats/report` show.
public struct StatsSnapshot: Sendable, Equatable {
    /// The store's history (`Store.epoch`): with `revision`, names this state forever.
    public var epoch: String
    /// The store revision the figures belong to.
    public var revision: Int
    /// Live values by figure key; report-only figures are absent.
    public var live: [String: Int]
    /// Per-town totals, in town id order.
    public var byTown: [TownStats]

    /// The live value of a figure, or nil for report-only figures.
    public func live(_ figure: Figure) -> Int? {
        figure.reportOnly ? nil : live[figure.key] ?? 0
    }

    /// The value `/stats` shows: live, or the reported value for report-only figures.
    public func value(_ figure: Figure) -> Int {
        live(figure) ?? figure.reported
    }
}

/// One town's (or sub-district's) totals.
public struct TownStats: Sendable, Equatable {
    public var townId: String
    public var name: String
    public var kind: String
    /// Grids in the town, town-level and unit.
    public var grids: Int
    /// Distinct cadres serving at least one of those grids.
    public var cadres: Int
    /// Visit records in those grids.
    public var visits: Int
    /// Funding in those grids, yuan.
    public var fundsYuan: Int
    /// Projects in the town's villages.
    public var projects: Int
    /// Their investment, yuan.
    public var investmentYuan: Int

    /// Creates a row.
    public init(
        townId: String,
        name: String,
        kind: String,
        grids: Int,
        cadres: Int,
        visits: Int,
        fundsYuan: Int,
        projects: Int,
        investmentYuan: Int
    ) {
        self.townId = townId
        self.name = name
        self.kind = kind
        self.grids = grids
        self.cadres = cadres
        self.visits = visits
        self.fundsYuan = fundsYuan
        self.projects = projects
        self.investmentYuan = investmentYuan
    }
}

extension Aggregates {
    /// The live value of every backed figure. `townOf` maps a village id to its town id.
    func liveFigures(townOf: (String) -> String?) -> [String: Int] {
        let types = recordsByType
        var towns = Set<String>()
        for village in entrepreneurshipByVillage.keys {
            if let town = townOf(village) { towns.insert(town) }
        }
        return [
            "gridService.districtLeaders": cadresByLevel["district_leader", default: 0],
            "gridService.branchPairings": types["branch_pairing", default: 0],
            "gridService.sectionCadres": cadresByLevel["section", default: 0],
            "gridService.organCadres": cadresByLevel["section", default: 0] + cadresByLevel["general", default: 0],
            "gridService.unitGrids": gridsByLevel["unit", default: 0],
            "gridService.visits": types["visit", default: 0],
            "gridService.householdsVisited": types["household_visit", default: 0],
            "gridService.suggestions": types["suggestion", default: 0],
            "gridService.fundsYuan": fundsYuan,
            "gridService.pairedHouseholds": types["household_pairing", default: 0],
            "gridService.goodDeeds": types["good_deed", default: 0],
            "gridService.problemsResolved": types["problem_resolved", default: 0],
            "projectSecretaries.secretaries": projectSecretaries,
            "projectSecretaries.trainedAtCity": trainingParticipants["city", default: 0],
            "projectSecretaries.trainedPartySecretaries": trainingParticipants["district:party_secretary", default: 0],
            "projectSecretaries.trainedDirectors": trainingParticipants["district:director", default: 0],
            "projectSecretaries.townTrainingPersonTimes": trainingParticipants["town", default: 0],
            "projectSecretaries.projectsClaimed": projectsByKind["secretary_claimed", default: 0],
            "projectSecretaries.projectsDriven": projectsByKind["secretary_driven", default: 0],
            "projectSecretaries.investmentYuan": secretaryInvestmentYuan,
            "projectSecretaries.expectedAnnualOutputYuan": secretaryOutputYuan,
            "projectSecretaries.beneficiaries": secretaryBeneficiaries,
            "collectiveEconomy.villagesWithProjects": collectiveByVillage.count,
            "collectiveEconomy.projectsByCategory.plantingBreeding": collectiveByBucket["plantingBreeding", default: 0],
            "collectiveEconomy.projectsByCategory.property": collectiveByBucket["property", default: 0],
            "collectiveEconomy.projectsByCategory.service": collectiveByBucket["service", default: 0],
            "collectiveEconomy.projectsByCategory.other": collectiveByBucket["other", default: 0],
            "collectiveEconomy.assistedProjects": collectiveAssisted,
            "collectiveEconomy.supportYuan": collectiveSupportYuan,
            "collectiveEconomy.techInfoAssists": collectiveTechAssists,
            "collectiveEconomy.expectedAnnualOutputYuan": collectiveOutputYuan,
            "collectiveEconomy.expectedAnnualProfitYuan": collectiveProfitYuan,
            "collectiveEconomy.beneficiaries": collectiveBeneficiaries,
            "entrepreneurship.towns": towns.count,
            "entrepreneurship.bases": projectsByKind["entrepreneurship", default: 0],
            "entrepreneurship.partyMembers.planting": partyMembers[0],
            "entrepreneurship.partyMembers.breeding": partyMembers[1],
            "entrepreneurship.partyMembers.processing": partyMembers[2],
            "entrepreneurship.partyMembers.other": partyMembers[3],
            "entrepreneurship.organPairings": organPairings,
            "entrepreneurship.enterprisePairings": enterprisePairings,
            "entrepreneurship.assistedProjects": entrepreneurshipAssisted,
            "entrepreneurship.supportYuan": entrepreneurshipSupportYuan,
            "entrepreneurship.techInfoPeople": techInfoPeople,
            "entrepreneurship.beneficiaries": entrepreneurshipBeneficiaries,
        ]
    }
}
