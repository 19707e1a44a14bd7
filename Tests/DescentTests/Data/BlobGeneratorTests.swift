import DescentTestSupport
import Foundation
import Testing

@testable import Descent

/// Generated blobs (``BlobGenerator``): the batched fill against the scalar values, the
/// requested means and spread, and the same rows for every thread count.
struct BlobGeneratorTests {
    /// The batched normals are the scalar ones, bit for bit, from any start (odd or even)
    /// and for any count; pairs hold deviates 2p and 2p + 1; and a filled block holds exactly
    /// value(_:_:) and label(_:) for scattered rows, with an odd and an even feature count.
    @Test func batchedNormalsAndFillsAreTheScalarBits() {
        for seed: UInt64 in [0, 3, 977] {
            let rng = CounterRNG(seed: seed)
            for (first, count) in [(0, 1), (5, 7), (1_000, 1_001), (1, 16), (2, 33), (UInt64.max / 4, 35)]
                as [(UInt64, Int)]
            {
                var out = [Double](repeating: .nan, count: count)
                out.withUnsafeMutableBufferPointer {
                    rng.normals(.blobNoise, from: first, count: count, into: $0.baseAddress!)
                }
                let same = (0..<count).allSatisfy {
                    out[$0].bitPattern == rng.normal(.blobNoise, first &+ UInt64($0)).bitPattern
                }
                #expect(same, "seed \(seed) first \(first) count \(count)")
            }
            let pairs: [UInt64] = [9, 0, 77, 3, 3, 1 << 40, 12, 5, 6, 1_000_003, 2]
            var out = [Double](repeating: .nan, count: 2 * pairs.count)
            out.withUnsafeMutableBufferPointer { o in
                pairs.withUnsafeBufferPointer {
                    rng.normalPairs(.blobNoise, pairs: $0.baseAddress!, count: pairs.count, into: o.baseAddress!)
                }
            }
            let same = pairs.indices.allSatisfy { i in
                out[2 * i].bitPattern == rng.normal(.blobNoise, 2 * pairs[i]).bitPattern
                    && out[2 * i + 1].bitPattern == rng.normal(.blobNoise, 2 * pairs[i] + 1).bitPattern
            }
            #expect(same, "pairs, seed \(seed)")
        }
        for features in [3, 4] {
            let g = BlobGenerator(samples: 5_000, features: features, centers: 4, clusterStd: 2.5, seed: 11)
            let rows = (0..<777).map { ($0 * 7_919) % 5_000 }
            var block = [Float](repeating: .nan, count: (features + 1) * rows.count)
            block.withUnsafeMutableBufferPointer { b in
                g.fill(
                    count: rows.count, rows: { i in SIMD8((0..<8).map { UInt64(rows[min(i + $0, rows.count - 1)]) }) },
                    into: b.baseAddress!, stride: rows.count)
            }
            let same = rows.indices.allSatisfy { i in
                (0..<features).allSatisfy { j in block[j * rows.count + i] == Float(g.value(rows[i], j)) }
                    && block[features * rows.count + i] == Float(g.label(rows[i]))
            }
            #expect(same, "\(features) features")
        }
    }

    /// Per-class means within 4 standard errors of the centers, and standard deviations
    /// within 2% of what was asked, on 200,000 rows of 3 features and 4 classes.
    @Test func blobsHaveTheRequestedMeansAndSpread() {
        let n = 200_000
        let d = 3
        let k = 4
        let std = 1.7
        let g = BlobGenerator(samples: n, features: d, centers: k, clusterStd: std, seed: 5)
        var sum = [[Double]](repeating: [Double](repeating: 0, count: d), count: k)
        var squares = sum
        var counts = [Int](repeating: 0, count: k)
        for row in 0..<n {
            let c = g.label(row)
            counts[c] += 1
            for j in 0..<d {
                let v = g.value(row, j) - g.centers[c][j]
                sum[c][j] += v
                squares[c][j] += v * v
            }
        }
        #expect(counts.max()! - counts.min()! <= 1, "balanced classes: \(counts)")
        for c in 0..<k {
            for j in 0..<d {
                let mean = sum[c][j] / Double(counts[c])
                let sd = (squares[c][j] / Double(counts[c]) - mean * mean).squareRoot()
                #expect(
                    abs(mean) < 4 * std / Double(counts[c]).squareRoot(), "class \(c) feature \(j) mean offset \(mean)")
                #expect(abs(sd - std) / std < 0.02, "class \(c) feature \(j) sd \(sd)")
            }
        }
        for center in g.centers { for v in center { #expect(v >= -10 && v <= 10) } }
    }

    /// The same rows, bit for bit, whichever thread count fills the dataset.
    @Test func generatedRowsAreIdenticalForEveryThreadCount() throws {
        var configuration = RunConfiguration()
        configuration.samples = 30_001
        configuration.features = 3
        configuration.centers = 3
        func snapshot(_ threads: Int) throws -> [UInt64] {
            configuration.threads = threads
            let data = try Experiment.prepare(configuration, as: Double.self)
            var out: [UInt64] = []
            for set in [data.train, data.test] {
                for row in 0..<set.rowCount {
                    out += set.features(ofRow: row).map(\.bitPattern)
                    out.append(UInt64(set.label(row)))
                }
            }
            return out
        }
        let serial = try snapshot(1)
        for threads in [2, 3, 8] { #expect(try snapshot(threads) == serial, "\(threads) threads") }
    }

    @Test func tenMillionRowsGenerateInParallel() throws {
        // Not a timing test: checks that a large generation completes and is balanced.
        var configuration = RunConfiguration()
        configuration.samples = 1_000_000
        configuration.threads = 2
        let data = try Experiment.prepare(configuration, as: Float.self)
        #expect(data.train.rowCount + data.test.rowCount == 1_000_000)
        let counts = data.train.classCounts()
        #expect(abs(counts[0] - counts[1]) < 5_000)
    }
}
