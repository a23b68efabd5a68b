public import CoreMetrics
import HTTPTypes
public import Prometheus
import Synchronization

/// The API's metrics, written through swift-metrics so that any backend can take them, and the
/// Prometheus registry `GET /metrics` renders when that backend is Prometheus.
///
/// Responses are counted when the server reports them (`responded`), not by a responder layer:
/// only the server sees the statuses it sends on its own (400, 408, 413, 414, 431, 505, 503 at
/// the connection cap) and the final status of every response, whatever layer set it (a 406 from
/// content negotiation, a 401 from access control).
///
/// Concurrency: `Sendable`; one `Mutex` guards the handlers made so far, taken once per response,
/// briefly. The route label is the pattern the router named for the response, not matched again.
public final class MetricsCollector: Sendable {
    /// The latency histogram's bucket upper bounds, in seconds from 100 µs to 1 s.
    public static let durationBuckets: [Duration] = [
        .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .microseconds(2500),
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .seconds(1),
    ]
    static let requestsTotal = "gridwork_http_requests_total"
    static let requestDuration = "gridwork_http_request_duration_seconds"
    static let writesTotal = "gridwork_writes_total"
    /// What each metric measures: the `# HELP` line of its family in the Prometheus text, which
    /// `promtool check metrics` asks for. The swift-metrics API has no place for it, so with a
    /// Prometheus registry the metrics are made through the registry directly.
    static let help: [String: String] = [
        requestsTotal: "Responses sent, by route pattern, method and status (the server's own refusals included).",
        requestDuration: "Time from a complete request to its response being queued, journal waits included.",
        "gridwork_open_connections": "Client connections open now.",
        "gridwork_received_bytes_total": "Bytes read from client sockets.",
        "gridwork_sent_bytes_total": "Bytes written to client sockets.",
        "gridwork_store_revision": "The revision of the published store state.",
        "gridwork_records": "Records in the published store state, by resource.",
        "gridwork_stats_stream_subscribers": "Clients subscribed to /stats/stream now.",
        "gridwork_journal_bytes": "Size of journal.log in bytes.",
        "gridwork_journal_changes_total": "Changes written to the journal since the start.",
        "gridwork_journal_syncs_total": "fdatasync calls of the journal since the start.",
        "gridwork_journal_failed": "1 once the journal has failed (writes are refused), else 0.",
        "gridwork_log_conflicts_total":
            "Appends to the shared log (--postgres) another node got to first; their writes ran again.",
        "gridwork_log_applied_total": "Changes other nodes appended to the shared log, applied here.",
        "gridwork_log_stale": "1 while the shared log's database cannot be reached (reads may be stale), else 0.",
        writesTotal: "Writes accepted (create, replace, patch, delete), by the role of the principal who made them.",
    ]
    /// The methods counted under their own name; any other is counted as `other`, so that a
    /// client inventing methods cannot grow the number of series without bound.
    static let namedMethods = Set(Router.methods.map(\.rawValue))

    private struct RequestKey: Hashable {
        var route: String
        var method: String
        var status: Int
    }

    private struct State {
        var requests: [RequestKey: any CounterHandler] = [:]
        var gauges: [String: any RecorderHandler] = [:]
        var counters: [String: (handler: any CounterHandler, total: Int)] = [:]
        var writes: [String: any CounterHandler] = [:]
    }

    /// Where every metric goes.
    public let factory: any MetricsFactory
    /// What `GET /metrics` renders; nil when the factory is another backend (then there is no `/metrics`).
    public let registry: PrometheusCollectorRegistry?
    private let latency: any TimerHandler
    private let state = Mutex(State())

    /// Metrics through `factory`; `registry` is the Prometheus registry behind it, if it is one.
    public init(factory: any MetricsFactory, registry: PrometheusCollectorRegistry?) {
        self.factory = factory
        self.registry = registry
        self.latency =
            registry?.makeDurationHistogram(
                descriptor: Self.descriptor(Self.requestDuration), labels: [], buckets: Self.durationBuckets)
            ?? factory.makeTimer(label: Self.requestDuration, dimensions: [])
    }

    /// Metrics in a Prometheus registry of their own (by default a new one, so that tests and
    /// several servers in one process never share counts).
    public convenience init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.init(factory: Self.prometheusFactory(registry: registry), registry: registry)
    }

    /// A Prometheus factory over `registry` with the latency histogram's buckets; bootstrap
    /// `MetricsSystem` with it to gather other libraries' metrics in the same registry.
    public static func prometheusFactory(registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets[requestDuration] = durationBuckets
        return factory
    }

    /// Counts one response the server sent. `path` is nil when no request was parsed; the route
    /// label is then `-` (as in the access log), and `unmatched` for a path no route serves
    /// (`route` is the pattern the router named for the response).
    public func responded(method: String?, path: String?, route: String?, status: Int, duration: Duration?) {
        let route = path == nil ? "-" : route ?? "unmatched"
        let method = method.map { Self.namedMethods.contains($0) ? $0 : "other" } ?? "-"
        let key = RequestKey(route: route, method: method, status: status)
        let handler = state.withLock { state in
            if let handler = state.requests[key] { return handler }
            let handler = makeCounter(
                Self.requestsTotal, [("route", route), ("method", method), ("status", String(status))])
            state.requests[key] = handler
            return handler
        }
        handler.increment(by: 1)
        if let duration {
            let (seconds, attoseconds) = duration.components
            latency.recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        }
    }

    private static func descriptor(_ name: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help[name] ?? "")
    }

    private func makeCounter(_ name: String, _ dimensions: [(String, String)]) -> any CounterHandler {
        registry?.makeCounter(descriptor: Self.descriptor(name), labels: dimensions)
            ?? factory.makeCounter(label: name, dimensions: dimensions)
    }

    /// Counts one accepted write by a principal of `role`.
    func wrote(as role: String) {
        let handler = state.withLock { state in
            if let handler = state.writes[role] { return handler }
            let handler = makeCounter(Self.writesTotal, [("role", role)])
            state.writes[role] = handler
            return handler
        }
        handler.increment(by: 1)
    }

    /// Sets the gauge `name` to `value`.
    func sample(_ name: String, resource: String? = nil, gauge value: Int) {
        let key = resource.map { "\(name){\($0)}" } ?? name
        let handler = state.withLock { state in
            if let handler = state.gauges[key] { return handler }
            let dimensions = resource.map { [("resource", $0)] } ?? []
            let handler: any RecorderHandler =
                registry?.makeGauge(descriptor: Self.descriptor(name), labels: dimensions)
                ?? factory.makeRecorder(label: name, dimensions: dimensions, aggregate: false)
            state.gauges[key] = handler
            return handler
        }
        handler.record(Int64(value))
    }

    /// Brings the counter `name` up to `total`, a running total kept elsewhere (bytes sent,
    /// journal syncs): a counter only goes up, so it is increased by what was added since the
    /// last sample.
    func sample(_ name: String, counter total: Int) {
        let (handler, added) = state.withLock { state in
            let entry = state.counters[name] ?? (makeCounter(name, []), 0)
            state.counters[name] = (entry.handler, max(total, entry.total))
            return (entry.handler, max(0, total - entry.total))
        }
        if added > 0 { handler.increment(by: Int64(added)) }
    }
}
