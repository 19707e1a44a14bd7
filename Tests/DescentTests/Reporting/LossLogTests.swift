import Testing

@testable import Descent

/// The loss history (`LossLog.swift`): the plotted curve (``LossCurve``) stays bounded.
struct LossLogTests {
    /// The plotted curve keeps at most its limit (plus the last point) whatever the epochs,
    /// and the points depend only on the epochs seen.
    @Test func lossCurveIsBounded() {
        var curve = LossCurve(limit: 64)
        for epoch in 1...100_000 {
            curve.append(EpochRecord(epoch: epoch, loss: Double(epoch), learningRate: 1, seconds: 0))
        }
        let points = curve.records
        #expect(points.count <= 65 && points.count > 32)
        #expect(points.first?.epoch == 1 && points.last?.epoch == 100_000)
        #expect(zip(points, points.dropFirst()).allSatisfy { $0.epoch < $1.epoch })
    }
}
