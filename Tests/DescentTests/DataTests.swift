import Foundation
import Testing
@testable import Descent
import DescentTestSupport

struct BlobGeneratorTests {
    /// The vector-at-a-time normals are the scalar ones, bit for bit, rejected lanes
    /// included; and a filled block holds exactly value(_:_:) and label(_:) for any rows.
    @Test func batchedNormalsAndFillsAreTheScalarBits() {
        for seed: UInt64 in [0, 3, 977] {
            let rng = CounterRNG(seed: seed)
            for (first, count) in [(0, 1), (5, 7), (1_000, 1_001), (UInt64.max / 0x2_0000, 33)] as [(UInt64, Int)] {
                var out = [Double](repeating: .nan, count: count)
                out.withUnsafeMutableBufferPointer { rng.normals(.blobNoise, count: count, index: { first &+ UInt64($0) }, into: $0.baseAddress!) }
                let same = (0..<count).allSatisfy { out[$0].bitPattern == rng.normal(.blobNoise, first &+ UInt64($0)).bitPattern }
                #expect(same, "seed \(seed) first \(first) count \(count)")
            }
        }
        let g = BlobGenerator(samples: 5_000, features: 3, centers: 4, clusterStd: 2.5, seed: 11)
        let rows = (0..<777).map { ($0 * 7_919) % 5_000 }
        var block = [Float](repeating: .nan, count: 4 * rows.count), scratch: [Double] = []
        block.withUnsafeMutableBufferPointer { b in
            g.fill(count: rows.count, row: { rows[$0] }, into: b.baseAddress!, stride: rows.count, scratch: &scratch)
        }
        let same = rows.indices.allSatisfy { i in
            (0..<3).allSatisfy { j in block[j * rows.count + i] == Float(g.value(rows[i], j)) } && block[3 * rows.count + i] == Float(g.label(rows[i]))
        }
        #expect(same)
    }

    /// Per-class means within 4 standard errors of the centers, and standard deviations
    /// within 2% of what was asked, on 200,000 rows of 3 features and 4 classes.
    @Test func blobsHaveTheRequestedMeansAndSpread() {
        let n = 200_000, d = 3, k = 4, std = 1.7
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
                #expect(abs(mean) < 4 * std / Double(counts[c]).squareRoot(), "class \(c) feature \(j) mean offset \(mean)")
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

struct SplitTests {
    @Test func permutationVisitsEveryIndexOnce() {
        for count in [1, 2, 3, 17, 1000, 4097] {
            let p = IndexPermutation(count: count, rng: CounterRNG(seed: 9), stream: .shuffle, round: 2)
            let values = (0..<count).map { p[$0] }
            #expect(Set(values).count == count)
            #expect(values.allSatisfy { $0 >= 0 && $0 < count })
        }
        let a = IndexPermutation(count: 1000, rng: CounterRNG(seed: 9), stream: .shuffle, round: 1)
        let b = IndexPermutation(count: 1000, rng: CounterRNG(seed: 9), stream: .shuffle, round: 2)
        #expect((0..<1000).map { a[$0] } != (0..<1000).map { b[$0] })
    }

    @Test func splitSizesFollowScikitLearn() {
        let split = DataSplit(count: 1001, testFraction: 0.5, seed: 1)
        #expect(split.testCount == 501)  // ceil(0.5 * 1001)
        #expect(split.trainCount == 500)
        let rows = (0..<split.testCount).map(split.testRow) + (0..<split.trainCount).map(split.trainRow)
        #expect(Set(rows).count == 1001)
        let withValidation = DataSplit(count: 1000, testFraction: 0.2, validationFraction: 0.25, seed: 1)
        #expect(withValidation.testCount == 200 && withValidation.validationCount == 200 && withValidation.trainCount == 600)
    }
}
