import GridworkStore
import HTTP1
import HTTPTypes
import Synchronization

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

/// Request counts by route, method and status, and a latency histogram, in the Prometheus text
/// format (0.0.4). Written by hand: a few dozen lines, no registry to configure.
///
/// Concurrency: one `Mutex` taken once per request.
final class RequestMetrics: Sendable {
    struct Key: Hashable {
        var route: String
        var method: String
        var status: Int
    }

    private struct State {
        var requests: [Key: Int] = [:]
        var buckets = [Int](repeating: 0, count: RequestMetrics.bounds.count)
        var count = 0
        var sum = 0.0
    }

    /// Histogram bucket upper bounds, in seconds.
    static let bounds: [Double] = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1]
    private let state = Mutex(State())

    func record(route: String, method: String, status: Int, seconds: Double) {
        state.withLock { state in
            state.requests[Key(route: route, method: method, status: status), default: 0] += 1
            if let bucket = Self.bounds.firstIndex(where: { seconds <= $0 }) { state.buckets[bucket] += 1 }
            state.count += 1
            state.sum += seconds
        }
    }

    func render(into text: inout String) {
        let state = self.state.withLock { $0 }
        text += "# HELP gridwork_http_requests_total Requests answered, by route pattern, method and status.\n"
        text += "# TYPE gridwork_http_requests_total counter\n"
        for (key, count) in state.requests.sorted(by: {
            ($0.key.route, $0.key.method, $0.key.status) < ($1.key.route, $1.key.method, $1.key.status)
        }) {
            text +=
                "gridwork_http_requests_total{route=\"\(Self.escape(key.route))\",method=\"\(key.method)\","
                + "status=\"\(key.status)\"} \(count)\n"
        }
        text += "# HELP gridwork_http_request_duration_seconds Time to produce a response (until its journal wait).\n"
        text += "# TYPE gridwork_http_request_duration_seconds histogram\n"
        var cumulative = 0
        for (index, bound) in Self.bounds.enumerated() {
            cumulative += state.buckets[index]
            text += "gridwork_http_request_duration_seconds_bucket{le=\"\(bound)\"} \(cumulative)\n"
        }
        text += "gridwork_http_request_duration_seconds_bucket{le=\"+Inf\"} \(state.count)\n"
        text += "gridwork_http_request_duration_seconds_sum \(state.sum)\n"
        text += "gridwork_http_request_duration_seconds_count \(state.count)\n"
    }

    static func escape(_ value: String) -> String {
        var escaped = ""
        for character in value {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}

/// Counts every request by its route pattern (never the raw path, so labels stay bounded).
struct MetricsResponder: Responder {
    let inner: any Responder
    let router: Router
    let metrics: RequestMetrics

    func respond(to request: Request) -> Response {
        let started = ContinuousClock.now
        let response = inner.respond(to: request)
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        metrics.record(
            route: router.pattern(for: request.path) ?? "unmatched", method: request.method.rawValue,
            status: response.status.code, seconds: seconds)
        return response
    }
}

/// `GET /metrics`.
struct MetricsRoutes {
    let store: Store
    let metrics: RequestMetrics
    let stream: StatsStream
    let durability: (any WriteDurability)?
    let server: (@Sendable () -> ServerGauges)?

    func register(on router: Router) {
        let store = store
        let metrics = metrics
        let stream = stream
        let durability = durability
        let server = server
        router.add(.get, "/metrics") { request, _ throws(APIError) in
            try QueryParameters.rejectAll(request)
            var text = ""
            metrics.render(into: &text)
            if let gauges = server?() {
                text += "# HELP gridwork_open_connections Client connections open now.\n"
                text += "# TYPE gridwork_open_connections gauge\ngridwork_open_connections \(gauges.openConnections)\n"
                text += "# HELP gridwork_received_bytes_total Bytes read from clients.\n"
                text +=
                    "# TYPE gridwork_received_bytes_total counter\ngridwork_received_bytes_total \(gauges.bytesReceived)\n"
                text += "# HELP gridwork_sent_bytes_total Bytes written to clients.\n"
                text += "# TYPE gridwork_sent_bytes_total counter\ngridwork_sent_bytes_total \(gauges.bytesSent)\n"
            }
            text += "# HELP gridwork_store_revision The store's revision (one per committed write).\n"
            text += "# TYPE gridwork_store_revision gauge\ngridwork_store_revision \(store.revision)\n"
            text += "# HELP gridwork_records Records held, by resource.\n# TYPE gridwork_records gauge\n"
            for kind in ResourceKind.allCases {
                text += "gridwork_records{resource=\"\(kind.rawValue)\"} \(store.count(kind))\n"
            }
            text += "# HELP gridwork_stats_stream_subscribers Clients subscribed to /stats/stream.\n"
            text +=
                "# TYPE gridwork_stats_stream_subscribers gauge\ngridwork_stats_stream_subscribers \(stream.count)\n"
            if let journal = durability?.statistics {
                text += "# HELP gridwork_journal_bytes Length of the journal file.\n"
                text += "# TYPE gridwork_journal_bytes gauge\ngridwork_journal_bytes \(journal.bytes)\n"
                text += "# HELP gridwork_journal_changes_total Changes written to the journal.\n"
                text +=
                    "# TYPE gridwork_journal_changes_total counter\ngridwork_journal_changes_total \(journal.changes)\n"
                text += "# HELP gridwork_journal_syncs_total fdatasync calls (one per group of changes).\n"
                text += "# TYPE gridwork_journal_syncs_total counter\ngridwork_journal_syncs_total \(journal.syncs)\n"
                text += "# HELP gridwork_journal_failed 1 once a journal write failed.\n"
                text += "# TYPE gridwork_journal_failed gauge\ngridwork_journal_failed \(journal.failed ? 1 : 0)\n"
            }
            return Response(
                status: .ok, headerFields: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: Array(text.utf8))
        }
    }
}
