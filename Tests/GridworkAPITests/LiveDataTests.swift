import Foundation
import GridworkAPI
import GridworkStore
import HTTP1
import HTTPResponder
import HTTPTypes
import JSON
import Logging
import Synchronization
import Testing

// The live-data routes through the real responder, in-process: `/stats/timeline`, `/metrics`,
// CSV listings (their streams pulled here as a connection would pull them) and the dashboard at `/`.
// Tests that write use a fresh seeded harness of their own, never `.shared`.

extension APIHarness {
    /// The seed records, generated once for this file's tests.
    private static let liveSeed = SeedGenerator.generate()

    /// A harness over a fresh store holding the seed.
    fileprivate static func liveFresh() -> APIHarness {
        APIHarness(store: Store(seed: liveSeed))
    }

    /// Sends `method` to `target` with `fields`, and `json` as an `application/json` body.
    fileprivate func send(
        _ method: HTTPRequest.Method = .get, _ target: String, json: String? = nil, _ fields: HTTPFields = [:]
    ) -> Response {
        responder.respond(to: .make(target, method: method, fields: fields, json: json))
    }

    /// Creates an assistance record; returns its id.
    fileprivate func createRecord(_ json: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let response = send(.post, "/assistance-records", json: json)
        #expect(
            response.status == .created, "\(String(decoding: response.body, as: UTF8.self))",
            sourceLocation: sourceLocation)
        return try #require(try JSONParser.parse(response.body)["id"]?.text, sourceLocation: sourceLocation)
    }

    /// Every record of a listing, walked page by page through the cursors (500 a page).
    fileprivate func walk(_ path: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [JSONValue] {
        var records: [JSONValue] = []
        var target = path + (path.contains("?") ? "&" : "?") + "limit=500"
        while true {
            let page = try JSONParser.parse(get(target).body)
            records += try #require(page["data"]?.items, sourceLocation: sourceLocation)
            guard let next = page["next"]?.text else { return records }
            target = path + (path.contains("?") ? "&" : "?") + "limit=500&cursor=" + next
        }
    }
}

/// A visit, with the given date and summary, by cadre-0001 in grid-0001.
private func visitJSON(date: String = "2014-05-06", summary: String = "到网格走访", household: String? = nil) -> String {
    var writer = JSONWriter()
    var members: [(key: String, value: JSONValue)] = [
        ("type", .string("visit")), ("date", .string(date)), ("cadreId", .string("cadre-0001")),
        ("gridId", .string("grid-0001")), ("summary", .string(summary)),
    ]
    if let household { members.append(("householdName", .string(household))) }
    writer.value(.object(members))
    return String(decoding: writer.bytes, as: UTF8.self)
}

private func fundingJSON(date: String, amount: Int) -> String {
    #"{"type":"funding","date":"\#(date)","cadreId":"cadre-0001","gridId":"grid-0001","householdName":"王明","#
        + #""amountYuan":\#(amount),"summary":"帮扶资金"}"#
}

// MARK: Timeline

/// One period of a timeline answer.
private struct Period: Equatable {
    var label: String
    var start: String
    var counts: [String: Int]
    var fundsYuan: Int
}

private func timeline(_ harness: APIHarness, _ query: String, sourceLocation: SourceLocation = #_sourceLocation)
    throws -> (types: [String], periods: [Period], body: JSONValue)
{
    let response = harness.get("/stats/timeline" + query)
    #expect(response.status == .ok, sourceLocation: sourceLocation)
    #expect(response.headerFields[.contentType] == MediaType.json, sourceLocation: sourceLocation)
    let body = try JSONParser.parse(response.body)
    let types = (body["types"]?.items ?? []).compactMap(\.text)
    let periods = try (body["periods"]?.items ?? []).map { item in
        var counts: [String: Int] = [:]
        if case .object(let members)? = item["counts"] {
            for (key, value) in members { counts[key] = value.number }
        }
        return Period(
            label: try #require(item["label"]?.text, sourceLocation: sourceLocation),
            start: try #require(item["start"]?.text, sourceLocation: sourceLocation),
            counts: counts,
            fundsYuan: try #require(item["fundsYuan"]?.number, sourceLocation: sourceLocation))
    }
    return (types, periods, body)
}

private func total(_ periods: [Period], _ type: String) -> Int {
    periods.reduce(0) { $0 + ($1.counts[type] ?? 0) }
}

/// `YYYY-MM-DD` at noon UTC (noon keeps every conversion on the same day).
private func day(_ text: String) throws -> Date {
    var components = DateComponents()
    let parts = text.split(separator: "-").compactMap { Int($0) }
    try #require(parts.count == 3, "not a date: \(text)")
    (components.year, components.month, components.day, components.hour) = (parts[0], parts[1], parts[2], 12)
    return try #require(isoCalendar.date(from: components))
}

/// Foundation's ISO 8601 calendar, in UTC: the oracle for week labels.
private let isoCalendar: Calendar = {
    var calendar = Calendar(identifier: .iso8601)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    return calendar
}()

/// `2014-W01` for a date, by Foundation's ISO week rules.
private func isoWeekLabel(_ date: Date) -> String {
    let components = isoCalendar.dateComponents([.yearForWeekOfYear, .weekOfYear], from: date)
    let week = components.weekOfYear!
    return "\(components.yearForWeekOfYear!)-W\(week < 10 ? "0" : "")\(week)"
}

struct TimelineTests {
    /// The `/stats` figure each record type adds up to.
    static let figures = [
        "visit": "visits", "household_visit": "householdsVisited", "suggestion": "suggestions",
        "household_pairing": "pairedHouseholds", "good_deed": "goodDeeds", "problem_resolved": "problemsResolved",
        "branch_pairing": "branchPairings",
    ]

    @Test func monthly_coversEveryMonth_andSumsToTheStatsFigures() throws {
        let harness = APIHarness.shared
        let stats = try harness.json("/stats")
        let (types, periods, body) = try timeline(harness, "?interval=month")

        #expect(body["interval"]?.text == "month")
        #expect(body["townId"] == .null)
        #expect(body["revision"]?.number == harness.store.revision)
        #expect(types == Timeline.types)
        #expect(types.count == 8)
        #expect(
            periods.map(\.label) == (1...8).map { "2014-0\($0)" }, "January (the first record) to August (the last)")
        #expect(periods.allSatisfy { $0.start == $0.label + "-01" })
        #expect(periods.allSatisfy { Set($0.counts.keys) == Set(types) }, "every type is counted in every period")

        #expect(total(periods, "visit") == 13_300)
        for (type, figure) in Self.figures {
            #expect(total(periods, type) == stats["gridService"]?[figure]?.number, "\(type) → \(figure)")
        }
        #expect(periods.reduce(0) { $0 + $1.fundsYuan } == stats["gridService"]?["fundsYuan"]?.number)
        #expect(periods.reduce(0) { $0 + $1.fundsYuan } == 3_600_000)
        let records = periods.reduce(0) { sum, period in sum + period.counts.values.reduce(0, +) }
        #expect(records == harness.store.count(.assistanceRecords))
        // Without `interval`, months.
        #expect(try timeline(harness, "").periods == periods)
    }

    @Test func weekly_usesISOWeeks_startingOnMonday_withNoGaps() throws {
        let harness = APIHarness.shared
        let (_, periods, body) = try timeline(harness, "?interval=week")

        #expect(body["interval"]?.text == "week")
        let first = try #require(periods.first)
        #expect(first.label == "2014-W01", "2014-01-01, a Wednesday, is in 2014-W01")
        #expect(first.start == "2013-12-30", "2014-W01 starts on Monday 2013-12-30")
        var previous: Date?
        for period in periods {
            let start = try day(period.start)
            #expect(isoCalendar.component(.weekday, from: start) == 2, "\(period.start) is not a Monday")
            #expect(period.label == isoWeekLabel(start), "\(period.start) is in \(isoWeekLabel(start))")
            if let previous {
                #expect(
                    isoCalendar.dateComponents([.day], from: previous, to: start).day == 7, "gap before \(period.label)"
                )
            }
            previous = start
        }
        #expect(periods.last?.label == isoWeekLabel(try day("2014-08-05")), "to the week of the last record")
        #expect(total(periods, "visit") == 13_300)
        #expect(periods.reduce(0) { $0 + $1.fundsYuan } == 3_600_000)
    }

    @Test func weekly_labelsYearBoundaries_byTheWeeksThursday() throws {
        let harness = APIHarness.liveFresh()
        _ = try harness.createRecord(visitJSON(date: "2014-12-31"))
        _ = try harness.createRecord(visitJSON(date: "2016-01-01"))
        let (_, weeks, _) = try timeline(harness, "?interval=week")
        let (_, months, _) = try timeline(harness, "?interval=month")

        // 2014-12-31 is a Wednesday of 2015-W01 (Monday 2014-12-29); 2016-01-01 a Friday of 2015-W53.
        let newYear = try #require(weeks.first { $0.start == "2014-12-29" })
        #expect(newYear.label == "2015-W01")
        #expect(newYear.counts["visit"] == 1)
        let last = try #require(weeks.last)
        #expect(last.label == "2015-W53")
        #expect(last.start == "2015-12-28")
        #expect(last.counts["visit"] == 1)
        for period in weeks {
            #expect(period.label == isoWeekLabel(try day(period.start)), "\(period.start)")
        }
        let expectedWeeks =
            isoCalendar.dateComponents([.day], from: try day("2013-12-30"), to: try day("2015-12-28"))
            .day! / 7 + 1
        #expect(weeks.count == expectedWeeks, "every week from the first to the last, empty ones included")
        // Months from 2014-01 to 2016-01, empty ones at zero.
        #expect(months.count == 25)
        #expect(months.last?.label == "2016-01")
        let empty = try #require(months.first { $0.label == "2015-06" })
        #expect(empty.counts.values.allSatisfy { $0 == 0 } && empty.fundsYuan == 0)
    }

    @Test func townFilter_sumsToThatTownsFigures() throws {
        let harness = APIHarness.shared
        let towns = try #require(try harness.json("/stats")["byTown"]?.items)
        #expect(towns.count == 9)
        var visits = 0
        for town in towns {
            let id = try #require(town["townId"]?.text)
            let (_, periods, body) = try timeline(harness, "?interval=month&townId=\(id)")
            #expect(body["townId"]?.text == id)
            #expect(total(periods, "visit") == town["visits"]?.number, "visits of \(id)")
            #expect(periods.reduce(0) { $0 + $1.fundsYuan } == town["fundsYuan"]?.number, "funds of \(id)")
            visits += total(periods, "visit")
        }
        #expect(visits == 13_300, "the towns' timelines add up to the district's")
    }

    @Test(arguments: [
        "?interval=year", "?interval=Month", "?interval=", "?townId=town-nowhere", "?townId=village-jiaotong",
        "?interval=month&page=2", "?interval=week&interval=month", "?interval=week&townId=town-banqiao&x=1",
    ])
    func badQuery_answers400(_ query: String) throws {
        let response = APIHarness.shared.get("/stats/timeline" + query)
        #expect(response.status == .badRequest)
        #expect(response.headerFields[.contentType] == MediaType.problemJSON)
        #expect(try JSONParser.parse(response.body)["status"]?.number == 400)
    }

    @Test func write_movesTheCountOfItsPeriodOnly() throws {
        let harness = APIHarness.liveFresh()
        let town = try #require(harness.store.record(.grids, id: "grid-0001")?.values[2].string)
        let months = try timeline(harness, "?interval=month").periods
        let weeks = try timeline(harness, "?interval=week").periods
        let townMonths = try timeline(harness, "?interval=month&townId=\(town)").periods

        _ = try harness.createRecord(visitJSON(date: "2014-05-06"))
        _ = try harness.createRecord(fundingJSON(date: "2014-03-10", amount: 5_000))

        let (_, monthsAfter, body) = try timeline(harness, "?interval=month")
        #expect(body["revision"]?.number == harness.store.revision, "a new answer, not the cached one")
        var expected = months
        expected[4].counts["visit"]! += 1
        expected[2].counts["funding"]! += 1
        expected[2].fundsYuan += 5_000
        #expect(monthsAfter == expected, "May gains a visit and March a funding; nothing else moves")

        // 2014-05-06 is the Tuesday of 2014-W19 (Monday 2014-05-05); 2014-03-10 the Monday of 2014-W11.
        let weeksAfter = try timeline(harness, "?interval=week").periods
        var expectedWeeks = weeks
        let may = try #require(expectedWeeks.firstIndex { $0.label == "2014-W19" })
        #expect(expectedWeeks[may].start == "2014-05-05")
        expectedWeeks[may].counts["visit"]! += 1
        let march = try #require(expectedWeeks.firstIndex { $0.label == "2014-W11" })
        #expect(expectedWeeks[march].start == "2014-03-10")
        expectedWeeks[march].counts["funding"]! += 1
        expectedWeeks[march].fundsYuan += 5_000
        #expect(weeksAfter == expectedWeeks)

        let townAfter = try timeline(harness, "?interval=month&townId=\(town)").periods
        #expect(total(townAfter, "visit") == total(townMonths, "visit") + 1)
        #expect(townAfter.reduce(0) { $0 + $1.fundsYuan } == townMonths.reduce(0) { $0 + $1.fundsYuan } + 5_000)
    }
}

// MARK: Metrics

/// `/metrics` parsed: sample (name with labels) → value, and the families' `# TYPE`s.
private struct Exposition {
    var samples: [(series: String, value: Double)] = []
    var types: [String: String] = [:]
    var help: [String: String] = [:]

    init(_ text: String) {
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# HELP ") {
                let parts = line.split(separator: " ", maxSplits: 3)
                if parts.count == 4 { help[String(parts[2])] = String(parts[3]) }
                continue
            }
            if line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ")
                if parts.count == 4 { types[String(parts[2])] = String(parts[3]) }
                continue
            }
            if line.hasPrefix("#") { continue }
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                continue
            }
            samples.append((String(line[..<space]), value))
        }
    }

    subscript(series: String) -> Double? {
        samples.first { $0.series == series }?.value
    }

    /// Samples whose name (before any `{`) is `name`.
    func family(_ name: String) -> [(series: String, value: Double)] {
        samples.filter { $0.series == name || $0.series.hasPrefix(name + "{") }
    }
}

/// A journal that has synced everything, with fixed counters.
private struct SyncedJournal: WriteDurability {
    func whenDurable(_ revision: Int, _ settled: @escaping @Sendable (_ failure: String?) -> Void) { settled(nil) }
    var failure: String? { nil }
    func requestCompaction() -> Bool { true }
    var statistics: (bytes: Int, changes: Int, syncs: Int, failed: Bool) { (4096, 3, 2, false) }
}

private func metrics(_ harness: APIHarness, sourceLocation: SourceLocation = #_sourceLocation) -> Exposition {
    let response = harness.get("/metrics")
    #expect(response.status == .ok, sourceLocation: sourceLocation)
    return Exposition(String(decoding: response.body, as: UTF8.self))
}

struct MetricsTests {
    @Test func metrics_isPrometheusText_0_0_4() throws {
        let harness = APIHarness.liveFresh()
        // A counter series exists from its first increment on.
        _ = harness.get("/healthz")
        let response = harness.get("/metrics")
        #expect(response.status == .ok)
        #expect(response.headerFields[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
        let text = String(decoding: response.body, as: UTF8.self)
        #expect(text.hasSuffix("\n"))
        let exposition = Exposition(text)
        for sample in exposition.samples {
            let family = String(sample.series.prefix { $0 != "{" })
            let base = ["_bucket", "_sum", "_count"].reduce(family) { name, suffix in
                exposition.types[name] == nil && name.hasSuffix(suffix) ? String(name.dropLast(suffix.count)) : name
            }
            #expect(exposition.types[base] != nil, "\(sample.series) has no # TYPE")
        }
        #expect(exposition.types["gridwork_http_request_duration_seconds"] == "histogram")
        #expect(exposition.types["gridwork_http_requests_total"] == "counter")
        #expect(harness.get("/metrics?format=json").status == .badRequest)
    }

    /// `promtool check metrics` fails a family without a `# HELP` line.
    @Test func everyFamily_hasHelpText() {
        let harness = APIHarness.liveFresh()
        _ = harness.get("/healthz")
        let exposition = metrics(harness)
        #expect(exposition.types["gridwork_http_requests_total"] != nil && exposition.types["gridwork_records"] != nil)
        for family in exposition.types.keys {
            #expect(exposition.help[family].map { !$0.isEmpty } == true, "\(family) has no # HELP")
        }
    }

    @Test func requests_areCountedByRoutePattern_notByPath() throws {
        let harness = APIHarness.liveFresh()
        #expect(harness.get("/towns/town-x").status == .notFound)
        #expect(harness.get("/towns/town-banqiao").status == .ok)
        #expect(harness.get("/towns/town-gaoping").status == .ok)
        #expect(harness.get("/grids/grid-0001/cadres").status == .ok)
        #expect(harness.get("/stats").status == .ok)
        #expect(harness.get("/stats").status == .ok)
        #expect(harness.get("/no/such/thing").status == .notFound)
        #expect(harness.send(.post, "/stats", json: "{}").status == .methodNotAllowed)

        let exposition = metrics(harness)
        let requests = exposition.family("gridwork_http_requests_total")
        #expect(exposition[#"gridwork_http_requests_total{route="/towns/:id",method="GET",status="404"}"#] == 1)
        #expect(exposition[#"gridwork_http_requests_total{route="/towns/:id",method="GET",status="200"}"#] == 2)
        #expect(exposition[#"gridwork_http_requests_total{route="/grids/:id/cadres",method="GET",status="200"}"#] == 1)
        #expect(exposition[#"gridwork_http_requests_total{route="/stats",method="GET",status="200"}"#] == 2)
        #expect(exposition[#"gridwork_http_requests_total{route="/stats",method="POST",status="405"}"#] == 1)
        #expect(
            requests.contains { $0.series.contains("status=\"404\"") && !$0.series.contains("/towns") },
            "the unmatched path is counted too")
        for sample in requests {
            for raw in ["town-x", "town-banqiao", "grid-0001", "/no/such/thing"] {
                #expect(!sample.series.contains(raw), "a raw path in a label: \(sample.series)")
            }
        }
        #expect(requests.reduce(0) { $0 + $1.value } == 8, "every request before /metrics, once")
    }

    @Test func latencyHistogram_isCumulative_andCountsEveryRequest() throws {
        let harness = APIHarness.liveFresh()
        for path in ["/healthz", "/stats", "/stats/report", "/towns", "/assistance-records?limit=500", "/nowhere"] {
            _ = harness.get(path)
        }
        _ = harness.get("/assistance-records?limit=1")

        let exposition = metrics(harness)
        let buckets = exposition.family("gridwork_http_request_duration_seconds_bucket")
        #expect(buckets.count == 13, "12 bounds and +Inf")
        var bounds: [Double] = []
        var counts: [Double] = []
        for bucket in buckets {
            let le = try #require(bucket.series.split(separator: "\"").dropFirst().first)
            bounds.append(le == "+Inf" ? .infinity : try #require(Double(le)))
            counts.append(bucket.value)
        }
        #expect(bounds == bounds.sorted(), "buckets in increasing order")
        #expect(bounds.last == .infinity)
        #expect(counts == counts.sorted(), "bucket counts are cumulative: \(counts)")
        let count = try #require(exposition["gridwork_http_request_duration_seconds_count"])
        #expect(counts.last == count, "+Inf counts every observation")
        #expect(count == 7)
        let requests = exposition.family("gridwork_http_requests_total").reduce(0) { $0 + $1.value }
        #expect(count == requests, "_count equals the requests counted by route")
        let sum = try #require(exposition["gridwork_http_request_duration_seconds_sum"])
        #expect(sum > 0 && sum < 60)

        // The next scrape counts the previous one.
        #expect(metrics(harness)["gridwork_http_request_duration_seconds_count"] == count + 1)
    }

    @Test func records_andRevision_followTheStore() throws {
        let harness = APIHarness.liveFresh()
        let before = metrics(harness)
        for kind in ResourceKind.allCases {
            #expect(
                before[#"gridwork_records{resource="\#(kind.rawValue)"}"#] == Double(harness.store.count(kind)),
                "\(kind.rawValue)")
        }
        #expect(before[#"gridwork_records{resource="assistance-records"}"#] == 19_564)
        #expect(before["gridwork_store_revision"] == Double(harness.store.revision))
        #expect(before["gridwork_stats_stream_subscribers"] == 0)

        _ = try harness.createRecord(visitJSON())
        let after = metrics(harness)
        #expect(after["gridwork_store_revision"] == before["gridwork_store_revision"].map { $0 + 1 })
        #expect(after[#"gridwork_records{resource="assistance-records"}"#] == 19_565)
        #expect(after[#"gridwork_records{resource="towns"}"#] == before[#"gridwork_records{resource="towns"}"#])
        #expect(after[#"gridwork_http_requests_total{route="/assistance-records",method="POST",status="201"}"#] == 1)
    }

    @Test func notAcceptable_isCounted_as406_notAsTheResponseItReplaced() throws {
        let harness = APIHarness.liveFresh()
        #expect(harness.get("/healthz", [.acceptEncoding: "*;q=0"]).status == .notAcceptable)

        let exposition = metrics(harness)
        #expect(exposition[#"gridwork_http_requests_total{route="/healthz",method="GET",status="406"}"#] == 1)
        #expect(exposition[#"gridwork_http_requests_total{route="/healthz",method="GET",status="200"}"#] == nil)
    }

    @Test func responsesTheServerSendsOnItsOwn_areCounted_withTheirStatus() throws {
        let harness = APIHarness.liveFresh()
        for status in [400, 408, 413, 414, 431, 505, 431] {
            harness.metrics.responded(method: nil, path: nil, route: nil, status: status, duration: nil)
        }

        let exposition = metrics(harness)
        for status in [400, 408, 413, 414, 505] {
            #expect(exposition[#"gridwork_http_requests_total{route="-",method="-",status="\#(status)"}"#] == 1)
        }
        #expect(exposition[#"gridwork_http_requests_total{route="-",method="-",status="431"}"#] == 2)
        #expect(exposition["gridwork_http_request_duration_seconds_count"] == 0, "nothing parsed, nothing timed")
    }

    @Test func exposition_keepsEveryMetricName_andType_dashboardsUse() throws {
        let server = Mutex(ServerGauges(openConnections: 2, bytesReceived: 100, bytesSent: 200))
        let metrics = MetricsCollector()
        let responder = CountingResponder(
            inner: makeResponder(
                store: Store(),
                configuration: APIConfiguration(
                    durability: SyncedJournal(), serverGauges: { server.withLock { $0 } }, metrics: metrics),
                logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })),
            metrics: metrics)
        _ = responder.respond(to: .make("/healthz"))

        let first = Exposition(String(decoding: responder.respond(to: .make("/metrics")).body, as: UTF8.self))
        let expected = [
            "gridwork_http_requests_total": "counter", "gridwork_http_request_duration_seconds": "histogram",
            "gridwork_open_connections": "gauge", "gridwork_received_bytes_total": "counter",
            "gridwork_sent_bytes_total": "counter", "gridwork_store_revision": "gauge", "gridwork_records": "gauge",
            "gridwork_stats_stream_subscribers": "gauge", "gridwork_journal_bytes": "gauge",
            "gridwork_journal_changes_total": "counter", "gridwork_journal_syncs_total": "counter",
            "gridwork_journal_failed": "gauge",
        ]
        #expect(first.types == expected)
        #expect(first["gridwork_open_connections"] == 2)
        #expect(first["gridwork_sent_bytes_total"] == 200)
        #expect(first["gridwork_journal_syncs_total"] == 2)
        #expect(first[#"gridwork_records{resource="towns"}"#] == 0)

        // Totals kept elsewhere are followed, not added up twice.
        server.withLock { $0 = ServerGauges(openConnections: 1, bytesReceived: 150, bytesSent: 500) }
        let second = Exposition(String(decoding: responder.respond(to: .make("/metrics")).body, as: UTF8.self))
        #expect(second["gridwork_open_connections"] == 1)
        #expect(second["gridwork_received_bytes_total"] == 150)
        #expect(second["gridwork_sent_bytes_total"] == 500)
        #expect(second["gridwork_journal_syncs_total"] == 2)
    }

    @Test func inventedMethods_shareOneSeries() throws {
        let harness = APIHarness.liveFresh()
        for method in ["BREW", "WHEN", "PROPFIND"] {
            _ = harness.send(HTTPRequest.Method(method)!, "/stats")
        }

        let requests = metrics(harness).family("gridwork_http_requests_total")
        #expect(requests.count == 1, "\(requests)")
        #expect(requests.first?.series.contains(#"method="other""#) == true)
        #expect(requests.first?.value == 3)
    }
}

// MARK: CSV

/// A strict RFC 4180 reader: CRLF record ends, fields quoted when they hold `,` `"` CR or LF,
/// `""` for a quote inside quotes. Records an issue for anything else.
private func parseCSV(_ bytes: some Collection<UInt8>, sourceLocation: SourceLocation = #_sourceLocation) -> [[String]]
{
    let text = Array(bytes)
    var rows: [[String]] = []
    var row: [String] = []
    var field: [UInt8] = []
    var index = 0
    var quoted = false
    var atFieldStart = true
    func endField() {
        row.append(String(decoding: field, as: UTF8.self))
        field = []
        atFieldStart = true
    }
    while index < text.count {
        let byte = text[index]
        if quoted {
            if byte == UInt8(ascii: "\"") {
                if index + 1 < text.count && text[index + 1] == UInt8(ascii: "\"") {
                    field.append(byte)
                    index += 2
                    continue
                }
                quoted = false
                index += 1
                let following = index < text.count ? text[index] : 0x0D
                if following != UInt8(ascii: ",") && following != 0x0D {
                    Issue.record("text after a closing quote at byte \(index)", sourceLocation: sourceLocation)
                }
                continue
            }
            field.append(byte)
            index += 1
            continue
        }
        switch byte {
        case UInt8(ascii: "\"") where atFieldStart:
            quoted = true
            atFieldStart = false
        case UInt8(ascii: ","):
            endField()
        case 0x0D:
            guard index + 1 < text.count, text[index + 1] == 0x0A else {
                Issue.record("a bare CR at byte \(index)", sourceLocation: sourceLocation)
                return rows
            }
            endField()
            rows.append(row)
            row = []
            index += 1
        case 0x0A:
            Issue.record("a bare LF at byte \(index)", sourceLocation: sourceLocation)
            return rows
        case UInt8(ascii: "\""):
            Issue.record("a quote inside an unquoted field at byte \(index)", sourceLocation: sourceLocation)
            return rows
        default:
            field.append(byte)
            atFieldStart = false
        }
        index += 1
    }
    if quoted { Issue.record("unterminated quoted field", sourceLocation: sourceLocation) }
    if !row.isEmpty || !field.isEmpty { Issue.record("the last record has no CRLF", sourceLocation: sourceLocation) }
    return rows
}

/// A CSV answer pulled to its end, as a connection would pull it.
private struct CSVAnswer {
    var response: Response
    var pieces: [[UInt8]]
    var bytes: [UInt8] { pieces.flatMap { $0 } }

    init(_ response: Response, sourceLocation: SourceLocation = #_sourceLocation) throws {
        self.response = response
        let stream = try #require(response.stream, "no stream: \(response.status)", sourceLocation: sourceLocation)
        pieces = []
        pulling: while pieces.count < 10_000 {
            switch stream.next(wake: StreamWaker {}) {
            case .bytes(let bytes): pieces.append(bytes)
            case .end: break pulling
            case .wait:
                Issue.record("a CSV export never waits", sourceLocation: sourceLocation)
                break pulling
            }
        }
    }

    /// Header and rows, after checking the byte-order mark.
    func table(sourceLocation: SourceLocation = #_sourceLocation) -> (header: [String], rows: [[String]]) {
        let bytes = self.bytes
        #expect(bytes.starts(with: [0xEF, 0xBB, 0xBF]), "UTF-8 byte-order mark first", sourceLocation: sourceLocation)
        let rows = parseCSV(bytes.dropFirst(3), sourceLocation: sourceLocation)
        return (rows.first ?? [], Array(rows.dropFirst()))
    }
}

/// How the export writes a JSON value of a record: text defused against formulas, lists joined
/// with `;`, counts as `key=value;…`, null empty.
private func csvText(_ value: JSONValue) -> String {
    func defused(_ text: String) -> String {
        guard let first = text.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first), Int(text) == nil
        else { return text }
        return "'" + text
    }
    switch value {
    case .null: return ""
    case .bool(let flag): return flag ? "true" : "false"
    case .int(let number): return String(number)
    case .double(let number): return String(number)
    case .string(let text): return defused(text)
    case .array(let items) where items.contains(where: { $0["action"] != nil }):
        // A case's flow: a line per step, `on by action from→to: note`.
        return defused(
            items.map { step in
                let head = [step["on"], step["by"], step["action"]].map { $0?.text ?? "" }.joined(separator: " ")
                let move = "\(step["from"]?.text ?? "-")→\(step["to"]?.text ?? "")"
                return head + " " + move + (step["note"]?.text.map { ": " + $0 } ?? "")
            }.joined(separator: "\n"))
    case .array(let items): return defused(items.compactMap(\.text).joined(separator: ";"))
    case .object(let members):
        return defused(members.map { "\($0.key)=\($0.value.number ?? -1)" }.joined(separator: ";"))
    }
}

struct CSVExportTests {
    static let assistanceHeader = [
        "id", "type", "date", "cadreId", "gridId", "householdName", "amountYuan", "summary", "activity", "counterpart",
        "createdAt", "updatedAt", "revision", "source", "createdBy", "updatedBy",
    ]

    @Test func formatCSV_streamsEveryRecord_withBOM_header_andCRLF_inPagesOf500() throws {
        let harness = APIHarness.shared
        let response = harness.get("/assistance-records?format=csv")
        #expect(response.status == .ok)
        #expect(response.headerFields[.contentType] == "text/csv; charset=utf-8")
        #expect(response.headerFields[.contentDisposition] == #"attachment; filename="assistance-records.csv""#)
        #expect(response.headerFields[.contentEncoding] == nil, "no Accept-Encoding, no gzip")
        #expect(response.body.isEmpty)
        let answer = try CSVAnswer(response)
        let header = Array(
            "\u{FEFF}id,type,date,cadreId,gridId,householdName,amountYuan,summary,activity,counterpart,".utf8)
        #expect(
            answer.bytes.starts(
                with: header + Array("createdAt,updatedAt,revision,source,createdBy,updatedBy\r\n".utf8)))
        let (columns, rows) = answer.table()
        #expect(columns == Self.assistanceHeader)
        let total = try harness.json("/assistance-records")["total"]?.number
        #expect(total == 19_564)
        #expect(rows.count == total, "one row per record, no pagination")
        #expect(rows.allSatisfy { $0.count == columns.count })
        #expect(Set(rows.map(\.[0])).count == rows.count, "no record twice")
        // A page of 500 rows per pull (the header with the first).
        #expect(answer.pieces.count == (19_564 + 499) / 500)
        for (index, piece) in answer.pieces.enumerated() {
            let lines = piece.split(separator: 0x0A).count
            #expect(lines <= 500 + (index == 0 ? 1 : 0), "piece \(index) holds \(lines) lines")
        }
    }

    @Test(arguments: ResourceKind.allCases)
    func csvRows_equalTheJSONListing_fieldByField(_ kind: ResourceKind) throws {
        let harness = APIHarness.shared
        let records = try harness.walk("/\(kind.rawValue)")
        let (header, rows) = try CSVAnswer(harness.get("/\(kind.rawValue)?format=csv")).table()
        #expect(
            header == ["id"] + kind.schema.fields.map(\.name) + [
                "createdAt", "updatedAt", "revision", "source", "createdBy", "updatedBy",
            ])
        #expect(rows.count == records.count)
        #expect(rows.map(\.[0]) == records.compactMap { $0["id"]?.text }, "the same records in the same (keyset) order")
        var mismatches = 0
        for (row, record) in zip(rows, records) {
            for (column, name) in header.enumerated() {
                let expected = csvText(record[name] ?? .null)
                if row[column] != expected {
                    mismatches += 1
                    if mismatches <= 5 { Issue.record("\(row[0]).\(name): CSV \(row[column]) ≠ JSON \(expected)") }
                }
            }
        }
        #expect(mismatches == 0)
    }

    @Test func chineseText_roundTrips() throws {
        let harness = APIHarness.shared
        let (_, rows) = try CSVAnswer(harness.get("/towns?format=csv")).table()
        let names = Set(rows.map { $0[1] })
        #expect(names.contains("董公寺镇") && names.contains("大连路街道") && names.contains("板桥镇"))
        let records = try CSVAnswer(harness.get("/assistance-records?format=csv&q=走访&townId=town-banqiao")).table().rows
        #expect(!records.isEmpty)
        #expect(records.allSatisfy { $0[7].contains("走访") })
    }

    @Test func filtersApply_butLimitAndCursorDoNot() throws {
        let harness = APIHarness.shared
        let visits = try CSVAnswer(harness.get("/assistance-records?type=visit&limit=1&format=csv")).table().rows
        #expect(visits.count == 13_300)
        #expect(visits.allSatisfy { $0[1] == "visit" })

        let banqiao = "/assistance-records?townId=town-banqiao&type=visit"
        let town = try CSVAnswer(harness.get(banqiao + "&format=csv")).table().rows
        #expect(town.count > 1)
        #expect(town.count == (try harness.json(banqiao))["total"]?.number)

        let march = "/assistance-records?date[gte]=2014-03-01&date[lt]=2014-04-01&sort=-amountYuan,date"
        let rows = try CSVAnswer(harness.get(march + "&format=csv")).table().rows
        #expect(rows.count == (try harness.json(march))["total"]?.number)
        #expect(rows.allSatisfy { $0[2] >= "2014-03-01" && $0[2] < "2014-04-01" })
        let amounts = rows.map { Int($0[6]) ?? -1 }
        #expect(amounts == amounts.sorted(by: >), "the requested sort is kept")
        #expect(rows.map(\.[0]) == (try harness.walk(march)).compactMap { $0["id"]?.text })

        // A scan filter (q) over several 500-row pages: every match once, in id order, as the
        // JSON listing walks them, although the export's pages do not count a total.
        let searched = "/assistance-records?q=走访&gridId[ne]=grid-0001"
        let found = try CSVAnswer(harness.get(searched + "&format=csv")).table().rows
        #expect(found.count > 1_000)
        #expect(found.map(\.[0]) == (try harness.walk(searched)).compactMap { $0["id"]?.text })

        // A cursor from a JSON page does not make the export start there.
        let next = try #require(try harness.json("/assistance-records?type=visit&limit=10")["next"]?.text)
        let all = try CSVAnswer(harness.get("/assistance-records?type=visit&format=csv&cursor=\(next)")).table().rows
        #expect(all.count == 13_300)
    }

    @Test func text_isQuoted_andDefusedAgainstFormulas() throws {
        let harness = APIHarness.liveFresh()
        let cases: [(summary: String, household: String?, field: String)] = [
            ("=1+1, \"q\"\nx", "@SUM(A1)", "\"'=1+1, \"\"q\"\"\nx\""),
            ("+cmd|' /C calc'!A0", "-2+3", "'+cmd|' /C calc'!A0"),
            ("a,b", "say \"hi\"", "\"a,b\""),
            ("line\r\nbreak", nil, "\"line\r\nbreak\""),
            ("平常的一句话", "张三", "平常的一句话"),
            // A spreadsheet skips a leading TAB before a formula sign.
            ("\t=HYPERLINK(\"http://x\")", "\t@x", "\"'\t=HYPERLINK(\"\"http://x\"\")\""),
        ]
        var ids: [String] = []
        for item in cases {
            ids.append(try harness.createRecord(visitJSON(summary: item.summary, household: item.household)))
        }
        let answer = try CSVAnswer(harness.get("/assistance-records?format=csv&id[in]=\(ids.joined(separator: ","))"))
        let text = String(decoding: answer.bytes, as: UTF8.self)
        for item in cases {
            #expect(text.contains("," + item.field + ","), "the raw field \(item.field.debugDescription)")
        }
        let (_, rows) = answer.table()
        #expect(rows.map(\.[0]) == ids)
        #expect(
            rows.map(\.[7]) == [
                "'=1+1, \"q\"\nx", "'+cmd|' /C calc'!A0", "a,b", "line\r\nbreak", "平常的一句话",
                "'\t=HYPERLINK(\"http://x\")",
            ])
        #expect(rows.map(\.[5]) == ["'@SUM(A1)", "'-2+3", "say \"hi\"", "", "张三", "'\t@x"])
        #expect(text.contains(",\"say \"\"hi\"\"\","))
    }

    @Test func export_isGzipped_whenAccepted_andDecodesToTheSameCSV() throws {
        let harness = APIHarness.shared
        let identity = try CSVAnswer(harness.get("/assistance-records?format=csv")).bytes

        let response = harness.get("/assistance-records?format=csv", [.acceptEncoding: "gzip, deflate"])

        #expect(response.status == .ok)
        #expect(response.headerFields[.contentEncoding] == "gzip")
        #expect(response.headerFields[.vary] == "Accept-Encoding", "the URL fixes the format; only the coding varies")
        let answer = try CSVAnswer(response)
        #expect(answer.pieces.count == (19_564 + 499) / 500 + 1, "a piece per page, then the gzip trailer")
        #expect(Gzip.decompress(answer.bytes) == identity)
        #expect(answer.bytes.count < identity.count / 4, "\(answer.bytes.count) of \(identity.count) bytes")
    }

    @Test func listing_variesOnAccept_unlessFormatIsGiven() throws {
        let harness = APIHarness.shared
        func vary(_ target: String, _ fields: HTTPFields = [:]) -> String? {
            let response = harness.get(target, fields)
            response.stream?.cancel()
            return response.headerFields[.vary]
        }
        // Compression's `Accept-Encoding` joins every compressible answer, asked for or not.
        let both = "Accept, Accept-Encoding"
        #expect(vary("/towns?limit=1") == both)
        #expect(vary("/towns", [.accept: "text/csv"]) == both)
        #expect(vary("/villages/village-jiaotong/grids", [.accept: "text/csv"]) == both, "nested listings too")
        #expect(vary("/assistance-records", [.acceptEncoding: "gzip"]) == both)
        #expect(vary("/towns", [.accept: "text/csv", .acceptEncoding: "gzip"]) == both)
        #expect(vary("/towns?format=csv") == "Accept-Encoding", "the URL alone decides the format")
        #expect(vary("/towns?format=json&limit=1") == "Accept-Encoding")
    }

    @Test func acceptTextCSV_selectsCSV_unlessJSONIsListedFirst() throws {
        let harness = APIHarness.shared
        func isCSV(_ target: String, _ accept: String?) -> Bool {
            let response = harness.get(target, accept.map { [.accept: $0] } ?? [:])
            #expect(response.status == .ok, "\(target) Accept: \(accept ?? "-")")
            if response.stream != nil {
                #expect(response.headerFields[.contentType] == "text/csv; charset=utf-8")
                return true
            }
            #expect(response.headerFields[.contentType] == MediaType.json)
            return false
        }
        #expect(isCSV("/towns", "text/csv"))
        #expect(!isCSV("/towns", "application/json, text/csv"))
        #expect(isCSV("/towns", "text/csv, application/json"))
        #expect(!isCSV("/towns", "*/*"))
        #expect(!isCSV("/towns", nil))
        #expect(!isCSV("/towns?format=json", "text/csv"), "an explicit format wins")
        #expect(isCSV("/towns?format=csv", "application/json"), "an explicit format wins")
        let (_, rows) = try CSVAnswer(harness.get("/towns", [.accept: "text/csv"])).table()
        #expect(rows.count == harness.store.count(.towns))
    }

    @Test func acceptQualityValues_areHonoured() throws {
        let harness = APIHarness.shared
        let preferJSON = harness.get("/towns", [.accept: "text/csv;q=0.1, application/json"])
        #expect(preferJSON.stream == nil, "JSON is preferred (q=1 over q=0.1)")
        let refuseCSV = harness.get("/towns", [.accept: "text/csv;q=0, application/json;q=0.5"])
        #expect(refuseCSV.stream == nil, "q=0 means not acceptable")
    }

    @Test(arguments: ["format=xml", "format=CSV", "format=", "format=csv&format=json"])
    func badFormat_answers400(_ query: String) throws {
        let response = APIHarness.shared.get("/towns?" + query)
        #expect(response.status == .badRequest)
        #expect(response.stream == nil)
        #expect(response.headerFields[.contentType] == MediaType.problemJSON)
    }

    @Test func nestedListing_exportsItsChildren() throws {
        let harness = APIHarness.shared
        let total = try #require(try harness.json("/grids/grid-0001/assistance-records")["total"]?.number)
        #expect(total > 0)
        let answer = try CSVAnswer(harness.get("/grids/grid-0001/assistance-records?format=csv"))
        #expect(answer.response.headerFields[.contentDisposition] == #"attachment; filename="assistance-records.csv""#)
        let (header, rows) = answer.table()
        #expect(header == Self.assistanceHeader)
        #expect(rows.count == total)
        #expect(rows.allSatisfy { $0[4] == "grid-0001" })

        let villages = try CSVAnswer(harness.get("/towns/town-banqiao/villages", [.accept: "text/csv"])).table().rows
        #expect(villages.count == (try harness.json("/towns/town-banqiao/villages"))["total"]?.number)
        #expect(villages.allSatisfy { $0[3] == "town-banqiao" })
        #expect(harness.get("/grids/grid-9999/assistance-records?format=csv").status == .notFound)
    }

    @Test func export_neitherRepeatsNorSkips_whileRecordsChange() throws {
        let harness = APIHarness.liveFresh()
        let response = harness.get("/assistance-records?format=csv")
        let stream = try #require(response.stream)
        guard case .bytes(let first) = stream.next(wake: StreamWaker {}) else {
            Issue.record("the first pull should give bytes")
            return
        }
        // While the export is under way: one record behind it and one ahead are deleted, one is added.
        #expect(harness.send(.delete, "/assistance-records/record-0000002").status == .noContent)
        #expect(harness.send(.delete, "/assistance-records/record-0010000").status == .noContent)
        let added = try harness.createRecord(visitJSON(summary: "导出期间新增"))
        var pieces = [first]
        while case .bytes(let bytes) = stream.next(wake: StreamWaker {}) { pieces.append(bytes) }

        let rows = parseCSV(pieces.flatMap { $0 }.dropFirst(3)).dropFirst()
        let ids = rows.map(\.[0])
        #expect(Set(ids).count == ids.count, "no record twice")
        #expect(ids.contains("record-0000002"), "exported before it was deleted")
        #expect(!ids.contains("record-0010000"), "deleted before the export reached it")
        #expect(ids.last == added, "the new record comes at the end of the keyset order")
        #expect(ids.count == 19_564)
        #expect(ids == ids.sorted(), "keyset order by id")
    }

    @Test func cancelledExport_endsAtTheNextPull() throws {
        let response = APIHarness.shared.get("/assistance-records?format=csv")
        let stream = try #require(response.stream)
        guard case .bytes = stream.next(wake: StreamWaker {}) else {
            Issue.record("the first pull should give bytes")
            return
        }
        stream.cancel()
        guard case .end = stream.next(wake: StreamWaker {}) else {
            Issue.record("a cancelled export should end")
            return
        }
    }
}

// MARK: Dashboard

struct DashboardRouteTests {
    @Test func root_servesTheDashboardPage_withETag_andCSP() throws {
        let response = APIHarness.shared.get("/")
        #expect(response.status == .ok)
        #expect(response.headerFields[.contentType] == "text/html; charset=utf-8")
        let page = String(decoding: response.body, as: UTF8.self)
        #expect(page.contains("<html"))
        #expect(page.contains("/stats/stream"), "the page subscribes to the live feed")
        let etag = try #require(response.headerFields[.eTag])
        #expect(etag.hasPrefix("\"") && etag.hasSuffix("\""), "a strong ETag: \(etag)")
        let policy = try #require(response.headerFields[.contentSecurityPolicy])
        #expect(policy.contains("default-src 'self'"))
        #expect(policy.contains("frame-ancestors 'none'"))
        #expect(response.headerFields[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
        #expect(response.headerFields[.cacheControl] == "no-cache")
        // No CDN: nothing is loaded from another origin.
        #expect(!page.contains("src=\"http"), "the page loads a script from elsewhere")
        #expect(!page.contains("href=\"http"), "the page loads a stylesheet from elsewhere")
    }

    @Test func ifNoneMatch_answers304_withTheSameValidator() throws {
        let harness = APIHarness.shared
        let etag = try #require(harness.get("/").headerFields[.eTag])
        for tags in [etag, "W/" + etag, "\"other\", \(etag)", "*"] {
            let response = harness.get("/", [.ifNoneMatch: tags])
            #expect(response.status == .notModified, "If-None-Match: \(tags)")
            #expect(response.body.isEmpty)
            #expect(response.headerFields[.eTag] == etag)
            #expect(response.headerFields[.contentSecurityPolicy] != nil)
        }
        #expect(harness.get("/", [.ifNoneMatch: "\"dashboard-0\""]).status == .ok)
        #expect(harness.get("/?x=1").status == .badRequest)
    }

    @Test func gzippedPage_revalidates_withItsOwnValidator() throws {
        let harness = APIHarness.shared
        let plain = harness.get("/")
        let gzip = harness.get("/", [.acceptEncoding: "gzip"])
        #expect(gzip.headerFields[.contentEncoding] == "gzip")
        #expect(Gzip.decompress(gzip.body) == plain.body)
        let tag = try #require(gzip.headerFields[.eTag])
        let revalidated = harness.get("/", [.acceptEncoding: "gzip", .ifNoneMatch: tag])
        #expect(revalidated.status == .notModified)
        #expect(revalidated.headerFields[.eTag] == tag)
    }
}
