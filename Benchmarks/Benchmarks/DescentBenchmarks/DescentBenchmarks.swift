import Benchmark
import Descent

/// Each iteration is one full pass (an epoch over 1 Mi rows, one generation of 1 Mi rows),
/// so throughput in rows/s is 1,048,576 times the iterations per second reported.
///
/// Kernel throughput per loss and precision, blob generation, the fixed-order reduction,
/// `concurrentPerform` dispatch overhead, and SGD epochs, all through Descent's public API
/// (the one a package depending on it has). Setup happens outside the timed region; results
/// go through `blackHole`.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput], warmupIterations: 2,
        maxDuration: .seconds(1), maxIterations: 50)
    let rows = 1 << 20  // 1 Mi rows of 2 features: in cache on most servers
    let threads = Topology.current.usableCPUCount

    /// 1 Mi training rows of blobs (the test set, a few rows, is not used).
    func dataset<T: KernelScalar>(_ type: T.Type, classes: Int) -> Dataset<T> {
        let source = DataSource(
            origin: .blobs(samples: rows + 2, features: 2, centers: classes, clusterStd: 1.5, centerBox: -10...10),
            testFraction: 1.5 / Double(rows + 2), seed: 3)
        return try! DataPreparation.prepare(source, as: T.self, executor: ShardedExecutor(threads: threads)).train
    }

    func trainer<T: KernelScalar>(
        _ type: T.Type, _ loss: Loss, _ change: (inout TrainingConfiguration) -> Void = { _ in }
    ) -> Trainer<T> {
        var configuration = TrainingConfiguration()
        configuration.loss = loss
        change(&configuration)
        return Trainer<T>(
            configuration: configuration, train: dataset(T.self, classes: loss.isBinary ? 2 : 4),
            executor: ShardedExecutor(threads: threads))
    }

    func kernel<T: KernelScalar>(_ type: T.Type, _ loss: Loss) {
        Benchmark("kernel \(loss.rawValue) \(T.precisionName) (\(threads) threads, 1 Mi rows)") {
            (benchmark: Benchmark, state: KernelState<T>) in
            for _ in benchmark.scaledIterations { blackHole(state.trainer.lossOverTrainingSet(weights: state.weights)) }
        } setup: {
            KernelState(trainer(T.self, loss))
        }
    }
    for loss in Loss.allCases {
        kernel(Double.self, loss)
        kernel(Float.self, loss)
    }

    Benchmark("blob generation float64 (1 Mi rows)") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(dataset(Double.self, classes: 2).rowCount) }
    }

    Benchmark("fixed-order reduction (10k partials of 4)") { benchmark, source in
        var partials = source
        for _ in benchmark.scaledIterations {
            FixedOrderReduction.reduce(&partials, count: 10_000, stride: 4)
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
        Benchmark("SGD epoch float64 batch \(batch) (1 Mi rows, \(threads) threads)") {
            (benchmark: Benchmark, trainer: Trainer<Double>) in
            for _ in benchmark.scaledIterations {
                blackHole(trainer.run(initialWeights: [0.1, -0.2, 0.3]).weights)
            }
        } setup: {
            trainer(Double.self, .squaredError) { t in
                t.optimizer = .sgd
                t.batchSize = batch
                t.epochs = 1
                t.gradient = .mean
                t.alpha = 0.05
            }
        }
    }
}

/// A trainer and the weights a full pass is evaluated at, made in setup.
final class KernelState<T: KernelScalar> {
    let trainer: Trainer<T>
    let weights: [T]

    init(_ trainer: Trainer<T>) {
        self.trainer = trainer
        weights = (0..<trainer.parameterCount).map { T(0.1 * Double($0 % 5) - 0.2) }
    }
}
