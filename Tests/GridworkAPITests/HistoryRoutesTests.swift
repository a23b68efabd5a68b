import GridworkStore
import HTTP1
import HTTPResponder
import HTTPTypes
import JSON
import Testing

@testable import GridworkAPI

/// `GET /{resource}/{id}/history`: every revision, whose merge patches rebuild the record as it
/// was after each write; deletions; paging; scope; what the budget dropped.
struct HistoryRoutesTests {
    /// `value` without its `null` members, recursively: what merge patches can say.
    static func withoutNulls(_ value: JSONValue) -> JSONValue {
        guard case .object(let members) = value else { return value }
        return .object(members.filter { $0.value != .null }.map { ($0.key, withoutNulls($0.value)) })
    }

    /// The revisions the entries' patches build, one after another from nothing.
    static func rebuilt(_ entries: [JSONValue]) -> [JSONValue?] {
        var current: JSONValue = .null
        return entries.map { entry in
            guard let patch = entry["patch"], patch != .null else {
                current = .null
                return nil
            }
            current = MergePatch.apply(patch, to: current)
            return withoutNulls(current)
        }
    }

    @Test func afterPutPatchAndDelete_thePatchesRebuildEveryRevision_andTheDeletionIsAnEntry() throws {
        let client = FeedClient()
        var states: [JSONValue] = []
        states.append(try client.json(.post, "/towns", body: #"{"name":"新蒲镇","kind":"town"}"#, status: .created))
        let id = try #require(states[0]["id"]?.text)
        states.append(try client.json(.patch, "/towns/\(id)", body: #"{"name":"新蒲街道"}"#))
        states.append(try client.json(.put, "/towns/\(id)", body: #"{"name":"新蒲街道","kind":"street"}"#))
        try client.json(.delete, "/towns/\(id)", status: .noContent)

        let history = try client.json(.get, "/towns/\(id)/history")
        let entries = try #require(history["data"]?.items)
        #expect(entries.compactMap { $0["revision"]?.number } == [1, 2, 3, 4])
        #expect(entries.map { $0["deleted"] } == [.bool(false), .bool(false), .bool(false), .bool(true)])
        #expect(entries.compactMap { $0["seq"]?.number } == [2, 3, 4, 5], "the store revisions that made them")
        #expect(entries.allSatisfy { $0["by"]?.text == "anonymous" && $0["at"]?.text?.isEmpty == false })
        #expect(Self.rebuilt(entries) == states.map(Self.withoutNulls) + [nil])
        #expect(entries[1]["patch"]?["name"] == .string("新蒲街道") && entries[1]["patch"]?["revision"] == .int(2))
        #expect(entries[1]["patch"]?["kind"] == nil, "a patch names only what changed")
        #expect(history["truncated"] == .bool(false) && history["next"] == .null)
        // A deleted record has no record any more, but its history stays.
        #expect(client.send(.get, "/towns/\(id)").status == .notFound)
    }

    @Test func aSeededRecord_beginsWithItsSeedRevision_atTheEpochsStart() throws {
        let client = FeedClient()
        let seeded = try client.json(.get, "/grids/grid-0001")
        let patched = try client.json(.patch, "/grids/grid-0001", body: #"{"households":4321}"#)
        let history = try client.json(.get, "/grids/grid-0001/history")
        let entries = try #require(history["data"]?.items)
        #expect(entries.compactMap { $0["seq"]?.number } == [1, 2])
        #expect(entries.first?["by"]?.text == "seed")
        #expect(Self.rebuilt(entries) == [seeded, patched].map(Self.withoutNulls))
        #expect(history["truncated"] == .bool(false))

        let untouched = try client.json(.get, "/grids/grid-0002/history")
        #expect(untouched["data"]?.items?.count == 1 && untouched["data"]?.items?.first?["seq"]?.number == 1)
        #expect(client.send(.get, "/grids/no-such-grid/history").status == .notFound)
    }

    @Test func pages_followTheCursor_andACursorOfAnotherRecord_is400() throws {
        let client = FeedClient()
        for households in 1...6 {
            try client.json(.patch, "/grids/grid-0001", body: #"{"households":\#(households)}"#)
        }
        let whole = try #require(try client.json(.get, "/grids/grid-0001/history?limit=500")["data"]?.items)
        #expect(whole.count == 7)
        var paged: [JSONValue] = []
        var target = "/grids/grid-0001/history?limit=3"
        var cursor: String?
        while true {
            let response = client.send(.get, target)
            let page = try JSONParser.parse(response.body)
            paged += page["data"]?.items ?? []
            guard let next = page["next"]?.text else { break }
            #expect(
                response.headerFields[RecordETag.link]
                    == "</grids/grid-0001/history?limit=3&cursor=\(next)>; rel=\"next\"")
            cursor = next
            target = "/grids/grid-0001/history?limit=3&cursor=\(next)"
        }
        #expect(paged == whole, "a page's first patch is from the revision before it")
        let other = try #require(cursor)
        #expect(client.send(.get, "/grids/grid-0002/history?cursor=\(other)").status == .badRequest)
        #expect(client.send(.get, "/grids/grid-0001/history?sort=id").status == .badRequest)
        _ = client.store.reset(to: Store.Contents(seed: FeedClient.seed), epoch: "0badcafe") {}
        #expect(client.send(.get, "/grids/grid-0001/history?cursor=\(other)").status == .gone)
    }

    @Test func outsideTheScope_theHistoryIs404_forADeletedRecordToo() throws {
        let client = FeedClient(principals: [
            Principal(id: "admin", name: "ops", role: .admin),
            Principal(id: "gaoping-staff", name: "高坪镇组织办", role: .town, towns: ["town-gaoping"]),
        ])
        let mineID = try client.village("高坪新村", in: "town-gaoping", as: "admin")
        let theirsID = try client.village("泗渡新村", in: "town-sidu", as: "admin")
        #expect(client.send(.get, "/villages/\(mineID)/history", as: "gaoping-staff").status == .ok)
        #expect(client.send(.get, "/villages/\(theirsID)/history", as: "gaoping-staff").status == .notFound)
        for id in [mineID, theirsID] { try client.json(.delete, "/villages/\(id)", as: "admin", status: .noContent) }
        let deleted = try client.json(.get, "/villages/\(mineID)/history", as: "gaoping-staff")
        #expect(deleted["data"]?.items?.last?["deleted"] == .bool(true))
        #expect(client.send(.get, "/villages/\(theirsID)/history", as: "gaoping-staff").status == .notFound)
        #expect(client.send(.get, "/villages/\(theirsID)/history", as: "admin").status == .ok)
    }

    @Test func whenTheBudgetDroppedOlderRevisions_theHistorySaysSo() throws {
        let client = FeedClient(store: Store(seed: FeedClient.seed, historyBudget: 16 * 1024))
        for households in 1...40 {
            try client.json(.patch, "/grids/grid-0001", body: #"{"households":\#(households)}"#)
        }
        let history = try client.json(.get, "/grids/grid-0001/history?limit=500")
        let entries = try #require(history["data"]?.items)
        #expect(history["truncated"] == .bool(true))
        #expect(entries.first?["seq"] == .null, "the oldest image kept; the change that made it is not")
        #expect(entries.last?["revision"]?.number == 41)
        #expect(entries.count < 41)
        let earliest = try #require(history["earliestSeq"]?.number)
        #expect(entries.dropFirst().first?["seq"]?.number == earliest)
    }
}
