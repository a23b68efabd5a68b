import GridworkStore
import HTTP1
import HTTPResponder
import HTTPTypes
import JSON
import Logging
import Testing
import TokenDigest

@testable import GridworkAPI

// Named principals, roles and what each may write (SPEC section 4), through the responder the
// server runs. The store holds two towns, each with a village, a unit grid and a cadre serving it.

/// Two towns' worth of records, made through an open responder, then a responder that knows
/// principals over the same store.
private final class PrincipalHarness: Sendable {
    let store = Store()
    let responder: any Responder
    let metrics = MetricsCollector()
    /// Token by principal id.
    static let tokens = [
        "ops": "token-of-the-admin-ops", "district-staff": "token-of-district-staff",
        "xinpu-staff": "token-of-the-xinpu-staff", "cadre-a": "token-of-grid-cadre-a",
        "viewer": "token-of-a-plain-viewer",
    ]

    init() throws {
        let open = makeResponder(store: store, logger: Self.silent)
        func create(_ path: String, _ json: String) throws -> String {
            let response = open.respond(to: .make(path, method: .post, json: json))
            try #require(response.status == .created, "\(String(decoding: response.body, as: UTF8.self))")
            let id = try JSONParser.parse(response.body)["id"]
            guard case .string(let text)? = id else { throw HarnessError.noID }
            return text
        }
        for (town, village) in [("xinpu", "xinpu-village"), ("gaoping", "gaoping-village")] {
            let townID = try create("/towns", #"{"name":"\#(town)","kind":"town"}"#)
            let villageID = try create("/villages", #"{"name":"\#(village)","kind":"village","townId":"\#(townID)"}"#)
            let gridID = try create(
                "/grids",
                #"{"name":"\#(village) grid","level":"unit","townId":"\#(townID)","villageId":"\#(villageID)","households":120}"#
            )
            _ = try create(
                "/cadres", #"{"name":"\#(town) cadre","level":"general","unit":"organ","gridIds":["\#(gridID)"]}"#)
        }
        let principals = [
            Principal(id: "ops", name: "运维", role: .admin),
            Principal(id: "district-staff", name: "区委组织部", role: .district),
            Principal(id: "xinpu-staff", name: "新蒲镇组织办", role: .town, towns: ["town-01"]),
            Principal(id: "cadre-a", name: "网格员甲", role: .grid, grids: ["grid-0001"], cadreId: "cadre-0001"),
            Principal(id: "viewer", name: "观察员", role: .viewer),
        ].map { principal in
            var hashed = principal
            hashed.tokenSha256 = TokenDigest.sha256Hex(Array(Self.tokens[principal.id]!.utf8))
            return hashed
        }
        responder = makeResponder(
            store: store,
            configuration: APIConfiguration(
                access: AccessPolicy(principals: PrincipalDirectory(principals, digest: TokenDigest.sha256Hex)),
                metrics: metrics),
            logger: Self.silent)
    }

    enum HarnessError: Error { case noID }

    static let silent = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    func send(_ method: HTTPRequest.Method, _ target: String, as principal: String?, json: String? = nil) -> Response {
        var fields: HTTPFields = [:]
        if let principal { fields[.authorization] = "Bearer \(Self.tokens[principal] ?? principal)" }
        return responder.respond(to: .make(target, method: method, fields: fields, json: json))
    }

    func visit(grid: String, cadre: String? = nil) -> String {
        let cadreMember = cadre.map { #","cadreId":"\#($0)""# } ?? ""
        return #"{"type":"visit","date":"2014-05-06","gridId":"\#(grid)","summary":"走访"\#(cadreMember)}"#
    }
}

struct PrincipalDirectoryTests {
    @Test func sha256_isTheStandardDigest() {
        #expect(
            TokenDigest.sha256Hex(Array("abc".utf8))
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func newTokens_are32RandomBytes_inBase64URL() {
        let tokens = (0..<50).map { _ in PrincipalDirectory.newToken() }
        #expect(Set(tokens).count == 50)
        for token in tokens {
            #expect(token.utf8.count == 43)
            #expect(
                token.utf8.allSatisfy { $0.isASCIIAlphanumeric || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") })
        }
    }

    @Test func file_roundTrips_throughEncodeAndDecode() throws {
        let principals = [
            Principal(
                id: "li.ming", name: "李明", role: .grid, grids: ["grid-0001", "grid-0002"], cadreId: "cadre-0001",
                tokenSha256: String(repeating: "a", count: 64)),
            Principal(
                id: "wang", name: "王 \"芳\"", role: .town, towns: ["town-0003"],
                tokenSha256: String(repeating: "b", count: 64)),
        ]
        let decoded = try PrincipalDirectory.decode(PrincipalDirectory.encode(principals), path: "test")
        #expect(decoded == principals)
    }

    @Test(arguments: [
        (#"{"id":"x"}"#, "must hold a JSON array"),
        (
            #"[{"id":"Bad Id","name":"n","role":"district","tokenSha256":"\#(String(repeating: "a", count: 64))"}]"#,
            "`id`"
        ),
        (#"[{"id":"x","name":"n","role":"boss","tokenSha256":"\#(String(repeating: "a", count: 64))"}]"#, "`role`"),
        (
            #"[{"id":"x","name":"n","role":"town","tokenSha256":"\#(String(repeating: "a", count: 64))"}]"#,
            "needs `towns`"
        ),
        (
            #"[{"id":"x","name":"n","role":"grid","grids":["g"],"tokenSha256":"\#(String(repeating: "a", count: 64))"}]"#,
            "`cadreId`"
        ),
        (#"[{"id":"x","name":"n","role":"district","tokenSha256":"ABC"}]"#, "tokenSha256"),
        (
            #"[{"id":"x","name":"n","role":"district","token":"plain","tokenSha256":"\#(String(repeating: "a", count: 64))"}]"#,
            "unknown member `token`"
        ),
        (
            #"[{"id":"x","name":"n","role":"district","tokenSha256":"\#(String(repeating: "a", count: 64))"},"#
                + #"{"id":"x","name":"m","role":"viewer","tokenSha256":"\#(String(repeating: "b", count: 64))"}]"#,
            "used twice"
        ),
    ])
    func invalidFiles_areRefused_sayingWhy(_ text: String, _ why: String) {
        do {
            _ = try PrincipalDirectory.decode(Array(text.utf8), path: "principals.json")
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.description.contains(why), "\(error.description)")
            #expect(error.description.contains("principals.json"))
        }
    }
}

struct PrincipalAccessTests {
    @Test func unknownToken_is401_andNoToken_is401_onceThereArePrincipals() throws {
        let harness = try PrincipalHarness()
        #expect(harness.send(.get, "/towns", as: nil).status == .unauthorized)
        let unknown = harness.send(.get, "/towns", as: "not-a-known-token")
        #expect(unknown.status == .unauthorized)
        #expect(unknown.headerFields[.wwwAuthenticate]?.contains("invalid_token") == true)
        // The probes, the dashboard page (it asks for a token itself) and the API's description
        // stay open; the data behind them does not.
        for path in ["/healthz", "/readyz", "/", "/openapi.json"] {
            #expect(harness.send(.get, path, as: nil).status == .ok, "\(path)")
        }
        #expect(harness.send(.get, "/stats", as: nil).status == .unauthorized)
        #expect(harness.send(.get, "/stats/stream", as: nil).status == .unauthorized)
    }

    @Test func viewer_readsButNeverWrites() throws {
        let harness = try PrincipalHarness()
        #expect(harness.send(.get, "/towns", as: "viewer").status == .ok)
        let write = harness.send(.post, "/towns", as: "viewer", json: #"{"name":"x","kind":"town"}"#)
        #expect(write.status == .forbidden)
        #expect(write.headerFields[.wwwAuthenticate]?.contains("insufficient_scope") == true)
    }

    @Test func everyWrite_isAttributed_toItsPrincipal() throws {
        let harness = try PrincipalHarness()
        let created = harness.send(.post, "/towns", as: "district-staff", json: #"{"name":"新镇","kind":"town"}"#)
        #expect(created.status == .created)
        let town = try JSONParser.parse(created.body)
        #expect(town["createdBy"] == .string("district-staff"))
        #expect(town["updatedBy"] == .string("district-staff"))
        let path = try #require(created.headerFields[.location])
        let patched = harness.send(.patch, path, as: "ops", json: #"{"name":"新新镇"}"#)
        let after = try JSONParser.parse(patched.body)
        #expect(after["createdBy"] == .string("district-staff"))
        #expect(after["updatedBy"] == .string("ops"))
        // Lists filter by who made a record.
        let mine = try JSONParser.parse(harness.send(.get, "/towns?createdBy=district-staff", as: "ops").body)
        #expect(mine["total"] == .int(1))
    }

    @Test func townStaff_writeInTheirTown_only() throws {
        let harness = try PrincipalHarness()
        let own = harness.send(
            .post, "/villages", as: "xinpu-staff", json: #"{"name":"新村","kind":"village","townId":"town-01"}"#)
        #expect(own.status == .created)
        let other = harness.send(
            .post, "/villages", as: "xinpu-staff", json: #"{"name":"他村","kind":"village","townId":"town-02"}"#)
        #expect(other.status == .forbidden)
        // Moving a record of their town into another is a write outside it too.
        let moved = harness.send(.patch, "/villages/village-001", as: "xinpu-staff", json: #"{"townId":"town-02"}"#)
        #expect(moved.status == .forbidden)
        // A record outside the scope is not found at all: nothing leaks.
        #expect(harness.send(.delete, "/villages/village-002", as: "xinpu-staff").status == .notFound)
        #expect(harness.store.count(.villages) == 3)
    }

    @Test func gridCadre_recordsWorkInTheirGrids_asThemselves() throws {
        let harness = try PrincipalHarness()
        // cadreId defaults to the principal's own.
        let own = harness.send(.post, "/assistance-records", as: "cadre-a", json: harness.visit(grid: "grid-0001"))
        #expect(own.status == .created, "\(String(decoding: own.body, as: UTF8.self))")
        let record = try JSONParser.parse(own.body)
        #expect(record["cadreId"] == .string("cadre-0001"))
        #expect(record["createdBy"] == .string("cadre-a"))
        // Naming another cadre is refused.
        let asOther = harness.send(
            .post, "/assistance-records", as: "cadre-a", json: harness.visit(grid: "grid-0001", cadre: "cadre-0002"))
        #expect(asOther.status == .forbidden)
        // So is another grid, and any other resource.
        let elsewhere = harness.send(
            .post, "/assistance-records", as: "cadre-a", json: harness.visit(grid: "grid-0002", cadre: "cadre-0001"))
        #expect(elsewhere.status == .forbidden)
        let town = harness.send(.post, "/towns", as: "cadre-a", json: #"{"name":"x","kind":"town"}"#)
        #expect(town.status == .forbidden)
        #expect(harness.store.count(.assistanceRecords) == 1)
    }

    @Test func adminRoutes_needTheAdminRole() throws {
        let harness = try PrincipalHarness()
        #expect(harness.send(.post, "/admin/compact", as: "district-staff").status == .forbidden)
        // The admin reaches the route, which answers 409 without a journal.
        #expect(harness.send(.post, "/admin/compact", as: "ops").status == .conflict)
    }

    @Test func metrics_areForTheDistrictScope_only() throws {
        let harness = try PrincipalHarness()
        // Record counts per resource are a way of seeing records outside a smaller scope.
        #expect(harness.send(.get, "/metrics", as: "xinpu-staff").status == .forbidden)
        #expect(harness.send(.get, "/metrics", as: "cadre-a").status == .forbidden)
        #expect(harness.send(.get, "/metrics", as: "viewer").status == .ok)
        #expect(harness.send(.get, "/metrics", as: "district-staff").status == .ok)
    }

    @Test func writes_areCounted_byRole() throws {
        let harness = try PrincipalHarness()
        _ = harness.send(.post, "/assistance-records", as: "cadre-a", json: harness.visit(grid: "grid-0001"))
        _ = harness.send(.post, "/towns", as: "district-staff", json: #"{"name":"新镇","kind":"town"}"#)
        _ = harness.send(.post, "/towns", as: "district-staff", json: #"{"name":"又一镇","kind":"town"}"#)
        let text = String(decoding: harness.send(.get, "/metrics", as: "ops").body, as: UTF8.self)
        #expect(text.contains(#"gridwork_writes_total{role="grid"} 1"#))
        #expect(text.contains(#"gridwork_writes_total{role="district"} 2"#))
    }
}

extension UInt8 {
    fileprivate var isASCIIAlphanumeric: Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(self) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(self)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self)
    }
}
