import CDescentSupport

extension Float: KernelScalar {
    public typealias Vector = SIMD16<Float>

    public static var precisionName: String { "float32" }

    @inlinable @inline(__always)
    public static func vectorExp(_ x: SIMD16<Float>) -> SIMD16<Float> {
        // Same scheme as Double's: x = (16 k + j) ln2/16 + r, magic-number rounding
        // (1.5 * 2^23), Cody-Waite, a minimax polynomial for e^r and a 16-entry table of
        // 2^(j/16) with k added to its exponent.
        typealias V = SIMD16<Float>
        let high = V(repeating: 88.0)
        let low = V(repeating: -87.0)
        var x = x.replacing(with: high, where: x .> high)
        x = x.replacing(with: low, where: x .< low)
        let magic = V(repeating: 12_582_912.0)
        let t = x * V(repeating: 23.083_12) + magic  // 16 / ln2 (1.44269504 * 16)
        let n = t - magic
        // ln2/16 = 0.693359375/16 - 2.12194440e-4/16 (Cephes' split of ln 2, scaled: n times
        // the first part is exact for |n| < 2^15).
        let r = (x - n * V(repeating: 0.043_334_960_94)) - n * V(repeating: -1.326_215_3e-5)
        // The minimax polynomial of degree 3 for e^r on |r| <= 1.02 ln2/32 with its first two
        // coefficients held at 1 (linear programming on 4001 points, then the best float
        // neighbours: relative error 1.8e-9 with the rounded coefficients). e^0 is exactly 1.
        let r2 = r * r
        let p23 = V(repeating: 0x1.000236p-1) + r * V(repeating: 0x1.55521cp-3)
        let p = (V(repeating: 1) + r) + r2 * p23
        // t's low 16 bits are n, so t << 19 is (k << 23) + (j << 19) modulo 2^32, and entry j
        // of the table is 2^(j/16) (correctly rounded to float) less j << 19.
        let bits = unsafeBitCast(t, to: SIMD16<UInt32>.self)
        let table = SIMD16<UInt32>(
            0x3F80_0000, 0x3F7D_AAC3, 0x3F7B_95C2, 0x3F79_C3D3, 0x3F78_37F0, 0x3F76_F532, 0x3F75_FED7, 0x3F75_583F,
            0x3F75_04F3, 0x3F75_08A4, 0x3F75_672A, 0x3F76_248C, 0x3F77_44FD, 0x3F78_CCDF, 0x3F7A_C0C7, 0x3F7D_257D)
        let scale = descent_lookup16_u32(table, bits) &+ (bits &<< 19)
        return p * unsafeBitCast(scale, to: V.self)
    }

    @inlinable @inline(__always)
    public static func vectorLog(_ x: SIMD16<Float>) -> SIMD16<Float> {
        // As Double's: e (biased by 128) and m in (sqrt(1/2), sqrt(2)] from the bits, with no
        // comparison, split where m > sqrt(2) splits.
        let bits = unsafeBitCast(x, to: SIMD16<UInt32>.self)
        let biasedE = (bits &- (0x3F35_04F4 &- (128 << 23))) &>> 23  // e + 128
        let m = unsafeBitCast(bits &- (biasedE &<< 23) &+ (128 << 23), to: SIMD16<Float>.self)
        // 1.5 * 2^23 + 128
        let e = unsafeBitCast(biasedE &+ 0x4B40_0000, to: SIMD16<Float>.self) - SIMD16(repeating: 12_583_040.0)
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

    @inlinable @inline(__always)
    public static func labelVector(_ labels: UnsafeRawPointer, bytes: Int) -> SIMD16<Float> {
        bytes == 1 ? descent_labels_u8_f32(labels) : descent_labels_u16_f32(labels)
    }
}
