/// A floating-point type the kernels run in: `Float` (float32) or `Double` (float64).
///
/// Each conforming type names the SIMD vector the kernels use and supplies `exp` and `log`
/// written out as polynomials, so that the vector body and the masked tail of a chunk do the
/// same arithmetic on every C library and every build target. Nothing here uses fused
/// multiply-add: `a * b + c` is two roundings everywhere, so a build for the host CPU and a
/// build for the generic x86-64 CPU give identical bits.
public protocol KernelScalar: BinaryFloatingPoint, SIMDScalar, Sendable, Codable, LosslessStringConvertible
where Vector.MaskStorage.Scalar: FixedWidthInteger {
    /// The SIMD vector the kernels work in: 8 doubles or 16 floats, one 512-bit register.
    associatedtype Vector: SIMD where Vector.Scalar == Self

    /// The name used on the command line and in files: `float32` or `float64`.
    static var precisionName: String { get }

    /// Lane-wise e^x, from a Cody-Waite range reduction by ln2/16, a 16-entry table of
    /// 2^(j/16) and a minimax polynomial (no fused multiply-add: the generic build has none,
    /// and the bits must not depend on the build; the table lookup is exact on every target).
    /// Inputs are clamped to the range where the result is a finite normal number.
    static func vectorExp(_ x: Vector) -> Vector

    /// Lane-wise natural logarithm for positive, finite, normal inputs.
    static func vectorLog(_ x: Vector) -> Vector

    // Lane selections. Swift's generic SIMD comparisons compile to one branch per lane;
    // written on the concrete vector types they become single vector compares and blends,
    // so every comparison the kernels need lives behind one of these.

    /// `a` where `z` is negative (sign bit set), else `b`.
    static func select(ifNegative z: Vector, _ a: Vector, else b: Vector) -> Vector
    /// 1 where `a == b`, else 0.
    static func indicator(_ a: Vector, equals b: Vector) -> Vector
    /// 1 where `a > 0`, else 0.
    static func indicatorPositive(_ a: Vector) -> Vector
    /// The larger of `a` and `b` in each lane (`b` where either is NaN).
    static func maximum(_ a: Vector, _ b: Vector) -> Vector
    /// `v` with lanes `count...` set to zero.
    static func keepingLanes(_ v: Vector, below count: Int) -> Vector

    /// One vector of class indices from a packed label column (`labelBytes`):
    /// `lanes` values of `bytes` bytes each (1 or 2) from `labels`, as floats (exact).
    static func labelVector(_ labels: UnsafeRawPointer, bytes: Int) -> Vector
}

extension KernelScalar {
    /// Number of lanes in `Vector`.
    @inlinable @inline(__always)
    public static var lanes: Int { Vector.scalarCount }

    /// Lane-wise logistic sigmoid, 1 / (1 + e^-z), from ``vectorExp(_:)``.
    @inlinable @inline(__always)
    public static func vectorSigmoid(_ z: Vector) -> Vector {
        let one = Vector(repeating: 1)
        return one / (one + vectorExp(-z))
    }

    /// The sum of a vector's lanes in a fixed order: a pairwise tree over lane index
    /// ((l0 + l1) + (l2 + l3)) + ... . `SIMD.sum()` makes no promise about its order.
    @inlinable @inline(__always)
    public static func horizontalSum(_ v: Vector) -> Self {
        var width = Vector.scalarCount
        var v = v
        while width > 1 {
            width /= 2
            for lane in 0..<width { v[lane] = v[2 * lane] + v[2 * lane + 1] }
        }
        return v[0]
    }

    /// e^x for one value, through lane 0 of ``vectorExp(_:)``, so scalar code matches vector code.
    @inlinable
    public static func scalarExp(_ x: Self) -> Self { vectorExp(Vector(repeating: x))[0] }

    /// log(x) for one value, through lane 0 of ``vectorLog(_:)``.
    @inlinable
    public static func scalarLog(_ x: Self) -> Self { vectorLog(Vector(repeating: x))[0] }
}
