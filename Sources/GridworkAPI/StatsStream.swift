import Dispatch
import GridworkStore
import HTTP1
import HTTPResponder
import HTTPTypes
import Synchronization

/// `GET /stats/stream`: Server-Sent Events. Each subscriber gets `event: stats` with the `/stats`
/// body over its principal's scope whenever the revision changes — at most one a second, the newest state replacing one
/// not yet sent — with `id:` set to the epoch and revision (`1f0c9a2e-42`), and a comment heartbeat every 15 seconds.
/// A subscriber whose `Last-Event-ID` names the current state gets a `: connected` comment,
/// then nothing until the state changes.
///
/// `retry: 2000` travels inside the subscriber's first event block, never in a block of its
/// own: some clients (httpx-sse) deliver a block without `data:` as an empty message, which
/// `json.loads` then refuses. Comment-only blocks are skipped by every client.
///
/// Subscribers are `ResponseStream`s pulled by their connection's event loop: they cost no
/// thread. One timer on a Dispatch queue watches the revision for all of them.
final class StatsStream: @unchecked Sendable {
    // Unchecked: `timer` is set up in `init` and cancelled in `deinit`, never touched between;
    // everything else is a `Mutex` or immutable.
    private let store: Store
    private let cache: StatsCache
    private let subscribers = Mutex<[ObjectIdentifier: StatsSubscriber]>([:])
    /// The revision last broadcast and when; starts at the store's, so nothing is sent for it.
    private let lastSent: Mutex<(revision: Int, at: ContinuousClock.Instant)>
    private let timer: any DispatchSourceTimer

    static let minimumInterval = Duration.seconds(1)
    static let heartbeatInterval = Duration.seconds(15)
    /// How often the timer looks at the store revision.
    static let tickInterval = Duration.milliseconds(100)
    static let heartbeat = Array(": heartbeat\n\n".utf8)
    /// The reconnection delay, sent at the head of a subscriber's first event.
    static let retry = Array("retry: 2000\n".utf8)
    /// What a subscriber that already has the current state gets first: the head is not all it sees.
    static let connected = Array(": connected\n\n".utf8)

    init(store: Store, cache: StatsCache) {
        self.store = store
        self.cache = cache
        lastSent = Mutex((store.revision, .now - Self.minimumInterval))
        timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "gridwork.stats-stream"))
        let tickMilliseconds = Int(Self.tickInterval / .milliseconds(1))
        timer.schedule(
            deadline: .now() + .milliseconds(tickMilliseconds), repeating: .milliseconds(tickMilliseconds),
            leeway: .milliseconds(20))
        let heartbeatTicks = Int(Self.heartbeatInterval / Self.tickInterval)
        let ticks = Mutex(0)
        timer.setEventHandler { [weak self] in
            guard let self else { return }
            let tick = ticks.withLock { count in
                count += 1
                return count
            }
            self.tick(heartbeat: tick % heartbeatTicks == 0)
        }
        timer.activate()
    }

    deinit {
        timer.cancel()
    }

    /// How many clients are subscribed.
    var count: Int { subscribers.withLock { $0.count } }

    /// A new subscriber to the figures over `region`, primed with the current state unless it
    /// already has it.
    func subscribe(lastEventID: String?, region: Region = .district) -> StatsSubscriber {
        let entry = cache.entry(for: store, in: region)
        let subscriber = StatsSubscriber(stream: self, revision: entry.revision, region: region)
        if lastEventID != entry.eventID {
            subscriber.push(Self.event(entry), replacingEvent: true)
        } else {
            subscriber.push(Self.connected, replacingEvent: false)
        }
        subscribers.withLock { $0[ObjectIdentifier(subscriber)] = subscriber }
        return subscriber
    }

    func remove(_ subscriber: StatsSubscriber) {
        _ = subscribers.withLock { $0.removeValue(forKey: ObjectIdentifier(subscriber)) }
    }

    static func event(_ entry: StatsEntry) -> [UInt8] {
        var bytes = Array("event: stats\nid: \(entry.eventID)\ndata: ".utf8)
        bytes.append(contentsOf: entry.identity)  // one line: the encoder writes no newlines
        bytes.append(contentsOf: [0x0A, 0x0A])
        return bytes
    }

    private func tick(heartbeat: Bool) {
        let current = subscribers.withLock { Array($0.values) }
        let revision = store.revision
        let now = ContinuousClock.now
        let due = lastSent.withLock { last -> Bool in
            guard revision != last.revision, now - last.at >= Self.minimumInterval else { return false }
            last = (revision, now)
            return true
        }
        if due && !current.isEmpty {
            // One event per scope, encoded once for all of its subscribers.
            var events: [Region: (revision: Int, bytes: [UInt8])] = [:]
            for subscriber in current {
                let event =
                    events[subscriber.region]
                    ?? {
                        let entry = cache.entry(for: store, in: subscriber.region)
                        return (entry.revision, Self.event(entry))
                    }()
                events[subscriber.region] = event
                // A subscriber that joined after the change already had this state in its first event.
                if subscriber.advance(to: event.revision) { subscriber.push(event.bytes, replacingEvent: true) }
            }
        } else if heartbeat {
            for subscriber in current { subscriber.push(Self.heartbeat, replacingEvent: false) }
        }
    }
}

/// One `/stats/stream` client. Holds at most one unsent event: a newer state replaces it, so a
/// slow reader costs one event's bytes here, plus its connection's bounded output buffer.
final class StatsSubscriber: ResponseStream, Sendable {
    private struct State {
        var revision: Int
        var pending: [UInt8] = []
        var pendingIsEvent = false
        /// Whether `pending` holds an event, whose block carries `retry:` until one is sent.
        var pendingHasEvent = false
        var retrySent = false
        var waker: StreamWaker?
        var cancelled = false
    }

    private let stream: StatsStream
    private let state: Mutex<State>
    /// The part of the district whose figures it gets.
    let region: Region

    init(stream: StatsStream, revision: Int, region: Region) {
        self.stream = stream
        self.region = region
        self.state = Mutex(State(revision: revision))
    }

    /// Moves the subscriber to `revision`; false when it already has that state.
    func advance(to revision: Int) -> Bool {
        state.withLock { state in
            guard state.revision != revision else { return false }
            state.revision = revision
            return true
        }
    }

    /// Queues `bytes`. `replacingEvent`: they are an event block, which replaces an unsent event.
    func push(_ bytes: [UInt8], replacingEvent: Bool) {
        let waker = state.withLock { state -> StreamWaker? in
            guard !state.cancelled else { return nil }
            var bytes = bytes
            if replacingEvent {
                // Until an event has been sent, each queued one carries `retry:`: the event it
                // replaces may have been the one carrying it.
                if !state.retrySent { bytes = StatsStream.retry + bytes }
                state.pendingHasEvent = true
            }
            if replacingEvent && state.pendingIsEvent {
                state.pending = bytes
            } else {
                state.pending += bytes
            }
            state.pendingIsEvent = replacingEvent
            defer { state.waker = nil }
            return state.waker
        }
        waker?()
    }

    func next(wake: StreamWaker) -> StreamPiece {
        state.withLock { state in
            if state.cancelled { return .end }
            guard !state.pending.isEmpty else {
                state.waker = wake
                return .wait
            }
            if state.pendingHasEvent { state.retrySent = true }
            defer {
                state.pending = []
                state.pendingIsEvent = false
                state.pendingHasEvent = false
            }
            return .bytes(state.pending)
        }
    }

    func cancel() {
        state.withLock {
            $0.cancelled = true
            $0.waker = nil
        }
        stream.remove(self)
    }
}
