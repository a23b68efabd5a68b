/// One record of any resource: the server-owned metadata and the field values in schema order.
///
/// A value type; the store hands out copies.
public struct Record: Sendable, Hashable {
    /// Stable, URL-safe id.
    public var id: String
    /// RFC 3339 UTC.
    public var createdAt: String
    /// RFC 3339 UTC.
    public var updatedAt: String
    /// Bumped on every change; the ETag derives from it.
    public var revision: Int
    /// Provenance.
    public var source: Source
    /// The principal whose write created the record (`seed` for the seed).
    public var createdBy: String
    /// The principal whose write made the record as it is now.
    public var updatedBy: String
    /// Field values, in the order of the resource's schema.
    public var values: [FieldValue]

    /// The principal id of seeded records.
    public static let seedPrincipal = "seed"

    /// Creates a record.
    public init(
        id: String, createdAt: String, updatedAt: String, revision: Int, source: Source,
        createdBy: String, updatedBy: String, values: [FieldValue]
    ) {
        self.id = id
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.revision = revision
        self.source = source
        self.createdBy = createdBy
        self.updatedBy = updatedBy
        self.values = values
    }

    /// The value at a field position.
    public subscript<F: RawRepresentable<Int>>(field: F) -> FieldValue {
        get { values[field.rawValue] }
        set { values[field.rawValue] = newValue }
    }
}

/// Field positions of each resource, in schema order.
public enum TownField: Int, CaseIterable { case name, kind }
/// Field positions of villages.
public enum VillageField: Int, CaseIterable { case name, kind, townId, model }
/// Field positions of grids.
public enum GridField: Int, CaseIterable { case name, level, townId, villageId, households }
/// Field positions of cadres.
public enum CadreField: Int, CaseIterable { case name, level, unit, gridIds, villageId, roles }
/// Field positions of projects.
public enum ProjectField: Int, CaseIterable {
    case name, kind, category, villageId, leaderName, leaderCadreId, enterprise, investmentYuan, supportYuan,
        techSupport, expectedAnnualOutputYuan, expectedAnnualProfitYuan, beneficiaries, jobs, status, description,
        partyMembers, organPairings, enterprisePairings, techInfoPeople, programmes, funding, households,
        monthlyIncomeYuan, partnerVillageIds, leaderTitle
}
/// Field positions of assistance records.
public enum AssistanceField: Int, CaseIterable {
    case type, date, cadreId, gridId, householdName, amountYuan, summary, activity, counterpart
}
/// Field positions of trainings.
public enum TrainingField: Int, CaseIterable { case title, organizerLevel, audience, participants, days, townId }
/// Field positions of party organisations.
public enum PartyOrganizationField: Int, CaseIterable {
    case name, kind, townId, villageId, projectId, enterprise, status, requestedOn, establishedOn, new2014, description
}
/// Field positions of cases.
public enum CaseField: Int, CaseIterable {
    case category, gridId, townId, villageId, title, description, householdName, counterpart, reportedBy, origin,
        reportedOn, state, assignee, deadline, overdue, supervised, reworks, outcome, closedOn, recordIds, flow
}
