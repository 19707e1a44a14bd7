import Foundation
import Testing
@testable import Descent
import DescentTestSupport

/// The polynomial exp and log against libm, over the ranges the kernels use.
struct VectorMathTests {
    func check<T: KernelScalar>(_ type: T.Type, expTolerance: Double, logTolerance: Double) {
        var worstExp = 0.0, worstLog = 0.0
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

    @Test func doubleExpAndLogMatchLibm() { check(Double.self, expTolerance: 1.5e-15, logTolerance: 4e-16) }
    @Test func floatExpAndLogMatchLibm() { check(Float.self, expTolerance: 4e-7, logTolerance: 3e-7) }

    @Test func sigmoidSaturatesWithoutNaN() {
        for z in [-1e308, -1000, -40, 0, 40, 1000, 1e308] as [Double] {
            let p = Double.vectorSigmoid(SIMD8(repeating: z))[0]
            #expect(p.isFinite && p >= 0 && p <= 1)
        }
        #expect(Double.vectorSigmoid(SIMD8(repeating: 0))[0] == 0.5)
    }

    @Test func horizontalSumIsAFixedPairwiseTree() {
        var v = SIMD8<Double>(repeating: 0)
        for i in 0..<8 { v[i] = [1e16, 1, -1e16, 1, 3, 4, 5, 6][i] }
        let expected = (((1e16 + 1) + (-1e16 + 1)) + ((3 + 4) + (5 + 6)))
        #expect(Double.horizontalSum(v) == expected)
    }
}
