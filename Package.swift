// swift-tools-version:6.2
import PackageDescription

// Swift 6.2 or later (the machines here have 6.3.1): the host-CPU build below relies on
// SwiftPM 6.2 accepting unsafe flags in versioned dependencies.
//
// The hot loops are compiled for the host CPU with the `NativeCPU` trait (`-target-cpu
// native`), which about doubles SIMD throughput over the generic x86-64 target. The trait is
// off by default, so a package that depends on Descent, or a binary copied to another host,
// gets the portable generic build; the README's commands turn it on
// (`swift run -c release --traits NativeCPU descent ...`). With the trait, DESCENT_TARGET_CPU
// names another LLVM CPU (for example znver4). Both builds give identical bits: the kernels
// never use fused multiply-add, so the instruction set changes speed, never results
// (scripts/cross-build-verify checks it).
let targetCPU = Context.environment["DESCENT_TARGET_CPU"] ?? "native"
let cpuFlags: [SwiftSetting] =
    targetCPU == "generic" ? [] : [.unsafeFlags(["-target-cpu", targetCPU], .when(traits: ["NativeCPU"]))]

let package = Package(
    name: "Descent",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "Descent", targets: ["Descent"]),
        .executable(name: "descent", targets: ["descent"]),
    ],
    traits: [
        .trait(
            name: "NativeCPU",
            description:
                "Compile the kernels for the build machine's CPU (-target-cpu native): about twice the SIMD throughput, same bits, but the binary may not run on an older CPU."
        ),
        .trait(
            name: "MPI",
            description:
                "Run over Open MPI ranks under mpirun (needs libopenmpi-dev): the same bits as one process for any number of ranks and threads per rank."
        ),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CNuma",
            pkgConfig: "numa",
            providers: [.apt(["libnuma-dev"])]
        ),
        // Open MPI's C API (Debian: libopenmpi-dev; pkg-config `ompi-c` is Open MPI's own name,
        // `mpi` and `mpi-c` follow Debian's alternatives). Linked only with the MPI trait.
        .systemLibrary(
            name: "CMPI",
            pkgConfig: "ompi-c",
            providers: [.apt(["libopenmpi-dev"])]
        ),
        .target(name: "CDescentSupport"),
        .target(
            name: "Descent",
            dependencies: [
                "CDescentSupport", .target(name: "CNuma", condition: .when(platforms: [.linux])),
                .target(name: "CMPI", condition: .when(traits: ["MPI"])),
            ],
            swiftSettings: cpuFlags
        ),
        // The scaling benchmark behind `descent bench`: a target of its own, so that a package
        // depending on the library does not ship it.
        .target(name: "DescentBench", dependencies: ["Descent"], swiftSettings: cpuFlags),
        .executableTarget(
            name: "descent",
            dependencies: [
                "Descent", "DescentBench", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: cpuFlags
        ),
        .target(name: "DescentTestSupport", dependencies: ["Descent"], path: "Tests/DescentTestSupport"),
        .testTarget(name: "DescentTests", dependencies: ["Descent", "DescentTestSupport"], exclude: ["Fixtures"]),
        // GoldenHashes.json is read by path (#filePath), not as a resource.
        .testTarget(
            name: "DeterminismTests", dependencies: ["Descent", "DescentTestSupport"], exclude: ["GoldenHashes.json"]),
        .testTarget(name: "DescentCLITests", dependencies: ["Descent", "DescentTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
