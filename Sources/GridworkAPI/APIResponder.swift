public import GridworkStore
import HTTP1
public import HTTPResponder
import HTTPTypes
public import Logging

/// How the API is set up.
public struct APIConfiguration: Sendable {
    /// Bodies at least this long are gzip-compressed when the client accepts it.
    public var compressionMinimumBytes: Int
    /// Who may do what, and which browser origins may call.
    public var access: AccessPolicy
    /// The journal writes wait for; nil keeps the store in memory only.
    public var durability: (any WriteDurability)?
    /// Remembered `Idempotency-Key`s.
    public var idempotency: IdempotencyKeys
    /// The HTTP server's own counters, for `/metrics`.
    public var serverGauges: (@Sendable () -> ServerGauges)?
    /// What `POST /admin/reset` returns the store to; nil: the route answers 409.
    public var reset: StoreReset?
    /// Where the metrics go. The server counts responses: pass each one it reports to
    /// `metrics.responded` (the executable wires `ServerConfiguration.observer` to it).
    public var metrics: MetricsCollector
    /// The case clock (`--today`, or the server's date in China).
    public var caseClock: CaseClock

    /// The defaults: open access, memory only.
    public init(
        compressionMinimumBytes: Int = 1024,
        access: AccessPolicy = AccessPolicy(),
        durability: (any WriteDurability)? = nil,
        idempotency: IdempotencyKeys = IdempotencyKeys(),
        serverGauges: (@Sendable () -> ServerGauges)? = nil,
        reset: StoreReset? = nil,
        metrics: MetricsCollector = MetricsCollector(),
        caseClock: CaseClock = .system
    ) {
        self.caseClock = caseClock
        self.reset = reset
        self.serverGauges = serverGauges
        self.metrics = metrics
        self.compressionMinimumBytes = compressionMinimumBytes
        self.access = access
        self.durability = durability
        self.idempotency = idempotency
    }
}

/// Reads `durability.staleness`, as the front door asks for it.
private func staleness(of durability: any WriteDurability) -> @Sendable () -> Double? {
    { durability.staleness }
}

/// Builds the responder the server runs: routes, errors as problem+json, and compression.
public func makeResponder(store: Store, configuration: APIConfiguration = APIConfiguration(), logger: Logger)
    -> some Responder
{
    let router = Router(check: EntityTag.checkConditionalFields)
    HealthRoutes(durability: configuration.durability).register(on: router)
    let stats = StatsRoutes(store: store)
    stats.register(on: router)
    ResourceRoutes(store: store).register(on: router)
    WriteRoutes(
        store: store, durability: configuration.durability, idempotency: configuration.idempotency,
        metrics: configuration.metrics, clock: configuration.caseClock
    ).register(on: router)
    AdminRoutes(
        store: store, durability: configuration.durability, reset: configuration.reset,
        idempotency: configuration.idempotency
    ).register(on: router)
    DashboardRoutes().register(on: router)
    TimelineRoutes(store: store).register(on: router)
    HistoryRoutes(store: store).register(on: router)
    ChangeRoutes(store: store).register(on: router)
    let metrics = configuration.metrics
    MetricsRoutes(
        store: store, metrics: metrics, stream: stats.stream, durability: configuration.durability,
        server: configuration.serverGauges
    ).register(on: router)
    // Last, so the document describes every route registered above.
    OpenAPIRoutes().register(on: router)
    return CompressionResponder(
        APIResponder(
            router: router, policy: configuration.access,
            staleness: configuration.durability.map(staleness(of:))),
        minimumBytes: configuration.compressionMinimumBytes
    )
}
