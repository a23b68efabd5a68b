/// A list request in domain terms: filters, text search, sort keys, a keyset position and a limit.
public struct Query: Sendable {
    /// What a filter or sort key reads from a record.
    public enum Field: Sendable, Hashable {
        case id, createdAt, updatedAt, source, createdBy, updatedBy
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

        /// Whether a record whose field holds `value` passes; a range never admits null.
        func admits(_ value: SortValue) -> Bool {
            guard let operand = values.first else { return false }
            switch op {
            case .eq: return value == operand
            case .ne: return value != operand
            case .gt: return value != .null && value > operand
            case .gte: return value != .null && value >= operand
            case .lt: return value != .null && value < operand
            case .lte: return value != .null && value <= operand
            case .in: return values.contains(value)
            }
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
    /// Whether the page needs `total`. Without it an unsorted scan stops once the page is full
    /// (`total` is then only a lower bound): what an export that walks every page wants.
    public var countsTotal = true
    /// The part of the district the matches must lie in; every other record is as if absent.
    public var region: Region = .district

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
        case .createdBy: return .string(record.createdBy)
        case .updatedBy: return .string(record.updatedBy)
        case .field(let position):
            switch record.values[position] {
            case .null: return .null
            case .string(let text): return .string(text)
            case .int(let number): return .int(number)
            case .bool(let flag): return .string(flag ? "true" : "false")
            case .list, .counts, .steps: return .null
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
        return filter.admits(value(of: filter.field, record, kind: kind))
    }

    /// The ids worth scanning: the smallest index bucket among equality filters and the region's
    /// ids, else every id. `exact` when they are precisely the matches: no filter (and the region's
    /// ids, or no region), or one equality whose bucket this is (and no region).
    func candidates(_ kind: ResourceKind, _ query: Query, _ members: RegionMembers?) -> (ids: SortedIDs, exact: Bool) {
        let table = self[kind]
        var best: SortedIDs?
        for filter in query.filters where filter.op == .eq {
            guard case .string(let key)? = filter.values.first else { continue }
            var bucket: SortedIDs?
            switch filter.field {
            case .field(let position): bucket = table.ids(where: position, equals: key)
            case .town where kind == .assistanceRecords:
                let grids = self[.grids].ids(where: GridField.townId.rawValue, equals: key) ?? []
                bucket = SortedIDs(
                    sorted: grids.flatMap { table.ids(where: AssistanceField.gridId.rawValue, equals: $0) ?? [] }
                        .sorted())
            case .town where kind == .projects:
                let villages = self[.villages].ids(where: VillageField.townId.rawValue, equals: key) ?? []
                bucket = SortedIDs(
                    sorted: villages.flatMap { table.ids(where: ProjectField.villageId.rawValue, equals: $0) ?? [] }
                        .sorted())
            default: bucket = nil
            }
            if let bucket, bucket.count < (best?.count ?? Int.max) { best = bucket }
        }
        guard let members else {
            guard let best else { return (table.order, query.filters.isEmpty) }
            return (best, query.filters.count == 1)
        }
        let region = members.buckets(kind, in: self).buckets
        if let best, best.count <= region.reduce(0, { $0 + $1.count }) { return (best, false) }
        return (RegionMembers.union(region), query.filters.isEmpty)
    }

    func run(_ kind: ResourceKind, _ query: Query) -> QueryPage {
        let table = self[kind]
        let searchable = kind.schema.fields.indices.filter { kind.schema.fields[$0].searchable }
        let needle = query.search.flatMap { $0.isEmpty ? nil : TextSearch(needle: $0) }
        let members = RegionMembers(query.region, in: self)
        if query.sort.isEmpty, needle == nil, let page = regionPage(kind, query, members) { return page }
        let (candidates, exact) = candidates(kind, query, members)
        func accepts(_ record: Record) -> Bool {
            if let members, !members.contains(kind, record) { return false }
            guard query.filters.allSatisfy({ matches($0, record, kind: kind) }) else { return false }
            guard let needle else { return true }
            return searchable.contains { position in
                record.values[position].string.map(needle.isFound(in:)) ?? false
            }
        }
        guard !query.sort.isEmpty else {
            // Id order: candidates are already sorted by id, so nothing is collected but the page.
            var afterID: String?
            if let after = query.after, after.count == 1, case .string(let id) = after[0] { afterID = id }
            if needle == nil && exact {
                // Every candidate matches: the page is a slice of the sorted ids.
                let start = afterID.map { candidates.firstIndex(after: $0) } ?? 0
                let end = min(candidates.count, start + query.limit)
                return QueryPage(
                    records: candidates.ids(from: start).prefix(end - start).map { table[$0]! },
                    total: candidates.count,
                    more: end < candidates.count, keys: Array(repeating: [], count: end - start))
            }
            if needle == nil, members == nil, let buckets = exactDateBuckets(kind, query)?.map(\.ids) {
                // Every id in these buckets matches: the total is their sizes, the page their merge.
                return mergedPage(kind, buckets, after: afterID, limit: query.limit)
            }
            var total = 0
            var page: [Record] = []
            var more = false
            // Without a total, start after the cursor and stop at the first match past the page.
            let start = query.countsTotal ? 0 : afterID.map { candidates.firstIndex(after: $0) } ?? 0
            for id in candidates.ids(from: start) {
                guard let record = table[id], accepts(record) else { continue }
                total += 1
                if let afterID, id <= afterID { continue }
                if page.count < query.limit {
                    page.append(record)
                } else {
                    more = true
                    if !query.countsTotal { break }
                }
            }
            return QueryPage(records: page, total: total, more: more, keys: Array(repeating: [], count: page.count))
        }
        if members == nil, let page = pageByDate(kind, query) { return page }
        // Sort keys live in one flat array (stride: the keys, then the id); an index array is sorted.
        let stride = query.sort.count + 1
        var keys: [SortValue] = []
        var ids: [String] = []
        for id in candidates {
            guard let record = table[id], accepts(record) else { continue }
            for key in query.sort { keys.append(value(of: key.field, record, kind: kind)) }
            keys.append(.string(id))
            ids.append(id)
        }
        let directions = query.sort.map(\.descending) + [false]
        func before(_ a: Int, _ b: Int) -> Bool {
            for index in 0..<stride {
                let left = keys[a * stride + index]
                let right = keys[b * stride + index]
                if left != right { return directions[index] ? left > right : left < right }
            }
            return false
        }
        var order = Array(0..<ids.count)
        order.sort(by: before)
        var start = 0
        if let after = query.after, after.count == stride {
            // Keyset: the first match strictly after the cursor's position, found by binary search.
            // The cursor becomes one more row of `keys` (not in `order`), compared like the others.
            let cursor = ids.count
            keys.append(contentsOf: after)
            var low = 0
            var high = order.count
            while low < high {
                let middle = (low + high) / 2
                if before(cursor, order[middle]) { high = middle } else { low = middle + 1 }
            }
            start = low
        }
        let end = min(order.count, start + query.limit)
        let page = order[start..<end]
        return QueryPage(
            records: page.map { table[ids[$0]]! },
            total: ids.count,
            more: end < order.count,
            keys: page.map { Array(keys[($0 * stride)..<($0 * stride + stride - 1)]) }
        )
    }
}

/// `q`: a substring search over UTF-8 bytes, ignoring the case of ASCII letters (Chinese text has
/// no case), without allocating per record.
struct TextSearch {
    let needle: [UInt8]

    init(needle text: String) {
        needle = text.utf8.map(Self.fold)
    }

    static func fold(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }

    func isFound(in text: String) -> Bool {
        var text = text
        return text.withUTF8 { haystack in
            let count = needle.count
            guard count > 0 else { return true }
            guard haystack.count >= count else { return false }
            let first = needle[0]
            var start = 0
            while start <= haystack.count - count {
                if Self.fold(haystack[start]) == first {
                    var offset = 1
                    while offset < count && Self.fold(haystack[start + offset]) == needle[offset] { offset += 1 }
                    if offset == count { return true }
                }
                start += 1
            }
            return false
        }
    }
}

extension Store {
    /// Runs a query against one resource.
    public func query(_ kind: ResourceKind, _ query: Query) -> QueryPage {
        withState { $0.run(kind, query) }
    }
}
