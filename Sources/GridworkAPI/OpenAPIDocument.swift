import GridworkStore
import HTTP1
import HTTPResponder
import HTTPTypes
import JSON
import Synchronization

/// The OpenAPI 3.1 description of the API, generated from the routes the router holds and the
/// schemas the store validates against, so it describes what the server does rather than what
/// someone remembered to write down.
///
/// Each route is recognised by its shape (`/healthz`, `/{resource}`, `/{resource}/:id`,
/// `/{parent}/:id/{child}`, …); a route of no known shape is left out, which the tests catch.
enum OpenAPIDocument {
    typealias Route = (method: HTTPRequest.Method, pattern: String)

    /// The document as UTF-8 JSON.
    static func json(routes: [Route]) -> [UInt8] {
        var writer = JSONWriter(capacity: 256 * 1024)
        document(routes: routes).write(to: &writer)
        return writer.bytes
    }

    static func document(routes: [Route]) -> OpenAPINode {
        [
            "openapi": "3.1.0",
            "info": [
                "title": "Gridwork",
                "version": "1.0.0",
                "description": .string(description),
            ],
            "servers": [["url": "/"]],
            "tags": .array(tags),
            "paths": paths(routes),
            "components": [
                "schemas": componentSchemas(),
                "responses": componentResponses(),
                "securitySchemes": securitySchemes,
            ],
        ]
    }

    static let description = """
        The record system and live data feed for Huichuan district's 2014 grassroots work: grids, \
        cadres, villages, projects, assistance records and trainings, and `/stats`, where every figure \
        of the report is a live aggregate over the records. Errors are RFC 9457 problem details; \
        unknown query parameters are a 400. Records carry a strong ETag, `"<epoch>-<revision>"`, for \
        `If-None-Match` and `If-Match`; the epoch names the store's history, so a tag never labels two \
        bodies, across restarts too. With `--data-dir` no answer shows a change before it is durable; \
        once the journal has failed every write is a 503 with `Retry-After`. A write that changes \
        nothing (a PUT of the current body, an empty merge patch) changes no revision. Every `GET` also \
        answers `HEAD`; `OPTIONS` on any path answers 204 with `Allow`, and a method a path does not list \
        is a 405 with `Allow` (`#/components/responses/MethodNotAllowed`). Any request can meet the HTTP \
        layer's refusals (400, 408, 413, 414, 431, then the connection closes) and, at the connection \
        limit, a 503; a request line of another major HTTP version is a 505. Tokens: see `bearerAuth`. \
        Every read is answered within the caller's scope (its principal's towns or grids): lists, their \
        `total` and cursors (a cursor from another scope is a 400), records (404 outside it, as for a \
        missing id), nested reads, CSV, `/stats` (computed over the scope and saying which in `scope`), \
        its report and stream, and the timeline. With principals configured, reads carry \
        `Vary: Authorization`.
        """

    static var tags: [OpenAPINode] {
        [
            ["name": "health", "description": "Liveness and readiness."],
            ["name": "stats", "description": "The report's figures, live."],
            ["name": "meta", "description": "This document."],
            ["name": "changes", "description": "Every committed change, as pages or as events."],
        ]
            + ResourceKind.allCases.map { kind in
                [
                    "name": .string(kind.rawValue),
                    "description": .string("\(capitalized(kind.schema.singular)) records."),
                ]
            }
    }

    // MARK: Paths

    static func paths(_ routes: [Route]) -> OpenAPINode {
        var paths: [(key: String, value: OpenAPINode)] = []
        for route in routes where route.method != .head && route.method != .options {
            guard let operation = operation(route).map({ withSharedAnswers($0, route) }) else { continue }
            let path = openAPIPath(route.pattern)
            var operations = [(route.method.rawValue.lowercased(), operation)]
            // The router answers HEAD with the GET handler, for every GET route.
            if route.method == .get { operations.append(("head", headOperation(operation))) }
            for (method, operation) in operations {
                if let index = paths.firstIndex(where: { $0.key == path }) {
                    paths[index].value.set(method, operation)
                } else {
                    paths.append((path, .object([(method, operation)])))
                }
            }
        }
        return .object(paths)
    }

    /// `/grids/:id/cadres` → `/grids/{id}/cadres`.
    static func openAPIPath(_ pattern: String) -> String {
        let segments = pattern.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }
        return "/" + segments.joined(separator: "/")
    }

    /// The operation for a route, or nil for a route of no known shape.
    static func operation(_ route: Route) -> OpenAPINode? {
        if route.method == .get, let fixed = fixedOperation(route.pattern) { return fixed }
        if let history = historyOperation(route) { return history }
        if route.method == .post, route.pattern == "/admin/compact" {
            return operation(
                "compactJournal", "Snapshot the store and restart the journal", tag: "admin",
                description: "Needs a write token when tokens are configured. 409 without `--data-dir`; 503 once "
                    + "the journal has failed.",
                responses: [
                    "202": jsonResponse("The journal's writer will compact next.", ["type": "object"]),
                    "409": problemResponse("The server runs without `--data-dir`."),
                    "503": responseRef("JournalFailed"),
                ]
            )
        }
        if route.method == .post, route.pattern == "/admin/reset" {
            let reset: OpenAPINode = [
                "type": "object", "required": ["epoch", "revision"],
                "properties": [
                    "epoch": ["type": "string", "description": "The new epoch: every ETag from before is stale."],
                    "revision": ["type": "integer", "description": "The store's revision after the reset."],
                ],
            ]
            return operation(
                "resetStore", "Return the store to its seed", tag: "admin",
                description: "Replaces every record with the seed the server started with (`serve --seed`) under "
                    + "a new epoch, so no ETag from before is reused, and forgets every `Idempotency-Key`. With "
                    + "`--data-dir` it answers once the reset is on disk. Needs a write token when tokens are "
                    + "configured; 503 once the journal has failed.",
                responses: [
                    "200": jsonResponse("The store holds its seed.", reset),
                    "409": problemResponse("The server was started without a seed to reset to."),
                    "503": responseRef("JournalFailed"),
                ]
            )
        }
        let segments = route.pattern.split(separator: "/").map(String.init)
        guard let kind = segments.first.flatMap(ResourceKind.init(rawValue:)) else { return nil }
        if segments.count == 1 {
            switch route.method {
            case .get: return listOperation(kind)
            case .post: return createOperation(kind)
            default: return nil
            }
        }
        guard segments[1].hasPrefix(":") else { return nil }
        let name = String(segments[1].dropFirst())
        if segments.count == 2 {
            switch route.method {
            case .get: return getOperation(kind, name)
            case .put: return replaceOperation(kind, name)
            case .patch: return patchOperation(kind, name)
            case .delete: return deleteOperation(kind, name)
            default: return nil
            }
        }
        if segments.count == 3, route.method == .post, kind == .cases, segments[2] == "actions" {
            return caseActionOperation(name)
        }
        if segments.count == 3, route.method == .get, let child = ResourceKind(rawValue: segments[2]) {
            return nestedListOperation(parent: kind, child: child, name)
        }
        return nil
    }

    static func fixedOperation(_ pattern: String) -> OpenAPINode? {
        switch pattern {
        case "/healthz":
            operation(
                "getHealth", "Liveness", tag: "health", description: "Answers while the process is up.",
                responses: ["200": jsonResponse("The process is up.", schemaRef("Health"))]
            )
        case "/readyz":
            operation(
                "getReadiness", "Readiness", tag: "health",
                description: "Answers 200 once the store is loaded and, with `--data-dir`, while the journal can "
                    + "be written; 503 `journal_failed` once it cannot. With `--postgres`, 503 `stale` while the "
                    + "change log's database cannot be reached: reads still answer, each with "
                    + "`Gridwork-Stale-Seconds`, and writes get 503 with `Retry-After`.",
                responses: [
                    "200": jsonResponse("The store is loaded.", schemaRef("Readiness")),
                    "503": [
                        "description": .string(
                            "The store is still loading, or the journal has failed (JSON); or the server is at its "
                                + "connection limit (problem+json, with `Retry-After`)."),
                        "content": [
                            "application/json": ["schema": schemaRef("Readiness")],
                            "application/problem+json": ["schema": schemaRef("Problem")],
                        ],
                    ],
                ]
            )
        case "/stats":
            operation(
                "getStats", "Every figure of the report, live", tag: "stats",
                description: "Figures nested by their dotted keys, per-town totals and the store revision, "
                    + "computed over the caller's scope (`scope`); for a scope smaller than the district, the "
                    + "report-only and district-wide figures are null. Takes no query parameters.",
                parameters: [
                    entityTagsParameter("If-None-Match", "An ETag from an earlier answer; 304 while it holds.")
                ],
                responses: [
                    "200": jsonResponse(
                        "The figures.", schemaRef("Stats"),
                        headers: [
                            "ETag": header("Changes with the store revision; differs between scopes."),
                            "Cache-Control": header("`no-cache`."),
                        ]
                    ),
                    "304": responseRef("NotModified"),
                ]
            )
        case "/stats/report":
            operation(
                "getStatsReport", "The report's figures beside their live values", tag: "stats",
                description: "One row per figure, in report order, `live` counted over the caller's scope. "
                    + "Takes no query parameters.",
                responses: ["200": jsonResponse("The rows.", ["type": "array", "items": schemaRef("ReportFigure")])]
            )
        case "/":
            operation(
                "getDashboard", "The dashboard page", tag: "dashboard",
                description: "One HTML page with its CSS and JavaScript inline; it reads the stats routes. "
                    + "Takes no query parameters.",
                parameters: [entityTagsParameter("If-None-Match", "The page's ETag; 304 while it holds.")],
                responses: [
                    "200": ["description": "The page.", "content": ["text/html": ["schema": ["type": "string"]]]],
                    "304": ["description": "Not modified."],
                ]
            )
        case "/stats/stream":
            operation(
                "getStatsStream", "The figures as Server-Sent Events", tag: "stats",
                description: "`event: stats` with the `/stats` body over the caller's scope (one line) whenever the "
                    + "revision changes, at most one a second, `id:` the epoch and revision (`1f0c9a2e-42`, then the "
                    + "scope's tag for a scope smaller than the district); `: heartbeat` comments every "
                    + "15 s. The first event carries `retry: 2000`; a `Last-Event-ID` naming the current state skips "
                    + "it and gets a `: connected` comment instead. No block without `data:` is sent. "
                    + "The stream does not end and is never gzip-compressed.",
                parameters: [headerParameter("Last-Event-ID", "The event id last seen.")],
                responses: [
                    "200": [
                        "description": "An endless event stream.",
                        // OpenAPI 3.1 has `schema` describe each event (3.2 calls it `itemSchema`).
                        "content": [
                            "text/event-stream": [
                                "schema": [
                                    "type": "object", "required": ["event", "id", "data"],
                                    "properties": [
                                        "event": ["const": "stats"],
                                        "id": ["type": "string", "pattern": "^[0-9a-f]{8}-[0-9]+(-[A-Za-z0-9_-]+)?$"],
                                        "data": [
                                            "type": "string", "contentMediaType": "application/json",
                                            "contentSchema": schemaRef("Stats"),
                                        ],
                                        "retry": ["type": "integer"],
                                    ],
                                ]
                            ]
                        ],
                    ]
                ]
            )
        case "/stats/timeline":
            operation(
                "getStatsTimeline", "Assistance records per month or week", tag: "stats",
                description: "Counts per record type and funds per period, every period from the first record's "
                    + "to the last's but at most \(Timeline.maxPeriods), the latest (`omittedPeriods` and "
                    + "`omittedRecords` say what was left out); over the caller's scope, or one town of it "
                    + "(through its grids).",
                parameters: [
                    queryParameter(
                        "interval", ["type": "string", "enum": ["month", "week"], "default": "month"],
                        "Calendar months, or ISO weeks starting on Monday."),
                    queryParameter(
                        "townId", ["type": "string", "minLength": 1],
                        "Only this town's grids (within the scope; a town outside it is a 400, as an unknown one)."),
                ],
                responses: [
                    "200": jsonResponse("The periods.", schemaRef("Timeline")),
                    "400": responseRef("BadRequest"),
                ]
            )
        case "/metrics":
            operation(
                "getMetrics", "Prometheus metrics", tag: "meta",
                description: "Requests by route pattern, method and status; a latency histogram; open connections; "
                    + "bytes in and out; store revision and records per resource; stream subscribers; journal size "
                    + "and fsyncs. Takes no query parameters.",
                responses: [
                    "200": [
                        "description": "Prometheus text format 0.0.4.",
                        "content": ["text/plain": ["schema": ["type": "string"]]],
                    ]
                ]
            )
        case "/openapi.json":
            operation(
                "getOpenAPIDocument", "This document", tag: "meta",
                responses: ["200": jsonResponse("The OpenAPI 3.1 document.", ["type": "object"])]
            )
        default: nil
        }
    }

    // MARK: Resource operations

    static func listOperation(_ kind: ResourceKind) -> OpenAPINode {
        operation(
            "list\(pluralName(kind))", "List \(plural(kind))", tag: kind.rawValue,
            description: "Filters combine with AND; `q` searches, `sort` orders (the id breaks ties), and `next` "
                + "continues the walk with the same parameters.",
            parameters: listParameters(kind),
            responses: ["200": pageResponse(kind)]
        )
    }

    static func nestedListOperation(parent: ResourceKind, child: ResourceKind, _ name: String) -> OpenAPINode {
        let link = child.schema.fields.first { field in
            field.type == .reference(parent) || field.type == .references(parent)
        }
        let through = link.map { " (through `\($0.name)`)" } ?? ""
        return operation(
            "list\(typeName(parent))\(pluralName(child))",
            "List the \(plural(child)) of a \(parent.schema.singular)", tag: child.rawValue,
            description: "The \(plural(child)) that belong to the \(parent.schema.singular)\(through), with the "
                + "parameters and page of `GET /\(child.rawValue)`.",
            parameters: [pathParameter(name, "The \(parent.schema.singular)'s id.")] + listParameters(child),
            responses: [
                "200": pageResponse(child),
                "404": responseRef("NotFound"),
            ]
        )
    }

    static func createOperation(_ kind: ResourceKind) -> OpenAPINode {
        let type = typeName(kind)
        return operation(
            "create\(type)", "Create a \(kind.schema.singular)", tag: kind.rawValue,
            description: "The server sets `id`, `createdAt`, `updatedAt`, `revision`, `source` (`api`), "
                + "`createdBy` and `updatedBy` (the principal). "
                + "Takes no query parameters.",
            parameters: [idempotencyKeyParameter],
            body: requestBody("\(type)Input", mediaTypes: ["application/json"]),
            responses: [
                "201": jsonResponse(
                    "Created; or, for a retry with the same `Idempotency-Key`, method, path and body, the first "
                        + "answer again.", schemaRef(type),
                    headers: [
                        "Location": header("The new record's path."), "ETag": header("`\"<epoch>-<revision>\"`."),
                        "Idempotent-Replayed": header("`true` on a retry's replayed answer.", required: false),
                    ]
                ),
                "409": problemResponse("A request with this `Idempotency-Key` is still being processed."),
                "413": responseRef("ContentTooLarge"),
                "415": responseRef("UnsupportedMediaType"),
                "422": responseRef("UnprocessableContent"),
                "503": responseRef("JournalFailed"),
            ]
        )
    }

    static func getOperation(_ kind: ResourceKind, _ name: String) -> OpenAPINode {
        let type = typeName(kind)
        return operation(
            "get\(type)", "Get a \(kind.schema.singular)", tag: kind.rawValue,
            description: "Takes no query parameters.",
            parameters: [
                pathParameter(name, "The \(kind.schema.singular)'s id."),
                entityTagsParameter("If-None-Match", "ETags from earlier answers; 304 while one of them holds."),
            ],
            responses: [
                "200": jsonResponse(
                    "The record.", schemaRef(type), headers: ["ETag": header("`\"<epoch>-<revision>\"`.")]),
                "304": responseRef("NotModified"),
                "404": responseRef("NotFound"),
            ]
        )
    }

    static func replaceOperation(_ kind: ResourceKind, _ name: String) -> OpenAPINode {
        let type = typeName(kind)
        return operation(
            "replace\(type)", "Replace a \(kind.schema.singular)", tag: kind.rawValue,
            description: "Sets every field; fields left out become null. Takes no query parameters.",
            parameters: [
                pathParameter(name, "The \(kind.schema.singular)'s id."), ifMatchParameter, ifNoneMatchWriteParameter,
            ],
            body: requestBody("\(type)Input", mediaTypes: ["application/json"]),
            responses: updateResponses(type)
        )
    }

    static func patchOperation(_ kind: ResourceKind, _ name: String) -> OpenAPINode {
        let type = typeName(kind)
        return operation(
            "patch\(type)", "Change some fields of a \(kind.schema.singular)", tag: kind.rawValue,
            description: "A JSON merge patch (RFC 7396): members given replace the field, `null` clears it; the "
                + "result must still be a valid \(kind.schema.singular). Takes no query parameters.",
            parameters: [
                pathParameter(name, "The \(kind.schema.singular)'s id."), ifMatchParameter, ifNoneMatchWriteParameter,
            ],
            body: requestBody("\(type)Patch", mediaTypes: ["application/merge-patch+json", "application/json"]),
            responses: updateResponses(type)
        )
    }

    static func deleteOperation(_ kind: ResourceKind, _ name: String) -> OpenAPINode {
        operation(
            "delete\(typeName(kind))", "Delete a \(kind.schema.singular)", tag: kind.rawValue,
            description: "Refused with 409 while other records refer to it (the answer names every resource and "
                + "field that does, with counts), unless `cascade=true`: then records that cannot stand without it "
                + "(a required reference, a unit grid's village, a village cadre's village) are deleted too, "
                + "optional references to it are cleared and lists drop it.",
            parameters: [
                pathParameter(name, "The \(kind.schema.singular)'s id."),
                queryParameter(
                    "cascade", ["type": "boolean", "default": false],
                    "Also delete the records that refer to it, and theirs in turn."
                ),
                ifMatchParameter,
                ifNoneMatchWriteParameter,
            ],
            responses: [
                "204": ["description": "Deleted."],
                "404": responseRef("NotFound"),
                "409": responseRef("Conflict"),
                "412": responseRef("PreconditionFailed"),
                "503": responseRef("JournalFailed"),
            ]
        )
    }

    /// `POST /cases/{id}/actions`: one step of the case workflow (SPEC §7).
    static func caseActionOperation(_ name: String) -> OpenAPINode {
        let note: OpenAPINode = [
            "type": ["string", "null"], "maxLength": .int(Schema.maxTextLength), "pattern": .string(textPattern),
            "description": "Why, or what was done; kept in the step.",
        ]
        let reason: OpenAPINode = [
            "type": "string", "minLength": 1, "maxLength": .int(Schema.maxTextLength), "pattern": .string(textPattern),
            "description": "The reason: required, and not blank.",
        ]
        func body(_ actions: [CaseAction], _ extra: [(key: String, value: OpenAPINode)], required: [String])
            -> OpenAPINode
        {
            let names = actions.map { OpenAPINode.string($0.rawValue) }
            var properties: [(key: String, value: OpenAPINode)] = [
                ("action", ["type": "string", "enum": .array(names)]), ("note", note),
            ]
            for (key, value) in extra {
                if let index = properties.firstIndex(where: { $0.key == key }) {
                    properties[index].value = value
                } else {
                    properties.append((key, value))
                }
            }
            return [
                "type": "object", "properties": .object(properties), "additionalProperties": false,
                "required": .array((["action"] + required).map { .string($0) }),
            ]
        }
        let schema: OpenAPINode = [
            "oneOf": [
                body([.accept, .start, .submit, .remind, .supervise, .void], [], required: []),
                body([.return], [("note", reason)], required: ["note"]),
                body(
                    [.dispatch],
                    [
                        (
                            "assignee",
                            [
                                "type": "string", "minLength": 1, "maxLength": 200, "pattern": .string(textPattern),
                                "description": "A cadre's id (`cadre-…`, which must exist) or the name of a unit.",
                            ]
                        )
                    ], required: ["assignee"]),
                body([.check], [("passed", ["type": "boolean"])], required: ["passed"]),
                body(
                    [.close],
                    [("outcome", ["type": "string", "enum": strings(CaseOutcome.allCases.map(\.rawValue))])],
                    required: ["outcome"]),
                body(
                    [.extend],
                    [
                        ("note", reason),
                        (
                            "deadline",
                            [
                                "type": "string", "format": "date", "pattern": .string("^\(acceptedDatePattern)$"),
                                "description": "The new deadline: after the current one.",
                            ]
                        ),
                    ], required: ["note", "deadline"]),
            ]
        ]
        return operation(
            "actOnCase", "Take a step on a case", tag: ResourceKind.cases.rawValue,
            description: "Moves the case one step of its workflow and answers it as it now is, the step appended "
                + "to its `flow`. `accept` a reported or returned case; `return` it with a reason; `dispatch` it to "
                + "an assignee; `start`, `submit` for checking; `check` with `passed` (a failure sends it back to "
                + "work and counts as rework); `close` a checked case with an `outcome` — `resolved` and `good_deed` "
                + "also create the assistance record it stands for, in the same change; `extend` with a reason and "
                + "a later deadline, on or before the current one; `remind`, `supervise`; `void`. An action the "
                + "state does not allow is a 409 whose `allowed` member lists those it does; a step that is not "
                + "the caller's role is a 403. Takes no query parameters.",
            parameters: [pathParameter(name, "The case's id."), ifMatchParameter, idempotencyKeyParameter],
            body: ["required": true, "content": ["application/json": ["schema": schema]]],
            responses: [
                "200": jsonResponse(
                    "The case after the step.", schemaRef(typeName(.cases)),
                    headers: ["ETag": header("The new `\"<epoch>-<revision>\"`.")]),
                "404": responseRef("NotFound"),
                "409": problemResponse(
                    "The state does not allow the action (`allowed` lists those it does), or a request with this "
                        + "`Idempotency-Key` is still being processed.", schema: "CaseActionConflict"),
                "412": responseRef("PreconditionFailed"),
                "413": responseRef("ContentTooLarge"),
                "415": responseRef("UnsupportedMediaType"),
                "422": responseRef("UnprocessableContent"),
                "503": responseRef("JournalFailed"),
            ]
        )
    }

    static func updateResponses(_ type: String) -> OpenAPINode {
        [
            "200": jsonResponse(
                "The record as changed.", schemaRef(type),
                headers: ["ETag": header("The new `\"<epoch>-<revision>\"`.")]),
            "404": responseRef("NotFound"),
            "412": responseRef("PreconditionFailed"),
            "413": responseRef("ContentTooLarge"),
            "415": responseRef("UnsupportedMediaType"),
            "422": responseRef("UnprocessableContent"),
            "503": responseRef("JournalFailed"),
        ]
    }

    /// A page as JSON, or every match as CSV: `format=csv`, or an `Accept` that prefers `text/csv`.
    static func pageResponse(_ kind: ResourceKind) -> OpenAPINode {
        let columns =
            (["id"] + kind.schema.fields.map(\.name)
            + ["createdAt", "updatedAt", "revision", "source", "createdBy", "updatedBy"])
            .joined(separator: ",")
        return [
            "description": .string(
                "A page of \(plural(kind)) as JSON; or, with `format=csv` or an `Accept` that rates `text/csv` above "
                    + "JSON, every matching \(kind.schema.singular) as CSV (no pagination; `limit` and `cursor` do not "
                    + "apply)."),
            "headers": [
                "Link": header("JSON: `<…>; rel=\"next\"` while there is a next page.", required: false),
                "Content-Disposition": header(
                    "CSV: `attachment; filename=\"\(kind.rawValue).csv\"`.", required: false),
            ],
            "content": [
                "application/json": ["schema": schemaRef("\(typeName(kind))Page")],
                "text/csv": [
                    "schema": [
                        "type": "string",
                        "description": .string(
                            "RFC 4180, UTF-8 with a byte-order mark, CRLF line ends. The header row is `\(columns)`; "
                                + "lists are joined with `;`, counts as `key=n;…`, null is an empty cell, and a cell "
                                + "that a spreadsheet would run as a formula starts with `'`."),
                    ]
                ],
            ],
        ]
    }

    /// `Idempotency-Key` on a create: 1…255 visible ASCII characters, as `WriteRoutes` checks.
    static let idempotencyKeyParameter: OpenAPINode = [
        "name": "Idempotency-Key", "in": "header", "required": false,
        "description": .string(
            "Makes the create safe to retry: the first answer to a key is kept for 24 hours and returned again for "
                + "the same method, path and body, creating nothing; the key with another request is a 422 naming "
                + "`Idempotency-Key`, and one while the first still runs a 409. Keys of another form are a 400."),
        "schema": [
            "type": "string", "minLength": 1, "maxLength": .int(IdempotencyKeys.maxKeyLength),
            "pattern": "^[\\x21-\\x7E]+$",
        ],
    ]

    static let ifMatchParameter = entityTagsParameter(
        "If-Match", "Only change the record while its ETag is one of these (or `*`); otherwise 412.")

    static let ifNoneMatchWriteParameter = entityTagsParameter(
        "If-None-Match",
        "Only change the record while its ETag is none of these; `*` always fails with 412, as the record exists "
            + "(ids are the server's: a PUT never creates, and an unknown id is a 404)."
    )

    // MARK: Building blocks

    static func operation(
        _ id: String,
        _ summary: String,
        tag: String,
        description: String? = nil,
        parameters: [OpenAPINode] = [],
        body: OpenAPINode? = nil,
        responses: OpenAPINode
    ) -> OpenAPINode {
        var operation: OpenAPINode = ["operationId": .string(id), "summary": .string(summary), "tags": [.string(tag)]]
        if let description { operation.set("description", .string(description)) }
        if !parameters.isEmpty { operation.set("parameters", .array(parameters)) }
        if let body { operation.set("requestBody", body) }
        // Every operation can answer 400: a bad path segment or query string, at least.
        guard case .object(var members) = responses else { preconditionFailure("responses must be an object") }
        members.append(("400", responseRef("BadRequest")))
        operation.set("responses", .object(members.sorted { $0.key < $1.key }))
        return operation
    }

    static func jsonResponse(_ description: String, _ schema: OpenAPINode, headers: OpenAPINode? = nil) -> OpenAPINode {
        response(description, "application/json", schema, headers: headers)
    }

    static func problemResponse(_ description: String, schema: String = "Problem", headers: OpenAPINode? = nil)
        -> OpenAPINode
    {
        response(description, "application/problem+json", schemaRef(schema), headers: headers)
    }

    static func response(_ description: String, _ mediaType: String, _ schema: OpenAPINode, headers: OpenAPINode?)
        -> OpenAPINode
    {
        var response: OpenAPINode = ["description": .string(description)]
        if let headers { response.set("headers", headers) }
        response.set("content", .object([(mediaType, ["schema": schema] as OpenAPINode)]))
        return response
    }

    static func requestBody(_ schema: String, mediaTypes: [String]) -> OpenAPINode {
        ["required": true, "content": .object(mediaTypes.map { ($0, ["schema": schemaRef(schema)]) })]
    }

    static func header(_ description: String, required: Bool = true) -> OpenAPINode {
        ["description": .string(description), "required": .bool(required), "schema": ["type": "string"]]
    }

    /// A path segment: never empty (`/towns/` is the list) and never `%00`, which the router refuses.
    static func pathParameter(_ name: String, _ description: String) -> OpenAPINode {
        [
            "name": .string(name), "in": "path", "required": true, "description": .string(description),
            "schema": ["type": "string", "minLength": 1, "pattern": "^[^\\u0000]*$"],
        ]
    }

    static func headerParameter(_ name: String, _ description: String) -> OpenAPINode {
        [
            "name": .string(name), "in": "header", "required": false, "description": .string(description),
            "schema": ["type": "string"],
        ]
    }

    /// A conditional header: `*` or a comma-separated list of entity tags (RFC 9110 §8.8.3).
    static func entityTagsParameter(_ name: String, _ description: String) -> OpenAPINode {
        [
            "name": .string(name), "in": "header", "required": false,
            "description": .string(
                description + " An empty value is a 400; one that is not `*` or entity tags matches nothing."),
            "schema": ["type": "string", "minLength": 1, "pattern": #"\S"#],
        ]
    }

    static func queryParameter(_ name: String, _ schema: OpenAPINode, _ description: String) -> OpenAPINode {
        [
            "name": .string(name), "in": "query", "required": false, "description": .string(description),
            "style": "form", "explode": true, "schema": schema,
        ]
    }

    static func schemaRef(_ name: String) -> OpenAPINode {
        ["$ref": .string("#/components/schemas/\(name)")]
    }

    static func responseRef(_ name: String) -> OpenAPINode {
        ["$ref": .string("#/components/responses/\(name)")]
    }
}

/// `GET /openapi.json`: the document for the routes registered on the router, built at the first
/// request (so it includes every route, wherever this one was registered) and kept.
struct OpenAPIRoutes {
    func register(on router: Router) {
        let cache = OpenAPICache()
        router.add(.get, "/openapi.json") { request, _ throws(APIError) in
            try QueryParameters.rejectAll(request)
            return Response.json(cache.bytes { router.routes })
        }
    }
}

/// The encoded document, made once.
///
/// Concurrency: a `Mutex`; concurrent first requests wait for the one that builds it.
final class OpenAPICache: Sendable {
    private let document = Mutex<[UInt8]?>(nil)

    func bytes(_ routes: () -> [OpenAPIDocument.Route]) -> [UInt8] {
        document.withLock { document in
            if let document { return document }
            let made = OpenAPIDocument.json(routes: routes())
            document = made
            return made
        }
    }
}
