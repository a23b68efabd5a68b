import GridworkStore
import JSON
import Testing

/// A write is held to today's rules; a record a data directory already holds, to the rules it
/// was written under, so that tightening a rule never stops a start.
struct ValidationRulesTests {
    static func visit(date: String, summary: String) -> JSONValue {
        .object([
            ("type", .string("visit")), ("date", .string(date)), ("cadreId", .string("cadre-0001")),
            ("gridId", .string("grid-0001")), ("summary", .string(summary)),
        ])
    }

    @Test(arguments: [
        ("0001-01-01", "走访"), ("2014-05-06", "走\u{0}访"),
        ("2014-05-06", "a" + String(repeating: "\u{301}", count: 2000)),
    ])
    func writeRules_refuse_whatStoredRules_stillLoad(_ date: String, _ summary: String) {
        let schema = ResourceKind.assistanceRecords.schema
        let body = Self.visit(date: date, summary: summary)

        guard case .failure(let failure) = schema.values(from: body) else {
            Issue.record("a write of \(date) / \(summary.unicodeScalars.count) code points was accepted")
            return
        }
        #expect(failure.issues.count == 1)
        guard case .success = schema.values(from: body, rules: .stored) else {
            Issue.record("a stored record of \(date) no longer loads")
            return
        }
    }

    @Test func storedRules_stillRefuse_anImpossibleDate() {
        let body = Self.visit(date: "2014-02-30", summary: "走访")
        guard case .failure = ResourceKind.assistanceRecords.schema.values(from: body, rules: .stored) else {
            Issue.record("2014-02-30 was accepted")
            return
        }
    }
}
