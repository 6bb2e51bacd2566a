// swift-tools-version: 6.1
// libFuzzer targets for ESock's decoders; Scripts/fuzz.sh builds and runs them.
import PackageDescription

/// One executable per decoder; each defines `LLVMFuzzerTestOneInput` and calls the matching
/// `FuzzEntryPoints` function, so libFuzzer's `main` drives it.
let targets = ["FuzzAddress", "FuzzOption", "FuzzMessage"]

let package = Package(
    name: "ESockFuzz",
    // Named, so the product resolves whatever the checkout's folder is called.
    dependencies: [.package(name: "ESock", path: "..")],
    targets: targets.map { name in
        .executableTarget(
            name: name,
            dependencies: [.product(name: "ESock", package: "ESock")]
        )
    },
    swiftLanguageModes: [.v6]
)
