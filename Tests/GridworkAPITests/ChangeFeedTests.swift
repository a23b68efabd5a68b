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

/// A client of the API in-process, for the change feed and history tests.
struct FeedClient {
    /// The report's records, generated once.
    static let seed = SeedGenerator.generate()

    let store: Store
    let responder: any Responder

    /// A responder over `store` (a fresh copy of the seed by default); `principals` known by
    /// their ids as tokens.
    init(store: Store = Store(seed: Self.seed), principals: [Principal] = []) {
        self.store = store
        let hashed = principals.map(\.withItsIDAsToken)
        responder = makeResponder(
            store: store,
            configuration: APIConfiguration(
                access: AccessPolicy(
                    principals: hashed.isEmpty ? nil : PrincipalDirectory(hashed, digest: TokenDigest.sha256Hex))),
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    /// `method target` as `principal` (its id is its token), with `json` as the body.
    func send(
        _ method: HTTPRequest.Method, _ target: String, as principal: String? = nil, json: String? = nil,
        fields: HTTPFields = [:]
    ) -> Response {
        var fields = fields
        if let principal { fields[.authorization] = "Bearer \(principal)" }
        if method == .patch { fields[.contentType] = "application/merge-patch+json" }
        var request = Request.make(target, method: method, fields: fields, json: json)
        if method == .patch { request.head.headerFields[.contentType] = "application/merge-patch+json" }
        return responder.respond(to: request)
    }

    /// The JSON body of a request that must answer `status`.
    @discardableResult
    func json(
        _ method: HTTPRequest.Method = .get, _ target: String, as principal: String? = nil, body: String? = nil,
        status: HTTPResponse.Status = .ok, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> JSONValue {
        let response = send(method, target, as: principal, json: body)
        let text = String(decoding: response.body, as: UTF8.self)
        #expect(response.status == status, "\(method) \(target): \(text.prefix(300))", sourceLocation: sourceLocation)
        return response.body.isEmpty ? .null : try JSONParser.parse(response.body)
    }

    /// Creates a village named `name` in `town` as `principal`; returns its id.
    func village(
        _ name: String, in town: String, as principal: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> String {
        let body = #"{"name":"\#(name)","kind":"village","townId":"\#(town)"}"#
        let made = try json(
            .post, "/villages", as: principal, body: body, status: .created, sourceLocation: sourceLocation)
        return try #require(made["id"]?.text, sourceLocation: sourceLocation)
    }

    /// Every change of the feed after `after`, page by page through `next` (`limit` a page).
    func feed(after: Int = 0, limit: Int = 7, as principal: String? = nil) throws -> (
        changes: [JSONValue], last: JSONValue
    ) {
        var changes: [JSONValue] = []
        var page = try json(.get, "/changes?after=\(after)&limit=\(limit)", as: principal)
        while true {
            changes += page["data"]?.items ?? []
            guard let next = page["next"]?.text else { return (changes, page) }
            page = try json(.get, "/changes?cursor=\(next)&limit=\(limit)", as: principal)
        }
    }
}

struct ChangeFeedTests {
    static let visit =
        #"{"type":"visit","date":"2014-08-05","cadreId":"cadre-0001","gridId":"grid-0001","summary":"走访"}"#

    /// Creates, a PUT, PATCHes (one that changes nothing), a cascading delete and a plain one.
    static func writeEverything(_ client: FeedClient) throws {
        let town = try client.json(.post, "/towns", body: #"{"name":"新蒲镇","kind":"town"}"#, status: .created)
        let townID = try #require(town["id"]?.text)
        let village = try client.json(
            .post, "/villages", body: #"{"name":"新村","kind":"village","townId":"\#(townID)"}"#, status: .created)
        let villageID = try #require(village["id"]?.text)
        try client.json(
            .put, "/villages/\(villageID)", body: #"{"name":"新蒲村","kind":"community","townId":"\#(townID)"}"#)
        try client.json(.patch, "/grids/grid-0001", body: #"{"households":4321}"#)
        try client.json(.patch, "/grids/grid-0001", body: "{}")
        let visit = try client.json(.post, "/assistance-records", body: Self.visit, status: .created)
        try client.json(.delete, "/assistance-records/\(try #require(visit["id"]?.text))", status: .noContent)
        // A town with villages, grids, cadres and their work: one change removing and clearing many.
        try client.json(.delete, "/towns/town-gaoping?cascade=true", status: .noContent)
    }

    @Test func aConsumerReplayingTheFeedFromZero_ontoTheSeed_reachesTheServersStateExactly() throws {
        let client = FeedClient()
        try Self.writeEverything(client)
        let (changes, last) = try client.feed()

        let seqs = changes.compactMap { $0["seq"]?.number }
        #expect(seqs == Array(2...client.store.revision), "every change once, in order, none for the empty PATCH")
        #expect(last["lastSeq"]?.number == client.store.revision)
        #expect(last["truncated"] == .bool(false))
        let cascade = try #require(changes.last)
        #expect((cascade["removes"]?.items?.count ?? 0) > 10 && (cascade["puts"]?.items?.count ?? 0) > 0)

        var consumer = FeedConsumer(seed: FeedClient.seed)
        for change in changes { consumer.apply(change) }
        let expected = FeedConsumer.state(of: client.store)
        #expect(consumer.records.mapValues(\.count) == expected.mapValues(\.count))
        #expect(consumer.differences(from: expected).isEmpty, "\(consumer.differences(from: expected))")
    }

    @Test func pages_linkToTheNext_andAfterTheLastSeq_thereIsNothing() throws {
        let client = FeedClient()
        try Self.writeEverything(client)
        let first = client.send(.get, "/changes?limit=2")
        let page = try JSONParser.parse(first.body)
        #expect(page["data"]?.items?.count == 2)
        let next = try #require(page["next"]?.text)
        #expect(first.headerFields[RecordETag.link] == "</changes?limit=2&cursor=\(next)>; rel=\"next\"")
        #expect(first.headerFields[.vary]?.contains("Accept") == true)
        let second = try client.json(.get, "/changes?limit=2&cursor=\(next)")
        #expect(second["data"]?.items?.first?["seq"]?.number == 4)

        let end = try client.json(.get, "/changes?after=\(client.store.revision)")
        #expect(end["data"]?.items?.isEmpty == true && end["next"] == .null)
        #expect(end["lastSeq"]?.number == client.store.revision)
        #expect(end["epoch"]?.text == client.store.epoch)
    }

    @Test func badPositionsAndParameters_are400() throws {
        let client = FeedClient()
        for target in [
            "/changes?after=-1", "/changes?after=x", "/changes?limit=0", "/changes?limit=501", "/changes?nope=1",
            "/changes?cursor=abc", "/changes?epoch=XYZ",
            "/changes?cursor=\(ChangeFeed.cursor(epoch: "00000000", seq: 1))&after=1",
        ] {
            #expect(client.send(.get, target).status == .badRequest, "\(target)")
        }
        var fields: HTTPFields = [.accept: "text/event-stream"]
        #expect(client.send(.get, "/changes?limit=5", fields: fields).status == .badRequest, "no limit on a stream")
        fields[StatsRoutes.lastEventID] = "not-an-id"
        #expect(client.send(.get, "/changes", fields: fields).status == .badRequest)
    }

    @Test func aPositionInAnotherEpoch_isGone_afterAReset() throws {
        let client = FeedClient()
        try client.json(.patch, "/grids/grid-0001", body: #"{"households":1}"#)
        let page = try client.json(.get, "/changes?after=0&limit=1")
        let epoch = try #require(page["epoch"]?.text)
        let cursor = ChangeFeed.cursor(epoch: epoch, seq: 1)
        #expect(client.send(.get, "/changes?cursor=\(cursor)").status == .ok)
        #expect(client.send(.get, "/changes?after=1&epoch=\(epoch)").status == .ok)

        _ = client.store.reset(to: Store.Contents(seed: FeedClient.seed), epoch: "0badcafe") {}
        #expect(client.send(.get, "/changes?cursor=\(cursor)").status == .gone)
        #expect(client.send(.get, "/changes?after=1&epoch=\(epoch)").status == .gone)
        let fresh = try client.json(.get, "/changes")
        #expect(fresh["epoch"]?.text == "0badcafe")
        #expect(fresh["data"]?.items?.isEmpty == true && fresh["truncated"] == .bool(false))
        #expect(fresh["earliestSeq"]?.number == client.store.revision + 1)
    }

    @Test func whenTheBudgetDroppedChanges_thePageSaysSo_andBeginsAtTheEarliestKept() throws {
        let client = FeedClient(store: Store(seed: FeedClient.seed, historyBudget: 16 * 1024))
        for households in 1...40 {
            try client.json(.patch, "/grids/grid-0001", body: #"{"households":\#(households)}"#)
        }
        let page = try client.json(.get, "/changes?after=0&limit=500")
        #expect(page["truncated"] == .bool(true))
        let earliest = try #require(page["earliestSeq"]?.number)
        #expect(earliest > 2)
        #expect(page["data"]?.items?.first?["seq"]?.number == earliest)
        #expect(page["data"]?.items?.last?["seq"]?.number == 41)
        let later = try client.json(.get, "/changes?after=\(earliest)")
        #expect(later["truncated"] == .bool(false), "nothing after a kept seq was dropped")
    }

    /// Two towns' staff and a district viewer read one feed: each sees its town's records, and a
    /// removal where the record was.
    @Test func eachPrincipal_seesTheChangesOfItsScope_removalsByWhereTheRecordWas() throws {
        let client = FeedClient(principals: [
            Principal(id: "admin", name: "ops", role: .admin),
            Principal(id: "gaoping-staff", name: "高坪镇组织办", role: .town, towns: ["town-gaoping"]),
            Principal(id: "sidu-staff", name: "泗渡镇组织办", role: .town, towns: ["town-sidu"]),
            Principal(id: "viewer", name: "观察员", role: .viewer),
        ])
        let gaopingID = try client.village("高坪新村", in: "town-gaoping", as: "admin")
        let siduID = try client.village("泗渡新村", in: "town-sidu", as: "admin")
        try client.json(.delete, "/villages/\(gaopingID)", as: "admin", status: .noContent)
        try client.json(.delete, "/villages/\(siduID)", as: "admin", status: .noContent)

        func seen(_ principal: String) throws -> [String] {
            try client.feed(as: principal).changes.map { change in
                let puts = (change["puts"]?.items ?? []).compactMap { $0["record"]?["name"]?.text }
                let removes = (change["removes"]?.items ?? []).compactMap { $0["id"]?.text }
                return (puts.map { "put \($0)" } + removes.map { "remove \($0)" }).joined(separator: ",")
            }
        }
        #expect(try seen("gaoping-staff") == ["put 高坪新村", "remove \(gaopingID)"])
        #expect(try seen("sidu-staff") == ["put 泗渡新村", "remove \(siduID)"])
        #expect(try seen("viewer").count == 4, "a viewer without towns reads the district")
        // The pages of a scoped reader still end where the feed does.
        #expect(try client.feed(as: "gaoping-staff").last["lastSeq"]?.number == client.store.revision)
    }
}
