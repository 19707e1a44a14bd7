import DescentTestSupport
import Foundation
import Testing

@testable import Descent

/// The gradient kernel (``GradientKernel``): its gradients against central finite differences
/// of the kernel's own loss (float64, through the full-batch evaluator), and the per-sample
/// path against a block of one row through the batch kernel.
struct GradientKernelTests {
    /// Loss and gradient of `weights` over a small dataset through the full-batch evaluator.
    func evaluate(_ loss: Loss, _ dataset: Dataset<Double>, _ weights: [Double]) -> (Double, [Double]) {
        let evaluator = GradientEvaluator(dataset: dataset, loss: loss, executor: ShardedExecutor(threads: 2))
        var gradient = [Double](repeating: 0, count: weights.count)
        let value = weights.withUnsafeBufferPointer { w in
            gradient.withUnsafeMutableBufferPointer {
                evaluator.fullBatch(weights: w.baseAddress!, gradient: $0.baseAddress!)
            }
        }
        return (value, gradient)
    }

    /// Central differences with step 1e-6; tolerance 1e-6 relative to the largest component.
    /// `scale` is d(loss)/d(kernel gradient): 2 for the tutorial's squared error, whose
    /// gradient X^T[(p - y) p (1 - p)] leaves out the factor 2 of the true derivative.
    func checkFiniteDifferences(_ loss: Loss, classes: Int, scale: Double) {
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

    @Test func squaredErrorGradient() { checkFiniteDifferences(.squaredError, classes: 2, scale: 2) }
    @Test func logLossGradient() { checkFiniteDifferences(.logLoss, classes: 2, scale: 1) }
    @Test func softmaxCrossEntropyGradient() { checkFiniteDifferences(.crossEntropy, classes: 4, scale: 1) }

    /// Hinge is piecewise linear: the difference quotient is exact away from the kinks,
    /// which a step of 1e-6 does not cross on this data.
    @Test func hingeGradient() { checkFiniteDifferences(.hinge, classes: 3, scale: 1) }

    /// One row through the per-sample kernel against a block of that one row through the
    /// batch kernel: the same loss and gradient bits, for every loss and both precisions.
    func checkPerSamplePath<T: KernelScalar>(_ type: T.Type) {
        let rng = CounterRNG(seed: 9)
        // The classification losses: SGD, the per-sample path's one user, does not fit
        // regression targets in this version.
        for loss in Loss.allCases where !loss.isRegression {
            let features = 3
            let classes = loss.isBinary ? 2 : 4
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
                                            GradientKernel.contiguous(
                                                kind, weights: w.baseAddress!, features: features, outputs: outputs,
                                                block: b.baseAddress!, stride: stride, labels: labels.baseAddress!,
                                                labelBytes: 1, rows: 1, into: p.baseAddress!)
                                            return GradientKernel.single(
                                                kind, weights: w.baseAddress!, features: features, outputs: outputs,
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
                case .leastSquares, .huber: continue
                }
                #expect(
                    bits(gradient) == bits(Array(partial[0..<(outputs * width)])),
                    "\(loss) \(T.precisionName) trial \(trial) gradient")
                #expect(
                    bits([single]) == bits([partial[outputs * width]]), "\(loss) \(T.precisionName) trial \(trial) loss"
                )
                compared += 1
            }
            #expect(compared == 300)
        }
    }

    @Test func perSamplePathFloat64() { checkPerSamplePath(Double.self) }
    @Test func perSamplePathFloat32() { checkPerSamplePath(Float.self) }
}
