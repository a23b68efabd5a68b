/// Pages answered from sorted buckets alone: the date buckets of a date range, and the index
/// buckets that hold a region's records. Neither reads a record that is not on the page.
extension Store.State {
    /// The page of an unfiltered, unsorted listing within a region, when the region's buckets
    /// are disjoint (every resource but cadres): the total is their sizes, the page their merge.
    /// nil for any other query, and for the district.
    func regionPage(_ kind: ResourceKind, _ query: Query, _ members: RegionMembers?) -> QueryPage? {
        guard let members, query.filters.isEmpty else { return nil }
        let (buckets, disjoint) = members.buckets(kind, in: self)
        guard disjoint else { return nil }
        var afterID: String?
        if let after = query.after {
            guard after.count == 1, case .string(let id) = after[0] else { return nil }
            afterID = id
        }
        return mergedPage(kind, buckets, after: afterID, limit: query.limit)
    }

    /// The ids of `buckets` (sorted, disjoint) after `afterID`, merged in id order, up to `limit`.
    func mergedPage(_ kind: ResourceKind, _ buckets: [SortedIDs], after afterID: String?, limit: Int) -> QueryPage {
        let table = self[kind]
        var ids = MergedIDs(buckets, after: afterID)
        var page: [Record] = []
        while page.count < limit, let id = ids.next() { page.append(table[id]!) }
        return QueryPage(
            records: page, total: buckets.reduce(0) { $0 + $1.count }, more: ids.next() != nil,
            keys: Array(repeating: [], count: page.count))
    }
}
