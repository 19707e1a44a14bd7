/// Isotropic Gaussian blobs, like scikit-learn's `make_blobs`.
///
/// Centers are drawn uniformly in `centerBox` (per coordinate). Row i has label i mod K, so
/// class counts are balanced (they differ by at most one, the first classes getting the
/// extra rows as in `make_blobs`), and feature j of row i is
/// `center[label][j] + clusterStd * normal(seed, i * features + j)`. Every value depends
/// only on (seed, i, j): rows can be generated on any thread, in any order.
public struct BlobGenerator: Sendable {
    public let samples: Int
    public let features: Int
    public let centerCount: Int
    public let clusterStd: Double
    public let centers: [[Double]]
    @usableFromInline let rng: CounterRNG

    public init(samples: Int, features: Int, centers: Int, clusterStd: Double, centerBox: ClosedRange<Double> = -10...10, seed: UInt64) {
        precondition(samples >= 0 && features >= 1 && centers >= 1, "invalid blob shape")
        self.samples = samples
        self.features = features
        self.centerCount = centers
        self.clusterStd = clusterStd
        rng = CounterRNG(seed: seed)
        let rng = self.rng
        self.centers = (0..<centers).map { k in
            (0..<features).map { j in
                centerBox.lowerBound + (centerBox.upperBound - centerBox.lowerBound) * rng.uniform(.blobCenters, UInt64(k * features + j))
            }
        }
    }

    /// The label of row `row`.
    @inlinable
    public func label(_ row: Int) -> Int { row % centerCount }

    /// Feature `feature` of row `row`.
    @inlinable
    public func value(_ row: Int, _ feature: Int) -> Double {
        centers[label(row)][feature] + clusterStd * rng.normal(.blobNoise, UInt64(row * features + feature))
    }

    /// Rows `row(0) ..< row(count - 1)` into a chunk block as ``Dataset`` lays it out
    /// (feature j of local row i at `block[j * stride + i]`, the label at
    /// `block[features * stride + i]`), converted to `T`: the same values as ``value(_:_:)``
    /// and ``label(_:)``, with the normals made a vector at a time
    /// (``CounterRNG/normals(_:count:index:into:)``). `scratch` holds `count * features`
    /// normals between calls.
    @inlinable
    public func fill<T: KernelScalar>(count: Int, row: (Int) -> Int, into block: UnsafeMutablePointer<T>, stride: Int,
                                      scratch: inout [Double]) {
        let d = features, total = count * d
        if scratch.count < total { scratch = [Double](repeating: 0, count: total) }
        // The counter of each normal, row by row (no division per normal).
        var indices = [UInt64](repeating: 0, count: total)
        var k = 0
        for local in 0..<count {
            let base = UInt64(row(local) * d)
            for j in 0..<d { indices[k] = base &+ UInt64(j); k += 1 }
        }
        scratch.withUnsafeMutableBufferPointer { z in
            indices.withUnsafeBufferPointer { ix in
                rng.normals(.blobNoise, count: total, index: { ix[$0] }, into: z.baseAddress!)
            }
            for local in 0..<count {
                let r = row(local), label = label(r)
                let center = centers[label]
                for j in 0..<d { block[j * stride + local] = T(center[j] + clusterStd * z[local * d + j]) }
                block[d * stride + local] = T(label)
            }
        }
    }
}
