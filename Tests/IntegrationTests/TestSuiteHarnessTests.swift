import Foundation
import Glibc
import GridworkStore
import JSON
import TestSupport
import Testing

/// What a team's integration tests need from a live Gridwork, through the built binary:
/// `--seed empty`, the bound port on stdout and in `--port-file`, and a reset that survives a
/// restart.
@Suite(.serialized, .blocking)
struct TestSuiteHarnessTests {
    @Test func serve_portZero_announcesItsPort_onStdoutAndInThePortFile_andSeedEmptyHoldsNothing() throws {
        let directory = makeTemporaryDirectory("harness")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let portFile = directory + "/port"
        let stdoutFile = directory + "/stdout"
        // The shell only redirects stdout and then becomes the server (`exec`).
        let script = #"exec "$0" serve --port 0 --seed empty --port-file "$1" > "$2""#
        let child = try ChildProcess.spawn(
            "/bin/sh", ["-c", script, try GridworkProcess.executable(), portFile, stdoutFile],
            removingEnvironment: ["GRIDWORK_TOKENS", "GRIDWORK_READ_TOKENS"])
        defer { child.killAndReap() }
        #expect(eventually(within: .seconds(60)) { FileManager.default.fileExists(atPath: portFile) })
        let portText = String(decoding: readFile(portFile), as: UTF8.self)
        let port = try #require(Int(portText.trimmingCharacters(in: .newlines)), "port file: \(portText)")
        #expect(port > 0 && port != 8080)
        #expect(!FileManager.default.fileExists(atPath: portFile + ".tmp"))
        let line = #"{"event":"listening","host":"127.0.0.1","port":\#(port)}"# + "\n"
        #expect(eventually(within: .seconds(10)) { String(decoding: readFile(stdoutFile), as: UTF8.self) == line })
        #expect(child.waitForStderr(within: .seconds(10)) { $0.contains("server.port=\(port)") })

        let client = try RawClient.connect(port: port, receiveTimeout: .seconds(15))
        let report = try client.getJSON("/stats/report")
        guard case .array(let rows) = report else { throw CheckFailure("/stats/report is not an array") }
        #expect(rows.count == 49)
        // Every figure is backed by records, so every one is 0.
        #expect(rows.allSatisfy { $0["live"] == .int(0) })
        for collection in [
            "towns", "villages", "grids", "cadres", "projects", "assistance-records", "trainings",
            "party-organizations",
        ] {
            #expect(try client.getJSON("/\(collection)")["total"] == .int(0), "\(collection)")
        }
        child.signal(SIGTERM)
        #expect(child.waitForExit(within: .seconds(30)) == .exited(0))
    }

    @Test func serve_refusesAnUnknownSeed() throws {
        let child = try ChildProcess.spawn(
            try GridworkProcess.executable(), ["serve", "--port", "0", "--seed", "demo"])
        defer { child.killAndReap() }
        #expect(child.waitForExit(within: .seconds(30)) != .exited(0))
        #expect(child.waitForStderrEnd(within: .seconds(5)))
        #expect(child.stderr.contains("report"))
    }

    @Test func reset_withADataDirectory_isDurable_andARestartKeepsItsEpoch() throws {
        let directory = makeTemporaryDirectory("reset")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try GridworkProcess.start(directory)
        let client = try server.connect()
        let before = try client.getJSON("/stats")
        let visit = try client.create(.visit, "重置前")
        #expect(try client.getJSON("/stats")["gridService"]?["visits"] == .int(13301))

        let reset = try client.exchange("POST", "/admin/reset")
        #expect(reset.status == 200, "\(reset.text.prefix(300))")
        let body = try JSONParser.parse(reset.body)
        guard case .string(let epoch)? = body["epoch"], case .int(let revision)? = body["revision"] else {
            throw CheckFailure("not {epoch, revision}: \(reset.text)")
        }
        #expect(before["epoch"] != .string(epoch))
        let after = try client.getJSON("/stats")
        #expect(after["epoch"] == .string(epoch))
        #expect(after["revision"] == .int(revision))
        #expect(after["gridService"]?["visits"] == .int(13300))
        #expect(try client.get("/assistance-records/\(visit.id)").status == 404)
        let tag = try client.get("/stats").value("ETag")
        client.close()
        try server.stop()

        let restarted = try GridworkProcess.start(directory)
        defer { try? restarted.stop() }
        let again = try restarted.connect()
        let stats = try again.getJSON("/stats")
        #expect(stats["epoch"] == .string(epoch))
        #expect(stats["revision"] == .int(revision))
        #expect(stats["gridService"]?["visits"] == .int(13300))
        #expect(try again.get("/stats").value("ETag") == tag)
        #expect(try again.get("/assistance-records/\(visit.id)").status == 404)
        // Writes after the restart go on in the new epoch.
        _ = try again.create(.visit, "重置后")
        #expect(try again.getJSON("/stats")["gridService"]?["visits"] == .int(13301))
    }

    @Test func reset_reachesStatsStreamSubscribers_asAnEventOfTheNewEpoch() throws {
        let server = try GridworkProcess.start(nil)
        defer { try? server.stop() }
        let subscriber = try server.connect()
        try subscriber.send("GET /stats/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
        let client = try server.connect()
        let reset = try client.exchange("POST", "/admin/reset")
        #expect(reset.status == 200, "\(reset.text.prefix(300))")
        let body = try JSONParser.parse(reset.body)
        guard case .string(let epoch)? = body["epoch"], case .int(let revision)? = body["revision"] else {
            throw CheckFailure("not {epoch, revision}: \(reset.text)")
        }
        // The stream sends at most one event a second; the reset's comes within a few.
        let wanted = "id: \(epoch)-\(revision)\n"
        let deadline = ContinuousClock.now + .seconds(10)
        var text = ""
        while !text.contains(wanted), ContinuousClock.now < deadline {
            try subscriber.receiveMore()
            text = String(decoding: subscriber.bufferedBytes, as: UTF8.self)
        }
        #expect(text.contains(wanted), "the subscriber got: \(text.suffix(300))")
        #expect(text.contains(#""epoch":"\#(epoch)","revision":\#(revision),"#))
    }
}
