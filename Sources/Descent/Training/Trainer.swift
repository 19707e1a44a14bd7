import Dispatch

/// One epoch's record, as printed and written to the loss CSV.
public struct EpochRecord: Sendable, Codable, Equatable {
    /// 1-based epoch number.
    public var epoch: Int
    /// Full-batch GD: the loss over the training set at the weights the epoch started with
    /// (the tutorial's). SGD: the mean of the epoch's batch losses, or with `--full-loss` the
    /// loss over the training set at the epoch's final weights.
    public var loss: Double
    public var learningRate: Double
    public var validationLoss: Double?
    public var seconds: Double
    /// SGD: seconds of `seconds` spent materialising the epoch's shuffled copy.
    public var shuffleSeconds: Double = 0
    /// SGD with workers: seconds of `seconds` spent averaging the workers' models.
    public var averageSeconds: Double = 0

    public init(epoch: Int, loss: Double, learningRate: Double, validationLoss: Double? = nil, seconds: Double,
                shuffleSeconds: Double = 0, averageSeconds: Double = 0) {
        self.epoch = epoch; self.loss = loss; self.learningRate = learningRate; self.validationLoss = validationLoss
        self.seconds = seconds; self.shuffleSeconds = shuffleSeconds; self.averageSeconds = averageSeconds
    }
}

/// Why training stopped.
public enum StopReason: Sendable, Equatable, Codable {
    case epochsCompleted
    case targetLossReached(epoch: Int)
    case noImprovement(epoch: Int)
    case diverged(epoch: Int)

    public var summary: String {
        switch self {
        case .epochsCompleted: return "completed all epochs"
        case .targetLossReached(let e): return "target loss reached at epoch \(e)"
        case .noImprovement(let e): return "no improvement for the patience window, stopped at epoch \(e)"
        case .diverged(let e): return "diverged at epoch \(e)"
        }
    }
}

/// The outcome of a training run.
public struct TrainingResult<T: KernelScalar>: Sendable {
    public var weights: [T]
    public var history: [EpochRecord]
    public var stopReason: StopReason
    /// The epoch whose weights were kept (the best validation epoch with early stopping).
    public var keptEpoch: Int
}

/// Trains a linear model by full-batch gradient descent or mini-batch SGD.
///
/// The trainer sees losses and gradients, never threads: every thread count gives the same
/// chunks, the same reduction tree, and so the same bits.
public final class Trainer<T: KernelScalar> {
    public let configuration: TrainingConfiguration
    public let train: Dataset<T>
    public let validation: Dataset<T>?
    public let executor: ShardedExecutor
    let evaluator: GradientEvaluator<T>
    /// How the full-batch partials are combined (the harness self-test changes it).
    var reduction: ReductionOrder {
        get { evaluator.reduction }
        set { evaluator.reduction = newValue }
    }
    let validationEvaluator: GradientEvaluator<T>?

    public init(configuration: TrainingConfiguration, train: Dataset<T>, validation: Dataset<T>? = nil, executor: ShardedExecutor) {
        self.configuration = configuration
        self.train = train
        self.validation = validation
        self.executor = executor
        let batchRows = configuration.optimizer == .sgd ? min(configuration.batchSize, train.rowCount) : 0
        evaluator = GradientEvaluator(dataset: train, loss: configuration.loss, executor: executor, maximumBatchRows: batchRows)
        validationEvaluator = validation.map { GradientEvaluator(dataset: $0, loss: configuration.loss, executor: executor) }
    }

    /// Weights of the model: `outputs x (features + 1)`, bias last in each row.
    public var parameterCount: Int { evaluator.parameterCount }

    /// Standard normal initial weights from the seed (the tutorial's `np.random.randn`).
    public static func initialWeights(count: Int, seed: UInt64) -> [T] {
        let rng = CounterRNG(seed: seed)
        return (0..<count).map { T(rng.normal(.initialWeights, UInt64($0))) }
    }

    /// Runs training from `initialWeights`, calling `onEpoch` after every epoch.
    // Specialized here: the trainer is generic and its callers live in other modules, where
    // unspecialized code would go through witness tables on every SGD step.
    @_specialize(where T == Double)
    @_specialize(where T == Float)
    public func run(initialWeights: [T], onEpoch: (EpochRecord) -> Void = { _ in }) -> TrainingResult<T> {
        precondition(initialWeights.count == parameterCount, "expected \(parameterCount) initial weights")
        let config = configuration
        var weights = initialWeights
        var gradient = [T](repeating: 0, count: parameterCount)
        var optimizer = Optimizer<T>(parameterCount: parameterCount, momentum: config.momentum, dampening: config.dampening,
                                     nesterov: config.nesterov, weightDecay: config.weightDecay)
        var history: [EpochRecord] = []
        var best = Double.infinity
        var bestWeights = weights
        var bestEpoch = 0
        var sinceImprovement = 0
        var stop = StopReason.epochsCompleted
        let sgd = config.optimizer == .sgd ? SGDEpochs(trainer: self, initialWeights: weights) : nil

        var rates = LearningRateSequence(config)
        for epoch in 0..<config.epochs {
            let started = DispatchTime.now().uptimeNanoseconds
            let rate = rates.rate(epoch: epoch)
            var loss: Double
            var shuffleSeconds = 0.0, averageSeconds = 0.0
            if let sgd {
                (loss, shuffleSeconds, averageSeconds) = sgd.run(epoch: epoch, rate: T(rate))
                weights = sgd.weights
                if config.fullLoss { loss = lossOverTrainingSet(weights: weights) }
            } else {
                loss = epochFullBatch(weights: &weights, gradient: &gradient, optimizer: &optimizer, rate: T(rate))
            }
            let validationLoss = validationEvaluator.map { Double(lossOf($0, weights: weights)) }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            let record = EpochRecord(epoch: epoch + 1, loss: loss, learningRate: rate, validationLoss: validationLoss, seconds: seconds,
                                     shuffleSeconds: shuffleSeconds, averageSeconds: averageSeconds)
            history.append(record)
            onEpoch(record)

            if !loss.isFinite || !weights.allSatisfy({ $0.isFinite }) || (validationLoss.map { !$0.isFinite } ?? false) {
                stop = .diverged(epoch: epoch + 1)
                break
            }
            let watched = validationLoss ?? loss
            if watched < best {
                best = watched
                sinceImprovement = 0
                if validation != nil { bestWeights = weights; bestEpoch = epoch + 1 }
            } else {
                sinceImprovement += 1
            }
            if let target = config.targetLoss, loss <= target {
                stop = .targetLossReached(epoch: epoch + 1)
                break
            }
            if let patience = config.patience, sinceImprovement >= patience {
                stop = .noImprovement(epoch: epoch + 1)
                break
            }
        }
        if validation != nil, bestEpoch > 0, stop != .diverged(epoch: history.count) {
            return TrainingResult(weights: bestWeights, history: history, stopReason: stop, keptEpoch: bestEpoch)
        }
        return TrainingResult(weights: weights, history: history, stopReason: stop, keptEpoch: history.count)
    }

    /// The loss (summed or mean, as configured) of `weights` over the training set.
    public func lossOverTrainingSet(weights: [T]) -> Double { Double(lossOf(evaluator, weights: weights)) }

    func lossOf(_ evaluator: GradientEvaluator<T>, weights: [T]) -> T {
        var scratch = [T](repeating: 0, count: evaluator.parameterCount)
        let loss = weights.withUnsafeBufferPointer { w in
            scratch.withUnsafeMutableBufferPointer { evaluator.fullBatch(weights: w.baseAddress!, gradient: $0.baseAddress!) }
        }
        return configuration.gradient == .mean ? loss / T(evaluator.dataset.rowCount) : loss
    }

    func epochFullBatch(weights: inout [T], gradient: inout [T], optimizer: inout Optimizer<T>, rate: T) -> Double {
        let count = T(train.rowCount)
        let mean = configuration.gradient == .mean
        return weights.withUnsafeMutableBufferPointer { w in
            gradient.withUnsafeMutableBufferPointer { g in
                var loss = evaluator.fullBatch(weights: w.baseAddress!, gradient: g.baseAddress!)
                if mean {
                    for k in 0..<g.count { g[k] = g[k] / count }
                    loss = loss / count
                }
                optimizer.step(weights: w.baseAddress!, gradient: g.baseAddress!, rate: rate)
                return Double(loss)
            }
        }
    }
}
