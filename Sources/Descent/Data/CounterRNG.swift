/// A counter-based random number generator: every draw is a pure function of
/// (seed, stream, index), so any row or any shuffle position can be produced on any
/// thread, in any order, with the same result.
///
/// The mixing function is SplitMix64's finalizer applied to the three inputs in turn.
public struct CounterRNG: Sendable, Hashable {
    /// Independent streams drawn from one seed.
    public enum Stream: UInt64, Sendable {
        case blobCenters = 1
        case blobNoise = 2
        case split = 3
        case initialWeights = 4
        case shuffle = 5
        case validation = 6
    }

    public let seed: UInt64

    @inlinable
    public init(seed: UInt64) { self.seed = seed }

    /// SplitMix64's output function: a bijective 64-bit mix.
    @inlinable @inline(__always)
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z &>> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z &>> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z &>> 31)
    }

    /// 64 random bits for `index` in `stream`.
    @inlinable @inline(__always)
    public func bits(_ stream: Stream, _ index: UInt64) -> UInt64 {
        CounterRNG.mix(CounterRNG.mix(CounterRNG.mix(seed) ^ stream.rawValue) ^ index)
    }

    /// A double uniform in [0, 1) with 53 random bits.
    @inlinable @inline(__always)
    public func uniform(_ stream: Stream, _ index: UInt64) -> Double {
        Double(bits(stream, index) >> 11) * 0x1p-53
    }

    /// The key of `stream`: ``bits(_:_:)`` is `mix(key ^ index)`.
    @inlinable @inline(__always)
    public func key(_ stream: Stream) -> UInt64 { CounterRNG.mix(CounterRNG.mix(seed) ^ stream.rawValue) }

    /// ``normal(_:_:)`` for indices `index(0) ..< index(count - 1)`, into `out`: the same
    /// bits, made a vector of attempts at a time. Each lane's first attempt is computed
    /// together (one vector logarithm for all lanes, where one value costs as much); a lane
    /// whose first pair is rejected (about 21%) takes the scalar path, which starts again from
    /// attempt 0 and so gives exactly ``normal(_:_:)``.
    @inlinable
    public func normals(_ stream: Stream, count: Int, index: (Int) -> UInt64, into out: UnsafeMutablePointer<Double>) {
        typealias V = Double.Vector
        let lanes = V.scalarCount
        let key = self.key(stream)
        var u = V(), v = V(), s = V()
        var start = 0
        while start < count {
            let n = min(lanes, count - start)
            for lane in 0..<lanes {
                let base = index(start + min(lane, n - 1)) &* 0x1_0000
                let a = 2 * (Double(CounterRNG.mix(key ^ base) >> 11) * 0x1p-53) - 1
                let b = 2 * (Double(CounterRNG.mix(key ^ (base &+ 1)) >> 11) * 0x1p-53) - 1
                u[lane] = a; v[lane] = b
                s[lane] = a * a + b * b
            }
            // Rejected lanes get s = 0.5 so the logarithm stays finite; their result is redone.
            var safe = s
            for lane in 0..<lanes where !(s[lane] > 0 && s[lane] < 1) { safe[lane] = 0.5 }
            let z = u * ((V(repeating: -2) * Double.vectorLog(safe)) / safe).squareRoot()
            for lane in 0..<n {
                out[start + lane] = s[lane] > 0 && s[lane] < 1 ? z[lane] : normal(stream, index(start + lane))
            }
            start += n
        }
    }

    /// A standard normal deviate for `index`, by Marsaglia's polar method.
    ///
    /// Attempt k draws its pair from counters (index, k), so the result depends on
    /// (seed, stream, index) only. The logarithm is Descent's own polynomial, not libm's,
    /// so generated data is the same on every C library.
    @inlinable
    public func normal(_ stream: Stream, _ index: UInt64) -> Double {
        var attempt: UInt64 = 0
        while true {
            let base = index &* 0x1_0000 &+ attempt &* 2
            let u = 2 * uniform(stream, base) - 1
            let v = 2 * uniform(stream, base &+ 1) - 1
            let s = u * u + v * v
            if s > 0 && s < 1 {
                return u * (-2 * Double.scalarLog(s) / s).squareRoot()
            }
            attempt &+= 1
        }
    }
}
