import GridworkStore
import HTTP1
import HTTPTypes

/// `GET /healthz` (the process is up) and `GET /readyz` (the store is loaded and, with a data
/// directory, the journal writable).
struct HealthRoutes {
    let store: Store
    let durability: (any WriteDurability)?

    static let healthy = Response.json(Array(#"{"status":"ok"}"#.utf8))
    static let ready = Response.json(Array(#"{"status":"ready"}"#.utf8))
    static let notReady = Response.json(Array(#"{"status":"starting"}"#.utf8), status: .serviceUnavailable)
    static let journalFailed = Response.json(
        Array(#"{"status":"journal_failed"}"#.utf8), status: .serviceUnavailable)

    func register(on router: Router) {
        router.add(.get, "/healthz") { _, _ in Self.healthy }
        let store = self.store
        let durability = self.durability
        router.add(.get, "/readyz") { _, _ in
            guard store.isReady else { return Self.notReady }
            return durability?.failure == nil ? Self.ready : Self.journalFailed
        }
    }
}
