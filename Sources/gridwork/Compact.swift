import ArgumentParser
import GridworkAPI
import GridworkJournal
import GridworkStore
import Logging

/// `gridwork compact --data-dir DIR`: offline compaction of a stopped server's data directory.
struct Compact: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a snapshot of a data directory and restart its journal (the server must be stopped)."
    )

    @Option(help: "The data directory a server ran with.")
    var dataDir: String

    func run() throws {
        LoggingSystem.bootstrap { label in StderrLogHandler(label: label, level: .info) }
        let logger = Logger(label: "gridwork")
        let started = ContinuousClock.now
        do {
            let directory = try DataDirectory(dataDir)
            let keys = IdempotencyKeys()
            let result = try directory.compact(
                seed: { SeedGenerator.generate() },
                annotations: { epoch, annotations in
                    keys.restore(annotations, epoch: epoch)
                    return keys.export()
                },
                logger: logger)
            print(
                "compacted \(dataDir): revision \(result.revision), snapshot \(result.snapshotBytes) bytes, "
                    + "journal \(result.journalBytesBefore) → \(result.journalBytesAfter) bytes in \((ContinuousClock.now - started).milliseconds) ms"
            )
        } catch {
            logger.critical("compact.failed", metadata: ["data_dir": "\(dataDir)", "error": "\(error)"])
            throw ExitCode.failure
        }
    }
}
