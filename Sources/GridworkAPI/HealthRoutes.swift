import GridworkStore
import HTTP1
import HTTPResponder
import HTTPTypes
import JSON

/// `GET /healthz` (the process is up) and `GET /readyz` (the store is loaded and, with a data
/// directory, the journal writable; with PostgreSQL, the database reachable — or why not).
struct HealthRoutes {
    let durability: (any WriteDurability)?

    static let healthy = Response.json(Array(#"{"status":"ok"}"#.utf8))
    static let ready = Response.json(Array(#"{"status":"ready"}"#.utf8))

    /// 503 naming why the journal failed: the server keeps serving reads, refuses writes.
    static func journalFailed(_ reason: String) -> Response {
        var writer = JSONWriter()
        writer.raw(#"{"status":"journal_failed","reason":"#)
        writer.string(reason)
        writer.raw("}")
        return Response.json(writer.bytes, status: .serviceUnavailable)
    }

    /// 503 for a node that cannot reach its change log's database: it still answers reads, from
    /// a state that has not been known to be current for `seconds`.
    static func stale(_ reason: String, seconds: Double) -> Response {
        var writer = JSONWriter()
        writer.raw(#"{"status":"stale","reason":"#)
        writer.string(reason)
        writer.raw(#","staleSeconds":"#)
        writer.raw(Array(APIResponder.staleText(seconds).utf8))
        writer.raw("}")
        return Response.json(writer.bytes, status: .serviceUnavailable)
    }

    func register(on router: Router) {
        router.add(.get, "/healthz") { _, _ in Self.healthy }
        let durability = self.durability
        // The server listens only once the store has loaded, so ready means the journal is writable.
        router.add(.get, "/readyz") { _, _ in
            guard let durability, let failure = durability.failure else { return Self.ready }
            if let staleness = durability.staleness { return Self.stale(failure, seconds: staleness) }
            return Self.journalFailed(failure)
        }
    }
}
