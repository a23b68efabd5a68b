import GridworkStore
import HTTP1
import HTTPResponder
import HTTPTypes
import Prometheus

/// What the server itself can tell `/metrics`.
public struct ServerGauges: Sendable {
    public var openConnections: Int
    public var bytesReceived: Int
    public var bytesSent: Int

    public init(openConnections: Int, bytesReceived: Int, bytesSent: Int) {
        self.openConnections = openConnections
        self.bytesReceived = bytesReceived
        self.bytesSent = bytesSent
    }
}

/// `GET /metrics`: the Prometheus registry in the text format (0.0.4), after sampling the
/// values that live elsewhere (store, streams, journal, server). Registered only when the
/// metrics have a Prometheus registry.
struct MetricsRoutes {
    let store: Store
    let metrics: MetricsCollector
    let stream: StatsStream
    let durability: (any WriteDurability)?
    let server: (@Sendable () -> ServerGauges)?

    func register(on router: Router) {
        guard let registry = metrics.registry else { return }
        let routes = self
        router.add(.get, "/metrics") { request, _ throws(APIError) in
            try QueryParameters.rejectAll(request)
            routes.sample()
            return Response(
                status: .ok, headerFields: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: registry.emitToBuffer())
        }
    }

    private func sample() {
        if let gauges = server?() {
            metrics.sample("gridwork_open_connections", gauge: gauges.openConnections)
            metrics.sample("gridwork_received_bytes_total", counter: gauges.bytesReceived)
            metrics.sample("gridwork_sent_bytes_total", counter: gauges.bytesSent)
        }
        metrics.sample("gridwork_store_revision", gauge: store.revision)
        for kind in ResourceKind.allCases {
            metrics.sample("gridwork_records", resource: kind.rawValue, gauge: store.count(kind))
        }
        metrics.sample("gridwork_stats_stream_subscribers", gauge: stream.count)
        if let journal = durability?.statistics {
            metrics.sample("gridwork_journal_bytes", gauge: journal.bytes)
            metrics.sample("gridwork_journal_changes_total", counter: journal.changes)
            metrics.sample("gridwork_journal_syncs_total", counter: journal.syncs)
            metrics.sample("gridwork_journal_failed", gauge: journal.failed ? 1 : 0)
        }
        if let log = durability?.sharedLogStatistics {
            metrics.sample("gridwork_log_conflicts_total", counter: log.conflicts)
            metrics.sample("gridwork_log_applied_total", counter: log.applied)
            metrics.sample("gridwork_log_stale", gauge: durability?.staleness == nil ? 0 : 1)
        }
    }
}
