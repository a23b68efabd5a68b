// swift-tools-version:6.1
import PackageDescription

// The peer server for Benchmarks/run.sh: the same four workloads as Gridwork, written the way a typical
// Hummingbird 2 application is written (Codable models, JSONEncoder per response, a Mutex-guarded store).
// A separate package so that Gridwork itself never depends on Hummingbird.
let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "gridwork-benchmarks",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "gridwork-peer", targets: ["GridworkPeer"])
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
    ],
    targets: [
        .executableTarget(
            name: "GridworkPeer",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: swiftSettings
        )
    ]
)
