// swift-tools-version: 6.1
// Benchmark peers for ESock. A separate package so that library users never
// pull SwiftNIO: nothing here is a dependency of the ESock library.
import PackageDescription

let package = Package(
    name: "ESockBenchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(name: "ESock", path: ".."),
        .package(url: "https://github.com/ordo-one/package-benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
    ],
    targets: [
        .executableTarget(
            name: "nio-echo",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Sources/nio-echo"
        ),
        // Open/close churn with the socket registry on and off.
        .executableTarget(
            name: "registry-churn",
            dependencies: [
                .product(name: "ESock", package: "ESock"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/registry-churn"
        ),
        // In-process microbenchmarks of the hot paths, with malloc counts
        // (`swift package --package-path Benchmarks benchmark`).
        .executableTarget(
            name: "ESockHotPaths",
            dependencies: [
                .product(name: "ESock", package: "ESock"),
                .product(name: "Benchmark", package: "package-benchmark"),
            ],
            path: "Benchmarks/ESockHotPaths",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        ),
    ]
)
