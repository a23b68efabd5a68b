import GridworkStore
import JSON

/// The component schemas and list parameters, derived from the resource schemas (`Schema.all`,
/// with the rules of `Schema.convert`), the report's figures (`Figure.all`) and the serializers'
/// shapes; and the names the document gives each resource.
extension OpenAPIDocument {
    /// How a field's schema is used: in a record the server sends, in a create or replace body, or
    /// in a merge patch.
    enum Use {
        case record, input, patch
    }

    // MARK: Component schemas

    static func componentSchemas() -> OpenAPINode {
        var schemas: [(key: String, value: OpenAPINode)] = [
            ("Problem", problemSchema),
            (
                "ValidationProblem",
                [
                    "description": "A problem with one entry in `errors` per invalid field.",
                    "allOf": [schemaRef("Problem"), ["required": ["errors"]]],
                ]
            ),
            (
                "CaseActionConflict",
                [
                    "description": .string(
                        "A problem; when the case's state refused the action, `allowed` lists the actions it "
                            + "allows (empty once closed or void)."),
                    "allOf": [
                        schemaRef("Problem"),
                        [
                            "properties": [
                                "allowed": [
                                    "type": "array",
                                    "items": ["type": "string", "enum": strings(CaseAction.allCases.map(\.rawValue))],
                                ]
                            ]
                        ],
                    ],
                ]
            ),
            ("Health", closedObject([("status", ["type": "string", "enum": ["ok"]])])),
            ("Timeline", timelineSchema()),
            (
                "Readiness",
                {
                    var schema = closedObject([
                        ("status", ["type": "string", "enum": ["ready", "starting", "journal_failed", "stale"]]),
                        (
                            "reason",
                            [
                                "type": "string",
                                "description": .string(
                                    "Why the journal failed (`journal_failed`), or why the change log's database "
                                        + "cannot be reached (`stale`, with `--postgres`)."),
                            ]
                        ),
                        (
                            "staleSeconds",
                            [
                                "type": "number", "minimum": 0,
                                "description": .string(
                                    "With `stale`: how long this node has not known its state to be current."),
                            ]
                        ),
                    ])
                    schema.set("required", strings(["status"]))
                    return schema
                }()
            ),
            ("Stats", statsSchema),
            ("Scope", scopeSchema),
            ("TownStats", townStatsSchema),
            ("ReportFigure", reportFigureSchema),
        ]
        for kind in ResourceKind.allCases {
            let type = typeName(kind)
            schemas += [
                (type, recordSchema(kind)),
                ("\(type)Input", bodySchema(kind, .input)),
                ("\(type)Patch", bodySchema(kind, .patch)),
                ("\(type)Page", pageSchema(kind)),
            ]
        }
        schemas += historySchemas()
        return .object(schemas)
    }

    /// What `Record.write` produces: `id`, every field (null when unset), then the server's fields.
    static func recordSchema(_ kind: ResourceKind) -> OpenAPINode {
        var properties: [(key: String, value: OpenAPINode)] = [
            ("id", ["type": "string", "description": "Assigned by the server; never changes."])
        ]
        properties += kind.schema.fields.map { ($0.name, fieldSchema($0, .record)) }
        properties += [
            ("createdAt", ["type": "string", "format": "date-time", "description": "When it was created (UTC)."]),
            ("updatedAt", ["type": "string", "format": "date-time", "description": "When it last changed (UTC)."]),
            (
                "revision",
                [
                    "type": "integer",
                    "description": "Bumped by every change; the ETag is `\"<epoch>-<revision>\"`.",
                ]
            ),
            ("source", ["type": "string", "enum": strings(Source.allCases.map(\.rawValue))]),
            (
                "createdBy",
                ["type": "string", "description": "The principal whose write created it; `seed` for the seed."]
            ),
            ("updatedBy", ["type": "string", "description": "The principal whose write made it as it is now."]),
        ]
        var schema = closedObject(properties)
        schema.set("description", .string("A \(kind.schema.singular), as the server sends it."))
        return schema
    }

    /// The body of a create or replace (`.input`), or of a merge patch (`.patch`: nothing required;
    /// as in `.input` only optional fields take null, since clearing a required field is a 422).
    /// Derived fields are the server's and appear in no body; fixed ones only in a create or replace.
    static func bodySchema(_ kind: ResourceKind, _ use: Use) -> OpenAPINode {
        let fields = kind.schema.fields.filter { field in
            field.access == .free || (field.access == .fixed && use == .input)
        }
        var schema: OpenAPINode = [
            "type": "object",
            "properties": .object(fields.map { ($0.name, fieldSchema($0, use)) }),
        ]
        let required = fields.filter(\.required).map(\.name)
        if use == .input && !required.isEmpty { schema.set("required", strings(required)) }
        schema.set("additionalProperties", false)
        return schema
    }

    static func pageSchema(_ kind: ResourceKind) -> OpenAPINode {
        closedObject([
            ("data", ["type": "array", "items": schemaRef(typeName(kind))]),
            (
                "next",
                ["type": ["string", "null"], "description": "The `cursor` for the next page; null on the last."]
            ),
            ("total", ["type": "integer", "minimum": 0, "description": "How many records match, on every page."]),
        ])
    }

    /// One field's schema: the rules of `Schema.convert`, nullable where the field may be null.
    static func fieldSchema(_ field: FieldSpec, _ use: Use) -> OpenAPINode {
        let body = use != .record
        var schema: OpenAPINode
        switch field.type {
        case .string(let maxLength):
            schema = ["type": "string", "maxLength": .int(maxLength)]
            if body {
                schema.set("minLength", 1)
                schema.set("pattern", .string(textPattern))
            }
        case .text:
            schema = ["type": "string"]
            if body {
                schema.set("maxLength", .int(Schema.maxTextLength))
                schema.set("pattern", .string(textPattern))
            }
        case .count, .money:
            schema = ["type": "integer", "minimum": 0, "maximum": .int(maximumAmount)]
        case .boolean:
            schema = ["type": "boolean"]
        case .date:
            schema = ["type": "string", "format": "date"]
            if body { schema.set("pattern", .string("^\(acceptedDatePattern)$")) }
        case .enumeration(let values):
            schema = ["type": "string", "enum": strings(values)]
        case .reference:
            schema = ["type": "string"]
            if body { schema.set("minLength", 1) }
        case .references, .tags:
            var item: OpenAPINode = ["type": "string"]
            if case .tags(let values) = field.type { item.set("enum", strings(values)) }
            if body { item.set("minLength", 1) }
            schema = ["type": "array", "items": item]
            if body {
                schema.set("uniqueItems", true)
                schema.set("maxItems", 100)
            }
        case .counts(let keys):
            var count: OpenAPINode = ["type": "integer", "minimum": 0, "maximum": .int(Int.max)]
            // In a merge patch, null removes a key, which then counts as 0 (RFC 7396).
            if use == .patch { count = nullable(count) }
            schema = [
                "type": "object",
                "properties": .object(keys.map { ($0, count) }),
                "additionalProperties": false,
            ]
            // The server writes every key; a body may leave some out (they count as 0).
            if !body { schema.set("required", strings(keys)) }
        case .steps:
            schema = ["type": "array", "items": caseStepSchema]
        }
        var description = field.summary
        switch field.type {
        case .reference(let target): description += " The id of a \(target.schema.singular)."
        case .references(let target): description += " Ids of \(plural(target))."
        default: break
        }
        schema.set("description", .string(description))
        if field.access == .derived { schema.set("readOnly", true) }
        return field.required ? schema : nullable(schema)
    }

    /// One step of a case's `flow` (`CaseStep`).
    static let caseStepSchema: OpenAPINode = {
        let nullableString: OpenAPINode = ["type": ["string", "null"]]
        var schema = closedObject([
            (
                "action",
                ["type": "string", "description": "The action, or `report` for the step that opened the case."]
            ),
            ("from", ["type": ["string", "null"], "description": "The state before; null for the report."]),
            ("to", ["type": "string", "description": "The state after."]),
            ("by", ["type": "string", "description": "The principal; `system` for the automatic reminder."]),
            ("at", ["type": "string", "format": "date-time", "description": "When it was recorded (UTC)."]),
            ("on", ["type": "string", "format": "date", "description": "The case clock's working day."]),
            ("note", nullableString),
            ("assignee", ["type": "string", "description": "`dispatch`: whom the case went to."]),
            ("deadline", ["type": "string", "format": "date", "description": "`report`, `extend`: the deadline."]),
            ("passed", ["type": "boolean", "description": "`check`: whether it passed."]),
            ("outcome", ["type": "string", "enum": strings(CaseOutcome.allCases.map(\.rawValue))]),
        ])
        schema.set("required", ["action", "from", "to", "by", "at", "on", "note"])
        return schema
    }()

    /// The schema that also admits null: `"type": [T, "null"]`, and null among the `enum` values.
    static func nullable(_ schema: OpenAPINode) -> OpenAPINode {
        var schema = schema
        if case .string(let type)? = schema["type"] { schema.set("type", [.string(type), "null"]) }
        if case .array(let values)? = schema["enum"] { schema.set("enum", .array(values + [.null])) }
        return schema
    }

    static let maximumAmount = 1_000_000_000_000

    static let problemSchema: OpenAPINode = [
        "type": "object",
        "description": "An RFC 9457 problem detail.",
        "properties": [
            "type": ["type": "string"],
            "title": ["type": "string"],
            "status": ["type": "integer", "minimum": 100, "maximum": 599],
            "detail": ["type": "string"],
            "errors": [
                "type": "array",
                "maxItems": .int(APIError.maxListedErrors),
                "description": .string(
                    "At most \(APIError.maxListedErrors) entries; `detail` says how many more there were."),
                "items": closedObject([
                    ("field", ["type": "string", "description": "A JSON pointer into the body, or a parameter."]),
                    ("message", ["type": "string"]),
                ]),
            ],
        ],
        "required": ["type", "title", "status", "detail"],
    ]

    /// `/stats`: the epoch and revision, the scope, every figure nested by its dotted key, `work`,
    /// `cases` and `byTown`. Report-only and district-wide figures are null for a scope smaller than the district.
    static var statsSchema: OpenAPINode {
        let sections = integerTree(
            Figure.all.map { figure in
                (
                    path: figure.key.split(separator: ".").map(String.init),
                    nullable: figure.reportOnly || StatsSnapshot.districtWide.contains(figure.key)
                )
            })
        let epoch: OpenAPINode = [
            "type": "string", "pattern": "^[0-9a-f]{8}$",
            "description": "The store's history: with `revision`, names one state forever.",
        ]
        return closedObject(
            [("epoch", epoch), ("revision", ["type": "integer"]), ("scope", schemaRef("Scope"))] + sections
                + [("work", workSchema), ("cases", casesSchema)]
                + [
                    (
                        "byTown",
                        [
                            "type": "array", "items": schemaRef("TownStats"),
                            "description": "The scope's towns, each counting only what lies in the scope.",
                        ]
                    )
                ]
        )
    }

    /// `/stats.work`: the scope's assistance records by strand and by who was met.
    static var workSchema: OpenAPINode {
        func counts(_ keys: [String]) -> OpenAPINode {
            closedObject(keys.map { ($0, ["type": "integer", "minimum": 0]) })
        }
        var schema = closedObject([
            ("byActivity", counts(Schema.activityKeys)), ("byCounterpart", counts(Schema.counterpartKeys)),
        ])
        schema.set(
            "description",
            .string(
                "The scope's assistance records by 四进网格 strand (`activity`) and by who was met (`counterpart`); "
                    + "records without one count in neither."))
        return schema
    }

    /// `/stats.cases`: how the scope's cases stand (SPEC §7), in all and per town.
    static var casesSchema: OpenAPINode {
        let town = closedObject([("townId", ["type": "string"]), ("name", ["type": "string"])] + caseCountsProperties)
        var schema = closedObject(
            caseCountsProperties
                + [
                    (
                        "byTown",
                        [
                            "type": "array", "items": town,
                            "description": "The scope's towns in id order, each counting only its own cases.",
                        ]
                    )
                ])
        schema.set(
            "description",
            .string(
                "The scope's cases: open and overdue now, closed and how well. Rates are over the closed cases, "
                    + "to three decimals, and null while none is closed."))
        return schema
    }

    /// The members of one set of cases in `/stats.cases`, the district's or a town's.
    static var caseCountsProperties: [(key: String, value: OpenAPINode)] {
        func count(_ description: String) -> OpenAPINode {
            ["type": "integer", "minimum": 0, "description": .string(description)]
        }
        func rate(_ description: String) -> OpenAPINode {
            ["type": ["number", "null"], "minimum": 0, "maximum": 1, "description": .string(description)]
        }
        return [
            ("open", count("Neither closed nor void.")),
            ("overdue", count("Open and past the deadline.")),
            ("closed", count("Closed (办结).")),
            ("closedOnTime", count("Closed on or before the deadline.")),
            ("onTimeRate", rate("按期办结率: `closedOnTime / closed`; null when none is closed.")),
            ("reworked", count("Sent back by a failed check (返工) at least once, open or closed.")),
            (
                "reworkRate",
                rate("返工率: the closed cases reworked at least once, over `closed`; null when none is closed.")
            ),
            (
                "averageWorkingDaysToClose",
                [
                    "type": ["number", "null"], "minimum": 0,
                    "description":
                        "Working days from report to closure, averaged over the closed cases; null when none is.",
                ]
            ),
            ("supervised", count("Supervised by the district (督办).")),
            ("void", count("Voided (作废).")),
        ]
    }

    /// The part of the district an answer covers: the caller's scope.
    static var scopeSchema: OpenAPINode {
        [
            "description": .string(
                "The part of the district the answer covers: the caller's scope. `district` is everything; "
                    + "`towns` the records lying in those towns; `grids` the records of those grids and the "
                    + "villages and towns they lie in. Ids sorted."),
            "oneOf": [
                closedObject([("kind", ["type": "string", "const": "district"])]),
                closedObject([
                    ("kind", ["type": "string", "enum": ["towns", "grids"]]),
                    ("ids", ["type": "array", "items": ["type": "string"]]),
                ]),
            ],
        ]
    }

    /// Objects of integers (or null where `nullable`), one property per distinct first segment, in
    /// first-seen order.
    static func integerTree(_ paths: [(path: [String], nullable: Bool)]) -> [(key: String, value: OpenAPINode)] {
        var names: [String] = []
        for (path, _) in paths where !names.contains(path[0]) { names.append(path[0]) }
        return names.map { name in
            let rest = paths.filter { $0.path[0] == name }.map {
                (path: Array($0.path.dropFirst()), nullable: $0.nullable)
            }
            guard let leaf = rest.first(where: \.path.isEmpty) else { return (name, closedObject(integerTree(rest))) }
            let schema: OpenAPINode =
                leaf.nullable
                ? ["type": ["integer", "null"], "description": "Null for a scope smaller than the district."]
                : ["type": "integer"]
            return (name, schema)
        }
    }

    static var townStatsSchema: OpenAPINode {
        let towns = ResourceKind.towns.schema
        let kind = towns.index(of: "kind").map { fieldSchema(towns.fields[$0], .record) } ?? ["type": "string"]
        return closedObject(
            [("townId", ["type": "string"]), ("name", ["type": "string"]), ("kind", kind)]
                + ["grids", "cadres", "visits", "fundsYuan", "projects", "investmentYuan"].map {
                    ($0, ["type": "integer"])
                }
        )
    }

    static var reportFigureSchema: OpenAPINode {
        var sections: [String] = []
        for figure in Figure.all where !sections.contains(figure.section) { sections.append(figure.section) }
        return closedObject([
            ("id", ["type": "string"]),
            ("section", ["type": "string", "enum": strings(sections)]),
            ("key", ["type": "string", "enum": strings(Figure.all.map(\.key))]),
            ("label", ["type": "string"]),
            ("quote", ["type": "string"]),
            ("reported", ["type": "integer"]),
            (
                "live",
                [
                    "type": ["integer", "null"],
                    "description": .string(
                        "Counted over `scope`; null for figures no record can reproduce, and for those that do not "
                            + "apply to the scope."),
                ]
            ),
            (
                "applicable",
                [
                    "type": "boolean",
                    "description": .string(
                        "False for a figure about the district as a whole (report-only, or counted from the city's "
                            + "and the district's courses) asked for a smaller scope."),
                ]
            ),
            ("unit", ["type": "string"]),
            ("scope", schemaRef("Scope")),
        ])
    }

    /// An object with exactly these properties, all required.
    static func closedObject(_ properties: [(key: String, value: OpenAPINode)]) -> OpenAPINode {
        [
            "type": "object",
            "properties": .object(properties),
            "required": strings(properties.map(\.key)),
            "additionalProperties": false,
        ]
    }

    static func strings(_ values: [String]) -> OpenAPINode {
        .array(values.map(OpenAPINode.string))
    }

    // MARK: List parameters

    static let rangeOperators = ["gte", "gt", "lte", "lt"]

    /// Every parameter `GET /{resource}` accepts; any other is a 400.
    static func listParameters(_ kind: ResourceKind) -> [OpenAPINode] {
        let schema = kind.schema
        let searchable = schema.fields.filter(\.searchable).map { "`\($0.name)`" }.joined(separator: ", ")
        let sortable =
            ["id", "createdAt", "updatedAt", "source", "createdBy", "updatedBy"]
            + schema.fields.filter { isScalar($0.type) }.map(\.name)
        var parameters: [OpenAPINode] = [
            queryParameter(
                "limit", ["type": "integer", "minimum": 1, "maximum": 500, "default": 50], "Page size."),
            queryParameter(
                "cursor", ["type": "string"],
                "The `next` of the previous page, with the same `sort`, filters and `q` (only `limit` may change); "
                    + "a cursor of another list is a 400."),
            queryParameter("q", ["type": "string"], "Case-insensitive substring search over \(searchable)."),
            queryParameter(
                "format", ["type": "string", "enum": ["json", "csv"]],
                "`csv` answers every match as CSV, `json` a page as JSON; without it, `Accept` decides (JSON "
                    + "unless it rates `text/csv` higher, or as high and first)."),
            queryParameter(
                "sort", ["type": "string", "pattern": .string(sortPattern(sortable))],
                "Comma-separated fields, `-` for descending: \(sortable.joined(separator: ", ")). "
                    + "The id breaks ties."
            ),
        ]
        parameters += filterParameters("id", .text, "The id.")
        parameters += filterParameters("source", .enumeration(Source.allCases.map(\.rawValue)), "Where it came from.")
        parameters += filterParameters("createdBy", .string(maxLength: 64), "The principal who created it.")
        parameters += filterParameters("updatedBy", .string(maxLength: 64), "The principal who last changed it.")
        for name in ["createdAt", "updatedAt"] {
            parameters += rangeParameters(name, ["type": "string", "format": "date-time"])
        }
        for field in schema.fields {
            parameters += filterParameters(field.name, field.type, field.summary)
        }
        if kind == .assistanceRecords || kind == .projects {
            let through = kind == .projects ? "village" : "grid"
            parameters.append(queryParameter("townId", ["type": "string"], "The town of the record's \(through)."))
        }
        return parameters
    }

    /// `F`, `F[ne]`, `F[in]` and, for ordered types, the ranges; a list field matches one element.
    static func filterParameters(_ name: String, _ type: FieldType, _ summary: String) -> [OpenAPINode] {
        switch type {
        case .references:
            return [queryParameter(name, ["type": "string"], "Lists this id. \(summary)")]
        case .tags(let values):
            return [queryParameter(name, ["type": "string", "enum": strings(values)], "Lists this tag. \(summary)")]
        case .counts, .steps:
            return []
        default:
            let value = queryValueSchema(type)
            var parameters = [
                queryParameter(name, value, "Equal to. \(summary)"),
                queryParameter("\(name)[ne]", value, "Not equal to."),
                queryParameter(
                    "\(name)[in]", queryListSchema(type), "Equal to one of these, comma-separated; none may be empty."),
            ]
            switch type {
            case .count, .money, .date: parameters += rangeParameters(name, value)
            default: break
            }
            return parameters
        }
    }

    static func rangeParameters(_ name: String, _ value: OpenAPINode) -> [OpenAPINode] {
        let meaning = ["gte": "At least", "gt": "More than", "lte": "At most", "lt": "Less than"]
        return rangeOperators.map { queryParameter("\(name)[\($0)]", value, "\(meaning[$0]!) this.") }
    }

    /// The type of one filter value, as the server parses it.
    static func queryValueSchema(_ type: FieldType) -> OpenAPINode {
        switch type {
        case .count, .money: ["type": "integer", "format": "int64", "minimum": .int(Int.min), "maximum": .int(Int.max)]
        case .boolean: ["type": "boolean"]
        case .date: ["type": "string", "format": "date"]
        case .enumeration(let values): ["type": "string", "enum": strings(values)]
        default: ["type": "string"]
        }
    }

    /// A comma-separated list of one or more filter values.
    static func queryListSchema(_ type: FieldType) -> OpenAPINode {
        let element: String
        switch type {
        // At most 18 significant digits, so every value fits in an Int.
        case .count, .money: element = "[+-]?0*[0-9]{1,18}"
        case .boolean: element = "(true|false)"
        case .date: element = datePattern
        case .enumeration(let values): element = "(" + values.joined(separator: "|") + ")"
        default: element = "[^,]+"
        }
        // An empty list, or an empty value in it, is a 400.
        return ["type": "string", "pattern": .string("^\(element)(,\(element))*$")]
    }

    /// `YYYY-MM-DD` for a real date from 0001-01-01 on, exactly as `CalendarDate` accepts it.
    static let datePattern: String = {
        let year = "([0-9]{3}[1-9]|[0-9]{2}[1-9]0|[0-9][1-9]00|[1-9]000)"
        let leapYear = "([0-9]{2}(0[48]|[2468][048]|[13579][26])|(0[48]|[2468][048]|[13579][26])00)"
        return "(\(year)-\(monthDayPattern)|\(leapYear)-02-29)"
    }()

    /// A real date in `CalendarDate.accepted` (2000-01-01…2099-12-31), as a write must give it.
    static let acceptedDatePattern = "(20[0-9]{2}-\(monthDayPattern)|20(0[048]|[2468][048]|[13579][26])-02-29)"

    /// `MM-DD` of any year but February 29th.
    static let monthDayPattern =
        "((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)|02-(0[1-9]|1[0-9]|2[0-8]))"

    /// Text without the C0 control characters a write refuses (all but TAB, LF and CR).
    static let textPattern = #"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F]*$"#

    /// Empty, or comma-separated names each optionally prefixed by `-`.
    static func sortPattern(_ names: [String]) -> String {
        let name = "-?(" + names.joined(separator: "|") + ")"
        return "^(\(name)(,\(name))*)?$"
    }

    /// Whether a field can be sorted on and compared as one value.
    static func isScalar(_ type: FieldType) -> Bool {
        switch type {
        case .references, .tags, .counts, .steps: false
        default: true
        }
    }

    // MARK: Names

    /// `Town`, `AssistanceRecord`: the component schema name of a resource.
    static func typeName(_ kind: ResourceKind) -> String {
        kind.schema.singular.split(separator: " ").map(capitalized).joined()
    }

    /// `Towns`, `AssistanceRecords`: for operation ids.
    static func pluralName(_ kind: ResourceKind) -> String {
        kind.rawValue.split(separator: "-").map(capitalized).joined()
    }

    /// `towns`, `assistance records`: for prose.
    static func plural(_ kind: ResourceKind) -> String {
        kind.rawValue.split(separator: "-").joined(separator: " ")
    }

    static func capitalized(_ word: some StringProtocol) -> String {
        word.prefix(1).uppercased() + word.dropFirst()
    }
}

/// A JSON value as the document builds it: written as literals, kept in insertion order, and
/// encoded with `JSONWriter`.
indirect enum OpenAPINode: Sendable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    case null
    case bool(Bool)
    case int(Int)
    case string(String)
    case array([OpenAPINode])
    case object([(key: String, value: OpenAPINode)])

    init(stringLiteral value: String) { self = .string(value) }
    init(integerLiteral value: Int) { self = .int(value) }
    init(booleanLiteral value: Bool) { self = .bool(value) }
    init(arrayLiteral elements: OpenAPINode...) { self = .array(elements) }
    init(dictionaryLiteral elements: (String, OpenAPINode)...) {
        self = .object(elements.map { (key: $0.0, value: $0.1) })
    }

    /// Sets `key` on an object, replacing an existing member in place.
    mutating func set(_ key: String, _ value: OpenAPINode) {
        guard case .object(var members) = self else { preconditionFailure("set(\(key)) on a non-object") }
        if let index = members.firstIndex(where: { $0.key == key }) {
            members[index].value = value
        } else {
            members.append((key, value))
        }
        self = .object(members)
    }

    /// The member named `key`, when this is an object.
    subscript(key: String) -> OpenAPINode? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    func write(to writer: inout JSONWriter) {
        switch self {
        case .null: writer.raw("null")
        case .bool(let flag): writer.bool(flag)
        case .int(let number): writer.int(number)
        case .string(let text): writer.string(text)
        case .array(let elements):
            writer.raw("[")
            for (index, element) in elements.enumerated() {
                if index > 0 { writer.raw(",") }
                element.write(to: &writer)
            }
            writer.raw("]")
        case .object(let members):
            writer.raw("{")
            for (index, member) in members.enumerated() {
                if index > 0 { writer.raw(",") }
                writer.key(member.key)
                member.value.write(to: &writer)
            }
            writer.raw("}")
        }
    }
}

extension OpenAPIDocument {
    static func timelineSchema() -> OpenAPINode {
        let counts = closedObject(Timeline.types.map { ($0, ["type": "integer", "minimum": 0]) })
        return closedObject([
            ("interval", ["type": "string", "enum": ["month", "week"]]),
            ("townId", ["type": ["string", "null"]]),
            ("scope", schemaRef("Scope")),
            ("revision", ["type": "integer"]),
            ("types", ["type": "array", "items": ["type": "string"]]),
            (
                "periods",
                [
                    "type": "array",
                    "items": closedObject([
                        ("label", ["type": "string", "description": "`2014-03` or `2014-W10`."]),
                        ("start", ["type": "string", "format": "date"]),
                        ("counts", counts),
                        ("fundsYuan", ["type": "integer", "minimum": 0]),
                    ]),
                    "maxItems": .int(Timeline.maxPeriods),
                    "description": .string(
                        "Every period from the first record's to the last's, empty ones included; at most "
                            + "\(Timeline.maxPeriods), the latest."),
                ]
            ),
            (
                "omittedPeriods",
                [
                    "type": "integer", "minimum": 0,
                    "description": "Periods from the first record's left out before the first one listed.",
                ]
            ),
            ("omittedRecords", ["type": "integer", "minimum": 0, "description": "Records dated in them."]),
        ])
    }
}
