import Benchmark
import Descent

/// Each iteration is one full pass (an epoch over 1 Mi rows, one generation of 1 Mi rows),
/// so throughput in rows/s is 1,048,576 times the iterations per second reported.
///
/// Kernel throughput per loss and precision, blob generation, the fixed-order reduction,
/// `concurrentPerform` dispatch overhead, and SGD batches. Setup happens outside the timed
/// region; results go through `blackHole`.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput], warmupIterations: 2,
                                           maxDuration: .seconds(1), maxIterations: 50)
    let rows = 1 << 20  // 1 Mi rows of 2 features: in cache on most servers
    let threads = Topology.current.usableCPUCount

    func dataset<T: KernelScalar>(_ type: T.Type, rows: Int, classes: Int) -> Dataset<T> {
        let generator = BlobGenerator(samples: rows, features: 2, centers: classes, clusterStd: 1.5, seed: 3)
        return Dataset<T>(rowCount: rows, featureCount: 2, classCount: classes, executor: ShardedExecutor(threads: threads)) { range, block, stride in
            for (local, row) in range.enumerated() {
                block[local] = T(generator.value(row, 0))
                block[stride + local] = T(generator.value(row, 1))
                block[2 * stride + local] = T(generator.label(row))
            }
        }
    }

    func kernel<T: KernelScalar>(_ type: T.Type, _ loss: Loss) {
        let classes = loss.isBinary ? 2 : 4
        Benchmark("kernel \(loss.rawValue) \(T.precisionName) (\(threads) threads, 1 Mi rows)") { benchmark, state in
            for _ in benchmark.scaledIterations { blackHole(state.fullBatch()) }
        } setup: {
            KernelState<T>(dataset(T.self, rows: rows, classes: classes), loss, threads)
        }
    }
    for loss in Loss.allCases {
        kernel(Double.self, loss)
        kernel(Float.self, loss)
    }

    Benchmark("blob generation float64 (1 Mi rows)") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(dataset(Double.self, rows: rows, classes: 2).rowCount) }
    }

    Benchmark("fixed-order reduction (10k partials of 4)") { benchmark, source in
        var partials = source
        for _ in benchmark.scaledIterations {
            partials.withUnsafeMutableBufferPointer { FixedOrderReduction.reduce($0.baseAddress!, count: 10_000, stride: 4) }
            blackHole(partials[0])
        }
    } setup: {
        [Double](repeating: 1e-3, count: 40_000)
    }

    Benchmark("concurrentPerform dispatch (\(threads) empty iterations)") { benchmark in
        let executor = ShardedExecutor(threads: threads)
        for _ in benchmark.scaledIterations { executor.run(iterations: threads) { blackHole($0) } }
    }

    for batch in [32, 4096, 65_536] {
        Benchmark("SGD epoch float64 batch \(batch) (1 Mi rows, \(threads) threads)") { (benchmark: Benchmark, trainer: Trainer<Double>) in
            for _ in benchmark.scaledIterations {
                blackHole(trainer.run(initialWeights: [0.1, -0.2, 0.3]).weights)
            }
        } setup: {
            var t = TrainingConfiguration()
            t.optimizer = .sgd; t.batchSize = batch; t.epochs = 1; t.gradient = .mean; t.alpha = 0.05
            return Trainer<Double>(configuration: t, train: dataset(Double.self, rows: rows, classes: 2), executor: ShardedExecutor(threads: threads))
        }
    }
}

/// A full-batch evaluator and its buffers, made in setup.
final class KernelState<T: KernelScalar> {
    let evaluator: GradientEvaluator<T>
    var weights: [T]
    var gradient: [T]

    init(_ dataset: Dataset<T>, _ loss: Loss, _ threads: Int) {
        evaluator = GradientEvaluator(dataset: dataset, loss: loss, executor: ShardedExecutor(threads: threads))
        weights = (0..<evaluator.parameterCount).map { T(0.1 * Double($0 % 5) - 0.2) }
        gradient = [T](repeating: 0, count: evaluator.parameterCount)
    }

    func fullBatch() -> T {
        weights.withUnsafeBufferPointer { w in
            gradient.withUnsafeMutableBufferPointer { evaluator.fullBatch(weights: w.baseAddress!, gradient: $0.baseAddress!) }
        }
    }
}
