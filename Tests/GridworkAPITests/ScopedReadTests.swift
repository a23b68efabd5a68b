import GridworkStore
import HTTP1
import HTTPResponder
import HTTPTypes
import JSON
import Logging
import TestSupport
import Testing
import TokenDigest

@testable import GridworkAPI

// Every read within the principal's scope (SPEC section 4), through the responder the server
// runs, over the seed: what each role sees in lists and totals, records outside the scope (404),
// nested reads, CSV, `/stats` (against a recount of the scope's records), its report and stream,
// the timeline, cursors, tags and `Vary`. Where a record lies is decided by `Recount.lies`.

/// The seed behind a responder that knows a principal of every kind of scope. Reads only: one
/// store serves every test.
private final class ScopedHarness: Sendable {
    static let shared = ScopedHarness()

    let store = SeedGenerator.makeStore()
    let responder: any Responder
    /// The grid cadre's two unit grids, in two towns.
    let cadreGrids: [String]
    /// Each principal's region, by id.
    let regions: [String: Region]

    init() {
        let units = store.all(.grids).filter { $0[GridField.level].string == "unit" }
        let first = units[0]
        let second = units.first { $0[GridField.townId] != first[GridField.townId] }!
        cadreGrids = [first.id, second.id]
        let cadre = store.all(.cadres).first { $0[CadreField.gridIds].list.contains(first.id) }!
        let principals = [
            Principal(id: "ops", name: "运维", role: .admin),
            Principal(id: "district-staff", name: "区委组织部", role: .district),
            Principal(id: "viewer", name: "观察员", role: .viewer),
            Principal(id: "town-staff", name: "镇组织办", role: .town, towns: ["town-gaoping"]),
            Principal(id: "two-towns", name: "两镇", role: .town, towns: ["town-sidu", "town-banqiao"]),
            Principal(id: "cadre", name: "网格员", role: .grid, grids: cadreGrids, cadreId: cadre.id),
            Principal(id: "town-viewer", name: "镇观察员", role: .viewer, towns: ["town-gaoping"]),
            Principal(id: "grid-viewer", name: "网格观察员", role: .viewer, grids: [first.id]),
        ].map { principal in
            var hashed = principal
            hashed.tokenSha256 = TokenDigest.sha256Hex(Array(Self.token(principal.id).utf8))
            return hashed
        }
        regions = [
            "ops": .district, "district-staff": .district, "viewer": .district, "town-staff": .towns(["town-gaoping"]),
            "two-towns": .towns(["town-sidu", "town-banqiao"]), "cadre": .grids(Set(cadreGrids)),
            "town-viewer": .towns(["town-gaoping"]), "grid-viewer": .grids([first.id]),
        ]
        responder = makeResponder(
            store: store,
            configuration: APIConfiguration(
                access: AccessPolicy(principals: PrincipalDirectory(principals, digest: TokenDigest.sha256Hex))),
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    static func token(_ id: String) -> String { "token-of-\(id)" }

    func get(_ target: String, as principal: String, _ fields: HTTPFields = [:]) -> Response {
        var fields = fields
        fields[.authorization] = "Bearer \(Self.token(principal))"
        return responder.respond(to: .make(target, fields: fields))
    }

    func json(_ target: String, as principal: String) throws -> JSONValue {
        let response = get(target, as: principal)
        try #require(response.status == .ok, "\(target) as \(principal): \(response.status)")
        return try JSONParser.parse(response.body)
    }

    /// The ids of every `kind` record that lies in the principal's region, in id order.
    func expected(_ kind: ResourceKind, for principal: String) -> [String] {
        Recount.records(kind, in: regions[principal]!, of: store).map(\.id)
    }

    /// Every page of `target` (which has no query yet), walked by `next`: the ids and the first total.
    func walk(_ target: String, as principal: String, limit: Int = 500) throws -> (ids: [String], total: Int?) {
        var ids: [String] = []
        var total: Int?
        var url = "\(target)?limit=\(limit)"
        for _ in 0..<200 {
            let page = try json(url, as: principal)
            if total == nil { total = page["total"]?.number }
            ids += (page["data"]?.items ?? []).compactMap { $0["id"]?.text }
            guard let next = page["next"]?.text else { return (ids, total) }
            url = "\(target)?limit=\(limit)&cursor=\(next)"
        }
        Issue.record("\(target) as \(principal) never ended")
        return (ids, total)
    }
}

struct ScopedReadTests {
    static let principals = ["ops", "viewer", "town-staff", "two-towns", "cadre", "town-viewer", "grid-viewer"]

    @Test(arguments: principals)
    func lists_showExactlyTheScope_withTotalsAndCursors(_ principal: String) throws {
        let harness = ScopedHarness.shared
        for kind in ResourceKind.allCases {
            let expected = harness.expected(kind, for: principal)
            if kind == .assistanceRecords && harness.regions[principal]!.isDistrict {
                // The district's 19,564 records: the total is enough, the walk is the district test's.
                #expect(try harness.json("/\(kind.rawValue)?limit=1", as: principal)["total"]?.number == expected.count)
                continue
            }
            let (ids, total) = try harness.walk("/\(kind.rawValue)", as: principal)
            #expect(ids == expected, "\(principal) \(kind)")
            #expect(total == expected.count, "\(principal) \(kind): total")
        }
    }

    @Test func parts_seeLessThanTheDistrict_andNothingOfOtherTowns() throws {
        let harness = ScopedHarness.shared
        let district = try harness.json("/assistance-records?limit=1", as: "district-staff")["total"]?.number ?? 0
        let town = try harness.json("/assistance-records?limit=1", as: "town-staff")["total"]?.number ?? 0
        #expect(town > 0 && town < district)
        let towns = try harness.json("/towns", as: "town-staff")["data"]?.items?.compactMap { $0["id"]?.text }
        #expect(towns == ["town-gaoping"])
        let villages = try harness.json("/villages?limit=500", as: "town-staff")["data"]?.items ?? []
        #expect(!villages.isEmpty && villages.allSatisfy { $0["townId"]?.text == "town-gaoping" })
        // A filter naming another town finds nothing, rather than that town's records.
        #expect(try harness.json("/villages?townId=town-sidu", as: "town-staff")["total"]?.number == 0)
        let grids = try harness.json("/grids", as: "cadre")["data"]?.items?.compactMap { $0["id"]?.text }
        #expect(grids == harness.cadreGrids.sorted())
    }

    @Test func record_outsideTheScope_is404_likeAMissingID() throws {
        let harness = ScopedHarness.shared
        let visible = Set(harness.expected(.assistanceRecords, for: "town-staff"))
        let inTown = try #require(visible.min())
        let elsewhere = try #require(harness.store.all(.assistanceRecords).first { !visible.contains($0.id) })
        #expect(harness.get("/assistance-records/\(inTown)", as: "town-staff").status == .ok)
        let hidden = harness.get("/assistance-records/\(elsewhere.id)", as: "town-staff")
        let missing = harness.get("/assistance-records/record-9999999", as: "town-staff")
        #expect(hidden.status == .notFound)
        #expect(harness.get("/assistance-records/\(elsewhere.id)", as: "district-staff").status == .ok)
        // The same problem as a missing id's, but for the id itself.
        let hiddenText = String(decoding: hidden.body, as: UTF8.self)
        let missingText = String(decoding: missing.body, as: UTF8.self).replacing(
            "record-9999999", with: elsewhere.id)
        #expect(hiddenText == missingText)
        #expect(hidden.headerFields[.eTag] == nil)
        // A grid cadre reads the village its grid lies in, not another.
        let village = try #require(harness.store.record(.grids, id: harness.cadreGrids[0])?[GridField.villageId].string)
        #expect(harness.get("/villages/\(village)", as: "cadre").status == .ok)
        let reachable = harness.expected(.villages, for: "cadre")
        let otherVillage = try #require(harness.store.all(.villages).first { !reachable.contains($0.id) })
        #expect(harness.get("/villages/\(otherVillage.id)", as: "cadre").status == .notFound)
    }

    @Test func nestedReads_needTheParentInScope_andListOnlyTheScope() throws {
        let harness = ScopedHarness.shared
        let store = harness.store
        #expect(harness.get("/towns/town-sidu/villages", as: "town-staff").status == .notFound)
        let (villages, _) = try harness.walk("/towns/town-gaoping/villages", as: "town-staff")
        #expect(villages == harness.expected(.villages, for: "town-staff"))
        // A district leader serving grids in several towns: the town's staff see its work in their town.
        let region = Region.towns(["town-gaoping"])
        let leader = try #require(
            store.all(.cadres).first { cadre in
                let towns = Set(
                    cadre[CadreField.gridIds].list.compactMap { store.record(.grids, id: $0)?[GridField.townId].string }
                )
                return towns.contains("town-gaoping") && towns.count > 1
            })
        let expected = Recount.records(.assistanceRecords, in: region, of: store).filter {
            $0[AssistanceField.cadreId].string == leader.id
        }.map(\.id)
        let everywhere = store.all(.assistanceRecords).filter { $0[AssistanceField.cadreId].string == leader.id }
        #expect(expected.count < everywhere.count)
        let (work, total) = try harness.walk("/cadres/\(leader.id)/assistance-records", as: "town-staff")
        #expect(work == expected)
        #expect(total == expected.count)
        // A grid cadre: their grid's records, and no other grid at all.
        let grid = harness.cadreGrids[0]
        let (records, _) = try harness.walk("/grids/\(grid)/assistance-records", as: "cadre")
        #expect(records == store.all(.assistanceRecords).filter { $0[AssistanceField.gridId].string == grid }.map(\.id))
        let other = try #require(store.all(.grids).first { !harness.cadreGrids.contains($0.id) })
        #expect(harness.get("/grids/\(other.id)/assistance-records", as: "cadre").status == .notFound)
    }

    @Test func csv_holdsTheScopesRows_only() throws {
        let harness = ScopedHarness.shared
        for principal in ["cadre", "town-staff"] {
            let response = harness.get("/assistance-records?format=csv", as: principal)
            let stream = try #require(response.stream)
            var bytes: [UInt8] = []
            pulling: for _ in 0..<10_000 {
                switch stream.next(wake: StreamWaker {}) {
                case .bytes(let piece): bytes += piece
                case .end, .wait: break pulling
                }
            }
            let ids = String(decoding: bytes, as: UTF8.self).split(separator: "\r\n").dropFirst()
                .compactMap { line in line.hasPrefix("record-") ? String(line.prefix { $0 != "," }) : nil }
            #expect(ids == harness.expected(.assistanceRecords, for: principal), "\(principal)")
        }
    }

    @Test(arguments: principals)
    func stats_overTheScope_equalARecount(_ principal: String) throws {
        let harness = ScopedHarness.shared
        let region = harness.regions[principal]!
        let stats = try harness.json("/stats", as: principal)
        #expect(stats["scope"] == (try JSONParser.parse(region.json)))
        let (live, byTown) = Recount.stats(of: harness.store, in: region)
        for figure in Figure.all {
            var value: JSONValue? = stats
            for part in figure.key.split(separator: ".") { value = value?[String(part)] }
            if region.isDistrict {
                #expect(value?.number == (figure.reportOnly ? figure.reported : live[figure.key]), "\(figure.key)")
            } else if figure.reportOnly || StatsSnapshot.districtWide.contains(figure.key) {
                #expect(value == .null, "\(principal) \(figure.key) is the district's, not the scope's")
            } else {
                #expect(value?.number == live[figure.key], "\(principal) \(figure.key)")
            }
        }
        let rows = try #require(stats["byTown"]?.items)
        #expect(rows.map { $0["townId"]?.text ?? "?" } == byTown.map(\.townId))
        for (row, town) in zip(rows, byTown) {
            let expected = [
                "grids": town.grids, "cadres": town.cadres, "visits": town.visits, "fundsYuan": town.fundsYuan,
                "projects": town.projects, "investmentYuan": town.investmentYuan,
            ]
            for (key, value) in expected { #expect(row[key]?.number == value, "\(principal) \(town.townId) \(key)") }
        }
    }

    @Test func stats_tagsDifferBetweenScopes_andVaryOnAuthorization() throws {
        let harness = ScopedHarness.shared
        var tags: [String: String] = [:]
        for principal in ["district-staff", "town-staff", "two-towns", "cadre", "grid-viewer"] {
            let response = harness.get("/stats", as: principal)
            tags[principal] = response.headerFields[.eTag]
            #expect(response.headerFields[values: .vary].joined(separator: ",").contains("Authorization"))
        }
        #expect(Set(tags.values).count == 5, "\(tags)")
        // The same scope is the same body, whoever asks.
        let viewer = harness.get("/stats", as: "town-viewer")
        #expect(viewer.headerFields[.eTag] == tags["town-staff"])
        #expect(viewer.body == harness.get("/stats", as: "town-staff").body)
        // Another scope's tag does not validate this scope's figures.
        let districtTag = try #require(tags["district-staff"])
        #expect(harness.get("/stats", as: "town-staff", [.ifNoneMatch: districtTag]).status == .ok)
        let ownTag = try #require(tags["town-staff"])
        #expect(harness.get("/stats", as: "town-staff", [.ifNoneMatch: ownTag]).status == .notModified)
        // Lists vary too.
        let list = harness.get("/towns", as: "town-staff")
        #expect(list.headerFields[values: .vary].joined(separator: ",").contains("Authorization"))
    }

    @Test func report_marksTheDistrictsFigures_notApplicable_forAPart() throws {
        let harness = ScopedHarness.shared
        let rows = try #require(try harness.json("/stats/report", as: "town-staff").items)
        let town = harness.store.stats(in: .towns(["town-gaoping"]))
        #expect(rows.count == Figure.all.count)
        for (row, figure) in zip(rows, Figure.all) {
            let districtWide = figure.reportOnly || StatsSnapshot.districtWide.contains(figure.key)
            #expect(row["applicable"] == .bool(!districtWide), "\(figure.key)")
            #expect(row["live"] == (districtWide ? .null : .int(town.live[figure.key] ?? 0)), "\(figure.key)")
            #expect(row["scope"]?["ids"] == .array([.string("town-gaoping")]))
        }
        let district = try #require(try harness.json("/stats/report", as: "district-staff").items)
        #expect(district.allSatisfy { $0["applicable"] == .bool(true) && $0["scope"]?["kind"] == .string("district") })
    }

    @Test func statsStream_firstEvent_isTheScopesBody() throws {
        let harness = ScopedHarness.shared
        let response = harness.get("/stats/stream", as: "cadre")
        let stream = try #require(response.stream)
        defer { stream.cancel() }
        guard case .bytes(let first) = stream.next(wake: StreamWaker {}) else {
            Issue.record("no first event")
            return
        }
        let lines = String(decoding: first, as: UTF8.self).split(separator: "\n")
        let data = try #require(lines.first { $0.hasPrefix("data: ") }?.dropFirst(6))
        let stats = harness.get("/stats", as: "cadre")
        #expect(Array(data.utf8) == stats.body)
        let id = try #require(lines.first { $0.hasPrefix("id: ") }?.dropFirst(4))
        #expect(stats.headerFields[.eTag] == "\"stats-\(id)\"")
        // A district event id does not stand for the cadre's figures: the first event comes anyway.
        let district = harness.get("/stats", as: "district-staff").headerFields[.eTag]!.dropFirst(7).dropLast()
        let resumed = harness.get("/stats/stream", as: "cadre", [StatsRoutes.lastEventID: String(district)])
        let again = try #require(resumed.stream)
        defer { again.cancel() }
        guard case .bytes(let event) = again.next(wake: StreamWaker {}) else {
            Issue.record("no event after another scope's id")
            return
        }
        #expect(String(decoding: event, as: UTF8.self).contains("event: stats"))
    }

    @Test func cursor_fromAnotherScope_is400() throws {
        let harness = ScopedHarness.shared
        let page = try harness.json("/assistance-records?limit=5", as: "town-staff")
        let next = try #require(page["next"]?.text)
        let target = "/assistance-records?limit=5&cursor=\(next)"
        #expect(harness.get(target, as: "town-staff").status == .ok)
        // The same scope continues it; another scope, smaller or larger, may not.
        #expect(harness.get(target, as: "town-viewer").status == .ok)
        for other in ["two-towns", "district-staff", "cadre"] {
            let refused = harness.get(target, as: other)
            #expect(refused.status == .badRequest, "\(other)")
            #expect(String(decoding: refused.body, as: UTF8.self).contains("scope"))
        }
    }

    @Test func timeline_isScoped() throws {
        let harness = ScopedHarness.shared
        func total(_ timeline: JSONValue) -> Int {
            (timeline["periods"]?.items ?? []).reduce(0) { sum, period in
                guard case .object(let counts)? = period["counts"] else { return sum }
                return sum + counts.reduce(0) { $0 + ($1.value.number ?? 0) }
            }
        }
        for principal in ["town-staff", "cadre", "two-towns"] {
            let timeline = try harness.json("/stats/timeline", as: principal)
            #expect(total(timeline) == harness.expected(.assistanceRecords, for: principal).count, "\(principal)")
            #expect(timeline["scope"] == (try JSONParser.parse(harness.regions[principal]!.json)))
        }
        // Another town is answered like one that does not exist.
        #expect(harness.get("/stats/timeline?townId=town-sidu", as: "town-staff").status == .badRequest)
        let own = try harness.json("/stats/timeline?townId=town-sidu", as: "two-towns")
        let district = try harness.json("/stats/timeline?townId=town-sidu", as: "district-staff")
        #expect(own["periods"] == district["periods"])
    }
}
