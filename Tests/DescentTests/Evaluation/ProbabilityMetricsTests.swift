import DescentTestSupport
import Foundation
import Testing

@testable import Descent

/// The test log loss and ROC AUC: the AUC against hand-counted cases and a brute-force count
/// of every pair (ties half), the log loss against -log p of the prediction path's own
/// probabilities, and both the same bits for every thread count.
struct ProbabilityMetricsTests {
    func auc(_ p: [Double], _ y: [Int32], classes: Int = 2) -> Double? {
        p.withUnsafeBufferPointer { p in
            y.withUnsafeBufferPointer { ProbabilityMetrics.rocAUC(probabilities: p, labels: $0, classCount: classes) }
        }
    }

    /// Every (positive, negative) pair: 1 when the positive scores higher, 1/2 when tied.
    func bruteForce(_ score: [Double], _ positive: [Bool]) -> Double {
        var pairs = 0.0
        var count = 0.0
        for i in score.indices where positive[i] {
            for j in score.indices where !positive[j] {
                count += 1
                pairs += score[i] > score[j] ? 1 : score[i] == score[j] ? 0.5 : 0
            }
        }
        return pairs / count
    }

    /// Binary rows as the prediction path lays them out: (1 - p, p) a row.
    func binary(_ p: [Double]) -> [Double] { p.flatMap { [1 - $0, $0] } }

    @Test func handCountedBinaryCases() {
        // Perfect ranking, reversed ranking, all tied.
        #expect(auc(binary([0.1, 0.2, 0.8, 0.9]), [0, 0, 1, 1]) == 1)
        #expect(auc(binary([0.9, 0.8, 0.2, 0.1]), [0, 0, 1, 1]) == 0)
        #expect(auc(binary([0.5, 0.5, 0.5, 0.5]), [0, 1, 0, 1]) == 0.5)
        // Positives at 0.4 and 0.7, negatives at 0.4, 0.6 and 0.1 (given out of order):
        // 0.7 beats all 3; 0.4 beats 0.1 and ties 0.4: (3 + 1.5) / 6 = 0.75.
        #expect(auc(binary([0.6, 0.4, 0.1, 0.7, 0.4]), [0, 1, 0, 1, 0]) == 0.75)
        // One class only: no AUC (scikit-learn raises).
        #expect(auc(binary([0.1, 0.9]), [1, 1]) == nil)
        #expect(auc(binary([0.1, 0.9]), [0, 0]) == nil)
        // A NaN probability: no AUC rather than a wrong one.
        #expect(auc(binary([0.1, .nan, 0.3]), [0, 1, 1]) == nil)
        // -0 and +0 are the same probability: a tie, not an order.
        #expect(auc([1, -0.0, 1, 0.0], [1, 0]) == 0.5)
    }

    /// Random probabilities on a coarse grid (many ties) and on a fine one, binary and
    /// 4-class, against the brute-force pair count.
    @Test(arguments: [UInt64(1), 2, 3, 4, 5])
    func agreesWithEveryPairCounted(seed: UInt64) {
        var random = SplitMix64(state: seed)
        for (rows, grid) in [(50, 4.0), (300, 20.0), (999, 1e9)] {
            let y2 = (0..<rows).map { _ in Int32.random(in: 0...1, using: &random) }
            let p2 = (0..<rows).map { _ in (Double.random(in: 0...1, using: &random) * grid).rounded() / grid }
            let expected = bruteForce(p2, y2.map { $0 == 1 })
            let got = auc(binary(p2), y2)
            #expect(
                got.map { abs($0 - expected) <= 1e-15 } == true,
                "seed \(seed), \(rows) rows: \(got as Any) vs \(expected)")
            // Four classes: the mean of each column against the rest.
            let y4 = (0..<rows).map { Int32($0 % 4) }.shuffled(using: &random)
            let p4 = (0..<rows * 4).map { _ in (Double.random(in: 0...1, using: &random) * grid).rounded() / grid }
            let each = (0..<4).map { c in bruteForce((0..<rows).map { p4[$0 * 4 + c] }, y4.map { $0 == Int32(c) }) }
            let macro = each.reduce(0, +) / 4
            let got4 = auc(p4, y4, classes: 4)
            #expect(
                got4.map { abs($0 - macro) <= 1e-15 } == true, "seed \(seed), 4 classes: \(got4 as Any) vs \(macro)")
        }
    }

    @Test func aClassWithoutTestRowsHasNoMacroAUC() {
        #expect(auc([0.2, 0.3, 0.5, 0.6, 0.3, 0.1, 0.1, 0.1, 0.8], [0, 1, 1], classes: 3) == nil)
    }

    @Test(arguments: [UInt64(7), 8])
    func radixSortSorts(seed: UInt64) {
        var random = SplitMix64(state: seed)
        for n in [0, 1, 2, 1000, 70_000] {
            // Keys that differ only in low bits, only in high bits, and anywhere.
            for mask in [UInt64(0xFFFF), 0xFFFF_0000_0000_0000, .max] {
                var keys = (0..<n).map { _ in random.next() & mask }
                var scratch: [UInt64] = []
                let expected = keys.sorted()
                RadixSort.sort(&keys, scratch: &scratch)
                #expect(keys == expected, "seed \(seed), \(n) keys, mask \(mask)")
            }
        }
    }

    /// Trains a softmax model and a sigmoid one on blobs, then checks the log loss against
    /// -log p(true class) of the probabilities the prediction path gives, and that both
    /// figures have the same bits at 1, 2, 3 and 8 threads.
    @Test(arguments: [Loss.crossEntropy, .logLoss, .squaredError])
    func logLossIsTheMeanOfMinusLogP(loss: Loss) throws {
        let classes = loss.isBinary ? 2 : 3
        let (x, y) = blobRows(samples: 5000, features: 3, centers: classes, std: 8.0, seed: 5)
        var t = TrainingConfiguration()
        t.loss = loss
        t.solver = .lbfgs
        t.epochs = 20
        let outputs = loss.outputCount(classCount: classes)
        let trained = trainLibrary(
            makeDataset(x, y, classes: classes, as: Double.self), t, threads: 1,
            initial: [Double](repeating: 0, count: 4 * outputs))
        var first: ProbabilityMetrics?
        for threads in [1, 2, 3, 8] {
            let test = makeDataset(x, y, classes: classes, chunkRows: 1024, threads: threads, as: Double.self)
            let executor = ShardedExecutor(threads: threads)
            let figures = try #require(
                ProbabilityMetrics.of(test, weights: trained.weights, loss: loss, executor: executor))
            // Row weights do not change the test figures (they count rows, as scikit-learn's
            // metrics without sample_weight).
            let weighted = makeDataset(
                x, y, classes: classes, chunkRows: 1024, threads: threads,
                rowWeights: (0..<y.count).map { Double($0 % 4) }, as: Double.self)
            #expect(
                ProbabilityMetrics.of(weighted, weights: trained.weights, loss: loss, executor: executor) == figures,
                "\(loss): row weights changed the test figures")
            if let first {
                #expect(figures.logLoss.bitPattern == first.logLoss.bitPattern, "\(threads) threads")
                #expect(figures.rocAUC == first.rocAUC, "\(threads) threads")
                continue
            }
            first = figures
            let p = PredictionKernel.predict(
                test, weights: trained.weights, loss: loss, classCount: classes, probabilities: true,
                executor: executor
            ).probabilities
            let expected = -y.indices.map { log(p[$0 * classes + y[$0]]) }.reduce(0, +) / Double(y.count)
            #expect(abs(figures.logLoss - expected) <= 1e-9 * expected, "\(loss): \(figures.logLoss) vs \(expected)")
            #expect(figures.logLoss > 0.01, "the blobs overlap, so the loss is not ~0")
            let scores = (0..<y.count).map { p[$0 * classes + classes - 1] }
            if classes == 2 {
                #expect(figures.rocAUC == bruteForce(scores, y.map { $0 == 1 }))
            } else {
                #expect(figures.rocAUC.map { $0 > 0.5 && $0 < 1 } == true)
            }
        }
    }

    @Test func hingeModelsHaveNone() {
        let (x, y) = blobRows(samples: 100, features: 2, centers: 3)
        let test = makeDataset(x, y, classes: 3, as: Double.self)
        #expect(
            ProbabilityMetrics.of(
                test, weights: [Double](repeating: 0.1, count: 9), loss: .hinge, executor: ShardedExecutor(threads: 1))
                == nil)
    }
}
