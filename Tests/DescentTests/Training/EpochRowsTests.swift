import DescentTestSupport
import Foundation
import Testing

@testable import Descent

/// The rows of an epoch (``EpochRows``): the shuffled copy, whole rows in the permutation's
/// order, the same however the copy is split.
struct EpochRowsTests {
    /// Rows whose first feature is their index, so a copy shows where each row went.
    func indexedDataset(rows n: Int, threads: Int) -> Dataset<Double> {
        let x = (0..<n).map { [Double($0), Double($0) * 0.5 - 7] }
        let y = (0..<n).map { $0 % 3 == 0 ? 1 : 0 }
        return makeDataset(x, y, threads: threads, as: Double.self)
    }

    @Test func eachEpochsCopyIsThePermutationOfTheTrainingRows() {
        let n = 30_007
        let dataset = indexedDataset(rows: n, threads: 3)
        let rows = EpochRows(dataset: dataset, shuffle: true, executor: ShardedExecutor(threads: 3))
        var orders: [[Int]] = []
        for epoch in 0..<5 {
            rows.prepare(epoch: epoch, seed: 11)
            let permutation = EpochShuffle(count: n, seed: 11, epoch: epoch).order()
            var order: [Int] = []
            for p in 0..<n {
                let v = rows.values(at: p)
                let source = Int(v[0])
                // Position p holds the permutation's row p, whole: both features and the label.
                #expect(source == permutation[p], "epoch \(epoch) position \(p)")
                #expect(v[1] == Double(source) * 0.5 - 7 && v[2] == (source % 3 == 0 ? 1 : 0))
                order.append(source)
                if source != permutation[p] { return }
            }
            let isPermutation = order.sorted() == Array(0..<n)
            #expect(isPermutation, "epoch \(epoch) is a permutation")
            orders.append(order)
        }
        // Every pair of epochs visits the rows in a different order.
        for a in 0..<orders.count {
            for b in (a + 1)..<orders.count {
                let differ = orders[a] != orders[b]
                #expect(differ, "epochs \(a) and \(b)")
            }
        }
        // Without shuffling no copy is made and positions are the stored rows.
        let stored = EpochRows(dataset: dataset, shuffle: false, executor: ShardedExecutor(threads: 1))
        stored.prepare(epoch: 3, seed: 11)
        #expect(stored.copy == nil)
        let inStoredOrder = (0..<n).allSatisfy { Int(stored.values(at: $0)[0]) == $0 }
        #expect(inStoredOrder)
    }

    @Test func theCopyDoesNotDependOnHowItIsSplit() {
        let n = 50_000
        func copy(parts: Int) -> [Double] {
            let rows = EpochRows(
                dataset: indexedDataset(rows: n, threads: parts), shuffle: true,
                executor: ShardedExecutor(threads: parts))
            rows.prepare(epoch: 2, seed: 5)
            return (0..<n).flatMap { rows.values(at: $0) }
        }
        let one = copy(parts: 1)
        // Compared as one Bool: a failing #expect on two 150,000-value arrays renders their
        // difference, which takes minutes.
        for parts in [2, 3, 7] {
            let same = copy(parts: parts) == one
            #expect(same, "\(parts) parts")
        }
    }
}
