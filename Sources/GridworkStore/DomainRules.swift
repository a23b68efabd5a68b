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
            // A village's grids carry its town; moving it would leave them in the old one.
            if let id, let current = state[.villages][id],
                current[VillageField.townId] != values[VillageField.townId.rawValue],
                !(state[.grids].ids(where: GridField.villageId.rawValue, equals: id) ?? []).isEmpty
            {
                issues.append(
                    ValidationIssue("/townId", "The village has grids in its town; move or delete them first."))
            }
        case .towns, .projects, .trainings:
            break
        }
        return issues
    }
}
