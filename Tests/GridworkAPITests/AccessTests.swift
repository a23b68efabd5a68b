import GridworkStore
import HTTP1
import HTTPResponder
import HTTPTypes
import JSON
import Logging
import Testing
import TokenDigest

@testable import GridworkAPI

// Bearer tokens and CORS (`AccessPolicy`), through the responder the server runs. Every test
// builds its own responder over an empty store; writes create towns, which need no references.

/// The API over an empty store with an access policy, called in-process.
private struct AccessHarness {
    let store = Store()
    let responder: any Responder

    static let writeTokens = ["write-token-one", "write-token-two"]
    static let readTokens = ["read-token"]
    static let town = #"{"name":"新蒲镇","kind":"town"}"#

    init(_ policy: AccessPolicy) {
        responder = makeResponder(
            store: store,
            configuration: APIConfiguration(access: policy),
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        )
    }

    /// Writes need one of `writeTokens`; reads are open.
    static func writeProtected() -> AccessHarness {
        AccessHarness(AccessPolicy(writeTokens: writeTokens))
    }

    /// Writes need a write token, reads a read or a write token.
    static func readProtected() -> AccessHarness {
        AccessHarness(AccessPolicy(writeTokens: writeTokens, readTokens: readTokens))
    }

    /// Sends `method` to `target` with `fields` and, when given, a JSON body.
    func send(
        _ method: HTTPRequest.Method, _ target: String, _ fields: HTTPFields = [:], json: String? = nil
    ) -> Response {
        responder.respond(to: .make(target, method: method, fields: fields, json: json))
    }

    /// `POST /towns` with a valid body and `fields`.
    func createTown(_ fields: HTTPFields = [:]) -> Response {
        send(.post, "/towns", fields, json: Self.town)
    }

    /// Creates a town with the first write token; returns its path.
    func seedTown() throws -> String {
        let response = createTown([.authorization: "Bearer \(Self.writeTokens[0])"])
        try #require(response.status == .created)
        return try #require(response.headerFields[.location])
    }

    /// The store revision and the number of towns.
    var state: [Int] { [store.revision, store.count(.towns)] }
}

/// `Authorization: Bearer <token>`.
private func bearer(_ token: String) -> HTTPFields {
    [.authorization: "Bearer \(token)"]
}

/// A 401 problem with `WWW-Authenticate: Bearer realm="gridwork"` and, when given, `error="…"`.
private func expectUnauthorized(
    _ response: Response, error: String?, sourceLocation: SourceLocation = #_sourceLocation
) throws {
    #expect(response.status == .unauthorized, sourceLocation: sourceLocation)
    #expect(response.headerFields[.contentType] == "application/problem+json", sourceLocation: sourceLocation)
    let challenge = try #require(response.headerFields[.wwwAuthenticate], sourceLocation: sourceLocation)
    let expected = #"Bearer realm="gridwork""# + (error.map { #", error="\#($0)""# } ?? "")
    #expect(challenge == expected, sourceLocation: sourceLocation)
    let problem = try JSONParser.parse(response.body)
    #expect(problem["status"]?.number == 401, sourceLocation: sourceLocation)
}

/// Every value of `Vary`, split at commas.
private func varyTokens(_ response: Response) -> [String] {
    response.headerFields[values: .vary].flatMap { $0.split(separator: ",") }.map {
        $0.trimmingSpacesAndTabs().lowercased()
    }
}

struct AccessTests {
    // MARK: Write tokens

    @Test func write_withoutToken_is401_withChallenge_andChangesNothing() throws {
        let harness = AccessHarness.writeProtected()
        let before = harness.state

        try expectUnauthorized(harness.createTown(), error: nil)

        #expect(harness.state == before, "a refused write changed the store")
    }

    @Test(arguments: [HTTPRequest.Method.put, .patch, .delete])
    func update_withoutToken_is401_andChangesNothing(method: HTTPRequest.Method) throws {
        let harness = AccessHarness.writeProtected()
        let path = try harness.seedTown()
        let before = harness.state

        let response = harness.send(method, path, json: method == .delete ? nil : #"{"name":"改名镇","kind":"town"}"#)

        try expectUnauthorized(response, error: nil)
        #expect(harness.state == before)
        #expect(harness.send(.get, path).status == .ok, "the record is still there")
    }

    @Test func write_withWrongToken_is401_invalidToken() throws {
        let harness = AccessHarness.writeProtected()
        let before = harness.state

        try expectUnauthorized(harness.createTown(bearer("not-a-token")), error: "invalid_token")
        // A prefix and an extension of a real token are no better.
        try expectUnauthorized(harness.createTown(bearer("write-token")), error: "invalid_token")
        try expectUnauthorized(harness.createTown(bearer("write-token-one-and-more")), error: "invalid_token")

        #expect(harness.state == before)
    }

    @Test(arguments: ["Basic d3JpdGUtdG9rZW4tb25lOg==", "Token write-token-one", "Bearer", "write-token-one"])
    func write_withOtherScheme_is401_invalidRequest(authorization: String) throws {
        let harness = AccessHarness.writeProtected()
        let before = harness.state

        try expectUnauthorized(harness.createTown([.authorization: authorization]), error: "invalid_request")

        #expect(harness.state == before)
    }

    @Test(arguments: AccessHarness.writeTokens)
    func write_withEachConfiguredToken_succeeds(token: String) throws {
        let harness = AccessHarness.writeProtected()
        let before = harness.store.revision

        let response = harness.createTown(bearer(token))

        #expect(response.status == .created)
        #expect(harness.store.count(.towns) == 1)
        #expect(harness.store.revision == before + 1)
    }

    @Test func write_acceptsSchemeInAnyCase() {
        // The auth scheme is case-insensitive (RFC 9110 §11.1).
        let harness = AccessHarness.writeProtected()
        #expect(harness.createTown([.authorization: "bearer \(AccessHarness.writeTokens[1])"]).status == .created)
        #expect(harness.createTown([.authorization: "BEARER \(AccessHarness.writeTokens[0])"]).status == .created)
        #expect(harness.store.count(.towns) == 2)
    }

    @Test func updates_withToken_succeed() throws {
        let harness = AccessHarness.writeProtected()
        let path = try harness.seedTown()
        let token = bearer(AccessHarness.writeTokens[1])

        #expect(harness.send(.patch, path, token, json: #"{"name":"改名镇"}"#).status == .ok)
        #expect(harness.send(.put, path, token, json: #"{"name":"又改名镇","kind":"street"}"#).status == .ok)
        #expect(harness.send(.delete, path, token).status == .noContent)
        #expect(harness.store.count(.towns) == 0)
    }

    @Test func adminCompact_needsAnAdminPrincipal_notJustAWriteToken() throws {
        let adminToken = "admin-token-of-this-test"
        let admin = Principal(
            id: "ops", name: "Ops", role: .admin, tokenSha256: TokenDigest.sha256Hex(Array(adminToken.utf8)))
        let harness = AccessHarness(
            AccessPolicy(
                writeTokens: AccessHarness.writeTokens,
                principals: PrincipalDirectory([admin], digest: TokenDigest.sha256Hex)))
        try expectUnauthorized(harness.send(.post, "/admin/compact"), error: nil)
        // A `--token` holder is a district principal: known, but not an admin.
        let asWriter = harness.send(.post, "/admin/compact", bearer(AccessHarness.writeTokens[0]))
        #expect(asWriter.status == .forbidden)
        #expect(asWriter.headerFields[.wwwAuthenticate]?.contains("insufficient_scope") == true)
        // The admin reaches the route, which answers 409 without a journal.
        #expect(harness.send(.post, "/admin/compact", bearer(adminToken)).status == .conflict)
    }

    // MARK: Read tokens

    @Test func reads_stayOpen_withoutReadTokens() throws {
        let harness = AccessHarness.writeProtected()
        let path = try harness.seedTown()

        #expect(harness.send(.get, "/towns").status == .ok)
        #expect(harness.send(.get, path).status == .ok)
        #expect(harness.send(.head, "/stats").status == .ok)
        #expect(harness.send(.get, "/stats").status == .ok)
        // A wrong token on an open read is not checked at all.
        #expect(harness.send(.get, "/towns", bearer("nonsense")).status == .ok)
    }

    @Test func reads_withReadTokens_needAReadOrWriteToken() throws {
        let harness = AccessHarness.readProtected()

        try expectUnauthorized(harness.send(.get, "/towns"), error: nil)
        try expectUnauthorized(harness.send(.get, "/stats"), error: nil)
        try expectUnauthorized(harness.send(.head, "/stats"), error: nil)
        try expectUnauthorized(harness.send(.get, "/towns", bearer("nonsense")), error: "invalid_token")
        try expectUnauthorized(harness.send(.get, "/towns", [.authorization: "Basic eDp5"]), error: "invalid_request")

        #expect(harness.send(.get, "/towns", bearer(AccessHarness.readTokens[0])).status == .ok)
        for token in AccessHarness.writeTokens {
            #expect(harness.send(.get, "/towns", bearer(token)).status == .ok, "write token \(token) may read")
        }
    }

    /// RFC 6750 §3.1: a valid token without the scope is 403 `insufficient_scope`, not 401 —
    /// a client that gets 401 would ask for a new token, which cannot help.
    @Test func readToken_cannotWrite_andGets403InsufficientScope() throws {
        let harness = AccessHarness.readProtected()
        let path = try harness.seedTown()
        let before = harness.state
        let token = bearer(AccessHarness.readTokens[0])

        for response in [
            harness.createTown(token), harness.send(.put, path, token, json: AccessHarness.town),
            harness.send(.patch, path, token, json: #"{"name":"改名镇"}"#), harness.send(.delete, path, token),
        ] {
            #expect(response.status == .forbidden)
            #expect(response.headerFields[.contentType] == "application/problem+json")
            #expect(response.headerFields[.wwwAuthenticate] == #"Bearer realm="gridwork", error="insufficient_scope""#)
            #expect(try JSONParser.parse(response.body)["status"]?.number == 403)
        }
        #expect(harness.state == before)
        // An unknown token stays a 401.
        try expectUnauthorized(harness.createTown(bearer("not-a-token-of-this-server")), error: "invalid_token")
    }

    @Test func readTokensAlone_protectReads_butLeaveWritesOpen() {
        let harness = AccessHarness(AccessPolicy(readTokens: AccessHarness.readTokens))
        #expect(harness.send(.get, "/towns").status == .unauthorized)
        #expect(harness.send(.get, "/towns", bearer(AccessHarness.readTokens[0])).status == .ok)
        #expect(harness.createTown().status == .created)
    }

    @Test(arguments: ["/healthz", "/readyz"])
    func probes_stayOpen(path: String) {
        let harness = AccessHarness.readProtected()
        #expect(harness.send(.get, path).status == .ok)
        #expect(harness.send(.head, path).status == .ok)
        #expect(harness.send(.get, path, bearer("nonsense")).status == .ok, "a probe's token is not checked")
    }

    // MARK: CORS

    @Test func cors_allowedOrigin_getsEcho_exposedHeaders_andVary() throws {
        let origin = "https://dash.example"
        let harness = AccessHarness(
            AccessPolicy(writeTokens: AccessHarness.writeTokens, corsOrigins: ["https://other.example", origin]))

        let read = harness.send(.get, "/towns", [.origin: origin])
        let write = harness.createTown([.origin: origin, .authorization: "Bearer \(AccessHarness.writeTokens[0])"])

        for response in [read, write] {
            #expect(response.headerFields[.accessControlAllowOrigin] == origin)
            let exposed = try #require(response.headerFields[.accessControlExposeHeaders])
            for name in ["ETag", "Location", "X-Request-ID", "Idempotent-Replayed"] {
                #expect(exposed.contains(name), "\(name) is exposed")
            }
            #expect(varyTokens(response).contains("origin"))
        }
        #expect(read.status == .ok)
        #expect(write.status == .created)
        // Compression's Vary survives alongside.
        #expect(varyTokens(read).contains("accept-encoding"))
    }

    @Test func cors_unauthorizedResponse_stillCarriesCORS_soTheBrowserCanReadIt() throws {
        let origin = "https://dash.example"
        let harness = AccessHarness(AccessPolicy(writeTokens: AccessHarness.writeTokens, corsOrigins: [origin]))

        let response = harness.createTown([.origin: origin])

        try expectUnauthorized(response, error: nil)
        #expect(response.headerFields[.accessControlAllowOrigin] == origin)
        #expect(response.headerFields[.accessControlExposeHeaders] != nil)
    }

    @Test func cors_preflight_is204_withAllowances_andNeedsNoToken() throws {
        let origin = "https://dash.example"
        let harness = AccessHarness(
            AccessPolicy(
                writeTokens: AccessHarness.writeTokens, readTokens: AccessHarness.readTokens,
                corsOrigins: [origin]))
        let before = harness.state

        let response = harness.send(
            .options, "/towns",
            [
                .origin: origin, .accessControlRequestMethod: "POST",
                .accessControlRequestHeaders: "authorization, content-type, idempotency-key",
            ])

        #expect(response.status == .noContent)
        #expect(response.body.isEmpty)
        #expect(response.headerFields[.accessControlAllowOrigin] == origin)
        let methods = try #require(response.headerFields[.accessControlAllowMethods])
        for method in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
            #expect(methods.contains(method), "\(method) is allowed")
        }
        let headers = try #require(response.headerFields[.accessControlAllowHeaders]).lowercased()
        for name in ["authorization", "content-type", "idempotency-key", "if-match"] {
            #expect(headers.contains(name), "\(name) is allowed")
        }
        let maxAge = try #require(response.headerFields[.accessControlMaxAge])
        #expect((Int(maxAge) ?? 0) > 0)
        #expect(varyTokens(response).contains("origin"))
        #expect(response.headerFields[.wwwAuthenticate] == nil)
        #expect(harness.state == before, "a preflight writes nothing")
    }

    @Test func cors_preflight_allowsEveryRequestFieldTheAPIReads_includingLastEventID() throws {
        let origin = "https://dash.example"
        let harness = AccessHarness(AccessPolicy(corsOrigins: [origin]))
        // What an EventSource that reconnects to `/stats/stream` asks for, among the rest.
        let read = [
            "authorization", "content-type", "if-match", "if-none-match", "idempotency-key", "last-event-id",
            "x-request-id",
        ]

        let response = harness.send(
            .options, "/stats/stream",
            [.origin: origin, .accessControlRequestMethod: "GET", .accessControlRequestHeaders: "last-event-id"])

        #expect(response.status == .noContent)
        let allowed = try #require(response.headerFields[.accessControlAllowHeaders]).split(separator: ",").map {
            $0.trimmingSpacesAndTabs().lowercased()
        }
        #expect(Set(allowed) == Set(read), "allowed: \(allowed)")
    }

    @Test func cors_export_exposesContentDisposition_soAPageCanNameTheFile() throws {
        let origin = "https://dash.example"
        let harness = AccessHarness(AccessPolicy(corsOrigins: [origin]))

        let response = harness.send(.get, "/towns?format=csv", [.origin: origin])

        #expect(response.stream != nil)
        response.stream?.cancel()
        let exposed = try #require(response.headerFields[.accessControlExposeHeaders]).split(separator: ",").map {
            $0.trimmingSpacesAndTabs().lowercased()
        }
        #expect(exposed.contains("content-disposition"))
    }

    @Test func cors_disallowedOrigin_getsNoCORSHeaders() {
        let harness = AccessHarness(
            AccessPolicy(writeTokens: AccessHarness.writeTokens, corsOrigins: ["https://dash.example"]))
        let stranger: HTTPFields = [.origin: "https://evil.example"]

        let read = harness.send(.get, "/towns", stranger)
        var preflightFields = stranger
        preflightFields[.accessControlRequestMethod] = "POST"
        let preflight = harness.send(.options, "/towns", preflightFields)

        #expect(read.status == .ok)
        for response in [read, preflight] {
            #expect(response.headerFields[.accessControlAllowOrigin] == nil)
            #expect(response.headerFields[.accessControlAllowMethods] == nil)
            #expect(response.headerFields[.accessControlExposeHeaders] == nil)
        }
        // A cache must still keep the answers per origin.
        #expect(varyTokens(read).contains("origin"))
    }

    @Test func cors_notConfigured_addsNothing() {
        let harness = AccessHarness(AccessPolicy())
        let response = harness.send(.get, "/towns", [.origin: "https://dash.example"])
        #expect(response.status == .ok)
        #expect(response.headerFields[.accessControlAllowOrigin] == nil)
        #expect(!varyTokens(response).contains("origin"))
    }

    @Test func cors_wildcard_answersStar() {
        let harness = AccessHarness(AccessPolicy(corsOrigins: ["*"]))
        let origin: HTTPFields = [.origin: "https://anything.example"]
        var preflightFields = origin
        preflightFields[.accessControlRequestMethod] = "DELETE"

        #expect(harness.send(.get, "/towns", origin).headerFields[.accessControlAllowOrigin] == "*")
        #expect(harness.send(.options, "/towns", preflightFields).headerFields[.accessControlAllowOrigin] == "*")
    }

    @Test func cors_optionsWithoutRequestMethod_isNotAPreflight() {
        // A plain OPTIONS is not a preflight: it goes to the router (which answers it with Allow)
        // and, not being a write, needs no write token.
        let harness = AccessHarness(AccessPolicy(writeTokens: AccessHarness.writeTokens, corsOrigins: ["*"]))
        let response = harness.send(.options, "/towns", [.origin: "https://dash.example"])
        #expect(response.status != .unauthorized)
        #expect(response.headerFields[.allow] != nil)
        #expect(response.headerFields[.accessControlAllowMethods] == nil)
        #expect(response.headerFields[.accessControlAllowOrigin] == "*")
    }

    // MARK: Constant-time comparison

    @Test func constantTimeEqual_comparesWholeTokens() {
        let token = Array("write-token-one".utf8)
        #expect(APIResponder.constantTimeEqual(token, token))
        #expect(APIResponder.constantTimeEqual(token, Array("write-token-one".utf8)))
        #expect(!APIResponder.constantTimeEqual(token, Array("write-token-onf".utf8)), "last byte differs")
        #expect(!APIResponder.constantTimeEqual(token, Array("Write-token-one".utf8)), "first byte differs")
        #expect(!APIResponder.constantTimeEqual(token, Array("write-token".utf8)), "a prefix")
        #expect(!APIResponder.constantTimeEqual(token, Array("write-token-one!".utf8)), "longer")
        #expect(!APIResponder.constantTimeEqual(token, []), "empty presented")
        #expect(!APIResponder.constantTimeEqual([], token), "empty expected")
        #expect(APIResponder.constantTimeEqual([], []))
        // The padding byte used past the end of a short token must not make it match.
        #expect(!APIResponder.constantTimeEqual([0x61, 0x00], [0x61]))
        #expect(!APIResponder.constantTimeEqual([0x61], [0x61, 0x00]))
    }
}
