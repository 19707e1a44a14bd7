import Foundation
import Testing
@testable import Descent
import DescentTestSupport

/// Kernel gradients against central finite differences of the kernel's own loss (float64).
struct GradientTests {
    /// Loss and gradient of `weights` over a small dataset through the full-batch evaluator.
    func evaluate(_ loss: Loss, _ dataset: Dataset<Double>, _ weights: [Double]) -> (Double, [Double]) {
        let evaluator = GradientEvaluator(dataset: dataset, loss: loss, executor: ShardedExecutor(threads: 2))
        var gradient = [Double](repeating: 0, count: weights.count)
        let value = weights.withUnsafeBufferPointer { w in
            gradient.withUnsafeMutableBufferPointer { evaluator.fullBatch(weights: w.baseAddress!, gradient: $0.baseAddress!) }
        }
        return (value, gradient)
    }

    /// Central differences with step 1e-6; tolerance 1e-6 relative to the largest component.
    /// `scale` is d(loss)/d(kernel gradient): 2 for the tutorial's squared error, whose
    /// gradient X^T[(p - y) p (1 - p)] leaves out the factor 2 of the true derivative.
    func check(_ loss: Loss, classes: Int, scale: Double) {
        let (x, y) = blobRows(samples: 1500, features: 3, centers: classes, std: 2.5, seed: 11)
        let dataset = makeDataset(x, y, classes: classes, threads: 2, as: Double.self)
        let outputs = loss.outputCount(classCount: classes)
        var weights = (0..<(outputs * 4)).map { 0.05 * Double(($0 * 7) % 11) - 0.2 }
        let (_, analytic) = evaluate(loss, dataset, weights)
        let h = 1e-6
        var worst = 0.0
        let largest = analytic.map(abs).max()!
        for i in weights.indices {
            let saved = weights[i]
            weights[i] = saved + h
            let up = evaluate(loss, dataset, weights).0
            weights[i] = saved - h
            let down = evaluate(loss, dataset, weights).0
            weights[i] = saved
            let numeric = (up - down) / (2 * h)
            worst = worse(worst, abs(numeric - scale * analytic[i]) / largest)
        }
        #expect(worst < 1e-6, "\(loss): worst relative difference \(worst)")
        #expect(largest > 1, "the check needs a gradient that is not near zero")
    }

    @Test func squaredErrorGradient() { check(.squaredError, classes: 2, scale: 2) }
    @Test func logLossGradient() { check(.logLoss, classes: 2, scale: 1) }
    @Test func softmaxCrossEntropyGradient() { check(.crossEntropy, classes: 4, scale: 1) }
    /// Hinge is piecewise linear: the difference quotient is exact away from the kinks,
    /// which a step of 1e-6 does not cross on this data.
    @Test func hingeGradient() { check(.hinge, classes: 3, scale: 1) }
}
