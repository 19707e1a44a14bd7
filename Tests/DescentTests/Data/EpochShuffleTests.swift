import Testing

@testable import Descent

/// The epoch shuffle (``EpochShuffle``): uniform orders, uniform positions, fresh buckets every epoch.
struct EpochShuffleTests {
    /// All 720 orders of 6 rows, spread over 3 buckets on average, come up equally often
    /// over 72,000 epochs: a chi-square test against the uniform distribution (719 degrees
    /// of freedom: mean 719, standard deviation 38; the bound is 6 deviations above).
    @Test func ordersAreUniform() {
        var counts: [[Int]: Int] = [:]
        for epoch in 0..<72_000 {
            counts[EpochShuffle(count: 6, seed: 4, epoch: epoch, bucketRows: 2).order(), default: 0] += 1
        }
        #expect(counts.count == 720, "every order occurs")
        let expected = 100.0
        let chiSquare = counts.values.reduce(0.0) { $0 + (Double($1) - expected) * (Double($1) - expected) / expected }
        #expect(chiSquare < 719 + 6 * 38, "chi-square \(chiSquare)")
    }

    /// Each row lands at every position equally often, with many buckets.
    @Test func positionsAreUniformWithManyBuckets() {
        let n = 40
        let epochs = 20_000
        var hits = [[Int]](repeating: [Int](repeating: 0, count: n), count: n)
        for epoch in 0..<epochs {
            for (position, row) in EpochShuffle(count: n, seed: 9, epoch: epoch, bucketRows: 4).order().enumerated() {
                hits[row][position] += 1
            }
        }
        let expected = Double(epochs) / Double(n)
        let chiSquare = hits.joined().reduce(0.0) { $0 + (Double($1) - expected) * (Double($1) - expected) / expected }
        // (n - 1)^2 = 1521 degrees of freedom: standard deviation 55.
        #expect(chiSquare < 1521 + 6 * 55, "chi-square \(chiSquare)")
    }

    /// Every epoch draws every row's bucket afresh: between two epochs about (B - 1) / B of
    /// the rows land in another bucket's range of positions (B = 7 buckets here).
    @Test func rowsChangeBucketsBetweenEpochs() {
        let n = 50_000
        let first = EpochShuffle(count: n, seed: 2, epoch: 0)
        let second = EpochShuffle(count: n, seed: 2, epoch: 1)
        #expect(first.bucketCount == 7)
        let moved = (0..<n).filter { first.bucket(of: $0) != second.bucket(of: $0) }.count
        let expected = Double(n) * 6 / 7
        #expect(abs(Double(moved) - expected) < 6 * (Double(n) * 6 / 49).squareRoot(), "\(moved) of \(n) rows moved")
    }
}
