import Descent
import Dispatch

/// One measured point of a scaling benchmark.
package struct ScalingPoint: Sendable, Equatable {
    package var mode: String
    package var precision: String
    package var optimizer: String
    package var batchSize: Int?
    package var threads: Int
    package var rows: Int
    package var bytesPerRow: Int
    /// Rows per second over the timed epochs: median, min, max.
    package var rowsPerSecondMedian: Double
    package var rowsPerSecondMin: Double
    package var rowsPerSecondMax: Double
    /// Bytes of rows read per second (median), and that as a fraction of the measured bandwidth.
    package var gigabytesPerSecond: Double
    package var fractionOfBandwidth: Double
    /// Median rate over the 1-thread rate of the same series; parallel efficiency = speedup / threads.
    package var speedup: Double
    package var efficiency: Double
    package var epochs: Int
    /// Seconds to generate the point's rows (before timing; all threads).
    package var generateSeconds: Double
    /// Features per row.
    package var features: Int = 0
    /// Rows generated per second (by all ranks, each generating its own rows at once).
    package var generateRowsPerSecond: Double { generateSeconds > 0 ? Double(rows) / generateSeconds : 0 }
    /// Normal deviates generated per second and thread (one per feature and row).
    package var normalsPerSecondPerThread: Double {
        generateSeconds > 0 ? Double(rows * features) / generateSeconds / Double(threads * ranks) : 0
    }
    /// SGD workers (1 for GD and plain SGD) and the batches between averagings.
    package var workers: Int = 1
    package var syncEvery: Int?
    /// Seconds per timed epoch (mean), and how much of it went to materialising the
    /// shuffled copy and to averaging workers; the rest is compute.
    package var epochSeconds: Double = 0
    package var shuffleSeconds: Double = 0
    package var averageSeconds: Double = 0
    /// MPI ranks (`threads` is then per rank, `rows` over all ranks), and the mean seconds
    /// per epoch of the training set's exchanges on rank 0 (block reduction, all-gather,
    /// waiting for slower ranks included).
    package var ranks: Int = 1
    package var exchangeSeconds: Double = 0

    /// The point as `bench.json` holds it (the properties by name).
    package var json: JSONValue {
        var o: [String: JSONValue] = [:]
        o["mode"] = .init(mode)
        o["precision"] = .init(precision)
        o["optimizer"] = .init(optimizer)
        if let batchSize { o["batchSize"] = .init(batchSize) }
        o["threads"] = .init(threads)
        o["rows"] = .init(rows)
        o["bytesPerRow"] = .init(bytesPerRow)
        o["rowsPerSecondMedian"] = .init(rowsPerSecondMedian)
        o["rowsPerSecondMin"] = .init(rowsPerSecondMin)
        o["rowsPerSecondMax"] = .init(rowsPerSecondMax)
        o["gigabytesPerSecond"] = .init(gigabytesPerSecond)
        o["fractionOfBandwidth"] = .init(fractionOfBandwidth)
        o["speedup"] = .init(speedup)
        o["efficiency"] = .init(efficiency)
        o["epochs"] = .init(epochs)
        o["generateSeconds"] = .init(generateSeconds)
        o["features"] = .init(features)
        o["workers"] = .init(workers)
        if let syncEvery { o["syncEvery"] = .init(syncEvery) }
        o["epochSeconds"] = .init(epochSeconds)
        o["shuffleSeconds"] = .init(shuffleSeconds)
        o["averageSeconds"] = .init(averageSeconds)
        o["ranks"] = .init(ranks)
        o["exchangeSeconds"] = .init(exchangeSeconds)
        return .object(o)
    }
}

/// Strong and weak scaling of training epochs over thread counts.
///
/// The data is generated before timing starts (its placement follows each thread count),
/// warm-up epochs are run and dropped, and every timed epoch is one sample.
package enum ScalingBenchmark {
    package struct Series: Sendable {
        package var precision: Precision
        package var optimizer: OptimizerKind
        package var batchSize: Int
        package var workers: Int
        package var syncEvery: Int?
        /// The loss trained (binary: squared-error or log-loss).
        package var loss: Loss
        /// SGD's order of each epoch (`--shuffle` of train).
        package var shuffle: ShuffleMode
        package init(
            precision: Precision, optimizer: OptimizerKind, batchSize: Int = 0, workers: Int = 1, syncEvery: Int? = nil,
            loss: Loss = .squaredError, shuffle: ShuffleMode = .blocks
        ) {
            self.shuffle = shuffle
            self.precision = precision
            self.optimizer = optimizer
            self.batchSize = batchSize
            self.workers = workers
            self.syncEvery = syncEvery
            self.loss = loss
        }
    }

    /// Measures one point: `rows` training rows of `features` features at `threads` threads.
    /// With `ranks` (a collective call), every rank trains the same point: GD on its own
    /// chunks, SGD on the whole set (as `descent train` over ranks).
    package static func measure(
        series: Series, mode: String, rows: Int, features: Int, threads: Int,
        epochs: Int, warmup: Int, bandwidth: Double, ranks: RankGroup? = nil
    ) throws -> ScalingPoint {
        switch series.precision {
        case .float64:
            return try measure(Double.self, series, mode, rows, features, threads, epochs, warmup, bandwidth, ranks)
        case .float32:
            return try measure(Float.self, series, mode, rows, features, threads, epochs, warmup, bandwidth, ranks)
        }
    }

    static func measure<T: KernelScalar>(
        _ type: T.Type, _ series: Series, _ mode: String, _ rows: Int, _ features: Int,
        _ threads: Int, _ epochs: Int, _ warmup: Int, _ bandwidth: Double,
        _ ranks: RankGroup?
    ) throws -> ScalingPoint {
        let size = MemoryLayout<T>.stride
        let dataRanks = series.optimizer == .gd ? ranks : nil
        let data = MemoryBudget.datasetBytes(
            rows: DataPreparation.heldRows(rows, ranks: dataRanks), features: features, scalarBytes: size)
        try MemoryBudget.check(
            [.init("data", data)]
                + (series.optimizer == .sgd && series.shuffle == .full ? [.init("SGD epoch copy", data)] : []),
            hint: "use fewer --rows, --rows-per-thread or --features, or --precision float32")
        let executor = ShardedExecutor(threads: threads)
        let generator = BlobGenerator(samples: rows, features: features, centers: 2, clusterStd: 1.5, seed: 3)
        let started = DispatchTime.now().uptimeNanoseconds
        let dataset = Dataset<T>(
            rowCount: rows, featureCount: features, classCount: 2, executor: executor, ranks: dataRanks
        ) { range, block, stride in
            generator.fill(
                count: range.count, rows: { BlobGenerator.consecutiveRows(from: range.lowerBound + $0) }, into: block,
                stride: stride)
        }
        let generateSeconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        var t = TrainingConfiguration()
        t.optimizer = series.optimizer
        t.loss = series.loss
        t.batchSize = max(1, series.batchSize)
        t.gradient = .mean
        t.alpha = series.optimizer == .gd ? 0.5 : 0.05
        t.epochs = warmup + epochs
        if series.optimizer == .sgd {
            t.workers = min(series.workers, rows)
            t.syncEvery = series.syncEvery
            t.shuffle = series.shuffle
            // Per-sample SGD diverges at the rate batches use; the bench measures speed only.
            if t.batchSize == 1 { t.alpha = 0.01 }
        }
        let trainer = Trainer<T>(configuration: t, train: dataset, executor: executor, ranks: ranks)
        // Over ranks: line the ranks up after generating, so that no epoch's exchange waits
        // for another rank's generation, and count the exchanges of the timed epochs only.
        _ = ranks?.communicator.allGather(0)
        var exchangeBefore = 0.0
        let result = trainer.run(initialWeights: Trainer<T>.initialWeights(count: trainer.parameterCount, seed: 3)) {
            record in
            if record.epoch == warmup { exchangeBefore = dataset.share?.exchangeSeconds ?? 0 }
        }
        let timed = result.history.dropFirst(warmup)
        let rates = timed.map { Double(rows) / $0.seconds }.sorted()
        func mean(_ values: [Double]) -> Double { values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count) }
        let median =
            rates.count % 2 == 1 ? rates[rates.count / 2] : (rates[rates.count / 2 - 1] + rates[rates.count / 2]) / 2
        // Full batch reads the blocks (features and the packed label); SGD's batches read the
        // epoch's row-major copy, `features + 1` scalars a row.
        let bytesPerRow =
            series.optimizer == .sgd ? (dataset.featureCount + 1) * MemoryLayout<T>.stride : dataset.bytesPerRow
        return ScalingPoint(
            mode: mode, precision: T.precisionName, optimizer: series.optimizer.rawValue,
            batchSize: series.optimizer == .sgd ? series.batchSize : nil, threads: threads, rows: rows,
            bytesPerRow: bytesPerRow, rowsPerSecondMedian: median, rowsPerSecondMin: rates.first ?? 0,
            rowsPerSecondMax: rates.last ?? 0, gigabytesPerSecond: median * Double(bytesPerRow) / 1e9,
            fractionOfBandwidth: bandwidth > 0 ? median * Double(bytesPerRow) / bandwidth : 0,
            speedup: 1, efficiency: 1, epochs: rates.count, generateSeconds: generateSeconds, features: features,
            workers: t.optimizer == .sgd ? t.workers : 1,
            syncEvery: t.optimizer == .sgd && t.workers > 1 ? t.resolvedSyncEvery : nil,
            epochSeconds: mean(timed.map(\.seconds)), shuffleSeconds: mean(timed.map(\.shuffleSeconds)),
            averageSeconds: mean(timed.map(\.averageSeconds)),
            ranks: ranks?.size ?? 1,
            exchangeSeconds: dataset.share.map { ($0.exchangeSeconds - exchangeBefore) / Double(max(1, epochs)) } ?? 0)
    }

    /// Fills in speedup and efficiency relative to the 1-thread point of each series.
    package static func relate(_ points: [ScalingPoint]) -> [ScalingPoint] {
        points.map { p in
            var p = p
            if let base = points.first(where: {
                $0.mode == p.mode && $0.precision == p.precision && $0.optimizer == p.optimizer
                    && $0.batchSize == p.batchSize && $0.workers == p.workers
                    && $0.syncEvery == p.syncEvery && $0.threads == 1
            }) {
                p.speedup = p.rowsPerSecondMedian / base.rowsPerSecondMedian
                p.efficiency = p.speedup / Double(p.threads)
            }
            return p
        }
    }
}
