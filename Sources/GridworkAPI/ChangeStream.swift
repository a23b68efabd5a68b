import Dispatch
import GridworkStore
import HTTPResponder
import JSON
import Synchronization

/// `GET /changes` with `Accept: text/event-stream`: the change feed as Server-Sent Events, from a
/// position on and then live, each change pushed as soon as the store publishes it (with a
/// journal: once it is durable).
///
///     event: change            one per change (what the subscriber's scope may see of it)
///     id: 1f0c9a2e-42          <epoch>-<seq>: resume with `Last-Event-ID`
///     data: {"seq":42,…}
///
///     event: epoch             the position named another epoch (a reset, a memory-only restart):
///     id: 5b77e0c1-57          the feed begins again from the seed the store was reset to, at
///     data: {"epoch":…,"seq":57}  that seq; what follows applies to it
///
///     event: truncated         changes after the position were dropped by the memory budget;
///     id: 1f0c9a2e-999         the feed goes on after `seq`
///     data: {"epoch":…,"seq":999}
///
/// Comments: `: connected` first, `: heartbeat` every 15 seconds. `retry: 2000` travels inside
/// the first event block (a block without `data:` reads as an empty message to some clients).
///
/// Subscribers are `ResponseStream`s that pull from the history when their connection asks (so
/// a slow reader is held back by its connection's output buffer and costs nothing here); the
/// history's observer wakes them when changes arrive, and one Dispatch timer sends heartbeats.
final class ChangeStream: @unchecked Sendable {
    // Unchecked: `timer` is set up in `init` and cancelled in `deinit`, never touched between;
    // everything else is a `Mutex` or immutable.
    let store: Store
    private let subscribers = Mutex<[ObjectIdentifier: ChangeSubscriber]>([:])
    private let timer: any DispatchSourceTimer

    static let heartbeatInterval = Duration.seconds(15)
    static let heartbeat = Array(": heartbeat\n\n".utf8)
    static let connected = Array(": connected\n\n".utf8)
    static let retry = Array("retry: 2000\n".utf8)
    /// The most changes one pull reads from the history.
    static let changesPerPull = 64

    init(store: Store) {
        self.store = store
        timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "gridwork.change-stream"))
        let milliseconds = Int(Self.heartbeatInterval / .milliseconds(1))
        timer.schedule(
            deadline: .now() + .milliseconds(milliseconds), repeating: .milliseconds(milliseconds),
            leeway: .seconds(1))
        timer.setEventHandler { [weak self] in
            for subscriber in self?.current ?? [] { subscriber.wake(heartbeat: true) }
        }
        timer.activate()
        store.history.observe { [weak self] in
            for subscriber in self?.current ?? [] { subscriber.wake(heartbeat: false) }
        }
    }

    deinit {
        timer.cancel()
    }

    private var current: [ChangeSubscriber] { subscribers.withLock { Array($0.values) } }

    /// How many clients are subscribed.
    var count: Int { subscribers.withLock { $0.count } }

    /// A new subscriber that sends `scope`'s view of every change after `position`.
    func subscribe(scope: Scope, after position: ChangeFeed.Position) -> ChangeSubscriber {
        let subscriber = ChangeSubscriber(stream: self, scope: scope, position: position)
        subscribers.withLock { $0[ObjectIdentifier(subscriber)] = subscriber }
        return subscriber
    }

    func remove(_ subscriber: ChangeSubscriber) {
        _ = subscribers.withLock { $0.removeValue(forKey: ObjectIdentifier(subscriber)) }
    }
}

/// One event-stream client of the change feed.
final class ChangeSubscriber: ResponseStream, Sendable {
    private struct State {
        var position: ChangeFeed.Position
        var connectedSent = false
        var retrySent = false
        var heartbeatDue = false
        var waker: StreamWaker?
        var cancelled = false
    }

    private let stream: ChangeStream
    private let scope: Scope
    private let state: Mutex<State>

    init(stream: ChangeStream, scope: Scope, position: ChangeFeed.Position) {
        self.stream = stream
        self.scope = scope
        self.state = Mutex(State(position: position))
    }

    /// Asks the connection to pull again: changes arrived, or a heartbeat is due.
    func wake(heartbeat: Bool) {
        let waker = state.withLock { state -> StreamWaker? in
            if heartbeat { state.heartbeatDue = true }
            defer { state.waker = nil }
            return state.waker
        }
        waker?()
    }

    /// The events after the position, read from the history outside any lock of this
    /// subscriber, up to `ChangeStream.changesPerPull` changes at a time; changes the scope does
    /// not see are read past, a few batches per pull. The waker is stored before the history is
    /// read, so that a change published meanwhile wakes the connection again.
    func next(wake: StreamWaker) -> StreamPiece {
        let start = state.withLock { state -> ChangeFeed.Position? in
            guard !state.cancelled else { return nil }
            state.waker = wake
            return state.position
        }
        guard var position = start else { return .end }
        let history = stream.store.history
        var events: [UInt8] = []
        var more = false
        for _ in 0..<16 {
            let window = history.window
            if position.epoch != window.epoch {
                // A fresh subscriber (no epoch given) starts in the current epoch; one that named
                // another is told that the history began again.
                if position.epoch != nil {
                    position.seq = window.start
                    Self.append(&events, "epoch", window.epoch, position.seq)
                }
                position.epoch = window.epoch
            }
            if window.dropped(after: position.seq) {
                Self.append(&events, "truncated", window.epoch, window.floor)
            }
            // Before the epoch's start, or dropped: the feed goes on from what it holds.
            position.seq = max(position.seq, window.floor)
            let (read, changes) = history.changes(after: position.seq, limit: ChangeStream.changesPerPull)
            // A reset between the two reads: round again, from the new epoch.
            guard read.epoch == position.epoch else {
                more = true
                continue
            }
            for change in changes {
                position.seq = change.revision
                guard let visible = ChangeFeed.visible(change, to: scope, store: stream.store) else { continue }
                var data = JSONWriter(capacity: 512)
                ChangeFeed.write(visible, to: &data)
                let id = ChangeFeed.eventID(epoch: read.epoch, seq: change.revision)
                events += Array("event: change\nid: \(id)\ndata: ".utf8) + data.bytes + [0x0A, 0x0A]
            }
            more = position.seq < read.last
            if !events.isEmpty || !more { break }
        }
        return state.withLock { state -> StreamPiece in
            if state.cancelled { return .end }
            state.position = position
            var bytes: [UInt8] = []
            if !state.connectedSent {
                state.connectedSent = true
                bytes = ChangeStream.connected
            }
            if !events.isEmpty {
                if !state.retrySent {
                    state.retrySent = true
                    bytes += ChangeStream.retry
                }
                bytes += events
            } else if state.heartbeatDue {
                bytes += ChangeStream.heartbeat
            }
            state.heartbeatDue = false
            if !bytes.isEmpty {
                // The connection pulls again while it can take more.
                state.waker = nil
                return .bytes(bytes)
            }
            if more {
                // Read past a run the scope does not see: let the loop breathe, then go on.
                state.waker = nil
                wake()
            }
            return .wait
        }
    }

    private static func append(_ events: inout [UInt8], _ name: String, _ epoch: String, _ seq: Int) {
        events += Array(
            "event: \(name)\nid: \(ChangeFeed.eventID(epoch: epoch, seq: seq))\ndata: {\"epoch\":\"\(epoch)\",\"seq\":\(seq)}\n\n"
                .utf8)
    }

    func cancel() {
        state.withLock {
            $0.cancelled = true
            $0.waker = nil
        }
        stream.remove(self)
    }
}
