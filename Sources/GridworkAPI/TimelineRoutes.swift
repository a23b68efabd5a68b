import GridworkStore
import HTTP1
import HTTPResponder
import HTTPTypes
import JSON
import Synchronization

/// `GET /stats/timeline?interval=month|week[&townId=…]`: assistance records per period and type,
/// and funds per period, over the caller's scope or one town of it. Encoded once per revision,
/// query and scope.
struct TimelineRoutes {
    let store: Store
    private let cache = TimelineCache()

    /// What one answer depends on besides the revision.
    struct Key: Hashable {
        var interval: Timeline.Interval
        var townId: String?
        var region: Region
    }

    /// The encoded answers at their revision, by query.
    final class TimelineCache: Sendable {
        let entries = Mutex<[Key: (revision: Int, body: [UInt8])]>([:])
        func withLock<T>(_ body: (inout [Key: (revision: Int, body: [UInt8])]) -> T) -> T {
            entries.withLock { body(&$0) }
        }
    }

    init(store: Store) {
        self.store = store
    }

    func register(on router: Router) {
        let store = self.store
        let cache = self.cache
        router.add(.get, "/stats/timeline") { request, parameters throws(APIError) in
            let query = try QueryParameters(request)
            try query.rejectUnknown(allowed: ["interval", "townId"])
            let intervalName = try query.single("interval") ?? "month"
            guard let interval = Timeline.Interval(rawValue: intervalName) else {
                throw APIError.badRequest("`interval` must be `month` or `week`, not `\(intervalName)`.")
            }
            let townId = try query.single("townId")
            let region = Scope(parameters.principal).extent
            // A town outside the scope is answered like one that does not exist: nothing leaks.
            if let townId, store.record(.towns, id: townId, in: region) == nil {
                throw APIError.badRequest("No town has the id `\(townId)`.")
            }
            let key = Key(interval: interval, townId: townId, region: region)
            let revision = store.revision
            if let hit = cache.withLock({ $0[key] }), hit.revision == revision {
                return Response.json(hit.body)
            }
            let timeline = store.timeline(interval, townId: townId, in: region)
            let body = Self.encode(timeline, region: region)
            cache.withLock { $0[key] = (timeline.revision, body) }
            return Response.json(body)
        }
    }

    static func encode(_ timeline: Timeline, region: Region = .district) -> [UInt8] {
        var writer = JSONWriter(capacity: 256 + timeline.periods.count * 200)
        writer.raw("{\"interval\":")
        writer.string(timeline.interval.rawValue)
        writer.raw(",\"townId\":")
        if let townId = timeline.townId { writer.string(townId) } else { writer.raw("null") }
        writer.raw(",\"scope\":")
        writer.raw(region.json)
        writer.raw(",\"revision\":")
        writer.int(timeline.revision)
        writer.raw(",\"types\":[")
        for (index, type) in Timeline.types.enumerated() {
            if index > 0 { writer.raw(",") }
            writer.string(type)
        }
        writer.raw("],\"periods\":[")
        for (index, period) in timeline.periods.enumerated() {
            if index > 0 { writer.raw(",") }
            writer.raw("{\"label\":")
            writer.string(period.label)
            writer.raw(",\"start\":")
            writer.string(period.start)
            writer.raw(",\"counts\":{")
            for (position, type) in Timeline.types.enumerated() {
                if position > 0 { writer.raw(",") }
                writer.key(type)
                writer.int(period.counts[position])
            }
            writer.raw("},\"fundsYuan\":")
            writer.int(period.fundsYuan)
            writer.raw("}")
        }
        writer.raw("],\"omittedPeriods\":")
        writer.int(timeline.omittedPeriods)
        writer.raw(",\"omittedRecords\":")
        writer.int(timeline.omittedRecords)
        writer.raw("}")
        return writer.bytes
    }
}
