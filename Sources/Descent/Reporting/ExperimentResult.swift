/// Everything a `descent train` run produced.
public struct ExperimentResult<T: KernelScalar>: Sendable {
    public var data: PreparedData<T>
    public var loss: Loss
    public var outputs: Int
    public var training: TrainingResult<T>
    /// The weights training started from.
    public var initialWeights: [T]
    /// The trainer's configuration, with the loss resolved.
    public var trainingConfiguration: TrainingConfiguration
    /// Test-set report (nil when training diverged).
    public var report: ClassificationReport?
    /// Test log loss and ROC AUC (nil for hinge models, which give no probabilities, and
    /// when training diverged).
    public var probabilityMetrics: ProbabilityMetrics? = nil
    /// A regression's test RMSE, MAE and R^2 (then `report` is nil).
    public var regression: RegressionReport? = nil
    public var prepareSeconds: Double
    /// Seconds of training in this process (a resumed run's earlier epochs not counted).
    public var trainSeconds: Double
    /// The epoch a resumed run continued from (0 for a run from the start).
    public var resumedEpochs = 0
}
