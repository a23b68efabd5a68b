import GridworkStore
import HTTPTypes

/// The change feed (`GET /changes`) and each record's history (`GET /{resource}/{id}/history`):
/// their operations and schemas.
extension OpenAPIDocument {
    /// The operation of a history or change-feed route, or nil for any other route.
    static func historyOperation(_ route: Route) -> OpenAPINode? {
        guard route.method == .get else { return nil }
        if route.pattern == "/changes" { return changesOperation }
        let segments = route.pattern.split(separator: "/").map(String.init)
        guard segments.count == 3, segments[2] == "history", segments[1].hasPrefix(":"),
            let kind = ResourceKind(rawValue: segments[0])
        else { return nil }
        return recordHistoryOperation(kind, String(segments[1].dropFirst()))
    }

    static let eventIDPattern = "^[0-9a-f]{8}-[0-9]+$"

    static var changesOperation: OpenAPINode {
        operation(
            "listChanges", "Every committed change, in commit order", tag: "changes",
            description: "Each change (`seq`: the store revision it made) with its time, its principal, the records "
                + "it put (whole, as `GET` shows them) and the ids it removed. Only durable changes appear. Changes "
                + "are kept in memory within `--history-mb` (with `--data-dir` the journal's past is read back on "
                + "start): `truncated` says when changes after the position asked for were dropped, `earliestSeq` "
                + "where the feed now begins. A principal sees only the records of its scope (a removal by where "
                + "the record was); changes with nothing in scope are skipped. Applying every change from "
                + "`after=0` to the seed (`serve --seed`) gives the server's records exactly.\n\n"
                + "Seqs belong to an epoch (the store's history; a reset or a memory-only restart begins a new "
                + "one). A position in another epoch (`epoch`, a cursor) is a 410. With `Accept: text/event-stream` "
                + "the same changes come as Server-Sent Events, then live as they become durable: `event: change` "
                + "with `id: <epoch>-<seq>`, resumable with `Last-Event-ID`; `event: epoch` when the position named "
                + "another epoch (what follows applies to the seed, from that seq); `event: truncated` when "
                + "changes were dropped; `: heartbeat` comments every 15 s. The stream is never compressed and "
                + "takes no `limit`.",
            parameters: [
                queryParameter(
                    "after", ["type": "integer", "minimum": 0, "default": 0],
                    "Changes after this seq (a page's `lastSeq`, an event's seq)."),
                queryParameter(
                    "epoch", ["type": "string", "pattern": "^[0-9a-f]{8}$"],
                    "The epoch `after` belongs to; another than the current one is a 410 (a stream: `event: epoch`)."
                ),
                queryParameter(
                    "cursor", ["type": "string"], "A page's `next`; it carries its position, so comes alone."),
                queryParameter(
                    "limit", ["type": "integer", "minimum": 1, "maximum": .int(ListQuery.maxLimit), "default": 50],
                    "The most changes on a page (not for the stream)."),
                headerParameter("Last-Event-ID", "The event stream's last `id:` (`<epoch>-<seq>`): resume after it."),
            ],
            responses: [
                "200": [
                    "description": "A page of changes; or, with `Accept: text/event-stream`, an endless event stream.",
                    "headers": ["Link": header("`<…>; rel=\"next\"` while `next` is set.", required: false)],
                    "content": [
                        "application/json": ["schema": schemaRef("ChangePage")],
                        // OpenAPI 3.1 has `schema` describe each event (3.2 calls it `itemSchema`).
                        "text/event-stream": [
                            "schema": [
                                "type": "object", "required": ["event", "id", "data"],
                                "properties": [
                                    "event": ["type": "string", "enum": ["change", "epoch", "truncated"]],
                                    "id": ["type": "string", "pattern": .string(eventIDPattern)],
                                    "data": [
                                        "type": "string", "contentMediaType": "application/json",
                                        "contentSchema": [
                                            "oneOf": [schemaRef("Change"), schemaRef("ChangeFeedPosition")]
                                        ],
                                    ],
                                    "retry": ["type": "integer"],
                                ],
                            ]
                        ],
                    ],
                ],
                "410": problemResponse("The position names an epoch this server no longer has."),
            ]
        )
    }

    static func recordHistoryOperation(_ kind: ResourceKind, _ name: String) -> OpenAPINode {
        operation(
            "get\(typeName(kind))History", "Every revision of a \(kind.schema.singular)", tag: kind.rawValue,
            description: "Oldest first: the record's `revision`, the store `seq` that made it (the epoch's start for "
                + "a seeded record; null when no longer known), `at`, `by`, and the JSON merge patch (RFC 7396) from "
                + "the revision before — the whole record for the first entry; a deletion is an entry with "
                + "`deleted: true` and no patch. A deleted \(kind.schema.singular)'s history stays readable. Kept "
                + "within `--history-mb` (with `--data-dir`, across restarts and compactions): `truncated` says "
                + "that earlier revisions are not shown. 404 outside the principal's scope.",
            parameters: [
                pathParameter(name, "The \(kind.schema.singular)'s id."),
                queryParameter(
                    "limit", ["type": "integer", "minimum": 1, "maximum": .int(ListQuery.maxLimit), "default": 50],
                    "The most entries on a page."),
                queryParameter("cursor", ["type": "string"], "A page's `next`."),
            ],
            responses: [
                "200": jsonResponse(
                    "A page of revisions.", schemaRef("HistoryPage"),
                    headers: ["Link": header("`<…>; rel=\"next\"` while `next` is set.", required: false)]),
                "404": responseRef("NotFound"),
                "410": problemResponse("The cursor names an epoch this server no longer has."),
            ]
        )
    }

    /// The schemas the two routes answer with.
    static func historySchemas() -> [(key: String, value: OpenAPINode)] {
        let kinds = strings(ResourceKind.allCases.map(\.rawValue))
        let seq: OpenAPINode = ["type": "integer", "minimum": 0]
        let next: OpenAPINode = [
            "type": ["string", "null"], "description": "The `cursor` for the next page; null on the last.",
        ]
        return [
            (
                "Change",
                closedObject([
                    ("seq", ["type": "integer", "minimum": 1, "description": "The store revision the change made."]),
                    ("at", ["type": "string", "description": "When (RFC 3339, UTC)."]),
                    ("by", ["type": "string", "description": "The principal who made it."]),
                    (
                        "puts",
                        [
                            "type": "array",
                            "items": closedObject([
                                ("kind", ["type": "string", "enum": kinds]),
                                (
                                    "record",
                                    ["anyOf": .array(ResourceKind.allCases.map { schemaRef(typeName($0)) })]
                                ),
                            ]),
                        ]
                    ),
                    (
                        "removes",
                        [
                            "type": "array",
                            "items": closedObject([
                                ("kind", ["type": "string", "enum": kinds]), ("id", ["type": "string"]),
                            ]),
                        ]
                    ),
                ])
            ),
            (
                "ChangeFeedPosition",
                {
                    var schema = closedObject([("epoch", ["type": "string"]), ("seq", seq)])
                    schema.set("description", "Where the feed goes on (`event: epoch`, `event: truncated`).")
                    return schema
                }()
            ),
            (
                "ChangePage",
                closedObject([
                    ("epoch", ["type": "string", "description": "The epoch every seq here belongs to."]),
                    ("data", ["type": "array", "items": schemaRef("Change")]),
                    ("next", next),
                    (
                        "lastSeq",
                        ["type": "integer", "minimum": 0, "description": "Where this page ends: poll `after` it."]
                    ),
                    ("earliestSeq", ["type": "integer", "minimum": 1, "description": "The oldest change kept."]),
                    ("truncated", ["type": "boolean", "description": "Changes after the position were dropped."]),
                ])
            ),
            (
                "HistoryEntry",
                closedObject([
                    ("revision", ["type": "integer", "minimum": 1]),
                    ("seq", ["type": ["integer", "null"], "minimum": 0]),
                    ("at", ["type": "string"]),
                    ("by", ["type": "string"]),
                    ("deleted", ["type": "boolean"]),
                    (
                        "patch",
                        [
                            "type": ["object", "null"],
                            "description": "RFC 7396 merge patch from the revision before; the whole record first.",
                        ]
                    ),
                ])
            ),
            (
                "HistoryPage",
                closedObject([
                    ("epoch", ["type": "string"]),
                    ("data", ["type": "array", "items": schemaRef("HistoryEntry")]),
                    ("next", next),
                    ("earliestSeq", ["type": "integer", "minimum": 1, "description": "The oldest change kept."]),
                    ("truncated", ["type": "boolean", "description": "Earlier revisions are not shown."]),
                ])
            ),
        ]
    }
}
