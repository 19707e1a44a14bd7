import DescentTestSupport
import Foundation
import Testing

@testable import Descent

/// Stochastic gradient descent (``SGDEpochs``): batches, their split over threads, the short
/// last batch, and K logical workers, whose accuracy must match plain SGD's.
struct SGDEpochsTests {
    /// One batch holding the whole training set, in stored order, is full-batch GD.
    @Test func fullSizeUnshuffledBatchIsGradientDescentBitForBit() {
        for rows in [700, 5000] {
            let (x, y) = blobRows(samples: rows, seed: 3)
            for threads in [1, 3] {
                let dataset = makeDataset(x, y, threads: threads, as: Double.self)
                var gd = TrainingConfiguration()
                gd.epochs = 10
                gd.momentum = 0.5
                var sgd = gd
                sgd.optimizer = .sgd
                sgd.batchSize = rows
                sgd.shuffle = .none
                sgd.parallelBatchRows = 1
                let a = trainLibrary(dataset, gd, threads: threads)
                let b = trainLibrary(dataset, sgd, threads: threads)
                #expect(bits(a.weights) == bits(b.weights), "\(rows) rows, \(threads) threads")
                #expect(a.history.map(\.loss.bitPattern) == b.history.map(\.loss.bitPattern))
            }
        }
    }

    /// Splitting a batch over threads or not never changes a bit.
    @Test func splittingBatchesChangesNothing() {
        let (x, y) = blobRows(samples: 20_000, seed: 3)
        let dataset = makeDataset(x, y, threads: 2, as: Float.self)
        var t = TrainingConfiguration()
        t.optimizer = .sgd
        t.batchSize = 65_536
        t.epochs = 3
        t.gradient = .mean
        t.alpha = 0.5
        t.parallelBatchRows = 1
        let split = trainLibrary(dataset, t, threads: 2)
        t.parallelBatchRows = Int.max
        let whole = trainLibrary(dataset, t, threads: 2)
        #expect(bits(split.weights) == bits(whole.weights))
    }

    @Test func dropLastSkipsTheShortBatch() {
        let (x, y) = blobRows(samples: 1000, seed: 3)
        let dataset = makeDataset(x, y, as: Double.self)
        var t = TrainingConfiguration()
        t.optimizer = .sgd
        t.batchSize = 300
        t.epochs = 1
        t.shuffle = .none
        t.dropLast = true
        t.alpha = 0.001
        let dropped = trainLibrary(dataset, t, threads: 1)
        let reference = PlainReference.train(
            t, dataset: dataset, initial: Trainer<Double>.initialWeights(count: 3, seed: t.seed), epochs: 1)
        #expect(abs(dropped.history[0].loss - reference.losses[0]) < 1e-12 * reference.losses[0])
        t.dropLast = false
        #expect(trainLibrary(dataset, t, threads: 1).weights != dropped.weights)
    }

    func accuracy(_ configuration: RunConfiguration, workers: Int) throws -> (accuracy: Double, testRows: Int) {
        var c = configuration
        c.training.workers = workers
        c.threads = 2
        let data = try Experiment.prepare(c, as: Double.self)
        let result = try Experiment.run(c, data: data)
        let report = try #require(result.report)
        return (report.accuracy, data.test.rowCount)
    }

    /// K = 16 within one point of K = 1, or within one test row where a row is more than a
    /// point: on iris's 45 test rows one row is 2.2 points, and which model gets one borderline
    /// row is a matter of the order's draw (measured: with `--shuffle full`, seed 4, K = 16
    /// trails by one row; with `blocks`, seed 3; at seeds 4 and 5 both are equal).
    func compare(_ name: String, _ configuration: RunConfiguration) throws {
        let (one, rows) = try accuracy(configuration, workers: 1)
        let sixteen = try accuracy(configuration, workers: 16).accuracy
        print("\(name): test accuracy K=1 \(one), K=16 \(sixteen)")
        let tolerance = max(0.01, 1 / Double(rows)) + 1e-12
        #expect(sixteen >= one - tolerance, "\(name): K=16 \(sixteen) vs K=1 \(one) (\(rows) test rows)")
        #expect(one > 0.8, "\(name): the problem is learned (K=1 \(one))")
    }

    /// SGD with 16 workers at the default averaging interval reaches the test accuracy of plain
    /// SGD (K = 1), to within one point, on the shipped SGD configurations.
    @Test func workersReachPlainSGDsAccuracyOnShippedConfigurations() throws {
        for file in ["blobs-10m-sgd.json", "blobs-3class.json"] {
            var c = RunConfiguration()
            try c.apply(jsonFile: CLI.packageRoot.appendingPathComponent("Configs/\(file)").path)
            c.samples = min(c.samples, 200_000)
            // blobs-3class has 15,000 training rows: under 1,000 a worker at K = 16, where
            // averaging progresses per epoch like one model with a 16 times larger batch (see
            // README). At its shipped 20 epochs K = 16 trails K = 1 by 1.1 points (0.9833 vs
            // 0.9943); at 60 by 0.2.
            if file == "blobs-3class.json" { c.training.epochs = 60 }
            try compare(file, c)
        }
    }

    /// The same on scikit-learn's real datasets, standardized: breast cancer, iris and wine,
    /// written to CSV by scripts/export-sklearn-datasets (needs Python with scikit-learn, which
    /// .ci/run installs). Digits (64 features, 10 classes) takes minutes in a debug build:
    /// scripts/worker-accuracy checks it with the release binary.
    @Test func workersReachPlainSGDsAccuracyOnRealDatasets() throws {
        let directory = CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let export = try CLI.runProcess(
            URL(fileURLWithPath: "/usr/bin/env"),
            ["python3", CLI.packageRoot.appendingPathComponent("scripts/export-sklearn-datasets").path, directory.path])
        guard export.status == 0 else {
            print(
                "skipped: scripts/export-sklearn-datasets exited \(export.status) (python3 with scikit-learn is needed: pip install scikit-learn)"
            )
            return
        }
        for name in ["breast_cancer", "iris", "wine"] {
            var c = RunConfiguration()
            c.trainFile = directory.appendingPathComponent("\(name).csv").path
            c.standardize = true
            c.testFraction = 0.3
            c.loss = name == "breast_cancer" ? .logLoss : .crossEntropy
            c.training.optimizer = .sgd
            c.training.batchSize = 8
            c.training.alpha = 0.05
            c.training.momentum = 0.9
            c.training.gradient = .mean
            c.training.epochs = 300
            try compare(name, c)
        }
    }
}
