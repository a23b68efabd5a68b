import CLinux
import Glibc

/// An epoll instance: level-triggered readiness for the descriptors of one event loop.
///
/// Concurrency: owned and used by one loop thread; `wake()` alone may be called from any thread.
package final class Poller {
    /// Readiness the loop cares about.
    package struct Interest: OptionSet, Equatable, Sendable {
        package let rawValue: UInt32
        package init(rawValue: UInt32) { self.rawValue = rawValue }
        package static let read = Interest(rawValue: EPOLLIN.rawValue | EPOLLRDHUP.rawValue)
        package static let write = Interest(rawValue: EPOLLOUT.rawValue)
        /// EPOLLRDHUP alone: learn that the peer closed without reading what it sent.
        package static let peerClosed = Interest(rawValue: EPOLLRDHUP.rawValue)
        /// Plain EPOLLIN, for the listener: EPOLLEXCLUSIVE does not combine with EPOLLRDHUP.
        package static let accept = Interest(rawValue: EPOLLIN.rawValue)
        package static let exclusive = Interest(rawValue: EPOLLEXCLUSIVE.rawValue)
    }

    /// One ready descriptor.
    struct Event {
        var fd: Int32
        var readable: Bool
        var writable: Bool
        var hangup: Bool
    }

    let epollFD: Int32
    /// An eventfd that makes `wait` return when another thread queued work.
    let wakeFD: Int32
    private let events: UnsafeMutablePointer<epoll_event>
    private let capacity = 256

    init() throws(SocketError) {
        let epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard epollFD >= 0 else { throw .last("epoll_create1") }
        let wakeFD = eventfd(0, Int32(EFD_NONBLOCK) | Int32(EFD_CLOEXEC))
        guard wakeFD >= 0 else {
            let error = SocketError.last("eventfd")
            Glibc.close(epollFD)
            throw error
        }
        self.epollFD = epollFD
        self.wakeFD = wakeFD
        events = .allocate(capacity: capacity)
        try add(wakeFD, interest: .read)
    }

    deinit {
        events.deallocate()
        Glibc.close(wakeFD)
        Glibc.close(epollFD)
    }

    func add(_ fd: Int32, interest: Interest) throws(SocketError) {
        var event = epoll_event()
        event.events = interest.rawValue
        event.data.fd = fd
        guard epoll_ctl(epollFD, EPOLL_CTL_ADD, fd, &event) == 0 else { throw .last("epoll_ctl(ADD)") }
    }

    func modify(_ fd: Int32, interest: Interest) {
        var event = epoll_event()
        event.events = interest.rawValue
        event.data.fd = fd
        _ = epoll_ctl(epollFD, EPOLL_CTL_MOD, fd, &event)
    }

    func remove(_ fd: Int32) {
        _ = epoll_ctl(epollFD, EPOLL_CTL_DEL, fd, nil)
    }

    /// Waits up to `timeoutMilliseconds`; returns how many events `event(at:)` can read.
    func wait(timeoutMilliseconds: Int32) -> Int {
        let count = epoll_wait(epollFD, events, Int32(capacity), timeoutMilliseconds)
        return max(0, Int(count))
    }

    /// The `position`th event of the last `wait`.
    func event(at position: Int) -> Event {
        let event = events[position]
        let flags = event.events
        return Event(
            fd: event.data.fd,
            readable: flags & (EPOLLIN.rawValue | EPOLLRDHUP.rawValue) != 0,
            writable: flags & EPOLLOUT.rawValue != 0,
            hangup: flags & (EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0
        )
    }

    /// Makes a concurrent or future `wait` return. Safe from any thread.
    static func wake(_ wakeFD: Int32) {
        var one: UInt64 = 1
        _ = Glibc.write(wakeFD, &one, 8)
    }

    /// Clears the wake-up counter.
    func drainWake() {
        var value: UInt64 = 0
        _ = Glibc.read(wakeFD, &value, 8)
    }
}
