import HTTP1
import HTTPResponder
import HTTPTypes
import JSON
import Logging
import Synchronization
import Testing
import TokenDigest

@testable import GridworkAPI
@testable import GridworkStore

/// A case clock turned by hand: the day stays put until a test moves it.
final class HandTurnedDay: Sendable {
    private let day: Mutex<CalendarDate>

    init(_ text: String) {
        day = Mutex(CalendarDate(text)!)
    }

    var today: CalendarDate { day.withLock { $0 } }

    func set(_ text: String) {
        day.withLock { $0 = CalendarDate(text)! }
    }

    func advance(days: Int) {
        day.withLock { $0 = CalendarDate(dayNumber: $0.dayNumber + days) }
    }

    var clock: CaseClock { CaseClock { [self] in today } }
}

/// Two towns, each with a village, a unit grid and cadres, and the principals who work cases in
/// them, over a store of their own; the case clock is turned by hand. Principal ids are their tokens.
///
/// - `ops` (admin), `district` (district staff), `xinpu` and `gaoping` (town staff of one town each),
/// - `cadre-a` (grid cadre of Xinpu's grid, who reports the cases), `cadre-b` (another cadre of that
///   grid, whom cases are dispatched to), `cadre-c` (a cadre of Gaoping's grid), `viewer`.
final class CaseDesk: Sendable {
    let store = Store()
    let day: HandTurnedDay
    let responder: any Responder
    let towns: [String]
    let grids: [String]
    let villages: [String]
    /// The cadres behind `cadre-a`, `cadre-b` and `cadre-c`.
    let cadreA: String
    let cadreB: String
    let cadreC: String

    static let silent = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
    static let key = HTTPField.Name("Idempotency-Key")!

    init(today: String = "2014-08-06") throws {
        day = HandTurnedDay(today)
        let open = makeResponder(store: store, logger: Self.silent)
        func create(_ path: String, _ json: String) throws -> String {
            let response = open.respond(to: .make(path, method: .post, json: json))
            try #require(response.status == .created, "\(String(decoding: response.body, as: UTF8.self))")
            return try #require(try JSONParser.parse(response.body)["id"]?.text)
        }
        var towns: [String] = []
        var villages: [String] = []
        var grids: [String] = []
        var cadres: [String] = []
        for (town, village) in [("新蒲镇", "新蒲村"), ("高坪镇", "高坪村")] {
            let townID = try create("/towns", #"{"name":"\#(town)","kind":"town"}"#)
            let villageID = try create("/villages", #"{"name":"\#(village)","kind":"village","townId":"\#(townID)"}"#)
            let gridID = try create(
                "/grids",
                #"{"name":"\#(village)网格","level":"unit","townId":"\#(townID)","villageId":"\#(villageID)","households":120}"#
            )
            for name in ["甲", "乙"] {
                cadres.append(
                    try create(
                        "/cadres",
                        #"{"name":"\#(town)干部\#(name)","level":"general","unit":"organ","gridIds":["\#(gridID)"]}"#))
            }
            towns.append(townID)
            villages.append(villageID)
            grids.append(gridID)
        }
        self.towns = towns
        self.villages = villages
        self.grids = grids
        cadreA = cadres[0]
        cadreB = cadres[1]
        cadreC = cadres[2]
        let principals = [
            Principal(id: "ops", name: "运维", role: .admin),
            Principal(id: "district", name: "区委组织部", role: .district),
            Principal(id: "xinpu", name: "新蒲镇组织办", role: .town, towns: [towns[0]]),
            Principal(id: "gaoping", name: "高坪镇组织办", role: .town, towns: [towns[1]]),
            Principal(id: "cadre-a", name: "网格员甲", role: .grid, grids: [grids[0]], cadreId: cadres[0]),
            Principal(id: "cadre-b", name: "网格员乙", role: .grid, grids: [grids[0]], cadreId: cadres[1]),
            Principal(id: "cadre-c", name: "网格员丙", role: .grid, grids: [grids[1]], cadreId: cadres[2]),
            Principal(id: "viewer", name: "观察员", role: .viewer),
        ].map(\.withItsIDAsToken)
        responder = makeResponder(
            store: store,
            configuration: APIConfiguration(
                access: AccessPolicy(principals: PrincipalDirectory(principals, digest: TokenDigest.sha256Hex)),
                caseClock: day.clock),
            logger: Self.silent)
    }

    /// `method target` as `principal`, with `json` as the body (a merge patch for PATCH).
    func send(
        _ method: HTTPRequest.Method, _ target: String, as principal: String = "ops", json: String? = nil,
        fields: HTTPFields = [:]
    ) -> Response {
        var fields = fields
        fields[.authorization] = "Bearer \(principal)"
        var request = Request.make(target, method: method, fields: fields, json: json)
        if method == .patch { request.head.headerFields[.contentType] = "application/merge-patch+json" }
        return responder.respond(to: request)
    }

    /// The JSON body of a request that must answer `status`.
    @discardableResult
    func json(
        _ method: HTTPRequest.Method = .get, _ target: String, as principal: String = "ops", body: String? = nil,
        status: HTTPResponse.Status = .ok, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> JSONValue {
        let response = send(method, target, as: principal, json: body)
        let text = String(decoding: response.body, as: UTF8.self)
        #expect(response.status == status, "\(method) \(target): \(text.prefix(400))", sourceLocation: sourceLocation)
        return response.body.isEmpty ? .null : try JSONParser.parse(response.body)
    }

    /// The body of a case `cadre-a` reports in Xinpu's grid, with `extra` members appended.
    func caseBody(category: String = "help", reportedOn: String? = nil, extra: String = "") -> String {
        let reported = reportedOn.map { #","reportedOn":"\#($0)""# } ?? ""
        return #"{"category":"\#(category)","gridId":"\#(grids[0])","title":"村口路灯不亮","description":"#
            + #""三盏路灯坏了一个月","householdName":"王家","reportedBy":"\#(cadreA)","origin":"visit"\#(reported)\#(extra)}"#
    }

    /// Reports a case (as `ops` by default) and returns it.
    @discardableResult
    func report(
        category: String = "help", reportedOn: String? = nil, as principal: String = "ops",
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> JSONValue {
        try json(
            .post, "/cases", as: principal, body: caseBody(category: category, reportedOn: reportedOn),
            status: .created, sourceLocation: sourceLocation)
    }

    /// `POST /cases/{id}/actions` with `{"action":…}` and `members` (JSON text, without braces).
    func act(
        _ id: String, _ action: String, _ members: String = "", as principal: String = "ops", fields: HTTPFields = [:]
    ) -> Response {
        let body = #"{"action":"\#(action)"\#(members.isEmpty ? "" : ",")\#(members)}"#
        return send(.post, "/cases/\(id)/actions", as: principal, json: body, fields: fields)
    }

    /// Takes a step that must succeed; returns the case after it.
    @discardableResult
    func step(
        _ id: String, _ action: String, _ members: String = "", as principal: String = "ops",
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> JSONValue {
        let response = act(id, action, members, as: principal)
        try #require(
            response.status == .ok, "\(action) as \(principal): \(String(decoding: response.body, as: UTF8.self))",
            sourceLocation: sourceLocation)
        return try JSONParser.parse(response.body)
    }

    /// The steps of a case's flow.
    static func flow(_ record: JSONValue) -> [JSONValue] {
        record["flow"]?.items ?? []
    }
}

extension Principal {
    /// The principal whose token is its id.
    var withItsIDAsToken: Principal {
        var principal = self
        principal.tokenSha256 = TokenDigest.sha256Hex(Array(id.utf8))
        return principal
    }
}

extension Response {
    /// The body as JSON (`null` when empty or not JSON).
    var json: JSONValue {
        (try? JSONParser.parse(body)) ?? .null
    }

    var text: String { String(decoding: body, as: UTF8.self) }
}
