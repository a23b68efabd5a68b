import Foundation
import TestSupport

/// What one writing connection did before the server went away.
struct WriterOutcome: Sendable {
    /// Writes whose 201 arrived whole, in order.
    var acknowledged: [Created] = []
    /// The write sent (wholly or in part) whose answer never arrived, if any.
    var unanswered: String?
    /// Answers that were not a well-formed 201.
    var problems: [String] = []
    /// How the connection ended.
    var end = "running"
}

/// Several keep-alive connections, each on a thread of its own, creating records (towns unless
/// told otherwise) named `PREFIX-ROUND-WRITER-N` back to back until the server goes away or closes
/// them.
///
/// Concurrency: `connected`, `acknowledged` and `outcomes` are guarded by `condition`.
final class RecordWriters: @unchecked Sendable {
    let count: Int
    private let condition = NSCondition()
    private var connected = 0
    private var acknowledged = 0
    private var outcomes: [Int: WriterOutcome] = [:]

    init(port: Int, creating creation: Creation = .town, prefix: String, round: Int, count: Int) {
        self.count = count
        for index in 0..<count {
            let thread = Thread { [self] in
                write(port: port, creation, name: "\(prefix)-\(round)-\(index)", index: index)
            }
            thread.name = "\(prefix)-writer-\(index)"
            thread.start()
        }
    }

    private func write(port: Int, _ creation: Creation, name prefix: String, index: Int) {
        var outcome = WriterOutcome()
        defer { update { $0.outcomes[index] = outcome } }
        let client: RawClient
        do {
            client = try RawClient.connect(port: port, receiveTimeout: .seconds(15))
        } catch {
            outcome.end = "connect: \(error)"
            return
        }
        defer { client.close() }
        update { $0.connected += 1 }
        var number = 0
        while true {
            number += 1
            let name = "\(prefix)-\(number)"
            outcome.unanswered = name
            let response: RawResponse
            do {
                try client.send(creation.request(name))
                response = try client.readResponse()
            } catch {
                outcome.end = "\(error)"
                return
            }
            outcome.unanswered = nil
            do {
                outcome.acknowledged.append(try creation.created(response, name: name))
            } catch {
                outcome.problems.append(error.description)
                outcome.end = "stopped after an unexpected answer"
                return
            }
            update { $0.acknowledged += 1 }
            if response.connectionHas("close") {
                outcome.end = "Connection: close"
                return
            }
        }
    }

    private func update(_ body: (RecordWriters) -> Void) {
        condition.lock()
        body(self)
        condition.broadcast()
        condition.unlock()
    }

    /// Blocks until `done` holds or `timeout` passes; whether it held.
    private func wait(within timeout: Duration, until done: () -> Bool) -> Bool {
        let deadline = Date(timeIntervalSinceNow: Double(timeout / .milliseconds(1)) / 1000)
        condition.lock()
        defer { condition.unlock() }
        while !done() {
            if !condition.wait(until: deadline) { return done() }
        }
        return true
    }

    /// Whether every writer connected (or gave up trying) within `timeout`.
    func waitUntilConnected(within timeout: Duration) -> Bool {
        wait(within: timeout) { connected + outcomes.count >= count }
    }

    /// How many writes have been acknowledged so far.
    var acknowledgedCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return acknowledged
    }

    /// Whether `number` writes were acknowledged within `timeout`.
    func waitForAcknowledged(_ number: Int, within timeout: Duration) -> Bool {
        wait(within: timeout) { acknowledged >= number || outcomes.count == count }
    }

    /// Whether every writer stopped within `timeout`.
    func waitUntilStopped(within timeout: Duration) -> Bool {
        wait(within: timeout) { outcomes.count == count }
    }

    /// Each writer's outcome so far, in writer order (`running` for one still writing).
    var results: [WriterOutcome] {
        condition.lock()
        defer { condition.unlock() }
        return (0..<count).map { outcomes[$0] ?? WriterOutcome() }
    }
}
