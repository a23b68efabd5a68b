import GridworkStore
import HTTP1
import HTTPResponder
import HTTPTypes
import Synchronization

/// `GET /stats` and `GET /stats/report`.
///
/// `/stats` is what dashboards poll, so its body (and the body's gzip form) is encoded once per
/// store revision and served from that cache; a request at an unchanged revision costs an atomic
/// load, a lock and a copy of two array references, and `If-None-Match` answers 304 without a body.
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
        router.add(.get, "/stats/stream") { request, _ throws(APIError) in
            try QueryParameters.rejectAll(request)
            var response = Response(
                status: .ok,
                headerFields: [
                    .contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache",
                    HTTPField.Name("X-Accel-Buffering")!: "no",
                ])
            response.stream = stream.subscribe(lastEventID: request.headerFields[Self.lastEventID])
            return response
        }
        router.add(.get, "/stats") { request, _ throws(APIError) in
            try QueryParameters.rejectAll(request)
            let entry = cache.entry(for: store)
            return Response.representations(
                for: request, identity: entry.identity, gzip: entry.gzip, etag: entry.etag, gzipETag: entry.gzipETag,
                contentType: MediaType.json, fields: [.cacheControl: "no-cache"])
        }
        router.add(.get, "/stats/report") { request, _ throws(APIError) in
            try QueryParameters.rejectAll(request)
            return Response.json(StatsEncoding.report(store.stats()))
        }
    }
}

/// The encoded `/stats` body at one revision.
struct StatsEntry: Sendable {
    let epoch: String
    let revision: Int
    let identity: [UInt8]
    let gzip: [UInt8]
    /// Formatted once per revision, not per request.
    let etag: String
    let gzipETag: String
    /// The SSE `id:` of this state, `<epoch>-<revision>`.
    let eventID: String

    /// The tags name the store's epoch as well as its revision: a revision alone labels another
    /// body once a memory-only store restarts.
    init(epoch: String, revision: Int, identity: [UInt8], gzip: [UInt8]) {
        self.epoch = epoch
        self.revision = revision
        self.identity = identity
        self.gzip = gzip
        eventID = "\(epoch)-\(revision)"
        etag = "\"stats-\(epoch)-\(revision)\""
        gzipETag = "\"stats-\(epoch)-\(revision)-gzip\""
    }
}

/// The latest encoded `/stats`, replaced when the store's revision moves on.
///
/// Concurrency: a `Mutex` around one immutable entry.
final class StatsCache: Sendable {
    private let latest = Mutex<StatsEntry?>(nil)

    func entry(for store: Store) -> StatsEntry {
        let revision = store.revision
        if let entry = latest.withLock({ $0 }), entry.revision == revision { return entry }
        let snapshot = store.stats()
        let identity = StatsEncoding.stats(snapshot)
        let entry = StatsEntry(
            epoch: snapshot.epoch, revision: snapshot.revision, identity: identity,
            gzip: Gzip.compress(identity, level: 6))
        latest.withLock { current in
            if (current?.revision ?? -1) < entry.revision { current = entry }
        }
        return entry
    }
}
