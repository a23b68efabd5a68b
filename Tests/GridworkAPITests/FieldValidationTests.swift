import GridworkAPI
import GridworkStore
import HTTP1
import HTTPResponder
import HTTPTypes
import JSON
import Testing

// What a record body may hold, at the edges: lengths in code points, the date range, control
// characters, empty ids, and how many problems one 422 lists. Through the real responder.

extension APIHarness {
    /// The seed records, generated once for these tests.
    private static let validationSeed = SeedGenerator.generate()

    /// A harness over a fresh seeded store, for tests that write.
    fileprivate static func forValidation() -> APIHarness {
        APIHarness(store: Store(seed: validationSeed))
    }

    /// `POST /{resource}` with `json`.
    fileprivate func create(_ resource: String, _ json: String) -> Response {
        responder.respond(to: .make("/\(resource)", method: .post, json: json))
    }
}

/// The problem body of a response, and its `errors` as (field, message) pairs.
private func problem(_ response: Response) throws -> (detail: String, errors: [(field: String, message: String)]) {
    let body = try JSONParser.parse(response.body)
    let errors = (body["errors"]?.items ?? []).map { ($0["field"]?.text ?? "", $0["message"]?.text ?? "") }
    return (body["detail"]?.text ?? "", errors)
}

private func townJSON(name: String) -> String {
    var writer = JSONWriter(capacity: name.utf8.count + 40)
    writer.raw(#"{"name":"#)
    writer.string(name)
    writer.raw(#","kind":"town"}"#)
    return String(decoding: writer.bytes, as: UTF8.self)
}

private func recordJSON(date: String = "2014-05-06", cadreId: String = "cadre-0001", summary: String = "走访")
    -> String
{
    var writer = JSONWriter(capacity: 200 + summary.utf8.count)
    writer.raw(#"{"type":"visit","date":"#)
    writer.string(date)
    writer.raw(#","cadreId":"#)
    writer.string(cadreId)
    writer.raw(#","gridId":"grid-0001","summary":"#)
    writer.string(summary)
    writer.raw("}")
    return String(decoding: writer.bytes, as: UTF8.self)
}

struct FieldValidationTests {
    // MARK: Lengths count code points

    @Test func post_refuses_aNameOfOneLetterAndManyCombiningMarks() throws {
        let harness = APIHarness.forValidation()
        // One grapheme cluster, 200,001 code points: JSON Schema's maxLength 100 refuses it.
        let name = "a" + String(repeating: "\u{301}", count: 200_000)
        #expect(name.count == 1)

        let response = harness.create("towns", townJSON(name: name))

        #expect(response.status == .unprocessableContent)
        let errors = try problem(response).errors
        #expect(errors.count == 1)
        #expect(errors.first?.field == "/name")
        #expect(errors.first?.message.contains("200001") == true, "\(errors)")
    }

    @Test func post_accepts_aNameOfExactlyTheMaximumInCJKCodePoints_andRefusesOneMore() throws {
        let harness = APIHarness.forValidation()

        let longest = harness.create("towns", townJSON(name: String(repeating: "汇", count: 100)))
        let tooLong = harness.create("towns", townJSON(name: String(repeating: "汇", count: 101)))

        #expect(longest.status == .created)
        #expect(tooLong.status == .unprocessableContent)
        #expect(try problem(tooLong).errors.first?.field == "/name")
    }

    @Test func post_countsFreeText_inCodePoints() throws {
        let harness = APIHarness.forValidation()
        // 1,000 clusters of two code points each: 2,000, the most a summary may hold.
        let atLimit = String(repeating: "e\u{301}", count: Schema.maxTextLength / 2)
        #expect(atLimit.count == 1000)

        #expect(harness.create("assistance-records", recordJSON(summary: atLimit)).status == .created)
        let over = harness.create("assistance-records", recordJSON(summary: atLimit + "\u{301}"))
        #expect(over.status == .unprocessableContent)
        #expect(try problem(over).errors.map(\.field) == ["/summary"])
    }

    // MARK: Dates

    @Test(arguments: ["0001-01-01", "1999-12-31", "2100-01-01", "9999-12-31"])
    func post_refuses_aDateOutsideTheAcceptedRange(_ date: String) throws {
        let harness = APIHarness.forValidation()
        let before = harness.store.revision

        let response = harness.create("assistance-records", recordJSON(date: date))

        #expect(response.status == .unprocessableContent)
        let errors = try problem(response).errors
        #expect(errors.map(\.field) == ["/date"])
        #expect(errors.first?.message.contains("2000-01-01 to 2099-12-31") == true, "\(errors)")
        #expect(harness.store.revision == before)
    }

    @Test(arguments: ["2000-01-01", "2000-02-29", "2099-12-31"])
    func post_accepts_theEdgesOfTheDateRange(_ date: String) {
        let harness = APIHarness.forValidation()
        #expect(harness.create("assistance-records", recordJSON(date: date)).status == .created)
    }

    // MARK: Control characters

    @Test(arguments: [("\u{0}", "U+0000"), ("\u{1}", "U+0001"), ("\u{1B}", "U+001B"), ("\u{1F}", "U+001F")])
    func post_refuses_aControlCharacter_inText_namingTheFieldAndTheCharacter(_ character: String, _ code: String)
        throws
    {
        let harness = APIHarness.forValidation()

        let inSummary = harness.create("assistance-records", recordJSON(summary: "走访\(character)群众"))
        let inName = harness.create("towns", townJSON(name: "镇\(character)"))

        #expect(inSummary.status == .unprocessableContent)
        let summaryErrors = try problem(inSummary).errors
        #expect(summaryErrors.map(\.field) == ["/summary"])
        #expect(summaryErrors.first?.message.contains(code) == true, "\(summaryErrors)")
        #expect(summaryErrors.first?.message.contains("at character 3") == true, "\(summaryErrors)")
        #expect(inName.status == .unprocessableContent)
        #expect(try problem(inName).errors.map(\.field) == ["/name"])
    }

    @Test func post_accepts_tabLineFeedAndCarriageReturn_inText() {
        let harness = APIHarness.forValidation()
        let response = harness.create("assistance-records", recordJSON(summary: "一\t二\n三\r\n四"))
        #expect(response.status == .created)
    }

    // MARK: Ids

    @Test func post_refuses_anEmptyId_sayingItIsEmpty() throws {
        let harness = APIHarness.forValidation()

        let response = harness.create("assistance-records", recordJSON(cadreId: ""))

        #expect(response.status == .unprocessableContent)
        let errors = try problem(response).errors
        #expect(errors.map(\.field) == ["/cadreId"])
        let message = try #require(errors.first?.message)
        #expect(message.contains("empty"), "\(message)")
        #expect(!message.contains("got string"), "\(message)")
    }

    // MARK: How many problems one answer lists

    @Test func post_lists_atMostTheMaximumOfErrors_andSaysHowManyMoreThereWere() throws {
        let harness = APIHarness.forValidation()
        var json = #"{"name":"新镇","kind":"town""#
        for number in 0..<60_000 { json += #","k\#(number)":1"# }
        json += "}"

        let response = harness.create("towns", json)

        #expect(response.status == .unprocessableContent)
        let (detail, errors) = try problem(response)
        #expect(errors.count == APIError.maxListedErrors)
        #expect(errors.first?.field == "/k0")
        #expect(detail.contains("60000 fields are invalid"), "\(detail)")
        #expect(detail.contains("59900 more"), "\(detail)")
        #expect(response.body.count < 20_000, "a 422 of \(response.body.count) bytes")
    }

    @Test func post_listsEveryError_whenThereAreNoMoreThanTheMaximum() throws {
        let harness = APIHarness.forValidation()
        var json = #"{"name":"新镇","kind":"town""#
        for number in 0..<APIError.maxListedErrors { json += #","k\#(number)":1"# }
        json += "}"

        let (detail, errors) = try problem(harness.create("towns", json))

        #expect(errors.count == APIError.maxListedErrors)
        #expect(!detail.contains("more"), "\(detail)")
    }
}
