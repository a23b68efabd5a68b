// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "gridwork",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "gridwork", targets: ["gridwork"]),
        // For the fuzz package under Fuzz/, which builds these with sanitizers.
        .library(name: "HTTP1", targets: ["HTTP1"]),
        .library(name: "HTTPResponder", targets: ["HTTPResponder"]),
        .library(name: "JSON", targets: ["JSON"]),
        .library(name: "GridworkStore", targets: ["GridworkStore"]),
        .library(name: "GridworkAPI", targets: ["GridworkAPI"]),
    ],
    traits: [
        .trait(
            name: "PostgreSQL",
            description: "The PostgreSQL change log (serve --postgres) over libpq; needs libpq-dev to build."
        )
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        // Metrics through the ecosystem's API, exposed in the Prometheus text format; neither pulls in NIO.
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // SHA-256 of principals' tokens (the Crypto module builds without NIO).
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
    ],
    targets: [
        // zlib, for gzip response bodies.
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // libpq, PostgreSQL's client library. Only PostgresClient imports it, and only with the PostgreSQL
        // trait, so a default build neither reads its header nor links it.
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        // epoll, eventfd and thread names, which the Glibc module does not export. Headers only.
        .systemLibrary(name: "CLinux"),
        // JSON text: a strict parser, a writer with the one string escaper. No domain.
        .target(name: "JSON", swiftSettings: swiftSettings),
        // Named POSIX threads for work that blocks for its life (event loops, the journal's writer).
        .target(name: "SystemThreads", dependencies: ["CLinux"], swiftSettings: swiftSettings),
        // Bytes <-> HTTP/1.1 messages: the request parser and the response serializer. No
        // sockets, no threads, no policy.
        .target(
            name: "HTTP1",
            dependencies: [
                .product(name: "HTTPTypes", package: "swift-http-types")
            ],
            swiftSettings: swiftSettings
        ),
        // The contract between server and application (Responder, Response, gates, streams) and
        // the middleware every response passes (compression, problem+json).
        .target(
            name: "HTTPResponder",
            dependencies: [
                "HTTP1", "CZlib", "JSON",
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: swiftSettings
        ),
        // Sockets, event loops, connections, and the connection policy (timeouts, caps).
        .target(
            name: "HTTPServer",
            dependencies: [
                "HTTP1",
                "HTTPResponder",
                "SystemThreads",
                "CLinux",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The report's figures and named records, embedded in the binary.
        .target(
            name: "GridworkFixtures",
            path: "Fixtures",
            exclude: ["README.md"],
            resources: [.embedInCode("figures.json"), .embedInCode("named.json")],
            swiftSettings: swiftSettings
        ),
        // The domain: records, store, aggregates, journal, seed.
        .target(
            name: "GridworkStore",
            dependencies: ["GridworkFixtures", "JSON"],
            swiftSettings: swiftSettings
        ),
        // Durability: the journal with group commit, snapshots, replay.
        .target(
            name: "GridworkJournal",
            dependencies: [
                "CZlib", "GridworkStore", "JSON", "SystemThreads",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // A small synchronous libpq client: connect, execute, LISTEN/NOTIFY. Empty without the
        // PostgreSQL trait.
        .target(
            name: "PostgresClient",
            dependencies: [.target(name: "CLibPQ", condition: .when(traits: ["PostgreSQL"]))],
            swiftSettings: swiftSettings
        ),
        // The change log kept in PostgreSQL (serve --postgres). Empty without the PostgreSQL trait.
        .target(
            name: "GridworkPostgres",
            dependencies: [
                "PostgresClient", "GridworkJournal", "GridworkStore", "JSON",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The HTTP meaning of the domain: routes, handlers, problem+json.
        .target(
            name: "GridworkAPI",
            dependencies: [
                "HTTP1",
                "HTTPResponder",
                "JSON",
                "GridworkStore",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            resources: [.embedInCode("Dashboard/dashboard.html")],
            swiftSettings: swiftSettings
        ),
        // The digest principals' tokens are found by (SHA-256, swift-crypto); the executable hands it
        // to the API.
        .target(
            name: "TokenDigest",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "gridwork",
            dependencies: [
                "TokenDigest",
                "HTTP1",
                "HTTPResponder",
                "HTTPServer",
                "GridworkStore",
                "GridworkAPI",
                "GridworkJournal",
                .target(name: "GridworkPostgres", condition: .when(traits: ["PostgreSQL"])),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        // Shared by the tests: a raw-socket client, child processes, and an independent recount of /stats.
        .target(
            name: "TestSupport",
            dependencies: ["HTTP1", "HTTPResponder", "GridworkStore", "JSON"],
            path: "Tests/TestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HTTP1Tests",
            dependencies: [
                "HTTP1",
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HTTPResponderTests",
            dependencies: [
                "HTTPResponder",
                "HTTP1",
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HTTPServerTests",
            dependencies: [
                "HTTPServer",
                "HTTPResponder",
                "TestSupport",
                "HTTP1",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GridworkStoreTests",
            dependencies: ["GridworkStore", "JSON", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SeedPlausibilityTests",
            dependencies: ["GridworkStore"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GridworkJournalTests",
            dependencies: [
                "GridworkJournal", "GridworkStore", "HTTP1", "HTTPResponder", "JSON", "TestSupport",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GridworkAPITests",
            dependencies: [
                "GridworkAPI",
                "TokenDigest",
                "HTTP1",
                "HTTPResponder",
                "JSON",
                "TestSupport",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Runs only against a live server: GRIDWORK_TEST_POSTGRES_URL (see scripts/postgres-cluster.sh).
        .testTarget(
            name: "PostgresClientTests",
            dependencies: ["PostgresClient"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "HTTPServer",
                "HTTPResponder",
                "JSON",
                "GridworkStore",
                "TestSupport",
                "HTTP1",
                "GridworkAPI",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
