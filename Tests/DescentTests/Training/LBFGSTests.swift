import DescentTestSupport
import Foundation
import Testing

@testable import Descent

/// L-BFGS on functions whose minimum is known, every accepted step checked against the
/// strong Wolfe conditions, and the saved history continuing with the same bits.
struct LBFGSTests {
    /// f(x) = 1/2 (x - c)^T A (x - c) with a dense, badly scaled symmetric positive definite A
    /// (A = B^T B + I with B asymmetric): minimum 0 at c.
    struct Quadratic {
        let a: [[Double]]
        let c: [Double]
        init(n: Int) {
            var b = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
            for i in 0..<n {
                for j in 0..<n {
                    let entry: Double = Double((i * 7 + j * 3) % 11) - 5
                    b[i][j] = i == j ? entry + Double(i) : entry
                }
            }
            var a = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
            for i in 0..<n {
                for j in 0..<n {
                    var sum: Double = i == j ? 1 : 0
                    for k in 0..<n { sum += b[k][i] * b[k][j] }
                    a[i][j] = sum
                }
            }
            self.a = a
            c = (0..<n).map { Double($0) - 2.5 }
        }
        func callAsFunction(_ x: UnsafeBufferPointer<Double>, _ g: UnsafeMutableBufferPointer<Double>) -> Double {
            var f = 0.0
            for i in 0..<c.count {
                var row = 0.0
                for j in 0..<c.count { row += a[i][j] * (x[j] - c[j]) }
                g[i] = row
                f += 0.5 * (x[i] - c[i]) * row
            }
            return f
        }
    }

    /// The Rosenbrock function in n dimensions: minimum 0 at (1, ..., 1), a curved valley
    /// where the Wolfe conditions matter.
    static func rosenbrock(_ x: UnsafeBufferPointer<Double>, _ g: UnsafeMutableBufferPointer<Double>) -> Double {
        var f = 0.0
        for i in 0..<x.count { g[i] = 0 }
        for i in 0..<(x.count - 1) {
            let t = x[i + 1] - x[i] * x[i]
            let u = 1 - x[i]
            f += 100 * t * t + u * u
            g[i] += -400 * x[i] * t - 2 * u
            g[i + 1] += 200 * t
        }
        return f
    }

    /// Runs to convergence, recording every evaluation, and checks each accepted step.
    func runChecked(
        start: [Double], memory: Int = 5, tolerance: Double = 1e-9, limit: Int = 500,
        _ objective: @escaping LBFGS.Objective
    ) -> (LBFGS, Int) {
        var solver = LBFGS(x: start, memory: memory, tolerance: tolerance, objective: objective)
        var iterations = 0
        while iterations < limit {
            let (x0, f0, g0) = (solver.x, solver.value, solver.gradient)
            let step = solver.iterate(objective)
            iterations += 1
            if step.outcome == .lineSearchFailed { break }
            let move = zip(solver.x, x0).map { $0 - $1 }
            let slope0 = zip(g0, move).reduce(0) { $0 + $1.0 * $1.1 }
            let slope1 = zip(solver.gradient, move).reduce(0) { $0 + $1.0 * $1.1 }
            #expect(slope0 < 0, "iteration \(iterations): a descent direction")
            #expect(
                solver.value <= f0 + LBFGS.sufficientDecrease * slope0,
                "iteration \(iterations): sufficient decrease (\(solver.value) vs \(f0))")
            #expect(
                abs(slope1) <= LBFGS.curvature * abs(slope0) * (1 + 1e-12),
                "iteration \(iterations): strong curvature condition (\(slope1) vs \(slope0))")
            if step.outcome != .progressed { break }
        }
        return (solver, iterations)
    }

    @Test func findsTheMinimumOfADenseQuadratic() {
        let q = Quadratic(n: 12)
        let (solver, iterations) = runChecked(start: [Double](repeating: 0, count: 12)) { q($0, $1) }
        // It stops on the gradient or, this badly conditioned, on a decrease at the limit of
        // double precision (scipy's ftol); either way at the minimum.
        #expect(LBFGS.maximumMagnitude(solver.gradient) <= 1e-5)
        for i in 0..<12 { #expect(abs(solver.x[i] - q.c[i]) < 1e-7, "x[\(i)] = \(solver.x[i]), minimum at \(q.c[i])") }
        #expect(iterations < 200)
    }

    @Test func followsTheRosenbrockValleyWithWolfeSteps() {
        let start = [-1.2, 1, -1.2, 1, 0.5, -0.3]
        let (solver, _) = runChecked(start: start, tolerance: 1e-7) { LBFGSTests.rosenbrock($0, $1) }
        for v in solver.x { #expect(abs(v - 1) < 1e-5, "\(solver.x)") }
    }

    /// The two-loop recursion is -H g for the inverse Hessian that the BFGS update formula
    /// builds from the kept pairs, oldest first, starting from (s . y) / (y . y) I of the
    /// newest pair: H <- (I - rho s y^T) H (I - rho y s^T) + rho s s^T.
    @Test func twoLoopRecursionIsTheBFGSInverseHessian() {
        let objective: LBFGS.Objective = { LBFGSTests.rosenbrock($0, $1) }
        var solver = LBFGS(x: [-1.2, 1, -1.2, 1, 0.5], memory: 3, tolerance: 0, objective: objective)
        for _ in 0..<5 { _ = solver.iterate(objective) }
        #expect(solver.s.count == 3)
        #expect(LBFGS.maximumMagnitude(solver.gradient) > 1e-2, "still far from the minimum: a real direction")
        let n = 5
        let newest = solver.s.count - 1
        let gamma = LBFGS.dot(solver.s[newest], solver.y[newest]) / LBFGS.dot(solver.y[newest], solver.y[newest])
        var h = (0..<n).map { i in (0..<n).map { j in i == j ? gamma : 0.0 } }
        for (s, y) in zip(solver.s, solver.y) {
            let rho = 1 / LBFGS.dot(s, y)
            // left = I - rho s y^T, right = I - rho y s^T
            let left = (0..<n).map { i in (0..<n).map { j in (i == j ? 1.0 : 0) - rho * s[i] * y[j] } }
            var product = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
            // (left H) right, written plainly.
            var leftH = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
            for i in 0..<n { for j in 0..<n { for a in 0..<n { leftH[i][j] += left[i][a] * h[a][j] } } }
            for i in 0..<n {
                for j in 0..<n {
                    var sum = 0.0
                    for a in 0..<n { sum += leftH[i][a] * ((a == j ? 1.0 : 0) - rho * y[a] * s[j]) }
                    product[i][j] = sum + rho * s[i] * s[j]
                }
            }
            h = product
        }
        let direction = solver.searchDirection()
        for i in 0..<n {
            var expected = 0.0
            for j in 0..<n { expected -= h[i][j] * solver.gradient[j] }
            #expect(
                abs(direction[i] - expected) <= 1e-9 * max(1, abs(expected)),
                "component \(i): two-loop \(direction[i]), BFGS matrix \(expected)")
        }
    }

    /// OWL-QN on f(x) = 1/2 |A (x - c)|^2 + l1 |x|_1 with A diagonal: the minimum is c
    /// soft-thresholded by l1 / a_i, with exact zeros; no iterate changes a component's sign
    /// without stopping at zero first (the orthant projection), and the last component,
    /// left unpenalised, is not shrunk.
    @Test func orthantWiseFindsTheSoftThresholdedMinimum() {
        let c = [3.0, -0.5, 0.2, -2, 1e-3, 0.7, -0.9]
        let a = [1.0, 2, 0.5, 1.5, 1, 3, 1]
        let l1 = 1.0
        let penalized = c.indices.map { $0 != c.count - 1 }
        let objective: LBFGS.Objective = { x, g in
            var f = 0.0
            for i in 0..<x.count {
                let r = a[i] * (x[i] - c[i])
                f += 0.5 * r * r
                g[i] = a[i] * r
            }
            return f
        }
        var solver = LBFGS(
            x: [-1, 1, -1, 1, -1, 0, 0.5], memory: 4, tolerance: 1e-12, l1: l1, penalized: penalized,
            objective: objective)
        for iteration in 1...200 {
            let before = solver.x
            let step = solver.iterate(objective)
            for i in c.indices where penalized[i] {
                #expect(before[i] * solver.x[i] >= 0, "iteration \(iteration): component \(i) jumped across zero")
            }
            if step.outcome != .progressed { break }
        }
        for i in c.indices {
            let shrink = penalized[i] ? l1 / (a[i] * a[i]) : 0
            let expected = c[i] > 0 ? max(c[i] - shrink, 0) : min(c[i] + shrink, 0)
            if expected == 0 {
                #expect(solver.x[i] == 0, "component \(i) is exactly zero (got \(solver.x[i]))")
            } else {
                #expect(abs(solver.x[i] - expected) < 1e-6, "component \(i): \(solver.x[i]), expected \(expected)")
            }
        }
        // Stopped on the gradient or on a decrease at the limit of double precision (1e-7 here).
        #expect(LBFGS.maximumMagnitude(solver.steepest) <= 1e-6)
    }

    @Test func historyKeepsAtMostMemoryPairs() {
        let q = Quadratic(n: 8)
        var solver = LBFGS(x: [Double](repeating: 1, count: 8), memory: 3, tolerance: 0) { q($0, $1) }
        for _ in 0..<6 { _ = solver.iterate { q($0, $1) } }
        #expect(solver.s.count == 3 && solver.y.count == 3)
    }

    /// A run saved after k iterations and continued from `savedState` gives the bits of the
    /// run that never stopped.
    @Test func savedStateContinuesWithTheSameBits() throws {
        let objective: LBFGS.Objective = { LBFGSTests.rosenbrock($0, $1) }
        let start = [-1.2, 1, 0.7, -0.4]
        var straight = LBFGS(x: start, memory: 4, tolerance: 0, objective: objective)
        var saved: [Double] = []
        var straightSteps: [LBFGS.Step] = []
        for k in 0..<12 {
            if k == 5 { saved = straight.savedState }
            straightSteps.append(straight.iterate(objective))
        }
        let restored = try #require(LBFGS.restore(saved, parameterCount: 4, memory: 4))
        var resumed = LBFGS(
            x: restored.x, history: (restored.s, restored.y), memory: 4, tolerance: 0, objective: objective)
        var resumedSteps: [LBFGS.Step] = []
        for _ in 5..<12 { resumedSteps.append(resumed.iterate(objective)) }
        #expect(resumedSteps.map(\.value.bitPattern) == straightSteps[5...].map(\.value.bitPattern))
        #expect(resumed.x.map(\.bitPattern) == straight.x.map(\.bitPattern))
    }

    @Test func restoreRefusesAStateOfTheWrongShape() {
        let q = Quadratic(n: 4)
        var solver = LBFGS(x: [0, 0, 0, 0], memory: 3, tolerance: 0) { q($0, $1) }
        for _ in 0..<3 { _ = solver.iterate { q($0, $1) } }
        let state = solver.savedState
        #expect(LBFGS.restore(state, parameterCount: 4, memory: 3) != nil)
        #expect(LBFGS.restore(state, parameterCount: 5, memory: 3) == nil)
        #expect(LBFGS.restore(state, parameterCount: 4, memory: 2) == nil, "more pairs than the memory")
        #expect(LBFGS.restore(Array(state.dropLast()), parameterCount: 4, memory: 3) == nil)
        // The first pair's s replaced by -y: s . y < 0, not a pair BFGS can have kept.
        var flipped = state
        let pairs = Int(state[0])
        let firstY = 1 + 4 + pairs * 4
        for i in 0..<4 { flipped[1 + 4 + i] = -state[firstY + i] }
        #expect(pairs >= 1)
        #expect(LBFGS.restore(flipped, parameterCount: 4, memory: 3) == nil)
    }

    @Test func startsConvergedWhenTheGradientIsWithinTolerance() {
        let q = Quadratic(n: 3)
        let solver = LBFGS(x: q.c, memory: 3, tolerance: 1e-12) { q($0, $1) }
        #expect(solver.gradientWithinTolerance)
        #expect(solver.evaluations == 1)
    }

    /// The cubic through two points of a cubic polynomial is that polynomial: its minimizer.
    @Test func cubicInterpolationFindsTheMinimizerOfACubic() throws {
        // p(t) = t^3 - 3t: minimum at t = 1.
        func trial(_ t: Double) -> LBFGS.Trial {
            LBFGS.Trial(step: t, x: [], value: t * t * t - 3 * t, gradient: [], slope: 3 * t * t - 3)
        }
        let m = try #require(LBFGS.cubicMinimizer(trial(0.2), trial(2.5)))
        #expect(abs(m - 1) < 1e-12)
        let reversed = try #require(LBFGS.cubicMinimizer(trial(2.5), trial(0.2)))
        #expect(abs(reversed - 1) < 1e-12)
    }
}
