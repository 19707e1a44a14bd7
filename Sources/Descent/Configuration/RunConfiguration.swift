import Foundation

/// A whole run: where the data comes from, how to train, and how to run.
///
/// Its JSON form (`--config FILE`) uses the command-line flag names as keys, for example
/// `{"samples": 1000, "cluster-std": 1.5, "epochs": 100}`; flags given on the command line
/// override the file. An unknown key is an error that names it.
public struct RunConfiguration: Sendable, Equatable {
    // Data
    public var samples = 1000
    public var features = 2
    public var centers = 2
    public var clusterStd = 1.5
    public var centerBox: ClosedRange<Double> = -10...10
    public var testFraction = 0.5
    public var validationFraction = 0.0
    public var trainFile: String?
    public var testFile: String?
    public var labelColumn: String?
    /// `--class-weight` (nil: every class weighs 1).
    public var classWeight: ClassWeight?
    /// `--weight-column`: the files' column of row weights (nil: none).
    public var weightColumn: String?
    public var standardize = false
    /// Generated regression data (`--task regression` without `--train`): the noise's
    /// standard deviation.
    public var noise = 10.0
    // Training (loss nil: squared-error for two classes, cross-entropy for more; least-squares
    // for regression)
    public var task: TaskKind?
    public var loss: Loss?
    public var training = TrainingConfiguration()
    public var initWeights: String?
    // Running
    public var precision: Precision = .float64
    public var threads: Int?
    public var numa: NUMAPolicy = .auto
    public var output: String?
    /// Write a checkpoint into the output's staging folder every this many epochs.
    public var checkpointEvery: Int?

    public init() {}

    /// The most threads a run may ask for.
    public static let maximumThreads = 4096

    /// The most classes a run trains: a dataset packs each row's class into at most 2 bytes.
    public static let maximumClasses = 1 << 16

    /// Applies the keys of a JSON configuration file.
    ///
    /// - Throws: ``DescentError/configuration(_:)`` for malformed JSON (with line and
    ///   column), unknown keys, and values of the wrong type.
    public mutating func apply(jsonFile path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            throw DescentError.input("\(path): no such configuration file; check the path given to --config")
        }
        try apply(json: MappedFile.contents(of: path, role: "--config"), source: path)
    }

    /// Applies the keys of a JSON object held in `data` (`source` names it in messages).
    public mutating func apply(json data: Data, source: String) throws {
        guard case .object(let object) = try JSONValue.parse(data, source: source) else {
            throw DescentError.configuration(
                "\(source): the configuration must be a JSON object like {\"epochs\": 100}")
        }
        try apply(object, from: .file(source))
    }

    /// Applies settings by key (``settings``): a configuration file's object, a checkpoint's,
    /// or the flags given on the command line.
    ///
    /// - Throws: ``DescentError/configuration(_:)`` naming an unknown key (with the nearest
    ///   known one) or a value of the wrong kind.
    public mutating func apply(_ object: [String: JSONValue], from source: SettingSource) throws {
        for key in object.keys.sorted() where RunConfiguration.setting(key) == nil {
            let keys = RunConfiguration.settings.map(\.key)
            let hint = keys.min { a, b in editDistance(a, key) < editDistance(b, key) } ?? ""
            let place: String
            switch source {
            case .file(let path): place = path
            case .commandLine: place = "the command line"
            }
            throw DescentError.configuration(
                "\(place): unknown key '\(key)' (did you mean '\(hint)'?); valid keys: \(keys.joined(separator: ", "))")
        }
        for setting in RunConfiguration.settings {
            if let value = object[setting.key] { try setting.read(&self, value, source) }
        }
    }

    /// The setting named `key`.
    public static func setting(_ key: String) -> Setting? { settings.first { $0.key == key } }

    /// The settings that have a value, by key (all of them, or those of one role): what a
    /// checkpoint and `model.json` record, and what ``apply(_:from:)`` reads back.
    public func settingsObject(role: Setting.Role? = nil) -> [String: JSONValue] {
        var object: [String: JSONValue] = [:]
        for setting in RunConfiguration.settings where role == nil || setting.role == role {
            object[setting.key] = setting.value(in: self)
        }
        return object
    }

    /// A hash of the identity settings (their compact JSON, keys sorted): two runs with the
    /// same hash compute the same thing.
    public var identityHash: String {
        FNV1a.hex(FNV1a.hash(JSONValue.object(settingsObject(role: .identity)).text(pretty: false)))
    }

    /// Lines `key then in the checkpoint, now now` for every identity setting that differs.
    public func differences(from other: RunConfiguration) -> [String] {
        RunConfiguration.settings.filter { $0.role == .identity }.compactMap { setting in
            let then = setting.value(in: other)
            let now = setting.value(in: self)
            guard then != now else { return nil }
            return
                "\(setting.key) \(then.map(\.description) ?? "(not set)") in the checkpoint, \(now.map(\.description) ?? "(not set)") now"
        }
    }

    /// The settings of gradient descent and SGD: giving any of them asks for the tutorial's
    /// way of training.
    public static let gradientDescentKeys: Set<String> = [
        "optimizer", "solver", "alpha", "momentum", "dampening", "nesterov", "weight-decay", "schedule", "step-size",
        "gamma", "decay", "gradient", "batch-size", "workers", "sync-every", "shuffle", "drop-last", "full-loss",
    ]

    /// Training on a file with none of ``gradientDescentKeys`` given (`given`: the keys of the
    /// configuration file and the flags): the model scikit-learn's `LogisticRegression()` fits,
    /// by L-BFGS (so a mean loss from zero weights, and log loss for two classes, see
    /// ``resolvedLoss(classCount:)``). Generated blobs, and `descent train` with no
    /// arguments, keep the tutorial's gradient descent.
    ///
    /// A regression (`--task regression` or a regression loss), on a file or generated, gets
    /// the same: L-BFGS with `--l2 1/n`, which is scikit-learn's `Ridge()` (alpha = 1).
    public mutating func chooseFileDefaults(given: Set<String>) {
        guard trainFile != nil || isRegression, training.solver == nil,
            given.isDisjoint(with: RunConfiguration.gradientDescentKeys)
        else { return }
        training.solver = .lbfgs
        // scikit-learn's default C = 1.
        if !given.contains("l2") && !given.contains("l1") { training.l2Penalty = .perRow(1) }
    }

    /// Checks every value; the message says what is wrong and what is allowed.
    public func validate() throws {
        func fail(_ message: String) throws -> Never { throw DescentError.configuration(message) }
        let t = training
        if t.epochs < 1 { try fail("--epochs must be at least 1 (got \(t.epochs))") }
        if t.autoAlpha {
            if t.optimizer == .sgd {
                try fail(
                    "--alpha auto is for full-batch gradient descent (each epoch's rate found by backtracking); SGD needs a number"
                )
            }
            if t.solver == .lbfgs { try fail("--alpha auto: L-BFGS has no learning rate; drop --alpha") }
            if t.momentum != 0 || t.schedule != .constant || t.weightDecay != 0 {
                try fail(
                    "--alpha auto takes plain gradient steps; it cannot combine with --momentum, --schedule or --weight-decay (use --l2)"
                )
            }
        } else if !(t.alpha > 0) || !t.alpha.isFinite {
            try fail("--alpha must be a finite number > 0 (got \(t.alpha)); the tutorial uses 0.01")
        }
        if let n = threads, n < 1 { try fail("--threads must be at least 1 (got \(n))") }
        if let n = threads, n > RunConfiguration.maximumThreads {
            try fail(
                "--threads must be at most \(RunConfiguration.maximumThreads) (got \(n)); any count gives the same bits, and more threads than CPUs only add overhead"
            )
        }
        if trainFile == nil {
            if samples < 2 {
                try fail("--samples must be at least 2 (got \(samples)): one row for training and one for testing")
            }
            if features < 1 { try fail("--features must be at least 1 (got \(features))") }
            if centers < 1 { try fail("--centers must be at least 1 (got \(centers))") }
            if centers < 2 {
                try fail("--centers must be at least 2 to make a classification problem (got \(centers))")
            }
            if centers > samples {
                try fail(
                    "--centers \(centers) is more than --samples \(samples); every center (class) needs at least one point"
                )
            }
            if centers > RunConfiguration.maximumClasses {
                try fail(
                    "--centers \(centers) is more classes than descent trains (at most \(RunConfiguration.maximumClasses))"
                )
            }
            if !(clusterStd >= 0) || !clusterStd.isFinite {
                try fail("--cluster-std must be a finite number >= 0 (got \(clusterStd))")
            }
            if samples >= Int(Int32.max) { try fail("--samples must be below 2^31 (got \(samples))") }
        }
        if testFile == nil {
            if !(testFraction > 0 && testFraction < 1) {
                try fail(
                    "--test-fraction must be strictly between 0 and 1 (got \(testFraction)); the tutorial uses 0.5")
            }
        }
        if testFile != nil && trainFile == nil { try fail("--test needs --train: give the training CSV too") }
        if !(validationFraction >= 0 && validationFraction < 1) {
            try fail("--validation-fraction must be in [0, 1) (got \(validationFraction))")
        }
        if t.batchSize < 1 { try fail("--batch-size must be at least 1 (got \(t.batchSize))") }
        if !(t.momentum >= 0) || !t.momentum.isFinite {
            try fail("--momentum must be a finite number >= 0 (got \(t.momentum))")
        }
        if !(t.dampening >= 0 && t.dampening <= 1) { try fail("--dampening must be in [0, 1] (got \(t.dampening))") }
        if !(t.weightDecay >= 0) || !t.weightDecay.isFinite {
            try fail("--weight-decay must be a finite number >= 0 (got \(t.weightDecay))")
        }
        if t.nesterov && (t.momentum <= 0 || t.dampening != 0) {
            try fail("--nesterov needs --momentum > 0 and --dampening 0 (as in torch.optim.SGD)")
        }
        if t.workers < 1 { try fail("--workers must be at least 1 (got \(t.workers)); 1 is plain sequential SGD") }
        if let s = t.syncEvery, s < 1 { try fail("--sync-every must be at least 1 batch (got \(s))") }
        if t.optimizer == .gd && t.workers != 1 {
            try fail(
                "--workers \(t.workers) needs --optimizer sgd: full-batch gradient descent already uses every thread with the same bits"
            )
        }
        if t.optimizer == .gd && t.syncEvery != nil {
            try fail("--sync-every needs --optimizer sgd and --workers (it sets how often SGD workers average)")
        }
        if let n = checkpointEvery {
            if n < 1 { try fail("--checkpoint-every must be at least 1 epoch (got \(n))") }
            if output == nil {
                try fail(
                    "--checkpoint-every needs --output DIR: the checkpoint is written beside the run's files, and --resume DIR reads it"
                )
            }
            if n >= t.epochs {
                try fail(
                    "--checkpoint-every \(n) would write no checkpoint in \(t.epochs) epochs (none is written after the last); use a smaller interval"
                )
            }
        }
        if let m = t.memory, m < 1 {
            try fail("--memory must be at least 1 correction pair (got \(m)); scikit-learn and scipy keep 10")
        }
        if let tol = t.tolerance, !(tol >= 0) || !tol.isFinite {
            try fail("--tol must be a finite number >= 0 (got \(tol)); scikit-learn's default is 1e-4")
        }
        if let l2 = t.l2, !(l2 >= 0) || !l2.isFinite {
            try fail("--l2 must be a finite number >= 0 (got \(l2)); it is scikit-learn's 1 / (C n)")
        }
        if let l1 = t.l1 {
            if !(l1 >= 0) || !l1.isFinite {
                try fail(
                    "--l1 must be a finite number >= 0 (got \(l1)); it is scikit-learn's 1 / (C n) with penalty=\"l1\"")
            }
            if t.resolvedSolver != .lbfgs {
                try fail(
                    "--l1 needs --solver lbfgs (which then runs as OWL-QN) in this version; gradient descent and SGD take --l2 or --weight-decay"
                )
            }
        }
        if t.solver == .lbfgs {
            if t.optimizer == .sgd {
                try fail(
                    "--solver lbfgs is a full-batch solver and cannot run with --optimizer sgd; drop one of them")
            }
            if t.momentum != 0 || t.nesterov {
                try fail("--momentum and --nesterov are for gradient descent; L-BFGS chooses its own steps")
            }
            if t.weightDecay != 0 {
                try fail("--weight-decay is torch's decay for gradient descent; with --solver lbfgs use --l2")
            }
            if t.schedule != .constant {
                try fail(
                    "--schedule is a learning-rate schedule; L-BFGS has no learning rate (its line search picks each step)"
                )
            }
        } else if t.memory != nil {
            try fail("--memory sets L-BFGS's history; it needs --solver lbfgs")
        }
        if isRegression {
            if let loss, !loss.isRegression {
                try fail(
                    "--loss \(loss.rawValue) is a classification loss; --task regression fits targets with --loss least-squares or huber"
                )
            }
            if t.optimizer == .sgd {
                try fail(
                    "regression (--task regression, --loss least-squares or huber) works with full-batch training (--solver gd or lbfgs) in this version; SGD does not fit targets yet"
                )
            }
            if classWeight != nil {
                try fail(
                    "--class-weight weighs classes, and a regression has none; use --weight-column for row weights")
            }
            if task == .classification {
                try fail(
                    "--loss \(loss?.rawValue ?? "") fits regression targets; drop --task classification or use a classification loss"
                )
            }
        }
        if let epsilon = t.epsilon {
            if !(epsilon > 0) || !epsilon.isFinite {
                try fail(
                    "--epsilon must be a finite number > 0 (got \(epsilon)); it is Huber's threshold, in the targets' units"
                )
            }
            if (loss ?? (isRegression ? .leastSquares : .logLoss)) != .huber {
                try fail("--epsilon is Huber's threshold; it needs --loss huber")
            }
        }
        if !(noise >= 0) || !noise.isFinite {
            try fail("--noise must be a finite number >= 0 (got \(noise)); it is the generated targets' noise")
        }
        if classWeight != nil || weightColumn != nil {
            let flag = weightColumn != nil ? "--weight-column" : "--class-weight"
            if t.optimizer == .sgd {
                try fail(
                    "\(flag) works with full-batch training (--optimizer gd, --solver gd or lbfgs) in this version; SGD does not weigh rows yet"
                )
            }
            if weightColumn != nil && trainFile == nil {
                try fail("--weight-column names a column of --train; generated blobs have none (use --class-weight)")
            }
            if let w = weightColumn, let l = labelColumn, w == l {
                try fail("--weight-column and --label-column are both '\(w)'; the weights need a column of their own")
            }
        }
        if let p = t.patience, p < 1 { try fail("--patience must be at least 1 (got \(p))") }
        if let target = t.targetLoss, !target.isFinite {
            try fail("--target-loss must be a finite number (got \(target))")
        }
        if t.stepSize < 1 { try fail("--step-size must be at least 1 (got \(t.stepSize))") }
        if !(t.gamma > 0) || !t.gamma.isFinite { try fail("--gamma must be a finite number > 0 (got \(t.gamma))") }
        if !(t.decay >= 0) || !t.decay.isFinite { try fail("--decay must be a finite number >= 0 (got \(t.decay))") }
    }

    /// Whether the run fits continuous targets: `--task regression`, or a regression loss.
    public var isRegression: Bool { task == .regression || (loss?.isRegression ?? false) }

    /// The loss to train with for `classCount` classes.
    public func resolvedLoss(classCount: Int) throws -> Loss {
        if isRegression { return loss ?? .leastSquares }
        // Two classes: the tutorial's squared error for gradient descent, log loss (scikit-learn's)
        // for L-BFGS.
        let chosen =
            loss ?? (classCount > 2 ? .crossEntropy : training.solver == .lbfgs ? .logLoss : .squaredError)
        if chosen == .hinge && training.solver == .lbfgs {
            throw DescentError.configuration(
                "--solver lbfgs needs a smooth loss and hinge is not; use --loss cross-entropy (softmax) or log-loss (two classes), or --solver gd for hinge"
            )
        }
        if chosen.isBinary && classCount > 2 {
            throw DescentError.configuration(
                "--loss \(chosen.rawValue) is for two classes, but the data has \(classCount) (labels 0...\(classCount - 1)); use --loss cross-entropy or --loss hinge"
            )
        }
        return chosen
    }
}

func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a)
    let b = Array(b)
    var previous = Array(0...b.count)
    for i in 1...max(1, a.count) where !a.isEmpty {
        var current = [i] + Array(repeating: 0, count: b.count)
        for j in 1...max(1, b.count) where !b.isEmpty {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}
