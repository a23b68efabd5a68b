import ArgumentParser
import CoreMetrics
import Dispatch
import Glibc
import GridworkAPI
import GridworkJournal
import GridworkStore
import HTTP1
import HTTPResponder
import HTTPServer
import HTTPTypes
import Logging
import Prometheus
import Synchronization
import TokenDigest

#if PostgreSQL
    import GridworkPostgres
#endif

/// `gridwork serve`: runs the HTTP server until SIGTERM or SIGINT.
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the API over HTTP/1.1 (the default subcommand)."
    )

    @Option(help: "Address to bind (use 0.0.0.0 to accept connections from other hosts).")
    var host = "127.0.0.1"

    @Option(help: "Port to bind; 0 picks a free port (stdout and --port-file say which).")
    var port = 8080

    @Option(
        help: ArgumentHelp(
            "Once listening, write the bound port to this file (replaced whole, never half written).",
            valueName: "path"))
    var portFile: String?

    @Option(
        help: ArgumentHelp(
            "What a new store holds: `report` (the report's records) or `empty` (no records). With --data-dir it "
                + "applies only when the directory has no snapshot or journal yet; an existing directory loads "
                + "what it holds. POST /admin/reset returns the store to this seed.",
            valueName: "report|empty"))
    var seed: SeedChoice = .report

    @Option(help: "Event-loop threads (default: one per CPU this process may use).")
    var eventLoops: Int?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical. Access lines are info.")
    var logLevel: Logger.Level = .info

    @Option(help: "Keep a journal and snapshots in this directory; without it the store lives in memory only.")
    var dataDir: String?

    @Option(
        help: ArgumentHelp(
            "Keep the log of changes in PostgreSQL (a libpq URL, e.g. postgresql://user@host/db) and share it with "
                + "every node started with the same URL: any node may write, each applies every change. A build "
                + "with the PostgreSQL trait only; not with --data-dir.",
            valueName: "url"))
    var postgres: String?

    @Option(
        help: ArgumentHelp(
            "A directory with figures.json and/or named.json to use instead of the built-in fixtures.",
            valueName: "dir"))
    var fixtures: String?

    @Option(help: "Compact (snapshot and restart the journal) once the journal reaches this many MiB.")
    var compactAfterMb = 64

    @Option(
        help: ArgumentHelp(
            "Memory for the change feed and record histories, in MiB: the newest changes that fit are kept (the "
                + "answers say when older ones were dropped). With --data-dir the journals compaction retires are "
                + "kept in DIR/history and read back on start, as many as fit.",
            valueName: "MiB"))
    var historyMb = ChangeHistory.defaultBudget >> 20

    @Option(
        help: ArgumentHelp(
            "A bearer token that may write; repeat for several. Also read from GRIDWORK_TOKENS (comma-separated).",
            valueName: "token"))
    var token: [String] = []

    @Option(
        help: ArgumentHelp(
            "A bearer token that may only read; once any is set, reads need a token too. Also GRIDWORK_READ_TOKENS.",
            valueName: "token"))
    var readToken: [String] = []

    @Option(
        help: ArgumentHelp(
            "A browser origin allowed to call the API (CORS), or `*`; repeat for several.", valueName: "origin"))
    var corsOrigin: [String] = []

    @Option(
        help: ArgumentHelp(
            "A JSON file of named principals (see `gridwork principals add`); once given, every request but the "
                + "health probes needs a token. Read again on SIGHUP.",
            valueName: "file"))
    var principals: String?

    @Option(
        help: ArgumentHelp(
            "The case clock's present (YYYY-MM-DD): deadlines, overdue cases and steps count from this day instead "
                + "of today's date in China; for data that lives in another year (the seed's present is 2014-08-06).",
            valueName: "date"))
    var today: String?

    @OptionGroup(title: "Limits")
    var limits: LimitOptions

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0…65535.") }
        if let eventLoops, !(1...256).contains(eventLoops) {
            throw ValidationError("--event-loops must be 1…256.")
        }
        if let today, CalendarDate(today).map(CalendarDate.accepted.contains) != true {
            throw ValidationError("--today must be a real date as YYYY-MM-DD, from 2000-01-01 to 2099-12-31.")
        }
        if postgres != nil && dataDir != nil {
            throw ValidationError(
                "--postgres and --data-dir are two places for the same log of changes; give one of them.")
        }
        if let postgres, postgres.isEmpty { throw ValidationError("--postgres needs a URL.") }
        guard compactAfterMb >= 1 else { throw ValidationError("--compact-after-mb must be at least 1.") }
        guard (0...1 << 20).contains(historyMb) else { throw ValidationError("--history-mb must be 0…1048576.") }
        // A list that was given but holds no token is a mistake (`GRIDWORK_TOKENS=$UNSET_VARIABLE`,
        // a stray comma), and read as "no tokens" it would leave writes, or reads, open to anyone.
        for name in ["GRIDWORK_TOKENS", "GRIDWORK_READ_TOKENS"] {
            if let tokens = Self.environmentTokens(name), tokens.isEmpty {
                throw ValidationError(
                    "\(name) is set but holds no token: give at least one (comma-separated), "
                        + "or unset it to run without tokens.")
            }
        }
        for token in token + readToken + (Self.environmentTokens("GRIDWORK_TOKENS") ?? [])
            + (Self.environmentTokens("GRIDWORK_READ_TOKENS") ?? [])
        where token.count < 16 || !token.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) {
            throw ValidationError("Tokens must be at least 16 visible ASCII characters.")
        }
    }

    func run() throws {
        let level = logLevel
        LoggingSystem.bootstrap { label in StderrLogHandler(label: label, level: level) }
        var logger = Logger(label: "gridwork")
        logger.logLevel = level

        // Signals are handled from the first moment: before the server runs, a SIGTERM or SIGINT
        // ends the process at once (nothing is open that needs closing); afterwards it drains.
        let running = Mutex<Server?>(nil)
        let signalLogger = logger
        let signals = ShutdownSignals(logger: logger) {
            guard let server = running.withLock({ $0 }) else {
                signalLogger.info("shutdown.before_start")
                Glibc.exit(0)
            }
            server.shutdown()
        }
        if let fixtures {
            do {
                let files = try FixtureSource.use(directory: fixtures)
                logger.info(
                    "fixtures.loaded", metadata: ["dir": "\(fixtures)", "files": "\(files.joined(separator: ","))"])
            } catch {
                logger.critical("fixtures.invalid", metadata: ["error": "\(error)"])
                throw ExitCode.failure
            }
        }
        // A file-size limit (RLIMIT_FSIZE) reached by the journal must fail the write with EFBIG,
        // which the journal reports and survives, not kill the process with SIGXFSZ.
        signal(SIGXFSZ, SIG_IGN)
        let idempotency = IdempotencyKeys()
        var journal: Journal?
        var sharedLog: SharedLog?
        let store: Store
        if let dataDir {
            let started = ContinuousClock.now
            do {
                let directory = try DataDirectory(dataDir)
                let loaded = try directory.load(seed: seed.records, logger: logger, historyBudget: historyMb << 20)
                store = loaded.store
                idempotency.restore(loaded.annotations, epoch: store.epoch)
                journal = try Journal(
                    directory: directory, store: store, loaded: loaded, compactAfterBytes: compactAfterMb << 20,
                    annotations: { idempotency.export() }, logger: logger)
                logger.info(
                    "store.loaded",
                    metadata: [
                        "data_dir": "\(dataDir)", "revision": "\(store.revision)",
                        "snapshot_revision": "\(loaded.snapshotRevision.map(String.init) ?? "none")",
                        "epoch": "\(store.epoch)", "replayed": "\(loaded.replayed)",
                        "journal_bytes": "\(loaded.journalBytes)",
                        "truncated_bytes": "\(loaded.truncatedBytes)",
                        "history_changes": "\(store.history.statistics.changes)",
                        "archived_changes": "\(loaded.archivedChanges)",
                        "ms": "\((ContinuousClock.now - started).milliseconds)",
                    ])
            } catch {
                logger.critical("store.load_failed", metadata: ["data_dir": "\(dataDir)", "error": "\(error)"])
                throw ExitCode.failure
            }
        } else if let postgres {
            let started = ContinuousClock.now
            do {
                let opened = try Self.openSharedLog(
                    postgres, seed: seed, historyBudget: historyMb << 20, idempotency: idempotency, logger: logger)
                store = opened.store
                sharedLog = opened.log
                idempotency.restore(opened.annotations, epoch: store.epoch)
                logger.info(
                    "store.loaded",
                    metadata: [
                        "postgres": "\(Self.redacted(postgres))", "revision": "\(store.revision)",
                        "snapshot_revision": "\(opened.snapshotRevision)", "epoch": "\(store.epoch)",
                        "replayed": "\(opened.replayed)", "history_changes": "\(store.history.statistics.changes)",
                        "ms": "\((ContinuousClock.now - started).milliseconds)",
                    ])
            } catch {
                logger.critical(
                    "store.load_failed", metadata: ["postgres": "\(Self.redacted(postgres))", "error": "\(error)"])
                throw ExitCode.failure
            }
        } else {
            store = Store(seed: seed.records(), historyBudget: historyMb << 20)
            logger.warning(
                "store.memory_only",
                metadata: ["detail": "no --data-dir: writes live in memory and are lost when the process stops"])
        }
        let writeTokens = token + (Self.environmentTokens("GRIDWORK_TOKENS") ?? [])
        let readTokens = readToken + (Self.environmentTokens("GRIDWORK_READ_TOKENS") ?? [])
        var directory: PrincipalDirectory?
        if let principals {
            do {
                directory = try PrincipalDirectory(path: principals, digest: TokenDigest.sha256Hex)
            } catch {
                logger.critical("principals.load_failed", metadata: ["error": "\(error)"])
                throw ExitCode.failure
            }
            Self.describe(directory!.principals, in: store, logger: logger)
        }
        if writeTokens.isEmpty && readTokens.isEmpty && directory == nil {
            logger.warning(
                "access.open", metadata: ["detail": "no --token and no --principals: anyone who can connect may write"])
        }
        let reloadLogger = logger
        let reloads = directory.map { directory in
            PrincipalReloads(directory: directory, logger: reloadLogger) {
                Self.describe($0, in: store, logger: reloadLogger)
            }
        }
        // Every metric of the process, ours and any library's, goes to one Prometheus registry,
        // which `/metrics` renders. To use another backend, bootstrap its factory instead and
        // give the API `MetricsCollector(factory:registry: nil)`.
        let registry = PrometheusCollectorRegistry()
        let metricsFactory = MetricsCollector.prometheusFactory(registry: registry)
        MetricsSystem.bootstrap(metricsFactory)
        let metrics = MetricsCollector(factory: metricsFactory, registry: registry)
        let caseClock = today.flatMap(CalendarDate.init).map(CaseClock.fixed) ?? .system
        logger.info(
            "cases.clock",
            metadata: ["today": "\(caseClock.today.text)", "fixed": "\(today != nil)"])
        // The server is made after the responder that reports on it (`running`, above).
        let configuration = APIConfiguration(
            access: AccessPolicy(
                writeTokens: writeTokens, readTokens: readTokens, corsOrigins: corsOrigin, principals: directory),
            durability: journal.map(JournalDurability.init) ?? sharedLog.map(SharedLogDurability.init),
            idempotency: idempotency,
            serverGauges: {
                guard let server = running.withLock({ $0 }) else {
                    return ServerGauges(openConnections: 0, bytesReceived: 0, bytesSent: 0)
                }
                let bytes = server.bytesTransferred
                return ServerGauges(
                    openConnections: server.openConnections, bytesReceived: bytes.received, bytesSent: bytes.sent)
            },
            reset: StoreReset(seed: seed.records, durable: journal.map(Self.durableReset)),
            metrics: metrics,
            caseClock: caseClock)
        let sweeper = CaseSweeper(
            store: store, clock: caseClock, durability: configuration.durability, logger: logger)
        sweeper.start()
        let responder = makeResponder(store: store, configuration: configuration, logger: logger)
        let server = Server(
            configuration: ServerConfiguration(
                host: host,
                port: port,
                eventLoops: eventLoops,
                messageLimits: limits.messageLimits,
                connectionPolicy: limits.connectionPolicy,
                drainTimeout: .milliseconds(Int(limits.drainTimeout * 1000)),
                observer: MetricsObserver(metrics: metrics),
                // Access lines are `info`: buffered per event loop, then to stderr with the other lines.
                accessLog: level <= .info ? AccessLogConfiguration(sink: FileDescriptorAccessLog()) : nil
            ),
            responder: responder,
            logger: logger
        )
        // From here a signal calls `shutdown()`; one that comes while the server is starting takes
        // effect as soon as it has started.
        running.withLock { $0 = server }
        do {
            try server.start()
        } catch {
            logger.critical("server.start_failed", metadata: ["error": "\(error)"])
            throw ExitCode.failure
        }
        // A harness that cannot learn the port cannot use the server: stop rather than serve unseen.
        var announced = true
        do {
            try ListeningAnnouncement.announce(host: host, port: server.port, portFile: portFile)
        } catch {
            logger.critical("server.port_file_failed", metadata: ["error": "\(error)"])
            announced = false
            server.shutdown()
        }
        server.wait()
        journal?.close()
        sharedLog?.close()
        withExtendedLifetime((signals, reloads, sweeper)) {}
        if !announced { throw ExitCode.failure }
    }

    /// Logs how many principals there are, by role, and warns of towns, grids and cadres they name
    /// that the store does not hold (a typo, or a record deleted since).
    static func describe(_ principals: [Principal], in store: Store, logger: Logger) {
        var byRole: [String: Int] = [:]
        for principal in principals { byRole[principal.role.rawValue, default: 0] += 1 }
        logger.notice(
            "principals.loaded",
            metadata: [
                "count": "\(principals.count)",
                "roles": "\(byRole.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","))",
            ])
        for principal in principals {
            let missing =
                principal.towns.filter { store.record(.towns, id: $0) == nil }.map { "town \($0)" }
                + principal.grids.filter { store.record(.grids, id: $0) == nil }.map { "grid \($0)" }
                + [principal.cadreId].compactMap { $0 }.filter { store.record(.cadres, id: $0) == nil }
                .map { "cadre \($0)" }
            if !missing.isEmpty {
                logger.warning(
                    "principals.unknown_ids",
                    metadata: ["principal": "\(principal.id)", "missing": "\(missing.joined(separator: ", "))"])
            }
        }
    }

    /// The shared log in PostgreSQL at `url`, loaded and running.
    static func openSharedLog(
        _ url: String, seed: SeedChoice, historyBudget: Int, idempotency: IdempotencyKeys, logger: Logger
    ) throws(JournalError) -> SharedLog.Opened {
        #if PostgreSQL
            return try SharedLog.open(
                connect: { () throws(LogDatabaseError) -> any LogDatabase in try PostgresLogDatabase(url: url) },
                seed: seed.records, historyBudget: historyBudget, annotations: { idempotency.export() },
                applied: { annotations, epoch in idempotency.restore(annotations, epoch: epoch) }, logger: logger)
        #else
            throw JournalError(
                "This gridwork was built without PostgreSQL. Build it with `swift build -c release --traits PostgreSQL` "
                    + "(it needs libpq: Debian's libpq-dev).")
        #endif
    }

    /// `url` without its password, for logs.
    static func redacted(_ url: String) -> String {
        if url.contains("password=") { return "(a conninfo string with a password)" }
        let bytes = Array(url.utf8)
        guard let scheme = (0..<max(0, bytes.count - 2)).first(where: { bytes[$0..<$0 + 3].elementsEqual("://".utf8) }),
            let at = bytes.lastIndex(of: UInt8(ascii: "@")), at > scheme,
            let colon = bytes[(scheme + 3)..<at].firstIndex(of: UInt8(ascii: ":"))
        else { return url }
        return String(decoding: bytes[..<(colon + 1)], as: UTF8.self) + "***"
            + String(decoding: bytes[at...], as: UTF8.self)
    }

    /// `POST /admin/reset` with a journal: the journal's writer puts the seed in place durably.
    static func durableReset(_ journal: Journal) -> StoreReset.Durable {
        { contents, epoch, done in
            journal.reset(to: contents, epoch: epoch) { outcome in
                switch outcome {
                case .success(let revision): done(revision, nil)
                case .failure(let failure): done(nil, failure.description)
                }
            }
        }
    }

    /// The comma-separated tokens in the environment variable `name`, blank entries skipped;
    /// nil when the variable is not set.
    static func environmentTokens(_ name: String) -> [String]? {
        guard let value = getenv(name) else { return nil }
        return String(cString: value).split(separator: ",").map { String($0.trimmingSpacesAndTabs()) }.filter {
            !$0.isEmpty
        }
    }
}

/// The journal, as the API sees it.
struct JournalDurability: WriteDurability {
    let journal: Journal

    func whenDurable(_ revision: Int, _ settled: @escaping @Sendable (_ failure: String?) -> Void) {
        journal.whenDurable(revision, settled)
    }
    var failure: String? { journal.failure }
    func requestCompaction() -> Bool { journal.requestCompaction() }
    var statistics: (bytes: Int, changes: Int, syncs: Int, failed: Bool) {
        let counters = journal.counters
        return (counters.bytes, counters.changes, counters.syncs, counters.failed)
    }
}

/// The shared change log, as the API sees it: it runs every write (`sequencer`), and answers
/// once the write's batch is in the database, so a write is never waited on by revision.
struct SharedLogDurability: WriteDurability {
    let log: SharedLog

    func whenDurable(_ revision: Int, _ settled: @escaping @Sendable (_ failure: String?) -> Void) {
        settled(log.store.revision >= revision ? nil : log.failure)
    }
    var failure: String? { log.failure }
    func requestCompaction() -> Bool { log.requestSnapshot() }
    var statistics: (bytes: Int, changes: Int, syncs: Int, failed: Bool) {
        let counters = log.counters
        return (counters.bytes, counters.changes, counters.appends, failure != nil)
    }
    var sequencer: (any WriteSequencer)? { log }
    var staleness: Double? { log.staleness }
    func refusal(_ reason: String) -> APIError { .logUnavailable(reason) }
    var sharedLogStatistics: (conflicts: Int, applied: Int)? {
        let counters = log.counters
        return (counters.conflicts, counters.applied)
    }
}

/// The server's responses, its own refusals included, counted by the API's metrics.
struct MetricsObserver: ResponseObserver {
    let metrics: MetricsCollector

    func responded(_ response: SentResponse) {
        metrics.responded(
            method: response.method?.rawValue, path: response.path, route: response.route,
            status: response.status.code, duration: response.duration)
    }
}

/// Every protocol and connection limit, as flags.
struct LimitOptions: ParsableArguments {
    @Option(help: "Longest request line in bytes (past it: 414).")
    var maxRequestLineBytes = MessageLimits().maxRequestLineBytes

    @Option(help: "Largest header section in bytes (past it: 431).")
    var maxHeaderBytes = MessageLimits().maxHeaderBytes

    @Option(help: "Most header fields per request (past it: 431).")
    var maxHeaderCount = MessageLimits().maxHeaderCount

    @Option(help: "Largest request body in bytes (past it: 413).")
    var maxBodyBytes = MessageLimits().maxBodyBytes

    @Option(help: "Seconds to receive a request head once it has begun (past it: 408).")
    var headerTimeout = 10.0

    @Option(help: "Seconds to receive a request body once its head has arrived (past it: 408).")
    var bodyTimeout = 30.0

    @Option(help: "Seconds an idle keep-alive connection stays open.")
    var idleTimeout = 60.0

    @Option(help: "Seconds a response may wait on a client that does not read.")
    var writeTimeout = 30.0

    @Option(help: "Most open connections (past it: 503 and close).")
    var maxConnections = ConnectionPolicy().maxConnections

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

    var messageLimits: MessageLimits {
        var limits = MessageLimits()
        limits.maxRequestLineBytes = maxRequestLineBytes
        limits.maxHeaderBytes = maxHeaderBytes
        limits.maxHeaderCount = maxHeaderCount
        limits.maxBodyBytes = maxBodyBytes
        return limits
    }

    var connectionPolicy: ConnectionPolicy {
        var policy = ConnectionPolicy()
        policy.headerTimeout = .milliseconds(Int(headerTimeout * 1000))
        policy.bodyTimeout = .milliseconds(Int(bodyTimeout * 1000))
        policy.idleTimeout = .milliseconds(Int(idleTimeout * 1000))
        policy.writeTimeout = .milliseconds(Int(writeTimeout * 1000))
        policy.maxConnections = maxConnections
        return policy
    }
}
