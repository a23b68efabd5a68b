import JSON
import TestSupport
import Testing

/// The case clock of a real server: on today's date the seed's open cases (current on
/// 2014-08-06) are long past their deadlines, and the server says so by itself, through a change
/// of its own that reaches the journal.
@Suite(.serialized, .blocking)
struct CaseClockTests {
    @Test func onTodaysDate_theSeedsOpenCases_becomeOverdue_inAChangeBySystem_thatSurvivesARestart() throws {
        let directory = makeTemporaryDirectory("case-clock")
        let server = try GridworkProcess.start(directory + "/data", today: nil)
        let client = try server.connect()
        func cases() throws -> (open: Int, overdue: Int, revision: Int) {
            let stats = try client.getJSON("/stats")
            return (
                stats["cases"]?["open"]?.int ?? -1, stats["cases"]?["overdue"]?.int ?? -1,
                stats["revision"]?.int ?? -1
            )
        }
        // The sweep runs as the server starts; /readyz does not wait for it.
        #expect(
            eventually(within: .seconds(20)) { (try? cases()).map { $0.open > 0 && $0.overdue == $0.open } == true })
        let settled = try cases()
        #expect(settled.revision > 1, "the sweep is a change of its own")
        let overdue = try client.getJSON("/cases?overdue=true&state[ne]=returned&limit=1")
        let step = overdue["data"]?.first?["flow"]?.elements?.last
        #expect(step?["action"]?.text == "remind" && step?["by"]?.text == "system", "\(String(describing: step))")
        let changes = try client.getJSON("/changes?after=\(settled.revision - 1)")
        #expect(changes["data"]?.first?["by"]?.text == "system")
        try server.stop()

        // Started again on the same clock, nothing is left to settle: no new change.
        let again = try GridworkProcess.start(directory + "/data", today: nil)
        let reader = try again.connect()
        let stats = try reader.getJSON("/stats")
        #expect(stats["revision"]?.int == settled.revision)
        #expect(stats["cases"]?["overdue"]?.int == settled.overdue)
        try again.stop()
    }
}

extension JSONValue {
    fileprivate var int: Int? {
        if case .int(let value) = self { return value }
        return nil
    }

    fileprivate var text: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    fileprivate var elements: [JSONValue]? {
        if case .array(let values) = self { return values }
        return nil
    }

    fileprivate var first: JSONValue? { elements?.first }
}
