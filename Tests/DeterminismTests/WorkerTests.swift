import DescentTestSupport
import Foundation
import Testing

@testable import Descent

/// SGD with K logical workers: the same bits for every thread count, K = 1, 3, 16, averaging
/// every batch and at the default interval, at batch 1, 32 and 4096, with momentum and
/// Nesterov, in both precisions.
struct WorkerTests {
    static let threadCounts = [1, 2, 3, 8, 16]

    func run<T: KernelScalar>(_ type: T.Type, workers: Int, syncEvery: Int?, batch: Int, nesterov: Bool, threads: Int)
        -> [UInt64]
    {
        let rows = batch == 1 ? 1_500 : batch == 32 ? 6_000 : 60_000
        let (x, y) = blobRows(samples: rows, seed: 13)
        let dataset = makeDataset(x, y, threads: threads, as: T.self)
        var t = TrainingConfiguration()
        t.optimizer = .sgd
        t.batchSize = batch
        t.workers = workers
        t.syncEvery = syncEvery
        t.momentum = 0.9
        t.nesterov = nesterov
        t.gradient = .mean
        t.alpha = batch == 1 ? 0.01 : 0.05
        t.epochs = 2
        let result = trainLibrary(dataset, t, threads: threads)
        return bits(result.weights) + result.history.map(\.loss.bitPattern)
    }

    func check<T: KernelScalar>(_ type: T.Type) {
        for batch in [1, 32, 4096] {
            for workers in [1, 3, 16] {
                for syncEvery in workers == 1 ? [nil] : [1, nil] as [Int?] {
                    let nesterov = workers != 3
                    let serial = run(
                        type, workers: workers, syncEvery: syncEvery, batch: batch, nesterov: nesterov, threads: 1)
                    for threads in WorkerTests.threadCounts.dropFirst() {
                        #expect(
                            run(
                                type, workers: workers, syncEvery: syncEvery, batch: batch, nesterov: nesterov,
                                threads: threads) == serial,
                            "\(T.precisionName) batch \(batch) K \(workers) S \(syncEvery.map(String.init) ?? "default") threads \(threads)"
                        )
                    }
                }
            }
        }
    }

    @Test func float64() { check(Double.self) }
    @Test func float32() { check(Float.self) }

    /// Workers are the algorithm, not a speed setting: K = 3 trains a different model than
    /// K = 1, and averaging every batch differs from averaging at the default interval.
    @Test func workersChangeTheResult() {
        let one = run(Double.self, workers: 1, syncEvery: nil, batch: 32, nesterov: true, threads: 2)
        let three = run(Double.self, workers: 3, syncEvery: nil, batch: 32, nesterov: true, threads: 2)
        let threeEveryBatch = run(Double.self, workers: 3, syncEvery: 1, batch: 32, nesterov: true, threads: 2)
        #expect(one != three && three != threeEveryBatch)
    }

    /// The average is the fixed pairwise tree over worker index, divided by K: for five
    /// workers ((w0 + w1) + (w2 + w3)) + w4, whose rounding differs from a left-to-right sum
    /// on these values.
    @Test func averagingFollowsThePairwiseTree() {
        let (x, y) = blobRows(samples: 100, seed: 1)
        let dataset = makeDataset(x, y, as: Double.self)
        var t = TrainingConfiguration()
        t.optimizer = .sgd
        t.workers = 5
        t.momentum = 0.5
        let trainer = Trainer<Double>(configuration: t, train: dataset, executor: ShardedExecutor(threads: 2))
        let sgd = SGDEpochs(trainer: trainer, initialWeights: [0, 0, 0])
        let values: [[Double]] = [[1e16, 3, 0.1], [1, -1e16, 0.2], [-1e16, 1e16, 0.3], [1, 1, 1e-17], [3, 7, 0.7]]
        for (worker, w) in zip(sgd.workers, values) {
            worker.weights = w
            worker.optimizer.withVelocity { v in for i in 0..<3 { v[i] = w[i] * 2 } }
        }
        sgd.average()
        func tree(_ v: [Double]) -> Double {
            let left: Double = v[0] + v[1]
            let right: Double = v[2] + v[3]
            let both: Double = left + right
            return (both + v[4]) / 5
        }
        func leftToRight(_ v: [Double]) -> Double { v.dropFirst().reduce(v[0], +) / 5 }
        let weights: [Double] = (0..<3).map { i in tree(values.map { $0[i] }) }
        let velocities: [Double] = (0..<3).map { i in tree(values.map { $0[i] * 2 }) }
        let naive: [Double] = (0..<3).map { i in leftToRight(values.map { $0[i] }) }
        #expect(weights != naive, "the test values tell the two orders apart")
        for worker in sgd.workers {
            #expect(bits(worker.weights) == bits(weights))
            let velocity: [Double] = worker.optimizer.withVelocity { Array($0) }
            #expect(bits(velocity) == bits(velocities))
        }
    }

    /// The fast workers follow the plain reference's workers (row by row, float64, libm).
    @Test func workersFollowThePlainReference() {
        let (x, y) = blobRows(samples: 3_000, seed: 2)
        let dataset = makeDataset(x, y, threads: 2, as: Double.self)
        for (workers, syncEvery, batch) in [(3, 1, 16), (16, 4, 8), (4, 2, 1), (3, 100, 64)] {
            var t = TrainingConfiguration()
            t.optimizer = .sgd
            t.batchSize = batch
            t.workers = workers
            t.syncEvery = syncEvery
            t.momentum = 0.9
            t.nesterov = true
            t.gradient = .mean
            t.alpha = 0.02
            t.epochs = 3
            t.loss = .logLoss
            let initial = Trainer<Double>.initialWeights(count: 3, seed: t.seed)
            let fast = trainLibrary(dataset, t, threads: 2, initial: initial)
            let reference = PlainReference.train(t, dataset: dataset, initial: initial, epochs: 3)
            let record = RunRecord(threads: 2, history: fast.history, weights: fast.weights)
            let difference = Verifier.referenceDifference(record, losses: reference.losses, weights: reference.weights)
            #expect(
                difference.isFinite && difference <= 1e-9, "K \(workers) S \(syncEvery) batch \(batch): \(difference)")
        }
    }
}
