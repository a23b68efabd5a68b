import GridworkStore

/// The part of the district a principal may see and change (SPEC section 4), and where a record
/// sits in it.
///
/// Every record sits in one or more towns and, for the records of grid work, in grids:
/// a town in itself; a village, a training and a project in their town (a project through its
/// village); a grid in its town, and in itself; a cadre in the towns and grids it serves (and its
/// village's town); an assistance record in its grid and that grid's town. A grid principal sees
/// the records of its grids, and the villages and towns they lie in.
struct Scope: Sendable, Equatable {
    /// How far the scope reaches: the region every read of the principal is answered within.
    typealias Extent = Region

    let extent: Extent

    /// The scope of `principal`.
    init(_ principal: Principal) {
        switch principal.role {
        case .admin, .district: extent = .district
        case .town: extent = .towns(Set(principal.towns))
        case .grid: extent = .grids(Set(principal.grids))
        case .viewer:
            if !principal.grids.isEmpty {
                extent = .grids(Set(principal.grids))
            } else if !principal.towns.isEmpty {
                extent = .towns(Set(principal.towns))
            } else {
                extent = .district
            }
        }
    }

    /// Whether the scope is the whole district.
    var isDistrict: Bool { extent == .district }

    /// Where a record with `values` sits, its references looked up with `lookup` (the write
    /// path's state for a write, the published state for a read).
    static func place(
        of kind: ResourceKind, id: String?, values: [FieldValue],
        lookup: (ResourceKind, String) -> Record?
    ) -> (towns: Set<String>, grids: Set<String>) {
        func townOfVillage(_ villageID: String?) -> String? {
            villageID.flatMap { lookup(.villages, $0)?[VillageField.townId].string }
        }
        func townOfGrid(_ gridID: String) -> String? {
            lookup(.grids, gridID)?[GridField.townId].string
        }
        switch kind {
        case .towns:
            return (Set([id].compactMap { $0 }), [])
        case .villages:
            return (Set([values[VillageField.townId.rawValue].string].compactMap { $0 }), [])
        case .grids:
            return (Set([values[GridField.townId.rawValue].string].compactMap { $0 }), Set([id].compactMap { $0 }))
        case .cadres:
            let grids = values[CadreField.gridIds.rawValue].list
            var towns = Set(grids.compactMap(townOfGrid))
            if let town = townOfVillage(values[CadreField.villageId.rawValue].string) { towns.insert(town) }
            return (towns, Set(grids))
        case .projects:
            return (Set([townOfVillage(values[ProjectField.villageId.rawValue].string)].compactMap { $0 }), [])
        case .assistanceRecords:
            let grid = values[AssistanceField.gridId.rawValue].string
            return (Set([grid.flatMap(townOfGrid)].compactMap { $0 }), Set([grid].compactMap { $0 }))
        case .trainings:
            return (Set([values[TrainingField.townId.rawValue].string].compactMap { $0 }), [])
        case .partyOrganizations:
            return (Set([values[PartyOrganizationField.townId.rawValue].string].compactMap { $0 }), [])
        case .cases:
            let grid = values[CaseField.gridId.rawValue].string
            return (Set([grid.flatMap(townOfGrid)].compactMap { $0 }), Set([grid].compactMap { $0 }))
        }
    }

    /// Whether a record is in the scope for reading: it sits in one of the scope's towns (or
    /// grids). A grid scope also reaches the villages and towns its grids lie in, so that a grid
    /// cadre can read where they work.
    func contains(
        _ kind: ResourceKind, id: String?, values: [FieldValue], lookup: (ResourceKind, String) -> Record?
    ) -> Bool {
        switch extent {
        case .district:
            return true
        case .towns(let towns):
            let place = Self.place(of: kind, id: id, values: values, lookup: lookup)
            return !place.towns.isDisjoint(with: towns)
        case .grids(let grids):
            switch kind {
            case .towns, .villages, .trainings, .projects, .partyOrganizations:
                let gridRecords = grids.compactMap { lookup(.grids, $0) }
                switch kind {
                case .villages:
                    return gridRecords.contains { $0[GridField.villageId].string == id }
                case .projects:
                    let village = values[ProjectField.villageId.rawValue].string
                    return village != nil && gridRecords.contains { $0[GridField.villageId].string == village }
                default:
                    let place = Self.place(of: kind, id: id, values: values, lookup: lookup)
                    return gridRecords.contains { grid in
                        grid[GridField.townId].string.map(place.towns.contains) ?? false
                    }
                }
            case .grids, .cadres, .assistanceRecords, .cases:
                let place = Self.place(of: kind, id: id, values: values, lookup: lookup)
                return !place.grids.isDisjoint(with: grids)
            }
        }
    }

    /// Whether a record may be written: every town (or grid) it sits in is the scope's, so that
    /// no write reaches outside it. A grid scope writes assistance records and cases only.
    func mayWrite(
        _ kind: ResourceKind, id: String?, values: [FieldValue], lookup: (ResourceKind, String) -> Record?
    ) -> Bool {
        let place = Self.place(of: kind, id: id, values: values, lookup: lookup)
        switch extent {
        case .district:
            return true
        case .towns(let towns):
            return !place.towns.isEmpty && place.towns.isSubset(of: towns)
        case .grids(let grids):
            return (kind == .assistanceRecords || kind == .cases) && !place.grids.isEmpty
                && place.grids.isSubset(of: grids)
        }
    }
}
