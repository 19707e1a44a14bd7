import CDescentSupport

extension Double: KernelScalar {
    public typealias Vector = SIMD8<Double>

    public static var precisionName: String { "float64" }

    @inlinable @inline(__always)
    public static func vectorExp(_ x: SIMD8<Double>) -> SIMD8<Double> {
        typealias V = SIMD8<Double>
        // x = (16 k + j) ln2/16 + r with |r| <= ln2/32; e^x = 2^k 2^(j/16) e^r. The integer
        // n = 16 k + j is rounded with the 1.5 * 2^52 "magic number", which stays vectorized
        // where Swift's rounding calls do not, and is read back from t's low bits.
        let high = V(repeating: 709.0)
        let low = V(repeating: -708.0)
        var x = x.replacing(with: high, where: x .> high)
        x = x.replacing(with: low, where: x .< low)
        let magic = V(repeating: 6_755_399_441_055_744.0)
        let t = x * V(repeating: 0x1.71547652b82fep+4) + magic  // 16 / ln2
        let n = t - magic
        // ln2/16 in two parts; n times the first is exact (its last 20 bits are zero).
        let r = (x - n * V(repeating: 0x1.62e42fee00000p-5)) - n * V(repeating: 0x1.a39ef35793c76p-37)
        // The minimax polynomial of degree 6 for e^r on |r| <= 1.02 ln2/32 with its first two
        // coefficients held at 1 (Remez exchange in 50-digit arithmetic; relative error
        // 1.3e-17, the same once the coefficients are rounded to double), by Estrin's scheme:
        // 7 multiplications and 6 additions, against 13 and 10 for the degree 10 it needs
        // on the whole of [-ln2/2, ln2/2] without the table.
        let r2 = r * r
        let r4 = r2 * r2
        let p23 = V(repeating: 0x1.fffffffffffb0p-2) + r * V(repeating: 0x1.555555547f3b4p-3)
        let p45 = V(repeating: 0x1.5555555949ddep-5) + r * V(repeating: 0x1.111246b44dd1ep-7)
        let p46 = p45 + r2 * V(repeating: 0x1.6c14b25d32cbcp-10)
        let p03 = (V(repeating: 1) + r) + r2 * p23
        let p = p03 + r4 * p46
        // 2^k 2^(j/16), built in the bits: t's low 16 bits are n (the magic number's are
        // zero), so t << 48 is (k << 52) + (j << 48) modulo 2^64, and entry j of the table is
        // 2^(j/16) (correctly rounded) less j << 48. Their sum is 2^(j/16) with k added to
        // its exponent, a normal number for every clamped x.
        let bits = unsafeBitCast(t, to: SIMD8<UInt64>.self)
        let table0to7 = SIMD8<UInt64>(
            0x3FF0_0000_0000_0000, 0x3FEF_B558_6CF9_890F, 0x3FEF_72B8_3C7D_517B, 0x3FEF_387A_6E75_6238,
            0x3FEF_06FE_0A31_B715, 0x3FEE_DEA6_4C12_3422, 0x3FEE_BFDA_D536_2A27, 0x3FEE_AB07_DD48_5429)
        let table8to15 = SIMD8<UInt64>(
            0x3FEE_A09E_667F_3BCD, 0x3FEE_A114_73EB_0187, 0x3FEE_ACE5_422A_A0DB, 0x3FEE_C491_82A3_F090,
            0x3FEE_E89F_995A_D3AD, 0x3FEF_199B_DD85_529C, 0x3FEF_5818_DCFB_A487, 0x3FEF_A4AF_A2A4_90DA)
        let scale = descent_lookup16_u64(table0to7, table8to15, bits) &+ (bits &<< 48)
        return p * unsafeBitCast(scale, to: V.self)
    }

    @inlinable @inline(__always)
    public static func vectorLog(_ x: SIMD8<Double>) -> SIMD8<Double> {
        typealias V = SIMD8<Double>
        // x = m 2^e with m in (sqrt(1/2), sqrt(2)]; log m = 2 atanh(s), s = (m - 1) / (m + 1).
        // e and m come from integer arithmetic on the bits, with no comparison: subtracting
        // the bits of sqrt(1/2) plus one borrows from the exponent field exactly when x's
        // mantissa is at most sqrt(2)'s, so the field then holds e (biased by 2048 here, so it
        // stays positive), and x less e in its exponent is m. The split is the one a
        // comparison m > sqrt(2) makes, so every positive input gives the bits it gave with the
        // comparison and two blends used before (whose mask Swift built one lane at a time).
        let bits = unsafeBitCast(x, to: SIMD8<UInt64>.self)
        let biasedE = (bits &- (0x3FE6_A09E_667F_3BCE &- (2048 << 52))) &>> 52  // e + 2048
        let m = unsafeBitCast((bits &- (biasedE &<< 52)) ^ (1 << 63), to: SIMD8<Double>.self)
        let e =
            unsafeBitCast(biasedE &+ 0x4338_0000_0000_0000, to: SIMD8<Double>.self)
            - SIMD8(repeating: 6_755_399_441_057_792.0)  // 1.5 * 2^52 + 2048
        let one = SIMD8<Double>(repeating: 1)
        let s = (m - one) / (m + one)
        let s2 = s * s
        // 2 atanh(s) = 2 (s + s^3/3 + ... + s^19/19): error below 1e-17 for |s| <= 0.1716,
        // by Estrin's scheme in s^2.
        let s4 = s2 * s2
        let s8 = s4 * s4
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

    @inlinable @inline(__always)
    public static func labelVector(_ labels: UnsafeRawPointer, bytes: Int) -> SIMD8<Double> {
        bytes == 1 ? descent_labels_u8_f64(labels) : descent_labels_u16_f64(labels)
    }
}
