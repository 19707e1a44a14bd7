/// Where a run's data comes from and how it is split: what the data layer needs to know,
/// and nothing of the command line.
public struct DataSource: Sendable, Equatable {
    /// Generated blobs or files.
    public enum Origin: Sendable, Equatable {
        /// Gaussian blobs (`BlobGenerator`).
        case blobs(samples: Int, features: Int, centers: Int, clusterStd: Double, centerBox: ClosedRange<Double>)
        /// A training file and optionally a test file (CSV, `.npy` or `.npz`); `labelColumn`
        /// is a header name or a 0-based index (nil: the last column).
        case files(train: String, test: String?, labelColumn: String?)
    }

    public var origin: Origin
    /// Fraction of rows held out for testing when there is no test file. Rows go to their
    /// parts, in the order of the seeded `DataSplit` permutation, for blobs and files alike.
    public var testFraction: Double
    /// Fraction of the remaining rows held out for validation.
    public var validationFraction: Double
    /// Scale features by the training rows' mean and (population) standard deviation.
    public var standardize: Bool
    /// Seeds the blobs and the split.
    public var seed: UInt64
    public var placement: NUMAPolicy
    /// How the training rows' classes weigh in the loss (nil: every class weighs 1).
    public var classWeight: ClassWeight? = nil
    /// The column of the files holding each row's weight (a header name or a 0-based index);
    /// nil: every row weighs 1.
    public var weightColumn: String? = nil

    /// Whether the labels are regression targets (numbers read as they are) rather than
    /// classes; with generated data, rows from `RegressionGenerator` instead of blobs.
    public var regression = false
    /// Generated regression data: the standard deviation of the noise added to the targets.
    public var noise = 10.0

    /// Whether the training rows carry weights.
    public var weighted: Bool { classWeight != nil || weightColumn != nil }

    public init(
        origin: Origin, testFraction: Double = 0.5, validationFraction: Double = 0, standardize: Bool = false,
        seed: UInt64, placement: NUMAPolicy = .auto
    ) {
        self.origin = origin
        self.testFraction = testFraction
        self.validationFraction = validationFraction
        self.standardize = standardize
        self.seed = seed
        self.placement = placement
    }
}

/// `--class-weight`: how much each class's rows weigh in the training loss.
public enum ClassWeight: String, Sendable, CaseIterable {
    /// scikit-learn's "balanced": a row of class c weighs n / (k * n_c), with n training
    /// rows, k classes among them and n_c rows of class c; the weights sum to n.
    case balanced
}
