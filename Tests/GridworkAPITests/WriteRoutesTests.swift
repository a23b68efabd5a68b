import GridworkAPI
import GridworkStore
import HTTP1
import HTTPResponder
import HTTPTypes
import JSON
import Testing

// The write side of the REST resources (POST, PUT, PATCH, DELETE), through the real responder.
// Every test that sends a write uses a fresh seeded harness of its own (`APIHarness.fresh()`), never `.shared`.

extension APIHarness {
    /// The seed records, generated once per test process (generation is most of a harness's cost).
    private static let seedRecords = SeedGenerator.generate()

    /// A harness over a fresh store holding the seed: what `APIHarness()` gives, built faster.
    fileprivate static func fresh() -> APIHarness {
        APIHarness(store: Store(seed: seedRecords))
    }

    /// Sends `method` to `target` with `json` as the body under `contentType` (nil: no Content-Type).
    fileprivate func write(
        _ method: HTTPRequest.Method,
        _ target: String,
        _ json: String? = nil,
        contentType: String? = "application/json",
        _ fields: HTTPFields = [:]
    ) -> Response {
        var request = Request.make(target, method: method)
        request.head.headerFields = fields
        if let contentType { request.head.headerFields[.contentType] = contentType }
        if let json { request.body = Array(json.utf8) }
        return responder.respond(to: request)
    }

    /// The record at `path` as JSON, or nil when it is not there.
    fileprivate func record(_ path: String) throws -> JSONValue? {
        let response = get(path)
        guard response.status == .ok else { return nil }
        return try JSONParser.parse(response.body)
    }

    /// The number at a dotted key of `/stats` (`gridService.fundsYuan`).
    fileprivate func stat(_ key: String) throws -> Int? {
        var value: JSONValue? = try json("/stats")
        for part in key.split(separator: ".") { value = value?[String(part)] }
        return value?.number
    }

    /// The strong ETag of a record at `revision`: `"<epoch>-<revision>"`, the epoch this store's.
    fileprivate func etag(_ revision: Int) -> String {
        "\"\(store.epoch)-\(revision)\""
    }

    /// Record counts of every resource, and the store revision.
    fileprivate var snapshot: [String: Int] {
        var counts = ["revision": store.revision]
        for kind in ResourceKind.allCases { counts[kind.rawValue] = store.count(kind) }
        return counts
    }
}

extension JSONValue {

    fileprivate var members: [(key: String, value: JSONValue)] {
        if case .object(let value) = self { return value }
        return []
    }

    /// A copy with `key` set to `value` (appended when absent).
    fileprivate func setting(_ key: String, _ value: JSONValue) -> JSONValue {
        var members = self.members
        if let index = members.firstIndex(where: { $0.key == key }) {
            members[index].value = value
        } else {
            members.append((key, value))
        }
        return .object(members)
    }

    /// The JSON text.
    fileprivate var encoded: String {
        var writer = JSONWriter()
        writer.value(self)
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}

/// The `errors` of a problem body as (field, message) pairs.
private func fieldErrors(_ response: Response) throws -> [(field: String, message: String)] {
    let problem = try JSONParser.parse(response.body)
    return (problem["errors"]?.items ?? []).map { ($0["field"]?.text ?? "?", $0["message"]?.text ?? "?") }
}

/// A 422 problem naming `pointer` with a message containing `message`, and nothing written.
private func expectRefused(
    _ response: Response,
    pointer: String,
    message: String,
    unchanged before: [String: Int],
    in harness: APIHarness,
    sourceLocation: SourceLocation = #_sourceLocation
) throws {
    #expect(response.status == .unprocessableContent, sourceLocation: sourceLocation)
    #expect(response.headerFields[.contentType] == "application/problem+json", sourceLocation: sourceLocation)
    let errors = try fieldErrors(response)
    #expect(
        errors.contains { $0.field == pointer && $0.message.contains(message) },
        "expected \(pointer): …\(message)… in \(errors)",
        sourceLocation: sourceLocation
    )
    #expect(harness.snapshot == before, "a refused write changed the store", sourceLocation: sourceLocation)
}

private enum Bodies {
    static let visit =
        #"{"type":"visit","date":"2014-05-06","cadreId":"cadre-0001","gridId":"grid-0001","summary":"到网格走访"}"#
    static let funding =
        #"{"type":"funding","date":"2014-05-06","cadreId":"cadre-0001","gridId":"grid-0001","#
        + #""householdName":"王明","amountYuan":12345,"summary":"帮扶资金"}"#
    static let unitGrid =
        #"{"name":"交通村第9网格","level":"unit","townId":"town-donggongsi","villageId":"village-jiaotong","households":120}"#
    static let generalCadre = #"{"name":"李四","level":"general","unit":"区财政局","gridIds":["grid-0010","grid-0011"]}"#
    static let claimedProject =
        #"{"name":"交通村茶叶种植项目","kind":"secretary_claimed","category":"planting","villageId":"village-jiaotong","#
        + #""leaderName":"周必康","leaderCadreId":"cadre-zhou-bikang","investmentYuan":500000,"supportYuan":0,"#
        + #""techSupport":false,"expectedAnnualOutputYuan":800000,"expectedAnnualProfitYuan":100000,"#
        + #""beneficiaries":20,"jobs":5,"status":"planned"}"#
    static let town = #"{"name":"新蒲镇","kind":"town"}"#
    static let townTraining =
        #"{"title":"高坪镇两委干部培训","organizerLevel":"town","audience":"two_committees","participants":40,"days":2,"#
        + #""townId":"town-gaoping"}"#

    /// The required fields of `project-zhou-orchard` (everything optional left out).
    static let orchardRequiredOnly =
        #"{"name":"交通村果树种植项目","kind":"secretary_claimed","category":"planting_breeding","#
        + #""villageId":"village-jiaotong","leaderName":"周必康","investmentYuan":3600000,"supportYuan":0,"#
        + #""techSupport":true,"expectedAnnualOutputYuan":9000000,"expectedAnnualProfitYuan":0,"beneficiaries":28,"#
        + #""jobs":0,"status":"active"}"#
}

/// One resource's valid create body and the `/stats` figure it must move.
struct CreateCase: Sendable, CustomTestStringConvertible {
    var resource: String
    var body: String
    /// Reads the figure from a `/stats` document.
    var figure: @Sendable (JSONValue) -> Int?
    var delta: Int

    var testDescription: String { resource }

    static func stat(_ key: String) -> @Sendable (JSONValue) -> Int? {
        { stats in
            var value: JSONValue? = stats
            for part in key.split(separator: ".") { value = value?[String(part)] }
            return value?.number
        }
    }

    static let all: [CreateCase] = [
        CreateCase(
            resource: "assistance-records", body: Bodies.funding, figure: stat("gridService.fundsYuan"), delta: 12_345),
        CreateCase(resource: "assistance-records", body: Bodies.visit, figure: stat("gridService.visits"), delta: 1),
        CreateCase(resource: "grids", body: Bodies.unitGrid, figure: stat("gridService.unitGrids"), delta: 1),
        CreateCase(resource: "cadres", body: Bodies.generalCadre, figure: stat("gridService.organCadres"), delta: 1),
        CreateCase(
            resource: "projects", body: Bodies.claimedProject, figure: stat("projectSecretaries.investmentYuan"),
            delta: 500_000),
        CreateCase(resource: "towns", body: Bodies.town, figure: { $0["byTown"]?.items?.count }, delta: 1),
        CreateCase(
            resource: "trainings", body: Bodies.townTraining,
            figure: stat("projectSecretaries.townTrainingPersonTimes"), delta: 40),
    ]
}

struct PostTests {
    @Test(arguments: CreateCase.all)
    func post_answers201_withLocationAndETag_andStatsMoveOnTheNextRequest(_ create: CreateCase) throws {
        let harness = APIHarness.fresh()
        let statsBefore = try harness.json("/stats")
        let kind = try #require(ResourceKind(rawValue: create.resource))
        let countBefore = harness.store.count(kind)

        let response = harness.write(.post, "/\(create.resource)", create.body)

        #expect(response.status == .created)
        let body = try JSONParser.parse(response.body)
        let id = try #require(body["id"]?.text)
        #expect(response.headerFields[.location] == "/\(create.resource)/\(id)")
        #expect(response.headerFields[.eTag] == harness.etag(1))
        #expect(body["source"] == .string("api"))
        #expect(body["revision"] == .int(1))
        #expect(body["createdAt"] == body["updatedAt"])
        for (key, value) in try JSONParser.parse(Array(create.body.utf8)).members {
            #expect(body[key] == value, "\(key)")
        }
        // The very next request sees the write.
        let statsAfter = try harness.json("/stats")
        #expect(statsAfter["revision"]?.number == (statsBefore["revision"]?.number ?? -1) + 1)
        #expect(create.figure(statsAfter) == create.figure(statsBefore).map { $0 + create.delta })
        #expect(try harness.record("/\(create.resource)/\(id)") == body)
        #expect(harness.store.count(kind) == countBefore + 1)
    }

    @Test func post_givesFreshIDs_thatAreNotReusedAfterDelete() throws {
        let harness = APIHarness.fresh()
        let first = try JSONParser.parse(harness.write(.post, "/assistance-records", Bodies.visit).body)
        let firstID = try #require(first["id"]?.text)
        #expect(harness.store.record(.assistanceRecords, id: firstID)?.source == .api)
        #expect(harness.write(.delete, "/assistance-records/\(firstID)", contentType: nil).status == .noContent)
        let second = try JSONParser.parse(harness.write(.post, "/assistance-records", Bodies.visit).body)
        let secondID = try #require(second["id"]?.text)
        #expect(secondID != firstID)
        #expect(try harness.record("/assistance-records/\(firstID)") == nil)
    }
}

struct PostValidationTests {
    let harness = APIHarness.fresh()

    @Test func post_answers422_forMissingRequiredField() throws {
        let before = harness.snapshot
        let response = harness.write(
            .post, "/assistance-records",
            #"{"type":"visit","date":"2014-05-06","cadreId":"cadre-0001","gridId":"grid-0001"}"#)
        try expectRefused(
            response, pointer: "/summary", message: "Required field is missing", unchanged: before, in: harness)
    }

    @Test func post_answers422_forWrongType() throws {
        let before = harness.snapshot
        let grid =
            #"{"name":"交通村第9网格","level":"unit","townId":"town-donggongsi","villageId":"village-jiaotong","households":"many"}"#
        try expectRefused(
            harness.write(.post, "/grids", grid), pointer: "/households", message: "Expected an integer",
            unchanged: before, in: harness)
        let fractional = Bodies.funding.replacing("12345", with: "10.5")
        try expectRefused(
            harness.write(.post, "/assistance-records", fractional), pointer: "/amountYuan",
            message: "Expected an integer", unchanged: before, in: harness)
    }

    @Test func post_answers422_forUnknownField() throws {
        let before = harness.snapshot
        let body = Bodies.town.replacing("}", with: #","mayor":"张三"}"#)
        try expectRefused(
            harness.write(.post, "/towns", body), pointer: "/mayor", message: "Unknown field", unchanged: before,
            in: harness)
    }

    @Test func post_answers422_forBadEnumValue() throws {
        let before = harness.snapshot
        let body = Bodies.visit.replacing(#""type":"visit""#, with: #""type":"picnic""#)
        try expectRefused(
            harness.write(.post, "/assistance-records", body), pointer: "/type", message: "Must be one of",
            unchanged: before, in: harness)
    }

    @Test func post_answers422_forImpossibleDate() throws {
        let before = harness.snapshot
        let body = Bodies.visit.replacing("2014-05-06", with: "2014-02-30")
        try expectRefused(
            harness.write(.post, "/assistance-records", body), pointer: "/date", message: "real date",
            unchanged: before, in: harness)
    }

    @Test func post_answers422_forNegativeMoney() throws {
        let before = harness.snapshot
        let body = Bodies.claimedProject.replacing(#""investmentYuan":500000"#, with: #""investmentYuan":-1"#)
        try expectRefused(
            harness.write(.post, "/projects", body), pointer: "/investmentYuan", message: "negative", unchanged: before,
            in: harness)
    }

    @Test func post_answers422_forReferenceToMissingRecord() throws {
        let before = harness.snapshot
        let body = Bodies.visit.replacing("cadre-0001", with: "cadre-9999")
        try expectRefused(
            harness.write(.post, "/assistance-records", body), pointer: "/cadreId", message: "cadre-9999",
            unchanged: before, in: harness)
        let cadre = Bodies.generalCadre.replacing("grid-0011", with: "grid-9999")
        try expectRefused(
            harness.write(.post, "/cadres", cadre), pointer: "/gridIds/1", message: "grid-9999", unchanged: before,
            in: harness)
    }

    @Test(arguments: [
        (#""id":"record-9999999""#, "/id"), (#""revision":1"#, "/revision"),
        (#""createdAt":"2014-01-01T00:00:00Z""#, "/createdAt"), (#""source":"report""#, "/source"),
        (#""updatedAt":"2014-01-01T00:00:00Z""#, "/updatedAt"),
    ])
    func post_answers422_forServerOwnedField(_ member: String, _ pointer: String) throws {
        let before = harness.snapshot
        let body = Bodies.visit.replacing("{", with: "{" + member + ",")
        try expectRefused(
            harness.write(.post, "/assistance-records", body), pointer: pointer, message: "set by the server",
            unchanged: before, in: harness)
    }

    @Test func post_reportsEveryProblem_atOnce() throws {
        let before = harness.snapshot
        let body =
            #"{"type":"picnic","date":"2014-02-30","cadreId":"cadre-9999","gridId":"grid-0001","colour":"red"}"#
        let response = harness.write(.post, "/assistance-records", body)
        #expect(response.status == .unprocessableContent)
        let pointers = Set(try fieldErrors(response).map(\.field))
        #expect(pointers == ["/type", "/date", "/cadreId", "/colour", "/summary"])
        #expect(try JSONParser.parse(response.body)["status"] == .int(422))
        #expect(harness.snapshot == before)
    }
}

struct DomainRuleTests {
    let harness = APIHarness.fresh()

    @Test func post_answers422_forFundingWithoutAmount() throws {
        let before = harness.snapshot
        let body = Bodies.funding.replacing(#""amountYuan":12345,"#, with: "")
        try expectRefused(
            harness.write(.post, "/assistance-records", body), pointer: "/amountYuan", message: "positive amountYuan",
            unchanged: before, in: harness)
    }

    @Test func post_answers422_forNonFundingWithAmount() throws {
        let before = harness.snapshot
        let body = Bodies.visit.replacing(#""summary""#, with: #""amountYuan":100,"summary""#)
        try expectRefused(
            harness.write(.post, "/assistance-records", body), pointer: "/amountYuan", message: "Only funding",
            unchanged: before, in: harness)
    }

    @Test func post_answers422_forUnitGridWithoutVillage() throws {
        let before = harness.snapshot
        let body = Bodies.unitGrid.replacing(#""villageId":"village-jiaotong","#, with: "")
        try expectRefused(
            harness.write(.post, "/grids", body), pointer: "/villageId", message: "unit grid", unchanged: before,
            in: harness)
    }

    @Test func post_answers422_forGridInAnotherTownThanItsVillage() throws {
        let before = harness.snapshot
        let body = Bodies.unitGrid.replacing("town-donggongsi", with: "town-gaoping")
        try expectRefused(
            harness.write(.post, "/grids", body), pointer: "/townId", message: "village-jiaotong", unchanged: before,
            in: harness)
    }

    @Test func post_answers422_forVillageCadreWithoutVillage() throws {
        let before = harness.snapshot
        let body = #"{"name":"王五","level":"village","unit":"交通村党支部书记","gridIds":["grid-0010"]}"#
        try expectRefused(
            harness.write(.post, "/cadres", body), pointer: "/villageId", message: "village cadre", unchanged: before,
            in: harness)
    }

    @Test func put_answers422_whenADomainRuleBreaks() throws {
        let before = harness.snapshot
        let current = try #require(try harness.record("/grids/grid-0010"))
        let moved = current.setting("townId", .string("town-gaoping")).encoded
        try expectRefused(
            harness.write(.put, "/grids/grid-0010", moved), pointer: "/townId", message: "village-jiaotong",
            unchanged: before, in: harness)
        #expect(try harness.record("/grids/grid-0010") == current)
    }
    @Test func put_village_intoAnotherTown_keepsItsGridsInTheVillagesTown() throws {
        // A grid's townId must be its village's town (checked on grid writes). Moving the village
        // must keep that true: either the move is refused, or its grids move with it.
        let grids = try #require(try harness.json("/villages/village-jiaotong/grids?limit=500")["data"]?.items)
        try #require(!grids.isEmpty)
        let response = harness.write(
            .put, "/villages/village-jiaotong", #"{"name":"交通村","kind":"village","townId":"town-gaoping"}"#)
        let village = try #require(try harness.record("/villages/village-jiaotong"))
        if response.status == .ok {
            var stale: [String] = []
            for grid in grids {
                let id = grid["id"]?.text ?? ""
                if try harness.record("/grids/\(id)")?["townId"] != village["townId"] { stale.append(id) }
            }
            #expect(stale.isEmpty, "grids still in the old town: \(stale)")
            // A grid as GET shows it can be PUT back unchanged.
            let first = try #require(try harness.record("/grids/\(grids[0]["id"]?.text ?? "")"))
            let echo = harness.write(.put, "/grids/\(first["id"]?.text ?? "")", first.encoded)
            #expect(echo.status == .ok, "echo: \(String(decoding: echo.body, as: UTF8.self))")
        } else {
            #expect([.conflict, .unprocessableContent].contains(response.status))
            #expect(village["townId"] == .string("town-donggongsi"))
        }
    }
}

struct MediaTypeTests {
    let harness = APIHarness.fresh()

    @Test func post_answers400_forMalformedJSON() throws {
        let before = harness.snapshot
        for body in [#"{"type":"visit","#, "{type: visit}", #"{"type":"visit"} trailing"#, ""] {
            let response = harness.write(.post, "/assistance-records", body)
            #expect(response.status == .badRequest, "\(body)")
            #expect(response.headerFields[.contentType] == "application/problem+json")
        }
        #expect(harness.snapshot == before)
    }

    @Test func post_answers422_forJSONThatIsNotAnObject() throws {
        let before = harness.snapshot
        for body in ["[1,2]", "42", #""visit""#, "null"] {
            let response = harness.write(.post, "/assistance-records", body)
            #expect(response.status == .unprocessableContent, "\(body)")
            let errors = try fieldErrors(response)
            #expect(errors.count == 1 && errors.first?.field == "", "\(body): \(errors)")
            #expect(errors.first?.message.contains("must be a JSON object") == true, "\(body): \(errors)")
        }
        #expect(harness.snapshot == before)
    }

    @Test func post_answers415_forTextPlain_andForNoContentType() throws {
        let before = harness.snapshot
        let plain = harness.write(.post, "/assistance-records", Bodies.visit, contentType: "text/plain")
        #expect(plain.status == .unsupportedMediaType)
        #expect(plain.headerFields[.contentType] == "application/problem+json")
        let none = harness.write(.post, "/assistance-records", Bodies.visit, contentType: nil)
        #expect(none.status == .unsupportedMediaType)
        let mergePatch = harness.write(
            .post, "/assistance-records", Bodies.visit, contentType: "application/merge-patch+json")
        #expect(mergePatch.status == .unsupportedMediaType)
        #expect(harness.snapshot == before)
    }

    @Test func post_accepts_jsonWithCharsetParameter() {
        let response = harness.write(
            .post, "/assistance-records", Bodies.visit, contentType: "Application/JSON; charset=utf-8")
        #expect(response.status == .created)
    }

    @Test func put_answers415_forTextPlain() throws {
        let current = try #require(try harness.record("/towns/town-gaoping"))
        let response = harness.write(.put, "/towns/town-gaoping", current.encoded, contentType: "text/plain")
        #expect(response.status == .unsupportedMediaType)
        #expect(harness.store.record(.towns, id: "town-gaoping")?.revision == 1)
    }

    @Test func patch_accepts_mergePatchAndJSON_andRefusesTextPlain() throws {
        let first = harness.write(
            .patch, "/villages/village-wuxing", #"{"name":"五星新村"}"#, contentType: "application/merge-patch+json")
        #expect(first.status == .ok)
        #expect(try JSONParser.parse(first.body)["name"] == .string("五星新村"))
        let second = harness.write(.patch, "/villages/village-wuxing", #"{"kind":"residence"}"#)
        #expect(second.status == .ok)
        #expect(try JSONParser.parse(second.body)["kind"] == .string("residence"))
        let plain = harness.write(.patch, "/villages/village-wuxing", #"{"name":"x"}"#, contentType: "text/plain")
        #expect(plain.status == .unsupportedMediaType)
        #expect(plain.headerFields[HTTPField.Name("Accept-Patch")!]?.contains("application/merge-patch+json") == true)
        let record = try #require(try harness.record("/villages/village-wuxing"))
        #expect(record["name"] == .string("五星新村"))
        #expect(record["revision"] == .int(3))
    }

    /// Bodies are not decompressed: reading gzip as JSON would be a 400 at best (RFC 9110 §15.5.16).
    @Test(arguments: ["gzip", "br", "x-gzip", "identity, gzip", "GZIP"])
    func writes_withAContentCoding_answer415_withAcceptEncodingIdentity(_ coding: String) throws {
        let before = harness.snapshot
        let current = try #require(try harness.record("/towns/town-gaoping"))
        let writes: [(HTTPRequest.Method, String, String)] = [
            (.post, "/assistance-records", Bodies.visit), (.put, "/towns/town-gaoping", current.encoded),
            (.patch, "/towns/town-gaoping", #"{"name":"改名"}"#),
        ]
        for (method, path, body) in writes {
            let response = harness.write(method, path, body, [.contentEncoding: coding])
            #expect(response.status == .unsupportedMediaType, "\(method) \(coding)")
            #expect(response.headerFields[.acceptEncoding] == "identity", "\(method) \(coding)")
            #expect(response.headerFields[.contentType] == "application/problem+json")
        }
        #expect(harness.snapshot == before)
    }

    @Test func post_accepts_contentEncodingIdentity() {
        let response = harness.write(.post, "/assistance-records", Bodies.visit, [.contentEncoding: "identity"])
        #expect(response.status == .created)
    }

    @Test(arguments: ["gbk", "GB2312", "iso-8859-1", "utf-16", "\"utf-16le\"", "utf8"])
    func writes_withACharsetOtherThanUTF8_answer415(_ charset: String) throws {
        let before = harness.snapshot
        for (method, path, body) in [
            (HTTPRequest.Method.post, "/assistance-records", Bodies.visit), (.patch, "/towns/town-gaoping", "{}"),
        ] {
            let response = harness.write(method, path, body, contentType: "application/json; charset=\(charset)")
            #expect(response.status == .unsupportedMediaType, "\(method) \(charset)")
            let detail = try JSONParser.parse(response.body)["detail"]?.text ?? ""
            #expect(detail.contains("UTF-8"), "\(detail)")
        }
        #expect(harness.snapshot == before)
    }

    @Test(arguments: ["application/json;charset=UTF-8", #"application/json; CHARSET="utf-8""#])
    func post_accepts_utf8Charset_inAnyCase_quotedOrNot(_ contentType: String) {
        #expect(harness.write(.post, "/assistance-records", Bodies.visit, contentType: contentType).status == .created)
    }
}

struct PutTests {
    let harness = APIHarness.fresh()

    @Test func put_replacesTheWholeRecord_omittedOptionalFieldsBecomeNull() throws {
        let before = try #require(try harness.record("/projects/project-zhou-orchard"))
        #expect(before["enterprise"] != .null && before["description"] != .null && before["leaderCadreId"] != .null)
        let investmentBefore = try harness.stat("projectSecretaries.investmentYuan")

        let response = harness.write(.put, "/projects/project-zhou-orchard", Bodies.orchardRequiredOnly)

        #expect(response.status == .ok)
        #expect(response.headerFields[.eTag] == harness.etag(2))
        let after = try JSONParser.parse(response.body)
        #expect(after["revision"] == .int(2))
        for optional in ["leaderCadreId", "enterprise", "description", "partyMembers", "organPairings"] {
            #expect(after[optional] == .null, "\(optional)")
        }
        #expect(after["investmentYuan"] == .int(3_600_000))
        #expect(after["techSupport"] == .bool(true))
        #expect(after["createdAt"] == before["createdAt"])
        #expect(after["source"] == .string("report"))
        #expect(try harness.record("/projects/project-zhou-orchard") == after)
        #expect(try harness.stat("projectSecretaries.investmentYuan") == investmentBefore.map { $0 + 100_000 })
    }

    @Test func put_answers422_forOmittedRequiredField() throws {
        let before = harness.snapshot
        let body = Bodies.orchardRequiredOnly.replacing(#""leaderName":"周必康","#, with: "")
        try expectRefused(
            harness.write(.put, "/projects/project-zhou-orchard", body), pointer: "/leaderName",
            message: "Required field is missing", unchanged: before, in: harness)
        #expect(harness.store.record(.projects, id: "project-zhou-orchard")?.revision == 1)
    }

    @Test func put_accepts_theGETBodyEchoedBack_asAChangeThatChangesNothing() throws {
        for (path, key) in [
            ("/cadres/cadre-zhou-bikang", "name"), ("/assistance-records/record-0000001", "summary"),
            ("/projects/project-zhou-orchard", "name"),
        ] {
            let current = try #require(try harness.record(path))
            let revisionBefore = harness.store.revision

            // The GET body, server-owned members and all, is accepted; being the same, it changes nothing.
            let echo = harness.write(.put, path, current.encoded)
            #expect(echo.status == .ok, "\(path)")
            #expect(echo.headerFields[.eTag] == harness.etag(1), "\(path)")
            #expect(try JSONParser.parse(echo.body) == current, "\(path)")
            #expect(harness.store.revision == revisionBefore, "\(path)")

            // The GET body with one field changed is a change: the revision moves on.
            let edited = try #require(current[key]?.text)
            let changed = current.setting(key, .string(edited + "（修订）"))
            let response = harness.write(.put, path, changed.encoded)
            #expect(response.status == .ok, "\(path)")
            #expect(response.headerFields[.eTag] == harness.etag(2), "\(path)")
            let replaced = try JSONParser.parse(response.body)
            for (member, value) in changed.members where !["revision", "updatedAt", "updatedBy"].contains(member) {
                #expect(replaced[member] == value, "\(path) \(member)")
            }
            // The change is attributed to whoever made it: here the open server's principal.
            #expect(replaced["updatedBy"] == .string("anonymous"), "\(path)")
            #expect(replaced["createdBy"] == current["createdBy"], "\(path)")
            #expect(replaced["revision"] == .int(2))
            #expect(harness.store.revision == revisionBefore + 1, "\(path)")

            // The new GET body, with its new revision, echoes back just the same: nothing moves.
            let again = try #require(try harness.record(path))
            let echoAgain = harness.write(.put, path, again.encoded)
            #expect(echoAgain.status == .ok, "\(path)")
            #expect(echoAgain.headerFields[.eTag] == harness.etag(2), "\(path)")
            #expect(try JSONParser.parse(echoAgain.body) == again, "\(path)")
            #expect(harness.store.revision == revisionBefore + 1, "\(path)")
        }
    }

    @Test(arguments: [
        ("id", JSONValue.string("cadre-other")), ("revision", .int(7)), ("createdAt", .string("2020-01-01T00:00:00Z")),
        ("source", .string("api")),
    ])
    func put_answers422_forChangedServerOwnedField(_ key: String, _ value: JSONValue) throws {
        let before = harness.snapshot
        let current = try #require(try harness.record("/cadres/cadre-zhou-bikang"))
        let body = current.setting(key, value).setting("name", .string("周必康二")).encoded
        try expectRefused(
            harness.write(.put, "/cadres/cadre-zhou-bikang", body), pointer: "/\(key)", message: "set by the server",
            unchanged: before, in: harness)
        #expect(try harness.record("/cadres/cadre-zhou-bikang") == current)
    }

    @Test func put_honoursIfMatch_current200_stale412_star200() throws {
        let path = "/towns/town-gaoping"
        let renamed = #"{"name":"高坪镇新区","kind":"town"}"#
        let ok = harness.write(.put, path, renamed, [.ifMatch: harness.etag(1)])
        #expect(ok.status == .ok)
        #expect(ok.headerFields[.eTag] == harness.etag(2))

        let stale = harness.write(.put, path, #"{"name":"过期","kind":"town"}"#, [.ifMatch: harness.etag(1)])
        #expect(stale.status == .preconditionFailed)
        #expect(stale.headerFields[.eTag] == harness.etag(2))
        let unchanged = try #require(try harness.record(path))
        #expect(unchanged["name"] == .string("高坪镇新区"))
        #expect(unchanged["revision"] == .int(2))

        let star = harness.write(.put, path, #"{"name":"高坪镇","kind":"town"}"#, [.ifMatch: "*"])
        #expect(star.status == .ok)
        #expect(star.headerFields[.eTag] == harness.etag(3))
        #expect(try harness.record(path)?["name"] == .string("高坪镇"))
    }

    @Test(arguments: ["", " \t "])
    func emptyConditionalField_answers400_andChangesNothing(_ header: String) throws {
        let before = harness.snapshot
        let path = "/towns/town-gaoping"
        let response = harness.write(.put, path, #"{"name":"改名","kind":"town"}"#, [.ifMatch: header])
        #expect(response.status == .badRequest)
        #expect(String(decoding: response.body, as: UTF8.self).contains("If-Match must be"))
        #expect(harness.write(.delete, path, contentType: nil, [.ifMatch: header]).status == .badRequest)
        #expect(harness.snapshot == before)
        #expect(harness.get(path, [.ifNoneMatch: header]).status == .badRequest)
        #expect(harness.get("/stats", [.ifNoneMatch: header]).status == .badRequest)
    }

    /// `TAG` stands for the record's current ETag, so a lenient parser would find a match.
    @Test(arguments: ["{}", "12", "\"open", "W/ TAG", "TAG \"2\"", "1, TAG"])
    func malformedConditionalField_matchesNothing(_ template: String) throws {
        let before = harness.snapshot
        let path = "/towns/town-gaoping"
        let header = template.replacing("TAG", with: harness.etag(1))
        let response = harness.write(.put, path, #"{"name":"改名","kind":"town"}"#, [.ifMatch: header])
        #expect(response.status == .preconditionFailed)
        #expect(harness.snapshot == before)
        #expect(harness.get(path, [.ifNoneMatch: header]).status == .ok)
    }

    @Test func ifMatch_findsTheCurrentTag_inAListWhoseTagsHoldCommas() throws {
        let path = "/towns/town-gaoping"
        let body = #"{"name":"高坪镇","kind":"town"}"#
        let tag = harness.etag(1)
        #expect(harness.write(.put, path, body, [.ifMatch: #""a,b" , W/"# + tag]).status == .preconditionFailed)
        #expect(harness.write(.put, path, body, [.ifMatch: #""a,b" ,, "# + tag]).status == .ok)
    }

    @Test func put_answers404_forUnknownID() {
        let before = harness.snapshot
        #expect(harness.write(.put, "/towns/town-nowhere", Bodies.town).status == .notFound)
        #expect(harness.snapshot == before)
    }

    /// RFC 9110 §13.1.2: `If-None-Match: *` on a write means "only if there is no record"; ids are
    /// the server's, so there is no create by PUT, and on a record that exists it fails.
    @Test func writes_withIfNoneMatchStar_onAnExistingRecord_answer412_andChangeNothing() throws {
        let before = harness.snapshot
        let path = "/towns/town-gaoping"
        let writes: [(HTTPRequest.Method, String?)] = [
            (.put, #"{"name":"改名","kind":"town"}"#), (.patch, #"{"name":"改名"}"#), (.delete, nil),
        ]
        for (method, body) in writes {
            let response = harness.write(method, path, body, [.ifNoneMatch: "*"])
            #expect(response.status == .preconditionFailed, "\(method)")
            #expect(response.headerFields[.eTag] == harness.etag(1), "\(method)")
            #expect(response.headerFields[.contentType] == "application/problem+json", "\(method)")
        }
        #expect(harness.snapshot == before)
        #expect(try harness.record(path)?["name"] == .string("高坪镇"))
        #expect(harness.write(.put, "/towns/town-nowhere", Bodies.town, [.ifNoneMatch: "*"]).status == .notFound)
    }

    @Test func put_withIfNoneMatch_namingTheCurrentTag_answers412_andAnotherTag_proceeds() throws {
        let path = "/towns/town-gaoping"
        let renamed = #"{"name":"高坪镇新区","kind":"town"}"#
        let weak = "W/" + harness.etag(1)
        #expect(harness.write(.put, path, renamed, [.ifNoneMatch: #""other", "# + weak]).status == .preconditionFailed)
        #expect(try harness.record(path)?["revision"] == .int(1))
        let other = harness.write(.put, path, renamed, [.ifNoneMatch: #""other""#])
        #expect(other.status == .ok)
        #expect(other.headerFields[.eTag] == harness.etag(2))
    }
}

struct PatchTests {
    let harness = APIHarness.fresh()

    @Test func patch_changes_onlyTheGivenFields() throws {
        let path = "/projects/project-zhou-orchard"
        let before = try #require(try harness.record(path))
        let response = harness.write(.patch, path, #"{"jobs":12}"#, contentType: "application/merge-patch+json")
        #expect(response.status == .ok)
        #expect(response.headerFields[.eTag] == harness.etag(2))
        let after = try JSONParser.parse(response.body)
        #expect(after["jobs"] == .int(12))
        #expect(after["revision"] == .int(2))
        #expect(after["updatedBy"] == .string("anonymous"))
        for (key, value) in before.members where !["jobs", "revision", "updatedAt", "updatedBy"].contains(key) {
            #expect(after[key] == value, "\(key)")
        }
        #expect(try harness.record(path) == after)
    }

    @Test func patch_null_removesAnOptionalField() throws {
        let path = "/projects/project-zhou-orchard"
        let response = harness.write(.patch, path, #"{"enterprise":null,"leaderCadreId":null}"#)
        #expect(response.status == .ok)
        let after = try #require(try harness.record(path))
        #expect(after["enterprise"] == .null)
        #expect(after["leaderCadreId"] == .null)
        #expect(after["leaderName"] == .string("周必康"))
    }

    @Test func patch_nullInsidePartyMembers_removesThatCount() throws {
        let base = try #require(
            harness.store.all(.projects).first { record in
                (record[ProjectField.partyMembers].counts ?? []).dropFirst(3).first ?? 0 > 0
            })
        let response = harness.write(.patch, "/projects/\(base.id)", #"{"partyMembers":{"other":null}}"#)
        #expect(response.status == .ok)
        #expect(try JSONParser.parse(response.body)["partyMembers"]?["other"] == .int(0))
    }

    @Test func patch_null_onARequiredField_answers422() throws {
        let before = harness.snapshot
        try expectRefused(
            harness.write(.patch, "/projects/project-zhou-orchard", #"{"leaderName":null}"#), pointer: "/leaderName",
            message: "Required", unchanged: before, in: harness)
        #expect(harness.store.record(.projects, id: "project-zhou-orchard")?.revision == 1)
    }

    @Test func patch_mergesTheNestedPartyMembersObject() throws {
        // An entrepreneurship base whose four counts are all non-zero, so a lost key would show.
        let base = try #require(
            harness.store.all(.projects).first { record in
                record[ProjectField.kind].string == "entrepreneurship"
                    && (record[ProjectField.partyMembers].counts ?? []).allSatisfy { $0 > 0 }
            })
        let counts = try #require(base[ProjectField.partyMembers].counts)
        let plantingBefore = try harness.stat("entrepreneurship.partyMembers.planting")

        let response = harness.write(
            .patch, "/projects/\(base.id)", #"{"partyMembers":{"planting":5}}"#,
            contentType: "application/merge-patch+json")

        #expect(response.status == .ok)
        let members = try JSONParser.parse(response.body)["partyMembers"]
        #expect(
            members
                == .object([
                    ("planting", .int(5)), ("breeding", .int(counts[1])), ("processing", .int(counts[2])),
                    ("other", .int(counts[3])),
                ]))
        #expect(try harness.stat("entrepreneurship.partyMembers.planting") == plantingBefore.map { $0 - counts[0] + 5 })
    }

    @Test func patch_answers412_forStaleIfMatch() throws {
        let path = "/assistance-records/record-0000001"
        #expect(harness.write(.patch, path, #"{"summary":"第一次修改"}"#, [.ifMatch: harness.etag(1)]).status == .ok)
        let stale = harness.write(.patch, path, #"{"summary":"第二次修改"}"#, [.ifMatch: harness.etag(1)])
        #expect(stale.status == .preconditionFailed)
        #expect(stale.headerFields[.eTag] == harness.etag(2))
        let record = try #require(try harness.record(path))
        #expect(record["summary"] == .string("第一次修改"))
        #expect(record["revision"] == .int(2))
    }

    @Test func patch_answers422_forChangingID_andAcceptsItUnchanged() throws {
        let before = harness.snapshot
        try expectRefused(
            harness.write(.patch, "/towns/town-sidu", #"{"id":"town-elsewhere"}"#), pointer: "/id",
            message: "set by the server", unchanged: before, in: harness)
        let same = harness.write(.patch, "/towns/town-sidu", #"{"id":"town-sidu","name":"泗渡"}"#)
        #expect(same.status == .ok)
        #expect(try JSONParser.parse(same.body)["name"] == .string("泗渡"))
    }

    /// SPEC §3: an unknown member is a 422 whatever its value, though merge patch would drop a null.
    @Test(arguments: [
        (#"{"foo":null}"#, "/foo", "Unknown field"),
        (#"{"name":"泗渡","colour":null}"#, "/colour", "Unknown field"),
        (#"{"id":null}"#, "/id", "set by the server"),
        (#"{"revision":null}"#, "/revision", "set by the server"),
        (#"{"name":"泗渡","name":null}"#, "/name", "more than once"),
    ])
    func patch_answers422_forAMemberItWouldDropSilently(_ patch: String, _ pointer: String, _ message: String) throws {
        let before = harness.snapshot
        try expectRefused(
            harness.write(.patch, "/towns/town-sidu", patch), pointer: pointer, message: message, unchanged: before,
            in: harness)
        #expect(harness.store.record(.towns, id: "town-sidu")?.revision == 1)
    }

    @Test func patch_answers422_forAnUnknownNullKeyInsidePartyMembers_withTheOtherProblems() throws {
        let base = try #require(
            harness.store.all(.projects).first { $0[ProjectField.kind].string == "entrepreneurship" })
        let before = harness.snapshot
        let response = harness.write(
            .patch, "/projects/\(base.id)", #"{"partyMembers":{"fishing":null},"jobs":-1,"foo":null}"#)
        try expectRefused(
            response, pointer: "/partyMembers/fishing", message: "Unknown", unchanged: before, in: harness)
        let pointers = try fieldErrors(response).map(\.field)
        #expect(Set(pointers) == ["/partyMembers/fishing", "/jobs", "/foo"], "every problem at once: \(pointers)")
    }
}

struct DeleteTests {
    let harness = APIHarness.fresh()

    @Test func delete_answers204_thenGETAnswers404_andStatsMove() throws {
        let visit = try #require(
            harness.store.all(.assistanceRecords).first { $0[AssistanceField.type] == .string("visit") })
        let visitsBefore = try harness.stat("gridService.visits")
        let response = harness.write(.delete, "/assistance-records/\(visit.id)", contentType: nil)
        #expect(response.status == .noContent)
        #expect(response.body.isEmpty)
        #expect(try harness.stat("gridService.visits") == visitsBefore.map { $0 - 1 })
        #expect(harness.get("/assistance-records/\(visit.id)").status == .notFound)
        #expect(harness.write(.delete, "/assistance-records/\(visit.id)", contentType: nil).status == .notFound)
    }

    /// A unit grid with funding and visits in it and cadres who list it.
    func busyGrid() throws -> (grid: String, records: [Record], cadres: [Record]) {
        let records = harness.store.all(.assistanceRecords)
        let byGrid = Dictionary(grouping: records) { $0[AssistanceField.gridId].string ?? "" }
        let grid = try #require(
            byGrid.keys.sorted().first { grid in
                let types = Set(byGrid[grid]!.compactMap { $0[AssistanceField.type].string })
                return grid.hasPrefix("grid-") && types.contains("funding") && types.contains("visit")
                    && harness.store.record(.grids, id: grid)?[GridField.level] == .string("unit")
            })
        let cadres = harness.store.all(.cadres).filter { $0[CadreField.gridIds].list.contains(grid) }
        try #require(!cadres.isEmpty)
        return (grid, byGrid[grid]!, cadres)
    }

    @Test func delete_answers409_forAReferencedRecord_andDeletesNothing() throws {
        let (grid, _, _) = try busyGrid()
        let before = harness.snapshot
        let response = harness.write(.delete, "/grids/\(grid)", contentType: nil)
        #expect(response.status == .conflict)
        let detail = try JSONParser.parse(response.body)["detail"]?.text ?? ""
        #expect(detail.contains("?cascade=true"), "\(detail)")
        #expect(harness.snapshot == before)
        #expect(harness.get("/grids/\(grid)").status == .ok)
        let explicit = harness.write(.delete, "/grids/\(grid)?cascade=false", contentType: nil)
        #expect(explicit.status == .conflict)
        #expect(harness.snapshot == before)
    }

    @Test func delete_withCascade_removesDependents_andUnlistsTheGridFromCadres() throws {
        let (grid, records, cadres) = try busyGrid()
        let before = harness.snapshot
        let visits = records.filter { $0[AssistanceField.type] == .string("visit") }.count
        let funds = records.map { $0[AssistanceField.amountYuan].int }.reduce(0, +)
        let statsBefore = try harness.json("/stats")

        let response = harness.write(.delete, "/grids/\(grid)?cascade=true", contentType: nil)

        #expect(response.status == .noContent)
        #expect(harness.get("/grids/\(grid)").status == .notFound)
        for record in records {
            #expect(harness.get("/assistance-records/\(record.id)").status == .notFound, "\(record.id)")
        }
        for cadre in cadres {
            let after = try #require(try harness.record("/cadres/\(cadre.id)"), "\(cadre.id) was deleted")
            let expected = cadre[CadreField.gridIds].list.filter { $0 != grid }
            #expect(after["gridIds"] == .array(expected.map { .string($0) }), "\(cadre.id)")
            #expect(after["revision"] == .int(cadre.revision + 1), "\(cadre.id)")
        }
        let after = harness.snapshot
        #expect(after["grids"] == before["grids"].map { $0 - 1 })
        #expect(after["assistance-records"] == before["assistance-records"].map { $0 - records.count })
        #expect(after["cadres"] == before["cadres"])
        #expect(after["revision"] == before["revision"].map { $0 + 1 })
        #expect(try harness.json("/cadres?gridIds=\(grid)")["total"] == .int(0))
        #expect(try harness.json("/assistance-records?gridId=\(grid)")["total"] == .int(0))
        let statsAfter = try harness.json("/stats")
        let service = (statsBefore["gridService"], statsAfter["gridService"])
        #expect(service.1?["visits"]?.number == service.0?["visits"]?.number.map { $0 - visits })
        #expect(service.1?["fundsYuan"]?.number == service.0?["fundsYuan"]?.number.map { $0 - funds })
        #expect(service.1?["unitGrids"]?.number == service.0?["unitGrids"]?.number.map { $0 - 1 })
    }

    @Test func delete_answers412_forStaleIfMatch_andDeletesNothing() throws {
        let path = "/assistance-records/record-0000002"
        #expect(harness.write(.patch, path, #"{"summary":"改过"}"#).status == .ok)
        let before = harness.snapshot
        let stale = harness.write(.delete, path, contentType: nil, [.ifMatch: harness.etag(1)])
        #expect(stale.status == .preconditionFailed)
        #expect(stale.headerFields[.eTag] == harness.etag(2))
        #expect(harness.snapshot == before)
        #expect(harness.get(path).status == .ok)
        #expect(harness.write(.delete, path, contentType: nil, [.ifMatch: harness.etag(2)]).status == .noContent)
        #expect(harness.get(path).status == .notFound)
    }

    @Test func delete_answers400_forCascadeThatIsNotABoolean() throws {
        let (grid, _, _) = try busyGrid()
        let before = harness.snapshot
        let response = harness.write(.delete, "/grids/\(grid)?cascade=maybe", contentType: nil)
        #expect(response.status == .badRequest)
        #expect(harness.write(.delete, "/grids/\(grid)?force=true", contentType: nil).status == .badRequest)
        #expect(harness.snapshot == before)
    }
}

struct ConditionalGetTests {
    @Test func get_answers304_forTheCurrentETag_and200_forAnOldOne() throws {
        let harness = APIHarness.fresh()
        let path = "/grids/grid-0010"
        let first = harness.get(path)
        #expect(first.headerFields[.eTag] == harness.etag(1))
        #expect(harness.get(path, [.ifNoneMatch: harness.etag(1)]).status == .notModified)

        #expect(harness.write(.patch, path, #"{"households":99}"#).status == .ok)

        let current = harness.get(path, [.ifNoneMatch: harness.etag(2)])
        #expect(current.status == .notModified)
        #expect(current.body.isEmpty)
        #expect(current.headerFields[.eTag] == harness.etag(2))
        let old = harness.get(path, [.ifNoneMatch: harness.etag(1)])
        #expect(old.status == .ok)
        #expect(old.headerFields[.eTag] == harness.etag(2))
        #expect(try JSONParser.parse(old.body)["households"] == .int(99))
        #expect(harness.get(path, [.ifNoneMatch: "W/" + harness.etag(2)]).status == .notModified)
    }
}

/// Party organisations (E7–E9) and the rules that keep a project's money adding up.
struct PartyOrganizationAndMoneyTests {
    let harness = APIHarness.fresh()

    static func organization(
        kind: String = "villager_group", town: String = "town-donggongsi", village: String? = "village-jiaotong",
        project: String? = nil, status: String = "established", extra: String = ""
    ) -> String {
        var members = [#""name":"交通村茶园组党支部""#, #""kind":"\#(kind)""#, #""townId":"\#(town)""#]
        if let village { members.append(#""villageId":"\#(village)""#) }
        if let project { members.append(#""projectId":"\#(project)""#) }
        members.append(#""status":"\#(status)""#)
        members.append(#""new2014":true"#)
        if !extra.isEmpty { members.append(extra) }
        return "{" + members.joined(separator: ",") + "}"
    }

    @Test func creatingANewVillagerGroupBranch_movesE9_andDeletingItMovesItBack() throws {
        let key = "entrepreneurship.newPartyOrganizations.villagerGroups"
        let before = try #require(try harness.stat(key))
        let created = harness.write(
            .post, "/party-organizations", Self.organization(extra: #""establishedOn":"2014-06-03""#))
        #expect(created.status == .created)
        #expect(try harness.stat(key) == before + 1)
        let id = try #require(try JSONParser.parse(created.body)["id"]?.text)
        let listed = try harness.json("/towns/town-donggongsi/party-organizations?kind=villager_group&limit=500")
        #expect(listed["data"]?.items?.contains { $0["id"]?.text == id } == true)
        // Not new in 2014: no longer counted.
        let patched = harness.write(
            .patch, "/party-organizations/\(id)", #"{"new2014":false}"#, contentType: "application/merge-patch+json")
        #expect(patched.status == .ok)
        #expect(try harness.stat(key) == before)
        #expect(harness.write(.delete, "/party-organizations/\(id)").status == .noContent)
        #expect(try harness.stat(key) == before)
    }

    @Test func post_answers422_forAnOrganizationOutsideItsVillagesOrProjectsTown() throws {
        let before = harness.snapshot
        try expectRefused(
            harness.write(.post, "/party-organizations", Self.organization(town: "town-gaoping")), pointer: "/townId",
            message: "village-jiaotong", unchanged: before, in: harness)
        try expectRefused(
            harness.write(
                .post, "/party-organizations",
                Self.organization(town: "town-gaoping", village: nil, project: "project-zhou-orchard")),
            pointer: "/projectId", message: "another town", unchanged: before, in: harness)
    }

    @Test func post_answers422_forARequestedOrganizationWithAnEstablishmentDate() throws {
        let before = harness.snapshot
        try expectRefused(
            harness.write(
                .post, "/party-organizations",
                Self.organization(status: "requested", extra: #""establishedOn":"2014-05-20""#)),
            pointer: "/establishedOn", message: "not yet established", unchanged: before, in: harness)
        try expectRefused(
            harness.write(
                .post, "/party-organizations",
                Self.organization(extra: #""requestedOn":"2014-06-01","establishedOn":"2014-05-20""#)),
            pointer: "/establishedOn", message: "requestedOn", unchanged: before, in: harness)
    }

    @Test func movingAVillageOrProject_toAnotherTown_isRefused_whileOrganizationsLieThere() throws {
        let created = harness.write(
            .post, "/party-organizations", Self.organization(project: "project-zhou-orchard"))
        #expect(created.status == .created)
        let before = harness.snapshot
        try expectRefused(
            harness.write(
                .patch, "/villages/village-jiaotong", #"{"townId":"town-gaoping"}"#,
                contentType: "application/merge-patch+json"),
            pointer: "/townId", message: "party organisations", unchanged: before, in: harness)
        try expectRefused(
            harness.write(
                .patch, "/projects/project-zhou-orchard", #"{"villageId":"village-xingong"}"#,
                contentType: "application/merge-patch+json"),
            pointer: "/villageId", message: "party organisations", unchanged: before, in: harness)
    }

    @Test func deletingTheProject_withCascade_clearsTheOrganizationsProjectId() throws {
        let created = harness.write(
            .post, "/party-organizations", Self.organization(project: "project-zhou-orchard"))
        let id = try #require(try JSONParser.parse(created.body)["id"]?.text)
        #expect(harness.write(.delete, "/projects/project-zhou-orchard").status == .conflict)
        #expect(harness.write(.delete, "/projects/project-zhou-orchard?cascade=true").status == .noContent)
        let organization = try #require(try harness.record("/party-organizations/\(id)"))
        #expect(organization["projectId"] == .null)
    }

    static let project =
        #"{"name":"交通村蔬菜大棚","kind":"collective","category":"planting","villageId":"village-jiaotong","#
        + #""leaderName":"交通村村委会","investmentYuan":500000,"supportYuan":200000,"techSupport":false,"#
        + #""expectedAnnualOutputYuan":300000,"expectedAnnualProfitYuan":90000,"beneficiaries":120,"jobs":8,"#
        + #""status":"active""#

    @Test func aProjectsMoney_mustAddUp() throws {
        let before = harness.snapshot
        try expectRefused(
            harness.write(.post, "/projects", Self.project.replacing("90000", with: "390000") + "}"),
            pointer: "/expectedAnnualProfitYuan", message: "expectedAnnualOutputYuan", unchanged: before, in: harness)
        try expectRefused(
            harness.write(.post, "/projects", Self.project.replacing("200000", with: "600000") + "}"),
            pointer: "/supportYuan", message: "investmentYuan", unchanged: before, in: harness)
        try expectRefused(
            harness.write(.post, "/projects", Self.project + #","funding":{"village":100000,"district":50000}}"#),
            pointer: "/funding", message: "add up to 150000", unchanged: before, in: harness)
        try expectRefused(
            harness.write(.post, "/projects", Self.project + #","funding":{"district":1000000000001}}"#),
            pointer: "/funding/district", message: "at most", unchanged: before, in: harness)
    }

    @Test func fundingThatAddsUpToTheSupport_isAccepted_andItsDistrictPartMovesC12() throws {
        let key = "collectiveEconomy.districtFiscalSupportYuan"
        let before = try #require(try harness.stat(key))
        // The parts of the support alone: the district's 150,000 and the town's 50,000.
        let created = harness.write(
            .post, "/projects", Self.project + #","funding":{"district":150000,"town":50000}}"#)
        #expect(created.status == .created)
        #expect(try harness.stat(key) == before + 150_000)
        let record = try JSONParser.parse(created.body)
        #expect(record["funding"]?["district"] == .int(150_000))
        #expect(record["funding"]?["own"] == .int(0))
        // The whole investment broken down is accepted too.
        let whole = harness.write(
            .post, "/projects", Self.project + #","funding":{"village":300000,"district":200000}}"#)
        #expect(whole.status == .created)
        #expect(try harness.stat(key) == before + 350_000)
    }

    @Test func statsWork_countsTheStrandAndCounterpart_ofEveryWrite() throws {
        let before = try harness.json("/stats")["work"]
        let strand = try #require(before?["byActivity"]?["serve_development"]?.number)
        let veterans = try #require(before?["byCounterpart"]?["veteran"]?.number)
        let body = Bodies.visit.replacing(
            #""summary""#, with: #""activity":"serve_development","counterpart":"veteran","summary""#)
        #expect(harness.write(.post, "/assistance-records", body).status == .created)
        let after = try harness.json("/stats")["work"]
        #expect(after?["byActivity"]?["serve_development"]?.number == strand + 1)
        #expect(after?["byCounterpart"]?["veteran"]?.number == veterans + 1)
        let filtered = try harness.json("/assistance-records?activity=serve_development&counterpart=veteran&limit=1")
        #expect(filtered["total"]?.number ?? 0 >= 1)
    }
}
