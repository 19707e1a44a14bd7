import Testing

@testable import Descent

/// The learning rates of a run, epoch by epoch (``LearningRateSequence``).
struct LearningRateSequenceTests {
    /// D7: the step schedule's rates come from a running product (O(1) an epoch) with the
    /// same bits as the definition, which multiplies from the start for every epoch.
    @Test func stepScheduleSequenceGivesTheDefinitionsBits() {
        var t = TrainingConfiguration()
        t.schedule = .step
        t.stepSize = 3
        t.gamma = 0.7
        t.alpha = 0.3
        var sequence = LearningRateSequence(t)
        var matched = 0
        for epoch in 0..<2_000 where sequence.rate(epoch: epoch).bitPattern == t.learningRate(epoch: epoch).bitPattern {
            matched += 1
        }
        #expect(matched == 2_000)
        // Asking for an earlier epoch starts over rather than continuing the product.
        #expect(sequence.rate(epoch: 4) == t.learningRate(epoch: 4))
        for schedule in [ScheduleKind.constant, .inverseTime, .cosine] {
            t.schedule = schedule
            var other = LearningRateSequence(t)
            #expect((0..<50).allSatisfy { other.rate(epoch: $0) == t.learningRate(epoch: $0) }, "\(schedule)")
        }
    }
}
