import DescentTestSupport
import Foundation
import Testing

@testable import Descent

/// The vector math of ``KernelScalar`` (`KernelScalar+Double.swift`, `KernelScalar+Float.swift`):
/// the polynomial exp and log against libm, over the ranges the kernels use, the sigmoid and
/// the horizontal sum.
struct KernelScalarTests {
    func check<T: KernelScalar>(_ type: T.Type, expTolerance: Double, logTolerance: Double) {
        var worstExp = 0.0
        var worstLog = 0.0
        for i in 0...4000 {
            let x = -700.0 + 1400.0 * Double(i) / 4000.0
            let clamped = T.self == Float.self ? max(-80, min(80, x / 8.75)) : x
            let got = Double(T.scalarExp(T(clamped)))
            let want = Foundation.exp(Double(T(clamped)))
            worstExp = worse(worstExp, abs(got - want) / want)
            let y = Foundation.exp(Double(i) / 400.0 - 5)  // 0.0067 ... 1.5e2
            let gotLog = Double(T.scalarLog(T(y)))
            let wantLog = Foundation.log(Double(T(y)))
            worstLog = worse(worstLog, abs(gotLog - wantLog) / max(1, abs(wantLog)))
        }
        #expect(worstExp < expTolerance, "exp relative error \(worstExp)")
        #expect(worstExp > 0 && worstLog > 0, "the polynomials are not libm: some difference shows")
        #expect(worstLog < logTolerance, "log error \(worstLog)")
    }

    @Test func doubleExpAndLogMatchLibm() { check(Double.self, expTolerance: 6e-16, logTolerance: 4e-16) }
    @Test func floatExpAndLogMatchLibm() { check(Float.self, expTolerance: 2.5e-7, logTolerance: 3e-7) }

    @Test func sigmoidSaturatesWithoutNaN() {
        for z in [-1e308, -1000, -40, 0, 40, 1000, 1e308] as [Double] {
            let p = Double.vectorSigmoid(SIMD8(repeating: z))[0]
            #expect(p.isFinite && p >= 0 && p <= 1)
        }
        #expect(Double.vectorSigmoid(SIMD8(repeating: 0))[0] == 0.5)
        #expect(Float.vectorSigmoid(SIMD16(repeating: 0))[0] == 0.5)
    }

    /// The table exp: e^0 is exactly 1, and at the table's own points, x = (16 k + j) ln2/16
    /// for every j, e^x is 2^k 2^(j/16) to within two roundings (r is then near 0, so the
    /// result is the table entry, with k in the exponent).
    @Test func expIsExactAtZeroAndRightAtEveryTableEntry() {
        #expect(Double.scalarExp(0) == 1)
        #expect(Float.scalarExp(0) == 1)
        for k in [-1000, -3, 0, 1, 7, 1000] {
            for j in 0..<16 {
                let x = (Double(16 * k + j) / 16) * 0.693_147_180_559_945_3
                let want = Foundation.exp(x)
                #expect(abs(Double.scalarExp(x) - want) / want < 4e-16, "float64 e^x at k \(k) j \(j)")
                if abs(k) < 100 {
                    let got = Double(Float.scalarExp(Float(x)))
                    let wantFloat = Foundation.exp(Double(Float(x)))
                    #expect(abs(got - wantFloat) / wantFloat < 2.5e-7, "float32 e^x at k \(k) j \(j)")
                }
            }
        }
    }

    @Test func horizontalSumIsAFixedPairwiseTree() {
        var v = SIMD8<Double>(repeating: 0)
        for i in 0..<8 { v[i] = [1e16, 1, -1e16, 1, 3, 4, 5, 6][i] }
        let expected = (((1e16 + 1) + (-1e16 + 1)) + ((3 + 4) + (5 + 6)))
        #expect(Double.horizontalSum(v) == expected)
    }
}
