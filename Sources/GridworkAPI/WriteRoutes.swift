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
        /// Runs a write; its response leaves once the change is on disk.
        func durable(_ write: @escaping @Sendable (Request, Router.Parameters) throws(APIError) -> Response)
            -> Router.Handler
        {
            { request, parameters throws(APIError) in
                if let failure = durability?.failure {
                    // The same Retry-After as the 503 of a write that was waiting when the journal failed.
                    throw APIError(
                        .serviceUnavailable, detail: "Writes are refused: the journal cannot be written (\(failure)).",
                        headerFields: [.retryAfter: "60"])
                }
                var response = try write(request, parameters)
                response.gate = durability?.gate(for: store.revision)
                return response
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
                    return try idempotency.run(key: key, fingerprint: fingerprint) { annotate throws(APIError) in
                        let values = try Self.validate(kind, body, current: nil, store)
                        return try Self.create(kind, values, store, annotation: annotate)
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
                    let current = try ResourceRoutes.find(kind, parameters["id"] ?? "", store)
                    try Self.checkIfMatch(request, current)
                    let ifMatch = request.headerFields[.ifMatch]
                    _ = try Self.storeCall { () throws(StoreError) in
                        try store.delete(kind, id: current.id, cascade: cascade) { record in
                            ifMatch.map { RecordETag.ifMatch($0, record) } ?? true
                        }
                    }
                    return Response(status: .noContent)
                })
        }
    }

    /// Creates the record. `annotation`, made from the response inside the store's lock, goes
    /// into the journal with the change; the response is built once.
    private static func create(
        _ kind: ResourceKind, _ values: [FieldValue], _ store: Store,
        annotation: ((Response) -> JSONValue)?
    ) throws(APIError) -> Response {
        var made: Response?
        let record = try storeCall { () throws(StoreError) in
            try store.insert(
                kind, values: values, source: .api, at: Timestamp.now(),
                annotation: annotation.map { annotate in
                    { record in
                        let response = created(record, kind)
                        made = response
                        return annotate(response)
                    }
                })
        }
        return made ?? created(record, kind)
    }

    private static func created(_ record: Record, _ kind: ResourceKind) -> Response {
        var response = RecordETag.response(record, kind, status: .created)
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
    private static func update(
        _ kind: ResourceKind, _ id: String, _ request: Request, _ store: Store, mergePatch: Bool
    ) throws(APIError) -> Response {
        try QueryParameters.rejectAll(request)
        let current = try ResourceRoutes.find(kind, id, store)
        let body = try Self.body(request, mergePatch: mergePatch)
        let fields = mergePatch ? MergePatch.apply(body, to: current.fieldsObject(kind.schema)) : body
        // A patch was applied to `current`: it must not overwrite a newer revision.
        let sameRevision = mergePatch
        // The request itself is checked first (400, 415, 422), its precondition after (412).
        let values = try validate(kind, fields, current: current, store)
        try checkIfMatch(request, current)
        let ifMatch = request.headerFields[.ifMatch]
        let revision = current.revision
        let record = try storeCall { () throws(StoreError) in
            try store.replace(kind, id: current.id, values: values, at: Timestamp.now()) { record in
                (ifMatch.map { RecordETag.ifMatch($0, record) } ?? true)
                    && (!sameRevision || record.revision == revision)
            }
        }
        return RecordETag.response(record, kind, status: .ok)
    }

    private static func checkIfMatch(_ request: Request, _ record: Record) throws(APIError) {
        if let header = request.headerFields[.ifMatch], !RecordETag.ifMatch(header, record) {
            throw APIError(
                .preconditionFailed,
                detail: "If-Match does not match the current ETag \(RecordETag.of(record)).",
                headerFields: [.eTag: RecordETag.of(record)]
            )
        }
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
    static func storeCall<T>(_ body: () throws(StoreError) -> T) throws(APIError) -> T {
        do {
            return try body()
        } catch {
            switch error {
            case .notFound(let kind, let id):
                throw APIError.notFound("No \(kind.schema.singular) has the id `\(id)`.")
            case .referenced(let by, let field, let count):
                throw APIError(
                    .conflict,
                    detail: "\(count) \(by.rawValue) record(s) refer to it through `\(field)`; "
                        + "delete them first or repeat with ?cascade=true."
                )
            case .duplicateID(let id):
                throw APIError(.conflict, detail: "The id `\(id)` is taken.")
            case .invalid(let issues):
                throw invalid(issues.map { .init(field: $0.pointer, message: $0.message) })
            case .preconditionFailed(let current):
                throw APIError(
                    .preconditionFailed,
                    detail: "If-Match does not match the current ETag \(RecordETag.of(current)).",
                    headerFields: [.eTag: RecordETag.of(current)]
                )
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
