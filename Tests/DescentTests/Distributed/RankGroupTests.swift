import DescentTestSupport
import Foundation
import Testing

@testable import Descent

/// The library's multi-rank path (``RankGroup``, ``RankShare``) over ranks simulated by threads
/// of one process (``ThreadRanks``): each rank holding only its chunks, reductions over
/// ranks, exact confusion counts; every rank must have the one-process run's bits.
struct RankGroupTests {
    static func source(samples: Int, centers: Int = 2, features: Int = 2, validation: Double = 0) -> DataSource {
        DataSource(
            origin: .blobs(
                samples: samples, features: features, centers: centers, clusterStd: 1.5, centerBox: -10...10),
            testFraction: 0.3, validationFraction: validation, seed: 11)
    }

    struct Outcome: Sendable, Equatable {
        var losses: [UInt64]
        var validation: [UInt64]
        var weights: [UInt64]
        var confusion: [[Int]]
        var means: [UInt64]
    }

    static func train<T: KernelScalar>(
        _ source: DataSource, _ config: TrainingConfiguration, threads: Int, ranks: RankGroup?,
        as _: T.Type
    ) -> Outcome {
        let executor = ShardedExecutor(threads: threads)
        let data = try! DataPreparation.prepare(
            source, as: T.self, executor: executor, ranks: ranks, everyTrainingRow: config.optimizer == .sgd)
        let trainer = Trainer<T>(
            configuration: config, train: data.train, validation: data.validation, executor: executor, ranks: data.ranks
        )
        let result = trainer.run(
            initialWeights: Trainer<T>.initialWeights(count: trainer.parameterCount, seed: config.seed))
        let confusion = ConfusionMatrix.of(data.test, weights: result.weights, loss: config.loss, executor: executor)
        let standardization = Standardization.of(data.train, executor: executor)
        return Outcome(
            losses: result.history.map(\.loss.bitPattern),
            validation: result.history.map { $0.validationLoss?.bitPattern ?? 0 },
            weights: bits(result.weights), confusion: confusion,
            means: (standardization.mean + standardization.std).map(\.bitPattern))
    }

    static func check<T: KernelScalar>(
        _ type: T.Type, samples: Int, centers: Int, loss: Loss, rankThreads: [[Int]],
        sgd: ((inout TrainingConfiguration) -> Void)? = nil
    ) {
        let source = Self.source(samples: samples, centers: centers, validation: 0.1)
        var c = TrainingConfiguration()
        c.epochs = 6
        c.loss = loss
        c.gradient = .mean
        c.alpha = 0.5
        c.momentum = 0.5
        if let sgd {
            c.optimizer = .sgd
            c.epochs = 3
            c.alpha = 0.05
            sgd(&c)
        }
        let config = c
        let reference = train(source, config, threads: 1, ranks: nil, as: T.self)
        #expect(reference.confusion.flatMap { $0 }.reduce(0, +) > 0)
        for threads in rankThreads {
            let outcomes = ThreadRanks.run(threads: threads) { group in
                train(source, config, threads: max(1, group.threads[group.rank]), ranks: group, as: T.self)
            }
            for (rank, outcome) in outcomes.enumerated() {
                #expect(
                    outcome.losses == reference.losses, "\(T.self) \(loss) ranks \(threads): rank \(rank)'s loss curve")
                #expect(
                    outcome.validation == reference.validation,
                    "\(T.self) \(loss) ranks \(threads): rank \(rank)'s validation losses")
                #expect(
                    outcome.weights == reference.weights, "\(T.self) \(loss) ranks \(threads): rank \(rank)'s weights")
                #expect(
                    outcome.confusion == reference.confusion,
                    "\(T.self) \(loss) ranks \(threads): rank \(rank)'s confusion matrix")
                #expect(
                    outcome.means == reference.means,
                    "\(T.self) \(loss) ranks \(threads): rank \(rank)'s standardization")
            }
        }
    }

    /// Full-batch GD over 1 to 5 simulated ranks with 1 to 3 threads each (some owning no
    /// chunk) gives every rank the one-process run's bits.
    @Test func gradientDescentOverRanksHasTheOneProcessBits() {
        let splits = [[1], [1, 1], [2, 1, 3], [1, 1, 1, 1], [1, 2, 1, 2, 1]]
        Self.check(Double.self, samples: 40_000, centers: 2, loss: .squaredError, rankThreads: splits)
        Self.check(Float.self, samples: 40_000, centers: 3, loss: .crossEntropy, rankThreads: splits)
        // Fewer chunks than ranks: some ranks own nothing.
        Self.check(
            Double.self, samples: 3_000, centers: 2, loss: .logLoss, rankThreads: [[1, 1, 1, 1, 1], [3, 0, 1]])
    }

    /// SGD with K workers spread over the ranks (gathered in worker order at every
    /// averaging) gives the one-process run's bits with the same K.
    @Test func sgdWorkersOverRanksHaveTheOneProcessBits() {
        let splits = [[1, 1], [2, 1, 3], [1, 1, 1, 1], [1, 2, 1, 2, 1, 1, 1]]
        Self.check(Double.self, samples: 12_000, centers: 2, loss: .squaredError, rankThreads: splits) {
            $0.workers = 5
            $0.batchSize = 16
            $0.syncEvery = 7
        }
        Self.check(Float.self, samples: 12_000, centers: 3, loss: .crossEntropy, rankThreads: splits) {
            $0.workers = 3
            $0.batchSize = 32
            $0.syncEvery = 4
            $0.fullLoss = true
        }
    }

    /// Plain SGD (one worker) with large batches: every rank computes its chunks of each
    /// batch, and the batch gradient comes from the block reduction.
    @Test func sgdLargeBatchesSplitOverRanksHaveTheOneProcessBits() {
        let splits = [[1, 1], [2, 1, 3], [1, 1, 1, 1, 1]]
        Self.check(Double.self, samples: 40_000, centers: 2, loss: .logLoss, rankThreads: splits) {
            $0.batchSize = 5000
            $0.parallelBatchRows = 2048
            $0.nesterov = true
        }
        Self.check(Float.self, samples: 40_000, centers: 3, loss: .crossEntropy, rankThreads: splits) {
            $0.batchSize = 4096
            $0.parallelBatchRows = 1024
            $0.shuffle = .none
        }
    }

    /// A float64 `.npy` file of `rows` rows: three features and a label column holding -1, 1
    /// and, in one row of 9973, a rare 7 (so some ranks never read a row of that class).
    static func npyFile(rows: Int, seed: UInt64) -> String {
        var state = seed
        func uniform() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53)
        }
        var values: [Double] = []
        for r in 0..<rows {
            let label: Double = r % 9973 == 5 ? 7 : (uniform() < 0.5 ? -1 : 1)
            let shift = label == 7 ? 3.0 : label
            values += [uniform() * 4 - 2 + shift, uniform() * 3 - shift, uniform() * 10 + 100, label]
        }
        var header = "{'descr': '<f8', 'fortran_order': False, 'shape': (\(rows), 4), }"
        header += String(repeating: " ", count: 63 - (10 + header.utf8.count) % 64) + "\n"
        var bytes: [UInt8] =
            [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)]
        bytes += Array(header.utf8)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 } }
        let path = temporaryFile("", name: "ranks.npy")
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return path
    }

    /// Ranks read NumPy files by offset, each only its own rows, and find the classes
    /// together: every rank gets the one-process run's classes and bits, with a split and
    /// a validation set, and with a separate test file; for GD and for SGD (every rank then
    /// holds every training row).
    @Test func npyFilesReadByOffsetOverRanksHaveTheOneProcessBits() throws {
        Self.checkFilesOverRanks(
            train: Self.npyFile(rows: 30_000, seed: 3), test: Self.npyFile(rows: 5_000, seed: 4), as: Double.self)
    }

    /// Trains on `train` (with a split and a validation set) and on `train` with `test` as
    /// the test file, for GD and SGD (every rank then holds every training row), in one
    /// process and over 2-4 simulated ranks: every rank must have the one-process bits.
    static func checkFilesOverRanks<T: KernelScalar>(train: String, test: String, as _: T.Type) {
        let sources = [
            DataSource(
                origin: .files(train: train, test: nil, labelColumn: nil), testFraction: 0.25, validationFraction: 0.1,
                standardize: true, seed: 9),
            DataSource(
                origin: .files(train: train, test: test, labelColumn: nil), testFraction: 0, standardize: true, seed: 9),
        ]
        for source in sources {
            for optimizer in [OptimizerKind.gd, .sgd] {
                var c = TrainingConfiguration()
                c.epochs = 3
                c.loss = .crossEntropy
                c.gradient = .mean
                c.alpha = optimizer == .sgd ? 0.05 : 0.5
                c.optimizer = optimizer
                c.batchSize = 64
                let config = c
                let reference = Self.train(source, config, threads: 2, ranks: nil, as: T.self)
                #expect(reference.confusion.count == 3, "three classes, the rare one among them")
                for threads in [[1, 1], [2, 1, 1], [1, 0, 2, 1]] {
                    let outcomes = ThreadRanks.run(threads: threads) { group in
                        Self.train(source, config, threads: max(1, group.threads[group.rank]), ranks: group, as: T.self)
                    }
                    for (rank, outcome) in outcomes.enumerated() {
                        #expect(
                            outcome == reference,
                            "\(T.self) \(optimizer) test file \(source.origin) ranks \(threads): rank \(rank) differs from one process"
                        )
                    }
                }
            }
        }
    }

    /// A CSV file of `rows` rows: two features and a text label, "a" or "b", or, in one row
    /// of 997, a rare label in quotes holding a line break and doubled quotes; every fifth
    /// row's first feature is quoted. So the rows a rank skips hold quotes and line breaks.
    static func csvFile(rows: Int, seed: UInt64) -> String {
        var state = seed
        func uniform() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53)
        }
        var text = "x,\"y\",label\n"
        for r in 0..<rows {
            let rare = r % 997 == 5
            let label = rare ? "\"rare\n\"\"one\"\"\"" : (uniform() < 0.5 ? "a" : "b")
            let shift = rare ? 3.0 : (label == "a" ? 1.0 : -1.0)
            let x = uniform() * 4 - 2 + shift
            let y = uniform() * 3 - shift
            text += r % 5 == 0 ? "\"\(x)\",\(y),\(label)\n" : "\(x),\(y),\(label)\n"
        }
        return temporaryFile(text, name: "ranks.csv")
    }

    /// Ranks parse only the CSV rows they keep and gather their labels: every rank gets the
    /// one-process run's classes and bits, with a split and a validation set, and with a
    /// separate test file; for GD and for SGD (every rank then keeps every training row).
    @Test func csvFilesOverRanksHaveTheOneProcessBits() throws {
        Self.checkFilesOverRanks(
            train: Self.csvFile(rows: 30_000, seed: 5), test: Self.csvFile(rows: 5_000, seed: 6), as: Float.self)
    }

    /// A rank parses only the rows it keeps: the others are skipped to their line ends
    /// unread (quoted line breaks counted), so their labels and their errors are the
    /// ranks' that keep them; lines are still numbered as in the file.
    @Test func aRankParsesOnlyTheRowsItKeeps() throws {
        // 64 rows in chunks of 16, one thread a rank: rank 0 keeps rows 0-31, rank 1 rows 32-63.
        var text = "x,y,label\n"
        for r in 0..<64 {
            let label = r == 3 ? "\"only\non rank 0\"" : (r == 40 ? "rank-1" : "c\(r % 2)")
            text += "\(r),\(r == 50 ? "oops" : String(r)),\(label)\n"
        }
        let path = temporaryFile(text)
        let outcomes = ThreadRanks.run(threads: [1, 1]) { group -> (labels: [String], error: String?) in
            let executor = ShardedExecutor(threads: 1)
            do {
                let file = try RowFiles.open(path: path, role: "--train", labelColumn: .last, executor: executor)
                let dataset = Dataset<Double>(
                    rowCount: file.rowCount, featureCount: 2, classCount: 2, chunkRows: 16,
                    executor: executor, ranks: group, packingLabels: false
                ) { _, _, _ in }
                let parts = try file.read(into: RowSink(dataset: dataset), executor: executor)
                return (parts.flatMap(\.keys).map { String(decoding: $0.text, as: UTF8.self) }.sorted(), nil)
            } catch {
                return ([], "\(error)")
            }
        }
        #expect(outcomes[0].error == nil && outcomes[0].labels == ["c0", "c1", "only\non rank 0"], "\(outcomes[0])")
        // Row 50 is on line 53: the header, then a line a row, and row 3's label spans two.
        #expect(outcomes[1].error?.contains("\(path):53:2: column 'y' holds 'oops'") == true, "\(outcomes[1])")
    }

    /// `descent predict` over ranks: each rank predicts the rows it holds, the gather lays
    /// every rank's predictions out in row order, and the confusion counts are summed; both
    /// are one process's, probabilities included; also when each all-gather may move only
    /// a few kilobytes (the real limit is MPI's 32-bit counts), so the ranks' rows come in
    /// many rounds of unequal pieces.
    @Test func predictionsGatheredOverRanksAreOneProcesss() {
        let source = Self.source(samples: 30_000, centers: 3)
        let weights: [Double] = (0..<9).map { Double($0 % 4) - 1.5 }
        @Sendable func predict(threads: Int, ranks: RankGroup?, exchange: Int = 1 << 30) -> (
            classes: [Int32], proba: [UInt64], confusion: [[Int]]
        ) {
            let executor = ShardedExecutor(threads: threads)
            let data = try! DataPreparation.prepare(source, as: Double.self, executor: executor, ranks: ranks)
            var p = PredictionKernel.predict(
                data.test, weights: weights, loss: .crossEntropy, classCount: 3, probabilities: true, executor: executor
            )
            if let share = data.test.share {
                p = p.gathered(share, chunks: data.test.chunks, bytesPerExchange: exchange)
            }
            return (
                p.classes, p.probabilities.map(\.bitPattern),
                ConfusionMatrix.of(data.test, weights: weights, loss: .crossEntropy, executor: executor)
            )
        }
        let reference = predict(threads: 1, ranks: nil)
        #expect(Set(reference.classes).count == 3 && reference.confusion.joined().reduce(0, +) == 9_000)
        for (threads, exchange) in [
            ([1, 1], 1 << 30), ([2, 1, 1], 1 << 30), ([1, 0, 2, 1, 1], 1 << 30), ([2, 1, 1], 5_000), ([1, 0, 3], 999),
        ] {
            let outcomes = ThreadRanks.run(threads: threads) { group in
                predict(threads: max(1, group.threads[group.rank]), ranks: group, exchange: exchange)
            }
            for (rank, outcome) in outcomes.enumerated() {
                #expect(
                    outcome.classes == reference.classes,
                    "ranks \(threads), \(exchange) bytes an exchange: rank \(rank)'s predicted classes")
                #expect(
                    outcome.proba == reference.proba,
                    "ranks \(threads), \(exchange) bytes an exchange: rank \(rank)'s probabilities")
                #expect(
                    outcome.confusion == reference.confusion,
                    "ranks \(threads), \(exchange) bytes an exchange: rank \(rank)'s confusion matrix")
            }
        }
    }

    /// Each rank generates only its own chunks; the others point at one shared scratch block.
    @Test func aRankHoldsOnlyItsChunks() {
        let owned = ThreadRanks.run(threads: [1, 3]) { group -> [Range<Int>] in
            let data = try! DataPreparation.prepare(
                Self.source(samples: 40_000), as: Double.self, executor: ShardedExecutor(threads: 1), ranks: group)
            return [data.train.ownedChunks, data.test.ownedChunks]
        }
        // 28,000 training rows are 28 chunks: a quarter to the one-thread rank.
        #expect(owned[0] == [0..<7, 0..<3])
        #expect(owned[1] == [7..<28, 3..<12])
    }
}
