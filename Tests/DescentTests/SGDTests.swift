import Foundation
import Testing
@testable import Descent
import DescentTestSupport

/// The shuffled epoch copy, the per-sample path and the SGD workers.
struct EpochRowsTests {
    /// Rows whose first feature is their index, so a copy shows where each row went.
    func indexedDataset(rows n: Int, threads: Int) -> Dataset<Double> {
        let x = (0..<n).map { [Double($0), Double($0) * 0.5 - 7] }
        let y = (0..<n).map { $0 % 3 == 0 ? 1 : 0 }
        return makeDataset(x, y, threads: threads, as: Double.self)
    }

    @Test func eachEpochsCopyIsThePermutationOfTheTrainingRows() {
        let n = 30_007
        let dataset = indexedDataset(rows: n, threads: 3)
        let rows = EpochRows(dataset: dataset, shuffle: true, executor: ShardedExecutor(threads: 3))
        var orders: [[Int]] = []
        for epoch in 0..<5 {
            rows.prepare(epoch: epoch, seed: 11)
            let permutation = EpochShuffle(count: n, seed: 11, epoch: epoch).order()
            var order: [Int] = []
            for p in 0..<n {
                let v = rows.values(at: p)
                let source = Int(v[0])
                // Position p holds the permutation's row p, whole: both features and the label.
                #expect(source == permutation[p], "epoch \(epoch) position \(p)")
                #expect(v[1] == Double(source) * 0.5 - 7 && v[2] == (source % 3 == 0 ? 1 : 0))
                order.append(source)
                if source != permutation[p] { return }
            }
            let isPermutation = order.sorted() == Array(0..<n)
            #expect(isPermutation, "epoch \(epoch) is a permutation")
            orders.append(order)
        }
        // Every pair of epochs visits the rows in a different order.
        for a in 0..<orders.count {
            for b in (a + 1)..<orders.count {
                let differ = orders[a] != orders[b]
                #expect(differ, "epochs \(a) and \(b)")
            }
        }
        // Without shuffling no copy is made and positions are the stored rows.
        let stored = EpochRows(dataset: dataset, shuffle: false, executor: ShardedExecutor(threads: 1))
        stored.prepare(epoch: 3, seed: 11)
        #expect(stored.copy == nil)
        let inStoredOrder = (0..<n).allSatisfy { Int(stored.values(at: $0)[0]) == $0 }
        #expect(inStoredOrder)
    }

    @Test func theCopyDoesNotDependOnHowItIsSplit() {
        let n = 50_000
        func copy(parts: Int) -> [Double] {
            let rows = EpochRows(dataset: indexedDataset(rows: n, threads: parts), shuffle: true, executor: ShardedExecutor(threads: parts))
            rows.prepare(epoch: 2, seed: 5)
            return (0..<n).flatMap { rows.values(at: $0) }
        }
        let one = copy(parts: 1)
        // Compared as one Bool: a failing #expect on two 150,000-value arrays renders their
        // difference, which takes minutes.
        for parts in [2, 3, 7] {
            let same = copy(parts: parts) == one
            #expect(same, "\(parts) parts")
        }
    }
}

struct EpochShuffleTests {
    /// All 720 orders of 6 rows, spread over 3 buckets on average, come up equally often
    /// over 72,000 epochs: a chi-square test against the uniform distribution (719 degrees
    /// of freedom: mean 719, standard deviation 38; the bound is 6 deviations above).
    @Test func ordersAreUniform() {
        var counts: [[Int]: Int] = [:]
        for epoch in 0..<72_000 {
            counts[EpochShuffle(count: 6, seed: 4, epoch: epoch, bucketRows: 2).order(), default: 0] += 1
        }
        #expect(counts.count == 720, "every order occurs")
        let expected = 100.0
        let chiSquare = counts.values.reduce(0.0) { $0 + (Double($1) - expected) * (Double($1) - expected) / expected }
        #expect(chiSquare < 719 + 6 * 38, "chi-square \(chiSquare)")
    }

    /// Each row lands at every position equally often, with many buckets.
    @Test func positionsAreUniformWithManyBuckets() {
        let n = 40, epochs = 20_000
        var hits = [[Int]](repeating: [Int](repeating: 0, count: n), count: n)
        for epoch in 0..<epochs {
            for (position, row) in EpochShuffle(count: n, seed: 9, epoch: epoch, bucketRows: 4).order().enumerated() {
                hits[row][position] += 1
            }
        }
        let expected = Double(epochs) / Double(n)
        let chiSquare = hits.joined().reduce(0.0) { $0 + (Double($1) - expected) * (Double($1) - expected) / expected }
        // (n - 1)^2 = 1521 degrees of freedom: standard deviation 55.
        #expect(chiSquare < 1521 + 6 * 55, "chi-square \(chiSquare)")
    }
}

extension EpochShuffleTests {
    /// Every epoch draws every row's bucket afresh: between two epochs about (B - 1) / B of
    /// the rows land in another bucket's range of positions (B = 7 buckets here).
    @Test func rowsChangeBucketsBetweenEpochs() {
        let n = 50_000
        let first = EpochShuffle(count: n, seed: 2, epoch: 0), second = EpochShuffle(count: n, seed: 2, epoch: 1)
        #expect(first.bucketCount == 7)
        let moved = (0..<n).filter { first.bucket(of: $0) != second.bucket(of: $0) }.count
        let expected = Double(n) * 6 / 7
        #expect(abs(Double(moved) - expected) < 6 * (Double(n) * 6 / 49).squareRoot(), "\(moved) of \(n) rows moved")
    }
}

struct PerSamplePathTests {
    /// One row through the per-sample kernel against a block of that one row through the
    /// batch kernel: the same loss and gradient bits, for every loss and both precisions.
    func check<T: KernelScalar>(_ type: T.Type) {
        let rng = CounterRNG(seed: 9)
        for loss in Loss.allCases {
            let features = 3, classes = loss.isBinary ? 2 : 4
            let outputs = loss.outputCount(classCount: classes)
            let width = features + 1
            var compared = 0
            for trial in 0..<300 {
                let u = { (i: Int) in rng.normal(.initialWeights, UInt64(trial * 64 + i)) }
                // Scales up to 1e3 so that the exp's clamps, ties and negative zeros come up.
                let scale = [0.01, 1, 30, 1000][trial % 4]
                let weights = (0..<(outputs * width)).map { T(u($0) * scale) }
                let label = T(trial % classes)
                var row = (0..<features).map { T(u(40 + $0)) } + [label]
                if trial % 7 == 0 { row[1] = 0 }
                let stride = T.lanes
                var block = [T](repeating: 0, count: width * stride)
                for j in 0..<width { block[j * stride] = row[j] }
                // The label packed in one byte, zeros past it (as in a padded chunk).
                var labelColumn = [UInt8](repeating: 0, count: stride)
                labelColumn[0] = UInt8(trial % classes)
                var partial = [T](repeating: 0, count: outputs * width + 1)
                var gradient = [T](repeating: 0, count: outputs * width)
                let scores = UnsafeMutablePointer<T.Vector>.allocate(capacity: outputs)
                defer { scores.deallocate() }
                // Both kernels on the same row, for loss kind L.
                func both<L: LossKernel>(_ kind: L.Type) -> T {
                    weights.withUnsafeBufferPointer { w in
                        block.withUnsafeBufferPointer { b in
                            labelColumn.withUnsafeBytes { labels in
                                partial.withUnsafeMutableBufferPointer { p in
                                    gradient.withUnsafeMutableBufferPointer { g in
                                        row.withUnsafeBufferPointer { r in
                                            GradientKernel.contiguous(kind, weights: w.baseAddress!, features: features, outputs: outputs,
                                                                      block: b.baseAddress!, stride: stride, labels: labels.baseAddress!,
                                                                      labelBytes: 1, rows: 1, into: p.baseAddress!)
                                            return GradientKernel.single(kind, weights: w.baseAddress!, features: features, outputs: outputs,
                                                                         row: r.baseAddress!, featureStride: 1, label: label, scores: scores,
                                                                         gradient: g.baseAddress!)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                let single: T
                switch loss {
                case .squaredError: single = both(SquaredErrorKernel.self)
                case .logLoss: single = both(LogLossKernel.self)
                case .crossEntropy: single = both(CrossEntropyKernel.self)
                case .hinge: single = both(HingeKernel.self)
                }
                #expect(bits(gradient) == bits(Array(partial[0..<(outputs * width)])), "\(loss) \(T.precisionName) trial \(trial) gradient")
                #expect(bits([single]) == bits([partial[outputs * width]]), "\(loss) \(T.precisionName) trial \(trial) loss")
                compared += 1
            }
            #expect(compared == 300)
        }
    }

    @Test func float64() { check(Double.self) }
    @Test func float32() { check(Float.self) }
}
