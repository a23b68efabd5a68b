import GridworkAPI
import GridworkStore
import HTTP1
import HTTPResponder
import HTTPTypes
import JSON
import Testing

// `/stats/timeline` stays small whatever dates the data holds: writes refuse dates outside
// 2000…2099, but a data directory written before that rule may still hold 0001-01-01.

/// The seed plus one assistance record dated `date`, as a journal from before the date range
/// could hold it.
private func harness(withRecordDated date: String) throws -> (APIHarness, records: Int) {
    var seed = SeedGenerator.generate()
    let visit = try #require(seed.first { $0.0 == .assistanceRecords }?.1)
    var stray = visit
    stray.id = "record-9999999"
    stray[AssistanceField.date] = .string(date)
    seed.append((.assistanceRecords, stray))
    let records = seed.filter { $0.0 == .assistanceRecords }.count
    return (APIHarness(store: Store(seed: seed)), records)
}

/// The timeline's periods, the sum of their counts, and its `omitted…` members.
private func timeline(_ harness: APIHarness, _ interval: String) throws -> (
    labels: [String], listed: Int, omittedPeriods: Int?, omittedRecords: Int?, bytes: Int
) {
    let response = harness.get("/stats/timeline?interval=\(interval)")
    #expect(response.status == .ok)
    let body = try JSONParser.parse(response.body)
    let periods = body["periods"]?.items ?? []
    var listed = 0
    for period in periods {
        guard case .object(let counts)? = period["counts"] else { continue }
        listed += counts.reduce(0) { $0 + ($1.value.number ?? 0) }
    }
    return (
        periods.compactMap { $0["label"]?.text }, listed, body["omittedPeriods"]?.number,
        body["omittedRecords"]?.number, response.body.count
    )
}

struct TimelineBoundTests {
    @Test func weekly_withARecordDatedInYearOne_listsTheLatestPeriodsOnly_andSaysWhatItLeftOut() throws {
        let (harness, records) = try harness(withRecordDated: "0001-01-01")

        let answer = try timeline(harness, "week")

        #expect(answer.labels.count == Timeline.maxPeriods)
        #expect(answer.labels.last == "2014-W32", "ends with the week of the last record, 2014-08-05")
        #expect(answer.omittedRecords == 1)
        #expect(answer.listed + (answer.omittedRecords ?? 0) == records)
        // From 0001-W01 to ten years before 2014: about 2,000 years of weeks.
        #expect((answer.omittedPeriods ?? 0) > 100_000)
        #expect(answer.bytes < 250_000, "a timeline of \(answer.bytes) bytes")
    }

    @Test func monthly_withARecordDatedInYear9999_endsThere_andCountsTheSeedAsOmitted() throws {
        let (harness, records) = try harness(withRecordDated: "9999-12-31")

        let answer = try timeline(harness, "month")

        #expect(answer.labels.count == Timeline.maxPeriods)
        #expect(answer.labels.last == "9999-12")
        #expect(answer.listed == 1)
        #expect(answer.omittedRecords == records - 1)
        #expect(answer.bytes < 250_000, "a timeline of \(answer.bytes) bytes")
    }

    @Test func seed_isListedWhole_withNothingOmitted() throws {
        let answer = try timeline(APIHarness.shared, "week")

        #expect(answer.labels.count < Timeline.maxPeriods)
        #expect(answer.omittedPeriods == 0)
        #expect(answer.omittedRecords == 0)
    }
}
