import GridworkStore
import HTTP1
import HTTPResponder
import HTTPTypes
import JSON
import Logging
import Testing
import TokenDigest

@testable import GridworkAPI

/// `POST /admin/reset` over a memory-only store: the seed comes back under a new epoch, so no
/// tag made before names anything after, and remembered `Idempotency-Key`s are forgotten.
struct AdminResetTests {
    private static let reportSeed = SeedGenerator.generate()
    private static let visit =
        #"{"type":"visit","date":"2014-06-01","cadreId":"cadre-0001","gridId":"grid-0001","summary":"深入网格"}"#
    private static let keyField = HTTPField.Name("Idempotency-Key")!

    /// The API over `store`, resetting to `seed` (nil: no reset configured), with `durability`.
    private struct Harness {
        let store: Store
        let responder: any Responder

        init(
            seed: (@Sendable () -> [(ResourceKind, Record)])?, durability: (any WriteDurability)? = nil,
            access: AccessPolicy = AccessPolicy()
        ) {
            let store = Store(seed: seed?() ?? [])
            self.store = store
            responder = makeResponder(
                store: store,
                configuration: APIConfiguration(
                    access: access, durability: durability, reset: seed.map { StoreReset(seed: $0) }),
                logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        }

        /// The response as the connection would send it: a gated one once its gate opens.
        func send(
            _ method: HTTPRequest.Method, _ target: String, _ fields: HTTPFields = [:], json: String? = nil
        ) async -> Response {
            var response = responder.respond(to: .make(target, method: method, fields: fields, json: json))
            guard let gate = response.gate else { return response }
            let replacement = await withCheckedContinuation { continuation in
                gate.whenOpen { continuation.resume(returning: $0) }
            }
            response.gate = nil
            return replacement ?? response
        }

        func json(_ target: String) async throws -> JSONValue {
            let response = await send(.get, target)
            #expect(response.status == .ok, "GET \(target)")
            return try JSONParser.parse(response.body)
        }
    }

    /// `/stats` without its epoch and revision: the figures alone.
    private static func figures(_ stats: JSONValue) -> JSONValue {
        guard case .object(let members) = stats else { return stats }
        return .object(members.filter { $0.key != "epoch" && $0.key != "revision" })
    }

    @Test func reset_bringsTheReportSeedBack_underANewEpoch_withNewTags() async throws {
        let harness = Harness(seed: { Self.reportSeed })
        let statsBefore = try await harness.json("/stats")
        let statsTag = try #require(await harness.send(.get, "/stats").headerFields[.eTag])
        let townTag = try #require(await harness.send(.get, "/towns/town-gaoping").headerFields[.eTag])
        let created = await harness.send(.post, "/assistance-records", json: Self.visit)
        #expect(created.status == .created)
        let createdPath = try #require(created.headerFields[.location])
        #expect(try await harness.json("/stats")["gridService"]?["visits"] == .int(13301))

        let reset = await harness.send(.post, "/admin/reset")
        #expect(reset.status == .ok)
        let body = try JSONParser.parse(reset.body)
        guard case .string(let epoch)? = body["epoch"], case .int(let revision)? = body["revision"] else {
            throw CheckError("not {epoch, revision}: \(body)")
        }

        let statsAfter = try await harness.json("/stats")
        #expect(Self.figures(statsAfter) == Self.figures(statsBefore))
        #expect(statsAfter["epoch"] == .string(epoch))
        #expect(statsBefore["epoch"] != .string(epoch))
        #expect(statsAfter["revision"] == .int(revision))
        guard case .int(let revisionBefore)? = statsBefore["revision"] else { throw CheckError("no revision") }
        #expect(revision > revisionBefore, "revisions never go back")
        #expect(await harness.send(.get, createdPath).status == .notFound)
        // No tag from before matches anything after.
        #expect(await harness.send(.get, "/stats", [.ifNoneMatch: statsTag]).status == .ok)
        let town = await harness.send(.get, "/towns/town-gaoping", [.ifNoneMatch: townTag])
        #expect(town.status == .ok)
        #expect(town.headerFields[.eTag] != townTag)
        #expect(town.headerFields[.eTag] == "\"\(epoch)-1\"")
        let stale = await harness.send(.patch, "/towns/town-gaoping", [.ifMatch: townTag], json: #"{"name":"高坪"}"#)
        #expect(stale.status == .preconditionFailed)
    }

    @Test func reset_toTheEmptySeed_leavesNoRecords_andEveryFigureZero() async throws {
        let harness = Harness(seed: { [] })
        #expect(await harness.send(.post, "/towns", json: #"{"name":"新蒲镇","kind":"town"}"#).status == .created)
        #expect(await harness.send(.post, "/admin/reset").status == .ok)
        for kind in ResourceKind.allCases { #expect(harness.store.count(kind) == 0, "\(kind)") }
        let report = try await harness.json("/stats/report")
        guard case .array(let rows) = report else { throw CheckError("/stats/report is not an array") }
        #expect(rows.count == 49)
        // Every figure is backed by records, so every one is 0.
        #expect(rows.allSatisfy { $0["live"] == .int(0) })
    }

    @Test func reset_forgetsIdempotencyKeys() async throws {
        let harness = Harness(seed: { [] })
        let town = #"{"name":"新蒲镇","kind":"town"}"#
        let first = await harness.send(.post, "/towns", [Self.keyField: "key-1"], json: town)
        #expect(first.status == .created)
        #expect(await harness.send(.post, "/admin/reset").status == .ok)
        let again = await harness.send(.post, "/towns", [Self.keyField: "key-1"], json: town)
        #expect(again.status == .created)
        #expect(again.headerFields[HTTPField.Name("Idempotent-Replayed")!] == nil, "made anew, not replayed")
        #expect(harness.store.count(.towns) == 1)
    }

    @Test func reset_isAnAdminOperation_thatReadAndWriteTokensCannotDo() async {
        let writer = String(repeating: "w", count: 20)
        let reader = String(repeating: "r", count: 20)
        let adminToken = String(repeating: "a", count: 20)
        let admin = Principal(
            id: "ops", name: "Ops", role: .admin, tokenSha256: TokenDigest.sha256Hex(Array(adminToken.utf8)))
        let harness = Harness(
            seed: { [] },
            access: AccessPolicy(
                writeTokens: [writer], readTokens: [reader],
                principals: PrincipalDirectory([admin], digest: TokenDigest.sha256Hex)))
        let epoch = harness.store.epoch
        #expect(await harness.send(.post, "/admin/reset").status == .unauthorized)
        for token in [reader, writer] {
            let refused = await harness.send(.post, "/admin/reset", [.authorization: "Bearer \(token)"])
            #expect(refused.status == .forbidden)
        }
        #expect(harness.store.epoch == epoch)
        #expect(await harness.send(.post, "/admin/reset", [.authorization: "Bearer \(adminToken)"]).status == .ok)
        #expect(harness.store.epoch != epoch)
    }

    @Test func reset_withoutASeed_isA409() async {
        let harness = Harness(seed: nil)
        let response = await harness.send(.post, "/admin/reset")
        #expect(response.status == .conflict)
        #expect(response.headerFields[.contentType] == "application/problem+json")
    }

    @Test func reset_takesNoQueryParameters() async {
        let harness = Harness(seed: { [] })
        #expect(await harness.send(.post, "/admin/reset?seed=report").status == .badRequest)
    }

    @Test func reset_whenTheJournalHasFailed_isA503_andChangesNothing() async throws {
        let harness = Harness(seed: { [] }, durability: FailedDurability())
        let epoch = harness.store.epoch
        let response = await harness.send(.post, "/admin/reset")
        #expect(response.status == .serviceUnavailable)
        #expect(response.headerFields[.retryAfter] != nil)
        #expect(harness.store.epoch == epoch)
    }
}

/// A journal that has failed: every write and reset is refused.
private struct FailedDurability: WriteDurability {
    func whenDurable(_ revision: Int, _ settled: @escaping @Sendable (_ failure: String?) -> Void) {
        settled("disk full")
    }
    var failure: String? { "disk full" }
    func requestCompaction() -> Bool { false }
    var statistics: (bytes: Int, changes: Int, syncs: Int, failed: Bool) { (0, 0, 0, true) }
}

private struct CheckError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
