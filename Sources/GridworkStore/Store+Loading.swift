extension Store {
    /// A store's state filled one record at a time, without checks, before the store exists: how
    /// a snapshot is loaded line by line, so that its records never sit in one big array (or its
    /// text in one buffer) beside the tables being built from them.
    public struct Loading: Sendable {
        var state = State(tables: ResourceKind.allCases.map { Table(schema: $0.schema) })

        /// An empty state.
        public init() {}

        /// Adds `record`, its indexes and its share of the aggregates.
        public mutating func insert(_ kind: ResourceKind, _ record: Record) {
            state[kind].insert(record)
            state.aggregates.apply(kind, record, sign: 1)
        }

        /// The state at `revision`, each table's id counter at least its `nextNumbers` entry.
        func state(revision: Int, nextNumbers: [ResourceKind: Int]) -> State {
            var state = state
            for (kind, number) in nextNumbers { state[kind].raiseNextNumber(to: number) }
            state.revision = revision
            return state
        }

        /// Whether no record of `kind` has the id yet.
        public func lacks(_ kind: ResourceKind, _ id: String) -> Bool {
            state[kind][id] == nil
        }

        /// Records held so far.
        public var count: Int { state.tables.reduce(0) { $0 + $1.count } }
    }

    /// A store holding what `loading` was given, at `revision`; otherwise as `init(seed:…)`.
    public convenience init(
        loaded loading: Loading, revision: Int, nextNumbers: [ResourceKind: Int] = [:], epoch: String,
        epochStart: Int? = nil, historyBudget: Int = ChangeHistory.defaultBudget
    ) {
        self.init(
            state: loading.state(revision: revision, nextNumbers: nextNumbers), epoch: epoch, epochStart: epochStart,
            historyBudget: historyBudget)
    }
}
