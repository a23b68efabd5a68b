import ArgumentParser
import Hummingbird
import Logging

/// `gridwork-peer`: a Hummingbird 2 server answering Gridwork's four benchmark routes from captured data.
@main
struct GridworkPeer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gridwork-peer",
        abstract: "Serve /healthz, /stats and /assistance-records the way a typical Hummingbird app would.",
        discussion: """
            --data-dir holds what Benchmarks/capture.py took from a running Gridwork: stats.json, \
            assistance-records.json, cadres.json and grids.json.
            """
    )

    @Option(help: "Address to bind.")
    var host = "127.0.0.1"

    @Option(help: "Port to bind.")
    var port = 8081

    @Option(help: "Folder with the captured Gridwork data.")
    var dataDir: String

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical. Access lines are info.")
    var logLevel: Logger.Level = .info

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0…65535.") }
    }

    func run() async throws {
        var logger = Logger(label: "gridwork-peer")
        logger.logLevel = logLevel

        let data = try PeerData.load(from: dataDir)
        let store = PeerStore(data)
        let app = Application(
            router: Router.gridworkPeer(store: store),
            configuration: .init(address: .hostname(host, port: port), serverName: "gridwork-peer"),
            logger: logger
        )
        try await app.runService()
    }
}
