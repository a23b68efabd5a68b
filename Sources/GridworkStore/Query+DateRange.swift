/// Date ranges answered from indexes alone. At a million records, `?type=visit&date[gte]=…`
/// scanned the visits in id order, old ones first, until the page filled (p99 6.7 ms). Read from
/// the ids of each (type, date) pair inside the range, it touches only the page.
extension Store.State {
    /// The sorted id buckets that hold exactly the matches of `query`, when its filters are ranges
    /// on the date field plus at most one equality on an enumeration field: the (value, date)
    /// buckets, or for ranges alone the date index's. nil for any other shape.
    func exactDateBuckets(_ kind: ResourceKind, _ query: Query) -> [[String]]? {
        let table = self[kind]
        guard let datePosition = table.datePosition else { return nil }
        var byDate: [String: [String]]?
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
        guard !ranges.isEmpty, let buckets = byDate ?? table.buckets(of: datePosition) else { return nil }
        return buckets.compactMap { date, ids in Self.isInside(.string(date), ranges) ? ids : nil }
    }

    /// Whether `value` satisfies every range filter.
    static func isInside(_ value: SortValue, _ ranges: [Query.Filter]) -> Bool {
        ranges.allSatisfy { filter in
            let operand = filter.values[0]
            switch filter.op {
            case .gt: return value > operand
            case .gte: return value >= operand
            case .lt: return value < operand
            case .lte: return value <= operand
            default: return false
            }
        }
    }
}

/// The ids of several sorted, disjoint buckets in ascending order, from just after `afterID`:
/// a k-way merge over a binary heap that holds each bucket's next id.
struct MergedIDs: Sequence, IteratorProtocol {
    private let buckets: [[String]]
    /// A min-heap on `id`: each non-exhausted bucket's next id and where it sits.
    private var heap: [(id: String, bucket: Int, position: Int)] = []

    init(_ buckets: [[String]], after afterID: String?) {
        self.buckets = buckets
        for (bucket, ids) in buckets.enumerated() {
            let start = afterID.map { Table.firstIndex(after: $0, in: ids) } ?? 0
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
