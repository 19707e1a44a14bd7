import ArgumentParser
import Descent
import Foundation

extension Loss: ExpressibleByArgument {}
extension GradientReduction: ExpressibleByArgument {}
extension OptimizerKind: ExpressibleByArgument {}
extension Solver: ExpressibleByArgument {}
extension ClassWeight: ExpressibleByArgument {}
extension TaskKind: ExpressibleByArgument {}
extension ScheduleKind: ExpressibleByArgument {}
extension Precision: ExpressibleByArgument {}
extension ShuffleMode: ExpressibleByArgument {}
extension L2Penalty: ExpressibleByArgument {
    public init?(argument: String) {
        guard let value = L2Penalty(json: Double(argument).map(JSONValue.number) ?? .string(argument)) else {
            return nil
        }
        self = value
    }
}
extension LearningRate: ExpressibleByArgument {
    public init?(argument: String) {
        if argument == "auto" {
            self = .auto
        } else if let rate = Double(argument) {
            self = .value(rate)
        } else {
            return nil
        }
    }
}
extension NUMAPolicy: ExpressibleByArgument {}

/// The options shared by `train`, `verify` and (partly) `bench`: a configuration file and
/// the flags that override it. Every option is optional, so only flags that are given
/// override the file.
struct RunOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "JSON configuration file; its keys are these flags' names (see Configs/).", valueName: "file"))
    var config: String?

    // Data
    @Option(help: "Points to generate (make_blobs n_samples). Default 1000.") var samples: Int?
    @Option(help: "Features per point. Default 2.") var features: Int?
    @Option(help: "Blob centers, one class each. Default 2.") var centers: Int?
    @Option(help: "Standard deviation of each blob. Default 1.5.") var clusterStd: Double?
    @Option(help: ArgumentHelp("Box the centers are drawn in, as LOW,HIGH. Default -10,10.", valueName: "low,high"))
    var centerBox: String?
    @Option(
        help:
            "Generated regression data (--task regression without --train): the noise's standard deviation, as make_regression's noise. Default 10."
    )
    var noise: Double?
    @Option(help: "Fraction of points held out for testing. Default 0.5.") var testFraction: Double?
    @Option(help: "Fraction of the training points held out for early stopping (with --patience). Default 0.")
    var validationFraction: Double?
    @Option(
        help: ArgumentHelp(
            "Training data instead of blobs: CSV (features and a label column; comma-, tab- or semicolon-separated), .npy (2-D) or .npz (X and y). Labels may be any numbers or names.",
            valueName: "file"))
    var train: String?
    @Option(
        help: ArgumentHelp(
            "Test data with the same columns (CSV, .npy or .npz); without it --test-fraction of --train is held out.",
            valueName: "file"))
    var test: String?
    @Option(
        parsing: .unconditional,
        help:
            "Label column, by header name or 0-based index (negative counts from the end: -1 is the last). Default: the last."
    )
    var labelColumn: String?
    @Option(
        parsing: .unconditional,
        help:
            "Column of per-row weights (header name or 0-based index; finite, >= 0): each row's loss and gradient are multiplied by it. Not a feature. Full batch (gd, lbfgs)."
    )
    var weightColumn: String?
    @Option(
        help:
            "balanced: a row of class c weighs n / (k n_c), as scikit-learn's class_weight=\"balanced\" (times its --weight-column weight). Full batch (gd, lbfgs)."
    )
    var classWeight: ClassWeight?
    @Flag(
        name: .long, inversion: .prefixedNo,
        help: "Scale CSV features by the training set's mean and standard deviation.")
    var standardize: Bool?
    @Option(help: "Seed for data, split, initial weights and shuffles. Default 3.") var seed: Int?

    // Model and training
    @Option(
        help:
            "classification (labels of any kind) or regression (numeric targets: --loss least-squares or huber; full batch). Default: classification, or regression for a regression loss."
    )
    var task: TaskKind?
    @Option(
        help:
            "squared-error (the tutorial's), log-loss, cross-entropy (softmax) or hinge; for regression least-squares (Ridge's) or huber. Default: squared-error for 2 classes, cross-entropy for more, least-squares for regression."
    )
    var loss: Loss?
    @Option(help: "Huber's threshold, in the targets' units: residuals beyond it cost linearly. Default 1.35.")
    var epsilon: Double?
    @Option(help: "sum (the tutorial's) or mean over the rows of a batch. Default sum.") var gradient:
        GradientReduction?
    @Option(help: "gd (full batch, one update per epoch) or sgd (mini-batches). Default gd.") var optimizer:
        OptimizerKind?
    @Option(
        help:
            "Full batch: gd (gradient descent with the learning rate --alpha, the tutorial's) or lbfgs (L-BFGS: no learning rate, stops at --tol; minimizes the mean loss plus --l2, as scikit-learn). Default gd."
    )
    var solver: Solver?
    @Option(help: "L-BFGS: correction pairs kept. Default 10.") var memory: Int?
    @Option(
        help:
            "L-BFGS: stop when the largest absolute component of the objective's gradient is at most this (scikit-learn's tol, whose default is 1e-4; default 1e-8). Gradient descent and SGD: stop when no epoch of --n-iter-no-change (5) lowered the loss by more than this, relative (default: off)."
    )
    var tol: Double?
    @Option(
        help:
            "L2 penalty L: minimizes the mean loss + L/2 |w|^2, biases not penalised (scikit-learn's C = 1 / (n L)); K/n is K per training row. With SGD each batch's mean loss + L/2 |w|^2 (scikit-learn's SGDClassifier(alpha=L)). Default: 1/n (C = 1) for L-BFGS on a file by default, else 0."
    )
    var l2: L2Penalty?
    @Option(
        help:
            "L1 penalty L: adds L |w|_1 (biases not penalised; scikit-learn's C = 1 / (n L) with penalty=\"l1\"). Needs --solver lbfgs, which then runs as OWL-QN. Default 0."
    )
    var l1: Double?
    @Option(
        name: [.long, .customLong("max-iter")],
        help: "Epochs to train; with --solver lbfgs, the most iterations (--max-iter is the same). Default 100.")
    var epochs: Int?
    @Option(
        help:
            "Learning rate, or auto: full-batch gradient descent then finds each epoch's rate by backtracking (Armijo). Default 0.01."
    )
    var alpha: LearningRate?
    @Option(help: "Rows per SGD batch. Default 32.") var batchSize: Int?
    @Option(
        help:
            "SGD's order of each epoch's rows, by seed and epoch: blocks (blocks of rows in a random order, shuffled again inside cache-sized windows: no copy of the epoch), full (a uniform permutation, through a copy of the epoch) or none (the stored order). Default blocks."
    )
    var shuffle: ShuffleMode?
    @Flag(name: .customLong("no-shuffle"), help: "The same as --shuffle none.") var noShuffle = false
    @Flag(
        inversion: .prefixedNo,
        help: "Skip the last, shorter SGD batch (--no-drop-last overrides a configuration file).")
    var dropLast: Bool?
    @Flag(
        inversion: .prefixedNo,
        help:
            "SGD: report the loss over the whole training set after each epoch instead of the mean batch loss (--no-full-loss overrides a configuration file)."
    )
    var fullLoss: Bool?
    @Option(help: "Momentum (torch.optim.SGD). Default 0.") var momentum: Double?
    @Option(help: "Dampening of the momentum (torch.optim.SGD). Default 0.") var dampening: Double?
    @Flag(name: .long, inversion: .prefixedNo, help: "Nesterov momentum (needs --momentum > 0, --dampening 0).")
    var nesterov: Bool?
    @Option(help: "L2 weight decay added to the gradient (torch.optim.SGD). Default 0.") var weightDecay: Double?
    @Option(help: "Learning-rate schedule: constant, step, inverse-time or cosine. Default constant.") var schedule:
        ScheduleKind?
    @Option(help: "step schedule: epochs between rate cuts. Default 30.") var stepSize: Int?
    @Option(help: "step schedule: factor applied at each cut. Default 0.1.") var gamma: Double?
    @Option(help: "inverse-time schedule: alpha / (1 + decay * epoch). Default 0.01.") var decay: Double?
    @Option(help: "Stop once the epoch's loss is at or below this.") var targetLoss: Double?
    @Option(
        name: [.long, .customLong("n-iter-no-change")],
        help:
            "Stop when the loss (validation loss with --validation-fraction) has not improved (by more than --tol, when given) for this many epochs; --n-iter-no-change is the same. Default: 5 with --tol, else none."
    )
    var patience: Int?
    @Option(
        help:
            "SGD: logical workers K, each training on 1/K of every epoch and averaged every --sync-every batches (same bits for any thread count). Default 1 (plain SGD)."
    )
    var workers: Int?
    @Option(
        help:
            "SGD with --workers: batches each worker runs between averagings. Default: 32768 / (workers x batch size), at least 1."
    )
    var syncEvery: Int?
    @Option(
        help: ArgumentHelp(
            "Initial weights: a CSV line of features+1 numbers (bias last) per output, or a model.json.",
            valueName: "file"))
    var initWeights: String?

    // Running
    @Option(help: "float32 or float64. Default float64.") var precision: Precision?
    @Option(
        help:
            "Threads (concurrentPerform iterations). Default: the CPUs this process may use. Any value gives the same bits."
    )
    var threads: Int?
    @Option(help: "NUMA placement: auto, off or interleave. Default auto. Results are identical under all three.")
    var numa: NUMAPolicy?
    @Option(
        help: ArgumentHelp("Folder for loss.csv, loss.svg, data.svg, metrics.json and model.json.", valueName: "dir"))
    var output: String?

    // Outputs as a unit, checkpoints
    @Flag(help: "Replace the earlier run in --output DIR (when this run finishes; until then DIR keeps it).")
    var overwrite = false
    @Option(
        help: ArgumentHelp(
            "Write a checkpoint every N epochs beside --output DIR (in DIR.partial), so --resume DIR can continue the run bit for bit.",
            valueName: "N"))
    var checkpointEvery: Int?
    @Option(
        help: ArgumentHelp(
            "Continue the interrupted run of --output DIR from its last checkpoint, with the same bits as a run that never stopped. Other flags must match the run's (--threads and --numa may change).",
            valueName: "dir"))
    var resume: String?

    /// The options that are not settings of a run: the configuration file and what to do
    /// with the output folder.
    static let notSettings: Set<String> = ["config", "overwrite", "resume", "no-shuffle"]

    /// The settings given on the command line, by key. Every other option of this group is
    /// a setting (``RunConfiguration/settings``) whose key is the option's name: the property
    /// `clusterStd` is the flag `--cluster-std`, ArgumentParser's default naming, and the
    /// key `cluster-std` (a test checks that every flag of `train` is a setting).
    var givenSettings: [String: JSONValue] {
        var given: [String: JSONValue] = [:]
        for child in Mirror(reflecting: self).children {
            guard let label = child.label, let option = child.value as? GivenArgument else { continue }
            let name = RunOptions.flagName(String(label.drop { $0 == "_" }))
            guard !RunOptions.notSettings.contains(name), let value = option.given else { continue }
            given[name] = value
        }
        if noShuffle { given["shuffle"] = ShuffleMode.none.json }
        return given
    }

    /// ArgumentParser's long name of a property: `clusterStd` is `cluster-std`.
    static func flagName(_ property: String) -> String {
        var name = ""
        for character in property {
            if character.isUppercase { name += "-" + character.lowercased() } else { name.append(character) }
        }
        return name
    }

    /// The configuration: `base` (defaults, or a resumed run's), then the file, then the flags
    /// given; for a new run (not a resumed one, whose settings are all in its checkpoint)
    /// training on a file, the file defaults (``RunConfiguration/chooseFileDefaults(given:)``).
    func makeConfiguration(base: RunConfiguration? = nil) throws -> RunConfiguration {
        var c = base ?? RunConfiguration()
        var keys: Set<String> = []
        if let path = config {
            try c.apply(jsonFile: path)
            if case .object(let object)? = try? JSONValue.parse(
                MappedFile.contents(of: path, role: "--config"), source: path)
            {
                keys.formUnion(object.keys)
            }
        }
        let given = givenSettings
        try c.apply(given, from: .commandLine)
        if base == nil { c.chooseFileDefaults(given: keys.union(given.keys)) }
        try c.validate()
        try checkInputFlags(c, given: given)
        return c
    }
}

/// An option or flag of the command line whose value, when given, is a setting's JSON value.
protocol GivenArgument {
    var given: JSONValue? { get }
}

extension Option: GivenArgument where Value: OptionalSettingValue {
    var given: JSONValue? { wrappedValue.settingJSON }
}

extension Flag: GivenArgument where Value == Bool? {
    var given: JSONValue? { wrappedValue.map(JSONValue.bool) }
}

protocol OptionalSettingValue {
    var settingJSON: JSONValue? { get }
}

extension Optional: OptionalSettingValue where Wrapped: SettingValue {
    var settingJSON: JSONValue? { map(\.json) }
}

/// Exit statuses: 0 success, 2 bad input or configuration, 3 training diverged,
/// 4 outputs could not be written, 1 verification found a difference.
enum Exit {
    static func fail(_ error: Error) -> ExitCode {
        let message = "\(error)"
        StandardError.write("error: \(message)\n")
        return ExitCode(code(for: error))
    }

    /// The exit status for `error`.
    static func code(for error: Error) -> Int32 {
        switch error {
        case DescentError.diverged: return 3
        case DescentError.output: return 4
        default: return 2
        }
    }
}

/// Writes to standard error.
func note(_ text: String) {
    if Ranks.quiet { return }
    StandardError.write(text + "\n")
}
