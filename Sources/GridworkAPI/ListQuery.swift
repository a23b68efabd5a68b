import GridworkStore
import HTTP1
import HTTPResponder
import JSON

/// Turns a list request's query string into a store `Query`, strictly: every parameter must be
/// one the resource offers, every value must parse, and a cursor must come from the same list:
/// the same resource, filters, `q` and sort (only `limit` may change between pages).
enum ListQuery {
    static let defaultLimit = 50
    static let maxLimit = 500
    static let rangeOperators: [Query.Operator] = [.gt, .gte, .lt, .lte]

    /// The parameter names each resource's list accepts, worked out once from the schemas.
    static let allowed: [ResourceKind: [String]] = Dictionary(
        uniqueKeysWithValues: ResourceKind.allCases.map { ($0, allowedNames($0)) }
    )

    /// The parameter names a resource's list accepts (documented in the OpenAPI document too).
    static func allowedNames(_ kind: ResourceKind) -> [String] {
        var names = [
            "limit", "cursor", "q", "sort", "format", "source", "source[ne]", "source[in]", "id", "id[ne]", "id[in]",
            "createdBy", "createdBy[ne]", "createdBy[in]", "updatedBy", "updatedBy[ne]", "updatedBy[in]",
        ]
        for name in ["createdAt", "updatedAt"] {
            names += rangeOperators.map { "\(name)[\($0.rawValue)]" }
        }
        for field in kind.schema.fields {
            switch field.type {
            case .references, .tags:
                names.append(field.name)
            case .counts, .steps:
                continue
            default:
                names += [field.name, "\(field.name)[ne]", "\(field.name)[in]"]
                if isOrdered(field.type) { names += rangeOperators.map { "\(field.name)[\($0.rawValue)]" } }
            }
        }
        if kind == .assistanceRecords || kind == .projects { names.append("townId") }
        return names
    }

    static func isOrdered(_ type: FieldType) -> Bool {
        switch type {
        case .count, .money, .date: true
        default: false
        }
    }

    /// Builds the query, and the scope a cursor for its next page is bound to; `fixed` filters
    /// come from the path of a nested read, `region` from the principal asking.
    static func parse(
        _ kind: ResourceKind, _ parameters: QueryParameters, fixed: [Query.Filter] = [], region: Region = .district
    ) throws(APIError) -> (query: Query, scope: Cursor.Scope) {
        try parameters.rejectUnknown(allowed: allowed[kind]!)
        var query = Query()
        query.filters = fixed
        query.region = region
        if let text = try parameters.single("limit") {
            guard let value = Int(text), (1...maxLimit).contains(value) else {
                throw APIError.badRequest("`limit` must be an integer from 1 to \(maxLimit).")
            }
            query.limit = value
        }
        // Empty `q`, `sort` and `cursor` mean the same as absent ones (forms send them that way).
        query.search = try parameters.single("q").flatMap { $0.isEmpty ? nil : $0 }
        let sortSpec = try parameters.single("sort") ?? ""
        query.sort = try parseSort(kind, sortSpec)
        if let format = try parameters.single("format"), format != "json" && format != "csv" {
            throw APIError.badRequest("`format` must be `json` or `csv`.")
        }
        for (name, value) in parameters.pairs where !["limit", "cursor", "q", "sort", "format"].contains(name) {
            query.filters.append(try parseFilter(kind, name: name, value: value))
        }
        let scope = Cursor.Scope(
            resource: kind.rawValue, sort: sortSpec, filters: fingerprint(query), region: region.fingerprint)
        if let token = try parameters.single("cursor"), !token.isEmpty {
            query.after = try position(token, in: scope, sortKeys: query.sort.count)
        }
        return (query, scope)
    }

    /// The position a cursor holds, once it is known to belong to this list; otherwise a 400
    /// that says how it differs.
    static func position(_ token: String, in scope: Cursor.Scope, sortKeys: Int) throws(APIError) -> [SortValue] {
        let unknown = APIError.badRequest("`cursor` is not one this server issued; use the `next` of a page.")
        guard let cursor = Cursor.decode(token) else { throw unknown }
        let issued = cursor.scope
        guard issued.resource == scope.resource else {
            throw APIError.badRequest(
                "`cursor` belongs to a list of \(issued.resource), not of \(scope.resource); a cursor only "
                    + "continues the list it came from.")
        }
        guard issued.sort == scope.sort else {
            throw APIError.badRequest(
                "`cursor` was issued for sort=`\(issued.sort)`, not sort=`\(scope.sort)`; keep the sort of the "
                    + "request that returned it.")
        }
        guard issued.filters == scope.filters else {
            throw APIError.badRequest(
                "`cursor` was issued for other filters or another `q`; keep every parameter of the request that "
                    + "returned it (only `limit` may change).")
        }
        guard issued.region == scope.region else {
            throw APIError.badRequest(
                "`cursor` was issued to a principal of another scope; a cursor only continues the list it came "
                    + "from, as its principal sees it.")
        }
        guard cursor.values.count == sortKeys + 1 else { throw unknown }
        return cursor.values
    }

    /// A fingerprint of what a list matches: its filters in any order (a nested read's parent
    /// among them) and `q`. 64-bit FNV-1a, as hex; it tells lists apart, it is no secret.
    static func fingerprint(_ query: Query) -> String {
        var lines: [[UInt8]] = query.filters.map { filter in
            var writer = JSONWriter(capacity: 64)
            writer.raw("[")
            writer.string(filter.field.fingerprintName)
            writer.raw(",")
            writer.string(filter.op.rawValue)
            // `[in]=a,b` and `[in]=b,a` are the same list.
            for value in filter.op == .in ? filter.values.sorted() : filter.values {
                writer.raw(",")
                Cursor.write(value, to: &writer)
            }
            writer.raw("]")
            return writer.bytes
        }
        lines.sort { $0.lexicographicallyPrecedes($1) }
        var text = Array((query.search ?? "").utf8)
        for line in lines { text += [0x0A] + line }
        let hex = String(FNV1a.hash(text), radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    static func parseSort(_ kind: ResourceKind, _ spec: String) throws(APIError) -> [Query.SortKey] {
        guard !spec.isEmpty else { return [] }
        var keys: [Query.SortKey] = []
        for part in spec.split(separator: ",", omittingEmptySubsequences: false) {
            let descending = part.hasPrefix("-")
            let name = String(descending ? part.dropFirst() : part)
            guard let field = sortableField(kind, name) else {
                let names =
                    ["id", "createdAt", "updatedAt", "createdBy", "updatedBy"]
                    + kind.schema.fields.filter { isScalar($0.type) }.map(\.name)
                throw APIError.badRequest(
                    "Cannot sort by `\(name)`; sortable fields: \(names.joined(separator: ", ")).")
            }
            keys.append(Query.SortKey(field: field, descending: descending))
        }
        return keys
    }

    static func isScalar(_ type: FieldType) -> Bool {
        switch type {
        case .references, .tags, .counts, .steps: false
        default: true
        }
    }

    static func sortableField(_ kind: ResourceKind, _ name: String) -> Query.Field? {
        switch name {
        case "id": return .id
        case "createdAt": return .createdAt
        case "updatedAt": return .updatedAt
        case "source": return .source
        case "createdBy": return .createdBy
        case "updatedBy": return .updatedBy
        default:
            guard let position = kind.schema.index(of: name), isScalar(kind.schema.fields[position].type) else {
                return nil
            }
            return .field(position)
        }
    }

    static func parseFilter(_ kind: ResourceKind, name: String, value: String) throws(APIError) -> Query.Filter {
        var fieldName = name
        var op = Query.Operator.eq
        if let open = name.firstIndex(of: "["), name.hasSuffix("]") {
            fieldName = String(name[..<open])
            let opName = String(name[name.index(after: open)..<name.index(before: name.endIndex)])
            guard let parsed = Query.Operator(rawValue: opName), parsed != .eq else {
                throw APIError.badRequest("Unknown operator `\(opName)` in `\(name)`.")
            }
            op = parsed
        }
        let field: Query.Field
        let type: FieldType
        switch fieldName {
        case "id": (field, type) = (.id, .string(maxLength: 200))
        case "source": (field, type) = (.source, .enumeration(Source.allCases.map(\.rawValue)))
        case "createdBy", "updatedBy":
            guard op == .eq || op == .ne || op == .in else { throw APIError.badRequest("Unknown filter `\(name)`.") }
            (field, type) = (fieldName == "createdBy" ? .createdBy : .updatedBy, .string(maxLength: 64))
        case "createdAt", "updatedAt":
            guard op != .eq, op != .ne, op != .in else { throw APIError.badRequest("Unknown filter `\(name)`.") }
            guard Self.isTimestamp(value) else {
                throw APIError.badRequest("`\(name)` must be an RFC 3339 date-time, e.g. 2014-08-06T00:00:00Z.")
            }
            return Query.Filter(
                field: fieldName == "createdAt" ? .createdAt : .updatedAt, op: op, values: [.string(value)])
        case "townId" where kind.schema.index(of: "townId") == nil: (field, type) = (.town, .reference(.towns))
        default:
            guard let position = kind.schema.index(of: fieldName) else {
                throw APIError.badRequest("Unknown filter `\(name)`.")
            }
            (field, type) = (.field(position), kind.schema.fields[position].type)
        }
        // `[in]=`, `[in]=,,` and `[in]=a,,b` are one mistake, refused alike: a list of no values
        // would match nothing, and an empty value is no value of any field.
        let raw = op == .in ? value.split(separator: ",", omittingEmptySubsequences: false).map(String.init) : [value]
        if op == .in, raw.contains(where: \.isEmpty) {
            throw APIError.badRequest(
                "`\(name)` must list one or more values, separated by commas, none of them empty.")
        }
        var values: [SortValue] = []
        for element in raw {
            values.append(try parseValue(element, type, parameter: name))
        }
        return Query.Filter(field: field, op: op, values: values)
    }

    /// `YYYY-MM-DDTHH:MM:SSZ` (the form the server writes), optionally with fractional seconds
    /// or a numeric offset.
    static func isTimestamp(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, CalendarDate(String(decoding: bytes[0..<10], as: UTF8.self)) != nil,
            bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t")
        else { return false }
        func two(_ at: Int) -> Int? {
            guard at + 1 < bytes.count, (48...57).contains(bytes[at]), (48...57).contains(bytes[at + 1]) else {
                return nil
            }
            return Int(bytes[at] - 48) * 10 + Int(bytes[at + 1] - 48)
        }
        guard let hour = two(11), hour < 24, bytes[13] == UInt8(ascii: ":"), let minute = two(14), minute < 60,
            bytes[16] == UInt8(ascii: ":"), let second = two(17), second < 61
        else { return false }
        var index = 19
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            let digits = index
            while index < bytes.count, (48...57).contains(bytes[index]) { index += 1 }
            guard index > digits else { return false }
        }
        guard index < bytes.count else { return false }
        if bytes[index] == UInt8(ascii: "Z") || bytes[index] == UInt8(ascii: "z") { return index + 1 == bytes.count }
        guard bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-"), index + 6 == bytes.count,
            let offsetHour = two(index + 1), offsetHour < 24, bytes[index + 3] == UInt8(ascii: ":"),
            let offsetMinute = two(index + 4), offsetMinute < 60
        else { return false }
        return true
    }

    static func parseValue(_ text: String, _ type: FieldType, parameter: String) throws(APIError) -> SortValue {
        switch type {
        case .count, .money:
            guard let number = Int(text) else { throw APIError.badRequest("`\(parameter)` must be an integer.") }
            return .int(number)
        case .date:
            guard CalendarDate(text) != nil else {
                throw APIError.badRequest("`\(parameter)` must be a date, YYYY-MM-DD.")
            }
            return .string(text)
        case .boolean:
            guard text == "true" || text == "false" else {
                throw APIError.badRequest("`\(parameter)` must be true or false.")
            }
            return .string(text)
        case .enumeration(let allowed):
            guard allowed.contains(text) else {
                throw APIError.badRequest("`\(parameter)` must be one of: \(allowed.joined(separator: ", ")).")
            }
            return .string(text)
        case .tags(let allowed):
            guard allowed.contains(text) else {
                throw APIError.badRequest("`\(parameter)` must be one of: \(allowed.joined(separator: ", ")).")
            }
            return .string(text)
        default:
            return .string(text)
        }
    }
}

extension Query.Field {
    /// The field as the fingerprint names it: the case's name (`createdAt`, `field(3)`, `town`),
    /// spelled out rather than reflected, since every list request computes one.
    fileprivate var fingerprintName: String {
        switch self {
        case .id: "id"
        case .createdAt: "createdAt"
        case .updatedAt: "updatedAt"
        case .source: "source"
        case .createdBy: "createdBy"
        case .updatedBy: "updatedBy"
        case .field(let position): "field(\(position))"
        case .town: "town"
        }
    }
}
