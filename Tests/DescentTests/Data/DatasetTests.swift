import DescentTestSupport
import Foundation
import Testing

@testable import Descent

/// The packed label column of a ``Dataset``: one byte a row up to 256 classes, two past that,
/// read by every kernel path (full batch, a batch inside a chunk, one straddling two chunks,
/// the shuffled SGD copy) as the class the row was given.
struct DatasetTests {
    /// Softmax cross-entropy loss and gradient sums of `weights` over rows `rows`, in
    /// float64 straight from `x` and `y`.
    func reference(_ x: [[Double]], _ y: [Int], _ rows: Range<Int>, weights: [Double], classes: Int) -> [Double] {
        let d = x[0].count
        let width = d + 1
        var sums = [Double](repeating: 0, count: classes * width + 1)
        for r in rows {
            let z = (0..<classes).map { k in
                (0..<d).reduce(weights[k * width + d]) { $0 + x[r][$1] * weights[k * width + $1] }
            }
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
        let n = 2500
        let d = 2  // three chunks of 1024 rows, the last one partly filled
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
        let evaluator = GradientEvaluator<T>(
            dataset: dataset, loss: .crossEntropy, executor: executor, maximumBatchRows: n)
        func compare(_ got: [T], _ want: [Double], _ what: String) {
            let scale = want.map(abs).max()!
            let worst = zip(got, want).map { abs(Double($0) - $1) / scale }.max()!
            #expect(
                worst < tolerance, "\(T.precisionName) \(classes) classes, \(what): worst relative difference \(worst)")
        }
        func sums(_ body: (UnsafePointer<T>, UnsafeMutablePointer<T>) -> T) -> [T] {
            var gradient = [T](repeating: 0, count: classes * width)
            let loss = w.withUnsafeBufferPointer { w in
                gradient.withUnsafeMutableBufferPointer { body(w.baseAddress!, $0.baseAddress!) }
            }
            return gradient + [loss]
        }
        compare(
            sums { evaluator.fullBatch(weights: $0, gradient: $1) },
            reference(x, y, 0..<n, weights: weights, classes: classes), "full batch")
        let stored = EpochRows<T>(dataset: dataset, shuffle: false, executor: executor)
        // Positions 16 ..< 1040 lie inside chunks 0 and 1: the first piece straddles them (a copy).
        compare(
            sums { evaluator.batch(weights: $0, rows: stored, start: 16, count: 1024, parallel: true, gradient: $1) },
            reference(x, y, 16..<1040, weights: weights, classes: classes), "a batch across two chunks")
        compare(
            sums { evaluator.batch(weights: $0, rows: stored, start: 1024, count: 1000, parallel: true, gradient: $1) },
            reference(x, y, 1024..<2024, weights: weights, classes: classes), "a batch inside a chunk")
        let shuffled = EpochRows<T>(dataset: dataset, shuffle: true, executor: executor)
        shuffled.prepare(epoch: 0, seed: 5)
        compare(
            sums { evaluator.batch(weights: $0, rows: shuffled, start: 0, count: n, parallel: true, gradient: $1) },
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
