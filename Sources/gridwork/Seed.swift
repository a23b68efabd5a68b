import ArgumentParser
import GridworkStore

/// `gridwork seed --check`: prints the reconciliation table of the seed and fails on any mismatch.
struct Seed: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Inspect the generated seed.",
        discussion:
            "With --check, prints every figure of the report beside the seed's live value and exits non-zero on any mismatch."
    )

    @Flag(help: "Print the reconciliation table and exit non-zero on any mismatch.")
    var check = false

    @Option(help: "Seed of the generator (the default reproduces the shipped data).")
    var seed: UInt64 = SeedGenerator.defaultSeed

    @Option(
        help: ArgumentHelp(
            "A directory with figures.json and/or named.json to check instead of the built-in fixtures.",
            valueName: "dir"))
    var fixtures: String?

    func run() throws {
        guard check else {
            print("Nothing to do: pass --check to compare the seed with the report.")
            return
        }
        if let fixtures {
            do {
                try FixtureSource.use(directory: fixtures)
            } catch {
                print("error: \(error)")
                throw ExitCode.failure
            }
        }
        let clock = ContinuousClock()
        let started = clock.now
        let store = SeedGenerator.makeStore(seed: seed)
        let elapsed = started.duration(to: clock.now)
        let stats = store.stats()
        var mismatches = 0
        print("id    reported        live  ok  key")
        for figure in Figure.all {
            let live = stats.live(figure)
            let ok = live.map { $0 == figure.reported } ?? true
            if !ok { mismatches += 1 }
            let liveText = live.map(String.init) ?? "—"
            print(
                pad(figure.id, 4) + pad(String(figure.reported), 12, left: true) + pad(liveText, 12, left: true)
                    + (live == nil ? "  --" : ok ? "  ok" : "  NO") + "  " + figure.key
                    + (live == nil ? " (report-only)" : "")
            )
        }
        let records = ResourceKind.allCases.map { store.count($0) }.reduce(0, +)
        let backed = Figure.all.filter { !$0.reportOnly }.count
        print(
            "\(backed - mismatches) of \(Figure.all.count) figures backed and matching"
                + (mismatches > 0 ? ", \(mismatches) mismatched" : "")
                + (backed < Figure.all.count ? ", \(Figure.all.count - backed) report-only" : "")
                + "; \(records) records generated in \(elapsed.milliseconds) ms"
        )
        if mismatches > 0 { throw ExitCode.failure }
    }

    private func pad(_ text: String, _ width: Int, left: Bool = false) -> String {
        let padding = String(repeating: " ", count: max(0, width - text.count))
        return left ? padding + text : text + padding
    }
}
