import GridworkStore
import HTTP1
import HTTPTypes

/// `GET /healthz` (the process is up) and `GET /readyz` (the store is loaded and, with a data
/// directory, the journal writable — or why not).
struct HealthRoutes {
    let store: Store
    let durability: (any WriteDurability)?

    static let healthy = Response.json(Array(#"{"status":"ok"}"#.utf8))
    static let ready = Response.json(Array(#"{"status":"ready"}"#.utf8))
    static let notReady = Response.json(Array(#"{"status":"starting"}"#.utf8), status: .serviceUnavailable)

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
        let store = self.store
        let durability = self.durability
        router.add(.get, "/readyz") { _, _ in
            guard store.isReady else { return Self.notReady }
            guard let failure = durability?.failure else { return Self.ready }
            return Self.journalFailed(failure)
        }
    }
}
