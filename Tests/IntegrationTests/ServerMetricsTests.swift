import TestSupport
import Testing

/// `/metrics` of the real executable counts what clients received: refusals the parser sends
/// before any responder runs, and the status a response finally has.
@Suite(.blocking)
struct ServerMetricsTests {
    @Test func parserRefusals_andA406_areCounted_withTheStatusSent() throws {
        let server = try GridworkProcess.start(nil)
        defer { try? server.stop() }

        let badLine = try server.connect()
        defer { badLine.close() }
        #expect(try badLine.roundTrip("GET  /healthz HTTP/1.1\r\nHost: x\r\n\r\n").status == 400)
        let bigHeader = try server.connect()
        defer { bigHeader.close() }
        let huge = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "a", count: 40_000))\r\n\r\n"
        #expect(try bigHeader.roundTrip(huge).status == 431)
        let client = try server.connect()
        defer { client.close() }
        #expect(
            try client.roundTrip("GET /healthz HTTP/1.1\r\nHost: x\r\nAccept-Encoding: *;q=0\r\n\r\n").status == 406)

        let text = String(
            decoding: try client.roundTrip("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n").body, as: UTF8.self)
        let lines = Set(text.split(separator: "\n").map(String.init))
        #expect(lines.contains(#"gridwork_http_requests_total{route="-",method="-",status="400"} 1"#), "\(text)")
        #expect(lines.contains(#"gridwork_http_requests_total{route="-",method="-",status="431"} 1"#))
        #expect(lines.contains(#"gridwork_http_requests_total{route="/healthz",method="GET",status="406"} 1"#))
        #expect(!text.contains(#"route="/healthz",method="GET",status="200""#), "the 406 was not counted as 200")
        #expect(lines.contains("# TYPE gridwork_sent_bytes_total counter"))
    }
}
