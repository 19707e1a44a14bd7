import DescentTestSupport
import Foundation
import Testing

@testable import Descent

/// A data file prepared for training (``DataPreparation``): split, validation set,
/// standardization and labels, the same bits for every thread count.
struct DataPreparationTests {
    /// The prepared datasets of a multi-chunk CSV (split, validation, standardization, text
    /// labels) are the same bits for threads 1, 2, 3 and 8; each part holds the rows the
    /// split's permutation assigns it, in the permutation's order (as for blobs).
    @Test func sameBitsForEveryThreadCount() throws {
        var text = "p,q,r,kind\n"
        var rows: [[Double]] = []
        for i in 0..<9_000 {
            let row = [Double(i) * 0.37 - 1000, sin(Double(i)) * 1e-3, Double((i * 7919) % 1013) / 7]
            rows.append(row)
            text += row.map { "\($0)" }.joined(separator: ",") + "," + ["b", "a", "c"][i % 3] + "\n"
        }
        let path = temporaryFile(text)
        let source = DataSource(
            origin: .files(train: path, test: nil, labelColumn: nil), testFraction: 0.25,
            validationFraction: 0.1, standardize: true, seed: 11)
        func bits(_ threads: Int) throws -> ([UInt64], Standardization?) {
            let data = try DataPreparation.prepare(source, as: Double.self, executor: ShardedExecutor(threads: threads))
            var out: [UInt64] = []
            for set in [data.train, data.test, data.validation!] {
                for r in 0..<set.rowCount {
                    for j in 0..<3 { out.append(set.feature(r, j).bitPattern) }
                    out.append(UInt64(set.label(r)))
                }
            }
            return (out, data.standardization)
        }
        let (one, s) = try bits(1)
        for threads in [2, 3, 8] {
            let (other, t) = try bits(threads)
            #expect(other == one && t == s, "threads \(threads)")
        }
        // The training part: the split's training rows in the permutation's order, standardized; labels a < b < c.
        let split = DataSplit(count: 9_000, testFraction: 0.25, validationFraction: 0.1, seed: 11)
        let trainRows = (0..<9_000).filter { split.part(ofRow: $0) == .train }
        // Membership and destinations are the inverse of the forward permutation.
        #expect((0..<split.trainCount).allSatisfy { split.part(ofRow: split.trainRow($0)) == .train })
        #expect((0..<split.testCount).allSatisfy { split.destination(ofRow: split.testRow($0)) == (.test, $0) })
        let data = try DataPreparation.prepare(source, as: Double.self, executor: ShardedExecutor(threads: 2))
        #expect(
            data.train.rowCount == trainRows.count && data.test.rowCount == 2_250 && data.validation?.rowCount == 675)
        #expect(data.classes.names == ["a", "b", "c"])
        let std = data.standardization!
        for i in 0..<500 {
            let r = split.trainRow(i)
            #expect(data.train.label(i) == [1, 0, 2][r % 3])
            #expect(data.train.feature(i, 0) == (rows[r][0] - std.mean[0]) / std.std[0])
        }
        let mean = trainRows.reduce(0.0) { $0 + rows[$1][0] } / Double(trainRows.count)
        #expect(abs(std.mean[0] - mean) < 1e-9)
    }
}
