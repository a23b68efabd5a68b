import GridworkStore
import HTTP1
import HTTPTypes
import Synchronization

/// `GET /stats` and `GET /stats/report`.
///
/// `/stats` is what dashboards poll, so its body (and the body's gzip form) is encoded once per
/// store revision and served from that cache; a request at an unchanged revision costs an atomic
/// load, a lock and a copy of two array references, and `If-None-Match` answers 304 without a body.
struct StatsRoutes {
    let store: Store
    let cache = StatsCache()

    func register(on router: Router) {
        let store = self.store
        let cache = self.cache
        router.add(.get, "/stats") { request, _ throws(APIError) in
            try QueryParameters.rejectAll(request)
            let entry = cache.entry(for: store)
            let fields: HTTPFields = [.cacheControl: "no-cache", .vary: "Accept-Encoding"]
            let gzip = ContentCoding.negotiate(
                acceptEncoding: request.headerFields[values: .acceptEncoding].isEmpty
                    ? nil : request.headerFields[values: .acceptEncoding].joined(separator: ","),
                preferCompression: true
            )
            if let tags = request.headerFields[.ifNoneMatch],
                EntityTag.matches(tags, any: [entry.etag, entry.gzipETag])
            {
                var response = Response(status: .notModified, headerFields: fields)
                response.headerFields[.eTag] = gzip == .gzip ? entry.gzipETag : entry.etag
                return response
            }
            var response = Response(status: .ok, headerFields: fields)
            response.headerFields[.contentType] = MediaType.json
            if gzip == .gzip {
                response.headerFields[.contentEncoding] = "gzip"
                response.headerFields[.eTag] = entry.gzipETag
                response.body = entry.gzip
            } else {
                response.headerFields[.eTag] = entry.etag
                response.body = entry.identity
            }
            return response
        }
        router.add(.get, "/stats/report") { request, _ throws(APIError) in
            try QueryParameters.rejectAll(request)
            return Response.json(StatsEncoding.report(store.stats()))
        }
    }
}

/// The encoded `/stats` body at one revision.
struct StatsEntry: Sendable {
    let revision: Int
    let identity: [UInt8]
    let gzip: [UInt8]
    var etag: String { "\"stats-\(revision)\"" }
    var gzipETag: String { "\"stats-\(revision)-gzip\"" }
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
        let entry = StatsEntry(revision: snapshot.revision, identity: identity, gzip: Gzip.compress(identity, level: 6))
        latest.withLock { current in
            if (current?.revision ?? -1) < entry.revision { current = entry }
        }
        return entry
    }
}

/// RFC 9110 §8.8.3 entity-tag lists, as `If-None-Match` carries them.
enum EntityTag {
    /// Whether `header` (`*`, or a list of tags) matches any of `tags`, by weak comparison.
    static func matches(_ header: String, any tags: [String]) -> Bool {
        let trimmed = header.trimmingSpaces()
        if trimmed == "*" { return true }
        let opaque = Set(tags.map(Self.opaque))
        return header.split(separator: ",").contains { opaque.contains(Self.opaque(String($0).trimmingSpaces())) }
    }

    /// The quoted part without `W/`.
    static func opaque(_ tag: String) -> String {
        tag.hasPrefix("W/") ? String(tag.dropFirst(2)) : tag
    }
}

extension String {
    func trimmingSpaces() -> String {
        var view = Substring(self)
        while view.first == " " || view.first == "\t" { view = view.dropFirst() }
        while view.last == " " || view.last == "\t" { view = view.dropLast() }
        return String(view)
    }
}
