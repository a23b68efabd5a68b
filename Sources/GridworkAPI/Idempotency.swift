public import GridworkStore
import HTTP1
import HTTPResponder
import HTTPTypes
public import JSON
import Synchronization

/// `Idempotency-Key` on POST: the first response to a key is kept for 24 hours and returned for
/// every retry with the same request; the same key with another request is a 422; a retry while
/// the first is still running is a 409. Memory is bounded by a byte budget: past it, the keys
/// closest to expiry go first. Entries travel with the change they created (as its journal
/// annotation) and with snapshots, so a restart keeps them.
public final class IdempotencyKeys: Sendable {
    struct Entry: Sendable {
        var fingerprint: String
        var expires: Int
        var status: Int
        var location: String
        var etag: String
        var body: [UInt8]
        var cost: Int { 160 + fingerprint.utf8.count + location.utf8.count + etag.utf8.count + body.count }
    }

    private struct State {
        var entries: [String: Entry] = [:]
        /// Keys in the order they were stored, which is also their expiry order.
        var order: [String] = []
        var orderStart = 0
        var bytes = 0
        var inFlight: Set<String> = []
    }

    /// How long a key is remembered.
    public let lifetimeSeconds: Int
    /// The most bytes the kept responses may take.
    public let budgetBytes: Int
    private let state = Mutex(State())
    private let clock: @Sendable () -> Int

    /// Creates an empty table.
    public init(
        lifetimeSeconds: Int = 24 * 3600,
        budgetBytes: Int = 32 << 20,
        clock: @escaping @Sendable () -> Int = { Timestamp.unixSeconds() }
    ) {
        self.lifetimeSeconds = lifetimeSeconds
        self.budgetBytes = budgetBytes
        self.clock = clock
    }

    enum Begin {
        case proceed
        case replay(Response)
        case mismatch
        case inProgress
    }

    /// Longest key accepted.
    static let maxKeyLength = 255

    func begin(key: String, fingerprint: String) -> Begin {
        let now = clock()
        return state.withLock { state in
            expire(&state, now: now)
            if let entry = state.entries[key] {
                guard entry.fingerprint == fingerprint else { return .mismatch }
                return .replay(Self.response(entry, key: key))
            }
            guard state.inFlight.insert(key).inserted else { return .inProgress }
            return .proceed
        }
    }

    /// Answers a POST that carries `key` from the principal `owner`: a retry of the same request gets the first response back,
    /// another request with the key is a 422, one while the first still runs (or waits for the
    /// disk) a 409. Otherwise `create` runs with the annotation its change carries into the
    /// journal; the key remembers its response once the change is durable, and forgets the key if
    /// it never becomes so.
    func run(
        key: String, owner: String, fingerprint: String,
        _ create: (_ annotation: JSONValue) throws(APIError) -> WriteOutcome
    ) throws(APIError) -> WriteOutcome {
        let slot = Self.slot(key, owner: owner)
        switch begin(key: slot, fingerprint: fingerprint) {
        case .replay(let response):
            return WriteOutcome(response, revision: nil)
        case .mismatch:
            // Every 422 names its fields (the document promises it, and clients index `errors`).
            throw APIError(
                .unprocessableContent,
                detail: "The Idempotency-Key `\(key)` was already used with a different request.",
                errors: [
                    .init(
                        field: "Idempotency-Key",
                        message: "Already used with another method, path or body; send a new key for a new request.")
                ]
            )
        case .inProgress:
            throw APIError(.conflict, detail: "A request with the Idempotency-Key `\(key)` is still being processed.")
        case .proceed:
            let expires = clock() + lifetimeSeconds
            var outcome: WriteOutcome
            do throws(APIError) {
                outcome = try create(Self.annotation(key: slot, fingerprint: fingerprint, expires: expires))
            } catch {
                finish(key: slot, entry: nil)
                throw error
            }
            let entry = entry(fingerprint: fingerprint, expires: expires, response: outcome.response)
            let earlier = outcome.settled
            outcome.settled = { failure in
                earlier?(failure)
                self.finish(key: slot, entry: failure == nil ? entry : nil)
            }
            return outcome
        }
    }
    /// Where a principal's key is kept: keys belong to their principal, so the same key sent by
    /// another is another key. A space cannot occur in a key or a principal id.
    static func slot(_ key: String, owner: String) -> String {
        owner + " " + key
    }

    /// What the key keeps of `response`.
    func entry(fingerprint: String, expires: Int, response: Response) -> Entry {
        Entry(
            fingerprint: fingerprint, expires: expires, status: response.status.code,
            location: response.headerFields[.location] ?? "", etag: response.headerFields[.eTag] ?? "",
            body: response.body)
    }

    /// What a create's change carries into the journal: the key, without the response, which is
    /// made again from the record the same change holds.
    static func annotation(key: String, fingerprint: String, expires: Int) -> JSONValue {
        .object([
            (
                "idempotency",
                .object([("key", .string(key)), ("fingerprint", .string(fingerprint)), ("expires", .int(expires))])
            )
        ])
    }

    /// An entry as snapshots keep it, response included; `decode(_:)` reads it back.
    static func annotation(key: String, _ entry: Entry) -> JSONValue {
        .object([
            (
                "idempotency",
                .object([
                    ("key", .string(key)), ("fingerprint", .string(entry.fingerprint)),
                    ("expires", .int(entry.expires)), ("status", .int(entry.status)),
                    ("location", .string(entry.location)), ("etag", .string(entry.etag)),
                    ("body", .string(String(decoding: entry.body, as: UTF8.self))),
                ])
            )
        ])
    }

    /// Ends the request that began with `key`: remembers `entry` when given (the request created
    /// something), or forgets the key (it failed, and may be retried).
    func finish(key: String, entry: Entry?) {
        state.withLock { state in
            state.inFlight.remove(key)
            if let entry { insert(entry, for: key, in: &state) }
        }
    }

    /// Takes back entries from a snapshot or a replayed journal. A journal's entry has no
    /// response of its own: it is the 201 for the record its change created, in `epoch`.
    /// Unrelated annotations are ignored.
    public func restore(_ annotations: [Annotation], epoch: String) {
        let now = clock()
        state.withLock { state in
            for annotation in annotations {
                if let (key, entry) = Self.decode(annotation, epoch: epoch) { insert(entry, for: key, in: &state) }
            }
            expire(&state, now: now)
        }
    }

    /// Forgets every key: the store they answered for was reset. Creates still running keep
    /// their keys until they finish.
    public func forget() {
        state.withLock { state in
            let running = state.inFlight
            state = State()
            state.inFlight = running
        }
    }

    /// The live entries, as annotations, for a snapshot.
    public func export() -> [JSONValue] {
        state.withLock { state in
            state.order[state.orderStart...].compactMap { key in
                state.entries[key].map { Self.annotation(key: key, $0) }
            }
        }
    }

    /// How many keys are remembered, and their cost in bytes.
    public var usage: (keys: Int, bytes: Int) {
        state.withLock { ($0.entries.count, $0.bytes) }
    }

    /// The key and entry an annotation holds; nil for other annotations.
    private static func decode(_ annotation: Annotation, epoch: String) -> (key: String, entry: Entry)? {
        guard let fields = annotation.value["idempotency"], case .string(let key)? = fields["key"],
            case .string(let fingerprint)? = fields["fingerprint"], case .int(let expires)? = fields["expires"]
        else { return nil }
        if case .int(let status)? = fields["status"], case .string(let location)? = fields["location"],
            case .string(let etag)? = fields["etag"], case .string(let body)? = fields["body"]
        {
            let entry = Entry(
                fingerprint: fingerprint, expires: expires, status: status, location: location, etag: etag,
                body: Array(body.utf8))
            return (key, entry)
        }
        guard let (kind, record) = annotation.puts.first else { return nil }
        let response = WriteRoutes.created(record, kind, epoch)
        let entry = Entry(
            fingerprint: fingerprint, expires: expires, status: 201,
            location: response.headerFields[.location] ?? "", etag: response.headerFields[.eTag] ?? "",
            body: response.body)
        return (key, entry)
    }

    private func insert(_ entry: Entry, for key: String, in state: inout State) {
        if let old = state.entries.updateValue(entry, forKey: key) {
            state.bytes -= old.cost
        } else {
            state.order.append(key)
        }
        state.bytes += entry.cost
        while state.bytes > budgetBytes, state.orderStart < state.order.count {
            evictOldest(&state)
        }
    }

    private func expire(_ state: inout State, now: Int) {
        while state.orderStart < state.order.count,
            (state.entries[state.order[state.orderStart]]?.expires ?? 0) <= now
        {
            evictOldest(&state)
        }
        if state.orderStart > 1024 && state.orderStart * 2 > state.order.count {
            state.order.removeFirst(state.orderStart)
            state.orderStart = 0
        }
    }

    private func evictOldest(_ state: inout State) {
        let key = state.order[state.orderStart]
        state.orderStart += 1
        if let entry = state.entries.removeValue(forKey: key) { state.bytes -= entry.cost }
    }

    static func response(_ entry: Entry, key: String) -> Response {
        let status = entry.status == 201 ? .created : HTTPResponse.Status(code: entry.status)
        var response = Response(status: status, body: entry.body)
        response.headerFields[.contentType] = MediaType.json
        if !entry.location.isEmpty { response.headerFields[.location] = entry.location }
        if !entry.etag.isEmpty { response.headerFields[.eTag] = entry.etag }
        response.headerFields[HTTPField.Name("Idempotent-Replayed")!] = "true"
        return response
    }

    /// The request's identity for a key: FNV-1a (64-bit) over the method, path and body, with the
    /// body's length.
    static func fingerprint(_ request: Request) -> String {
        let hash = FNV1a.hash(Array(request.method.rawValue.utf8) + [0] + Array(request.path.utf8) + [0] + request.body)
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex + "-\(request.body.count)"
    }
}
