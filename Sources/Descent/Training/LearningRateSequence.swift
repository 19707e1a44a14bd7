/// The learning rates of consecutive epochs, each in O(1): the same bits as
/// ``TrainingConfiguration/learningRate(epoch:)``, whose step schedule multiplies by gamma
/// once per cut from the start every time (O(epoch) per call, which made a run of 200,000
/// one-epoch steps take 40 s).
struct LearningRateSequence: Sendable {
    package let configuration: TrainingConfiguration
    var cuts = 0
    var stepRate: Double

    package init(_ configuration: TrainingConfiguration) {
        self.configuration = configuration
        stepRate = configuration.alpha
    }

    /// The rate of `epoch` (0-based). Epochs are asked for in increasing order; an earlier
    /// one starts the step schedule over.
    package mutating func rate(epoch: Int) -> Double {
        guard configuration.schedule == .step else { return configuration.learningRate(epoch: epoch) }
        let target = epoch / max(1, configuration.stepSize)
        if target < cuts {
            cuts = 0
            stepRate = configuration.alpha
        }
        while cuts < target {
            stepRate *= configuration.gamma
            cuts += 1
        }
        return stepRate
    }
}
