// swift-tools-version:6.1
// A nested package, so that package-benchmark and its allocator hooks stay out of the
// library's dependency graph (the layout swift-nio and swift-certificates use).
//
//     cd Benchmarks && swift package benchmark
import PackageDescription

let package = Package(
    name: "DescentBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Descent", path: "..", traits: ["NativeCPU"]),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "DescentBenchmarks",
            dependencies: [
                .product(name: "Descent", package: "Descent"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/DescentBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    ]
)
