import DescentTestSupport
import Foundation
import Testing

@testable import Descent

/// Expected weight hashes for small versions of every configuration in Configs/ (at most
/// 20,000 samples and 5 epochs), committed in GoldenHashes.json. A change to the arithmetic
/// fails here; updating the file is a deliberate commit that says why:
///
///     DESCENT_UPDATE_GOLDEN=1 swift test --filter GoldenHashTests
struct GoldenHashTests {
    static let goldenFile = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "GoldenHashes.json")

    static func smallVersion(of file: String) throws -> RunConfiguration {
        var c = RunConfiguration()
        try c.apply(jsonFile: CLI.packageRoot.appendingPathComponent("Configs").appendingPathComponent(file).path)
        c.samples = min(c.samples, 20_000)
        c.training.epochs = min(c.training.epochs, 5)
        c.threads = 3
        return c
    }

    static func hash(_ c: RunConfiguration) throws -> String {
        func run<T: KernelScalar>(_ type: T.Type) throws -> String {
            let result = try Experiment.run(c, data: try Experiment.prepare(c, as: type))
            return RunRecord(threads: 3, history: result.training.history, weights: result.training.weights).weightsHash
        }
        return c.precision == .float64 ? try run(Double.self) : try run(Float.self)
    }

    @Test func configurationsGiveTheCommittedHashes() throws {
        let files = try FileManager.default.contentsOfDirectory(
            atPath: CLI.packageRoot.appendingPathComponent("Configs").path
        )
        .filter { $0.hasSuffix(".json") }.sorted()
        var hashes: [String: String] = [:]
        for file in files {
            var c = try GoldenHashTests.smallVersion(of: file)
            hashes[file] = try GoldenHashTests.hash(c)
            c.precision = c.precision == .float64 ? .float32 : .float64
            hashes[file.replacingOccurrences(of: ".json", with: "") + "+" + c.precision.rawValue] =
                try GoldenHashTests.hash(c)
        }
        // SGD workers: K = 1, 3, 16; averaging every batch and at the default interval;
        // batch 1, 32 and 4096; momentum and Nesterov; both precisions; the uniform shuffle
        // (`full`, whose hashes are those of every version before `--shuffle blocks`) and blocks.
        for precision in Precision.allCases {
            for batch in [1, 32, 4096] {
                for workers in [1, 3, 16] {
                    for syncEvery in workers == 1 ? [nil] : [1, nil] as [Int?] {
                        for nesterov in [false, true] {
                            for shuffle in [ShuffleMode.full, .blocks] {
                                var c = RunConfiguration()
                                c.training.shuffle = shuffle
                                c.samples = batch == 4096 ? 40_000 : 3_000
                                c.training.optimizer = .sgd
                                c.training.batchSize = batch
                                c.training.workers = workers
                                c.training.syncEvery = syncEvery
                                c.training.momentum = 0.9
                                c.training.nesterov = nesterov
                                c.training.gradient = .mean
                                c.training.alpha = batch == 1 ? 0.01 : 0.1
                                c.training.epochs = 2
                                c.precision = precision
                                c.threads = 3
                                let name =
                                    "sgd b\(batch) K\(workers) S\(syncEvery.map(String.init) ?? "default")"
                                    + (nesterov ? " nesterov" : " momentum") + " " + precision.rawValue
                                    + (shuffle == .full ? "" : " " + shuffle.rawValue)
                                hashes[name] = try GoldenHashTests.hash(c)
                            }
                        }
                    }
                }
            }
        }
        if ProcessInfo.processInfo.environment["DESCENT_UPDATE_GOLDEN"] == "1" {
            let data = try JSONSerialization.data(withJSONObject: hashes, options: [.prettyPrinted, .sortedKeys])
            try data.write(to: GoldenHashTests.goldenFile)
            // Updating still checks something: the file holds what was computed, and the
            // first configuration hashes the same when run again.
            let written =
                try JSONSerialization.jsonObject(with: Data(contentsOf: GoldenHashTests.goldenFile))
                as! [String: String]
            #expect(written == hashes)
            let first = try #require(files.first)
            #expect(
                try GoldenHashTests.hash(try GoldenHashTests.smallVersion(of: first)) == hashes[first],
                "repeat run of \(first)")
            print("updated \(hashes.count) golden hashes")
            return
        }
        let golden =
            try JSONSerialization.jsonObject(with: Data(contentsOf: GoldenHashTests.goldenFile)) as! [String: String]
        #expect(Set(golden.keys) == Set(hashes.keys), "every configuration has a committed hash")
        for (name, hash) in hashes.sorted(by: { $0.key < $1.key }) {
            #expect(golden[name] == hash, "\(name): \(hash), committed \(golden[name] ?? "none")")
        }
    }
}
