import DescentTestSupport
import Foundation
import Testing

@testable import Descent

/// L-BFGS's promise: its objective curve, step lengths and weights are the same bits for
/// every thread count and NUMA policy, in both precisions, for every smooth loss, with and
/// without the L2 penalty.
struct SolverTests {
    static let threadCounts = [1, 2, 3, 8]
    /// Fewer rows than one chunk, one chunk plus one row, and many chunks plus a remainder.
    static let rowCounts = [700, 1025, 9 * 1024 + 333]

    func run<T: KernelScalar>(
        _ loss: Loss, l2: Double, rows: Int, threads: Int, policy: NUMAPolicy = .auto, as type: T.Type
    ) -> TrainingResult<T> {
        let classes = loss.isBinary ? 2 : 3
        let (x, y) = blobRows(samples: rows, features: 3, centers: classes, std: 4.0, seed: 11)
        let dataset = makeDataset(x, y, classes: classes, threads: threads, policy: policy, as: T.self)
        var t = TrainingConfiguration()
        t.loss = loss
        t.solver = .lbfgs
        t.l2 = l2 == 0 ? nil : l2
        t.epochs = 25
        t.tolerance = 0
        return trainLibrary(
            dataset, t, threads: threads, initial: [T](repeating: 0, count: 4 * (loss.isBinary ? 1 : 3)))
    }

    func fingerprint<T: KernelScalar>(_ r: TrainingResult<T>) -> [UInt64] {
        r.history.map(\.loss.bitPattern) + r.history.map(\.learningRate.bitPattern) + bits(r.weights)
    }

    func check<T: KernelScalar>(_ type: T.Type) {
        for loss in [Loss.logLoss, .crossEntropy, .squaredError] {
            for l2 in [0.0, 0.01] {
                for rows in SolverTests.rowCounts {
                    let serial = run(loss, l2: l2, rows: rows, threads: 1, as: type)
                    #expect(serial.history.count >= 3, "\(loss) \(rows): L-BFGS made progress")
                    #expect(serial.history.allSatisfy { $0.loss.isFinite })
                    let expected = fingerprint(serial)
                    for threads in SolverTests.threadCounts.dropFirst() {
                        #expect(
                            fingerprint(run(loss, l2: l2, rows: rows, threads: threads, as: type)) == expected,
                            "\(T.precisionName) \(loss) l2 \(l2) \(rows) rows, \(threads) threads: differs from 1 thread"
                        )
                    }
                    for policy in [NUMAPolicy.off, .interleave] {
                        #expect(
                            fingerprint(run(loss, l2: l2, rows: rows, threads: 3, policy: policy, as: type))
                                == expected,
                            "\(T.precisionName) \(loss) \(rows) rows, NUMA \(policy): differs")
                    }
                }
            }
        }
    }

    /// Trains `configure`'s softmax model on 3 blobs at 1 thread and at every other count of
    /// ``threadCounts``, in `precision`, and expects the same loss curve, rates and weights.
    func expectSameBitsOverThreads(
        _ precision: Precision, features: Int, std: Double, seed: UInt64, zeroStart: Bool = false,
        check: @escaping ([Double]) -> Void = { _ in }, _ configure: (inout TrainingConfiguration) -> Void
    ) {
        var t = TrainingConfiguration()
        t.loss = .crossEntropy
        configure(&t)
        let (x, y) = blobRows(samples: 9 * 1024 + 333, features: features, centers: 3, std: std, seed: seed)
        func run<T: KernelScalar>(_ type: T.Type) {
            func train(_ threads: Int) -> [UInt64] {
                let r = trainLibrary(
                    makeDataset(x, y, classes: 3, threads: threads, as: T.self), t, threads: threads,
                    initial: zeroStart ? [T](repeating: 0, count: 3 * (features + 1)) : nil)
                check(r.weights.map { Double($0) })
                return r.history.map(\.loss.bitPattern) + r.history.map(\.learningRate.bitPattern) + bits(r.weights)
            }
            let serial = train(1)
            for threads in SolverTests.threadCounts.dropFirst() {
                #expect(train(threads) == serial, "\(T.precisionName), \(threads) threads")
            }
        }
        precision == .float64 ? run(Double.self) : run(Float.self)
    }

    /// --alpha auto's backtracking: the same bits for every thread count.
    @Test(arguments: [Precision.float64, .float32])
    func autoRateBitIdenticalAcrossThreads(_ precision: Precision) {
        expectSameBitsOverThreads(precision, features: 3, std: 4, seed: 11) { t in
            t.autoAlpha = true
            t.l2 = 0.001
            t.epochs = 12
        }
    }

    /// OWL-QN (--l1) with its orthant projections: the same bits for every thread count.
    @Test(arguments: [Precision.float64, .float32])
    func orthantWiseBitIdenticalAcrossThreads(_ precision: Precision) {
        expectSameBitsOverThreads(
            precision, features: 6, std: 6, seed: 12, zeroStart: true,
            check: { #expect($0.contains(0), "L1 zeroed some weights") }
        ) { t in
            t.solver = .lbfgs
            t.l1 = 0.05  // zeroes about half the weights
            t.tolerance = 0
            t.epochs = 20
        }
    }

    @Test func float64LBFGSBitIdenticalAcrossThreadsAndPlacement() { check(Double.self) }
    @Test func float32LBFGSBitIdenticalAcrossThreadsAndPlacement() { check(Float.self) }

    /// The objective only falls, and every recorded step is a step the line search took.
    @Test func objectiveNeverRises() {
        let r = run(.crossEntropy, l2: 0.001, rows: 2000, threads: 2, as: Double.self)
        for (a, b) in zip(r.history, r.history.dropFirst()) {
            #expect(b.loss <= a.loss, "iteration \(b.epoch): \(b.loss) after \(a.loss)")
            #expect(b.learningRate > 0)
        }
    }
}
