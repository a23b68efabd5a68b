import Synchronization

/// At most `width` holders at a time; the others wait, suspended, in the order they came.
///
/// A `Mutex` rather than an actor: an actor would run on the shared pool, and waiting for one of
/// its threads is what `OwnThreads` avoids.
package final class Lanes: Sendable {
    /// Four blocking tests at a time keep both cores of a CI machine busy while they wait, without
    /// starting every test that has a time bound at once.
    package static let shared = Lanes(width: 4)

    private struct State {
        var free: Int
        var waiting: [CheckedContinuation<Void, Never>] = []
    }
    private let state: Mutex<State>

    package init(width: Int) {
        state = Mutex(State(free: width))
    }

    /// Returns once a lane is free and taken.
    package func enter() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let entered = state.withLock { state in
                guard state.free > 0 else {
                    state.waiting.append(continuation)
                    return false
                }
                state.free -= 1
                return true
            }
            if entered { continuation.resume() }
        }
    }

    /// Gives the lane to the first waiter, or frees it.
    package func leave() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.waiting.isEmpty else {
                state.free += 1
                return nil
            }
            return state.waiting.removeFirst()
        }
        next?.resume()
    }
}
