import Synchronization

extension Store {
    /// A store's whole contents, built away from any lock: what `reset` puts in place.
    public struct Contents: Sendable {
        let state: State

        /// `records` (a seed), loaded in order without checks, as `Store(seed:)` loads them.
        public init(seed records: [(ResourceKind, Record)]) {
            state = Store.state(seed: records, revision: 0, nextNumbers: [:])
        }
    }

    /// Replaces everything the store holds with `contents` under a new `epoch`, as one change
    /// made inside the head's lock: every write is either before it (in the old history, already
    /// handed to the log) or after it (checked against the new contents). `body` runs first in the
    /// same lock, so a log can take exactly the changes of the old history still queued.
    ///
    /// The new state's revision is the head's plus one: revisions never go back, so SSE ids, the
    /// `/stats` cache, `publish` and the log's waiters keep their order; the new epoch keeps every
    /// tag made before from naming anything after. Returns `body`'s result, the old head frozen
    /// (for the queued changes) and the new state frozen. Without a log readers see the new state
    /// at once; with one, the log publishes `after` once it is durable.
    public func reset<T>(to contents: Contents, epoch: String, _ body: () -> T) -> (T, before: Frozen, after: Frozen) {
        var state = contents.state
        state.epoch = epoch
        return head.withLock { head in
            let value = body()
            state.revision = head.revision + 1
            state.epochStart = state.revision
            state.log = head.log
            let before = Frozen(state: head)
            head = state
            // Without a log readers see the new state now, and its history begins now; with
            // one, when the log publishes `after`.
            if state.log == nil { history.begin(epoch: epoch, start: state.revision, floor: state.revision) }
            headRevisionMirror.store(state.revision, ordering: .releasing)
            return (value, before, Frozen(state: state))
        }
    }
}
