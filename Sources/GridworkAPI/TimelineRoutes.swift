import GridworkStore
import HTTP1
import HTTPResponder
import HTTPTypes
import JSON
import Synchronization

/// `GET /stats/timeline?interval=month|week[&townId=…]`: assistance records per period and type,
/// and funds per period, for the whole district or one town. Encoded once per revision and query.
struct TimelineRoutes {
    let store: Store
    private let cache = TimelineCache()

    /// The encoded answers at their revision, by query.
    final class TimelineCache: Sendable {
        let entries = Mutex<[String: (revision: Int, body: [UInt8])]>([:])
        func withLock<T>(_ body: (inout [String: (revision: Int, body: [UInt8])]) -> T) -> T {
            entries.withLock { body(&$0) }
        }
    }

    init(store: Store) {
        self.store = store
    }

    func register(on router: Router) {
        let store = self.store
        let cache = self.cache
        router.add(.get, "/stats/timeline") { request, _ throws(APIError) in
            let query = try QueryParameters(request)
            try query.rejectUnknown(allowed: ["interval", "townId"])
            let intervalName = try query.single("interval") ?? "month"
            guard let interval = Timeline.Interval(rawValue: intervalName) else {
                throw APIError.badRequest("`interval` must be `month` or `week`, not `\(intervalName)`.")
            }
            let townId = try query.single("townId")
            if let townId, store.record(.towns, id: townId) == nil {
                throw APIError.badRequest("No town has the id `\(townId)`.")
            }
            let key = "\(interval.rawValue) \(townId ?? "")"
            let revision = store.revision
            if let hit = cache.withLock({ $0[key] }), hit.revision == revision {
                return Response.json(hit.body)
            }
            let timeline = store.timeline(interval, townId: townId)
            let body = Self.encode(timeline)
            cache.withLock { $0[key] = (timeline.revision, body) }
            return Response.json(body)
        }
    }

    static func encode(_ timeline: Timeline) -> [UInt8] {
        var writer = JSONWriter(capacity: 256 + timeline.periods.count * 200)
        writer.raw("{\"interval\":")
        writer.string(timeline.interval.rawValue)
        writer.raw(",\"townId\":")
        if let townId = timeline.townId { writer.string(townId) } else { writer.raw("null") }
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
