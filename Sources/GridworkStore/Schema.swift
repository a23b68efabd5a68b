import JSON

/// What a field holds and which values it accepts.
public enum FieldType: Sendable, Equatable {
    /// A short string (names, units), at most `maxLength` Unicode code points.
    case string(maxLength: Int)
    /// Free text (summaries, descriptions), at most `Schema.maxTextLength` code points.
    case text
    /// A non-negative integer count.
    case count
    /// A non-negative integer number of yuan.
    case money
    /// true or false.
    case boolean
    /// `YYYY-MM-DD`, a real calendar date within `CalendarDate.accepted`.
    case date
    /// One of the listed strings.
    case enumeration([String])
    /// The id of a record of another resource.
    case reference(ResourceKind)
    /// A list of ids of another resource.
    case references(ResourceKind)
    /// A list of tags from the listed set.
    case tags([String])
    /// An object of non-negative integers (counts, or yuan) under these keys; an absent key is 0.
    case counts([String])
    /// A case's flow (`CaseStep`s); only the server writes it.
    case steps
}

/// Who sets a field.
public enum FieldAccess: Sendable, Equatable {
    /// The client, on create and on every update.
    case free
    /// The client, on create only: an update may repeat it but not change it.
    case fixed
    /// The server, from other fields and the record's workflow: a client may repeat it on an
    /// update, never set or change it.
    case derived
}

/// One field of a resource.
public struct FieldSpec: Sendable, Equatable {
    /// The JSON name.
    public var name: String
    /// What it holds.
    public var type: FieldType
    /// Whether a create must give it (absent optional fields are null).
    public var required: Bool
    /// Whether `?q=` searches it.
    public var searchable: Bool
    /// A sentence for documentation.
    public var summary: String
    /// Whether an enumeration is also indexed per date of the record, so that one value and a
    /// date range are counted and paged from the index alone: for the field lists are most often
    /// asked for by date (an assistance record's type). Other equalities with a date range scan
    /// their value's bucket.
    public var byDate: Bool
    /// Who sets it.
    public var access: FieldAccess

    init(
        _ name: String, _ type: FieldType, required: Bool = true, searchable: Bool = false, byDate: Bool = false,
        access: FieldAccess = .free, _ summary: String
    ) {
        self.access = access
        self.name = name
        self.type = type
        self.required = required
        self.searchable = searchable
        self.byDate = byDate
        self.summary = summary
    }
}

/// A resource's fields and id prefix. One generic store and API serve every schema.
public struct Schema: Sendable {
    /// The resource.
    public var kind: ResourceKind
    /// Prefix of generated ids (`record-0000001`).
    public var idPrefix: String
    /// Digits of generated ids.
    public var idDigits: Int
    /// Fields in record order.
    public let fields: [FieldSpec]
    /// Singular name, for messages and documentation.
    public var singular: String
    /// `,"name":` for each field, escaped once here rather than for every record written.
    let memberPrefixes: [[UInt8]]

    init(kind: ResourceKind, idPrefix: String, idDigits: Int, fields: [FieldSpec], singular: String) {
        self.kind = kind
        self.idPrefix = idPrefix
        self.idDigits = idDigits
        self.fields = fields
        self.singular = singular
        memberPrefixes = fields.map { field in
            var writer = JSONWriter(capacity: field.name.utf8.count + 4)
            writer.bytes.append(UInt8(ascii: ","))
            writer.key(field.name)
            return writer.bytes
        }
    }

    /// `values` with null for every trailing field left out.
    func filled(_ values: [FieldValue]) -> [FieldValue] {
        precondition(values.count <= fields.count, "more values than \(kind.rawValue) has fields")
        guard values.count < fields.count else { return values }
        return values + Array(repeating: .null, count: fields.count - values.count)
    }

    /// Whether the server derives some of its fields (`FieldAccess.derived`): an update then
    /// carries the values it read, and must find them unchanged.
    public var hasDerivedFields: Bool {
        fields.contains { $0.access == .derived }
    }

    /// The position of `name`, or nil.
    public func index(of name: String) -> Int? {
        fields.firstIndex { $0.name == name }
    }

    /// The id for the `number`th generated record.
    public func makeID(_ number: Int) -> String {
        let digits = UInt64(number).decimalDigitCount(paddedTo: idDigits)
        var prefix = idPrefix
        return prefix.withUTF8 { prefix in
            String(unsafeUninitializedCapacity: prefix.count + 1 + digits) { buffer in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(prefix))
                buffer[prefix.count] = UInt8(ascii: "-")
                UInt64(number).writeDecimal(into: .init(rebasing: buffer[(prefix.count + 1)...]))
                return buffer.count
            }
        }
    }

    /// The number in an id of this schema's form (`record-0000042` → 42); 0 for other ids.
    func number(in id: String) -> Int {
        let prefix = idPrefix + "-"
        guard id.hasPrefix(prefix), let number = Int(id.dropFirst(prefix.count)) else { return 0 }
        return number
    }

    static let partyMemberKeys = ["planting", "breeding", "processing", "other"]
    /// The 六大行动计划: 小康路, 小康水, 小康房, 小康讯, 小康电, 小康寨.
    static let programmeKeys = ["road", "water", "housing", "telecom", "power", "village"]
    /// Where a project's money comes from.
    public static let fundingKeys = ["own", "households", "village", "villagers", "town", "district", "enterprise"]
    /// The position of `district` in `fundingKeys` (C12 sums it).
    static let districtFunding = 5
    /// The four strands of 四进网格.
    public static let activityKeys = ["understand_conditions", "solve_problems", "improve_style", "serve_development"]
    /// Who a cadre met.
    public static let counterpartKeys = [
        "needy", "laid_off", "wealth_leader", "veteran", "returned_migrant", "petitioner", "resident",
    ]

    /// The schemas in `ResourceKind.allCases` order, for lookup by ordinal.
    static let byOrdinal: [Schema] = ResourceKind.allCases.map { all[$0]! }

    static let all: [ResourceKind: Schema] = [
        .towns: Schema(
            kind: .towns,
            idPrefix: "town",
            idDigits: 2,
            fields: [
                FieldSpec("name", .string(maxLength: 100), searchable: true, "Name, e.g. 董公寺镇."),
                FieldSpec("kind", .enumeration(["town", "street"]), "`town` (镇) or `street` (街道, sub-district)."),
            ],
            singular: "town"
        ),
        .villages: Schema(
            kind: .villages,
            idPrefix: "village",
            idDigits: 3,
            fields: [
                FieldSpec("name", .string(maxLength: 100), searchable: true, "Name, e.g. 交通村."),
                FieldSpec(
                    "kind",
                    .enumeration(["village", "residence", "community"]),
                    "`village` (村), `residence` (居) or `community` (社区)."
                ),
                FieldSpec("townId", .reference(.towns), "The town or sub-district it belongs to."),
                FieldSpec(
                    "model", .boolean, required: false,
                    "One of the report's model villages (典型) of the collective economy."),
            ],
            singular: "village"
        ),
        .grids: Schema(
            kind: .grids,
            idPrefix: "grid",
            idDigits: 4,
            fields: [
                FieldSpec("name", .string(maxLength: 100), searchable: true, "Name of the grid."),
                FieldSpec("level", .enumeration(["town", "unit"]), "`town` (镇(街)网格) or `unit` (单元网格)."),
                FieldSpec("townId", .reference(.towns), "The town or sub-district."),
                FieldSpec("villageId", .reference(.villages), required: false, "The village (unit grids only)."),
                FieldSpec("households", .count, "Households in the grid."),
            ],
            singular: "grid"
        ),
        .cadres: Schema(
            kind: .cadres,
            idPrefix: "cadre",
            idDigits: 4,
            fields: [
                FieldSpec("name", .string(maxLength: 100), searchable: true, "Name."),
                FieldSpec(
                    "level",
                    .enumeration(["district_leader", "section", "general", "village"]),
                    "District leader, section-level or general organ cadre, or village cadre."
                ),
                FieldSpec(
                    "unit", .string(maxLength: 200), searchable: true, "Their organ, or their post in the village."),
                FieldSpec("gridIds", .references(.grids), required: false, "Grids they serve."),
                FieldSpec("villageId", .reference(.villages), required: false, "Their village (village cadres)."),
                FieldSpec("roles", .tags(["project_secretary"]), required: false, "Roles, e.g. `project_secretary`."),
            ],
            singular: "cadre"
        ),
        .projects: Schema(
            kind: .projects,
            idPrefix: "project",
            idDigits: 3,
            fields: [
                FieldSpec("name", .string(maxLength: 200), searchable: true, "Name of the project."),
                FieldSpec(
                    "kind",
                    .enumeration(["secretary_claimed", "secretary_driven", "collective", "entrepreneurship"]),
                    "Claimed or driven by a project secretary, a collective-economy project, or an entrepreneurship base."
                ),
                FieldSpec(
                    "category",
                    .enumeration([
                        "planting", "breeding", "planting_breeding", "processing", "property", "service", "mining",
                        "manufacturing", "tourism", "trade", "construction", "other",
                    ]),
                    "Industry."
                ),
                FieldSpec("villageId", .reference(.villages), "Village where it is."),
                FieldSpec("leaderName", .string(maxLength: 100), searchable: true, "Who leads it."),
                FieldSpec("leaderCadreId", .reference(.cadres), required: false, "The leading cadre, when one."),
                FieldSpec(
                    "enterprise", .string(maxLength: 200), required: false, searchable: true, "Enterprise, when one."),
                FieldSpec("investmentYuan", .money, "Investment, yuan."),
                FieldSpec("supportYuan", .money, "Support received from district and towns, yuan."),
                FieldSpec("techSupport", .boolean, "Whether it receives technical or information support."),
                FieldSpec("expectedAnnualOutputYuan", .money, "Expected annual output, yuan."),
                FieldSpec("expectedAnnualProfitYuan", .money, "Expected annual profit, yuan."),
                FieldSpec("beneficiaries", .count, "People it helps to prosper."),
                FieldSpec("jobs", .count, "Jobs it provides."),
                FieldSpec("status", .enumeration(["planned", "active", "completed"]), "Where it stands."),
                FieldSpec("description", .text, required: false, searchable: true, "What the report says of it."),
                FieldSpec(
                    "partyMembers",
                    .counts(partyMemberKeys),
                    required: false,
                    "Entrepreneurship: party members by trade."
                ),
                FieldSpec("organPairings", .count, required: false, "Entrepreneurship: organ pairings."),
                FieldSpec("enterprisePairings", .count, required: false, "Entrepreneurship: enterprise pairings."),
                FieldSpec("techInfoPeople", .count, required: false, "Entrepreneurship: people given tech support."),
                FieldSpec(
                    "programmes", .tags(programmeKeys), required: false,
                    "The 六大行动计划 it serves: 小康路 `road`, 水 `water`, 房 `housing`, 讯 `telecom`, 电 `power`, 寨 `village`."
                ),
                FieldSpec(
                    "funding", .counts(fundingKeys), required: false,
                    "Where the money comes from, yuan by source; the parts add up to investmentYuan or to supportYuan."
                ),
                FieldSpec("households", .count, required: false, "Households taking part (带领…户)."),
                FieldSpec(
                    "monthlyIncomeYuan", .money, required: false, "Monthly income of the people it employs, yuan."),
                FieldSpec(
                    "partnerVillageIds", .references(.villages), required: false,
                    "Other villages whose people it works with."),
                FieldSpec(
                    "leaderTitle", .string(maxLength: 200), required: false, searchable: true,
                    "The leader's post, when the leader is no cadre (e.g. 鹌鹑协会理事长)."),
            ],
            singular: "project"
        ),
        .assistanceRecords: Schema(
            kind: .assistanceRecords,
            idPrefix: "record",
            idDigits: 7,
            fields: [
                FieldSpec(
                    "type",
                    .enumeration([
                        "visit", "household_visit", "suggestion", "funding", "household_pairing", "good_deed",
                        "problem_resolved", "branch_pairing",
                    ]),
                    byDate: true,
                    "What was done."
                ),
                FieldSpec("date", .date, "When (YYYY-MM-DD, 2000-01-01 to 2099-12-31)."),
                FieldSpec("cadreId", .reference(.cadres), "Who did it."),
                FieldSpec("gridId", .reference(.grids), "In which grid."),
                FieldSpec("householdName", .string(maxLength: 100), required: false, searchable: true, "Household."),
                FieldSpec("amountYuan", .money, required: false, "Funds given, yuan (type `funding` only)."),
                FieldSpec("summary", .text, searchable: true, "What happened."),
                FieldSpec(
                    "activity", .enumeration(activityKeys), required: false,
                    "The 四进网格 strand: 了解民情 `understand_conditions`, 解决问题 `solve_problems`, "
                        + "改进作风 `improve_style`, 服务发展 `serve_development`."),
                FieldSpec(
                    "counterpart", .enumeration(counterpartKeys), required: false,
                    "Who was met, for talks and visits: 困难群众 `needy`, 下岗职工 `laid_off`, 致富带头人 `wealth_leader`, "
                        + "复退军人 `veteran`, 务工返乡人员 `returned_migrant`, 信访人员 `petitioner`, or `resident`."),
            ],
            singular: "assistance record"
        ),
        .trainings: Schema(
            kind: .trainings,
            idPrefix: "training",
            idDigits: 2,
            fields: [
                FieldSpec("title", .string(maxLength: 200), searchable: true, "Title."),
                FieldSpec("organizerLevel", .enumeration(["city", "district", "town"]), "Who organised it."),
                FieldSpec(
                    "audience",
                    .enumeration(["party_secretary", "director", "two_committees"]),
                    "Who was trained."
                ),
                FieldSpec("participants", .count, "People (or person-times) trained."),
                FieldSpec("days", .count, "Length in days."),
                FieldSpec("townId", .reference(.towns), required: false, "The town that ran it (town trainings)."),
            ],
            singular: "training"
        ),
        .partyOrganizations: Schema(
            kind: .partyOrganizations,
            idPrefix: "party-org",
            idDigits: 3,
            fields: [
                FieldSpec("name", .string(maxLength: 200), searchable: true, "Name, e.g. 万盛源农牧科技有限公司党支部."),
                FieldSpec(
                    "kind",
                    .enumeration([
                        "industry_chain", "two_new", "villager_group", "village", "organ", "enterprise", "association",
                    ]),
                    "Built on an industry chain, in a \"two new\" organisation, in a villager group; or a village's, "
                        + "an organ's, an enterprise's or an association's branch."
                ),
                FieldSpec("townId", .reference(.towns), "The town or sub-district it is in."),
                FieldSpec("villageId", .reference(.villages), required: false, "The village, when it is in one."),
                FieldSpec(
                    "projectId", .reference(.projects), required: false, "The project it was built on, when one."),
                FieldSpec(
                    "enterprise", .string(maxLength: 200), required: false, searchable: true,
                    "The enterprise or association it is in, when one."),
                FieldSpec(
                    "status", .enumeration(["requested", "established"]),
                    "`requested` (applied for) or `established`."),
                FieldSpec("requestedOn", .date, required: false, "When it was applied for."),
                FieldSpec("establishedOn", .date, required: false, "When it was established."),
                FieldSpec("new2014", .boolean, required: false, "Newly built in 2014 (the report's 新建党组织)."),
                FieldSpec("description", .text, required: false, searchable: true, "What the report says of it."),
            ],
            singular: "party organisation"
        ),
        .cases: Schema(
            kind: .cases,
            idPrefix: "case",
            idDigits: 5,
            fields: [
                FieldSpec(
                    "category", .enumeration(CaseCategory.allCases.map(\.rawValue)), access: .fixed,
                    "Its clock: `urgent` (the same working day), `help` (5 working days), `complaint` (15), "
                        + "`suggestion` (15)."),
                FieldSpec("gridId", .reference(.grids), access: .fixed, "The grid it was found in."),
                FieldSpec(
                    "townId", .reference(.towns), required: false, access: .derived, "The grid's town (derived)."),
                FieldSpec(
                    "villageId", .reference(.villages), required: false, access: .derived,
                    "The grid's village, for unit grids (derived)."),
                FieldSpec("title", .string(maxLength: 200), searchable: true, "What the problem or request is."),
                FieldSpec("description", .text, searchable: true, "The facts, as found."),
                FieldSpec("householdName", .string(maxLength: 100), required: false, searchable: true, "Household."),
                FieldSpec(
                    "counterpart", .enumeration(counterpartKeys), required: false,
                    "Who raised it, as on assistance records."),
                FieldSpec("reportedBy", .reference(.cadres), access: .fixed, "The cadre who reported it (上报)."),
                FieldSpec(
                    "origin", .enumeration(["visit", "household", "hotline", "supervision"]),
                    "How it came in: found on a `visit`, brought by a `household`, from the 12345 `hotline`, "
                        + "or from `supervision`."),
                FieldSpec(
                    "reportedOn", .date, required: false, access: .fixed,
                    "The working day it was reported; by default the case clock's today, and never later."),
                FieldSpec(
                    "state", .enumeration(CaseState.allCases.map(\.rawValue)), required: false, access: .derived,
                    "Where it stands; moved only by actions."),
                FieldSpec(
                    "assignee", .string(maxLength: 200), required: false, access: .derived,
                    "Whom it was dispatched to: a cadre id, or the name of a unit."),
                FieldSpec(
                    "deadline", .date, required: false, access: .derived,
                    "When it is due: from the category's clock in working days, or as extended."),
                FieldSpec(
                    "overdue", .boolean, required: false, access: .derived,
                    "Open and past its deadline, on the case clock."),
                FieldSpec(
                    "supervised", .boolean, required: false, access: .derived, "The district supervises it (督办)."),
                FieldSpec(
                    "reworks", .count, required: false, access: .derived,
                    "Checks it failed, each sending it back to work (返工)."),
                FieldSpec(
                    "outcome", .enumeration(CaseOutcome.allCases.map(\.rawValue)), required: false, access: .derived,
                    "How it ended, once closed."),
                FieldSpec("closedOn", .date, required: false, access: .derived, "The working day it was closed."),
                FieldSpec(
                    "recordIds", .references(.assistanceRecords), required: false, access: .derived,
                    "The assistance records its closure produced (`problem_resolved`, `good_deed`)."),
                FieldSpec(
                    "flow", .steps, required: false, access: .derived,
                    "Every step, oldest first: action, from, to, by, at, on, note. Only ever appended to."),
            ],
            singular: "case"
        ),
    ]
}
