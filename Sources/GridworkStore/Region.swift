/// The part of the district a read covers (SPEC section 4): the whole district, some towns, or
/// some grids. Lists, records, `/stats` and the timeline are answered within one.
///
/// Where a record lies: a town in itself; a village, a grid, a training and a project in their
/// town (a project through its village); a cadre in the towns and grids it serves and its
/// village's town; an assistance record and a case in its grid and that grid's town; a party organisation
/// in its town. A towns region holds
/// the records lying in one of its towns. A grids region holds the records of its grids (the
/// grids, their cadres and assistance records) and the villages and towns they lie in, with
/// those villages' projects and those towns' trainings and party organisations, so that a grid cadre can read where
/// they work.
public enum Region: Sendable, Hashable {
    /// Everything.
    case district
    /// The records lying in these towns.
    case towns(Set<String>)
    /// The records of these grids, and the villages and towns they lie in.
    case grids(Set<String>)

    /// Whether the region is the whole district.
    public var isDistrict: Bool { self == .district }
}

/// A region resolved against one state: the towns, villages and grids it reaches. Both ways of
/// asking what lies in it — one record (`contains`) or every record of a resource (`ids`) —
/// read these three sets, so lists, records and `/stats` cannot disagree.
struct RegionMembers {
    /// Town ids (possibly of towns that do not exist).
    let towns: Set<String>
    /// Village ids.
    let villages: Set<String>
    /// Grid ids (possibly of grids that do not exist).
    let grids: Set<String>
    /// Whether a cadre lies in the region through its village too (a towns region), not only
    /// through the grids it serves.
    let cadresByVillage: Bool

    /// The members of `region` in `state`; nil for the district, which holds everything.
    init?(_ region: Region, in state: Store.State) {
        switch region {
        case .district:
            return nil
        case .towns(let towns):
            var villages = Set<String>()
            var grids = Set<String>()
            for town in towns {
                villages.formUnion(state[.villages].ids(where: VillageField.townId.rawValue, equals: town) ?? [])
                grids.formUnion(state[.grids].ids(where: GridField.townId.rawValue, equals: town) ?? [])
            }
            self.towns = towns
            self.villages = villages
            self.grids = grids
            cadresByVillage = true
        case .grids(let grids):
            var towns = Set<String>()
            var villages = Set<String>()
            for grid in grids {
                guard let record = state[.grids][grid] else { continue }
                if let town = record[GridField.townId].string { towns.insert(town) }
                if let village = record[GridField.villageId].string { villages.insert(village) }
            }
            self.towns = towns
            self.villages = villages
            self.grids = grids
            cadresByVillage = false
        }
    }

    /// Whether `record`, a record of `kind`, lies in the region.
    func contains(_ kind: ResourceKind, _ record: Record) -> Bool {
        switch kind {
        case .towns:
            return towns.contains(record.id)
        case .villages:
            return villages.contains(record.id)
        case .grids:
            return grids.contains(record.id)
        case .cadres:
            return holdsCadre(serving: record[CadreField.gridIds].list, village: record[CadreField.villageId].string)
        case .projects:
            return record[ProjectField.villageId].string.map(villages.contains) == true
        case .assistanceRecords:
            return record[AssistanceField.gridId].string.map(grids.contains) == true
        case .trainings:
            return record[TrainingField.townId].string.map(towns.contains) == true
        case .partyOrganizations:
            return record[PartyOrganizationField.townId].string.map(towns.contains) == true
        case .cases:
            return record[CaseField.gridId].string.map(grids.contains) == true
        }
    }

    /// Whether a cadre serving `grids`, of `village`, lies in the region.
    func holdsCadre(serving grids: [String], village: String?) -> Bool {
        grids.contains(where: self.grids.contains) || cadresByVillage && village.map(villages.contains) == true
    }

    /// The ids of every `kind` record in the region, as sorted buckets of the table's indexes
    /// (`disjoint` when no id is in two of them): the same rule as `contains`, read from the
    /// indexes instead of the records.
    func buckets(_ kind: ResourceKind, in state: Store.State) -> (buckets: [SortedIDs], disjoint: Bool) {
        let table = state[kind]
        func existing(_ ids: Set<String>) -> [SortedIDs] {
            [SortedIDs(sorted: ids.filter { table[$0] != nil }.sorted())]
        }
        func index<Field: RawRepresentable<Int>>(_ field: Field, _ keys: Set<String>) -> [SortedIDs] {
            keys.compactMap { table.ids(where: field.rawValue, equals: $0) }.filter { !$0.isEmpty }
        }
        switch kind {
        case .towns: return (existing(towns), true)
        case .villages: return (existing(villages), true)
        case .grids: return (existing(grids), true)
        case .cadres:
            let byVillage = cadresByVillage ? index(CadreField.villageId, villages) : []
            return (index(CadreField.gridIds, grids) + byVillage, false)
        case .projects: return (index(ProjectField.villageId, villages), true)
        case .assistanceRecords: return (index(AssistanceField.gridId, grids), true)
        case .trainings: return (index(TrainingField.townId, towns), true)
        case .partyOrganizations: return (index(PartyOrganizationField.townId, towns), true)
        case .cases: return (index(CaseField.gridId, grids), true)
        }
    }

    /// Every id of `buckets`, once each, sorted.
    static func union(_ buckets: [SortedIDs]) -> SortedIDs {
        if buckets.count == 1 { return buckets[0] }
        var merged = MergedIDs(buckets, after: nil)
        var ids: [String] = []
        ids.reserveCapacity(buckets.reduce(0) { $0 + $1.count })
        while let id = merged.next() {
            // Buckets may overlap (a cadre serving two grids): equal ids arrive together.
            if id != ids.last { ids.append(id) }
        }
        return SortedIDs(sorted: ids)
    }
}
