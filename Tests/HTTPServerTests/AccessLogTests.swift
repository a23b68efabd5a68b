import HTTPServer
import TestSupport
import Testing

/// The access log is buffered per event loop, as nginx's `access_log … buffer= flush=` is: lines
/// wait in the loop's buffer until it is full or its oldest line is old enough, and a stopping
/// loop writes what it holds.
@Suite(.blocking)
struct AccessLogTests {
    /// One line, capturing method, bytes, status and target.
    private static func parse(_ text: String) -> (method: String, bytes: Int, status: Int, target: String)? {
        let pattern =
            #/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z info request client\.address=\S+ duration_ms=\d+\.\d{3} http\.method=(\S+) http\.response\.bytes=(\d+) http\.status=(\d{3}) request\.id=\S+ url\.path=(\S+) user\.id=-$/#
        guard let match = try? pattern.wholeMatch(in: text) else { return nil }
        return (String(match.output.1), Int(match.output.2)!, Int(match.output.3)!, String(match.output.4))
    }

    private static func host(
        _ log: MemoryAccessLog, flushBytes: Int = 1 << 20, flushInterval: Duration = .seconds(1)
    ) -> EmbeddedConnectionHost {
        EmbeddedConnectionHost(
            responder: EchoResponder(),
            configuration: ServerConfiguration(
                accessLog: AccessLogConfiguration(sink: log, flushBytes: flushBytes, flushInterval: flushInterval)))
    }

    @Test func lines_waitInTheBuffer_untilTheirIntervalHasPassed_thenGoInOneWrite() throws {
        let log = MemoryAccessLog()
        let host = Self.host(log)
        host.write(Wire.get("/a") + Wire.get("/b?x=1") + Wire.get("/c"))
        #expect(!host.readOutput().isEmpty)
        #expect(log.writeCount == 0, "no write per request")

        host.advance(by: .milliseconds(999))
        #expect(log.writeCount == 0, "the oldest line is not yet a second old")
        host.advance(by: .milliseconds(1))
        #expect(log.writeCount == 1)
        let lines = log.lines
        #expect(lines.count == 3)
        let parsed = try lines.map { try #require(Self.parse($0), "\($0)") }
        #expect(parsed.map(\.target) == ["/a", #""/b?x=1""#, "/c"], "a value with `=` is quoted")
        #expect(parsed.allSatisfy { $0.method == "GET" && $0.status == 200 && $0.bytes > 0 })
    }

    @Test func aFullBuffer_isWritten_withoutWaitingForTheInterval() {
        let log = MemoryAccessLog()
        let host = Self.host(log, flushBytes: 1)
        for index in 0..<5 {
            host.write(Wire.get("/request-\(index)"))
            #expect(log.writeCount == index + 1, "a one-byte buffer is full after every line")
        }
        #expect(log.lines.count == 5)
        host.stop()
        #expect(log.writeCount == 5)
    }

    @Test func stopping_writesWhatTheBufferHolds() {
        let log = MemoryAccessLog()
        let host = Self.host(log)
        host.write(Wire.get("/only"))
        #expect(log.lines.isEmpty)
        host.stop()
        #expect(log.lines.count == 1)
        host.stop()
        #expect(log.writeCount == 1, "an empty buffer is not written")
    }

    @Test func aParseError_isLogged_withDashesForWhatIsUnknown() {
        let log = MemoryAccessLog()
        let host = Self.host(log)
        host.write("GET /x HTTP/9.9\r\nHost: t\r\n\r\n")
        host.stop()
        #expect(log.lines.count == 1)
        #expect(log.lines.first?.contains("http.method=- ") == true)
        #expect(log.lines.first?.contains(" url.path=- ") == true)
    }

    @Test func quotes_aValueThatWouldBreakTheLine() {
        var line: [UInt8] = []
        Logfmt.appendValue(#"a b"c=d"#, to: &line)
        Logfmt.appendValue("", to: &line)
        Logfmt.appendValue("plain", to: &line)
        #expect(String(decoding: line, as: UTF8.self) == #""a b\"c=d""""# + "plain")
    }

    /// A real server on sockets: lines stay in the loops' buffers while it runs, and a graceful
    /// shutdown writes every one of them.
    @Test func aDrainedServer_losesNoLine() throws {
        let log = MemoryAccessLog()
        let server = try TestServer.make(eventLoops: 2) { configuration in
            configuration.accessLog = AccessLogConfiguration(sink: log, flushInterval: .seconds(3600))
        }
        defer { server.stop() }
        var clients: [RawClient] = []
        defer { for client in clients { client.close() } }
        for index in 0..<50 {
            if index % 10 == 0 { clients.append(try server.connect()) }
            #expect(try clients.last!.roundTrip(Wire.get("/n/\(index)")).status == 200)
        }
        #expect(log.lines.isEmpty, "an hour's interval and 32 KiB buffers: nothing written yet")
        server.stop()
        let paths = log.lines.compactMap { Self.parse($0)?.target }
        #expect(Set(paths) == Set((0..<50).map { "/n/\($0)" }))
        #expect(paths.count == 50)
    }
}
