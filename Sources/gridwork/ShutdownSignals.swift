import Dispatch
import Glibc
import Logging

/// SIGTERM and SIGINT start a graceful shutdown; a second one exits at once.
///
/// Concurrency: the sources deliver on one serial queue; the object only keeps them alive.
final class ShutdownSignals {
    private let sources: [any DispatchSourceSignal]

    init(logger: Logger, onShutdown: @escaping @Sendable () -> Void) {
        let queue = DispatchQueue(label: "gridwork.signals")
        let received = SignalCounter()
        sources = [SIGTERM, SIGINT].map { number in
            // The default disposition would kill the process before Dispatch sees the signal.
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler {
                if received.increment() > 1 {
                    logger.warning("shutdown.forced", metadata: ["signal": "\(number)"])
                    exit(1)
                }
                logger.info("shutdown.requested", metadata: ["signal": "\(number)"])
                onShutdown()
            }
            source.resume()
            return source
        }
    }
}

/// Counts signals; only touched on the signal queue.
private final class SignalCounter: @unchecked Sendable {
    // Unchecked: accessed only from the serial signal queue.
    private var count = 0
    func increment() -> Int {
        count += 1
        return count
    }
}
