/// Rules that span fields or records, checked by the store inside the write's lock.
enum DomainRules {
    /// Problems with `values` for a record of `kind`, given the current tables.
    static func check(_ kind: ResourceKind, _ values: [FieldValue], in state: Store.State) -> [ValidationIssue] {
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
        case .towns, .villages, .projects, .trainings:
            break
        }
        return issues
    }
}
