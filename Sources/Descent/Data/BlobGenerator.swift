/// Isotropic Gaussian blobs, like scikit-learn's `make_blobs`.
///
/// Centers are drawn uniformly in `centerBox` (per coordinate). Row i has label i mod K, so
/// class counts are balanced (they differ by at most one, the first classes getting the
/// extra rows as in `make_blobs`), and feature j of row i is
/// `center[label][j] + clusterStd * normal(seed, i * features + j)`. Every value depends
/// only on (seed, i, j): rows can be generated on any thread, in any order.
package struct BlobGenerator: Sendable {
    package let samples: Int
    package let features: Int
    package let centerCount: Int
    package let clusterStd: Double
    package let centers: [[Double]]
    /// `centers`, row after row: center k's coordinate j at `k * features + j`.
    @usableFromInline let flatCenters: [Double]
    @usableFromInline let rng: CounterRNG

    package init(
        samples: Int, features: Int, centers: Int, clusterStd: Double, centerBox: ClosedRange<Double> = -10...10,
        seed: UInt64
    ) {
        precondition(samples >= 0 && features >= 1 && centers >= 1, "invalid blob shape")
        self.samples = samples
        self.features = features
        self.centerCount = centers
        self.clusterStd = clusterStd
        rng = CounterRNG(seed: seed)
        let rng = self.rng
        self.centers = (0..<centers).map { k in
            (0..<features).map { j in
                centerBox.lowerBound + (centerBox.upperBound - centerBox.lowerBound)
                    * rng.uniform(.blobCenters, UInt64(k * features + j))
            }
        }
        flatCenters = self.centers.flatMap { $0 }
    }

    /// The label of row `row`.
    @inlinable
    package func label(_ row: Int) -> Int { row % centerCount }

    /// Feature `feature` of row `row`.
    @inlinable
    package func value(_ row: Int, _ feature: Int) -> Double {
        centers[label(row)][feature] + clusterStd * rng.normal(.blobNoise, UInt64(row * features + feature))
    }

    /// Eight consecutive rows from `row` on, for ``fill(count:rows:into:stride:)``.
    @inlinable @inline(__always)
    package static func consecutiveRows(from row: Int) -> SIMD8<UInt64> {
        SIMD8(repeating: UInt64(truncatingIfNeeded: row)) &+ SIMD8(0, 1, 2, 3, 4, 5, 6, 7)
    }

    /// The rows whose numbers `rows(i)` gives eight at a time (local rows i ..< i + 8; lanes
    /// past `count` are ignored) into a chunk block as ``Dataset`` lays it out
    /// (feature j of local row i at `block[j * stride + i]`, the label at
    /// `block[features * stride + i]`), converted to `T`: the same values as ``value(_:_:)``
    /// and ``label(_:)``, made eight rows at a time straight from Box-Muller pairs
    /// (``CounterRNG/boxMuller(key:pairs:)``) with no buffer between. With an even number of
    /// features, row r's features 2j and 2j + 1 are the two deviates of pair r d/2 + j; with an
    /// odd number, each feature takes its half of its own pair.
    @inlinable
    package func fill<T: KernelScalar>(
        count: Int, rows: (Int) -> SIMD8<UInt64>, into block: UnsafeMutablePointer<T>, stride: Int
    ) {
        let d = features
        let k = centerCount
        let std = clusterStd
        let key = rng.key(.blobNoise)
        flatCenters.withUnsafeBufferPointer { center in
            var local = 0
            var labels = SIMD8<Int>()
            while local < count {
                let n = min(8, count - local)
                let rows = rows(local)
                for lane in 0..<8 { labels[lane] = Int(truncatingIfNeeded: rows[lane] % UInt64(k)) }
                let base = labels &* d
                let out = block + local
                if d % 2 == 0 {
                    let half = UInt64(d / 2)
                    for j in 0..<(d / 2) {
                        let (first, second) = CounterRNG.boxMuller(key: key, pairs: rows &* half &+ UInt64(j))
                        let even = out + 2 * j * stride
                        let odd = even + stride
                        for lane in 0..<n {
                            even[lane] = T(center[base[lane] + 2 * j] + std * first[lane])
                            odd[lane] = T(center[base[lane] + 2 * j + 1] + std * second[lane])
                        }
                    }
                } else {
                    for j in 0..<d {
                        let index = rows &* UInt64(d) &+ UInt64(j)
                        let (first, second) = CounterRNG.boxMuller(key: key, pairs: index &>> 1)
                        let z = first.replacing(with: second, where: index & 1 .== 1)
                        let column = out + j * stride
                        for lane in 0..<n { column[lane] = T(center[base[lane] + j] + std * z[lane]) }
                    }
                }
                let labelColumn = out + d * stride
                for lane in 0..<n { labelColumn[lane] = T(Double(labels[lane])) }
                local += n
            }
        }
    }
}
