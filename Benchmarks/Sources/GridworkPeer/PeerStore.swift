import Synchronization

/// The in-memory assistance records and `/stats`, shared by every request.
///
/// Concurrency: immutable reference sets, plus one `Mutex` around the records and the figures; readers copy
/// what they need under the lock and encode outside it.
final class PeerStore: Sendable {
    /// Ids a new record may name as its cadre.
    let cadreIds: Set<String>
    /// Grid id → index of its town in `Stats.byTown`, or nil when the town has no row.
    let gridTowns: [String: Int?]
    /// The captured store's epoch, which Gridwork's tags name beside the revision.
    let epoch: String
    private let state: Mutex<State>

    private struct State {
        var records: [AssistanceRecord]
        var stats: Stats
        var lastNumber: Int
    }

    init(_ data: PeerData) {
        cadreIds = data.cadreIds
        let townIndex = Dictionary(
            data.stats.byTown.enumerated().map { ($0.element.townId, $0.offset) },
            uniquingKeysWith: { first, _ in first })
        gridTowns = data.gridTowns.mapValues { townIndex[$0] }
        epoch = data.stats.epoch
        let lastNumber = data.records.compactMap { Int($0.id.dropFirst("record-".count)) }.max() ?? 0
        state = Mutex(State(records: data.records, stats: data.stats, lastNumber: lastNumber))
    }

    /// The current figures.
    func stats() -> Stats {
        state.withLock { $0.stats }
    }

    /// Up to `limit` records with ids after `after` (all when nil), the total, and whether more follow.
    func page(after: String?, limit: Int) -> (records: [AssistanceRecord], total: Int, more: Bool) {
        state.withLock { state in
            let records = state.records
            var start = 0
            if let after {
                // Ids are fixed-width and only grow, so the array is sorted: binary search past the cursor.
                var high = records.count
                while start < high {
                    let middle = (start + high) / 2
                    if records[middle].id <= after { start = middle + 1 } else { high = middle }
                }
            }
            let end = min(start + limit, records.count)
            return (Array(records[start..<end]), records.count, end < records.count)
        }
    }

    /// Gives `record` the next id, stores it and counts it in the figures. `principal` writes it: Gridwork
    /// names an unauthenticated writer on an open-access server `anonymous`.
    func create(_ record: ValidRecord, at timestamp: String, by principal: String = "anonymous") -> AssistanceRecord {
        let townIndex = gridTowns[record.gridId] ?? nil
        return state.withLock { state in
            state.lastNumber += 1
            let digits = String(state.lastNumber)
            let created = AssistanceRecord(
                id: "record-" + String(repeating: "0", count: max(0, 7 - digits.count)) + digits,
                type: record.type,
                date: record.date,
                cadreId: record.cadreId,
                gridId: record.gridId,
                householdName: record.householdName,
                amountYuan: record.amountYuan,
                summary: record.summary,
                activity: record.activity,
                counterpart: record.counterpart,
                createdAt: timestamp,
                updatedAt: timestamp,
                revision: 1,
                source: "api",
                createdBy: principal,
                updatedBy: principal
            )
            state.records.append(created)
            state.stats.count(created, townIndex: townIndex)
            return created
        }
    }
}
