import Foundation
import Testing
@testable import Descent
import DescentTestSupport

struct TutorialReferenceTests {
    /// The sharded path follows the plain loop within 1e-12 relative, every epoch, for 100
    /// epochs, on five chunks and a remainder (5 * 1024 + 333 training rows), so the chunk
    /// partials and their reduction tree are part of the comparison.
    @Test func shardedPathMatchesPlainTutorialLoop() throws {
        var configuration = RunConfiguration()
        configuration.samples = 2 * (5 * 1024 + 333)
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
            #expect(train.rowCount == 5 * 1024 + 333 && train.chunks.chunkCount == 6)
            let worst = worstRelativeDifference(result.history.map(\.loss), reference.losses)
            #expect(worst <= 1e-12, "worst relative difference of the losses \(worst)")
            let worstWeights = worstRelativeDifference(result.weights, reference.weights, floor: 1)
            #expect(worstWeights <= 1e-12, "worst relative difference of the weights \(worstWeights)")
            print("threads \(threads): first losses \(result.history.prefix(3).map(\.loss)) reference \(reference.losses.prefix(3))")
        }
    }
}
