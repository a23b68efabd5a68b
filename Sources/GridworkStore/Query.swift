/// A list request in domain terms: filters, text search, sort keys, a keyset position and a limit.
public struct Query: Sendable {
    /// What a filter or sort key reads from a record.
    public enum Field: Sendable, Hashable {
        case id, createdAt, updatedAt, source
        /// A schema field, by position.
        case field(Int)
        /// The town of the record's grid (assistance records) or village (projects).
        case town
    }

    /// How a filter compares.
    public enum Operator: String, Sendable, CaseIterable {
        case eq, ne, gt, gte, lt, lte, `in`
    }

    /// One comparison; `values` has one element except for `in`.
    public struct Filter: Sendable {
        public var field: Field
        public var op: Operator
        public var values: [SortValue]

        /// Creates a filter.
        public init(field: Field, op: Operator, values: [SortValue]) {
            self.field = field
            self.op = op
            self.values = values
        }
    }

    /// A sort key.
    public struct SortKey: Sendable, Equatable {
        public var field: Field
        public var descending: Bool

        /// Creates a key.
        public init(field: Field, descending: Bool) {
            self.field = field
            self.descending = descending
        }
    }

    public var filters: [Filter] = []
    /// Case-insensitive substring over the searchable fields.
    public var search: String?
    /// Sort keys; the id always breaks ties.
    public var sort: [SortKey] = []
    /// Start strictly after this position: the sort values of the last record seen, then its id.
    public var after: [SortValue]?
    public var limit: Int = 50

    /// An empty query.
    public init() {}
}

/// A comparable value of one field: integers compare as numbers, everything else as strings;
/// null sorts first.
public enum SortValue: Sendable, Hashable, Comparable {
    case null
    case int(Int)
    case string(String)

    public static func < (lhs: SortValue, rhs: SortValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): false
        case (.null, _): true
        case (_, .null): false
        case (.int(let a), .int(let b)): a < b
        case (.string(let a), .string(let b)): a < b
        case (.int, .string): true
        case (.string, .int): false
        }
    }
}

/// One page of a query's matches.
public struct QueryPage: Sendable {
    public var records: [Record]
    /// Every match, before the position and limit.
    public var total: Int
    /// Whether matches remain after this page.
    public var more: Bool
    /// The sort values of each returned record (for cursors), in `Query.sort` order.
    public var keys: [[SortValue]]
}

extension Store.State {
    func value(of field: Query.Field, _ record: Record, kind: ResourceKind) -> SortValue {
        switch field {
        case .id: return .string(record.id)
        case .createdAt: return .string(record.createdAt)
        case .updatedAt: return .string(record.updatedAt)
        case .source: return .string(record.source.rawValue)
        case .field(let position):
            switch record.values[position] {
            case .null: return .null
            case .string(let text): return .string(text)
            case .int(let number): return .int(number)
            case .bool(let flag): return .string(flag ? "true" : "false")
            case .list, .counts: return .null
            }
        case .town:
            switch kind {
            case .assistanceRecords:
                guard let grid = record[AssistanceField.gridId].string,
                    let town = self[.grids][grid]?[GridField.townId].string
                else { return .null }
                return .string(town)
            case .projects:
                guard let village = record[ProjectField.villageId].string,
                    let town = self[.villages][village]?[VillageField.townId].string
                else { return .null }
                return .string(town)
            default:
                return .null
            }
        }
    }

    func matches(_ filter: Query.Filter, _ record: Record, kind: ResourceKind) -> Bool {
        if case .field(let position) = filter.field, case .list(let list) = record.values[position] {
            // List fields: equality means "contains".
            guard case .string(let wanted)? = filter.values.first else { return false }
            return filter.op == .ne ? !list.contains(wanted) : list.contains(wanted)
        }
        let value = value(of: filter.field, record, kind: kind)
        guard let operand = filter.values.first else { return false }
        switch filter.op {
        case .eq: return value == operand
        case .ne: return value != operand
        case .gt: return value != .null && value > operand
        case .gte: return value != .null && value >= operand
        case .lt: return value != .null && value < operand
        case .lte: return value != .null && value <= operand
        case .in: return filter.values.contains(value)
        }
    }

    /// The ids worth scanning: the smallest index bucket among equality filters, else every id.
    func candidates(_ kind: ResourceKind, _ query: Query) -> [String] {
        let table = self[kind]
        var best: [String]?
        for filter in query.filters where filter.op == .eq {
            guard case .string(let key)? = filter.values.first else { continue }
            var bucket: [String]?
            switch filter.field {
            case .field(let position): bucket = table.ids(where: position, equals: key)
            case .town where kind == .assistanceRecords:
                let grids = self[.grids].ids(where: GridField.townId.rawValue, equals: key) ?? []
                bucket = grids.flatMap { table.ids(where: AssistanceField.gridId.rawValue, equals: $0) ?? [] }.sorted()
            case .town where kind == .projects:
                let villages = self[.villages].ids(where: VillageField.townId.rawValue, equals: key) ?? []
                bucket = villages.flatMap { table.ids(where: ProjectField.villageId.rawValue, equals: $0) ?? [] }
                    .sorted()
            default: bucket = nil
            }
            if let bucket, bucket.count < (best?.count ?? Int.max) { best = bucket }
        }
        return best ?? table.order
    }

    func run(_ kind: ResourceKind, _ query: Query) -> QueryPage {
        let table = self[kind]
        let searchable = kind.schema.fields.indices.filter { kind.schema.fields[$0].searchable }
        let needle = query.search.map { $0.lowercased() }
        var matched: [(record: Record, key: [SortValue])] = []
        for id in candidates(kind, query) {
            guard let record = table[id] else { continue }
            guard query.filters.allSatisfy({ matches($0, record, kind: kind) }) else { continue }
            if let needle, !needle.isEmpty {
                let found = searchable.contains { position in
                    record.values[position].string.map { $0.lowercased().contains(needle) } ?? false
                }
                guard found else { continue }
            }
            matched.append((record, query.sort.map { value(of: $0.field, record, kind: kind) } + [.string(record.id)]))
        }
        let directions = query.sort.map(\.descending) + [false]
        func before(_ a: [SortValue], _ b: [SortValue]) -> Bool {
            for index in a.indices where a[index] != b[index] {
                return directions[index] ? a[index] > b[index] : a[index] < b[index]
            }
            return false
        }
        if !query.sort.isEmpty {
            matched.sort { before($0.key, $1.key) }
        }
        var start = 0
        if let after = query.after, after.count == directions.count {
            // Keyset: the first match strictly after the cursor's position, found by binary search.
            var low = 0
            var high = matched.count
            while low < high {
                let middle = (low + high) / 2
                if before(after, matched[middle].key) { high = middle } else { low = middle + 1 }
            }
            start = low
        }
        let end = min(matched.count, start + query.limit)
        let page = matched[start..<end]
        return QueryPage(
            records: page.map(\.record),
            total: matched.count,
            more: end < matched.count,
            keys: page.map { Array($0.key.dropLast()) }
        )
    }
}

extension Store {
    /// Runs a query against one resource.
    public func query(_ kind: ResourceKind, _ query: Query) -> QueryPage {
        withState { $0.run(kind, query) }
    }
}
