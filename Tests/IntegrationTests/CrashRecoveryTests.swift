import Foundation
import Glibc
import GridworkStore
import TestSupport
import Testing

// Durability through the real binary. `gridwork serve --data-dir DIR` runs as a child process
// (`GridworkProcess`); raw-socket clients create towns on it (`RecordWriters`); it is killed (-9) or
// stopped (SIGTERM) mid-write, or its journal is torn or corrupted while it is down; then it starts
// again on the same directory and must hold every acknowledged write and nothing nobody sent.

@Suite(.serialized, .blocking)
struct CrashRecoveryTests {
    /// Records each failure as an issue of the running test.
    private func report(_ failures: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        for failure in failures { Issue.record("\(failure)", sourceLocation: sourceLocation) }
    }

    @Test(.timeLimit(.minutes(4)))
    func kill9_whileWriting_losesNoAcknowledgedWrite_andInventsNone() async {
        report(await onOwnThread("crash-rounds") { CrashRounds(rounds: 20, writers: 4).run() })
    }

    @Test(.timeLimit(.minutes(2)))
    func tornLastLine_isCutOff_logged_andEveryEarlierWriteIsServed() async {
        report(await onOwnThread("torn-tail") { failures(of: tornTail) })
    }

    @Test(.timeLimit(.minutes(2)))
    func damageBeforeIntactLines_stopsTheStart_namingTheByte_andLeavesTheFile() async {
        report(await onOwnThread("corrupt-line") { failures(of: corruptLine) })
    }

    @Test(.timeLimit(.minutes(2)))
    func sigterm_rightAfterServerStarted_isStillAGracefulStop() async {
        report(await onOwnThread("sigterm-at-start") { failures(of: sigtermAtStart) })
    }

    @Test(.timeLimit(.minutes(2)))
    func sigterm_whileWriting_exitsZero_closesTheJournal_andKeepsEveryAcknowledgedWrite() async {
        report(await onOwnThread("sigterm") { failures(of: sigtermWhileWriting) })
    }
}

// MARK: Torn tail, corruption, SIGTERM

/// Writes, a clean stop, half a line appended, a restart that must cut it off.
private func tornTail() throws(CheckFailure) {
    let directory = makeTemporaryDirectory("torn")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let journalPath = directory + "/journal.log"

    let first = try GridworkProcess.start(directory)
    defer { first.child.killAndReap() }
    let client = try first.connect()
    var towns = try (1...5).map { (number) throws(CheckFailure) in try client.createTown("torn-\(number)") }
    client.close()
    try first.stop()

    let clean = readFile(journalPath)
    let lines = clean.split(separator: UInt8(ascii: "\n"))
    // The header naming the epoch, then one line per change.
    guard lines.count == 6, lines[0].starts(with: Array(#"{"epoch":"#.utf8)), clean.last == UInt8(ascii: "\n") else {
        throw CheckFailure(
            "expected a header and 5 change lines ending in a newline, found \(lines.count) lines in "
                + "\(clean.count) bytes")
    }
    // A torn write: the first half of a line like the last one, and no newline.
    let torn = clean + Array(lines[5].prefix(lines[5].count / 2))
    try writeFile(journalPath, torn)

    let second = try GridworkProcess.start(directory)
    defer { second.child.killAndReap() }
    let log = second.child.stderr
    guard log.contains("journal.tail_truncated") else {
        throw CheckFailure("no journal.tail_truncated after restarting on a torn line. stderr:\n\(log.suffix(3000))")
    }
    let truncated = readFile(journalPath)
    guard truncated == clean else {
        throw CheckFailure(
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
        throw CheckFailure("the journal was torn again after a write on the cut journal:\n\(third.child.stderr)")
    }
    let last = try third.connect()
    for town in towns { try last.expectTown(town) }
    guard try last.towns(named: "torn-").count == 6 else { throw CheckFailure("expected exactly 6 torn- towns") }
    last.close()
    try third.stop()
}

/// A flipped byte with intact lines after it: the server must refuse to start and leave the file.
private func corruptLine() throws(CheckFailure) {
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
    guard lineStarts.count == 5, clean.starts(with: Array(#"{"epoch":"#.utf8)) else {
        throw CheckFailure("expected a header and 4 change lines, found \(lineStarts.count) lines")
    }
    // The first change (right after the header), then the third, with intact changes after each.
    for lineIndex in [1, 3] {
        let start = lineStarts[lineIndex]
        let name = Array(#""name":"corrupt-"#.utf8)
        let candidates = start..<clean.count - name.count
        guard let at = candidates.first(where: { clean[$0..<$0 + name.count].elementsEqual(name) }) else {
            throw CheckFailure("no name in journal line \(lineIndex + 1)")
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
            throw CheckFailure("the server started on a journal damaged in line \(lineIndex + 1):\n\(log.suffix(3000))")
        }
        guard let status, status != .exited(0), case .exited = status else {
            throw CheckFailure(
                "on a journal damaged in line \(lineIndex + 1) the server should exit non-zero, but it "
                    + "\(status.map { "\($0)" } ?? "did not exit"):\n\(log.suffix(3000))")
        }
        guard log.contains("byte \(start)"), log.contains("damaged") else {
            throw CheckFailure("the error for damage in line \(lineIndex + 1) does not name byte \(start):\n\(log)")
        }
        guard readFile(journalPath) == corrupt else {
            throw CheckFailure("the server changed the damaged journal (line \(lineIndex + 1)) while refusing to start")
        }
    }
}

/// SIGTERM the moment the server says it serves (as a supervisor may): a drain, exit 0 and
/// `journal.closed`, not death by the signal's default action.
private func sigtermAtStart() throws(CheckFailure) {
    let directory = makeTemporaryDirectory("sigterm-start")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let child = try GridworkProcess.spawn(directory)
    defer { child.killAndReap() }
    guard child.waitForStderr(within: .seconds(60), until: { $0.contains("server.started") }) else {
        throw CheckFailure("the server never logged server.started:\n\(child.stderr.suffix(3000))")
    }
    child.signal(SIGTERM)
    let status = child.waitForExit(within: .seconds(10))
    if status != nil { _ = child.waitForStderrEnd(within: .seconds(5)) }
    guard status == .exited(0), child.stderr.contains("journal.closed") else {
        throw CheckFailure(
            "SIGTERM right after server.started: the server \(status.map { "ended: \($0)" } ?? "did not exit in 10 s") "
                + "(journal.closed \(child.stderr.contains("journal.closed") ? "logged" : "not logged")). stderr:\n"
                + child.stderr.suffix(3000))
    }
}

/// SIGTERM while four connections write: exit 0, `journal.closed`, every acknowledged write kept.
private func sigtermWhileWriting() throws(CheckFailure) {
    let directory = makeTemporaryDirectory("sigterm")
    defer { try? FileManager.default.removeItem(atPath: directory) }

    let server = try GridworkProcess.start(directory)
    defer { server.child.killAndReap() }
    let writers = RecordWriters(port: server.port, prefix: "term", round: 1, count: 4)
    guard writers.waitUntilConnected(within: .seconds(10)), writers.waitForAcknowledged(40, within: .seconds(30))
    else {
        throw CheckFailure("the writers did not get 40 writes acknowledged: \(writers.results.map(\.end))")
    }
    try server.stop()
    guard writers.waitUntilStopped(within: .seconds(30)) else {
        throw CheckFailure("writers still running 30 s after the server exited: \(writers.results.map(\.end))")
    }
    let outcomes = writers.results
    let problems = outcomes.flatMap(\.problems)
    guard problems.isEmpty else { throw CheckFailure("unexpected answers while draining: \(problems)") }
    let acknowledged = outcomes.flatMap(\.acknowledged)
    let unanswered = Set(outcomes.compactMap(\.unanswered))

    let restarted = try GridworkProcess.start(directory)
    defer { restarted.child.killAndReap() }
    let client = try restarted.connect()
    let present = try client.towns(named: "term-")
    for town in acknowledged where present[town.name]?.id != town.id {
        throw CheckFailure("acknowledged before SIGTERM, missing after restart: \(town)")
    }
    let answered = Set(acknowledged.map(\.name))
    let invented = present.keys.filter { !answered.contains($0) && !unanswered.contains($0) }
    guard invented.isEmpty else { throw CheckFailure("towns nobody sent: \(invented.sorted())") }
    // A drain answers every request it accepted, so no write can be applied yet unanswered.
    let appliedUnanswered = present.keys.filter { unanswered.contains($0) }
    guard appliedUnanswered.isEmpty else {
        throw CheckFailure("applied during the drain but never answered: \(appliedUnanswered.sorted())")
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
    var acknowledged: [Created]
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

    private func runRounds(_ directory: String, _ evidence: inout Evidence) throws(CheckFailure) -> String {
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
                throw CheckFailure("start \(round) (after round \(round - 1)'s kill) failed: \(error)")
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
                guard try client.towns(named: "crash-").isEmpty else {
                    throw CheckFailure("crash- towns before round 1")
                }
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
    private func writeAndKill(_ server: GridworkProcess, round: Int) throws(CheckFailure) -> RoundWrites {
        var random = SplitMix64(seed: 0x6772_6964_776F_726B &+ UInt64(round))
        let delay = random.int(in: 50...400)
        let writers = RecordWriters(port: server.port, prefix: "crash", round: round, count: self.writers)
        guard writers.waitUntilConnected(within: .seconds(10)) else {
            throw CheckFailure("round \(round): the writers could not connect: \(writers.results.map(\.end))")
        }
        // Chaos, not synchronisation: the kill lands `delay` ms into the writing, wherever that is.
        // The wait only ends early if every writer stopped, which would mean the server failed.
        guard !writers.waitUntilStopped(within: .milliseconds(delay)) else {
            throw CheckFailure(
                "round \(round): every writer stopped before the kill: \(writers.results.map(\.end)) "
                    + "\(writers.results.flatMap(\.problems))")
        }
        server.child.signal(SIGKILL)
        let status = server.child.waitForExit(within: .seconds(10))
        guard status == .signaled(SIGKILL) else {
            throw CheckFailure(
                "round \(round): after SIGKILL the server \(status.map { "\($0)" } ?? "is still running")")
        }
        guard writers.waitUntilStopped(within: .seconds(20)) else {
            throw CheckFailure(
                "round \(round): writers still blocked 20 s after the kill: \(writers.results.map(\.end))")
        }
        let outcomes = writers.results
        let problems = outcomes.flatMap(\.problems)
        guard problems.isEmpty else { throw CheckFailure("round \(round): unexpected answers: \(problems)") }
        let hung = outcomes.filter { $0.end.contains("timeout") || $0.end.hasPrefix("connect:") }
        guard hung.isEmpty else { throw CheckFailure("round \(round): writers ended badly: \(hung.map(\.end))") }
        return RoundWrites(
            acknowledged: outcomes.flatMap(\.acknowledged), unanswered: Set(outcomes.compactMap(\.unanswered)),
            killAfterMilliseconds: delay)
    }

    /// After the restart that follows `round`: every acknowledged write of it and every town
    /// seen before is there unchanged; every other crash- town was in flight at the kill.
    private func verify(
        _ writes: RoundWrites, round: Int, _ client: RawClient, _ known: inout [String: String],
        baseRevision: Int, _ totals: inout Totals
    ) throws(CheckFailure) {
        let present: [String: (id: String, kind: String)]
        do {
            present = try client.towns(named: "crash-")
        } catch {
            throw CheckFailure("after round \(round): \(error)")
        }
        for (name, id) in known.sorted(by: { $0.key < $1.key }) where present[name]?.id != id {
            throw CheckFailure(
                "after round \(round): \(name) (\(id)), present after an earlier restart, is now "
                    + "\(present[name].map { "\($0)" } ?? "missing")")
        }
        for town in writes.acknowledged {
            guard present[town.name]?.id == town.id else {
                let now = present[town.name].map { "\($0)" } ?? "missing"
                throw CheckFailure(
                    "round \(round) (kill after \(writes.killAfterMilliseconds) ms): the acknowledged write "
                        + "\(town.name) (\(town.id)) is \(now) after restart")
            }
            do {
                try client.expectTown(town)
            } catch {
                throw CheckFailure("round \(round): \(error)")
            }
        }
        let acknowledged = Set(writes.acknowledged.map(\.name))
        for (name, town) in present.sorted(by: { $0.key < $1.key }) {
            guard known[name] != nil || acknowledged.contains(name) || writes.unanswered.contains(name) else {
                throw CheckFailure("after round \(round): \(name) (\(town.id)) is stored, but nobody had it in flight")
            }
            guard town.kind == "town" else { throw CheckFailure("after round \(round): \(name) came back as \(town)") }
        }
        let survivors = writes.unanswered.filter { present[$0] != nil }
        for town in writes.acknowledged { known[town.name] = town.id }
        for name in survivors { known[name] = present[name]!.id }
        let revision = try client.storeRevision()
        guard revision == baseRevision + present.count, present.count == known.count else {
            throw CheckFailure(
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
