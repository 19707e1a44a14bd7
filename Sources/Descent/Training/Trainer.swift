import Dispatch

/// One epoch's record, as printed and written to the loss CSV.
public struct EpochRecord: Sendable, Equatable {
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

    public init(
        epoch: Int, loss: Double, learningRate: Double, validationLoss: Double? = nil, seconds: Double,
        shuffleSeconds: Double = 0, averageSeconds: Double = 0
    ) {
        self.epoch = epoch
        self.loss = loss
        self.learningRate = learningRate
        self.validationLoss = validationLoss
        self.seconds = seconds
        self.shuffleSeconds = shuffleSeconds
        self.averageSeconds = averageSeconds
    }
}

/// Why training stopped.
public enum StopReason: Sendable, Equatable {
    case epochsCompleted
    case targetLossReached(epoch: Int)
    case noImprovement(epoch: Int)
    case diverged(epoch: Int)
    /// L-BFGS: the gradient within `--tol`, or the objective's relative decrease at the
    /// limit of double precision (scikit-learn's two tests).
    case converged(iterations: Int)
    /// L-BFGS: no step along the search direction met the Wolfe conditions.
    case lineSearchFailed(iteration: Int)
    /// Gradient descent or SGD with `--tol`: no epoch of the last `window` lowered the loss
    /// by more than the tolerance (relative).
    case settled(epoch: Int, window: Int)

    public var summary: String {
        switch self {
        case .converged(let n): return "converged in \(n) iteration\(n == 1 ? "" : "s")"
        case .settled(let e, let w):
            return
                "converged at epoch \(e): the loss fell by less than --tol (relative) in each of the last \(w) epochs"
        case .lineSearchFailed(let n):
            return
                "stopped at step \(n): the line search found no step that lowers the objective enough (it is flat to working precision; a larger --tol would have stopped earlier)"
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
    /// Every epoch's record (empty when the caller asked the trainer not to keep them; the
    /// command-line tool streams them to `loss.csv` instead).
    public var history: [EpochRecord]
    public var stopReason: StopReason
    /// The epoch whose weights were kept (the best validation epoch with early stopping).
    public var keptEpoch: Int
    /// Epochs run, counting those before a resumed checkpoint.
    public var epochsRun: Int
    /// The last epoch's record (nil when no epoch ran).
    public var lastRecord: EpochRecord?
    /// Passes over the training set that computed a loss and gradient in this process
    /// (GD: one an epoch; L-BFGS: the line searches' evaluations and the first one).
    public var passes: Int = 0
    /// L-BFGS: the largest absolute component of the objective's gradient at the last
    /// iterate (what `--tol` is compared with); nil for the other solvers.
    public var gradientMaximum: Double?
    /// The lowest training (or, with validation data, validation) loss of the run, and the
    /// epochs since an epoch last improved on the best (by more than `--tol` when given).
    public var bestLoss: Double = .infinity
    public var epochsSinceImprovement: Int = 0
}

/// Everything training needs to continue after an epoch exactly as if it had never stopped:
/// the model, the optimizer's buffers and step counts (one per SGD worker; every worker
/// holds the same model and momentum after the end-of-epoch averaging), and the early
/// stopping bookkeeping. Shuffles and learning rates depend only on (seed, epoch).
public struct TrainingState<T: KernelScalar>: Sendable, Equatable {
    /// Epochs done.
    public var epoch: Int
    public var weights: [T]
    public var velocity: [T]
    public var optimizerSteps: [Int]
    /// The best watched loss so far (+infinity before any epoch).
    public var best: Double
    /// The weights of the best validation epoch (empty without validation data).
    public var bestWeights: [T]
    public var bestEpoch: Int
    public var sinceImprovement: Int
    /// L-BFGS: its point and history (`LBFGS.savedState`); `--alpha auto`: the last accepted
    /// rate; empty otherwise.
    public var solverState: [Double]

    public init(
        epoch: Int, weights: [T], velocity: [T], optimizerSteps: [Int], best: Double, bestWeights: [T],
        bestEpoch: Int, sinceImprovement: Int, solverState: [Double] = []
    ) {
        self.solverState = solverState
        self.epoch = epoch
        self.weights = weights
        self.velocity = velocity
        self.optimizerSteps = optimizerSteps
        self.best = best
        self.bestWeights = bestWeights
        self.bestEpoch = bestEpoch
        self.sinceImprovement = sinceImprovement
    }
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
    /// The buffers of ``lbfgsObjective()``: the weights and gradient in the run's precision.
    final class ObjectiveScratch: @unchecked Sendable {
        let weights: UnsafeMutablePointer<T>
        let gradient: UnsafeMutablePointer<T>
        init(count: Int) {
            weights = .allocate(capacity: max(1, count))
            weights.initialize(repeating: 0, count: max(1, count))
            gradient = .allocate(capacity: max(1, count))
            gradient.initialize(repeating: 0, count: max(1, count))
        }
        deinit {
            weights.deallocate()
            gradient.deallocate()
        }
    }
    lazy var objectiveScratch = ObjectiveScratch(count: parameterCount)
    /// The ranks of a multi-process run, for SGD (full-batch passes reach them through the datasets).
    let ranks: RankGroup?

    public init(
        configuration: TrainingConfiguration, train: Dataset<T>, validation: Dataset<T>? = nil,
        executor: ShardedExecutor,
        ranks: RankGroup? = nil
    ) {
        self.ranks = ranks
        self.configuration = configuration
        self.train = train
        self.validation = validation
        self.executor = executor
        let batchRows = configuration.optimizer == .sgd ? min(configuration.batchSize, train.rowCount) : 0
        evaluator = GradientEvaluator(
            dataset: train, loss: configuration.loss, executor: executor, maximumBatchRows: batchRows,
            lossParameter: configuration.lossParameter)
        validationEvaluator = validation.map {
            GradientEvaluator(
                dataset: $0, loss: configuration.loss, executor: executor,
                lossParameter: configuration.lossParameter)
        }
    }

    /// Weights of the model: `outputs x (features + 1)`, bias last in each row.
    public var parameterCount: Int { evaluator.parameterCount }

    /// Standard normal initial weights from the seed (the tutorial's `np.random.randn`).
    public static func initialWeights(count: Int, seed: UInt64) -> [T] {
        let rng = CounterRNG(seed: seed)
        return (0..<count).map { T(rng.normal(.initialWeights, UInt64($0))) }
    }

    /// Runs training from `initialWeights`, calling `onEpoch` after every epoch.
    public func run(initialWeights: [T], onEpoch: (EpochRecord) -> Void = { _ in }) -> TrainingResult<T> {
        train(initialWeights: initialWeights, onEpoch: onEpoch, onCheckpoint: { _ in })
    }

    /// Runs training from `initialWeights`, or continues from `resume` (a state a
    /// checkpoint saved) with the same bits as a run that never stopped.
    ///
    /// - Parameters:
    ///   - initialWeights: the weights of epoch 0 (`outputs x (features + 1)`, bias last).
    ///   - resume: a checkpoint's state to continue from, or nil to start at epoch 0.
    ///   - keepHistory: whether the result holds every epoch's record (memory grows with the
    ///     epochs; callers that stream records elsewhere pass false).
    ///   - checkpointEvery: calls `onCheckpoint` with the state after every this many epochs
    ///     (not after the last epoch, nor after one that stops the run).
    ///   - onEpoch: called with each epoch's record as it finishes.
    ///   - onCheckpoint: receives the state every `checkpointEvery` epochs.
    // Specialized here: the trainer is generic and its callers live in other modules, where
    // unspecialized code would go through witness tables on every SGD step.
    @_specialize(where T == Double)
    @_specialize(where T == Float)
    public func train(
        initialWeights: [T], resume: TrainingState<T>? = nil, keepHistory: Bool = true,
        checkpointEvery: Int? = nil,
        onEpoch: (EpochRecord) throws -> Void,
        onCheckpoint: (TrainingState<T>) throws -> Void
    ) rethrows -> TrainingResult<T> {
        precondition(initialWeights.count == parameterCount, "expected \(parameterCount) initial weights")
        let config = configuration
        var weights = resume?.weights ?? initialWeights
        var gradient = [T](repeating: 0, count: parameterCount)
        var optimizer = Optimizer<T>(
            parameterCount: parameterCount, momentum: config.momentum, dampening: config.dampening,
            nesterov: config.nesterov, weightDecay: config.weightDecay)
        var history: [EpochRecord] = []
        var lastRecord: EpochRecord?
        var best = resume?.best ?? Double.infinity
        var bestWeights = resume.map { $0.bestWeights.isEmpty ? $0.weights : $0.bestWeights } ?? weights
        var bestEpoch = resume?.bestEpoch ?? 0
        var sinceImprovement = resume?.sinceImprovement ?? 0
        var stop = StopReason.epochsCompleted
        let sgd = config.optimizer == .sgd ? SGDEpochs(trainer: self, initialWeights: weights) : nil
        var lbfgs: LBFGS?
        if config.resolvedSolver == .lbfgs {
            let memory = config.memory ?? TrainingConfiguration.defaultMemory
            var start = (x: weights.map { Double($0) }, s: [[Double]](), y: [[Double]]())
            if let saved = resume?.solverState {
                guard let restored = LBFGS.restore(saved, parameterCount: parameterCount, memory: memory) else {
                    preconditionFailure("the L-BFGS state does not fit the model")
                }
                start = restored
            }
            let width = train.featureCount + 1
            lbfgs = LBFGS(
                x: start.x, history: (start.s, start.y), memory: memory,
                tolerance: config.tolerance ?? TrainingConfiguration.defaultTolerance, l1: config.l1 ?? 0,
                penalized: (0..<parameterCount).map { ($0 + 1) % width != 0 },
                metric: Trainer.lbfgsMetric(train, l2: config.l2 ?? 0, l1: config.l1 ?? 0, parameters: parameterCount),
                objective: lbfgsObjective())
            if resume == nil, lbfgs!.gradientWithinTolerance { stop = .converged(iterations: 0) }
        }
        var passes = lbfgs?.evaluations ?? 0
        var autoRate =
            config.autoAlpha && sgd == nil && lbfgs == nil ? AutoRate(rate: resume?.solverState.first ?? 0) : nil
        if let resume {
            precondition(
                resume.weights.count == parameterCount && resume.velocity.count == parameterCount,
                "the state does not fit the model")
            if let sgd {
                sgd.restore(velocity: resume.velocity, steps: resume.optimizerSteps)
            } else {
                optimizer.restore(velocity: resume.velocity, steps: resume.optimizerSteps.first ?? 0)
            }
        }
        let firstEpoch = resume?.epoch ?? 0
        var epochsRun = firstEpoch

        // --tol with gradient descent or SGD: the relative improvement an epoch must make to
        // count, over --n-iter-no-change (--patience) epochs, 5 by default as scikit-learn's.
        let settleTolerance = config.resolvedSolver == .gd ? config.tolerance ?? 0 : 0
        let patience = config.patience ?? (config.resolvedSolver == .gd && config.tolerance != nil ? 5 : nil)
        var rates = LearningRateSequence(config)
        for epoch in firstEpoch..<max(firstEpoch, stop == .epochsCompleted ? config.epochs : firstEpoch) {
            let started = DispatchTime.now().uptimeNanoseconds
            var rate = rates.rate(epoch: epoch)
            var loss: Double
            var shuffleSeconds = 0.0
            var averageSeconds = 0.0
            var searchOutcome = LBFGS.Outcome.progressed
            if var solver = lbfgs {
                let step = solver.iterate(lbfgsObjective())
                lbfgs = solver
                for i in 0..<parameterCount { weights[i] = T(solver.x[i]) }
                (loss, rate, searchOutcome) = (step.value, step.stepLength, step.outcome)
                passes += step.evaluations
            } else if var state = autoRate {
                let stalled: Bool
                (loss, rate, stalled) = epochAutoRate(weights: &weights, state: &state, passes: &passes)
                autoRate = state
                if stalled { searchOutcome = .lineSearchFailed }
            } else if let sgd {
                (loss, shuffleSeconds, averageSeconds) = sgd.run(epoch: epoch, rate: T(rate))
                weights = sgd.weights
                if config.fullLoss { loss = lossOverTrainingSet(weights: weights) }
            } else {
                loss = epochFullBatch(weights: &weights, gradient: &gradient, optimizer: &optimizer, rate: T(rate))
                passes += 1
            }
            let validationLoss = validationEvaluator.map { Double(lossOf($0, weights: weights)) }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            let record = EpochRecord(
                epoch: epoch + 1, loss: loss, learningRate: rate, validationLoss: validationLoss, seconds: seconds,
                shuffleSeconds: shuffleSeconds, averageSeconds: averageSeconds)
            if keepHistory { history.append(record) }
            lastRecord = record
            epochsRun = epoch + 1
            try onEpoch(record)

            if !loss.isFinite || !weights.allSatisfy({ $0.isFinite }) || (validationLoss.map { !$0.isFinite } ?? false)
            {
                stop = .diverged(epoch: epoch + 1)
                break
            }
            let watched = validationLoss ?? loss
            // An epoch improves when it beats the best by more than --tol (relative; gradient
            // descent and SGD, as scikit-learn's SGD counts n_iter_no_change) or, without
            // --tol, at all.
            if watched < best
                && (settleTolerance == 0 || !best.isFinite || best - watched > settleTolerance * abs(best))
            {
                sinceImprovement = 0
            } else {
                sinceImprovement += 1
            }
            if watched < best {
                best = watched
                if validation != nil {
                    bestWeights = weights
                    bestEpoch = epoch + 1
                }
            }
            switch searchOutcome {
            case .progressed: break
            case .gradientWithinTolerance, .decreaseBelowPrecision: stop = .converged(iterations: epoch + 1)
            case .lineSearchFailed: stop = .lineSearchFailed(iteration: epoch + 1)
            }
            if stop != .epochsCompleted { break }
            if let target = config.targetLoss, loss <= target {
                stop = .targetLossReached(epoch: epoch + 1)
                break
            }
            if let patience, sinceImprovement >= patience {
                stop =
                    settleTolerance > 0
                    ? .settled(epoch: epoch + 1, window: patience) : .noImprovement(epoch: epoch + 1)
                break
            }
            if let every = checkpointEvery, (epoch + 1) % every == 0, epoch + 1 < config.epochs {
                let (velocity, steps) = sgd.map { $0.optimizerState() } ?? (optimizer.velocity, [optimizer.steps])
                try onCheckpoint(
                    TrainingState(
                        epoch: epoch + 1, weights: weights, velocity: velocity, optimizerSteps: steps,
                        best: best, bestWeights: validation != nil ? bestWeights : [],
                        bestEpoch: bestEpoch, sinceImprovement: sinceImprovement,
                        solverState: lbfgs?.savedState ?? autoRate.map { [$0.rate] } ?? []))
            }
        }
        // With validation data the best epoch's weights are kept (not after a divergence).
        let keepBest = validation != nil && bestEpoch > 0 && stop != .diverged(epoch: epochsRun)
        return TrainingResult(
            weights: keepBest ? bestWeights : weights, history: history, stopReason: stop,
            keptEpoch: keepBest ? bestEpoch : epochsRun, epochsRun: epochsRun, lastRecord: lastRecord, passes: passes,
            gradientMaximum: lbfgs.map { LBFGS.maximumMagnitude($0.gradient) }, bestLoss: best,
            epochsSinceImprovement: sinceImprovement)
    }

    /// The loss (summed or mean, as configured) of `weights` over the training set.
    public func lossOverTrainingSet(weights: [T]) -> Double { Double(lossOf(evaluator, weights: weights)) }

    func lossOf(_ evaluator: GradientEvaluator<T>, weights: [T]) -> T {
        var scratch = [T](repeating: 0, count: evaluator.parameterCount)
        let loss = weights.withUnsafeBufferPointer { w in
            scratch.withUnsafeMutableBufferPointer {
                evaluator.fullBatch(weights: w.baseAddress!, gradient: $0.baseAddress!)
            }
        }
        return configuration.gradient == .mean ? loss / T(evaluator.dataset.rowCount) : loss
    }

    func epochFullBatch(weights: inout [T], gradient: inout [T], optimizer: inout Optimizer<T>, rate: T) -> Double {
        let loss = fullGradient(weights: &weights, gradient: &gradient)
        weights.withUnsafeMutableBufferPointer { w in
            gradient.withUnsafeBufferPointer { g in
                optimizer.step(weights: w.baseAddress!, gradient: g.baseAddress!, rate: rate)
            }
        }
        return loss
    }

    /// `--alpha auto` between epochs: the last accepted rate (0 before the first), and the
    /// loss and gradient at the current weights, kept from the trial that reached them.
    struct AutoRate {
        var rate: Double
        var value = 0.0
        var gradient: [T] = []
    }

    /// Halvings one `--alpha auto` epoch may try before it gives up (the loss is flat to
    /// working precision along the gradient).
    static var maximumBacktracks: Int { 60 }

    /// One epoch of gradient descent with `--alpha auto`: from twice the last accepted rate
    /// (the first epoch: a step of unit length), halve until the loss falls by at least
    /// 1e-4 x rate x |g|^2 (Armijo). Each trial is one pass; the accepted trial's gradient is
    /// the next epoch's. Returns the loss at the epoch's start, the accepted rate, and whether
    /// no rate was accepted (then the weights stay).
    func epochAutoRate(weights: inout [T], state: inout AutoRate, passes: inout Int) -> (Double, Double, Bool) {
        if state.gradient.isEmpty {
            state.gradient = [T](repeating: 0, count: parameterCount)
            state.value = fullGradient(weights: &weights, gradient: &state.gradient)
            passes += 1
        }
        let start = state.value
        var squares = 0.0
        for v in state.gradient { squares = squares + Double(v) * Double(v) }
        guard squares > 0 else { return (start, 0, true) }
        var rate = state.rate > 0 ? 2 * state.rate : 1 / squares.squareRoot()
        var trial = weights
        var g = [T](repeating: 0, count: parameterCount)
        for _ in 0..<Trainer.maximumBacktracks {
            let r = T(rate)
            for i in 0..<parameterCount { trial[i] = weights[i] - r * state.gradient[i] }
            let value = fullGradient(weights: &trial, gradient: &g)
            passes += 1
            if Trainer.sufficientDecrease(from: start, to: value, rate: rate, squaredGradient: squares) {
                weights = trial
                state.value = value
                state.gradient = g
                state.rate = rate
                return (start, rate, false)
            }
            rate = rate / 2
        }
        return (start, 0, true)
    }

    /// Armijo's condition for a step of `rate` along the gradient: the loss fell from `start`
    /// to a finite `value` by at least 1e-4 x rate x |g|^2.
    static func sufficientDecrease(from start: Double, to value: Double, rate: Double, squaredGradient: Double) -> Bool
    {
        value.isFinite && value <= start - 1e-4 * rate * squaredGradient
    }

    /// The loss (penalty included) and gradient at `weights`, summed or mean as configured:
    /// what a gradient-descent epoch steps with.
    func fullGradient(weights: inout [T], gradient: inout [T]) -> Double {
        let count = T(train.rowCount)
        let mean = configuration.gradient == .mean
        let width = train.featureCount + 1
        let l2 = configuration.l2 ?? 0
        return weights.withUnsafeMutableBufferPointer { w in
            gradient.withUnsafeMutableBufferPointer { g in
                var loss = evaluator.fullBatch(weights: w.baseAddress!, gradient: g.baseAddress!)
                if mean {
                    for k in 0..<g.count { g[k] = g[k] / count }
                    loss = loss / count
                }
                var penalty = 0.0
                if l2 != 0 {
                    // mean loss + L/2 |w|^2, or n times that with summed gradients, the bias
                    // never penalised.
                    let strength = mean ? T(l2) : T(l2) * count
                    for k in 0..<g.count where (k + 1) % width != 0 {
                        penalty = penalty + Double(w[k]) * Double(w[k])
                        g[k] = g[k] + strength * w[k]
                    }
                    penalty = penalty * 0.5 * (mean ? l2 : l2 * Double(train.rowCount))
                }
                return Double(loss) + penalty
            }
        }
    }

    /// The diagonal preconditioner of L-BFGS on sparse rows: for weight j of each output,
    /// 1 / (mean(x_j^2) / 4 + L), the inverse of the log loss's Hessian diagonal where every
    /// probability is 1/2 (with the L2 penalty L); for a bias, 4. Sparse features are not
    /// centred or scaled (counts, often), so their curvatures differ by orders of magnitude:
    /// on 80,000 rows of 100,000 count features (AMD EPYC) L-BFGS took 635 iterations to
    /// come within 1e-4 of its optimum without it. The sums go row by row in chunk order: the
    /// same bits for every thread count. Nil for dense rows, and with an L1 penalty (OWL-QN
    /// keeps its plain recursion).
    static func lbfgsMetric(_ train: Dataset<T>, l2: Double, l1: Double, parameters: Int) -> [Double]? {
        guard let sparse = train.sparse, l1 == 0 else { return nil }
        let d = train.featureCount
        var squares = [Double](repeating: 0, count: d)
        let chunkRows = train.chunks.chunkRows
        for chunk in 0..<train.chunks.chunkCount {
            let indices = sparse.indices(chunk)
            let values = sparse.values(chunk)
            for e in 0..<sparse.offsets(chunk)[chunkRows] {
                let v = Double(values[e])
                squares[Int(indices[e])] += v * v
            }
        }
        let n = Double(max(1, train.rowCount))
        let row = (0..<d).map { j -> Double in 1 / max(squares[j] / n / 4 + l2, 1e-12) } + [4]
        return (0..<parameters / (d + 1)).flatMap { _ in row }
    }

    /// L-BFGS's objective: the mean loss (half the mean for squared error, whose kernel
    /// leaves out the derivative's factor 2) plus L/2 |w|^2 over every weight but the biases,
    /// evaluated with weights of the run's precision.
    func lbfgsObjective() -> LBFGS.Objective {
        let evaluator = self.evaluator
        let rows = Double(train.rowCount)
        let scale = configuration.loss == .squaredError ? 0.5 / rows : 1 / rows
        let width = train.featureCount + 1
        let l2 = configuration.l2 ?? 0
        let count = parameterCount
        let scratch = objectiveScratch
        return { x, out in
            // The weights and gradient in the run's precision, in buffers kept for the run
            // (two arrays of a million weights a call cost a page fault and a page clearing
            // each: 13% of a sparse L-BFGS run's time).
            let w = scratch.weights
            let g = scratch.gradient
            for i in 0..<count { w[i] = T(x[i]) }
            let loss = evaluator.fullBatch(weights: UnsafePointer(w), gradient: g)
            var squares = 0.0
            for i in 0..<count {
                out[i] = Double(g[i]) / rows
                if l2 != 0 && (i + 1) % width != 0 {
                    squares = squares + x[i] * x[i]
                    out[i] = out[i] + l2 * x[i]
                }
            }
            return Double(loss) * scale + 0.5 * l2 * squares
        }
    }
}
