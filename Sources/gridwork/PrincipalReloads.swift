import Dispatch
import Glibc
import GridworkAPI
import Logging

/// SIGHUP reads the principals file again. A valid file replaces every principal at once, for
/// the next request on every connection (none is dropped); an invalid one is logged and the
/// principals already loaded stay.
///
/// Concurrency: the source delivers on its own serial queue; the object only keeps it alive.
final class PrincipalReloads {
    private let source: any DispatchSourceSignal

    init(directory: PrincipalDirectory, logger: Logger, loaded: @escaping @Sendable ([Principal]) -> Void) {
        signal(SIGHUP, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: DispatchQueue(label: "gridwork.sighup"))
        source.setEventHandler {
            do {
                _ = try directory.reload()
                loaded(directory.principals)
            } catch {
                logger.error(
                    "principals.reload_failed",
                    metadata: ["error": "\(error)", "detail": "the principals loaded before stay in force"])
            }
        }
        source.resume()
    }
}
