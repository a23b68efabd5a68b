import Foundation

// The tests that drive the `gridwork` binary run their checks on threads of their own (they block
// on sockets and child processes) and throw a `CheckFailure` at the first check that fails.

/// Why a test cannot go on, or a check that failed.
struct CheckFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// What `body` threw, as failures.
func failures(of body: () throws(CheckFailure) -> Void) -> [String] {
    do {
        try body()
        return []
    } catch {
        return [error.description]
    }
}

/// Runs `body` on a thread of its own, off the Swift concurrency pool, and returns its failures.
func onOwnThread(_ name: String, _ body: @escaping @Sendable () -> [String]) async -> [String] {
    await withCheckedContinuation { continuation in
        let thread = Thread { continuation.resume(returning: body()) }
        thread.name = name
        thread.start()
    }
}
