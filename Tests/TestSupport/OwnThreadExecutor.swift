import Foundation

/// Runs every job it is given on a new thread of its own, so a job that blocks (a socket read
/// with a timeout, a wait for a child process) holds only that thread.
///
/// Swift's shared concurrency pool is as wide as the machine has cores; on a CI machine with two,
/// two tests blocked in a read stall every other test for as long as they wait. `OwnThreads` puts
/// the suites that block, or compute for long, on this executor instead.
package final class OwnThreadExecutor: TaskExecutor, Sendable {
    package static let shared = OwnThreadExecutor()

    package func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        Thread { job.runSynchronously(on: executor) }.start()
    }
}
