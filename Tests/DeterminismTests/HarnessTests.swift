import DescentTestSupport
import Foundation
import Testing

@testable import Descent

/// The harness must be able to fail: a reduction that sums partials in the order threads
/// finish them (threads in lockstep, so the test does not depend on timing) is run through
/// the same comparison, which must report the difference.
struct HarnessTests {
    func records(reduction: ReductionOrder) -> [RunRecord] {
        // Values spread over many magnitudes make the sum depend on its order.
        let (x, y) = blobRows(samples: 64 * 1024, features: 2, centers: 2, std: 40, seed: 21)
        var t = TrainingConfiguration()
        t.epochs = 4
        t.alpha = 1e-5
        return [1, 2, 3, 8, 16].map { threads in
            let dataset = makeDataset(x, y, threads: threads, as: Float.self)
            let trainer = Trainer<Float>(configuration: t, train: dataset, executor: ShardedExecutor(threads: threads))
            trainer.reduction = reduction
            let result = trainer.run(initialWeights: Trainer<Float>.initialWeights(count: 3, seed: 1))
            return RunRecord(threads: threads, history: result.history, weights: result.weights)
        }
    }

    @Test func harnessReportsAnOrderDependentReduction() {
        let broken = records(reduction: .threadCompletionOrder)
        let rows = Verifier.rows(
            serial: broken[0], runs: Array(broken.dropFirst()), reference: (broken[0].losses, broken[0].weights))
        #expect(
            rows.contains { !$0.identicalToSerial },
            "completion-order sums must differ somewhere: \(rows.map(\.weightsHash))")
        #expect(rows.filter { !$0.identicalToSerial }.allSatisfy { $0.firstDifferentEpoch != nil })

        let fixed = records(reduction: .fixedTree)
        let good = Verifier.rows(
            serial: fixed[0], runs: Array(fixed.dropFirst()), reference: (fixed[0].losses, fixed[0].weights))
        #expect(good.allSatisfy { $0.identicalToSerial })
        #expect(Set(good.map(\.weightsHash)).count == 1)
    }

    @Test func compareFindsTheFirstDifferentEpoch() {
        let a = RunRecord(
            threads: 1,
            history: [1.0, 2.0, 3.0].enumerated().map {
                EpochRecord(epoch: $0.offset + 1, loss: $0.element, learningRate: 0.1, seconds: 0)
            }, weights: [1.0, 2.0])
        var b = a
        b.lossBits[1] ^= 1
        #expect(Verifier.compare(b, serial: a).firstDifferentEpoch == 2)
        var c = a
        c.weightBits[0] ^= 1
        #expect(Verifier.compare(c, serial: a).firstDifferentEpoch == 3 && !Verifier.compare(c, serial: a).identical)
        #expect(Verifier.compare(a, serial: a).identical && Verifier.compare(a, serial: a).firstDifferentEpoch == nil)
    }
}
