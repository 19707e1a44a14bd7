import Foundation
import Testing
@testable import Descent
import DescentTestSupport

struct BlobGeneratorTests {
    /// The batched normals are the scalar ones, bit for bit, from any start (odd or even)
    /// and for any count; pairs hold deviates 2p and 2p + 1; and a filled block holds exactly
    /// value(_:_:) and label(_:) for scattered rows, with an odd and an even feature count.
    @Test func batchedNormalsAndFillsAreTheScalarBits() {
        for seed: UInt64 in [0, 3, 977] {
            let rng = CounterRNG(seed: seed)
            for (first, count) in [(0, 1), (5, 7), (1_000, 1_001), (1, 16), (2, 33), (UInt64.max / 4, 35)] as [(UInt64, Int)] {
                var out = [Double](repeating: .nan, count: count)
                out.withUnsafeMutableBufferPointer { rng.normals(.blobNoise, from: first, count: count, into: $0.baseAddress!) }
                let same = (0..<count).allSatisfy { out[$0].bitPattern == rng.normal(.blobNoise, first &+ UInt64($0)).bitPattern }
                #expect(same, "seed \(seed) first \(first) count \(count)")
            }
            let pairs: [UInt64] = [9, 0, 77, 3, 3, 1 << 40, 12, 5, 6, 1_000_003, 2]
            var out = [Double](repeating: .nan, count: 2 * pairs.count)
            out.withUnsafeMutableBufferPointer { o in pairs.withUnsafeBufferPointer { rng.normalPairs(.blobNoise, pairs: $0.baseAddress!, count: pairs.count, into: o.baseAddress!) } }
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
                g.fill(count: rows.count, rows: { i in SIMD8((0..<8).map { UInt64(rows[min(i + $0, rows.count - 1)]) }) }, into: b.baseAddress!, stride: rows.count)
            }
            let same = rows.indices.allSatisfy { i in
                (0..<features).allSatisfy { j in block[j * rows.count + i] == Float(g.value(rows[i], j)) }
                    && block[features * rows.count + i] == Float(g.label(rows[i]))
            }
            #expect(same, "\(features) features")
        }
    }

    /// `n` deviates of `seed` from deviate `first` on.
    static func deviates(seed: UInt64, first: UInt64 = 0, _ n: Int) -> [Double] {
        var z = [Double](repeating: .nan, count: n)
        z.withUnsafeMutableBufferPointer { CounterRNG(seed: seed).normals(.blobNoise, from: first, count: n, into: $0.baseAddress!) }
        return z
    }

    /// The Kolmogorov-Smirnov distance between the sample and the standard normal.
    static func ksDistance(_ sample: [Double]) -> Double {
        let sorted = sample.sorted(), n = Double(sample.count)
        var d = 0.0
        for (i, x) in sorted.enumerated() {
            let cdf = 0.5 * erfc(-x / 2.0.squareRoot())
            d = max(d, abs(cdf - Double(i) / n), abs(Double(i + 1) / n - cdf))
        }
        return d
    }

    /// The deviates are standard normal: a Kolmogorov-Smirnov test on 1 M of them (at the
    /// 0.1% level), mean and variance within 5 standard errors, both tails beyond 3 and 4
    /// standard deviations as often as the normal's, and no correlation between the two
    /// deviates of a pair, their squares (the shared radius), or neighbouring pairs.
    @Test func deviatesAreStandardNormal() {
        let n = 1 << 20
        let z = Self.deviates(seed: 42, first: 7, n)
        let ks = Self.ksDistance(z)
        #expect(ks * Double(n).squareRoot() < 1.949, "KS distance \(ks)")
        let mean = z.reduce(0, +) / Double(n)
        let variance = z.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n)
        #expect(abs(mean) < 5 / Double(n).squareRoot(), "mean \(mean)")
        #expect(abs(variance - 1) < 5 * (2 / Double(n)).squareRoot(), "variance \(variance)")
        for (limit, p) in [(3.0, 0.002_699_796), (4.0, 0.000_063_342)] {
            let expected = p * Double(n), seen = Double(z.count { abs($0) > limit })
            #expect(abs(seen - expected) < 5 * expected.squareRoot(), "beyond \(limit): \(seen), expected \(expected)")
        }
        func correlation(_ a: [Double], _ b: [Double]) -> Double {
            let ma = a.reduce(0, +) / Double(a.count), mb = b.reduce(0, +) / Double(b.count)
            var ab = 0.0, aa = 0.0, bb = 0.0
            for i in a.indices { ab += (a[i] - ma) * (b[i] - mb); aa += (a[i] - ma) * (a[i] - ma); bb += (b[i] - mb) * (b[i] - mb) }
            return ab / (aa * bb).squareRoot()
        }
        // z starts at an odd deviate: pair p's deviates are z[2p + 1] and z[2p + 2].
        let firsts = stride(from: 1, to: n - 3, by: 2).map { z[$0] }, seconds = stride(from: 2, to: n - 2, by: 2).map { z[$0] }
        let nextFirsts = stride(from: 3, to: n - 1, by: 2).map { z[$0] }
        let bound = 5 / Double(firsts.count).squareRoot()
        #expect(abs(correlation(firsts, seconds)) < bound, "within a pair")
        #expect(abs(correlation(firsts.map { $0 * $0 }, seconds.map { $0 * $0 })) < bound, "squares within a pair")
        #expect(abs(correlation(firsts, nextFirsts)) < bound, "neighbouring pairs")
        #expect(abs(correlation(seconds, nextFirsts)) < bound, "across a pair boundary")
    }

    /// Across 40 seeds, the Kolmogorov-Smirnov test at the 1% level rejects about as often
    /// as it should (at most 4 of 40: 5 or more happen with probability 0.08% for a true
    /// normal), and the seeds' sample means spread as the normal's do.
    @Test func deviatesAreNormalForEverySeed() {
        let n = 20_000
        var rejected = 0, means: [Double] = []
        for seed: UInt64 in 100..<140 {
            let z = Self.deviates(seed: seed, n)
            if Self.ksDistance(z) * Double(n).squareRoot() > 1.628 { rejected += 1 }
            means.append(z.reduce(0, +) / Double(n))
        }
        #expect(rejected <= 4, "\(rejected) of 40 seeds rejected")
        let spread = (means.reduce(0) { $0 + $1 * $1 } / Double(means.count)).squareRoot() * Double(n).squareRoot()
        #expect(spread > 0.6 && spread < 1.4, "seed means spread \(spread) standard errors")
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
            // Eight lanes walked together give the same elements; lanes past the end, the last.
            let vectorised = stride(from: 0, to: count, by: 8).allSatisfy { start in
                let lanes = p.elements(from: start)
                return (0..<8).allSatisfy { Int(lanes[$0]) == p[min(start + $0, count - 1)] }
            }
            #expect(vectorised, "\(count) elements, eight at a time")
            // And backwards: the positions of eight elements, the last's past the end.
            let inverse = stride(from: 0, to: count, by: 8).allSatisfy { start in
                let lanes = p.positions(from: start)
                return (0..<8).allSatisfy { p[Int(lanes[$0])] == min(start + $0, count - 1) && Int(lanes[$0]) == p.position(of: min(start + $0, count - 1)) }
            }
            #expect(inverse, "\(count) positions, eight at a time")
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

/// The packed label column: one byte a row up to 256 classes, two past that, read by every
/// kernel path (full batch, a batch inside a chunk, one straddling two chunks, the shuffled
/// SGD copy) as the class the row was given.
struct PackedLabelTests {
    /// Softmax cross-entropy loss and gradient sums of `weights` over rows `rows`, in
    /// float64 straight from `x` and `y`.
    func reference(_ x: [[Double]], _ y: [Int], _ rows: Range<Int>, weights: [Double], classes: Int) -> [Double] {
        let d = x[0].count, width = d + 1
        var sums = [Double](repeating: 0, count: classes * width + 1)
        for r in rows {
            let z = (0..<classes).map { k in (0..<d).reduce(weights[k * width + d]) { $0 + x[r][$1] * weights[k * width + $1] } }
            let top = z.max()!
            let e = z.map { exp($0 - top) }
            let total = e.reduce(0, +)
            for k in 0..<classes {
                let dz = e[k] / total - (y[r] == k ? 1 : 0)
                for j in 0..<d { sums[k * width + j] += dz * x[r][j] }
                sums[k * width + d] += dz
            }
            sums[classes * width] -= log(e[y[r]] / total)
        }
        return sums
    }

    func check<T: KernelScalar>(_: T.Type, classes: Int, tolerance: Double) {
        let n = 2500, d = 2  // three chunks of 1024 rows, the last one partly filled
        let x: [[Double]] = (0..<n).map { (r: Int) -> [Double] in
            (0..<d).map { (j: Int) -> Double in Double((r * 37 + j * 11) % 23) / 23 - 0.5 }
        }
        let y: [Int] = (0..<n).map { (r: Int) -> Int in (r * 7 + r / 5) % classes }
        let dataset = makeDataset(x, y, classes: classes, threads: 2, as: T.self)
        #expect(dataset.labelBytes == (classes <= 256 ? 1 : 2))
        #expect(dataset.bytesPerRow == d * MemoryLayout<T>.size + dataset.labelBytes)
        #expect((0..<n).allSatisfy { dataset.label($0) == y[$0] }, "labels read back as written")
        let width = d + 1
        let weights: [Double] = (0..<(classes * width)).map { (i: Int) -> Double in Double((i * 13) % 17) / 17 - 0.5 }
        let w: [T] = weights.map { T($0) }
        let executor = ShardedExecutor(threads: 2)
        let evaluator = GradientEvaluator<T>(dataset: dataset, loss: .crossEntropy, executor: executor, maximumBatchRows: n)
        func compare(_ got: [T], _ want: [Double], _ what: String) {
            let scale = want.map(abs).max()!
            let worst = zip(got, want).map { abs(Double($0) - $1) / scale }.max()!
            #expect(worst < tolerance, "\(T.precisionName) \(classes) classes, \(what): worst relative difference \(worst)")
        }
        func sums(_ body: (UnsafePointer<T>, UnsafeMutablePointer<T>) -> T) -> [T] {
            var gradient = [T](repeating: 0, count: classes * width)
            let loss = w.withUnsafeBufferPointer { w in gradient.withUnsafeMutableBufferPointer { body(w.baseAddress!, $0.baseAddress!) } }
            return gradient + [loss]
        }
        compare(sums { evaluator.fullBatch(weights: $0, gradient: $1) }, reference(x, y, 0..<n, weights: weights, classes: classes), "full batch")
        let stored = EpochRows<T>(dataset: dataset, shuffle: false, executor: executor)
        // Positions 16 ..< 1040 lie inside chunks 0 and 1: the first piece straddles them (a copy).
        compare(sums { evaluator.batch(weights: $0, rows: stored, start: 16, count: 1024, parallel: true, gradient: $1) },
                reference(x, y, 16..<1040, weights: weights, classes: classes), "a batch across two chunks")
        compare(sums { evaluator.batch(weights: $0, rows: stored, start: 1024, count: 1000, parallel: true, gradient: $1) },
                reference(x, y, 1024..<2024, weights: weights, classes: classes), "a batch inside a chunk")
        let shuffled = EpochRows<T>(dataset: dataset, shuffle: true, executor: executor)
        shuffled.prepare(epoch: 0, seed: 5)
        compare(sums { evaluator.batch(weights: $0, rows: shuffled, start: 0, count: n, parallel: true, gradient: $1) },
                reference(x, y, 0..<n, weights: weights, classes: classes), "the shuffled copy")
    }

    @Test func oneByteLabels() {
        check(Double.self, classes: 3, tolerance: 1e-9)
        check(Float.self, classes: 3, tolerance: 1e-3)
    }

    @Test func twoByteLabels() {
        check(Double.self, classes: 300, tolerance: 1e-9)
        check(Float.self, classes: 300, tolerance: 1e-3)
    }
}

/// The checkpoint fingerprint of a dataset: the same for every thread count that reads the
/// file, and the image 0.5.0 hashed (labels as `T`), so older checkpoints still resume.
struct FingerprintTests {
    @Test func sameForEveryThreadCountThatReadsTheFile() throws {
        // Past 64 KiB the CSV reader splits the file into one part per thread, and the label
        // tokens left beside the packed labels differ with the parts.
        var text = "x0,x1,label\n"
        for r in 0..<8000 { text += "\(r % 97),\(Double(r % 13) / 4),\(["ham", "spam", "eggs"][(r * 7 + r / 11) % 3])\n" }
        let path = temporaryFile(text)
        #expect(text.utf8.count > 65_536)
        var configuration = RunConfiguration()
        configuration.trainFile = path
        func fingerprints(_ threads: Int) throws -> [String] {
            configuration.threads = threads
            let data = try Experiment.prepare(configuration, as: Float.self)
            return [data.train.fingerprint(), data.test.fingerprint()]
        }
        let serial = try fingerprints(1)
        for threads in [2, 3] { #expect(try fingerprints(threads) == serial, "\(threads) threads") }
    }

    @Test func hashesTheLabelsAsTheyWereBeforePacking() {
        let (x, y) = blobRows(samples: 3000, features: 3, centers: 5, seed: 4)
        for threads in [1, 2] {
            let packed = makeDataset(x, y, classes: 5, threads: threads, as: Double.self)
            let unpacked = Dataset<Double>(rowCount: x.count, featureCount: 3, classCount: 5,
                                           executor: ShardedExecutor(threads: threads), packingLabels: false) { rows, block, stride in
                for (local, row) in rows.enumerated() {
                    for j in 0..<3 { block[j * stride + local] = x[row][j] }
                    block[3 * stride + local] = Double(y[row])
                }
            }
            #expect(packed.labelBytes == 1 && unpacked.labelBytes == 0)
            #expect(packed.fingerprint() == unpacked.fingerprint(), "\(threads) threads")
        }
    }
}
