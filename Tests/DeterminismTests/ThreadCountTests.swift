import DescentTestSupport
import Foundation
import Testing

@testable import Descent

/// The promise: for a given configuration and seed, loss curves and final weights are the
/// same bits for every thread count and every run.
struct ThreadCountTests {
    static let threadCounts = [1, 2, 3, 5, 8, 16]
    /// Row counts that break naive chunking (chunk = 1024 rows): fewer rows than one chunk,
    /// one chunk plus one row, and many chunks plus a remainder.
    static let rowCounts = [700, 1025, 9 * 1024 + 333]

    struct Case: CustomStringConvertible {
        var optimizer: OptimizerKind
        var batch: Int
        var momentum: Double
        var nesterov: Bool
        var loss: Loss
        var description: String {
            "\(optimizer) batch \(batch) momentum \(momentum)\(nesterov ? " nesterov" : "") \(loss.rawValue)"
        }
    }

    static let cases: [Case] = {
        var out: [Case] = []
        for loss in Loss.allCases {
            // Regression trains full batch only in this version.
            let kinds = loss.isRegression ? [(OptimizerKind.gd, 0)] : [(.gd, 0), (.sgd, 1), (.sgd, 32), (.sgd, 4096)]
            for (optimizer, batch) in kinds {
                for (momentum, nesterov) in [(0.0, false), (0.9, false), (0.9, true)] {
                    out.append(
                        Case(optimizer: optimizer, batch: batch, momentum: momentum, nesterov: nesterov, loss: loss))
                }
            }
        }
        return out
    }()

    func run<T: KernelScalar>(_ c: Case, rows: Int, threads: Int, as type: T.Type) -> ([UInt64], [UInt64]) {
        let classes = c.loss.isBinary ? 2 : 3
        let dataset: Dataset<T>
        if c.loss.isRegression {
            let (x, y) = regressionRows(samples: rows, features: 2, noise: 5, seed: 7)
            dataset = makeRegressionDataset(x, y, threads: threads, as: T.self)
        } else {
            let (x, y) = blobRows(samples: rows, features: 2, centers: classes, std: 2.0, seed: 7)
            dataset = makeDataset(x, y, classes: classes, threads: threads, as: T.self)
        }
        var t = TrainingConfiguration()
        t.loss = c.loss
        t.optimizer = c.optimizer
        t.batchSize = max(1, c.batch)
        t.momentum = c.momentum
        t.nesterov = c.nesterov
        t.gradient = .mean
        t.alpha = 0.05
        // SGD at batch 1 over thousands of rows is many steps: one epoch is plenty.
        t.epochs = c.optimizer == .sgd && c.batch == 1 ? 1 : 3
        t.parallelBatchRows = 1024  // split every batch of two chunks or more
        let result = trainLibrary(dataset, t, threads: threads)
        return (result.history.map { $0.loss.bitPattern }, bits(result.weights))
    }

    func checkAllThreadCounts<T: KernelScalar>(_ type: T.Type) {
        for c in ThreadCountTests.cases {
            for rows in ThreadCountTests.rowCounts {
                if c.optimizer == .sgd && c.batch == 1 && rows > 2000 { continue }  // covered by the smaller sizes
                let serial = run(c, rows: rows, threads: 1, as: type)
                #expect(serial.0.allSatisfy { Double(bitPattern: $0).isFinite }, "\(c) \(rows) rows: finite losses")
                for threads in ThreadCountTests.threadCounts.dropFirst() {
                    let parallel = run(c, rows: rows, threads: threads, as: type)
                    #expect(
                        parallel.0 == serial.0,
                        "\(T.precisionName) \(c), \(rows) rows, \(threads) threads: loss curve differs")
                    #expect(
                        parallel.1 == serial.1,
                        "\(T.precisionName) \(c), \(rows) rows, \(threads) threads: weights differ")
                }
                #expect(
                    run(c, rows: rows, threads: 3, as: type) == run(c, rows: rows, threads: 3, as: type), "repeat run")
            }
        }
    }

    @Test func float64BitIdenticalAcrossThreadCounts() { checkAllThreadCounts(Double.self) }
    @Test func float32BitIdenticalAcrossThreadCounts() { checkAllThreadCounts(Float.self) }
}
