import Foundation
import Glibc
import TestSupport
import Testing

/// `serve --fixtures DIR` and `seed --check --fixtures DIR`, through the built binary.
@Suite(.serialized, .blocking)
struct FixturesFlagTests {
    static let embeddedFigures: String = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return (try? String(contentsOf: root.appendingPathComponent("Fixtures/figures.json"), encoding: .utf8)) ?? ""
    }()

    /// A directory holding `figures` as figures.json.
    static func directory(figures: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("gridwork-fixtures-\(UUID())").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try figures.write(toFile: path + "/figures.json", atomically: true, encoding: .utf8)
        return path
    }

    static func run(_ arguments: [String], within timeout: Duration = .seconds(60)) throws -> (
        TestSupport.ExitStatus?, ChildProcess
    ) {
        let binary = try GridworkProcess.executable()
        let child = try ChildProcess.spawn(binary, arguments)
        return (child.waitForExit(within: timeout), child)
    }

    @Test func seedCheck_usesTheDirectory_andFailsWhenItsFigureNoLongerMatches() throws {
        #expect(Self.embeddedFigures.contains(#""reported": 13300,"#))
        let same = try Self.directory(figures: Self.embeddedFigures)
        defer { try? FileManager.default.removeItem(atPath: same) }
        #expect(try Self.run(["seed", "--check", "--fixtures", same]).0 == .exited(0))

        let changed = try Self.directory(
            figures: Self.embeddedFigures.replacingOccurrences(of: #""reported": 13300,"#, with: #""reported": 13400,"#)
        )
        defer { try? FileManager.default.removeItem(atPath: changed) }
        #expect(try Self.run(["seed", "--check", "--fixtures", changed]).0 == .exited(1))
    }

    @Test func serve_reportsTheDirectorysFigure() throws {
        let changed = try Self.directory(
            figures: Self.embeddedFigures.replacingOccurrences(of: #""reported": 13300,"#, with: #""reported": 13400,"#)
        )
        defer { try? FileManager.default.removeItem(atPath: changed) }
        let binary = try GridworkProcess.executable()
        let child = try ChildProcess.spawn(binary, ["serve", "--port", "0", "--fixtures", changed])
        defer { child.killAndReap() }
        #expect(child.waitForStderr(within: .seconds(60)) { $0.contains("server.port=") && $0.contains("\n") })
        let log = child.stderr
        #expect(log.contains("fixtures.loaded"))
        let portText = try #require(log.components(separatedBy: "server.port=").last?.prefix { $0.isNumber })
        let port = try #require(Int(portText))
        let body = try Data(contentsOf: URL(string: "http://127.0.0.1:\(port)/stats/report")!)
        let rows = try #require(try JSONSerialization.jsonObject(with: body) as? [[String: Any]])
        let visits = try #require(rows.first { $0["key"] as? String == "gridService.visits" })
        #expect(visits["reported"] as? Int == 13400)
        #expect(visits["live"] as? Int == 13300)
    }

    @Test(arguments: [
        #"{"not": "an array"}"#,
        #"[{"id":"G1"}]"#,
    ])
    func serve_refusesABrokenDirectory_withAClearMessage(_ figures: String) throws {
        let broken = try Self.directory(figures: figures)
        defer { try? FileManager.default.removeItem(atPath: broken) }
        let (status, child) = try Self.run(["serve", "--port", "0", "--fixtures", broken])
        #expect(status == .exited(1))
        #expect(child.waitForStderrEnd(within: .seconds(5)))
        #expect(child.stderr.contains("fixtures.invalid"))
    }

    @Test func serve_refusesADirectoryWithNeitherFile() throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("gridwork-empty-\(UUID())").path
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: empty) }
        let (status, child) = try Self.run(["serve", "--port", "0", "--fixtures", empty])
        #expect(status == .exited(1))
        #expect(child.waitForStderrEnd(within: .seconds(5)))
        #expect(child.stderr.contains("neither figures.json nor named.json"))
    }
}
