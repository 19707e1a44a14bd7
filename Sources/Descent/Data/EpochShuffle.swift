/// The order in which an SGD epoch visits the training rows: a random permutation of
/// `0..<count` that depends only on (seed, epoch), defined so that it can be materialised
/// with sequential memory traffic.
///
/// It is built the way Sanders builds random permutations on hierarchical memory
/// ("Random permutations on distributed, external and hierarchical memory", 1998): every
/// row draws one of ``bucketCount`` buckets independently and uniformly; the buckets are laid
/// end to end in bucket order, each holding its rows in ascending row order; then each
/// bucket is shuffled by Fisher-Yates. Uniform bucket draws and uniform shuffles inside the
/// buckets give a uniform permutation of all rows. Every random number is a counter-based
/// draw of (seed, epoch, row) or (seed, epoch, bucket, step), so the order does not depend
/// on how many threads materialise it.
///
/// Materialising it (`EpochRows`) is two streaming passes over the rows (count per bucket,
/// then scatter each row to the next free place of its bucket) and one Fisher-Yates pass
/// per bucket, inside a region of ~``bucketRows`` rows that sits in the L2 cache; a
/// permutation evaluated position by position would read every row at random instead.
struct EpochShuffle: Sendable {
    /// Average rows per bucket: a bucket of two float64 features and a label is ~192 KiB.
    package static let bucketRows = 8192

    package let count: Int
    package let bucketCount: Int
    @usableFromInline let bucketKey: UInt64
    @usableFromInline let swapKey: UInt64

    /// - Parameters:
    ///   - count: the rows to permute.
    ///   - seed: the run's seed.
    ///   - epoch: the 0-based epoch; each epoch has its own permutation.
    ///   - bucketRows: average rows per bucket (tests use small buckets to check the
    ///     permutation's distribution); training always uses the default.
    package init(count: Int, seed: UInt64, epoch: Int, bucketRows: Int = EpochShuffle.bucketRows) {
        precondition(count >= 0 && count < Int(Int32.max), "shuffles hold up to 2^31 - 1 rows")
        precondition(bucketRows >= 1, "buckets need rows")
        self.count = count
        bucketCount = max(1, (count + bucketRows - 1) / bucketRows)
        let rng = CounterRNG(seed: seed)
        bucketKey = rng.bits(.shuffle, UInt64(truncatingIfNeeded: epoch) &* 2)
        swapKey = rng.bits(.shuffle, UInt64(truncatingIfNeeded: epoch) &* 2 &+ 1)
    }

    /// The bucket row `row` goes to: uniform over `0..<bucketCount` (by the high half of a
    /// 64 x 64-bit product, whose bias is below 2^-33 for any bucket count used here).
    @inlinable @inline(__always)
    package func bucket(of row: Int) -> Int {
        Int(
            truncatingIfNeeded: CounterRNG.mix(bucketKey ^ UInt64(truncatingIfNeeded: row))
                .multipliedFullWidth(by: UInt64(truncatingIfNeeded: bucketCount)).high)
    }

    /// Fisher-Yates step `step` (counting down from the bucket's size - 1 to 1) of bucket
    /// `bucket` swaps place `step` with the place this returns, uniform in `0...step`.
    @inlinable @inline(__always)
    package func swapPartner(bucket: Int, step: Int) -> Int {
        let counter = (UInt64(truncatingIfNeeded: bucket) &<< 32) | UInt64(truncatingIfNeeded: step)
        return Int(
            truncatingIfNeeded: CounterRNG.mix(swapKey ^ counter)
                .multipliedFullWidth(by: UInt64(truncatingIfNeeded: step) &+ 1).high)
    }

    /// The whole order, straight from the definition: `order()[p]` is the row visited at
    /// position p. The plain reference and the tests use it; training materialises the
    /// rows themselves in parallel.
    package func order() -> [Int] {
        var counts = [Int](repeating: 0, count: bucketCount)
        for row in 0..<count { counts[bucket(of: row)] += 1 }
        var starts = [Int](repeating: 0, count: bucketCount + 1)
        for b in 0..<bucketCount { starts[b + 1] = starts[b] + counts[b] }
        var next = Array(starts.dropLast())
        var order = [Int](repeating: 0, count: count)
        for row in 0..<count {
            let b = bucket(of: row)
            order[next[b]] = row
            next[b] += 1
        }
        for b in 0..<bucketCount {
            var step = starts[b + 1] - starts[b] - 1
            while step > 0 {
                order.swapAt(starts[b] + step, starts[b] + swapPartner(bucket: b, step: step))
                step -= 1
            }
        }
        return order
    }
}
