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
}
