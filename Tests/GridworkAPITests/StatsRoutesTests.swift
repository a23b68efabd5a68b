import GridworkAPI
import GridworkStore
import HTTP1
import HTTPResponder
import HTTPTypes
import JSON
import Logging
import Testing

/// The API as the server runs it, called in-process; responses are counted as the server counts them.
struct APIHarness {
    static let shared = APIHarness()
    let store: Store
    let responder: any Responder
    let metrics: MetricsCollector

    init(store: Store = SeedGenerator.makeStore()) {
        self.store = store
        let metrics = MetricsCollector()
        self.metrics = metrics
        self.responder = CountingResponder(
            inner: makeResponder(
                store: store, configuration: APIConfiguration(metrics: metrics),
                logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })),
            metrics: metrics)
    }

    func get(_ target: String, _ fields: HTTPFields = [:]) -> Response {
        responder.respond(to: .make(target, fields: fields))
    }

    func json(_ target: String) throws -> JSONValue {
        try JSONParser.parse(get(target).body)
    }
}

struct StatsRoutesTests {
    @Test func stats_shows_everyFigure_nestedByKey() throws {
        let harness = APIHarness.shared
        let stats = try harness.json("/stats")
        for figure in Figure.all {
            var value: JSONValue? = stats
            for part in figure.key.split(separator: ".") { value = value?[String(part)] }
            #expect(value == .int(figure.reported), "\(figure.key)")
        }
        #expect(stats["revision"] == .int(harness.store.revision))
        guard case .object(let members) = stats else {
            Issue.record("expected an object")
            return
        }
        // The body names the history it belongs to first, then its place in it.
        #expect(members.prefix(2).map(\.key) == ["epoch", "revision"])
        #expect(stats["epoch"] == .string(harness.store.epoch))
        guard case .array(let towns)? = stats["byTown"] else {
            Issue.record("byTown missing")
            return
        }
        #expect(towns.count == 9)
        let names = Set(
            towns.compactMap { town -> String? in
                if case .string(let name)? = town["name"] { return name }
                return nil
            })
        #expect(names.contains("董公寺镇") && names.contains("大连路街道"))
    }

    @Test func stats_has_strongETag_and304() {
        let harness = APIHarness.shared
        let first = harness.get("/stats")
        #expect(first.status == .ok)
        #expect(first.headerFields[.cacheControl] == "no-cache")
        let epoch = harness.store.epoch
        #expect(epoch.utf8.count == 8 && epoch.allSatisfy(\.isHexDigit), "epoch: \(epoch)")
        let etag = first.headerFields[.eTag]
        #expect(etag == "\"stats-\(epoch)-\(harness.store.revision)\"")
        let again = harness.get("/stats", [.ifNoneMatch: etag!])
        #expect(again.status == .notModified)
        #expect(again.body.isEmpty)
        #expect(again.headerFields[.eTag] == etag)
        #expect(harness.get("/stats", [.ifNoneMatch: "\"stats-\(epoch)-0\""]).status == .ok)
        // The revision alone, without the epoch, names no state of this store.
        #expect(harness.get("/stats", [.ifNoneMatch: "\"stats-\(harness.store.revision)\""]).status == .ok)
    }

    @Test func stats_serves_cachedGzip_whenAccepted() throws {
        let harness = APIHarness.shared
        let plain = harness.get("/stats")
        let gzip = harness.get("/stats", [.acceptEncoding: "gzip"])
        #expect(gzip.headerFields[.contentEncoding] == "gzip")
        #expect(gzip.headerFields[.vary] == "Accept-Encoding")
        #expect(gzip.headerFields[.eTag] != plain.headerFields[.eTag])
        #expect(gzip.headerFields[.eTag] == "\"stats-\(harness.store.epoch)-\(harness.store.revision)-gzip\"")
        #expect(Gzip.decompress(gzip.body) == plain.body)
        // A client holding the gzip tag revalidates just the same.
        #expect(harness.get("/stats", [.ifNoneMatch: gzip.headerFields[.eTag]!]).status == .notModified)
    }

    @Test func stats_changes_onTheNextRequest_afterAWrite() throws {
        let harness = APIHarness()
        let before = try harness.json("/stats")
        let etag = harness.get("/stats").headerFields[.eTag]!
        try harness.store.insert(
            .assistanceRecords,
            values: [
                .string("funding"), .string("2014-08-01"), .string("cadre-0001"), .string("grid-0001"), .string("王明"),
                .int(5_000), .string("帮扶"),
            ],
            source: .api,
            at: "2026-11-26T00:00:00Z"
        )
        let after = try harness.json("/stats")
        #expect(after["gridService"]?["fundsYuan"] == .int(3_605_000))
        #expect(before["gridService"]?["fundsYuan"] == .int(3_600_000))
        #expect(harness.get("/stats", [.ifNoneMatch: etag]).status == .ok)
        #expect(after["revision"] == before["revision"]?.number.map { .int($0 + 1) })
        #expect(
            harness.get("/stats").headerFields[.eTag] == "\"stats-\(harness.store.epoch)-\(harness.store.revision)\"")
    }

    @Test func report_lists_49Figures_everyOneLive() throws {
        guard case .array(let rows) = try APIHarness.shared.json("/stats/report") else {
            Issue.record("expected an array")
            return
        }
        #expect(rows.count == 49)
        let nulls = rows.filter { $0["live"] == .null }.compactMap { row -> String? in
            if case .string(let id)? = row["id"] { return id }
            return nil
        }
        #expect(nulls == [], "every figure is backed by records")
        for row in rows where row["live"] != .null {
            #expect(row["live"] == row["reported"])
        }
        #expect(rows.first?["quote"] == .string("33名区级领导联系到镇(街)网格"))
    }

    @Test func stats_rejects_queryParameters() {
        #expect(APIHarness.shared.get("/stats?x=1").status == .badRequest)
    }
}

struct ResourceListTests {
    @Test(arguments: ResourceKind.allCases)
    func list_pages_throughEveryRecord_once(_ kind: ResourceKind) throws {
        let harness = APIHarness.shared
        var seen: [String] = []
        var target = "/\(kind.rawValue)?limit=500"
        while true {
            let response = harness.get(target)
            #expect(response.status == .ok)
            let page = try JSONParser.parse(response.body)
            guard case .array(let data)? = page["data"], case .int(let total)? = page["total"] else {
                Issue.record("bad page")
                return
            }
            #expect(total == harness.store.count(kind))
            for record in data { if case .string(let id)? = record["id"] { seen.append(id) } }
            guard case .string(let next)? = page["next"] else { break }
            #expect(response.headerFields[HTTPField.Name("Link")!]?.contains("rel=\"next\"") == true)
            target = "/\(kind.rawValue)?limit=500&cursor=\(next)"
        }
        #expect(seen.count == harness.store.count(kind))
        #expect(Set(seen).count == seen.count)
    }

    @Test func get_returns_aRecord_withETag() throws {
        let harness = APIHarness.shared
        let response = harness.get("/projects/project-zhou-orchard")
        let etag = "\"\(harness.store.epoch)-1\""
        #expect(response.status == .ok)
        #expect(response.headerFields[.eTag] == etag)
        let record = try JSONParser.parse(response.body)
        #expect(record["leaderName"] == .string("周必康"))
        #expect(record["source"] == .string("report"))
        #expect(harness.get("/projects/project-zhou-orchard", [.ifNoneMatch: etag]).status == .notModified)
        // The revision alone, without the store's epoch, names no state of this store.
        #expect(harness.get("/projects/project-zhou-orchard", [.ifNoneMatch: "\"1\""]).status == .ok)
    }

    @Test func list_rejects_unknownParameters_andBadLimits() {
        let harness = APIHarness.shared
        #expect(harness.get("/grids?colour=red").status == .badRequest)
        #expect(harness.get("/grids?limit=0").status == .badRequest)
        #expect(harness.get("/grids?limit=501").status == .badRequest)
        #expect(harness.get("/grids?cursor=nonsense!").status == .badRequest)
        #expect(harness.get("/grids/grid-nope").status == .notFound)
    }
}
