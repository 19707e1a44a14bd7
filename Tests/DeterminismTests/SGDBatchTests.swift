import DescentTestSupport
import Foundation
import Testing

@testable import Descent

/// SGD at the batch sizes the SGD issue names (1, 32, 1000, 65536), with each shuffle
/// (blocks, full, none), in both precisions: the same bits for 1, 2, 3 and 8 threads. Batches of 65536
/// rows are split over the threads (16 chunks each); smaller ones are not.
struct SGDBatchTests {
    func run<T: KernelScalar>(_ type: T.Type, batch: Int, shuffle: ShuffleMode, rows: Int, threads: Int) -> [UInt64] {
        let (x, y) = blobRows(samples: rows, seed: 5)
        let dataset = makeDataset(x, y, threads: threads, as: T.self)
        var t = TrainingConfiguration()
        t.optimizer = .sgd
        t.batchSize = batch
        t.shuffle = shuffle
        t.momentum = 0.9
        t.nesterov = true
        t.gradient = .mean
        t.alpha = 0.05
        t.epochs = 2
        let result = trainLibrary(dataset, t, threads: threads)
        return bits(result.weights) + result.history.map(\.loss.bitPattern)
    }

    func check<T: KernelScalar>(_ type: T.Type) {
        for (batch, rows) in [(1, 1500), (32, 5000), (1000, 20_000), (65_536, 140_000)] {
            for shuffle in ShuffleMode.allCases {
                let serial = run(type, batch: batch, shuffle: shuffle, rows: rows, threads: 1)
                for threads in [2, 3, 8] {
                    #expect(
                        run(type, batch: batch, shuffle: shuffle, rows: rows, threads: threads) == serial,
                        "\(T.precisionName) batch \(batch) shuffle \(shuffle) threads \(threads)")
                }
            }
        }
    }

    @Test func float64() { check(Double.self) }
    @Test func float32() { check(Float.self) }
}
