import HTTP1
import HTTPResponder
import HTTPTypes
import JSON
import Testing

@testable import GridworkAPI
@testable import GridworkStore

/// Cases through the API (SPEC §7): what the server fills in on create, what an update may not
/// change, each action's path to closure and the assistance record a closure writes, refusals
/// (409, 412, 422, 403), idempotent actions, and the sweeper that marks cases overdue.
struct CaseRoutesTests {
    // MARK: Create and update

    @Test func create_fillsTheDerivedFields_fromTheGridAndTheClock() throws {
        let desk = try CaseDesk(today: "2014-08-06")
        let made = try desk.report(category: "help", reportedOn: "2014-08-05")
        let grid = try desk.json(.get, "/grids/\(desk.grids[0])")
        #expect(made["townId"] == grid["townId"] && made["townId"]?.text == desk.towns[0])
        #expect(made["villageId"] == grid["villageId"] && made["villageId"]?.text == desk.villages[0])
        #expect(made["state"]?.text == "reported")
        // Tuesday 5 August + 5 working days: 6, 7, 8, 11, 12 August.
        #expect(made["deadline"]?.text == "2014-08-12")
        #expect(made["overdue"] == .bool(false) && made["supervised"] == .bool(false))
        #expect(made["reworks"]?.number == 0 && made["recordIds"]?.items?.isEmpty == true)
        #expect(made["assignee"] == nil || made["assignee"] == .null)
        let flow = CaseDesk.flow(made)
        #expect(flow.count == 1)
        #expect(flow.first?["action"]?.text == "report" && flow.first?["from"] == .null)
        #expect(flow.first?["to"]?.text == "reported" && flow.first?["by"]?.text == "ops")
        #expect(flow.first?["on"]?.text == "2014-08-05" && flow.first?["deadline"]?.text == "2014-08-12")
        // What the 201 said is what is stored.
        let id = try #require(made["id"]?.text)
        #expect(try desk.json(.get, "/cases/\(id)") == made)

        // Without `reportedOn`, the case is reported today on the case clock.
        let today = try desk.report(category: "urgent")
        #expect(today["reportedOn"]?.text == "2014-08-06" && today["deadline"]?.text == "2014-08-06")
    }

    /// Deadlines counted by hand from the State Council's 2014 holiday notice (国办发明电〔2013〕28号).
    @Test(arguments: [
        ("urgent", "2014-08-05", "2014-08-05"),
        // 元旦 on Wednesday: Thu 2, Fri 3, Mon 6, Tue 7, Wed 8.
        ("help", "2013-12-31", "2014-01-08"),
        // 国庆节 1–7 October off; Saturday 11 October is a make-up working day: 8, 9, 10, 11, 13.
        ("help", "2014-09-30", "2014-10-13"),
        // 劳动节 1–3 May off, Sunday 4 May worked: 4–9, 12–16, 19–22 May.
        ("complaint", "2014-04-30", "2014-05-22"),
        // 春节 31 January – 6 February off, Sundays 26 January and Saturday 8 February worked.
        ("suggestion", "2014-01-24", "2014-02-19"),
        // A Saturday report of an urgent case is due that Saturday.
        ("urgent", "2014-08-09", "2014-08-09"),
    ])
    func deadlines_countWorkingDays_withTheHolidaysOf2014(category: String, reported: String, deadline: String)
        throws
    {
        let desk = try CaseDesk(today: reported)
        let made = try desk.report(category: category, reportedOn: reported)
        #expect(made["deadline"]?.text == deadline)
        #expect(made["overdue"] == .bool(false))
    }

    @Test(arguments: [
        ("townId", #""town-01""#), ("villageId", #""village-001""#), ("state", #""closed""#),
        ("assignee", #""城管中队""#), ("deadline", #""2014-12-31""#), ("overdue", "false"), ("supervised", "true"),
        ("reworks", "0"), ("outcome", #""resolved""#), ("closedOn", #""2014-08-06""#), ("recordIds", "[]"),
        ("flow", "[]"), ("state", "null"),
    ])
    func aDerivedFieldInAPostBody_is422_andCreatesNothing(field: String, value: String) throws {
        let desk = try CaseDesk()
        let revision = desk.store.revision
        let refusal = try desk.json(
            .post, "/cases", body: desk.caseBody(extra: #","\#(field)":\#(value)"#), status: .unprocessableContent)
        #expect(refusal["errors"]?.items?.compactMap { $0["field"]?.text } == ["/\(field)"])
        #expect(desk.store.revision == revision && desk.store.count(.cases) == 0)
    }

    @Test func aReportDatedAfterToday_is422_andTodayItselfIsAccepted() throws {
        let desk = try CaseDesk(today: "2014-08-06")
        let refusal = try desk.json(
            .post, "/cases", body: desk.caseBody(reportedOn: "2014-08-07"), status: .unprocessableContent)
        #expect(refusal["errors"]?.items?.first?["field"]?.text == "/reportedOn")
        #expect(desk.store.count(.cases) == 0)
        try desk.report(reportedOn: "2014-08-06")
        #expect(desk.store.count(.cases) == 1)
    }

    @Test func anUpdateChangingAFixedOrDerivedField_is422_andEchoingTheRecord_changesNothing() throws {
        let desk = try CaseDesk()
        let made = try desk.report()
        let id = try #require(made["id"]?.text)
        for (member, value) in [
            ("category", #""urgent""#), ("gridId", #""\#(desk.grids[1])""#), ("reportedBy", #""\#(desk.cadreB)""#),
            ("reportedOn", #""2014-08-01""#),
        ] {
            let patch = #"{"\#(member)":\#(value)}"#
            let refusal = try desk.json(.patch, "/cases/\(id)", body: patch, status: .unprocessableContent)
            #expect(refusal["errors"]?.items?.compactMap { $0["field"]?.text } == ["/\(member)"], "\(patch)")
        }
        for (member, value) in [
            ("state", #""closed""#), ("deadline", #""2014-12-31""#), ("deadline", "null"), ("flow", "[]"),
            ("assignee", #""城管中队""#), ("overdue", "true"),
        ] {
            let refusal = try desk.json(
                .patch, "/cases/\(id)", body: #"{"\#(member)":\#(value)}"#, status: .unprocessableContent)
            #expect(refusal["errors"]?.items?.compactMap { $0["field"]?.text } == ["/\(member)"], "\(member)")
        }
        #expect(try desk.json(.get, "/cases/\(id)") == made, "no refused update changed the case")

        // The record as read, sent back whole: a PUT that changes nothing, no new revision.
        let revision = desk.store.revision
        var echoed = JSONWriter()
        echoed.value(made)
        let put = try desk.json(.put, "/cases/\(id)", body: String(decoding: echoed.bytes, as: UTF8.self))
        #expect(put == made)
        #expect(desk.store.revision == revision)
        // A free field changes; the derived ones, repeated as they are or left out, stay.
        let patched = try desk.json(
            .patch, "/cases/\(id)", body: #"{"title":"村口路灯仍不亮","state":"reported","assignee":null}"#)
        #expect(patched["title"]?.text == "村口路灯仍不亮")
        for field in ["state", "deadline", "flow", "townId", "reportedOn", "category"] {
            #expect(patched[field] == made[field], "\(field)")
        }
    }

    // MARK: The loop

    @Test(
        arguments: [
            ("resolved", "problem_resolved"), ("good_deed", "good_deed"), ("explained", nil), ("unresolvable", nil),
        ] as [(String, String?)])
    func theLoop_fromReportToClose_andTheRecordAClosureWrites(outcome: String, recordType: String?) throws {
        let desk = try CaseDesk(today: "2014-08-06")
        let id = try #require(try desk.report()["id"]?.text)
        let records = desk.store.count(.assistanceRecords)
        let path: [(String, String, String, String)] = [
            ("accept", "", "xinpu", "accepted"),
            ("dispatch", #""assignee":"\#(desk.cadreB)""#, "xinpu", "dispatched"),
            ("start", "", "cadre-b", "in_progress"),
            ("submit", #""note":"已更换灯泡""#, "cadre-b", "awaiting_check"),
            ("check", #""passed":true"#, "xinpu", "awaiting_check"),
        ]
        var flowLength = 1
        for (action, members, principal, state) in path {
            let after = try desk.step(id, action, members, as: principal)
            flowLength += 1
            #expect(after["state"]?.text == state, "\(action)")
            let flow = CaseDesk.flow(after)
            #expect(flow.count == flowLength)
            #expect(flow.last?["action"]?.text == action && flow.last?["by"]?.text == principal)
            #expect(flow.last?["to"]?.text == state && flow.last?["on"]?.text == "2014-08-06")
        }
        let revision = desk.store.revision
        let closed = try desk.step(id, "close", #""outcome":"\#(outcome)","note":"群众满意""#, as: "xinpu")
        #expect(closed["state"]?.text == "closed" && closed["outcome"]?.text == outcome)
        #expect(closed["closedOn"]?.text == "2014-08-06" && closed["overdue"] == .bool(false))
        #expect(desk.store.revision == revision + 1, "one change, record and case together")
        let linked = closed["recordIds"]?.items?.compactMap(\.text) ?? []
        let change = try #require(try desk.json(.get, "/changes?after=\(revision)")["data"]?.items)
        #expect(change.count == 1)
        let puts = change.first?["puts"]?.items ?? []
        guard let recordType else {
            #expect(linked.isEmpty && desk.store.count(.assistanceRecords) == records)
            #expect(puts.compactMap { $0["kind"]?.text } == ["cases"])
            return
        }
        #expect(linked.count == 1 && desk.store.count(.assistanceRecords) == records + 1)
        let recordID = try #require(linked.first)
        let record = try desk.json(.get, "/assistance-records/\(recordID)")
        #expect(record["type"]?.text == recordType)
        #expect(record["gridId"]?.text == desk.grids[0] && record["cadreId"]?.text == desk.cadreB)
        #expect(record["date"]?.text == "2014-08-06" && record["householdName"]?.text == "王家")
        #expect(record["summary"]?.text?.contains("村口路灯不亮") == true)
        #expect(Set(puts.compactMap { $0["kind"]?.text }) == ["cases", "assistance-records"])
        #expect(
            Set(puts.compactMap { $0["record"]?["id"]?.text }) == [id, recordID], "the case and its record, one change")
        #expect(change.first?["seq"]?.number == revision + 1 && change.first?["by"]?.text == "xinpu")
        // A unit's closure is the reporter's record: the work was found and followed by them.
        let unit = try #require(try desk.report()["id"]?.text)
        for (action, members) in [
            ("accept", ""), ("dispatch", #""assignee":"城管中队""#), ("start", ""), ("submit", ""),
            ("check", #""passed":true"#), ("close", #""outcome":"\#(outcome)""#),
        ] {
            try desk.step(unit, action, members, as: "xinpu")
        }
        let unitRecord = try #require(try desk.json(.get, "/cases/\(unit)")["recordIds"]?.items?.first?.text)
        #expect(try desk.json(.get, "/assistance-records/\(unitRecord)")["cadreId"]?.text == desk.cadreA)
    }

    @Test func sideSteps_return_extend_failedCheck_supervise_remind_void() throws {
        let desk = try CaseDesk(today: "2014-08-06")
        let id = try #require(try desk.report()["id"]?.text)
        try desk.step(id, "accept", as: "xinpu")
        try desk.step(id, "dispatch", #""assignee":"\#(desk.cadreB)""#, as: "xinpu")
        // The assignee refuses it: back with the town, held by nobody.
        let returned = try desk.step(id, "return", #""note":"不属于本人职责""#, as: "cadre-b")
        #expect(returned["state"]?.text == "returned" && returned["assignee"] == .null)
        #expect(CaseDesk.flow(returned).last?["note"]?.text == "不属于本人职责")
        let dispatched = try desk.step(id, "dispatch", #""assignee":"城管中队""#, as: "xinpu")
        #expect(dispatched["assignee"]?.text == "城管中队")
        #expect(CaseDesk.flow(dispatched).last?["assignee"]?.text == "城管中队")
        // A unit has no principal: its town's staff take its steps.
        let extended = try desk.step(id, "extend", #""note":"需采购配件","deadline":"2014-08-20""#, as: "xinpu")
        #expect(extended["state"]?.text == "extended" && extended["deadline"]?.text == "2014-08-20")
        #expect(CaseDesk.flow(extended).last?["deadline"]?.text == "2014-08-20")
        try desk.step(id, "submit", as: "xinpu")
        let failed = try desk.step(id, "check", #""passed":false,"note":"仍有一盏不亮""#, as: "xinpu")
        #expect(failed["state"]?.text == "in_progress" && failed["reworks"]?.number == 1)
        #expect(CaseDesk.flow(failed).last?["passed"] == .bool(false))
        let supervised = try desk.step(id, "supervise", as: "district")
        #expect(supervised["supervised"] == .bool(true) && supervised["state"]?.text == "in_progress")
        let reminded = try desk.step(id, "remind", as: "cadre-a")
        #expect(reminded["state"]?.text == "in_progress" && CaseDesk.flow(reminded).last?["by"]?.text == "cadre-a")
        let voided = try desk.step(id, "void", #""note":"重复上报""#, as: "xinpu")
        #expect(voided["state"]?.text == "void" && voided["recordIds"]?.items?.isEmpty == true)
        let actions = CaseDesk.flow(voided).compactMap { $0["action"]?.text }
        #expect(
            actions == [
                "report", "accept", "dispatch", "return", "dispatch", "extend", "submit", "check", "supervise",
                "remind",
                "void",
            ])
        let stats = try desk.json(.get, "/stats")["cases"]
        #expect(stats?["void"]?.number == 1 && stats?["open"]?.number == 0 && stats?["supervised"]?.number == 1)
        #expect(stats?["reworked"]?.number == 1)
    }

    // MARK: Refusals

    @Test func anActionTheStateDoesNotAllow_is409_listingTheAllowedOnes() throws {
        let desk = try CaseDesk()
        let id = try #require(try desk.report()["id"]?.text)
        let revision = desk.store.revision
        for action in CaseAction.allCases
        where !CaseWorkflow.allowedActions(state: .reported, checked: false).contains(action) {
            let response = desk.act(id, action.rawValue)
            #expect(response.status == .conflict, "\(action)")
            let allowed = CaseWorkflow.allowedActions(state: .reported, checked: false).map {
                JSONValue.string($0.rawValue)
            }
            #expect(response.json["allowed"] == .array(allowed), "\(response.text)")
        }
        // Close before a passed check: the case is not ready, whatever the outcome.
        try desk.step(id, "accept")
        try desk.step(id, "dispatch", #""assignee":"城管中队""#)
        try desk.step(id, "start")
        try desk.step(id, "submit")
        let early = desk.act(id, "close", #""outcome":"resolved""#)
        #expect(early.status == .conflict)
        #expect(early.json["allowed"] == .array(["check", "remind", "supervise", "void"].map(JSONValue.string)))
        #expect(desk.store.revision == revision + 4, "no refusal wrote anything")

        // Closed and void take nothing more, not even from an admin.
        try desk.step(id, "check", #""passed":true"#)
        try desk.step(id, "close", #""outcome":"explained""#)
        let void = try #require(try desk.report()["id"]?.text)
        try desk.step(void, "void")
        let settled = desk.store.revision
        for (done, state) in [(id, "closed"), (void, "void")] {
            for action in CaseAction.allCases {
                let response = desk.act(done, action.rawValue, #""note":"再试""#)
                #expect(response.status == .conflict, "\(state) \(action)")
                #expect(response.json["allowed"] == .array([]), "\(state) \(action)")
            }
        }
        #expect(desk.store.revision == settled)
    }

    @Test func aStaleIfMatch_is412_andTheCurrentOne_takesTheStep() throws {
        let desk = try CaseDesk()
        let id = try #require(try desk.report()["id"]?.text)
        let stale = try #require(desk.send(.get, "/cases/\(id)").headerFields[.eTag])
        try desk.step(id, "remind", as: "xinpu")
        let revision = desk.store.revision
        let refused = desk.act(id, "accept", fields: [.ifMatch: stale])
        #expect(refused.status == .preconditionFailed)
        #expect(desk.store.revision == revision)
        let current = try #require(desk.send(.get, "/cases/\(id)").headerFields[.eTag])
        #expect(current != stale)
        let taken = desk.act(id, "accept", fields: [.ifMatch: current])
        #expect(taken.status == .ok && taken.json["state"]?.text == "accepted")
        #expect(taken.headerFields[.eTag] != current)
    }

    /// Each body is sent to a case in a state that allows the action, by an admin.
    @Test(arguments: [
        ("reported", #"{"action":"return"}"#, "/note"),
        ("reported", #"{"action":"return","note":"  "}"#, "/note"),
        ("reported", #"{"action":"return","note":7}"#, "/note"),
        ("accepted", #"{"action":"dispatch"}"#, "/assignee"),
        ("accepted", #"{"action":"dispatch","assignee":"cadre-9999"}"#, "/assignee"),
        ("accepted", #"{"action":"dispatch","assignee":false}"#, "/assignee"),
        ("awaiting_check", #"{"action":"check"}"#, "/passed"),
        ("awaiting_check", #"{"action":"check","passed":"yes"}"#, "/passed"),
        ("checked", #"{"action":"close"}"#, "/outcome"),
        ("checked", #"{"action":"close","outcome":"done"}"#, "/outcome"),
        ("dispatched", #"{"action":"extend","deadline":"2014-08-20"}"#, "/note"),
        ("dispatched", #"{"action":"extend","note":"缺配件"}"#, "/deadline"),
        ("dispatched", #"{"action":"extend","note":"缺配件","deadline":"2014-02-30"}"#, "/deadline"),
        ("dispatched", #"{"action":"extend","note":"缺配件","deadline":"2014-08-12"}"#, "/deadline"),
        ("dispatched", #"{"action":"extend","note":"缺配件","deadline":"2100-01-01"}"#, "/deadline"),
        // Members the action does not read, and members no action has.
        ("reported", #"{"action":"accept","passed":true}"#, "/passed"),
        ("reported", #"{"action":"accept","assignee":null}"#, "/assignee"),
        ("accepted", #"{"action":"dispatch","assignee":"城管中队","outcome":"resolved"}"#, "/outcome"),
        ("reported", #"{"action":"remind","urgency":"high"}"#, "/urgency"),
        ("reported", #"{"action":"remind","note":"快","note":"快"}"#, "/note"),
        // No action, an unknown one, not an object.
        ("reported", #"{"note":"x"}"#, "/action"),
        ("reported", #"{"action":"escalate"}"#, "/action"),
        ("reported", #"{"action":null}"#, "/action"),
        ("reported", #"["accept"]"#, ""),
    ])
    func aMissingOrWrongArgument_is422_andNamesIt(state: String, body: String, pointer: String) throws {
        let desk = try CaseDesk(today: "2014-08-06")
        let id = try #require(try desk.report(reportedOn: "2014-08-05")["id"]?.text)
        let paths: [String: [(String, String)]] = [
            "reported": [],
            "accepted": [("accept", "")],
            "dispatched": [("accept", ""), ("dispatch", #""assignee":"城管中队""#)],
            "awaiting_check": [("accept", ""), ("dispatch", #""assignee":"城管中队""#), ("start", ""), ("submit", "")],
            "checked": [
                ("accept", ""), ("dispatch", #""assignee":"城管中队""#), ("start", ""), ("submit", ""),
                ("check", #""passed":true"#),
            ],
        ]
        for (action, members) in try #require(paths[state]) { try desk.step(id, action, members) }
        let before = try desk.json(.get, "/cases/\(id)")
        let revision = desk.store.revision
        let response = desk.send(.post, "/cases/\(id)/actions", json: body)
        #expect(response.status == .unprocessableContent, "\(response.text)")
        #expect(response.json["errors"]?.items?.compactMap { $0["field"]?.text }.contains(pointer) == true)
        #expect(desk.store.revision == revision)
        #expect(try desk.json(.get, "/cases/\(id)") == before)
    }

    @Test func roles_decideWhoMayTakeWhichStep() throws {
        let desk = try CaseDesk()
        let id = try #require(try desk.report()["id"]?.text)
        let revision = desk.store.revision
        // The reporting cadre may only remind.
        for action in ["accept", "return", "supervise", "void"] {
            let response = desk.act(id, action, #""note":"理由""#, as: "cadre-a")
            #expect(response.status == .forbidden, "\(action): \(response.text)")
            #expect(response.json["status"]?.number == 403)
        }
        // Another cadre of the grid plays no part in this case; a viewer never writes.
        #expect(desk.act(id, "remind", as: "cadre-b").status == .forbidden)
        #expect(desk.act(id, "remind", as: "viewer").status == .forbidden)
        #expect(desk.act(id, "accept", as: "viewer").status == .forbidden)
        // Outside their town or grid, staff and cadres do not see the case at all.
        #expect(desk.act(id, "accept", as: "gaoping").status == .notFound)
        #expect(desk.act(id, "remind", as: "cadre-c").status == .notFound)
        // Town staff do not supervise; that is the district's.
        #expect(desk.act(id, "supervise", as: "xinpu").status == .forbidden)
        #expect(desk.store.revision == revision, "no refused step wrote anything")
        #expect(try desk.step(id, "remind", as: "cadre-a")["state"]?.text == "reported")

        // Dispatched to a cadre: that cadre works it; the town does not start it for them.
        try desk.step(id, "accept", as: "xinpu")
        try desk.step(id, "dispatch", #""assignee":"\#(desk.cadreB)""#, as: "xinpu")
        #expect(desk.act(id, "start", as: "xinpu").status == .forbidden)
        #expect(desk.act(id, "start", as: "cadre-a").status == .forbidden)
        #expect(desk.act(id, "void", as: "cadre-b").status == .forbidden)
        try desk.step(id, "start", as: "cadre-b")
        try desk.step(id, "submit", as: "cadre-b")
        #expect(desk.act(id, "check", #""passed":true"#, as: "cadre-b").status == .forbidden, "nobody checks own work")
        try desk.step(id, "check", #""passed":true"#, as: "xinpu")
        #expect(desk.act(id, "close", #""outcome":"resolved""#, as: "cadre-b").status == .forbidden)
        try desk.step(id, "close", #""outcome":"resolved""#, as: "district")
    }

    @Test func anIdempotencyKey_replaysTheFirstResponse_andStepsOnce() throws {
        let desk = try CaseDesk()
        let id = try #require(try desk.report()["id"]?.text)
        let fields: HTTPFields = [CaseDesk.key: "accept-\(id)-1"]
        let first = desk.act(id, "accept", #""note":"受理""#, fields: fields)
        #expect(first.status == .ok)
        let revision = desk.store.revision
        let again = desk.act(id, "accept", #""note":"受理""#, fields: fields)
        #expect(again.status == .ok && again.body == first.body)
        #expect(again.headerFields[.eTag] == first.headerFields[.eTag])
        #expect(desk.store.revision == revision)
        #expect(CaseDesk.flow(try desk.json(.get, "/cases/\(id)")).count == 2, "one accept step")
        // The same key with another body is refused; another principal's key is another key.
        #expect(desk.act(id, "remind", fields: fields).status == .unprocessableContent)
        let remind = desk.act(id, "remind", as: "xinpu", fields: fields)
        #expect(remind.status == .ok && CaseDesk.flow(remind.json).count == 3)
        // A refused step keyed: the retry is refused the same way and nothing moves.
        let keyed: HTTPFields = [CaseDesk.key: "start-\(id)"]
        let refused = desk.act(id, "start", fields: keyed)
        #expect(refused.status == .conflict)
        #expect(desk.act(id, "start", fields: keyed).status == .conflict)
    }

    @Test func aConditionalStep_retriedWithItsKey_isReplayed_thoughTheTagItNamedIsNowStale() throws {
        let desk = try CaseDesk()
        let id = try #require(try desk.report()["id"]?.text)
        let tag = try #require(desk.send(.get, "/cases/\(id)").headerFields[.eTag])
        let fields: HTTPFields = [CaseDesk.key: "accept-\(id)-if-match", .ifMatch: tag]
        let first = desk.act(id, "accept", fields: fields)
        #expect(first.status == .ok)
        // The step moved the tag on: a retry that lost the first answer gets it again, not a 412.
        let retry = desk.act(id, "accept", fields: fields)
        #expect(retry.status == .ok && retry.body == first.body)
        // Without the key, the stale tag is a 412.
        #expect(desk.act(id, "remind", fields: [.ifMatch: tag]).status == .preconditionFailed)
    }

    @Test func anExtension_onTheDeadlineIsTaken_andAfterItIs422() throws {
        let desk = try CaseDesk(today: "2014-08-05")
        let id = try #require(try desk.report(category: "help", reportedOn: "2014-08-05")["id"]?.text)
        try desk.step(id, "accept")
        try desk.step(id, "dispatch", #""assignee":"城管中队""#)
        let other = try #require(try desk.report(category: "help", reportedOn: "2014-08-05")["id"]?.text)
        try desk.step(other, "accept")
        try desk.step(other, "dispatch", #""assignee":"城管中队""#)
        desk.day.set("2014-08-13")
        let late = desk.act(id, "extend", #""note":"缺配件","deadline":"2014-08-29""#)
        #expect(late.status == .unprocessableContent)
        #expect(late.json["errors"]?.items?.first?["field"]?.text == "/deadline")
        desk.day.set("2014-08-12")
        let onTime = try desk.step(other, "extend", #""note":"缺配件","deadline":"2014-08-29""#)
        #expect(onTime["deadline"]?.text == "2014-08-29" && onTime["overdue"] == .bool(false))
    }

    // MARK: The clock

    @Test func theSweeper_marksACasePastItsDeadlineOverdue_andRemindsItOnce() throws {
        let desk = try CaseDesk(today: "2014-08-05")
        let id = try #require(try desk.report(category: "help", reportedOn: "2014-08-05")["id"]?.text)
        let onTime = try #require(try desk.report(category: "complaint", reportedOn: "2014-08-05")["id"]?.text)
        try desk.step(id, "accept")
        try desk.step(id, "dispatch", #""assignee":"\#(desk.cadreB)""#)
        let sweeper = CaseSweeper(store: desk.store, clock: desk.day.clock, logger: CaseDesk.silent)

        // On the deadline itself the case is on time: a sweep changes nothing.
        desk.day.set("2014-08-12")
        var revision = desk.store.revision
        #expect(sweeper.sweep() == 0 && desk.store.revision == revision)

        desk.day.set("2014-08-13")
        #expect(sweeper.sweep() == 1)
        #expect(desk.store.revision == revision + 1, "one change")
        let swept = try desk.json(.get, "/cases/\(id)")
        #expect(swept["overdue"] == .bool(true) && swept["state"]?.text == "dispatched")
        let reminders = CaseDesk.flow(swept).filter { $0["action"]?.text == "remind" }
        #expect(reminders.count == 1 && reminders.first?["by"]?.text == "system")
        #expect(reminders.first?["on"]?.text == "2014-08-13")
        #expect(try desk.json(.get, "/cases/\(onTime)")["overdue"] == .bool(false))

        // A second sweep, a day later too, finds nothing to do: one reminder per deadline.
        revision = desk.store.revision
        #expect(sweeper.sweep() == 0 && desk.store.revision == revision)
        desk.day.advance(days: 1)
        #expect(sweeper.sweep() == 0 && desk.store.revision == revision)

        let listed = try desk.json(.get, "/cases?overdue=true")
        let overdueIDs = listed["data"]?.items?.compactMap { $0["id"]?.text } ?? []
        #expect(overdueIDs == [id])
        let cases = try desk.json(.get, "/stats")["cases"]
        #expect(cases?["overdue"]?.number == overdueIDs.count && cases?["open"]?.number == 2)
        let xinpu = cases?["byTown"]?.items?.first { $0["townId"]?.text == desk.towns[0] }
        #expect(xinpu?["overdue"]?.number == overdueIDs.count)

        // Closing it: no longer overdue, and closed late.
        try desk.step(id, "start", as: "cadre-b")
        try desk.step(id, "submit", as: "cadre-b")
        try desk.step(id, "check", #""passed":true"#)
        let closed = try desk.step(id, "close", #""outcome":"resolved""#)
        #expect(closed["overdue"] == .bool(false))
        #expect(try desk.json(.get, "/cases?overdue=true")["data"]?.items?.isEmpty == true)
        let after = try desk.json(.get, "/stats")["cases"]
        #expect(after?["overdue"]?.number == 0 && after?["closed"]?.number == 1)
        #expect(after?["closedOnTime"]?.number == 0 && after?["onTimeRate"]?.number == 0)
    }

    @Test func theHistory_showsEachStepsPatch_byWhoeverTookIt() throws {
        let desk = try CaseDesk()
        let id = try #require(try desk.report()["id"]?.text)
        try desk.step(id, "accept", as: "xinpu")
        try desk.step(id, "dispatch", #""assignee":"城管中队""#, as: "xinpu")
        try desk.step(id, "supervise", as: "district")
        let entries = try #require(try desk.json(.get, "/cases/\(id)/history")["data"]?.items)
        #expect(entries.compactMap { $0["by"]?.text } == ["ops", "xinpu", "xinpu", "district"])
        #expect(entries.compactMap { $0["revision"]?.number } == [1, 2, 3, 4])
        let patches = entries.map { $0["patch"] ?? .null }
        #expect(patches[1]["state"]?.text == "accepted")
        #expect(patches[2]["state"]?.text == "dispatched" && patches[2]["assignee"]?.text == "城管中队")
        #expect(patches[3]["supervised"] == .bool(true) && patches[3]["state"] == nil)
        // The flow is an array, so each patch carries it whole, one step longer each time.
        #expect(patches.map { $0["flow"]?.items?.count ?? 0 } == [1, 2, 3, 4])
        #expect(patches[1]["category"] == nil && patches[1]["title"] == nil, "a patch names only what changed")
    }
}
