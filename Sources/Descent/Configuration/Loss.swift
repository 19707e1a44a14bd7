/// The loss a model is trained on (`--loss`).
public enum Loss: String, Sendable, CaseIterable {
    /// The tutorial's: sum of (p - y)^2 over rows, p = sigmoid(w . x + b); binary.
    case squaredError = "squared-error"
    /// Binary cross-entropy: -[y log p + (1 - y) log(1 - p)]; gradient X^T (p - y).
    case logLoss = "log-loss"
    /// Softmax regression: -log softmax(z)_y over K output units.
    case crossEntropy = "cross-entropy"
    /// Multi-class SVM (Weston-Watkins): sum over k != y of max(0, z_k - z_y + 1).
    case hinge
    /// Regression: (z - y)^2 / 2 on a linear output (scikit-learn's `Ridge` and
    /// `LinearRegression` objective, divided by n).
    case leastSquares = "least-squares"
    /// Regression: Huber's loss with threshold `--epsilon`, quadratic near the target and
    /// linear beyond it.
    case huber

    /// Whether the model has one sigmoid output (binary) rather than one output per class.
    public var isBinary: Bool { self == .squaredError || self == .logLoss }

    /// Whether the loss fits continuous targets (one linear output) rather than classes.
    public var isRegression: Bool { self == .leastSquares || self == .huber }

    /// The number of output units for `classCount` classes (1 for regression).
    public func outputCount(classCount: Int) -> Int { isBinary || isRegression ? 1 : classCount }
}

/// What the labels are (`--task`): classes, or continuous targets.
public enum TaskKind: String, Sendable, CaseIterable {
    /// Classes of any kind (the default).
    case classification
    /// Continuous targets: a linear output fitted with `least-squares` or `huber`.
    case regression
}

/// How per-row gradients are combined (`--gradient`).
public enum GradientReduction: String, Sendable, CaseIterable {
    /// The tutorial's: the plain sum over rows (loss is a sum too).
    case sum
    /// The sum divided by the rows in the batch, so alpha means the same at any size.
    case mean
}
