import GridworkStore
import HTTP1
import HTTPResponder
import HTTPTypes
import JSON
import Logging
import Testing

@testable import GridworkAPI

/// `/stats.cases`: its members, per town, and the rates written to three decimals.
struct StatsCasesTests {
    static let members = [
        "open", "overdue", "closed", "closedOnTime", "onTimeRate", "reworked", "reworkRate",
        "averageWorkingDaysToClose", "supervised", "void",
    ]

    /// The seed without its cases, served with the case clock at the seed's present: the tests
    /// count the cases they make.
    static func makeResponder() -> some Responder {
        GridworkAPI.makeResponder(
            store: Store(seed: SeedGenerator.generate().filter { $0.0 != .cases }),
            configuration: APIConfiguration(caseClock: .fixed(CalendarDate("2014-08-06")!)),
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    static func ratio(_ part: Int, _ whole: Int) -> String {
        var writer = JSONWriter()
        StatsEncoding.writeRatio(part, whole, to: &writer)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    static func keys(_ value: JSONValue?) -> [String] {
        if case .object(let members)? = value { return members.map(\.key) }
        return []
    }

    @discardableResult
    static func post(_ responder: some Responder, _ target: String, _ json: String) throws -> JSONValue {
        let response = responder.respond(to: .make(target, method: .post, json: json))
        let body = try JSONParser.parse(response.body)
        #expect([200, 201].contains(response.status.code), "\(target) \(json): \(body)")
        return body
    }

    /// Reports a `help` case in `grid` and returns its id.
    static func report(_ responder: some Responder, grid: String) throws -> String {
        let created = try post(
            responder, "/cases",
            #"{"category":"help","gridId":"\#(grid)","title":"路灯损坏","description":"村口路灯不亮","#
                + #""reportedBy":"cadre-0001","origin":"visit"}"#)
        return try #require(created["id"]?.text)
    }

    /// Carries a case to closure, failing its first check when `reworked`.
    static func close(_ responder: some Responder, _ id: String, reworked: Bool) throws {
        var actions = [
            #"{"action":"accept"}"#, #"{"action":"dispatch","assignee":"cadre-0002"}"#, #"{"action":"start"}"#,
            #"{"action":"submit"}"#,
        ]
        if reworked { actions += [#"{"action":"check","passed":false}"#, #"{"action":"submit"}"#] }
        actions += [#"{"action":"check","passed":true}"#, #"{"action":"close","outcome":"explained"}"#]
        for action in actions { try post(responder, "/cases/\(id)/actions", action) }
    }

    @Test func writeRatio_roundsHalfUp_toThreeDecimals_andIsNull_withoutAWhole() {
        #expect(Self.ratio(1, 3) == "0.333")
        #expect(Self.ratio(2, 3) == "0.667")
        #expect(Self.ratio(1, 16) == "0.063")
        #expect(Self.ratio(1, 2000) == "0.001")
        #expect(Self.ratio(1, 2001) == "0")
        #expect(Self.ratio(1, 8) == "0.125")
        #expect(Self.ratio(1, 2) == "0.5")
        #expect(Self.ratio(3, 3) == "1")
        #expect(Self.ratio(0, 4) == "0")
        #expect(Self.ratio(17, 5) == "3.4")
        #expect(Self.ratio(1, 0) == "null")
        #expect(Self.ratio(0, 0) == "null")
    }

    @Test func stats_cases_withNoneClosed_hasEveryMember_andNullRates() throws {
        let responder = Self.makeResponder()
        let id = try Self.report(responder, grid: "grid-0001")
        let cases = try JSONParser.parse(responder.respond(to: .make("/stats")).body)["cases"]
        #expect(Self.keys(cases) == Self.members + ["byTown"])
        #expect(cases?["open"] == .int(1))
        #expect(cases?["closed"] == .int(0))
        for rate in ["onTimeRate", "reworkRate", "averageWorkingDaysToClose"] {
            #expect(cases?[rate] == .null, "\(rate)")
        }
        let towns = try #require(cases?["byTown"]?.items)
        #expect(towns.count == 9)
        for town in towns { #expect(Self.keys(town) == ["townId", "name"] + Self.members) }
        let case1 = try JSONParser.parse(responder.respond(to: .make("/cases/\(id)")).body)
        let own = towns.first { $0["townId"] == case1["townId"] }
        #expect(own?["open"] == .int(1))
        #expect(own?["name"]?.text?.isEmpty == false)
        #expect(towns.compactMap { $0["open"]?.number }.reduce(0, +) == 1)
    }

    @Test func stats_cases_rates_areOverTheClosed_toThreeDecimals() throws {
        let responder = Self.makeResponder()
        let ids = try (0..<4).map { _ in try Self.report(responder, grid: "grid-0001") }
        try Self.close(responder, ids[0], reworked: true)
        try Self.close(responder, ids[1], reworked: false)
        try Self.close(responder, ids[2], reworked: false)
        let body = responder.respond(to: .make("/stats")).body
        let cases = try JSONParser.parse(body)["cases"]
        #expect(cases?["open"] == .int(1))
        #expect(cases?["closed"] == .int(3))
        #expect(cases?["closedOnTime"] == .int(3))
        #expect(cases?["onTimeRate"] == .int(1))
        #expect(cases?["reworked"] == .int(1))
        // One in three closed cases was reworked: 0.333…, written to three decimals.
        #expect(cases?["reworkRate"] == .double(0.333))
        #expect(String(decoding: body, as: UTF8.self).contains(#""reworkRate":0.333,"#))
        // Closed the day they were reported: no working day between.
        #expect(cases?["averageWorkingDaysToClose"] == .int(0))
        let town = cases?["byTown"]?.items?.first { $0["closed"] == .int(3) }
        #expect(town?["reworkRate"] == .double(0.333))
        #expect(town?["onTimeRate"] == .int(1))
    }

    @Test func openAPI_statsCases_names_exactlyTheServedMembers_withNullableRates() throws {
        let document = try OpenAPIDocumentTests.served(by: OpenAPIDocumentTests.makeRouter())
        let cases = OpenAPIDocumentTests.schema(document, "Stats")?["properties"]?["cases"]
        #expect(Self.keys(cases?["properties"]) == Self.members + ["byTown"])
        #expect(OpenAPIDocumentTests.strings(cases?["required"]) == Self.members + ["byTown"])
        #expect(cases?["additionalProperties"] == .bool(false))
        let town = cases?["properties"]?["byTown"]?["items"]
        #expect(Self.keys(town?["properties"]) == ["townId", "name"] + Self.members)
        #expect(town?["additionalProperties"] == .bool(false))
        for rate in ["onTimeRate", "reworkRate", "averageWorkingDaysToClose"] {
            #expect(cases?["properties"]?[rate]?["type"] == .array([.string("number"), .string("null")]), "\(rate)")
            #expect(town?["properties"]?[rate]?["type"] == .array([.string("number"), .string("null")]), "\(rate)")
        }
    }
}
