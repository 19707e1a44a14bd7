import Foundation

/// The floating-point type a run uses (`--precision`).
public enum Precision: String, Sendable, Codable, CaseIterable {
    case float32, float64
}

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
    public var standardize = false
    // Training (loss nil: squared-error for two classes, cross-entropy for more)
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

    /// The configuration keys a JSON file may hold.
    public static let keys: [String] = [
        "samples", "features", "centers", "cluster-std", "center-box", "test-fraction", "validation-fraction",
        "train", "test", "label-column", "standardize", "seed",
        "loss", "gradient", "optimizer", "epochs", "alpha", "batch-size", "shuffle", "drop-last", "full-loss",
        "momentum", "dampening", "nesterov", "weight-decay", "schedule", "step-size", "gamma", "decay",
        "target-loss", "patience", "workers", "sync-every", "init-weights", "precision", "threads", "numa", "output",
        "checkpoint-every",
    ]

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
        guard case .object(let dictionary) = try JSONValue.parse(data, source: source) else {
            throw DescentError.configuration("\(source): the configuration must be a JSON object like {\"epochs\": 100}")
        }
        for key in dictionary.keys.sorted() where !RunConfiguration.keys.contains(key) {
            let hint = RunConfiguration.keys.min { a, b in editDistance(a, key) < editDistance(b, key) } ?? ""
            throw DescentError.configuration("\(source): unknown key '\(key)' (did you mean '\(hint)'?); valid keys: \(RunConfiguration.keys.joined(separator: ", "))")
        }
        let reader = JSONValueReader(dictionary: dictionary, source: source)
        if let v = try reader.int("samples") { samples = v }
        if let v = try reader.int("features") { features = v }
        if let v = try reader.int("centers") { centers = v }
        if let v = try reader.double("cluster-std") { clusterStd = v }
        if let v = try reader.doubles("center-box") {
            guard v.count == 2, v[0] < v[1] else { throw DescentError.configuration("\(source): 'center-box' must be [low, high] with low < high") }
            centerBox = v[0]...v[1]
        }
        if let v = try reader.double("test-fraction") { testFraction = v }
        if let v = try reader.double("validation-fraction") { validationFraction = v }
        if let v = try reader.string("train") { trainFile = v }
        if let v = try reader.string("test") { testFile = v }
        if let v = try reader.string("label-column") { labelColumn = v }
        if let v = try reader.bool("standardize") { standardize = v }
        if let v = try reader.int("seed") {
            guard v >= 0 else { throw DescentError.configuration("\(source): 'seed' must be a whole number >= 0") }
            training.seed = UInt64(v)
        }
        if let v: Loss = try reader.enumeration("loss") { loss = v }
        if let v: GradientReduction = try reader.enumeration("gradient") { training.gradient = v }
        if let v: OptimizerKind = try reader.enumeration("optimizer") { training.optimizer = v }
        if let v = try reader.int("epochs") { training.epochs = v }
        if let v = try reader.double("alpha") { training.alpha = v }
        if let v = try reader.int("batch-size") { training.batchSize = v }
        if let v = try reader.bool("shuffle") { training.shuffle = v }
        if let v = try reader.bool("drop-last") { training.dropLast = v }
        if let v = try reader.bool("full-loss") { training.fullLoss = v }
        if let v = try reader.double("momentum") { training.momentum = v }
        if let v = try reader.double("dampening") { training.dampening = v }
        if let v = try reader.bool("nesterov") { training.nesterov = v }
        if let v = try reader.double("weight-decay") { training.weightDecay = v }
        if let v: ScheduleKind = try reader.enumeration("schedule") { training.schedule = v }
        if let v = try reader.int("step-size") { training.stepSize = v }
        if let v = try reader.double("gamma") { training.gamma = v }
        if let v = try reader.double("decay") { training.decay = v }
        if let v = try reader.double("target-loss") { training.targetLoss = v }
        if let v = try reader.int("patience") { training.patience = v }
        if let v = try reader.int("workers") { training.workers = v }
        if let v = try reader.int("sync-every") { training.syncEvery = v }
        if let v = try reader.string("init-weights") { initWeights = v }
        if let v: Precision = try reader.enumeration("precision") { precision = v }
        if let v = try reader.int("threads") { threads = v }
        if let v: NUMAPolicy = try reader.enumeration("numa") { numa = v }
        if let v = try reader.string("output") { output = v }
        if let v = try reader.int("checkpoint-every") { checkpointEvery = v }
    }

    /// Checks every value; the message says what is wrong and what is allowed.
    public func validate() throws {
        func fail(_ message: String) throws -> Never { throw DescentError.configuration(message) }
        let t = training
        if t.epochs < 1 { try fail("--epochs must be at least 1 (got \(t.epochs))") }
        if !(t.alpha > 0) || !t.alpha.isFinite { try fail("--alpha must be a finite number > 0 (got \(t.alpha)); the tutorial uses 0.01") }
        if let n = threads, n < 1 { try fail("--threads must be at least 1 (got \(n))") }
        if let n = threads, n > RunConfiguration.maximumThreads {
            try fail("--threads must be at most \(RunConfiguration.maximumThreads) (got \(n)); any count gives the same bits, and more threads than CPUs only add overhead")
        }
        if trainFile == nil {
            if samples < 2 { try fail("--samples must be at least 2 (got \(samples)): one row for training and one for testing") }
            if features < 1 { try fail("--features must be at least 1 (got \(features))") }
            if centers < 1 { try fail("--centers must be at least 1 (got \(centers))") }
            if centers < 2 { try fail("--centers must be at least 2 to make a classification problem (got \(centers))") }
            if centers > samples { try fail("--centers \(centers) is more than --samples \(samples); every center (class) needs at least one point") }
            if centers > Dataset<Double>.maximumClasses { try fail("--centers \(centers) is more classes than descent trains (at most \(Dataset<Double>.maximumClasses))") }
            if !(clusterStd >= 0) || !clusterStd.isFinite { try fail("--cluster-std must be a finite number >= 0 (got \(clusterStd))") }
            if samples >= Int(Int32.max) { try fail("--samples must be below 2^31 (got \(samples))") }
        }
        if testFile == nil {
            if !(testFraction > 0 && testFraction < 1) { try fail("--test-fraction must be strictly between 0 and 1 (got \(testFraction)); the tutorial uses 0.5") }
        }
        if testFile != nil && trainFile == nil { try fail("--test needs --train: give the training CSV too") }
        if !(validationFraction >= 0 && validationFraction < 1) { try fail("--validation-fraction must be in [0, 1) (got \(validationFraction))") }
        if t.batchSize < 1 { try fail("--batch-size must be at least 1 (got \(t.batchSize))") }
        if !(t.momentum >= 0) || !t.momentum.isFinite { try fail("--momentum must be a finite number >= 0 (got \(t.momentum))") }
        if !(t.dampening >= 0 && t.dampening <= 1) { try fail("--dampening must be in [0, 1] (got \(t.dampening))") }
        if !(t.weightDecay >= 0) || !t.weightDecay.isFinite { try fail("--weight-decay must be a finite number >= 0 (got \(t.weightDecay))") }
        if t.nesterov && (t.momentum <= 0 || t.dampening != 0) { try fail("--nesterov needs --momentum > 0 and --dampening 0 (as in torch.optim.SGD)") }
        if t.workers < 1 { try fail("--workers must be at least 1 (got \(t.workers)); 1 is plain sequential SGD") }
        if let s = t.syncEvery, s < 1 { try fail("--sync-every must be at least 1 batch (got \(s))") }
        if t.optimizer == .gd && t.workers != 1 {
            try fail("--workers \(t.workers) needs --optimizer sgd: full-batch gradient descent already uses every thread with the same bits")
        }
        if t.optimizer == .gd && t.syncEvery != nil { try fail("--sync-every needs --optimizer sgd and --workers (it sets how often SGD workers average)") }
        if let n = checkpointEvery {
            if n < 1 { try fail("--checkpoint-every must be at least 1 epoch (got \(n))") }
            if output == nil { try fail("--checkpoint-every needs --output DIR: the checkpoint is written beside the run's files, and --resume DIR reads it") }
            if n >= t.epochs { try fail("--checkpoint-every \(n) would write no checkpoint in \(t.epochs) epochs (none is written after the last); use a smaller interval") }
        }
        if let p = t.patience, p < 1 { try fail("--patience must be at least 1 (got \(p))") }
        if let target = t.targetLoss, !target.isFinite { try fail("--target-loss must be a finite number (got \(target))") }
        if t.stepSize < 1 { try fail("--step-size must be at least 1 (got \(t.stepSize))") }
        if !(t.gamma > 0) || !t.gamma.isFinite { try fail("--gamma must be a finite number > 0 (got \(t.gamma))") }
        if !(t.decay >= 0) || !t.decay.isFinite { try fail("--decay must be a finite number >= 0 (got \(t.decay))") }
    }

    /// The loss to train with for `classCount` classes.
    public func resolvedLoss(classCount: Int) throws -> Loss {
        let chosen = loss ?? (classCount > 2 ? .crossEntropy : .squaredError)
        if chosen.isBinary && classCount > 2 {
            throw DescentError.configuration("--loss \(chosen.rawValue) is for two classes, but the data has \(classCount) (labels 0...\(classCount - 1)); use --loss cross-entropy or --loss hinge")
        }
        return chosen
    }

    /// The configuration as a JSON-ready dictionary with the same keys a file uses.
    public func jsonObject(resolvedLoss: Loss? = nil) -> [String: Any] {
        var o: [String: Any] = [:]
        if let f = trainFile {
            o["train"] = f
            if let t = testFile { o["test"] = t } else { o["test-fraction"] = testFraction }
            if let l = labelColumn { o["label-column"] = l }
            o["standardize"] = standardize
        } else {
            o["samples"] = samples; o["features"] = features; o["centers"] = centers
            o["cluster-std"] = clusterStd; o["center-box"] = [centerBox.lowerBound, centerBox.upperBound]
            o["test-fraction"] = testFraction
        }
        if validationFraction > 0 { o["validation-fraction"] = validationFraction }
        let t = training
        o["seed"] = Int(t.seed)
        if let l = resolvedLoss ?? loss { o["loss"] = l.rawValue }
        o["gradient"] = t.gradient.rawValue; o["optimizer"] = t.optimizer.rawValue
        o["epochs"] = t.epochs; o["alpha"] = t.alpha
        if t.optimizer == .sgd {
            o["batch-size"] = t.batchSize; o["shuffle"] = t.shuffle; o["drop-last"] = t.dropLast; o["full-loss"] = t.fullLoss
            o["workers"] = t.workers
            if t.workers > 1 { o["sync-every"] = t.resolvedSyncEvery }
        }
        o["momentum"] = t.momentum; o["dampening"] = t.dampening; o["nesterov"] = t.nesterov; o["weight-decay"] = t.weightDecay
        o["schedule"] = t.schedule.rawValue
        switch t.schedule {
        case .step: o["step-size"] = t.stepSize; o["gamma"] = t.gamma
        case .inverseTime: o["decay"] = t.decay
        default: break
        }
        if let v = t.targetLoss { o["target-loss"] = v }
        if let v = t.patience { o["patience"] = v }
        if let v = initWeights { o["init-weights"] = v }
        o["precision"] = precision.rawValue
        o["numa"] = numa.rawValue
        return o
    }
}

/// Reads typed values out of a decoded JSON object, with messages that name the key.
struct JSONValueReader {
    let dictionary: [String: JSONValue]
    let source: String

    func wrong(_ key: String, _ expected: String) -> DescentError {
        DescentError.configuration("\(source): '\(key)' must be \(expected) (got \(dictionary[key].map { "\($0)" } ?? "nothing"))")
    }
    func int(_ key: String) throws -> Int? {
        guard let value = dictionary[key] else { return nil }
        guard case .number(let n) = value, n == n.rounded(), abs(n) < 9e15 else { throw wrong(key, "a whole number") }
        return Int(n)
    }
    func double(_ key: String) throws -> Double? {
        guard let value = dictionary[key] else { return nil }
        guard case .number(let n) = value else { throw wrong(key, "a number") }
        return n
    }
    func doubles(_ key: String) throws -> [Double]? {
        guard let value = dictionary[key] else { return nil }
        guard case .array(let array) = value else { throw wrong(key, "an array of numbers") }
        return try array.map { element in
            guard case .number(let n) = element else { throw wrong(key, "an array of numbers") }
            return n
        }
    }
    func bool(_ key: String) throws -> Bool? {
        guard let value = dictionary[key] else { return nil }
        guard case .bool(let b) = value else { throw wrong(key, "true or false") }
        return b
    }
    func string(_ key: String) throws -> String? {
        guard let value = dictionary[key] else { return nil }
        guard case .string(let s) = value else { throw wrong(key, "a string") }
        return s
    }
    func enumeration<E: RawRepresentable & CaseIterable>(_ key: String) throws -> E? where E.RawValue == String {
        guard let s = try string(key) else { return nil }
        guard let v = E(rawValue: s) else { throw wrong(key, "one of \(E.allCases.map(\.rawValue).joined(separator: ", "))") }
        return v
    }
}

func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
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
