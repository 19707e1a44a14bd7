// swift-tools-version:6.1
import PackageDescription

// The hot loops are compiled for the host CPU by default (`-target-cpu native`), which about
// doubles SIMD throughput over the generic x86-64 target. Set DESCENT_TARGET_CPU=generic for a
// portable build (the one run inside the NUMA VM and compared bit for bit by scripts/cross-build-verify),
// or to a named LLVM CPU (for example znver4). Both builds give identical bits: the kernels
// never use fused multiply-add, so the instruction set changes speed, never results.
let targetCPU = Context.environment["DESCENT_TARGET_CPU"] ?? "native"
let cpuFlags: [SwiftSetting] = targetCPU == "generic" ? [] : [.unsafeFlags(["-target-cpu", targetCPU])]

let package = Package(
    name: "Descent",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "Descent", targets: ["Descent"]),
        .executable(name: "descent", targets: ["descent"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CNuma",
            pkgConfig: "numa",
            providers: [.apt(["libnuma-dev"])]
        ),
        .target(name: "CDescentSupport"),
        .target(
            name: "Descent",
            dependencies: ["CDescentSupport", .target(name: "CNuma", condition: .when(platforms: [.linux]))],
            swiftSettings: cpuFlags
        ),
        .executableTarget(
            name: "descent",
            dependencies: ["Descent", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: cpuFlags
        ),
        .target(name: "DescentTestSupport", dependencies: ["Descent"], path: "Tests/DescentTestSupport"),
        .testTarget(name: "DescentTests", dependencies: ["Descent", "DescentTestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "DeterminismTests", dependencies: ["Descent", "DescentTestSupport"]),
        .testTarget(name: "DescentCLITests", dependencies: ["Descent", "DescentTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
