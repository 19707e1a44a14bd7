import DescentTestSupport
import Foundation
import Testing

@testable import Descent

/// Sparse rows (svmlight data) keep the promise of dense ones: full-batch GD and L-BFGS give
/// the same loss curve and weights, bit for bit, for every thread count and NUMA policy, in
/// both precisions, with one partial a chunk and with chunks sharing partials.
struct SparseTests {
    static let threadCounts = [1, 2, 3, 8]

    func run<T: KernelScalar>(
        _ solver: Solver, loss: Loss, features: Int, rows: Int, threads: Int, policy: NUMAPolicy = .auto,
        as type: T.Type
    ) -> [UInt64] {
        let classes = loss.isBinary ? 2 : 3
        // Blob rows spread over `features` columns, four of them non-zero a row.
        let (dense, y) = blobRows(samples: rows, features: 4, centers: classes, std: 3, seed: 5)
        let x = dense.enumerated().map { r, v -> [(Int, Double)] in
            v.enumerated().map { k, value in ((r * 7 % (features / 4)) + k * (features / 4), value) }
        }
        let dataset = makeSparseDataset(
            entries: x, features: features, y, classes: classes, threads: threads, policy: policy, as: T.self)
        var t = TrainingConfiguration()
        t.loss = loss
        t.solver = solver
        t.l2 = 0.01
        t.epochs = solver == .lbfgs ? 12 : 5
        t.tolerance = 0
        let outputs = loss.outputCount(classCount: classes)
        let r = trainLibrary(
            dataset, t, threads: threads, initial: [T](repeating: 0, count: outputs * (features + 1)))
        #expect(r.history.count >= 3 && r.history.allSatisfy { $0.loss.isFinite })
        return r.history.map(\.loss.bitPattern) + r.history.map(\.learningRate.bitPattern) + bits(r.weights)
    }

    func check<T: KernelScalar>(_ type: T.Type) {
        // 40 features: one partial a chunk. 400 features in 8 KB of partials (as a million
        // features in the real budget of 64 MB): four or five chunks share each partial.
        for (features, rows, budget) in [(40, 3 * 1024 + 5, 64 << 20), (400, 20 * 1024 + 3, 8 << 10)] {
            for (solver, loss) in [(Solver.lbfgs, Loss.logLoss), (.lbfgs, .crossEntropy), (.gd, .hinge)] {
                SparsePartials.$budget.withValue(budget) {
                    let chunks = (rows + ChunkPlan.defaultChunkRows - 1) / ChunkPlan.defaultChunkRows
                    let stride = GradientKernel.partialStride(features: features, outputs: loss.isBinary ? 1 : 3)
                    let groups = GradientEvaluator<T>.sparseGroups(
                        chunkCount: chunks, partialBytes: stride * MemoryLayout<T>.stride)
                    #expect(
                        budget > 1 << 20 ? groups.count == chunks : groups.count * 3 < chunks,
                        "\(features) features: \(groups.count) groups of \(chunks) chunks")
                    check(solver, loss, features: features, rows: rows, as: type)
                }
            }
        }
    }

    func check<T: KernelScalar>(_ solver: Solver, _ loss: Loss, features: Int, rows: Int, as type: T.Type) {
        let serial = run(solver, loss: loss, features: features, rows: rows, threads: 1, as: type)
        for threads in SparseTests.threadCounts.dropFirst() {
            #expect(
                run(solver, loss: loss, features: features, rows: rows, threads: threads, as: type) == serial,
                "\(T.precisionName) \(solver) \(loss) \(features) features: \(threads) threads differ from 1")
        }
        for policy in [NUMAPolicy.off, .interleave] {
            #expect(
                run(solver, loss: loss, features: features, rows: rows, threads: 3, policy: policy, as: type)
                    == serial, "\(T.precisionName) \(solver) \(loss): NUMA \(policy) differs")
        }
    }

    @Test func float64BitIdenticalAcrossThreadsAndPlacement() { check(Double.self) }
    @Test func float32BitIdenticalAcrossThreadsAndPlacement() { check(Float.self) }
}
