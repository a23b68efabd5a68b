import ArgumentParser

/// `gridwork`: the Huichuan grassroots-work record system and its HTTP API.
@main
struct Gridwork: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gridwork",
        abstract: "Record system and live data feed for Huichuan district's 2014 grassroots work.",
        subcommands: [Serve.self, Seed.self, Compact.self, Principals.self],
        defaultSubcommand: Serve.self
    )
}
