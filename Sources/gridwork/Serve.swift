import ArgumentParser
import Dispatch
import Glibc
import GridworkAPI
import GridworkStore
import HTTP1
import HTTPServer
import Logging

/// `gridwork serve`: runs the HTTP server until SIGTERM or SIGINT.
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the API over HTTP/1.1 (the default subcommand)."
    )

    @Option(help: "Address to bind (use 0.0.0.0 to accept connections from other hosts).")
    var host = "127.0.0.1"

    @Option(help: "Port to bind; 0 picks a free port.")
    var port = 8080

    @Option(help: "Event-loop threads (default: one per CPU this process may use).")
    var eventLoops: Int?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical. Access lines are info.")
    var logLevel: Logger.Level = .info

    @OptionGroup(title: "Limits")
    var limits: LimitOptions

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0…65535.") }
        if let eventLoops, !(1...256).contains(eventLoops) {
            throw ValidationError("--event-loops must be 1…256.")
        }
    }

    func run() throws {
        let level = logLevel
        LoggingSystem.bootstrap { label in StderrLogHandler(label: label, level: level) }
        var logger = Logger(label: "gridwork")
        logger.logLevel = level

        let store = SeedGenerator.makeStore()
        let responder = makeResponder(store: store, logger: logger)
        let server = Server(
            configuration: ServerConfiguration(
                host: host,
                port: port,
                eventLoops: eventLoops,
                limits: limits.limits,
                drainTimeout: .milliseconds(Int(limits.drainTimeout * 1000))
            ),
            responder: responder,
            logger: logger
        )
        do {
            try server.start()
        } catch {
            logger.critical("server.start_failed", metadata: ["error": "\(error)"])
            throw ExitCode.failure
        }
        let signals = ShutdownSignals(logger: logger) { server.shutdown() }
        server.wait()
        withExtendedLifetime(signals) {}
    }
}

/// Every protocol and connection limit, as flags.
struct LimitOptions: ParsableArguments {
    @Option(help: "Longest request line in bytes (past it: 414).")
    var maxRequestLineBytes = Limits().maxRequestLineBytes

    @Option(help: "Largest header section in bytes (past it: 431).")
    var maxHeaderBytes = Limits().maxHeaderBytes

    @Option(help: "Most header fields per request (past it: 431).")
    var maxHeaderCount = Limits().maxHeaderCount

    @Option(help: "Largest request body in bytes (past it: 413).")
    var maxBodyBytes = Limits().maxBodyBytes

    @Option(help: "Seconds to receive a request head once it has begun (past it: 408).")
    var headerTimeout = 10.0

    @Option(help: "Seconds to receive a request body once its head has arrived (past it: 408).")
    var bodyTimeout = 30.0

    @Option(help: "Seconds an idle keep-alive connection stays open.")
    var idleTimeout = 60.0

    @Option(help: "Seconds a response may wait on a client that does not read.")
    var writeTimeout = 30.0

    @Option(help: "Most open connections (past it: 503 and close).")
    var maxConnections = Limits().maxConnections

    @Option(help: "Seconds shutdown waits for in-flight requests.")
    var drainTimeout = 10.0

    func validate() throws {
        for (name, value) in [
            ("--max-request-line-bytes", maxRequestLineBytes), ("--max-header-bytes", maxHeaderBytes),
            ("--max-header-count", maxHeaderCount), ("--max-connections", maxConnections),
        ] where value < 1 {
            throw ValidationError("\(name) must be at least 1.")
        }
        guard maxBodyBytes >= 0 else { throw ValidationError("--max-body-bytes must not be negative.") }
        for (name, value) in [
            ("--header-timeout", headerTimeout), ("--body-timeout", bodyTimeout), ("--idle-timeout", idleTimeout),
            ("--write-timeout", writeTimeout), ("--drain-timeout", drainTimeout),
        ] where !(value > 0 && value <= 86_400) {
            throw ValidationError("\(name) must be between 0 and 86400 seconds.")
        }
    }

    var limits: Limits {
        var limits = Limits()
        limits.maxRequestLineBytes = maxRequestLineBytes
        limits.maxHeaderBytes = maxHeaderBytes
        limits.maxHeaderCount = maxHeaderCount
        limits.maxBodyBytes = maxBodyBytes
        limits.headerTimeout = .milliseconds(Int(headerTimeout * 1000))
        limits.bodyTimeout = .milliseconds(Int(bodyTimeout * 1000))
        limits.idleTimeout = .milliseconds(Int(idleTimeout * 1000))
        limits.writeTimeout = .milliseconds(Int(writeTimeout * 1000))
        limits.maxConnections = maxConnections
        return limits
    }
}
