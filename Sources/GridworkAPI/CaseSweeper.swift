public import Dispatch
public import GridworkStore
public import Logging
import Synchronization

/// Keeps cases current with the clock while nobody touches them: once a case's deadline has
/// passed, it becomes `overdue` and gets its automatic reminder (催办) step, through a write of
/// its own by `system` — so `overdue`, the case's ETag and `/stats.cases` change with a revision,
/// as every change does, and are never a function of the hour they are read at. Every write to a
/// case settles that case too; the sweeper catches the rest, at start and whenever the day turns.
///
/// Unchecked Sendable: every stored property is immutable and Sendable but the timer, and a
/// dispatch source may be scheduled, activated and cancelled from any thread.
public final class CaseSweeper: @unchecked Sendable {
    private let store: Store
    private let clock: CaseClock
    private let durability: (any WriteDurability)?
    private let logger: Logger
    private let timer: any DispatchSourceTimer

    /// A sweeper over `store`; call `start()` to run it.
    public init(store: Store, clock: CaseClock, durability: (any WriteDurability)? = nil, logger: Logger) {
        self.store = store
        self.clock = clock
        self.durability = durability
        self.logger = logger
        timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "gridwork.cases"))
        // Active from the start, firing never until `start` schedules it: releasing a source that
        // was never activated traps, so a sweeper that is never started must not hold one.
        timer.activate()
    }

    /// Sweeps now, then every `interval` (a minute by default: the day turns once a day, and a
    /// sweep that finds every case current changes nothing).
    public func start(interval: DispatchTimeInterval = .seconds(60)) {
        timer.setEventHandler { [self] in sweep() }
        timer.schedule(deadline: .now(), repeating: interval)
    }

    /// Brings every case up to today; returns how many changed. Nothing is written while the
    /// journal refuses writes.
    /// With a log that sequences writes (PostgreSQL), the sweep is handed to it, runs on its
    /// thread, and 0 is returned; the log line says what it changed.
    @discardableResult
    public func sweep() -> Int {
        guard durability?.failure == nil else { return 0 }
        let today = clock.today
        let store = self.store
        let logger = self.logger
        guard let sequencer = durability?.sequencer else {
            let changed = store.settleCases(today: today, at: Timestamp.now())
            Self.log(changed, today: today, logger)
            return changed
        }
        let changed = Mutex(0)
        sequencer.submit(
            SequencedWrite(
                attempt: { changed.withLock { $0 = store.settleCases(today: today, at: Timestamp.now()) } },
                committed: { Self.log(changed.withLock { $0 }, today: today, logger) }))
        return 0
    }

    private static func log(_ changed: Int, today: CalendarDate, _ logger: Logger) {
        if changed > 0 {
            logger.info("cases.settled", metadata: ["today": "\(today.text)", "cases": "\(changed)"])
        }
    }

    deinit {
        timer.cancel()
    }
}
