/// Rows for a linear regression, like scikit-learn's `make_regression`: features drawn from
/// N(0, 1), the first `informative` of them (at most 10) with coefficients drawn uniformly
/// in [0, 100), the rest with 0, and the target `x . w + noise * N(0, 1)` (no bias, as
/// `make_regression`'s default).
///
/// Every value depends only on (seed, row, feature): rows can be generated on any thread, in
/// any order, with the same bits. The dot product runs over the features in order.
package struct RegressionGenerator: Sendable {
    package let samples: Int
    package let features: Int
    package let noise: Double
    /// The true coefficients (0 past the informative features).
    package let coefficients: [Double]
    let rng: CounterRNG

    /// The informative features: scikit-learn's default of 10, or all of them when fewer.
    package static func informative(features: Int) -> Int { min(features, 10) }

    package init(samples: Int, features: Int, noise: Double, seed: UInt64) {
        precondition(samples >= 0 && features >= 1, "invalid regression shape")
        self.samples = samples
        self.features = features
        self.noise = noise
        let rng = CounterRNG(seed: seed)
        self.rng = rng
        let informative = RegressionGenerator.informative(features: features)
        coefficients = (0..<features).map { j in
            j < informative ? 100 * rng.uniform(.regressionCoefficients, UInt64(j)) : 0
        }
    }

    /// Feature `feature` of row `row`.
    package func value(_ row: Int, _ feature: Int) -> Double {
        rng.normal(.regressionFeatures, UInt64(row) &* UInt64(features) &+ UInt64(feature))
    }

    /// The target of row `row`.
    package func target(_ row: Int) -> Double {
        var y = 0.0
        for j in 0..<features { y += value(row, j) * coefficients[j] }
        return y + noise * rng.normal(.regressionNoise, UInt64(row))
    }

    /// Writes the rows `rows(i)` (local rows i of the block, `count` of them) into a chunk
    /// block as ``Dataset`` lays it out: feature j of local row i at `block[j * stride + i]`,
    /// the target at `block[features * stride + i]`, converted to `T`.
    package func fill<T: KernelScalar>(
        count: Int, rows: (Int) -> Int, into block: UnsafeMutablePointer<T>, stride: Int
    ) {
        var x = [Double](repeating: 0, count: features)
        for i in 0..<count {
            let row = rows(i)
            var y = 0.0
            for j in 0..<features {
                x[j] = value(row, j)
                y += x[j] * coefficients[j]
                block[j * stride + i] = T(x[j])
            }
            block[features * stride + i] = T(y + noise * rng.normal(.regressionNoise, UInt64(row)))
        }
    }
}
