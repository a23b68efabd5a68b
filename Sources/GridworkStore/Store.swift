/// The in-memory record store. Seeded records, indexes and aggregates arrive with the
/// seeded-store work; for now it only reports readiness.
///
/// Concurrency: immutable after creation, so it is `Sendable` as is.
public final class Store: Sendable {
    /// Creates an empty store.
    public init() {}

    /// Whether the store has finished loading and can serve reads.
    public var isReady: Bool { true }
}
