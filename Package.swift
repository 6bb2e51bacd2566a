// swift-tools-version: 6.1
import PackageDescription

/// `ESOCK_WARNINGS_AS_ERRORS=1` (set by Scripts/test.sh, so CI) makes this package's own
/// warnings errors. Dependencies, and builds of packages that depend on ESock, are unaffected.
let strict: [SwiftSetting] = Context.environment["ESOCK_WARNINGS_AS_ERRORS"] == "1"
    ? [.unsafeFlags(["-warnings-as-errors"])] : []

let package = Package(
    name: "ESock",
    products: [
        .library(name: "ESock", targets: ["ESock"]),
        // Conversions to and from swift-system's types; ESock itself depends on nothing of it.
        .library(name: "ESockSystem", targets: ["ESockSystem"]),
        .executable(name: "esock-stress", targets: ["esock-stress"]),
    ],
    traits: [
        // Mirrors OTP's --enable/--disable-esock-socket-registry (default on).
        .trait(name: "SocketRegistry", description: "Register every socket by default (OTP's esock-socket-registry)."),
        // Mirrors OTP's --enable-esock-rcvsndtime (default off).
        .trait(name: "RcvSndTimeo", description: "Make the socket options rcvtimeo and sndtimeo available."),
        .default(enabledTraits: ["SocketRegistry"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.1.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.1.0"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.8.1"),
        // `swift package generate-documentation` (Scripts/docs.sh); no target depends on it.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin.git", from: "1.5.0"),
        // The CLI's child processes (compare) and termination signals (serve); not ESock's.
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CURing",
            pkgConfig: "liburing",
            providers: [.apt(["liburing-dev"])]
        ),
        // Linux headers SwiftGlibc leaves out (epoll, eventfd), as SwiftNIO's CNIOLinux does.
        .systemLibrary(name: "CESockLinux"),
        .target(
            name: "ESock",
            dependencies: [
                "CURing",
                "CESockLinux",
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "ESockSystem",
            dependencies: [
                "ESock",
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "esock-stress",
            dependencies: [
                "ESock",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .testTarget(name: "ESockTests", dependencies: ["ESock"], exclude: ["Fuzz/Regressions"], swiftSettings: strict),
        // End-to-end tests of the CLI: they run the built esock-stress binary.
        .testTarget(name: "ESockStressTests", dependencies: ["ESock"], swiftSettings: strict),
        .testTarget(
            name: "ESockSystemTests",
            dependencies: ["ESockSystem", "ESock", .product(name: "SystemPackage", package: "swift-system")],
            swiftSettings: strict
        ),
    ],
    swiftLanguageModes: [.v6]
)
