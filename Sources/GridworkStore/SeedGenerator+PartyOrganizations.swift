extension SeedGenerator {
    static let industryChainBranches = 2
    static let twoNewBranches = 2
    static let villagerGroupBranches = 29

    /// E7–E9 and the branches the report names. The new ones of 2014 are built where the party
    /// members' bases are: a branch on the chain of the industry with the most bases in a town,
    /// branches in the largest company and cooperative, and villager-group branches in the bases'
    /// villages (the larger bases' villages get a second), with the rest in other villages.
    mutating func makePartyOrganizations() {
        for json in namedList("partyOrganizations") { _ = addNamed(.partyOrganizations, json) }
        let townName = Dictionary(uniqueKeysWithValues: towns.map { ($0.id, $0.name) })
        let largestFirst = bases.sorted { ($0.partyMembers, $1.id) > ($1.partyMembers, $0.id) }

        var chains = Dictionary(grouping: bases) { "\($0.townId) \($0.industry)" }.values.map { chain in
            chain.sorted { ($0.partyMembers, $1.id) > ($1.partyMembers, $0.id) }
        }
        chains.sort { ($0.count, $0[0].partyMembers, $1[0].id) > ($1.count, $1[0].partyMembers, $0[0].id) }
        var chainTowns: [String] = []
        var used = Set<String>()
        for chain in chains where chainTowns.count < Self.industryChainBranches && !chainTowns.contains(chain[0].townId)
        {
            let lead = chain[0]
            chainTowns.append(lead.townId)
            used.insert(lead.id)
            addOrganization(
                "\(townName[lead.townId]!)\(lead.industry)产业链党支部", kind: "industry_chain", town: lead.townId,
                project: lead.id)
        }

        // One company and one cooperative, the largest not already leading a chain.
        for wantsCompany in [true, false].prefix(Self.twoNewBranches) {
            let base = largestFirst.first { !used.contains($0.id) && $0.isCompany == wantsCompany }!
            used.insert(base.id)
            addOrganization(
                base.enterprise + "党支部", kind: "two_new", town: base.townId, village: base.villageId, project: base.id,
                enterprise: base.enterprise)
        }

        var groups: [(village: String, project: String?)] = bases.map { ($0.villageId, $0.id) }
        let extra = Self.villagerGroupBranches - groups.count
        groups += largestFirst.prefix(extra / 2 + extra % 2).map { ($0.villageId, $0.id) }
        let baseVillages = Set(bases.map(\.villageId))
        let reportVillages = Set(records.filter { $0.0 == .villages && $0.1.source == .report }.map(\.1.id))
        let others = villages.filter {
            $0.kind == "village" && !baseVillages.contains($0.id) && !reportVillages.contains($0.id)
        }
        groups += random.shuffled(others).prefix(extra / 2).map { ($0.id, nil) }
        precondition(groups.count == Self.villagerGroupBranches, "villager-group branches do not add up")
        // Hamlets dealt from a shuffled deck, so no name turns up again and again.
        var hamlets = random.shuffled(ProjectWords.hamlets)
        precondition(hamlets.count >= groups.count, "too few hamlet names for the villager groups")
        for (villageID, project) in groups {
            let village = villages.first { $0.id == villageID }!
            let hamlet = hamlets.removeLast()
            addOrganization(
                "\(village.name)\(hamlet)组党支部", kind: "villager_group", town: village.townId, village: villageID,
                project: project)
        }
    }

    /// A party organisation newly built in 2014: applied for, then set up some weeks later.
    private mutating func addOrganization(
        _ name: String, kind: String, town: String, village: String? = nil, project: String? = nil,
        enterprise: String? = nil
    ) {
        let (requested, established) = organizationDates()
        var fields: [(PartyOrganizationField, FieldValue)] = [
            (.name, .string(name)), (.kind, .string(kind)), (.townId, .string(town)),
            (.status, .string("established")), (.requestedOn, .string(requested)),
            (.establishedOn, .string(established)), (.new2014, .bool(true)),
        ]
        if let village { fields.append((.villageId, .string(village))) }
        if let project { fields.append((.projectId, .string(project))) }
        if let enterprise { fields.append((.enterprise, .string(enterprise))) }
        add(.partyOrganizations, fields)
    }

    /// Days of 2014 (0 = 1 January) off work by the State Council's notice, through August:
    /// New Year, the Spring Festival, Qingming, Labour Day and the Dragon Boat Festival.
    static let holidays2014: Set<Int> = [0, 30, 31, 32, 33, 34, 35, 36, 94, 95, 96, 120, 121, 122, 150, 151, 152]

    /// When a new branch was applied for and set up: the application on a working day after the
    /// Spring Festival and before mid-June, the branch two to six weeks later, on a working day,
    /// by 2014-08-05.
    private mutating func organizationDates() -> (requested: String, established: String) {
        func working(_ offset: Int) -> Bool {
            let weekday = (offset + 3) % 7  // 0 = Sunday; 2014-01-01 was a Wednesday
            return weekday != 0 && weekday != 6 && !Self.holidays2014.contains(offset)
        }
        var requested: Int
        repeat { requested = random.int(in: 37...170) } while !working(requested)
        var established = min(requested + random.int(in: 14...45), 216)
        while !working(established) { established -= 1 }
        return (CalendarDate(dayOf2014: requested).text, CalendarDate(dayOf2014: established).text)
    }
}
