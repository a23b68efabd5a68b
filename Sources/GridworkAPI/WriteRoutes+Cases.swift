import GridworkStore
import HTTP1
import HTTPResponder
import HTTPTypes
import JSON

/// Cases (SPEC §7): a case's derived fields are the server's — filled in on create from its grid
/// and the case clock, kept on every update — and its state moves only through
/// `POST /cases/{id}/actions`, one step of `CaseWorkflow` at a time.
extension WriteRoutes {
    /// The members an action body may hold besides `action` and `note`, by action.
    static let actionMembers: [CaseAction: String] = [
        .dispatch: "assignee", .check: "passed", .close: "outcome", .extend: "deadline",
    ]

    func registerCaseActions(on router: Router, durable: (@escaping Write) -> Router.Handler) {
        let store = self.store
        let clock = self.clock
        let idempotency = self.idempotency
        router.add(
            .post, "/cases/:id/actions",
            durable { request, parameters throws(APIError) in
                try QueryParameters.rejectAll(request)
                let principal = parameters.principal
                let key = try Self.idempotencyKey(request)
                let body = try Self.body(request, mergePatch: false)
                // As with a create, a retry is answered before anything else is checked again:
                // its first answer stands though the case has moved on since.
                return try Self.once(key, request, principal, idempotency) { annotation throws(APIError) in
                    let (action, arguments) = try Self.action(body, store)
                    let current = try Self.latest(.cases, parameters["id"] ?? "", store, as: principal)
                    let epoch = store.epoch
                    let holds = Self.preconditions(request, epoch)
                    if !holds(current) { throw Self.preconditionFailed(current, epoch) }
                    let timestamp = Timestamp.now()
                    let today = clock.today
                    let result = try Self.storeCall(epoch: epoch) { () throws(StoreError) in
                        try store.moveCase(
                            current.id, at: timestamp, by: principal.id, precondition: holds,
                            annotation: annotation
                        ) { record, nextRecordID in
                            CaseFile.step(
                                record, action: action, arguments: arguments,
                                roles: Self.caseRoles(principal, record), by: principal.id, at: timestamp,
                                today: today, nextRecordID: nextRecordID)
                        }
                    }
                    switch result {
                    case .success(let committed):
                        return WriteOutcome(
                            RecordETag.response(committed.value, .cases, committed.epoch, status: .ok),
                            revision: committed.revision)
                    case .failure(let refusal):
                        throw Self.refused(refusal, principal, playsAPart: !Self.caseRoles(principal, current).isEmpty)
                    }
                }
            })
    }

    /// The action and its arguments: a JSON object with `action`, an optional `note`, and the one
    /// member the action reads (`assignee`, `passed`, `outcome` or `deadline`). Anything else is a
    /// 422: nothing is silently ignored.
    static func action(_ body: JSONValue, _ store: Store) throws(APIError) -> (CaseAction, CaseArguments) {
        guard case .object(let members) = body else {
            throw invalid([.init(field: "", message: "The body must be a JSON object, not \(body.typeName).")])
        }
        var errors: [APIError.FieldError] = []
        var fields: [String: JSONValue] = [:]
        for (key, value) in members {
            if fields.updateValue(value, forKey: key) != nil {
                errors.append(.init(field: "/\(key)", message: "The field appears more than once."))
            }
        }
        let names = CaseAction.allCases.map(\.rawValue).joined(separator: ", ")
        guard case .string(let name) = fields["action"] ?? .null, let action = CaseAction(rawValue: name) else {
            throw invalid(errors + [.init(field: "/action", message: "Required; one of: \(names).")])
        }
        let own = actionMembers[action]
        for key in fields.keys.sorted() where key != "action" && key != "note" && key != own {
            let known = Set(actionMembers.values).contains(key)
            errors.append(
                .init(
                    field: "/\(key)",
                    message: known
                        ? "`\(action.rawValue)` does not read `\(key)`; it reads `note`\(own.map { " and `\($0)`" } ?? "")."
                        : "Unknown field; an action body has `action`, `note`, and `assignee` (dispatch), "
                            + "`passed` (check), `outcome` (close) or `deadline` (extend)."))
        }
        var arguments = CaseArguments()
        func text(_ key: String, maxLength: Int) -> String? {
            guard let value = fields[key], value != .null else { return nil }
            guard case .string(let text) = value else {
                errors.append(.init(field: "/\(key)", message: "Expected a string, got \(value.typeName)."))
                return nil
            }
            if let problem = Schema.textProblem(text, maxLength: maxLength) {
                errors.append(.init(field: "/\(key)", message: problem))
                return nil
            }
            return text
        }
        arguments.note = text("note", maxLength: Schema.maxTextLength)
        switch action {
        case .dispatch:
            arguments.assignee = text("assignee", maxLength: 200)
            if let assignee = arguments.assignee, CaseFile.isCadreID(assignee),
                store.latest(.cadres, id: assignee) == nil
            {
                errors.append(
                    .init(
                        field: "/assignee",
                        message: "No cadre has the id `\(assignee)`; name a cadre by id, or a unit by name."))
            }
        case .check:
            if let value = fields["passed"], value != .null {
                guard case .bool(let passed) = value else {
                    throw invalid(
                        errors + [.init(field: "/passed", message: "Expected true or false, got \(value.typeName).")])
                }
                arguments.passed = passed
            }
        case .close:
            if let value = fields["outcome"], value != .null {
                let outcomes = CaseOutcome.allCases.map(\.rawValue)
                guard case .string(let text) = value, let outcome = CaseOutcome(rawValue: text) else {
                    throw invalid(
                        errors + [
                            .init(field: "/outcome", message: "Must be one of: \(outcomes.joined(separator: ", ")).")
                        ])
                }
                arguments.outcome = outcome
            }
        case .extend:
            if let value = fields["deadline"], value != .null {
                guard case .string(let text) = value, let date = CalendarDate(text),
                    CalendarDate.accepted.contains(date)
                else {
                    throw invalid(
                        errors + [.init(field: "/deadline", message: "Expected a real date as YYYY-MM-DD, 2000–2099.")])
                }
                arguments.deadline = date
            }
        default:
            break
        }
        guard errors.isEmpty else { throw invalid(errors) }
        return (action, arguments)
    }

    /// The parts `principal` plays on `record`, a case: admins and district staff theirs; the
    /// town's staff the town's, and the assignee's when the case went to a unit (a unit has no
    /// principal of its own, so its town records its progress); a grid cadre the assignee's when
    /// the case went to them, the reporter's when they reported it.
    static func caseRoles(_ principal: Principal, _ record: Record) -> [CaseRole] {
        let assignee = record[CaseField.assignee].string
        switch principal.role {
        case .admin: return [.admin]
        case .district: return [.district]
        case .town:
            guard let town = record[CaseField.townId].string, principal.towns.contains(town) else { return [] }
            return assignee.map { CaseFile.isCadreID($0) } == false ? [.town, .assignee] : [.town]
        case .grid:
            guard let cadre = principal.cadreId else { return [] }
            var roles: [CaseRole] = []
            if assignee == cadre { roles.append(.assignee) }
            if record[CaseField.reportedBy].string == cadre { roles.append(.reporter) }
            return roles
        case .viewer: return []
        }
    }

    /// A refused step as a response: 409 listing the actions the state allows, 403 when the step
    /// is not the caller's to take, 422 for a missing or wrong argument.
    static func refused(_ refusal: CaseRefusal, _ principal: Principal, playsAPart: Bool) -> APIError {
        switch refusal {
        case .notAllowed(let action, let state, let allowed):
            let names = allowed.map(\.rawValue)
            var json = JSONWriter(capacity: 128)
            json.raw("[")
            for (index, name) in names.enumerated() {
                if index > 0 { json.raw(",") }
                json.string(name)
            }
            json.raw("]")
            var error = APIError(
                .conflict,
                detail: "A case in state `\(state.rawValue)` cannot take `\(action.rawValue)`; "
                    + (names.isEmpty ? "it takes no further action." : "it allows: \(names.joined(separator: ", "))."),
                errors: [.init(field: "/action", message: "Not allowed in state `\(state.rawValue)`.")])
            error.extensions.append((name: "allowed", json: json.bytes))
            return error
        case .notYours(let action, let role):
            let why =
                if principal.role == .viewer {
                    " (a viewer never writes)."
                } else if !playsAPart {
                    ": it is not the case's town staff, assignee or reporter."
                } else {
                    " as its \(role.rawValue)."
                }
            return APIResponder.challenge(
                .forbidden, "`\(principal.id)` may not take `\(action.rawValue)` on this case" + why,
                error: "insufficient_scope")
        case .invalid(let issue):
            return invalid([.init(field: issue.pointer, message: issue.message)])
        }
    }
}
