import CLinux
import Glibc

/// A dedicated, named POSIX thread for work that blocks for its whole life: an event loop in
/// `epoll_wait`, the journal's writer in `fdatasync`. Neither belongs on Dispatch's shared pool.
///
/// Concurrency: `Sendable`; the handle is immutable once created.
public struct SystemThread: Sendable {
    private let handle: pthread_t

    /// Starts `body` on a new thread named `name` (at most 15 bytes are kept, as Linux allows;
    /// `top -H` and `gdb` show it).
    public init(name: String, _ body: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(Box(name: name, body: body)).toOpaque()
        var thread = pthread_t()
        let status = pthread_create(
            &thread, nil,
            { raw in
                let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
                CLinux_setThreadName(box.name)
                box.body()
                return nil
            },
            box)
        precondition(status == 0, "pthread_create failed with \(status)")
        handle = thread
    }

    /// Blocks until the thread's body has returned. Call once.
    public func join() {
        pthread_join(handle, nil)
    }

    private final class Box {
        let name: String
        let body: @Sendable () -> Void
        init(name: String, body: @escaping @Sendable () -> Void) {
            self.name = name
            self.body = body
        }
    }
}
