import Glibc
import TestSupport
import Testing

/// `gridwork serve` keeps its access lines in each event loop's buffer and writes them to stderr
/// in batches; a SIGTERM writes what the buffers hold, so no answered request goes unlogged.
@Suite(.blocking)
struct AccessLogProcessTests {
    @Test func sigterm_writesEveryBufferedAccessLine() throws {
        let server = try GridworkProcess.start(nil)
        var stopped = false
        defer { if !stopped { server.child.killAndReap() } }
        let client = try server.connect()
        defer { client.close() }
        let paths = (0..<40).map { "/grids/grid-000\($0 % 9 + 1)" }
        for path in paths {
            #expect(try client.get(path).status == 200)
        }
        try server.stop()
        stopped = true

        let logged = server.child.stderr.split(separator: "\n").filter { $0.contains(" info request ") }
        let gridLines = logged.filter { $0.contains("url.path=/grids/grid-") }
        #expect(gridLines.count == paths.count, "one line per answered request, none lost at shutdown")
        #expect(gridLines.allSatisfy { $0.contains("http.method=GET") && $0.contains("http.status=200") })
        let loggedPaths = gridLines.compactMap { line in
            line.split(separator: " ").first { $0.hasPrefix("url.path=") }.map { String($0.dropFirst(9)) }
        }
        #expect(loggedPaths == paths, "in the order answered")
    }
}
