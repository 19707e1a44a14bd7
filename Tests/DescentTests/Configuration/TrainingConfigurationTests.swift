import Testing

@testable import Descent

/// The training settings (`TrainingConfiguration.swift`): the learning-rate schedules.
struct TrainingConfigurationTests {
    @Test func schedules() {
        var t = TrainingConfiguration()
        t.alpha = 0.1
        t.schedule = .step
        t.stepSize = 10
        t.gamma = 0.5
        #expect(
            t.learningRate(epoch: 9) == 0.1 && t.learningRate(epoch: 10) == 0.05 && t.learningRate(epoch: 25) == 0.025)
        t.schedule = .inverseTime
        t.decay = 0.5
        #expect(t.learningRate(epoch: 2) == 0.1 / 2)
        t.schedule = .cosine
        t.epochs = 10
        #expect(t.learningRate(epoch: 0) == 0.1 && abs(t.learningRate(epoch: 5) - 0.05) < 1e-15)
    }
}
