import DescentTestSupport
import Testing

@testable import Descent

/// The prediction rule (``PredictionKernel``) at its boundary: a binary model predicts class 1 exactly when
/// sigmoid(z) > 0.5 (z > 0), the tutorial's `predict`; a multi-class model the first output
/// with the largest score.
struct PredictionKernelTests {
    @Test func binaryPredictionsFlipAtZeroScore() {
        // One feature, weight 1, bias 0: z = x. Points just either side of 0.
        let x: [[Double]] = [[-0.3], [-0.05], [0.05], [0.3], [-1e-9], [1e-9]]
        let y = [0, 0, 1, 1, 0, 1]
        for threads in [1, 2] {
            let dataset = makeDataset(x, y, threads: threads, as: Double.self)
            let executor = ShardedExecutor(threads: threads)
            #expect(
                ConfusionMatrix.of(dataset, weights: [1, 0], loss: .logLoss, executor: executor) == [[3, 0], [0, 3]])
            // Shifting the boundary by the bias moves exactly the points it passes.
            #expect(
                ConfusionMatrix.of(dataset, weights: [1, -0.1], loss: .logLoss, executor: executor) == [
                    [3, 0], [2, 1],
                ])
        }
        #expect(PredictionKernel.classes(of: x, weights: [1.0, 0], outputs: 1) == [0, 0, 1, 1, 0, 1])
        #expect(PredictionKernel.classes(of: [[0.05], [-0.05]], weights: [1.0, -0.1], outputs: 1) == [0, 0])
    }

    @Test func multiClassPredictsTheFirstLargestScore() {
        // Three outputs on one feature: scores (0, x, 2x - 1). Ties go to the lower class.
        let x: [[Double]] = [[-1], [0.5], [1], [2]]
        let y = [0, 1, 1, 2]
        let dataset = makeDataset(x, y, classes: 3, as: Double.self)
        // x = -1: (0, -1, -3) -> 0; x = 0.5: (0, 0.5, 0) -> 1; x = 1: (0, 1, 1) tie -> 1; x = 2: (0, 2, 3) -> 2.
        let weights: [Double] = [0, 0, 1, 0, 2, -1]
        #expect(
            ConfusionMatrix.of(dataset, weights: weights, loss: .crossEntropy, executor: ShardedExecutor(threads: 1))
                == [[1, 0, 0], [0, 2, 0], [0, 0, 1]])
        #expect(PredictionKernel.classes(of: x, weights: weights, outputs: 3) == [0, 1, 1, 2])
    }
}
