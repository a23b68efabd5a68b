import Foundation
import Glibc
import GridworkStore
import TestSupport
import Testing

// Durability through the real binary. `gridwork serve --data-dir DIR` runs as a child process;
// raw-socket clients create towns on it; it is killed (-9) or stopped (SIGTERM) mid-write, or its
// journal is torn or corrupted while it is down; then it starts again on the same directory and
// must hold every acknowledged write and nothing nobody sent.

/// Why a test cannot go on, or a check that failed.
private struct Failure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A town this test created: the name it sent and the id the 201 gave back.
private struct Town: Sendable, Hashable {
    let name: String
    let id: String
}

// MARK: - The server process

/// `gridwork serve --port 0 --data-dir DIR --log-level info`, started and ready.
private final class GridworkProcess {
    let child: ChildProcess
    let port: Int

    private init(child: ChildProcess, port: Int) {
        self.child = child
        self.port = port
    }

    /// The `gridwork` binary the build put beside the test bundle.
    static func executable() throws(Failure) -> String {
        guard let path = ChildProcess.builtExecutable(named: "gridwork") else {
            throw Failure(
                "No `gridwork` executable beside the test bundle \(CommandLine.arguments[0]); "
                    + "build it with `swift build --build-tests` before `swift test --skip-build`.")
        }
        return path
    }

    /// Spawns the server on `dataDirectory` without waiting for it.
    static func spawn(_ dataDirectory: String) throws(Failure) -> ChildProcess {
        let arguments = ["serve", "--port", "0", "--data-dir", dataDirectory, "--log-level", "info"]
        do {
            return try ChildProcess.spawn(
                try executable(), arguments, removingEnvironment: ["GRIDWORK_TOKENS", "GRIDWORK_READ_TOKENS"])
        } catch let error as Failure {
            throw error
        } catch {
            throw Failure("\(error)")
        }
    }

    /// Starts the server on `dataDirectory`; returns once it logged its port and `/readyz` is 200.
    static func start(_ dataDirectory: String) throws(Failure) -> GridworkProcess {
        let child = try spawn(dataDirectory)
        guard child.waitForStderr(within: .seconds(60), until: { port(in: $0) != nil }),
            let port = port(in: child.stderr)
        else {
            let status = child.waitForExit(within: .zero).map { "\($0)" } ?? "still running after 60 s"
            child.killAndReap()
            throw Failure("The server never logged server.port (\(status)). stderr:\n\(child.stderr.suffix(4000))")
        }
        let process = GridworkProcess(child: child, port: port)
        let ready = eventually(within: .seconds(10)) {
            guard let client = try? RawClient.connect(port: port, receiveTimeout: .seconds(2)) else { return false }
            return (try? client.get("/readyz"))?.status == 200
        }
        guard ready else {
            child.killAndReap()
            throw Failure("/readyz never answered 200 on port \(port). stderr:\n\(child.stderr.suffix(4000))")
        }
        return process
    }

    /// The number after `server.port=`, once the whole number has arrived.
    static func port(in log: String) -> Int? {
        guard let range = log.range(of: "server.port=") else { return nil }
        let rest = log[range.upperBound...]
        let digits = rest.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, digits.endIndex < rest.endIndex else { return nil }
        return Int(digits)
    }

    /// A keep-alive connection to the server.
    func connect() throws(Failure) -> RawClient {
        do {
            return try RawClient.connect(port: port, receiveTimeout: .seconds(15))
        } catch {
            throw Failure("connect to port \(port): \(error)")
        }
    }

    /// SIGTERM, then waits for the exit; throws unless it exits 0 having logged `journal.closed`.
    func stop() throws(Failure) {
        child.signal(SIGTERM)
        let status = child.waitForExit(within: .seconds(30))
        if status != nil { _ = child.waitForStderrEnd(within: .seconds(5)) }
        guard status == .exited(0) else {
            child.killAndReap()
            throw Failure(
                "After SIGTERM the server \(status.map { "ended: \($0)" } ?? "did not exit within 30 s"). "
                    + "stderr:\n\(child.stderr.suffix(4000))")
        }
        guard child.stderr.contains("journal.closed") else {
            throw Failure("After SIGTERM the server exited 0 without logging journal.closed.")
        }
    }
}

// MARK: - Talking to it

extension RawClient {
    fileprivate func get(_ target: String) throws(RawClientError) -> RawResponse {
        try roundTrip("GET \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    }

    fileprivate static func createTownRequest(_ name: String) -> String {
        let body = #"{"name":"\#(name)","kind":"town"}"#
        return "POST /towns HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + "Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
    }

    /// Creates a town named `name`; throws unless the answer is a well-formed 201.
    fileprivate func createTown(_ name: String) throws(Failure) -> Town {
        let response: RawResponse
        do {
            response = try roundTrip(Self.createTownRequest(name))
        } catch {
            throw Failure("POST /towns \(name): \(error)")
        }
        return try createdTown(response, name: name)
    }

    /// The parsed body of a 200 answer to `GET target`.
    fileprivate func getJSON(_ target: String) throws(Failure) -> JSONValue {
        do {
            let response = try get(target)
            guard response.status == 200 else { throw Failure("GET \(target) answered \(response.status)") }
            return try JSONParser.parse(response.body)
        } catch let error as Failure {
            throw error
        } catch {
            throw Failure("GET \(target): \(error)")
        }
    }

    /// Every town whose name contains `fragment`, walked page by page: name → (id, kind).
    fileprivate func towns(named fragment: String) throws(Failure) -> [String: (id: String, kind: String)] {
        var towns: [String: (id: String, kind: String)] = [:]
        var target = "/towns?q=\(fragment)&limit=500"
        var pages = 0
        while true {
            let page = try getJSON(target)
            pages += 1
            guard case .array(let data)? = page["data"], pages <= 1000 else {
                throw Failure("GET \(target): no data array, or no end after 1000 pages")
            }
            for record in data {
                guard case .string(let id)? = record["id"], case .string(let name)? = record["name"],
                    case .string(let kind)? = record["kind"]
                else { throw Failure("a listed town lacks id, name or kind: \(record)") }
                if let earlier = towns[name] {
                    throw Failure("two towns are named \(name): \(earlier.id) and \(id) (a write applied twice?)")
                }
                towns[name] = (id, kind)
            }
            guard case .string(let next)? = page["next"] else { return towns }
            target = "/towns?q=\(fragment)&limit=500&cursor=\(next)"
        }
    }

    /// `revision` from `GET /stats`.
    fileprivate func storeRevision() throws(Failure) -> Int {
        guard case .int(let revision)? = try getJSON("/stats")["revision"] else {
            throw Failure("GET /stats has no integer revision")
        }
        return revision
    }

    /// Checks that `GET /towns/{id}` answers 200 with the name and kind that were sent.
    fileprivate func expectTown(_ town: Town) throws(Failure) {
        let record = try getJSON("/towns/\(town.id)")
        guard case .string(town.name)? = record["name"], case .string("town")? = record["kind"] else {
            throw Failure("GET /towns/\(town.id) should be \(town.name), got \(record)")
        }
    }
}

/// The town a 201 answer to creating `name` describes, or why it is not one.
private func createdTown(_ response: RawResponse, name: String) throws(Failure) -> Town {
    guard response.status == 201 else {
        throw Failure("POST /towns \(name) answered \(response.status): \(response.text.prefix(300))")
    }
    guard let location = response.value("Location"), location.hasPrefix("/towns/"),
        case .string(let id)? = try? JSONParser.parse(response.body)["id"], location == "/towns/\(id)",
        case .string(name)? = try? JSONParser.parse(response.body)["name"]
    else {
        throw Failure("POST /towns \(name): a 201 without a matching Location, id and name: \(response.text)")
    }
    return Town(name: name, id: id)
}

// MARK: - Writers

/// What one writing connection did before the server went away.
private struct WriterOutcome: Sendable {
    /// Writes whose 201 arrived whole, in order.
    var acknowledged: [Town] = []
    /// The write sent (wholly or in part) whose answer never arrived, if any.
    var unanswered: String?
    /// Answers that were not a well-formed 201.
    var problems: [String] = []
    /// How the connection ended.
    var end = "running"
}

/// Several keep-alive connections, each on a thread of its own, creating towns named
/// `PREFIX-ROUND-WRITER-N` back to back until the server goes away or closes them.
///
/// Concurrency: `connected`, `acknowledged` and `outcomes` are guarded by `condition`.
private final class TownWriters: @unchecked Sendable {
    let count: Int
    private let condition = NSCondition()
    private var connected = 0
    private var acknowledged = 0
    private var outcomes: [Int: WriterOutcome] = [:]

    init(port: Int, prefix: String, round: Int, count: Int) {
        self.count = count
        for index in 0..<count {
            let thread = Thread { [self] in write(port: port, name: "\(prefix)-\(round)-\(index)", index: index) }
            thread.name = "\(prefix)-writer-\(index)"
            thread.start()
        }
    }

    private func write(port: Int, name prefix: String, index: Int) {
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
                try client.send(RawClient.createTownRequest(name))
                response = try client.readResponse()
            } catch {
                outcome.end = "\(error)"
                return
            }
            outcome.unanswered = nil
            do {
                outcome.acknowledged.append(try createdTown(response, name: name))
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

    private func update(_ body: (TownWriters) -> Void) {
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

// MARK: - The tests

/// Runs `body` on a thread of its own, off the Swift concurrency pool, and returns its failures.
private func onThread(_ name: String, _ body: @escaping @Sendable () -> [String]) async -> [String] {
    await withCheckedContinuation { continuation in
        let thread = Thread { continuation.resume(returning: body()) }
        thread.name = name
        thread.start()
    }
}

/// A fresh directory `gridwork-LABEL-XXXXXX` under `parent` (the system's temporary directory).
private func makeTemporaryDirectory(_ label: String, in parent: String = NSTemporaryDirectory()) -> String {
    let base = parent.hasSuffix("/") ? String(parent.dropLast()) : parent
    var template = Array("\(base)/gridwork-\(label)-XXXXXX".utf8CString)
    let path = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    precondition(path != nil, "mkdtemp failed (errno \(errno))")
    return String(cString: path!)
}

private func readFile(_ path: String) -> [UInt8] {
    (try? Data(contentsOf: URL(fileURLWithPath: path))).map { [UInt8]($0) } ?? []
}

private func writeFile(_ path: String, _ bytes: [UInt8]) throws(Failure) {
    guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
        throw Failure("could not write \(path)")
    }
}

/// What `body` threw, as failures.
private func failures(of body: () throws(Failure) -> Void) -> [String] {
    do {
        try body()
        return []
    } catch {
        return [error.description]
    }
}

@Suite(.serialized)
struct CrashRecoveryTests {
    /// Records each failure as an issue of the running test.
    private func report(_ failures: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        for failure in failures { Issue.record("\(failure)", sourceLocation: sourceLocation) }
    }

    @Test(.timeLimit(.minutes(4)))
    func kill9_whileWriting_losesNoAcknowledgedWrite_andInventsNone() async {
        report(await onThread("crash-rounds") { CrashRounds(rounds: 20, writers: 4).run() })
    }

    @Test(.timeLimit(.minutes(2)))
    func tornLastLine_isCutOff_logged_andEveryEarlierWriteIsServed() async {
        report(await onThread("torn-tail") { failures(of: tornTail) })
    }

    @Test(.timeLimit(.minutes(2)))
    func damageBeforeIntactLines_stopsTheStart_namingTheByte_andLeavesTheFile() async {
        report(await onThread("corrupt-line") { failures(of: corruptLine) })
    }

    @Test(.timeLimit(.minutes(2)))
    func sigterm_rightAfterServerStarted_isStillAGracefulStop() async {
        report(await onThread("sigterm-at-start") { failures(of: sigtermAtStart) })
    }

    @Test(.timeLimit(.minutes(2)))
    func sigterm_whileWriting_exitsZero_closesTheJournal_andKeepsEveryAcknowledgedWrite() async {
        report(await onThread("sigterm") { failures(of: sigtermWhileWriting) })
    }
}

// MARK: Torn tail, corruption, SIGTERM

/// Writes, a clean stop, half a line appended, a restart that must cut it off.
private func tornTail() throws(Failure) {
    let directory = makeTemporaryDirectory("torn")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let journalPath = directory + "/journal.log"

    let first = try GridworkProcess.start(directory)
    defer { first.child.killAndReap() }
    let client = try first.connect()
    var towns = try (1...5).map { (number) throws(Failure) in try client.createTown("torn-\(number)") }
    client.close()
    try first.stop()

    let clean = readFile(journalPath)
    let lines = clean.split(separator: UInt8(ascii: "\n"))
    guard lines.count == 5, clean.last == UInt8(ascii: "\n") else {
        throw Failure("expected 5 journal lines ending in a newline, found \(lines.count) in \(clean.count) bytes")
    }
    // A torn write: the first half of a line like the last one, and no newline.
    let torn = clean + Array(lines[4].prefix(lines[4].count / 2))
    try writeFile(journalPath, torn)

    let second = try GridworkProcess.start(directory)
    defer { second.child.killAndReap() }
    let log = second.child.stderr
    guard log.contains("journal.tail_truncated") else {
        throw Failure("no journal.tail_truncated after restarting on a torn line. stderr:\n\(log.suffix(3000))")
    }
    let truncated = readFile(journalPath)
    guard truncated == clean else {
        throw Failure(
            "after the restart the journal is \(truncated.count) bytes ending in \(truncated.last ?? 0), "
                + "expected the \(clean.count) clean bytes ending in a newline")
    }
    let again = try second.connect()
    for town in towns { try again.expectTown(town) }
    // The next write starts on a line of its own, so a third start reads every line cleanly.
    towns.append(try again.createTown("torn-6"))
    again.close()
    try second.stop()

    let third = try GridworkProcess.start(directory)
    defer { third.child.killAndReap() }
    guard !third.child.stderr.contains("journal.tail_truncated") else {
        throw Failure("the journal was torn again after a write on the cut journal:\n\(third.child.stderr)")
    }
    let last = try third.connect()
    for town in towns { try last.expectTown(town) }
    guard try last.towns(named: "torn-").count == 6 else { throw Failure("expected exactly 6 torn- towns") }
    last.close()
    try third.stop()
}

/// A flipped byte with intact lines after it: the server must refuse to start and leave the file.
private func corruptLine() throws(Failure) {
    let directory = makeTemporaryDirectory("corrupt")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let journalPath = directory + "/journal.log"

    let server = try GridworkProcess.start(directory)
    defer { server.child.killAndReap() }
    let client = try server.connect()
    for number in 1...4 { _ = try client.createTown("corrupt-\(number)") }
    client.close()
    try server.stop()

    let clean = readFile(journalPath)
    let lineStarts = [0] + clean.indices.filter { clean[$0] == UInt8(ascii: "\n") }.dropLast().map { $0 + 1 }
    guard lineStarts.count == 4 else { throw Failure("expected 4 journal lines, found \(lineStarts.count)") }
    // The first line (offset 0), then the third, so the offset in the message is not always 0.
    for lineIndex in [0, 2] {
        let start = lineStarts[lineIndex]
        let name = Array(#""name":"corrupt-"#.utf8)
        let candidates = start..<clean.count - name.count
        guard let at = candidates.first(where: { clean[$0..<$0 + name.count].elementsEqual(name) }) else {
            throw Failure("no name in journal line \(lineIndex + 1)")
        }
        var corrupt = clean
        corrupt[at + name.count - 2] ^= 0x01  // `t` of `corrupt` becomes `u`: still JSON, wrong checksum.
        try writeFile(journalPath, corrupt)

        let child = try GridworkProcess.spawn(directory)
        defer { child.killAndReap() }
        // Either it logs server.started (wrong) or it exits and its stderr ends.
        _ = child.waitForStderr(within: .seconds(60)) { $0.contains("server.started") }
        let status = child.waitForExit(within: .seconds(30))
        let log = child.stderr
        guard !log.contains("server.started") else {
            throw Failure("the server started on a journal damaged in line \(lineIndex + 1):\n\(log.suffix(3000))")
        }
        guard let status, status != .exited(0), case .exited = status else {
            throw Failure(
                "on a journal damaged in line \(lineIndex + 1) the server should exit non-zero, but it "
                    + "\(status.map { "\($0)" } ?? "did not exit"):\n\(log.suffix(3000))")
        }
        guard log.contains("byte \(start)"), log.contains("damaged") else {
            throw Failure("the error for damage in line \(lineIndex + 1) does not name byte \(start):\n\(log)")
        }
        guard readFile(journalPath) == corrupt else {
            throw Failure("the server changed the damaged journal (line \(lineIndex + 1)) while refusing to start")
        }
    }
}

/// SIGTERM the moment the server says it serves (as a supervisor may): a drain, exit 0 and
/// `journal.closed`, not death by the signal's default action.
private func sigtermAtStart() throws(Failure) {
    let directory = makeTemporaryDirectory("sigterm-start")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let child = try GridworkProcess.spawn(directory)
    defer { child.killAndReap() }
    guard child.waitForStderr(within: .seconds(60), until: { $0.contains("server.started") }) else {
        throw Failure("the server never logged server.started:\n\(child.stderr.suffix(3000))")
    }
    child.signal(SIGTERM)
    let status = child.waitForExit(within: .seconds(10))
    if status != nil { _ = child.waitForStderrEnd(within: .seconds(5)) }
    guard status == .exited(0), child.stderr.contains("journal.closed") else {
        throw Failure(
            "SIGTERM right after server.started: the server \(status.map { "ended: \($0)" } ?? "did not exit in 10 s") "
                + "(journal.closed \(child.stderr.contains("journal.closed") ? "logged" : "not logged")). stderr:\n"
                + child.stderr.suffix(3000))
    }
}

/// SIGTERM while four connections write: exit 0, `journal.closed`, every acknowledged write kept.
private func sigtermWhileWriting() throws(Failure) {
    let directory = makeTemporaryDirectory("sigterm")
    defer { try? FileManager.default.removeItem(atPath: directory) }

    let server = try GridworkProcess.start(directory)
    defer { server.child.killAndReap() }
    let writers = TownWriters(port: server.port, prefix: "term", round: 1, count: 4)
    guard writers.waitUntilConnected(within: .seconds(10)), writers.waitForAcknowledged(40, within: .seconds(30))
    else {
        throw Failure("the writers did not get 40 writes acknowledged: \(writers.results.map(\.end))")
    }
    try server.stop()
    guard writers.waitUntilStopped(within: .seconds(30)) else {
        throw Failure("writers still running 30 s after the server exited: \(writers.results.map(\.end))")
    }
    let outcomes = writers.results
    let problems = outcomes.flatMap(\.problems)
    guard problems.isEmpty else { throw Failure("unexpected answers while draining: \(problems)") }
    let acknowledged = outcomes.flatMap(\.acknowledged)
    let unanswered = Set(outcomes.compactMap(\.unanswered))

    let restarted = try GridworkProcess.start(directory)
    defer { restarted.child.killAndReap() }
    let client = try restarted.connect()
    let present = try client.towns(named: "term-")
    for town in acknowledged where present[town.name]?.id != town.id {
        throw Failure("acknowledged before SIGTERM, missing after restart: \(town)")
    }
    let answered = Set(acknowledged.map(\.name))
    let invented = present.keys.filter { !answered.contains($0) && !unanswered.contains($0) }
    guard invented.isEmpty else { throw Failure("towns nobody sent: \(invented.sorted())") }
    // A drain answers every request it accepted, so no write can be applied yet unanswered.
    let appliedUnanswered = present.keys.filter { unanswered.contains($0) }
    guard appliedUnanswered.isEmpty else {
        throw Failure("applied during the drain but never answered: \(appliedUnanswered.sorted())")
    }
    print(
        "sigterm: \(acknowledged.count) writes acknowledged before the drain ended, all present after restart; "
            + "connections ended: \(outcomes.map(\.end))")
    client.close()
    try restarted.stop()
}

// MARK: kill -9

/// One round's writes, as the clients saw them when the server died.
private struct RoundWrites {
    var acknowledged: [Town]
    /// Names sent (wholly or in part) whose answer never came: each may or may not be stored.
    var unanswered: Set<String>
    var killAfterMilliseconds: Int
}

/// Sums over the rounds, for the summary line.
private struct Totals {
    var acknowledged = 0
    var inFlight = 0
    var survived = 0
    var vanished = 0
    var tornTails = 0
    var starts = 0
    var startTime = Duration.zero
    var checkTime = Duration.zero
}

/// What a failed round leaves behind for a human: the data directory, the journal as it was
/// before each of the last two starts, every start's stderr and the last round's writes.
private struct Evidence {
    let directory: String
    var logs: [(name: String, text: String)] = []
    var journals: [(round: Int, bytes: [UInt8])] = []

    mutating func journalBeforeStart(of round: Int) {
        journals.append((round, readFile(directory + "/journal.log")))
        if journals.count > 2 { journals.removeFirst() }
    }

    /// Copies everything into a new directory under /tmp and returns its path.
    func keep() -> String {
        let kept = makeTemporaryDirectory("crash-failure", in: "/tmp")
        try? FileManager.default.copyItem(atPath: directory, toPath: kept + "/data")
        for (round, bytes) in journals { try? writeFile(kept + "/journal-before-start-\(round).log", bytes) }
        for (name, text) in logs { try? writeFile(kept + "/" + name, Array(text.utf8)) }
        return kept
    }
}

/// `rounds` times: start the server on the same directory, check the last round's writes, let
/// `writers` connections create towns, and SIGKILL the server a seeded 50–400 ms into it. A last
/// start checks the last round.
private struct CrashRounds {
    let rounds: Int
    let writers: Int

    func run() -> [String] {
        let directory = makeTemporaryDirectory("crash")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var evidence = Evidence(directory: directory)
        do {
            print(try runRounds(directory, &evidence))
            return []
        } catch {
            return ["\(error.description)\n(data directory, journals and stderr logs kept in \(evidence.keep()))"]
        }
    }

    private func runRounds(_ directory: String, _ evidence: inout Evidence) throws(Failure) -> String {
        let started = ContinuousClock.now
        var totals = Totals()
        var known: [String: String] = [:]  // name → id of every crash- town that must be there
        var previous: RoundWrites?
        var baseRevision = 0
        for round in 1...(rounds + 1) {
            evidence.journalBeforeStart(of: round)
            let startedAt = ContinuousClock.now
            let server: GridworkProcess
            do {
                server = try GridworkProcess.start(directory)
            } catch {
                throw Failure("start \(round) (after round \(round - 1)'s kill) failed: \(error)")
            }
            totals.starts += 1
            totals.startTime += ContinuousClock.now - startedAt
            defer {
                server.child.killAndReap()
                _ = server.child.waitForStderrEnd(within: .seconds(5))
                evidence.logs.append(("stderr-start-\(round).log", server.child.stderr))
            }
            if server.child.stderr.contains("journal.tail_truncated") { totals.tornTails += 1 }

            let client = try server.connect()
            if let previous {
                evidence.logs.append(("writes-round-\(round - 1).txt", describe(previous)))
                let checkStarted = ContinuousClock.now
                try verify(previous, round: round - 1, client, &known, baseRevision: baseRevision, &totals)
                totals.checkTime += ContinuousClock.now - checkStarted
            } else {
                baseRevision = try client.storeRevision()
                guard try client.towns(named: "crash-").isEmpty else { throw Failure("crash- towns before round 1") }
            }
            client.close()
            if round > rounds {
                try server.stop()
                break
            }
            previous = try writeAndKill(server, round: round)
        }
        let elapsed = ContinuousClock.now - started
        return "crash recovery: \(rounds) rounds of kill -9 under \(writers) writers; "
            + "\(totals.acknowledged) acknowledged writes, all present after restart; "
            + "\(totals.inFlight) in flight at the kill: \(totals.survived) survived, \(totals.vanished) vanished; "
            + "\(totals.tornTails) restarts cut a torn tail; \(known.count) towns at the end; "
            + "\(totals.starts) starts averaging \(Int(totals.startTime / totals.starts / .milliseconds(1))) ms, "
            + "checks \(Int(totals.checkTime / rounds / .milliseconds(1))) ms a round; "
            + String(format: "%.1f s in all", elapsed / .seconds(1))
    }

    /// Starts the writers, kills the server `delay` ms later, and collects what they saw.
    private func writeAndKill(_ server: GridworkProcess, round: Int) throws(Failure) -> RoundWrites {
        var random = SplitMix64(seed: 0x6772_6964_776F_726B &+ UInt64(round))
        let delay = random.int(in: 50...400)
        let writers = TownWriters(port: server.port, prefix: "crash", round: round, count: self.writers)
        guard writers.waitUntilConnected(within: .seconds(10)) else {
            throw Failure("round \(round): the writers could not connect: \(writers.results.map(\.end))")
        }
        // Chaos, not synchronisation: the kill lands `delay` ms into the writing, wherever that is.
        // The wait only ends early if every writer stopped, which would mean the server failed.
        guard !writers.waitUntilStopped(within: .milliseconds(delay)) else {
            throw Failure(
                "round \(round): every writer stopped before the kill: \(writers.results.map(\.end)) "
                    + "\(writers.results.flatMap(\.problems))")
        }
        server.child.signal(SIGKILL)
        let status = server.child.waitForExit(within: .seconds(10))
        guard status == .signaled(SIGKILL) else {
            throw Failure("round \(round): after SIGKILL the server \(status.map { "\($0)" } ?? "is still running")")
        }
        guard writers.waitUntilStopped(within: .seconds(20)) else {
            throw Failure("round \(round): writers still blocked 20 s after the kill: \(writers.results.map(\.end))")
        }
        let outcomes = writers.results
        let problems = outcomes.flatMap(\.problems)
        guard problems.isEmpty else { throw Failure("round \(round): unexpected answers: \(problems)") }
        let hung = outcomes.filter { $0.end.contains("timeout") || $0.end.hasPrefix("connect:") }
        guard hung.isEmpty else { throw Failure("round \(round): writers ended badly: \(hung.map(\.end))") }
        return RoundWrites(
            acknowledged: outcomes.flatMap(\.acknowledged), unanswered: Set(outcomes.compactMap(\.unanswered)),
            killAfterMilliseconds: delay)
    }

    /// After the restart that follows `round`: every acknowledged write of it and every town
    /// seen before is there unchanged; every other crash- town was in flight at the kill.
    private func verify(
        _ writes: RoundWrites, round: Int, _ client: RawClient, _ known: inout [String: String],
        baseRevision: Int, _ totals: inout Totals
    ) throws(Failure) {
        let present: [String: (id: String, kind: String)]
        do {
            present = try client.towns(named: "crash-")
        } catch {
            throw Failure("after round \(round): \(error)")
        }
        for (name, id) in known.sorted(by: { $0.key < $1.key }) where present[name]?.id != id {
            throw Failure(
                "after round \(round): \(name) (\(id)), present after an earlier restart, is now "
                    + "\(present[name].map { "\($0)" } ?? "missing")")
        }
        for town in writes.acknowledged {
            guard present[town.name]?.id == town.id else {
                let now = present[town.name].map { "\($0)" } ?? "missing"
                throw Failure(
                    "round \(round) (kill after \(writes.killAfterMilliseconds) ms): the acknowledged write "
                        + "\(town.name) (\(town.id)) is \(now) after restart")
            }
            do {
                try client.expectTown(town)
            } catch {
                throw Failure("round \(round): \(error)")
            }
        }
        let acknowledged = Set(writes.acknowledged.map(\.name))
        for (name, town) in present.sorted(by: { $0.key < $1.key }) {
            guard known[name] != nil || acknowledged.contains(name) || writes.unanswered.contains(name) else {
                throw Failure("after round \(round): \(name) (\(town.id)) is stored, but nobody had it in flight")
            }
            guard town.kind == "town" else { throw Failure("after round \(round): \(name) came back as \(town)") }
        }
        let survivors = writes.unanswered.filter { present[$0] != nil }
        for town in writes.acknowledged { known[town.name] = town.id }
        for name in survivors { known[name] = present[name]!.id }
        let revision = try client.storeRevision()
        guard revision == baseRevision + present.count, present.count == known.count else {
            throw Failure(
                "after round \(round): /stats revision \(revision) for \(present.count) crash- towns "
                    + "on a seed at revision \(baseRevision)")
        }
        totals.acknowledged += writes.acknowledged.count
        totals.inFlight += writes.unanswered.count
        totals.survived += survivors.count
        totals.vanished += writes.unanswered.count - survivors.count
    }

    private func describe(_ writes: RoundWrites) -> String {
        "kill after \(writes.killAfterMilliseconds) ms\nacknowledged:\n"
            + writes.acknowledged.map { "\($0.name) \($0.id)\n" }.joined()
            + "in flight:\n" + writes.unanswered.sorted().map { "\($0)\n" }.joined()
    }
}
