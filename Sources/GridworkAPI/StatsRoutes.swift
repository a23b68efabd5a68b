import GridworkStore
import HTTP1
import HTTPResponder
import HTTPTypes
import Synchronization

/// `GET /stats` and `GET /stats/report`, computed over the caller's scope (SPEC section 4).
///
/// `/stats` is what dashboards poll, so its body (and the body's gzip form) is encoded once per
/// store revision and scope and served from that cache; a request at an unchanged revision costs
/// an atomic load, a lock and a copy of two array references, and `If-None-Match` answers 304
/// without a body. The district's entry is kept apart from the scoped ones, so its path is as
/// it was before scopes.
struct StatsRoutes {
    let store: Store
    let cache: StatsCache
    let stream: StatsStream

    init(store: Store) {
        self.store = store
        self.cache = StatsCache()
        self.stream = StatsStream(store: store, cache: cache)
    }

    static let lastEventID = HTTPField.Name("Last-Event-ID")!

    func register(on router: Router) {
        let store = self.store
        let cache = self.cache
        let stream = self.stream
        router.add(.get, "/stats/stream") { request, parameters throws(APIError) in
            try QueryParameters.rejectAll(request)
            var response = Response(
                status: .ok,
                headerFields: [
                    .contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache",
                    HTTPField.Name("X-Accel-Buffering")!: "no",
                ])
            response.stream = stream.subscribe(
                lastEventID: request.headerFields[Self.lastEventID], region: Scope(parameters.principal).extent)
            return response
        }
        router.add(.get, "/stats") { request, parameters throws(APIError) in
            try QueryParameters.rejectAll(request)
            let entry = cache.entry(for: store, in: Scope(parameters.principal).extent)
            return Response.representations(
                for: request, identity: entry.identity, gzip: entry.gzip, etag: entry.etag, gzipETag: entry.gzipETag,
                contentType: MediaType.json, fields: [.cacheControl: "no-cache"])
        }
        router.add(.get, "/stats/report") { request, parameters throws(APIError) in
            try QueryParameters.rejectAll(request)
            return Response.json(StatsEncoding.report(store.stats(in: Scope(parameters.principal).extent)))
        }
    }
}

/// The encoded `/stats` body at one revision, over one region.
struct StatsEntry: Sendable {
    let epoch: String
    let revision: Int
    let region: Region
    let identity: [UInt8]
    let gzip: [UInt8]
    /// Formatted once per revision, not per request.
    let etag: String
    let gzipETag: String
    /// The SSE `id:` of this state, `<epoch>-<revision>`, then `-<region tag>` for a part of the
    /// district.
    let eventID: String

    /// The tags name the store's epoch as well as its revision: a revision alone labels another
    /// body once a memory-only store restarts. A part of the district's tags add its
    /// `Region.tag`, which no other region shares, so no tag names the figures of two scopes.
    init(_ snapshot: StatsSnapshot) {
        epoch = snapshot.epoch
        revision = snapshot.revision
        region = snapshot.region
        identity = StatsEncoding.stats(snapshot)
        gzip = Gzip.compress(identity, level: 6)
        var state = "\(snapshot.epoch)-\(snapshot.revision)"
        if let tag = snapshot.region.tag { state += "-\(tag)" }
        eventID = state
        etag = "\"stats-\(state)\""
        gzipETag = "\"stats-\(state)-gzip\""
    }
}

/// The latest encoded `/stats` of the district and of each scope asked for, each replaced when
/// the store's revision moves on.
///
/// Concurrency: `Mutex`es around immutable entries.
final class StatsCache: Sendable {
    private let latest = Mutex<StatsEntry?>(nil)
    private let scoped = Mutex<[Region: StatsEntry]>([:])
    /// Scopes come from the principals file, so they are few; past this many, entries of older
    /// revisions are dropped.
    static let maxScopes = 256

    /// The district's `/stats`.
    func entry(for store: Store) -> StatsEntry {
        let revision = store.revision
        if let entry = latest.withLock({ $0 }), entry.revision == revision { return entry }
        let entry = StatsEntry(store.stats())
        latest.withLock { current in
            if (current?.revision ?? -1) < entry.revision { current = entry }
        }
        return entry
    }

    /// `/stats` over `region`.
    func entry(for store: Store, in region: Region) -> StatsEntry {
        if region.isDistrict { return entry(for: store) }
        let revision = store.revision
        if let entry = scoped.withLock({ $0[region] }), entry.revision == revision { return entry }
        let entry = StatsEntry(store.stats(in: region))
        scoped.withLock { entries in
            guard (entries[region]?.revision ?? -1) < entry.revision else { return }
            if entries.count >= Self.maxScopes { entries = entries.filter { $0.value.revision >= entry.revision } }
            entries[region] = entry
        }
        return entry
    }
}
