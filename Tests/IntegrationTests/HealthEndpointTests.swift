import Foundation
import TestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The API over HTTP, as an ordinary client (URLSession) sees it.
@Suite(.blocking)
struct HealthEndpointTests {
    static func json(_ data: Data) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test func healthz_returnsOK_asJSON() async throws {
        let server = try APIServer.make()
        defer { server.stop() }
        let client = HTTPClient.make()
        defer { client.invalidate() }

        let (data, response) = try await client.send(server.url("/healthz"))

        #expect(response.statusCode == 200)
        #expect(response.value(forHTTPHeaderField: "Content-Type")?.hasPrefix("application/json") == true)
        #expect(try Self.json(data)["status"] as? String == "ok")
        #expect(response.value(forHTTPHeaderField: "Server") == "gridwork")
        #expect(response.value(forHTTPHeaderField: "Date") != nil)
        #expect(response.value(forHTTPHeaderField: "X-Request-ID")?.isEmpty == false)
    }

    @Test func readyz_returns200() async throws {
        let server = try APIServer.make()
        defer { server.stop() }
        let client = HTTPClient.make()
        defer { client.invalidate() }

        let (data, response) = try await client.send(server.url("/readyz"))

        #expect(response.statusCode == 200)
        #expect(try Self.json(data)["status"] as? String == "ready")
    }

    @Test func unknownRoute_returns404_problemJSON() async throws {
        let server = try APIServer.make()
        defer { server.stop() }
        let client = HTTPClient.make()
        defer { client.invalidate() }

        let (data, response) = try await client.send(server.url("/no/such/route"))

        #expect(response.statusCode == 404)
        #expect(response.value(forHTTPHeaderField: "Content-Type") == "application/problem+json")
        let problem = try Self.json(data)
        #expect(problem["type"] as? String == "about:blank")
        #expect(problem["title"] as? String == "Not Found")
        #expect(problem["status"] as? Int == 404)
        #expect((problem["detail"] as? String)?.isEmpty == false)
    }

    @Test func postToHealthz_returns405_withAllowListingGET() async throws {
        let server = try APIServer.make()
        defer { server.stop() }
        let client = HTTPClient.make()
        defer { client.invalidate() }

        let (data, response) = try await client.send(server.url("/healthz"), method: "POST", body: Data("{}".utf8))

        #expect(response.statusCode == 405)
        let allow = try #require(response.value(forHTTPHeaderField: "Allow"))
        let methods = allow.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(methods.contains("GET"))
        #expect(!methods.contains("POST"))
        #expect(response.value(forHTTPHeaderField: "Content-Type") == "application/problem+json")
        #expect(try Self.json(data)["status"] as? Int == 405)
    }
}
