import GridworkStore
import HTTP1
import HTTPResponder
import HTTPTypes
import JSON

/// `GET /changes`: every committed change in commit order, as pages of JSON, or as Server-Sent
/// Events (`Accept: text/event-stream`) that go on with each change as it is published.
///
/// Only published changes appear — with a journal, only durable ones — because the feed reads the
/// store's `ChangeHistory`, which the store fills where it publishes. Each principal sees the
/// records of its scope (`ChangeFeed.visible`); a change with nothing in scope is skipped, but
/// pages and event ids still move past it.
///
/// A page: `{"epoch","data":[change…],"next":cursor|null,"lastSeq","earliestSeq","truncated"}`.
/// `next` is set while committed changes remain past the page; `lastSeq` is where the page ends
/// (poll again with `after=lastSeq`); `truncated` says that changes after the position asked for
/// were dropped by the history's memory budget (the page begins at `earliestSeq` instead).
struct ChangeRoutes {
    let store: Store
    let stream: ChangeStream

    /// How many changes one page may read past before it answers with what it found: a scoped
    /// reader whose records are rare gets short pages rather than a long scan on the event loop.
    static let maxScanned = 5_000
    static let parameters = ["after", "epoch", "cursor", "limit"]
    static let streamParameters = ["after", "epoch", "cursor"]

    init(store: Store) {
        self.store = store
        self.stream = ChangeStream(store: store)
    }

    func register(on router: Router) {
        let store = self.store
        let stream = self.stream
        router.add(.get, "/changes") { request, parameters throws(APIError) in
            let query = try QueryParameters(request)
            let scope = Scope(parameters.principal)
            var response: Response
            if Self.wantsEventStream(request) {
                try query.rejectUnknown(allowed: Self.streamParameters)
                let position = try ChangeFeed.position(
                    query, lastEventID: request.headerFields[StatsRoutes.lastEventID])
                response = Response(
                    status: .ok,
                    headerFields: [
                        .contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache",
                        HTTPField.Name("X-Accel-Buffering")!: "no",
                    ])
                response.stream = stream.subscribe(scope: scope, after: position)
            } else {
                try query.rejectUnknown(allowed: Self.parameters)
                let position = try ChangeFeed.position(query, lastEventID: nil)
                response = try Self.page(store, scope: scope, after: position, limit: Self.limit(query), request)
            }
            response.headerFields.addVary("Accept")
            return response
        }
    }

    /// Whether `Accept` rates `text/event-stream` above JSON (or equal and first).
    static func wantsEventStream(_ request: Request) -> Bool {
        guard let accept = request.headerFields[.accept] else { return false }
        var events = 0.0
        var json = 0.0
        var eventsFirst = false
        for (type, quality) in QualityList.parse(accept) {
            switch type {
            case "text/event-stream":
                if quality > events { eventsFirst = quality > json }
                events = max(events, quality)
            case "application/json", "application/*", "*/*":
                json = max(json, quality)
            default: continue
            }
        }
        return events > 0 && (events > json || (events == json && eventsFirst))
    }

    static func limit(_ query: QueryParameters) throws(APIError) -> Int {
        guard let text = try query.single("limit") else { return ListQuery.defaultLimit }
        guard let value = Int(text), (1...ListQuery.maxLimit).contains(value) else {
            throw APIError.badRequest("`limit` must be an integer from 1 to \(ListQuery.maxLimit).")
        }
        return value
    }

    /// One page of the feed after `position`.
    static func page(_ store: Store, scope: Scope, after position: ChangeFeed.Position, limit: Int, _ request: Request)
        throws(APIError) -> Response
    {
        let window = store.history.window
        if let epoch = position.epoch, epoch != window.epoch {
            throw ChangeFeed.gone(epoch, current: window.epoch)
        }
        let truncated = window.dropped(after: position.seq)
        var scanned = max(position.seq, window.floor)
        var last = window.last
        var shown: [Change] = []
        var read = 0
        scan: while shown.count < limit && read < maxScanned {
            let (current, chunk) = store.history.changes(after: scanned, limit: 256)
            // A reset while scanning: the page ends in the epoch it began in.
            guard current.epoch == window.epoch, !chunk.isEmpty else { break }
            last = current.last
            read += chunk.count
            for change in chunk {
                scanned = change.revision
                if let visible = ChangeFeed.visible(change, to: scope, store: store) {
                    shown.append(visible)
                    if shown.count == limit { break scan }
                }
            }
        }
        let next = scanned < last ? ChangeFeed.cursor(epoch: window.epoch, seq: scanned) : nil
        var writer = JSONWriter(capacity: 256 + shown.count * 512)
        writer.raw("{\"epoch\":")
        writer.string(window.epoch)
        writer.raw(",\"data\":[")
        for (index, change) in shown.enumerated() {
            if index > 0 { writer.raw(",") }
            ChangeFeed.write(change, to: &writer)
        }
        writer.raw("],\"next\":")
        if let next { writer.string(next) } else { writer.raw("null") }
        writer.raw(",\"lastSeq\":")
        writer.int(scanned)
        writer.raw(",\"earliestSeq\":")
        writer.int(window.earliest)
        writer.raw(",\"truncated\":")
        writer.raw(truncated ? "true" : "false")
        writer.raw("}")
        var response = Response.json(writer.bytes)
        if let next {
            let kept = (request.query ?? "").split(separator: "&").filter {
                !$0.hasPrefix("cursor=") && !$0.hasPrefix("after=") && !$0.hasPrefix("epoch=")
            }
            let query = (kept + ["cursor=\(next)"]).joined(separator: "&")
            response.headerFields[RecordETag.link] = "<\(request.path)?\(query)>; rel=\"next\""
        }
        return response
    }
}
