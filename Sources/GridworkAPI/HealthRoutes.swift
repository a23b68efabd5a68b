import GridworkStore
import HTTP1
import HTTPResponder
import HTTPTypes
import JSON

/// `GET /healthz` (the process is up) and `GET /readyz` (the store is loaded and, with a data
/// directory, the journal writable — or why not).
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

    func register(on router: Router) {
        router.add(.get, "/healthz") { _, _ in Self.healthy }
        let durability = self.durability
        // The server listens only once the store has loaded, so ready means the journal is writable.
        router.add(.get, "/readyz") { _, _ in
            guard let failure = durability?.failure else { return Self.ready }
            return Self.journalFailed(failure)
        }
    }
}
