public import GridworkStore
import Logging

extension Journal {
    /// Told once how a reset ended: its revision once durable, or why it never will be.
    public typealias ResetSettled = @Sendable (_ outcome: Result<Int, ResetFailure>) -> Void

    /// Why a reset was not made durable.
    public struct ResetFailure: Error, Sendable, CustomStringConvertible {
        /// The journal's failure.
        public var description: String
    }

    /// Returns the store to `contents` under the new `epoch`, durably: on the writer thread, the
    /// changes still queued are written to the old journal first (they come before the reset),
    /// then a snapshot of `contents` is written with the new epoch and the journal restarts with
    /// that epoch's header — compaction's mechanism. Readers see the new contents, and `done`
    /// hears the reset's revision, only once the snapshot is on disk; any failure fails the
    /// journal (`done` hears why) and a restart loads the old history. Refused at once when the
    /// journal has failed.
    public func reset(to contents: Store.Contents, epoch: String, _ done: @escaping ResetSettled) {
        let refused: String? = lock.withLock {
            if let failure = state.failure { return failure }
            state.resets.append((contents, epoch, done))
            lock.signal()
            return nil
        }
        if let refused { done(.failure(ResetFailure(description: refused))) }
    }

    /// Performs the resets asked for, on the writer thread.
    func resetNow() {
        while let (contents, epoch, done) = lock.withLock({ state.resets.isEmpty ? nil : state.resets.removeFirst() }) {
            if let failure {
                done(.failure(ResetFailure(description: failure)))
                continue
            }
            // Inside the store's lock: the changes queued so far belong to the old history, every
            // later one to the new.
            let (queued, before, after) = store.reset(to: contents, epoch: epoch) {
                lock.withLock { () -> [Change] in
                    defer { state.queue.removeAll() }
                    return state.queue
                }
            }
            write(queued, frozen: before)
            if let failure = failure ?? replaceFiles(with: after) {
                done(.failure(ResetFailure(description: failure)))
            } else {
                done(.success(after.revision))
            }
        }
    }

    /// The snapshot of the reset state, then a journal holding only the new epoch's header. Until
    /// the snapshot's rename the directory loads the old history; after it, the snapshot (its
    /// epoch wins over an older journal header, whose lines are all below its revision). Returns
    /// why it failed, having failed the journal, or nil.
    private func replaceFiles(with after: Store.Frozen) -> String? {
        do {
            try directory.writeSnapshot(after, annotations: [])
        } catch {
            fail(because: "the reset's snapshot could not be written: \(error.description)")
            return failure
        }
        guard snapshotInPlace(after, after: "a reset") else { return failure }
        logger.notice("journal.reset", metadata: ["epoch": "\(after.epoch)", "revision": "\(after.revision)"])
        return nil
    }
}
