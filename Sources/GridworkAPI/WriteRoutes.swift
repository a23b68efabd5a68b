import GridworkStore
import HTTP1
import HTTPTypes

/// The write side of every resource: POST, PUT, PATCH (RFC 7396 merge patch) and DELETE, with
/// validation (422 with per-field errors), media types (415), conditional writes (412) and
/// referential integrity (422 for dangling ids, 409 for referenced deletes unless `cascade=true`).
///
/// With a journal, every successful write's response waits (through its gate) until the change
/// is durable, and writes are refused with 503 once the journal has failed.
struct WriteRoutes {
    let store: Store
    let durability: (any WriteDurability)?
    let idempotency: IdempotencyKeys

    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!

    func register(on router: Router) {
        let store = self.store
        let durability = self.durability
        let idempotency = self.idempotency
        /// Runs a write; its response leaves once the revision it shows is on disk.
        func durable(_ write: @escaping @Sendable (Request, Router.Parameters) throws(APIError) -> WriteOutcome)
            -> Router.Handler
        {
            { request, parameters throws(APIError) in
                if let failure = durability?.failure { throw APIError.journalUnavailable(failure) }
                return try write(request, parameters).response(with: durability)
            }
        }
        for kind in ResourceKind.allCases {
            router.add(
                .post, "/\(kind.rawValue)",
                durable { request, _ throws(APIError) in
                    try QueryParameters.rejectAll(request)
                    // The key's form is a header matter (400) and comes before the body's (422). A
                    // retry is answered before validation: its first answer stands even if the data
                    // has changed since, e.g. the town it named is gone.
                    let key = try Self.idempotencyKey(request)
                    let body = try Self.body(request, mergePatch: false)
                    guard let key else {
                        let values = try Self.validate(kind, body, current: nil, store)
                        return try Self.create(kind, values, store, annotation: nil)
                    }
                    let fingerprint = IdempotencyKeys.fingerprint(request)
                    return try idempotency.run(key: key, fingerprint: fingerprint, epoch: store.epoch) {
                        annotation throws(APIError) in
                        let values = try Self.validate(kind, body, current: nil, store)
                        return try Self.create(kind, values, store, annotation: annotation)
                    }
                })
            router.add(
                .put, "/\(kind.rawValue)/:id",
                durable { request, parameters throws(APIError) in
                    try Self.update(kind, parameters["id"] ?? "", request, store, mergePatch: false)
                })
            router.add(
                .patch, "/\(kind.rawValue)/:id",
                durable { request, parameters throws(APIError) in
                    try Self.update(kind, parameters["id"] ?? "", request, store, mergePatch: true)
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
                    let current = try Self.latest(kind, parameters["id"] ?? "", store)
                    try Self.checkIfMatch(request, current, store.epoch)
                    let ifMatch = request.headerFields[.ifMatch]
                    let epoch = store.epoch
                    let deleted = try Self.storeCall(epoch: epoch) { () throws(StoreError) in
                        try store.delete(kind, id: current.id, cascade: cascade) { record in
                            ifMatch.map { RecordETag.ifMatch($0, record, epoch) } ?? true
                        }
                    }
                    return WriteOutcome(Response(status: .noContent), revision: deleted.revision)
                })
        }
    }

    /// The record as the write path sees it (with writes not yet durable), or 404.
    static func latest(_ kind: ResourceKind, _ id: String, _ store: Store) throws(APIError) -> Record {
        guard let record = store.latest(kind, id: id) else {
            throw APIError.notFound("No \(kind.schema.singular) has the id `\(id)`.")
        }
        return record
    }

    /// Creates the record. `annotation` (an idempotency key's entry) goes into the journal with the
    /// change; it is plain data, made without building a response inside the store's lock.
    private static func create(
        _ kind: ResourceKind, _ values: [FieldValue], _ store: Store, annotation: JSONValue?
    ) throws(APIError) -> WriteOutcome {
        let committed = try storeCall { () throws(StoreError) in
            try store.insert(
                kind, values: values, source: .api, at: Timestamp.now(),
                annotation: annotation.map { annotation in { _ in annotation } })
        }
        return WriteOutcome(created(committed.value, kind, store.epoch), revision: committed.revision)
    }

    static func created(_ record: Record, _ kind: ResourceKind, _ epoch: String) -> Response {
        var response = RecordETag.response(record, kind, epoch, status: .created)
        response.headerFields[.location] = "/\(kind.rawValue)/\(record.id)"
        return response
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
        _ kind: ResourceKind, _ id: String, _ request: Request, _ store: Store, mergePatch: Bool
    ) throws(APIError) -> WriteOutcome {
        try QueryParameters.rejectAll(request)
        let current = try latest(kind, id, store)
        let body = try Self.body(request, mergePatch: mergePatch)
        let fields = mergePatch ? MergePatch.apply(body, to: current.fieldsObject(kind.schema)) : body
        // A patch was applied to `current`: it must not overwrite a newer revision.
        let sameRevision = mergePatch
        // The request itself is checked first (400, 415, 422), its precondition after (412).
        let values = try validate(kind, fields, current: current, store)
        let epoch = store.epoch
        try checkIfMatch(request, current, epoch)
        let ifMatch = request.headerFields[.ifMatch]
        let revision = current.revision
        let committed = try storeCall(epoch: epoch) { () throws(StoreError) in
            try store.replace(kind, id: current.id, values: values, at: Timestamp.now()) { record in
                (ifMatch.map { RecordETag.ifMatch($0, record, epoch) } ?? true)
                    && (!sameRevision || record.revision == revision)
            }
        }
        return WriteOutcome(
            RecordETag.response(committed.value, kind, epoch, status: .ok), revision: committed.revision)
    }

    private static func checkIfMatch(_ request: Request, _ record: Record, _ epoch: String) throws(APIError) {
        if let header = request.headerFields[.ifMatch], !RecordETag.ifMatch(header, record, epoch) {
            throw preconditionFailed(record, epoch)
        }
    }

    static func preconditionFailed(_ current: Record, _ epoch: String) -> APIError {
        APIError(
            .preconditionFailed,
            detail: "If-Match does not match the current ETag \(RecordETag.of(current, epoch)).",
            headerFields: [.eTag: RecordETag.of(current, epoch)]
        )
    }

    /// The body as JSON, after checking its media type (RFC 9110 §15.5.16) and syntax.
    static func body(_ request: Request, mergePatch: Bool) throws(APIError) -> JSONValue {
        let contentType = request.headerFields[.contentType]
        let mediaType = contentType.map { $0.prefix { $0 != ";" }.trimmingSpacesAndTabs().lowercased() }
        let accepted = mergePatch ? ["application/merge-patch+json", "application/json"] : ["application/json"]
        guard let mediaType, accepted.contains(mediaType) else {
            throw APIError(
                .unsupportedMediaType,
                detail:
                    "Send the body as \(accepted.joined(separator: " or ")); got \(contentType ?? "no Content-Type").",
                headerFields: [HTTPField.Name("Accept-Patch")!: accepted.joined(separator: ", ")]
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

    /// Schema validation. Server-owned members are refused on create; on update they may be
    /// echoed back unchanged (a GET body can be PUT back), but not changed.
    static func validate(_ kind: ResourceKind, _ body: JSONValue, current: Record?, _ store: Store) throws(APIError)
        -> [FieldValue]
    {
        var body = body
        if let current, case .object(let members) = body {
            var issues: [APIError.FieldError] = []
            let owned: [String: JSONValue] = [
                "id": .string(current.id), "createdAt": .string(current.createdAt),
                "updatedAt": .string(current.updatedAt),
                "revision": .int(current.revision), "source": .string(current.source.rawValue),
            ]
            for (key, value) in members where owned[key] != nil && owned[key] != value {
                issues.append(.init(field: "/\(key)", message: "`\(key)` is set by the server and cannot be changed."))
            }
            guard issues.isEmpty else { throw invalid(issues) }
            body = .object(members.filter { owned[$0.key] == nil })
        }
        // Dangling ids are reported with the other problems; the store checks them again
        // (with the cross-record rules) under its lock.
        switch kind.schema.values(from: body) {
        case .success(let values):
            return values
        case .failure(let failure):
            let issues = failure.issues + store.referenceIssues(kind, failure.partial)
            throw invalid(issues.map { .init(field: $0.pointer, message: $0.message) })
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
