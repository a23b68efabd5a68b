/// The figures at one store revision, over one region: what `/stats` and `/stats/report` show.
public struct StatsSnapshot: Sendable, Equatable {
    /// The store's history (`Store.epoch`): with `revision`, names this state forever.
    public var epoch: String
    /// The store revision the figures belong to.
    public var revision: Int
    /// The part of the district the figures count.
    public var region: Region
    /// Live values by figure key, counted over the region; report-only figures are absent.
    public var live: [String: Int]
    /// Per-town totals over the region, in town id order: the region's towns.
    public var byTown: [TownStats]
    /// The region's assistance records by 四进网格 strand and by who was met.
    public var work = WorkBreakdown()
    /// The region's cases: open, overdue, closed and how well (per town in `byTown`).
    public var cases = CaseCounts()

    /// Figures about the district as a whole, counted from records that lie in no town (the
    /// city's and the district's courses): they are not shown for a part of the district.
    public static let districtWide: Set<String> = [
        "projectSecretaries.trainedAtCity", "projectSecretaries.trainedPartySecretaries",
        "projectSecretaries.trainedDirectors",
    ]

    /// Whether the figure means something for the region: every figure does for the district;
    /// for a part of it, only those counted from records that lie in a town (not the report-only
    /// figures, whose reported values are the district's, nor `districtWide`).
    public func applies(_ figure: Figure) -> Bool {
        region.isDistrict || !figure.reportOnly && !Self.districtWide.contains(figure.key)
    }

    /// The live value of a figure; nil for report-only figures and those that do not apply.
    public func live(_ figure: Figure) -> Int? {
        figure.reportOnly || !applies(figure) ? nil : live[figure.key] ?? 0
    }

    /// The value `/stats` shows: live, or the reported value for report-only figures; nil when
    /// the figure does not apply to the region.
    public func value(_ figure: Figure) -> Int? {
        applies(figure) ? live(figure) ?? figure.reported : nil
    }
}

/// Assistance records by `activity` (in `Schema.activityKeys` order) and by `counterpart` (in
/// `Schema.counterpartKeys` order); records without one count in neither.
public struct WorkBreakdown: Sendable, Equatable {
    public var byActivity = Array(repeating: 0, count: Schema.activityKeys.count)
    public var byCounterpart = Array(repeating: 0, count: Schema.counterpartKeys.count)

    /// Creates a breakdown.
    public init(byActivity: [Int], byCounterpart: [Int]) {
        self.byActivity = byActivity
        self.byCounterpart = byCounterpart
    }

    /// All zeros.
    public init() {}
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
    /// Its cases.
    public var cases = CaseCounts()

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
        investmentYuan: Int,
        cases: CaseCounts = CaseCounts()
    ) {
        self.cases = cases
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
    /// The live value of every backed figure over the district. `townOf` maps a village id to
    /// its town id.
    func liveFigures(townOf: (String) -> String?) -> [String: Int] {
        var villagesWithCollective = 0
        var baseTowns = Set<String>()
        for (village, row) in projectsByVillage {
            if row[ProjectSlot.collective.rawValue] > 0 { villagesWithCollective += 1 }
            if row[ProjectSlot.bases.rawValue] > 0, let town = townOf(village) { baseTowns.insert(town) }
        }
        var organizations = Self.zeros(OrganizationSlot.allCases.count)
        for row in organizationsByTown.values { Self.add(&organizations, row, 1) }
        return Self.figures(
            cadres: cadres, work: work, unitGrids: gridsByLevel["unit", default: 0],
            trainings: trainingParticipants, projects: projects, organizations: organizations,
            villagesWithCollective: villagesWithCollective, baseTowns: baseTowns.count)
    }

    /// Every backed figure from the totals of a part of the district (or all of it): `cadres`,
    /// `work`, `projects` and `organizations` rows, participants by `trainingParticipants` key,
    /// villages with a collective project, and towns with an entrepreneurship base.
    static func figures(
        cadres: [Int], work: [Int], unitGrids: Int, trainings: [String: Int], projects: [Int], organizations: [Int],
        villagesWithCollective: Int, baseTowns: Int
    ) -> [String: Int] {
        func type(_ name: String) -> Int { work[WorkSlot.positions[name]!] }
        func cadre(_ slot: CadreSlot) -> Int { cadres[slot.rawValue] }
        func project(_ slot: ProjectSlot) -> Int { projects[slot.rawValue] }
        return [
            "gridService.districtLeaders": cadre(.districtLeaders),
            "gridService.branchPairings": type("branch_pairing"),
            "gridService.sectionCadres": cadre(.section),
            "gridService.organCadres": cadre(.section) + cadre(.general),
            "gridService.unitGrids": unitGrids,
            "gridService.visits": type("visit"),
            "gridService.householdsVisited": type("household_visit"),
            "gridService.suggestions": type("suggestion"),
            "gridService.fundsYuan": work[WorkSlot.fundsYuan],
            "gridService.pairedHouseholds": type("household_pairing"),
            "gridService.goodDeeds": type("good_deed"),
            "gridService.problemsResolved": type("problem_resolved"),
            "projectSecretaries.secretaries": cadre(.projectSecretaries),
            "projectSecretaries.trainedAtCity": trainings["city", default: 0],
            "projectSecretaries.trainedPartySecretaries": trainings["district:party_secretary", default: 0],
            "projectSecretaries.trainedDirectors": trainings["district:director", default: 0],
            "projectSecretaries.townTrainingPersonTimes": trainings["town", default: 0],
            "projectSecretaries.projectsClaimed": project(.claimed),
            "projectSecretaries.projectsDriven": project(.driven),
            "projectSecretaries.investmentYuan": project(.secretaryInvestmentYuan),
            "projectSecretaries.expectedAnnualOutputYuan": project(.secretaryOutputYuan),
            "projectSecretaries.beneficiaries": project(.secretaryBeneficiaries),
            "collectiveEconomy.villagesWithProjects": villagesWithCollective,
            "collectiveEconomy.projectsByCategory.plantingBreeding": project(.plantingBreeding),
            "collectiveEconomy.projectsByCategory.property": project(.property),
            "collectiveEconomy.projectsByCategory.service": project(.service),
            "collectiveEconomy.projectsByCategory.other": project(.otherCategory),
            "collectiveEconomy.assistedProjects": project(.collectiveAssisted),
            "collectiveEconomy.supportYuan": project(.collectiveSupportYuan),
            "collectiveEconomy.techInfoAssists": project(.collectiveTechAssists),
            "collectiveEconomy.expectedAnnualOutputYuan": project(.collectiveOutputYuan),
            "collectiveEconomy.expectedAnnualProfitYuan": project(.collectiveProfitYuan),
            "collectiveEconomy.beneficiaries": project(.collectiveBeneficiaries),
            "collectiveEconomy.districtFiscalSupportYuan": project(.collectiveDistrictFundingYuan),
            "entrepreneurship.towns": baseTowns,
            "entrepreneurship.bases": project(.bases),
            "entrepreneurship.partyMembers.planting": project(.partyPlanting),
            "entrepreneurship.partyMembers.breeding": project(.partyBreeding),
            "entrepreneurship.partyMembers.processing": project(.partyProcessing),
            "entrepreneurship.partyMembers.other": project(.partyOther),
            "entrepreneurship.newPartyOrganizations.industryChain": organizations[
                OrganizationSlot.industryChain.rawValue],
            "entrepreneurship.newPartyOrganizations.twoNew": organizations[OrganizationSlot.twoNew.rawValue],
            "entrepreneurship.newPartyOrganizations.villagerGroups": organizations[
                OrganizationSlot.villagerGroup.rawValue],
            "entrepreneurship.organPairings": project(.organPairings),
            "entrepreneurship.enterprisePairings": project(.enterprisePairings),
            "entrepreneurship.assistedProjects": project(.entrepreneurshipAssisted),
            "entrepreneurship.supportYuan": project(.entrepreneurshipSupportYuan),
            "entrepreneurship.techInfoPeople": project(.techInfoPeople),
            "entrepreneurship.beneficiaries": project(.entrepreneurshipBeneficiaries),
        ]
    }
}

/// How a set of cases stands (SPEC §7): the counts behind 按期办结率 and 返工率.
public struct CaseCounts: Sendable, Equatable {
    /// Neither closed nor void.
    public var open = 0
    /// Open and past the deadline.
    public var overdue = 0
    /// Closed.
    public var closed = 0
    /// Closed on or before the deadline.
    public var closedOnTime = 0
    /// Closed after at least one failed check.
    public var closedReworked = 0
    /// Working days from report to closure, summed over the closed cases.
    public var workingDaysToClose = 0
    /// Sent back by a failed check at least once, open or closed.
    public var reworked = 0
    /// Supervised by the district (督办).
    public var supervised = 0
    /// Voided.
    public var void = 0

    /// All zeros.
    public init() {}

    /// Both sets together.
    public static func + (lhs: CaseCounts, rhs: CaseCounts) -> CaseCounts {
        var sum = CaseCounts()
        sum.open = lhs.open + rhs.open
        sum.overdue = lhs.overdue + rhs.overdue
        sum.closed = lhs.closed + rhs.closed
        sum.closedOnTime = lhs.closedOnTime + rhs.closedOnTime
        sum.closedReworked = lhs.closedReworked + rhs.closedReworked
        sum.workingDaysToClose = lhs.workingDaysToClose + rhs.workingDaysToClose
        sum.reworked = lhs.reworked + rhs.reworked
        sum.supervised = lhs.supervised + rhs.supervised
        sum.void = lhs.void + rhs.void
        return sum
    }

    init(_ row: [Int]) {
        func slot(_ slot: Aggregates.CaseSlot) -> Int { row.count > slot.rawValue ? row[slot.rawValue] : 0 }
        open = slot(.open)
        overdue = slot(.overdue)
        closed = slot(.closed)
        closedOnTime = slot(.closedOnTime)
        closedReworked = slot(.closedReworked)
        workingDaysToClose = slot(.workingDaysToClose)
        reworked = slot(.reworked)
        supervised = slot(.supervised)
        void = slot(.void)
    }
}
