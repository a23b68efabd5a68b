/// One unit of grid work, as `/assistance-records` serves it.
struct AssistanceRecord: Codable, Sendable {
    var id: String
    var type: AssistanceType
    var date: String
    var cadreId: String
    var gridId: String
    var householdName: String?
    var amountYuan: Int?
    var summary: String
    var activity: Activity?
    var counterpart: Counterpart?
    /// RFC 3339, to the second. Kept as text: Gridwork stores the same strings, so neither side formats dates.
    var createdAt: String
    var updatedAt: String
    var revision: Int
    var source: String
    /// The principal that wrote the record: `seed` for the seed, `anonymous` on an open-access server.
    var createdBy: String
    var updatedBy: String

    enum CodingKeys: String, CodingKey {
        case id, type, date, cadreId, gridId, householdName, amountYuan, summary, activity, counterpart
        case createdAt, updatedAt, revision, source, createdBy, updatedBy
    }

    // Synthesized encoding skips nil optionals; the API sends them as explicit nulls, so encode by hand.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(type, forKey: .type)
        try container.encode(date, forKey: .date)
        try container.encode(cadreId, forKey: .cadreId)
        try container.encode(gridId, forKey: .gridId)
        try container.encode(householdName, forKey: .householdName)
        try container.encode(amountYuan, forKey: .amountYuan)
        try container.encode(summary, forKey: .summary)
        try container.encode(activity, forKey: .activity)
        try container.encode(counterpart, forKey: .counterpart)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(updatedAt, forKey: .updatedAt)
        try container.encode(revision, forKey: .revision)
        try container.encode(source, forKey: .source)
        try container.encode(createdBy, forKey: .createdBy)
        try container.encode(updatedBy, forKey: .updatedBy)
    }
}

/// What an assistance record counts towards.
enum AssistanceType: String, Codable, Sendable, CaseIterable {
    case visit
    case householdVisit = "household_visit"
    case suggestion
    case funding
    case householdPairing = "household_pairing"
    case goodDeed = "good_deed"
    case problemResolved = "problem_resolved"
    case branchPairing = "branch_pairing"
}

/// The 四进网格 strand a record belongs to; `/stats.work.byActivity` counts them.
enum Activity: String, Codable, Sendable, CaseIterable {
    case understandConditions = "understand_conditions"
    case solveProblems = "solve_problems"
    case improveStyle = "improve_style"
    case serveDevelopment = "serve_development"
}

/// Who the cadre met; `/stats.work.byCounterpart` counts them.
enum Counterpart: String, Codable, Sendable, CaseIterable {
    case needy
    case laidOff = "laid_off"
    case wealthLeader = "wealth_leader"
    case veteran
    case returnedMigrant = "returned_migrant"
    case petitioner
    case resident
}
