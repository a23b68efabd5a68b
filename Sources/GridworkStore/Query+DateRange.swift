/// Date ranges and date order answered from indexes alone. At a million records,
/// `?type=visit&date[gte]=…` scanned the visits in id order, old ones first, until the page
/// filled (p99 6.7 ms), and `?sort=-date` sorted every record for each page. Read from the ids
/// of each (type, date) pair, both touch only the page.
extension Store.State {
    /// The date buckets (date, sorted ids) that hold exactly the matches of `query`, when its
    /// filters are ranges on the date field plus at most one equality on an enumeration field:
    /// the (value, date) buckets, or without an equality the date index's. nil for any other
    /// shape, and when `withRange` and there is no range.
    func exactDateBuckets(_ kind: ResourceKind, _ query: Query, withRange: Bool = true)
        -> [(date: String, ids: SortedIDs)]?
    {
        let table = self[kind]
        guard let datePosition = table.datePosition else { return nil }
        var byDate: [String: SortedIDs]?
        var ranges: [Query.Filter] = []
        for filter in query.filters {
            guard case .field(let position) = filter.field, case .string(let operand)? = filter.values.first else {
                return nil
            }
            if filter.op == .eq, byDate == nil, let byValue = table.valueDateIDs[position] {
                byDate = byValue[operand] ?? [:]
            } else if position == datePosition, [.gt, .gte, .lt, .lte].contains(filter.op) {
                ranges.append(filter)
            } else {
                return nil
            }
        }
        guard !withRange || !ranges.isEmpty else { return nil }
        let buckets: [(key: String, value: SortedIDs)]
        if let byDate {
            buckets = Array(byDate)
        } else if let dateIndex = table.buckets(of: datePosition) {
            buckets = Array(dateIndex.pairs)
        } else {
            return nil
        }
        return buckets.compactMap { date, ids in ranges.allSatisfy { $0.admits(.string(date)) } ? (date, ids) : nil }
    }

    /// A page in date order (ids ascending within a date) from `exactDateBuckets`, when the
    /// only sort key is the date and every record has one: the buckets are walked in date order
    /// from the cursor, so nothing is sorted but the few hundred dates. nil for other queries.
    func pageByDate(_ kind: ResourceKind, _ query: Query) -> QueryPage? {
        let table = self[kind]
        guard query.search == nil || query.search?.isEmpty == true, query.sort.count == 1,
            case .field(let position) = query.sort[0].field, position == table.datePosition,
            table.schema.fields[position].required,
            let buckets = exactDateBuckets(kind, query, withRange: false)
        else { return nil }
        let descending = query.sort[0].descending
        var cursor: (date: String, id: String)?
        if let after = query.after {
            guard after.count == 2, case .string(let date) = after[0], case .string(let id) = after[1] else {
                return nil
            }
            cursor = (date, id)
        }
        var page: [Record] = []
        var keys: [[SortValue]] = []
        var more = false
        walk: for (date, ids) in buckets.sorted(by: { descending ? $0.date > $1.date : $0.date < $1.date }) {
            var start = 0
            if let cursor {
                if date == cursor.date {
                    start = ids.firstIndex(after: cursor.id)
                } else if descending ? date > cursor.date : date < cursor.date {
                    continue
                }
            }
            for id in ids.ids(from: start) {
                guard page.count < query.limit else {
                    more = true
                    break walk
                }
                page.append(table[id]!)
                keys.append([.string(date)])
            }
        }
        return QueryPage(records: page, total: buckets.reduce(0) { $0 + $1.ids.count }, more: more, keys: keys)
    }
}

/// The ids of several sorted, disjoint buckets in ascending order, from just after `afterID`:
/// a k-way merge over a binary heap that holds each bucket's next id.
struct MergedIDs: Sequence, IteratorProtocol {
    private let buckets: [SortedIDs]
    /// A min-heap on `id`: each non-exhausted bucket's next id and where it sits.
    private var heap: [(id: String, bucket: Int, position: Int)] = []

    init(_ buckets: [SortedIDs], after afterID: String?) {
        self.buckets = buckets
        for (bucket, ids) in buckets.enumerated() {
            let start = afterID.map { ids.firstIndex(after: $0) } ?? 0
            if start < ids.count { heap.append((ids[start], bucket, start)) }
        }
        for node in Swift.stride(from: heap.count / 2 - 1, through: 0, by: -1) { siftDown(node) }
    }

    mutating func next() -> String? {
        guard let top = heap.first else { return nil }
        let position = top.position + 1
        if position < buckets[top.bucket].count {
            heap[0] = (buckets[top.bucket][position], top.bucket, position)
        } else {
            let last = heap.removeLast()
            guard !heap.isEmpty else { return top.id }
            heap[0] = last
        }
        siftDown(0)
        return top.id
    }

    private mutating func siftDown(_ start: Int) {
        var node = start
        while true {
            let left = 2 * node + 1
            guard left < heap.count else { return }
            var smallest = left
            if left + 1 < heap.count && heap[left + 1].id < heap[left].id { smallest = left + 1 }
            guard heap[smallest].id < heap[node].id else { return }
            heap.swapAt(node, smallest)
            node = smallest
        }
    }
}
