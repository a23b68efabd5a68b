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
        .library(name: "GridworkStore", targets: ["GridworkStore"]),
        .library(name: "GridworkAPI", targets: ["GridworkAPI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        // Metrics through the ecosystem's API, exposed in the Prometheus text format; neither pulls in NIO.
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // zlib, for gzip response bodies.
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // epoll and eventfd, which the Glibc module does not export. Headers only.
        .systemLibrary(name: "CLinux"),
        // Bytes <-> HTTP/1.1 messages. No sockets, no threads.
        .target(
            name: "HTTP1",
            dependencies: [
                "CZlib",
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: swiftSettings
        ),
        // Sockets, event loops, connections, timeouts.
        .target(
            name: "HTTPServer",
            dependencies: [
                "HTTP1",
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
            dependencies: ["GridworkFixtures"],
            swiftSettings: swiftSettings
        ),
        // Durability: the journal with group commit, snapshots, replay.
        .target(
            name: "GridworkJournal",
            dependencies: [
                "CZlib", "GridworkStore",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The HTTP meaning of the domain: routes, handlers, problem+json.
        .target(
            name: "GridworkAPI",
            dependencies: [
                "HTTP1",
                "GridworkStore",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            resources: [.embedInCode("Dashboard/dashboard.html")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "gridwork",
            dependencies: [
                "HTTP1",
                "HTTPServer",
                "GridworkStore",
                "GridworkAPI",
                "GridworkJournal",
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
            dependencies: ["HTTP1", "GridworkStore"],
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
            name: "HTTPServerTests",
            dependencies: [
                "HTTPServer",
                "TestSupport",
                "HTTP1",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GridworkStoreTests",
            dependencies: ["GridworkStore", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GridworkJournalTests",
            dependencies: [
                "GridworkJournal", "GridworkStore", "HTTP1", "TestSupport",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GridworkAPITests",
            dependencies: [
                "GridworkAPI",
                "HTTP1",
                "TestSupport",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "HTTPServer",
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
