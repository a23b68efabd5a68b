import Dispatch
public import GridworkStore
import Synchronization

/// What `POST /admin/reset` returns the store to, and where the reset is made durable.
public struct StoreReset: Sendable {
    /// How a reset ended.
    public enum Outcome: Sendable {
        /// The store holds its seed under `epoch`, at `revision`, durably.
        case reset(epoch: String, revision: Int)
        /// The reset was not made (the journal has failed).
        case failed(String)
    }

    /// Puts prepared contents in place under a new epoch durably and tells the reset's revision,
    /// or why it failed: the journal's `reset(to:epoch:_:)`.
    public typealias Durable =
        @Sendable (
            _ contents: Store.Contents, _ epoch: String,
            _ done: @escaping @Sendable (_ revision: Int?, _ failure: String?) -> Void
        ) -> Void

    /// The records the store started with (`serve --seed`).
    let seed: @Sendable () -> [(ResourceKind, Record)]
    /// nil: the store lives in memory, where a reset is done once it is in place.
    let durable: Durable?

    /// A reset to `seed`, made durable by `durable` when there is a journal.
    public init(seed: @escaping @Sendable () -> [(ResourceKind, Record)], durable: Durable? = nil) {
        self.seed = seed
        self.durable = durable
    }

    /// Resets `store` away from the caller's thread (building the seed takes a while, and event
    /// loops must not wait for it) and calls `done` once, from any thread.
    func run(on store: Store, _ done: @escaping @Sendable (Outcome) -> Void) {
        let seed = self.seed
        let durable = self.durable
        DispatchQueue.global().async {
            let contents = Store.Contents(seed: seed())
            let epoch = Epoch.make()
            guard let durable else {
                let (_, _, after) = store.reset(to: contents, epoch: epoch) {}
                done(.reset(epoch: epoch, revision: after.revision))
                return
            }
            durable(contents, epoch) { revision, failure in
                if let revision, failure == nil {
                    done(.reset(epoch: epoch, revision: revision))
                } else {
                    done(.failed(failure ?? "it failed"))
                }
            }
        }
    }
}
