/// A counter-based random number generator: every draw is a pure function of
/// (seed, stream, index), so any row or any shuffle position can be produced on any
/// thread, in any order, with the same result.
///
/// The mixing function is SplitMix64's finalizer applied to the three inputs in turn.
package struct CounterRNG: Sendable, Hashable {
    /// Independent streams drawn from one seed.
    package enum Stream: UInt64, Sendable {
        case blobCenters = 1
        case blobNoise = 2
        case split = 3
        case initialWeights = 4
        case shuffle = 5
        case validation = 6
        case regressionFeatures = 7
        case regressionCoefficients = 8
        case regressionNoise = 9
        case blockShuffle = 10
        case sparseFeatures = 11
        case sparseWeights = 12
        case sparseNoise = 13
    }

    package let seed: UInt64

    @inlinable
    package init(seed: UInt64) { self.seed = seed }

    /// SplitMix64's output function: a bijective 64-bit mix.
    @inlinable @inline(__always)
    package static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z &>> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z &>> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z &>> 31)
    }

    /// 64 random bits for `index` in `stream`.
    @inlinable @inline(__always)
    package func bits(_ stream: Stream, _ index: UInt64) -> UInt64 {
        CounterRNG.mix(CounterRNG.mix(CounterRNG.mix(seed) ^ stream.rawValue) ^ index)
    }

    /// A double uniform in [0, 1) with 53 random bits.
    @inlinable @inline(__always)
    package func uniform(_ stream: Stream, _ index: UInt64) -> Double {
        Double(bits(stream, index) >> 11) * 0x1p-53
    }

    /// The key of `stream`: ``bits(_:_:)`` is `mix(key ^ index)`.
    @inlinable @inline(__always)
    package func key(_ stream: Stream) -> UInt64 { CounterRNG.mix(CounterRNG.mix(seed) ^ stream.rawValue) }

    /// SplitMix64's output function in every lane (vectorised; the same bits as ``mix(_:)``).
    @inlinable @inline(__always)
    package static func mix(_ value: SIMD8<UInt64>) -> SIMD8<UInt64> {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z &>> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z &>> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z &>> 31)
    }

    /// The two standard normal deviates of pair `pair` in every lane, by the Box-Muller
    /// transform of the counters `2 pair` and `2 pair + 1` of the stream whose key is `key`.
    ///
    /// Everything is lane-wise IEEE arithmetic with Descent's own polynomials (no libm, no
    /// fused multiply-add), so a lane gives the same bits in a vector of any width, in the
    /// native and the generic build, and on every C library:
    /// - the radius `sqrt(-2 log u)` with `u = 2 - [1, 2)` in (0, 1] from 52 bits of the first
    ///   counter (so `log` never sees 0; the largest radius is 8.49, a tail beyond which a
    ///   normal falls with probability 2e-16);
    /// - the angle `2 pi t`, `t` in [0, 1) from 52 bits of the second counter, reduced exactly
    ///   to a quadrant `q` and `x = (4t - q) pi/2` in [-pi/4, pi/4], where fdlibm's kernel
    ///   polynomials give sin and cos to within an ulp.
    @inlinable @inline(__always)
    package static func boxMuller(key: UInt64, pairs: SIMD8<UInt64>) -> (first: SIMD8<Double>, second: SIMD8<Double>) {
        typealias V = SIMD8<Double>
        typealias U = SIMD8<UInt64>
        let counter = pairs &<< 1
        let a = mix(counter ^ U(repeating: key))
        let b = mix((counter | 1) ^ U(repeating: key))
        let one = U(repeating: 0x3FF0_0000_0000_0000)
        let magic = V(repeating: 6_755_399_441_055_744.0)
        // Radius: u in (0, 1], its log by the kernels' own Double.vectorLog (a positive normal
        // number: the smallest u is 2^-52).
        let u = V(repeating: 2) - unsafeBitCast(one | (a &>> 12), to: V.self)
        let logU = Double.vectorLog(u)
        let radius = (V(repeating: -2) * logU).squareRoot()
        // Angle: y = 4t is exact; q = round(y) by the 1.5 * 2^52 magic number, y - q exact.
        let y = (unsafeBitCast(one | (b &>> 12), to: V.self) - V(repeating: 1)) * V(repeating: 4)
        let shifted = y + magic
        let q = shifted - magic
        let quadrant = unsafeBitCast(shifted, to: U.self) & 3
        let x = (y - q) * V(repeating: 1.570_796_326_794_896_6)
        let z = x * x
        // fdlibm __kernel_sin and __kernel_cos (|x| <= pi/4), by Horner's scheme.
        var r = V(repeating: 1.589_690_995_211_550_102_21e-10)
        r = V(repeating: -2.505_076_025_340_686_341_95e-08) + z * r
        r = V(repeating: 2.755_731_370_707_006_767_89e-06) + z * r
        r = V(repeating: -1.984_126_982_985_794_931_34e-04) + z * r
        r = V(repeating: 8.333_333_333_322_489_461_24e-03) + z * r
        let sine = x + (z * x) * (V(repeating: -1.666_666_666_666_663_243_48e-01) + z * r)
        var c6 = V(repeating: -1.135_964_755_778_819_482_65e-11)
        c6 = V(repeating: 2.087_572_321_298_174_827_90e-09) + z * c6
        c6 = V(repeating: -2.755_731_435_139_066_330_35e-07) + z * c6
        c6 = V(repeating: 2.480_158_728_947_672_941_78e-05) + z * c6
        c6 = V(repeating: -1.388_888_888_887_410_957_49e-03) + z * c6
        c6 = V(repeating: 4.166_666_666_666_660_190_37e-02) + z * c6
        r = z * c6
        let half = V(repeating: 0.5) * z
        let w = V(repeating: 1) - half
        let cosine = w + (((V(repeating: 1) - w) - half) + z * r)
        // Rotate by q quarter turns: cos and sin of q pi/2 + x are (+-cos x, +-sin x) for
        // even q and (-+sin x, +-cos x) for odd q.
        let odd = 0 &- (quadrant & 1)  // all ones where q is odd
        let cosineBits = unsafeBitCast(cosine, to: U.self)
        let sineBits = unsafeBitCast(sine, to: U.self)
        let swapped = (cosineBits ^ sineBits) & odd
        let c = unsafeBitCast((cosineBits ^ swapped) ^ (((quadrant &+ 1) & 2) &<< 62), to: V.self)
        let s = unsafeBitCast((sineBits ^ swapped) ^ ((quadrant & 2) &<< 62), to: V.self)
        return (radius * c, radius * s)
    }

    /// The standard normal deviates `index, index + 1, ..., index + count - 1` of `stream`
    /// into `out`: deviate `n` is the first (n even) or second (n odd) of Box-Muller pair
    /// `n / 2` (``boxMuller(key:pairs:)``), made eight pairs at a time.
    @inlinable
    package func normals(_ stream: Stream, from index: UInt64, count: Int, into out: UnsafeMutablePointer<Double>) {
        guard count > 0 else { return }
        let key = self.key(stream)
        var written = 0
        var pair = index >> 1
        var skip = Int(index & 1)  // a first deviate that is not wanted
        let lanes = SIMD8<UInt64>(0, 1, 2, 3, 4, 5, 6, 7)
        while written < count {
            let (first, second) = CounterRNG.boxMuller(key: key, pairs: SIMD8(repeating: pair) &+ lanes)
            if skip == 0 && count - written >= 16 {
                // The common case: 16 deviates, interleaved.
                for lane in 0..<8 {
                    out[written + 2 * lane] = first[lane]
                    out[written + 2 * lane + 1] = second[lane]
                }
                written += 16
            } else {
                for lane in 0..<8 {
                    if skip == 0 {
                        if written == count { break }
                        out[written] = first[lane]
                        written += 1
                    }
                    skip = 0
                    if written == count { break }
                    out[written] = second[lane]
                    written += 1
                }
            }
            pair &+= 8
        }
    }

    /// Box-Muller pairs `pairs[0] ..< pairs[count - 1]` of `stream` into `out`: pair `i`'s
    /// first deviate at `out[2 i]`, its second at `out[2 i + 1]` (deviates `2 pairs[i]` and
    /// `2 pairs[i] + 1` of ``normal(_:_:)``), eight pairs at a time.
    @inlinable
    package func normalPairs(
        _ stream: Stream, pairs: UnsafePointer<UInt64>, count: Int, into out: UnsafeMutablePointer<Double>
    ) {
        let key = self.key(stream)
        var start = 0
        while start < count {
            let n = min(8, count - start)
            var p = SIMD8<UInt64>(repeating: pairs[start])
            for lane in 1..<n { p[lane] = pairs[start + lane] }
            let (first, second) = CounterRNG.boxMuller(key: key, pairs: p)
            for lane in 0..<n {
                out[2 * (start + lane)] = first[lane]
                out[2 * (start + lane) + 1] = second[lane]
            }
            start += n
        }
    }

    /// The standard normal deviate `index` of `stream`: the first (even `index`) or second
    /// (odd) of Box-Muller pair `index / 2` (``boxMuller(key:pairs:)``). The same bits as
    /// the batched ``normals(_:from:count:into:)`` and ``normalPairs(_:pairs:count:into:)``.
    @inlinable
    package func normal(_ stream: Stream, _ index: UInt64) -> Double {
        let (first, second) = CounterRNG.boxMuller(key: key(stream), pairs: SIMD8(repeating: index >> 1))
        return index & 1 == 0 ? first[0] : second[0]
    }
}
