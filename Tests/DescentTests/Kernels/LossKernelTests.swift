import DescentTestSupport
import Foundation
import Testing

@testable import Descent

/// Each loss on a few rows whose loss and dLoss/dz are worked out by hand here, apart from
/// the kernels' formulas (finite differences check that a gradient fits its loss, not that
/// the loss is the one documented).
struct LossKernelTests {
    /// Applies `L` to one vector of rows: `scores[k][lane]`, labels per lane. Returns the
    /// losses and the dz per output and lane.
    func apply<L: LossKernel>(_ kind: L.Type, scores: [[Double]], labels: [Double]) -> (loss: [Double], dz: [[Double]])
    {
        let outputs = scores.count
        let buffer = UnsafeMutablePointer<SIMD8<Double>>.allocate(capacity: outputs)
        defer { buffer.deallocate() }
        for k in 0..<outputs {
            var v = SIMD8<Double>(repeating: 0)
            for (lane, s) in scores[k].enumerated() { v[lane] = s }
            buffer[k] = v
        }
        var y = SIMD8<Double>(repeating: 0)
        for (lane, label) in labels.enumerated() { y[lane] = label }
        let loss = L.apply(buffer, stride: 1, outputs: outputs, labels: y, as: Double.self)
        let n = labels.count
        return ((0..<n).map { loss[$0] }, (0..<outputs).map { k in (0..<n).map { buffer[k][$0] } })
    }

    func close(_ a: [Double], _ b: [Double], _ tolerance: Double = 1e-14) -> Bool {
        worstRelativeDifference(a, b, floor: 1) <= tolerance
    }

    @Test func hingeByHand() {
        // Row 0: label 0, scores (1, 0.5, 2): margins 0.5 and 2 -> loss 2.5, dz (-2, 1, 1).
        // Row 1: label 2, scores (0, 0, 3): margins -2, -2 -> loss 0, dz 0.
        // Row 2: label 1, scores (0.2, 0.2, 0.2): margins 1, 1 -> loss 2, dz (1, -2, 1).
        let (loss, dz) = apply(
            HingeKernel.self, scores: [[1, 0, 0.2], [0.5, 0, 0.2], [2, 3, 0.2]], labels: [0, 2, 1])
        #expect(close(loss, [2.5, 0, 2]), "\(loss)")
        #expect(close(dz[0], [-2, 0, 1]) && close(dz[1], [1, 0, -2]) && close(dz[2], [1, 0, 1]), "\(dz)")
    }

    @Test func crossEntropyByHand() {
        let scores: [[Double]] = [[1, -2], [2, 0], [0.5, 4]]  // 3 outputs, 2 rows
        let labels: [Double] = [1, 2]
        let (loss, dz) = apply(CrossEntropyKernel.self, scores: scores, labels: labels)
        for row in 0..<2 {
            let z = scores.map { $0[row] }
            let total = z.map { Foundation.exp($0) }.reduce(0, +)
            let want = Foundation.log(total) - z[Int(labels[row])]
            #expect(abs(loss[row] - want) <= 1e-14 * want, "row \(row): \(loss[row]) vs \(want)")
            for k in 0..<3 {
                let p = Foundation.exp(z[k]) / total - (k == Int(labels[row]) ? 1 : 0)
                #expect(abs(dz[k][row] - p) <= 1e-14, "row \(row) output \(k)")
            }
        }
    }

    @Test func binaryLossesByHand() {
        let z: [Double] = [-3, -0.5, 0, 0.5, 3]
        let y: [Double] = [0, 1, 1, 0, 1]
        let p = z.map { 1 / (1 + Foundation.exp(-$0)) }
        let squared = apply(SquaredErrorKernel.self, scores: [z], labels: y)
        #expect(close(squared.loss, zip(p, y).map { ($0 - $1) * ($0 - $1) }))
        #expect(close(squared.dz[0], zip(p, y).map { ($0 - $1) * $0 * (1 - $0) }))
        let log = apply(LogLossKernel.self, scores: [z], labels: y)
        #expect(
            close(log.loss, zip(p, y).map { -($1 * Foundation.log($0) + (1 - $1) * Foundation.log(1 - $0)) }, 1e-13))
        #expect(close(log.dz[0], zip(p, y).map { $0 - $1 }))
    }
}
