import GridworkStore
import HTTP1
import HTTPResponder
import HTTPTypes
import JSON

/// What the change feed's two forms (`GET /changes` as pages, and as Server-Sent Events) share:
/// positions, what a principal may see of a change, and a change's JSON.
///
/// A position is an epoch and a seq (a store revision of that epoch): "every change after this".
/// Seqs restart their meaning with each epoch (a reset, or a memory-only restart): a position
/// names its epoch in a cursor (`["changes", epoch, seq]`, base64url), in an event id
/// (`<epoch>-<seq>`) or in the `epoch` parameter, so that the feed can tell a consumer that its
/// history is gone rather than answer with another history's changes.
enum ChangeFeed {
    /// Where a reader of the feed stands.
    struct Position: Equatable {
        /// The epoch the seq belongs to; nil: whatever the current one is.
        var epoch: String?
        /// The last change seen (0: none).
        var seq: Int
    }

    /// The position a request asks to read after: `Last-Event-ID` (an event stream resuming), else
    /// `cursor`, else `after` (default 0) with `epoch`. A cursor carries its own position, so it
    /// comes alone.
    static func position(_ parameters: QueryParameters, lastEventID: String?) throws(APIError) -> Position {
        let after = try parameters.single("after")
        let epoch = try parameters.single("epoch")
        if let cursor = try parameters.single("cursor"), !cursor.isEmpty {
            guard after == nil, epoch == nil else {
                throw APIError.badRequest("A `cursor` carries its own position: give it without `after` or `epoch`.")
            }
            if lastEventID == nil { return try position(cursor: cursor) }
        }
        if let lastEventID { return try position(eventID: lastEventID) }
        var position = Position(epoch: nil, seq: 0)
        if let after {
            guard let seq = Int(after), seq >= 0 else {
                throw APIError.badRequest("`after` must be a seq: an integer of at least 0.")
            }
            position.seq = seq
        }
        if let epoch {
            guard Epoch.isValid(epoch) else { throw APIError.badRequest("`epoch` must be 8 lowercase hex digits.") }
            position.epoch = epoch
        }
        return position
    }

    static func cursor(epoch: String, seq: Int) -> String {
        var writer = JSONWriter(capacity: 40)
        writer.raw("[\"changes\",")
        writer.string(epoch)
        writer.raw(",")
        writer.int(seq)
        writer.raw("]")
        return Cursor.base64(writer.bytes)
    }

    static func position(cursor: String) throws(APIError) -> Position {
        guard let bytes = Cursor.unbase64(cursor), case .array(let elements)? = try? JSONParser.parse(bytes),
            elements.count == 3, elements[0] == .string("changes"), case .string(let epoch) = elements[1],
            Epoch.isValid(epoch), case .int(let seq) = elements[2], seq >= 0
        else {
            throw APIError.badRequest("`cursor` is not a cursor this feed gave out; use the `next` of a page.")
        }
        return Position(epoch: epoch, seq: seq)
    }

    /// An event id: `<epoch>-<seq>`.
    static func eventID(epoch: String, seq: Int) -> String { "\(epoch)-\(seq)" }

    static func position(eventID: String) throws(APIError) -> Position {
        let parts = eventID.split(separator: "-", maxSplits: 1)
        guard parts.count == 2, Epoch.isValid(String(parts[0])), let seq = Int(parts[1]), seq >= 0 else {
            throw APIError.badRequest("`Last-Event-ID` must be an event id of this feed: `<epoch>-<seq>`.")
        }
        return Position(epoch: String(parts[0]), seq: seq)
    }

    /// 410 for a position in another epoch than the feed's.
    static func gone(_ asked: String, current: String) -> APIError {
        APIError(
            .gone,
            detail: "The position names epoch \(asked), a history this server no longer has (the store was reset, "
                + "or a memory-only server restarted). The feed is now epoch \(current): read it from `after=0` and "
                + "apply it to the seed.")
    }

    // MARK: Scope

    /// What `scope` may see of `change`: the records it put that lie in the scope, and the ids it
    /// removed of records that did (as they were before the change), or nil when nothing. The
    /// references that place a record (a grid's town) are looked up in the change itself first,
    /// then in the published store, then in the history (a record since removed).
    static func visible(_ change: Change, to scope: Scope, store: Store) -> Change? {
        guard !scope.isDistrict else { return change }
        let lookup = { (kind: ResourceKind, id: String) -> Record? in
            change.puts.first { $0.kind == kind && $0.record.id == id }?.record
                ?? change.before.first { $0.kind == kind && $0.record.id == id }?.record
                ?? store.record(kind, id: id) ?? store.history.lastImage(of: kind, id: id)
        }
        var shown = Change(revision: change.revision, at: change.at, by: change.by)
        shown.puts = change.puts.filter {
            scope.contains($0.kind, id: $0.record.id, values: $0.record.values, lookup: lookup)
        }
        shown.removes = change.removes.filter { kind, id in
            guard let last = change.before.first(where: { $0.kind == kind && $0.record.id == id })?.record else {
                return false
            }
            return scope.contains(kind, id: id, values: last.values, lookup: lookup)
        }
        return shown.puts.isEmpty && shown.removes.isEmpty ? nil : shown
    }

    // MARK: JSON

    /// `{"seq":…,"at":…,"by":…,"puts":[{"kind":…,"record":{…}}],"removes":[{"kind":…,"id":…}]}`:
    /// a journal line's change without its checksum, annotation and `before` images.
    static func write(_ change: Change, to writer: inout JSONWriter) {
        writer.raw("{")
        change.writeMembers(to: &writer, before: false)
        writer.raw("}")
    }
}
