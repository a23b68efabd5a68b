import Glibc

/// Polls `condition` until it holds or `timeout` passes, for server state that changes
/// asynchronously (connection counts). A bounded retry on an observable condition, not a sleep
/// standing in for synchronisation. Returns the final value of `condition`.
package func eventually(within timeout: Duration = .seconds(2), _ condition: () -> Bool) -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() { return true }
        usleep(2_000)
    }
    return condition()
}
