/// Rules that span fields or records, checked by the store inside the write's lock.
enum DomainRules {
    /// Problems with `values` for a record of `kind`, given the current tables.
    /// `id` is the record being replaced, nil on create.
    static func check(_ kind: ResourceKind, _ values: [FieldValue], id: String? = nil, in state: Store.State)
        -> [ValidationIssue]
    {
        var issues: [ValidationIssue] = []
        switch kind {
        case .grids:
            let level = values[GridField.level.rawValue].string
            let village = values[GridField.villageId.rawValue].string
            if level == "unit" && village == nil {
                issues.append(ValidationIssue("/villageId", "A unit grid must name its village."))
            }
            if level == "town" && village != nil {
                issues.append(ValidationIssue("/villageId", "A town-level grid belongs to no village."))
            }
            if let village, let record = state[.villages][village],
                record[VillageField.townId].string != values[GridField.townId.rawValue].string
            {
                issues.append(ValidationIssue("/townId", "Must be the town of village `\(village)`."))
            }
            // A grid's cases carry its town and village; moving it would leave them in the old ones.
            if let id, let current = state[.grids][id],
                current[GridField.townId] != values[GridField.townId.rawValue]
                    || current[GridField.villageId] != values[GridField.villageId.rawValue],
                !(state[.cases].ids(where: CaseField.gridId.rawValue, equals: id) ?? []).isEmpty
            {
                issues.append(ValidationIssue("/townId", "The grid has cases in its place; move or delete them first."))
            }
        case .cadres:
            if values[CadreField.level.rawValue].string == "village" && values[CadreField.villageId.rawValue] == .null {
                issues.append(ValidationIssue("/villageId", "A village cadre must name their village."))
            }
        case .assistanceRecords:
            let funding = values[AssistanceField.type.rawValue].string == "funding"
            let amount = values[AssistanceField.amountYuan.rawValue]
            if funding && amount.int <= 0 {
                issues.append(ValidationIssue("/amountYuan", "A funding record needs a positive amountYuan."))
            }
            if !funding && amount != .null {
                issues.append(ValidationIssue("/amountYuan", "Only funding records carry amountYuan."))
            }
        case .villages:
            // A village's grids and party organisations carry its town; moving it would leave them
            // in the old one.
            if let id, let current = state[.villages][id],
                current[VillageField.townId] != values[VillageField.townId.rawValue]
            {
                if !(state[.grids].ids(where: GridField.villageId.rawValue, equals: id) ?? []).isEmpty {
                    issues.append(
                        ValidationIssue("/townId", "The village has grids in its town; move or delete them first."))
                }
                if !(state[.partyOrganizations].ids(where: PartyOrganizationField.villageId.rawValue, equals: id)
                    ?? []).isEmpty
                {
                    issues.append(
                        ValidationIssue(
                            "/townId", "The village has party organisations in its town; move or delete them first."))
                }
            }
        case .projects:
            // A project's party organisations lie in its town; moving it to another town would
            // leave them behind.
            if let id, let current = state[.projects][id],
                let newTown = townOfVillage(values[ProjectField.villageId.rawValue].string, in: state),
                townOfVillage(current[ProjectField.villageId].string, in: state) != newTown,
                !(state[.partyOrganizations].ids(where: PartyOrganizationField.projectId.rawValue, equals: id)
                    ?? []).isEmpty
            {
                issues.append(
                    ValidationIssue(
                        "/villageId", "The project has party organisations in its town; move or delete them first."))
            }
        case .partyOrganizations:
            issues += organizationIssues(values, in: state)
        case .cases:
            // A case lies where its grid does: the town and village are copied from the grid.
            if let grid = values[CaseField.gridId.rawValue].string.flatMap({ state[.grids][$0] }) {
                if values[CaseField.townId.rawValue] != grid[GridField.townId] {
                    issues.append(ValidationIssue("/townId", "Must be the town of its grid."))
                }
                if values[CaseField.villageId.rawValue] != grid[GridField.villageId] {
                    issues.append(ValidationIssue("/villageId", "Must be the village of its grid."))
                }
            }
        case .towns, .trainings:
            break
        }
        return issues
    }

    private static func townOfVillage(_ village: String?, in state: Store.State) -> String? {
        village.flatMap { state[.villages][$0]?[VillageField.townId].string }
    }

    private static func organizationIssues(_ values: [FieldValue], in state: Store.State) -> [ValidationIssue] {
        var issues: [ValidationIssue] = []
        let town = values[PartyOrganizationField.townId.rawValue].string
        let village = values[PartyOrganizationField.villageId.rawValue].string
        if let village, let record = state[.villages][village], record[VillageField.townId].string != town {
            issues.append(ValidationIssue("/townId", "Must be the town of village `\(village)`."))
        }
        if let project = values[PartyOrganizationField.projectId.rawValue].string,
            let projectVillage = state[.projects][project]?[ProjectField.villageId].string,
            let record = state[.villages][projectVillage], record[VillageField.townId].string != town
        {
            issues.append(ValidationIssue("/projectId", "Project `\(project)` is in another town."))
        }
        let requested = values[PartyOrganizationField.requestedOn.rawValue].string
        let established = values[PartyOrganizationField.establishedOn.rawValue].string
        if values[PartyOrganizationField.status.rawValue].string == "requested" && established != nil {
            issues.append(ValidationIssue("/establishedOn", "A requested organisation is not yet established."))
        }
        if let requested, let established, requested > established {
            issues.append(ValidationIssue("/establishedOn", "Must not be before requestedOn (\(requested))."))
        }
        return issues
    }

    /// Rules a record's own figures must keep, checked on a client's write only: a record the
    /// journal already holds passed the rules of the version that wrote it, and a rule added
    /// since must not make a data directory unloadable.
    static func writeIssues(_ kind: ResourceKind, _ values: [FieldValue]) -> [ValidationIssue] {
        guard kind == .projects else { return [] }
        var issues: [ValidationIssue] = []
        let investment = values[ProjectField.investmentYuan.rawValue].int
        let support = values[ProjectField.supportYuan.rawValue].int
        if values[ProjectField.expectedAnnualProfitYuan.rawValue].int
            > values[ProjectField.expectedAnnualOutputYuan.rawValue].int
        {
            issues.append(
                ValidationIssue("/expectedAnnualProfitYuan", "Must not exceed expectedAnnualOutputYuan."))
        }
        if support > investment {
            issues.append(ValidationIssue("/supportYuan", "Must not exceed investmentYuan (\(investment))."))
        }
        if let funding = values[ProjectField.funding.rawValue].counts {
            let total = funding.reduce(0, +)
            if total != investment && total != support {
                issues.append(
                    ValidationIssue(
                        "/funding",
                        "The parts add up to \(total); they must add up to investmentYuan (\(investment)) "
                            + "or to supportYuan (\(support))."))
            }
        }
        return issues
    }
}
