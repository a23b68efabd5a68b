import GridworkStore
import HTTP1
import HTTPTypes

/// `GET /healthz` (the process is up) and `GET /readyz` (the store is loaded).
struct HealthRoutes {
    let store: Store

    static let healthy = Response.json(Array(#"{"status":"ok"}"#.utf8))
    static let ready = Response.json(Array(#"{"status":"ready"}"#.utf8))
    static let notReady = Response.json(Array(#"{"status":"starting"}"#.utf8), status: .serviceUnavailable)

    func register(on router: Router) {
        router.add(.get, "/healthz") { _, _ in Self.healthy }
        let store = self.store
        router.add(.get, "/readyz") { _, _ in store.isReady ? Self.ready : Self.notReady }
    }
}
