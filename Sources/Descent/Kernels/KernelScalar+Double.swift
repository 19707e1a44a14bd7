extension Double: KernelScalar {
    public typealias Vector = SIMD8<Double>

    public static var precisionName: String { "float64" }

    @inlinable @inline(__always)
    public static func vectorExp(_ x: SIMD8<Double>) -> SIMD8<Double> {
        // x = n ln2 + r with |r| <= ln2/2; e^x = 2^n e^r. n is rounded with the 1.5 * 2^52
        // "magic number", which stays vectorized where Swift's rounding calls do not.
        let high = SIMD8<Double>(repeating: 709.0), low = SIMD8<Double>(repeating: -708.0)
        var x = x.replacing(with: high, where: x .> high)
        x = x.replacing(with: low, where: x .< low)
        let magic = SIMD8<Double>(repeating: 6_755_399_441_055_744.0)
        let t = x * SIMD8(repeating: 1.442_695_040_888_963_4) + magic
        let n = t - magic
        let r = (x - n * SIMD8(repeating: 0x1.62e42fee00000p-1)) - n * SIMD8(repeating: 0x1.a39ef35793c76p-33)
        // The minimax polynomial of degree 10 for e^r on [-ln2/2, ln2/2] (Remez exchange in
        // 60-digit arithmetic; relative error 2.1e-16, 3.0e-16 once the coefficients are
        // rounded to double), evaluated by Estrin's scheme. It replaced Taylor's degree 12:
        // three operations fewer per vector, 6.2e-16 worst relative error against libm over
        // [-700, 700] with the reduction and the arithmetic's rounding (VectorMathTests).
        typealias V = SIMD8<Double>
        let r2 = r * r, r4 = r2 * r2, r8 = r4 * r4
        let p01 = V(repeating: 1.0) + r * V(repeating: 0x1.000000000001dp+0)
        let p23 = V(repeating: 0x1.ffffffffffe17p-2) + r * V(repeating: 0x1.555555554bc09p-3)
        let p45 = V(repeating: 0x1.55555555933c2p-5) + r * V(repeating: 0x1.1111112d4977ep-7)
        let p67 = V(repeating: 0x1.6c16c0c0acbd4p-10) + r * V(repeating: 0x1.a0197a4e9bd9dp-13)
        let p89 = V(repeating: 0x1.a01b6ce393267p-16) + r * V(repeating: 0x1.72f98543deccbp-19)
        let p03 = p01 + r2 * p23
        let p47 = p45 + r2 * p67
        let p810 = p89 + r2 * V(repeating: 0x1.2727a88044faap-22)
        let p07 = p03 + r4 * p47
        let p = p07 + r8 * p810
        let magicBits = SIMD8<UInt64>(repeating: 0x4338_0000_0000_0000)
        let exponent = (unsafeBitCast(t, to: SIMD8<UInt64>.self) &- magicBits &+ 1023) &<< 52
        return p * unsafeBitCast(exponent, to: SIMD8<Double>.self)
    }

    @inlinable @inline(__always)
    public static func vectorLog(_ x: SIMD8<Double>) -> SIMD8<Double> {
        typealias V = SIMD8<Double>
        // x = m 2^e with m in [sqrt(1/2), sqrt(2)); log m = 2 atanh(s), s = (m - 1) / (m + 1).
        let bits = unsafeBitCast(x, to: SIMD8<UInt64>.self)
        let mantissa = unsafeBitCast(
            (bits & 0x000F_FFFF_FFFF_FFFF) | 0x3FF0_0000_0000_0000, to: SIMD8<Double>.self)
        let magic = SIMD8<Double>(repeating: 6_755_399_441_055_744.0)
        let biased = (bits &>> 52) &+ 0x4338_0000_0000_0000 &- 1023
        var e = unsafeBitCast(biased, to: SIMD8<Double>.self) - magic
        let large = mantissa .> SIMD8(repeating: 1.414_213_562_373_095_1)
        let m = mantissa.replacing(with: mantissa * 0.5, where: large)
        e = e.replacing(with: e + 1, where: large)
        let one = SIMD8<Double>(repeating: 1)
        let s = (m - one) / (m + one)
        let s2 = s * s
        // 2 atanh(s) = 2 (s + s^3/3 + ... + s^19/19): error below 1e-17 for |s| <= 0.1716,
        // by Estrin's scheme in s^2.
        let s4 = s2 * s2, s8 = s4 * s4
        let q01 = V(repeating: 1) + s2 * V(repeating: 1.0 / 3.0)
        let q23 = V(repeating: 1.0 / 5.0) + s2 * V(repeating: 1.0 / 7.0)
        let q45 = V(repeating: 1.0 / 9.0) + s2 * V(repeating: 1.0 / 11.0)
        let q67 = V(repeating: 1.0 / 13.0) + s2 * V(repeating: 1.0 / 15.0)
        let q89 = V(repeating: 1.0 / 17.0) + s2 * V(repeating: 1.0 / 19.0)
        let q03 = q01 + s4 * q23
        let q47 = q45 + s4 * q67
        let q = (q03 + s8 * q47) + (s8 * s8) * q89
        let logM = (s + s) * q
        return e * SIMD8(repeating: 0x1.62e42fee00000p-1) + (logM + e * SIMD8(repeating: 0x1.a39ef35793c76p-33))
    }

    @inlinable @inline(__always)
    public static func select(ifNegative z: SIMD8<Double>, _ a: SIMD8<Double>, else b: SIMD8<Double>) -> SIMD8<Double> {
        b.replacing(with: a, where: z .< SIMD8<Double>(repeating: 0))
    }

    @inlinable @inline(__always)
    public static func indicator(_ a: SIMD8<Double>, equals b: SIMD8<Double>) -> SIMD8<Double> {
        SIMD8<Double>(repeating: 0).replacing(with: 1, where: a .== b)
    }

    @inlinable @inline(__always)
    public static func indicatorPositive(_ a: SIMD8<Double>) -> SIMD8<Double> {
        SIMD8<Double>(repeating: 0).replacing(with: 1, where: a .> SIMD8<Double>(repeating: 0))
    }

    @inlinable @inline(__always)
    public static func maximum(_ a: SIMD8<Double>, _ b: SIMD8<Double>) -> SIMD8<Double> {
        b.replacing(with: a, where: a .> b)
    }

    @inlinable @inline(__always)
    public static func keepingLanes(_ v: SIMD8<Double>, below count: Int) -> SIMD8<Double> {
        var index = SIMD8<Double>(repeating: 0)
        for lane in 0..<SIMD8<Double>.scalarCount { index[lane] = Double(lane) }
        return v.replacing(with: 0, where: index .>= SIMD8<Double>(repeating: Double(count)))
    }
}

