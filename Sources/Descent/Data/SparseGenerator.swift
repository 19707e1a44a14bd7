import Foundation

/// A synthetic text-like classification problem in the svmlight format (`descent generate
/// --sparse`), for tests and benchmarks of sparse training.
///
/// Row i has between `nonzeros / 2` and `3 * nonzeros / 2` draws (at least one) of a feature ("word"), each
/// from a Zipf-like law over the `features` indices: feature j with probability
/// ln((j + 2) / (j + 1)) / ln(features + 1), about 1 / ((j + 1.5) ln(features + 1)), the
/// inverse of the continuous law (`floor(exp(u ln(features + 1))) - 1` for a uniform u), so
/// a draw costs one `exp`. A feature's value is its count in the row (a bag of words). The
/// planted weight vector is sparse: the `max(10, features / 100)` features after the most
/// frequent (the stop words) have weights of standard normal magnitude, alternately positive
/// and negative; all others weigh 0. The
/// label is +1 where `w . x / |x_w| + noise * N(0, 1) > 0`, else -1, with `x_w` the row's
/// weighted features (at least 1). Every number is a function
/// of (seed, row) by the counter-based generator, so the file's bytes do not depend on the
/// thread count. Indices are written one-based, as libsvm writes them.
package struct SparseGenerator: Sendable {
    package let samples: Int
    package let features: Int
    package let nonzeros: Int
    package let noise: Double
    let rng: CounterRNG

    package init(samples: Int, features: Int, nonzeros: Int, noise: Double, seed: UInt64) {
        self.samples = samples
        self.features = features
        self.nonzeros = nonzeros
        self.noise = noise
        rng = CounterRNG(seed: seed)
    }

    /// The most frequent features ("stop words") carry no signal: the first `features / 100`,
    /// at most 100. Were they weighted, they would tip most rows' labels one way.
    var stopWords: Int { min(100, features / 100) }

    /// The features that may carry signal: the `max(10, features / 100)` after the stop words
    /// (frequent enough that a model can learn their weights from the rows).
    var candidates: Range<Int> { stopWords..<min(features, stopWords + max(10, features / 100)) }

    /// The planted weight of feature `j`: for a candidate the magnitude of a standard normal,
    /// positive for even `j` and negative for odd (neighbours are about as frequent, so
    /// neither label dominates); 0 for every other feature.
    package func weight(_ j: Int) -> Double {
        guard candidates.contains(j) else { return 0 }
        let magnitude = abs(rng.normal(.sparseWeights, UInt64(j)))
        return j % 2 == 0 ? magnitude : -magnitude
    }

    /// Row `i`: its sorted distinct features with their counts, and its label (+1 or -1).
    package func row(_ i: Int) -> (features: [(index: Int, count: Int)], label: Int) {
        let low = max(1, nonzeros / 2)
        let draws = low + Int(rng.bits(.sparseFeatures, UInt64(i) << 13) % UInt64(nonzeros + 1))
        let logRange = Foundation.log(Double(features) + 1)
        var drawn = [Int]()
        drawn.reserveCapacity(draws)
        for t in 1...draws {
            let u = rng.uniform(.sparseFeatures, UInt64(i) << 13 | UInt64(t))
            drawn.append(min(features - 1, max(0, Int(Foundation.exp(u * logRange)) - 1)))
        }
        drawn.sort()
        var row: [(index: Int, count: Int)] = []
        for j in drawn {
            if let last = row.last, last.index == j { row[row.count - 1].count += 1 } else { row.append((j, 1)) }
        }
        var score = 0.0
        var squares = 0.0
        for (j, c) in row {
            let w = weight(j)
            score += w * Double(c)
            if w != 0 { squares += Double(c * c) }
        }
        // The signal in units of its spread over rows (standard normal for any row that has a
        // weighted feature), so --noise is a ratio of noise to signal.
        let z = score / max(1, squares).squareRoot() + noise * rng.normal(.sparseNoise, UInt64(i))
        return (row, z > 0 ? 1 : -1)
    }

    /// The svmlight text of rows `rows`.
    package func text(_ rows: Range<Int>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(rows.count * (nonzeros * 10 + 4))
        func append(_ value: Int) {
            var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (
                0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
            )
            var n = value
            var count = 0
            withUnsafeMutableBytes(of: &digits) { d in
                repeat {
                    d[count] = UInt8(48 + n % 10)
                    n /= 10
                    count += 1
                } while n > 0
                for k in stride(from: count - 1, through: 0, by: -1) { out.append(d[k]) }
            }
        }
        for i in rows {
            let (features, label) = row(i)
            out.append(contentsOf: label > 0 ? [0x2B, 0x31] : [0x2D, 0x31])  // "+1" / "-1"
            for (j, c) in features {
                out.append(0x20)
                append(j + 1)
                out.append(0x3A)
                append(c)
            }
            out.append(0x0A)
        }
        return out
    }

    /// Writes every row to `file`, blocks of rows made in parallel and written in order.
    /// Returns the bytes written.
    package func write(to file: AtomicFile.Writer, executor: ShardedExecutor) throws -> Int {
        let blockRows = 4096
        let blocks = (samples + blockRows - 1) / blockRows
        let perRound = max(1, executor.threads * 2)
        var written = 0
        var round = 0
        while round * perRound < blocks {
            let first = round * perRound
            let count = min(perRound, blocks - first)
            var pieces = [[UInt8]](repeating: [], count: count)
            pieces.withUnsafeMutableBufferPointer { out in
                let box = UncheckedBox(out.baseAddress!)
                let workers = min(count, executor.threads)
                executor.run(iterations: workers) { s in
                    for k in (s * count / workers)..<((s + 1) * count / workers) {
                        let start = (first + k) * blockRows
                        box.value[k] = self.text(start..<min(samples, start + blockRows))
                    }
                }
            }
            for piece in pieces {
                try file.write(Data(piece))
                written += piece.count
            }
            round += 1
        }
        return written
    }
}
