package import GridworkStore

/// The `/stats` figures counted again from the records, the slow, obvious way: a test oracle for
/// the store's incremental `Aggregates`, so it reads only records and never the aggregates.
package enum Recount {
    /// Every live figure (keyed by its `/stats` path, e.g. `gridService.visits`) and the per-town
    /// rows, in the order of `store.all(.towns)`, counted from every record in `store` that lies
    /// in `region` (as `lies` decides, never the store).
    package static func stats(of store: Store, in region: Region = .district)
        -> (live: [String: Int], byTown: [TownStats])
    {
        let places = Places(store)
        func all(_ kind: ResourceKind) -> [Record] {
            store.all(kind).filter { lies(kind, $0, in: region, places) }
        }
        let cadres = all(.cadres)
        let records = all(.assistanceRecords)
        let projects = all(.projects)
        let trainings = all(.trainings)
        let organizations = all(.partyOrganizations)
        let cases = all(.cases)
        func newOrganizations(_ kind: String) -> Int {
            organizations.filter {
                $0[PartyOrganizationField.kind].string == kind && $0[PartyOrganizationField.new2014].bool
            }.count
        }
        let grids = all(.grids)
        let villages = all(.villages)
        let townOfVillage = Dictionary(uniqueKeysWithValues: villages.map { ($0.id, $0[VillageField.townId].string!) })
        func count(_ type: String) -> Int { records.filter { $0[AssistanceField.type].string == type }.count }
        func level(_ level: String) -> Int { cadres.filter { $0[CadreField.level].string == level }.count }
        func kind(_ kinds: String...) -> [Record] { projects.filter { kinds.contains($0[ProjectField.kind].string!) } }
        func sum(_ list: [Record], _ field: ProjectField) -> Int { list.reduce(0) { $0 + $1[field].int } }
        func funds(_ list: [Record]) -> Int {
            list.filter { $0[AssistanceField.type].string == "funding" }.reduce(0) {
                $0 + $1[AssistanceField.amountYuan].int
            }
        }
        func participants(_ level: String, _ audience: String? = nil) -> Int {
            trainings.filter {
                $0[TrainingField.organizerLevel].string == level
                    && (audience == nil || $0[TrainingField.audience].string == audience)
            }.reduce(0) { $0 + $1[TrainingField.participants].int }
        }
        let secretary = kind("secretary_claimed", "secretary_driven")
        let collective = kind("collective")
        let bases = kind("entrepreneurship")
        func bucket(_ categories: Set<String>?) -> Int {
            collective.filter {
                let category = $0[ProjectField.category].string!
                if let categories { return categories.contains(category) }
                return !["planting", "breeding", "planting_breeding", "property", "service"].contains(category)
            }.count
        }
        func members(_ position: Int) -> Int {
            bases.reduce(0) { $0 + ($1[ProjectField.partyMembers].counts?[position] ?? 0) }
        }
        let live: [String: Int] = [
            "gridService.districtLeaders": level("district_leader"),
            "gridService.branchPairings": count("branch_pairing"),
            "gridService.sectionCadres": level("section"),
            "gridService.organCadres": level("section") + level("general"),
            "gridService.unitGrids": grids.filter { $0[GridField.level].string == "unit" }.count,
            "gridService.visits": count("visit"),
            "gridService.householdsVisited": count("household_visit"),
            "gridService.suggestions": count("suggestion"),
            "gridService.fundsYuan": funds(records),
            "gridService.pairedHouseholds": count("household_pairing"),
            "gridService.goodDeeds": count("good_deed"),
            "gridService.problemsResolved": count("problem_resolved"),
            "projectSecretaries.secretaries": cadres.filter { $0[CadreField.roles].list.contains("project_secretary") }
                .count,
            "projectSecretaries.trainedAtCity": participants("city"),
            "projectSecretaries.trainedPartySecretaries": participants("district", "party_secretary"),
            "projectSecretaries.trainedDirectors": participants("district", "director"),
            "projectSecretaries.townTrainingPersonTimes": participants("town"),
            "projectSecretaries.projectsClaimed": kind("secretary_claimed").count,
            "projectSecretaries.projectsDriven": kind("secretary_driven").count,
            "projectSecretaries.investmentYuan": sum(secretary, .investmentYuan),
            "projectSecretaries.expectedAnnualOutputYuan": sum(secretary, .expectedAnnualOutputYuan),
            "projectSecretaries.beneficiaries": sum(secretary, .beneficiaries),
            "collectiveEconomy.villagesWithProjects": Set(collective.map { $0[ProjectField.villageId].string! }).count,
            "collectiveEconomy.projectsByCategory.plantingBreeding": bucket([
                "planting", "breeding", "planting_breeding",
            ]),
            "collectiveEconomy.projectsByCategory.property": bucket(["property"]),
            "collectiveEconomy.projectsByCategory.service": bucket(["service"]),
            "collectiveEconomy.projectsByCategory.other": bucket(nil),
            "collectiveEconomy.assistedProjects": collective.filter { $0[ProjectField.supportYuan].int > 0 }.count,
            "collectiveEconomy.supportYuan": sum(collective, .supportYuan),
            "collectiveEconomy.techInfoAssists": collective.filter { $0[ProjectField.techSupport].bool }.count,
            "collectiveEconomy.expectedAnnualOutputYuan": sum(collective, .expectedAnnualOutputYuan),
            "collectiveEconomy.expectedAnnualProfitYuan": sum(collective, .expectedAnnualProfitYuan),
            "collectiveEconomy.beneficiaries": sum(collective, .beneficiaries),
            "collectiveEconomy.districtFiscalSupportYuan": collective.reduce(0) {
                $0 + ($1[ProjectField.funding].counts?[Schema.fundingKeys.firstIndex(of: "district")!] ?? 0)
            },
            "entrepreneurship.towns": Set(bases.compactMap { townOfVillage[$0[ProjectField.villageId].string!] }).count,
            "entrepreneurship.bases": bases.count,
            "entrepreneurship.partyMembers.planting": members(0),
            "entrepreneurship.partyMembers.breeding": members(1),
            "entrepreneurship.partyMembers.processing": members(2),
            "entrepreneurship.partyMembers.other": members(3),
            "entrepreneurship.newPartyOrganizations.industryChain": newOrganizations("industry_chain"),
            "entrepreneurship.newPartyOrganizations.twoNew": newOrganizations("two_new"),
            "entrepreneurship.newPartyOrganizations.villagerGroups": newOrganizations("villager_group"),
            "entrepreneurship.organPairings": sum(bases, .organPairings),
            "entrepreneurship.enterprisePairings": sum(bases, .enterprisePairings),
            "entrepreneurship.assistedProjects": bases.filter { $0[ProjectField.supportYuan].int > 0 }.count,
            "entrepreneurship.supportYuan": sum(bases, .supportYuan),
            "entrepreneurship.techInfoPeople": sum(bases, .techInfoPeople),
            "entrepreneurship.beneficiaries": sum(bases, .beneficiaries),
        ]
        let byTown = all(.towns).map { town in
            let townGrids = Set(grids.filter { $0[GridField.townId].string == town.id }.map(\.id))
            let townRecords = records.filter { townGrids.contains($0[AssistanceField.gridId].string!) }
            let townProjects = projects.filter { townOfVillage[$0[ProjectField.villageId].string!] == town.id }
            return TownStats(
                townId: town.id,
                name: town[TownField.name].string!,
                kind: town[TownField.kind].string!,
                grids: townGrids.count,
                cadres: cadres.filter { !townGrids.isDisjoint(with: $0[CadreField.gridIds].list) }.count,
                visits: townRecords.filter { $0[AssistanceField.type].string == "visit" }.count,
                fundsYuan: funds(townRecords),
                projects: townProjects.count,
                investmentYuan: townProjects.reduce(0) { $0 + $1[ProjectField.investmentYuan].int },
                cases: cases.filter { townGrids.contains($0[CaseField.gridId].string!) }
                    .reduce(CaseCounts()) { $0 + counts(of: $1) }
            )
        }
        return (live, byTown)
    }

    /// The assistance records lying in `region`, by activity and by counterpart.
    package static func work(of store: Store, in region: Region = .district) -> WorkBreakdown {
        let records = Self.records(.assistanceRecords, in: region, of: store)
        func count(_ keys: [String], _ field: AssistanceField) -> [Int] {
            keys.map { key in records.filter { $0[field].string == key }.count }
        }
        return WorkBreakdown(
            byActivity: count(Schema.activityKeys, .activity),
            byCounterpart: count(Schema.counterpartKeys, .counterpart))
    }

    /// Every `kind` record of `store` that lies in `region`, in id order.
    package static func records(_ kind: ResourceKind, in region: Region, of store: Store) -> [Record] {
        let places = Places(store)
        return store.all(kind).filter { lies(kind, $0, in: region, places) }
    }

    /// Where each grid and village is, read once from the records.
    package struct Places {
        let grids: [String: Record]
        let townOfVillage: [String: String]

        package init(_ store: Store) {
            grids = Dictionary(uniqueKeysWithValues: store.all(.grids).map { ($0.id, $0) })
            townOfVillage = Dictionary(
                uniqueKeysWithValues: store.all(.villages).map { ($0.id, $0[VillageField.townId].string ?? "") })
        }
    }

    /// Whether a record lies in `region`, worked out the plain way from SPEC section 4 and the
    /// records: a towns region holds what lies in one of its towns (a village, grid or training
    /// in its town, a project in its village's, an assistance record in its grid's, a cadre in
    /// any of its grids' or its village's); a grids region holds its grids, their cadres and
    /// assistance records, and the villages and towns they lie in with those villages' projects
    /// and those towns' trainings and party organisations.
    package static func lies(_ kind: ResourceKind, _ record: Record, in region: Region, _ places: Places) -> Bool {
        func town(ofVillage id: String?) -> String? {
            id.flatMap { places.townOfVillage[$0] }
        }
        func town(ofGrid id: String?) -> String? {
            id.flatMap { places.grids[$0]?[GridField.townId].string }
        }
        switch region {
        case .district:
            return true
        case .towns(let towns):
            let placed: [String?]
            switch kind {
            case .towns: placed = [record.id]
            case .villages: placed = [record[VillageField.townId].string]
            case .grids: placed = [record[GridField.townId].string]
            case .trainings: placed = [record[TrainingField.townId].string]
            case .partyOrganizations: placed = [record[PartyOrganizationField.townId].string]
            case .projects: placed = [town(ofVillage: record[ProjectField.villageId].string)]
            case .assistanceRecords: placed = [town(ofGrid: record[AssistanceField.gridId].string)]
            case .cases: placed = [town(ofGrid: record[CaseField.gridId].string)]
            case .cadres:
                placed =
                    record[CadreField.gridIds].list.map { town(ofGrid: $0) }
                    + [town(ofVillage: record[CadreField.villageId].string)]
            }
            return placed.contains { $0.map(towns.contains) ?? false }
        case .grids(let ids):
            let grids = ids.compactMap { places.grids[$0] }
            switch kind {
            case .grids: return ids.contains(record.id)
            case .cadres: return record[CadreField.gridIds].list.contains(where: ids.contains)
            case .assistanceRecords: return record[AssistanceField.gridId].string.map(ids.contains) ?? false
            case .cases: return record[CaseField.gridId].string.map(ids.contains) ?? false
            case .villages: return grids.contains { $0[GridField.villageId].string == record.id }
            case .projects:
                let village = record[ProjectField.villageId].string
                return grids.contains { village != nil && $0[GridField.villageId].string == village }
            case .towns: return grids.contains { $0[GridField.townId].string == record.id }
            case .trainings:
                let town = record[TrainingField.townId].string
                return grids.contains { town != nil && $0[GridField.townId].string == town }
            case .partyOrganizations:
                let town = record[PartyOrganizationField.townId].string
                return grids.contains { town != nil && $0[GridField.townId].string == town }
            }
        }
    }
}
