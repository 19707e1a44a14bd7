import DescentTestSupport
import Foundation
import Testing

@testable import Descent

/// The checkpoint fingerprint of a dataset (`Checkpoint.swift`): the same for every thread
/// count that reads the file, and the image 0.5.0 hashed (labels as `T`), so older
/// checkpoints still resume.
struct CheckpointTests {
    @Test func sameForEveryThreadCountThatReadsTheFile() throws {
        // Past 64 KiB the CSV reader splits the file into one part per thread, and the label
        // tokens left beside the packed labels differ with the parts.
        var text = "x0,x1,label\n"
        for r in 0..<8000 {
            text += "\(r % 97),\(Double(r % 13) / 4),\(["ham", "spam", "eggs"][(r * 7 + r / 11) % 3])\n"
        }
        let path = temporaryFile(text)
        #expect(text.utf8.count > 65_536)
        var configuration = RunConfiguration()
        configuration.trainFile = path
        func fingerprints(_ threads: Int) throws -> [String] {
            configuration.threads = threads
            let data = try Experiment.prepare(configuration, as: Float.self)
            return [data.train.fingerprint(), data.test.fingerprint()]
        }
        let serial = try fingerprints(1)
        for threads in [2, 3] { #expect(try fingerprints(threads) == serial, "\(threads) threads") }
    }

    @Test func hashesTheLabelsAsTheyWereBeforePacking() {
        let (x, y) = blobRows(samples: 3000, features: 3, centers: 5, seed: 4)
        for threads in [1, 2] {
            let packed = makeDataset(x, y, classes: 5, threads: threads, as: Double.self)
            let unpacked = Dataset<Double>(
                rowCount: x.count, featureCount: 3, classCount: 5,
                executor: ShardedExecutor(threads: threads), packingLabels: false
            ) { rows, block, stride in
                for (local, row) in rows.enumerated() {
                    for j in 0..<3 { block[j * stride + local] = x[row][j] }
                    block[3 * stride + local] = Double(y[row])
                }
            }
            #expect(packed.labelBytes == 1 && unpacked.labelBytes == 0)
            #expect(packed.fingerprint() == unpacked.fingerprint(), "\(threads) threads")
        }
    }
}
