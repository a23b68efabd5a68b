package import Testing

/// A suite trait that runs the suite's tests on threads of their own (`OwnThreadExecutor`) rather
/// than on Swift's shared concurrency pool, which is as wide as the machine has cores.
///
/// - `.blocking`, for suites whose tests block their thread (live servers over sockets, child
///   processes, waits with timeouts): on the pool, two of them stall every other test for as
///   long as they wait. At most `Lanes.width` of these test cases run at a time, so that tests
///   with time bounds do not all start at once on a small machine.
/// - `.longRunning`, for a suite whose tests compute for long: started at once on a thread of
///   its own, it does not wait behind hundreds of short tests and end the run late.
///
/// What a test checks, and its time limits, are unchanged.
package struct OwnThreads: SuiteTrait, TestTrait, TestScoping {
    /// Whether each test case waits for one of the `Lanes`.
    let takesALane: Bool

    package var isRecursive: Bool { true }

    /// The suite's own scope sets the executor, so that every task the runner makes for its tests
    /// runs there from the start; each test case's scope takes a lane.
    package func scopeProvider(for test: Test, testCase: Test.Case?) -> Self? {
        test.isSuite || (testCase != nil && takesALane) ? self : nil
    }

    package func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        guard testCase != nil else {
            return try await withTaskExecutorPreference(OwnThreadExecutor.shared) { try await function() }
        }
        await Lanes.shared.enter()
        defer { Lanes.shared.leave() }
        try await function()
    }
}

extension Trait where Self == OwnThreads {
    /// The suite's tests block their threads: see `OwnThreads`.
    package static var blocking: Self { OwnThreads(takesALane: true) }

    /// The suite's tests compute for long: see `OwnThreads`.
    package static var longRunning: Self { OwnThreads(takesALane: false) }
}
