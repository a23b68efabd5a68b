import GridworkStore
import HTTP1
import HTTPResponder
import HTTPTypes
import JSON

/// The write side of every resource: POST, PUT, PATCH (RFC 7396 merge patch) and DELETE, with
/// validation (422 with per-field errors), media types (415), conditional writes (412) and
/// referential integrity (422 for dangling ids, 409 for referenced deletes unless `cascade=true`).
/// Ids are the server's to give: a PUT to an id that does not exist is a 404, never a create, so
/// `If-None-Match: *` (create only if absent) can only ever fail, with 412 or that 404.
///
/// With a journal, every successful write's response waits (through its gate) until the change
/// is durable, and writes are refused with 503 once the journal has failed.
struct WriteRoutes {
    let store: Store
    let durability: (any WriteDurability)?
    let idempotency: IdempotencyKeys
    let metrics: MetricsCollector
    /// The case clock: today, for the cases' deadlines and steps.
    let clock: CaseClock

    /// A write handler: its outcome waits for durability before it is answered.
    typealias Write = @Sendable (Request, Router.Parameters) throws(APIError) -> WriteOutcome

    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!

    func register(on router: Router) {
        let store = self.store
        let durability = self.durability
        let idempotency = self.idempotency
        let metrics = self.metrics
        /// Runs a write; its response leaves once the revision it shows is on disk. Every write
        /// that is answered with success is counted by the role of its principal.
        func durable(_ write: @escaping Write) -> Router.Handler {
            { request, parameters throws(APIError) in
                if let durability, let failure = durability.failure { throw durability.refusal(failure) }
                let role = parameters.principal.role.rawValue
                if let durability, let sequencer = durability.sequencer {
                    // The write runs on the log's thread, against its newest state.
                    var response = Response(status: .accepted)
                    response.gate = SequencedResponse(
                        sequencer: sequencer, durability: durability,
                        write: { () throws(APIError) in try write(request, parameters) },
                        succeeded: { metrics.wrote(as: role) })
                    return response
                }
                let response = try write(request, parameters).response(with: durability)
                metrics.wrote(as: role)
                return response
            }
        }
        let clock = self.clock
        registerCaseActions(on: router, durable: durable)
        for kind in ResourceKind.allCases {
            router.add(
                .post, "/\(kind.rawValue)",
                durable { request, parameters throws(APIError) in
                    try QueryParameters.rejectAll(request)
                    let principal = parameters.principal
                    // The key's form is a header matter (400) and comes before the body's (422). A
                    // retry is answered before validation: its first answer stands even if the data
                    // has changed since, e.g. the town it named is gone.
                    let key = try Self.idempotencyKey(request)
                    let body = Self.withDefaults(try Self.body(request, mergePatch: false), kind, principal)
                    return try Self.once(key, request, principal, idempotency) { annotation throws(APIError) in
                        let values = try Self.validate(kind, body, current: nil, store)
                        try Self.permit(principal, kind, id: nil, values, store)
                        return try Self.create(kind, values, store, by: principal, annotation: annotation, clock: clock)
                    }
                })
            router.add(
                .put, "/\(kind.rawValue)/:id",
                durable { request, parameters throws(APIError) in
                    try Self.update(
                        kind, parameters["id"] ?? "", request, store, by: parameters.principal, mergePatch: false)
                })
            router.add(
                .patch, "/\(kind.rawValue)/:id",
                durable { request, parameters throws(APIError) in
                    try Self.update(
                        kind, parameters["id"] ?? "", request, store, by: parameters.principal, mergePatch: true)
                })
            router.add(
                .delete, "/\(kind.rawValue)/:id",
                durable { request, parameters throws(APIError) in
                    let query = try QueryParameters(request)
                    try query.rejectUnknown(allowed: ["cascade"])
                    var cascade = false
                    if let text = try query.single("cascade") {
                        guard text == "true" || text == "false" else {
                            throw APIError.badRequest("`cascade` must be true or false.")
                        }
                        cascade = text == "true"
                    }
                    let principal = parameters.principal
                    let current = try Self.latest(kind, parameters["id"] ?? "", store, as: principal)
                    try Self.permit(principal, kind, id: current.id, current: current, nil, store)
                    // A case's flow is its history: the town and the grid void a case, they do not erase it.
                    if kind == .cases, principal.role != .admin, principal.role != .district {
                        throw APIResponder.challenge(
                            .forbidden,
                            "`\(principal.id)` may void a case (POST /cases/\(current.id)/actions "
                                + "{\"action\":\"void\"}), not delete it; only admin and district staff delete cases.",
                            error: "insufficient_scope")
                    }
                    let epoch = store.epoch
                    let holds = Self.preconditions(request, epoch)
                    if !holds(current) { throw Self.preconditionFailed(current, epoch) }
                    let deleted = try Self.storeCall(epoch: epoch) { () throws(StoreError) in
                        try store.delete(
                            kind, id: current.id, cascade: cascade, by: principal.id, precondition: holds)
                    }
                    return WriteOutcome(Response(status: .noContent), revision: deleted.revision)
                })
        }
    }

    /// The record as the write path sees it (with writes not yet durable), or 404 — also when
    /// it lies outside what `principal` may read, so that nothing leaks.
    static func latest(
        _ kind: ResourceKind, _ id: String, _ store: Store, as principal: Principal = .openAccess
    ) throws(APIError) -> Record {
        guard let record = store.latest(kind, id: id),
            Scope(principal).contains(kind, id: id, values: record.values, lookup: { store.latest($0, id: $1) })
        else {
            throw APIError.notFound("No \(kind.schema.singular) has the id `\(id)`.")
        }
        return record
    }

    /// 403 unless `principal` may write a `kind` record that is `current` (nil for a create) and
    /// becomes `values` (nil for a delete): both must lie in its scope. A grid principal records
    /// assistance records in its grids, as its own cadre.
    static func permit(
        _ principal: Principal, _ kind: ResourceKind, id: String?, current: Record? = nil, _ values: [FieldValue]?,
        _ store: Store
    ) throws(APIError) {
        let scope = Scope(principal)
        guard !scope.isDistrict else { return }
        let lookup = { (kind: ResourceKind, id: String) in store.latest(kind, id: id) }
        let cadreField: Int? =
            switch kind {
            case .assistanceRecords: AssistanceField.cadreId.rawValue
            case .cases: CaseField.reportedBy.rawValue
            default: nil
            }
        if principal.role == .grid, let cadreField, let values, let cadre = values[cadreField].string,
            cadre != principal.cadreId
        {
            throw APIResponder.challenge(
                .forbidden,
                "`\(principal.id)` records work as cadre `\(principal.cadreId ?? "-")`, not `\(cadre)`.",
                error: "insufficient_scope")
        }
        for side in [current?.values, values].compactMap({ $0 })
        where !scope.mayWrite(kind, id: id, values: side, lookup: lookup) {
            let reach =
                switch scope.extent {
                case .district: "the district"
                case .towns(let towns): "towns " + towns.sorted().joined(separator: ", ")
                case .grids(let grids): "assistance records in grids " + grids.sorted().joined(separator: ", ")
                }
            throw APIResponder.challenge(
                .forbidden, "`\(principal.id)` may write \(reach) only; this \(kind.schema.singular) lies outside.",
                error: "insufficient_scope")
        }
    }

    /// A grid principal's assistance records (and the cases it reports) name its own cadre
    /// unless they say otherwise.
    static func withDefaults(_ body: JSONValue, _ kind: ResourceKind, _ principal: Principal) -> JSONValue {
        let field =
            switch kind {
            case .assistanceRecords: "cadreId"
            case .cases: "reportedBy"
            default: ""
            }
        guard !field.isEmpty, principal.role == .grid, let cadre = principal.cadreId,
            case .object(let members) = body, !members.contains(where: { $0.key == field })
        else { return body }
        return .object(members + [(key: field, value: .string(cadre))])
    }

    /// Creates the record. `annotation` (an idempotency key's entry) goes into the journal with the
    /// change; it is plain data, made without building a response inside the store's lock.
    private static func create(
        _ kind: ResourceKind, _ values: [FieldValue], _ store: Store, by principal: Principal, annotation: JSONValue?,
        clock: CaseClock
    ) throws(APIError) -> WriteOutcome {
        var values = values
        let timestamp = Timestamp.now()
        if kind == .cases {
            let grid = values[CaseField.gridId.rawValue].string.flatMap { store.latest(.grids, id: $0) }
            switch CaseFile.opened(
                values, grid: grid, today: clock.today, calendar: clock.calendar, at: timestamp, by: principal.id)
            {
            case .success(let opened): values = opened
            case .failure(let issue): throw invalid([.init(field: issue.pointer, message: issue.message)])
            }
        }
        let committed = try storeCall { () throws(StoreError) in
            try store.insert(
                kind, values: values, source: .api, at: timestamp, by: principal.id,
                annotation: annotation.map { annotation in { _ in annotation } })
        }
        return WriteOutcome(created(committed.value, kind, committed.epoch), revision: committed.revision)
    }

    static func created(_ record: Record, _ kind: ResourceKind, _ epoch: String) -> Response {
        var response = RecordETag.response(record, kind, epoch, status: .created)
        response.headerFields[.location] = "/\(kind.rawValue)/\(record.id)"
        return response
    }

    /// Runs `write` once per `Idempotency-Key`: the first time with the key's annotation (which
    /// goes into the journal with the change), every retry answered with the first answer. Without
    /// a key, just runs it. A key belongs to its principal: the same key from another is another key.
    static func once(
        _ key: String?, _ request: Request, _ principal: Principal, _ idempotency: IdempotencyKeys,
        _ write: (_ annotation: JSONValue?) throws(APIError) -> WriteOutcome
    ) throws(APIError) -> WriteOutcome {
        guard let key else { return try write(nil) }
        let fingerprint = IdempotencyKeys.fingerprint(request)
        return try idempotency.run(key: key, owner: principal.id, fingerprint: fingerprint) {
            annotation throws(APIError) in try write(annotation)
        }
    }

    /// The request's `Idempotency-Key`, if it has one: 1…255 visible ASCII characters.
    static func idempotencyKey(_ request: Request) throws(APIError) -> String? {
        guard let key = request.headerFields[idempotencyKey] else { return nil }
        guard (1...IdempotencyKeys.maxKeyLength).contains(key.utf8.count),
            key.utf8.allSatisfy({ (0x21...0x7E).contains($0) })
        else {
            throw APIError.badRequest(
                "Idempotency-Key must be 1–\(IdempotencyKeys.maxKeyLength) visible ASCII characters.")
        }
        return key
    }

    /// PUT (the body replaces the fields) or PATCH (a JSON merge patch over the current fields).
    /// A body that leaves the record as it is changes nothing and answers with the record as is.
    private static func update(
        _ kind: ResourceKind, _ id: String, _ request: Request, _ store: Store, by principal: Principal,
        mergePatch: Bool
    ) throws(APIError) -> WriteOutcome {
        try QueryParameters.rejectAll(request)
        let current = try latest(kind, id, store, as: principal)
        let body = try Self.body(request, mergePatch: mergePatch)
        // Members a merge patch would drop without a trace (`{"foo": null}`) are checked before it
        // is applied; everything else is checked on the result.
        var dropped = mergePatch ? MergePatch.droppedMembers(body, kind.schema) : []
        // So is a patch's null for a derived field that has a value: applied, it would vanish.
        if mergePatch, case .object(let members) = body {
            for (key, value) in members where value == .null {
                guard let position = kind.schema.index(of: key), kind.schema.fields[position].access == .derived,
                    current.values[position] != .null
                else { continue }
                dropped.append(ValidationIssue("/\(key)", "`\(key)` is set by the server and cannot be changed."))
            }
        }
        let fields = mergePatch ? MergePatch.apply(body, to: current.fieldsObject(kind.schema)) : body
        // A patch was applied to `current`: it must not overwrite a newer revision. Nor may the
        // update of a record with derived fields, which carries `current`'s (a case's state and flow).
        let sameRevision = mergePatch || kind.schema.hasDerivedFields
        // The request itself is checked first (400, 415, 422), its preconditions after (412).
        var values = try validate(kind, fields, current: current, store, also: dropped)
        if kind == .cases {
            switch CaseFile.updated(values, current: current) {
            case .success(let updated): values = updated
            case .failure(let failure):
                throw invalid(failure.issues.map { .init(field: $0.pointer, message: $0.message) })
            }
        }
        try permit(principal, kind, id: current.id, current: current, values, store)
        let epoch = store.epoch
        let holds = preconditions(request, epoch)
        if !holds(current) { throw preconditionFailed(current, epoch) }
        let revision = current.revision
        let committed = try storeCall(epoch: epoch) { () throws(StoreError) in
            try store.replace(kind, id: current.id, values: values, at: Timestamp.now(), by: principal.id) { record in
                holds(record) && (!sameRevision || record.revision == revision)
            }
        }
        return WriteOutcome(
            RecordETag.response(committed.value, kind, committed.epoch, status: .ok), revision: committed.revision)
    }

    /// Whether the request's `If-Match` and `If-None-Match` hold for a record (RFC 9110 §13.1.1,
    /// §13.1.2). On a write, `If-None-Match` fails when it is `*` (the record exists) or names the
    /// record's tag, compared weakly. Checked once before the write, and again by the store under
    /// its lock against the record as it then is.
    static func preconditions(_ request: Request, _ epoch: String) -> @Sendable (Record) -> Bool {
        let ifMatch = request.headerFields[.ifMatch]
        let ifNoneMatch = request.headerFields[.ifNoneMatch]
        return { record in
            let tag = RecordETag.of(record, epoch)
            if let ifMatch, !RecordETag.ifMatch(ifMatch, record, epoch) { return false }
            if let ifNoneMatch, EntityTag.matches(ifNoneMatch, any: [tag], weak: true) { return false }
            return true
        }
    }

    static func preconditionFailed(_ current: Record, _ epoch: String) -> APIError {
        let tag = RecordETag.of(current, epoch)
        return APIError(
            .preconditionFailed,
            detail: "A precondition does not hold for the current ETag \(tag): If-Match must name it, "
                + "If-None-Match must not (and `If-None-Match: *` fails, as the record exists).",
            headerFields: [.eTag: tag]
        )
    }

    /// The body as JSON, after checking its content coding, media type and charset (RFC 9110
    /// §15.5.16) and its syntax.
    static func body(_ request: Request, mergePatch: Bool) throws(APIError) -> JSONValue {
        try checkContentCoding(request)
        let contentType = request.headerFields[.contentType]
        let mediaType = contentType.map(Self.mediaType)
        let accepted = mergePatch ? ["application/merge-patch+json", "application/json"] : ["application/json"]
        guard let mediaType, accepted.contains(mediaType) else {
            throw APIError(
                .unsupportedMediaType,
                detail:
                    "Send the body as \(accepted.joined(separator: " or ")); got \(contentType ?? "no Content-Type").",
                headerFields: [HTTPField.Name("Accept-Patch")!: accepted.joined(separator: ", ")]
            )
        }
        if let charset = charset(contentType ?? ""), charset.lowercased() != "utf-8" {
            throw APIError(
                .unsupportedMediaType, detail: "Send the body as UTF-8 (charset=utf-8 or none); got charset=\(charset)."
            )
        }
        guard !request.body.isEmpty else {
            throw APIError.badRequest("The request body is empty; expected a JSON object.")
        }
        do {
            return try JSONParser.parse(request.body)
        } catch {
            throw APIError.badRequest("The body is not valid JSON: \(error).")
        }
    }

    /// A body is read as it was sent: bodies are not decompressed, so any content coding but
    /// `identity` is a 415 that says so in `Accept-Encoding` (RFC 9110 §15.5.16, §12.5.3).
    static func checkContentCoding(_ request: Request) throws(APIError) {
        let codings = request.headerFields[values: .contentEncoding].flatMap { $0.split(separator: ",") }
        for coding in codings.map({ $0.trimmingSpacesAndTabs().lowercased() }) where coding != "identity" {
            throw APIError(
                .unsupportedMediaType,
                detail: "Request bodies are read as sent, without a content coding; got Content-Encoding: "
                    + "\(coding). Send the body uncompressed.",
                headerFields: [.acceptEncoding: "identity"]
            )
        }
    }

    /// `type/subtype` of a `Content-Type`, lower-cased, without its parameters. Every write reads
    /// one, so it is cut at the `;` byte and lower-cased only when it has a capital.
    static func mediaType(_ contentType: String) -> String {
        let end = contentType.utf8.firstIndex(of: UInt8(ascii: ";")) ?? contentType.endIndex
        let type = contentType[..<end].trimmingSpacesAndTabs()
        return type.utf8.contains(where: { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) })
            ? type.lowercased() : String(type)
    }

    /// The `charset` parameter of a media type (`application/json; charset="UTF-8"`), unquoted.
    static func charset(_ contentType: String) -> String? {
        guard contentType.utf8.contains(UInt8(ascii: ";")) else { return nil }
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingSpacesAndTabs().lowercased() == "charset" else { continue }
            var value = pair[1].trimmingSpacesAndTabs()
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = value.dropFirst().dropLast() }
            return String(value)
        }
        return nil
    }

    /// Schema validation. Server-owned members are refused on create; on update they may be
    /// echoed back unchanged (a GET body can be PUT back), but not changed. `also` holds problems
    /// found before (members a merge patch dropped), reported with the rest.
    static func validate(
        _ kind: ResourceKind, _ body: JSONValue, current: Record?, _ store: Store, also: [ValidationIssue] = []
    ) throws(APIError) -> [FieldValue] {
        var body = body
        let earlier = also.map { APIError.FieldError(field: $0.pointer, message: $0.message) }
        if let current, case .object(let members) = body {
            var issues: [APIError.FieldError] = []
            let owned: [String: JSONValue] = [
                "id": .string(current.id), "createdAt": .string(current.createdAt),
                "updatedAt": .string(current.updatedAt),
                "revision": .int(current.revision), "source": .string(current.source.rawValue),
                "createdBy": .string(current.createdBy), "updatedBy": .string(current.updatedBy),
            ]
            for (key, value) in members where owned[key] != nil && owned[key] != value {
                issues.append(.init(field: "/\(key)", message: "`\(key)` is set by the server and cannot be changed."))
            }
            // Derived fields may be echoed back as they are, like the metadata above.
            let derived = Set(kind.schema.fields.filter { $0.access == .derived }.map(\.name))
            var echoed: [String: JSONValue] = [:]
            if !derived.isEmpty, case .object(let current) = current.fieldsObject(kind.schema) {
                for (key, value) in current where derived.contains(key) { echoed[key] = value }
            }
            for (key, value) in members where derived.contains(key) && (echoed[key] ?? .null) != value {
                issues.append(.init(field: "/\(key)", message: "`\(key)` is set by the server and cannot be changed."))
            }
            guard issues.isEmpty else { throw invalid(earlier + issues) }
            body = .object(members.filter { owned[$0.key] == nil && !derived.contains($0.key) })
        }
        // Dangling ids are reported with the other problems; the store checks them again
        // (with the cross-record rules) under its lock.
        switch kind.schema.values(from: body) {
        case .success(let values):
            guard earlier.isEmpty else { throw invalid(earlier) }
            return values
        case .failure(let failure):
            let issues = failure.issues + store.referenceIssues(kind, failure.partial)
            throw invalid(earlier + issues.map { .init(field: $0.pointer, message: $0.message) })
        }
    }

    static func invalid(_ errors: [APIError.FieldError]) -> APIError {
        APIError(
            .unprocessableContent,
            detail: errors.count == 1 ? "One field is invalid." : "\(errors.count) fields are invalid.",
            errors: errors
        )
    }

    /// Maps the store's refusals onto statuses.
    static func storeCall<T>(epoch: String = "", _ body: () throws(StoreError) -> T) throws(APIError) -> T {
        do {
            return try body()
        } catch {
            switch error {
            case .notFound(let kind, let id):
                throw APIError.notFound("No \(kind.schema.singular) has the id `\(id)`.")
            case .referenced(let referrers):
                let named = referrers.map { "\($0.count) \($0.kind.rawValue) (through `\($0.field)`)" }
                throw APIError(
                    .conflict,
                    detail: "Other records refer to it: \(named.joined(separator: ", ")). Delete or change them "
                        + "first, or repeat with ?cascade=true (see the README for what a cascade does to each).",
                    errors: referrers.map {
                        .init(field: "\($0.kind.rawValue)/\($0.field)", message: "\($0.count) record(s) refer to it.")
                    }
                )
            case .duplicateID(let id):
                throw APIError(.conflict, detail: "The id `\(id)` is taken.")
            case .invalid(let issues):
                throw invalid(issues.map { .init(field: $0.pointer, message: $0.message) })
            case .preconditionFailed(let current):
                throw preconditionFailed(current, epoch)
            }
        }
    }
}

/// JSON merge patch (RFC 7396 §2).
enum MergePatch {
    /// The members of `patch` that applying it would lose without a trace, so that validating the
    /// result could not see them: a repeated member, and a `null` for a field the schema does not
    /// have (or one the server owns, or a key a counts object does not have). SPEC §3 makes an
    /// unknown member a 422 whatever its value; `{"foo": 1}` is one, so `{"foo": null}` is too.
    static func droppedMembers(_ patch: JSONValue, _ schema: Schema) -> [ValidationIssue] {
        guard case .object(let members) = patch else { return [] }
        var issues: [ValidationIssue] = []
        var seen = Set<String>()
        for (key, value) in members {
            guard seen.insert(key).inserted else {
                issues.append(ValidationIssue("/\(key)", "The field appears more than once."))
                continue
            }
            guard let position = schema.index(of: key) else {
                if value == .null {
                    let message =
                        Schema.serverOwned.contains(key)
                        ? "`\(key)` is set by the server and cannot be changed."
                        : "Unknown field; allowed fields: \(schema.fields.map(\.name).joined(separator: ", "))."
                    issues.append(ValidationIssue("/\(key)", message))
                }
                continue
            }
            if case .counts(let keys) = schema.fields[position].type, case .object(let counts) = value {
                for (countKey, count) in counts where count == .null && !keys.contains(countKey) {
                    issues.append(
                        ValidationIssue(
                            "/\(key)/\(countKey)", "Unknown or repeated key; keys: \(keys.joined(separator: ", ")).")
                    )
                }
            }
        }
        return issues
    }

    static func apply(_ patch: JSONValue, to target: JSONValue) -> JSONValue {
        guard case .object(let patchMembers) = patch else { return patch }
        var members: [(key: String, value: JSONValue)] = []
        if case .object(let targetMembers) = target { members = targetMembers }
        for (key, value) in patchMembers {
            let existing = members.firstIndex { $0.key == key }
            if value == .null {
                if let existing { members.remove(at: existing) }
            } else if let existing {
                members[existing].value = apply(value, to: members[existing].value)
            } else {
                members.append((key, apply(value, to: .null)))
            }
        }
        return .object(members)
    }
}
