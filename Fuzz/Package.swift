// swift-tools-version:6.1
import PackageDescription

// A libFuzzer target for `RequestParser`. Build it with `Fuzz/run.sh`, which passes
// `-sanitize=fuzzer,address` and `-parse-as-library` to every module of the graph.
let package = Package(
    name: "gridwork-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "gridwork", path: ".."),
        // Same package (and version range) the main package uses; named here so the harness
        // can import HTTPTypes explicitly.
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
    ],
    targets: [
        // Declares `LLVMFuzzerRunDriver`; headers only.
        .systemLibrary(name: "CLibFuzzer"),
        .executableTarget(
            name: "ParserFuzzer",
            dependencies: [
                "CLibFuzzer",
                .product(name: "HTTP1", package: "gridwork"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ]
)
