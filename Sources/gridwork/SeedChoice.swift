import ArgumentParser
import GridworkStore

/// What `serve --seed` fills a new store with, and what `POST /admin/reset` returns it to.
enum SeedChoice: String, CaseIterable, ExpressibleByArgument {
    /// The report's records: every figure of `/stats` as the report gives it.
    case report
    /// No records at all, every figure 0: for test suites that build their own data.
    case empty

    /// The records, generated afresh on each call (the same bytes every time).
    var records: @Sendable () -> [(ResourceKind, Record)] {
        switch self {
        case .report: return { SeedGenerator.generate() }
        case .empty: return { [] }
        }
    }
}
