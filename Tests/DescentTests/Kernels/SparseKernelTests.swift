import DescentTestSupport
import Testing

@testable import Descent

/// The kernels over compressed rows (``SparseKernel``) against the dense kernels on the same
/// rows: the same loss and gradient to rounding for every loss, weighted and not, and the
/// same predictions.
struct SparseKernelTests {
    /// Rows with about half their features zero (a seeded draw, printed on failure), an
    /// all-zero row and a row with only its last feature, over several chunks.
    static func rows(_ count: Int, features: Int, classes: Int, seed: UInt64) -> ([[Double]], [Int], [Double]) {
        let rng = CounterRNG(seed: seed)
        var x = (0..<count).map { r in
            (0..<features).map { j -> Double in
                let u = rng.uniform(.blobNoise, UInt64(r * features + j))
                return u < 0.5 ? 0 : (u - 0.75) * 8
            }
        }
        x[3] = [Double](repeating: 0, count: features)
        x[4] = [Double](repeating: 0, count: features - 1) + [2.5]
        let y = (0..<count).map { Int(rng.bits(.split, UInt64($0)) % UInt64(classes)) }
        let targets = (0..<count).map { x[$0].reduce(0, +) + rng.normal(.regressionNoise, UInt64($0)) }
        return (x, y, targets)
    }

    /// The largest difference between two vectors relative to the larger's largest magnitude.
    func difference(_ a: [Double], _ b: [Double]) -> Double {
        guard a.count == b.count else { return .infinity }
        let scale = max(b.map(abs).max() ?? 0, 1e-300)
        return zip(a, b).map { abs($0 - $1) / scale }.max() ?? 0
    }

    func lossAndGradient(_ dataset: Dataset<Double>, _ loss: Loss, weights: [Double], threads: Int) -> [Double] {
        let evaluator = GradientEvaluator(
            dataset: dataset, loss: loss, executor: ShardedExecutor(threads: threads), lossParameter: 1.5)
        var gradient = [Double](repeating: 0, count: evaluator.parameterCount)
        let value = weights.withUnsafeBufferPointer { w in
            gradient.withUnsafeMutableBufferPointer {
                evaluator.fullBatch(weights: w.baseAddress!, gradient: $0.baseAddress!)
            }
        }
        return gradient + [value]
    }

    @Test func sparseAndDenseGiveTheSameLossAndGradient() {
        let seed: UInt64 = 41
        let features = 7
        let cases: [(Loss, Int)] = [
            (.logLoss, 2), (.crossEntropy, 3), (.hinge, 4), (.squaredError, 2), (.leastSquares, 1), (.huber, 1),
        ]
        for (loss, classes) in cases {
            let (x, y, targets) = SparseKernelTests.rows(
                2 * 1024 + 77, features: features, classes: classes, seed: seed)
            let outputs = loss.outputCount(classCount: classes)
            let rng = CounterRNG(seed: seed + 1)
            let weights = (0..<outputs * (features + 1)).map { rng.normal(.initialWeights, UInt64($0)) * 0.3 }
            for weighted in [false, true] {
                let rowWeights = weighted ? (0..<x.count).map { Double($0 % 5) * 0.5 } : nil
                let regression = loss.isRegression
                let dense =
                    regression
                    ? makeRegressionDataset(x, targets, threads: 2, rowWeights: rowWeights, as: Double.self)
                    : makeDataset(x, y, classes: classes, threads: 2, rowWeights: rowWeights, as: Double.self)
                let sparse = makeSparseDataset(
                    x, y, targets: regression ? targets : nil, classes: classes, threads: 2, rowWeights: rowWeights,
                    as: Double.self)
                let expected = lossAndGradient(dense, loss, weights: weights, threads: 2)
                let got = lossAndGradient(sparse, loss, weights: weights, threads: 2)
                #expect(
                    difference(got, expected) <= 1e-12,
                    "\(loss), weighted \(weighted), seed \(seed): sparse \(got.suffix(3)) vs dense \(expected.suffix(3))"
                )
                #expect(got.last! != 0 && got.dropLast().contains { $0 != 0 }, "\(loss): a real loss and gradient")
                if !regression {
                    let executor = ShardedExecutor(threads: 2)
                    let probabilities = loss != .hinge
                    let a = PredictionKernel.predict(
                        dense, weights: weights, loss: loss, classCount: classes, probabilities: probabilities,
                        executor: executor)
                    let b = PredictionKernel.predict(
                        sparse, weights: weights, loss: loss, classCount: classes, probabilities: probabilities,
                        executor: executor)
                    #expect(a.classes == b.classes, "\(loss): the same classes")
                    #expect(
                        difference(b.probabilities, a.probabilities) <= 1e-12,
                        "\(loss): the same probabilities")
                    #expect(
                        ConfusionMatrix.of(sparse, weights: weights, loss: loss, executor: executor)
                            == ConfusionMatrix.of(dense, weights: weights, loss: loss, executor: executor))
                } else {
                    let executor = ShardedExecutor(threads: 2)
                    let a = PredictionKernel.predictTargets(dense, weights: weights, executor: executor)
                    let b = PredictionKernel.predictTargets(sparse, weights: weights, executor: executor)
                    #expect(difference(b.probabilities, a.probabilities) <= 1e-12, "\(loss): the same values")
                    let reports = [sparse, dense].map { RegressionReport.of($0, weights: weights, executor: executor) }
                    #expect(
                        difference(
                            [reports[0].rmse, reports[0].mae, reports[0].r2],
                            [reports[1].rmse, reports[1].mae, reports[1].r2])
                            <= 1e-12, "\(loss): the same report")
                }
            }
        }
    }

    /// A feature a row of the sparse dataset reads back through ``Dataset/feature(_:_:)``:
    /// its stored value, or 0 where the row stores none.
    @Test func featuresReadBack() {
        let (x, y, _) = SparseKernelTests.rows(1500, features: 5, classes: 2, seed: 7)
        let sparse = makeSparseDataset(x, y, threads: 3, as: Float.self)
        for r in [0, 3, 4, 1023, 1024, 1499] {
            #expect(sparse.features(ofRow: r) == x[r].map { Float($0) }, "row \(r)")
            #expect(sparse.label(r) == y[r])
        }
    }

    /// The groups of chunks that share a partial: consecutive, covering every chunk once,
    /// as many as fit the budget, and one a chunk when partials are small.
    @Test func sparseGroupsCoverTheChunks() {
        for (chunks, bytes) in [(1, 8), (20, 8), (20, 8 << 20), (7, 64 << 20), (300, 1 << 20), (5, 1 << 30)] {
            let groups = GradientEvaluator<Double>.sparseGroups(chunkCount: chunks, partialBytes: bytes)
            #expect(groups.first?.lowerBound == 0 && groups.last?.upperBound == chunks)
            #expect(zip(groups, groups.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound && !$0.isEmpty })
            let expected = max(1, min(chunks, GradientEvaluator<Double>.sparsePartialBudget / bytes))
            #expect(groups.count == expected, "\(chunks) chunks of \(bytes)-byte partials")
        }
        // Entries bound them too: a group for every two entries a scalar of the partial.
        #expect(
            GradientEvaluator<Double>.sparseGroups(chunkCount: 79, partialBytes: 800_008, entries: 6_000_000).count
                == 29)
        #expect(
            GradientEvaluator<Float>.sparseGroups(chunkCount: 79, partialBytes: 400_004, entries: 6_000_000).count == 29
        )
        #expect(GradientEvaluator<Double>.sparseGroups(chunkCount: 79, partialBytes: 800_008, entries: 1000).count == 1)
    }
}
