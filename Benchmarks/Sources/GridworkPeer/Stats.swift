/// The `/stats` document: the store's epoch and revision, the scope, every figure of the report, the
/// assistance records by activity and counterpart, the cases' figures, and per-town totals.
///
/// Decoded once from Gridwork's own `/stats` at start-up; the store updates it on every create, and each
/// `GET /stats` encodes it anew with JSONEncoder. Property order is Gridwork's wire order (JSONEncoder on
/// Linux writes keys in hash order, so the bytes are the same but not their order).
struct Stats: Codable, Sendable {
    /// Drawn at random by the Gridwork store the data was captured from; kept as captured.
    var epoch: String
    var revision: Int
    var scope: Scope
    var gridService: GridService
    var projectSecretaries: ProjectSecretaries
    var collectiveEconomy: CollectiveEconomy
    var entrepreneurship: Entrepreneurship
    var work: Work
    var cases: Cases
    var byTown: [TownTotals]

    /// The part of the district the figures cover: `{"kind": "district"}` for an open-access server.
    struct Scope: Codable, Sendable {
        var kind: String
    }

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

    /// The assistance records by 四进网格 strand and by whom the cadre met (records without one are not counted).
    struct Work: Codable, Sendable {
        var byActivity: ByActivity
        var byCounterpart: ByCounterpart
    }

    /// Assistance records per `Activity`.
    struct ByActivity: Codable, Sendable {
        var understandConditions: Int
        var solveProblems: Int
        var improveStyle: Int
        var serveDevelopment: Int

        enum CodingKeys: String, CodingKey {
            case understandConditions = "understand_conditions"
            case solveProblems = "solve_problems"
            case improveStyle = "improve_style"
            case serveDevelopment = "serve_development"
        }
    }

    /// Assistance records per `Counterpart`.
    struct ByCounterpart: Codable, Sendable {
        var needy: Int
        var laidOff: Int
        var wealthLeader: Int
        var veteran: Int
        var returnedMigrant: Int
        var petitioner: Int
        var resident: Int

        enum CodingKeys: String, CodingKey {
            case needy
            case laidOff = "laid_off"
            case wealthLeader = "wealth_leader"
            case veteran
            case returnedMigrant = "returned_migrant"
            case petitioner
            case resident
        }
    }

    /// The cases' figures, district-wide and per town. Rates are over the closed cases, three decimals,
    /// null when none is closed.
    struct Cases: Codable, Sendable {
        var open: Int
        var overdue: Int
        var closed: Int
        var closedOnTime: Int
        var onTimeRate: Double?
        var reworked: Int
        var reworkRate: Double?
        var averageWorkingDaysToClose: Double?
        var supervised: Int
        var void: Int
        var byTown: [TownCases]

        enum CodingKeys: String, CodingKey {
            case open, overdue, closed, closedOnTime, onTimeRate, reworked, reworkRate, averageWorkingDaysToClose
            case supervised, void, byTown
        }

        // The rates are explicit nulls when no case is closed, as Gridwork sends them.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(open, forKey: .open)
            try container.encode(overdue, forKey: .overdue)
            try container.encode(closed, forKey: .closed)
            try container.encode(closedOnTime, forKey: .closedOnTime)
            try container.encode(onTimeRate, forKey: .onTimeRate)
            try container.encode(reworked, forKey: .reworked)
            try container.encode(reworkRate, forKey: .reworkRate)
            try container.encode(averageWorkingDaysToClose, forKey: .averageWorkingDaysToClose)
            try container.encode(supervised, forKey: .supervised)
            try container.encode(void, forKey: .void)
            try container.encode(byTown, forKey: .byTown)
        }
    }

    /// One town's or sub-district's cases.
    struct TownCases: Codable, Sendable {
        var townId: String
        var name: String
        var open: Int
        var overdue: Int
        var closed: Int
        var closedOnTime: Int
        var onTimeRate: Double?
        var reworked: Int
        var reworkRate: Double?
        var averageWorkingDaysToClose: Double?
        var supervised: Int
        var void: Int

        enum CodingKeys: String, CodingKey {
            case townId, name, open, overdue, closed, closedOnTime, onTimeRate, reworked, reworkRate
            case averageWorkingDaysToClose, supervised, void
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(townId, forKey: .townId)
            try container.encode(name, forKey: .name)
            try container.encode(open, forKey: .open)
            try container.encode(overdue, forKey: .overdue)
            try container.encode(closed, forKey: .closed)
            try container.encode(closedOnTime, forKey: .closedOnTime)
            try container.encode(onTimeRate, forKey: .onTimeRate)
            try container.encode(reworked, forKey: .reworked)
            try container.encode(reworkRate, forKey: .reworkRate)
            try container.encode(averageWorkingDaysToClose, forKey: .averageWorkingDaysToClose)
            try container.encode(supervised, forKey: .supervised)
            try container.encode(void, forKey: .void)
        }
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
    /// Counts a new record, as Gridwork's aggregates do on the write path: its type's figure (funds for
    /// funding), its town's visits or funds, its activity and counterpart, and the revision. `townIndex` is
    /// its grid's town. Nothing else a record feeds moves on create: the cases are another resource.
    mutating func count(_ record: AssistanceRecord, townIndex: Int?) {
        revision += 1
        switch record.activity {
        case .understandConditions: work.byActivity.understandConditions += 1
        case .solveProblems: work.byActivity.solveProblems += 1
        case .improveStyle: work.byActivity.improveStyle += 1
        case .serveDevelopment: work.byActivity.serveDevelopment += 1
        case nil: break
        }
        switch record.counterpart {
        case .needy: work.byCounterpart.needy += 1
        case .laidOff: work.byCounterpart.laidOff += 1
        case .wealthLeader: work.byCounterpart.wealthLeader += 1
        case .veteran: work.byCounterpart.veteran += 1
        case .returnedMigrant: work.byCounterpart.returnedMigrant += 1
        case .petitioner: work.byCounterpart.petitioner += 1
        case .resident: work.byCounterpart.resident += 1
        case nil: break
        }
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
