/// Which optimizer updates the weights (`--optimizer`).
public enum OptimizerKind: String, Sendable, CaseIterable {
    /// Full-batch gradient descent: one update per epoch (the tutorial's).
    case gd
    /// Mini-batch stochastic gradient descent: one update per batch.
    case sgd
}

/// How SGD orders each epoch's rows (`--shuffle`).
public enum ShuffleMode: String, Sendable, CaseIterable {
    /// Blocks of consecutive rows in a random order, shuffled again inside cache-sized
    /// windows (CorgiPile's two-level shuffle over the loader's seeded order): reads stay
    /// sequential and no copy of the epoch is made. The default.
    case blocks
    /// A uniform permutation of all rows each epoch, materialised as a copy of the epoch.
    case full
    /// The stored order every epoch (`--no-shuffle`).
    case none
}

/// How full-batch training finds its steps (`--solver`).
public enum Solver: String, Sendable, CaseIterable {
    /// Gradient descent with the learning rate `--alpha` (the tutorial's).
    case gd
    /// Limited-memory BFGS with a strong-Wolfe line search: no learning rate to tune, for
    /// the smooth losses. It minimizes the mean loss plus the `--l2` penalty, as
    /// scikit-learn's `LogisticRegression(solver="lbfgs")` does.
    case lbfgs
}

/// The learning rate as `--alpha` gives it: a number, or `auto` (full-batch gradient descent
/// finds each epoch's rate by backtracking).
public enum LearningRate: Sendable, Equatable {
    case value(Double)
    case auto
}

/// The L2 penalty as `--l2` gives it: a strength, or a number per training row (`1/n` is
/// scikit-learn's default C = 1 whatever the number of rows).
public enum L2Penalty: Sendable, Equatable {
    case value(Double)
    /// K / n for n training rows.
    case perRow(Double)
}

/// How the learning rate changes over epochs (`--schedule`).
public enum ScheduleKind: String, Sendable, CaseIterable {
    case constant
    /// alpha * gamma^floor(t / step-size).
    case step
    /// alpha / (1 + decay * t).
    case inverseTime = "inverse-time"
    /// alpha * (1 + cos(pi * t / epochs)) / 2.
    case cosine
}

/// Everything the trainer needs to know, resolved from flags and configuration files.
public struct TrainingConfiguration: Sendable, Equatable {
    public var loss: Loss = .squaredError
    public var gradient: GradientReduction = .sum
    public var optimizer: OptimizerKind = .gd
    public var epochs: Int = 100
    public var alpha: Double = 0.01
    /// `--alpha auto`: full-batch gradient descent chooses each epoch's rate by backtracking
    /// from twice the last one until the loss falls enough (Armijo); ``alpha`` is unused.
    public var autoAlpha = false
    public var batchSize: Int = 32
    public var shuffle: ShuffleMode = .blocks
    public var dropLast: Bool = false
    public var fullLoss: Bool = false
    public var momentum: Double = 0
    public var dampening: Double = 0
    public var nesterov: Bool = false
    public var weightDecay: Double = 0
    public var schedule: ScheduleKind = .constant
    public var stepSize: Int = 30
    public var gamma: Double = 0.1
    public var decay: Double = 0.01
    public var targetLoss: Double?
    public var patience: Int?
    /// Full batch: gradient descent (nil means gd) or L-BFGS.
    public var solver: Solver?
    /// L-BFGS: the correction pairs kept (`--memory`); nil means ``defaultMemory``.
    public var memory: Int?
    /// The tolerance to stop on (`--tol`): for L-BFGS, the largest absolute component of the
    /// objective's gradient (scikit-learn's `gtol`); nil means ``defaultTolerance``.
    public var tolerance: Double?
    /// L2 penalty strength L (`--l2`): the objective is the mean loss + L/2 |w|^2 with the
    /// bias never penalised (scikit-learn's `C = 1 / (n L)`); nil means 0.
    public var l2: Double?
    /// `--l2 K/n`: ``l2`` holds K and the strength is K / (training rows), resolved when the
    /// data are known (``Experiment``).
    public var l2PerRow = false
    /// L1 penalty strength (`--l1`): adds L1 |w|_1 (biases not penalised) to the objective;
    /// L-BFGS then runs as OWL-QN. Nil means 0.
    public var l1: Double?
    /// Huber's threshold (`--epsilon`): residuals beyond it cost linearly; nil means
    /// ``defaultEpsilon``.
    public var epsilon: Double?
    /// scikit-learn's `HuberRegressor` default (there in units of the residuals' scale,
    /// here in the targets' own units).
    public static let defaultEpsilon = 1.35
    /// The one setting of the loss, as the kernels take it: Huber's epsilon (0 for the rest).
    public var lossParameter: Double { loss == .huber ? epsilon ?? TrainingConfiguration.defaultEpsilon : 0 }
    /// SGD: the number K of logical workers (`--workers`). Each runs ordinary SGD over its
    /// own contiguous 1/K share of the epoch's rows, and the K models are averaged in a fixed
    /// order every ``syncEvery`` batches. K is part of the configuration, never of the
    /// machine: any thread count gives the same bits. K = 1 is plain sequential SGD.
    public var workers: Int = 1
    /// SGD with workers: batches each worker runs between two averagings (`--sync-every`);
    /// nil means ``defaultSyncEvery(batchSize:workers:)``.
    public var syncEvery: Int?
    /// Seed 3 draws blob centers as far apart as the tutorial's make_blobs(random_state=1)
    /// draws them, so the default run has the tutorial's shape (loss 156 at epoch 1, 0.51 at 100).
    public var seed: UInt64 = 3
    /// Batches with at least this many rows are split over threads; smaller ones run on
    /// one core. Either way the bits are the same (the chunks and the tree do not change).
    public var parallelBatchRows: Int = TrainingConfiguration.defaultParallelBatchRows

    /// Chosen by measurement (BENCHMARKS.md, "Splitting SGD batches"): on the 2-core
    /// development machine, batches of 2048 and 4096 shuffled rows ran slower on two threads
    /// than on one (0.78x, 0.81x), 8192 ran 1.39x faster and 16384 1.73x.
    public static let defaultParallelBatchRows = 8192

    /// L-BFGS's correction pairs when `--memory` is not given (scipy's and scikit-learn's 10).
    public static let defaultMemory = 10
    /// `--tol` when not given: tighter than scikit-learn's 1e-4, because an iteration here costs
    /// one pass at memory speed, and the coefficients are within about tol / (the smallest
    /// curvature, at least --l2) of the optimum. Measured (BENCHMARKS.md, "L-BFGS"): on
    /// make_classification 1e-4 left them 8e-4 from scikit-learn's tol=1e-8 model; on digits
    /// with --l2 0.01, 1e-6 left them 2.4e-4 away; 1e-8 meets 1e-4 on both, for 3-7 more
    /// iterations.
    public static let defaultTolerance = 1e-8

    /// `--l2` as one setting.
    public var l2Penalty: L2Penalty? {
        get { l2.map { l2PerRow ? .perRow($0) : .value($0) } }
        set {
            switch newValue {
            case nil:
                l2 = nil
                l2PerRow = false
            case .value(let v)?:
                l2 = v
                l2PerRow = false
            case .perRow(let k)?:
                l2 = k
                l2PerRow = true
            }
        }
    }

    /// `--alpha` as one setting: a number, or auto.
    public var learningRate: LearningRate {
        get { autoAlpha ? .auto : .value(alpha) }
        set {
            switch newValue {
            case .auto: autoAlpha = true
            case .value(let rate):
                autoAlpha = false
                alpha = rate
            }
        }
    }

    /// Whether a step may evaluate the loss more than once (L-BFGS's line search, `--alpha
    /// auto`'s backtracking): then rows a second count passes over the data, not epochs.
    public var searchesEachStep: Bool { resolvedSolver == .lbfgs || (autoAlpha && optimizer == .gd) }

    /// The solver this configuration uses.
    public var resolvedSolver: Solver { optimizer == .sgd ? .gd : solver ?? .gd }

    public init() {}

    /// Rows all workers together train on between two averagings when `--sync-every` is not
    /// given: the default interval is this many rows split over the K workers, rounded to
    /// whole batches. Each averaging round costs one `concurrentPerform` (a wake-up of the
    /// hosting threads, ~10 us on the development VM), so a round should hold tens of
    /// microseconds of work whatever K is. Chosen by measurement (BENCHMARKS.md, "Choosing
    /// --sync-every"): 2048 rows a worker at K = 16 was as accurate as averaging more often.
    public static let defaultSyncRows = 32_768

    /// The default batches between averagings for `workers` workers and `batchSize`:
    /// ``defaultSyncRows`` / (workers x batch size), at least one batch.
    public static func defaultSyncEvery(batchSize: Int, workers: Int) -> Int {
        let (rows, overflow) = max(1, workers).multipliedReportingOverflow(by: max(1, batchSize))
        return overflow ? 1 : max(1, defaultSyncRows / rows)
    }

    /// The batches between averagings this configuration uses.
    public var resolvedSyncEvery: Int {
        syncEvery ?? TrainingConfiguration.defaultSyncEvery(batchSize: batchSize, workers: workers)
    }

    /// Batches between averagings when there are several workers, nil for one.
    var averagingRound: Int? { workers > 1 ? resolvedSyncEvery : nil }

    /// The learning rate for epoch `epoch` (0-based).
    public func learningRate(epoch: Int) -> Double {
        switch schedule {
        case .constant:
            return alpha
        case .step:
            var rate = alpha
            for _ in 0..<(epoch / max(1, stepSize)) { rate *= gamma }
            return rate
        case .inverseTime:
            return alpha / (1 + decay * Double(epoch))
        case .cosine:
            return alpha * (1 + cosine(Double.pi * Double(epoch) / Double(max(1, epochs)))) / 2
        }
    }
}

#if canImport(Glibc)
import Glibc
private func cosine(_ x: Double) -> Double { Glibc.cos(x) }
#else
import Darwin
private func cosine(_ x: Double) -> Double { Darwin.cos(x) }
#endif
