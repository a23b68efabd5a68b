/// What a `Connection` needs from whatever runs it: the clock, the socket calls, a way back onto
/// its own thread, and the server's shared context.
///
/// `EventLoop` is the host in production (epoll, real sockets). `EmbeddedConnectionHost` runs a
/// connection on in-memory bytes with a manual clock, so that pipelining, gates, streams,
/// back-pressure and timeouts can be tested step by step, as NIO's `EmbeddedChannel` allows.
///
/// Concurrency: every requirement but `execute` is called on the host's own thread only.
package protocol ConnectionHost: AnyObject, Sendable {
    /// The responder, the policy, the logger and the observer.
    var context: ServerContext { get }
    /// The time of the current event (read once per wake-up, not per call).
    var now: MonotonicInstant { get }
    /// The current `Date` field value.
    var date: [UInt8] { get }
    /// Where reads land before they are fed to the parser; shared by the host's connections.
    var readBuffer: UnsafeMutableRawBufferPointer { get }
    /// A request id for a request that brought none.
    func nextRequestID() -> String
    /// Runs `task` on the host's thread, later. Safe from any thread.
    func execute(_ task: @escaping @Sendable () -> Void)

    /// Reads what the peer sent into `buffer`.
    func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> Socket.IOResult
    /// Sends as much of `bytes` as the peer's socket takes now.
    func send(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Socket.IOResult
    /// Shuts the write side: the peer reads end-of-file after the bytes already sent.
    func shutdownWrite(_ fd: Int32)
    /// The readiness events the connection wants from now on.
    func setInterest(_ interest: Poller.Interest, for fd: Int32)
    /// The connection is done; the host closes the descriptor and forgets it.
    func connectionClosed(_ fd: Int32)
    /// Adds one access line to the host's buffer (only called when the server has an access log).
    func logAccess(_ entry: AccessEntry)
}
