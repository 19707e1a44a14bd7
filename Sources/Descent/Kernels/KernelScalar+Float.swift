extension Float: KernelScalar {
    public typealias Vector = SIMD16<Float>

    public static var precisionName: String { "float32" }

    @inlinable @inline(__always)
    public static func vectorExp(_ x: SIMD16<Float>) -> SIMD16<Float> {
        // Same scheme as Double's: magic-number rounding (1.5 * 2^23), Cody-Waite, a minimax polynomial.
        let high = SIMD16<Float>(repeating: 88.0), low = SIMD16<Float>(repeating: -87.0)
        var x = x.replacing(with: high, where: x .> high)
        x = x.replacing(with: low, where: x .< low)
        let magic = SIMD16<Float>(repeating: 12_582_912.0)
        let t = x * SIMD16(repeating: 1.442_695_04) + magic
        let n = t - magic
        // ln 2 = 0.693359375 - 2.12194440e-4 (Cephes' split: n * 0.693359375 is exact for |n| < 2^15).
        let r = (x - n * SIMD16(repeating: 0.693_359_375)) - n * SIMD16(repeating: -2.121_944_40e-4)
        // The minimax polynomial of degree 5 for e^r on [-ln2/2, ln2/2] (Remez exchange;
        // relative error 7.5e-8, 1.35e-7 once the coefficients are rounded to float), by
        // Estrin's scheme. It replaced Taylor's degree 8: six operations fewer per vector,
        // 2.5e-7 worst relative error against libm over [-80, 80] (VectorMathTests). Its
        // constant term is not exactly 1, so e^0 is 1.0000001 and sigmoid(0) 0.49999997.
        typealias V = SIMD16<Float>
        let r2 = r * r, r4 = r2 * r2
        let p01 = V(repeating: 0x1.000002p+0) + r * V(repeating: 0x1.fffff6p-1)
        let p23 = V(repeating: 0x1.fffd1ap-2) + r * V(repeating: 0x1.555a18p-3)
        let p45 = V(repeating: 0x1.575eeep-5) + r * V(repeating: 0x1.0fe5c6p-7)
        let p03 = p01 + r2 * p23
        let p = p03 + r4 * p45
        let magicBits = SIMD16<UInt32>(repeating: 0x4B40_0000)
        let exponent = (unsafeBitCast(t, to: SIMD16<UInt32>.self) &- magicBits &+ 127) &<< 23
        return p * unsafeBitCast(exponent, to: SIMD16<Float>.self)
    }

    @inlinable @inline(__always)
    public static func vectorLog(_ x: SIMD16<Float>) -> SIMD16<Float> {
        let bits = unsafeBitCast(x, to: SIMD16<UInt32>.self)
        let mantissa = unsafeBitCast((bits & 0x007F_FFFF) | 0x3F80_0000, to: SIMD16<Float>.self)
        let magic = SIMD16<Float>(repeating: 12_582_912.0)
        let biased = (bits &>> 23) &+ 0x4B40_0000 &- 127
        var e = unsafeBitCast(biased, to: SIMD16<Float>.self) - magic
        let large = mantissa .> SIMD16(repeating: 1.414_213_56)
        let m = mantissa.replacing(with: mantissa * 0.5, where: large)
        e = e.replacing(with: e + 1, where: large)
        let one = SIMD16<Float>(repeating: 1)
        let s = (m - one) / (m + one)
        let s2 = s * s
        let s4 = s2 * s2
        let q01 = one + s2 * SIMD16<Float>(repeating: 1.0 / 3.0)
        let q23 = SIMD16<Float>(repeating: 1.0 / 5.0) + s2 * SIMD16<Float>(repeating: 1.0 / 7.0)
        let q45 = SIMD16<Float>(repeating: 1.0 / 9.0) + s2 * SIMD16<Float>(repeating: 1.0 / 11.0)
        let q = (q01 + s4 * q23) + (s4 * s4) * q45
        let logM = (s + s) * q
        return e * SIMD16(repeating: 0.693_359_375) + (logM + e * SIMD16(repeating: -2.121_944_40e-4))
    }

    @inlinable @inline(__always)
    public static func select(ifNegative z: SIMD16<Float>, _ a: SIMD16<Float>, else b: SIMD16<Float>) -> SIMD16<Float> {
        b.replacing(with: a, where: z .< SIMD16<Float>(repeating: 0))
    }

    @inlinable @inline(__always)
    public static func indicator(_ a: SIMD16<Float>, equals b: SIMD16<Float>) -> SIMD16<Float> {
        SIMD16<Float>(repeating: 0).replacing(with: 1, where: a .== b)
    }

    @inlinable @inline(__always)
    public static func indicatorPositive(_ a: SIMD16<Float>) -> SIMD16<Float> {
        SIMD16<Float>(repeating: 0).replacing(with: 1, where: a .> SIMD16<Float>(repeating: 0))
    }

    @inlinable @inline(__always)
    public static func maximum(_ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float> {
        b.replacing(with: a, where: a .> b)
    }

    @inlinable @inline(__always)
    public static func keepingLanes(_ v: SIMD16<Float>, below count: Int) -> SIMD16<Float> {
        var index = SIMD16<Float>(repeating: 0)
        for lane in 0..<SIMD16<Float>.scalarCount { index[lane] = Float(lane) }
        return v.replacing(with: 0, where: index .>= SIMD16<Float>(repeating: Float(count)))
    }
}

