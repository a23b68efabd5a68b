import HTTP1
import HTTPResponder
import HTTPTypes
import JSON
import Testing

@testable import GridworkAPI
@testable import GridworkStore

/// Every action, in every state a case can reach, by every principal, over HTTP: the status is the
/// one `CaseWorkflow.next` gives for the parts the principal plays on the case (200, 409, 403,
/// 422), a principal outside the case's place does not see it (404), and a viewer never writes.
struct CaseActionMatrixTests {
    /// A state and the steps an admin takes to it from a fresh report.
    struct Way {
        var name: String
        var state: CaseState
        var checked: Bool
        var steps: [(action: String, members: String)]
    }

    static func ways(cadre: String) -> [Way] {
        let note = #""note":"理由""#
        let toCadre = #""assignee":"\#(cadre)""#
        let toUnit = #""assignee":"城管中队""#
        var ways: [Way] = [
            Way(name: "reported", state: .reported, checked: false, steps: []),
            Way(name: "accepted", state: .accepted, checked: false, steps: [("accept", "")]),
            Way(name: "returned by the town", state: .returned, checked: false, steps: [("return", note)]),
            Way(
                name: "returned by its cadre", state: .returned, checked: false,
                steps: [("accept", ""), ("dispatch", toCadre), ("return", note)]),
            Way(name: "void", state: .void, checked: false, steps: [("void", "")]),
        ]
        for (whom, dispatch) in [("cadre", toCadre), ("unit", toUnit)] {
            let dispatched = [("accept", ""), ("dispatch", dispatch)]
            let submitted = dispatched + [("start", ""), ("submit", "")]
            ways += [
                Way(name: "dispatched to a \(whom)", state: .dispatched, checked: false, steps: dispatched),
                Way(
                    name: "in progress, \(whom)", state: .inProgress, checked: false,
                    steps: dispatched + [("start", "")]),
                Way(
                    name: "extended, \(whom)", state: .extended, checked: false,
                    steps: dispatched + [("extend", #""note":"缺配件","deadline":"2014-09-30""#)]),
                Way(name: "awaiting its check, \(whom)", state: .awaitingCheck, checked: false, steps: submitted),
                Way(
                    name: "checked, \(whom)", state: .awaitingCheck, checked: true,
                    steps: submitted + [("check", #""passed":true"#)]),
                Way(
                    name: "reworked, \(whom)", state: .inProgress, checked: false,
                    steps: submitted + [("check", #""passed":false"#)]),
                Way(
                    name: "closed, \(whom)", state: .closed, checked: true,
                    steps: submitted + [("check", #""passed":true"#), ("close", #""outcome":"explained""#)]),
                Way(
                    name: "void after dispatch to a \(whom)", state: .void, checked: false,
                    steps: dispatched + [("void", "")]),
            ]
        }
        return ways
    }

    static let principals = ["ops", "district", "xinpu", "gaoping", "cadre-a", "cadre-b", "cadre-c", "viewer"]

    /// The parts `principal` plays on a case of Xinpu's grid reported by `cadre-a`, held by
    /// `assignee`; nil where the principal cannot see the case.
    static func roles(_ principal: String, assignee: String?, desk: CaseDesk) -> [CaseRole]? {
        switch principal {
        case "ops": [.admin]
        case "district": [.district]
        case "xinpu": assignee.map { !$0.hasPrefix("cadre-") } == true ? [.town, .assignee] : [.town]
        case "cadre-a": [.reporter]
        case "cadre-b": assignee == desk.cadreB ? [.assignee] : []
        case "viewer": []
        default: nil
        }
    }

    /// What the workflow says of `action` by someone playing `roles`: taken if any part may take
    /// it; else out of place (409), a wrong argument (422), or not theirs (403), in that order.
    static func verdict(
        _ roles: [CaseRole], _ way: Way, _ action: CaseAction, _ arguments: CaseArguments, deadline: CalendarDate,
        today: CalendarDate
    ) -> HTTPResponse.Status {
        let results = (roles.isEmpty ? [.admin] : roles).map {
            CaseWorkflow.next(
                state: way.state, action: action, role: $0, checked: way.checked, deadline: deadline, today: today,
                arguments: arguments)
        }
        if results.contains(where: { if case .notAllowed = $0.failure { true } else { false } }) { return .conflict }
        if roles.isEmpty { return .forbidden }
        if results.contains(where: { if case .success = $0 { true } else { false } }) { return .ok }
        if results.contains(where: { if case .invalid = $0.failure { true } else { false } }) {
            return .unprocessableContent
        }
        return .forbidden
    }

    /// Each action with every argument it needs, and (where that differs) bare.
    static func bodies(_ action: CaseAction, deadline: CalendarDate, cadre: String)
        -> [(members: String, arguments: CaseArguments)]
    {
        let later = CalendarDate(dayNumber: deadline.dayNumber + 7)
        var full = CaseArguments(note: "理由")
        var members = #""note":"理由""#
        switch action {
        case .dispatch:
            full.assignee = cadre
            members += #","assignee":"\#(cadre)""#
        case .check:
            full.passed = true
            members += #","passed":true"#
        case .close:
            full.outcome = .explained
            members += #","outcome":"explained""#
        case .extend:
            full.deadline = later
            members += #","deadline":"\#(later.text)""#
        default:
            break
        }
        let bare = ("", CaseArguments())
        let needsArguments: Set<CaseAction> = [.return, .dispatch, .check, .close, .extend]
        return needsArguments.contains(action) ? [(members, full), bare] : [(members, full)]
    }

    @Test func everyAction_inEveryState_byEveryPrincipal_isAnsweredAsTheWorkflowSays() throws {
        let desk = try CaseDesk(today: "2014-08-06")
        let today = desk.day.today
        var checked = 0
        var seen: Set<Int> = []
        for way in Self.ways(cadre: desk.cadreB) {
            func fresh() throws -> JSONValue {
                let id = try #require(try desk.report()["id"]?.text)
                var record = try desk.json(.get, "/cases/\(id)")
                for (action, members) in way.steps { record = try desk.step(id, action, members) }
                try #require(record["state"]?.text == way.state.rawValue, "\(way.name)")
                return record
            }
            var record = try fresh()
            for action in CaseAction.allCases {
                for principal in Self.principals {
                    let deadline = try #require(record["deadline"]?.text.flatMap(CalendarDate.init))
                    for (members, arguments) in Self.bodies(action, deadline: deadline, cadre: desk.cadreB) {
                        let id = try #require(record["id"]?.text)
                        let assignee = record["assignee"]?.text
                        let expected: HTTPResponse.Status =
                            switch (principal, Self.roles(principal, assignee: assignee, desk: desk)) {
                            case ("viewer", _): .forbidden
                            case (_, nil): .notFound
                            case (_, let roles?):
                                Self.verdict(roles, way, action, arguments, deadline: deadline, today: today)
                            }
                        let revision = desk.store.revision
                        let response = desk.act(id, action.rawValue, members, as: principal)
                        let label = "\(way.name): \(action) by \(principal) {\(members)}"
                        #expect(response.status == expected, "\(label): \(response.text.prefix(300))")
                        seen.insert(response.status.code)
                        checked += 1
                        if response.status == .conflict {
                            let allowed = CaseWorkflow.allowedActions(state: way.state, checked: way.checked)
                            #expect(
                                response.json["allowed"] == .array(allowed.map { .string($0.rawValue) }), "\(label)")
                        }
                        if response.status == .ok {
                            #expect(desk.store.revision == revision + 1, "\(label)")
                            record = try fresh()
                        } else {
                            #expect(desk.store.revision == revision, "\(label): a refusal writes nothing")
                        }
                    }
                }
            }
        }
        #expect(seen == [200, 403, 404, 409, 422], "every verdict was reached")
        let bodies = CaseAction.allCases.map { Self.bodies($0, deadline: today, cadre: desk.cadreB).count }
        #expect(checked == Self.ways(cadre: desk.cadreB).count * bodies.reduce(0, +) * Self.principals.count)
    }
}

extension Result {
    fileprivate var failure: Failure? {
        if case .failure(let failure) = self { return failure }
        return nil
    }
}
