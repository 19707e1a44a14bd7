import Foundation
import Testing
@testable import Descent
import DescentTestSupport

struct TutorialReferenceTests {
    /// The sharded path follows the plain loop within 1e-12 relative, every epoch, for 100 epochs.
    @Test func shardedPathMatchesPlainTutorialLoop() throws {
        var configuration = RunConfiguration()
        configuration.threads = 2
        let data = try Experiment.prepare(configuration, as: Double.self)
        let train = data.train
        let x = (0..<train.rowCount).map { train.features(ofRow: $0) }
        let y = (0..<train.rowCount).map { Double(train.label($0)) }
        let initial = Trainer<Double>.initialWeights(count: 3, seed: 3)
        let reference = tutorialReference(x: x, y: y, weights: initial, alpha: 0.01, epochs: 100)
        for threads in [1, 2] {
            let result = trainLibrary(train, configuration.training, threads: threads, initial: initial)
            #expect(result.history.count == 100)
            var worst = 0.0
            for (epoch, (record, want)) in zip(result.history, reference.losses).enumerated() {
                let relative = abs(record.loss - want) / max(abs(want), 1e-300)
                worst = max(worst, relative)
                if relative > 1e-12 { Issue.record("epoch \(epoch + 1): \(record.loss) vs \(want)"); break }
            }
            #expect(worst <= 1e-12, "worst relative difference \(worst)")
            print("threads \(threads): first losses \(result.history.prefix(3).map(\.loss)) reference \(reference.losses.prefix(3))")
        }
    }
}
