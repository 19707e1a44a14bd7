import Dispatch

/// Runs the whole pipeline: data, training, evaluation. The command-line tool and
/// `descent verify` call it; it prints nothing.
public enum Experiment {
    /// The number of threads a configuration asks for: `--threads`, else the CPUs this process may use.
    public static func threadCount(_ configuration: RunConfiguration) -> Int {
        configuration.threads ?? Topology.current.usableCPUCount
    }

    /// Prepares the data named by `configuration`.
    /// With `ranks`, this process generates or keeps only its own chunks of each set, except
    /// for SGD's training set, which every rank holds whole (an epoch's shuffle reaches every row).
    public static func prepare<T: KernelScalar>(
        _ configuration: RunConfiguration, as type: T.Type,
        ranks: RankGroup? = nil
    ) throws -> PreparedData<T> {
        try DataPreparation.prepare(
            configuration.dataSource, as: type, executor: ShardedExecutor(threads: threadCount(configuration)),
            ranks: ranks, everyTrainingRow: configuration.training.optimizer == .sgd)
    }

    /// What a run will train, checked against the data: the resolved loss, the trainer's
    /// configuration and the initial weights (from --init-weights or the seed).
    public struct Setup<T: KernelScalar> {
        public var loss: Loss
        public var training: TrainingConfiguration
        public var initialWeights: [T]
    }

    /// Checks `configuration` against `data` and reads the initial weights, so a command can
    /// report a bad combination before it starts printing a run.
    public static func setup<T: KernelScalar>(_ configuration: RunConfiguration, data: PreparedData<T>) throws -> Setup<
        T
    > {
        let loss = try configuration.resolvedLoss(classCount: data.classCount)
        var training = configuration.training
        training.loss = loss
        if training.l2PerRow, let k = training.l2 {
            training.l2Penalty = .value(k / Double(data.train.rowCount))
        }
        if training.optimizer == .sgd, data.train.sparse != nil {
            throw DescentError.configuration(
                "--optimizer sgd: SGD does not read sparse (svmlight) rows in this version; train them full-batch with --solver lbfgs (or gd)"
            )
        }
        if training.optimizer == .sgd, training.dropLast, training.batchSize > data.train.rowCount {
            throw DescentError.configuration(
                "--batch-size \(training.batchSize) is larger than the \(data.train.rowCount) training rows, and --drop-last would leave no batch"
            )
        }
        if training.optimizer == .sgd, training.workers > data.train.rowCount {
            throw DescentError.configuration(
                "--workers \(training.workers) is more than the \(data.train.rowCount) training rows; each worker needs at least one row (use at most \(data.train.rowCount))"
            )
        }
        if training.optimizer == .sgd, training.dropLast, data.train.rowCount / training.workers < training.batchSize {
            throw DescentError.configuration(
                "--workers \(training.workers) with --drop-last gives each worker \(data.train.rowCount / training.workers) rows, fewer than one --batch-size \(training.batchSize) batch; use fewer workers or a smaller batch"
            )
        }
        let outputs = loss.outputCount(classCount: data.classCount)
        try MemoryBudget.check(
            trainingMemory(training, data: data, outputs: outputs, threads: threadCount(configuration)),
            hint: "use fewer features or classes, fewer --workers, or --precision float32 (half the bytes)")
        let initial: [T]
        if let path = configuration.initWeights {
            initial = try ModelFile.readWeights(
                path: path, outputs: outputs, features: data.train.featureCount,
                expectedFeatureNames: data.featureNames, expectedClasses: data.classes
            ).map { T($0) }
        } else if training.resolvedSolver == .lbfgs {
            // As scikit-learn's solvers: from zero. (A random start keeps its components in
            // directions the data cannot see, which only the L2 penalty slowly removes.)
            initial = [T](repeating: 0, count: outputs * (data.train.featureCount + 1))
        } else {
            initial = Trainer<T>.initialWeights(count: outputs * (data.train.featureCount + 1), seed: training.seed)
        }
        return Setup(loss: loss, training: training, initialWeights: initial)
    }

    /// What training allocates besides the data: partial gradients per chunk, the SGD epoch
    /// copy, the workers' models and optimizer buffers, the confusion-matrix counts.
    package static func trainingMemory<T: KernelScalar>(
        _ training: TrainingConfiguration, data: PreparedData<T>, outputs: Int,
        threads: Int
    ) -> [MemoryBudget.Item] {
        let size = MemoryLayout<T>.stride
        let d = data.train.featureCount
        let parameters = MemoryBudget.product(outputs, d + 1)
        // A partial per chunk; a sparse set's chunks share one per group (64 MB of them at most).
        func partials(_ set: Dataset<T>) -> Int {
            guard set.sparse != nil else { return set.chunks.chunkCount }
            return GradientEvaluator<T>.sparseGroups(
                chunkCount: set.chunks.chunkCount,
                partialBytes: GradientKernel.partialStride(features: d, outputs: outputs) * size,
                entries: set.sparse!.entryCount
            ).count
        }
        let chunks =
            [data.train, data.test].map(partials).reduce(0, +) + (data.validation.map(partials) ?? 0)
            + (training.optimizer == .sgd
                ? min(training.batchSize, data.train.rowCount) / ChunkPlan.defaultChunkRows + 1 : 0)
        var items: [MemoryBudget.Item] = [
            .init("partial gradients", parameters.flatMap { MemoryBudget.product(chunks, $0, size) }),
            .init("confusion counts", MemoryBudget.product(threads, data.classCount, data.classCount, 8)),
        ]
        if training.optimizer == .sgd {
            let workers = training.workers
            items.append(.init("SGD workers", parameters.flatMap { MemoryBudget.product(workers, 4, $0, size) }))
            switch training.shuffle {
            case .blocks:
                let windowRows = BlockShuffle.windowRows(
                    for: training, rows: data.train.rowCount, rowBytes: (d + 1) * size)
                items.append(.init("SGD windows", MemoryBudget.product(workers, windowRows, (d + 1) * size + 4)))
            case .none: break
            case .full:
                let copy = MemoryBudget.datasetBytes(rows: data.train.rowCount, features: d, scalarBytes: size)
                let scratch = MemoryBudget.product(threads, 2 * EpochShuffle.bucketRows, d + 1, size)
                items.append(
                    .init(
                        "SGD epoch copy", MemoryBudget.sum(copy, scratch, MemoryBudget.product(2, data.train.rowCount)))
                )
            }
        }
        return items
    }

    /// Trains on prepared data and evaluates on its test set (`setup` is made from the
    /// configuration when not given).
    public static func run<T: KernelScalar>(
        _ configuration: RunConfiguration, data: PreparedData<T>, setup given: Setup<T>? = nil,
        prepareSeconds: Double = 0,
        onEpoch: (EpochRecord) -> Void = { _ in }
    ) throws -> ExperimentResult<T> {
        try run(
            configuration, data: data, setup: given, prepareSeconds: prepareSeconds, keepHistory: true, onEpoch: onEpoch
        )
    }

    /// Trains on prepared data, from the start or from a checkpoint's `resume` state, and
    /// evaluates on the test set. `onCheckpoint` is called every `checkpointEvery` epochs
    /// (``Trainer/train(initialWeights:resume:keepHistory:checkpointEvery:onEpoch:onCheckpoint:)``).
    public static func run<T: KernelScalar>(
        _ configuration: RunConfiguration, data: PreparedData<T>, setup given: Setup<T>?,
        resume: TrainingState<T>? = nil, prepareSeconds: Double = 0, keepHistory: Bool,
        checkpointEvery: Int? = nil,
        onEpoch: (EpochRecord) throws -> Void,
        onCheckpoint: (TrainingState<T>) throws -> Void = { _ in }
    ) throws -> ExperimentResult<T> {
        let setup = try given ?? self.setup(configuration, data: data)
        let loss = setup.loss
        let training = setup.training
        let initial = setup.initialWeights
        let executor = ShardedExecutor(threads: threadCount(configuration))
        let trainer = Trainer<T>(
            configuration: training, train: data.train, validation: data.validation, executor: executor,
            ranks: data.ranks)
        let outputs = loss.outputCount(classCount: data.classCount)
        let started = DispatchTime.now().uptimeNanoseconds
        let result = try trainer.train(
            initialWeights: initial, resume: resume, keepHistory: keepHistory, checkpointEvery: checkpointEvery,
            onEpoch: onEpoch, onCheckpoint: onCheckpoint)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        var report: ClassificationReport?
        var probabilityMetrics: ProbabilityMetrics?
        var regression: RegressionReport?
        if case .diverged = result.stopReason {
        } else if loss.isRegression {
            regression = RegressionReport.of(data.test, weights: result.weights, executor: executor)
        } else {
            report = ClassificationReport(
                confusion: ConfusionMatrix.of(data.test, weights: result.weights, loss: loss, executor: executor),
                labels: data.classes.names)
            probabilityMetrics = ProbabilityMetrics.of(
                data.test, weights: result.weights, loss: loss, executor: executor)
        }
        return ExperimentResult(
            data: data, loss: loss, outputs: outputs, training: result, initialWeights: initial,
            trainingConfiguration: training, report: report, probabilityMetrics: probabilityMetrics,
            regression: regression,
            prepareSeconds: prepareSeconds, trainSeconds: seconds, resumedEpochs: resume?.epoch ?? 0)
    }
}
