import GridworkStore
import HTTP1
import HTTPResponder
import HTTPTypes
import JSON

/// `GET /{resource}/{id}/history`: every revision of a record the history still holds, oldest
/// first, each with the record's `revision`, the store's `seq` that made it, `at`, `by`, and the
/// JSON merge patch (RFC 7396) from the revision before — the whole record for the first entry
/// and for a record created again after its deletion; a deletion is an entry with
/// `"deleted":true` and no patch. A deleted record's history stays readable while the history
/// holds its changes.
///
/// The entries come from the published changes (`ChangeHistory`), so nothing shows before it is
/// durable. The oldest entry is the record as the oldest change touching it found it (its image
/// from before that change), or the record as it is when no kept change touched it: its `seq`
/// is the epoch's start when the history reaches back to it (a seeded record), else unknown
/// (null). `truncated` says that revisions before the first entry are not shown.
///
/// Scope: a principal sees the history of a record in its read scope — where the record is now,
/// or was when it was removed — and gets a 404 otherwise, as for the record itself.
struct HistoryRoutes {
    let store: Store

    static let parameters = ["limit", "cursor"]

    func register(on router: Router) {
        let store = self.store
        for kind in ResourceKind.allCases {
            router.add(.get, "/\(kind.rawValue)/:id/history") { request, parameters throws(APIError) in
                let query = try QueryParameters(request)
                try query.rejectUnknown(allowed: Self.parameters)
                let id = parameters["id"] ?? ""
                let limit = try ChangeRoutes.limit(query)
                let history = try Self.entries(kind, id, store, scope: Scope(parameters.principal))
                var after = -1
                if let cursor = try query.single("cursor"), !cursor.isEmpty {
                    after = try Self.position(cursor, kind, id, epoch: history.window.epoch)
                }
                return Self.page(history, after: after, limit: limit, kind, id, request)
            }
        }
    }

    /// One revision of a record.
    struct Entry {
        /// Orders entries and positions cursors: the seq of the change, or 0 for an oldest entry
        /// whose change the history no longer holds.
        var key: Int
        var revision: Int
        var seq: Int?
        var at: String
        var by: String
        /// The record as it became; nil for a deletion.
        var record: Record?
    }

    /// A record's history as far as it is kept.
    struct History {
        var window: ChangeHistory.Window
        var entries: [Entry]
        /// Whether revisions before the first entry are not shown.
        var truncated: Bool
    }

    static func entries(_ kind: ResourceKind, _ id: String, _ store: Store, scope: Scope) throws(APIError) -> History {
        let notFound = APIError.notFound("No \(kind.schema.singular) with the id `\(id)` has a history here.")
        // The record before the history: a change published in between is then in the history.
        let current = store.record(kind, id: id)
        let (window, changes) = store.history.changes(of: kind, id: id)
        let lookup = { (kind: ResourceKind, id: String) in
            store.record(kind, id: id) ?? store.history.lastImage(of: kind, id: id)
        }
        guard let last = current ?? changes.last.flatMap({ ChangeHistory.image(of: kind, id, in: $0) }),
            scope.contains(kind, id: id, values: last.values, lookup: lookup)
        else { throw notFound }
        var entries: [Entry] = []
        var truncated = false
        // The oldest image: from before the first kept change, unless that change created it.
        let oldest =
            changes.isEmpty
            ? current : changes[0].before.first { $0.kind == kind && $0.record.id == id }?.record
        if let oldest {
            // Kept since the epoch began, the image can only be the epoch's own starting state.
            let seq = window.floor == window.start ? window.start : nil
            entries.append(
                Entry(
                    key: 0, revision: oldest.revision, seq: seq, at: oldest.updatedAt, by: oldest.updatedBy,
                    record: oldest))
            truncated = oldest.revision > 1
        }
        var previous = oldest
        for change in changes {
            if let put = change.puts.first(where: { $0.kind == kind && $0.record.id == id }) {
                entries.append(
                    Entry(
                        key: change.revision, revision: put.record.revision, seq: change.revision, at: change.at,
                        by: change.by, record: put.record))
                previous = put.record
            } else if change.removes.contains(where: { $0.kind == kind && $0.id == id }) {
                let revision = (previous?.revision ?? 0) + 1
                entries.append(
                    Entry(
                        key: change.revision, revision: revision, seq: change.revision, at: change.at, by: change.by,
                        record: nil))
                previous = nil
            }
        }
        if oldest == nil, let first = entries.first {
            // No image from before the first change: unless it created the record (revision 1),
            // it is a change from a journal written before changes kept their `before` images.
            truncated = first.record.map { $0.revision > 1 } ?? true
        }
        return History(window: window, entries: entries, truncated: truncated)
    }

    static func cursor(_ kind: ResourceKind, _ id: String, epoch: String, key: Int) -> String {
        var writer = JSONWriter(capacity: 64)
        writer.raw("[\"history\",")
        writer.string(epoch)
        writer.raw(",")
        writer.string(kind.rawValue)
        writer.raw(",")
        writer.string(id)
        writer.raw(",")
        writer.int(key)
        writer.raw("]")
        return Cursor.base64(writer.bytes)
    }

    /// The key a cursor continues after; 410 when it names another epoch.
    static func position(_ token: String, _ kind: ResourceKind, _ id: String, epoch: String) throws(APIError) -> Int {
        guard let bytes = Cursor.unbase64(token), case .array(let elements)? = try? JSONParser.parse(bytes),
            elements.count == 5, elements[0] == .string("history"), case .string(let cursorEpoch) = elements[1],
            elements[2] == .string(kind.rawValue), elements[3] == .string(id), case .int(let key) = elements[4]
        else {
            throw APIError.badRequest("`cursor` is not a cursor of this record's history; use the `next` of a page.")
        }
        guard cursorEpoch == epoch else { throw ChangeFeed.gone(cursorEpoch, current: epoch) }
        return key
    }

    static func page(
        _ history: History, after key: Int, limit: Int, _ kind: ResourceKind, _ id: String, _ request: Request
    ) -> Response {
        let schema = kind.schema
        let start = history.entries.firstIndex { $0.key > key } ?? history.entries.count
        let end = min(start + limit, history.entries.count)
        // The patch of the first entry on a page needs the revision before it.
        var previous: JSONValue? = start > 0 ? history.entries[start - 1].record.map { json($0, schema) } : nil
        var writer = JSONWriter(capacity: 256 + (end - start) * 256)
        writer.raw("{\"epoch\":")
        writer.string(history.window.epoch)
        writer.raw(",\"data\":[")
        for (index, entry) in history.entries[start..<end].enumerated() {
            if index > 0 { writer.raw(",") }
            writer.raw("{\"revision\":")
            writer.int(entry.revision)
            writer.raw(",\"seq\":")
            if let seq = entry.seq { writer.int(seq) } else { writer.raw("null") }
            writer.raw(",\"at\":")
            writer.string(entry.at)
            writer.raw(",\"by\":")
            writer.string(entry.by)
            writer.raw(",\"deleted\":")
            writer.raw(entry.record == nil ? "true" : "false")
            writer.raw(",\"patch\":")
            if let record = entry.record {
                let current = json(record, schema)
                writer.value(previous.map { MergePatch.diff(from: $0, to: current) } ?? current)
                previous = current
            } else {
                writer.raw("null")
                previous = nil
            }
            writer.raw("}")
        }
        let next =
            end < history.entries.count
            ? cursor(kind, id, epoch: history.window.epoch, key: history.entries[end - 1].key) : nil
        writer.raw("],\"next\":")
        if let next { writer.string(next) } else { writer.raw("null") }
        writer.raw(",\"earliestSeq\":")
        writer.int(history.window.earliest)
        writer.raw(",\"truncated\":")
        writer.raw(history.truncated || (key > 0 && key < history.window.floor) ? "true" : "false")
        writer.raw("}")
        var response = Response.json(writer.bytes)
        if let next {
            let kept = (request.query ?? "").split(separator: "&").filter { !$0.hasPrefix("cursor=") }
            let query = (kept + ["cursor=\(next)"]).joined(separator: "&")
            response.headerFields[RecordETag.link] = "<\(request.path)?\(query)>; rel=\"next\""
        }
        return response
    }

    static func json(_ record: Record, _ schema: Schema) -> JSONValue {
        (try? JSONParser.parse(record.json(schema))) ?? .null
    }
}
