import Foundation
import Glibc
import TestSupport
import Testing

/// `serve` with token lists from the environment, through the built binary: a list that was given
/// but holds no token stops the start instead of leaving writes (or reads) open to anyone.
@Suite(.serialized, .blocking)
struct TokenConfigurationTests {
    /// `gridwork serve --port 0` with `assignment` (`NAME=value`) added to its environment.
    static func spawnServe(_ assignment: String) throws -> ChildProcess {
        let binary = try GridworkProcess.executable()
        // env(1) adds the variable; the test process's own token variables are left out.
        return try ChildProcess.spawn(
            "/usr/bin/env", [assignment, binary, "serve", "--port", "0"],
            removingEnvironment: ["GRIDWORK_TOKENS", "GRIDWORK_READ_TOKENS"])
    }

    @Test(arguments: [
        "GRIDWORK_TOKENS=,", "GRIDWORK_TOKENS=", "GRIDWORK_TOKENS= , ,", "GRIDWORK_READ_TOKENS=,",
    ])
    func serve_refusesToStart_withATokenListThatHoldsNoToken(_ assignment: String) throws {
        let child = try Self.spawnServe(assignment)
        defer { child.killAndReap() }

        let status = child.waitForExit(within: .seconds(60))

        #expect(status != nil && status != .exited(0), "\(String(describing: status))")
        #expect(child.waitForStderrEnd(within: .seconds(5)))
        let name = String(assignment.prefix { $0 != "=" })
        #expect(child.stderr.contains("\(name) is set but holds no token"), "\(child.stderr)")
        #expect(!child.stderr.contains("server.port="))
    }

    @Test func serve_starts_withATokenListWithStrayCommas() throws {
        let child = try Self.spawnServe("GRIDWORK_TOKENS=,0123456789abcdef,")
        defer { child.killAndReap() }

        #expect(child.waitForStderr(within: .seconds(60)) { $0.contains("server.port=") })
        #expect(!child.stderr.contains("access.open"), "writes need the token")
    }
}
