// swift-tools-version:6.1
import PackageDescription

// libFuzzer targets for the request parser, the JSON parser and writer, and the list query
// strings. Build and run them with `Fuzz/run.sh`, which passes `-sanitize=fuzzer,address` and
// `-parse-as-library` to every module of the graph.
let package = Package(
    name: "gridwork-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "gridwork", path: ".."),
        // Same packages (and version ranges) the main package uses; named here so the harnesses
        // can import HTTPTypes and Logging explicitly.
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // Declares `LLVMFuzzerRunDriver`; headers only.
        .systemLibrary(name: "CLibFuzzer"),
        // Handing over to libFuzzer, and escaping inputs for crash messages.
        .target(
            name: "FuzzSupport",
            dependencies: ["CLibFuzzer"],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .executableTarget(
            name: "ParserFuzzer",
            dependencies: [
                "FuzzSupport",
                .product(name: "HTTP1", package: "gridwork"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .executableTarget(
            name: "JSONFuzzer",
            dependencies: [
                "FuzzSupport",
                .product(name: "JSON", package: "gridwork"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .executableTarget(
            name: "QueryFuzzer",
            dependencies: [
                "FuzzSupport",
                .product(name: "GridworkAPI", package: "gridwork"),
                .product(name: "GridworkStore", package: "gridwork"),
                .product(name: "HTTP1", package: "gridwork"),
                .product(name: "HTTPResponder", package: "gridwork"),
                .product(name: "JSON", package: "gridwork"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ]
)
